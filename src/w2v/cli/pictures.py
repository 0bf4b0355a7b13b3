"""``w2v plot loss``, ``w2v plot map`` and ``w2v export projector``: vectors for the eye."""

from __future__ import annotations

import argparse
import importlib
import os
from typing import Any

from w2v.cli.common import CommandError, check_output_path, say
from w2v.cli.models import load_model, load_vectors


def cmd_plot_loss(args: argparse.Namespace) -> int:
    """``w2v plot loss``: the per-epoch training loss curve."""
    plotting = _plotting()
    check_output_path(args.output)
    loaded = load_model(args.model, args.model_format, full=True)
    if loaded.model is None:
        raise CommandError(
            f"{args.model} holds only word vectors ({loaded.description}); the loss history is "
            "kept in w2v model files written by 'w2v train' (format w2v)"
        )
    if not loaded.model.loss_history:
        raise CommandError(f"{args.model} has no loss history: train it with --compute-loss")
    plotting.plot_loss(
        loaded.model.loss_history, args.output, size=args.size, dpi=args.dpi, title=args.title
    )
    say(args, f"wrote {args.output}")
    return 0


def cmd_plot_map(args: argparse.Namespace) -> int:
    """``w2v plot map``: 2-D map of words and their nearest neighbours."""
    plotting = _plotting()
    if args.method == "tsne":
        _require("sklearn", "t-SNE needs scikit-learn")
    check_output_path(args.output)
    kv = load_vectors(args, args.words)
    plotting.plot_map(
        kv,
        args.words,
        args.neighbours,
        args.output,
        method=args.method,
        size=args.size,
        dpi=args.dpi,
        seed=args.seed,
        perplexity=args.perplexity,
        title=args.title,
    )
    say(args, f"wrote {args.output}")
    return 0


def cmd_export_projector(args: argparse.Namespace) -> int:
    """``w2v export projector``: TSV files for the TensorFlow Embedding Projector."""
    from w2v.projector import export_projector

    if os.path.exists(args.directory) and not os.path.isdir(args.directory):
        raise CommandError(f"{args.directory!r} exists and is not a directory")
    loaded = load_model(args.model, args.model_format, limit=args.limit)
    n = len(loaded.kv) if args.limit is None else min(args.limit, len(loaded.kv))
    vec_path, meta_path = export_projector(
        loaded.kv,
        args.directory,
        limit=args.limit,
        with_counts=loaded.has_counts and not args.no_counts,
    )
    say(
        args,
        f"wrote {n:,} vectors to {vec_path} and their labels to {meta_path}; "
        "load both in the Embedding Projector (projector.tensorflow.org, 'Load')",
    )
    return 0


def _plotting() -> Any:
    """``w2v.plotting``, with matplotlib drawing to files only."""
    matplotlib = _require("matplotlib", "plotting needs matplotlib")
    matplotlib.use("Agg")
    from w2v import plotting

    return plotting


def _require(module: str, what: str) -> Any:
    """Import ``module`` of the ``plot`` extra, or fail naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise CommandError(f"{what}: pip install 'w2v[plot]'") from None
