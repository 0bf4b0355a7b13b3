#!/usr/bin/env python
"""Side-by-side benchmark of w2v against gensim (and optionally fastText).

Run by hand, e.g. ``python benchmarks/compare.py --limit-words 2000000``. Every measurement
runs in a fresh Python subprocess (this same script with ``--_child``) so that the peak
resident memory is measured per system and per workload; the child prints one JSON line and
the parent collects, evaluates and tabulates the results.

Workloads
---------
sg-file      skip-gram + negative sampling, file input end to end (vocabulary scan + training)
cbow-file    the same with CBOW (``sg=0``, ``cbow_mean=1``)
sg-iterable  skip-gram on an in-memory list of token lists (loaded before the clock starts)
vocab-scan   ``build_vocab(corpus_file=...)`` only
scaling      skip-gram file training with 1 worker and with ``--workers`` workers

``scaling`` runs every selected file-input system; its rows note the speedup over 1 worker.
``--quality`` adds rows trained for 5 epochs with seeds 1 and 2 (mean ± half-range), for each
selected file workload (sg-file and/or cbow-file; sg-file when neither is selected).

Quality (analogy accuracy, WordSim353 and SimLex-999 Spearman) is computed for every system
with the same evaluator: the child writes its vectors in word2vec binary format and another
subprocess (single-threaded BLAS) scores them with gensim's ``KeyedVectors``.

words/s is always the corpus word count (one whitespace split, done once and cached) times the
epochs over the wall seconds, so every system is divided by the same number.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "data" / "corpus" / "wiki17m.txt.gz"
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "data" / "eval"
CACHE_DIR = Path(tempfile.gettempdir()) / "w2v-bench"
RESULT_MARKER = "@@W2V-BENCH-RESULT@@ "
ALL_WORKLOADS = ("sg-file", "cbow-file", "sg-iterable", "vocab-scan", "scaling")
KNOWN_SYSTEMS = ("w2v", "w2v-classic", "w2v-baseline", "gensim", "fasttext")
REFERENCE_SYSTEM = "gensim"
ANALOGY_RESTRICT_VOCAB = 30000
QUALITY_EPOCHS = 5
QUALITY_SEEDS = (1, 2)


# --------------------------------------------------------------------------------------------
# Data structures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One measurement: a system trained (or scanned) once with fixed parameters.

    ``mode`` is ``file`` (``corpus_file=``), ``linesentence`` (gensim ``LineSentence``
    iterable), ``iterable`` (in-memory list of token lists) or ``vocab`` (vocabulary scan only).
    """

    system: str
    mode: str
    sg: int
    workers: int
    epochs: int
    seed: int

    def key(self) -> str:
        """Identity of the measurement, used to reuse a result shared by two workloads."""
        return json.dumps(asdict(self), sort_keys=True)

    @property
    def trains(self) -> bool:
        """Whether the job trains vectors (and can therefore be evaluated)."""
        return self.mode != "vocab"


