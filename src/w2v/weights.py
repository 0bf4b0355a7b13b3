"""The weight matrices: fresh ones for a new vocabulary, and rows added for new words.

Input vectors follow gensim's recipe, uniform in [-1, 1) / vector_size, filled by C++ threads;
row i comes from its own random stream seeded by (seed, i), so a vocabulary that grows later
gets the same rows whatever the number of threads. Output matrices (``syn1neg`` for negative
sampling, ``syn1`` for hierarchical softmax) start at zero and exist only when used.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from w2v import _core


def random_vectors(count: int, first_row: int, dim: int, seed: int, threads: int) -> np.ndarray:
    """Rows ``first_row .. first_row + count`` of the initial input vectors."""
    vecs = np.empty((count, dim), dtype=np.float32)
    if count:
        _core.fill_uniform_rows(vecs, seed & (2**64 - 1), first_row, 1.0 / dim, threads)
    return vecs


def output_matrix(rows: int, dim: int, used: bool) -> np.ndarray:
    """A zero output matrix, or an empty one when its objective is off."""
    return np.zeros((rows if used else 0, dim), dtype=np.float32)


def grown(
    vectors: np.ndarray, outputs: Tuple[np.ndarray, ...], rows: int, seed: int, threads: int
) -> Tuple[np.ndarray, Tuple[np.ndarray, ...]]:
    """``vectors`` and the non-empty ``outputs`` extended to ``rows`` rows (new words)."""
    old, dim = vectors.shape
    gained = rows - old
    if gained <= 0:
        return vectors, outputs
    vectors = np.vstack([vectors, random_vectors(gained, old, dim, seed, threads)])
    pad = np.zeros((gained, dim), dtype=np.float32)
    return vectors, tuple(np.vstack([m, pad]) if len(m) else m for m in outputs)
