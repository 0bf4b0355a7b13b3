"""Word vectors keyed by word: lookup, similarity queries, evaluation and persistence.

:class:`KeyedVectors` has gensim 4.4's ``KeyedVectors`` interface: the same attribute and
method names, arguments, defaults and return shapes, and the same answers on the same vectors.
Every similarity query is one matrix-vector (or matrix-matrix) product over the whole
vocabulary; nothing loops over the vocabulary in Python.
"""

from __future__ import annotations

import logging
import os
import warnings
from numbers import Integral
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from w2v._archive import load_archive, save_archive

logger = logging.getLogger(__name__)

Key = Union[str, int]
_KEY_TYPES = (str, int, np.integer)
_EXTENDED_KEY_TYPES = (str, int, np.integer, np.ndarray)
_MIGRATION = "see https://github.com/RaRe-Technologies/gensim/wiki/Migrating-from-Gensim-3.x-to-4"


def _as_list(value: Any) -> list:
    """A single key or vector becomes a one-element list; a 2-d array a list of rows."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [value]
        if value.ndim == 2:
            return list(value)
    return list(value)


def _check_topn(topn: Any) -> Optional[int]:
    """``topn`` must be None or a non-negative integer."""
    if topn is None:
        return None
    if isinstance(topn, Integral) and not isinstance(topn, bool):
        if topn < 0:
            raise ValueError(f"topn must be a non-negative integer or None, got {topn}")
        return int(topn)
    raise ValueError(f"topn must be a non-negative integer or None, got {topn!r}")


def top_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``values``, largest first (ties as gensim orders them)."""
    neg = -np.asarray(values)
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if k >= neg.size:
        return neg.argsort()[:k]
    part = neg.argpartition(k)[:k]
    return part[neg[part].argsort()]


def _unitvec(vec: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vec)
    if norm > 0:
        return (vec / norm).astype(vec.dtype, copy=False)
    return vec


