"""Corrupt and truncated gzip, bzip2 and xz input: one error type naming the file, for
corpora (every way they are read) and word2vec files alike; never a shorter corpus."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path
from typing import Callable, Dict

import numpy as np
import pytest

import w2v
from w2v import KeyedVectors, LineSentence, Word2Vec
from w2v.compression import open_read
from w2v.corpora import PathLineSentences, Text8Corpus
from w2v.errors import CompressedFileError, MalformedFileError

COMPRESS: Dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
}
TEXT = "".join(f"w{i % 97} w{i % 13} common word{i % 7}\n" for i in range(4000)).encode()


def damaged(kind: str, codec: str) -> bytes:
    data = COMPRESS[codec](TEXT)
    if kind == "truncated":
        return data[: len(data) * 2 // 3]
    if kind == "end-cut":  # only the stream's end marker and checksum are missing
        return data[:-6]
    mid = len(data) // 2
    return data[:mid] + bytes([data[mid] ^ 0xA5]) + data[mid + 1 :]


READERS: Dict[str, Callable[[Path], object]] = {
    "LineSentence iterated": lambda p: sum(1 for _ in LineSentence(p)),
    "Text8Corpus iterated": lambda p: sum(1 for _ in Text8Corpus(p)),
    "PathLineSentences iterated": lambda p: sum(1 for _ in PathLineSentences(p)),
    "build_vocab(corpus_file=)": lambda p: Word2Vec(min_count=1).build_vocab(corpus_file=p),
    "build_vocab(LineSentence)": lambda p: Word2Vec(min_count=1).build_vocab(LineSentence(p)),
    "train(corpus_file=)": lambda p: Word2Vec(
        corpus_file=str(p), min_count=1, vector_size=8, epochs=1
    ),
    "train(LineSentence)": lambda p: Word2Vec(
        LineSentence(p), min_count=1, vector_size=8, epochs=1
    ),
    "FrozenPhrases.transform_file": lambda p: (
        w2v.Phrases([["common", "word1"]] * 5, min_count=1, threshold=0.1)
        .freeze()
        .transform_file(p, p.with_name("phrased.txt"))
    ),
}


@pytest.mark.parametrize("codec", sorted(COMPRESS))
@pytest.mark.parametrize("kind", ["truncated", "end-cut", "corrupt"])
def test_damaged_compressed_corpus_is_reported(tmp_path: Path, codec: str, kind: str) -> None:
    path = tmp_path / f"corpus.txt.{codec}"
    path.write_bytes(damaged(kind, codec))
    for name, read in READERS.items():
        with pytest.raises(CompressedFileError, match="corpus.txt") as info:
            read(path)
        assert str(path) in str(info.value), name
        assert isinstance(info.value, MalformedFileError)


def test_train_after_a_good_vocabulary_reports_a_damaged_file(tmp_path: Path) -> None:
    # The file is damaged between the vocabulary scan and training: train() must not
    # quietly train on the part it could read.
    path = tmp_path / "corpus.gz"
    path.write_bytes(gzip.compress(TEXT))
    model = Word2Vec(min_count=1, vector_size=8)
    model.build_vocab(corpus_file=path)
    path.write_bytes(damaged("end-cut", "gz"))
    with pytest.raises(CompressedFileError, match="truncated"):
        model.train(corpus_file=path, total_words=model.corpus_total_words, epochs=1)


@pytest.mark.parametrize("codec", sorted(COMPRESS))
def test_intact_compressed_corpus_reads_whole(tmp_path: Path, codec: str) -> None:
    path = tmp_path / f"corpus.{codec}"
    path.write_bytes(COMPRESS[codec](TEXT))
    assert sum(len(s) for s in LineSentence(path)) == len(TEXT.split())
    model = Word2Vec(min_count=1, vector_size=8, epochs=1)
    model.build_vocab(corpus_file=path)
    assert model.corpus_total_words == len(TEXT.split())


@pytest.mark.parametrize("codec", sorted(COMPRESS))
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("kind", ["truncated", "corrupt"])
def test_damaged_compressed_word2vec_file(
    tmp_path: Path, codec: str, binary: bool, kind: str
) -> None:
    kv = KeyedVectors(16)
    kv.add_vectors([f"w{i}" for i in range(3000)], np.random.default_rng(0).random((3000, 16)))
    buf = io.BytesIO()
    kv.save_word2vec_format(buf, binary=binary)
    data = COMPRESS[codec](buf.getvalue())
    data = data[: len(data) * 2 // 3] if kind == "truncated" else data
    if kind == "corrupt":
        mid = len(data) // 2
        data = data[:mid] + bytes([data[mid] ^ 0xA5]) + data[mid + 1 :]
    path = tmp_path / f"vectors.{codec}"
    path.write_bytes(data)
    # A corrupt bzip2 block is decoded before its checksum is checked at the block's end, so
    # the reader may refuse the garbage before the decompressor refuses the block.
    expected = CompressedFileError if kind == "truncated" else (ValueError,)
    with pytest.raises(expected, match="vectors"):
        KeyedVectors.load_word2vec_format(path, binary=binary)
    with pytest.raises(expected, match="vectors"):
        w2v.load(path)


def test_decompressing_reader_names_the_file_and_keeps_disk_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"garbage!")
    with open_read(path) as fin, pytest.raises(CompressedFileError, match="x.gz.*corrupt gzip"):
        fin.read()
    path.write_bytes(gzip.compress(TEXT)[:-6])
    with open_read(path) as fin, pytest.raises(CompressedFileError, match="truncated"):
        for _ in fin:
            pass
    with open_read(path) as fin:
        assert fin.raw_file.tell() == 0 and fin.read(5) == TEXT[:5]


@pytest.mark.parametrize(
    "start",
    [b"BZh", b"BZh ", b"BZh9 says hello", b"\x1f\x8b", b"\xfd7zXZ\x00", b"\xfd7zXZ\x00" + bytes(6)],
)
def test_text_that_starts_like_a_magic_number_is_text(tmp_path: Path, start: bytes) -> None:
    # Found by the corpus fuzz test: "BZh" alone is short enough to begin a line of text.
    text = start + b" and more words\nsecond line\n"
    path = tmp_path / "corpus.txt"
    path.write_bytes(text)
    want = [line.split() for line in text.decode("utf-8", "replace").splitlines()]
    assert list(LineSentence(path)) == want
    model = Word2Vec(vector_size=4, min_count=1, workers=1)
    model.build_vocab(corpus_file=str(path))
    assert model.corpus_total_words == sum(len(s) for s in want)
