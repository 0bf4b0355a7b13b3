"""The negative-sampling noise distribution: w2v.noise, Word2Vec.noise_distribution(),
Word2Vec.sample_negatives(), custom noise_weights, and the C++ sampler training shares."""

from __future__ import annotations

import logging
import math
import time
from fractions import Fraction
from typing import Dict, List, Optional

import numpy as np
import pytest

import w2v
from w2v import Word2Vec
from w2v.noise import power_weights, resolve_noise_weights, unigram_distribution

scipy_stats = pytest.importorskip("scipy.stats")

N_DRAWS = 10**6

# A 12-word table whose counts are fourth powers, so that count ** 0.75 is an exact cube:
# sum(n ** 4, n=1..12) = 60710 and sum(n ** 3, n=1..12) = 78 ** 2 = 6084.
TABLE: Dict[str, int] = {
    w: n**4
    for w, n in zip(
        "the of and court case law judge appeal plaintiff tort estoppel certiorari".split(),
        range(12, 0, -1),
    )
}


# ---- helpers ---------------------------------------------------------------------------------


def demo_model(**kwargs) -> Word2Vec:
    params = dict(min_count=5, workers=2)
    params.update(kwargs)
    model = Word2Vec(**params)
    model.build_vocab(corpus_file=w2v.datasets.demo_path())
    return model


def counts_of(model: Word2Vec) -> np.ndarray:
    return np.asarray(model.wv.expandos["count"])


def draw_counts(model: Word2Vec, k: int, word: Optional[str] = None, seed: int = 0) -> np.ndarray:
    words = model.sample_negatives(k, word=word, seed=seed)
    assert len(words) == k
    index = model.wv.key_to_index
    ids = np.fromiter((index[w] for w in words), dtype=np.int64, count=k)
    return np.bincount(ids, minlength=len(model.wv))


