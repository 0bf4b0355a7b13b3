"""The CORPUS arguments of ``w2v train``: files, directories and standard input."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from typing import Any, Dict, Iterator, List, Optional, Sequence

from w2v import compression
from w2v.cli.common import CommandError, UsageError, note
from w2v.corpora import Text8Corpus, _FileCorpus

STDIN = "-"
LAYOUTS = ("lines", "text8")


class StreamFiles(_FileCorpus):
    """Several text8-style files (tokens without meaningful lines), read in order.

    The C++ reader takes the files over, as it does for one :class:`~w2v.Text8Corpus`, and
    cuts the stream into sentences of ``max_sentence_length`` tokens.

    Parameters
    ----------
    files : sequence of str
    """

    mode = "stream"

    def __init__(self, files: Sequence[str]) -> None:
        self.files = list(files)

    def native_sources(self) -> Optional[List[str]]:
        """The files, for the C++ reader."""
        return list(self.files)

    def __iter__(self) -> Iterator[List[str]]:
        for f in self.files:
            yield from Text8Corpus(f)


def corpus_files(items: Sequence[str]) -> List[str]:
    """The files of the CORPUS arguments, directories expanded (``-`` stays ``-``).

    Fails early on missing files and empty directories.

    Parameters
    ----------
    items : sequence of str
        Files, directories (their non-hidden files, in name order) or ``-``.

    Returns
    -------
    list of str
    """
    if list(items).count(STDIN) > 1:
        raise UsageError("'-' (standard input) can be given only once")
    files: List[str] = []
    for item in items:
        if item == STDIN or os.path.isfile(item):
            files.append(item)
        elif os.path.isdir(item):
            found = sorted(
                os.path.join(item, name)
                for name in os.listdir(item)
                if not name.startswith(".") and os.path.isfile(os.path.join(item, name))
            )
            if not found:
                raise CommandError(f"corpus directory {item!r} holds no files")
            files.extend(found)
        elif os.path.exists(item):
            raise CommandError(f"corpus {item!r} is not a regular file or directory")
        else:
            raise CommandError(f"no such corpus file or directory: {item!r}")
    return files


@contextlib.contextmanager
def corpus_arguments(files: Sequence[str], layout: str) -> Iterator[Dict[str, Any]]:
    """Keyword arguments for ``build_vocab``/``train`` reading ``files``.

    Parameters
    ----------
    files : sequence of str
        From :func:`corpus_files`; ``-`` is standard input, copied to a temporary file for
        as long as the context lasts.
    layout : {"lines", "text8"}
        One sentence per line, or one stream of tokens.

    Yields
    ------
    dict
        ``{"corpus_file": files}`` or ``{"corpus_iterable": corpus}``.
    """
    files = list(files)
    with contextlib.ExitStack() as stack:
        if STDIN in files:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="w2v-stdin-"))
            files[files.index(STDIN)] = _spool_stdin(tmp)
        if layout == "lines":
            yield {"corpus_file": files}
        elif len(files) == 1:
            yield {"corpus_iterable": Text8Corpus(files[0])}
        else:
            yield {"corpus_iterable": StreamFiles(files)}


def _spool_stdin(directory: str) -> str:
    """Copy standard input to a file (training reads the corpus several times)."""
    stream = sys.stdin.buffer
    if sys.stdin.isatty():
        note("reading the corpus from the terminal; end it with Ctrl-D")
    head = stream.read(compression.HEAD_BYTES)
    codec = compression.sniff(head)
    path = os.path.join(directory, "stdin" + (codec.suffix if codec else ".txt"))
    with open(path, "wb") as out:
        out.write(head)
        shutil.copyfileobj(stream, out, 1 << 20)
    return path
