"""Reading word2vec.c's text layout: ``key v1 v2 ... vN`` per line.

The rows are parsed in C++ (``_core.parse_word2vec_text``) on every usable core, in place
from the mapped file for a plain file on disk, or from pieces read here for compressed data
and file objects. Values are read as ``float()`` reads them (then cast to the datatype) and
keys are decoded here, as gensim does. A line the C++ parser refuses is read again here,
field by field, to name the problem.
"""

from __future__ import annotations

import codecs
import mmap
import re
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from w2v import _core
from w2v._word2vec_format.common import (
    Rows,
    TruncatedWord2VecFileError,
    Word2VecFormatError,
    decode_keys,
    initial_capacity,
    usable_cpus,
    wanted_rows,
)

_TEXT_CHUNK_BYTES = 1 << 23  # bytes read at a time from compressed data or a file object
_MAPPED_WINDOW_BYTES = 1 << 26  # bytes of a mapped file parsed per call
_NATIVE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))  # parsed straight into the rows
_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")  # what bytes.strip() keeps

# (data, start, stop, at_end): the bytes data[start:stop] from the read position; at_end
# when they reach the end of the file.
_Window = Tuple[Any, int, int, bool]


class _MappedFile:
    """A plain file on disk, mapped in memory and parsed in place."""

    def __init__(self, fin: Any) -> None:
        self.pos = fin.tell()
        self.mm = mmap.mmap(fin.fileno(), 0, access=mmap.ACCESS_READ)

    def window(self, size: int) -> _Window:
        stop = min(len(self.mm), self.pos + size)
        return self.mm, self.pos, stop, stop == len(self.mm)

    def consume(self, nbytes: int) -> None:
        self.pos += nbytes

    def close(self) -> None:
        self.mm.close()


class _Stream:
    """Compressed data or a file object, read in pieces of whole lines (and a remainder)."""

    def __init__(self, fin: Any) -> None:
        self.fin = fin
        self.buf = b""
        self.pos = 0
        self.eof = False

    def window(self, size: int) -> _Window:
        """At least ``size`` bytes (unless the data ends first), or more if buffered."""
        have = len(self.buf) - self.pos
        if have < size and not self.eof:
            parts = [self.buf[self.pos :]]
            while have < size:
                data = self.fin.read(max(size - have, _TEXT_CHUNK_BYTES))
                if not data:
                    self.eof = True
                    break
                parts.append(data)
                have += len(data)
            self.buf = b"".join(parts)
            self.pos = 0
        return self.buf, self.pos, len(self.buf), self.eof

    def consume(self, nbytes: int) -> None:
        self.pos += nbytes

    def close(self) -> None:
        return None


def _open_source(fin: Any, file_size: Optional[int]) -> Any:
    if file_size:
        try:
            return _MappedFile(fin)
        except (OSError, ValueError, AttributeError):  # not mappable: read it instead
            pass
    return _Stream(fin)


def _next_line(source: Any) -> Optional[Tuple[bytes, int]]:
    """The line at the read position (without its newline) and its length with the
    newline, not consumed; None at the end of the data."""
    size = 1 << 16
    while True:
        data, start, stop, at_end = source.window(size)
        if start == stop:
            return None
        nl = data.find(b"\n", start, stop)
        if nl >= 0:
            return bytes(data[start:nl]), nl + 1 - start
        if at_end:
            return bytes(data[start:stop]), stop - start
        size = 2 * (stop - start)


def _lines_before_data(source: Any) -> Optional[int]:
    """How many lines from the read position precede the first one that is not blank
    (None if all are blank). Consumes what it reads."""
    newlines = 0
    while True:
        data, start, stop, _ = source.window(_TEXT_CHUNK_BYTES)
        if start == stop:
            return None
        hit = _NOT_SPACE.search(data, start, stop)
        if hit is not None:
            return newlines + data[start : hit.start()].count(b"\n")
        newlines += data[start:stop].count(b"\n")
        source.consume(stop - start)


def _parse_values_slowly(
    rests: Sequence[bytes], dim: Optional[int], name: str, first_line: int
) -> np.ndarray:
    """Parse rows one by one, to name the first bad line (or all rows if they are fine)."""
    out = np.empty((len(rests), dim or 0), dtype=np.float64)
    for i, rest in enumerate(rests):
        line_no = first_line + i
        fields = rest.split(b" ") if rest else []
        if dim is not None and len(fields) != dim:
            raise Word2VecFormatError(
                f"{name}, line {line_no}: expected {dim} values after the key, found "
                f"{len(fields)}; the header's vector size is wrong or the row is damaged"
            )
        for column, field in enumerate(fields, start=2):
            try:
                out[i, column - 2] = float(field)
            except ValueError:
                raise Word2VecFormatError(
                    f"{name}, line {line_no}, field {column}: {field[:40]!r} is not a number"
                ) from None
    return out


def _key_decoder(encoding: str, errors: str, name: str) -> Callable[[bytes, int, int], List[str]]:
    """A function decoding the parser's keys (each followed by a newline) of ``count`` rows
    from line ``line_no``, each key as ``bytes.decode(encoding, errors)`` would."""
    try:
        whole = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        whole = False

    def decode(blob: bytes, count: int, line_no: int) -> List[str]:
        # UTF-8 resynchronises at each newline, so the keys can be decoded at once.
        if whole:
            try:
                keys = blob.decode(encoding, errors).split("\n")
            except UnicodeDecodeError:
                pass  # decoded one by one below, to name the line
            else:
                keys.pop()
                if len(keys) == count:
                    return keys
        raw = blob.split(b"\n")
        raw.pop()

        def where(i: int) -> str:
            return f"line {line_no + i} of {name}"

        return decode_keys(raw, encoding, errors, where)

    return decode


