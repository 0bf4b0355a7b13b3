"""Reading and writing the word2vec.c vector formats (text and binary), vectorised.

Both formats start with a header line ``"<count> <vector_size>\\n"`` followed by one row per
key:

* text: ``key v1 v2 ... vN\\n`` with the values in decimal, separated by single spaces;
* binary: ``key`` + ``b" "`` + ``N`` little-endian float32 values (``4 * N`` raw bytes),
  optionally followed by ``b"\\n"`` (word2vec.c writes one, gensim does not; any newlines
  before a key are skipped on reading).

An optional vocabulary file (word2vec.c's ``-save-vocab``) holds ``key count`` lines.
Files ending in ``.gz``, ``.bz2`` or ``.xz`` (or starting with those formats' magic bytes) are
decompressed on the fly. See ``docs/format.md``.

Reading never loops over floats in Python: the binary reader locates the row starts with one
``bytes.find`` per row and copies all vectors of a chunk with one numpy gather through a
sliding-window view of the buffer; the text reader parses a chunk of lines at once with
numpy's C parser. Malformed files raise :class:`Word2VecFormatError` (a ``ValueError``) or,
when the data ends early, :class:`TruncatedWord2VecFileError` (an ``EOFError`` and a
``ValueError``), with the line number or byte offset of the problem.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import io
import logging
import lzma
import mmap
import os
import re
import warnings
from typing import IO, Any, List, Optional, Sequence, Tuple, Union

import numpy as np

logger = logging.getLogger(__name__)

PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]

_MAGIC = ((b"\x1f\x8b", gzip.open), (b"BZh", bz2.open), (b"\xfd7zXZ\x00", lzma.open))
_BY_SUFFIX = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_CHUNK_BYTES = 1 << 24  # binary reader: bytes read per step
_TEXT_CHUNK_BYTES = 1 << 23  # text reader: about this many bytes of lines per parse
_MAX_HEADER_BYTES = 4096  # a longer first line is not a header
_GATHER_ROWS = 2048  # binary reader: rows copied per numpy gather
_MAX_KEY_BYTES = 1 << 20  # a "key" longer than this means the file is not what it claims
_MAX_PREALLOC_ROWS = 1 << 20  # never trust a header's count further than this for compressed
_WHITESPACE = b" \t\r\n\x0b\x0c"


class Word2VecFormatError(ValueError):
    """A word2vec text/binary (or vocabulary) file is malformed."""


class TruncatedWord2VecFileError(EOFError, Word2VecFormatError):
    """A word2vec file ends before the rows its header announces (or a row is cut short)."""


# ---- opening files ------------------------------------------------------------------------


class _Borrowed:
    """Context manager yielding a caller's file object without closing it."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh

    def __enter__(self) -> IO[bytes]:
        return self.fh

    def __exit__(self, *exc: Any) -> None:
        return None


def _display_name(fname: PathOrFile) -> str:
    if hasattr(fname, "read") or hasattr(fname, "write"):
        return str(getattr(fname, "name", "<file object>"))
    return os.fspath(fname)


def open_for_reading(fname: PathOrFile) -> Any:
    """Open ``fname`` for binary reading, decompressing ``.gz``/``.bz2``/``.xz`` files.

    Compression is recognised by the file name's suffix or by the file's magic bytes. A file
    object is used as is (and left open).
    """
    if hasattr(fname, "read"):
        return _Borrowed(fname)  # type: ignore[arg-type]
    path = os.fspath(fname)
    opener = _BY_SUFFIX.get(os.path.splitext(path)[1].lower())
    if opener is None:
        with open(path, "rb") as fh:
            head = fh.read(6)
        for magic, candidate in _MAGIC:
            if head.startswith(magic):
                opener = candidate
                break
    if opener is None:
        return open(path, "rb")
    return opener(path, "rb")


def open_for_writing(fname: PathOrFile, append: bool = False) -> Any:
    """Open ``fname`` for binary writing (or appending), compressing by suffix."""
    if hasattr(fname, "write"):
        return _Borrowed(fname)  # type: ignore[arg-type]
    path = os.fspath(fname)
    mode = "ab" if append else "wb"
    opener = _BY_SUFFIX.get(os.path.splitext(path)[1].lower(), open)
    return opener(path, mode)


def _file_size(fname: PathOrFile) -> Optional[int]:
    """Size of an uncompressed file on disk (None when unknown or compressed)."""
    if hasattr(fname, "read"):
        return None
    path = os.fspath(fname)
    if os.path.splitext(path)[1].lower() in _BY_SUFFIX:
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
            if any(head.startswith(m) for m, _ in _MAGIC):
                return None
        return os.path.getsize(path)
    except OSError:
        return None


