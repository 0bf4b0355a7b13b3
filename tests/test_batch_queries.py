"""``KeyedVectors.most_similar_batch``: many separate queries as blocked matrix products, with
the answers of one ``most_similar`` call per query."""

from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np
import pytest

from w2v import KeyedVectors, similarity

Results = List[Tuple[Any, float]]


def clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Gaussian clusters around random centres, with varied norms."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(2, n // 40), dim))
    rows = centres[rng.integers(len(centres), size=n)] + 0.7 * rng.standard_normal((n, dim))
    return (rows * rng.lognormal(0, 0.3, size=(n, 1))).astype(np.float32)


@pytest.fixture(scope="module")
def kv() -> KeyedVectors:
    vectors = clustered(3000, 24)
    kv = KeyedVectors(24)
    kv.add_vectors([f"w{i}" for i in range(len(vectors))], vectors)
    return kv


def assert_same(batch: Results, single: Results) -> None:
    assert [k for k, _ in batch] == [k for k, _ in single]
    np.testing.assert_allclose([s for _, s in batch], [s for _, s in single], atol=1e-5)


def test_batch_equals_a_loop_of_most_similar(kv: KeyedVectors) -> None:
    keys = [f"w{i}" for i in range(0, 3000, 7)]
    batch = kv.most_similar_batch(keys, topn=10)
    assert len(batch) == len(keys)
    for key, found in zip(keys, batch):
        assert key not in [k for k, _ in found]
        assert_same(found, kv.most_similar(key, topn=10))


@pytest.mark.parametrize("topn", [1, 5, 64])
def test_batch_in_several_blocks(
    kv: KeyedVectors, topn: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(similarity, "BATCH_SCORES", 3000 * 7)  # 7 queries per block
    keys = [f"w{i}" for i in range(50)]
    for key, found in zip(keys, kv.most_similar_batch(keys, topn=topn)):
        assert_same(found, kv.most_similar(key, topn=topn))


def test_batch_restrict_vocab_vectors_and_sizes(kv: KeyedVectors) -> None:
    keys = ["w5", "w2500", "w17"]
    for key, found in zip(keys, kv.most_similar_batch(keys, topn=4, restrict_vocab=100)):
        assert_same(found, kv.most_similar(key, topn=4, restrict_vocab=100))
    raw = kv.vectors[[3, 9]] * 2.5
    by_rows = kv.most_similar_batch(raw, topn=3)  # a 2-d array: one query per row
    for vector, found in zip(raw, by_rows):
        assert_same(found, kv.most_similar(positive=[vector], topn=3))
    assert by_rows[0][0][0] == "w3"  # a raw vector's own key is not left out
    assert kv.most_similar_batch(["w1", raw[0]], topn=3)[1] == by_rows[0]
    assert kv.most_similar_batch(["w1", "w2"], topn=0) == [[], []]
    assert kv.most_similar_batch([], topn=3) == []
    everything = kv.most_similar_batch(["w1"], topn=5000)[0]
    assert len(everything) == 2999 and "w1" not in dict(everything)
    scores = kv.most_similar_batch(["w1", "w2"], topn=None)
    assert scores.shape == (2, 3000)
    np.testing.assert_allclose(scores[1], kv.most_similar("w2", topn=None), atol=1e-6)


def test_batch_errors(kv: KeyedVectors) -> None:
    with pytest.raises(KeyError):
        kv.most_similar_batch(["w1", "nope"])
    with pytest.raises(ValueError):
        kv.most_similar_batch(["w1"], topn=-1)


@pytest.mark.parametrize("n_cols", [5, 64, 130, 1000, 2560, 4099])
def test_top_columns_is_an_exact_selection(n_cols: int) -> None:
    rng = np.random.default_rng(n_cols)
    scores = rng.standard_normal((9, n_cols)).astype(np.float32)
    scores[0, -1] = 10.0  # the best score in the short last chunk
    for k in (1, 3, 11):
        got = similarity._top_columns(scores, k)
        want = np.argsort(-scores, axis=1)[:, : min(k, n_cols)]
        np.testing.assert_array_equal(got, want)


def test_float64_vectors() -> None:
    vectors = clustered(500, 8, seed=3).astype(np.float64)
    kv = KeyedVectors(8, dtype=np.float64)
    kv.add_vectors([str(i) for i in range(500)], vectors)
    for key, found in zip(["1", "2"], kv.most_similar_batch(["1", "2"], topn=5)):
        assert_same(found, kv.most_similar(key, topn=5))