def _vector_size(source: Any, name: str, line_no: int) -> Tuple[Optional[int], int]:
    """For a file without a header: the number of values on the first row (None if there
    is no row) and that row's line number. Blank lines before it are an error."""
    first_blank = None
    while True:
        found = _next_line(source)
        if found is None:
            return None, line_no
        line, length = found
        stripped = line.rstrip()
        if stripped:
            break
        first_blank = line_no if first_blank is None else first_blank
        source.consume(length)
        line_no += 1
    if first_blank is not None:
        raise Word2VecFormatError(f"{name}, line {first_blank}: empty line")
    rest = stripped.partition(b" ")[2]
    return (len(rest.split(b" ")) if rest else 0), line_no


def read_text(
    fin: Any,
    name: str,
    count: Optional[int],
    dim: Optional[int],
    datatype: np.dtype,
    encoding: str,
    errors: str,
    limit: Optional[int],
    first_line: int,
    file_size: Optional[int] = None,
) -> Tuple[List[str], np.ndarray, int]:
    """Keys, vectors and their number, read from the text rows of ``fin``.

    ``count`` and ``dim`` come from the header; ``count=None`` (no header) reads to the end
    of the file (blank lines may end it) and takes ``dim`` from the first row.
    ``first_line`` is the number of the first row's line, for error messages; ``file_size``
    is given for a plain file on disk, which is then mapped and parsed in place.
    """
    source = _open_source(fin, file_size)
    try:
        return _read_rows(
            source, name, count, dim, datatype, encoding, errors, limit, first_line, file_size
        )
    finally:
        source.close()


def _read_rows(
    source: Any,
    name: str,
    count: Optional[int],
    dim: Optional[int],
    datatype: np.dtype,
    encoding: str,
    errors: str,
    limit: Optional[int],
    line_no: int,
    file_size: Optional[int],
) -> Tuple[List[str], np.ndarray, int]:
    wanted = limit if count is None else wanted_rows(count, limit)
    if dim is None:
        dim, line_no = _vector_size(source, name, line_no)
        if dim is None:
            return [], np.empty((0, 0), dtype=datatype), 0
    # a text row takes at least 2 bytes per value ("0 ")
    rows = Rows(initial_capacity(wanted, file_size, 2 * dim), dim, datatype)
    keys: List[str] = []
    decode = _key_decoder(encoding, errors, name)
    in_place = datatype in _NATIVE_DTYPES
    # Other datatypes are parsed as float64 first, a window at a time: keep those small.
    mapped = isinstance(source, _MappedFile)
    window = _MAPPED_WINDOW_BYTES if mapped and in_place else _TEXT_CHUNK_BYTES
    least = 1  # a window must hold a whole line: raised when one does not
    threads = usable_cpus()
    parsed = 0  # bytes of the rows parsed so far
    while wanted is None or rows.n < wanted:
        size = window
        if wanted is not None:  # about the rows still wanted, by the rows read so far
            per_row = parsed / rows.n if rows.n else 16 + 12 * dim
            size = min(size, int((wanted - rows.n) * per_row * 1.1) + 4096)
        data, start, stop, at_end = source.window(max(size, least))
        if start == stop:
            break
        # k rows of dim values take at least k * (2 * dim + 1) - 1 bytes (" 0" per value, a
        # newline but after the last)
        room = (stop - start + 1) // max(2 * dim, 1)
        if wanted is not None:
            room = min(room, wanted - rows.n)
        out = rows.spare(room) if in_place else np.empty((room, dim), dtype=np.float64)
        got = _core.parse_word2vec_text(data, start, stop, at_end, out, count is None, threads)
        if got.rows:
            keys.extend(decode(got.keys, got.rows, line_no))
            if in_place:
                rows.filled(got.rows)
            else:
                rows.append(out[: got.rows])
            line_no += got.rows
        del out
        source.consume(got.consumed)
        parsed += got.consumed
        if got.stop == _core.TextStop.bad_row:
            _read_refused_row(source, name, dim, line_no, rows, keys, decode)
            line_no += 1
        elif got.stop == _core.TextStop.blank_line:
            if _lines_before_data(source) is not None:
                raise Word2VecFormatError(f"{name}, line {line_no}: empty line")
            break
        elif got.rows:
            least = 1
        elif at_end:
            break
        else:
            least = 2 * (stop - start)  # a line longer than the window
    if count is not None and rows.n < (wanted or 0):
        raise TruncatedWord2VecFileError(
            f"{name}: unexpected end of file after line {line_no - 1}: the header declares "
            f"{count} rows but the file has only {rows.n}; the file is truncated or its "
            "header is wrong"
        )
    if count is not None and (limit is None or limit > count):
        skipped = _lines_before_data(source)
        if skipped is not None:  # rows beyond the header's count (blank lines are fine)
            raise Word2VecFormatError(
                f"{name}, line {line_no + skipped}: unexpected data after the {count} rows the "
                "header declares; the header's count is wrong"
            )
    return keys, rows.result(), rows.n


def _read_refused_row(
    source: Any,
    name: str,
    dim: int,
    line_no: int,
    rows: Rows,
    keys: List[str],
    decode: Callable[[bytes, int, int], List[str]],
) -> None:
    """The line the native parser refused, read again here: the error names what is wrong
    with it. (Should Python's float() accept it after all, the row is kept.)"""
    found = _next_line(source)
    assert found is not None
    line, length = found
    key, _, rest = line.rstrip().partition(b" ")
    values = _parse_values_slowly([rest], dim, name, line_no)
    keys.extend(decode(key + b"\n", 1, line_no))
    rows.append(values)
    source.consume(length)
