"""Compressed files (gzip, bzip2, xz): recognised by their content, the one place that knows.

Readers of corpora and of word2vec files alike call :func:`open_read`, which looks at a
file's first bytes, never at its name, so ``corpus.txt`` that is really gzip is read right
and ``corpus.gz`` that is plain text is read as it is. Writers pick the compression from the
target's suffix (:func:`codec_for_name`): that is the user saying what they want.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from dataclasses import dataclass
from typing import IO, Any, Callable, Optional

from w2v import _core
from w2v.errors import CompressedFileError
from w2v.paths import PathLike, fspath

try:  # ISA-L's inflate from the python-isal wheel: about 3x Python's gzip module
    from isal import igzip as _isal_gzip
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover - platforms without the wheel
    _isal_gzip = None
    _isal_zlib = None

# Bytes read to tell a codec: its magic number and the bytes sniff() checks after it.
HEAD_BYTES = 16


@dataclass(frozen=True)
class Codec:
    """One compression format: its name, magic bytes, usual suffix and opener."""

    name: str
    magic: bytes
    suffix: str
    open: Callable[..., IO[bytes]]


def _open_gzip(raw: Any, mode: str = "rb") -> IO[bytes]:
    """A reader of the gzip data in ``raw``: ISA-L's inflate in C++ when w2v was built with
    it and ``raw`` is an unbuffered file on disk (what :func:`open_read` gives it), else the
    python-isal package's (a dependency where it has wheels), else Python's gzip module."""
    if "r" in mode and isinstance(raw, io.FileIO) and _core.gzip_backend():
        return io.BufferedReader(_NativeGzip(raw), _READ_BUFFER)
    if "r" in mode and _isal_gzip is not None:
        return _isal_gzip.open(raw, mode)  # type: ignore[no-any-return]
    return gzip.open(raw, mode)  # type: ignore[return-value]


_READ_BUFFER = 1 << 20


class _NativeGzip(io.RawIOBase):
    """``_core.GzipReader`` as a raw file. It reads a duplicate of ``raw``'s descriptor, from
    ``raw``'s position, so ``raw.tell()`` follows the reading (for progress bars)."""

    def __init__(self, raw: io.FileIO) -> None:
        super().__init__()
        self._raw = raw
        self._start = raw.tell()
        self._reader = _core.GzipReader(raw.fileno())
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._reader.readinto(buffer)
        self._pos += n
        return n

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # As gzip's reader: backwards from the start again, forwards by reading.
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("seek from the end of gzip data")
        if offset < self._pos:
            self._raw.seek(self._start)
            self._reader = _core.GzipReader(self._raw.fileno())
            self._pos = 0
        scratch = bytearray(min(_READ_BUFFER, max(offset - self._pos, 0)))
        while self._pos < offset:
            view = memoryview(scratch)[: offset - self._pos]
            if not self.readinto(view):
                break
        return self._pos

    def close(self) -> None:
        self._reader = None  # type: ignore[assignment]
        super().close()


CODECS = (
    Codec("gzip", b"\x1f\x8b", ".gz", _open_gzip),
    Codec("bzip2", b"BZh", ".bz2", bz2.open),
    Codec("xz", b"\xfd7zXZ\x00", ".xz", lzma.open),
)

# What the decompressors raise on bad data (gzip's BadGzipFile and bz2's "Invalid data stream"
# are OSErrors without an errno; a failing disk's OSError has one and is left alone).
_FAILURES: tuple = (EOFError, OSError, zlib.error, lzma.LZMAError)
if _isal_zlib is not None:
    _FAILURES += (_isal_zlib.error,)


# After "BZh" and the block size digit: the magic of a first block, or of the end of an
# empty stream.
_BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")


def sniff(head: bytes) -> Optional[Codec]:
    """The codec whose magic bytes start ``head``, or None for uncompressed data.

    gzip's and bzip2's magic bytes are short enough to begin a text file (a line starting
    "BZh"), so the bytes after them must fit too: gzip's method byte (deflate), bzip2's block
    size digit and the magic of its first block; xz's stream flags and their checksum.
    """
    for codec in CODECS:
        if head.startswith(codec.magic) and _fits(codec, head):
            return codec
    return None


