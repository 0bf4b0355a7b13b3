"""The entry point: parse the command line, run the command, turn failures into exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from w2v.cli.common import UsageError, note, one_line
from w2v.cli.parser import build_parser
from w2v.cli.reporting import cli_logging, log_level


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``w2v`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 success, 1 runtime error, 2 usage error (argparse exits itself),
        130 interrupted.
    """
    args = build_parser().parse_args(argv)
    args.debug = debug = bool(getattr(args, "debug", False))
    if not hasattr(args, "quiet"):
        args.quiet = False
    with cli_logging(log_level(debug)):
        return _run(args, debug)


def _run(args: argparse.Namespace, debug: bool) -> int:
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        if debug:
            raise
        args._parser.error(one_line(exc))
        return 2  # not reached: error() exits
    except KeyboardInterrupt:
        if debug:
            raise
        note("interrupted")
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `w2v similar ... | head`): not an error.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return 0
    except Exception as exc:
        if debug:
            raise
        note(f"error: {one_line(exc)}")
        return 1