@dataclass
class Measurement:
    """Aggregated result of the repeats (or seeds) of one job."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)
    base_rss_mb: list[float] = field(default_factory=list)
    quality: list[dict[str, float]] = field(default_factory=list)
    error: str | None = None


@dataclass
class Row:
    """One line of the report."""

    workload: str
    label: str
    job: Job
    measurement: Measurement
    note: str = ""


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def fasttext_available() -> bool:
    """Return True if the ``fasttext`` module can be imported."""
    try:
        import fasttext  # noqa: F401
    except ImportError:
        return False
    return True


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="text corpus (.gz ok)")
    p.add_argument(
        "--eval-dir",
        type=Path,
        default=DEFAULT_EVAL_DIR,
        help="folder with questions-words.txt, wordsim353.tsv, simlex999.txt",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--vector-size", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument(
        "--workloads",
        default=",".join(ALL_WORKLOADS),
        help="comma list of: " + ", ".join(ALL_WORKLOADS),
    )
    p.add_argument(
        "--systems",
        default=None,
        help="comma list of: "
        + ", ".join(KNOWN_SYSTEMS)
        + " (default w2v,gensim, plus fasttext when it imports)",
    )
    p.add_argument(
        "--baseline-python",
        default=None,
        help="interpreter of the system w2v-baseline: another w2v build (e.g. the commit before "
        "a change, installed in its own venv), run interleaved with this one",
    )
    p.add_argument("--repeats", type=int, default=1, help="repeats per measurement (median)")
    p.add_argument(
        "--quality",
        action="store_true",
        help=f"also train the selected file workloads {QUALITY_EPOCHS} epochs with seeds "
        f"{QUALITY_SEEDS} and report the mean quality",
    )
    p.add_argument("--json", type=Path, default=None, help="write all results to this file")
    p.add_argument(
        "--limit-words",
        type=int,
        default=None,
        help="use only the first lines of the corpus, up to about this many words",
    )
    p.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._child is None:  # the child must not import fasttext: it would count in its RSS
        if args.systems is None:
            args.systems = "w2v,gensim" + (",fasttext" if fasttext_available() else "")
        validate_args(p, args)
    return args


def split_list(text: str) -> list[str]:
    """Split a comma list, dropping blanks."""
    return [item.strip() for item in text.split(",") if item.strip()]


def validate_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject unknown workloads / systems and impossible numbers."""
    for name in split_list(args.workloads):
        if name not in ALL_WORKLOADS:
            parser.error(f"unknown workload {name!r}")
    for name in split_list(args.systems):
        if name not in KNOWN_SYSTEMS:
            parser.error(f"unknown system {name!r}")
    if "w2v-baseline" in split_list(args.systems) and not args.baseline_python:
        parser.error("the system w2v-baseline needs --baseline-python")
    if args.repeats < 1 or args.workers < 1 or args.epochs < 1:
        parser.error("--repeats, --workers and --epochs must be >= 1")


# --------------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------------


def read_status_mb(field_name: str) -> float | None:
    """Read a ``VmXXX`` field of /proc/self/status in MB, or None if unavailable."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (VmHWM, else getrusage)."""
    value = read_status_mb("VmHWM")
    if value is None:
        value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return value


def current_rss_mb() -> float:
    """Current resident set size of this process in MB (0 if unknown)."""
    return read_status_mb("VmRSS") or 0.0


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timing:
    """Wall and CPU seconds of the timed section, and the RSS just before it started."""

    wall: float = 0.0
    cpu: float = 0.0
    base_rss_mb: float = 0.0


@contextmanager
def timed() -> Iterator[Timing]:
    """Time the enclosed block; the Timing is filled in when the block ends."""
    # Let one-off start-up work of the imported libraries finish first: OpenBLAS's worker
    # threads spin for ~0.1 s of CPU after numpy is imported, which on 2 cores would otherwise
    # land inside whichever measurement starts first. Same pause for every system.
    time.sleep(0.5)
    timing = Timing(base_rss_mb=current_rss_mb())
    cpu_start, start = cpu_seconds(), time.perf_counter()
    yield timing
    timing.wall = time.perf_counter() - start
    timing.cpu = cpu_seconds() - cpu_start


# --------------------------------------------------------------------------------------------
# Child side: one measurement per process
# --------------------------------------------------------------------------------------------


def training_kwargs(spec: dict[str, Any]) -> dict[str, Any]:
    """gensim-style Word2Vec keyword arguments for a child spec."""
    p = spec["params"]
    return dict(
        vector_size=p["vector_size"],
        window=p["window"],
        min_count=p["min_count"],
        sample=p["sample"],
        negative=p["negative"],
        hs=0,
        cbow_mean=1,
        sg=spec["sg"],
        workers=spec["workers"],
        epochs=spec["epochs"],
        seed=spec["seed"],
    )