class KeyedVectors:
    """A set of vectors, one per key, with gensim 4's ``KeyedVectors`` interface.

    Parameters
    ----------
    vector_size : int
        Dimensionality of the vectors.
    count : int
        Number of slots to preallocate (filled by :meth:`add_vector`).
    dtype : numpy dtype
        Dtype of the vectors.
    mapfile_path : str, optional
        Unused; accepted for compatibility.

    Attributes
    ----------
    index_to_key : list
        Key of each row of ``vectors``.
    key_to_index : dict
        Row of each key.
    vectors : numpy.ndarray
        ``(len(index_to_key), vector_size)`` matrix.
    norms : numpy.ndarray or None
        Cached L2 norm of each row (see :meth:`fill_norms`); reset it to None after changing
        ``vectors`` in place.
    expandos : dict of str to numpy.ndarray
        Per-key attributes such as ``"count"`` (see :meth:`get_vecattr`).
    """

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
        self.expandos: Dict[str, np.ndarray] = {}
        self.mapfile_path = mapfile_path

    def __str__(self) -> str:
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    __repr__ = __str__

    # ---- per-key attributes ------------------------------------------------------------------

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

    def word_vec(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """Deprecated alias of :meth:`get_vector`."""
        warnings.warn("word_vec is deprecated; use get_vector", DeprecationWarning, stacklevel=2)
        return self.get_vector(*args, **kwargs)

    def __getitem__(self, key_or_keys: Union[Key, Iterable[Key]]) -> np.ndarray:
        """``kv[key]`` is a 1-d vector; ``kv[[k1, k2]]`` a 2-d array of their vectors."""
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        indices = [self.get_index(k) for k in key_or_keys]
        return self.vectors[np.asarray(indices, dtype=np.intp)]

    def _indices(self, keys: Iterable[Key]) -> np.ndarray:
        return np.asarray([self.get_index(k) for k in keys], dtype=np.intp)

    def get_mean_vector(
        self,
        keys: Any,
        weights: Optional[Union[Sequence[float], np.ndarray]] = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """Weighted mean of the vectors of ``keys``.

        Parameters
        ----------
        keys : list of (str, int or numpy.ndarray)
            Keys, or raw vectors (used as given).
        weights : list of float or numpy.ndarray, optional
            One weight per key (default 1); the sum is divided by the sum of ``|weight|``
            over the keys used.
        pre_normalize : bool
            Unit-normalise each key's vector first (raw vectors are never normalised).
        post_normalize : bool
            Unit-normalise the result.
        ignore_missing : bool
            Skip unknown keys (otherwise raise KeyError).

        Raises
        ------
        ValueError
            If ``keys`` is empty or ``weights`` has another length.
        KeyError
            For an unknown key when ``ignore_missing`` is False.
        """
        if isinstance(keys, np.ndarray) and keys.ndim == 2:
            keys = list(keys)
        if len(keys) == 0:
            raise ValueError("cannot compute a mean with no input")
        dtype = self.vectors.dtype
        if weights is None:
            weights = np.ones(len(keys), dtype=dtype)
        else:
            weights = np.asarray(weights, dtype=dtype)
        if len(keys) != weights.shape[0]:
            raise ValueError("keys and weights must have the same number of elements")
        rows: List[int] = []
        row_weights: List[float] = []
        raw: List[np.ndarray] = []
        raw_weights: List[float] = []
        for key, weight in zip(keys, weights):
            if isinstance(key, np.ndarray):
                raw.append(key)
                raw_weights.append(weight)
                continue
            index = self.get_index(key, -1)
            if index >= 0:
                rows.append(index)
                row_weights.append(weight)
            elif not ignore_missing:
                raise KeyError(f"Key '{key}' not present in vocabulary")
        mean = np.zeros(self.vector_size, dtype=dtype)
        total = 0.0
        if rows:
            idx = np.asarray(rows, dtype=np.intp)
            block = self.vectors[idx]
            if pre_normalize:
                self.fill_norms()
                block = block / self.norms[idx, None]
            w = np.asarray(row_weights, dtype=dtype)
            mean += w @ block
            total += float(np.abs(w).sum())
        if raw:
            w = np.asarray(raw_weights, dtype=dtype)
            mean += w @ np.vstack(raw).astype(dtype, copy=False)
            total += float(np.abs(w).sum())
        if total > 0:
            mean = mean / total
        mean = mean.astype(dtype, copy=False)
        if post_normalize:
            mean = _unitvec(mean).astype(np.float32)
        return mean

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
        if isinstance(keys, _KEY_TYPES):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
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
        if not isinstance(keys, list):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
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

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated: use :meth:`fill_norms` (``replace=True`` unit-normalises in place)."""
        warnings.warn("init_sims is deprecated; use fill_norms", DeprecationWarning, stacklevel=2)
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length in place (training cannot sensibly continue)."""
        self.fill_norms()
        self.vectors /= self.norms[..., np.newaxis]
        self.norms = np.ones(len(self.vectors))

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

    # ---- similarity queries ----------------------------------------------------------------------

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: Optional[int] = 10,
        clip_start: int = 0,
        clip_end: Optional[int] = None,
        restrict_vocab: Optional[int] = None,
        indexer: Any = None,
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Keys most similar (cosine) to the weighted mean of ``positive`` minus ``negative``.

        Parameters
        ----------
        positive, negative : key, vector, or list of keys / vectors / (key or vector, weight)
            Keys' vectors are unit-normalised, raw vectors used as given; the weight of a
            plain item is +1 (positive) or -1 (negative), a ``(item, weight)`` pair's weight is
            used as given.
        topn : int or None
            Number of results; ``None`` returns the similarity to every key (in
            ``clip_start:clip_end``) as an array.
        clip_start, clip_end : int
            Only search rows ``clip_start:clip_end``.
        restrict_vocab : int, optional
            Only search the first ``restrict_vocab`` rows (overrides the clip range).
        indexer : object, optional
            An approximate-nearest-neighbour index with ``most_similar(vector, topn)``.

        Returns
        -------
        list of (key, float), or numpy.ndarray when ``topn`` is None
            Input keys are left out of the list.

        Raises
        ------
        KeyError
            For an unknown key.
        ValueError
            If ``positive`` and ``negative`` are both empty, or ``topn`` is invalid.
        """
        topn = _check_topn(topn)
        if topn == 0:
            return []
        positive = _as_list(positive)
        negative = _as_list(negative)
        if not positive and not negative:
            raise ValueError("cannot compute similarity with no input: give positive or negative")
        self.fill_norms()
        clip_end = clip_end or len(self.vectors)
        if restrict_vocab:
            clip_start, clip_end = 0, restrict_vocab
        rows: List[int] = []  # input keys: their rows and weights
        row_weights: List[float] = []
        raw: List[np.ndarray] = []  # input vectors, used as given
        raw_weights: List[float] = []
        lookup = self.key_to_index.get
        for i, item in enumerate(positive + negative):
            weight = 1.0 if i < len(positive) else -1.0
            if not isinstance(item, _EXTENDED_KEY_TYPES):  # (key or vector, weight)
                item, weight = item[0], float(item[1])
            if isinstance(item, np.ndarray):
                raw.append(item)
                raw_weights.append(weight)
                continue
            row = lookup(item, -1)
            if row < 0:
                row = self.get_index(item, -1)
                if row < 0:
                    raise KeyError(f"Key '{item}' not present in vocabulary")
            rows.append(row)
            row_weights.append(weight)
        mean = self._weighted_unit_mean(rows, row_weights, raw, raw_weights)
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        with np.errstate(divide="ignore", invalid="ignore"):
            dists = self.vectors[clip_start:clip_end] @ mean / self.norms[clip_start:clip_end]
        if topn is None:
            return dists
        exclude = set(rows)
        best = top_indices(dists, topn + len(exclude))
        keys = self.index_to_key
        result = [
            (keys[i + clip_start], sim)
            for i, sim in zip(best.tolist(), dists[best].tolist())
            if i + clip_start not in exclude
        ]
        return result[:topn]

    def _weighted_unit_mean(
        self,
        rows: List[int],
        row_weights: List[float],
        raw: List[np.ndarray],
        raw_weights: List[float],
    ) -> np.ndarray:
        """Unit-length float32 mean of the unit vectors of ``rows`` and the raw vectors, each
        weighted, divided by the total absolute weight (as gensim's ``get_mean_vector`` with
        ``pre_normalize`` and ``post_normalize``)."""
        dtype = self.vectors.dtype
        mean = np.zeros(self.vector_size, dtype=dtype)
        total = 0.0
        if rows:
            self.fill_norms()
            w = np.array(row_weights, dtype=dtype)
            if len(rows) == 1:
                mean += (w[0] / self.norms[rows[0]]) * self.vectors[rows[0]]
            else:
                mean += (w / self.norms[rows]) @ self.vectors[rows]
            total += float(np.abs(w).sum())
        if raw:
            w = np.array(raw_weights, dtype=dtype)
            mean += w @ np.vstack(raw).astype(dtype, copy=False)
            total += float(np.abs(w).sum())
        if total > 0:
            mean /= total
        return _unitvec(mean).astype(np.float32, copy=False)

    def similar_by_key(
        self, key: Key, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Keys most similar to ``key`` (see :meth:`most_similar`)."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(
        self, word: Key, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Alias of :meth:`similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_vector(
        self, vector: np.ndarray, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Keys most similar to ``vector`` (see :meth:`most_similar`)."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def wmdistance(
        self, document1: Sequence[Key], document2: Sequence[Key], norm: bool = True
    ) -> float:
        """Word Mover's Distance between two documents (needs the POT package, ``ot``).

        Unknown words are dropped; if a document is left empty the distance is ``inf``.

        Parameters
        ----------
        document1, document2 : list of str
        norm : bool
            Unit-normalise the word vectors first.

        Raises
        ------
        ImportError
            If POT is not installed.
        """
        from ot import emd2

        doc1 = [w for w in document1 if w in self]
        doc2 = [w for w in document2 if w in self]
        if len(doc1) != len(document1) or len(doc2) != len(document2):
            logger.info(
                "Removed %d and %d OOV words from document 1 and 2 (respectively).",
                len(document1) - len(doc1),
                len(document2) - len(doc2),
            )
        if not doc1 or not doc2:
            logger.warning(
                "At least one of the documents had no words that were in the vocabulary."
            )
            return float("inf")
        vocab = {w: i for i, w in enumerate(dict.fromkeys(doc1 + doc2))}
        if len(vocab) == 1:
            return 0.0
        words1, words2 = list(dict.fromkeys(doc1)), list(dict.fromkeys(doc2))
        v1 = np.array([self.get_vector(w, norm=norm) for w in words1], dtype=np.float64)
        v2 = np.array([self.get_vector(w, norm=norm) for w in words2], dtype=np.float64)
        pairwise = np.sqrt(
            np.maximum((v1**2).sum(1)[:, None] + (v2**2).sum(1)[None, :] - 2 * v1 @ v2.T, 0.0)
        )
        distance = np.zeros((len(vocab), len(vocab)), dtype=np.float64)
        distance[np.ix_([vocab[w] for w in words1], [vocab[w] for w in words2])] = pairwise
        if abs(distance.sum()) < 1e-8:
            logger.info("The distance matrix is all zeros. Aborting (returning inf).")
            return float("inf")

        def nbow(doc: List[Key]) -> np.ndarray:
            weights = np.zeros(len(vocab), dtype=np.float64)
            np.add.at(weights, [vocab[w] for w in doc], 1.0 / len(doc))
            return weights

        return float(emd2(nbow(doc1), nbow(doc2), distance))

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: Optional[int] = 10,
        restrict_vocab: Optional[int] = None,
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Most similar keys by the multiplicative objective (3CosMul, Levy & Goldberg 2014).

        Each key ``x`` scores ``prod_p s(x, p) / (prod_n s(x, n) + 1e-6)`` with
        ``s = (1 + cosine) / 2`` over the positive ``p`` and negative ``n`` items. Keys are
        unit-normalised, raw vectors used as given (as gensim).

        Parameters
        ----------
        positive, negative : key, vector or list of keys / vectors
        topn : int or None
            Number of results; ``None`` returns every key's score as an array.
        restrict_vocab : int, optional
            Only consider the first ``restrict_vocab`` keys (gensim 4.4 ignores this argument).

        Returns
        -------
        list of (key, float), or numpy.ndarray when ``topn`` is None

        Raises
        ------
        ValueError
            If ``positive`` is empty or ``topn`` is invalid.
        KeyError
            For an unknown key.
        """
        topn = _check_topn(topn)
        if topn == 0:
            return []
        positive = _as_list(positive)
        negative = _as_list(negative)
        if not positive:
            raise ValueError("cannot compute similarity with no positive input")
        self.fill_norms()
        exclude = {
            self.get_index(k)
            for k in positive + negative
            if not isinstance(k, np.ndarray) and k in self.key_to_index
        }

        def terms(items: list) -> np.ndarray:
            vecs = [
                np.asarray(k) if isinstance(k, np.ndarray) else self.get_vector(k, norm=True)
                for k in items
            ]
            return np.vstack(vecs).astype(self.vectors.dtype, copy=False)

        end = restrict_vocab or len(self.vectors)
        vectors, norms = self.vectors[:end], self.norms[:end]
        everything = terms(positive + negative)
        with np.errstate(divide="ignore", invalid="ignore"):
            sims = (1 + (vectors @ everything.T) / norms[:, None]) / 2
        dists = np.prod(sims[:, : len(positive)], axis=1)
        dists /= np.prod(sims[:, len(positive) :], axis=1) + 0.000001
        if topn is None:
            return dists
        best = top_indices(dists, topn + len(exclude))
        result = [(self.index_to_key[i], float(dists[i])) for i in best if i not in exclude]
        return result[:topn]

    def rank_by_centrality(
        self, words: Sequence[Key], use_norm: bool = True
    ) -> List[Tuple[float, Key]]:
        """Rank ``words`` by cosine similarity to their mean, most central first.

        Unknown words are ignored (with a warning).

        Returns
        -------
        list of (float, key)

        Raises
        ------
        ValueError
            If none of ``words`` is known.
        """
        self.fill_norms()
        used = [w for w in words if w in self]
        if len(used) != len(words):
            logger.warning(
                "vectors for words %s are not present in the model, ignoring these words",
                set(words) - set(used),
            )
        if not used:
            raise ValueError("cannot select a word from an empty list")
        idx = self._indices(used)
        vectors = self.vectors[idx]
        if use_norm:
            vectors = vectors / self.norms[idx, None]
        vectors = vectors.astype(np.float32, copy=False)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        dists = vectors @ mean
        return sorted(zip(dists.tolist(), used), reverse=True)

    def doesnt_match(self, words: Sequence[Key]) -> Key:
        """The word of ``words`` furthest from their mean (unknown words are ignored)."""
        return self.rank_by_centrality(words)[-1][1]

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``vector_1`` (shape ``(d,)``) to each row of ``vectors_all``."""
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        return (vectors_all @ vector_1) / (norm * all_norms)

    def distances(
        self, word_or_vector: Union[Key, np.ndarray], other_words: Sequence[Key] = ()
    ) -> np.ndarray:
        """Cosine distances (``1 - similarity``) from a key or vector to ``other_words``.

        With no ``other_words``, the distances to every key (the key itself included).

        Raises
        ------
        KeyError
            For an unknown key.
        """
        if isinstance(word_or_vector, _KEY_TYPES):
            vector = self.get_vector(word_or_vector)
        else:
            vector = np.asarray(word_or_vector)
        if other_words is None or len(other_words) == 0:
            others = self.vectors
        else:
            others = self.vectors[self._indices(other_words)]
        return 1 - self.cosine_similarities(vector, others)

    def distance(self, w1: Key, w2: Key) -> float:
        """Cosine distance, ``1 - similarity(w1, w2)``."""
        return 1 - self.similarity(w1, w2)

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two keys.

        Raises
        ------
        KeyError
            For an unknown key.
        """
        return float(np.dot(_unitvec(self[w1]), _unitvec(self[w2])))

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
        """Cosine similarity of the means of two sets of keys.

        As in gensim, the raw (not normalised) vectors are averaged and unknown keys are
        skipped.

        Raises
        ------
        ZeroDivisionError
            If either list is empty (as gensim).
        """
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed lists is empty.")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False)
        return float(np.dot(_unitvec(mean1), _unitvec(mean2)))

    def most_similar_to_given(self, key1: Key, keys_list: Sequence[Key]) -> Key:
        """The key of ``keys_list`` most similar to ``key1``."""
        sims = 1 - self.distances(key1, list(keys_list))
        return keys_list[int(np.argmax(sims))]

    def closer_than(self, key1: Key, key2: Key) -> List[Key]:
        """All keys closer to ``key1`` than ``key2`` is (``key1`` itself excluded)."""
        all_distances = self.distances(key1)
        i1 = self.get_index(key1)
        i2 = self.get_index(key2)
        closer = np.flatnonzero(all_distances < all_distances[i2])
        return [self.index_to_key[i] for i in closer if i != i1]

    def words_closer_than(self, word1: Key, word2: Key) -> List[Key]:
        """Deprecated alias of :meth:`closer_than`."""
        warnings.warn(
            "words_closer_than is deprecated; use closer_than", DeprecationWarning, stacklevel=2
        )
        return self.closer_than(word1, word2)

    def rank(self, key1: Key, key2: Key) -> int:
        """Rank of ``key2`` among all keys by distance from ``key1`` (1 = closest)."""
        return len(self.closer_than(key1, key2)) + 1

    def relative_cosine_similarity(self, wa: Key, wb: Key, topn: int = 10) -> float:
        """``similarity(wa, wb)`` divided by the summed similarity of ``wa``'s ``topn``
        nearest keys (Leeuwenberg et al. 2016)."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("cannot compute relative cosine similarity without similar words")
        return float(self.similarity(wa, wb)) / sum(s for _, s in sims)

    # ---- evaluation ------------------------------------------------------------------------------

    def evaluate_word_analogies(
        self,
        analogies: Union[str, os.PathLike],
        restrict_vocab: Optional[int] = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ) -> Tuple[float, List[Dict[str, Any]]]:
        """Accuracy on analogy questions (``a b c d``: a is to b as c is to d).

        See :func:`w2v.evaluation.evaluate_word_analogies`; the questions are answered in
        batches (one matrix product per batch), with gensim's results.

        Returns
        -------
        score : float
            Overall accuracy.
        sections : list of dict
            ``{"section": name, "correct": [(a, b, c, d), ...], "incorrect": [...]}`` per
            section, then a ``"Total accuracy"`` section.
        """
        from w2v.evaluation import evaluate_word_analogies

        return evaluate_word_analogies(
            self,
            analogies,
            restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown,
            similarity_function=similarity_function,
        )

    def evaluate_word_pairs(
        self,
        pairs: Union[str, os.PathLike],
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: Optional[int] = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> Tuple[Any, Any, float]:
        """Correlation of the model's similarities with human judgements.

        See :func:`w2v.evaluation.evaluate_word_pairs`.

        Returns
        -------
        pearson : (statistic, p-value)
        spearman : (statistic, p-value)
        oov_ratio : float
            Percentage of pairs with an unknown word.
        """
        from w2v.evaluation import evaluate_word_pairs

        return evaluate_word_pairs(
            self,
            pairs,
            delimiter=delimiter,
            encoding=encoding,
            restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown,
        )

    @staticmethod
    def log_accuracy(section: Dict[str, Any]) -> None:
        """Log a section's accuracy (as gensim)."""
        from w2v.evaluation import section_accuracy

        section_accuracy(section)

    @staticmethod
    def log_evaluate_word_pairs(pearson: Any, spearman: Any, oov: float, pairs: str) -> None:
        """Log word-pair evaluation results (as gensim)."""
        logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
        logger.info(
            "Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0]
        )
        logger.info("Pairs with unknown words ratio: %.1f%%", oov)

    # ---- subsets ---------------------------------------------------------------------------------

    def vectors_for_all(
        self, keys: Iterable[Key], allow_inference: bool = True, copy_vecattrs: bool = False
    ) -> KeyedVectors:
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
        kv = type(self)(self.vector_size, 0, dtype=self.vectors.dtype)
        kv.index_to_key = list(found)
        kv.key_to_index = {k: i for i, k in enumerate(found)}
        kv.vectors = self.vectors[idx]
        kv.next_index = len(found)
        if copy_vecattrs:
            kv.expandos = {a: v[idx] for a, v in self.expandos.items()}
        return kv

    # ---- persistence -----------------------------------------------------------------------------

    def _to_archive(self) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
        keys = [int(k) if isinstance(k, np.integer) else k for k in self.index_to_key]
        meta: Dict[str, Any] = {"vector_size": self.vector_size, "index_to_key": keys}
        arrays: Dict[str, np.ndarray] = {"vectors": self.vectors}
        object_attrs: Dict[str, List[Any]] = {}
        for name, arr in self.expandos.items():
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
        if None in self.index_to_key:  # preallocated slots still to fill with add_vector
            meta["next_index"] = int(self.next_index)
        return meta, arrays

    @classmethod
    def _from_archive(cls, meta: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> KeyedVectors:
        vectors = arrays["vectors"]
        kv = cls(int(meta["vector_size"]), 0, dtype=vectors.dtype)
        kv.vectors = vectors
        kv.index_to_key = list(meta["index_to_key"])
        if len(kv.index_to_key) != len(vectors):
            raise ValueError("corrupt file: the number of keys and of vectors differ")
        if vectors.ndim != 2 or vectors.shape[1] != kv.vector_size:
            raise ValueError("corrupt file: the vectors do not have the declared size")
        kv.key_to_index = {k: i for i, k in enumerate(kv.index_to_key) if k is not None}
        kv.next_index = int(meta.get("next_index", len(kv.index_to_key)))
        attrs = {
            name[len("vecattr.") :]: arr
            for name, arr in arrays.items()
            if name.startswith("vecattr.")
        }
        for attr, values in meta.get("object_vecattrs", {}).items():
            column = np.empty(len(values), dtype=object)
            column[:] = values
            attrs[attr] = column
        for attr, arr in attrs.items():
            if len(arr) != len(kv.index_to_key):
                raise ValueError(f"corrupt file: attribute {attr!r} has the wrong length")
            kv.expandos[attr] = arr
        return kv

    def save(self, fname: Union[str, os.PathLike], *args: Any, **kwargs: Any) -> None:
        """Save to ``fname`` in w2v's pickle-free format (see ``docs/format.md``).

        The write is atomic. gensim's extra arguments (``separately``, ``pickle_protocol``
        ...) are accepted and ignored.
        """
        meta, arrays = self._to_archive()
        save_archive(fname, {"kind": "KeyedVectors", "keyedvectors": meta}, arrays)

    @classmethod
    def load(cls, fname: Union[str, os.PathLike], mmap: Optional[str] = None) -> KeyedVectors:
        """Load vectors saved by :meth:`save` (or the ``wv`` of a saved Word2Vec model).

        Parameters
        ----------
        fname : str
        mmap : {None, 'r', 'r+', 'c'}
            Memory-map the arrays instead of reading them.

        Never executes code from the file: pickles (such as gensim's own ``.save()`` files)
        are refused; use :meth:`load_word2vec_format` for gensim or word2vec.c vectors.
        """
        meta, arrays = load_archive(fname, mmap=mmap)
        kind = meta.get("kind")
        if kind == "Word2Vec":
            kv_arrays = {k[len("wv.") :]: v for k, v in arrays.items() if k.startswith("wv.")}
            return cls._from_archive(meta["keyedvectors"], kv_arrays)
        if kind != "KeyedVectors":
            raise ValueError(f"{os.fspath(fname)!r} does not hold keyed vectors (it holds {kind})")
        return cls._from_archive(meta["keyedvectors"], arrays)

    def save_word2vec_format(
        self,
        fname: Union[str, os.PathLike],
        fvocab: Optional[Union[str, os.PathLike]] = None,
        binary: bool = False,
        total_vec: Optional[int] = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str = "count",
    ) -> None:
        """Save in word2vec.c's text or binary format (readable by gensim and word2vec.c).

        Parameters
        ----------
        fname : str
            Target file (``.gz``/``.bz2``/``.xz`` are compressed).
        fvocab : str, optional
            Also write ``key count`` lines (the ``sort_attr`` attribute) to this file.
        binary : bool
            Binary (float32) or text layout.
        total_vec : int, optional
            Count to write in the header (default: the number of keys).
        write_header : bool
            Write the ``"<count> <vector_size>"`` header line.
        prefix : str
            Prepended to every key.
        append : bool
            Append to ``fname`` (and ``fvocab``) rather than replace it.
        sort_attr : str
            Write keys by descending value of this attribute (ties in index order); if no
            key has it, in index order.

        Raises
        ------
        ValueError
            If ``fvocab`` is given but the keys have no ``sort_attr`` attribute.
        """
        from w2v.word2vec_format import write_word2vec_format

        if len(self.key_to_index) == len(self.index_to_key):
            rows = np.arange(len(self.index_to_key))
        else:  # preallocated slots not filled yet are not written
            rows = np.asarray(sorted(self.key_to_index.values()), dtype=np.intp)
        counts = None
        if sort_attr in self.expandos:
            values = np.asarray(self.expandos[sort_attr])[rows]
            if values.dtype.kind == "u":
                values = values.astype(np.int64)
            if values.dtype.kind in "biuf":
                rows = rows[np.argsort(-values, kind="stable")]
            else:
                rows = rows[sorted(range(len(rows)), key=lambda i: -values[i])]
            counts = np.asarray(self.expandos[sort_attr])[rows].tolist()
        else:
            if fvocab is not None:
                raise ValueError(
                    f"cannot write a vocabulary file: the keys have no {sort_attr!r} attribute"
                )
            logger.warning(
                "attribute %s not present in %s; will store in internal index_to_key order",
                sort_attr,
                self,
            )
        keys = [self.index_to_key[i] for i in rows]
        vectors = (
            self.vectors
            if len(rows) == len(self.vectors) and _is_identity(rows)
            else self.vectors[rows]
        )
        logger.info("storing %sx%s projection weights into %s", len(keys), self.vector_size, fname)
        write_word2vec_format(
            fname,
            keys,
            vectors,
            binary=binary,
            total_vec=total_vec,
            write_header=write_header,
            prefix=prefix,
            append=append,
            fvocab=fvocab,
            counts=counts,
        )

    @classmethod
    def load_word2vec_format(
        cls,
        fname: Union[str, os.PathLike],
        fvocab: Optional[Union[str, os.PathLike]] = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: Optional[int] = None,
        datatype: Any = np.float32,
        no_header: bool = False,
    ) -> KeyedVectors:
        """Load vectors in word2vec.c's text or binary format (as written by gensim too).

        Parameters
        ----------
        fname : str
            The file (``.gz``, ``.bz2`` and ``.xz`` are decompressed on the fly).
        fvocab : str, optional
            A vocabulary file (``key count`` lines, word2vec.c's ``-save-vocab``) giving the
            ``"count"`` attribute; without one, counts are made up in descending order.
        binary : bool
            Binary (True) or text (False) format.
        encoding : str
            Encoding of the keys.
        unicode_errors : str
            ``'strict'``, ``'replace'`` or ``'ignore'`` (word2vec.c may cut keys mid-character).
        limit : int, optional
            Read at most this many vectors.
        datatype : numpy dtype
            Dtype of the loaded vectors.
        no_header : bool
            The (text) file has no ``"<count> <size>"`` header line.

        Returns
        -------
        KeyedVectors

        Raises
        ------
        EOFError
            The file ends before the rows its header announces.
        ValueError
            Anything else malformed: the message names the line (text) or byte offset
            (binary).
        """
        from w2v.word2vec_format import read_vocab_file, read_word2vec_format

        counts = None
        if fvocab is not None:
            logger.info("loading word counts from %s", fvocab)
            counts = read_vocab_file(fvocab, encoding=encoding, unicode_errors=unicode_errors)
        logger.info("loading projection weights from %s", fname)
        keys, vectors, declared = read_word2vec_format(
            fname,
            binary=binary,
            encoding=encoding,
            unicode_errors=unicode_errors,
            limit=limit,
            datatype=datatype,
            no_header=no_header,
        )
        key_to_index = dict(zip(keys, range(len(keys))))
        if len(key_to_index) != len(keys):
            first: Dict[str, int] = {}
            for i, k in enumerate(keys):
                if k in first:
                    logger.warning(
                        "duplicate word '%s' in word2vec file, ignoring all but first", k
                    )
                else:
                    first[k] = i
            keep = np.fromiter(first.values(), dtype=np.intp, count=len(first))
            keys = list(first)
            vectors = vectors[keep]
            key_to_index = {k: i for i, k in enumerate(keys)}
        kv = cls(vectors.shape[1], 0, dtype=vectors.dtype)
        kv.vectors = vectors
        kv.index_to_key = keys
        kv.key_to_index = key_to_index
        kv.next_index = len(keys)
        if counts is None:
            kv.expandos["count"] = declared - np.arange(len(keys), dtype=np.int64)
        else:
            missing = [k for k in keys if k not in counts]
            if missing:
                logger.warning(
                    "vocabulary file is incomplete: %d keys (such as %r) are missing; their "
                    "count is set to 0",
                    len(missing),
                    missing[0],
                )
            kv.expandos["count"] = np.fromiter(
                (counts.get(k, 0) for k in keys), dtype=np.int64, count=len(keys)
            )
        logger.info("loaded %s matrix of type %s from %s", vectors.shape, vectors.dtype, fname)
        return kv

    def intersect_word2vec_format(
        self,
        fname: Union[str, os.PathLike],
        lockf: float = 0.0,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
    ) -> None:
        """Overwrite the vectors of keys also present in a word2vec.c file with the file's.

        No key is added. If this object has a ``vectors_lockf`` array, the merged rows get
        ``lockf`` there.
        """
        other = type(self).load_word2vec_format(
            fname, binary=binary, encoding=encoding, unicode_errors=unicode_errors
        )
        if other.vector_size != self.vector_size:
            raise ValueError(f"incompatible vector size {other.vector_size} in file {fname}")
        pairs = [
            (self.key_to_index[k], i)
            for i, k in enumerate(other.index_to_key)
            if k in self.key_to_index
        ]
        if pairs:
            mine, theirs = (np.asarray(x, dtype=np.intp) for x in zip(*pairs))
            self.vectors[mine] = other.vectors[theirs]
            lockf_array = getattr(self, "vectors_lockf", None)
            if (
                lockf_array is not None
                and np.ndim(lockf_array) == 1
                and len(lockf_array) == len(self)
            ):
                lockf_array[mine] = lockf
            self.norms = None
        logger.info(
            "merged %d vectors into %s matrix from %s", len(pairs), self.vectors.shape, fname
        )


def _is_identity(rows: np.ndarray) -> bool:
    return bool(np.array_equal(rows, np.arange(len(rows))))


def load_word2vec_format(*args: Any, **kwargs: Any) -> KeyedVectors:
    """Alias of :meth:`KeyedVectors.load_word2vec_format`."""
    return KeyedVectors.load_word2vec_format(*args, **kwargs)
