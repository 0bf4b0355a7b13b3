"""Integers beyond what the C++ core holds, or would need absurd memory for, are refused with
the parameter's name (``"<name> must be <allowed>, got <value>"``), never a C++ exception
text, a MemoryError, a crash or a hang; the largest accepted values train."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, List

import numpy as np
import pytest
from gensim_texts import COMMON_TEXTS as SENTENCES
from gensim_texts import lines

import w2v
from w2v import Word2Vec
from w2v.constraints import INT32_MAX, INT64_MAX, MAX_NEGATIVE, MAX_VECTOR_SIZE, MAX_WORKERS
from w2v.model import MAX_SAMPLES


def refused(name: str) -> Any:
    """``pytest.raises`` for the one message style, naming ``name`` first."""
    return pytest.raises(ValueError, match=rf"^{name} must be ")


@pytest.fixture(scope="module")
def model() -> Word2Vec:
    return Word2Vec(SENTENCES, min_count=1, epochs=1)


# ---- Word2Vec's parameters ------------------------------------------------------------------

TOO_BIG = [
    ("vector_size", INT32_MAX),
    ("vector_size", MAX_VECTOR_SIZE + 1),
    ("vector_size", 2**63),
    ("window", INT32_MAX + 1),
    ("window", 2**64),
    ("negative", INT32_MAX),
    ("negative", MAX_NEGATIVE + 1),
    ("workers", INT32_MAX),
    ("workers", MAX_WORKERS + 1),
    ("epochs", INT32_MAX + 1),
    ("batch_words", INT32_MAX + 1),
    ("min_count", INT32_MAX + 1),
    ("max_vocab_size", INT64_MAX + 1),
    ("max_vocab_size", 2**100),
    ("max_final_vocab", INT64_MAX + 1),
    ("vector_size", 0),
    ("window", 0),
    ("negative", -1),
    ("workers", 0),
    ("max_vocab_size", 0),
    ("window", np.int64(-3)),
    ("vector_size", 10.0),
]


@pytest.mark.parametrize("name,value", TOO_BIG, ids=[f"{n}={v}" for n, v in TOO_BIG])
def test_out_of_range_parameters_are_refused_by_name(name: str, value: Any) -> None:
    with refused(name):
        Word2Vec(**{name: value})
    # also when a corpus is given (the check comes before any work)
    with refused(name):
        Word2Vec(SENTENCES, **{"min_count": 1, name: value})


def test_the_cli_refuses_them_by_name(tmp_path: Path) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text(lines(SENTENCES))
    for option, value in (("--window", INT32_MAX + 1), ("--negative", MAX_NEGATIVE + 1)):
        run = subprocess.run(
            [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(tmp_path / "m")]
            + [option, str(value)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 2
        assert f"{option[2:]} must be an int in the range" in run.stderr


LARGEST = f"""
import os
import resource
import numpy as np
import w2v

if "asan" not in os.environ.get("LD_PRELOAD", ""):  # AddressSanitizer maps terabytes up front
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
sentences = {SENTENCES!r} * 20
for sg in (0, 1):
    for hs, negative in ((0, 5), (1, 0), (1, 3)):
        for shared in (True, False):
            m = w2v.Word2Vec(sentences, min_count=1, window={INT32_MAX}, sg=sg, hs=hs,
                             negative=negative, shared_negatives=shared, epochs=2, workers=2,
                             sample=0)
            assert np.isfinite(m.wv.vectors).all()
w2v.Word2Vec(sentences, min_count=1, vector_size={MAX_VECTOR_SIZE}, epochs=1, workers=2)
w2v.Word2Vec(sentences[:9], min_count=1, negative={MAX_NEGATIVE}, epochs=1, workers=2)
# Scores that diverge (to inf, then NaN) must not crash the kernels' sigmoid table.
for sg in (0, 1):
    w2v.Word2Vec(sentences, min_count=1, sg=sg, alpha=1e6, min_alpha=1e6, epochs=1, sample=0)
