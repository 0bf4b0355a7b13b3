"""What a w2v archive must hold: the one schema of ``meta.json`` and of its array members.

:func:`check_meta` checks every field's type (the error names the field, e.g.
``keyedvectors.index_to_key[3]``); :func:`check_members` checks each array's declared shape
and dtype against the metadata, from the ``.npy`` headers alone, before any array is read or
mapped. The loaders can then trust what they are given. See ``docs/format.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from w2v.params import TRAINING_STATE

FORMAT_NAME = "w2v"
FORMAT_VERSION = 1
KINDS = ("KeyedVectors", "Word2Vec", "Phrases", "FrozenPhrases")
# Kinds holding word vectors (their arrays are described by a "keyedvectors" field).
VECTOR_KINDS = ("KeyedVectors", "Word2Vec")


def load_hint(kind: str) -> str:
    """How to load an archive of ``kind``, for the error raised when it is loaded as another."""
    if kind in VECTOR_KINDS:
        return f"load it with {kind}.load"
    return f"load it with w2v.{kind}.load"


class SchemaError(ValueError):
    """A field of ``meta.json`` or an array member does not fit the format."""


# ---- the building blocks: each returns None or raises SchemaError naming the field ---------

Check = Callable[[Any, str], None]


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _fail(where: str, expected: str, value: Any) -> None:
    raise SchemaError(f"{where} must be {expected}, got {_kind(value)}")


def integer(low: Optional[int] = None, high: Optional[int] = None) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            _fail(where, "an integer", value)
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]"
            raise SchemaError(f"{where} must be in {span}, got {value}")

    return check


def number(value: Any, where: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        _fail(where, "a number", value)


def text(value: Any, where: str) -> None:
    if not isinstance(value, str):
        _fail(where, "a string", value)


def scalar(value: Any, where: str) -> None:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        _fail(where, "a string, number, boolean or null", value)


def key(value: Any, where: str) -> None:
    if value is not None and (not isinstance(value, (str, int)) or isinstance(value, bool)):
        _fail(where, "a string, an integer or null", value)


def anything(value: Any, where: str) -> None:
    pass


def one_of(*choices: Any) -> Check:
    def check(value: Any, where: str) -> None:
        if not any(value == c and type(value) is type(c) for c in choices):
            raise SchemaError(f"{where} must be one of {list(choices)}, got {value!r:.80}")

    return check


def nullable(inner: Check) -> Check:
    def check(value: Any, where: str) -> None:
        if value is not None:
            inner(value, where)

    return check


def list_of(item: Check) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, list):
            _fail(where, "a list", value)
        for i, x in enumerate(value):
            item(x, f"{where}[{i}]")

    return check


def map_of(item: Check) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, "an object", value)
        for k, x in value.items():
            item(x, f"{where}.{k}")

    return check


def fields(required: Dict[str, Check], optional: Optional[Dict[str, Check]] = None) -> Check:
    """An object with these fields; other fields are allowed (newer writers may add some)."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where or "meta.json", "an object", value)
        prefix = f"{where}." if where else ""
        for name, inner in required.items():
            if name not in value:
                raise SchemaError(f"{prefix}{name} is missing")
            inner(value[name], prefix + name)
        for name, inner in (optional or {}).items():
            if name in value:
                inner(value[name], prefix + name)

    return check


# ---- the schema -----------------------------------------------------------------------------

ANN_INDEX = fields(
    {"library": text, "kind": text, "metric": text, "ntotal": integer(0), "dim": integer(0)},
    {"params": map_of(integer())},
)

KEYEDVECTORS = fields(
    {"vector_size": integer(0), "index_to_key": list_of(key)},
    {
        "object_vecattrs": map_of(list_of(scalar)),
        "next_index": integer(0),
        "ann_index": ANN_INDEX,
    },
)

STATE = fields(
    {name: integer(0) if kind is int else number for name, kind in TRAINING_STATE.items()},
    {
        "loss_history": list_of(number),
        "lifecycle_events": list_of(anything),
        "noise_spec": nullable(map_of(number)),
        "noise_spec_kind": nullable(one_of("mapping", "array", "callable")),
        "resume": anything,  # TrainingState.from_json checks it field by field
    },
)

HEADER = fields(
    {
        "format": one_of(FORMAT_NAME),
        "format_version": integer(1, FORMAT_VERSION),
        "kind": one_of(*KINDS),
    }
)

