"""Saving and loading: a full round trip (enough to continue training), memory-mapped
loading, loading that never executes code from the file, and atomic saves.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from w2v import KeyedVectors, Word2Vec

CONFIGS = {
    "cbow-neg": {"sg": 0},
    "sg-hs": {"sg": 1, "hs": 1, "negative": 0},
    "sg-neg-hs": {"sg": 1, "hs": 1, "negative": 3, "null_word": 1},
}


@pytest.fixture(scope="module", params=list(CONFIGS))
def model_and_corpus(request, small_sentences):
    params = dict(vector_size=16, epochs=2, workers=1, seed=11, min_count=3)
    model = Word2Vec(small_sentences, **params, **CONFIGS[request.param])
    return model, small_sentences


def _same_model(a: Word2Vec, b: Word2Vec) -> None:
    assert a.wv.index_to_key == b.wv.index_to_key
    assert a.wv.key_to_index == b.wv.key_to_index
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    assert a.wv.vectors.dtype == b.wv.vectors.dtype == np.float32
    for attr in ("count", "sample_int"):
        np.testing.assert_array_equal(a.wv.expandos[attr], b.wv.expandos[attr])
    if a.negative:
        np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    if a.hs:
        np.testing.assert_array_equal(a.syn1, b.syn1)
    for name in (
        "vector_size",
        "alpha",
        "window",
        "min_count",
        "sample",
        "seed",
        "workers",
        "min_alpha",
        "sg",
        "hs",
        "negative",
        "ns_exponent",
        "cbow_mean",
        "epochs",
        "null_word",
        "sorted_vocab",
        "max_final_vocab",
        "shrink_windows",
        "corpus_count",
        "corpus_total_words",
        "effective_min_count",
    ):
        assert getattr(a, name) == getattr(b, name), name


# ---- round trip ----------------------------------------------------------------------------


def test_round_trip_keeps_everything(tmp_path, model_and_corpus):
    model, _ = model_and_corpus
    path = tmp_path / "model.w2v"
    model.save(str(path))
    loaded = Word2Vec.load(str(path))
    _same_model(model, loaded)
    assert loaded.wv.most_similar("mr", topn=5) == model.wv.most_similar("mr", topn=5)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_loaded_model_continues_training_exactly_like_the_original(
    tmp_path, small_sentences, config
):
    """Everything training depends on is saved: with one worker, continuing to train the
    loaded model gives bit-identical vectors to continuing with the model in memory."""
    corpus = small_sentences[:1500]
    params = dict(vector_size=16, epochs=1, workers=1, seed=5, min_count=3)
    model = Word2Vec(corpus, **params, **CONFIGS[config])
    model.save(tmp_path / "model.w2v")
    loaded = Word2Vec.load(tmp_path / "model.w2v")
    for m in (model, loaded):
        m.train(corpus, total_examples=m.corpus_count, epochs=2)
    _same_model(model, loaded)
    trained_once = Word2Vec.load(tmp_path / "model.w2v")
    assert not np.array_equal(trained_once.wv.vectors, loaded.wv.vectors)


def test_loaded_model_accepts_new_words(tmp_path, small_sentences, demo_sentences):
    model = Word2Vec(small_sentences, vector_size=16, epochs=1, workers=2)
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    n = len(loaded.wv)
    extra = demo_sentences[20000:21000]
    loaded.build_vocab(extra, update=True)
    loaded.train(extra, total_examples=loaded.corpus_count, epochs=1)
    assert len(loaded.wv) > n
    assert len(loaded.wv.vectors) == len(loaded.wv)


def test_keyedvectors_round_trip(tmp_path, model_and_corpus):
    model, _ = model_and_corpus
    model.wv.save(str(tmp_path / "kv.w2v"))
    kv = KeyedVectors.load(str(tmp_path / "kv.w2v"))
    assert kv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(kv.vectors, model.wv.vectors)
    # The vectors of a whole saved model load as KeyedVectors too.
    model.save(tmp_path / "model.w2v")
    kv2 = KeyedVectors.load(str(tmp_path / "model.w2v"))
    np.testing.assert_array_equal(kv2.vectors, model.wv.vectors)


# ---- memory-mapped loading --------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path, small_sentences):
    model = Word2Vec(small_sentences, vector_size=16, epochs=1, workers=1, seed=3)
    path = tmp_path / "m.w2v"
    model.save(path)
    return model, path


def test_mmap_read_only_load(saved):
    model, path = saved
    loaded = Word2Vec.load(path, mmap="r")
    assert isinstance(loaded.wv.vectors, np.memmap)
    assert not loaded.wv.vectors.flags.writeable
    _same_model(model, loaded)
    assert loaded.wv.most_similar("day", topn=3) == model.wv.most_similar("day", topn=3)
    kv = KeyedVectors.load(str(path), mmap="r")
    np.testing.assert_array_equal(kv.vectors, model.wv.vectors)


def test_mmap_copy_on_write_trains_without_touching_the_file(saved, small_sentences):
    model, path = saved
    before = path.read_bytes()
    loaded = Word2Vec.load(path, mmap="c")
    loaded.train(small_sentences, total_examples=loaded.corpus_count, epochs=1)
    assert not np.array_equal(loaded.wv.vectors, model.wv.vectors)
    assert path.read_bytes() == before


def test_training_a_read_only_mmap_model_trains_a_copy(saved, small_sentences):
    # mmap="r" maps the file read-only: training copies the arrays into memory first, so the
    # model trains and the file on disk is left exactly as saved.
    model, path = saved
    loaded = Word2Vec.load(path, mmap="r")
    before = Path(path).read_bytes()
    loaded.train(small_sentences, total_examples=len(small_sentences), epochs=1)
    assert not isinstance(loaded.wv.vectors, np.memmap)
    assert not np.array_equal(loaded.wv.vectors, model.wv.vectors)
    assert Path(path).read_bytes() == before


def test_bad_mmap_mode(saved):
    with pytest.raises(ValueError, match="mmap"):
        Word2Vec.load(saved[1], mmap="w+")


# ---- loading never runs code -----------------------------------------------------------------


class _Trap:
    """Unpickling this creates a marker file: proof that a pickle was executed."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("protocol", [0, 2, 4, pickle.HIGHEST_PROTOCOL])