# ---- growable storage -----------------------------------------------------------------------


class _Rows:
    """A (rows x dim) array filled front to back. It grows (and finally shrinks to size) in
    place with ``ndarray.resize`` (a ``realloc``, which moves no data for large blocks), for
    when a header's count cannot be trusted for preallocation. No view of ``data`` may be
    kept across :meth:`reserve` or :meth:`result`."""

    def __init__(self, capacity: int, dim: int, dtype: Any) -> None:
        self.data = np.empty((max(capacity, 0), dim), dtype=dtype)
        self.n = 0

    def reserve(self, extra: int) -> None:
        need = self.n + extra
        if need > len(self.data):
            rows = max(need, 2 * len(self.data), 1024)
            self.data.resize((rows, self.data.shape[1]), refcheck=False)

    def result(self) -> np.ndarray:
        if self.n != len(self.data):
            self.data.resize((self.n, self.data.shape[1]), refcheck=False)
        return self.data


# ---- header and vocabulary ---------------------------------------------------------------------


def _parse_header(line: bytes, name: str, encoding: str) -> Tuple[int, int]:
    if not line:
        raise TruncatedWord2VecFileError(
            f"{name} is empty: expected a header line '<number of vectors> <vector size>'"
        )
    try:
        text = line.decode(encoding)
        fields = text.split()
        count, dim = (int(x) for x in fields)
        if count < 0 or dim < 0:
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        shown = line[:80]
        raise Word2VecFormatError(
            f"{name}, line 1: invalid header {shown!r}; expected '<number of vectors> <vector "
            "size>' (for a file without a header use no_header=True; for a w2v model file "
            "use w2v.Word2Vec.load or w2v.KeyedVectors.load)"
        ) from None
    return count, dim


def read_vocab_file(
    fvocab: PathOrFile, encoding: str = "utf8", unicode_errors: str = "strict"
) -> dict:
    """Read a word2vec.c vocabulary file (``key count`` per line) into ``{key: count}``."""
    name = _display_name(fvocab)
    counts: dict = {}
    with open_for_reading(fvocab) as fin:
        for line_no, raw in enumerate(fin, start=1):
            stripped = raw.rstrip(b"\r\n")
            if not stripped.strip():
                continue
            word_b, sep, count_b = stripped.rpartition(b" ")
            try:
                if not sep:
                    raise ValueError
                count = int(count_b)
            except ValueError:
                raise Word2VecFormatError(
                    f"{name}, line {line_no}: expected '<key> <count>', got {raw[:80]!r}"
                ) from None
            word = word_b.decode(encoding, unicode_errors)
            counts.setdefault(word, count)
    return counts


# ---- reading ------------------------------------------------------------------------------------


def read_word2vec_format(
    fname: PathOrFile,
    binary: bool = False,
    encoding: str = "utf8",
    unicode_errors: str = "strict",
    limit: Optional[int] = None,
    datatype: Any = np.float32,
    no_header: bool = False,
) -> Tuple[List[str], np.ndarray, int]:
    """Read a word2vec.c text or binary vector file.

    Parameters
    ----------
    fname : str, path-like or binary file object
        The file (``.gz``, ``.bz2`` and ``.xz`` are decompressed).
    binary : bool
        Binary (True) or text (False) layout.
    encoding, unicode_errors : str
        How keys are decoded (as ``bytes.decode(encoding, unicode_errors)``).
    limit : int, optional
        Read at most this many rows (``None`` or 0: all).
    datatype : numpy dtype
        Dtype of the returned vectors.
    no_header : bool
        The (text) file has no header line; the count and size are deduced from the rows.

    Returns
    -------
    keys : list of str
        Keys in file order (duplicates included).
    vectors : numpy.ndarray
        ``(len(keys), vector_size)`` array of ``datatype``.
    declared : int
        The number of rows the header declares (after ``limit``), used for gensim's
        placeholder counts.

    Raises
    ------
    TruncatedWord2VecFileError
        The data ends before the announced rows (also an ``EOFError``).
    Word2VecFormatError
        Anything else malformed (a ``ValueError``), with the line or byte offset.
    """
    name = _display_name(fname)
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 0):
        raise ValueError(f"limit must be a non-negative integer or None, got {limit!r}")
    limit = int(limit) if limit else None
    datatype = np.dtype(datatype)
    with open_for_reading(fname) as fin:
        if no_header:
            if binary:
                raise NotImplementedError("no_header is only available for text-format files")
            return _read_text(fin, name, None, None, datatype, encoding, unicode_errors, limit, 1)
        if binary:
            return _read_binary_file(fin, fname, name, datatype, encoding, unicode_errors, limit)
        header = fin.readline(_MAX_HEADER_BYTES)
        count, dim = _parse_header(header, name, encoding)
        declared = count if limit is None else min(count, limit)
        keys, vectors, _ = _read_text(
            fin, name, count, dim, datatype, encoding, unicode_errors, limit, 2, _file_size(fname)
        )
        return keys, vectors, declared