def chi_square_p(observed: np.ndarray, probs: np.ndarray) -> float:
    """p-value of a chi-square goodness-of-fit test; expected counts < 5 are pooled."""
    n = observed.sum()
    expected = probs * n
    small = expected < 5
    obs = np.append(observed[~small], observed[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    exp = exp * (obs.sum() / exp.sum())  # remove float rounding so chisquare accepts it
    return float(scipy_stats.chisquare(obs, exp).pvalue)


@pytest.fixture(scope="module")
def demo() -> Word2Vec:
    return demo_model()


def tiny_model(weights=None, **kwargs) -> Word2Vec:
    params = dict(min_count=1, vector_size=8, workers=1)
    params.update(kwargs)
    model = Word2Vec(noise_weights=weights, **params)
    model.build_vocab_from_freq(TABLE)
    return model


# ---- unigram_distribution ---------------------------------------------------------------------


def test_unigram_distribution_hand_computed() -> None:
    ns = range(12, 0, -1)
    expected = {
        0.75: [Fraction(n**3, 6084) for n in ns],
        1: [Fraction(n**4, 60710) for n in ns],
        0: [Fraction(1, 12)] * 12,
        -0.5: [Fraction(1, n**2) / sum(Fraction(1, m**2) for m in ns) for n in ns],
    }
    for power, exact in expected.items():
        got = unigram_distribution(TABLE, power)
        assert isinstance(got, dict) and list(got) == list(TABLE)
        np.testing.assert_allclose(list(got.values()), [float(x) for x in exact], rtol=1e-12)
        assert math.isclose(sum(got.values()), 1.0, rel_tol=1e-12)
    # Spot checks by hand: "the" (12^4 = 20736) and "certiorari" (1).
    p = unigram_distribution(TABLE)
    assert p["the"] == pytest.approx(1728 / 6084, rel=1e-12)  # 0.2840...
    assert p["certiorari"] == pytest.approx(1 / 6084, rel=1e-12)
    assert unigram_distribution({"the": 16, "cat": 1}, 0.5) == pytest.approx(
        {"the": 0.8, "cat": 0.2}
    )


def test_unigram_distribution_arrays_keep_their_shape() -> None:
    counts = np.array(list(TABLE.values()))
    p = unigram_distribution(counts)
    assert isinstance(p, np.ndarray) and p.dtype == np.float64 and p.shape == (12,)
    np.testing.assert_allclose(p, list(unigram_distribution(TABLE).values()), rtol=1e-12)
    square = unigram_distribution(counts.reshape(3, 4), 0.75)
    assert square.shape == (3, 4)
    np.testing.assert_allclose(square.ravel(), p, rtol=1e-12)
    # a list works too, and counts need not be integers
    np.testing.assert_allclose(unigram_distribution([0.5, 1.5], 1), [0.25, 0.75])


def test_unigram_distribution_zero_counts_get_zero_for_any_power() -> None:
    for power in (0.75, 0, -0.5, -3):
        p = unigram_distribution([0, 4, 0, 1], power)
        assert p[0] == 0 and p[2] == 0
        assert p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(unigram_distribution([0, 4, 0, 1], 0), [0, 0.5, 0, 0.5])


def test_unigram_distribution_extreme_powers_do_not_overflow() -> None:
    counts = np.array([1e5, 1e4, 10.0])
    p = unigram_distribution(counts, 400)  # 1e5 ** 400 overflows a double
    np.testing.assert_allclose(p, [1, 0, 0], atol=1e-300)
    q = unigram_distribution(counts, -400)  # 1e5 ** -400 underflows
    np.testing.assert_allclose(q, [0, 0, 1], atol=1e-300)
    r = unigram_distribution([3.0, 2.0], 1000)  # 3 ** 1000 overflows; the ratio is 1e-176
    assert r[1] / r[0] == pytest.approx((2 / 3) ** 1000, rel=1e-9)
    assert np.isfinite(r).all() and r.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "counts, power, match",
    [
        ([], 0.75, "empty"),
        ([1, -1], 0.75, "count of 1 is -1.0"),
        ([1, float("nan")], 0.75, "count of 1 is nan"),
        ([1, float("inf")], 0.75, "count of 1 is inf"),
        ({"a": 1, "b": -2}, 0.75, "count of 'b'"),
        ({"a": 1, "b": "2"}, 0.75, "count of 'b' is not a number"),
        ({"a": 1, "b": None}, 0.75, "count of 'b' is not a number"),
        ([0, 0], 0.75, "positive"),
        ([1, 2], float("nan"), "power"),
        ([1, 2], float("inf"), "power"),
        ([1, 2], "0.75", "power"),
    ],
)
def test_unigram_distribution_rejects_bad_input(counts, power, match) -> None:
    with pytest.raises(ValueError, match=match):
        unigram_distribution(counts, power)


def test_power_weights_match_plain_powers_when_representable() -> None:
    counts = np.array([0, 1, 7, 100, 12345], dtype=np.float64)
    for power in (0.75, 0, -0.5, 1.3):
        w = power_weights(counts, power)
        assert w[0] == 0
        np.testing.assert_array_equal(w[1:], counts[1:] ** power)


# ---- noise_distribution() ---------------------------------------------------------------------


@pytest.mark.parametrize("ns_exponent", [0.75, 0.0, -0.5, 1.0])
def test_noise_distribution_is_the_unigram_power(ns_exponent: float) -> None:
    model = demo_model(ns_exponent=ns_exponent)
    p = model.noise_distribution()
    assert p.dtype == np.float64 and p.shape == (len(model.wv),)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    expected = unigram_distribution(counts_of(model), ns_exponent)
    np.testing.assert_allclose(p, expected, rtol=1e-6, atol=1e-9)
    assert np.abs(p - expected).max() < 1e-9
    np.testing.assert_allclose(model.noise_weights, counts_of(model) ** ns_exponent, rtol=1e-12)


def test_noise_distribution_of_custom_weights(demo: Word2Vec) -> None:
    words = demo.wv.index_to_key
    weights = np.array([len(w) % 3 for w in words], dtype=np.float64)
    model = demo_model(noise_weights=weights)
    p = model.noise_distribution()
    np.testing.assert_allclose(p, weights / weights.sum(), rtol=1e-6, atol=1e-9)
    assert (p[weights == 0] == 0).all()


def test_noise_distribution_needs_a_vocabulary() -> None:
    with pytest.raises(RuntimeError, match="vocabulary"):
        Word2Vec().noise_distribution()
    with pytest.raises(RuntimeError, match="vocabulary"):
        Word2Vec().sample_negatives(3)


def test_large_ns_exponent_does_not_overflow() -> None:
    # 12 ** 4 ** 400 is far beyond a double; the distribution is still well defined.
    model = tiny_model(ns_exponent=400)
    p = model.noise_distribution()
    assert np.isfinite(p).all() and p[0] == pytest.approx(1.0)
    np.testing.assert_allclose(p, unigram_distribution(counts_of(model), 400), atol=1e-9)


def test_bad_ns_exponent_is_rejected() -> None:
    for bad in (float("nan"), float("inf"), "x"):
        with pytest.raises(ValueError, match="ns_exponent"):
            Word2Vec(ns_exponent=bad)


# ---- sample_negatives(): goodness of fit --------------------------------------------------------


@pytest.mark.parametrize("ns_exponent", [0.75, 0.0, -0.5])
def test_sample_negatives_fits_the_distribution(ns_exponent: float) -> None:
    model = demo_model(ns_exponent=ns_exponent)
    probs = model.noise_distribution()
    observed = draw_counts(model, N_DRAWS, seed=12345)
    assert chi_square_p(observed, probs) > 0.001


@pytest.mark.parametrize("kind", ["array", "mapping", "callable"])
def test_sample_negatives_fits_custom_weights(demo: Word2Vec, kind: str) -> None:
    words = demo.wv.index_to_key
    counts = counts_of(demo)
    # Weight only the words of odd length, by sqrt(count): about half the vocabulary is 0.
    weights = np.where([len(w) % 2 == 1 for w in words], np.sqrt(counts), 0.0)
    spec = {
        "array": weights,
        "mapping": {w: x for w, x in zip(words, weights) if x > 0},
        "callable": lambda w, c: math.sqrt(c) if len(w) % 2 == 1 else 0,
    }[kind]
    model = demo_model(noise_weights=spec)
    assert model.wv.index_to_key == words
    np.testing.assert_allclose(model.noise_weights, weights, rtol=1e-12)
    probs = model.noise_distribution()
    assert (probs[weights == 0] == 0).all()
    observed = draw_counts(model, N_DRAWS, seed=777)
    assert observed[weights == 0].sum() == 0, "a word with noise weight 0 was drawn"
    assert chi_square_p(observed, probs) > 0.001


def test_sample_negatives_never_returns_the_positive_word(demo: Word2Vec) -> None:
    probs = demo.noise_distribution()
    word = demo.wv.index_to_key[int(np.argmax(probs))]  # the likeliest word: "the"
    observed = draw_counts(demo, N_DRAWS, word=word, seed=99)
    i = demo.wv.key_to_index[word]
    assert observed[i] == 0
    conditional = probs.copy()
    conditional[i] = 0
    conditional /= conditional.sum()
    assert chi_square_p(observed, conditional) > 0.001


def test_sample_negatives_avoids_a_heavy_positive_word() -> None:
    # 99.99% of the mass on "the": redrawing must still terminate and never return it.
    model = tiny_model({"the": 9999, "tort": 1})
    assert set(model.sample_negatives(200, word="the", seed=1)) == {"tort"}
    assert model.sample_negatives(3, word="tort", seed=1) == ["the"] * 3


def test_sample_negatives_when_only_the_positive_word_has_weight() -> None:
    model = tiny_model({"the": 1.0})
    assert model.sample_negatives(4, seed=0) == ["the"] * 4
    with pytest.raises(ValueError, match="the"):
        model.sample_negatives(4, word="the")


def test_sample_negatives_is_fast(demo: Word2Vec) -> None:
    start = time.perf_counter()
    words = demo.sample_negatives(N_DRAWS, seed=5)
    elapsed = time.perf_counter() - start
    assert len(words) == N_DRAWS
    assert elapsed < 5.0, f"{N_DRAWS} draws took {elapsed:.2f} s"


def test_sample_negatives_seeding(demo: Word2Vec) -> None:
    a = demo.sample_negatives(50, seed=42)
    assert a == demo.sample_negatives(50, seed=42)
    assert a != demo.sample_negatives(50, seed=43)
    assert demo.sample_negatives(50) != demo.sample_negatives(50)  # fresh randomness
    assert demo.sample_negatives(50, seed=np.int64(42)) == a
    assert len(demo.sample_negatives(5, seed=-1)) == 5
    assert demo.sample_negatives(0) == []
    assert all(w in demo.wv for w in a)


def test_sample_negatives_rejects_bad_arguments(demo: Word2Vec) -> None:
    for k in (-1, 2.5, "3"):
        with pytest.raises(ValueError, match="k must be"):
            demo.sample_negatives(k)
    with pytest.raises(KeyError):
        demo.sample_negatives(3, word="not-a-word-of-the-demo-corpus")


def test_zero_weight_words_are_never_drawn_even_when_tiny_weights_are_near() -> None:
    # Weights spanning 300 orders of magnitude next to exact zeros.
    weights = np.array([0, 1e-300, 0, 1, 0, 1e-12, 1e300, 0, 3, 0, 1e-20, 0], dtype=np.float64)
    model = tiny_model(weights)
    p = model.noise_distribution()
    assert (p[weights == 0] == 0).all()
    assert p.sum() == pytest.approx(1.0)
    drawn = set(model.sample_negatives(20000, seed=3))
    zero = {w for w, x in zip(model.wv.index_to_key, weights) if x == 0}
    assert not drawn & zero


# ---- custom noise_weights: input forms and errors ---------------------------------------------


def test_mapping_weights_log_the_missing_words(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="w2v.noise"):
        model = tiny_model({"court": 2.0, "tort": 1.0, "not-in-vocab": 5.0})
    messages = " ".join(r.getMessage() for r in caplog.records if r.name == "w2v.noise")
    assert "10 of 12 vocabulary words are not in the mapping" in messages
    assert "1 of the mapping's 3 words are not in the vocabulary" in messages
    expected = np.zeros(12)
    expected[model.wv.key_to_index["court"]] = 2
    expected[model.wv.key_to_index["tort"]] = 1
    np.testing.assert_array_equal(model.noise_weights, expected)
    np.testing.assert_allclose(model.noise_distribution(), expected / 3, atol=1e-12)


def test_callable_weights_get_word_and_count() -> None:
    seen: List[tuple] = []

    def weight(word: str, count: int) -> float:
        seen.append((word, count))
        return count**0.5

    model = tiny_model(weight)
    assert sorted(seen) == sorted(TABLE.items())
    assert all(isinstance(c, int) for _, c in seen)
    np.testing.assert_allclose(model.noise_weights, counts_of(model) ** 0.5)


def test_array_weights_are_aligned_with_index_to_key() -> None:
    model = tiny_model(np.arange(12.0))
    np.testing.assert_array_equal(model.noise_weights, np.arange(12.0))
    assert model.noise_distribution()[0] == 0
    model = tiny_model(list(range(1, 13)))  # a plain list is an array too
    np.testing.assert_array_equal(model.noise_weights, np.arange(1.0, 13.0))


BAD_WEIGHTS = [
    # (spec, fragment of the message)
    ({"court": float("nan")}, "'court' is nan"),
    ({"court": float("inf")}, "'court' is inf"),
    ({"court": -1.0}, "'court' is -1.0"),
    ({"court": 1.0, "tort": -0.5}, "'tort' is -0.5"),
    ({"court": "2"}, "'court' is not a number"),
    ({"court": None}, "'court' is not a number"),
    ({"court": 1 + 1j}, "'court' is not a number"),
    ({"court": [1.0]}, "'court' is not a number"),
    ({}, "empty mapping"),
    ({"court": 1.0, "not-in-vocab": -3.0}, "'not-in-vocab' is -3.0"),  # checked for updates
    ({"court": 1.0, "not-in-vocab": "x"}, "'not-in-vocab' is not a number"),
    ({"not-in-vocab": 1.0}, "none of the mapping's 1 words"),
    ({"court": 0.0, "tort": 0}, "every weight is 0"),
    ({"court": 1e308, "tort": 1e308}, "infinity"),
    (np.zeros(12), "every weight is 0"),
    (np.ones(11), "11 entries but the vocabulary has 12"),
    (np.ones(13), "13 entries but the vocabulary has 12"),
    (np.ones((12, 1)), "1-D"),
    (np.float64(1.0), "1-D"),
    (np.r_[np.ones(11), np.nan], "'certiorari' is nan"),
    (np.r_[np.ones(3), -2, np.ones(8)], "'court' is -2.0"),
    (["1"] * 12, "'the' is not a number"),
    ([1.0] * 6 + [None] * 6, "'judge' is not a number"),
    (np.ones(12, dtype=complex), "'the' is not a number"),
    ("weights", "mapping, an array or a callable"),
    (lambda w, c: -1.0 if w == "judge" else 1.0, "'judge' is -1.0"),
    (lambda w, c: float("nan") if w == "appeal" else 1.0, "'appeal' is nan"),
    (lambda w, c: "heavy" if w == "tort" else 1.0, "'tort' is not a number"),
    (lambda w, c: None, "'the' is not a number"),
    (lambda w, c: 0.0, "every weight is 0"),
]


@pytest.mark.parametrize("spec, match", BAD_WEIGHTS)
def test_bad_noise_weights_raise_value_error(spec, match: str) -> None:
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace(")", r"\)")):
        tiny_model(spec)


