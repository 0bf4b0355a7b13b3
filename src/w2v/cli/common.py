"""What every command shares: the two errors, one-line messages, output and file checks."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from w2v._archive import jsonable

PROG = "w2v"


class CommandError(Exception):
    """A command failed: reported as one line on stderr, exit status 1."""


class UsageError(Exception):
    """The command line is wrong: reported with the usage line, exit status 2."""


def one_line(exc: BaseException) -> str:
    """A readable one-line message for an exception.

    Parameters
    ----------
    exc : BaseException

    Returns
    -------
    str
        The message on one line; the exception's type is named when the message alone would
        not say what went wrong.
    """
    if isinstance(exc, (CommandError, UsageError)):
        msg = str(exc)
    elif isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        msg = f"{exc.strerror}: {exc.filename!r}"
    elif isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        msg = exc.args[0]
    else:
        msg = str(exc)
        known = (OSError, ValueError, TypeError, KeyError, RuntimeError, ImportError, EOFError)
        if not isinstance(exc, known) or not msg:
            msg = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    return " ".join(msg.split())


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented, strict JSON (NaN and infinities as null)."""
    print(json.dumps(jsonable(obj, finite=True), indent=2, ensure_ascii=False))


def note(message: str) -> None:
    """A line on stderr, after the command's name."""
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def say(args: argparse.Namespace, message: str) -> None:
    """A status line on stderr (not with --quiet)."""
    if not getattr(args, "quiet", False):
        note(message)


def fmt_loss(x: float) -> str:
    """A loss for people: thousands separated, small values with 4 significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def check_output_path(path: str) -> None:
    """Fail before a long computation if the output cannot be written."""
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CommandError(f"output {path!r} is a directory")
    if not os.path.isdir(parent):
        raise CommandError(f"cannot write {path!r}: no such directory {parent!r}")
    if not os.access(parent, os.W_OK):
        raise CommandError(f"cannot write {path!r}: directory {parent!r} is not writable")


def check_input_file(path: str, what: str) -> None:
    """Fail unless ``path`` exists and is not a directory; ``what`` names it in the message."""
    if not os.path.exists(path):
        raise CommandError(f"no such {what} file: {path!r}")
    if os.path.isdir(path):
        raise CommandError(f"{what} file {path!r} is a directory")


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` both exist and are the same file."""
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)


def require_words(kv: Any, words: Sequence[str], where: str) -> None:
    """Fail, suggesting the lowercase form when it is known, unless all ``words`` are in ``kv``."""
    missing = [w for w in dict.fromkeys(words) if w not in kv]
    if not missing:
        return
    hints = [f"{w.lower()!r}" for w in missing if w.lower() != w and w.lower() in kv]
    listed = ", ".join(repr(w) for w in missing)
    noun = "word" if len(missing) == 1 else "words"
    verb = "is" if len(missing) == 1 else "are"
    msg = f"{noun} {listed} {verb} not in the vocabulary of {where} ({len(kv)} words)"
    if hints:
        msg += f"; did you mean {', '.join(hints)}?"
    raise CommandError(msg)
