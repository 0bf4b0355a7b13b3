"""Every path argument takes str, bytes (also names that are not valid UTF-8) and
os.PathLike, through w2v.paths.fspath."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List

import numpy as np
import pytest

import w2v
from w2v import KeyedVectors, LineSentence, Word2Vec
from w2v.callbacks import Checkpoint
from w2v.checkpoint import latest_checkpoint, read_training_state
from w2v.corpora import PathLineSentences, Text8Corpus
from w2v.paths import fspath

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or sys.getfilesystemencoding() != "utf-8",
    reason="names that are not valid UTF-8 need a POSIX file system with UTF-8 names",
)

SENTENCES = [["alpha", "beta", "gamma", "delta"], ["beta", "gamma", "alpha"]] * 30
TEXT = "".join(" ".join(s) + "\n" for s in SENTENCES).encode()


class Fspathable:
    """An os.PathLike that is not a pathlib.Path, holding bytes."""

    def __init__(self, path: bytes) -> None:
        self.path = path

    def __fspath__(self) -> bytes:
        return self.path


def spellings(path: bytes) -> List[object]:
    """The same file name as bytes, str (surrogate escapes), Path and a bytes PathLike."""
    return [path, os.fsdecode(path), Path(os.fsdecode(path)), Fspathable(path)]


@pytest.fixture()
def odd(tmp_path: Path) -> Callable[[str], bytes]:
    """A name in tmp_path that is not valid UTF-8 (Latin-1 'café' and a stray byte)."""
    return lambda suffix: os.path.join(os.fsencode(tmp_path), b"caf\xe9-\xff" + suffix.encode())


def test_fspath_helper() -> None:
    assert fspath(b"caf\xe9") == "caf\udce9"
    assert fspath(Path("x")) == "x" and fspath(Fspathable(b"y")) == "y"
    with pytest.raises(TypeError, match="corpus_file must be a str, bytes or os.PathLike"):
        fspath(3, "corpus_file")


def test_models_and_vectors_round_trip(odd: Callable[[str], bytes]) -> None:
    model = Word2Vec(SENTENCES, vector_size=8, min_count=1, epochs=1, workers=1)
    for spelling in spellings(odd(".w2v")):
        model.save(spelling)
        loaded = Word2Vec.load(spelling)  # its history now holds the name: saved again
        assert loaded.wv.index_to_key == model.wv.index_to_key
        loaded.save(spelling)
        assert Word2Vec.load(spelling).lifecycle_events[-2]["fname"] == os.fsdecode(odd(".w2v"))
        assert isinstance(w2v.load(spelling), Word2Vec)
        model.wv.save(spelling)
        np.testing.assert_array_equal(
            KeyedVectors.load(spelling, mmap="r").vectors, model.wv.vectors
        )
    assert os.path.exists(odd(".w2v"))
    for binary in (False, True):
        for spelling in spellings(odd(".vec.gz")):
            model.wv.save_word2vec_format(spelling, fvocab=odd(".vocab"), binary=binary)
            kv = KeyedVectors.load_word2vec_format(spelling, fvocab=odd(".vocab"), binary=binary)
            assert kv.index_to_key == model.wv.index_to_key
            assert w2v.load(spelling).index_to_key == model.wv.index_to_key
    w2v.loading.save_vectors(model, odd(".bin"))
    assert w2v.load(odd(".bin")).index_to_key == model.wv.index_to_key


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_corpora(odd: Callable[[str], bytes], tmp_path: Path, compressed: bool) -> None:
    name = odd(".txt")
    with open(name, "wb") as f:
        f.write(gzip.compress(TEXT) if compressed else TEXT)
    for spelling in spellings(name):
        assert list(LineSentence(spelling)) == SENTENCES
        assert sum(len(s) for s in Text8Corpus(spelling)) == len(TEXT.split())
        model = Word2Vec(min_count=1, vector_size=8, workers=2)
        model.build_vocab(corpus_file=spelling)  # read in Python: C++ takes UTF-8 names
        assert model.corpus_total_words == len(TEXT.split())
        model.train(corpus_file=spelling, total_words=model.corpus_total_words, epochs=1)
        model = Word2Vec(LineSentence(spelling), min_count=1, vector_size=8, epochs=1)
        assert model.corpus_total_words == len(TEXT.split())
    directory = os.path.join(os.fsencode(tmp_path), b"d\xff")
    os.mkdir(directory)
    os.rename(name, os.path.join(directory, b"f\xfe.txt"))
    for spelling in spellings(directory):
        assert sum(1 for _ in PathLineSentences(spelling)) == len(SENTENCES)
    model = Word2Vec(PathLineSentences(directory), min_count=1, vector_size=8, epochs=1)
    assert model.corpus_total_words == len(TEXT.split())


def test_checkpoints(odd: Callable[[str], bytes]) -> None:
    directory = odd("-checkpoints")
    model = Word2Vec(min_count=1, vector_size=8, workers=1, epochs=2)
    model.build_vocab(SENTENCES)
    model.train(
        SENTENCES,
        total_examples=len(SENTENCES),
        epochs=2,
        callbacks=[Checkpoint(directory, every="1 epoch", keep=1)],
    )
    latest = latest_checkpoint(directory)
    assert latest is not None and os.fsencode(latest).startswith(directory)
    read_training_state(os.fsencode(latest))
    assert Word2Vec.load(os.fsencode(latest)).wv.index_to_key == model.wv.index_to_key


def test_cli(odd: Callable[[str], bytes], tmp_path: Path) -> None:
    corpus, out = odd(".txt"), odd(".w2v")
    with open(corpus, "wb") as f:
        f.write(TEXT)
    argv = [sys.executable.encode(), b"-m", b"w2v", b"train", corpus, b"-o", out]
    argv += [b"--min-count", b"1", b"--vector-size", b"8", b"--epochs", b"1"]
    done = subprocess.run(argv, capture_output=True)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert sorted(Word2Vec.load(out).wv.index_to_key) == ["alpha", "beta", "delta", "gamma"]
    info = [sys.executable.encode(), b"-m", b"w2v", b"info", out]
    done = subprocess.run(info, capture_output=True)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
