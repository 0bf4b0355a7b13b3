"""Shared fixtures for w2v's core tests: the demo corpus in several shapes, a cache of trained
models (each configuration is trained once per session), and quality checks.

Everything here uses only the bundled demo corpus (``w2v.datasets.demo_path()``) and small
files under ``tests/data/core_*``; nothing needs network access or ``../shared``.
"""

from __future__ import annotations

import gzip
import random
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import pytest

import w2v

DATA_DIR = Path(__file__).resolve().parent / "data"
ANALOGIES = DATA_DIR / "core_analogies.txt"
RAW_SAMPLE = DATA_DIR / "core_raw_sample.txt"

# Pairs of words that are clearly related in a corpus of 19 English novels.
# (he/she and his/her are related too, but after 3 epochs skip-gram with negative sampling --
# gensim's as much as w2v's -- puts frequent function words close to everything, so they are
# left to the analogy questions.)
RELATED_PAIRS: Tuple[Tuple[str, str], ...] = (
    ("mr", "mrs"),
    ("day", "night"),
    ("said", "replied"),
    ("man", "woman"),
    ("father", "mother"),
    ("brother", "sister"),
    ("husband", "wife"),
    ("morning", "evening"),
    ("two", "three"),
    ("door", "window"),
)

# Small but real training settings: enough to learn the demo corpus, fast on 2 busy cores.
SMALL = {"vector_size": 40, "epochs": 3, "seed": 7}


# ---- the demo corpus ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_gz() -> str:
    """The bundled demo corpus (gzip: read through Python chunks, then C++)."""
    return w2v.datasets.demo_path()


