"""Reading word2vec.c's binary layout: ``key`` + ``b" "`` + ``4 * dim`` bytes of float32 per row.

The rows of a window of the file are split by one regex ``findall`` (a C loop) and all their
vectors copied by numpy gathers through a sliding-window view of the buffer, so no Python code
runs per value. An uncompressed file is memory-mapped; anything else is read in chunks.
"""

from __future__ import annotations

import functools
import io
import mmap
import re
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

from w2v._word2vec_format.common import (
    MAX_HEADER_BYTES,
    MAX_KEY_BYTES,
    PathOrFile,
    Rows,
    TruncatedWord2VecFileError,
    Word2VecFormatError,
    decode_keys,
    initial_capacity,
    parse_header,
    plain_file_size,
    wanted_rows,
)

_CHUNK_BYTES = 1 << 24  # bytes read per step
_GATHER_ROWS = 2048  # rows copied per numpy gather
_WHITESPACE = b" \t\r\n\x0b\x0c"


def read_binary(
    fin: Any,
    fname: PathOrFile,
    name: str,
    datatype: np.dtype,
    encoding: str,
    errors: str,
    limit: Optional[int],
) -> Tuple[List[str], np.ndarray, int]:
    """Keys, vectors and the declared row count (after ``limit``) of the open file ``fin``."""
    size = plain_file_size(fname, fin)
    mapped = None
    if size:
        try:
            mapped = mmap.mmap(fin.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            mapped = None
    try:
        if mapped is not None:
            newline = mapped.find(b"\n", 0, MAX_HEADER_BYTES)
            header_len = min(len(mapped), MAX_HEADER_BYTES) if newline < 0 else newline + 1
            header = mapped[:header_len]
        else:
            header = fin.readline(MAX_HEADER_BYTES)
            header_len = len(header)
        count, dim = parse_header(header, name, encoding)
        wanted = wanted_rows(count, limit)
        data_bytes = None if size is None else size - header_len
        capacity = initial_capacity(wanted, data_bytes, 4 * dim + 1)
        if mapped is not None:
            buf: Any = mapped
            pos, base = header_len, 0

            def more() -> bytes:
                return b""

        else:
            buf, pos = b"", 0
            base = header_len

            def more() -> bytes:
                return fin.read(_CHUNK_BYTES)

        keys, vectors = _read_rows(
            buf, pos, base, more, name, count, dim, datatype, encoding, errors, limit, capacity
        )
        return keys, vectors, wanted
    finally:
        if mapped is not None:
            try:
                mapped.close()
            except BufferError:  # a traceback still holds a view; the GC will close it
                pass


@functools.lru_cache(maxsize=8)
def _row_pattern(rowbytes: int) -> Any:
    """Regex for one binary row: key, space, ``rowbytes`` bytes of vector.

    A row that does not fit (the end of the window) takes the second branch, which matches
    the rest of the window, so ``findall`` never fails and retries position by position: one
    linear pass however damaged the data.
    """
    return re.compile(rb"([^ ]*)(?:( )" + rb".{%d}" % rowbytes + rb"|.*)", re.S)


def _decode_binary_keys(
    raw: List[bytes], encoding: str, errors: str, where: Callable[[int], str]
) -> List[str]:
    """Decode a batch of binary-format keys at once (they cannot contain spaces).

    Leading newlines (word2vec.c ends each vector with one) are dropped, as gensim does.
    """
    try:
        text = b" ".join(raw).decode(encoding, errors)
        if "\n" in text:
            text = text.lstrip("\n")
            while " \n" in text:
                text = text.replace(" \n", " ")
        parts = text.split(" ")
        if len(parts) == len(raw):
            return parts
    except UnicodeDecodeError:
        pass
    return decode_keys(raw, encoding, errors, where)  # also names the bad key


def _read_rows(
    buf: Any,
    pos: int,
    base: int,
    more: Callable[[], bytes],
    name: str,
    count: int,
    dim: int,
    datatype: np.dtype,
    encoding: str,
    errors: str,
    limit: Optional[int],
    capacity: int,
) -> Tuple[List[str], np.ndarray]:
    """Parse binary rows from ``buf`` (bytes or mmap; ``buf[0]`` is at file offset ``base``)
    starting at ``pos``; ``more()`` returns the next chunk of the file (``b""`` at its end)."""
    wanted = wanted_rows(count, limit)
    rowbytes = 4 * dim
    pattern = _row_pattern(rowbytes)
    rows = Rows(capacity, dim, datatype)
    keys: List[str] = []
    step = _CHUNK_BYTES
    while len(keys) < wanted:
        end = len(buf)
        stop = min(end, pos + step)
        found = pattern.findall(buf, pos, stop)
        while found and not found[-1][1]:  # an incomplete row at the end of the window
            found.pop()
        remaining = wanted - len(keys)
        if len(found) > remaining:
            del found[remaining:]
        if found:
            raw = [f[0] for f in found]
            sizes = np.fromiter(map(len, raw), dtype=np.intp, count=len(raw))
            sizes += 1 + rowbytes
            ends = np.cumsum(sizes)
            ends += pos
            k = len(raw)
            rows.reserve(k)
            if rowbytes:
                starts = ends - rowbytes
                windows = np.lib.stride_tricks.sliding_window_view(
                    np.frombuffer(buf, dtype=np.uint8), rowbytes
                )
                dest = rows.data[rows.n : rows.n + k]
                for i in range(0, k, _GATHER_ROWS):  # small blocks stay in cache
                    dest[i : i + _GATHER_ROWS] = windows[starts[i : i + _GATHER_ROWS]].view("<f4")
                del windows, dest
            rows.n += k
            key_starts = ends - sizes

            def where(
                i: int, first: int = len(keys), at: int = base, offsets: Any = key_starts
            ) -> str:
                return f"row {first + i + 1} (byte offset {at + int(offsets[i])}) of {name}"

            keys.extend(_decode_binary_keys(raw, encoding, errors, where))
            pos = int(ends[-1])
            step = _CHUNK_BYTES
            continue
        if end - pos > MAX_KEY_BYTES and buf.find(b" ", pos, pos + MAX_KEY_BYTES + 1) < 0:
            raise Word2VecFormatError(
                f"{name}: no key separator (space) within {MAX_KEY_BYTES} bytes of byte "
                f"offset {base + pos} (row {len(keys) + 1}); is this really a binary "
                "word2vec file?"
            )
        if stop < end:  # a row longer than the window
            step *= 2
            continue
        chunk = more()
        if not chunk:
            raise TruncatedWord2VecFileError(
                f"{name}: unexpected end of data at byte offset {base + end} while reading row "
                f"{len(keys) + 1} (starting at byte offset {base + pos}) of the {count} rows of "
                f"{dim} float32 values the header declares; the file is truncated or its "
                "header is wrong"
            )
        base += pos
        buf = buf[pos:] + chunk
        pos = 0
    if limit is None or limit > count:
        _check_tail(buf, pos, base, more, name, count)
    return keys, rows.result()


def _check_tail(
    buf: Any, pos: int, base: int, more: Callable[[], bytes], name: str, count: int
) -> None:
    """Only whitespace may follow the last declared row."""
    while True:
        for start in range(pos, len(buf), _CHUNK_BYTES):
            piece = buf[start : start + _CHUNK_BYTES]
            stripped = piece.lstrip(_WHITESPACE)
            if stripped:
                at = base + start + len(piece) - len(stripped)
                raise Word2VecFormatError(
                    f"{name}: unexpected data at byte offset {at}, after the {count} rows the "
                    "header declares; the header's count is wrong"
                )
        base += len(buf)
        buf, pos = more(), 0
        if not buf:
            return