def word2vec_class(system: str) -> tuple[Any, dict[str, Any]]:
    """The Word2Vec class of a system and its system-specific extra keyword arguments."""
    if system in ("w2v", "w2v-classic", "w2v-baseline"):
        import w2v

        extra = {"shared_negatives": False} if system == "w2v-classic" else {}
        return w2v.Word2Vec, extra
    from gensim.models import Word2Vec

    return Word2Vec, {}


def load_token_lists(path: str) -> list[list[str]]:
    """Read the corpus as a list of token lists, interning tokens to share the strings."""
    intern = sys.intern
    with open(path, encoding="utf-8", errors="replace") as fh:
        return [[intern(tok) for tok in line.split()] for line in fh]


def run_word2vec(spec: dict[str, Any]) -> tuple[Timing, Any]:
    """Run a w2v/gensim job; return its timing and the trained keyed vectors."""
    cls, extra = word2vec_class(spec["system"])
    kwargs = {**training_kwargs(spec), **extra}
    path, mode = spec["corpus"], spec["mode"]
    corpus: Any = load_token_lists(path) if mode == "iterable" else None
    if mode == "linesentence":
        from gensim.models.word2vec import LineSentence

        corpus = LineSentence(path)
    with timed() as timing:
        if mode == "file":
            model = cls(corpus_file=path, **kwargs)
        elif mode == "linesentence":
            model = cls(sentences=corpus, **kwargs)
        elif mode == "iterable":
            model = cls(**kwargs)
            model.build_vocab(corpus)
            model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
        elif mode == "vocab":
            model = cls(**kwargs)
            model.build_vocab(corpus_file=path)
        else:
            raise ValueError(f"unknown mode {mode!r}")
    return timing, model.wv


def run_fasttext(spec: dict[str, Any]) -> tuple[Timing, Any]:
    """Run a fastText job (word vectors only: no subwords); same return as run_word2vec."""
    import fasttext

    if spec["mode"] != "file":
        raise ValueError("fasttext only supports file input")
    p = spec["params"]
    with timed() as timing:
        model = fasttext.train_unsupervised(
            input=spec["corpus"],
            model="skipgram" if spec["sg"] else "cbow",
            dim=p["vector_size"],
            ws=p["window"],
            minCount=p["min_count"],
            neg=p["negative"],
            t=p["sample"],
            epoch=spec["epochs"],
            thread=spec["workers"],
            lr=0.025 if spec["sg"] else 0.05,  # word2vec's default alpha for sg / cbow
            minn=0,  # no subword n-grams: plain word vectors like word2vec
            maxn=0,
            wordNgrams=1,
            verbose=0,
        )
    return timing, model


def write_word2vec_binary(path: str, words: list[str], vectors: Any) -> None:
    """Write vectors in word2vec.c binary format (one writer for every system)."""
    import numpy as np

    matrix = np.asarray(vectors, dtype="<f4")
    with open(path, "wb") as fh:
        fh.write(f"{len(words)} {matrix.shape[1]}\n".encode())
        for word, row in zip(words, matrix):
            fh.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")


def words_and_vectors(system: str, trained: Any) -> tuple[list[str], Any]:
    """The vocabulary (most frequent first) and the matrix of a trained model."""
    if system == "fasttext":
        words = list(trained.words)
        return words, [trained.get_word_vector(w) for w in words]
    return list(trained.index_to_key), trained.vectors


