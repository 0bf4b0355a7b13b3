"""Approximate nearest neighbours: a faiss index over the unit vectors of a ``KeyedVectors``.

:class:`FaissIndex` implements gensim's indexer protocol (``most_similar(vector,
num_neighbors)``, as gensim's ``AnnoyIndexer``), so ``wv.most_similar(word, indexer=index)``
answers from the index instead of scanning every row. The index is built by
``KeyedVectors.build_index`` (which attaches it to the vectors as ``ann_index``), is saved
inside w2v's archive by ``KeyedVectors.save`` and ``Word2Vec.save`` (faiss's own binary
serialisation, stored as a ``uint8`` array member: never a pickle), and is restored by
``load``. See ``docs/format.md``.

faiss is an optional dependency (``pip install 'w2v[ann]'``): it is imported only when an index
is built or first queried, so vectors with a saved index load, and can be saved again with it,
without faiss.

Two kinds of index:

* ``"hnsw"`` (default): a navigable small-world graph (``IndexHNSWFlat``); no training, fast
  and accurate queries, slower to build (minutes for a million vectors on 2 cores).
* ``"ivf"``: an inverted file over k-means cells (``IndexIVFFlat``); quicker to build, needs
  more probes for the same recall.

Both keep the unit vectors uncompressed (4 bytes per value, plus the graph for HNSW). Found
candidates are re-scored exactly from the ``KeyedVectors``, so the similarities returned are
those that the exact ``most_similar`` gives for the same keys.
"""

from __future__ import annotations

import logging
import time
import weakref
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

logger = logging.getLogger(__name__)

#: The kinds of index :func:`build_index` makes.
KINDS = ("hnsw", "ivf")
#: Name of the index's member in w2v's archive (and its key in the vectors' metadata).
ARCHIVE_NAME = "ann_index"

_INSTALL_HINT = "pip install 'w2v[ann]' (or: pip install faiss-cpu)"
_BLOCK = 65536  # rows normalised and added per faiss call while building


def import_faiss() -> Any:
    """The ``faiss`` module.

    Raises
    ------
    ImportError
        If faiss is not installed, saying how to install it.
    """
    try:
        import faiss
    except ImportError as exc:
        raise ImportError(
            f"the approximate nearest-neighbour index needs faiss: {_INSTALL_HINT}"
        ) from exc
    return faiss


