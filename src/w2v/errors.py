"""The errors w2v raises for files it cannot read: one base type, naming the file.

Every malformed input file (a damaged archive, corrupt or truncated compressed data, a file in
no format w2v reads) raises a :class:`MalformedFileError`, a ``ValueError`` whose message
starts with the file's name and says what is wrong with it; ``exc.path`` holds the name.
The subclasses say which layer refused it (see ``docs/security.md``)::

    ValueError
    └── MalformedFileError          any file w2v cannot read as what it was asked to read
        ├── FormatError             in no format w2v reads, or not the one asked for
        │   └── ArchiveKindError    an archive of another kind (also an AttributeError)
        ├── ArchiveError            a w2v archive whose structure is damaged
        ├── CompressedFileError     gzip, bzip2 or xz data that is corrupt or cut short
        └── Word2VecFormatError     a malformed word2vec text or binary file (w2v.word2vec_format)

Missing files and directories stay ``FileNotFoundError`` and ``IsADirectoryError``, and
errors of the disk itself stay ``OSError``.
"""

from __future__ import annotations

import os
from typing import Any


def shown_path(path: Any) -> str:
    """``path`` as text for a message (bytes names decoded as the file system does)."""
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        return str(path)


class MalformedFileError(ValueError):
    """A file's content is not what w2v can read; the message names the file and the fault.

    Parameters
    ----------
    path : str, bytes or path-like
        The file.
    reason : str
        What is wrong with it.
    """

    def __init__(self, path: Any, reason: str) -> None:
        self.path = shown_path(path)
        self.reason = reason
        super().__init__(f"{self.path!r}: {reason}")

    def __reduce__(self) -> Any:
        return (type(self), (self.path, self.reason))


class FormatError(MalformedFileError):
    """A file is not in a format w2v reads, or not in the one it was asked to read."""


class ArchiveKindError(FormatError, AttributeError):
    """An archive holds another kind of object than the one asked for (keyed vectors given to
    ``Word2Vec.load``, say).

    A ``ValueError``, as w2v's other file errors, and an ``AttributeError``, which is what
    gensim raises there, so code written for gensim catches it too.
    """


class ArchiveError(MalformedFileError):
    """A w2v archive whose structure is damaged: its zip directory, a member's CRC, a
    ``meta.json`` field (named in the message) or an array member that does not fit it."""


class CompressedFileError(MalformedFileError):
    """gzip, bzip2 or xz data that cannot be decompressed, or that ends before its end
    marker (a truncated file is reported, never read as a shorter one)."""
