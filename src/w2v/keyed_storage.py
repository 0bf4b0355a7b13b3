"""The storage half of :class:`~w2v.keyedvectors.KeyedVectors`: keys, rows, per-key attributes.

:class:`KeyedStorage` holds the vectors and their keys and does the bookkeeping around them
(lookup, adding, per-key attributes, cached norms, reordering, subsets, the archive
conversion); it knows no similarity maths and no file format but w2v's own archive.
:class:`~w2v.keyedvectors.KeyedVectors` builds gensim's query and file API on top of it.
"""

from __future__ import annotations

import logging
import warnings
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
)

import numpy as np

from w2v import keyed_archive

logger = logging.getLogger(__name__)

Key = Union[str, int]
KEY_TYPES = (str, int, np.integer)  # what counts as one key rather than a list of keys

_Self = TypeVar("_Self", bound="KeyedStorage")


#: The per-key attributes of a hierarchical-softmax model's Huffman tree, as gensim names them.
TREE_ATTRS = ("code", "point")


class VecAttrs(Dict[str, np.ndarray]):
    """``expandos``: one array per attribute name, one slot per key.

    For the words of a hierarchical-softmax model, ``"code"`` and ``"point"`` (gensim's
    per-word Huffman branch codes, uint8, and inner-node rows of ``syn1``, uint32, root first)
    are also there on request, made from the tree the model trains with; they are not stored
    items, so they are never saved (a model rebuilds its tree from the saved counts) and never
    go stale when the vocabulary changes.

    Attributes
    ----------
    tree_source : callable, optional
        ``tree_source(counts)`` returns the model's ``_core.HuffmanTree`` for these counts;
        None when the keys have no tree (no hierarchical softmax).
    """

    def __init__(self, items: Optional[Mapping[str, np.ndarray]] = None) -> None:
        super().__init__(items or {})
        self.tree_source: Optional[Callable[[np.ndarray], Any]] = None
        # (tree, its arrays): the arrays of the last tree asked for
        self._tree_arrays: Optional[Tuple[Any, Dict[str, np.ndarray]]] = None

    def __missing__(self, attr: str) -> np.ndarray:
        column = self._tree_column(attr)
        if column is None:
            raise KeyError(attr)
        return column

    def get(self, attr: str, default: Any = None) -> Any:  # type: ignore[override]
        """``self[attr]`` if there is such an attribute (stored or from the tree), else
        ``default``."""
        if dict.__contains__(self, attr):
            return dict.__getitem__(self, attr)
        column = self._tree_column(attr)
        return default if column is None else column

    def _tree_arrays_now(self) -> Optional[Dict[str, np.ndarray]]:
        """The model's tree as arrays (``code``, ``point``, ``offsets``), if these keys have
        a tree that fits them; made once per tree."""
        if self.tree_source is None or not dict.__contains__(self, "count"):
            return None
        counts = dict.__getitem__(self, "count")
        tree = self.tree_source(counts)
        if tree is None:
            return None
        if self._tree_arrays is None or self._tree_arrays[0] is not tree:
            arrays = {"code": tree.codes(), "point": tree.points(), "offsets": tree.offsets()}
            self._tree_arrays = (tree, arrays)
        arrays = self._tree_arrays[1]
        if len(arrays["offsets"]) != len(counts) + 1:
            return None  # keys were added or removed since the model built its vocabulary
        return arrays

    def tree_path(self, attr: str, index: int) -> Optional[np.ndarray]:
        """Key ``index``'s ``"code"`` or ``"point"`` (None if there is no such attribute)."""
        if attr not in TREE_ATTRS:
            return None
        arrays = self._tree_arrays_now()
        if arrays is None:
            return None
        offsets = arrays["offsets"]
        return arrays[attr][int(offsets[index]) : int(offsets[index + 1])].copy()

    def _tree_column(self, attr: str) -> Optional[np.ndarray]:
        """The whole ``"code"`` or ``"point"`` column as gensim holds it: an object array of
        one small array per key (made once per tree)."""
        if attr not in TREE_ATTRS:
            return None
        arrays = self._tree_arrays_now()
        if arrays is None:
            return None
        name = "column." + attr
        if name not in arrays:
            offsets = arrays["offsets"].astype(np.intp)
            column = np.empty(len(offsets) - 1, dtype=object)
            for i, part in enumerate(np.split(arrays[attr], offsets[1:-1])[: len(column)]):
                column[i] = part
            arrays[name] = column
        return arrays[name]


