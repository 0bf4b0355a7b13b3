"""How a corpus reaches the native core: the one place that chooses how it is read.

A corpus is read one of three ways, the same for the vocabulary scan and for training:

- plain files given by path: C++ reads them itself, each thread its own byte range;
- compressed files (recognised by content), file objects, or ``limit``: Python reads the
  bytes and feeds pieces of text, which C++ tokenises;
- any other iterable: Python feeds batches of sentences (lists of str).

Both consumers, ``_core.VocabCounter`` and ``_core.Trainer``, are :class:`NativeSink` s with
the same entry points, and :meth:`CorpusSource.feed` drives either.
"""

from __future__ import annotations

import os
from typing import IO, Any, Callable, Iterable, Iterator, List, Optional, Protocol, Sequence, Union

from w2v import _core
from w2v.compression import is_compressed
from w2v.corpora import _CHUNK, _FileCorpus, _last_ascii_space, _NonClosing, open_binary
from w2v.paths import PathLike, fspath, is_path, native_safe


class NativeSink(Protocol):
    """What :meth:`CorpusSource.feed` hands a corpus to (``VocabCounter`` or ``Trainer``)."""

    def feed_files(self, paths: List[str], sizes: List[int], mode: _core.SplitMode) -> None: ...
    def feed_text(self, data: bytes, mode: _core.SplitMode) -> bool: ...
    def feed_sentences(self, batch: list) -> bool: ...
    def end_input(self) -> None: ...
    def wait(self, seconds: float) -> bool: ...
    def stop(self) -> None: ...
    def finish(self) -> Any: ...


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
        mode: Union[str, _core.SplitMode] = "lines",
        limit: Optional[int] = None,
        max_sentence_length: int = 10000,
        phrases: Any = None,
    ) -> None:
        self.iterable = iterable
        # A FrozenPhrases joined in C++ as the corpus is read (w2v.phrases.as_frozen).
        self.phrases = phrases
        self.files = files
        self.mode = mode if isinstance(mode, _core.SplitMode) else _core.SplitMode[mode]
        self.limit = limit
        self.max_sentence_length = max_sentence_length
        self._plain: Optional[bool] = None

    @property
    def is_files(self) -> bool:
        return self.files is not None

    @property
    def plain_paths(self) -> bool:
        """Whether C++ can read every file itself, by byte ranges (none is compressed, and
        every name is valid UTF-8; other files are read in Python and fed as text)."""
        if self._plain is None:
            self._plain = (
                self.files is not None
                and self.limit is None
                and all(
                    isinstance(f, str) and native_safe(f) and not is_compressed(f)
                    for f in self.files
                )
            )
        return self._plain

    def text_chunks(self, on_bytes: Optional[Callable[[int], Any]] = None) -> Iterator[bytes]:
        """The files' text in pieces the C++ tokeniser can take one at a time."""
        return iter_text_chunks(self.files or [], self.mode, self.limit, on_bytes)

    def text_pieces(self, on_bytes: Optional[Callable[[int], Any]] = None) -> Iterator[bytes]:
        """:meth:`text_chunks` as the jobs fed to C++. With lines, the short last pieces of
        consecutive files are joined (every piece ends a line), so a corpus smaller than
        one piece is one job, however many files hold it; a job trains the same whichever
        thread runs it."""
        if self.mode != _core.SplitMode.lines:
            yield from self.text_chunks(on_bytes)
            return
        pending: List[bytes] = []
        size = 0
        for chunk in self.text_chunks(on_bytes):
            pending.append(chunk)
            size += len(chunk)
            if size >= _CHUNK:
                yield b"".join(pending)
                pending, size = [], 0
        if pending:
            yield b"".join(pending)

    def disk_bytes(self) -> Optional[int]:
        """Total size on disk of the files, if they are all paths."""
        if not self.files or not all(isinstance(f, str) for f in self.files):
            return None
        return sum(os.path.getsize(f) for f in self.files)  # type: ignore[arg-type]

    def feed(
        self,
        sink: NativeSink,
        on_progress: Optional[Callable[[], Any]] = None,
        on_bytes: Optional[Callable[[int], Any]] = None,
        batch_words: int = 10000,
        poll: float = 0.1,
    ) -> Any:
        """Hand the whole corpus to ``sink``, wait for it, and return ``sink.finish()``.

        ``on_progress()`` is called after each piece of input Python feeds and every ``poll``
        seconds while the sink works on its own; ``on_bytes(n)`` with the bytes read from disk
        so far when Python reads the files. On any error the sink is stopped and finished
        before the error is raised.
        """
        tick = on_progress if on_progress is not None else _nothing
        if self.phrases is not None and (self.is_files or self.plain_paths):
            sink.set_phrases(self.phrases.native_table)  # type: ignore[attr-defined]

        def give() -> None:
            if self.plain_paths:
                paths: List[str] = list(self.files)  # type: ignore[arg-type]
                sink.feed_files(paths, [os.path.getsize(p) for p in paths], self.mode)
            elif self.is_files:
                for piece in self.text_pieces(on_bytes):
                    if not sink.feed_text(piece, self.mode):
                        break
                    tick()
            else:
                # Phrased before batching: jobs then hold what they would for phrased text.
                sentences = self.iterable
                if self.phrases is not None:
                    from w2v.phrases import PhrasedCorpus

                    sentences = PhrasedCorpus(self.phrases, self.iterable)
                for batch in batched_sentences(sentences, batch_words):
                    if not sink.feed_sentences(batch):
                        break
                    tick()

        return drive(sink, give, tick, poll)


def _nothing() -> None:
    pass


