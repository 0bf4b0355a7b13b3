"""Similarity queries over keyed vectors: the maths behind ``KeyedVectors.most_similar`` & co.

Plain functions taking the vectors (a :class:`~w2v.keyed_storage.KeyedStorage`) first; the
gensim-compatible methods of :class:`~w2v.keyedvectors.KeyedVectors` hold the defaults and the
documentation and forward every argument here. Every query is one matrix-vector (or
matrix-matrix) product over the vocabulary; nothing loops over the vocabulary in Python.
"""

from __future__ import annotations

import logging
from numbers import Integral
from typing import Any, Iterable, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from w2v.keyed_storage import KEY_TYPES, Key, KeyedStorage
from w2v.vectors_math import cosine_similarities, top_indices, unit_rows, unitvec

logger = logging.getLogger(__name__)

Similarities = Union[List[Tuple[Any, float]], np.ndarray]
_ITEM_TYPES = (*KEY_TYPES, np.ndarray)  # a query item that is not a (item, weight) pair


def check_topn(topn: Any) -> Optional[int]:
    """``topn`` as an int, or None.

    Raises
    ------
    ValueError
        If ``topn`` is neither None nor a non-negative integer.
    """
    if topn is None:
        return None
    if isinstance(topn, Integral) and not isinstance(topn, bool):
        if topn < 0:
            raise ValueError(f"topn must be a non-negative integer or None, got {topn}")
        return int(topn)
    raise ValueError(f"topn must be a non-negative integer or None, got {topn!r}")


def _as_list(value: Any) -> list:
    """A single key or vector becomes a one-element list; a 2-d array a list of rows."""
    if value is None:
        return []
    if isinstance(value, KEY_TYPES):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [value]
        if value.ndim == 2:
            return list(value)
    return list(value)


# ---- weighted means ------------------------------------------------------------------------


def _split_items(
    kv: KeyedStorage, weighted: Iterable[Tuple[Any, Any]], ignore_missing: bool
) -> Tuple[List[Union[int, np.ndarray]], List[Any]]:
    """The items of ``(item, weight)`` pairs that take part, in their order: a key as its row
    (an int), a raw vector as itself; and their weights.

    Raises
    ------
    KeyError
        For an unknown key, unless ``ignore_missing``.
    """
    items: List[Union[int, np.ndarray]] = []
    weights: List[Any] = []
    for item, weight in weighted:
        if isinstance(item, np.ndarray):
            items.append(item)
            weights.append(weight)
            continue
        row = kv.get_index(item, -1)
        if row >= 0:
            items.append(row)
            weights.append(weight)
        elif not ignore_missing:
            raise KeyError(f"Key '{item}' not present in vocabulary")
    return items, weights


def _key_rows(items: Sequence[Union[int, np.ndarray]]) -> List[int]:
    """The rows of the keys among ``items``."""
    return [it for it in items if not isinstance(it, np.ndarray)]


def _weighted_mean(
    kv: KeyedStorage,
    items: Sequence[Union[int, np.ndarray]],
    weights: Sequence[Any],
    pre_normalize: bool,
) -> np.ndarray:
    """Weighted sum of the items' vectors, divided by the total absolute weight, in the
    vectors' dtype. A key's vector is its row (unit-normalised if ``pre_normalize``, exactly
    as ``get_vector(key, norm=True)``), a raw vector is taken as given; all are summed in one
    product in their given order, so a key and its vector given instead give the same bits."""
    dtype = kv.vectors.dtype
    if not items:
        return np.zeros(kv.vector_size, dtype=dtype)
    block = np.empty((len(items), kv.vector_size), dtype=dtype)
    key_at = [i for i, it in enumerate(items) if not isinstance(it, np.ndarray)]
    raw_at = [i for i, it in enumerate(items) if isinstance(it, np.ndarray)]
    if key_at:
        rows = [items[i] for i in key_at]
        if pre_normalize:
            kv.fill_norms()
            block[key_at] = kv.vectors[rows] / kv.norms[rows][:, None]
        else:
            block[key_at] = kv.vectors[rows]
    if raw_at:
        block[raw_at] = np.vstack([items[i] for i in raw_at]).astype(dtype, copy=False)
    w = np.array(weights, dtype=dtype)
    mean = w @ block
    total = float(np.abs(w).sum())
    if total > 0:
        mean /= total
    return mean


