"""Corpus readers with gensim's names: LineSentence, PathLineSentences, Text8Corpus.

Iterating them in Python yields lists of str tokens, exactly as gensim's do. When one of
them is given to :class:`w2v.Word2Vec`, the model does not iterate it in Python: it hands
the file paths to the C++ reader, which tokenises the same way (whitespace as in
``str.split()``, invalid UTF-8 replaced by U+FFFD) with all workers.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any, Iterator, List, Optional, Tuple, Union

from w2v.compression import open_read
from w2v.constraints import Interval, NoneValue, check_value, int_at_least
from w2v.paths import PathLike, fspath, is_path

_CHUNK = 1 << 20


def open_binary(path: PathLike) -> IO[bytes]:
    """Open ``path`` for reading bytes, decompressing gzip, bzip2 or xz content transparently.

    Compression is recognised by the file's content, not its name (see
    :mod:`w2v.compression`).
    """
    path = fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"corpus file not found: {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"expected a file, got a directory: {path!r}")
    return open_read(path)


def _checked(max_sentence_length: Any, limit: Any) -> Tuple[int, Optional[int]]:
    """A corpus's ``max_sentence_length`` and ``limit``, checked: ValueError naming them."""
    check_value("max_sentence_length", max_sentence_length, int_at_least(1))
    check_value("limit", limit, NoneValue(), Interval(int, 0, None))
    return int(max_sentence_length), None if limit is None else int(limit)


def _split_line(line: bytes, max_len: int) -> Iterator[List[str]]:
    words = line.decode("utf-8", "replace").split()
    for i in range(0, len(words), max_len):
        yield words[i : i + max_len]


class _FileCorpus:
    """A corpus the C++ reader can take over: a list of files plus a split mode."""

    mode = "lines"
    max_sentence_length = 10000
    limit: Optional[int] = None

    def native_sources(self) -> Optional[List[str]]:
        """Paths for the C++ reader, or None when this corpus must be read in Python."""
        return None


class LineSentence(_FileCorpus):
    """One sentence per line of a text file, tokens separated by whitespace.

    Parameters
    ----------
    source : str, bytes, path-like or binary file object
        The file; gzip, bzip2 and xz content is decompressed transparently.
    max_sentence_length : int
        Longer lines are split into several sentences of at most this many tokens.
    limit : int, optional
        Read only the first ``limit`` lines.
    """

    def __init__(
        self,
        source: Union[PathLike, IO[bytes]],
        max_sentence_length: int = 10000,
        limit: Optional[int] = None,
    ) -> None:
        if is_path(source):
            source = fspath(source, "source")
            if not os.path.isfile(source):
                raise FileNotFoundError(f"corpus file not found: {source!r}")
        self.source = source
        self.max_sentence_length, self.limit = _checked(max_sentence_length, limit)

    def native_sources(self) -> Optional[List[str]]:
        return [self.source] if isinstance(self.source, str) else None

    def _open(self) -> IO[bytes]:
        if isinstance(self.source, str):
            return open_binary(self.source)
        if hasattr(self.source, "seek"):
            self.source.seek(0)
        return _NonClosing(self.source)

    def __iter__(self) -> Iterator[List[str]]:
        with self._open() as fin:
            for n, line in enumerate(fin):
                if self.limit is not None and n >= self.limit:
                    break
                if isinstance(line, str):
                    line = line.encode("utf-8", "surrogatepass")
                yield from _split_line(line, self.max_sentence_length)


class PathLineSentences(_FileCorpus):
    """Like :class:`LineSentence` for every file in a directory (sorted by name).

    Parameters
    ----------
    source : str, bytes or path-like
        A directory (all regular files in it) or a single file.
    max_sentence_length : int
        Longer lines are split into several sentences.
    limit : int, optional
        Read only the first ``limit`` lines of each file.
    """

    def __init__(
        self, source: PathLike, max_sentence_length: int = 10000, limit: Optional[int] = None
    ) -> None:
        source = fspath(source, "source")
        if os.path.isfile(source):
            self.input_files = [source]
        elif os.path.isdir(source):
            self.input_files = sorted(
                str(p) for p in Path(source).iterdir() if p.is_file() and not p.name.startswith(".")
            )
            if not self.input_files:
                raise ValueError(f"no files in directory {source!r}")
        else:
            raise FileNotFoundError(f"corpus path not found: {source!r}")
        self.source = source
        self.max_sentence_length, self.limit = _checked(max_sentence_length, limit)

    def native_sources(self) -> Optional[List[str]]:
        return list(self.input_files)

    def __iter__(self) -> Iterator[List[str]]:
        for path in self.input_files:
            yield from LineSentence(path, self.max_sentence_length, self.limit)


class Text8Corpus(_FileCorpus):
    """A file of whitespace-separated tokens without meaningful lines (like text8).

    Sentences are consecutive runs of ``max_sentence_length`` tokens.
    """

    mode = "stream"

    def __init__(self, fname: PathLike, max_sentence_length: int = 10000) -> None:
        fname = fspath(fname, "fname")
        if not os.path.isfile(fname):
            raise FileNotFoundError(f"corpus file not found: {fname!r}")
        self.fname = fname
        self.max_sentence_length, _ = _checked(max_sentence_length, None)

    def native_sources(self) -> Optional[List[str]]:
        return [self.fname]

    def __iter__(self) -> Iterator[List[str]]:
        sentence: List[str] = []
        rest = b""
        with open_binary(self.fname) as fin:
            while True:
                chunk = fin.read(_CHUNK)
                data = rest + chunk
                if chunk:
                    cut = _last_ascii_space(data)
                    data, rest = data[:cut], data[cut:]
                else:
                    rest = b""
                sentence.extend(data.decode("utf-8", "replace").split())
                while len(sentence) >= self.max_sentence_length:
                    yield sentence[: self.max_sentence_length]
                    sentence = sentence[self.max_sentence_length :]
                if not chunk:
                    break
        if sentence:
            yield sentence


_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _last_ascii_space(data: bytes) -> int:
    """Index just after the last ASCII whitespace byte (0 if none)."""
    return max(data.rfind(bytes([c])) for c in _ASCII_SPACE) + 1


class _NonClosing(io.RawIOBase):
    """Wraps a caller's file object so ``with`` does not close it."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        return data.encode("utf-8") if isinstance(data, str) else data

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def __iter__(self):
        for line in self._f:
            yield line.encode("utf-8") if isinstance(line, str) else line

    def close(self) -> None:
        pass
