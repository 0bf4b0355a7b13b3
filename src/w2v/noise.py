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

__all__ = ["NoiseWeights", "power_weights", "resolve_noise_weights", "unigram_distribution"]


def unigram_distribution(
    counts: Union[Mapping[Any, float], Sequence[float], np.ndarray], power: float = 0.75
) -> Union[dict, np.ndarray]:
    """The unigram distribution raised to ``power``, normalised to sum to 1.

    ``p[i] = counts[i] ** power / sum_j counts[j] ** power``, the default noise distribution
    of negative sampling (``power`` is ``Word2Vec(ns_exponent=...)``).

    Parameters
    ----------
    counts : mapping of word to count, or array-like of counts
        Finite and >= 0, at least one positive. Counts need not be integers.
    power : float
        Any finite number: 0.75 is word2vec's default, 1 the plain unigram distribution, 0
        uniform, negative values favour rare words. Words with count 0 get probability 0
        (for any power, unlike ``0 ** 0 == 1``).

    Returns
    -------
    dict or numpy.ndarray
        A dict ``{word: probability}`` (same key order) for a mapping, else a float64 array
        of the same shape as ``counts``. The probabilities sum to 1.

    Raises
    ------
    ValueError
        If ``power`` is not finite, or ``counts`` is empty, holds a negative, non-finite or
        non-numeric value (the first one is named), or has no positive value.

    Examples
    --------
    >>> unigram_distribution({"the": 16, "cat": 1}, power=0.5)
    {'the': 0.8, 'cat': 0.2}
    >>> unigram_distribution([1, 1, 2], power=0).tolist()
    [0.3333333333333333, 0.3333333333333333, 0.3333333333333333]
    """
    power = _finite_power(power)
    if isinstance(counts, Mapping):
        keys = list(counts)
        arr = _checked_numbers([counts[k] for k in keys], keys, "count")
        return dict(zip(keys, unigram_distribution(arr, power).tolist()))
    arr = np.asarray(counts)
    if arr.size == 0:
        raise ValueError("counts is empty")
    flat = _checked_numbers(arr.reshape(-1), range(arr.size), "count")
    weights = power_weights(flat, power)
    total = float(weights.sum())
    if not total > 0:
        raise ValueError("counts must include a positive value")
    return (weights / total).reshape(arr.shape)


