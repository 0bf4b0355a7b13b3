"""What the word2vec-format readers and writers share: errors, opening files, the header,
key decoding and a growable row buffer."""

from __future__ import annotations

import contextlib
import lzma
import os
import zlib
from typing import IO, Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from w2v import compression
from w2v.errors import MalformedFileError

PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]

MAX_HEADER_BYTES = 4096  # a longer first line is not a header
# The longest key written; a binary reader finding no space within this many bytes reports
# the file as damaged rather than reading on.
MAX_KEY_BYTES = 1 << 20
# Without a known size (compressed data, file objects), rows for at most this many bytes of
# file are allocated ahead; more as the data arrives.
PREALLOC_UNKNOWN_BYTES = 1 << 20
# The largest vector size read: a row of it is 2 GiB in binary (and the binary reader's row
# pattern cannot be longer than 2^32 - 1 bytes).
MAX_VECTOR_SIZE = 1 << 29


class Word2VecFormatError(MalformedFileError):
    """A word2vec text/binary (or vocabulary) file is malformed.

    Raised with a whole message that already names the file (where the reader knows it), so
    unlike its base it takes that message, not a (path, reason) pair.
    """

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self.path = ""
        self.reason = message

    def __reduce__(self) -> Any:
        return (type(self), (self.reason,))


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


def _is_file_object(fname: Any) -> bool:
    return hasattr(fname, "read") or hasattr(fname, "write")


def display_name(fname: PathOrFile) -> str:
    """How error messages name ``fname``."""
    if _is_file_object(fname):
        return str(getattr(fname, "name", "<file object>"))
    return os.fspath(fname)  # type: ignore[arg-type]


def open_for_reading(fname: PathOrFile) -> Any:
    """Open ``fname`` for binary reading, decompressing gzip, bzip2 and xz files.

    Compression is recognised by the file's first bytes, never by its name (see
    :func:`w2v.compression.open_read`). A file object is used as is (and left open).
    """
    if hasattr(fname, "read"):
        return _Borrowed(fname)  # type: ignore[arg-type]
    return compression.open_read(fname)  # type: ignore[arg-type]


def open_for_writing(fname: PathOrFile, append: bool = False) -> Any:
    """Open ``fname`` for binary writing (or appending), compressed as its suffix says.

    A file object is used as is (and left open).
    """
    if hasattr(fname, "write"):
        return _Borrowed(fname)  # type: ignore[arg-type]
    mode = "ab" if append else "wb"
    codec = compression.codec_for_name(fname)  # type: ignore[arg-type]
    opener: Callable[..., IO[bytes]] = open if codec is None else codec.open
    return opener(fname, mode)


@contextlib.contextmanager
def decompression_errors(fin: Any, name: str) -> Iterator[None]:
    """Corrupt compressed data, read from ``fin`` (opened by :func:`open_for_reading`), as a
    :class:`Word2VecFormatError` naming the file (:class:`TruncatedWord2VecFileError` when
    the compressed data ends early) rather than as what the decompressor raises."""
    if not hasattr(fin, "raw_file"):  # not compressed
        yield
        return
    try:
        yield
    except (Word2VecFormatError, UnicodeDecodeError):
        raise
    except EOFError as e:
        raise TruncatedWord2VecFileError(
            f"{name}: the compressed data ends early ({e}); the file is truncated"
        ) from e
    except (OSError, zlib.error, lzma.LZMAError) as e:
        raise Word2VecFormatError(
            f"{name}: the compressed data is corrupt ({type(e).__name__}: {e})"
        ) from e