print("ok")
"""


def test_the_largest_accepted_values_train_in_bounded_memory() -> None:
    # Scratch grows with the longest sentence, not with the window: a window of 2**31 - 1
    # (a window over whole sentences) trains within a 3 GiB address space.
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LARGEST)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().endswith("ok")


# ---- train(), build_vocab_from_freq(), sample_negatives() --------------------------------------


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("epochs", {"total_examples": 9, "epochs": INT32_MAX + 1}),
        ("total_examples", {"total_examples": -1, "epochs": 1}),
        ("total_examples", {"total_examples": 2**64, "epochs": 1}),
        ("total_words", {"total_words": -1, "epochs": 1}),
        ("total_words", {"total_words": 2**70, "epochs": 1}),
        ("total_words", {"total_words": float("inf"), "epochs": 1}),
    ],
)
def test_train_arguments_are_refused_by_name(model: Word2Vec, name: str, kwargs: dict) -> None:
    alpha = model.alpha
    with refused(name):
        model.train(SENTENCES, **kwargs)
    assert model.alpha == alpha
    model.train(SENTENCES, total_words=29.0, epochs=1)  # gensim accepts float counts


def test_word_frequencies_are_refused_by_name() -> None:
    with refused(r"word_freq\['a'\]"):
        Word2Vec(min_count=1).build_vocab_from_freq({"a": 2**63, "b": 3})
    with refused(r"word_freq\['b'\]"):
        Word2Vec(min_count=1).build_vocab_from_freq({"a": 2, "b": -3})
    with refused("corpus_count"):
        Word2Vec(min_count=1).build_vocab_from_freq({"a": 2}, corpus_count=2**64)
    with pytest.raises(ValueError, match="word_freq counts must add up"):
        Word2Vec(min_count=1).build_vocab_from_freq({"a": INT64_MAX, "b": INT64_MAX})


@pytest.mark.parametrize("k", [-1, MAX_SAMPLES + 1, INT32_MAX, 2**70])
def test_sample_negatives_refuses_huge_k(model: Word2Vec, k: int) -> None:
    with refused("k"):
        model.sample_negatives(k)


def test_sample_negatives_takes_any_seed(model: Word2Vec) -> None:
    # Seeds are taken modulo 2**64, like the model's.
    assert model.sample_negatives(3, seed=2**70 + 5) == model.sample_negatives(3, seed=5)
    assert model.sample_negatives(3, seed=-1) == model.sample_negatives(3, seed=2**64 - 1)


# ---- queries ------------------------------------------------------------------------------------


class RecordingIndexer:
    """gensim's indexer protocol; records what it was asked for."""

    def __init__(self) -> None:
        self.asked: List[int] = []

    def most_similar(self, vector: np.ndarray, num_neighbors: int) -> list:
        self.asked.append(num_neighbors)
        return []


def test_a_huge_topn_asks_for_no_more_than_the_vocabulary(model: Word2Vec) -> None:
    wv = model.wv
    assert len(wv.most_similar("human", topn=2**70)) == len(wv) - 1
    indexer = RecordingIndexer()
    wv.most_similar("human", topn=2**70, indexer=indexer)
    assert indexer.asked == [len(wv)]


# ---- corpora ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, INT32_MAX + 1, 2**40])
def test_corpus_max_sentence_length_is_refused_by_name(tmp_path: Path, value: int) -> None:
    path = tmp_path / "c.txt"
    path.write_text("a b c\n")
    for make in (w2v.LineSentence, w2v.PathLineSentences, w2v.Text8Corpus):
        with refused("max_sentence_length"):
            make(path, max_sentence_length=value)


def test_corpus_limit_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text("a b c\nd e\n")
    for make in (w2v.LineSentence, w2v.PathLineSentences):
        with refused("limit"):
            make(path, limit=-1)
        assert list(make(path, limit=2**70)) == [["a", "b", "c"], ["d", "e"]]
