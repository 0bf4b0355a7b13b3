"""Corpus readers with gensim's names: LineSentence, PathLineSentences, Text8Corpus.

Iterating them in Python yields lists of str tokens, exactly as gensim's do. When one of
them is given to :class:`w2v.Word2Vec`, the model does not iterate it in Python: it hands
the file paths to the C++ reader, which tokenises the same way (whitespace as in
``str.split()``, invalid UTF-8 replaced by U+FFFD) with all workers.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, List, Optional, Sequence, Union

PathLike = Union[str, "os.PathLike[str]"]

_OPENERS = {
    ".gz": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    ".bz2": lambda raw: bz2.BZ2File(raw, mode="rb"),
    ".xz": lambda raw: lzma.LZMAFile(raw, mode="rb"),
}
_CHUNK = 1 << 20


def open_binary(path: PathLike) -> IO[bytes]:
    """Open ``path`` for reading bytes, decompressing .gz/.bz2/.xz transparently."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"corpus file not found: {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"expected a file, got a directory: {path!r}")
    raw = open(path, "rb")
    opener = _OPENERS.get(os.path.splitext(path)[1].lower())
    if opener is None:
        return raw
    try:
        fin = opener(raw)
    except BaseException:
        raw.close()
        raise
    fin.raw_file = raw  # type: ignore[attr-defined]  # its position is the progress on disk
    _close_with(fin, raw)
    return fin


def _close_with(fin: Any, raw: IO[bytes]) -> None:
    close = fin.close

    def close_both() -> None:
        try:
            close()
        finally:
            raw.close()

    fin.close = close_both