def test_bad_noise_weights_raise_from_the_constructor_with_a_corpus() -> None:
    with pytest.raises(ValueError, match="'b' is -1.0"):
        Word2Vec([["a", "b"]] * 5, min_count=1, noise_weights={"a": 1, "b": -1})


def test_resolve_noise_weights_directly() -> None:
    words = ["x", "y", "z"]
    counts = np.array([9, 4, 0])
    np.testing.assert_allclose(resolve_noise_weights(None, words, counts, 0.5), [3, 2, 0])
    np.testing.assert_allclose(resolve_noise_weights({"y": 2}, words, counts, 0.5), [0, 2, 0])
    # an update: an array keeps the old words' weights and gives the new word 0
    got = resolve_noise_weights([1, 2], words, counts, 0.5, previous=np.array([1.0, 2.0]))
    np.testing.assert_array_equal(got, [1, 2, 0])


# ---- training draws from the same distribution ---------------------------------------------------

A_WORDS = [f"a{i}" for i in range(20)]
B_WORDS = [f"b{i}" for i in range(6)]
TRAINING_MODES = [
    pytest.param(dict(sg=1, shared_negatives=True), id="sg-shared"),
    pytest.param(dict(sg=1, shared_negatives=False), id="sg-classic"),
    pytest.param(dict(sg=0, shared_negatives=True), id="cbow"),
    pytest.param(dict(sg=0, shared_negatives=False), id="cbow-classic"),
]


