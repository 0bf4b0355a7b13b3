"""Cases where gensim's own behavioural tests once told w2v apart from gensim.

Each test pins w2v to gensim's behaviour (or, where w2v goes further, to what
``docs/gensim-differences.md`` says): the loss with hierarchical softmax and negative
sampling together, ``Word2Vec.load`` on an instance or on a KeyedVectors file, each word's
Huffman ``code`` and ``point``, tiny corpora trained the same for any ``workers``, and
``most_similar`` of a key and of its unit vector.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest
from gensim_texts import COMMON_TEXTS, lines

import w2v
from w2v import KeyedVectors, Word2Vec


@pytest.fixture(scope="module")
def lee_like() -> List[List[str]]:
    """A few thousand words with real repetition: the demo corpus's first lines."""
    with gzip.open(w2v.datasets.demo_path(), "rt", encoding="utf-8") as f:
        return [line.split() for _, line in zip(range(400), f) if line.split()]


# ---- the loss with hs=1 and negative > 0 ------------------------------------------------------


def test_compute_loss_with_hs_and_negative_is_positive() -> None:
    # gensim's test_compute_training_loss, word for word: on this 29-word corpus, subsampling
    # leaves some epochs with nothing to predict, so a per-epoch loss was often 0.
    model = Word2Vec(min_count=1, sg=1, negative=5, hs=1)
    model.build_vocab(COMMON_TEXTS)
    model.train(COMMON_TEXTS, compute_loss=True, total_examples=model.corpus_count, epochs=5)
    assert model.get_latest_training_loss() > 0.0


class FirstPassOnly:
    """A corpus whose later passes are empty: every epoch after the first trains nothing."""

    def __init__(self, sentences: List[List[str]]) -> None:
        self.sentences = sentences
        self.passes = 0

    def __iter__(self) -> Any:
        self.passes += 1  # on the first sentence asked for, not on iter(self)
        yield from self.sentences if self.passes == 1 else []


@pytest.mark.parametrize("sg", [0, 1])
def test_loss_after_an_empty_last_epoch_is_positive(sg: int) -> None:
    # What made gensim's test fail: the loss of the last epoch alone may well be 0.
    model = Word2Vec(min_count=1, sg=sg, negative=5, hs=1, sample=0)
    model.build_vocab(COMMON_TEXTS)
    model.train(FirstPassOnly(COMMON_TEXTS), compute_loss=True, total_examples=9, epochs=3)
    assert model.loss_history[0] > 0 and model.loss_history[1:] == [0.0, 0.0]
    assert model.get_latest_training_loss() == model.loss_history[0]


@pytest.mark.parametrize("sg", [0, 1])
def test_latest_loss_sums_the_epochs_of_the_train_call(sg: int, lee_like: List[List[str]]) -> None:
    model = Word2Vec(lee_like, min_count=1, sg=sg, hs=1, negative=5, epochs=3, compute_loss=True)
    assert len(model.loss_history) == 3 and min(model.loss_history) > 0
    assert model.get_latest_training_loss() == pytest.approx(sum(model.loss_history))
    model.train(lee_like, total_examples=len(lee_like), epochs=2, compute_loss=True)
    assert len(model.loss_history) == 5
    assert model.get_latest_training_loss() == pytest.approx(sum(model.loss_history[3:]))


@pytest.mark.parametrize("sg", [0, 1])
def test_loss_with_both_heads_counts_both(sg: int, lee_like: List[List[str]]) -> None:
    # Untrained output rows are 0, so every prediction of either head first costs log 2: at a
    # learning rate too small to move them, hs + negative costs what hs and negative cost apart.
    def first_epoch_loss(hs: int, negative: int) -> float:
        model = Word2Vec(
            lee_like,
            min_count=1,
            sg=sg,
            hs=hs,
            negative=negative,
            sample=0,
            shrink_windows=False,
            alpha=1e-12,
            min_alpha=1e-12,
            epochs=1,
            workers=1,
            compute_loss=True,
        )
        return model.get_latest_training_loss()

    both, hs, negative = first_epoch_loss(1, 5), first_epoch_loss(1, 0), first_epoch_loss(0, 5)
    assert hs > 0 and negative > 0
    assert both == pytest.approx(hs + negative, rel=0.01)


# ---- Word2Vec.load ----------------------------------------------------------------------------


def test_load_on_an_instance_raises_attribute_error(tmp_path: Path) -> None:
    # gensim's load_on_instance: model.load(path) would leave `model` as it was.
    path = tmp_path / "m.w2v"
    Word2Vec(COMMON_TEXTS, min_count=1, epochs=1).save(path)
    model = Word2Vec()
    with pytest.raises(AttributeError, match="Word2Vec.load"):
        model.load(path)
    loaded = Word2Vec.load(path)  # on the class, as ever
    assert isinstance(loaded, Word2Vec) and "human" in loaded.wv

    class Mine(Word2Vec):
        pass

    assert type(Mine.load(path)) is Mine
    with pytest.raises(AttributeError):
        Mine().load(path)