def is_compressed(path: PathLike) -> bool:
    """Whether ``path`` is read through a decompressor."""
    return os.path.splitext(os.fspath(path))[1].lower() in _OPENERS


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
    source : str, path-like or binary file object
        The file; .gz, .bz2 and .xz are decompressed transparently.
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
        if isinstance(source, (str, os.PathLike)):
            source = os.fspath(source)
            if not os.path.isfile(source):
                raise FileNotFoundError(f"corpus file not found: {source!r}")
        self.source = source
        self.max_sentence_length = int(max_sentence_length)
        self.limit = limit

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
    source : str or path-like
        A directory (all regular files in it) or a single file.
    max_sentence_length : int
        Longer lines are split into several sentences.
    limit : int, optional
        Read only the first ``limit`` lines of each file.
    """

    def __init__(
        self, source: PathLike, max_sentence_length: int = 10000, limit: Optional[int] = None
    ) -> None:
        source = os.fspath(source)
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
        self.max_sentence_length = int(max_sentence_length)
        self.limit = limit

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
        fname = os.fspath(fname)
        if not os.path.isfile(fname):
            raise FileNotFoundError(f"corpus file not found: {fname!r}")
        self.fname = fname
        self.max_sentence_length = int(max_sentence_length)

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


def iter_text_chunks(
    paths: Sequence[Union[PathLike, IO[bytes]]],
    mode: str,
    limit: Optional[int] = None,
    on_bytes: Optional[Any] = None,
) -> Iterator[bytes]:
    """Yield the text of ``paths`` in ~1 MiB pieces cut where the C++ tokeniser may cut.

    Pieces end at a newline (mode ``"lines"``) or ASCII whitespace (``"stream"``), so each can
    be tokenised on its own; a file's last piece ends where the file ends. ``on_bytes(n)`` is
    called with the bytes read from disk so far, across files (for progress bars).
    """
    done = 0
    for src in paths:
        if isinstance(src, (str, os.PathLike)):
            fin = open_binary(src)
        else:
            if hasattr(src, "seek"):
                src.seek(0)  # every pass starts at the top, as LineSentence.__iter__ does
            fin = _NonClosing(src)
        raw = getattr(fin, "raw_file", fin)
        base = done
        with fin:
            if on_bytes is not None:
                fin = _Reporting(fin, lambda b=base, r=raw: on_bytes(b + _tell(r)))
            if limit is not None:
                yield from _limited_lines(fin, limit)
                continue
            rest = b""
            while True:
                chunk = fin.read(_CHUNK)
                if not chunk:
                    break
                data = rest + chunk
                cut = data.rfind(b"\n") + 1 if mode == "lines" else _last_ascii_space(data)
                if cut:
                    yield data[:cut]
                    rest = data[cut:]
                else:
                    rest = data
            if rest:
                # A file's last line ends with the file, even without a final newline.
                yield rest + b"\n" if mode == "lines" else rest
        if isinstance(src, (str, os.PathLike)):
            done = base + os.path.getsize(src)


def _tell(f: Any) -> int:
    try:
        return int(f.tell())
    except (OSError, ValueError, AttributeError):
        return 0


class _Reporting:
    """Calls `report()` after each read of the wrapped file."""

    def __init__(self, f: Any, report: Any) -> None:
        self._f = f
        self._report = report

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self._report()
        return data

    def __iter__(self) -> Iterator[bytes]:
        for i, line in enumerate(self._f):
            if i % 4096 == 0:
                self._report()
            yield line


def _limited_lines(fin: IO[bytes], limit: int) -> Iterator[bytes]:
    buf = []
    size = 0
    for n, line in enumerate(fin):
        if n >= limit:
            break
        buf.append(line if line.endswith(b"\n") else line + b"\n")
        size += len(line)
        if size >= _CHUNK:
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)


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


class CorpusSource:
    """How the model reads a corpus: Python sentences, or files for the C++ reader.

    Parameters
    ----------
    iterable : iterable of list of str, optional
        Sentences produced in Python.
    files : list of paths or binary file objects, optional
        Files in LineSentence (``mode="lines"``) or Text8Corpus (``mode="stream"``) layout.
    """

    def __init__(
        self,
        iterable: Optional[Iterable] = None,
        files: Optional[List[Union[str, IO[bytes]]]] = None,
        mode: str = "lines",
        limit: Optional[int] = None,
        max_sentence_length: int = 10000,
    ) -> None:
        self.iterable = iterable
        self.files = files
        self.mode = mode
        self.limit = limit
        self.max_sentence_length = max_sentence_length

    @property
    def is_files(self) -> bool:
        return self.files is not None

    @property
    def plain_paths(self) -> bool:
        """Whether C++ can read every file itself, by byte ranges."""
        return (
            self.files is not None
            and self.limit is None
            and all(isinstance(f, str) and not is_compressed(f) for f in self.files)
        )

    def text_chunks(self, on_bytes: Optional[Any] = None) -> Iterator[bytes]:
        """The files' text in pieces the C++ tokeniser can take one at a time."""
        return iter_text_chunks(self.files or [], self.mode, self.limit, on_bytes)

    def disk_bytes(self) -> Optional[int]:
        """Total size on disk of the files, if they are all paths."""
        if not self.files or not all(isinstance(f, str) for f in self.files):
            return None
        return sum(os.path.getsize(f) for f in self.files)  # type: ignore[arg-type]


def resolve_corpus(corpus_iterable: Any = None, corpus_file: Any = None) -> CorpusSource:
    """Decide how to read a corpus given as ``corpus_iterable`` or ``corpus_file``."""
    if corpus_file is not None:
        if isinstance(corpus_file, (list, tuple)):
            paths = [os.fspath(p) for p in corpus_file]
        else:
            paths = [os.fspath(corpus_file)]
        for p in paths:
            if not os.path.isfile(p):
                raise FileNotFoundError(f"corpus_file not found: {p!r}")
        return CorpusSource(files=paths)
    if isinstance(corpus_iterable, _FileCorpus):
        sources = corpus_iterable.native_sources()
        files: List[Union[str, IO[bytes]]] = (
            list(sources) if sources is not None else [corpus_iterable.source]  # type: ignore
        )
        return CorpusSource(
            files=files,
            mode=corpus_iterable.mode,
            limit=corpus_iterable.limit,
            max_sentence_length=corpus_iterable.max_sentence_length,
        )
    return CorpusSource(iterable=corpus_iterable)