@pytest.fixture(scope="module")
def corpora():
    """A training corpus of the A words only, and a vocabulary corpus that adds the B words:
    the B words are never a centre or a context, so their syn1neg rows can only change when
    they are drawn as noise words."""
    rng = np.random.default_rng(0)
    small = [[str(w) for w in rng.choice(A_WORDS, 10)] for _ in range(2000)]
    return small, small + [B_WORDS] * 3


def train_ab(corpora, weights, mode) -> Word2Vec:
    small, big = corpora
    model = Word2Vec(
        vector_size=8,
        min_count=1,
        sample=0,
        window=2,
        shrink_windows=False,
        alpha=1e-5,
        min_alpha=1e-5,
        workers=1,
        seed=3,
        noise_weights=weights,
        **mode,
    )
    model.build_vocab(big)
    # Tiny, identical input vectors and a tiny learning rate keep every update linear: the
    # update of a noise word's output row is then proportional to how often it was drawn.
    model.wv.vectors[:] = 0.03
    model.train(small, total_examples=len(small), epochs=1)
    return model


def output_norms(model: Word2Vec, words: List[str]) -> np.ndarray:
    rows = [model.wv.key_to_index[w] for w in words]
    return np.linalg.norm(model.syn1neg[rows], axis=1)


@pytest.mark.parametrize("mode", TRAINING_MODES)
def test_training_draws_noise_words_by_their_weights(corpora, mode) -> None:
    model = train_ab(corpora, {"b0": 1.0, "b1": 3.0, "a0": 0.5}, mode)
    norms = output_norms(model, B_WORDS)
    assert norms[0] > 0 and norms[1] > 0
    assert (norms[2:] == 0).all(), "a word with noise weight 0 was drawn in training"
    # b1 is drawn three times as often as b0 (to within the sampling noise, about 1%)
    assert norms[1] / norms[0] == pytest.approx(3.0, rel=0.1)


