#!/usr/bin/env python
"""Side-by-side benchmark of w2v's KeyedVectors against gensim's on a large vector set.

Run by hand, e.g.::

    python benchmarks/bench_keyedvectors.py                      # 200k x 300, the defaults
    python benchmarks/bench_keyedvectors.py --rows 50000 --analogy-restrict 30000

The vector set is random (fixed seed) float32 data; every word of the analogy and word-pair
files is placed at a random row, so every question is in vocabulary, as with a real model.
Measured, for both libraries on the same files and vectors:

* ``load_word2vec_format`` of a binary file (and of a text file, with ``--text``);
* ``save_word2vec_format(binary=True)``;
* ``most_similar`` latency (median over ``--queries`` single-word queries);
* ``evaluate_word_analogies`` on questions-words.txt (``--analogy-restrict`` sets
  ``restrict_vocab``; gensim's default of 300000 covers the whole 200k vocabulary);
* ``evaluate_word_pairs`` on wordsim353 and simlex999.

Results agree between the libraries (checked and printed); timings are the best of
``--repeat`` runs (one run for the analogy evaluation).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO_ROOT.parent / "shared" / "data" / "eval"


def eval_words(eval_dir: Path) -> List[str]:
    """All distinct words (lower-cased) of the analogy and pair files."""
    words: Dict[str, None] = {}
    for line in (eval_dir / "questions-words.txt").read_text(encoding="utf8").splitlines():
        if line.startswith(":"):
            continue
        for w in line.split():
            words[w.lower()] = None
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for line in (eval_dir / name).read_text(encoding="utf8").splitlines():
            if line.startswith("#"):
                continue
            for w in line.split("\t")[:2]:
                words[w.strip().lower()] = None
    return list(words)


def make_vectors(rows: int, dim: int, seed: int, eval_dir: Path) -> Tuple[List[str], np.ndarray]:
    """Random vectors, except that within each analogy section the second word of a pair is
    (where not already fixed) the first word plus the section's offset plus noise, so that a
    fair share of the analogies is solvable and the results are worth comparing."""
    rng = np.random.default_rng(seed)
    keys = [f"w{i}" for i in range(rows)]
    special = eval_words(eval_dir)
    where = {}
    for word, row in zip(special, rng.choice(rows, size=len(special), replace=False)):
        keys[int(row)] = word
        where[word] = int(row)
    vectors = rng.standard_normal((rows, dim), dtype=np.float32)
    fixed = set()
    offset = None
    for line in (eval_dir / "questions-words.txt").read_text(encoding="utf8").splitlines():
        if line.startswith(":"):
            offset = rng.standard_normal(dim).astype(np.float32)
            continue
        words = [w.lower() for w in line.split()]
        for a, b in ((words[0], words[1]), (words[2], words[3])):
            if b not in fixed and a != b:
                noise = 0.5 * rng.standard_normal(dim).astype(np.float32)
                vectors[where[b]] = vectors[where[a]] + offset + noise
                fixed.add(b)
    return keys, vectors


def best_of(repeat: int, fn: Callable[[], Any]) -> Tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--analogy-restrict", type=int, default=300000)
    parser.add_argument("--skip-gensim-analogies", action="store_true")
    parser.add_argument("--text", action="store_true", help="also time text-format loading")
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)

    logging.disable(logging.WARNING)
    from gensim.models import KeyedVectors as GensimKV

    from w2v import KeyedVectors

    keys, vectors = make_vectors(args.rows, args.dim, args.seed, args.eval_dir)
    base = KeyedVectors(args.dim)
    base.add_vectors(keys, vectors)
    base.expandos["count"] = np.arange(args.rows, 0, -1, dtype=np.int64)
    binary_path = args.workdir / f"bench-kv-{args.rows}x{args.dim}.bin"
    text_path = args.workdir / f"bench-kv-{args.rows}x{args.dim}.txt"
    base.save_word2vec_format(binary_path, binary=True)
    if args.text:
        base.save_word2vec_format(text_path, binary=False)
    table: List[Tuple[str, float, float]] = []

    def both(name: str, ours: Callable[[], Any], theirs: Callable[[], Any], repeat: int) -> Tuple:
        t_theirs, r_theirs = best_of(repeat, theirs)
        t_ours, r_ours = best_of(repeat, ours)
        table.append((name, t_theirs, t_ours))
        print(f"  {name}: gensim {t_theirs:.3f}s, w2v {t_ours:.3f}s", flush=True)
        return r_ours, r_theirs

    print(f"{args.rows} x {args.dim} float32 vectors; {os.cpu_count()} cpus", flush=True)
    kv, gkv = both(
        "load_word2vec_format(binary=True)",
        lambda: KeyedVectors.load_word2vec_format(binary_path, binary=True),
        lambda: GensimKV.load_word2vec_format(binary_path, binary=True),
        args.repeat,
    )
    assert kv.index_to_key == gkv.index_to_key and np.array_equal(kv.vectors, gkv.vectors)
    if args.text:
        kv_t, gkv_t = both(
            "load_word2vec_format(binary=False)",
            lambda: KeyedVectors.load_word2vec_format(text_path),
            lambda: GensimKV.load_word2vec_format(text_path),
            1,
        )
        assert np.array_equal(kv_t.vectors, gkv_t.vectors)
    out_ours = args.workdir / "bench-kv-out-w2v.bin"
    out_theirs = args.workdir / "bench-kv-out-gensim.bin"
    both(
        "save_word2vec_format(binary=True)",
        lambda: kv.save_word2vec_format(out_ours, binary=True),
        lambda: gkv.save_word2vec_format(out_theirs, binary=True),
        args.repeat,
    )
    assert out_ours.read_bytes() == out_theirs.read_bytes()

    rng = np.random.default_rng(args.seed + 1)
    queries = [keys[i] for i in rng.choice(args.rows, size=args.queries, replace=False)]
    kv.most_similar(queries[0])
    gkv.most_similar(queries[0])

    # interleaved (alternating which goes first) so that load drift hits both alike
    samples: Dict[str, List[float]] = {"gensim": [], "w2v": []}
    for _ in range(args.repeat):
        for i, q in enumerate(queries):
            order = [("gensim", gkv), ("w2v", kv)]
            for label, target in order if i % 2 else order[::-1]:
                start = time.perf_counter()
                target.most_similar(q, topn=10)
                samples[label].append(time.perf_counter() - start)
    t_theirs = statistics.median(samples["gensim"])
    t_ours = statistics.median(samples["w2v"])
    table.append(("most_similar (median latency)", t_theirs, t_ours))
    print(f"  most_similar: gensim {t_theirs * 1e3:.2f}ms, w2v {t_ours * 1e3:.2f}ms", flush=True)
    for q in queries[:10]:
        ours = kv.most_similar(q)
        theirs = gkv.most_similar(q)
        assert [k for k, _ in ours] == [k for k, _ in theirs]

    questions = args.eval_dir / "questions-words.txt"
    restrict = args.analogy_restrict
    start = time.perf_counter()
    score, sections = kv.evaluate_word_analogies(questions, restrict_vocab=restrict)
    t_ours = time.perf_counter() - start
    print(f"  evaluate_word_analogies: w2v {t_ours:.2f}s (score {score:.4f})", flush=True)
    if not args.skip_gensim_analogies:
        start = time.perf_counter()
        g_score, g_sections = gkv.evaluate_word_analogies(questions, restrict_vocab=restrict)
        t_theirs = time.perf_counter() - start
        print(f"  evaluate_word_analogies: gensim {t_theirs:.2f}s", flush=True)
        assert abs(score - g_score) < 1e-12, (score, g_score)
        assert [s["correct"] for s in sections] == [s["correct"] for s in g_sections]
        table.append((f"evaluate_word_analogies (restrict_vocab={restrict})", t_theirs, t_ours))

    for name in ("wordsim353.tsv", "simlex999.txt"):
        path = args.eval_dir / name
        ours, theirs = both(
            f"evaluate_word_pairs({name})",
            lambda p=path: kv.evaluate_word_pairs(p),
            lambda p=path: gkv.evaluate_word_pairs(p),
            args.repeat,
        )
        assert abs(ours[1][0] - theirs[1][0]) < 1e-5 and ours[2] == theirs[2]

    print()
    print(f"| operation ({args.rows} x {args.dim}) | gensim 4.4 | w2v | speed-up |")
    print("|---|---:|---:|---:|")
    for name, theirs, ours in table:
        unit, scale = ("ms", 1e3) if theirs < 0.1 else ("s", 1.0)
        print(
            f"| {name} | {theirs * scale:.3g} {unit} | {ours * scale:.3g} {unit} | "
            f"{theirs / ours:.1f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