def run_child(spec_text: str) -> None:
    """Entry point of a subprocess: run one job (or evaluation), print one JSON result line."""
    spec = json.loads(spec_text)
    if spec.get("task") == "evaluate":
        result = score_vectors(spec["vectors"], Path(spec["eval_dir"]))
    else:
        result = train_child(spec)
    sys.stdout.write(RESULT_MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


def train_child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one training (or vocabulary scan) job; save the vectors if asked."""
    runner = run_fasttext if spec["system"] == "fasttext" else run_word2vec
    timing, trained = runner(spec)
    peak = peak_rss_mb()  # before saving: only the measured work counts
    words, vectors = words_and_vectors(spec["system"], trained)
    if spec.get("vectors_out"):
        write_word2vec_binary(spec["vectors_out"], words, vectors)
    return {
        "wall": timing.wall,
        "cpu": timing.cpu,
        "peak_rss_mb": peak,
        "base_rss_mb": timing.base_rss_mb,
        "vocab_size": len(words),
    }


# --------------------------------------------------------------------------------------------
# Parent side: corpus preparation
# --------------------------------------------------------------------------------------------


def cache_key(corpus: Path, limit_words: int | None) -> str:
    """A file-name-safe key identifying a corpus file (path, size, mtime) and word limit."""
    st = corpus.stat()
    ident = f"{corpus.resolve()}|{st.st_size}|{st.st_mtime_ns}|{limit_words}"
    digest = hashlib.sha1(ident.encode()).hexdigest()[:12]
    stem = corpus.name.removesuffix(".gz").removesuffix(".txt")
    return f"{stem}-{limit_words or 'full'}-{digest}"


def open_text(path: Path) -> Any:
    """Open a plain or gzip-compressed text file for reading bytes."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def iter_limited_lines(path: Path, limit_words: int | None) -> Iterator[bytes]:
    """Yield the lines of a (possibly gzipped) file until about ``limit_words`` words."""
    words = 0
    with open_text(path) as fh:
        for line in fh:
            if limit_words is not None and words >= limit_words:
                return
            words += len(line.split())
            yield line


def prepare_corpus(corpus: Path, limit_words: int | None) -> Path:
    """Return a plain-text corpus path, decompressing/truncating once into the cache."""
    if corpus.suffix != ".gz" and limit_words is None:
        return corpus.resolve()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    target = CACHE_DIR / (cache_key(corpus, limit_words) + ".txt")
    if not target.exists():
        log(f"writing plain corpus {target} ...")
        partial = target.with_suffix(".partial")
        with open(partial, "wb") as out:
            if limit_words is None:
                with open_text(corpus) as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
            else:
                out.writelines(iter_limited_lines(corpus, limit_words))
        partial.replace(target)
    return target


def count_words(plain: Path) -> int:
    """Count whitespace-separated words in a plain corpus; cached in the cache folder."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if plain.parent == CACHE_DIR:  # our own decompressed/truncated copy: cache beside it
        cache = plain.with_suffix(".words")
    else:
        cache = CACHE_DIR / (cache_key(plain, None) + ".words")
    if cache.exists():
        return int(cache.read_text())
    total = 0
    with open(plain, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            total += len(line.split())
    cache.write_text(str(total))
    return total


# --------------------------------------------------------------------------------------------
# Parent side: running jobs
# --------------------------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress message on stderr (stdout carries the report)."""
    print(message, file=sys.stderr, flush=True)


def run_subprocess(
    spec: dict[str, Any], env: dict[str, str] | None = None, python: str | None = None
) -> dict[str, Any]:
    """Run one child process (with ``python``, default this interpreter); return its parsed
    JSON result or raise RuntimeError."""
    cmd = [python or sys.executable, str(Path(__file__).resolve()), "--_child", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER) :])
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
    raise RuntimeError(f"child exited with {proc.returncode}: {tail}")


def child_spec(
    job: Job, args: argparse.Namespace, corpus: Path, vectors_out: Path | None
) -> dict[str, Any]:
    """The JSON spec handed to a child process."""
    params = {
        "vector_size": args.vector_size,
        "window": args.window,
        "negative": args.negative,
        "sample": args.sample,
        "min_count": args.min_count,
    }
    return {
        **asdict(job),
        "params": params,
        "corpus": str(corpus),
        "vectors_out": str(vectors_out) if vectors_out else None,
    }


def measure(
    job: Job, runs: int, args: argparse.Namespace, corpus: Path, workdir: Path
) -> Measurement:
    """Run ``job`` ``runs`` times in fresh processes; evaluate the first run's vectors."""
    m = Measurement()
    for i in range(runs):
        run_once(job, i, runs, m, args, corpus, workdir)
    return m


