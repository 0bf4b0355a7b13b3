"""Compressed files (gzip, bzip2, xz): recognised by their content, the one place that knows.

Readers of corpora and of word2vec files alike call :func:`open_read`, which looks at a
file's first bytes, never at its name, so ``corpus.txt`` that is really gzip is read right
and ``corpus.gz`` that is plain text is read as it is. Writers pick the compression from the
target's suffix (:func:`codec_for_name`): that is the user saying what they want.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
from dataclasses import dataclass
from typing import IO, Any, Callable, Optional, Union

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

# The longest magic number below.
HEAD_BYTES = 6


@dataclass(frozen=True)
class Codec:
    """One compression format: its name, magic bytes, usual suffix and opener."""

    name: str
    magic: bytes
    suffix: str
    open: Callable[..., IO[bytes]]


CODECS = (
    Codec("gzip", b"\x1f\x8b", ".gz", gzip.open),
    Codec("bzip2", b"BZh", ".bz2", bz2.open),
    Codec("xz", b"\xfd7zXZ\x00", ".xz", lzma.open),
)

# What a corrupt compressed stream raises, besides OSError (gzip's BadGzipFile is one).
DECOMPRESSION_ERRORS = (OSError, EOFError, lzma.LZMAError, ValueError)


def sniff(head: bytes) -> Optional[Codec]:
    """The codec whose magic bytes start ``head``, or None for uncompressed data."""
    for codec in CODECS:
        if head.startswith(codec.magic):
            return codec
    return None


def detect(path: PathLike) -> Optional[Codec]:
    """The codec of the file at ``path`` (read from its first bytes), or None."""
    with open(path, "rb") as fh:
        return sniff(fh.read(HEAD_BYTES))


def is_compressed(path: PathLike) -> bool:
    """Whether the file at ``path`` is gzip, bzip2 or xz data."""
    return detect(path) is not None


def open_read(path: PathLike) -> IO[bytes]:
    """Open ``path`` for reading bytes, decompressing it if its content is compressed.

    A decompressing reader gets a ``raw_file`` attribute: the file on disk, whose position
    tells how far the reading has got (for progress bars), closed together with it.
    """
    raw = open(path, "rb")
    try:
        codec = sniff(raw.read(HEAD_BYTES))
        raw.seek(0)
        if codec is None:
            return raw
        fin: Any = codec.open(raw, "rb")
    except BaseException:
        raw.close()
        raise
    fin.raw_file = raw
    close = fin.close

    def close_both() -> None:
        try:
            close()
        finally:
            raw.close()

    fin.close = close_both
    return fin


def codec_for_name(path: PathLike) -> Optional[Codec]:
    """The codec a file written at ``path`` should use, by its suffix (None: plain)."""
    name = os.fsdecode(os.fspath(path)).lower()
    for codec in CODECS:
        if name.endswith(codec.suffix):
            return codec
    return None


def strip_suffix(path: PathLike) -> str:
    """``path`` as text without a compression suffix (``vectors.txt.gz`` -> ``vectors.txt``)."""
    name = os.fsdecode(os.fspath(path))
    codec = codec_for_name(name)
    return name[: -len(codec.suffix)] if codec else name
