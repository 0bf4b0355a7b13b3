"""Reading word2vec.c's text layout: ``key v1 v2 ... vN`` per line.

A chunk of lines is parsed at once by numpy's C parser; only when that fails are the rows
parsed one by one, to name the first bad line.
"""

from __future__ import annotations

import io
import warnings
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from w2v._word2vec_format.common import (
    Rows,
    TruncatedWord2VecFileError,
    Word2VecFormatError,
    decode_keys,
    initial_capacity,
    wanted_rows,
)

_TEXT_CHUNK_BYTES = 1 << 23  # about this many bytes of lines per parse


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


def _parse_values(rests: Sequence[bytes], dim: int, name: str, first_line: int) -> np.ndarray:
    """Values of a chunk of text rows (the part after each key), ``(len(rests), dim)``."""
    if dim == 0:
        return _parse_values_slowly(rests, dim, name, first_line)
    text = b"\n".join(rests).decode("latin-1")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(
                io.StringIO(text),
                dtype=np.float64,
                delimiter=" ",
                comments=None,
                ndmin=2,
            )
    except ValueError:
        values = None
    if values is None or values.shape != (len(rests), dim):
        return _parse_values_slowly(rests, dim, name, first_line)
    return values


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
    of the file and takes ``dim`` from the first row. ``first_line`` is the number of the
    first row's line, for error messages.
    """
    wanted = limit if count is None else wanted_rows(count, limit)
    # a text row takes at least 2 bytes per value ("0 ")
    capacity = initial_capacity(wanted, file_size, 2 * (dim or 0))
    rows: Optional[Rows] = None if dim is None else Rows(capacity, dim, datatype)
    keys: List[str] = []
    line_no = first_line
    pending_blank: List[int] = []  # blank lines seen at the end (allowed without a header)
    check_tail = count is not None and (limit is None or limit > count)
    while wanted is None or len(keys) < wanted:
        lines = fin.readlines(_TEXT_CHUNK_BYTES)
        if not lines:
            break
        if wanted is not None and len(keys) + len(lines) > wanted:
            extra = lines[wanted - len(keys) :]
            lines = lines[: wanted - len(keys)]
        else:
            extra = []
        raw_keys: List[bytes] = []
        rests: List[bytes] = []
        chunk_first = line_no
        for line in lines:
            stripped = line.rstrip()
            if count is None and not stripped:
                pending_blank.append(line_no)
                line_no += 1
                continue
            if pending_blank:
                raise Word2VecFormatError(f"{name}, line {pending_blank[0]}: empty line")
            key, _, rest = stripped.partition(b" ")
            raw_keys.append(key)
            rests.append(rest)
            line_no += 1
        if not raw_keys:
            continue
        if rows is None:  # no header: the first row gives the vector size
            dim = len(rests[0].split(b" ")) if rests[0] else 0
            rows = Rows(capacity, dim, datatype)
        assert dim is not None
        values = _parse_values(rests, dim, name, chunk_first)

        def where(i: int, first: int = chunk_first) -> str:
            return f"line {first + i} of {name}"

        keys.extend(decode_keys(raw_keys, encoding, errors, where))
        rows.append(values)
        if extra:
            if check_tail:
                _check_tail(extra, fin, name, line_no, count)
            return keys, rows.result(), len(keys)
    if count is not None and len(keys) < (wanted or 0):
        raise TruncatedWord2VecFileError(
            f"{name}: unexpected end of file after line {line_no - 1}: the header declares "
            f"{count} rows but the file has only {len(keys)}; the file is truncated or its "
            "header is wrong"
        )
    if check_tail and len(keys) == wanted:
        _check_tail([], fin, name, line_no, count)
    if rows is None:
        rows = Rows(0, dim or 0, datatype)
    return keys, rows.result(), len(keys)


def _check_tail(
    lines: List[bytes], fin: Any, name: str, line_no: int, count: Optional[int]
) -> None:
    """Rows beyond the header's count are an error (blank lines are tolerated)."""
    if count is None:
        return  # a limit cut the read short
    while True:
        for line in lines:
            if line.strip():
                raise Word2VecFormatError(
                    f"{name}, line {line_no}: unexpected data after the {count} rows the header "
                    "declares; the header's count is wrong"
                )
            line_no += 1
        lines = fin.readlines(_TEXT_CHUNK_BYTES)
        if not lines:
            return