def power_weights(counts: np.ndarray, power: float) -> np.ndarray:
    """``counts ** power`` for positive counts, 0 for zero counts, as float64.

    When a plain power would overflow or underflow (large ``|power|``), the weights are
    computed in log space and scaled so that the largest is 1: their ratios, which are all
    that matters for a distribution, are kept.

    Parameters
    ----------
    counts : numpy.ndarray
        Finite, >= 0 (not checked here).
    power : float

    Returns
    -------
    numpy.ndarray of float64, the shape of ``counts``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    power = float(power)
    weights = np.zeros_like(counts)
    positive = counts > 0
    with np.errstate(over="ignore", under="ignore"):
        weights[positive] = counts[positive] ** power
        total = weights.sum()
    if np.all(weights[positive] > 0) and math.isfinite(total):
        return weights
    logs = np.log(counts[positive]) * power
    weights[positive] = np.exp(logs - logs.max())
    return weights


def resolve_noise_weights(
    spec: NoiseWeights,
    words: Sequence[str],
    counts: np.ndarray,
    ns_exponent: float,
    previous: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Noise weights aligned with ``words``, from the user's ``noise_weights`` spec.

    Parameters
    ----------
    spec : None, mapping, array-like or callable
        ``None``: ``count ** ns_exponent`` (0 for a count of 0). A mapping ``{word: weight}``:
        each word gets its value, or 0 when absent (the number of absent words is logged);
        all its values are checked, including those of words outside the vocabulary. A
        callable: ``spec(word, count)`` for each word. An array: one weight per word, in the
        order of ``words`` (``wv.index_to_key``).
    words : sequence of str
        The vocabulary, in index order.
    counts : numpy.ndarray
        The words' counts.
    ns_exponent : float
        The exponent used when ``spec`` is None.
    previous : numpy.ndarray, optional
        The weights before a vocabulary update (``build_vocab(update=True)``, which appends
        the new words to ``words``); given only for an update. The rule for an update: an
        array spec, aligned with the old vocabulary, keeps the old words' weights and gives
        the new words 0; ``None``, a mapping or a callable is evaluated again on the whole
        updated vocabulary, with the updated counts.

    Returns
    -------
    numpy.ndarray
        float64 weights, finite and >= 0, with a positive sum (not normalised).

    Raises
    ------
    ValueError
        On a negative, non-finite or non-numeric weight (naming the first bad word), on an
        array that is not 1-D or not aligned with the vocabulary, or when every weight is 0.
    """
    n = len(words)
    counts = np.asarray(counts, dtype=np.float64)
    if spec is None:
        weights = power_weights(counts, _finite_power(ns_exponent))
    elif isinstance(spec, Mapping):
        if not spec:
            raise ValueError("noise_weights is an empty mapping: every noise weight would be 0")
        # Every value is checked, not only the vocabulary's: the mapping is saved with the
        # model and applied again to the new words of a vocabulary update.
        _checked_numbers(list(spec.values()), list(spec.keys()))
        weights = _checked_numbers([spec.get(w, 0.0) for w in words], words)
        missing = sum(1 for w in words if w not in spec)
        if missing:
            logger.info(
                "noise_weights: %i of %i vocabulary words are not in the mapping and get weight 0",
                missing,
                n,
            )
        unknown = len(spec) - (n - missing)
        if unknown > 0:
            logger.info(
                "noise_weights: %i of the mapping's %i words are not in the vocabulary (ignored)",
                unknown,
                len(spec),
            )
        if n and missing == n:
            raise ValueError(
                f"noise_weights: none of the mapping's {len(spec)} words is in the vocabulary, "
                "so every noise weight is 0"
            )
    elif callable(spec):
        weights = _checked_numbers([spec(w, int(c)) for w, c in zip(words, counts)], words)
    else:
        if isinstance(spec, (str, bytes)):
            raise ValueError(
                f"noise_weights must be a mapping, an array or a callable, got {spec!r}"
            )
        arr = np.asarray(spec)
        if arr.ndim != 1:
            raise ValueError(f"noise_weights array must be 1-D, got shape {arr.shape}")
        if previous is not None and len(arr) < n:
            arr = np.concatenate([_checked_numbers(arr, words), np.zeros(n - len(arr))])
        if len(arr) != n:
            raise ValueError(
                f"noise_weights has {len(arr)} entries but the vocabulary has {n} words "
                "(an array must be aligned with wv.index_to_key)"
            )
        weights = _checked_numbers(arr, words)
    with np.errstate(over="ignore"):
        total = float(weights.sum())
    if not math.isfinite(total):
        raise ValueError(
            "noise_weights sum to infinity: scale them down (only their ratios matter)"
        )
    if not total > 0:
        raise ValueError("noise_weights must have a positive sum, but every weight is 0")
    return weights


def _finite_power(power: Any) -> float:
    """``power`` as a float, or a ValueError if it is not a finite real number."""
    if isinstance(power, (str, bytes, complex)):
        raise ValueError(f"power must be a finite number, got {power!r}")
    try:
        value = float(power)
    except (TypeError, ValueError):
        raise ValueError(f"power must be a finite number, got {power!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"power must be a finite number, got {power!r}")
    return value


def _is_real_number(value: Any) -> bool:
    if isinstance(value, (str, bytes, complex, np.complexfloating)):
        return False
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _checked_numbers(values: Any, names: Sequence[Any], what: str = "noise weight") -> np.ndarray:
    """``values`` as a float64 array, each finite and >= 0, else a ValueError naming the first
    bad one by its entry in ``names`` (a word, or an index)."""
    try:
        arr = values if isinstance(values, np.ndarray) else np.asarray(values)
    except (TypeError, ValueError):  # e.g. a list holding a list
        arr = None
    if arr is None or arr.ndim != 1 or arr.dtype.kind not in "biuf":
        items = values.tolist() if isinstance(values, np.ndarray) else list(values)
        for name, v in zip(names, items):
            if not _is_real_number(v):
                raise ValueError(f"{what} of {name!r} is not a number: {v!r}")
        arr = np.asarray([float(v) for v in items], dtype=np.float64)
    else:
        arr = arr.astype(np.float64, copy=False)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{what} of {names[i]!r} is {float(arr[i])!r}; it must be finite and >= 0")
    return arr