def plain_file_size(fname: PathOrFile, fin: Any) -> Optional[int]:
    """Size of the file ``fin`` reads when it was opened here from an uncompressed file on
    disk (a caller's file object may be positioned anywhere); None otherwise."""
    if _is_file_object(fname) or hasattr(fin, "raw_file"):
        return None
    try:
        return os.fstat(fin.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return None


def usable_cpus() -> int:
    """The CPUs this process may run on (threads for parsing and formatting text)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except AttributeError:
        return max(1, os.cpu_count() or 1)


# ---- rows ---------------------------------------------------------------------------------


def wanted_rows(count: int, limit: Optional[int]) -> int:
    """How many rows to read: the header's ``count``, cut to ``limit`` if one is given."""
    return count if limit is None else min(count, limit)


def initial_capacity(wanted: Optional[int], data_bytes: Optional[int], min_row_bytes: int) -> int:
    """Rows to preallocate: ``wanted`` (None: unknown), but never more than ``data_bytes``
    of rows of at least ``min_row_bytes`` can hold, so a lying header cannot make us allocate
    terabytes; an unknown size (compressed data) counts as ``PREALLOC_UNKNOWN_BYTES``."""
    if data_bytes is None:
        data_bytes = PREALLOC_UNKNOWN_BYTES
    cap = max(0, data_bytes) // max(min_row_bytes, 1)
    return cap if wanted is None else min(wanted, cap)


class Rows:
    """A (rows x dim) array filled front to back. It grows (and finally shrinks to size) in
    place with ``ndarray.resize`` (a ``realloc``, which moves no data for large blocks), for
    when a header's count cannot be trusted for preallocation. No view of ``data`` may be
    kept across :meth:`reserve` or :meth:`result`."""

    def __init__(self, capacity: int, dim: int, dtype: Any) -> None:
        self.data = np.empty((max(capacity, 0), dim), dtype=dtype)
        self.n = 0

    def reserve(self, extra: int) -> None:
        """Make room for ``extra`` more rows after the ``n`` filled ones."""
        need = self.n + extra
        if need > len(self.data):
            row_bytes = self.data.shape[1] * self.data.itemsize
            least = max(1, min(1024, (1 << 20) // max(1, row_bytes)))  # 1024 rows, or 1 MiB
            rows = max(need, 2 * len(self.data), least)
            self.data.resize((rows, self.data.shape[1]), refcheck=False)

    def spare(self, extra: int) -> np.ndarray:
        """The next ``extra`` unfilled rows, to be filled in place (then :meth:`filled`)."""
        self.reserve(extra)
        return self.data[self.n : self.n + extra]

    def filled(self, rows: int) -> None:
        """The first ``rows`` rows given by :meth:`spare` now hold values."""
        self.n += rows

    def append(self, values: np.ndarray) -> None:
        """Add ``values`` (``(k, dim)``) after the filled rows."""
        self.reserve(len(values))
        self.data[self.n : self.n + len(values)] = values
        self.n += len(values)

    def result(self) -> np.ndarray:
        """The filled rows (the buffer itself, cut to size)."""
        if self.n != len(self.data):
            self.data.resize((self.n, self.data.shape[1]), refcheck=False)
        return self.data


# ---- header and keys ------------------------------------------------------------------------


def parse_header(line: bytes, name: str, encoding: str) -> Tuple[int, int]:
    """``(count, vector_size)`` from the first line of ``name``."""
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
        if dim > MAX_VECTOR_SIZE:
            raise Word2VecFormatError(
                f"{name}, line 1: the header's vector size must be at most {MAX_VECTOR_SIZE}, "
                f"got {dim}; the header is damaged or the file is not a word2vec file"
            )
    except (ValueError, UnicodeDecodeError):
        shown = line[:80]
        raise Word2VecFormatError(
            f"{name}, line 1: invalid header {shown!r}; expected '<number of vectors> <vector "
            "size>' (for a file without a header use no_header=True; for a w2v model file "
            "use w2v.Word2Vec.load or w2v.KeyedVectors.load)"
        ) from None
    return count, dim


def decode_keys(
    raw: Sequence[bytes], encoding: str, errors: str, where: Callable[[int], str]
) -> List[str]:
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
