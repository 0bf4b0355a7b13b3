"""The negative-sampling noise distribution, in the open.

Negative sampling trains each positive (word, context) pair against a few "noise" words
drawn from a distribution over the vocabulary. word2vec uses the unigram distribution raised
to a power ``a`` (``ns_exponent``, 0.75 by default)::

    p(w) = count(w) ** a / sum_v count(v) ** a

This module computes that distribution and resolves user-supplied noise weights; the
sampling itself is the C++ alias sampler shared with training (``Word2Vec.sample_negatives``).
See ``docs/negative-sampling.md``.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np

logger = logging.getLogger(__name__)

NoiseWeights = Union[
    None, Mapping[str, float], Sequence[float], np.ndarray, Callable[[str, int], float]
]


def unigram_distribution(
    counts: Union[Mapping[Any, float], Sequence[float], np.ndarray], power: float = 0.75
) -> Union[dict, np.ndarray]:
    """The unigram distribution raised to ``power``, normalised to sum to 1.

    Parameters
    ----------
    counts : mapping of word to count, or array-like of counts
    power : float
        Any finite number: 0.75 is word2vec's default, 1 the plain unigram distribution, 0
        uniform, negative values favour rare words. Words with count 0 get probability 0
        (for any power).

    Returns
    -------
    dict or numpy.ndarray
        A dict ``{word: probability}`` for a mapping, else a float64 array of the same shape.

    Examples
    --------
    >>> unigram_distribution({"the": 16, "cat": 1}, power=0.5)
    {'the': 0.8, 'cat': 0.2}
    """
    if not math.isfinite(float(power)):
        raise ValueError(f"power must be a finite number, got {power!r}")
    if isinstance(counts, Mapping):
        keys = list(counts)
        probs = unigram_distribution(np.asarray([counts[k] for k in keys], dtype=np.float64), power)
        return dict(zip(keys, probs.tolist()))
    arr = np.asarray(counts, dtype=np.float64)
    if arr.size == 0:
        raise ValueError("counts is empty")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("counts must be finite and >= 0")
    weights = np.zeros_like(arr)
    positive = arr > 0
    weights[positive] = arr[positive] ** float(power)
    total = weights.sum()
    if not total > 0 or not math.isfinite(total):
        raise ValueError("counts must include a positive value")
    return weights / total


def resolve_noise_weights(
    spec: NoiseWeights,
    words: Sequence[str],
    counts: np.ndarray,
    ns_exponent: float,
    previous: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Noise weights aligned with ``words``, from the user's ``noise_weights`` spec.

    With ``spec=None`` the weights are ``count ** ns_exponent``. A mapping gives each word its
    value (0 when absent); a callable is called as ``spec(word, count)``; an array must match
    the vocabulary. After a vocabulary update (``previous`` given) an array spec keeps the old
    words' weights and gives new words 0; mappings and callables are applied to the new words.

    Raises
    ------
    ValueError
        On a negative, non-finite or non-numeric weight (naming the first bad word), on a
        length mismatch, or when all weights are 0.
    """
    n = len(words)
    counts = np.asarray(counts, dtype=np.float64)
    if spec is None:
        weights = np.zeros(n, dtype=np.float64)
        positive = counts > 0
        weights[positive] = counts[positive] ** float(ns_exponent)
    elif isinstance(spec, Mapping):
        values = [spec.get(w, 0.0) for w in words]
        weights = _checked(values, words)
        missing = sum(1 for w in words if w not in spec)
        if missing:
            logger.info(
                "noise_weights: %i of %i vocabulary words are not in the mapping and get weight 0",
                missing,
                n,
            )
    elif callable(spec):
        weights = _checked([spec(w, int(c)) for w, c in zip(words, counts)], words)
    else:
        arr = np.asarray(spec)
        if arr.ndim != 1:
            raise ValueError(f"noise_weights array must be 1-D, got shape {arr.shape}")
        if previous is not None and len(arr) < n:
            arr = np.concatenate([_checked(arr, words[: len(arr)]), np.zeros(n - len(arr))])
        if len(arr) != n:
            raise ValueError(
                f"noise_weights has {len(arr)} entries but the vocabulary has {n} words "
                "(an array must be aligned with wv.index_to_key)"
            )
        weights = _checked(arr, words)
    total = float(weights.sum())
    if not total > 0 or not math.isfinite(total):
        raise ValueError("noise_weights must have a positive, finite sum (every weight is 0)")
    return weights


def _checked(values: Any, words: Sequence[str]) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        for w, v in zip(words, values):
            try:
                float(v)
            except (TypeError, ValueError):
                raise ValueError(f"noise weight of {w!r} is not a number: {v!r}") from None
        raise
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"noise weight of {words[i]!r} is {arr[i]!r}; weights must be finite and >= 0"
        )
    return arr