def run_once(
    job: Job,
    i: int,
    runs: int,
    m: Measurement,
    args: argparse.Namespace,
    corpus: Path,
    workdir: Path,
) -> None:
    """Run ``job`` once more (its run ``i`` of ``runs``) and add the result to ``m``."""
    if m.error:
        return
    vectors = workdir / "vectors.bin" if (job.trains and i == 0) else None
    try:
        python = args.baseline_python if job.system == "w2v-baseline" else None
        result = run_subprocess(child_spec(job, args, corpus, vectors), python=python)
    except RuntimeError as exc:
        m.error = str(exc)
        log(f"    FAILED: {exc}")
        return
    m.walls.append(result["wall"])
    m.cpus.append(result["cpu"])
    m.peak_rss_mb.append(result["peak_rss_mb"])
    m.base_rss_mb.append(result["base_rss_mb"])
    log(
        f"    run {i + 1}/{runs}: {result['wall']:.2f} s, peak {result['peak_rss_mb']:.0f} MB,"
        f" vocab {result['vocab_size']}"
    )
    if vectors is not None:
        add_quality(m, vectors, args.eval_dir)


def add_quality(m: Measurement, vectors: Path, eval_dir: Path) -> None:
    """Evaluate saved vectors into ``m`` (an evaluation failure is recorded, not raised)."""
    start = time.perf_counter()
    try:
        m.quality.append(evaluate_vectors(vectors, eval_dir))
    except RuntimeError as exc:
        m.error = f"evaluation failed: {exc}"
        log(f"    {m.error}")
    else:
        log(f"    evaluated in {time.perf_counter() - start:.1f} s: {m.quality[-1]}")
    vectors.unlink(missing_ok=True)


def merge_seeds(measurements: list[Measurement]) -> Measurement:
    """Combine the measurements of several seeds into one (lists concatenated)."""
    merged = Measurement()
    for m in measurements:
        merged.walls += m.walls
        merged.cpus += m.cpus
        merged.peak_rss_mb += m.peak_rss_mb
        merged.base_rss_mb += m.base_rss_mb
        merged.quality += m.quality
        merged.error = merged.error or m.error
    return merged


# --------------------------------------------------------------------------------------------
# Parent side: quality evaluation
# --------------------------------------------------------------------------------------------


