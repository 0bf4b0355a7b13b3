"""The C++ tokeniser against Python's ``bytes.decode("utf-8", "replace").split()``.

Files handed to the model (``LineSentence`` over a path, ``corpus_file=``, ``Text8Corpus``)
are tokenised in C++; iterating the same corpus objects in Python tokenises with
``str.split()``. Both must give the same words, counts and sentence counts on any bytes:
raw UTF-8 with punctuation, exotic whitespace, invalid sequences, NUL bytes, CRLF line ends,
missing final newlines, and with any number of reader threads.
"""

from __future__ import annotations

import bz2
import gzip
import random
from collections import Counter
from pathlib import Path

import pytest

import w2v

# Characters str.split() treats as whitespace, besides the usual ' ', '\t', '\n'.
UNUSUAL_SPACES = [
    "\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    "\x85",
    "\xa0",
    "\u1680",
    "\u2000",
    "\u2007",
    "\u2009",
    "\u200a",
    "\u2028",
    "\u2029",
    "\u202f",
    "\u205f",
    "\u3000",
]
# Look like separators but are not whitespace for str.split(): they stay inside tokens.
NOT_SPACES = ["\u200b", "\ufeff", "\u180e", "\u2060", "\x00", "\x7f", "\x1b"]

# Byte sequences str.decode("utf-8", "replace") turns into one or more U+FFFD.
INVALID_UTF8 = [
    b"\xff",
    b"\xfe",
    b"\x80",
    b"\xbf",
    b"\xc0\xaf",  # overlong '/'
    b"\xc1\xbf",
    b"\xe0\x80\xaf",  # overlong
    b"\xed\xa0\x80",  # UTF-16 surrogate
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xf5\x80\x80\x80",
    b"\xe2\x82",  # truncated 3-byte
    b"\xf0\x9f\x98",  # truncated 4-byte
    b"\xc3",  # truncated 2-byte
    b"\xe2\x28\xa1",
]

FRAGMENTS = (
    [b"a", b"b", b"the", b"The", b"caf\xc3\xa9", b"\xe2\x80\x9cquote\xe2\x80\x9d", b"--"]
    + [b"\xf0\x9f\x98\x80", b"\xe2\x80\x99", b"na\xc3\xafve", b"\xce\xb7\xcf\x84"]
    + [b" ", b"  ", b"\t", b"\n", b"\n", b"\r\n"]
    + [s.encode("utf-8") for s in UNUSUAL_SPACES + NOT_SPACES]
    + INVALID_UTF8
)


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _fuzz(seed: int, n: int) -> bytes:
    rng = random.Random(seed)
    data = b"".join(rng.choice(FRAGMENTS) for _ in range(n))
    return data + b" word"  # at least one token, and no final newline


# ---- the reference itself -------------------------------------------------------------------


def test_reference_is_what_gensim_linesentence_gives(tmp_path, core):
    # The reference used throughout must be gensim's own reading of the file (gensim
    # decodes strictly, so this file is valid UTF-8; w2v replaces invalid bytes instead).
    from gensim.models.word2vec import LineSentence as GensimLineSentence

    data = "a\u3000b\xa0c\x1cd\re\n\nf\u200bg \ufffd\nlast".encode()
    path = _write(tmp_path, "ref.txt", data)
    gensim_sentences = list(GensimLineSentence(path))
    assert gensim_sentences == [["a", "b", "c", "d", "e"], ["f\u200bg", "\ufffd"], ["last"]]
    ref = core.reference_lines(data)
    assert ref["corpus_count"] == len(gensim_sentences)
    assert ref["counts"] == dict(Counter(w for s in gensim_sentences for w in s))
    assert list(w2v.LineSentence(path)) == gensim_sentences


def test_invalid_utf8_never_crashes_python_iteration(tmp_path):
    path = _write(tmp_path, "inv.txt", b"ok \xff\xfe bad\xc3\nx\xed\xa0\x80y")
    assert list(w2v.LineSentence(path)) == [
        ["ok", "\ufffd\ufffd", "bad\ufffd"],
        ["x\ufffd\ufffd\ufffdy"],
    ]


# ---- separators ---------------------------------------------------------------------------


