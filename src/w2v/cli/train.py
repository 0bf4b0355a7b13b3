"""``w2v train`` and ``w2v demo``: train a Word2Vec model, report it and save it."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass
from typing import Any, ContextManager, Dict, List, Optional, Tuple

from w2v import datasets
from w2v.callbacks import Checkpoint
from w2v.checkpoint import (
    checkpoint_files,
    corpus_fingerprint,
    parse_every,
    read_training_state,
)
from w2v.cli.common import (
    CommandError,
    UsageError,
    fmt_loss,
    note,
    one_line,
    require_words,
    same_file,
    say,
)
from w2v.cli.corpus import STDIN, corpus_arguments, corpus_files
from w2v.cli.models import output_format
from w2v.cli.phrases import load_phrase_model
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
    checkpoints = checkpoint_options(args)
    params = word2vec_params(args)
    if args.noise_weights:
        params["noise_weights"] = read_noise_weights(args.noise_weights)
    if args.phrases:
        params["phrases"] = load_phrase_model(args.phrases)
    if args.dask:
        from w2v.cli.distributed import train_on_dask

        model, elapsed = train_on_dask(args, mode, params, files, fmt)
    else:
        corpus = corpus_arguments(files, args.corpus_format)
        model, elapsed = _train(args, mode, params, corpus, args.output, fmt, checkpoints)
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


@dataclass
class CheckpointOptions:
    """Where and how often ``w2v train`` saves checkpoints, and whether it resumes."""

    directory: str
    every: str
    keep: int
    resume: bool


def checkpoint_options(args: argparse.Namespace) -> Optional[CheckpointOptions]:
    """The checkpoint options of ``w2v train``, checked together (None without them)."""
    resume = args.resume
    directory = args.checkpoint
    if isinstance(resume, str):
        if directory is not None and os.path.abspath(directory) != os.path.abspath(resume):
            raise UsageError("--resume DIR and --checkpoint DIR must name the same directory")
        directory = resume
    elif resume and directory is None:
        raise UsageError("--resume needs the checkpoint directory: --resume DIR")
    if directory is None:
        if args.checkpoint_every is not None:
            raise UsageError("--checkpoint-every needs --checkpoint DIR")
        return None
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise CommandError(f"the checkpoint directory {directory!r} is a file")
    every = args.checkpoint_every or "1 epoch"
    parse_every(every)  # checked by the parser already
    return CheckpointOptions(directory, every, args.checkpoint_keep, bool(resume))


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
    checkpoints: Optional[CheckpointOptions] = None,
) -> Tuple[Word2Vec, float]:
    """Build the vocabulary and train, as the Word2Vec constructor does, then save to
    ``output`` (if given); returns the model and the seconds taken to train it.

    With ``checkpoints``, saves checkpoints as it trains, and with ``resume`` continues the
    run of the latest one instead (same corpus and options, checked).
    """
    with logging_for(mode, args.debug):
        latest = _latest_to_resume(checkpoints)
        if latest is None:
            try:
                model = Word2Vec(**params, progress=mode == "bar")
            except (ValueError, TypeError) as exc:  # invalid parameters are usage errors
                raise UsageError(one_line(exc)) from None
        else:
            model = _load_checkpoint(latest, params, mode)
            model.phrases = params.get("phrases")  # never saved: the command line gives it
        with corpus as kwargs:
            start = time.perf_counter()
            callbacks: List[Checkpoint] = []
            if checkpoints is not None:
                info = run_info(params, kwargs, args.corpus_format)
                if latest is not None:
                    _check_same_run(model, info, latest)
                callbacks.append(
                    Checkpoint(
                        checkpoints.directory, checkpoints.every, checkpoints.keep, info=info
                    )
                )
            if latest is None:
                model.build_vocab(**kwargs)
            state = model.training_state
            if state is not None and state.complete:
                say(args, f"the checkpointed run had finished ({state.describe()})")
                model.training_state = None
            else:
                if latest is not None and state is not None:
                    say(args, f"resuming {latest} ({state.describe()})")
                model.train(
                    **kwargs,
                    total_examples=model.corpus_count,
                    total_words=model.corpus_total_words,
                    epochs=model.epochs,
                    compute_loss=model.compute_loss,
                    callbacks=callbacks,
                )
            elapsed = time.perf_counter() - start
        if output:
            save_vectors(model, output, fmt)
    return model, elapsed


#: Options a resumed run may change (they do not change what is learned).
RESUME_MAY_DIFFER = ("workers",)


def _latest_to_resume(checkpoints: Optional[CheckpointOptions]) -> Optional[str]:
    """The checkpoint to resume, None for a new run; refuses to mix two runs in one DIR."""
    if checkpoints is None:
        return None
    found = checkpoint_files(checkpoints.directory)
    if not checkpoints.resume:
        if found:
            last = os.path.basename(found[-1])
            raise CommandError(
                f"{checkpoints.directory!r} already holds checkpoints ({last}); add --resume to "
                "continue that run, or choose another directory"
            )
        return None
    if not found:
        note(f"no checkpoint in {checkpoints.directory!r} yet: starting a new run")
        return None
    return found[-1]


def _load_checkpoint(path: str, params: Dict[str, Any], mode: str) -> Word2Vec:
    """The checkpoint's model; a finished run's keeps its state, to be recognised."""
    try:
        state = read_training_state(path)
        model = Word2Vec.load(path)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot resume from {path}: {one_line(exc)}") from None
    if state is None:
        raise CommandError(f"{path} is a model file, not a checkpoint of a run")
    model.training_state = state
    model.workers = params["workers"]
    model.progress = mode == "bar"
    return model


def run_info(params: Dict[str, Any], kwargs: Dict[str, Any], corpus_format: str) -> Dict[str, Any]:
    """What a checkpoint of ``w2v train`` records to recognise its run: corpus and options.

    Parameters
    ----------
    params : dict
        The Word2Vec parameters of the command line.
    kwargs : dict
        The corpus arguments (``corpus_file`` or ``corpus_iterable``).
    corpus_format : str

    Returns
    -------
    dict
        JSON: ``{"corpus": fingerprint, "corpus_format": ..., "options": {...}}``.
    """
    options = {k: v for k, v in params.items() if k not in RESUME_MAY_DIFFER}
    weights = options.pop("noise_weights", None)
    if weights is not None:
        text = json.dumps(sorted(weights.items()), ensure_ascii=False)
        options["noise_weights_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    phrases = options.pop("phrases", None)
    if phrases is not None:
        text = json.dumps(sorted(phrases.phrasegrams.items()), ensure_ascii=False)
        options["phrases_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return {
        "command": "w2v train",
        "corpus": corpus_fingerprint(_corpus_paths(kwargs)),
        "corpus_format": corpus_format,
        "options": json.loads(json.dumps(options)),
    }


def _corpus_paths(kwargs: Dict[str, Any]) -> List[str]:
    if "corpus_file" in kwargs:
        files = kwargs["corpus_file"]
        return [os.fspath(f) for f in (files if isinstance(files, (list, tuple)) else [files])]
    return [os.fspath(f) for f in kwargs["corpus_iterable"].native_sources()]


def _check_same_run(model: Word2Vec, info: Dict[str, Any], path: str) -> None:
    """Refuse to resume ``path`` with another corpus or other options."""
    saved = model.training_state.info if model.training_state is not None else {}
    if saved.get("command") != "w2v train":
        note(f"{path} was not written by w2v train: its corpus and options are not checked")
        return
    was, now = saved.get("corpus", []), info["corpus"]
    if [(f["size"], f["sample_sha256"]) for f in was] != [
        (f["size"], f["sample_sha256"]) for f in now
    ]:
        show = ", ".join(f"{f['name']} ({f['size']:,} bytes)" for f in was)
        raise UsageError(
            f"--resume: the corpus differs from the checkpointed run's ({show}); resume with "
            "the same files"
        )
    diffs = []
    if saved.get("corpus_format") != info["corpus_format"]:
        diffs.append(f"--corpus-format {info['corpus_format']} (run: {saved.get('corpus_format')})")
    old, new = saved.get("options", {}), info["options"]
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            option = "--" + key.replace("_", "-")
            diffs.append(f"{option} {new.get(key)} (run: {old.get(key)})")
    if diffs:
        raise UsageError(
            "--resume: options differ from the checkpointed run's: "
            + ", ".join(diffs)
            + "; repeat the run's options (only --workers may change)"
        )