def mean_vector(
    kv: KeyedStorage,
    keys: Any,
    weights: Optional[Union[Sequence[float], np.ndarray]],
    pre_normalize: bool,
    post_normalize: bool,
    ignore_missing: bool,
) -> np.ndarray:
    """Weighted mean of the vectors of ``keys`` (see ``KeyedVectors.get_mean_vector``)."""
    if isinstance(keys, np.ndarray) and keys.ndim == 2:
        keys = list(keys)
    if len(keys) == 0:
        raise ValueError("cannot compute a mean with no input")
    dtype = kv.vectors.dtype
    if weights is None:
        weights = np.ones(len(keys), dtype=dtype)
    else:
        weights = np.asarray(weights, dtype=dtype)
    if len(keys) != weights.shape[0]:
        raise ValueError("keys and weights must have the same number of elements")
    items, item_weights = _split_items(kv, zip(keys, weights), ignore_missing)
    mean = _weighted_mean(kv, items, item_weights, pre_normalize=pre_normalize)
    if post_normalize:
        mean = unitvec(mean).astype(np.float32)
    return mean


# ---- nearest keys --------------------------------------------------------------------------


def _best(
    kv: KeyedStorage, dists: np.ndarray, topn: int, exclude: Set[int], offset: int = 0
) -> List[Tuple[Any, float]]:
    """The ``topn`` best-scoring keys, skipping the rows in ``exclude``; row ``i`` of
    ``dists`` is row ``i + offset`` of the vectors."""
    best = top_indices(dists, topn + len(exclude))
    keys = kv.index_to_key
    result = [
        (keys[i + offset], sim)
        for i, sim in zip(best.tolist(), dists[best].tolist())
        if i + offset not in exclude
    ]
    return result[:topn]


def most_similar(
    kv: KeyedStorage,
    positive: Any,
    negative: Any,
    topn: Optional[int],
    clip_start: int,
    clip_end: Optional[int],
    restrict_vocab: Optional[int],
    indexer: Any,
) -> Similarities:
    """Cosine similarity to the weighted mean of the inputs (``KeyedVectors.most_similar``)."""
    topn = check_topn(topn)
    if topn == 0:
        return []
    positive = _as_list(positive)
    negative = _as_list(negative)
    if not positive and not negative:
        raise ValueError("cannot compute similarity with no input: give positive or negative")
    kv.fill_norms()
    clip_end = clip_end or len(kv.vectors)
    if restrict_vocab:
        clip_start, clip_end = 0, restrict_vocab
    weighted = []
    for i, item in enumerate(positive + negative):
        weight = 1.0 if i < len(positive) else -1.0
        if not isinstance(item, _ITEM_TYPES):  # (key or vector, weight)
            item, weight = item[0], float(item[1])
        weighted.append((item, weight))
    items, weights = _split_items(kv, weighted, ignore_missing=False)
    rows = _key_rows(items)
    mean = _weighted_mean(kv, items, weights, pre_normalize=True)
    mean = unitvec(mean).astype(np.float32, copy=False)
    if indexer is not None and isinstance(topn, int):
        # No index holds more neighbours than there are vectors: a larger topn asks no more.
        return indexer.most_similar(mean, min(topn, len(kv.vectors)))
    with np.errstate(divide="ignore", invalid="ignore"):
        dists = kv.vectors[clip_start:clip_end] @ mean / kv.norms[clip_start:clip_end]
    if topn is None:
        return dists
    return _best(kv, dists, topn, set(rows), offset=clip_start)


def most_similar_cosmul(
    kv: KeyedStorage,
    positive: Any,
    negative: Any,
    topn: Optional[int],
    restrict_vocab: Optional[int],
) -> Similarities:
    """3CosMul scores (``KeyedVectors.most_similar_cosmul``)."""
    topn = check_topn(topn)
    if topn == 0:
        return []
    positive = _as_list(positive)
    negative = _as_list(negative)
    if not positive:
        raise ValueError("cannot compute similarity with no positive input")
    kv.fill_norms()
    exclude = {
        kv.get_index(k)
        for k in positive + negative
        if not isinstance(k, np.ndarray) and k in kv.key_to_index
    }
    terms = [
        np.asarray(k) if isinstance(k, np.ndarray) else kv.get_vector(k, norm=True)
        for k in positive + negative
    ]
    everything = np.vstack(terms).astype(kv.vectors.dtype, copy=False)
    end = restrict_vocab or len(kv.vectors)
    vectors, norms = kv.vectors[:end], kv.norms[:end]
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = (1 + (vectors @ everything.T) / norms[:, None]) / 2
    dists = np.prod(sims[:, : len(positive)], axis=1)
    dists /= np.prod(sims[:, len(positive) :], axis=1) + 0.000001
    if topn is None:
        return dists
    return _best(kv, dists, topn, exclude)


