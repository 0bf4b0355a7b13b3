"""``w2v.load``, ``detect_format`` and ``save_vectors`` (``w2v/loading.py``) on every format.

One tiny model is trained per module; every file is written from it, so each load can be
checked against the same keys and vectors. Formats are told apart by content, so several
files are given names that lie about what they hold.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import w2v
from w2v.errors import CompressedFileError
from w2v.loading import FormatError, detect_format, format_for_name, load, save_vectors

SENTENCES = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["the", "dog", "sat", "on", "the", "log"],
    ["a", "cat", "and", "a", "dog", "met", "on", "a", "mat"],
] * 20

COMPRESSORS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The model, and files of every format written from it (some under misleading names)."""
    work = tmp_path_factory.mktemp("io")
    model = w2v.Word2Vec(SENTENCES, vector_size=8, min_count=1, epochs=1, workers=1, seed=1)
    paths = SimpleNamespace(work=work, model=model)
    paths.model_file = str(work / "model.w2v")
    model.save(paths.model_file)
    paths.kv_file = str(work / "vectors.w2v")
    model.wv.save(paths.kv_file)
    paths.text = str(work / "vectors.txt")
    model.wv.save_word2vec_format(paths.text)
    paths.binary = str(work / "vectors.bin")
    model.wv.save_word2vec_format(paths.binary, binary=True)
    # Binary data called .txt, text called .bin: the content decides.
    paths.binary_named_txt = str(work / "binary.txt")
    Path(paths.binary_named_txt).write_bytes(Path(paths.binary).read_bytes())
    paths.text_named_bin = str(work / "text.bin")
    Path(paths.text_named_bin).write_bytes(Path(paths.text).read_bytes())
    return paths


def assert_same_vectors(kv: w2v.KeyedVectors, model: w2v.Word2Vec, n: int = 0) -> None:
    n = n or len(model.wv)
    assert kv.index_to_key == model.wv.index_to_key[:n]
    np.testing.assert_allclose(kv.vectors, model.wv.vectors[:n], rtol=1e-5, atol=1e-6)


def test_load_is_exported() -> None:
    assert w2v.load is load and "load" in w2v.__all__


def test_model_archive(files: SimpleNamespace) -> None:
    assert detect_format(files.model_file) == "w2v"
    model = w2v.load(files.model_file)
    assert isinstance(model, w2v.Word2Vec) and model.vector_size == 8
    assert_same_vectors(model.wv, files.model)
    np.testing.assert_array_equal(model.syn1neg, files.model.syn1neg)
    mapped = w2v.load(files.model_file, mmap="r", kind="model")
    assert isinstance(mapped, w2v.Word2Vec) and isinstance(mapped.wv.vectors, np.memmap)
    kv = w2v.load(files.model_file, kind="vectors")
    assert type(kv) is w2v.KeyedVectors
    assert_same_vectors(kv, files.model)


def test_keyed_vectors_archive(files: SimpleNamespace) -> None:
    assert detect_format(files.kv_file) == "w2v"
    kv = w2v.load(files.kv_file)
    assert type(kv) is w2v.KeyedVectors
    assert_same_vectors(kv, files.model)
    with pytest.raises(FormatError, match="only word vectors"):
        w2v.load(files.kv_file, kind="model")


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("text", "word2vec-text"),
        ("binary", "word2vec-binary"),
        ("binary_named_txt", "word2vec-binary"),
        ("text_named_bin", "word2vec-text"),
    ],
)
def test_word2vec_files(files: SimpleNamespace, name: str, fmt: str) -> None:
    path = getattr(files, name)
    assert detect_format(path) == fmt
    kv = w2v.load(path)
    assert type(kv) is w2v.KeyedVectors
    assert_same_vectors(kv, files.model)
    assert w2v.load(path, kind="vectors").index_to_key == kv.index_to_key
    with pytest.raises(FormatError, match="only word vectors"):
        w2v.load(path, kind="model")