def _fits(codec: Codec, head: bytes) -> bool:
    if codec.name == "gzip":
        return len(head) >= 3 and head[2] == 8
    if codec.name == "bzip2":
        return len(head) >= 10 and 0x31 <= head[3] <= 0x39 and head[4:10] in _BZIP2_BLOCKS
    if codec.name == "xz":  # the stream flags (no reserved bit set) and their CRC32
        flags_ok = len(head) >= 12 and head[6] == 0 and head[7] < 0x10
        return flags_ok and zlib.crc32(head[6:8]) == int.from_bytes(head[8:12], "little")
    return True


def detect(path: PathLike) -> Optional[Codec]:
    """The codec of the file at ``path`` (read from its first bytes), or None."""
    with open(path, "rb") as fh:
        return sniff(fh.read(HEAD_BYTES))


def is_compressed(path: PathLike) -> bool:
    """Whether the file at ``path`` is gzip, bzip2 or xz data."""
    return detect(path) is not None


def open_read(path: PathLike) -> IO[bytes]:
    """Open ``path`` for reading bytes, decompressing it if its content is compressed.

    A decompressing reader has a ``raw_file`` attribute: the file on disk, whose position
    tells how far the reading has got (for progress bars), closed together with it. It
    raises :class:`w2v.errors.CompressedFileError`, naming the file, for corrupt data and
    for data that ends before the compressed stream's end marker (a truncated file).
    """
    name = fspath(path)
    raw = open(name, "rb")
    try:
        codec = sniff(raw.read(HEAD_BYTES))
        raw.seek(0)
        if codec is None:
            return raw
        if codec.name == "gzip" and _core.gzip_backend():
            # Unbuffered: its position is the native reader's, which shares its descriptor.
            raw.close()
            raw = open(name, "rb", buffering=0)
        return DecompressingReader(codec, codec.open(raw, "rb"), raw, name)  # type: ignore[return-value]
    except BaseException:
        raw.close()
        raise


class DecompressingReader(io.BufferedIOBase):
    """A decompressing file whose errors name the file: :class:`CompressedFileError`.

    Parameters
    ----------
    codec : Codec
    inner : binary file
        The decompressor (``gzip.GzipFile`` ...) reading ``raw``.
    raw : binary file
        The compressed file on disk; closed with this reader.
    name : str
        The file's name, for messages.
    """

    def __init__(self, codec: Codec, inner: IO[bytes], raw: IO[bytes], name: str) -> None:
        super().__init__()
        self.codec = codec
        self.raw_file = raw
        self.name = name
        self._inner = inner

    def _error(self, exc: BaseException) -> BaseException:
        """The error to raise for ``exc`` from the decompressor."""
        if isinstance(exc, EOFError):
            return CompressedFileError(
                self.name,
                f"the {self.codec.name} data ends before its end marker: the file is truncated",
            )
        if isinstance(exc, OSError) and exc.errno is not None:
            return exc  # the disk failed, not the data
        return CompressedFileError(self.name, f"corrupt {self.codec.name} data: {exc}")

    def readable(self) -> bool:
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        try:
            return self._inner.read(-1 if size is None else size)
        except _FAILURES as exc:
            raise self._error(exc) from None

    def read1(self, size: int = -1) -> bytes:
        try:
            return self._inner.read1(size)  # type: ignore[attr-defined]
        except _FAILURES as exc:
            raise self._error(exc) from None

    def readinto(self, buffer: Any) -> int:
        try:
            return self._inner.readinto(buffer)  # type: ignore[attr-defined]
        except _FAILURES as exc:
            raise self._error(exc) from None

    def readline(self, size: Optional[int] = -1) -> bytes:
        try:
            return self._inner.readline(-1 if size is None else size)
        except _FAILURES as exc:
            raise self._error(exc) from None

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self._inner.seek(offset, whence)
        except _FAILURES as exc:
            raise self._error(exc) from None

    def tell(self) -> int:
        return self._inner.tell()

    def fileno(self) -> int:
        return self.raw_file.fileno()

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                self.raw_file.close()
                super().close()


def codec_for_name(path: PathLike) -> Optional[Codec]:
    """The codec a file written at ``path`` should use, by its suffix (None: plain)."""
    name = fspath(path).lower()
    for codec in CODECS:
        if name.endswith(codec.suffix):
            return codec
    return None


def strip_suffix(path: PathLike) -> str:
    """``path`` as text without a compression suffix (``vectors.txt.gz`` -> ``vectors.txt``)."""
    name = fspath(path)
    codec = codec_for_name(name)
    return name[: -len(codec.suffix)] if codec else name
