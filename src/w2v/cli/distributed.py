"""``w2v train --dask ADDRESS``: the same training on a Dask cluster (docs/distributed.md)."""

from __future__ import annotations

import argparse
import time
from typing import Any, Dict, List, Optional, Tuple

from w2v.cli.common import CommandError, UsageError, one_line
from w2v.cli.corpus import STDIN
from w2v.cli.reporting import logging_for
from w2v.loading import save_vectors


def train_on_dask(
    args: argparse.Namespace,
    mode: str,
    params: Dict[str, Any],
    files: List[str],
    fmt: Optional[str],
) -> Tuple[Any, float]:
    """Train on the cluster at ``args.dask`` and save to ``args.output``; returns the model
    and the seconds taken to build its vocabulary and train it."""
    for option, given in (
        ("--checkpoint", args.checkpoint),
        ("--resume", args.resume),
        ("--checkpoint-every", args.checkpoint_every),
    ):
        if given:
            raise UsageError(f"{option} is not available with --dask")
    if STDIN in files:
        raise UsageError("--dask reads the corpus on the workers: give files, not '-'")
    if args.corpus_format != "lines":
        raise UsageError("--dask trains on one-sentence-per-line corpora (--corpus-format lines)")
    from w2v.distributed import DISTRIBUTED_PARAMS, train
    from w2v.distributed.cluster import connect

    with logging_for(mode, args.debug):
        try:
            with connect(args.dask, threads=max(1, int(params.get("workers") or 1))) as client:
                start = time.perf_counter()
                try:
                    own = {p.name: getattr(args, p.name) for p in DISTRIBUTED_PARAMS if p.cli}
                    model = train(client, files, progress=mode == "bar", **own, **params)
                except (ValueError, TypeError) as exc:  # parameters the cluster refuses
                    raise UsageError(one_line(exc)) from None
                elapsed = time.perf_counter() - start
        except (OSError, ImportError) as exc:
            raise CommandError(f"--dask {args.dask}: {one_line(exc)}") from None
        save_vectors(model, args.output, fmt)
    return model, elapsed