def evaluate_vectors(path: Path, eval_dir: Path) -> dict[str, float]:
    """Score vectors in a subprocess whose BLAS is single-threaded.

    Multi-threaded OpenBLAS spins badly when the cores are shared with other work (seen: 3 s
    becoming 100 s), and a single thread costs little here.
    """
    env = dict(os.environ)
    env.update({k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
    spec = {"task": "evaluate", "vectors": str(path), "eval_dir": str(eval_dir)}
    return run_subprocess(spec, env=env)


def score_vectors(path: str, eval_dir: Path) -> dict[str, float]:
    """Score word2vec-binary vectors with gensim's evaluators (same for every system)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    scores: dict[str, float] = {}
    analogy, _ = kv.evaluate_word_analogies(
        str(eval_dir / "questions-words.txt"), restrict_vocab=ANALOGY_RESTRICT_VOCAB
    )
    scores["analogy"] = float(analogy)
    for name, filename in (("ws353", "wordsim353.tsv"), ("simlex", "simlex999.txt")):
        _, spearman, oov = kv.evaluate_word_pairs(str(eval_dir / filename), delimiter="\t")
        scores[name] = float(spearman[0])
        scores[name + "_oov_pct"] = float(oov)
    return scores


# --------------------------------------------------------------------------------------------
# Parent side: the plan
# --------------------------------------------------------------------------------------------


def file_labels(systems: list[str]) -> list[tuple[str, str, str]]:
    """(label, system, mode) rows for the file-input workloads."""
    rows = []
    for system in systems:
        rows.append((system, system, "file"))
        if system == "gensim":
            rows.append(("gensim-linesentence", "gensim", "linesentence"))
    return rows


def plan_workload(
    workload: str, systems: list[str], args: argparse.Namespace
) -> list[tuple[str, Job]]:
    """(label, job) pairs of one workload."""
    seed, w, e = 1, args.workers, args.epochs
    if workload in ("sg-file", "cbow-file"):
        sg = int(workload == "sg-file")
        return [
            (label, Job(system, mode, sg, w, e, seed))
            for label, system, mode in file_labels(systems)
        ]
    if workload == "sg-iterable":
        return [
            (s, Job(s, "iterable", 1, w, e, seed))
            for s in systems
            if s in ("w2v", "w2v-baseline", "gensim")
        ]
    if workload == "vocab-scan":
        return [
            (s, Job(s, "vocab", 1, w, 1, seed))
            for s in systems
            if s in ("w2v", "w2v-baseline", "gensim")
        ]
    if workload == "scaling":
        counts = sorted({1, w if w > 1 else 2})
        return [(s, Job(s, "file", 1, n, e, seed)) for s in systems for n in counts]
    raise ValueError(workload)


def run_plan(args: argparse.Namespace, corpus: Path, workdir: Path) -> list[Row]:
    """Run every workload. A workload's repeats are interleaved, one run of each of its jobs
    per round, so a slow spell of a noisy machine slows every system alike instead of all the
    runs of one; identical jobs shared by two workloads are measured once."""
    systems = split_list(args.systems)
    done: dict[str, Measurement] = {}
    rows = []
    for workload in split_list(args.workloads):
        entries = plan_workload(workload, systems, args)
        fresh: dict[str, tuple[str, Job]] = {}
        for label, job in entries:
            if job.key() not in done and job.key() not in fresh:
                fresh[job.key()] = (label, job)
        for key in fresh:
            done[key] = Measurement()
        for i in range(args.repeats):
            for key, (label, job) in fresh.items():
                log(
                    f"[{workload} round {i + 1}/{args.repeats}] {label} "
                    f"(workers={job.workers}, epochs={job.epochs})"
                )
                run_once(job, i, args.repeats, done[key], args, corpus, workdir)
        for label, job in entries:
            rows.append(Row(workload, label, job, done[job.key()]))
    if args.quality:
        rows += run_quality(args, systems, corpus, workdir)
    add_scaling_notes(rows)
    return rows


def run_quality(
    args: argparse.Namespace, systems: list[str], corpus: Path, workdir: Path
) -> list[Row]:
    """Train each selected file workload (sg-file and/or cbow-file; sg-file if neither is
    selected) for QUALITY_EPOCHS epochs per seed; one merged row per system and workload."""
    rows = []
    chosen = [wl for wl in split_list(args.workloads) if wl in ("sg-file", "cbow-file")]
    for base in chosen or ["sg-file"]:
        sg = int(base == "sg-file")
        workload = f"{base} {QUALITY_EPOCHS}ep"
        # gensim-linesentence is the same algorithm as gensim's corpus_file mode, but with the
        # learning rate decayed over the whole corpus: in corpus_file mode each gensim worker
        # decays it by its own share only, so it ends every epoch higher than documented.
        for label, system, mode in file_labels(systems):
            per_seed = []
            for seed in QUALITY_SEEDS:
                job = Job(system, mode, sg, args.workers, QUALITY_EPOCHS, seed)
                log(f"[quality] {workload} {label} seed={seed} (workers={job.workers})")
                per_seed.append(measure(job, 1, args, corpus, workdir))
            job = Job(system, mode, sg, args.workers, QUALITY_EPOCHS, QUALITY_SEEDS[0])
            rows.append(
                Row(
                    workload,
                    label,
                    job,
                    merge_seeds(per_seed),
                    note=f"mean of seeds {','.join(map(str, QUALITY_SEEDS))}",
                )
            )
    return rows


def add_scaling_notes(rows: list[Row]) -> None:
    """Annotate scaling rows with the speedup over the same system's 1-worker row."""
    single = {
        r.job.system + r.job.mode: r for r in rows if r.workload == "scaling" and r.job.workers == 1
    }
    for row in rows:
        base = single.get(row.job.system + row.job.mode)
        if row.workload != "scaling" or row.job.workers == 1 or base is None:
            continue
        if base.measurement.walls and row.measurement.walls:
            speedup = median(base.measurement.walls) / median(row.measurement.walls)
            row.note = f"speedup {speedup:.2f}x over 1 worker"


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    """Median of a non-empty list."""
    return float(statistics.median(values))


def mean_quality(m: Measurement) -> dict[str, float]:
    """Mean of each quality score over the evaluated runs."""
    if not m.quality:
        return {}
    return {k: statistics.fmean(q[k] for q in m.quality) for k in m.quality[0]}


def words_per_sec(row: Row, corpus_words: int) -> float | None:
    """corpus words * epochs / median wall seconds (epochs = 1 for a vocabulary scan)."""
    if not row.measurement.walls:
        return None
    return corpus_words * row.job.epochs / median(row.measurement.walls)


def reference_speed(rows: list[Row], row: Row, corpus_words: int) -> float | None:
    """words/s of the plain gensim row of the same workload and worker count.

    That is gensim with ``corpus_file`` for the file workloads, and gensim on the same input
    for the others (the in-memory list for sg-iterable, the scan for vocab-scan).
    """
    for ref in rows:
        if (
            ref.workload == row.workload
            and ref.label == REFERENCE_SYSTEM
            and ref.job.workers == row.job.workers
        ):
            return words_per_sec(ref, corpus_words)
    return None


def row_record(rows: list[Row], row: Row, corpus_words: int) -> dict[str, Any]:
    """Summary of one row (what the table shows), plus the raw lists for the JSON file."""
    m = row.measurement
    speed = words_per_sec(row, corpus_words)
    ref = reference_speed(rows, row, corpus_words)
    return {
        "workload": row.workload,
        "system": row.label,
        "job": asdict(row.job),
        "wall_s": median(m.walls) if m.walls else None,
        "cpu_s": median(m.cpus) if m.cpus else None,
        "words_per_s": speed,
        "vs_gensim": speed / ref if speed and ref else None,
        "peak_rss_mb": median(m.peak_rss_mb) if m.peak_rss_mb else None,
        "base_rss_mb": median(m.base_rss_mb) if m.base_rss_mb else None,
        "quality": mean_quality(m),
        "note": row.note,
        "error": m.error,
        "walls": m.walls,
        "cpus": m.cpus,
        "peak_rss_mb_runs": m.peak_rss_mb,
        "quality_runs": m.quality,
    }


def fmt(value: float | None, spec: str) -> str:
    """Format a number, or '-' when missing."""
    return "-" if value is None else format(value, spec)


def quality_cell(rec: dict[str, Any], key: str) -> str:
    """A quality score, with the half-range over runs when there are several."""
    runs = [q[key] for q in rec["quality_runs"] if key in q]
    if not runs:
        return "-"
    text = f"{statistics.fmean(runs):.3f}"
    if len(runs) > 1:
        text += f" ±{(max(runs) - min(runs)) / 2:.3f}"
    return text


def markdown_table(records: list[dict[str, Any]]) -> str:
    """Render the row records as a markdown table."""
    header = [
        "workload",
        "system",
        "workers",
        "epochs",
        "wall s",
        "CPU s",
        "words/s",
        "vs gensim",
        "peak RSS MB",
        "analogy",
        "WS353",
        "SimLex",
        "note",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for rec in records:
        note = rec["note"] if not rec["error"] else "FAILED: " + rec["error"].splitlines()[-1]
        cells = [
            rec["workload"],
            rec["system"],
            str(rec["job"]["workers"]),
            str(rec["job"]["epochs"]) if rec["job"]["mode"] != "vocab" else "-",
            fmt(rec["wall_s"], ".2f"),
            fmt(rec["cpu_s"], ".1f"),
            fmt(rec["words_per_s"], ",.0f"),
            fmt(rec["vs_gensim"], ".2f"),
            fmt(rec["peak_rss_mb"], ".0f"),
            quality_cell(rec, "analogy"),
            quality_cell(rec, "ws353"),
            quality_cell(rec, "simlex"),
            note.replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (or platform.processor())."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def w2v_info() -> dict[str, str | None]:
    """w2v version and the native ISA its kernels dispatch to, when importable."""
    try:
        import w2v
    except ImportError as exc:
        return {"version": None, "isa": None, "error": str(exc)}
    version = getattr(w2v, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version("w2v")
        except importlib.metadata.PackageNotFoundError:
            pass
    info: dict[str, str | None] = {"version": version, "isa": None}
    try:
        from w2v import _core

        info["isa"] = str(_core.cpu_isa())
    except (ImportError, AttributeError) as exc:
        info["error"] = str(exc)
    return info


def machine_info() -> dict[str, Any]:
    """Facts about the machine and the software versions."""
    import gensim
    import numpy
    from gensim.models import word2vec

    return {
        "cpu": cpu_model(),
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "gensim": gensim.__version__,
        "gensim_fast_version": getattr(word2vec, "FAST_VERSION", None),
        "numpy": numpy.__version__,
        "w2v": w2v_info(),
        "W2V_ISA": os.environ.get("W2V_ISA"),
        "loadavg_start": load_average(),
    }


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (other work on the machine skews the timings)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def print_report(
    machine: dict[str, Any],
    corpus: dict[str, Any],
    args: argparse.Namespace,
    records: list[dict[str, Any]],
) -> None:
    """Print machine info, settings and the results table to stdout."""
    w2v = machine["w2v"]
    print(
        f"CPU: {machine['cpu']} | nproc {machine['nproc']} | python {machine['python']} | "
        f"gensim {machine['gensim']} | w2v {w2v.get('version')} (isa {w2v.get('isa')})"
    )
    print(
        f"corpus: {corpus['path']} ({corpus['words']:,} words) | vector_size "
        f"{args.vector_size}, window {args.window}, negative {args.negative}, sample "
        f"{args.sample}, min_count {args.min_count}, workers {args.workers}, epochs "
        f"{args.epochs}, repeats {args.repeats} (median)"
    )
    load = machine.get("loadavg_start")
    busy = load is not None and load[0] > 0.5
    print(
        f"load average at start {load}, at end {machine.get('loadavg_end')}"
        + (" -- WARNING: the machine was busy before the benchmark started" if busy else "")
    )
    print(
        f"quality: analogy = questions-words accuracy (restrict_vocab={ANALOGY_RESTRICT_VOCAB}),"
        " WS353 / SimLex = Spearman; vs gensim = words/s ratio to the gensim row"
        " (corpus_file for file input);"
        " CPU s = user+sys seconds of the timed section\n"
    )
    print(markdown_table(records))


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --_child, one measurement)."""
    args = parse_args(argv)
    if args._child is not None:
        run_child(args._child)
        return 0
    plain = prepare_corpus(args.corpus, args.limit_words)
    corpus = {
        "source": str(args.corpus),
        "path": str(plain),
        "words": count_words(plain),
        "limit_words": args.limit_words,
    }
    log(f"corpus {plain}: {corpus['words']:,} words")
    machine = machine_info()
    with tempfile.TemporaryDirectory(prefix="w2v-bench-") as tmp:
        rows = run_plan(args, plain, Path(tmp))
    machine["loadavg_end"] = load_average()
    records = [row_record(rows, row, corpus["words"]) for row in rows]
    print_report(machine, corpus, args, records)
    if args.json:
        settings = {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
            if k != "_child"
        }
        payload = {"machine": machine, "corpus": corpus, "settings": settings, "rows": records}
        args.json.write_text(json.dumps(payload, indent=2))
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