def test_loading_keyed_vectors_with_word2vec_load(tmp_path: Path) -> None:
    # gensim raises AttributeError there; w2v's error is also a ValueError (its file errors).
    path = tmp_path / "vectors.kv"
    Word2Vec(COMMON_TEXTS, min_count=1, epochs=1).wv.save(path)
    with pytest.raises(AttributeError, match="KeyedVectors"):
        Word2Vec.load(path)
    with pytest.raises(ValueError, match="not a Word2Vec model"):
        Word2Vec.load(path)


# ---- each word's Huffman code and point --------------------------------------------------------


def reference_paths(index_to_key: List[str], counts: np.ndarray) -> Dict[str, Any]:
    """gensim's own tree for these words and counts (gensim builds it in Python)."""
    gensim_models = pytest.importorskip("gensim.models")
    from gensim.models.word2vec import _assign_binary_codes

    gkv = gensim_models.KeyedVectors(4, count=0)
    gkv.index_to_key = list(index_to_key)
    gkv.key_to_index = {w: i for i, w in enumerate(index_to_key)}
    gkv.vectors = np.zeros((len(index_to_key), 4), dtype=np.float32)
    gkv.expandos = {"count": np.array(counts, dtype=np.int64)}
    _assign_binary_codes(gkv)
    return {w: (gkv.get_vecattr(w, "code"), gkv.get_vecattr(w, "point")) for w in index_to_key}


def assert_gensim_paths(model: Word2Vec) -> None:
    wv = model.wv
    expected = reference_paths(wv.index_to_key, wv.expandos["count"])
    codes, points = wv.expandos["code"], wv.expandos["point"]
    assert codes.dtype == object and len(codes) == len(wv) == len(points)
    for i, word in enumerate(wv.index_to_key):
        code, point = wv.get_vecattr(word, "code"), wv.get_vecattr(word, "point")
        assert code.dtype == np.uint8 and point.dtype == np.uint32
        np.testing.assert_array_equal(code, expected[word][0])
        np.testing.assert_array_equal(point, expected[word][1])
        np.testing.assert_array_equal(codes[i], code)
        np.testing.assert_array_equal(points[i], point)
        assert len(code) == len(point) > 0
        # The rows of syn1 on the path exist.
        assert int(point.max()) < len(model.syn1)


@pytest.mark.parametrize("negative", [0, 5])
def test_code_and_point_are_gensims(negative: int, lee_like: List[List[str]]) -> None:
    model = Word2Vec(lee_like, min_count=2, hs=1, negative=negative, epochs=1)
    assert_gensim_paths(model)


def test_code_and_point_follow_the_vocabulary(tmp_path: Path, lee_like: List[List[str]]) -> None:
    model = Word2Vec(lee_like[:100], min_count=1, hs=1, negative=0, epochs=1)
    before = model.wv.get_vecattr(model.wv.index_to_key[0], "code")
    model.build_vocab(lee_like[100:] + COMMON_TEXTS, update=True)
    assert "graph" in model.wv
    assert_gensim_paths(model)  # the tree of the new counts, as training uses it
    assert len(model.wv.get_vecattr(model.wv.index_to_key[0], "code")) >= 1
    assert before.dtype == np.uint8

    # Never saved (the counts give the tree back), yet there after loading.
    path = tmp_path / "hs.w2v"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert not any("code" in n or "point" in n for n in zf.namelist())
    assert_gensim_paths(Word2Vec.load(path))


def test_code_and_point_only_for_hierarchical_softmax(tmp_path: Path) -> None:
    model = Word2Vec(COMMON_TEXTS, min_count=1, hs=0, negative=5, epochs=1)
    with pytest.raises(KeyError, match="code"):
        model.wv.get_vecattr("human", "code")
    assert model.wv.expandos.get("point") is None
    # Vectors alone (no model, no tree) have none either, as in gensim.
    hs = Word2Vec(COMMON_TEXTS, min_count=1, hs=1, negative=0, epochs=1)
    hs.wv.save(tmp_path / "v.kv")
    with pytest.raises(KeyError):
        KeyedVectors.load(tmp_path / "v.kv").get_vecattr("human", "code")


# ---- a corpus smaller than one job trains the same for any `workers` --------------------------


