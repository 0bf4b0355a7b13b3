"""``w2v train`` and ``w2v demo``: train a Word2Vec model, report it and save it."""

from __future__ import annotations

import argparse
import contextlib
import time
from typing import Any, ContextManager, Dict, Optional, Tuple

from w2v import datasets
from w2v.cli.common import (
    CommandError,
    UsageError,
    fmt_loss,
    one_line,
    require_words,
    same_file,
    say,
)
from w2v.cli.corpus import STDIN, corpus_arguments, corpus_files
from w2v.cli.models import output_format
from w2v.cli.reporting import logging_for, progress_mode
from w2v.loading import save_vectors
from w2v.model import Word2Vec
from w2v.params import cli_params

DEMO_WORDS = ("holmes", "whale", "king", "london", "night")
#: The Word2Vec options ``w2v demo`` offers, and the parameters it fixes.
DEMO_OPTIONS = ("epochs", "workers")
DEMO_PARAMS: Dict[str, Any] = {"sg": 1}


def cmd_train(args: argparse.Namespace) -> int:
    """``w2v train``: train a model on text files and save it."""
    files = corpus_files(args.corpus)
    fmt = output_format(args.output, args.format)
    if any(f != STDIN and same_file(f, args.output) for f in files):
        raise CommandError(f"the output {args.output!r} is a corpus file")
    mode = progress_mode(args)
    params = word2vec_params(args)
    if args.noise_weights:
        params["noise_weights"] = read_noise_weights(args.noise_weights)
    corpus = corpus_arguments(files, args.corpus_format)
    model, elapsed = _train(args, mode, params, corpus, args.output, fmt)
    arch = "skip-gram" if model.sg else "CBOW"
    say(
        args,
        f"trained {arch} on {model.corpus_total_words:,} words in {elapsed:.1f} s: "
        f"{len(model.wv):,} words x {model.vector_size} dimensions, saved to {args.output} "
        f"({fmt})",
    )
    if model.compute_loss and model.loss_history:
        losses = ", ".join(fmt_loss(x) for x in model.loss_history)
        say(args, f"loss per epoch: {losses}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``w2v demo``: train skip-gram on the bundled corpus and show some neighbours."""
    fmt = output_format(args.output) if args.output else None
    mode = progress_mode(args)
    params = {**DEMO_PARAMS, **word2vec_params(args)}
    say(
        args,
        f"training skip-gram on the demo corpus (1.6 M words of 19 novels), "
        f"{args.epochs} epochs, {args.workers} workers",
    )
    corpus = contextlib.nullcontext({"corpus_file": datasets.demo_path()})
    model, elapsed = _train(args, mode, params, corpus, args.output, fmt)
    say(args, f"trained in {elapsed:.1f} s; {len(model.wv):,} words in the vocabulary")
    words = [w for w in (args.words or DEMO_WORDS) if w in model.wv]
    if args.words:
        require_words(model.wv, args.words, "the demo model")
    print(f"nearest neighbours (cosine similarity) after {model.epochs} epochs:")
    width = max((len(w) for w in words), default=0)
    for w in words:
        near = model.wv.most_similar(w, topn=args.topn)
        print(f"  {w:<{width}}  " + ", ".join(f"{o} ({s:.2f})" for o, s in near))
    if args.output:
        say(args, f"saved to {args.output}; try: w2v similar {args.output} {words[0]}")
    return 0


def word2vec_params(args: argparse.Namespace) -> Dict[str, Any]:
    """The Word2Vec parameters the command line holds, by their names in the table."""
    return {p.name: getattr(args, p.name) for p in cli_params() if hasattr(args, p.name)}


def read_noise_weights(path: str) -> Dict[str, float]:
    """A ``word weight`` per line (whitespace-separated; '#' starts a comment line).

    Parameters
    ----------
    path : str

    Returns
    -------
    dict of str to float
        For ``Word2Vec(noise_weights=...)``: words not listed get 0.
    """
    weights: Dict[str, float] = {}
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                fields = line.split()
                if not fields or fields[0].startswith("#"):
                    continue
                if len(fields) != 2:
                    raise CommandError(f"{path}:{n}: expected 'WORD WEIGHT', got {line.strip()!r}")
                try:
                    weights[fields[0]] = float(fields[1])
                except ValueError:
                    raise CommandError(f"{path}:{n}: bad weight {fields[1]!r}") from None
    except FileNotFoundError:
        raise CommandError(f"no such noise-weights file: {path!r}") from None
    return weights


def _train(
    args: argparse.Namespace,
    mode: str,
    params: Dict[str, Any],
    corpus: ContextManager[Dict[str, Any]],
    output: Optional[str],
    fmt: Optional[str],
) -> Tuple[Word2Vec, float]:
    """Build the vocabulary and train, as the Word2Vec constructor does, then save to
    ``output`` (if given); returns the model and the seconds taken to train it."""
    with logging_for(mode, args.debug):
        try:
            model = Word2Vec(**params, progress=mode == "bar")
        except (ValueError, TypeError) as exc:  # invalid parameters are usage errors
            raise UsageError(one_line(exc)) from None
        with corpus as kwargs:
            start = time.perf_counter()
            model.build_vocab(**kwargs)
            model.train(
                **kwargs,
                total_examples=model.corpus_count,
                total_words=model.corpus_total_words,
                epochs=model.epochs,
                compute_loss=model.compute_loss,
            )
            elapsed = time.perf_counter() - start
        if output:
            save_vectors(model, output, fmt)
    return model, elapsed