@pytest.mark.parametrize("space", UNUSUAL_SPACES, ids=lambda s: f"U+{ord(s):04X}")
@pytest.mark.parametrize("workers", [1, 3])
def test_unusual_whitespace_separates_tokens(tmp_path, core, space, workers):
    data = f"alpha{space}beta gamma{space}{space}alpha\n{space}beta{space}\n".encode()
    path = _write(tmp_path, "ws.txt", data)
    got = core.scanned(w2v.LineSentence(path), workers=workers)
    assert got["counts"] == {"alpha": 2, "beta": 2, "gamma": 1}
    assert got["corpus_count"] == 2
    assert list(w2v.LineSentence(path)) == [["alpha", "beta", "gamma", "alpha"], ["beta"]]


@pytest.mark.parametrize("char", NOT_SPACES, ids=lambda s: f"U+{ord(s):04X}")
def test_non_whitespace_stays_inside_tokens(tmp_path, core, char):
    data = f"alpha{char}beta alpha\n".encode()
    path = _write(tmp_path, "nows.txt", data)
    got = core.scanned(w2v.LineSentence(path))
    assert got["counts"] == {f"alpha{char}beta": 1, "alpha": 1}
    assert list(w2v.LineSentence(path)) == [[f"alpha{char}beta", "alpha"]]


def test_carriage_returns_are_whitespace_not_line_ends(tmp_path, core):
    # Binary line iteration (gensim's LineSentence) splits at b"\n" only: a lone "\r" is
    # whitespace inside a sentence, "\r\n" ends a line like "\n".
    data = b"one two\rthree\r\nfour\r\n\r\nfive\rsix"
    path = _write(tmp_path, "cr.txt", data)
    expected = core.reference_lines(data)
    assert expected["corpus_count"] == 3
    core.same_stats(core.scanned(w2v.LineSentence(path)), expected)
    core.same_stats(core.scanned(corpus_file=path), expected)
    assert list(w2v.LineSentence(path)) == [["one", "two", "three"], ["four"], ["five", "six"]]


# ---- invalid UTF-8 ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", INVALID_UTF8, ids=lambda b: b.hex())
@pytest.mark.parametrize("where", ["inside", "alone", "at_end_of_file"])
def test_invalid_utf8_is_replaced_like_python(tmp_path, core, bad, where):
    if where == "inside":
        data = b"ab" + bad + b"cd ok\n"
    elif where == "alone":
        data = b"ok " + bad + b" ok\n"
    else:
        data = b"ok\nab" + bad  # no newline: the invalid bytes end the file
    path = _write(tmp_path, "bad.txt", data)
    expected = core.reference_lines(data)
    assert any("\ufffd" in w for w in expected["counts"])
    core.same_stats(core.scanned(w2v.LineSentence(path)), expected)
    # The Python iteration of the same corpus decodes the same way.
    python_words = [w for s in w2v.LineSentence(path) for w in s]
    assert sorted(python_words) == sorted(
        w for w, c in expected["counts"].items() for _ in range(c)
    )


def test_words_come_back_as_python_str(tmp_path, core):
    data = "caf\xe9 na\xefve \u201cquoted\u201d \U0001f600 ".encode() + b"x\xffy\n"
    path = _write(tmp_path, "str.txt", data)
    got = core.scanned(w2v.LineSentence(path))
    assert set(got["counts"]) == {
        "caf\xe9",
        "na\xefve",
        "\u201cquoted\u201d",
        "\U0001f600",
        "x\ufffdy",
    }
    assert all(isinstance(w, str) for w in got["index_to_key"])


# ---- whole files ------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_raw_sample_file_and_python_agree(tmp_path, core, workers):
    data = core.RAW_SAMPLE.read_bytes()
    expected = core.reference_lines(data)
    assert expected["total_words"] > 10000
    path = str(core.RAW_SAMPLE)
    core.same_stats(core.scanned(w2v.LineSentence(path), workers=workers), expected)
    core.same_stats(core.scanned(corpus_file=path, workers=workers), expected)
    core.same_stats(core.scanned(list(w2v.LineSentence(path)), workers=workers), expected)


