"""Cutting a corpus into shards, and reading a shard: the distributed reader.

A corpus is the concatenation of its files. It is cut into parts of about equal size by the
rule the single-machine C++ reader uses (``partition_files`` in ``csrc/text_reader.cpp``):
each cut is moved forward to just after the next newline, so every line is read by exactly
one part. A compressed file has no usable byte offsets, so a cut that lands inside one moves
to its end: compressed files are read whole, by one part.

Paths are local paths or fsspec URLs (``s3://bucket/corpus.txt``, ``file:///data/...``);
each is opened where it is read, so every Dask worker must be able to reach it.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

from w2v.compression import HEAD_BYTES, DecompressingReader, sniff
from w2v.sources import drive, whole_pieces

#: Bytes of text handed to the C++ tokeniser at a time (each piece ends a line).
PIECE_BYTES = 1 << 20
_GLOB_CHARS = "*?["


@dataclass(frozen=True)
class CorpusFile:
    """One corpus file: where it is, its size on disk and whether it is compressed."""

    path: str
    size: int
    compressed: bool


@dataclass(frozen=True)
class Span:
    """Bytes ``[begin, end)`` of a plain file, or a whole compressed file (``end`` = size)."""

    file: CorpusFile
    begin: int
    end: int


@dataclass(frozen=True)
class Shard:
    """The spans one task reads, in corpus order; ``index`` is its place among the shards."""

    index: int
    spans: Tuple[Span, ...]

    @property
    def empty(self) -> bool:
        return not self.spans

    @property
    def local_plain(self) -> bool:
        """Whether the shard is byte ranges of local uncompressed files (which the C++
        reader reads itself)."""
        return bool(self.spans) and all(
            not s.file.compressed and not is_url(s.file.path) for s in self.spans
        )

    @property
    def disk_bytes(self) -> int:
        return sum(s.end - s.begin for s in self.spans)


def is_url(path: str) -> bool:
    """Whether ``path`` is an fsspec URL (``protocol://...``) rather than a local path."""
    return "://" in path


def _filesystem(path: str) -> Tuple[Any, str]:
    try:
        import fsspec
    except ImportError:  # pragma: no cover - dask depends on fsspec
        raise ImportError(f"reading {path!r} needs fsspec (pip install fsspec)") from None
    try:
        return fsspec.core.url_to_fs(path)
    except (ImportError, ValueError) as err:
        protocol = path.split("://", 1)[0]
        raise ValueError(
            f"corpus_file {path!r}: no filesystem for {protocol!r} URLs is installed ({err})"
        ) from None


def open_bytes(path: str) -> IO[bytes]:
    """Open a local path or an fsspec URL for reading raw bytes (no decompression)."""
    if not is_url(path):
        return open(path, "rb")
    fs, inner = _filesystem(path)
    return fs.open(inner, "rb")


def corpus_entries(corpus_file: Union[str, os.PathLike, Sequence[Any]]) -> List[str]:
    """``corpus_file`` as a list of paths, URLs or patterns (not looked up).

    Raises
    ------
    TypeError
        An entry is not a path.
    ValueError
        The list is empty.
    """
    entries = list(corpus_file) if isinstance(corpus_file, (list, tuple)) else [corpus_file]
    if not entries:
        raise ValueError("corpus_file must name at least one file, got an empty list")
    for entry in entries:
        if not isinstance(entry, (str, os.PathLike)):
            raise TypeError(f"corpus_file must be a path or a URL, got {type(entry).__name__}")
    return [os.fspath(e) for e in entries]


def expand_paths(corpus_file: Union[str, os.PathLike, Sequence[Any]]) -> List[str]:
    """The corpus files: a path, a list of paths, or glob patterns (sorted matches).

    Raises
    ------
    TypeError
        An entry is not a path.
    FileNotFoundError
        A pattern matches nothing.
    """
    out: List[str] = []
    for path in corpus_entries(corpus_file):
        if not any(c in path for c in _GLOB_CHARS):
            out.append(path)
            continue
        if is_url(path):
            fs, inner = _filesystem(path)
            protocol = path.split("://", 1)[0]
            matches = [f"{protocol}://{m}" for m in sorted(fs.glob(inner))]
        else:
            matches = sorted(glob.glob(path))
        if not matches:
            raise FileNotFoundError(f"corpus_file pattern {path!r} matches no file")
        out.extend(matches)
    return out


def describe_file(path: str) -> CorpusFile:
    """Size and compression of ``path``.

    Raises
    ------
    FileNotFoundError
        ``path`` is missing or is not a file, seen from where this runs.
    """
    try:
        if is_url(path):
            fs, inner = _filesystem(path)
            if not fs.isfile(inner):
                raise FileNotFoundError(path)
            size = int(fs.size(inner))
        else:
            if not os.path.isfile(path):
                raise FileNotFoundError(path)
            size = os.path.getsize(path)
        with open_bytes(path) as fh:
            head = fh.read(HEAD_BYTES)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as err:
        raise FileNotFoundError(
            f"corpus_file not found or not readable: {path!r} ({err})"
        ) from None
    return CorpusFile(path, size, sniff(head) is not None)


def _next_line_start(file: CorpusFile, offset: int) -> int:
    """First offset >= ``offset`` that starts a line (``file.size`` if none does)."""
    if offset == 0 or offset >= file.size or file.compressed:
        return 0 if offset == 0 else file.size
    with open_bytes(file.path) as fh:
        fh.seek(offset - 1)
        pos = offset - 1
        while pos < file.size:
            block = fh.read(1 << 16)
            if not block:
                break
            found = block.find(b"\n")
            if found >= 0:
                return pos + found + 1
            pos += len(block)
    return file.size


def plan_shards(files: Sequence[CorpusFile], parts: int) -> List[Shard]:
    """Cut the concatenation of ``files`` into ``parts`` shards of about equal size.

    The cut points and their move to a line start are those of the C++ reader's
    ``partition_files``; compressed files are never cut. Some shards are empty when there are
    fewer lines (or compressed files) than parts.
    """
    parts = max(1, int(parts))
    total = sum(f.size for f in files)
    cuts: List[Tuple[int, int]] = [(0, 0)]  # (file index, offset)
    for k in range(1, parts):
        target = total * k // parts
        fi = 0
        while fi < len(files) and target >= files[fi].size:
            target -= files[fi].size
            fi += 1
        if fi == len(files):
            cuts.append((len(files), 0))
            continue
        off = _next_line_start(files[fi], target)
        if off >= files[fi].size:
            fi, off = fi + 1, 0
        cuts.append((fi, off))
    cuts.append((len(files), 0))
    shards = []
    for k in range(parts):
        (fa, oa), (fb, ob) = cuts[k], cuts[k + 1]
        spans: List[Span] = []
        if (fb, ob) > (fa, oa):
            for fi in range(fa, min(fb, len(files) - 1) + 1):
                begin = oa if fi == fa else 0
                end = ob if fi == fb else files[fi].size
                if end > begin:
                    spans.append(Span(files[fi], begin, end))
        shards.append(Shard(k, tuple(spans)))
    return shards


def shard_text(shard: Shard, piece_bytes: int = PIECE_BYTES) -> Iterator[bytes]:
    """The shard's text in pieces that each end a line (as the C++ tokeniser needs them).

    A file's last line ends with the file, newline or not, as in the single-machine readers.
    """
    for span in shard.spans:
        yield from _span_text(span, piece_bytes)


def _span_text(span: Span, piece_bytes: int) -> Iterator[bytes]:
    raw = open_bytes(span.file.path)
    fh: Optional[IO[bytes]] = None
    try:
        if span.file.compressed:
            codec = sniff(raw.read(HEAD_BYTES))
            raw.seek(0)
            assert codec is not None  # described as compressed by its first bytes
            # Corrupt or truncated data: a CompressedFileError naming the file, as on one machine.
            fh = DecompressingReader(codec, codec.open(raw), raw, str(span.file.path))
            left = -1  # to the end of the decompressed stream
        else:
            raw.seek(span.begin)
            fh = raw
            left = span.end - span.begin
        yield from whole_pieces(_budgeted(fh, left, piece_bytes))
    finally:
        if fh is not None and fh is not raw:
            fh.close()
        raw.close()


def _budgeted(fh: IO[bytes], left: int, piece_bytes: int) -> Iterator[bytes]:
    """Chunks of ``fh`` up to ``left`` bytes in all (-1: to the end of the file)."""
    while left != 0:
        chunk = fh.read(piece_bytes if left < 0 else min(piece_bytes, left))
        if not chunk:
            return
        if left > 0:
            left -= len(chunk)
        yield chunk


def feed_shard(
    sink: Any,
    shard: Shard,
    poll: float = 0.05,
    on_tick: Optional[Callable[[], Any]] = None,
    phrases: Any = None,
) -> Any:
    """Give the shard's text to a native sink (``VocabCounter`` or ``Trainer``), joining
    ``phrases`` (a ``FrozenPhrases``) if given, and return ``sink.finish()``, calling
    ``on_tick()`` every ``poll`` seconds while it works; on any error the sink is stopped
    before the error is raised."""
    from w2v import _core

    if phrases is not None:
        sink.set_phrases(phrases.native_table)

    def give() -> None:
        if shard.local_plain:
            # As on one machine: the C++ reader reads the files itself (which also refreshes
            # the learning rate at the same points as single-machine training does).
            spans = shard.spans
            sink.feed_spans(
                [s.file.path for s in spans],
                [s.begin for s in spans],
                [s.end for s in spans],
                _core.SplitMode.lines,
            )
        else:
            for piece in shard_text(shard):
                if not sink.feed_text(piece, _core.SplitMode.lines):
                    break
                if on_tick is not None:  # feeding waits for the sink: a round of it may be long
                    on_tick()

    return drive(sink, give, on_tick, poll)
