"""Constraints on parameter values, in the manner of scikit-learn's ``_parameter_constraints``.

A parameter is valid if any of its constraints accepts the value; the error names the
parameter, the value and what every constraint allows (:func:`check_value`). The table of
``Word2Vec``'s parameters (``w2v.params``) is built from these.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# Limits set by memory rather than by the C++ types. Each training thread keeps scratch rows
# of vector_size floats and (negative + 65) outputs per prediction; a value past these is a
# mistake (a typo, a swapped argument), and would only fail later with an allocation error.
#: The widest vectors ``Word2Vec`` trains (gensim's usual sizes are 100 to 1000).
MAX_VECTOR_SIZE = 2**16
#: The most noise words per prediction (word2vec's advice is 2 to 20).
MAX_NEGATIVE = 2**16
#: The most training threads (each is an OS thread with its own scratch).
MAX_WORKERS = 1024


class Constraint:
    """Accepts some values; ``describe()`` says which, for error messages."""

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def is_integer(value: Any) -> bool:
    """An int (Python or numpy), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class Interval(Constraint):
    """Integers or finite reals in ``[low, high]`` (``None``: unbounded on that side).

    ``open_low`` excludes ``low`` itself (``Interval(float, 0, None, open_low=True)`` is
    "positive").
    """

    kind: type
    low: Optional[float]
    high: Optional[float]
    open_low: bool = False

    def accepts(self, value: Any) -> bool:
        if self.kind is int:
            if not is_integer(value):
                return False
        else:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                return False
            if not math.isfinite(float(value)):
                return False
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return False
        return self.high is None or value <= self.high

    def _number(self, x: float) -> str:
        return str(int(x)) if self.kind is int else f"{x:g}"

    def describe(self) -> str:
        kind = "an int" if self.kind is int else "a finite number"
        if self.low is None and self.high is None:
            return kind
        lo = "-inf" if self.low is None else self._number(self.low)
        hi = "inf" if self.high is None else self._number(self.high)
        left = "(" if self.open_low or self.low is None else "["
        right = "]" if self.high is not None else ")"
        return f"{kind} in the range {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class Options(Constraint):
    """One of a few integers; ``True``/``False`` count as 1/0, as in gensim."""

    values: Tuple[int, ...]

    def accepts(self, value: Any) -> bool:
        ok = is_integer(value) or isinstance(value, (bool, np.bool_))
        return ok and int(value) in self.values

    def describe(self) -> str:
        return "one of " + ", ".join(map(str, self.values))


class Boolean(Constraint):
    """``True``/``False`` (or 0/1, which gensim users pass for flags)."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_)) or (is_integer(value) and value in (0, 1))

    def describe(self) -> str:
        return "a bool"


class Anything(Constraint):
    """No constraint here: corpora are checked where they are read, with gensim's errors."""

    def accepts(self, value: Any) -> bool:
        return True

    def describe(self) -> str:
        return "anything"


class NoneValue(Constraint):
    def accepts(self, value: Any) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


class AnyInteger(Constraint):
    def accepts(self, value: Any) -> bool:
        return is_integer(value)

    def describe(self) -> str:
        return "an integer"


class IsCallable(Constraint):
    def accepts(self, value: Any) -> bool:
        return callable(value)

    def describe(self) -> str:
        return "a callable"


class IsString(Constraint):
    def accepts(self, value: Any) -> bool:
        return isinstance(value, str)

    def describe(self) -> str:
        return "a str"


class IsIterable(Constraint):
    """An iterable that is not a string (a sequence of callbacks, say)."""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)):
            return False
        try:
            iter(value)
        except TypeError:
            return False
        return True

    def describe(self) -> str:
        return "an iterable"


class PhrasesModel(Constraint):
    """A ``w2v.FrozenPhrases`` or ``w2v.Phrases`` model."""

    def accepts(self, value: Any) -> bool:
        from w2v.phrases import FrozenPhrases, Phrases

        return isinstance(value, (FrozenPhrases, Phrases))

    def describe(self) -> str:
        return "a w2v.FrozenPhrases or w2v.Phrases"


class NoiseSpec(Constraint):
    """What ``noise_weights`` may be. Only its kind is checked here: its values need the
    vocabulary, and ``w2v.noise.resolve_noise_weights`` checks them when it is built."""

    def accepts(self, value: Any) -> bool:
        return not isinstance(value, (str, bytes))

    def describe(self) -> str:
        return "None, a mapping, an array or a callable"


def check_value(name: str, value: Any, *constraints: Constraint) -> None:
    """Raise ``ValueError`` unless one of ``constraints`` accepts ``value``.

    The one message style of every parameter check: ``"<name> must be <what is allowed>, got
    <value>"``.
    """
    if any(c.accepts(value) for c in constraints):
        return
    allowed = " or ".join(c.describe() for c in constraints)
    raise ValueError(f"{name} must be {allowed}, got {value!r}")


POSITIVE = Interval(float, 0, None, open_low=True)
FINITE = Interval(float, None, None)
ZERO_ONE = Options((0, 1))


def int_at_least(low: int, high: int = INT32_MAX) -> Interval:
    """Integers from ``low`` up to ``high``, by default what the C++ core holds (a 32-bit
    int)."""
    return Interval(int, low, high)


#: A count of words or sentences held in 64 bits by the C++ core.
COUNT = Interval(int, 0, INT64_MAX)
#: A count given as a number (gensim accepts float totals for the learning-rate plan).
REAL_COUNT = Interval(float, 0, INT64_MAX)