def _one_row(key: Key, vector: Any) -> Tuple[List[Key], np.ndarray]:
    """A single key and vector as a one-key list and a one-row matrix."""
    return [key], np.asarray(vector).reshape(1, -1)


_MIGRATION = "see https://github.com/RaRe-Technologies/gensim/wiki/Migrating-from-Gensim-3.x-to-4"


class KeyedStorage:
    """Vectors with one key per row, and per-key attributes (see ``KeyedVectors``)."""

    def __init__(
        self,
        vector_size: int,
        count: int = 0,
        dtype: Any = np.float32,
        mapfile_path: Optional[str] = None,
    ) -> None:
        self.vector_size = int(vector_size)
        self.index_to_key: List[Any] = [None] * count
        self.next_index = 0
        self.key_to_index: Dict[Any, int] = {}
        self.vectors = np.zeros((count, self.vector_size), dtype=dtype)
        self.norms: Optional[np.ndarray] = None
        self._expandos = VecAttrs()
        self.mapfile_path = mapfile_path
        #: An approximate nearest-neighbour index (:class:`w2v.ann.FaissIndex`), or None.
        self.ann_index: Optional[Any] = None

    @classmethod
    def _from_rows(
        cls: Type[_Self],
        keys: List[Any],
        vectors: np.ndarray,
        key_to_index: Optional[Dict[Any, int]] = None,
    ) -> _Self:
        """A new instance holding ``vectors`` (not copied), row ``i`` keyed by ``keys[i]``.

        ``None`` keys are free preallocated slots, left out of ``key_to_index``; a caller that
        already built ``key_to_index`` passes it to save building it twice.
        """
        kv = cls(vectors.shape[1], 0, dtype=vectors.dtype)
        kv.vectors = vectors
        kv.index_to_key = keys
        if key_to_index is None:
            key_to_index = dict(zip(keys, range(len(keys))))
            key_to_index.pop(None, None)
        kv.key_to_index = key_to_index
        kv.next_index = len(keys)
        return kv

    def __str__(self) -> str:
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    __repr__ = __str__

    # ---- per-key attributes ------------------------------------------------------------------

    @property
    def expandos(self) -> VecAttrs:
        """Per-key attributes: ``{name: array with one slot per key}`` (``count``,
        ``sample_int``, ...; ``code`` and ``point`` for a hierarchical-softmax model's words)."""
        return self._expandos

    @expandos.setter
    def expandos(self, attrs: Mapping[str, np.ndarray]) -> None:
        source = self._expandos.tree_source if hasattr(self, "_expandos") else None
        self._expandos = VecAttrs(attrs)
        self._expandos.tree_source = source

    def allocate_vecattrs(
        self, attrs: Optional[Sequence[str]] = None, types: Optional[Sequence[Any]] = None
    ) -> None:
        """Make sure each named attribute array exists with one slot per key.

        Parameters
        ----------
        attrs : list of str, optional
            Attribute names; by default all existing attributes are resized to ``len(self)``.
        types : list of type, optional
            Their types (``int`` is stored as int64, ``str`` as object).
        """
        if attrs is None:
            attrs = list(self.expandos)
            types = [self.expandos[a].dtype for a in attrs]
        elif types is None:
            raise ValueError("types must be given with attrs")
        size = len(self.index_to_key)
        for attr, kind in zip(attrs, types):
            if kind is int:
                kind = np.int64
            elif kind is str or kind is type(None):
                kind = object
            if attr not in self.expandos:
                self.expandos[attr] = np.zeros(size, dtype=kind)
                continue
            prev = self.expandos[attr]
            if not np.issubdtype(kind, prev.dtype):
                raise TypeError(
                    f"cannot store type {kind} in attribute {attr!r}, which holds {prev.dtype}"
                )
            if len(prev) != size:
                grown = np.zeros(size, dtype=prev.dtype)
                keep = min(len(prev), size)
                grown[:keep] = prev[:keep]
                self.expandos[attr] = grown

    def set_vecattr(self, key: Key, attr: str, val: Any) -> None:
        """Set attribute ``attr`` (e.g. ``"count"``) of ``key`` to ``val``."""
        self.allocate_vecattrs(attrs=[attr], types=[type(val)])
        self.expandos[attr][self.get_index(key)] = val

    def get_vecattr(self, key: Key, attr: str) -> Any:
        """Attribute ``attr`` (e.g. ``"count"``) of ``key``.

        Raises
        ------
        KeyError
            If ``key`` is unknown or no key has attribute ``attr``.
        """
        index = self.get_index(key)
        if attr not in self.expandos:
            path = self.expandos.tree_path(attr, index)
            if path is not None:
                return path
            raise KeyError(f"no attribute '{attr}' (known: {sorted(self.expandos)})")
        return self.expandos[attr][index]

    def resize_vectors(self, seed: int = 0) -> None:
        """Make ``vectors`` match ``index_to_key``, filling new rows with small random values."""
        n = len(self.index_to_key)
        old = self.vectors
        if old.shape != (n, self.vector_size):
            rng = np.random.default_rng(seed=seed)
            new = rng.random((n, self.vector_size), dtype=np.float32).astype(old.dtype)
            new *= 2.0
            new -= 1.0
            new /= self.vector_size
            keep_rows, keep_cols = min(len(old), n), min(old.shape[1], self.vector_size)
            new[:keep_rows, :keep_cols] = old[:keep_rows, :keep_cols]
            self.vectors = new
        self.allocate_vecattrs()
        self.norms = None

    # ---- lookup ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: Key) -> bool:
        return self.has_index_for(key)

    def has_index_for(self, key: Key) -> bool:
        """Whether ``key`` has a vector (an int is also accepted as a row number)."""
        return self.get_index(key, -1) >= 0

    def get_index(self, key: Key, default: Optional[int] = None) -> int:
        """Row of ``key``.

        Parameters
        ----------
        key : str or int
            A key; an int that is not a key is taken as a row number if in range.
        default : int, optional
            Returned for unknown keys instead of raising.

        Raises
        ------
        KeyError
            If ``key`` is unknown and no ``default`` is given.
        """
        val = self.key_to_index.get(key, -1)
        if val >= 0:
            return val
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self.index_to_key):
            return int(key)
        if default is not None:
            return default
        raise KeyError(f"Key '{key}' not present")

    def _indices(self, keys: Iterable[Key]) -> np.ndarray:
        """Rows of ``keys`` (KeyError for an unknown one)."""
        return np.asarray([self.get_index(k) for k in keys], dtype=np.intp)

    def get_vector(self, key: Key, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (a read-only view), unit-normalised if ``norm``.

        Raises
        ------
        KeyError
            If ``key`` is unknown.
        """
        index = self.get_index(key)
        if norm:
            self.fill_norms()
            result = self.vectors[index] / self.norms[index]
        else:
            result = self.vectors[index]
        result.setflags(write=False)
        return result

    def __getitem__(self, key_or_keys: Union[Key, Iterable[Key]]) -> np.ndarray:
        """``kv[key]`` is a 1-d vector; ``kv[[k1, k2]]`` a 2-d array of their vectors."""
        if isinstance(key_or_keys, KEY_TYPES):
            return self.get_vector(key_or_keys)
        return self.vectors[self._indices(key_or_keys)]

    # ---- adding vectors --------------------------------------------------------------------------

    def add_vector(self, key: Key, vector: Any) -> int:
        """Add one key and its vector (in a preallocated slot if one is free).

        Returns
        -------
        int
            The row of the new vector.
        """
        target = self.next_index
        if target >= len(self) or self.index_to_key[target] is not None:
            target = len(self)
            warnings.warn(
                "adding vectors one by one to a KeyedVectors that grows each time is slow; "
                "add them in batches with add_vectors, or preallocate with count=",
                UserWarning,
                stacklevel=2,
            )
            self.add_vectors([key], [vector])
            self.next_index = target + 1
        else:
            self.index_to_key[target] = key
            self.key_to_index[key] = target
            self.vectors[target] = vector
            self.norms = None
            self.next_index += 1
        return target

    def add_vectors(
        self,
        keys: Union[Key, Sequence[Key]],
        weights: Any,
        extras: Optional[Dict[str, Any]] = None,
        replace: bool = False,
    ) -> None:
        """Append keys and their vectors; existing keys keep their vector unless ``replace``.

        Parameters
        ----------
        keys : key or list of keys
        weights : numpy.ndarray or list of vectors
            One row per key.
        extras : dict of str to array, optional
            Per-key attribute values, aligned with ``keys``.
        replace : bool
            Overwrite the vectors (and extras) of keys already present.
        """
        if isinstance(keys, KEY_TYPES):
            keys, weights = _one_row(keys, weights)
        else:
            keys = list(keys)
            weights = np.asarray(weights)
        if weights.ndim != 2 or len(weights) != len(keys):
            raise ValueError("weights must have one row per key")
        if weights.shape[1] != self.vector_size:
            raise ValueError(
                f"vectors of size {weights.shape[1]} cannot be added to vectors of size "
                f"{self.vector_size}"
            )
        extras = {k: np.asarray(v) for k, v in (extras or {}).items()}
        new_rows: List[int] = []
        old_rows: List[int] = []
        old_targets: List[int] = []
        for i, key in enumerate(keys):
            index = self.key_to_index.get(key, -1)
            if index < 0:
                index = len(self.index_to_key)
                self.key_to_index[key] = index
                self.index_to_key.append(key)
                new_rows.append(i)
            elif replace:
                old_rows.append(i)
                old_targets.append(index)
        new = np.asarray(new_rows, dtype=np.intp)
        added = weights[new].astype(self.vectors.dtype)
        self.vectors = np.vstack((self.vectors, added)) if len(added) else self.vectors
        if old_rows:
            self.vectors[np.asarray(old_targets)] = weights[np.asarray(old_rows)]
        self.allocate_vecattrs(list(extras), [v.dtype for v in extras.values()])
        self.allocate_vecattrs()
        start = len(self.index_to_key) - len(new_rows)
        for attr, values in extras.items():
            self.expandos[attr][start:] = values[new]
            if old_rows:
                self.expandos[attr][np.asarray(old_targets)] = values[np.asarray(old_rows)]
        self.norms = None

    def __setitem__(self, keys: Union[Key, Sequence[Key]], weights: Any) -> None:
        """``kv[key] = vector`` (or lists of both): add or replace."""
        # As gensim: anything but a list (a tuple too) is one key.
        if not isinstance(keys, list):
            keys, weights = _one_row(keys, weights)
        self.add_vectors(keys, weights, replace=True)

    # ---- norms -----------------------------------------------------------------------------------

    def fill_norms(self, force: bool = False) -> None:
        """Compute (and cache in ``norms``) the L2 norm of every vector."""
        if self.norms is None or force or len(self.norms) != len(self.vectors):
            self.norms = np.linalg.norm(self.vectors, axis=1)

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors scaled to unit length, as a new ``(len(self), vector_size)`` array."""
        self.fill_norms()
        return self.vectors / self.norms[..., np.newaxis]

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length in place (training cannot sensibly continue)."""
        self.fill_norms()
        self.vectors /= self.norms[..., np.newaxis]
        self.norms = np.ones(len(self.vectors))

    # ---- reordering and subsets ------------------------------------------------------------------

    def sort_by_descending_frequency(self) -> None:
        """Reorder keys (and vectors and attributes) by descending ``count``, as gensim."""
        if not len(self):
            return
        counts = np.asarray(self.expandos["count"], dtype=np.int64)
        order = np.lexsort((-np.arange(len(counts)), -counts))
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.allocate_vecattrs()
        for attr in self.expandos:
            self.expandos[attr] = self.expandos[attr][order]
        if len(self.vectors):
            logger.warning("sorting after vectors have been allocated is expensive & error-prone")
            self.vectors = self.vectors[order]
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        self.norms = None

    def vectors_for_all(
        self: _Self, keys: Iterable[Key], allow_inference: bool = True, copy_vecattrs: bool = False
    ) -> _Self:
        """A new KeyedVectors with the vectors of those ``keys`` that are known (deduplicated).

        Parameters
        ----------
        keys : iterable of keys
        allow_inference : bool
            Unused for plain word vectors (no vectors are inferred).
        copy_vecattrs : bool
            Also copy the per-key attributes.
        """
        seen = dict.fromkeys(keys)
        found = [k for k in seen if k in self]
        idx = self._indices(found)
        kv = self._from_rows(found, self.vectors[idx])
        if copy_vecattrs:
            kv.expandos = {a: v[idx] for a, v in self.expandos.items()}
        return kv

    # ---- w2v's archive ---------------------------------------------------------------------------

    # ---- gensim's renamed, deprecated and removed names ---------------------------------------

    def word_vec(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """Deprecated alias of :meth:`get_vector`."""
        warnings.warn("word_vec is deprecated; use get_vector", DeprecationWarning, stacklevel=2)
        return self.get_vector(*args, **kwargs)

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated: use :meth:`fill_norms` (``replace=True`` unit-normalises in place)."""
        warnings.warn("init_sims is deprecated; use fill_norms", DeprecationWarning, stacklevel=2)
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

    @property
    def vectors_norm(self) -> np.ndarray:
        raise AttributeError(
            f"vectors_norm was removed in gensim 4: use get_normed_vectors(); {_MIGRATION}"
        )

    @vectors_norm.setter
    def vectors_norm(self, _: Any) -> None:
        pass

    @property
    def index2word(self) -> List[Any]:
        raise AttributeError(f"index2word was renamed index_to_key in gensim 4; {_MIGRATION}")

    @index2word.setter
    def index2word(self, value: List[Any]) -> None:
        self.index_to_key = value

    @property
    def index2entity(self) -> List[Any]:
        raise AttributeError(f"index2entity was renamed index_to_key in gensim 4; {_MIGRATION}")

    @index2entity.setter
    def index2entity(self, value: List[Any]) -> None:
        self.index_to_key = value

    @property
    def vocab(self) -> Any:
        raise AttributeError(
            "KeyedVectors.vocab was removed in gensim 4: use key_to_index, index_to_key, "
            f"get_vecattr(key, 'count') and set_vecattr(); {_MIGRATION}"
        )

    @vocab.setter
    def vocab(self, value: Any) -> None:
        self.vocab  # noqa: B018 -- raises the explanation

    def _to_archive(self) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
        """The metadata (JSON) and arrays that w2v's archive stores for these vectors."""
        return keyed_archive.to_archive(self)

    @classmethod
    def _from_archive(
        cls: Type[_Self], meta: Dict[str, Any], arrays: Dict[str, np.ndarray]
    ) -> _Self:
        """The inverse of :meth:`_to_archive`, checking that the parts fit together."""
        return keyed_archive.from_archive(cls, meta, arrays)