def _decode_keys(raw: Sequence[bytes], encoding: str, errors: str, where: Any) -> List[str]:
    """Decode keys one by one; on failure re-raise with the row's position (``where(i)``)."""
    try:
        return [b.decode(encoding, errors).lstrip("\n") for b in raw]
    except UnicodeDecodeError:
        for i, b in enumerate(raw):
            try:
                b.decode(encoding, errors)
            except UnicodeDecodeError as e:
                raise UnicodeDecodeError(
                    e.encoding,
                    e.object,
                    e.start,
                    e.end,
                    f"{e.reason}, in the key of {where(i)} (pass unicode_errors='replace' or "
                    "'ignore' to load keys cut mid-character, as word2vec.c writes them)",
                ) from None
        raise


def _read_binary_file(
    fin: Any,
    fname: PathOrFile,
    name: str,
    datatype: np.dtype,
    encoding: str,
    errors: str,
    limit: Optional[int],
) -> Tuple[List[str], np.ndarray, int]:
    """Binary reading: an uncompressed file is memory-mapped (no copy), anything else is
    read in chunks."""
    size = _file_size(fname)
    mapped = None
    if size:
        try:
            mapped = mmap.mmap(fin.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            mapped = None
    try:
        if mapped is not None:
            newline = mapped.find(b"\n", 0, _MAX_HEADER_BYTES)
            header_len = min(len(mapped), _MAX_HEADER_BYTES) if newline < 0 else newline + 1
            header = mapped[:header_len]
        else:
            header = fin.readline(_MAX_HEADER_BYTES)
            header_len = len(header)
        count, dim = _parse_header(header, name, encoding)
        wanted = count if limit is None else min(count, limit)
        if size is not None:
            capacity = min(wanted, max(0, (size - header_len) // (4 * dim + 1)))
        else:
            capacity = min(wanted, _MAX_PREALLOC_ROWS)
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

        keys, vectors = _read_binary(
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


def _decode_binary_keys(raw: List[bytes], encoding: str, errors: str, where: Any) -> List[str]:
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
    return _decode_keys(raw, encoding, errors, where)  # also names the bad key


def _read_binary(
    buf: Any,
    pos: int,
    base: int,
    more: Any,
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
    starting at ``pos``; ``more()`` returns the next chunk of the file (``b""`` at its end).

    Each window of the buffer is split into rows by one regex ``findall`` (a C loop), and
    the vectors of those rows are copied with numpy gathers through a sliding-window view.
    """
    wanted = count if limit is None else min(count, limit)
    rowbytes = 4 * dim
    pattern = _row_pattern(rowbytes)
    rows = _Rows(capacity, dim, datatype)
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
        if end - pos > _MAX_KEY_BYTES and buf.find(b" ", pos, pos + _MAX_KEY_BYTES + 1) < 0:
            raise Word2VecFormatError(
                f"{name}: no key separator (space) within {_MAX_KEY_BYTES} bytes of byte "
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
        _check_binary_tail(buf, pos, base, more, name, count)
    return keys, rows.result()


def _check_binary_tail(buf: Any, pos: int, base: int, more: Any, name: str, count: int) -> None:
    """Only whitespace may follow the last declared row."""
    while True:
        for start in range(pos, len(buf), _CHUNK_BYTES):
            piece = buf[start : start + _CHUNK_BYTES]
            stripped = piece.lstrip(_WHITESPACE)
            if stripped:
                at = base + start + len(piece) - len(stripped)
                raise Word2VecFormatError(
                    f"{name}: unexpected data at byte offset {at}, after the {count} rows the "
                    "header declares; the header's count or vector size is wrong"
                )
        base += len(buf)
        buf, pos = more(), 0
        if not buf:
            return


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


def _read_text(
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
    """Read text rows; ``count=None`` (no header) reads to the end of the file."""
    if count is None:
        wanted = limit
    else:
        wanted = count if limit is None else min(count, limit)
    if wanted is None:
        capacity = _MAX_PREALLOC_ROWS
    elif file_size is not None and dim:
        capacity = min(wanted, file_size // (2 * dim))  # a row takes at least 2 bytes a value
    else:
        capacity = min(wanted, _MAX_PREALLOC_ROWS)
    rows: Optional[_Rows] = None if dim is None else _Rows(capacity, dim, datatype)
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
            rows = _Rows(capacity, dim, datatype)
        assert dim is not None
        values = _parse_values(rests, dim, name, chunk_first)

        def where(i: int, first: int = chunk_first) -> str:
            return f"line {first + i} of {name}"

        keys.extend(_decode_keys(raw_keys, encoding, errors, where))
        rows.reserve(len(values))
        rows.data[rows.n : rows.n + len(values)] = values
        rows.n += len(values)
        if extra:
            if check_tail:
                _check_text_tail(extra, fin, name, line_no, count)
            return keys, rows.result(), len(keys)
    if count is not None and len(keys) < (wanted or 0):
        raise TruncatedWord2VecFileError(
            f"{name}: unexpected end of file after line {line_no - 1}: the header declares "
            f"{count} rows but the file has only {len(keys)}; the file is truncated or its "
            "header is wrong"
        )
    if check_tail and len(keys) == wanted:
        _check_text_tail([], fin, name, line_no, count)
    if rows is None:
        rows = _Rows(0, dim or 0, datatype)
    return keys, rows.result(), len(keys)


def _check_text_tail(
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


# ---- writing ------------------------------------------------------------------------------------


def _text_formatter(dtype: np.dtype) -> Any:
    """A function turning one row (list of Python floats) into text that reads back exactly."""
    if dtype == np.float64:
        return lambda row: " ".join(map(repr, row))
    digits = {np.dtype(np.float16): 5, np.dtype(np.float32): 9}.get(dtype, 17)
    spec = f"%.{digits}g"
    cache: dict = {}

    def fmt(row: List[float]) -> str:
        template = cache.get(len(row))
        if template is None:
            template = cache[len(row)] = " ".join([spec] * len(row))
        return template % tuple(row)

    return fmt


def write_word2vec_format(
    fname: PathOrFile,
    keys: Sequence[Any],
    vectors: np.ndarray,
    binary: bool = False,
    total_vec: Optional[int] = None,
    write_header: bool = True,
    prefix: str = "",
    append: bool = False,
    fvocab: Optional[PathOrFile] = None,
    counts: Optional[Sequence[Any]] = None,
    rows_per_block: int = 4096,
) -> None:
    """Write ``vectors`` (row ``i`` for ``keys[i]``) in word2vec.c text or binary layout.

    Parameters
    ----------
    fname : str, path-like or binary file object
        Target (compressed when it ends in ``.gz``, ``.bz2`` or ``.xz``).
    keys : sequence
        Keys, written as ``prefix + str(key)`` in UTF-8.
    vectors : numpy.ndarray
        ``(len(keys), vector_size)`` array, in the order to write.
    binary : bool
        Binary layout (float32, no newline after the vector, as gensim) or text.
    total_vec : int, optional
        Count written in the header (default ``len(keys)``).
    write_header : bool
        Write the ``"<count> <vector_size>"`` header line.
    prefix : str
        Prepended to every key.
    append : bool
        Append to ``fname`` (and ``fvocab``) instead of replacing it.
    fvocab : str, optional
        Also write ``key count`` lines here (``counts`` required).
    counts : sequence, optional
        Counts aligned with ``keys``, for ``fvocab``.
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or len(vectors) != len(keys):
        raise ValueError("vectors must be a 2-d array with one row per key")
    n, dim = vectors.shape
    if total_vec is None:
        total_vec = n
    if fvocab is not None:
        if counts is None:
            raise ValueError("counts are needed to write a vocabulary file")
        with open_for_writing(fvocab, append) as vout:
            vout.write("".join(f"{prefix}{k} {c}\n" for k, c in zip(keys, counts)).encode("utf8"))
    with open_for_writing(fname, append) as fout:
        if write_header:
            fout.write(f"{total_vec} {dim}\n".encode())
        if binary:
            rowbytes = 4 * dim
            for start in range(0, n, rows_per_block):
                block = np.ascontiguousarray(vectors[start : start + rows_per_block], dtype="<f4")
                data = memoryview(block.tobytes())
                parts: List[Any] = []
                for i, key in enumerate(keys[start : start + rows_per_block]):
                    parts.append(f"{prefix}{key} ".encode())
                    parts.append(data[i * rowbytes : (i + 1) * rowbytes])
                fout.write(b"".join(parts))
        else:
            fmt = _text_formatter(vectors.dtype)
            for start in range(0, n, rows_per_block):
                block = vectors[start : start + rows_per_block].tolist()
                lines = [
                    f"{prefix}{key} {fmt(row)}\n"
                    for key, row in zip(keys[start : start + rows_per_block], block)
                ]
                fout.write("".join(lines).encode("utf8"))
