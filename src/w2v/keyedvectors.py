"""Word vectors keyed by word: lookup, similarity queries and persistence (gensim's API)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from w2v._archive import load_archive, save_archive

Key = Union[str, int]


class KeyedVectors:
    """A set of vectors, one per key, with gensim 4's ``KeyedVectors`` interface.

    Parameters
    ----------
    vector_size : int
        Dimensionality of the vectors.
    count : int
        Number of (unset) slots to allocate.
    dtype : numpy dtype
        Dtype of the vectors.
    """

    def __init__(self, vector_size: int, count: int = 0, dtype: Any = np.float32) -> None:
        self.vector_size = int(vector_size)
        self.index_to_key: List[Any] = [None] * count
        self.key_to_index: Dict[Any, int] = {}
        self.vectors = np.zeros((count, self.vector_size), dtype=dtype)
        self.norms: Optional[np.ndarray] = None
        self.expandos: Dict[str, np.ndarray] = {}

    # ---- lookup -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: Key) -> bool:
        return self.has_index_for(key)

    def has_index_for(self, key: Key) -> bool:
        """Whether ``key`` has a vector."""
        return self.get_index(key, -1) >= 0

    def get_index(self, key: Key, default: Optional[int] = None) -> int:
        """Row of ``key``; ``default`` if given and the key is unknown, else KeyError."""
        val = self.key_to_index.get(key, -1)
        if val >= 0:
            return val
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self.index_to_key):
            return int(key)
        if default is not None:
            return default
        raise KeyError(f"Key '{key}' not present")

    def get_vector(self, key: Key, norm: bool = False) -> np.ndarray:
        """Vector of ``key`` (unit-normalised if ``norm``)."""
        index = self.get_index(key)
        if norm:
            self.fill_norms()
            return self.vectors[index] / self.norms[index]
        return self.vectors[index]

    def __getitem__(self, key_or_keys: Union[Key, Iterable[Key]]) -> np.ndarray:
        if isinstance(key_or_keys, (str, int, np.integer)):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(k) for k in key_or_keys])

    def allocate_vecattrs(self, attrs: Sequence[str] = (), types: Sequence[Any] = ()) -> None:
        """Make sure every named attribute has one slot per key."""
        n = len(self.index_to_key)
        for attr, t in zip(attrs, types):
            if attr not in self.expandos:
                self.expandos[attr] = np.zeros(n, dtype=t)
            elif len(self.expandos[attr]) < n:
                prev = self.expandos[attr]
                self.expandos[attr] = np.zeros(n, dtype=prev.dtype)
                self.expandos[attr][: len(prev)] = prev

    def set_vecattr(self, key: Key, attr: str, val: Any) -> None:
        """Set attribute ``attr`` (e.g. ``"count"``) of ``key``."""
        self.allocate_vecattrs(attrs=[attr], types=[type(val)])
        self.expandos[attr][self.get_index(key)] = val

    def get_vecattr(self, key: Key, attr: str) -> Any:
        """Attribute ``attr`` (e.g. ``"count"``) of ``key``."""
        return self.expandos[attr][self.get_index(key)]

    # ---- similarity ---------------------------------------------------------------------

    def fill_norms(self, force: bool = False) -> None:
        """Compute the L2 norm of every vector (cached)."""
        if self.norms is None or force or len(self.norms) != len(self.vectors):
            self.norms = np.linalg.norm(self.vectors, axis=1)

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors scaled to unit length."""
        self.fill_norms()
        return self.vectors / self.norms[..., np.newaxis]

    def _normed(self) -> np.ndarray:
        self.fill_norms()
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num(self.vectors / self.norms[..., np.newaxis])

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: Optional[int] = 10,
        restrict_vocab: Optional[int] = None,
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Keys most similar (cosine) to the mean of ``positive`` minus ``negative``.

        Parameters
        ----------
        positive, negative : key, vector, or list of keys / vectors / (key, weight)
        topn : int or None
            How many results; ``None`` returns the similarity to every key as an array.
        restrict_vocab : int, optional
            Only consider the first ``restrict_vocab`` keys.

        Returns
        -------
        list of (key, similarity), or numpy.ndarray when ``topn`` is None.
        """
        if isinstance(topn, (int, np.integer)) and not isinstance(topn, bool):
            if topn < 0:
                raise ValueError(f"topn must be a non-negative integer or None, got {topn}")
            if topn == 0:
                return []
        elif topn is not None:
            raise ValueError(f"topn must be a non-negative integer or None, got {topn!r}")
        positive = _as_list(positive)
        negative = _as_list(negative)
        if not positive and not negative:
            raise ValueError("cannot compute similarity with no input: give positive or negative")
        terms = [(item, 1.0) for item in positive] + [(item, -1.0) for item in negative]
        normed = self._normed()
        mean = np.zeros(self.vector_size, dtype=np.float64)
        used = set()
        for item, weight in terms:
            if isinstance(item, tuple) and len(item) == 2:
                item, weight = item[0], weight * float(item[1])
            if isinstance(item, np.ndarray):
                vec = item / (np.linalg.norm(item) or 1.0)
            else:
                idx = self.get_index(item)
                used.add(idx)
                vec = normed[idx]
            mean += weight * vec
        norm = np.linalg.norm(mean)
        if norm > 0:
            mean /= norm
        limit = len(self.vectors) if restrict_vocab is None else restrict_vocab
        dists = normed[:limit] @ mean.astype(normed.dtype)
        if topn is None:
            return dists
        order = np.argsort(-dists, kind="stable")[: topn + len(used)]
        result = [(self.index_to_key[i], float(dists[i])) for i in order if i not in used]
        return result[:topn]

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two keys."""
        a = self.get_vector(w1, norm=True)
        b = self.get_vector(w2, norm=True)
        return float(np.dot(a, b))

    # ---- persistence ----------------------------------------------------------------------

    def _to_archive(self) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
        meta = {"vector_size": self.vector_size, "index_to_key": list(self.index_to_key)}
        arrays = {"vectors": self.vectors}
        for name, arr in self.expandos.items():
            arrays[f"vecattr.{name}"] = arr
        return meta, arrays

    @classmethod
    def _from_archive(cls, meta: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> KeyedVectors:
        vectors = arrays["vectors"]
        kv = cls(int(meta["vector_size"]), 0, dtype=vectors.dtype)
        kv.vectors = vectors
        kv.index_to_key = list(meta["index_to_key"])
        kv.key_to_index = {k: i for i, k in enumerate(kv.index_to_key)}
        if len(kv.index_to_key) != len(vectors):
            raise ValueError("corrupt file: the number of keys and of vectors differ")
        for name, arr in arrays.items():
            if name.startswith("vecattr."):
                kv.expandos[name[len("vecattr.") :]] = arr
        return kv

    def save(self, fname: str) -> None:
        """Save to ``fname`` in w2v's pickle-free format (see ``docs/format.md``)."""
        meta, arrays = self._to_archive()
        save_archive(fname, {"kind": "KeyedVectors", "keyedvectors": meta}, arrays)

    @classmethod
    def load(cls, fname: str, mmap: Optional[str] = None) -> KeyedVectors:
        """Load vectors saved by :meth:`save` (or the ``wv`` of a saved model)."""
        meta, arrays = load_archive(fname, mmap=mmap)
        kv_arrays = {k[len("wv.") :]: v for k, v in arrays.items() if k.startswith("wv.")}
        if meta.get("kind") == "Word2Vec":
            return cls._from_archive(meta["keyedvectors"], kv_arrays)
        if meta.get("kind") != "KeyedVectors":
            raise ValueError(f"{fname!r} does not hold keyed vectors")
        return cls._from_archive(meta["keyedvectors"], arrays)


def _as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, (str, int, np.integer)) or (isinstance(x, np.ndarray) and x.ndim == 1):
        return [x]
    return list(x)
