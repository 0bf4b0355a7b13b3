"""The native word2vec text reader and writer: every value spelling float() reads (and only
those), line endings, limits, datatypes and key decoding as gensim has them, rows split
across threads and read windows, and exact round trips of every kind of float."""

from __future__ import annotations

import codecs
import gzip
import io
import logging
import warnings
from pathlib import Path
from typing import List

import numpy as np
import pytest

import w2v._word2vec_format.text as text_fmt
from w2v import KeyedVectors, _core
from w2v.word2vec_format import (
    TruncatedWord2VecFileError,
    Word2VecFormatError,
    read_word2vec_format,
)


@pytest.fixture
def threads(monkeypatch):
    """Four parsing threads (real ones even on one CPU), and small windows, so that rows
    are split between threads and read windows."""
    monkeypatch.setattr(text_fmt, "usable_cpus", lambda: 4)
    monkeypatch.setattr(text_fmt, "_MAPPED_WINDOW_BYTES", 5 << 20)


def gensim_kv():
    pytest.importorskip("gensim.models")
    logging.getLogger("gensim").setLevel(logging.ERROR)
    from gensim.models import KeyedVectors as GensimKV

    return GensimKV


def write(tmp_path: Path, data: bytes, name: str = "v.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_text(keys: List[str], values: List[List[str]], header: bool = True) -> bytes:
    lines = [f"{len(keys)} {len(values[0]) if values else 0}"] if header else []
    lines += [" ".join([k] + v) for k, v in zip(keys, values)]
    return ("\n".join(lines) + "\n").encode("utf8")


def big_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


# ---- values ---------------------------------------------------------------------------------

ACCEPTED = [
    "1", "-1", "+1", "1.5", "-0.0", "0", ".5", "-.5", "5.", "1e5", "1E-5", "+1.5e+05", "007",
    "1_000.5", "1_0e1_0", "inf", "-inf", "+inf", "Infinity", "-INFINITY", "nan", "-nan", "NaN",
    "1e400", "-1e400", "1e-400", "-2e-324", "5e-324", "2.2250738585072014e-308",
    "1.7976931348623157e308", "0.1000000000000000055511151231257827021181583404541015625",
    "123456789012345678901234567890", "0." + "0" * 40 + "1", "1.00000005960464477539062501",
    "\t1.5", "1.5\x0b", "\x0c-2",
]  # fmt: skip

REFUSED = [
    "1__0", "_1", "1_", "1_.5", "nan(1)", "0x10", "1e", "1e+", "--1", "+-1", "-+1", "1.5.5",
    "1,5", "one", "١", "infinit", "in", ".", "-", "e5", "1e5.5", "1\x00",
]  # fmt: skip


@pytest.mark.parametrize("datatype", [np.float32, np.float64])
def test_every_spelling_float_reads(tmp_path: Path, datatype) -> None:
    data = rows_text([f"k{i}" for i in range(len(ACCEPTED))], [[v, "1"] for v in ACCEPTED])
    kv = KeyedVectors.load_word2vec_format(write(tmp_path, data), datatype=datatype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 1e400 overflows float32
        want = np.array([float(v) for v in ACCEPTED]).astype(datatype)
    np.testing.assert_array_equal(kv.vectors[:, 0], want)
    np.testing.assert_array_equal(np.signbit(kv.vectors[:, 0]), np.signbit(want))


@pytest.mark.parametrize("value", REFUSED)
def test_what_float_refuses_is_named(tmp_path: Path, value: str) -> None:
    data = f"2 2\na 1 2\nb 3 {value}\n".encode()
    with pytest.raises(Word2VecFormatError, match=r"line 3, field 3: .* is not a number"):
        KeyedVectors.load_word2vec_format(write(tmp_path, data))


def test_values_like_python_float_at_scale(tmp_path: Path, threads) -> None:
    """Random spellings of every kind, in a file parsed by several threads."""
    rng = np.random.default_rng(3)
    n, dim = 60_000, 6
    pool = [
        *(repr(float(x)) for x in rng.uniform(-10, 10, 2000)),
        *(str(x) for x in rng.standard_normal(2000).astype(np.float32)),
        *(f"{x:.{p}f}" for x, p in zip(rng.uniform(-1e6, 1e6, 2000), rng.integers(0, 14, 2000))),
        *(f"{x:.{p}e}" for x, p in zip(rng.uniform(-1, 1, 2000), rng.integers(0, 20, 2000))),
        *("".join(rng.choice(list("0123456789"), size=int(k))) for k in rng.integers(1, 25, 2000)),
        *ACCEPTED,
    ]
    values = rng.choice(pool, size=(n, dim))
    data = rows_text([f"w{i}" for i in range(n)], values.tolist())
    assert len(data) > 2 << 20
    path = write(tmp_path, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = np.vectorize(float, otypes=[np.float64])(values)
        for datatype in (np.float64, np.float32):
            kv = KeyedVectors.load_word2vec_format(path, datatype=datatype)
            np.testing.assert_array_equal(kv.vectors, want.astype(datatype))


@pytest.mark.parametrize("datatype", [np.float16, np.float32, np.float64])
def test_datatypes_as_gensim(tmp_path: Path, datatype) -> None:
    """gensim reads each value as a double, then casts; values close to the midpoints
    between float16 and float32 numbers tell a direct rounding apart."""
    GensimKV = gensim_kv()
    values = [
        ["1.00048828125", "1.0004882812500001", "1.00048828124999999", "-1.00146484375"],
        ["1.0000000596046448", "1.00000005960464478", "1.000000059604644775390625001", "1e-8"],
        ["65519.99", "65520", "6.1e-5", "3.0e-8"],
        ["0.1", "-0.33333334", "3.4028235e38", "1.17549435e-38"],
    ]
    path = write(tmp_path, rows_text(["a", "b", "c", "d"], values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 65520 overflows float16
        ours = KeyedVectors.load_word2vec_format(path, datatype=datatype)
        theirs = GensimKV.load_word2vec_format(path, datatype=datatype)
    assert ours.vectors.dtype == theirs.vectors.dtype == datatype
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)


# ---- lines ----------------------------------------------------------------------------------


def test_line_endings_and_trailing_whitespace(tmp_path: Path) -> None:
    plain = b"3 2\na 1 2\nb 3 4\nc 5 6\n"
    want = KeyedVectors.load_word2vec_format(write(tmp_path, plain, "plain"))
    for name, data in [
        ("crlf", plain.replace(b"\n", b"\r\n")),
        ("spaces", plain.replace(b"\n", b" \n")),
        ("tabs", plain.replace(b"\n", b"\t \r\n")),
        ("no-final-newline", plain[:-1]),
        ("crlf-no-final-newline", plain.replace(b"\n", b"\r\n")[:-2]),
        ("blank-tail", plain + b"\n \r\n\t\n"),
    ]:
        kv = KeyedVectors.load_word2vec_format(write(tmp_path, data, name))
        assert kv.index_to_key == want.index_to_key, name
        np.testing.assert_array_equal(kv.vectors, want.vectors)


def test_tab_separated_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(Word2VecFormatError, match="line 2: expected 2 values.*found 1"):
        KeyedVectors.load_word2vec_format(write(tmp_path, b"1 2\na\t1 2\n"))
    with pytest.raises(Word2VecFormatError, match=r"line 2, field 2: b'1\\t2' is not"):
        KeyedVectors.load_word2vec_format(write(tmp_path, b"1 2\na 1\t2 3\n"))


def test_keys_keep_what_precedes_the_first_space(tmp_path: Path) -> None:
    data = b"3 1\n 1\n\xc2\xa0x 2\na\tb 3\n"  # an empty key, a no-break space, a tab
    kv = KeyedVectors.load_word2vec_format(write(tmp_path, data))
    assert kv.index_to_key == ["", "\xa0x", "a\tb"]


def test_empty_vectors(tmp_path: Path) -> None:
    kv = KeyedVectors.load_word2vec_format(write(tmp_path, b"3 0\na\nb \nc\r\n"))
    assert kv.index_to_key == ["a", "b", "c"] and kv.vectors.shape == (3, 0)
    with pytest.raises(Word2VecFormatError, match="line 3: expected 0 values.*found 1"):
        KeyedVectors.load_word2vec_format(write(tmp_path, b"2 0\na\nb 1\n", "bad"))
    out = tmp_path / "out.txt"
    kv.save_word2vec_format(out)
    assert out.read_bytes() == b"3 0\na \nb \nc \n"  # as gensim writes them
    again = KeyedVectors.load_word2vec_format(out)
    assert again.index_to_key == kv.index_to_key


def test_empty_vectors_as_gensim(tmp_path: Path) -> None:
    GensimKV = gensim_kv()
    theirs = GensimKV(0)
    theirs.add_vectors(["a", "b"], np.zeros((2, 0), dtype=np.float32))
    theirs.save_word2vec_format(tmp_path / "g.txt")
    ours = KeyedVectors.load_word2vec_format(tmp_path / "g.txt")
    assert ours.index_to_key == ["a", "b"] and ours.vectors.shape == (2, 0)


@pytest.mark.parametrize("how", ["path", "gzip", "file object"])
def test_huge_keys_longer_than_windows(tmp_path: Path, monkeypatch, how: str) -> None:
    monkeypatch.setattr(text_fmt, "_MAPPED_WINDOW_BYTES", 1000)
    monkeypatch.setattr(text_fmt, "_TEXT_CHUNK_BYTES", 1000)
    huge = "k" * 300_000
    data = rows_text(["a", huge, "b"], [["1", "2"], ["3", "4"], ["5", "6"]])
    source = _source(tmp_path, data, how)
    kv = KeyedVectors.load_word2vec_format(source)
    assert kv.index_to_key == ["a", huge, "b"]
    np.testing.assert_array_equal(kv.vectors, [[1, 2], [3, 4], [5, 6]])


def _source(tmp_path: Path, data: bytes, how: str):
    if how == "path":
        return write(tmp_path, data)
    if how == "gzip":
        path = tmp_path / "v.txt.gz"
        path.write_bytes(gzip.compress(data))
        return path
    return io.BytesIO(data)


# ---- counts, limits and errors across threads and windows ---------------------------------------


@pytest.mark.parametrize("how", ["path", "gzip", "file object"])
def test_same_rows_however_read(tmp_path: Path, threads, how: str) -> None:
    vectors = big_rows(6000, 50)
    kv = KeyedVectors(50)
    kv.add_vectors([f"w{i}" for i in range(6000)], vectors)
    buf = io.BytesIO()
    kv.save_word2vec_format(buf)
    loaded = KeyedVectors.load_word2vec_format(_source(tmp_path, buf.getvalue(), how))
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, vectors)
    for limit in (1, 2999, 3000, 3001, 5999, 6000, 7000):
        part = KeyedVectors.load_word2vec_format(
            _source(tmp_path, buf.getvalue(), how), limit=limit
        )
        assert part.index_to_key == kv.index_to_key[:limit]
        np.testing.assert_array_equal(part.vectors, vectors[:limit])


@pytest.mark.parametrize("how", ["path", "gzip"])
def test_limit_leaves_the_rest_unread(tmp_path: Path, threads, how: str) -> None:
    good = rows_text([f"w{i}" for i in range(1000)], [["1.5", "2"]] * 1000)
    data = good.replace(b"1000 2", b"9000 2", 1) + b"garbage \xff\n" * 400_000
    kv = KeyedVectors.load_word2vec_format(_source(tmp_path, data, how), limit=1000)
    assert len(kv) == 1000 and kv.expandos["count"][0] == 1000
    with pytest.raises(Word2VecFormatError, match="line 1002: expected 2 values"):
        KeyedVectors.load_word2vec_format(_source(tmp_path, data, how), limit=1001)


@pytest.mark.parametrize("row", [500, 80_000, 159_999])
@pytest.mark.parametrize("how", ["path", "gzip"])
def test_bad_rows_named_by_line_across_threads(tmp_path: Path, threads, row: int, how) -> None:
    n = 160_000
    values = [["0.25", "-1.5", "3e-3"]] * n
    keys = [f"word{i}" for i in range(n)]
    cases = [
        (["1", "2"], r"expected 3 values after the key, found 2"),
        (["1", "2", "3", "4"], r"expected 3 values after the key, found 4"),
        (["1", "x2", "3"], r"field 3: b'x2' is not a number"),
        (["1", "", "3"], r"field 3: b'' is not a number"),
        (["1", "2", ""], r"expected 3 values after the key, found 2"),  # the space is stripped
    ]
    for bad, message in cases:
        data = rows_text(keys, values[:row] + [bad] + values[row + 1 :])
        assert len(data) > 3 << 20  # three threads or more
        with pytest.raises(Word2VecFormatError, match=rf"line {row + 2}(,|:) .*{message}"):
            KeyedVectors.load_word2vec_format(_source(tmp_path, data, how))


def test_truncated_and_overlong_files_across_windows(tmp_path: Path, threads) -> None:
    n = 40_000
    data = rows_text([f"w{i}" for i in range(n)], [["0.5", "1"]] * n)
    more = data.replace(f"{n} 2".encode(), f"{n + 5} 2".encode(), 1)
    with pytest.raises(TruncatedWord2VecFileError, match=f"after line {n + 1}: .* only {n}"):
        KeyedVectors.load_word2vec_format(write(tmp_path, more, "more"))
    assert len(KeyedVectors.load_word2vec_format(write(tmp_path, more, "more"), limit=n)) == n
    fewer = data.replace(f"{n} 2".encode(), f"{n - 5} 2".encode(), 1)
    with pytest.raises(Word2VecFormatError, match=f"line {n - 3}: unexpected data after"):
        KeyedVectors.load_word2vec_format(write(tmp_path, fewer, "fewer"))
    blank_then_data = data + b"\n\r\n  \nextra 1 2\n"
    with pytest.raises(Word2VecFormatError, match=f"line {n + 5}: unexpected data after"):
        KeyedVectors.load_word2vec_format(write(tmp_path, blank_then_data, "tail"))


def test_no_header(tmp_path: Path, threads) -> None:
    n = 30_000
    body = rows_text([f"w{i}" for i in range(n)], [["0.5", "1", "2"]] * n, header=False)
    kv = KeyedVectors.load_word2vec_format(write(tmp_path, body + b"\n\n", "a"), no_header=True)
    assert len(kv) == n and kv.vector_size == 3
    gap = body[: len(body) // 2].rsplit(b"\n", 1)[0] + b"\n\n" + body[len(body) // 2 :]
    blank_line = gap[: gap.index(b"\n\n") + 1].count(b"\n") + 1
    with pytest.raises(Word2VecFormatError, match=f"line {blank_line}: empty line"):
        KeyedVectors.load_word2vec_format(write(tmp_path, gap, "b"), no_header=True)
    with pytest.raises(Word2VecFormatError, match="line 1: empty line"):
        KeyedVectors.load_word2vec_format(write(tmp_path, b"\n" + body, "c"), no_header=True)
    empty = KeyedVectors.load_word2vec_format(write(tmp_path, b"\n \n", "d"), no_header=True)
    assert len(empty) == 0
    with pytest.raises(Word2VecFormatError, match="line 3: expected 3 values"):
        KeyedVectors.load_word2vec_format(
            write(tmp_path, b"a 1 2 3\nb 1 2 3\nc 1 2\n", "e"), no_header=True
        )


# ---- keys -------------------------------------------------------------------------------------


def test_keys_decoded_as_gensim(tmp_path: Path, threads) -> None:
    GensimKV = gensim_kv()
    n = 20_000
    raw = [f"w{i}".encode() for i in range(n)]
    cut = [(5, b"caf\xc3"), (7000, b"y\xe6\x97"), (12000, b"a\xffb"), (19999, b"z\xed\xa0\x80")]
    for i, bad in cut:
        raw[i] = bad
    data = b"%d 2\n" % n + b"".join(k + b" 1 2\n" for k in raw)
    path = write(tmp_path, data)
    with pytest.raises(UnicodeDecodeError, match="line 7 of"):
        KeyedVectors.load_word2vec_format(path)
    for errors in ("replace", "ignore", "backslashreplace", "surrogateescape"):
        ours = KeyedVectors.load_word2vec_format(path, unicode_errors=errors)
        theirs = GensimKV.load_word2vec_format(path, unicode_errors=errors)
        assert ours.index_to_key == theirs.index_to_key == [k.decode("utf8", errors) for k in raw]
    latin = KeyedVectors.load_word2vec_format(path, encoding="latin-1")
    assert latin.index_to_key == [k.decode("latin-1") for k in raw]


def test_error_handler_that_writes_newlines(tmp_path: Path) -> None:
    codecs.register_error("w2v-test-newline", lambda e: ("\n", e.end))
    data = b"3 1\na\xff 1\nb 2\n\xffc 3\n"
    keys, _, _ = read_word2vec_format(write(tmp_path, data), unicode_errors="w2v-test-newline")
    assert len(keys) == 3 and keys[:2] == ["a\n", "b"]


# ---- writing ------------------------------------------------------------------------------------


def save_rows(vectors: np.ndarray, **kwargs) -> bytes:
    kv = KeyedVectors(vectors.shape[1], dtype=vectors.dtype)
    kv.add_vectors([f"k{i}" for i in range(len(vectors))], vectors)
    buf = io.BytesIO()
    kv.save_word2vec_format(buf, **kwargs)
    return buf.getvalue()


def test_shortest_text_of_known_values() -> None:
    values = np.array([[0.1, -0.0, 1e-05, 123456.0, 3.4028235e38, 1e-45, 1.0, 0.3, 0, 1e16]])
    values = values.astype(np.float32)
    values[0, 8] = np.uint32(0x15AE43FD).view(np.float32)
    text = save_rows(values).split(b"\n")[1].decode()
    assert text.split(" ")[1:] == [
        "0.1", "-0", "1e-05", "123456", "3.4028235e+38", "1e-45", "1", "0.3",
        "7.0385307e-26",  # the shortest, 7.038531e-26, reads back as another float
        "1e+16",
    ]  # fmt: skip


def test_every_kind_of_float32_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**32, size=(4000, 50), dtype=np.uint64).astype(np.uint32)
    bits[0, :6] = [0x15AE43FD, 0x95AE43FD, 0x7F800000, 0xFF800000, 0x00000001, 0x80000000]
    vectors = bits.view(np.float32)
    path = write(tmp_path, save_rows(vectors))
    back = KeyedVectors.load_word2vec_format(path).vectors
    finite = np.isfinite(vectors) | np.isinf(vectors)
    np.testing.assert_array_equal(back.view(np.uint32)[finite], bits[finite])
    assert np.isnan(back[~finite]).all()
    # shortest: as many digits as numpy's shortest repr (but for the one exception), or an
    # integer written out whole when that takes fewer characters, as std::to_chars does
    fields = path.read_bytes().split(b"\n")[1].split(b" ")[1:]
    for value, field in zip(vectors[0, 6:], fields[6:]):
        if np.isfinite(value) and value != 0:
            shortest = np.format_float_scientific(value, unique=True, trim="-")
            if b"." not in field and b"e" not in field:
                assert float(field) == value and len(field) <= len(shortest)
                continue
            mantissa = field.split(b"e")[0].lstrip(b"-").replace(b".", b"").strip(b"0")
            digits = shortest.split("e")[0].lstrip("-").replace(".", "")
            assert len(mantissa) == len(digits), field


def test_float64_and_float16_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    doubles = rng.integers(0, 2**63, size=(1000, 20), dtype=np.uint64).view(np.float64)
    doubles = np.where(np.isnan(doubles), 1.5, doubles)
    path = write(tmp_path, save_rows(doubles), "d.txt")
    back = KeyedVectors.load_word2vec_format(path, datatype=np.float64).vectors
    np.testing.assert_array_equal(back, doubles)
    halves = rng.integers(0, 2**16, size=(1000, 20), dtype=np.uint16).view(np.float16)
    halves = np.where(np.isnan(halves), np.float16(0.5), halves)
    path = write(tmp_path, save_rows(halves), "h.txt")
    back = KeyedVectors.load_word2vec_format(path, datatype=np.float16).vectors
    np.testing.assert_array_equal(back.view(np.uint16), halves.view(np.uint16))


def test_gensim_reads_every_kind_of_float32(tmp_path: Path) -> None:
    GensimKV = gensim_kv()
    rng = np.random.default_rng(9)
    vectors = rng.integers(0, 2**32, size=(500, 40), dtype=np.uint64).astype(np.uint32)
    vectors = vectors.view(np.float32)
    vectors[~np.isfinite(vectors)] = 1.0
    vectors[0, 0] = np.uint32(0x15AE43FD).view(np.float32)
    path = write(tmp_path, save_rows(vectors))
    theirs = GensimKV.load_word2vec_format(path)
    np.testing.assert_array_equal(theirs.vectors, vectors)


def test_keys_written_as_gensim_writes_them(tmp_path: Path) -> None:
    kv = KeyedVectors(2)
    kv.add_vectors([1, "x\u00a0y", "naïve"], np.ones((3, 2), dtype=np.float32))
    buf = io.BytesIO()
    kv.save_word2vec_format(buf, prefix="p_")
    assert buf.getvalue().decode("utf8").splitlines()[1:] == [
        "p_1 1 1", "p_x\u00a0y 1 1", "p_naïve 1 1",
    ]  # fmt: skip
    bad = KeyedVectors(2)
    bad.add_vectors(["ok", "a\ud800"], np.ones((2, 2), dtype=np.float32))
    buf = io.BytesIO()
    with pytest.raises(UnicodeEncodeError, match="row 1") as raised:
        bad.save_word2vec_format(buf)
    assert raised.value.object == "a\ud800" and raised.value.start == 1
    assert buf.getvalue() == b""  # refused before anything is written


def test_many_blocks_written_in_order(tmp_path: Path) -> None:
    vectors = big_rows(3000, 7)
    kv = KeyedVectors(7)
    kv.add_vectors([f"w{i}" for i in range(3000)], vectors)
    from w2v.word2vec_format import write_word2vec_format

    write_word2vec_format(tmp_path / "v.txt.gz", kv.index_to_key, vectors, rows_per_block=64)
    back = KeyedVectors.load_word2vec_format(tmp_path / "v.txt.gz")
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, vectors)


def test_native_calls_check_their_arguments() -> None:
    out = np.zeros((2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="start and stop"):
        _core.parse_word2vec_text(b"a 1 2\n", 0, 99, True, out, False, 1)
    with pytest.raises(TypeError):
        _core.parse_word2vec_text(b"a 1 2\n", 0, 6, True, out.astype(np.float16), False, 1)
    with pytest.raises(TypeError, match="str"):
        _core.format_word2vec_text([b"a"], np.ones((1, 2), dtype=np.float32), 1, bytearray())
    with pytest.raises(ValueError, match="differ"):
        _core.format_word2vec_text(["a", "b"], np.ones((1, 2), dtype=np.float32), 1, bytearray())


def test_formatting_reuses_the_caller_s_buffer() -> None:
    rows = np.array([[1.5, -0.25], [3.0, 1e-7]], dtype=np.float32)
    out = bytearray(1 << 16)
    spans = _core.format_word2vec_text(["a", "bb"], rows, 2, out)
    assert len(out) == 1 << 16  # big enough: kept
    assert b"".join(out[a:b] for a, b in spans) == b"a 1.5 -0.25\nbb 3 1e-07\n"
    small = bytearray(3)
    view = memoryview(small)
    with pytest.raises(BufferError):  # cannot grow while a view of it is alive
        _core.format_word2vec_text(["a"], rows[:1], 1, small)
    view.release()
    [(a, b)] = _core.format_word2vec_text(["a"], rows[:1], 1, small)
    assert small[a:b] == b"a 1.5 -0.25\n"