@pytest.mark.parametrize("mode", TRAINING_MODES)
def test_training_never_draws_zero_weight_words(corpora, mode) -> None:
    model = train_ab(corpora, {w: 1.0 for w in A_WORDS}, mode)
    assert (model.syn1neg[[model.wv.key_to_index[w] for w in B_WORDS]] == 0).all()
    assert (output_norms(model, A_WORDS) > 0).all()


def test_training_with_default_weights_draws_every_word(corpora) -> None:
    # The control for the two tests above: without custom weights the B words are drawn.
    model = train_ab(corpora, None, dict(sg=1))
    assert (output_norms(model, B_WORDS) > 0).all()


# ---- vocabulary updates and save/load ---------------------------------------------------------

NEW_WORDS = {"habeas": 50, "corpus": 40, "the": 100}


def test_update_default_weights_follow_the_new_counts() -> None:
    model = tiny_model(ns_exponent=0.5)
    model.build_vocab_from_freq(NEW_WORDS, update=True)
    assert model.wv.index_to_key[-2:] == ["habeas", "corpus"]
    expected = unigram_distribution(counts_of(model), 0.5)
    assert counts_of(model)[0] == TABLE["the"] + 100
    np.testing.assert_allclose(model.noise_distribution(), expected, atol=1e-9)


