"""``Phrases`` and ``FrozenPhrases`` in the pickle-free w2v archive (``docs/format.md``).

``meta.json`` holds the parameters (``kind`` ``"Phrases"`` or ``"FrozenPhrases"``); the keys
(words and phrases) are one UTF-8 array ``keys_utf8`` cut by ``key_ends``, with ``counts``
(Phrases) or ``scores`` (FrozenPhrases) beside them. A custom scoring function is not stored,
only its name: ``Phrases.load(path, scoring=fn)`` gives it back.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from w2v._archive import jsonable, load_archive, save_archive
from w2v.errors import MalformedFileError
from w2v.phrases_scoring import BUILTIN_SCORERS, check_phrases_params

KINDS = ("Phrases", "FrozenPhrases")


def _pack(keys: List[str]) -> Tuple[np.ndarray, np.ndarray]:
    encoded = [k.encode("utf-8", "surrogatepass") for k in keys]
    ends = np.cumsum([len(b) for b in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), ends


def _unpack(blob: np.ndarray, ends: np.ndarray, where: str) -> List[str]:
    data = bytes(np.asarray(blob, dtype=np.uint8))
    ends_list = np.asarray(ends).tolist()
    starts = [0] + ends_list[:-1]
    if ends_list and (ends_list[-1] != len(data) or any(e < s for s, e in zip(starts, ends_list))):
        raise ValueError(f"{where} is corrupt: key_ends do not cut keys_utf8")
    try:
        return [data[s:e].decode("utf-8") for s, e in zip(starts, ends_list)]
    except UnicodeDecodeError as e:
        raise ValueError(f"{where} is corrupt: a key is not UTF-8 ({e})") from None


def _any_scorer(
    worda_count: int,
    wordb_count: int,
    bigram_count: int,
    len_vocab: int,
    min_count: float,
    corpus_word_count: int,
) -> float:
    """Stands in for a custom scorer a frozen model no longer needs (the checks want one)."""
    return 0.0


def save_phrases(model: Any, path: Any) -> None:
    """Write a ``Phrases`` or ``FrozenPhrases`` to ``path`` (atomically)."""
    from w2v.phrases import FrozenPhrases

    frozen = isinstance(model, FrozenPhrases)
    scoring = model.scoring_name
    if scoring == "custom":
        fn = model.scoring
        scoring = f"custom:{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}"
    meta: Dict[str, Any] = {
        "kind": "FrozenPhrases" if frozen else "Phrases",
        "params": jsonable(
            {
                "min_count": model.min_count,
                "threshold": model.threshold,
                "delimiter": model.delimiter,
                "scoring": scoring,
                "connector_words": sorted(model.connector_words),
            }
        ),
    }
    if frozen:
        keys = list(model.phrasegrams)
        values = np.fromiter(model.phrasegrams.values(), dtype=np.float64, count=len(keys))
        name = "scores"
    else:
        meta["params"].update(max_vocab_size=model.max_vocab_size, progress_per=model.progress_per)
        meta["state"] = {
            "min_reduce": int(model.min_reduce),
            "corpus_word_count": int(model.corpus_word_count),
        }
        keys = model._counts.keys()
        values = model._counts.counts()
        name = "counts"
    blob, ends = _pack(keys)
    save_archive(path, meta, {"keys_utf8": blob, "key_ends": ends, name: values})


def load_phrases(path: Any, scoring: Optional[Any] = None) -> Any:
    """Read a file written by :func:`save_phrases`.

    Raises
    ------
    ValueError
        Not a phrases archive, or corrupt; the message names the file.
    """
    from w2v.phrases import FrozenPhrases, Phrases

    where = repr(os.fspath(path))
    try:
        meta, arrays = load_archive(path)
    except (FileNotFoundError, MalformedFileError):  # these name the file and what is wrong
        raise
    except ValueError as e:
        named = os.fspath(path) in str(e)  # the archive's own errors name the file already
        raise ValueError(f"not a w2v phrases file: {e}" if named else f"{where}: {e}") from None
    except Exception as e:  # a damaged zip or .npy member: say which file
        raise ValueError(f"{where} is corrupt: {type(e).__name__}: {e}") from None
    kind = meta.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where} holds {kind}, not Phrases or FrozenPhrases")
    try:
        params = dict(meta["params"])
        name = params.pop("scoring")
        keys = _unpack(arrays["keys_utf8"], arrays["key_ends"], where)
        values = arrays["scores" if kind == "FrozenPhrases" else "counts"]
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{where} is corrupt: missing or malformed {e}") from None
    if np.asarray(values).ndim != 1 or len(values) != len(keys):
        raise ValueError(f"{where} is corrupt: {len(keys)} keys but {np.shape(values)} values")
    if not isinstance(name, str):
        raise ValueError(f"{where} is corrupt: scoring is {name!r}")
    if name in BUILTIN_SCORERS:
        fn: Any = name
    elif scoring is not None:
        fn = scoring
    elif kind == "FrozenPhrases":
        fn = None  # applying needs only the stored scores
    else:
        raise ValueError(
            f"{where} was saved with the scoring function {name[len('custom:') :]}; pass it "
            "again: Phrases.load(path, scoring=function)"
        )
    try:
        checked = dict(params)
        checked.setdefault("max_vocab_size", 40000000)
        checked.setdefault("progress_per", 10000)
        check_phrases_params(
            checked["min_count"],
            checked["threshold"],
            checked["max_vocab_size"],
            checked["delimiter"],
            checked["progress_per"],
            fn if fn is not None else _any_scorer,
            checked["connector_words"],
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{where} is corrupt: bad parameters ({e})") from None
    if kind == "FrozenPhrases":
        values = np.asarray(values, dtype=np.float64)
        frozen = FrozenPhrases.__new__(FrozenPhrases)
        frozen.threshold = params["threshold"]
        frozen.min_count = params["min_count"]
        frozen.delimiter = params["delimiter"]
        frozen.connector_words = frozenset(params["connector_words"])
        frozen.scoring = BUILTIN_SCORERS.get(name, fn)
        frozen.scoring_name = name if name in BUILTIN_SCORERS else "custom"
        frozen.phrasegrams = dict(zip(keys, values.tolist()))
        return frozen
    values = np.asarray(values)
    if values.dtype.kind not in "iu" or (len(values) and int(values.min()) < 0):
        raise ValueError(f"{where} is corrupt: counts must be non-negative integers")
    state = meta.get("state") or {}
    model = Phrases(
        min_count=checked["min_count"],
        threshold=checked["threshold"],
        max_vocab_size=checked["max_vocab_size"],
        delimiter=checked["delimiter"],
        progress_per=checked["progress_per"],
        scoring=fn,
        connector_words=checked["connector_words"],
    )
    try:
        model.min_reduce = int(state.get("min_reduce", 1))
        model.corpus_word_count = int(state.get("corpus_word_count", 0))
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where} is corrupt: bad state ({e})") from None
    if len(set(keys)) != len(keys):
        raise ValueError(f"{where} is corrupt: a key appears twice")
    model._counts.add(keys, values.astype(np.int64))
    return model