def test_pickle_file_is_refused_without_unpickling(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.model"
    path.write_bytes(pickle.dumps({"model": _Trap(marker)}, protocol=protocol))
    with pytest.raises(ValueError):
        Word2Vec.load(path)
    with pytest.raises(ValueError):
        KeyedVectors.load(str(path))
    assert not marker.exists()


def test_gensim_model_file_is_refused_with_advice(tmp_path, small_sentences):
    from gensim.models import Word2Vec as GensimWord2Vec

    path = tmp_path / "gensim.model"
    GensimWord2Vec(small_sentences[:200], vector_size=8, min_count=1, epochs=1).save(str(path))
    with pytest.raises(ValueError, match="(?i)pickle"):
        Word2Vec.load(path)


def _tamper(src, dst, replace):
    """Copy the archive ``src`` to ``dst`` with some members replaced."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)


def _object_npy(marker) -> bytes:
    arr = np.empty(2, dtype=object)
    arr[0] = _Trap(marker)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize("mmap", [None, "r", "c"])
@pytest.mark.parametrize("member", ["wv.vectors.npy", "syn1neg.npy", "wv.vecattr.count.npy"])
def test_object_array_in_archive_is_refused(tmp_path, saved, mmap, member):
    _, path = saved
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.w2v"
    with zipfile.ZipFile(path) as z:
        assert member in z.namelist()
    _tamper(path, evil, {member: _object_npy(marker)})
    with pytest.raises(ValueError):
        Word2Vec.load(evil, mmap=mmap)
    assert not marker.exists()


def test_extra_object_member_is_refused(tmp_path, saved):
    _, path = saved
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.w2v"
    _tamper(path, evil, {})
    with zipfile.ZipFile(evil, "a") as z:
        z.writestr("extra.npy", _object_npy(marker))
    with pytest.raises(ValueError):
        Word2Vec.load(evil)
    assert not marker.exists()


def test_not_a_model_file_is_a_value_error(tmp_path, saved):
    for name, data in [("text.txt", b"hello world\n"), ("empty.bin", b"")]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError):
            Word2Vec.load(path)
    # A zip that is not a w2v archive.
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("meta.json", json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError):
        Word2Vec.load(path)


def test_missing_model_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing-here.w2v"):
        Word2Vec.load(tmp_path / "nothing-here.w2v")


# ---- atomic saves -----------------------------------------------------------------------------


def _failing_write_array(real, fail_on_call):
    calls = {"n": 0}

    def write_array(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_on_call:
            raise OSError("disk full (simulated)")
        return real(*args, **kwargs)

    return write_array


@pytest.mark.parametrize("fail_on_call", [1, 2, 4])
def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, saved, fail_on_call):
    model, _ = saved
    directory = tmp_path / "out"
    directory.mkdir()
    path = directory / "model.w2v"
    model.save(path)
    before = path.read_bytes()
    listing = sorted(os.listdir(directory))

    other = Word2Vec.load(path)
    other.wv.vectors = other.wv.vectors + 1.0
    monkeypatch.setattr(
        np.lib.format,
        "write_array",
        _failing_write_array(np.lib.format.write_array, fail_on_call),
    )
    with pytest.raises(OSError, match="disk full"):
        other.save(path)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert sorted(os.listdir(directory)) == listing, "a temporary file was left behind"
    np.testing.assert_array_equal(Word2Vec.load(path).wv.vectors, model.wv.vectors)


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch, saved):
    model, _ = saved
    directory = tmp_path / "fresh"
    directory.mkdir()
    real = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", _failing_write_array(real, 1))
    with pytest.raises(OSError):
        model.save(directory / "model.w2v")
    monkeypatch.setattr(np.lib.format, "write_array", _failing_write_array(real, 1))
    with pytest.raises(OSError):
        model.wv.save(str(directory / "kv.w2v"))
    assert os.listdir(directory) == []


def test_save_replaces_an_existing_file(tmp_path, saved):
    model, _ = saved
    directory = tmp_path / "replace"
    directory.mkdir()
    path = directory / "model.w2v"
    path.write_bytes(b"old content")
    model.save(path)
    np.testing.assert_array_equal(Word2Vec.load(path).wv.vectors, model.wv.vectors)
    assert os.listdir(directory) == ["model.w2v"]
