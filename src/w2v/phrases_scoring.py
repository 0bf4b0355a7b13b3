"""Phrase scores and the checks of the phrase parameters, as gensim 4.4 defines them.

``original_scorer`` and ``npmi_scorer`` are gensim's two scores; the C++ core computes the
same values with the same floating-point operations (``csrc/phrase_scoring.h``), so these
Python versions serve user code and custom scorers built on them. :func:`check_phrases_params`
checks every ``Phrases`` argument before any corpus is read, with w2v's one error style.
"""

from __future__ import annotations

import inspect
from math import log
from typing import Any, Callable, Optional, Tuple

from w2v import _core
from w2v.constraints import (
    INT64_MAX,
    POSITIVE,
    Constraint,
    Interval,
    IsCallable,
    NoneValue,
    check_value,
    int_at_least,
)

NEGATIVE_INFINITY = float("-inf")

#: gensim's English connector words: articles, some prepositions and conjunctions. Phrases
#: may hold any number of them inside (``bank_of_america``) but never start or end with one.
ENGLISH_CONNECTOR_WORDS = frozenset(
    " a an the "  # articles
    " for of with without at from to in on by "  # prepositions (incomplete on purpose)
    " and or ".split()  # conjunctions (incomplete on purpose)
)

#: The arguments a scoring function is called with, by name.
SCORING_PARAMS = (
    "worda_count",
    "wordb_count",
    "bigram_count",
    "len_vocab",
    "min_count",
    "corpus_word_count",
)

Scorer = Callable[..., float]


def original_scorer(
    worda_count: int,
    wordb_count: int,
    bigram_count: int,
    len_vocab: int,
    min_count: float,
    corpus_word_count: int,
) -> float:
    r"""Mikolov et al.'s bigram score (gensim's ``"default"`` scoring).

    Parameters
    ----------
    worda_count, wordb_count : int
        Counts of the first and the last word.
    bigram_count : int
        Count of the joined phrase.
    len_vocab : int
        Entries in the phrase vocabulary (words and phrases alike).
    min_count : float
        The model's ``min_count``.
    corpus_word_count : int
        Not used by this score.

    Returns
    -------
    float
        :math:`\frac{(bigram\_count - min\_count)\, len\_vocab}{worda\_count \cdot wordb\_count}`,
        ``-inf`` when a word count is zero.
    """
    denom = worda_count * wordb_count
    if denom == 0:
        return NEGATIVE_INFINITY
    return (bigram_count - min_count) / float(denom) * len_vocab


def npmi_scorer(
    worda_count: int,
    wordb_count: int,
    bigram_count: int,
    len_vocab: int,
    min_count: float,
    corpus_word_count: int,
) -> float:
    r"""Normalised pointwise mutual information (Bouma 2009), gensim's ``"npmi"`` scoring.

    Parameters
    ----------
    worda_count, wordb_count, bigram_count : int
        Counts of the first word, the last word and the joined phrase.
    len_vocab : int
        Not used by this score.
    min_count : float
        Phrases counted fewer times score ``-inf``.
    corpus_word_count : int
        Tokens counted, connector words included.

    Returns
    -------
    float
        :math:`\ln\frac{p_{ab}}{p_a p_b} / -\ln p_{ab}` with :math:`p_x = count_x /
        corpus\_word\_count`, in [-1, 1]; ``-inf`` below ``min_count`` or for a zero count.
    """
    if bigram_count >= min_count:
        n = float(corpus_word_count)
        pa = worda_count / n
        pb = wordb_count / n
        pab = bigram_count / n
        try:
            return log(pab / (pa * pb)) / -log(pab)
        except ValueError:
            return NEGATIVE_INFINITY
    return NEGATIVE_INFINITY


BUILTIN_SCORERS = {"default": original_scorer, "npmi": npmi_scorer}


class _Delimiter(Constraint):
    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value != "" and not any(c.isspace() for c in value)

    def describe(self) -> str:
        return "a non-empty str without whitespace"


class _ScoringName(Constraint):
    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in BUILTIN_SCORERS

    def describe(self) -> str:
        return "'default', 'npmi'"


def resolve_scoring(scoring: Any) -> Tuple[str, Scorer]:
    """The scoring's name (``"default"``, ``"npmi"`` or ``"custom"``) and function.

    Raises
    ------
    ValueError
        An unknown name, or a function that does not take gensim's six named arguments.
    """
    check_value("scoring", scoring, _ScoringName(), IsCallable())
    if isinstance(scoring, str):
        return scoring, BUILTIN_SCORERS[scoring]
    if scoring is original_scorer:
        return "default", scoring
    if scoring is npmi_scorer:
        return "npmi", scoring
    try:
        names = inspect.getfullargspec(scoring).args
    except TypeError:
        names = list(inspect.signature(scoring).parameters)
    missing = [p for p in SCORING_PARAMS if p not in names]
    if missing:
        raise ValueError(
            f"scoring must be 'default', 'npmi' or a function taking {', '.join(SCORING_PARAMS)}; "
            f"{getattr(scoring, '__name__', scoring)!r} lacks {', '.join(missing)}"
        )
    return "custom", scoring


def native_scoring(name: str) -> Optional[_core.PhraseScoring]:
    """The C++ core's scoring for a built-in name, None for a custom function."""
    return getattr(_core.PhraseScoring, name) if name in BUILTIN_SCORERS else None


def check_threshold(threshold: Any, scoring_name: str) -> None:
    """``threshold`` must suit the scoring: positive for default, in [-1, 1] for npmi."""
    if scoring_name == "default":
        check_value("threshold", threshold, POSITIVE)
    elif scoring_name == "npmi":
        check_value("threshold", threshold, Interval(float, -1, 1))
    else:
        check_value("threshold", threshold, Interval(float, None, None))


def check_phrases_params(
    min_count: Any,
    threshold: Any,
    max_vocab_size: Any,
    delimiter: Any,
    progress_per: Any,
    scoring: Any,
    connector_words: Any,
) -> Tuple[str, Scorer, frozenset]:
    """Check every ``Phrases`` argument; return the scoring's name, its function and the
    connector words as a frozenset of str.

    Raises
    ------
    ValueError
        Naming the first argument out of range: ``"threshold must be ..., got ..."``.
    """
    check_value("min_count", min_count, POSITIVE)
    name, func = resolve_scoring(scoring)
    check_threshold(threshold, name)
    check_value("max_vocab_size", max_vocab_size, Interval(int, 1, INT64_MAX))
    check_value("delimiter", delimiter, _Delimiter())
    check_value("progress_per", progress_per, int_at_least(1, INT64_MAX))
    if isinstance(connector_words, (str, bytes)):
        raise ValueError(
            f"connector_words must be a set of str, got the string {connector_words!r}"
        )
    try:
        words = frozenset(connector_words)
    except TypeError:
        raise ValueError(
            f"connector_words must be a set of str, got {type(connector_words).__name__}"
        ) from None
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise ValueError(f"connector_words must be a set of str, got {bad[0]!r} in it")
    return name, func, words


def check_workers(workers: Any) -> int:
    """Threads for counting and applying: None means every core."""
    import os

    check_value("workers", workers, NoneValue(), int_at_least(1, 1024))
    return int(workers) if workers is not None else max(1, os.cpu_count() or 1)
