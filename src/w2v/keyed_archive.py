"""KeyedVectors in w2v's archive: the JSON metadata and arrays, and back (``docs/format.md``).

Keys and object-valued attributes go to the JSON metadata (never pickled); vectors and numeric
attributes are arrays; an attached nearest-neighbour index is stored as one more member.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Tuple, Type, TypeVar

import numpy as np

from w2v import ann

logger = logging.getLogger(__name__)

_KV = TypeVar("_KV")


def to_archive(kv: Any) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """The metadata (JSON) and arrays that w2v's archive stores for these vectors."""
    keys = [int(k) if isinstance(k, np.integer) else k for k in kv.index_to_key]
    meta: Dict[str, Any] = {"vector_size": kv.vector_size, "index_to_key": keys}
    arrays: Dict[str, np.ndarray] = {"vectors": kv.vectors}
    object_attrs: Dict[str, List[Any]] = {}
    for name, arr in kv.expandos.items():
        if arr.dtype.hasobject:  # e.g. strings: kept in meta.json, never pickled
            values = [x.item() if isinstance(x, np.generic) else x for x in arr]
            if not all(x is None or isinstance(x, (str, int, float, bool)) for x in values):
                raise TypeError(
                    f"attribute {name!r} holds objects other than str, int, float, bool "
                    "or None, which cannot be saved"
                )
            object_attrs[name] = values
        else:
            arrays[f"vecattr.{name}"] = arr
    if object_attrs:
        meta["object_vecattrs"] = object_attrs
    if None in kv.index_to_key:  # preallocated slots still to fill with add_vector
        meta["next_index"] = int(kv.next_index)
    _ann_to_archive(kv, meta, arrays)
    return meta, arrays


def _ann_to_archive(kv: Any, meta: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> None:
    """Add the attached nearest-neighbour index, if any and still current, to an archive."""
    index = getattr(kv, "ann_index", None)
    if index is None:
        return
    if not index.is_current():
        logger.warning("not saving the nearest-neighbour index: the vectors changed since")
        return
    meta[ann.ARCHIVE_NAME], arrays[ann.ARCHIVE_NAME] = index.to_archive()


def from_archive(cls: Type[_KV], meta: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> _KV:
    """The inverse of :func:`to_archive`, from parts that :func:`w2v._archive.load_archive`
    checked against the schema (``w2v._archive_schema``): they fit together."""
    vectors = arrays["vectors"]
    keys = list(meta["index_to_key"])
    kv = cls._from_rows(keys, vectors)
    kv.next_index = int(meta.get("next_index", len(keys)))
    attrs = {
        name[len("vecattr.") :]: arr for name, arr in arrays.items() if name.startswith("vecattr.")
    }
    for attr, values in meta.get("object_vecattrs", {}).items():
        column = np.empty(len(values), dtype=object)
        column[:] = values
        attrs[attr] = column
    kv.expandos.update(attrs)
    _ann_from_archive(kv, meta, arrays)
    return kv


def _ann_from_archive(kv: Any, meta: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> None:
    """Attach a saved nearest-neighbour index (deserialised by faiss on first use); one
    that does not fit the vectors is dropped with a warning, since the vectors stand alone."""
    if ann.ARCHIVE_NAME not in meta or ann.ARCHIVE_NAME not in arrays:
        return
    try:
        kv.ann_index = ann.FaissIndex.from_archive(
            kv, meta[ann.ARCHIVE_NAME], arrays[ann.ARCHIVE_NAME]
        )
    except (ValueError, TypeError, KeyError) as exc:
        logger.warning("ignoring the saved nearest-neighbour index: %s", exc)
