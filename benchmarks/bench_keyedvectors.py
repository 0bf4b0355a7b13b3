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

Two more parts (``--parts batch,ann``; they need neither ``../shared`` nor each other) use
word-vector-like data from :func:`structured_vectors` (see its docstring and
``docs/performance.md``):

* ``batch``: ``--batch-queries`` separate nearest-neighbour queries on ``--rows`` vectors,
  ``most_similar_batch`` against a loop over gensim's ``most_similar`` (repeats interleaved,
  medians quoted);
* ``ann``: the faiss index (``wv.build_index(--ann-kind)``) on ``--ann-rows`` vectors: build
  time, memory, median single-query latency of exact ``most_similar`` (w2v and gensim) and of
  ``most_similar(..., indexer=)``, and recall@10 against the exact answer over
  ``--ann-queries`` queries (each query timed for every method in turn, rotating the order).

The ``text`` part times word2vec text files written by gensim's ``save_word2vec_format``
(``--rows`` x ``--dim`` random float32 vectors, keys ``w0, w1, ...`` and the most frequent
words of ``--corpus`` if it exists): ``load_word2vec_format`` and ``save_word2vec_format``,
gensim against w2v, and against an older w2v with ``--before-python PATH`` (repeats
interleaved, medians quoted; ``--text-ops save`` times saving only; each save writes a new
file, the previous round's deleted and synced to disk before the clock starts)::

    python benchmarks/bench_keyedvectors.py --parts text --before-python ../venv-base/bin/python
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
from typing import Any, Callable, Dict, List, Optional, Tuple

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


def structured_vectors(rows: int, dim: int, seed: int) -> np.ndarray:
    """Float32 vectors with the neighbourhood structure of trained word vectors.

    A four-level Gaussian hierarchy: ``rows / 31250`` topics, ``rows / 250`` centres drawn
    around the topics, ``rows / 5`` groups of near-synonyms around the centres (centres
    chosen with Zipf weights ``1 / (rank + 10)``, so some are crowded and most are sparse), and
    each vector around a random group with a per-group spread (lognormal, sigma 0.3). Every
    level's noise is anisotropic (standard deviation ``(i + 1) ** -0.6`` along axis ``i``),
    the result is rotated at random, shifted along one common direction (as word2vec vectors
    share a mean direction) and rescaled to lognormal norms. Noise scales are 1.0 (topics),
    0.8 (centres), 1.4 (groups), 1.4 (vectors).

    Calibrated on a 300-d skip-gram model trained on the project's Wikipedia corpus (2 epochs,
    its 20,000 most frequent words): median cosine similarity of a word to its nearest
    neighbour 0.81 there, 0.83 here (1,000,000 x 300); to its 10th nearest 0.76 and 0.76; to a
    random word 0.26 and 0.28.
    """
    rng = np.random.default_rng(seed)
    n_groups = max(2, rows // 5)
    n_centres = max(2, n_groups // 50)
    n_topics = max(2, n_centres // 125)
    spectrum = ((np.arange(dim) + 1.0) ** -0.6).astype(np.float32)

    def noise(count: int, scale: float) -> np.ndarray:
        return scale * rng.standard_normal((count, dim), dtype=np.float32) * spectrum

    topics = noise(n_topics, 1.0)
    centres = topics[rng.integers(n_topics, size=n_centres)] + noise(n_centres, 0.8)
    zipf = 1.0 / (np.arange(n_centres) + 10.0)
    groups = centres[rng.choice(n_centres, size=n_groups, p=zipf / zipf.sum())]
    groups += noise(n_groups, 1.4)
    spread = rng.lognormal(0.0, 0.3, size=n_groups).astype(np.float32)
    rotation = np.linalg.qr(rng.standard_normal((dim, dim)))[0].astype(np.float32)
    which = rng.integers(n_groups, size=rows)
    out = np.empty((rows, dim), dtype=np.float32)
    for start in range(0, rows, 100_000):
        block = which[start : start + 100_000]
        x = noise(len(block), 1.4) * spread[block, None]
        x += groups[block]
        out[start : start + len(block)] = x @ rotation
    common = rng.standard_normal(dim).astype(np.float32)
    common *= 0.6 * np.median(np.linalg.norm(out[:10_000], axis=1)) / np.linalg.norm(common)
    out += common
    norms = rng.lognormal(np.log(1.5), 0.4, size=rows).astype(np.float32)
    out *= (norms / np.linalg.norm(out, axis=1))[:, None]
    return out


def rss_bytes() -> int:
    """This process's resident memory now (Linux), or 0 where unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def interleaved(
    calls: Dict[str, Callable[[Any], Any]], items: List[Any], repeat: int
) -> Tuple[Dict[str, List[float]], Dict[str, List[Any]]]:
    """Time each call on each item, rotating which call goes first; the times of every round
    and the results of the last."""
    times: Dict[str, List[float]] = {name: [] for name in calls}
    results: Dict[str, List[Any]] = {name: [] for name in calls}
    names = list(calls)
    for round_ in range(repeat):
        for i, item in enumerate(items):
            shift = (i + round_) % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                result = calls[name](item)
                times[name].append(time.perf_counter() - start)
                if round_ == repeat - 1:
                    results[name].append(result)
    return times, results


def bench_batch(args: argparse.Namespace, table: List[Tuple[str, float, float]]) -> None:
    """Many separate exact queries: ``most_similar_batch`` against gensim one by one."""
    from gensim.models import KeyedVectors as GensimKV

    from w2v import KeyedVectors

    vectors = structured_vectors(args.rows, args.dim, args.seed)
    keys = [f"w{i}" for i in range(args.rows)]
    kv = KeyedVectors(args.dim)
    kv.add_vectors(keys, vectors)
    gkv = GensimKV(args.dim)
    gkv.add_vectors(keys, vectors)
    del vectors
    rng = np.random.default_rng(args.seed + 2)
    queries = [keys[i] for i in rng.choice(args.rows, size=args.batch_queries, replace=False)]
    kv.most_similar_batch(queries[:10])
    gkv.most_similar(queries[0])
    calls = {
        "gensim loop": lambda qs: [gkv.most_similar(q, topn=10) for q in qs],
        "w2v batch": lambda qs: kv.most_similar_batch(qs, topn=10),
    }
    times, results = interleaved(calls, [queries], args.repeat)
    for theirs, ours in zip(results["gensim loop"][0], results["w2v batch"][0]):
        assert [k for k, _ in theirs] == [k for k, _ in ours]
    t_theirs = statistics.median(times["gensim loop"])
    t_ours = statistics.median(times["w2v batch"])
    rounds = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(*times.values()))
    n = len(queries)
    print(
        f"  {n} queries, {args.rows} x {args.dim}: gensim loop {t_theirs:.2f}s "
        f"({n / t_theirs:.0f}/s), w2v most_similar_batch {t_ours:.2f}s ({n / t_ours:.0f}/s); "
        f"rounds gensim/w2v: {rounds}",
        flush=True,
    )
    table.append((f"{n} separate most_similar queries (gensim loop vs batch)", t_theirs, t_ours))


def bench_ann(args: argparse.Namespace) -> List[Tuple[str, str]]:
    """The faiss index against the exact search on ``--ann-rows`` structured vectors."""
    from gensim.models import KeyedVectors as GensimKV

    from w2v import KeyedVectors

    rows = args.ann_rows
    start = time.perf_counter()
    vectors = structured_vectors(rows, args.dim, args.seed)
    keys = [f"w{i}" for i in range(rows)]
    kv = KeyedVectors(args.dim)
    kv.add_vectors(keys, vectors)
    gkv = GensimKV(args.dim)
    gkv.add_vectors(keys, vectors)
    del vectors
    kv.fill_norms()
    gkv.fill_norms()
    print(f"  {rows} x {args.dim} structured vectors in {time.perf_counter() - start:.0f}s")
    before = rss_bytes()
    index = kv.build_index(args.ann_kind)
    grown = rss_bytes() - before
    print(f"  built {index!r} in {index.build_seconds:.1f}s", flush=True)
    rng = np.random.default_rng(args.seed + 3)
    queries = [keys[i] for i in rng.choice(rows, size=args.ann_queries, replace=False)]
    for q in queries[:3]:
        kv.most_similar(q)
        gkv.most_similar(q)
        kv.most_similar(q, topn=11, indexer=index)

    def approximate(q: str) -> List[Tuple[str, float]]:  # as `w2v similar` asks the index
        return [(k, s) for k, s in kv.most_similar(q, topn=11, indexer=index) if k != q][:10]

    calls = {
        "gensim exact": lambda q: gkv.most_similar(q, topn=10),
        "w2v exact": lambda q: kv.most_similar(q, topn=10),
        "w2v index": approximate,
    }
    times, results = interleaved(calls, queries, args.ann_repeat)
    median = {name: statistics.median(t) for name, t in times.items()}
    hits = sum(
        len({k for k, _ in exact} & {k for k, _ in found})
        for exact, found in zip(results["w2v exact"], results["w2v index"])
    )
    recall = hits / (10 * len(queries))
    for exact, theirs in zip(results["w2v exact"], results["gensim exact"]):
        assert [k for k, _ in exact] == [k for k, _ in theirs]
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        path = Path(tmp) / "ann.w2v"
        kv.save(path)
        size = path.stat().st_size
        start = time.perf_counter()
        loaded = KeyedVectors.load(path)
        loaded.ann_index.index  # noqa: B018 -- deserialise now, to time it
        t_load = time.perf_counter() - start
    ms = {name: f"{t * 1e3:.2f} ms" for name, t in median.items()}
    report = [
        (f"vectors ({args.ann_kind} index)", f"{rows:,} x {args.dim} float32, structured"),
        ("build time", f"{index.build_seconds:.1f} s (2 threads)"),
        (
            "index memory",
            f"{index.nbytes / 2**20:,.0f} MiB (vectors: {kv.vectors.nbytes / 2**20:,.0f} MiB); "
            f"RSS grew {grown / 2**20:,.0f} MiB",
        ),
        ("archive with index", f"{size / 2**20:,.0f} MiB; load + deserialise {t_load:.1f} s"),
        ("median latency, gensim exact most_similar", ms["gensim exact"]),
        ("median latency, w2v exact most_similar", ms["w2v exact"]),
        ("median latency, w2v most_similar(indexer=)", ms["w2v index"]),
        (
            "speed-up of the index over w2v exact",
            f"{median['w2v exact'] / median['w2v index']:.0f}x",
        ),
        (
            "speed-up of the index over gensim exact",
            f"{median['gensim exact'] / median['w2v index']:.0f}x",
        ),
        (f"recall@10 over {len(queries)} queries", f"{recall:.4f}"),
    ]
    for name, value in report:
        print(f"  {name}: {value}", flush=True)
    return report


def bench_io(args: argparse.Namespace, table: List[Tuple[str, float, float]]) -> None:
    """Loading, saving, single queries and evaluations on random vectors, both libraries."""
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


# ---- word2vec text files (--parts text) -----------------------------------------------------

CORPUS = REPO_ROOT.parent / "shared" / "data" / "corpus" / "wiki17m.txt.gz"

# Run by --before-python: times one load (or one save of what it loads) with the w2v that
# interpreter imports, and prints the seconds, wall clock and CPU (user + system).
BEFORE_SCRIPT = """
import os, resource, sys, time
from w2v import KeyedVectors
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
operation, path, out = sys.argv[1:]
start, start_cpu = time.perf_counter(), cpu()
kv = KeyedVectors.load_word2vec_format(path)
if operation == "save":
    if os.path.exists(out):
        os.unlink(out)
    os.sync()
    start, start_cpu = time.perf_counter(), cpu()
    kv.save_word2vec_format(out)
print(time.perf_counter() - start, cpu() - start_cpu)
"""


def frequent_words(corpus: Path, rows: int) -> List[str]:
    """The ``rows`` most frequent words of ``corpus`` (then ``w0, w1, ...`` if it has fewer)."""
    from w2v import Word2Vec

    model = Word2Vec(min_count=1, workers=os.cpu_count() or 1)
    model.build_vocab(corpus_file=str(corpus))
    words = list(model.wv.index_to_key[:rows])
    return words + [f"w{i}" for i in range(rows - len(words))]


def cpu_seconds() -> float:
    """CPU time (user + system) of this process, all its threads."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], Any], fresh: Optional[Path] = None) -> Callable[[], Tuple[float, float]]:
    """``fn`` made to return its seconds, wall clock and CPU: on a machine shared with other
    jobs, CPU time shows the work done whatever the share of the cores it got. ``fresh`` is
    a file ``fn`` writes: it is deleted before the clock starts, so that no library is timed
    throwing away the previous round's 600 MB (truncating it, and the file system's forced
    flush on closing a file rewritten in place)."""

    def run() -> Tuple[float, float]:
        if fresh is not None:
            fresh.unlink(missing_ok=True)
            os.sync()
        start, start_cpu = time.perf_counter(), cpu_seconds()
        fn()
        return time.perf_counter() - start, cpu_seconds() - start_cpu

    return run


def text_file_times(
    args: argparse.Namespace, path: Path, gkv: Any, kv: Any
) -> Dict[str, Dict[str, List[Tuple[float, float]]]]:
    """Seconds (wall clock, CPU) of each load and save of ``path`` by each library, rounds
    interleaved."""
    import subprocess

    from gensim.models import KeyedVectors as GensimKV

    from w2v import KeyedVectors

    def before(operation: str) -> Callable[[], Tuple[float, float]]:
        out = str(args.workdir / "bench-text-out-before.txt")
        command = [args.before_python, "-c", BEFORE_SCRIPT, operation, str(path), out]

        def run() -> Tuple[float, float]:
            printed = subprocess.run(command, capture_output=True, check=True).stdout.split()
            return float(printed[0]), float(printed[1])

        return run

    saved_g, saved_w = args.workdir / "bench-text-g.txt", args.workdir / "bench-text-w.txt"
    calls = {
        "load": {
            "gensim": timed(lambda: GensimKV.load_word2vec_format(path)),
            "w2v": timed(lambda: KeyedVectors.load_word2vec_format(path)),
        },
        "save": {
            "gensim": timed(lambda: gkv.save_word2vec_format(saved_g), fresh=saved_g),
            "w2v": timed(lambda: kv.save_word2vec_format(saved_w), fresh=saved_w),
        },
    }
    calls = {operation: calls[operation] for operation in args.text_ops}
    if args.before_python:
        for operation, by_name in calls.items():
            by_name["w2v before"] = before(operation)
    times: Dict[str, Dict[str, List[Tuple[float, float]]]] = {}
    for operation, by_name in calls.items():
        times[operation] = {name: [] for name in by_name}
        names = list(by_name)
        for round_ in range(args.repeat):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                times[operation][name].append(by_name[name]())
        rounds = "; ".join(
            f"{name} " + ", ".join(f"{wall:.2f} ({cpu:.2f} CPU)" for wall, cpu in ts)
            for name, ts in times[operation].items()
        )
        print(f"    {operation} (s): {rounds}", flush=True)
    return times


def bench_text(args: argparse.Namespace, table: List[Tuple[str, float, float]]) -> None:
    """word2vec text files written by gensim (random float32 vectors; keys ``w0, w1, ...``
    and, if ``--corpus`` exists, its most frequent words): ``load_word2vec_format`` and
    ``save_word2vec_format`` in gensim, in w2v and, with ``--before-python``, in the w2v that
    interpreter imports (an older build). Repeats interleaved (the order rotates), medians
    quoted."""
    from gensim.models import KeyedVectors as GensimKV

    from w2v import KeyedVectors

    key_sets = [("keys w0, w1, ...", [f"w{i}" for i in range(args.rows)])]
    if args.corpus.exists():
        words = frequent_words(args.corpus, args.rows)
        key_sets.append((f"keys: frequent words of {args.corpus.name}", words))
    rng = np.random.default_rng(args.seed + 5)
    report = []
    for n, (label, keys) in enumerate(key_sets):
        vectors = rng.standard_normal((args.rows, args.dim), dtype=np.float32)
        gkv = GensimKV(args.dim)
        gkv.add_vectors(keys, vectors)
        path = args.workdir / f"bench-text-{n}-{args.rows}x{args.dim}.txt"
        gkv.save_word2vec_format(path)
        kv = KeyedVectors.load_word2vec_format(path)
        theirs = GensimKV.load_word2vec_format(path)
        assert kv.index_to_key == theirs.index_to_key
        assert np.array_equal(kv.vectors, theirs.vectors) and np.array_equal(kv.vectors, vectors)
        del theirs
        print(f"  {label}: {path} ({path.stat().st_size / 2**20:,.0f} MiB)", flush=True)
        times = text_file_times(args, path, gkv, kv)
        for operation, by_name in times.items():
            name = f"{operation}_word2vec_format(binary=False), {label}"
            for kind, column in (("", 0), (" (CPU seconds)", 1)):
                median = {
                    lib: statistics.median(t[column] for t in ts) for lib, ts in by_name.items()
                }
                if not column:
                    table.append((name, median["gensim"], median["w2v"]))
                report.append((name + kind, median))
        if "save" not in args.text_ops:
            continue
        saved = KeyedVectors.load_word2vec_format(args.workdir / "bench-text-w.txt")
        assert saved.index_to_key == kv.index_to_key and np.array_equal(saved.vectors, vectors)
        head = GensimKV.load_word2vec_format(args.workdir / "bench-text-w.txt", limit=1000)
        assert np.array_equal(head.vectors, vectors[:1000])
    print()
    print(
        f"| word2vec text, {args.rows:,} x {args.dim} | gensim 4.4 | w2v before | w2v "
        "| vs gensim | vs before |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, median in report:
        ours, theirs, old = median["w2v"], median["gensim"], median.get("w2v before")
        print(
            f"| {name} | {theirs:.2f} s | {f'{old:.2f} s' if old else '-'} | {ours:.2f} s | "
            f"{theirs / ours:.1f}x | {f'{old / ours:.1f}x' if old else '-'} |"
        )


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
    parser.add_argument(
        "--parts",
        default="io,batch,ann,text",
        help="comma-separated: io (loading, saving, queries, evaluations), batch, ann, text",
    )
    parser.add_argument("--batch-queries", type=int, default=1000)
    parser.add_argument("--ann-rows", type=int, default=1_000_000)
    parser.add_argument("--ann-queries", type=int, default=200)
    parser.add_argument("--ann-repeat", type=int, default=3)
    parser.add_argument("--ann-kind", default="hnsw", choices=("hnsw", "ivf"))
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="text part: keys from here")
    parser.add_argument(
        "--text-ops",
        type=lambda value: value.split(","),
        default=["load", "save"],
        help="text part: comma-separated operations to time (load, save)",
    )
    parser.add_argument(
        "--before-python", help="text part: also time the w2v this Python interpreter imports"
    )
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    if parts - {"io", "batch", "ann", "text"}:
        parser.error(f"unknown parts: {sorted(parts - {'io', 'batch', 'ann', 'text'})}")

    logging.disable(logging.WARNING)
    print(f"{os.cpu_count()} cpus", flush=True)
    table: List[Tuple[str, float, float]] = []
    if "io" in parts:
        bench_io(args, table)
    if "batch" in parts:
        bench_batch(args, table)
    ann_report = bench_ann(args) if "ann" in parts else []
    if "text" in parts:
        bench_text(args, table)
    print()
    print(f"| operation ({args.rows} x {args.dim}) | gensim 4.4 | w2v | speed-up |")
    print("|---|---:|---:|---:|")
    for name, theirs, ours in table:
        unit, scale = ("ms", 1e3) if theirs < 0.1 else ("s", 1.0)
        print(
            f"| {name} | {theirs * scale:.3g} {unit} | {ours * scale:.3g} {unit} | "
            f"{theirs / ours:.1f}x |"
        )
    if ann_report:
        print()
        print("| nearest-neighbour index | |")
        print("|---|---|")
        for name, value in ann_report:
            print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
