"""word2vec.c text and binary formats: round trips, the layouts other tools write, compressed
files, and clear errors (never a hang or a silent partial load) on malformed files."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import struct
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import List, Optional

import numpy as np
import pytest

from w2v import KeyedVectors
from w2v.word2vec_format import TruncatedWord2VecFileError, Word2VecFormatError

KEYS = ["the", "naïve", "日本語", "Straße", "emoji😀", "x", "a-b_c", "Ελλάδα"]


def make_kv(n: int = len(KEYS), dim: int = 5, seed: int = 0) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    keys = (KEYS + [f"w{i}" for i in range(n)])[:n]
    kv = KeyedVectors(dim)
    kv.add_vectors(keys, rng.standard_normal((n, dim)).astype(np.float32))
    kv.expandos["count"] = np.arange(100 + n, 100, -1, dtype=np.int64)
    return kv


def c_binary(
    keys: List[str], vectors: np.ndarray, newline: bool = True, header: Optional[str] = None
) -> bytes:
    """Bytes exactly as word2vec.c writes them (newline after each vector) or as gensim does."""
    out = [(header or f"{len(keys)} {vectors.shape[1]}\n").encode()]
    for key, vec in zip(keys, vectors):
        out.append(key.encode("utf8") + b" " + vec.astype("<f4").tobytes())
        if newline:
            out.append(b"\n")
    return b"".join(out)


def c_text(keys: List[str], vectors: np.ndarray) -> bytes:
    """Text exactly as word2vec.c writes it: "%lf " per value (a trailing space)."""
    lines = [f"{len(keys)} {vectors.shape[1]}"]
    for key, vec in zip(keys, vectors):
        lines.append(key + " " + "".join(f"{x:f} " for x in vec))
    return ("\n".join(lines) + "\n").encode("utf8")


def assert_same(a: KeyedVectors, b: KeyedVectors) -> None:
    assert a.index_to_key == b.index_to_key
    np.testing.assert_array_equal(a.vectors, b.vectors)


# ---- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz"])
def test_roundtrip(tmp_path: Path, binary: bool, suffix: str) -> None:
    kv = make_kv(300, 7)
    path = tmp_path / f"vectors.{'bin' if binary else 'txt'}{suffix}"
    vocab = tmp_path / f"vocab.txt{suffix}"
    kv.save_word2vec_format(path, fvocab=vocab, binary=binary)
    loaded = KeyedVectors.load_word2vec_format(path, fvocab=vocab, binary=binary)
    assert_same(loaded, kv)
    np.testing.assert_array_equal(loaded.expandos["count"], kv.expandos["count"])
    assert loaded.vectors.dtype == np.float32 and loaded.vectors.flags.c_contiguous
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(suffix)
    if opener is not None:
        with opener(path, "rb") as f:
            assert f.read(4) == b"300 "


def test_compressed_file_detected_by_content(tmp_path: Path) -> None:
    kv = make_kv()
    path = tmp_path / "vectors.gz"
    kv.save_word2vec_format(path, binary=True)
    renamed = tmp_path / "vectors.bin"
    path.rename(renamed)
    assert_same(KeyedVectors.load_word2vec_format(renamed, binary=True), kv)


def test_text_values_roundtrip_exactly(tmp_path: Path) -> None:
    kv = KeyedVectors(6)
    special = np.array(
        [[0.1, -0.0, 1e-30, 3.4028235e38, np.float32(1) / 3, 1.1754944e-38]], dtype=np.float32
    )
    rng = np.random.default_rng(1)
    kv.add_vectors(["special", "random"], np.vstack([special, rng.standard_normal((1, 6))]))
    kv.save_word2vec_format(tmp_path / "v.txt")
    assert_same(KeyedVectors.load_word2vec_format(tmp_path / "v.txt"), kv)
    kv64 = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", datatype=np.float64)
    kv64.save_word2vec_format(tmp_path / "v64.txt")
    again = KeyedVectors.load_word2vec_format(tmp_path / "v64.txt", datatype=np.float64)
    np.testing.assert_array_equal(again.vectors, kv64.vectors)


def test_text_values_are_the_shortest_decimals(tmp_path: Path) -> None:
    # Random bit patterns over every exponent, in rows whose width is no multiple of the
    # eight values the vectorised digit search takes at a time; each value must be written
    # as the shortest decimal that reads back to it, the closest such (the digits numpy's
    # repr of a float32, and so gensim, writes), and the scalar path must write the same.
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**32, size=(300, 37), dtype=np.uint64).astype(np.uint32)
    values = bits.view(np.float32).copy()
    values[~np.isfinite(values)] = 0.5
    values[0, :12] = [
        0.0,
        -0.0,
        1.0,
        -3.0,
        100.0,
        1e-45,
        1e-5,
        7.038531e-26,
        1e38,
        0.1,
        16777216,
        2.5,
    ]
    kv = KeyedVectors(37)
    kv.add_vectors([f"k{i}" for i in range(len(values))], values)
    path = tmp_path / "v.txt"
    kv.save_word2vec_format(path)
    rows = path.read_text(encoding="utf8").splitlines()[1:]
    for row, line in zip(values, rows):
        for value, token in zip(row, line.split()[1:]):
            assert np.float32(token) == value or (value == 0 and float(token) == 0)
            # (an integer is written exactly, as std::to_chars writes it)
            exact_integer = "." not in token and "e" not in token
            if value != 0 and abs(value) != np.float32(7.038531e-26) and not exact_integer:
                assert Decimal(token) == Decimal(np.format_float_scientific(value, unique=True))
    scalar = tmp_path / "scalar.txt"
    script = (
        "import sys, numpy as np; from w2v import KeyedVectors; "
        "kv = KeyedVectors.load_word2vec_format(sys.argv[1]); kv.save_word2vec_format(sys.argv[2])"
    )
    env = {**os.environ, "W2V_ISA": "generic"}
    subprocess.run([sys.executable, "-c", script, str(path), str(scalar)], check=True, env=env)
    assert scalar.read_bytes() == path.read_bytes()


def test_write_order_prefix_header_append(tmp_path: Path) -> None:
    kv = make_kv(4, 3)
    kv.expandos["count"] = np.array([5, 9, 5, 7])
    path = tmp_path / "v.txt"
    kv.save_word2vec_format(path, fvocab=tmp_path / "vocab.txt", prefix="p_")
    lines = path.read_text(encoding="utf8").splitlines()
    assert lines[0] == "4 3"
    assert [line.split()[0] for line in lines[1:]] == ["p_naïve", "p_Straße", "p_the", "p_日本語"]
    assert (tmp_path / "vocab.txt").read_text(encoding="utf8").splitlines() == [
        "p_naïve 9",
        "p_Straße 7",
        "p_the 5",
        "p_日本語 5",
    ]
    # header-less output, appended twice, then read without a header
    bare = tmp_path / "bare.txt"
    kv.save_word2vec_format(bare, write_header=False)
    kv.save_word2vec_format(bare, write_header=False, prefix="again_", append=True)
    loaded = KeyedVectors.load_word2vec_format(bare, no_header=True)
    assert len(loaded) == 8 and loaded.index_to_key[4].startswith("again_")
    assert (
        KeyedVectors.load_word2vec_format(bare, no_header=True, limit=3).index_to_key
        == (loaded.index_to_key[:3])
    )
    # total_vec announces more rows, completed by an appended block (as gensim's Doc2Vec)
    both = tmp_path / "both.bin"
    kv.save_word2vec_format(both, binary=True, total_vec=8)
    kv.save_word2vec_format(both, binary=True, write_header=False, prefix="doc_", append=True)
    assert len(KeyedVectors.load_word2vec_format(both, binary=True)) == 8


def test_without_counts(tmp_path: Path) -> None:
    kv = KeyedVectors(2)
    kv.add_vectors(["b", "a"], np.eye(2, dtype=np.float32))
    kv.save_word2vec_format(tmp_path / "v.txt")  # index order, with a logged warning
    assert KeyedVectors.load_word2vec_format(tmp_path / "v.txt").index_to_key == ["b", "a"]
    with pytest.raises(ValueError, match="count"):
        kv.save_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "vocab.txt")


def test_placeholder_counts_and_limit(tmp_path: Path) -> None:
    kv = make_kv(6, 2)
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    full = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert full.expandos["count"].tolist() == [6, 5, 4, 3, 2, 1]  # as gensim makes them up
    part = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True, limit=4)
    assert part.index_to_key == kv.index_to_key[:4]
    assert part.expandos["count"].tolist() == [4, 3, 2, 1]
    np.testing.assert_array_equal(part.vectors, kv.vectors[:4])
    with pytest.raises(ValueError, match="limit"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True, limit=-1)


@pytest.mark.parametrize("datatype", [np.float16, np.float64])
def test_datatype(tmp_path: Path, datatype) -> None:
    kv = make_kv()
    for binary in (False, True):
        kv.save_word2vec_format(tmp_path / "v", binary=binary)
        loaded = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary, datatype=datatype)
        assert loaded.vectors.dtype == datatype
        if binary or datatype == np.float16:
            np.testing.assert_array_equal(loaded.vectors, kv.vectors.astype(datatype))
        else:  # decimal text, read at double precision
            np.testing.assert_allclose(loaded.vectors, kv.vectors, rtol=1e-7)


def test_file_objects() -> None:
    kv = make_kv()
    for binary in (False, True):
        buf = io.BytesIO()
        kv.save_word2vec_format(buf, binary=binary)
        buf.seek(0)
        assert_same(KeyedVectors.load_word2vec_format(buf, binary=binary), kv)


def test_large_binary_crosses_read_chunks(tmp_path: Path, monkeypatch) -> None:
    import w2v._word2vec_format.binary as binary_fmt
    import w2v._word2vec_format.text as text_fmt

    monkeypatch.setattr(binary_fmt, "_CHUNK_BYTES", 1000)  # rows straddle chunk borders
    monkeypatch.setattr(binary_fmt, "_GATHER_ROWS", 7)
    kv = make_kv(500, 9)
    kv.save_word2vec_format(tmp_path / "v.bin.gz", binary=True)
    assert_same(KeyedVectors.load_word2vec_format(tmp_path / "v.bin.gz", binary=True), kv)
    (tmp_path / "c.bin").write_bytes(c_binary(kv.index_to_key, kv.vectors))
    assert_same(KeyedVectors.load_word2vec_format(tmp_path / "c.bin", binary=True), kv)
    kv.save_word2vec_format(tmp_path / "v.txt.gz")
    monkeypatch.setattr(text_fmt, "_TEXT_CHUNK_BYTES", 500)
    assert_same(KeyedVectors.load_word2vec_format(tmp_path / "v.txt.gz"), kv)


# ---- layouts written by other tools --------------------------------------------------------------


@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_c_binary_layout(tmp_path: Path, newline: bool) -> None:
    kv = make_kv(50, 4)
    path = tmp_path / "c.bin"
    path.write_bytes(c_binary(kv.index_to_key, kv.vectors, newline=newline))
    loaded = KeyedVectors.load_word2vec_format(path, binary=True)
    assert_same(loaded, kv)
    assert not any("\n" in k for k in loaded.index_to_key)


def test_gensim_binary_layout_is_byte_exact(tmp_path: Path) -> None:
    kv = make_kv(20, 3)
    kv.save_word2vec_format(tmp_path / "ours.bin", binary=True)
    expected = c_binary(kv.index_to_key, kv.vectors, newline=False)
    assert (tmp_path / "ours.bin").read_bytes() == expected


def test_word2vec_c_text_layout_and_crlf(tmp_path: Path) -> None:
    kv = make_kv(10, 4)
    rounded = np.round(kv.vectors.astype(np.float64), 6).astype(np.float32)
    path = tmp_path / "c.txt"
    path.write_bytes(c_text(kv.index_to_key, kv.vectors))
    loaded = KeyedVectors.load_word2vec_format(path)
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, rounded)
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert_same(KeyedVectors.load_word2vec_format(crlf), loaded)


def test_unicode_errors(tmp_path: Path) -> None:
    vec = np.ones((2, 2), dtype=np.float32)
    data = c_binary(["ok", "x"], vec).replace(b"x ", b"caf\xc3 ")  # cut mid-character
    path = tmp_path / "cut.bin"
    path.write_bytes(data)
    with pytest.raises(UnicodeDecodeError, match="row 2"):
        KeyedVectors.load_word2vec_format(path, binary=True)
    loaded = KeyedVectors.load_word2vec_format(path, binary=True, unicode_errors="ignore")
    assert loaded.index_to_key == ["ok", "caf"]
    replaced = KeyedVectors.load_word2vec_format(path, binary=True, unicode_errors="replace")
    assert replaced.index_to_key == ["ok", "caf\ufffd"]
    text = tmp_path / "cut.txt"
    text.write_bytes(b"2 2\nok 1 2\ncaf\xc3 3 4\n")
    with pytest.raises(UnicodeDecodeError, match="line 3"):
        KeyedVectors.load_word2vec_format(text)
    latin = KeyedVectors.load_word2vec_format(text, encoding="latin-1")
    assert latin.index_to_key == ["ok", "caf\xc3"]


def test_duplicate_keys_keep_the_first(tmp_path: Path, caplog) -> None:
    vecs = np.arange(8, dtype=np.float32).reshape(4, 2)
    path = tmp_path / "dup.bin"
    path.write_bytes(c_binary(["a", "b", "a", "c"], vecs))
    loaded = KeyedVectors.load_word2vec_format(path, binary=True)
    assert loaded.index_to_key == ["a", "b", "c"]
    np.testing.assert_array_equal(loaded.vectors, vecs[[0, 1, 3]])
    assert loaded.expandos["count"].tolist() == [4, 3, 2]
    assert "duplicate" in caplog.text


def test_vocab_file_handling(tmp_path: Path, caplog) -> None:
    kv = make_kv(3, 2)
    kv.save_word2vec_format(tmp_path / "v.txt")
    (tmp_path / "vocab.txt").write_text("the 10\nnaïve 4\n\n", encoding="utf8")
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "vocab.txt")
    assert loaded.expandos["count"].tolist() == [10, 4, 0]
    assert "incomplete" in caplog.text
    (tmp_path / "bad.txt").write_text("the 10\nnaïve four\n", encoding="utf8")
    with pytest.raises(ValueError, match="line 2"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "bad.txt")


def test_zero_rows_and_empty_vectors(tmp_path: Path) -> None:
    (tmp_path / "none.txt").write_bytes(b"0 5\n")
    empty = KeyedVectors.load_word2vec_format(tmp_path / "none.txt")
    assert len(empty) == 0 and empty.vectors.shape == (0, 5)
    (tmp_path / "none.bin").write_bytes(b"0 5\n")
    assert len(KeyedVectors.load_word2vec_format(tmp_path / "none.bin", binary=True)) == 0


# ---- malformed files -----------------------------------------------------------------------------


def write(tmp_path: Path, data: bytes, name: str = "bad") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("binary", [False, True])
def test_empty_file(tmp_path: Path, binary: bool) -> None:
    with pytest.raises(EOFError, match="empty"):
        KeyedVectors.load_word2vec_format(write(tmp_path, b""), binary=binary)


@pytest.mark.parametrize(
    "header", [b"hello world\n", b"3\n", b"3 4 5\n", b"-1 4\n", b"3 four\n", b"\x80\x81 2\n"]
)
@pytest.mark.parametrize("binary", [False, True])
def test_bad_header(tmp_path: Path, header: bytes, binary: bool) -> None:
    with pytest.raises(ValueError, match="line 1.*header"):
        KeyedVectors.load_word2vec_format(write(tmp_path, header + b"a 1 2\n"), binary=binary)


def test_text_too_few_rows(tmp_path: Path) -> None:
    path = write(tmp_path, b"3 2\na 1 2\nb 3 4\n")
    with pytest.raises(EOFError, match="3 rows.*only 2"):
        KeyedVectors.load_word2vec_format(path)
    with pytest.raises(ValueError):  # the same error is also a ValueError
        KeyedVectors.load_word2vec_format(path)
    assert len(KeyedVectors.load_word2vec_format(path, limit=2)) == 2


def test_text_too_many_rows(tmp_path: Path) -> None:
    path = write(tmp_path, b"2 2\na 1 2\nb 3 4\nc 5 6\n")
    with pytest.raises(ValueError, match="line 4.*header"):
        KeyedVectors.load_word2vec_format(path)
    assert len(KeyedVectors.load_word2vec_format(path, limit=2)) == 2
    # trailing blank lines are fine
    ok = write(tmp_path, b"2 2\na 1 2\nb 3 4\n\n\n", "ok")
    assert len(KeyedVectors.load_word2vec_format(ok)) == 2


@pytest.mark.parametrize(
    "row,message",
    [
        (b"b 3 4 5", r"line 3: expected 2 values.*found 3"),
        (b"b 3", r"line 3: expected 2 values.*found 1"),
        (b"b", r"line 3: expected 2 values.*found 0"),
        (b"b 3 four", r"line 3, field 3: b'four' is not a number"),
        (b"b 3  4", r"line 3: expected 2 values.*found 3"),
        (b"b 3,5 4", r"line 3, field 2: b'3,5' is not a number"),
        (b"", r"line 3: expected 2 values.*found 0"),
    ],
)
def test_text_bad_rows(tmp_path: Path, row: bytes, message: str) -> None:
    path = write(tmp_path, b"3 2\na 1 2\n" + row + b"\nc 5 6\n")
    with pytest.raises(ValueError, match=message):
        KeyedVectors.load_word2vec_format(path)


def test_text_header_lies_about_size(tmp_path: Path) -> None:
    path = write(tmp_path, b"2 3\na 1 2\nb 3 4\n")
    with pytest.raises(ValueError, match="line 2: expected 3 values"):
        KeyedVectors.load_word2vec_format(path)


def test_no_header_errors(tmp_path: Path) -> None:
    ragged = write(tmp_path, b"a 1 2\nb 3 4 5\n")
    with pytest.raises(ValueError, match="line 2"):
        KeyedVectors.load_word2vec_format(ragged, no_header=True)
    gap = write(tmp_path, b"a 1 2\n\nb 3 4\n", "gap")
    with pytest.raises(ValueError, match="line 2: empty"):
        KeyedVectors.load_word2vec_format(gap, no_header=True)
    with pytest.raises(NotImplementedError):
        KeyedVectors.load_word2vec_format(ragged, binary=True, no_header=True)


def test_binary_truncated(tmp_path: Path) -> None:
    kv = make_kv(4, 3)
    data = c_binary(kv.index_to_key, kv.vectors, newline=False)
    for cut in (len(data) - 1, len(data) - 12, len(data) - 13, 20):
        path = write(tmp_path, data[:cut], f"cut{cut}")
        with pytest.raises(EOFError, match=r"byte offset \d+ while reading row \d .*of the 4 rows"):
            KeyedVectors.load_word2vec_format(path, binary=True)
        with gzip.open(tmp_path / f"cut{cut}.gz", "wb") as f:
            f.write(data[:cut])
        with pytest.raises(EOFError, match="byte offset"):
            KeyedVectors.load_word2vec_format(tmp_path / f"cut{cut}.gz", binary=True)


def test_binary_header_lies(tmp_path: Path) -> None:
    kv = make_kv(4, 3)
    more_rows = write(tmp_path, c_binary(kv.index_to_key, kv.vectors, header="5 3\n"), "a")
    with pytest.raises(EOFError, match="row 5"):
        KeyedVectors.load_word2vec_format(more_rows, binary=True)
    fewer_rows = write(tmp_path, c_binary(kv.index_to_key, kv.vectors, header="3 3\n"), "b")
    with pytest.raises(ValueError, match=r"byte offset \d+, after the 3 rows"):
        KeyedVectors.load_word2vec_format(fewer_rows, binary=True)
    assert len(KeyedVectors.load_word2vec_format(fewer_rows, binary=True, limit=3)) == 3
    wrong_size = write(tmp_path, c_binary(kv.index_to_key, kv.vectors, header="4 2\n"), "c")
    with pytest.raises(ValueError):
        KeyedVectors.load_word2vec_format(wrong_size, binary=True)
    bigger_size = write(tmp_path, c_binary(kv.index_to_key, kv.vectors, header="4 4\n"), "d")
    with pytest.raises(ValueError):
        KeyedVectors.load_word2vec_format(bigger_size, binary=True)


def test_binary_huge_declared_count_does_not_allocate(tmp_path: Path) -> None:
    kv = make_kv(2, 3)
    path = write(tmp_path, c_binary(kv.index_to_key, kv.vectors, header=f"{10**12} 3\n"))
    with pytest.raises(EOFError):
        KeyedVectors.load_word2vec_format(path, binary=True)
    text = write(tmp_path, f"{10**12} 3\na 1 2 3\n".encode(), "t")
    with pytest.raises(EOFError):
        KeyedVectors.load_word2vec_format(text)


def test_binary_garbage_never_hangs(tmp_path: Path, monkeypatch) -> None:
    import w2v._word2vec_format.binary as binary_fmt

    monkeypatch.setattr(binary_fmt, "MAX_KEY_BYTES", 1 << 12)
    for name, body in [
        ("zeros", b"\x00" * 3_000_000),
        ("nospace", b"x" * 3_000_000),
        ("text", b"a 1.0 2.0 3.0\n" * 200_000),
    ]:
        path = write(tmp_path, b"1000000 3\n" + body, name)
        start = time.perf_counter()
        with pytest.raises(ValueError):
            KeyedVectors.load_word2vec_format(path, binary=True)
        assert time.perf_counter() - start < 10


def test_text_file_read_as_binary_and_back(tmp_path: Path) -> None:
    kv = make_kv(30, 4)
    kv.save_word2vec_format(tmp_path / "v.txt")
    with pytest.raises(ValueError):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", binary=True)
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    with pytest.raises(ValueError):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=False)


def test_error_classes() -> None:
    assert issubclass(TruncatedWord2VecFileError, EOFError)
    assert issubclass(TruncatedWord2VecFileError, ValueError)
    assert issubclass(Word2VecFormatError, ValueError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        KeyedVectors.load_word2vec_format(tmp_path / "nope.bin", binary=True)


def test_binary_values_are_little_endian_float32(tmp_path: Path) -> None:
    path = write(tmp_path, b"1 2\nk " + struct.pack("<ff", 1.5, -2.25))
    np.testing.assert_array_equal(
        KeyedVectors.load_word2vec_format(path, binary=True)["k"], [1.5, -2.25]
    )