def test_update_mapping_and_callable_weights_apply_to_new_words() -> None:
    model = tiny_model({"court": 1.0, "habeas": 4.0})
    model.build_vocab_from_freq(NEW_WORDS, update=True)
    weights = dict(zip(model.wv.index_to_key, model.noise_weights))
    assert weights["court"] == 1.0 and weights["habeas"] == 4.0 and weights["corpus"] == 0.0
    model = tiny_model(lambda w, c: float(c) if w != "corpus" else 0.0)
    model.build_vocab_from_freq(NEW_WORDS, update=True)
    weights = dict(zip(model.wv.index_to_key, model.noise_weights))
    assert weights["habeas"] == 50.0 and weights["corpus"] == 0.0
    assert weights["the"] == TABLE["the"] + 100  # re-evaluated with the updated count
    assert "habeas" in set(model.sample_negatives(1000, seed=0))


def test_update_array_weights_keep_old_words_and_give_new_words_zero() -> None:
    weights = np.arange(1.0, 13.0)
    model = tiny_model(weights)
    model.build_vocab_from_freq(NEW_WORDS, update=True)
    np.testing.assert_array_equal(model.noise_weights, np.r_[weights, 0, 0])
    model.build_vocab_from_freq({"mandamus": 3}, update=True)  # a second update
    np.testing.assert_array_equal(model.noise_weights, np.r_[weights, 0, 0, 0])
    assert not {"habeas", "corpus", "mandamus"} & set(model.sample_negatives(5000, seed=1))