@pytest.fixture(scope="session")
def demo_lines(demo_gz: str) -> List[str]:
    with gzip.open(demo_gz, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


@pytest.fixture(scope="session")
def core_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("core")


@pytest.fixture(scope="session")
def demo_txt(core_tmp: Path, demo_lines: List[str]) -> str:
    """The demo corpus as an uncompressed file (read by C++ byte ranges)."""
    path = core_tmp / "demo.txt"
    path.write_text("\n".join(demo_lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def demo_sentences(demo_lines: List[str]) -> List[List[str]]:
    """The demo corpus as a Python list of token lists (the iterable path)."""
    return [line.split() for line in demo_lines if line.split()]


@pytest.fixture(scope="session")
def demo_shuffled_txt(core_tmp: Path, demo_lines: List[str]) -> str:
    """The demo paragraphs in a fixed random order.

    The novels come one after the other, so with a high learning rate the model adapts to
    the current book and the online loss of the last, low-learning-rate epoch can rise
    slightly; shuffled paragraphs show the loss decreasing from epoch to epoch.
    """
    lines = list(demo_lines)
    random.Random(12345).shuffle(lines)
    path = core_tmp / "demo_shuffled.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def small_txt(core_tmp: Path, demo_lines: List[str]) -> str:
    """The first 3000 paragraphs of the demo corpus (about 200k words) as a plain file."""
    path = core_tmp / "small.txt"
    path.write_text("\n".join(demo_lines[:3000]) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def small_sentences(demo_lines: List[str]) -> List[List[str]]:
    return [line.split() for line in demo_lines[:3000] if line.split()]


# ---- trained models, each configuration once per session ----------------------------------


@pytest.fixture(scope="session")
def trained(demo_txt: str) -> Callable[..., w2v.Word2Vec]:
    """``trained(**params)``: a model trained on the whole demo corpus (plain file, C++
    reader), cached per parameter set so each configuration is trained once per session.
    """
    cache: Dict[Tuple, w2v.Word2Vec] = {}

    def get(**params) -> w2v.Word2Vec:
        full = {**SMALL, "workers": 2, **params}
        key = tuple(sorted(full.items()))
        if key not in cache:
            cache[key] = w2v.Word2Vec(w2v.LineSentence(demo_txt), **full)
        return cache[key]

    return get


# ---- quality measures ------------------------------------------------------------------------


def rare_words(wv, n: int = 40, lo: int = 5, hi: int = 9, seed: int = 0) -> List[str]:
    """``n`` words seen between ``lo`` and ``hi`` times, picked at random (fixed seed)."""
    counts = np.asarray(wv.expandos["count"])
    candidates = [wv.index_to_key[i] for i in np.flatnonzero((counts >= lo) & (counts <= hi))]
    rng = np.random.default_rng(seed)
    return [str(w) for w in rng.choice(candidates, size=min(n, len(candidates)), replace=False)]


def relatedness_margins(wv, pairs: Sequence[Tuple[str, str]] = RELATED_PAIRS) -> Dict:
    """For each pair (a, b): similarity(a, b) minus the 95th percentile of similarity(a, r)
    over random rare words r. Positive means b is closer to a than almost any rare word.
    """
    rare = rare_words(wv)
    out = {}
    for a, b in pairs:
        unrelated = np.array([wv.similarity(a, r) for r in rare])
        out[(a, b)] = wv.similarity(a, b) - float(np.quantile(unrelated, 0.95))
    return out


def read_analogies(path: Path = ANALOGIES) -> List[Tuple[str, str, str, str]]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith((":", "#")):
            continue
        a, b, c, d = line.split()
        questions.append((a, b, c, d))
    return questions


def analogy_accuracy(wv, restrict_vocab: int = 10000, path: Path = ANALOGIES) -> float:
    """Top-1 accuracy of 3CosAdd (b - a + c, excluding a, b, c) among the most frequent
    ``restrict_vocab`` words, as gensim's ``evaluate_word_analogies`` computes it.
    """
    vectors = np.asarray(wv.vectors[:restrict_vocab], dtype=np.float64)
    normed = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    index = {w: i for i, w in enumerate(wv.index_to_key[:restrict_vocab])}
    questions = [q for q in read_analogies(path) if all(w in index for w in q)]
    assert len(questions) > 500, "the analogy file should be answerable in the demo corpus"
    ids = np.array([[index[w] for w in q] for q in questions])
    target = normed[ids[:, 1]] - normed[ids[:, 0]] + normed[ids[:, 2]]
    scores = target @ normed.T
    rows = np.arange(len(ids))
    for k in range(3):
        scores[rows, ids[:, k]] = -np.inf
    return float(np.mean(scores.argmax(axis=1) == ids[:, 3]))


@pytest.fixture(scope="session")
def quality() -> Callable[[object], Dict]:
    """``quality(model)`` -> {"margins": {...}, "min_margin": float, "analogy": float}."""

    def measure(model) -> Dict:
        margins = relatedness_margins(model.wv)
        return {
            "margins": margins,
            "min_margin": min(margins.values()),
            "mean_margin": float(np.mean(list(margins.values()))),
            "analogy": analogy_accuracy(model.wv),
        }

    return measure


# ---- vocabulary statistics: the C++ readers against plain Python ---------------------------


def reference_lines(data: bytes, max_sentence_length: int = 10000) -> Dict:
    """What gensim's LineSentence semantics give for a file holding ``data``: lines split at
    b"\\n" only, each decoded with ``errors="replace"`` and split with ``str.split()``, long
    lines cut into chunks of ``max_sentence_length`` tokens, empty lines skipped.
    """
    counts: Counter = Counter()
    sentences = total = 0
    for line in data.split(b"\n"):
        words = line.decode("utf-8", "replace").split()
        counts.update(words)
        total += len(words)
        sentences += -(-len(words) // max_sentence_length)
    return {"counts": dict(counts), "corpus_count": sentences, "total_words": total}


def reference_stream(data: bytes, max_sentence_length: int = 10000) -> Dict:
    """Text8Corpus semantics: the whole file is one token stream, cut every N tokens."""
    words = data.decode("utf-8", "replace").split()
    return {
        "counts": dict(Counter(words)),
        "corpus_count": -(-len(words) // max_sentence_length),
        "total_words": len(words),
    }


def scanned(corpus=None, corpus_file=None, workers: int = 1, **params) -> Dict:
    """Build a min_count=1 vocabulary and return its words, counts and corpus sizes."""
    model = w2v.Word2Vec(min_count=1, workers=workers, vector_size=8, **params)
    model.build_vocab(corpus, corpus_file=corpus_file, keep_raw_vocab=True)
    counts = dict(zip(model.wv.index_to_key, np.asarray(model.wv.expandos["count"]).tolist()))
    return {
        "counts": counts,
        "raw_vocab": dict(model.raw_vocab),
        "corpus_count": model.corpus_count,
        "total_words": model.corpus_total_words,
        "index_to_key": list(model.wv.index_to_key),
    }


def same_stats(got: Dict, want: Dict) -> None:
    """Assert two vocabulary scans agree on words, counts and corpus sizes."""
    assert got["total_words"] == want["total_words"]
    assert got["corpus_count"] == want["corpus_count"]
    if got["counts"] != want["counts"]:
        missing = {w: c for w, c in want["counts"].items() if got["counts"].get(w) != c}
        extra = {w: c for w, c in got["counts"].items() if w not in want["counts"]}
        raise AssertionError(
            f"vocabularies differ: {len(missing)} words with other counts or missing "
            f"(e.g. {list(missing.items())[:5]}), {len(extra)} unexpected "
            f"(e.g. {list(extra.items())[:5]})"
        )


@pytest.fixture(scope="session")
def core() -> SimpleNamespace:
    """The helpers above, for test modules (which should not import conftest)."""
    return SimpleNamespace(
        reference_lines=reference_lines,
        reference_stream=reference_stream,
        scanned=scanned,
        same_stats=same_stats,
        relatedness_margins=relatedness_margins,
        analogy_accuracy=analogy_accuracy,
        rare_words=rare_words,
        RELATED_PAIRS=RELATED_PAIRS,
        SMALL=SMALL,
        DATA_DIR=DATA_DIR,
        RAW_SAMPLE=RAW_SAMPLE,
        ANALOGIES=ANALOGIES,
    )