def _mangle_raw_sample(data: bytes, seed: int) -> bytes:
    """The raw sample with its separators replaced by unusual whitespace, invalid bytes
    sprinkled in, CRLF line ends, and the final newline removed."""
    rng = random.Random(seed)
    out = bytearray()
    for ch in data.decode("utf-8"):
        if ch == " ":
            out += rng.choice(UNUSUAL_SPACES + [" ", " ", " "]).encode()
        elif ch == "\n":
            out += rng.choice([b"\n", b"\r\n", b"\n\n", b"\x0c\n"])
        else:
            out += ch.encode()
        if rng.random() < 0.01:
            out += rng.choice(INVALID_UTF8)
    return bytes(out).rstrip(b"\r\n")


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
@pytest.mark.parametrize("seed", [0, 1])
def test_mangled_raw_text_file_and_python_agree(tmp_path, core, workers, seed):
    data = _mangle_raw_sample(core.RAW_SAMPLE.read_bytes(), seed)
    assert not data.endswith(b"\n")
    path = _write(tmp_path, "mangled.txt", data)
    expected = core.reference_lines(data)
    assert any("\ufffd" in w for w in expected["counts"])
    core.same_stats(core.scanned(w2v.LineSentence(path), workers=workers), expected)
    core.same_stats(core.scanned(list(w2v.LineSentence(path)), workers=workers), expected)


@pytest.mark.parametrize("seed", range(12))
def test_random_byte_soup_file_and_python_agree(tmp_path, core, seed):
    data = _fuzz(seed, 3000)
    path = _write(tmp_path, "soup.txt", data)
    expected = core.reference_lines(data)
    python = core.scanned(list(w2v.LineSentence(path)))
    core.same_stats(python, expected)
    for workers in (1, 2, 5):
        core.same_stats(core.scanned(w2v.LineSentence(path), workers=workers), expected)


@pytest.mark.parametrize("seed", range(4))
def test_random_byte_soup_as_text8_stream(tmp_path, core, seed):
    data = _fuzz(100 + seed, 3000)
    path = _write(tmp_path, "soup8.txt", data)
    expected = core.reference_stream(data, 50)
    words = data.decode("utf-8", "replace").split()
    chunks = [words[i : i + 50] for i in range(0, len(words), 50)]
    assert list(w2v.Text8Corpus(path, max_sentence_length=50)) == chunks
    for workers in (1, 3):
        got = core.scanned(w2v.Text8Corpus(path, max_sentence_length=50), workers=workers)
        core.same_stats(got, expected)


@pytest.mark.parametrize("suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open)])
def test_compressed_raw_text_tokenised_the_same(tmp_path, core, suffix, opener):
    data = _mangle_raw_sample(core.RAW_SAMPLE.read_bytes(), 7)
    path = tmp_path / f"mangled.txt{suffix}"
    with opener(path, "wb") as f:
        f.write(data)
    expected = core.reference_lines(data)
    core.same_stats(core.scanned(w2v.LineSentence(str(path)), workers=2), expected)
    core.same_stats(core.scanned(corpus_file=str(path), workers=2), expected)


@pytest.mark.parametrize("special", [" ", "\n", "\x1f", "\u3000", "\u200b", "\x00", "\x1b"])
def test_every_position_of_long_words(tmp_path, core, special):
    # The tokeniser scans words 16 bytes at a time: a separator, a non-separator control
    # character or a multi-byte character must be handled at every offset of that scan, and
    # invalid bytes too, in words longer than one or two loads.
    rng = random.Random(special)
    pieces = []
    for length in range(1, 70):
        word = "".join(rng.choice("abcdefghij") for _ in range(length))
        for pos in range(length + 1):
            pieces.append(word[:pos] + special + word[pos:])
    data = " ".join(pieces).encode("utf-8") + b"\n" + b"x\xffy" * 20 + b" abc\xe2\x82"
    path = _write(tmp_path, "long.txt", data)
    expected = core.reference_lines(data)
    for workers in (1, 3):
        core.same_stats(core.scanned(w2v.LineSentence(path), workers=workers), expected)
    core.same_stats(core.scanned(list(w2v.LineSentence(path))), expected)
