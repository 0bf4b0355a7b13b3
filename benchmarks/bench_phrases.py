"""Phrases side by side with gensim 4.4: learning, applying, peak memory, fused training.

    python benchmarks/bench_phrases.py ../shared/data/corpus/wiki17m.txt.gz --workers 2

Speeds are words per second of wall time (medians of ``--repeats`` runs, the two systems run
in turn); the CPU column compares the CPU seconds (all threads) spent per word, which a busy
machine disturbs less.

Learning (``--parts learn``) times ``w2v.Phrases(corpus_file=F)`` against gensim's
``Phrases(LineSentence(F))`` on the same file F and the same parameters, for each kind of
input in ``--learn-input``: the corpus as given (``given``, e.g. the .gz file) and a plain
copy of it (``plain``). By default both read the WHOLE corpus (``--learn-words 0``); a
positive ``--learn-words N`` times both on the first N words instead (whole lines). Peak
memory is measured by ``/usr/bin/time -v`` around one learning run of each system on the
same file with the same ``max_vocab_size``.

Applying (``--parts speed``): w2v's ``transform_file`` on the whole corpus (a plain copy,
and the file as given, e.g. .gz) against gensim's pure-Python ``frozen[LineSentence]`` on the
whole plain copy too (``--gensim-words N`` for the first N words only), with w2v's very
phrases handed to gensim's ``FrozenPhrases``, so both write the same words.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, List, Optional, Tuple


def plain_copy(src: str, words: int, out: str) -> int:
    """Write the first ``words`` words of ``src`` (whole lines) to ``out``; return words."""
    opener = gzip.open if src.endswith(".gz") else open
    n = 0
    with opener(src, "rt", encoding="utf-8") as f, open(out, "w", encoding="utf-8") as g:
        for line in f:
            if words and n >= words:
                break
            g.write(line)
            n += len(line.split())
    return n


def prefix_copy(src: str, words: int, out: str) -> int:
    """Like :func:`plain_copy`, but ``out`` is gzip-compressed when ``src`` is."""
    if not src.endswith(".gz"):
        return plain_copy(src, words, out)
    plain = out + ".plain"
    n = plain_copy(src, words, plain)
    with open(plain, "rb") as f, gzip.open(out, "wb") as g:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            g.write(block)
    os.remove(plain)
    return n


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return r.ru_utime + r.ru_stime


def timed(fn: Callable[[], object]) -> Tuple[float, float]:
    """(wall, CPU) seconds of ``fn()``."""
    start, cpu = time.perf_counter(), cpu_seconds()
    fn()
    return time.perf_counter() - start, cpu_seconds() - cpu


def median_pairs(a: Callable[[], object], b: Callable[[], object], repeats: int):
    """Median (wall, CPU) seconds of ``a`` and of ``b``, run in turn."""
    ta, tb = [], []
    for _ in range(repeats):
        ta.append(timed(a))
        tb.append(timed(b))

    def med(t: List[Tuple[float, float]]) -> Tuple[float, float]:
        return statistics.median(x for x, _ in t), statistics.median(c for _, c in t)

    return med(ta), med(tb)


def peak_rss_mb(lib: str, corpus: str, max_vocab_size: int, workers: int) -> float:
    """Peak resident set size (MB) of a whole process learning ``corpus`` with ``lib``."""
    code = (
        "import sys\n"
        "if sys.argv[1] == 'w2v':\n"
        "    import w2v; w2v.Phrases(corpus_file=sys.argv[2], max_vocab_size=int(sys.argv[3]),"
        " workers=int(sys.argv[4]))\n"
        "else:\n"
        "    from gensim.models.phrases import Phrases\n"
        "    from gensim.models.word2vec import LineSentence\n"
        "    Phrases(LineSentence(sys.argv[2]), max_vocab_size=int(sys.argv[3]))\n"
    )
    cmd = ["/usr/bin/time", "-v", sys.executable, "-c", code, lib, corpus]
    cmd += [str(max_vocab_size), str(workers)]
    err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    return kb / 1024


def speed(args, w2v, full: str, prefix: str, n_full: int, n_prefix: int, tmp: str):
    """Applying the frozen model: w2v's transform_file (on the plain text and on the corpus
    as given, e.g. the .gz file) against iterating gensim's FrozenPhrases over a LineSentence
    of the plain text (the first ``n_prefix`` words). gensim applies the very same phrases
    (w2v's, handed to gensim's FrozenPhrases); on the whole corpus both write the same words.
    Returns the frozen model."""
    from types import SimpleNamespace

    from gensim.models.phrases import FrozenPhrases as GFrozen
    from gensim.models.phrases import original_scorer
    from gensim.models.word2vec import LineSentence as GLineSentence

    frozen = w2v.Phrases(corpus_file=full, workers=args.workers).freeze()
    gfrozen = GFrozen(
        SimpleNamespace(
            threshold=frozen.threshold,
            min_count=frozen.min_count,
            delimiter=frozen.delimiter,
            scoring=original_scorer,
            connector_words=frozen.connector_words,
            export_phrases=lambda: dict(frozen.phrasegrams),
        )
    )
    out = os.path.join(tmp, "phrased.txt")
    written = {}

    def gensim_apply() -> None:
        written["gensim"] = sum(len(s) for s in gfrozen[GLineSentence(prefix)])

    def w2v_apply(path: str) -> Callable[[], object]:
        def run() -> None:
            written["w2v"] = frozen.transform_file(path, out, workers=args.workers)[1]

        return run

    rows = []
    t_w2v, t_gen = median_pairs(w2v_apply(full), gensim_apply, args.repeats)
    if n_prefix == n_full:
        assert written["w2v"] == written["gensim"], written
    rows.append(("plain text", t_w2v))
    if args.corpus != full and not args.corpus.endswith(".txt"):
        t_given, t_gen2 = median_pairs(w2v_apply(args.corpus), gensim_apply, args.repeats)
        rows.append((f"{os.path.basename(args.corpus)} as given", t_given))
        t_gen = tuple(statistics.median([a, b]) for a, b in zip(t_gen, t_gen2))
    print()
    print(f"{len(frozen.phrasegrams):,} phrases on the whole corpus; gensim applies them to")
    print(f"{n_prefix:,} words of plain text: {n_prefix / t_gen[0] / 1e6:.3f} M words/s")
    print()
    print(
        "| apply FrozenPhrases, w2v transform_file on | w2v words/s | vs gensim (wall) "
        "| vs gensim (CPU per word) |"
    )
    print("|---|---:|---:|---:|")
    for name, (wa, ca) in rows:
        ratio = (n_full / wa) / (n_prefix / t_gen[0])
        cpu_ratio = (t_gen[1] / n_prefix) / (ca / n_full)
        print(f"| {name} | {n_full / wa / 1e6:.2f} M | {ratio:.1f}x | {cpu_ratio:.1f}x |")
    return frozen


def print_rows(rows) -> None:
    print()
    print("| task | w2v words/s | gensim 4.4 words/s | ratio | ratio of CPU time per word |")
    print("|---|---:|---:|---:|---:|")
    for name, na, (wa, ca), nb, (wb, cb) in rows:
        a, b = na / wa, nb / wb
        cpu_ratio = (cb / nb) / (ca / na)
        print(f"| {name} | {a / 1e6:.2f} M | {b / 1e6:.3f} M | {a / b:.1f}x | {cpu_ratio:.1f}x |")


def learning(args, w2v, inputs: List[Tuple[str, str, int]]) -> None:
    """Learning against gensim on the same files, then peak memory of each."""
    from gensim.models.phrases import Phrases as GPhrases
    from gensim.models.word2vec import LineSentence as GLineSentence

    rows = []
    for kind, path, words in inputs:
        t_w2v, t_gen = median_pairs(
            lambda p=path: w2v.Phrases(corpus_file=p, workers=args.workers),
            lambda p=path: GPhrases(GLineSentence(p)),
            args.repeats,
        )
        rows.append((f"learn Phrases, {kind} file ({words:,} words)", words, t_w2v, words, t_gen))
    print_rows(rows)
    print()
    print("peak RSS of a whole learning process (/usr/bin/time -v):")
    print("| input | max_vocab_size | w2v MB | gensim MB | w2v/gensim |")
    print("|---|---:|---:|---:|---:|")
    for kind, path, _ in inputs:
        for mvs in args.max_vocab_size:
            a = peak_rss_mb("w2v", path, mvs, args.workers)
            b = peak_rss_mb("gensim", path, mvs, args.workers)
            print(f"| {kind} | {mvs:,} | {a:.0f} | {b:.0f} | {a / b:.2f} |")


def training(args, w2v, full: str, n_full: int, tmp: str, frozen) -> None:
    """Fused skip-gram training against training without phrases, and against training on
    the phrased file (the same sentences: what fusing itself costs)."""
    if frozen is None:
        frozen = w2v.Phrases(corpus_file=full, workers=args.workers).freeze()
    phrased = os.path.join(tmp, "phrased.txt")
    frozen.transform_file(full, phrased, workers=args.workers)
    e = args.train_epochs
    kw = dict(sg=1, workers=args.workers, epochs=e, vector_size=100)
    plain = w2v.Word2Vec(**kw)
    plain.build_vocab(corpus_file=full)
    fused = w2v.Word2Vec(**kw)
    fused.build_vocab(corpus_file=full, phrases=frozen)
    on_file = w2v.Word2Vec(**kw)
    on_file.build_vocab(corpus_file=phrased)

    def train(m, path: str = full) -> Callable[[], object]:
        return lambda: m.train(corpus_file=path, total_words=m.corpus_total_words, epochs=e)

    (t_fused, _), (t_plain, _) = median_pairs(train(fused), train(plain), args.repeats)
    (t_fused2, _), (t_file, _) = median_pairs(train(fused), train(on_file, phrased), args.repeats)
    print()
    print("| skip-gram training, corpus_file | words/s (input words) | vs no phrases |")
    print("|---|---:|---:|")
    print(f"| without phrases | {n_full * e / t_plain / 1e6:.3f} M | 1.00 |")
    fused_speed = n_full * e / t_fused / 1e6
    print(f"| phrases=frozen (fused) | {fused_speed:.3f} M | {t_plain / t_fused:.2f} |")
    print()
    print("| the same phrased sentences | seconds | speed vs the phrased file |")
    print("|---|---:|---:|")
    print(f"| trained from the phrased file | {t_file:.1f} | 1.00 |")
    print(f"| fused (phrased while read) | {t_fused2:.1f} | {t_file / t_fused2:.2f} |")


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--gensim-words",
        type=int,
        default=0,
        help="applying: gensim is timed on this many first words; 0 (the default) means "
        "the whole corpus",
    )
    ap.add_argument(
        "--learn-words",
        type=int,
        default=0,
        help="learning: both systems learn from this many first words; 0 (the default) "
        "means the whole corpus",
    )
    ap.add_argument(
        "--learn-input",
        nargs="+",
        choices=("given", "plain"),
        default=["given", "plain"],
        help="learning reads the corpus file as given (e.g. .gz) and/or a plain copy "
        "(default: both)",
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--max-vocab-size",
        type=int,
        nargs="+",
        default=[40_000_000, 500_000],
        help="peak memory is measured for each (default: 40000000 500000)",
    )
    ap.add_argument("--train-epochs", type=int, default=1)
    ap.add_argument(
        "--parts",
        nargs="+",
        choices=("learn", "speed", "train"),
        default=["learn", "speed", "train"],
        help="learn: learning and peak memory; speed: applying; train: fused training",
    )
    args = ap.parse_args(argv)

    import w2v

    tmp = tempfile.mkdtemp(prefix="w2v-bench-phrases-")
    full = os.path.join(tmp, "full.txt")
    n_full = plain_copy(args.corpus, 0, full)
    prefix, n_prefix = full, n_full
    if args.gensim_words:
        prefix = os.path.join(tmp, "prefix.txt")
        n_prefix = plain_copy(args.corpus, args.gensim_words, prefix)
    print(f"corpus: {n_full:,} words; gensim applies to the first {n_prefix:,} words")
    if "learn" in args.parts:
        inputs = []
        if "given" in args.learn_input:
            given, n_given = args.corpus, n_full
            if args.learn_words:
                given = os.path.join(
                    tmp, "learn" + (".txt.gz" if args.corpus.endswith(".gz") else ".txt")
                )
                n_given = prefix_copy(args.corpus, args.learn_words, given)
            inputs.append(("given", given, n_given))
        if "plain" in args.learn_input:
            plain, n_plain = full, n_full
            if args.learn_words:
                plain = os.path.join(tmp, "learn-plain.txt")
                n_plain = plain_copy(args.corpus, args.learn_words, plain)
            inputs.append(("plain", plain, n_plain))
        learning(args, w2v, inputs)
    frozen = None
    if "speed" in args.parts:
        frozen = speed(args, w2v, full, prefix, n_full, n_prefix, tmp)
    if "train" in args.parts:
        training(args, w2v, full, n_full, tmp, frozen)


if __name__ == "__main__":
    main()
