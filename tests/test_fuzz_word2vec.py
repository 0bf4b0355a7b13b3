"""Fuzzing the word2vec text and binary readers (and the native text parser and formatter).

Valid small files, mutated (cut short, bytes flipped, inserted or dropped, headers replaced
by wrong, huge or malformed counts), compressed before or after the damage, and plain
random bytes, read with every ``unicode_errors`` mode, ``limit`` and ``datatype``: each read
either returns a consistent result (equal to gensim's for an undamaged file) or raises the
documented error naming the file (``Word2VecFormatError``, a ``ValueError``; with
``unicode_errors="strict"``, ``UnicodeDecodeError``), never another exception, a crash or an
allocation beyond what the file could hold. Examples are derandomised so that CI runs the
same ones; set ``W2V_FUZZ_EXAMPLES`` (and ``W2V_FUZZ_RANDOM=1``) to fuzz longer.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import struct
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from w2v import KeyedVectors, _core  # noqa: E402
from w2v.errors import CompressedFileError  # noqa: E402
from w2v.word2vec_format import Word2VecFormatError  # noqa: E402

EXAMPLES = int(os.environ.get("W2V_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("W2V_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
COMPRESSORS = {  # the fastest presets: the default xz preset takes 0.1 s to set up
    "gzip": lambda data: gzip.compress(data, compresslevel=1),
    "bzip2": lambda data: bz2.compress(data, compresslevel=1),
    "xz": lambda data: lzma.compress(data, preset=0),
}
SUFFIXES = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz"}
DATATYPES = [np.float32, np.float64, np.float16]
# Memory a read may take beyond what the file's data could hold (buffers, windows).
SLACK_BYTES = 48 << 20

_DIR = Path(tempfile.mkdtemp(prefix="w2v-fuzz-"))


# ---- inputs ---------------------------------------------------------------------------------

# Key bytes: ASCII letters, UTF-8 sequences, bytes that are invalid UTF-8 on their own, and
# control characters other than the separators.
_KEY_PIECES = st.sampled_from(
    [b"a", b"b", b"Z", b"_", b"9", "é".encode(), "日".encode(), "😀".encode(), b"\xc3", b"\xff",
     b"\x80", b"\xe6\x97", b"\x01", b"\x7f", "\u00a0".encode()]
)  # fmt: skip
keys_st = st.lists(_KEY_PIECES, min_size=1, max_size=4).map(b"".join)
float32_st = st.floats(width=32, allow_nan=True, allow_infinity=True)


def _text_value(v: float, style: int) -> bytes:
    x = np.float32(v)
    if style == 0:
        return repr(float(x)).encode()
    if style == 1:
        return str(x).encode()  # numpy's shortest, as gensim writes it
    if style == 2:
        return np.format_float_scientific(x, unique=True).encode()
    return b"%.3g" % float(x)


@st.composite
def valid_files(draw: Any) -> tuple:
    """(bytes, binary) of a well-formed word2vec file."""
    binary = draw(st.booleans())
    dim = draw(st.integers(0, 4))
    keys = draw(st.lists(keys_st, max_size=5))
    vectors = [draw(st.lists(float32_st, min_size=dim, max_size=dim)) for _ in keys]
    out = [b"%d %d\n" % (len(keys), dim)]
    if binary:
        newline = draw(st.booleans())  # word2vec.c ends each vector with one
        for key, row in zip(keys, vectors):
            out.append(key + b" " + struct.pack(f"<{dim}f", *row) + (b"\n" if newline else b""))
    else:
        style = draw(st.integers(0, 3))
        end = draw(st.sampled_from([b"\n", b" \n", b"\r\n"]))
        for key, row in zip(keys, vectors):
            out.append(b" ".join([key] + [_text_value(v, style) for v in row]) + end)
    return b"".join(out), binary


@st.composite
def mutations(draw: Any, data: bytes) -> bytes:
    """``data`` damaged one to three ways."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cut", "flip", "insert", "drop", "header", "dup"]))
        at = draw(st.integers(0, len(data)))
        if kind == "cut":
            data = data[:at]
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif kind == "drop":
            data = data[:at] + data[at + draw(st.integers(1, 8)) :]
        elif kind == "dup":
            data = data[:at] + data[at // 2 :]
        else:
            number = st.one_of(
                st.integers(-3, 12),
                st.sampled_from([2**31, 2**32 + 1, 2**62, 10**12, 10**40]),
            )
            header = draw(
                st.one_of(
                    st.tuples(number, number).map(lambda nd: b"%d %d\n" % nd),
                    st.binary(max_size=12).map(lambda b: b + b"\n"),
                    st.sampled_from([b"1 2 3\n", b"3\n", b"\n", b"1e3 2\n", b"0x10 2\n"]),
                )
            )
            data = header + data.partition(b"\n")[2]
    return data


# ---- reading and checking ---------------------------------------------------------------------


def _decompressed(data: bytes) -> bytes:
    """What the reader sees: ``data`` decompressed as far as it decompresses."""
    for magic, module in ((b"\x1f\x8b", gzip), (b"BZh", bz2), (b"\xfd7zXZ\x00", lzma)):
        if data.startswith(magic):
            try:
                return module.decompress(data)  # type: ignore[attr-defined]
            except Exception:
                return data
    return data


def load_checked(
    data: bytes, binary: bool, unicode_errors: str, limit: Optional[int], datatype: Any,
    no_header: bool = False, path: Path = _DIR / "fuzz.bin", trace: bool = True,
) -> Optional[KeyedVectors]:  # fmt: skip
    """Load ``data`` from ``path``; None for a documented error, else the vectors. With
    ``trace``, the memory allocated meanwhile is bounded by what the data could hold."""
    # A new file each time: ext4 flushes a file rewritten in place (truncated) on close.
    path.unlink(missing_ok=True)
    path.write_bytes(data)
    if trace:
        tracemalloc.start()
    try:
        kv = KeyedVectors.load_word2vec_format(
            path,
            binary=binary,
            unicode_errors=unicode_errors,
            limit=limit,
            datatype=datatype,
            no_header=no_header,
        )
    except (Word2VecFormatError, CompressedFileError, UnicodeDecodeError) as e:
        # Corrupt compressed data is the one CompressedFileError, for corpora and word2vec
        # files alike; both are MalformedFileErrors naming the file.
        assert str(path) in str(e), f"the error does not name the file: {e!r}"
        assert unicode_errors == "strict" or not isinstance(e, UnicodeDecodeError)
        return None
    except NotImplementedError:
        assert binary and no_header
        return None
    finally:
        if trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            # binary rows of float32 become float64 (2x); text rows "0 " become 8 bytes (4x)
            assert peak <= SLACK_BYTES + 16 * len(_decompressed(data)), f"{peak} bytes"
    n = len(kv.index_to_key)
    assert kv.vectors.shape[0] == n and kv.vectors.dtype == np.dtype(datatype)
    assert len(kv.key_to_index) == n and all(type(k) is str for k in kv.index_to_key)
    if limit:
        assert n <= limit
    return kv


read_options = st.tuples(
    st.sampled_from(["strict", "replace", "ignore"]),
    st.one_of(st.none(), st.integers(0, 6)),
    st.sampled_from(DATATYPES),
)


@FUZZ
@given(file=valid_files(), options=read_options, compress=st.sampled_from([None, *COMPRESSORS]))
def test_valid_files_read_as_gensim_reads_them(file: tuple, options: tuple, compress) -> None:
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    data, binary = file
    unicode_errors, limit, datatype = options
    if compress:
        data = COMPRESSORS[compress](data)
    # gensim goes by the name's suffix, w2v by the content
    path = _DIR / ("fuzz" + SUFFIXES.get(compress, ""))
    ours = load_checked(data, binary, unicode_errors, limit, datatype, path=path, trace=False)
    try:
        theirs = gensim_kv.KeyedVectors.load_word2vec_format(
            path, binary=binary, unicode_errors=unicode_errors, limit=limit, datatype=datatype
        )
    except UnicodeDecodeError:
        assert ours is None  # both refuse the key
        return
    assert ours is not None
    # With a key repeated, gensim leaves a None key (and a spare row) for each repeat.
    n = len(ours.index_to_key)
    assert ours.index_to_key == theirs.index_to_key[:n]
    assert all(k is None for k in theirs.index_to_key[n:])
    np.testing.assert_array_equal(ours.vectors, theirs.vectors[:n])
    assert ours.vectors.dtype == theirs.vectors.dtype
    counts = [theirs.get_vecattr(k, "count") for k in ours.index_to_key]
    assert [ours.get_vecattr(k, "count") for k in ours.index_to_key] == counts


@FUZZ
@given(
    file=valid_files(),
    data=st.data(),
    options=read_options,
    compress=st.sampled_from([None, *COMPRESSORS]),
    compress_first=st.booleans(),
    as_binary=st.sampled_from([None, True, False]),
)
def test_damaged_files_give_a_clean_error(
    file: tuple, data: Any, options: tuple, compress, compress_first: bool, as_binary
) -> None:
    raw, binary = file
    if compress and compress_first:  # damage to the compressed stream itself
        raw = data.draw(mutations(COMPRESSORS[compress](raw)))
    else:
        raw = data.draw(mutations(raw))
        if compress:
            raw = COMPRESSORS[compress](raw)
    binary = binary if as_binary is None else as_binary
    no_header = not binary and data.draw(st.booleans())
    load_checked(raw, binary, *options, no_header=no_header)


@FUZZ
@given(
    head=st.sampled_from([b"", b"2 3\n", b"1 1\n", b"3 0\n", b"99999999 99999999\n"]),
    body=st.binary(max_size=200),
    binary=st.booleans(),
    no_header=st.booleans(),
    options=read_options,
)
def test_random_bytes_give_a_clean_error(
    head: bytes, body: bytes, binary: bool, no_header: bool, options: tuple
) -> None:
    load_checked(head + body, binary, *options, no_header=no_header and not binary)


# ---- the native entry points ------------------------------------------------------------------


@FUZZ
@given(
    data=st.binary(max_size=300),
    cut=st.tuples(st.integers(0, 300), st.integers(0, 300)),
    rows=st.integers(0, 6),
    dim=st.integers(0, 4),
    at_end=st.booleans(),
    stop_at_blank=st.booleans(),
    threads=st.integers(1, 3),
    wide=st.booleans(),
)
def test_native_text_parser_on_any_bytes(
    data: bytes, cut: tuple, rows: int, dim: int, at_end: bool, stop_at_blank: bool,
    threads: int, wide: bool,
) -> None:  # fmt: skip
    start, stop = sorted(min(c, len(data)) for c in cut)
    out = np.full((rows, dim), 7.0, dtype=np.float64 if wide else np.float32)
    got = _core.parse_word2vec_text(data, start, stop, at_end, out, stop_at_blank, threads)
    assert got.rows <= rows and got.consumed <= stop - start
    assert got.keys.count(b"\n") == got.rows


@FUZZ
@given(
    bits=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40),
    keys=st.lists(st.text(st.characters(blacklist_characters=" \n"), max_size=5), max_size=1),
)
def test_native_formatter_reads_back_exactly(bits: list, keys: list) -> None:
    values = np.array(bits, dtype=np.uint32).view(np.float32).reshape(1, -1)
    key = keys[0] if keys else "k"
    out = bytearray(b"x" * 7)  # grown to fit
    [(start, stop)] = _core.format_word2vec_text([key], values, 1, out)
    line = out[start:stop].decode("utf8")
    assert line.endswith("\n") and line.startswith(key + " ")
    fields = line[len(key) + 1 : -1].split(" ")
    back = np.array([float(f) for f in fields], dtype=np.float64).astype(np.float32)
    same = (back.view(np.uint32) == values.view(np.uint32)) | (np.isnan(back) & np.isnan(values))
    assert same.all(), [f for f, ok in zip(fields, same.ravel()) if not ok]
    for field, v in zip(fields, values.ravel()):
        # The shortest decimal: no more digits than numpy's (integers from 2^24 on are
        # written exactly, as std::to_chars writes them, when that takes no more characters).
        if np.isfinite(v) and 0 < abs(v) < 2**24:
            mantissa = field.lstrip("-").split("e")[0].replace(".", "").strip("0")
            shortest = np.format_float_scientific(v, unique=True, trim="-")
            assert len(mantissa) <= len(shortest.lstrip("-").split("e")[0].replace(".", ""))