def test_training_after_an_update_uses_the_new_weights(corpora) -> None:
    small, big = corpora
    model = Word2Vec(
        vector_size=8, min_count=1, workers=1, seed=1, noise_weights={"a0": 1.0, "new": 1.0}
    )
    model.build_vocab(big)
    model.train(small, total_examples=len(small), epochs=1)
    model.build_vocab([["new"]], update=True)
    row = model.wv.key_to_index["new"]
    assert (model.syn1neg[row] == 0).all()
    model.train(small, total_examples=len(small), epochs=1)
    assert (model.syn1neg[row] != 0).any(), "the new word's noise weight was not used"


@pytest.mark.parametrize(
    "spec",
    [None, {"court": 2.0, "tort": 1.0}, np.arange(12.0), lambda w, c: len(w)],
    ids=["default", "mapping", "array", "callable"],
)
@pytest.mark.parametrize("mmap", [None, "r"])
def test_noise_weights_survive_save_and_load(tmp_path, spec, mmap) -> None:
    model = tiny_model(spec, ns_exponent=0.6)
    model.train([["court", "case", "tort"]] * 20, total_examples=20, epochs=1)
    path = tmp_path / "model.w2v"
    model.save(str(path))
    loaded = Word2Vec.load(str(path), mmap=mmap)
    np.testing.assert_array_equal(loaded.noise_weights, model.noise_weights)
    np.testing.assert_array_equal(loaded.noise_distribution(), model.noise_distribution())
    assert loaded.sample_negatives(100, word="court", seed=8) == model.sample_negatives(
        100, word="court", seed=8
    )


def test_mapping_weights_apply_to_new_words_after_load(tmp_path) -> None:
    model = tiny_model({"court": 1.0, "habeas": 4.0})
    model.save(str(tmp_path / "m.w2v"))
    loaded = Word2Vec.load(str(tmp_path / "m.w2v"))
    loaded.build_vocab_from_freq(NEW_WORDS, update=True)
    weights = dict(zip(loaded.wv.index_to_key, loaded.noise_weights))
    assert weights["court"] == 1.0 and weights["habeas"] == 4.0 and weights["the"] == 0.0


@pytest.mark.parametrize(
    "spec", [np.arange(1.0, 13.0), lambda w, c: float(len(w))], ids=["array", "callable"]
)
def test_custom_weights_survive_an_update_after_load(tmp_path, spec) -> None:
    model = tiny_model(spec)
    before = model.noise_weights.copy()
    model.save(str(tmp_path / "m.w2v"))
    loaded = Word2Vec.load(str(tmp_path / "m.w2v"))
    loaded.build_vocab_from_freq(NEW_WORDS, update=True)
    # The documented rule for weights that cannot be stored (an array, or a callable's
    # values): known words keep their weights, new words get 0.
    np.testing.assert_array_equal(loaded.noise_weights, np.r_[before, 0, 0])


def test_loaded_model_trains_with_its_custom_weights(tmp_path, corpora) -> None:
    small, big = corpora
    model = Word2Vec(vector_size=8, min_count=1, workers=1, noise_weights={"b0": 1.0})
    model.build_vocab(big)
    model.save(str(tmp_path / "m.w2v"))
    loaded = Word2Vec.load(str(tmp_path / "m.w2v"))
    loaded.train(small, total_examples=len(small), epochs=1)
    norms = output_norms(loaded, B_WORDS)
    assert norms[0] > 0 and (norms[1:] == 0).all()
