"""Training: every architecture learns the demo corpus, runs repeat exactly, the loss is the
per-epoch loss and never saturates, callbacks and logging happen when they should.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from w2v import CallbackAny2Vec, LineSentence, Word2Vec

CONFIGS = {
    "cbow-neg": {"sg": 0},
    "cbow-neg-classic": {"sg": 0, "shared_negatives": False},
    "cbow-sum-neg": {"sg": 0, "cbow_mean": 0},
    "cbow-hs-neg": {"sg": 0, "hs": 1},
    "cbow-hs": {"sg": 0, "hs": 1, "negative": 0},
    "cbow-sum-hs": {"sg": 0, "hs": 1, "negative": 0, "cbow_mean": 0},
    "sg-neg-shared": {"sg": 1},
    "sg-neg-classic": {"sg": 1, "shared_negatives": False},
    "sg-hs": {"sg": 1, "hs": 1, "negative": 0},
}

# Chance level of the analogy test is 1 in 10,000; trained models score 0.2-0.35.
MIN_ANALOGY = 0.12
MIN_MARGIN = 0.05
MIN_MEAN_MARGIN = 0.15


def _assert_learned(q):
    assert q["min_margin"] > MIN_MARGIN, q["margins"]
    assert q["mean_margin"] > MIN_MEAN_MARGIN, q["margins"]
    assert q["analogy"] > MIN_ANALOGY, q["analogy"]


# ---- quality -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CONFIGS))
def test_each_architecture_learns_the_demo_corpus(trained, quality, name):
    model = trained(**CONFIGS[name])
    assert len(model.wv) == 13574
    _assert_learned(quality(model))


def test_untrained_vectors_fail_the_quality_checks(trained, quality):
    # The checks can fail: the same vocabulary with fresh random vectors scores nothing.
    model = trained(sg=0)
    fresh = Word2Vec(vector_size=model.vector_size, seed=99, workers=1)
    fresh.build_vocab_from_freq(
        dict(zip(model.wv.index_to_key, np.asarray(model.wv.expandos["count"]).tolist()))
    )
    q = quality(fresh)
    assert q["analogy"] < 0.01
    assert q["mean_margin"] < MIN_MEAN_MARGIN


def test_iterable_input_learns_as_well_as_file_input(trained, quality, demo_sentences):
    from_file = quality(trained(sg=0))
    model = Word2Vec(demo_sentences, sg=0, workers=2, vector_size=40, epochs=3, seed=7)
    from_list = quality(model)
    _assert_learned(from_list)
    assert abs(from_list["analogy"] - from_file["analogy"]) < 0.08
    assert abs(from_list["mean_margin"] - from_file["mean_margin"]) < 0.1


def test_compressed_file_input_learns_as_well(trained, quality, demo_gz):
    from_file = quality(trained(sg=0))
    model = Word2Vec(LineSentence(demo_gz), sg=0, workers=2, vector_size=40, epochs=3, seed=7)
    from_gz = quality(model)
    _assert_learned(from_gz)
    assert abs(from_gz["analogy"] - from_file["analogy"]) < 0.08


def test_train_returns_effective_and_raw_word_counts(demo_txt):
    model = Word2Vec(vector_size=16, workers=2, sg=0)
    model.build_vocab(corpus_file=demo_txt)
    effective, raw = model.train(
        corpus_file=demo_txt, total_words=model.corpus_total_words, epochs=2
    )
    assert raw == 2 * 1584265
    # Unknown words (below min_count) and downsampled frequent words are not effective.
    assert 0.5 * raw < effective < 0.8 * raw


# ---- determinism --------------------------------------------------------------------------

DETERMINISM = {
    "cbow-neg": {"sg": 0},
    "cbow-neg-classic": {"sg": 0, "shared_negatives": False},
    "sg-neg-shared": {"sg": 1},
    "sg-neg-classic": {"sg": 1, "shared_negatives": False},
    "sg-hs": {"sg": 1, "hs": 1, "negative": 0},
}


def _digest(model) -> str:
    h = hashlib.sha256()
    for arr in (model.wv.vectors, model.syn1neg, model.syn1):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("name", list(DETERMINISM))
def test_one_worker_and_a_seed_repeat_bit_for_bit(small_txt, name):
    params = dict(vector_size=24, epochs=2, workers=1, seed=42, **DETERMINISM[name])
    first = Word2Vec(LineSentence(small_txt), **params)
    second = Word2Vec(LineSentence(small_txt), **params)
    np.testing.assert_array_equal(first.wv.vectors, second.wv.vectors)
    assert _digest(first) == _digest(second)
    other_seed = Word2Vec(LineSentence(small_txt), **{**params, "seed": 43})
    assert not np.array_equal(first.wv.vectors, other_seed.wv.vectors)


def test_one_worker_repeats_with_iterable_input(small_sentences):
    params = dict(vector_size=24, epochs=2, workers=1, seed=42, sg=1)
    first = Word2Vec(small_sentences, **params)
    second = Word2Vec(small_sentences, **params)
    assert _digest(first) == _digest(second)


_SUBPROCESS = textwrap.dedent(
    """
    import hashlib, sys
    import numpy as np
    from w2v import LineSentence, Word2Vec
    for params in ({"sg": 0}, {"sg": 1}, {"sg": 1, "hs": 1, "negative": 0}):
        model = Word2Vec(LineSentence(sys.argv[1]), vector_size=16, epochs=1, workers=1,
                         seed=42, **params)
        h = hashlib.sha256()
        for arr in (model.wv.vectors, model.syn1neg, model.syn1):
            h.update(np.ascontiguousarray(arr).tobytes())
        print(h.hexdigest())
    """
)


def test_runs_repeat_across_python_hash_seeds(small_txt):
    digests = []
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS, small_txt],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        digests.append(out.stdout.split())
    assert len(digests[0]) == 3
    assert digests[0] == digests[1]
    # ... and the same as in this process (whose hash seed is random).
    in_process = [
        _digest(
            Word2Vec(
                LineSentence(small_txt), vector_size=16, epochs=1, workers=1, seed=42, **params
            )
        )
        for params in ({"sg": 0}, {"sg": 1}, {"sg": 1, "hs": 1, "negative": 0})
    ]
    assert in_process == digests[0]


# ---- loss ---------------------------------------------------------------------------------


class Recorder(CallbackAny2Vec):
    def __init__(self):
        self.events = []
        self.epoch_losses = []

    def on_train_begin(self, model):
        self.events.append("train_begin")

    def on_epoch_begin(self, model):
        self.events.append("epoch_begin")

    def on_epoch_end(self, model):
        self.events.append("epoch_end")
        self.epoch_losses.append(model.get_latest_training_loss())

    def on_train_end(self, model):
        self.events.append("train_end")


@pytest.fixture(scope="module")
def cbow_with_loss(demo_shuffled_txt):
    recorder = Recorder()
    model = Word2Vec(
        LineSentence(demo_shuffled_txt),
        vector_size=32,
        epochs=4,
        workers=1,
        sg=0,
        compute_loss=True,
        callbacks=[recorder],
    )
    return model, recorder


def test_loss_history_is_per_epoch_and_latest_loss_sums_the_call(cbow_with_loss):
    # loss_history: one value per epoch. get_latest_training_loss(), as in gensim: the loss
    # summed since train() began, so callbacks that difference it get each epoch's loss.
    model, recorder = cbow_with_loss
    history = model.loss_history
    assert len(history) == 4
    assert recorder.epoch_losses == pytest.approx(np.cumsum(history).tolist(), rel=1e-12)
    assert model.get_latest_training_loss() == pytest.approx(sum(history), rel=1e-12)
    # Each epoch's loss is about a quarter of the total of four.
    assert all(0.2 * sum(history) < x < 0.3 * sum(history) for x in history)


def test_loss_decreases_over_epochs(cbow_with_loss):
    history = cbow_with_loss[0].loss_history
    assert all(later < earlier for earlier, later in zip(history, history[1:])), history
    assert history[-1] < 0.95 * history[0]


def test_skipgram_loss_decreases_over_epochs(demo_shuffled_txt):
    model = Word2Vec(
        LineSentence(demo_shuffled_txt),
        vector_size=32,
        epochs=3,
        workers=2,
        sg=1,
        compute_loss=True,
    )
    history = model.loss_history
    assert len(history) == 3
    assert history[0] > history[1] > history[2], history
    assert model.get_latest_training_loss() == pytest.approx(sum(history), rel=1e-12)


def test_loss_history_grows_with_each_train_call(small_sentences):
    model = Word2Vec(small_sentences, vector_size=16, epochs=2, workers=1, compute_loss=True)
    assert len(model.loss_history) == 2
    model.train(small_sentences, total_examples=model.corpus_count, epochs=3, compute_loss=True)
    assert len(model.loss_history) == 5
    # Each train() call starts the summed loss afresh (gensim's rule).
    assert model.get_latest_training_loss() == pytest.approx(sum(model.loss_history[2:]))
    assert model.loss_history[-1] < model.loss_history[0]


def _uniform_corpus(vocab_size, repeats, length=1000, seed=0):
    rng = np.random.default_rng(seed)
    tokens = np.repeat(np.arange(vocab_size), repeats)
    rng.shuffle(tokens)
    words = [f"w{t}" for t in tokens]
    return [words[i : i + length] for i in range(0, len(words), length)]


def _pairs(corpus, window):
    """(centre, context) pairs of full windows (shrink_windows=False)."""
    return sum(min(i, window) + min(len(s) - 1 - i, window) for s in corpus for i in range(len(s)))


@pytest.fixture(scope="module")
def uniform_4096():
    return _uniform_corpus(2**12, 100)


@pytest.fixture(scope="module")
def uniform_1000():
    return _uniform_corpus(1000, 420)


FROZEN = dict(alpha=1e-9, min_alpha=1e-9, epochs=1, sample=0, min_count=1, compute_loss=True)


@pytest.mark.parametrize("workers", [1, 3])
def test_loss_accumulates_small_terms_exactly(uniform_4096, workers):
    """Skip-gram with hierarchical softmax, a learning rate too small to learn anything and
    2**12 equally frequent words (every Huffman code is 12 bits long): each of the 12
    predictions of each (centre, context) pair costs exactly ln 2. The sum of these small
    terms is above 2**24, where a float32 accumulator would stop growing."""
    model = Word2Vec(
        uniform_4096,
        vector_size=4,
        window=3,
        shrink_windows=False,
        sg=1,
        hs=1,
        negative=0,
        workers=workers,
        **FROZEN,
    )
    assert len(model.wv) == 2**12
    expected = _pairs(uniform_4096, 3) * 12 * math.log(2)
    assert expected > 2**24
    assert model.get_latest_training_loss() == pytest.approx(expected, rel=1e-6)
    assert model.loss_history == [model.get_latest_training_loss()]


def _frozen_epoch(corpus, **params):
    """One epoch with compute_loss, input vectors all 1 and output vectors all -1, and a
    learning rate too small to move them."""
    frozen = {k: v for k, v in FROZEN.items() if k != "compute_loss"}
    model = Word2Vec(shrink_windows=False, **frozen, **params)
    model.build_vocab(corpus)
    model.wv.vectors[:] = 1.0
    model.syn1neg[:] = -1.0
    model.train(corpus, total_examples=model.corpus_count, epochs=1, compute_loss=True)
    return model


@pytest.mark.parametrize("workers", [1, 3])
def test_loss_is_not_capped(uniform_1000, workers):
    """Negative sampling with frozen weights set so that every true (centre, context) score
    is -20 and every noise score is -20 too: each pair costs -log(sigmoid(-20)) (about 20)
    and each noise word about 2e-9. The epoch's loss is well above 2**27 (gensim's float32
    ceiling) and known in closed form."""
    dim = 20
    model = _frozen_epoch(
        uniform_1000, vector_size=dim, window=10, sg=1, negative=1, workers=workers
    )
    positive = math.log1p(math.exp(-dim)) + dim  # -log(sigmoid(-20))
    expected = _pairs(uniform_1000, 10) * positive
    assert expected > 2**27
    # Noise terms add about 1e-10 relative.
    assert model.get_latest_training_loss() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize("cbow_mean", [1, 0])
def test_cbow_loss_has_one_true_term_per_centre(shared, cbow_mean):
    """CBOW with frozen weights (inputs all 1, outputs all -1): a centre with C context words
    scores -dim (mean) or -C * dim (sum) against its own word, so its true term costs about
    that much, and each noise term about e^-dim. Every centre with a context must count once,
    whether or not the centres share their negatives; sentences of 1, 2, 5 and 7 words cover
    groups cut short by the sentence end."""
    dim, window = 8, 3
    corpus = [[f"w{(i * 7 + j) % 50}" for j in range(n)] for i, n in enumerate([1, 2, 5, 7] * 30)]
    model = _frozen_epoch(
        corpus,
        vector_size=dim,
        window=window,
        sg=0,
        cbow_mean=cbow_mean,
        negative=3,
        workers=2,
        shared_negatives=shared,
    )
    expected = 0.0
    for s in corpus:
        for i in range(len(s)):
            c = min(i, window) + min(len(s) - 1 - i, window)
            if c:
                score = dim if cbow_mean else c * dim
                expected += score + math.log1p(math.exp(-score))
    # at most 3 noise terms per centre, each at most -log(sigmoid(dim))
    noise = 3 * sum(len(s) for s in corpus) * math.log1p(math.exp(-dim))
    assert expected <= model.get_latest_training_loss() <= expected + noise


def test_loss_is_similar_whatever_the_number_of_workers(demo_shuffled_txt, cbow_with_loss):
    one = cbow_with_loss[0].loss_history
    model = Word2Vec(
        LineSentence(demo_shuffled_txt),
        vector_size=32,
        epochs=4,
        workers=3,
        sg=0,
        compute_loss=True,
    )
    three = model.loss_history
    assert len(three) == 4
    for a, b in zip(one, three):
        assert b == pytest.approx(a, rel=0.05)


def test_no_loss_without_compute_loss(small_sentences):
    model = Word2Vec(small_sentences, vector_size=16, epochs=2, workers=1)
    assert model.get_latest_training_loss() == 0.0
    assert model.loss_history == []


# ---- callbacks ------------------------------------------------------------------------------


def test_callbacks_are_called_in_order(cbow_with_loss, small_sentences):
    _, recorder = cbow_with_loss
    assert recorder.events == ["train_begin"] + ["epoch_begin", "epoch_end"] * 4 + ["train_end"]

    model = Word2Vec(small_sentences, vector_size=16, epochs=1, workers=2)
    recorder = Recorder()
    model.train(small_sentences, total_examples=model.corpus_count, epochs=3, callbacks=[recorder])
    assert recorder.events == ["train_begin"] + ["epoch_begin", "epoch_end"] * 3 + ["train_end"]


def test_callbacks_see_the_model_between_epochs(small_sentences):
    seen = []

    class Snapshot(CallbackAny2Vec):
        def on_epoch_end(self, model):
            seen.append(model.wv.vectors.copy())

    model = Word2Vec(small_sentences, vector_size=16, epochs=3, workers=2, callbacks=[Snapshot()])
    assert len(seen) == 3
    assert not np.array_equal(seen[0], seen[1])
    np.testing.assert_array_equal(seen[-1], model.wv.vectors)


def test_callback_exception_stops_training(small_sentences):
    class Boom(CallbackAny2Vec):
        def on_epoch_end(self, model):
            raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        Word2Vec(small_sentences, vector_size=16, epochs=3, workers=2, callbacks=[Boom()])


# ---- logging ----------------------------------------------------------------------------------


def test_info_logging_of_vocabulary_and_epochs(caplog, demo_txt):
    caplog.set_level(logging.INFO, logger="w2v")
    model = Word2Vec(vector_size=24, workers=2, sg=0)
    model.build_vocab(LineSentence(demo_txt))
    vocab_text = "\n".join(r.getMessage() for r in caplog.records)
    assert "collected" in vocab_text and "word types" in vocab_text
    assert "1584265 raw words" in vocab_text
    assert "24033 sentences" in vocab_text
    assert "effective_min_count=5 retains 13574 unique words" in vocab_text
    assert "downsamples" in vocab_text

    caplog.clear()
    effective, raw = model.train(
        LineSentence(demo_txt),
        total_examples=model.corpus_count,
        epochs=2,
        report_delay=0.0,
    )
    text = "\n".join(r.getMessage() for r in caplog.records)
    done = re.findall(r"EPOCH (\d+): training on (\d+) raw words \((\d+) effective words\)", text)
    assert [int(e) for e, _, _ in done] == [1, 2]
    assert all(int(r) == 1584265 for _, r, _ in done)
    assert sum(int(e) for _, _, e in done) == effective
    progress = re.findall(r"EPOCH (\d+) - PROGRESS: at ([\d.]+)% examples", text)
    assert progress, "no progress line logged during an epoch"
    for epoch in ("1", "2"):
        pcts = [float(p) for e, p in progress if e == epoch]
        assert pcts == sorted(pcts)
        assert all(0 <= p <= 100 for p in pcts)
    assert all(r.levelno < logging.WARNING for r in caplog.records), [
        r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
    ]


def test_initial_vectors_are_uniform_and_seeded():
    sentences = [[f"w{i}" for i in range(j, j + 40)] for j in range(0, 9000, 40)]
    model = Word2Vec(vector_size=16, min_count=1, seed=7, workers=2)
    model.build_vocab(sentences)
    v = model.wv.vectors
    assert v.dtype == np.float32 and v.shape == (9000, 16)
    bound = 1.0 / 16
    assert v.min() >= -bound and v.max() < bound
    # uniform: each quarter of the range holds about a quarter of the values
    hist, _ = np.histogram(v, bins=4, range=(-bound, bound))
    assert np.all(np.abs(hist / v.size - 0.25) < 0.01)
    assert abs(float(np.corrcoef(v[:-1].ravel(), v[1:].ravel())[0, 1])) < 0.02

    same = Word2Vec(vector_size=16, min_count=1, seed=7, workers=1)
    same.build_vocab(sentences)
    np.testing.assert_array_equal(same.wv.vectors, v)  # the thread count does not matter
    other = Word2Vec(vector_size=16, min_count=1, seed=8, workers=2)
    other.build_vocab(sentences)
    assert not np.allclose(other.wv.vectors, v)


def test_vectors_of_words_added_later_are_fresh_and_old_rows_kept():
    model = Word2Vec(vector_size=8, min_count=1, seed=3)
    model.build_vocab([["a", "b", "c"]])
    before = model.wv.vectors.copy()
    model.build_vocab([["d", "e"]], update=True)
    np.testing.assert_array_equal(model.wv.vectors[:3], before)
    new = model.wv.vectors[3:]
    assert new.shape == (2, 8) and np.all(np.abs(new) < 1 / 8)
    assert not np.any(np.all(new[:, None, :] == before[None, :, :], axis=2))


def test_progress_is_wanted_only_when_it_would_be_shown(caplog) -> None:
    """Distributed training asks the workers for progress only when a bar or a due log line
    would show it."""
    from types import SimpleNamespace

    from w2v.training import EpochReporter

    now = time.perf_counter()
    quiet = SimpleNamespace(progress=False)
    due = EpochReporter(quiet, None, 0, 10, None, now - 5.0, report_delay=1.0)
    later = EpochReporter(quiet, None, 0, 10, None, now, report_delay=60.0)
    with caplog.at_level(logging.WARNING, logger="w2v.model"):
        assert not due.wants_progress()
    with caplog.at_level(logging.INFO, logger="w2v.model"):
        assert due.wants_progress()
        assert not later.wants_progress()