def _default_nlist(n: int) -> int:
    """About ``4 * sqrt(n)`` k-means cells, but never fewer than 39 rows per cell."""
    return int(max(1, min(4 * np.sqrt(n), n // 39)))


def _search_defaults(kind: str, nlist: int = 0) -> Dict[str, int]:
    if kind == "hnsw":
        return {"ef_search": 128}
    return {"nprobe": max(1, min(nlist, 256))}


class FaissIndex:
    """An approximate nearest-neighbour index over the rows of a ``KeyedVectors``.

    Build one with ``wv.build_index()`` (or :func:`build_index`) rather than directly.

    Parameters
    ----------
    kv : KeyedVectors
        The vectors the index was built from (keys and exact re-scoring come from them).
    kind : {"hnsw", "ivf"}
    params : dict
        Build parameters (``m``, ``ef_construction`` for HNSW; ``nlist`` for IVF) and search
        parameters (``ef_search`` for HNSW, ``nprobe`` for IVF).
    index : faiss.Index, optional
        The faiss index; or
    blob : numpy.ndarray, optional
        its serialised bytes (``uint8``), turned into an index on first use.

    Attributes
    ----------
    kind : str
    params : dict
    ntotal : int
        Number of indexed vectors.
    build_seconds : float or None
        Wall time of the build (None for a loaded index).
    """

    def __init__(
        self,
        kv: Any,
        kind: str,
        params: Dict[str, int],
        index: Any = None,
        blob: Optional[np.ndarray] = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if (index is None) == (blob is None):
            raise ValueError("give exactly one of index and blob")
        self.kind = kind
        self.params = dict(params)
        self.ntotal = int(index.ntotal) if index is not None else len(kv)
        self.build_seconds: Optional[float] = None
        self._kv = kv
        self._source = weakref.ref(kv.vectors)
        self._index = index
        self._blob = blob
        if index is not None:
            self._apply_search_params()

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"FaissIndex<{self.kind}, {self.ntotal} vectors, {params}>"

    # ---- the faiss object ----------------------------------------------------------------

    @property
    def index(self) -> Any:
        """The faiss index (deserialised on first use after loading)."""
        if self._index is None:
            faiss = import_faiss()
            try:
                index = faiss.deserialize_index(np.ascontiguousarray(self._blob, dtype=np.uint8))
            except RuntimeError as exc:
                raise ValueError(f"corrupt nearest-neighbour index: {exc}") from None
            _check_index(faiss, index, self.kind, self.ntotal, self._kv.vector_size)
            self._index = index
            self._blob = None
            self._apply_search_params()
        return self._index

    def _apply_search_params(self) -> None:
        index = self._index
        if self.kind == "hnsw":
            index.hnsw.efSearch = int(self.params["ef_search"])
        else:
            import_faiss().extract_index_ivf(index).nprobe = int(self.params["nprobe"])

    def set_search_params(self, **params: int) -> None:
        """Change the accuracy/speed trade-off of later queries.

        Parameters
        ----------
        **params : int
            ``ef_search`` (HNSW: candidates kept during the graph walk, at least the number of
            neighbours asked for) or ``nprobe`` (IVF: cells scanned per query).
        """
        allowed = "ef_search" if self.kind == "hnsw" else "nprobe"
        for name, value in params.items():
            if name != allowed:
                raise ValueError(f"a {self.kind} index takes {allowed}, not {name}")
            if int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
            self.params[name] = int(value)
        if self._index is not None:
            self._apply_search_params()

    @property
    def nbytes(self) -> int:
        """Memory taken by the index in bytes, near its serialised size: the unit vectors,
        plus the graph (HNSW) or the ids and centroids (IVF)."""
        if self._blob is not None:
            return int(self._blob.nbytes)
        index = self._index
        size = index.ntotal * index.d * 4  # the unit vectors
        if self.kind == "hnsw":
            graph = index.hnsw
            size += 4 * (graph.neighbors.size() + graph.levels.size()) + 8 * graph.offsets.size()
        else:
            size += 8 * index.ntotal + 4 * index.nlist * index.d  # ids and centroids
        return int(size)

    def is_current(self) -> bool:
        """Whether the vectors are still the array the index was built from (adding,
        removing or reordering keys replaces it; editing rows in place is not detected)."""
        return self._source() is self._kv.vectors and len(self._kv) == self.ntotal

    def _check_current(self) -> None:
        if not self.is_current():
            raise RuntimeError(
                "the nearest-neighbour index is out of date: the vectors were replaced since "
                "it was built; rebuild it with build_index()"
            )

    # ---- queries -------------------------------------------------------------------------

    def search(self, vectors: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
        """The approximate ``k`` nearest rows of each query, best first, scored exactly.

        Parameters
        ----------
        vectors : numpy.ndarray
            ``(n, vector_size)`` queries (or one ``(vector_size,)`` query); need not be unit.
        k : int
            Neighbours per query.

        Returns
        -------
        rows : numpy.ndarray
            ``(n, k)`` int64 rows of the vectors; ``-1`` where fewer than ``k`` were found.
        similarities : numpy.ndarray
            ``(n, k)`` cosine similarities (``-inf`` for missing rows).
        """
        self._check_current()
        queries = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if queries.shape[1] != self._kv.vector_size:
            raise ValueError(
                f"queries have {queries.shape[1]} dimensions, the index {self._kv.vector_size}"
            )
        k = int(k)
        n = len(queries)
        if k <= 0 or self.ntotal == 0:
            return np.full((n, max(k, 0)), -1, dtype=np.int64), np.full((n, max(k, 0)), -np.inf)
        norms = np.linalg.norm(queries, axis=1, keepdims=True)
        norms[norms == 0] = 1
        queries = np.ascontiguousarray(queries / norms, dtype=np.float32)
        index = self.index
        if self.kind == "hnsw" and self.params["ef_search"] < k:
            index.hnsw.efSearch = k  # the walk keeps at least the k asked for
        try:
            _, rows = index.search(queries, k)
        finally:
            self._apply_search_params()
        return self._rescore(queries, rows)

    def _rescore(self, queries: np.ndarray, rows: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Exact cosine similarities of the found rows, each query's sorted best first."""
        kv = self._kv
        kv.fill_norms()
        found = rows >= 0
        safe = np.where(found, rows, 0)
        sims = np.einsum("nkd,nd->nk", kv.vectors[safe], queries.astype(kv.vectors.dtype))
        with np.errstate(divide="ignore", invalid="ignore"):
            sims = sims / kv.norms[safe]
        sims = np.where(found, sims, -np.inf)
        order = np.argsort(-sims, axis=1, kind="stable")
        return np.take_along_axis(rows, order, 1), np.take_along_axis(sims, order, 1)

    def most_similar(self, vector: np.ndarray, num_neighbors: int) -> List[Tuple[Any, float]]:
        """The approximate ``num_neighbors`` keys nearest to ``vector`` (gensim's indexer
        protocol).

        Parameters
        ----------
        vector : numpy.ndarray
            ``(vector_size,)`` query; need not be unit.
        num_neighbors : int

        Returns
        -------
        list of (key, float)
            Keys and their cosine similarity to ``vector``, best first. As with gensim's
            indexers, the query's own key is not left out.
        """
        rows, sims = self.search(vector, num_neighbors)
        keys = self._kv.index_to_key
        return [(keys[r], s) for r, s in zip(rows[0].tolist(), sims[0].tolist()) if r >= 0]

    # ---- persistence ---------------------------------------------------------------------

    def to_archive(self) -> Tuple[Dict[str, Any], np.ndarray]:
        """The metadata (JSON) and the ``uint8`` array that w2v's archive stores."""
        if self._blob is not None:
            blob = self._blob
        else:
            blob = import_faiss().serialize_index(self._index)
        meta = {
            "library": "faiss",
            "kind": self.kind,
            "metric": "inner_product",
            "ntotal": self.ntotal,
            "dim": int(self._kv.vector_size),
            "params": self.params,
        }
        return meta, blob

    @classmethod
    def from_archive(cls, kv: Any, meta: Dict[str, Any], blob: np.ndarray) -> FaissIndex:
        """The index stored by :meth:`to_archive`, bound to ``kv`` (deserialised lazily).

        Raises
        ------
        ValueError
            If the metadata does not describe a faiss index over these vectors.
        """
        if not isinstance(meta, dict) or meta.get("library") != "faiss":
            raise ValueError("not a faiss index")
        if meta.get("kind") not in KINDS or meta.get("metric") != "inner_product":
            raise ValueError(f"unknown index kind {meta.get('kind')!r}")
        if int(meta.get("ntotal", -1)) != len(kv) or int(meta.get("dim", -1)) != kv.vector_size:
            raise ValueError("the index does not match the vectors (count or dimension)")
        if blob.dtype != np.uint8 or blob.ndim != 1:
            raise ValueError("the index member is not a 1-d uint8 array")
        params = {str(k): int(v) for k, v in dict(meta.get("params", {})).items()}
        params = {**_search_defaults(meta["kind"], params.get("nlist", 0)), **params}
        return cls(kv, meta["kind"], params, blob=blob)


def _check_index(faiss: Any, index: Any, kind: str, ntotal: int, dim: int) -> None:
    """Raise ValueError unless a deserialised index is of the kind w2v builds, over these
    vectors."""
    expected = faiss.IndexHNSWFlat if kind == "hnsw" else faiss.IndexIVFFlat
    if not isinstance(index, expected):
        raise ValueError(f"corrupt nearest-neighbour index: unexpected {type(index).__name__}")
    if index.d != dim or index.ntotal != ntotal:
        raise ValueError("corrupt nearest-neighbour index: it does not match the vectors")
    if index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise ValueError("corrupt nearest-neighbour index: not an inner-product index")


def _unit_block(kv: Any, start: int, stop: int) -> np.ndarray:
    block = np.asarray(kv.vectors[start:stop], dtype=np.float32)
    norms = np.linalg.norm(block, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return np.ascontiguousarray(block / norms)


def build_index(
    kv: Any,
    kind: str = "hnsw",
    *,
    m: int = 32,
    ef_construction: int = 40,
    ef_search: int = 128,
    nlist: Optional[int] = None,
    nprobe: Optional[int] = None,
    seed: int = 1,
) -> FaissIndex:
    """Build an approximate nearest-neighbour index over the unit rows of ``kv``.

    Parameters
    ----------
    kv : KeyedVectors
    kind : {"hnsw", "ivf"}
        ``"hnsw"`` (default): a graph index, the fastest and most accurate queries;
        ``"ivf"``: k-means cells, quicker to build.
    m : int
        HNSW: links per node (memory ``8 * m`` bytes per vector on top of the vectors).
    ef_construction : int
        HNSW: candidates kept while inserting (higher: better graph, slower build).
    ef_search : int
        HNSW: candidates kept while searching (higher: better recall, slower queries).
    nlist : int, optional
        IVF: number of k-means cells (default about ``4 * sqrt(len(kv))``).
    nprobe : int, optional
        IVF: cells scanned per query (default ``min(nlist, 256)``).
    seed : int
        Seed of the IVF training sample and k-means.

    Returns
    -------
    FaissIndex

    Raises
    ------
    ImportError
        If faiss is not installed.
    ValueError
        For an unknown ``kind`` or a non-positive parameter.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    faiss = import_faiss()
    n, dim = len(kv), kv.vector_size
    started = time.perf_counter()
    if kind == "hnsw":
        for name, value in (
            ("m", m),
            ("ef_construction", ef_construction),
            ("ef_search", ef_search),
        ):
            if int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
        index = faiss.IndexHNSWFlat(dim, int(m), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = int(ef_construction)
        params = {"m": int(m), "ef_construction": int(ef_construction), "ef_search": int(ef_search)}
    else:
        nlist = _default_nlist(n) if nlist is None else int(nlist)
        if nlist < 1 or (nprobe is not None and int(nprobe) < 1):
            raise ValueError("nlist and nprobe must be positive integers")
        if n and nlist > n:
            raise ValueError(f"nlist ({nlist}) cannot exceed the number of vectors ({n})")
        # The factory's index owns its quantizer (no Python reference to keep alive).
        index = faiss.index_factory(dim, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = int(seed)
        params = {"nlist": nlist, "nprobe": int(nprobe or _search_defaults("ivf", nlist)["nprobe"])}
        if n:
            rng = np.random.default_rng(seed)
            sample = np.sort(rng.choice(n, size=min(n, 64 * nlist), replace=False))
            train = np.asarray(kv.vectors[sample], dtype=np.float32)
            train /= np.maximum(np.linalg.norm(train, axis=1, keepdims=True), 1e-30)
            index.train(train)
            del train
    for start in range(0, n, _BLOCK):
        index.add(_unit_block(kv, start, min(n, start + _BLOCK)))
    result = FaissIndex(kv, kind, params, index=index)
    result.build_seconds = time.perf_counter() - started
    logger.info("built %r in %.1fs", result, result.build_seconds)
    return result