def drive(
    sink: NativeSink,
    give: Callable[[], Any],
    tick: Optional[Callable[[], Any]] = None,
    poll: float = 0.1,
) -> Any:
    """Run ``give()`` (which feeds ``sink``), end the input, wait for the sink (calling
    ``tick()``, if given, every ``poll`` seconds) and return ``sink.finish()``. On any error,
    the sink is stopped and finished before the error is raised."""
    tick = tick if tick is not None else _nothing
    try:
        give()
        sink.end_input()
        while not sink.wait(poll):
            tick()
    except BaseException:
        sink.stop()
        try:
            sink.finish()
        except Exception:  # the first error is the one to report
            pass
        raise
    return sink.finish()


def resolve_corpus(
    corpus_iterable: Any = None, corpus_file: Any = None, phrases: Any = None
) -> CorpusSource:
    """Decide how to read a corpus given as ``corpus_iterable`` or ``corpus_file``, with
    ``phrases`` (a Phrases or FrozenPhrases model) joined as it is read."""
    source = _resolve(corpus_iterable, corpus_file)
    if phrases is not None:
        from w2v.phrases import as_frozen

        source.phrases = as_frozen(phrases)
    return source


def _resolve(corpus_iterable: Any, corpus_file: Any) -> CorpusSource:
    if corpus_file is not None:
        if isinstance(corpus_file, (list, tuple)):
            paths = [fspath(p, "corpus_file") for p in corpus_file]
        else:
            paths = [fspath(corpus_file, "corpus_file")]
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


def batched_sentences(iterable: Any, batch_words: int) -> Iterator[list]:
    """Yield the sentences of ``iterable`` in lists of about ``batch_words`` tokens."""
    batch: list = []
    words = 0
    for sentence in iterable:
        batch.append(sentence)
        try:
            words += len(sentence)
        except TypeError:
            words += 1
        if words >= batch_words:
            yield batch
            batch, words = [], 0
    if batch:
        yield batch


def iter_text_chunks(
    paths: Sequence[Union[PathLike, IO[bytes]]],
    mode: _core.SplitMode,
    limit: Optional[int] = None,
    on_bytes: Optional[Callable[[int], Any]] = None,
) -> Iterator[bytes]:
    """Yield the text of ``paths`` in ~1 MiB pieces cut where the C++ tokeniser may cut.

    Pieces end at a newline (``SplitMode.lines``) or ASCII whitespace (``SplitMode.stream``),
    so each can be tokenised on its own; a file's last piece ends where the file ends.
    ``on_bytes(n)`` is called with the bytes read from disk so far, across files (for
    progress bars).
    """
    lines = mode == _core.SplitMode.lines
    done = 0
    for src in paths:
        if is_path(src):
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
            yield from whole_pieces(iter(lambda f=fin: f.read(_CHUNK), b""), lines)
        if is_path(src):
            done = base + os.path.getsize(src)


def whole_pieces(chunks: Iterable[bytes], lines: bool = True) -> Iterator[bytes]:
    """Re-cut ``chunks`` of a text so every piece ends at a line end (or, with ``lines``
    False, at ASCII whitespace): no token or line is split between two pieces."""
    rest = b""
    for chunk in chunks:
        data = rest + chunk
        cut = data.rfind(b"\n") + 1 if lines else _last_ascii_space(data)
        if cut:
            yield data[:cut]
            rest = data[cut:]
        else:
            rest = data
    if rest:
        # A file's last line ends with the file, even without a final newline.
        yield rest + b"\n" if lines else rest


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


def check_corpus(corpus_iterable: Any = None, corpus_file: Any = None, passes: int = 1) -> None:
    """Check the corpus arguments as gensim's ``_check_corpus_sanity`` does, before reading.

    Raises
    ------
    TypeError
        Neither or both are given, a path is not a path, a string is given as sentences, or
        a one-shot iterator is given where ``passes`` > 1 passes are needed.
    FileNotFoundError
        A ``corpus_file`` does not exist.
    """
    if corpus_iterable is None and corpus_file is None:
        raise TypeError("Either one of corpus_file or corpus_iterable value must be provided")
    if corpus_iterable is not None and corpus_file is not None:
        raise TypeError(
            "Both corpus_file and corpus_iterable must not be provided at the same time"
        )
    if corpus_file is not None:
        paths = corpus_file if isinstance(corpus_file, (list, tuple)) else [corpus_file]
        for p in paths:
            if not is_path(p):
                raise TypeError(f"corpus_file must be a path, got {type(p).__name__}")
            if not os.path.isfile(p):
                raise FileNotFoundError(f"corpus_file not found: {fspath(p)!r}")
        return
    if isinstance(corpus_iterable, (str, bytes, os.PathLike)):
        raise TypeError(
            "the corpus must be an iterable of lists of str tokens, got a "
            f"{type(corpus_iterable).__name__}; for a file use corpus_file= or "
            "LineSentence(path)"
        )
    try:
        iter(corpus_iterable)
    except TypeError:
        raise TypeError(
            "The corpus_iterable must be an iterable of lists of strings, got "
            f"{type(corpus_iterable).__name__}"
        ) from None
    if passes > 1 and _is_one_shot(corpus_iterable):
        raise TypeError(
            "the corpus is a one-shot iterator (e.g. a generator), but training needs "
            f"{passes} passes over it (one to build the vocabulary, one per epoch). Pass a "
            "re-iterable sequence instead: a list, a LineSentence, or a class whose __iter__ "
            "restarts."
        )


def _is_one_shot(iterable: Any) -> bool:
    try:
        return iter(iterable) is iterable
    except TypeError:
        return False
