"""Models and vectors as the commands read and write them: ``w2v.loading`` with CLI errors."""

from __future__ import annotations

import argparse
import zipfile
from dataclasses import dataclass
from typing import Optional, Sequence

from w2v import loading
from w2v.cli.common import CommandError, check_output_path, one_line, require_words
from w2v.errors import MalformedFileError
from w2v.keyedvectors import KeyedVectors
from w2v.model import Word2Vec

MODEL_FORMATS = ("auto",) + loading.FORMATS

_DESCRIPTIONS = {
    "word2vec-text": "word2vec text",
    "word2vec-binary": "word2vec binary",
}


@dataclass
class Loaded:
    """A model file as read by a command.

    Attributes
    ----------
    kv : KeyedVectors
        The word vectors.
    model : Word2Vec or None
        The full model, when the file is a w2v model file read with ``full=True``.
    format : str
        ``"w2v"``, ``"word2vec-text"`` or ``"word2vec-binary"``.
    path : str
    """

    kv: KeyedVectors
    model: Optional[Word2Vec]
    format: str
    path: str

    @property
    def description(self) -> str:
        """What the file holds, for people (read with ``full=True`` for w2v files)."""
        if self.format != "w2v":
            return _DESCRIPTIONS[self.format]
        if self.model is not None:
            return "w2v model (Word2Vec.save)"
        return "w2v keyed vectors (KeyedVectors.save)"

    @property
    def has_counts(self) -> bool:
        """Whether the word counts are real: word2vec files hold none (the reader makes up
        descending ones), so they are neither shown, exported nor kept."""
        return self.format == "w2v"


def load_model(
    path: str,
    model_format: str = "auto",
    *,
    full: bool = False,
    limit: Optional[int] = None,
    cut_archives: bool = False,
) -> Loaded:
    """Read word vectors from any file the commands accept (see :func:`w2v.loading.load`).

    Parameters
    ----------
    path : str
        A w2v model or keyed-vectors file, or a word2vec.c text or binary file.
    model_format : {"auto", "w2v", "word2vec-text", "word2vec-binary"}
        ``"auto"`` detects the format from the content.
    full : bool
        For a w2v model file, also load the whole model (memory-mapped).
    limit : int, optional
        Read only the first ``limit`` vectors of a word2vec file.
    cut_archives : bool
        Apply ``limit`` to w2v files too (``w2v convert``).

    Returns
    -------
    Loaded

    Raises
    ------
    CommandError
        The file is missing, in no known format, or unreadable.
    """
    try:
        fmt = loading.detect_format(path) if model_format == "auto" else model_format
    except (OSError, ValueError) as exc:  # missing, a directory, a pickle, no known format
        raise CommandError(one_line(exc)) from None
    try:
        obj = loading.load(
            path,
            format=fmt,
            kind=None if full else "vectors",
            mmap="r" if full else None,
            limit=limit if cut_archives or fmt != "w2v" else None,
        )
    except (MalformedFileError, FileNotFoundError, IsADirectoryError) as exc:
        raise CommandError(one_line(exc)) from None  # the message names the file
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise CommandError(f"cannot read model {path!r}: {one_line(exc)}") from exc
    if isinstance(obj, Word2Vec):
        return Loaded(obj.wv, obj, fmt, path)
    return Loaded(obj, None, fmt, path)


def load_vectors(args: argparse.Namespace, words: Sequence[str] = ()) -> KeyedVectors:
    """The vectors of ``args.model`` (read as ``--model-format`` and ``--limit`` say).

    Parameters
    ----------
    args : argparse.Namespace
    words : sequence of str
        Fail, naming the missing ones, unless the vectors hold all of these.

    Returns
    -------
    KeyedVectors
    """
    kv = load_model(args.model, args.model_format, limit=args.limit).kv
    require_words(kv, words, args.model)
    return kv


def output_format(path: str, explicit: Optional[str] = None) -> str:
    """The format to write ``path`` in (``explicit``, else from its suffix), once it is
    known that the file can be written."""
    check_output_path(path)
    return explicit or loading.format_for_name(path)