# Phrases.save / FrozenPhrases.save (w2v.phrases_archive): the model's parameters; the keys
# and their counts (or a frozen model's scores) are arrays. Values are checked by the loader
# with the same rules as the constructor's.
PHRASES_PARAMS = fields(
    {
        "min_count": number,
        "threshold": number,
        "delimiter": text,
        "scoring": text,
        "connector_words": list_of(text),
    },
    {"max_vocab_size": integer(), "progress_per": integer()},
)

BY_KIND = {
    "KeyedVectors": fields({"keyedvectors": KEYEDVECTORS}),
    "Word2Vec": fields({"params": map_of(anything), "state": STATE, "keyedvectors": KEYEDVECTORS}),
    "Phrases": fields(
        {"params": PHRASES_PARAMS},
        {"state": fields({}, {"min_reduce": integer(0), "corpus_word_count": integer(0)})},
    ),
    "FrozenPhrases": fields({"params": PHRASES_PARAMS}),
}


def check_meta(meta: Any) -> None:
    """Check ``meta.json``'s structure; SchemaError names the first field that is wrong."""
    HEADER(meta, "")
    BY_KIND[meta["kind"]](meta, "")
    if meta["kind"] not in VECTOR_KINDS:
        return
    kv = meta["keyedvectors"]
    keys = kv["index_to_key"]
    seen = set()
    for i, k in enumerate(keys):
        if k is not None and k in seen:
            raise SchemaError(f"keyedvectors.index_to_key[{i}] repeats the key {k!r:.80}")
        seen.add(k)
    if "next_index" in kv and kv["next_index"] > len(keys):
        raise SchemaError("keyedvectors.next_index is beyond index_to_key")
    for name, values in kv.get("object_vecattrs", {}).items():
        if len(values) != len(keys):
            raise SchemaError(
                f"keyedvectors.object_vecattrs.{name} has {len(values)} values for {len(keys)} keys"
            )


# ---- array members ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """What an array member must be: its shape (None: any length) and accepted dtypes."""

    shape: Tuple[Optional[int], ...]
    accepts: Callable[[np.dtype], bool]
    dtype_text: str
    required: bool = False


def _floats(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def _numbers(dtype: np.dtype) -> bool:
    return dtype.kind in "biuf"


def _exactly(kind: Any) -> Callable[[np.dtype], bool]:
    return lambda dtype: dtype == np.dtype(kind)


def expected_members(meta: Dict[str, Any], names: Sequence[str]) -> Dict[str, Member]:
    """The array members the metadata calls for, by name (without ``.npy``).

    ``names`` are the ``.npy`` members present; members this version does not know are left
    out (and never read).
    """
    if meta["kind"] not in VECTOR_KINDS:  # phrases: keys and their values, one per key
        values = "scores" if meta["kind"] == "FrozenPhrases" else "counts"
        return {
            "keys_utf8": Member((None,), _exactly(np.uint8), "uint8", True),
            "key_ends": Member((None,), _exactly(np.int64), "int64 (native byte order)", True),
            values: Member((None,), _numbers, "a numeric type", True),
        }
    kv = meta["keyedvectors"]
    n, dim = len(kv["index_to_key"]), kv["vector_size"]
    model = meta["kind"] == "Word2Vec"
    prefix = "wv." if model else ""
    f32 = (_exactly(np.float32), "float32 (native byte order)")
    out: Dict[str, Member] = {
        prefix + "vectors": Member((n, dim), *(f32 if model else (_floats, "a float type")), True)
    }
    for name in names:
        if name.startswith(prefix + "vecattr."):
            out[name] = Member((n,), _numbers, "a numeric type")
    if "ann_index" in kv:
        out[prefix + "ann_index"] = Member((None,), _exactly(np.uint8), "uint8")
    if model:
        params = meta["params"]
        for name, used in (("syn1neg", params.get("negative")), ("syn1", params.get("hs"))):
            out[name] = Member((n, dim), *f32, required=bool(used))
        out["noise_weights"] = Member((n,), _exactly(np.float64), "float64 (native byte order)")
    return out


def check_member(name: str, member: Member, shape: Tuple[int, ...], dtype: np.dtype) -> None:
    """Raise SchemaError unless an array header (``shape``, ``dtype``) fits ``member``."""
    if not member.accepts(dtype):
        raise SchemaError(f"array {name!r} must be {member.dtype_text}, got {dtype.str}")
    if len(shape) != len(member.shape) or any(
        want is not None and got != want for got, want in zip(shape, member.shape)
    ):
        want_text = tuple("any" if w is None else w for w in member.shape)
        raise SchemaError(
            f"array {name!r} has shape {shape}; the metadata calls for {want_text}".replace(
                "'any'", "any"
            )
        )
