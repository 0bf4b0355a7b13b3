"""Small vector helpers shared by the similarity queries, the evaluations and the prediction.

Plain numpy functions on arrays, with no knowledge of keys, so that any module may import them
without importing :mod:`w2v.keyedvectors`.
"""

from __future__ import annotations

from typing import Optional

import numpy as np


def top_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``values``, largest first (ties as gensim orders them).

    Parameters
    ----------
    values : numpy.ndarray
        1-d scores.
    k : int
        How many indices to return (at most ``len(values)``).

    Returns
    -------
    numpy.ndarray
        Indices into ``values``.
    """
    neg = -np.asarray(values)
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if k >= neg.size:
        return neg.argsort()[:k]
    # argpartition finds the k best in linear time; only those k are then sorted.
    part = neg.argpartition(k)[:k]
    return part[neg[part].argsort()]


def unitvec(vec: np.ndarray) -> np.ndarray:
    """``vec`` scaled to unit length, in its own dtype (a zero vector is returned as is)."""
    norm = np.linalg.norm(vec)
    if norm > 0:
        return (vec / norm).astype(vec.dtype, copy=False)
    return vec


def unit_rows(vectors: np.ndarray, norms: Optional[np.ndarray] = None) -> np.ndarray:
    """The rows of ``vectors`` scaled to unit length, as a new array; zero rows stay zero.

    Parameters
    ----------
    vectors : numpy.ndarray
        ``(n, d)`` matrix.
    norms : numpy.ndarray, optional
        The L2 norm of each row, if already known.
    """
    vectors = np.asarray(vectors)
    if norms is None:
        norms = np.linalg.norm(vectors, axis=1)
    zero = norms == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        normed = vectors / norms[:, None]
    if zero.any():
        normed[zero] = 0
    return normed


def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
    """Cosine similarity of ``vector_1`` (shape ``(d,)``) to each row of ``vectors_all``."""
    norm = np.linalg.norm(vector_1)
    all_norms = np.linalg.norm(vectors_all, axis=1)
    return (vectors_all @ vector_1) / (norm * all_norms)