def rank_by_centrality(
    kv: KeyedStorage, words: Sequence[Key], use_norm: bool
) -> List[Tuple[float, Key]]:
    """``words`` by cosine similarity to their mean (``KeyedVectors.rank_by_centrality``)."""
    kv.fill_norms()
    used = [w for w in words if w in kv]
    if len(used) != len(words):
        logger.warning(
            "vectors for words %s are not present in the model, ignoring these words",
            set(words) - set(used),
        )
    if not used:
        raise ValueError("cannot select a word from an empty list")
    idx = kv._indices(used)
    vectors = kv.vectors[idx]
    if use_norm:
        vectors = vectors / kv.norms[idx, None]
    vectors = vectors.astype(np.float32, copy=False)
    mean = mean_vector(kv, vectors, None, True, True, True)
    dists = vectors @ mean
    return sorted(zip(dists.tolist(), used), reverse=True)


# ---- pairwise measures ---------------------------------------------------------------------


def distances(
    kv: KeyedStorage, word_or_vector: Union[Key, np.ndarray], other_words: Sequence[Key]
) -> np.ndarray:
    """Cosine distances from a key or vector to ``other_words`` (all keys if empty)."""
    if isinstance(word_or_vector, KEY_TYPES):
        vector = kv.get_vector(word_or_vector)
    else:
        vector = np.asarray(word_or_vector)
    if other_words is None or len(other_words) == 0:
        others = kv.vectors
    else:
        others = kv.vectors[kv._indices(other_words)]
    return 1 - cosine_similarities(vector, others)


def similarity(kv: KeyedStorage, w1: Key, w2: Key) -> float:
    """Cosine similarity of two keys."""
    return float(np.dot(unitvec(kv[w1]), unitvec(kv[w2])))