def tiny_inputs(tmp_path: Path) -> Dict[str, Any]:
    text = lines(COMMON_TEXTS)
    plain = tmp_path / "c.txt"
    plain.write_text(text)
    gz = tmp_path / "c.txt.gz"
    with gzip.open(gz, "wt") as f:
        f.write(text)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in range(3):
        (parts / f"p{i}.txt").write_text(lines(COMMON_TEXTS[3 * i : 3 * i + 3]))
    gz_parts = tmp_path / "gz_parts"
    gz_parts.mkdir()
    for i in range(3):
        with gzip.open(gz_parts / f"p{i}.txt.gz", "wt") as f:
            f.write(lines(COMMON_TEXTS[3 * i : 3 * i + 3]))
    return {
        "list": {"sentences": COMMON_TEXTS},
        "corpus_file": {"corpus_file": str(plain)},
        "corpus_files": {"corpus_file": [str(parts / f"p{i}.txt") for i in range(3)]},
        "LineSentence": {"sentences": w2v.LineSentence(plain)},
        "LineSentence gzip": {"sentences": w2v.LineSentence(gz)},
        "LineSentence limit": {"sentences": w2v.LineSentence(plain, limit=6)},
        "file object": {"sentences": w2v.LineSentence(io.BytesIO(text.encode()))},
        "PathLineSentences": {"sentences": w2v.PathLineSentences(parts)},
        "PathLineSentences gzip": {"sentences": w2v.PathLineSentences(gz_parts)},
        "Text8Corpus": {"sentences": w2v.Text8Corpus(plain)},
    }


@pytest.mark.parametrize(
    "params",
    [
        {"sg": 1, "negative": 5},
        {"sg": 0, "negative": 5},
        {"sg": 1, "hs": 1, "negative": 0},
        {"sg": 0, "hs": 1, "negative": 3, "shared_negatives": False},
    ],
    ids=["sg", "cbow", "sg-hs", "cbow-hs-classic"],
)
def test_tiny_corpus_trains_the_same_for_any_workers(tmp_path: Path, params: dict) -> None:
    for name, corpus in tiny_inputs(tmp_path).items():
        runs = [
            Word2Vec(**corpus, min_count=1, seed=11, workers=workers, **params).wv.vectors
            for workers in (1, 2, 3, 4, 2)
        ]
        for other in runs[1:]:
            np.testing.assert_array_equal(runs[0], other, err_msg=name)


def test_one_job_by_batch_words(tmp_path: Path) -> None:
    # 29 words: one job at batch_words=29, so `workers` does not matter (files included).
    path = tmp_path / "c.txt"
    path.write_text(lines(COMMON_TEXTS))
    for corpus in ({"corpus_file": str(path)}, {"sentences": COMMON_TEXTS}):
        runs = [
            Word2Vec(**corpus, min_count=1, seed=5, batch_words=29, workers=w).wv.vectors
            for w in (1, 3, 4)
        ]
        np.testing.assert_array_equal(runs[0], runs[1])
        np.testing.assert_array_equal(runs[0], runs[2])


# ---- most_similar of a key and of its unit vector -------------------------------------------


@pytest.fixture(scope="module")
def trained(lee_like: List[List[str]]) -> Word2Vec:
    return Word2Vec(lee_like, min_count=2, vector_size=48, epochs=2, workers=2, seed=3)


def test_most_similar_of_a_key_and_of_its_unit_vector_agree_bit_for_bit(
    trained: Word2Vec,
) -> None:
    wv = trained.wv
    for word in wv.index_to_key[:200]:
        by_key = wv.most_similar(word, topn=10)
        by_vector = dict(wv.most_similar(positive=[wv.get_vector(word, norm=True)], topn=11))
        assert by_vector[word] == pytest.approx(1.0, abs=1e-6)
        for key, sim in by_key:
            assert by_vector[key] == sim, (word, key)  # identical, not merely close


def test_mixed_keys_and_vectors_agree_bit_for_bit(trained: Word2Vec) -> None:
    wv = trained.wv
    a, b, c = wv.index_to_key[5], wv.index_to_key[17], wv.index_to_key[40]
    unit = {w: wv.get_vector(w, norm=True) for w in (a, b, c)}
    by_key = wv.most_similar(positive=[a, b], negative=[c], topn=None)
    by_vector = wv.most_similar(positive=[unit[a], unit[b]], negative=[unit[c]], topn=None)
    mixed = wv.most_similar(positive=[unit[a], b], negative=[c], topn=None)
    np.testing.assert_array_equal(by_key, by_vector)
    np.testing.assert_array_equal(by_key, mixed)
    np.testing.assert_array_equal(
        wv.get_mean_vector([a, b]), wv.get_mean_vector([unit[a], unit[b]], pre_normalize=False)
    )
