"""Property-based fuzzing of the corpus readers and the C++ tokeniser: on any bytes (NUL,
invalid UTF-8, CR/LF mixes, Unicode spaces, huge tokens) every reader gives exactly the words
of the Python reference ``bytes.decode("utf-8", "replace").split()``; mutated gzip, bzip2 and
xz corpora give those words or CompressedFileError, never another error or fewer words.

Bounded (examples and deadline) so that this file takes a few seconds; ``scripts/fuzz_native.py``
fuzzes the tokeniser and vocabulary counter for as long as one likes.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections import Counter
from pathlib import Path
from typing import List, Optional

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v import LineSentence, Word2Vec
from w2v.compression import sniff
from w2v.corpora import Text8Corpus
from w2v.errors import CompressedFileError

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

# Pieces that make tokenising hard, mixed with arbitrary bytes.
PIECES = [
    b" ", b"\t", b"\n", b"\r", b"\r\n", b"\x00", b"\x0b", b"\x0c", b"\x1c", b"\x1f",
    b"\xc2\x85", b"\xc2\xa0", b"\xe2\x80\x83", b"\xe2\x80\xa8", b"\xe3\x80\x80",  # Unicode spaces
    b"\xe2\x80\x8b", b"\xef\xbb\xbf",  # zero-width space and BOM: not spaces
    b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",  # invalid UTF-8
    b"caf\xc3\xa9", b"word", b"x" * 70000,  # a token longer than any buffer boundary
]  # fmt: skip
TEXT = st.lists(
    st.one_of(st.sampled_from(PIECES), st.binary(min_size=1, max_size=12)), max_size=40
).map(b"".join)


def reference_lines(data: bytes, max_len: int = 10000) -> List[List[str]]:
    """gensim's LineSentence: a sentence per ``\\n`` line, cut every ``max_len`` words."""
    out = []
    for line in data.split(b"\n"):
        words = line.decode("utf-8", "replace").split()
        out += [words[i : i + max_len] for i in range(0, len(words), max_len)]
    return out


def reference_stream(data: bytes, max_len: int) -> List[List[str]]:
    words = data.decode("utf-8", "replace").split()
    return [words[i : i + max_len] for i in range(0, len(words), max_len)]


def scanned(path: Path, *, text8: bool = False, workers: int = 2) -> Optional[Counter]:
    """The C++ vocabulary scan's word counts (None for a corpus without words)."""
    model = Word2Vec(min_count=1, workers=workers)
    try:
        if text8:
            model.build_vocab(Text8Corpus(path))
        else:
            model.build_vocab(corpus_file=path)
    except ValueError as exc:
        if "the corpus is empty" in str(exc):
            return None
        raise
    return Counter({w: int(model.wv.get_vecattr(w, "count")) for w in model.wv.index_to_key})


def counts(sentences: List[List[str]]) -> Optional[Counter]:
    found = Counter(w for s in sentences for w in s)
    return found or None


@FUZZ
@given(data=TEXT, max_len=st.integers(1, 5))
def test_readers_match_the_reference(tmp_path: Path, data: bytes, max_len: int) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(data)
    assert list(LineSentence(path, max_sentence_length=max_len)) == reference_lines(data, max_len)
    assert list(Text8Corpus(path, max_len)) == reference_stream(data, max_len)
    assert scanned(path) == counts(reference_lines(data))
    assert scanned(path, text8=True, workers=1) == counts(reference_lines(data))


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.txt"
    path.write_bytes(data)
    if sniff(data) is not None:
        return  # compressed data is the next test's
    assert list(LineSentence(path)) == reference_lines(data)
    assert scanned(path) == counts(reference_lines(data))


COMPRESS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}
DECOMPRESS = {"gzip": gzip.decompress, "bzip2": bz2.decompress, "xz": lzma.decompress}


@FUZZ
@given(
    data=TEXT,
    codec=st.sampled_from(sorted(COMPRESS)),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=3),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_mutated_compressed_corpora(
    tmp_path: Path, data: bytes, codec: str, flips: list, cut: Optional[int]
) -> None:
    packed = bytearray(COMPRESS[codec](data))
    for at, bits in flips:
        packed[at % len(packed)] ^= bits
    if cut is not None:
        del packed[cut % len(packed) :]
    path = tmp_path / "corpus.gz"
    path.write_bytes(bytes(packed))
    try:
        want = DECOMPRESS[codec](bytes(packed)) if sniff(bytes(packed)) else bytes(packed)
    except Exception:
        want = None  # Python's own decompressor refuses it too
    for read in (lambda: list(LineSentence(path)), lambda: scanned(path)):
        try:
            got = read()
        except CompressedFileError as exc:
            assert str(path) in str(exc)
            continue
        if want is not None:
            assert got in (reference_lines(want), counts(reference_lines(want)))
