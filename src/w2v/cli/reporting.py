"""Logging and progress on stderr: log lines, tqdm bars, or nothing."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from typing import Iterator

PROGRESS_MODES = ("auto", "bar", "log", "none")
_LOG_FORMAT = "%(asctime)s : %(levelname)s : %(message)s"


def setup_logging(level: int) -> None:
    """Send the ``w2v`` loggers' records at ``level`` and above to stderr."""
    log = logging.getLogger("w2v")
    for h in list(log.handlers):
        if getattr(h, "_w2v_cli", False):
            log.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    handler._w2v_cli = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


@contextlib.contextmanager
def cli_logging(level: int) -> Iterator[None]:
    """:func:`setup_logging` for one command, then the ``w2v`` logger as it was (``main`` may
    run inside a Python program or a test session that has logging of its own)."""
    log = logging.getLogger("w2v")
    saved = (list(log.handlers), log.level, log.propagate)
    setup_logging(level)
    try:
        yield
    finally:
        log.handlers[:] = saved[0]
        log.setLevel(saved[1])
        log.propagate = saved[2]


def log_level(debug: bool, mode: str = "none") -> int:
    """DEBUG with ``--debug``; INFO lines as the progress ``mode`` "log"; else warnings."""
    if debug:
        return logging.DEBUG
    return logging.INFO if mode == "log" else logging.WARNING


def progress_mode(args: argparse.Namespace) -> str:
    """``"bar"`` (tqdm), ``"log"`` (INFO lines) or ``"none"``, from --progress and --quiet."""
    if args.quiet:
        return "none"
    mode = args.progress
    if mode == "auto":
        return "bar" if sys.stderr.isatty() else "log"
    return str(mode)


@contextlib.contextmanager
def logging_for(mode: str, debug: bool) -> Iterator[None]:
    """Logging while training: INFO lines in log mode, warnings above a progress bar."""
    setup_logging(log_level(debug, mode))
    if mode != "bar":
        yield
        return
    from tqdm.contrib.logging import logging_redirect_tqdm

    with logging_redirect_tqdm(loggers=[logging.getLogger("w2v")]):
        yield
