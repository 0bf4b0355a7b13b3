"""The ``w2v`` command: train, query, evaluate, convert, plot and export word vectors.

Run ``w2v --help`` (or ``python -m w2v --help``) for the commands and ``w2v COMMAND --help``
for their options; ``docs/cli.md`` has a tour. Exit status: 0 on success, 1 when a command
fails (missing file, unknown word, unreadable model, ...), 2 for a usage error. Errors are one
line on stderr; ``--debug`` shows the traceback instead.

Modules: :mod:`~w2v.cli.main` (entry point, exit codes), :mod:`~w2v.cli.parser` (the
options, the Word2Vec ones from the parameter table), :mod:`~w2v.cli.train` (train, demo),
:mod:`~w2v.cli.queries` (similar, analogy, evaluate), :mod:`~w2v.cli.inspection` (convert,
info), :mod:`~w2v.cli.pictures` (plot, export projector), and what they share:
:mod:`~w2v.cli.common` (errors, output), :mod:`~w2v.cli.models` (reading model files),
:mod:`~w2v.cli.corpus` (the CORPUS arguments), :mod:`~w2v.cli.reporting` (logging, progress).
"""

from w2v.cli.main import main

__all__ = ["main"]