def n_similarity(kv: KeyedStorage, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
    """Cosine similarity of the (raw) means of two sets of keys."""
    if not (len(ws1) and len(ws2)):
        raise ZeroDivisionError("At least one of the passed lists is empty.")
    mean1 = mean_vector(kv, ws1, None, False, False, True)
    mean2 = mean_vector(kv, ws2, None, False, False, True)
    return float(np.dot(unitvec(mean1), unitvec(mean2)))


def closer_than(kv: KeyedStorage, key1: Key, key2: Key) -> List[Key]:
    """All keys closer to ``key1`` than ``key2`` is (``key1`` itself excluded)."""
    all_distances = distances(kv, key1, ())
    i1 = kv.get_index(key1)
    i2 = kv.get_index(key2)
    closer = np.flatnonzero(all_distances < all_distances[i2])
    return [kv.index_to_key[i] for i in closer if i != i1]


def wmdistance(
    kv: KeyedStorage, document1: Sequence[Key], document2: Sequence[Key], norm: bool
) -> float:
    """Word Mover's Distance between two documents (``KeyedVectors.wmdistance``)."""
    # POT is optional: imported only when a distance is asked for.
    from ot import emd2

    doc1 = [w for w in document1 if w in kv]
    doc2 = [w for w in document2 if w in kv]
    if len(doc1) != len(document1) or len(doc2) != len(document2):
        logger.info(
            "Removed %d and %d OOV words from document 1 and 2 (respectively).",
            len(document1) - len(doc1),
            len(document2) - len(doc2),
        )
    if not doc1 or not doc2:
        logger.warning("At least one of the documents had no words that were in the vocabulary.")
        return float("inf")
    vocab = {w: i for i, w in enumerate(dict.fromkeys(doc1 + doc2))}
    if len(vocab) == 1:
        return 0.0
    words1, words2 = list(dict.fromkeys(doc1)), list(dict.fromkeys(doc2))
    v1 = np.array([kv.get_vector(w, norm=norm) for w in words1], dtype=np.float64)
    v2 = np.array([kv.get_vector(w, norm=norm) for w in words2], dtype=np.float64)
    pairwise = np.sqrt(
        np.maximum((v1**2).sum(1)[:, None] + (v2**2).sum(1)[None, :] - 2 * v1 @ v2.T, 0.0)
    )
    distance = np.zeros((len(vocab), len(vocab)), dtype=np.float64)
    distance[np.ix_([vocab[w] for w in words1], [vocab[w] for w in words2])] = pairwise
    if abs(distance.sum()) < 1e-8:
        logger.info("The distance matrix is all zeros. Aborting (returning inf).")
        return float("inf")

    def nbow(doc: List[Key]) -> np.ndarray:
        weights = np.zeros(len(vocab), dtype=np.float64)
        np.add.at(weights, [vocab[w] for w in doc], 1.0 / len(doc))
        return weights

    return float(emd2(nbow(doc1), nbow(doc2), distance))


# ---- many queries at once ------------------------------------------------------------------

#: Scores held at once by :func:`most_similar_batch` (queries per block x searched rows).
BATCH_SCORES = 1 << 25
_CHUNK = 64  # columns per chunk in the two-step top-k selection


def _top_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """Columns of the ``k`` largest scores of each row, largest first.

    Two steps, so that the costly part is one streaming pass over ``scores``: the maximum of
    each of ``n_cols // _CHUNK`` interleaved chunks (chunk ``j`` holds columns ``j``,
    ``j + m``, ``j + 2m``, ..., so the maxima are element-wise maxima of contiguous slices),
    then an exact selection among the ``k`` chunks with the largest maxima only: the ``k``
    best scores of a row can lie in no other chunk.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k <= 0:
        return np.zeros((n_rows, 0), dtype=np.intp)
    m = n_cols // _CHUNK
    if m <= 2 * k:  # few chunks: select among all columns directly
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        main = m * _CHUNK
        chunk_max = scores[:, :main].reshape(n_rows, _CHUNK, m).max(axis=1)
        if main < n_cols:  # the last columns form one more, shorter chunk
            chunk_max = np.hstack([chunk_max, scores[:, main:].max(axis=1)[:, None]])
        chunks = np.argpartition(-chunk_max, k - 1, axis=1)[:, :k, None]
        step = np.arange(_CHUNK)
        columns = np.where(chunks < m, chunks + m * step, main + step).reshape(n_rows, -1)
        past_end = columns >= n_cols
        values = np.take_along_axis(scores, np.minimum(columns, n_cols - 1), axis=1)
        values[past_end] = -np.inf
        best = np.argpartition(-values, k - 1, axis=1)[:, :k]
        part = np.take_along_axis(columns, best, axis=1)
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
    return np.take_along_axis(part, order, axis=1)


def _batch_queries(kv: KeyedStorage, queries: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Unit query vectors (one row per query) and each query's own row (-1 for a vector)."""
    items = _as_list(queries)
    dtype = kv.vectors.dtype
    rows = np.array(
        [-1 if isinstance(q, np.ndarray) else kv.get_index(q) for q in items], dtype=np.intp
    )
    if not len(items):
        return np.zeros((0, kv.vector_size), dtype=dtype), rows
    matrix = np.empty((len(items), kv.vector_size), dtype=dtype)
    is_key = rows >= 0
    if is_key.any():
        matrix[is_key] = kv.vectors[rows[is_key]]
    for i in np.flatnonzero(~is_key):
        matrix[i] = np.asarray(items[i], dtype=dtype).reshape(kv.vector_size)
    return unit_rows(matrix).astype(dtype, copy=False), rows


def most_similar_batch(
    kv: KeyedStorage, queries: Any, topn: Optional[int], restrict_vocab: Optional[int]
) -> Union[List[List[Tuple[Any, float]]], np.ndarray]:
    """Separate ``most_similar`` queries answered together (``KeyedVectors.most_similar_batch``).

    The queries' similarities to the searched rows are computed a block of queries at a time,
    each block one matrix product holding at most ``BATCH_SCORES`` scores.
    """
    topn = check_topn(topn)
    unit, own_rows = _batch_queries(kv, queries)
    kv.fill_norms()
    end = min(restrict_vocab or len(kv.vectors), len(kv.vectors))
    vectors, norms = kv.vectors[:end], kv.norms[:end]
    if topn is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (unit @ vectors.T) / norms
    keys = kv.index_to_key
    results: List[List[Tuple[Any, float]]] = []
    if topn == 0:
        return [[] for _ in own_rows]
    step = max(1, min(len(unit), BATCH_SCORES // max(end, 1)))
    block = np.empty((step, end), dtype=np.result_type(unit, vectors))  # reused: no page faults
    for start in range(0, len(unit), step):
        queries_here = unit[start : start + step]
        scores = np.matmul(queries_here, vectors.T, out=block[: len(queries_here)])
        with np.errstate(divide="ignore", invalid="ignore"):
            scores /= norms
        best = _top_columns(scores, topn + 1)
        sims = np.take_along_axis(scores, best, axis=1)
        for own, cols, row_sims in zip(own_rows[start:], best.tolist(), sims.tolist()):
            found = [(keys[c], s) for c, s in zip(cols, row_sims) if c != own]
            results.append(found[:topn])
    return results