@pytest.mark.parametrize("codec", sorted(COMPRESSORS))
@pytest.mark.parametrize("name, fmt", [("text", "word2vec-text"), ("binary", "word2vec-binary")])
def test_compressed_word2vec_files(files: SimpleNamespace, codec: str, name: str, fmt: str) -> None:
    # No compression suffix: the magic bytes say it.
    path = files.work / f"{name}-{codec}"
    path.write_bytes(COMPRESSORS[codec](Path(getattr(files, name)).read_bytes()))
    assert detect_format(path) == fmt
    assert_same_vectors(w2v.load(path), files.model)


@pytest.mark.parametrize("name", ["text", "binary", "kv_file"])
def test_limit(files: SimpleNamespace, name: str) -> None:
    kv = w2v.load(getattr(files, name), limit=3)
    assert_same_vectors(kv, files.model, n=3)


def test_limit_needs_vectors_from_a_model_file(files: SimpleNamespace) -> None:
    assert_same_vectors(w2v.load(files.model_file, kind="vectors", limit=3), files.model, n=3)
    with pytest.raises(ValueError, match="limit"):
        w2v.load(files.model_file, limit=3)


def test_forced_format(files: SimpleNamespace) -> None:
    kv = w2v.load(files.text_named_bin, format="word2vec-text")
    assert_same_vectors(kv, files.model)
    with pytest.raises(FormatError, match="not a valid w2v model file"):
        w2v.load(files.text, format="w2v")
    with pytest.raises(ValueError, match="format must be"):
        w2v.load(files.text, format="csv")
    with pytest.raises(ValueError, match="kind must be"):
        w2v.load(files.text, kind="table")


def test_unreadable_files(files: SimpleNamespace, tmp_path: Path) -> None:
    pickle_file = tmp_path / "gensim.model"
    pickle_file.write_bytes(b"\x80\x04\x95" + b"\0" * 20)
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not a model\n", encoding="utf-8")
    bad_zip = tmp_path / "bad.w2v"
    bad_zip.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    bad_gzip = tmp_path / "bad.gz"
    bad_gzip.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(FileNotFoundError, match="no such model file"):
        w2v.load(tmp_path / "missing.w2v")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        detect_format(tmp_path)
    with pytest.raises(ValueError, match="pickle"):
        w2v.load(pickle_file)
    with pytest.raises(FormatError, match="COUNT DIMENSIONS"):
        w2v.load(junk)
    with pytest.raises(FormatError, match="not a valid w2v model file"):
        w2v.load(bad_zip)
    with pytest.raises(CompressedFileError, match="bad.gz.*gzip data"):
        detect_format(bad_gzip)


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("v.txt", "word2vec-text"),
        ("v.VEC", "word2vec-text"),
        ("v.txt.gz", "word2vec-text"),
        ("v.bin", "word2vec-binary"),
        ("v.bin.xz", "word2vec-binary"),
        ("v.w2v", "w2v"),
        ("v.gz", "w2v"),
        ("model", "w2v"),
    ],
)
def test_format_for_name(name: str, fmt: str) -> None:
    assert format_for_name(name) == fmt


def test_save_vectors(files: SimpleNamespace, tmp_path: Path) -> None:
    model = files.model
    written = {
        name: save_vectors(model, tmp_path / name)
        for name in ("m.w2v", "v.txt", "v.bin.gz", "v.vec.bz2")
    }
    assert written == {
        "m.w2v": "w2v",
        "v.txt": "word2vec-text",
        "v.bin.gz": "word2vec-binary",
        "v.vec.bz2": "word2vec-text",
    }
    assert isinstance(w2v.load(tmp_path / "m.w2v"), w2v.Word2Vec)
    assert (tmp_path / "v.bin.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert detect_format(tmp_path / "v.bin.gz") == "word2vec-binary"
    for name in ("v.txt", "v.bin.gz", "v.vec.bz2"):
        assert_same_vectors(w2v.load(tmp_path / name), model)
    # An explicit format wins over the name; keyed vectors stay keyed vectors.
    assert save_vectors(model.wv, tmp_path / "kv.txt", format="w2v") == "w2v"
    assert type(w2v.load(tmp_path / "kv.txt")) is w2v.KeyedVectors
    with pytest.raises(ValueError, match="format must be"):
        save_vectors(model, tmp_path / "x", format="csv")
