"""``w2v phrases``: learn a phrase model (word2phrase), and ``w2v phrases apply``: write a
phrased corpus. ``w2v train --phrases`` (in ``train``) trains on phrased text directly."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any, Callable, List, Optional

from w2v.cli.common import CommandError, UsageError, one_line, same_file, say
from w2v.cli.corpus import STDIN, corpus_arguments, corpus_files
from w2v.cli.reporting import logging_for, progress_mode
from w2v.phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phrases, as_frozen


def connector_words(spec: str) -> frozenset:
    """``--connector-words``: 'english', 'none', or a file with one word per line."""
    if spec == "english":
        return ENGLISH_CONNECTOR_WORDS
    if spec == "none":
        return frozenset()
    if not os.path.isfile(spec):
        raise UsageError(
            f"--connector-words must be 'english', 'none' or a file of words, got {spec!r}"
        )
    with open(spec, encoding="utf-8") as f:
        return frozenset(w for line in f for w in line.split())


def load_phrase_model(path: str) -> FrozenPhrases:
    """A phrases file (frozen or not) as a FrozenPhrases; a clear error if it is not one."""
    try:
        return as_frozen(FrozenPhrases.load(path))
    except FileNotFoundError:
        raise CommandError(f"no such phrases file: {path!r}") from None
    except ValueError as exc:
        raise CommandError(one_line(exc)) from None


def _with_bar(mode: str, desc: str, total: Optional[int], work: Callable[[Any], Any]) -> Any:
    """Run ``work(progress)``; with a bar, ``progress(bytes)`` moves it."""
    if mode != "bar":
        return work(None)
    from w2v.progress import run_with_scan_bar

    done = {"bytes": 0}

    def progress(n: int) -> None:
        done["bytes"] = max(done["bytes"], int(n))

    return run_with_scan_bar(lambda: work(progress), lambda: done["bytes"], total, desc)


def _total_bytes(files: List[str]) -> Optional[int]:
    if STDIN in files:
        return None
    return sum(os.path.getsize(f) for f in files)


def cmd_phrases(args: argparse.Namespace) -> int:
    """``w2v phrases CORPUS -o PHRASES`` or ``w2v phrases apply PHRASES CORPUS -o OUT``."""
    if args.corpus and args.corpus[0] == "apply":
        return _apply(args, args.corpus[1:])
    return _learn(args)


def _learn(args: argparse.Namespace) -> int:
    files = corpus_files(args.corpus)
    if any(f != STDIN and same_file(f, args.output) for f in files):
        raise CommandError(f"the output {args.output!r} is a corpus file")
    mode = progress_mode(args)
    try:
        model = Phrases(
            min_count=args.min_count,
            threshold=args.threshold,
            max_vocab_size=args.max_vocab_size,
            delimiter=args.delimiter,
            scoring=args.scoring,
            connector_words=connector_words(args.connector_words),
            workers=args.workers,
        )
    except ValueError as exc:  # invalid options are usage errors, found before any reading
        raise UsageError(one_line(exc)) from None
    start = time.perf_counter()
    with logging_for(mode, args.debug), corpus_arguments(files, args.corpus_format) as kwargs:
        sentences = kwargs.get("corpus_iterable")
        corpus_file = kwargs.get("corpus_file")
        _with_bar(
            mode,
            "phrase counts",
            _total_bytes(files),
            lambda progress: model.add_vocab(sentences, corpus_file=corpus_file, progress=progress),
        )
    result = model if args.keep_counts else model.freeze()
    n_phrases = len(result.phrasegrams) if isinstance(result, FrozenPhrases) else None
    result.save(args.output)
    elapsed = time.perf_counter() - start
    found = len(model.export_phrases()) if n_phrases is None else n_phrases
    say(
        args,
        f"counted {model.corpus_word_count:,} words ({len(model.vocab):,} words and phrase "
        f"candidates) in {elapsed:.1f} s: {found:,} phrases, saved to {args.output}",
    )
    return 0


def _apply(args: argparse.Namespace, rest: List[str]) -> int:
    if len(rest) < 2:
        raise UsageError("usage: w2v phrases apply PHRASES CORPUS [CORPUS ...] -o OUT")
    frozen = load_phrase_model(rest[0])
    files = corpus_files(rest[1:])
    if any(f != STDIN and same_file(f, args.output) for f in files):
        raise CommandError(f"the output {args.output!r} is a corpus file")
    mode = progress_mode(args)
    start = time.perf_counter()
    with logging_for(mode, args.debug), corpus_arguments(files, args.corpus_format) as kwargs:
        source = kwargs.get("corpus_iterable") or kwargs["corpus_file"]
        sentences, words = _with_bar(
            mode,
            "phrasing",
            _total_bytes(files),
            lambda progress: frozen.transform_file(
                source, args.output, workers=args.workers, progress=progress
            ),
        )
    say(
        args,
        f"wrote {sentences:,} sentences ({words:,} tokens, {len(frozen.phrasegrams):,} "
        f"phrases known) to {args.output} in {time.perf_counter() - start:.1f} s",
    )
    return 0


def _number(text: str) -> float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def add_phrases_command(command: Callable[..., argparse.ArgumentParser], extras: Any) -> None:
    """The ``phrases`` command's parser (``extras`` adds the shared --progress options)."""
    p = command(
        "phrases",
        cmd_phrases,
        "learn phrases (new_york) from text, or join them in a corpus with 'phrases apply'",
    )
    p.add_argument(
        "corpus",
        nargs="+",
        metavar="CORPUS",
        help="text files or directories to learn from; or 'apply PHRASES CORPUS...' to write "
        "CORPUS with the phrases of PHRASES joined",
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="phrases file, or phrased corpus"
    )
    p.add_argument(
        "--corpus-format",
        choices=("lines", "text8"),
        default="lines",
        help="'lines': one sentence per line (default); 'text8': one stream of tokens",
    )
    g = p.add_argument_group("learning (gensim's Phrases parameters)")
    g.add_argument("--min-count", type=_number, default=5, metavar="N", help="default: 5")
    g.add_argument(
        "--threshold",
        type=float,
        default=10.0,
        metavar="T",
        help="score a phrase must exceed (default: 10; in [-1, 1] with --scoring npmi)",
    )
    g.add_argument("--scoring", choices=("default", "npmi"), default="default")
    g.add_argument(
        "--connector-words",
        default="none",
        metavar="SET",
        help="'english' (articles, prepositions, conjunctions may sit inside phrases), "
        "'none' (default), or a file of words",
    )
    g.add_argument("--delimiter", default="_", help="joins the words of a phrase (default: _)")
    g.add_argument(
        "--max-vocab-size",
        type=int,
        default=40000000,
        metavar="N",
        help="most words and phrase candidates held while counting (default: 40000000)",
    )
    g.add_argument(
        "--keep-counts",
        action="store_true",
        help="save the whole Phrases model with its counts (default: only the phrases)",
    )
    p.add_argument("--workers", type=int, default=None, metavar="N", help="default: every core")
    extras(p)
