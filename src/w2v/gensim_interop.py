"""Converting live gensim 4 objects to w2v's and back.

``Word2Vec.from_gensim`` / ``Word2Vec.to_gensim`` and ``KeyedVectors.from_gensim`` /
``KeyedVectors.to_gensim`` are thin calls into this module. A conversion copies everything a
model needs to continue training where the other library stopped: the vocabulary in its
order, the per-word ``count`` and ``sample_int``, ``vectors``, ``syn1neg``, ``syn1``, every
parameter of the table in :mod:`w2v.params` that gensim also has, and the training state
(``corpus_count``, ``corpus_total_words``, ``effective_min_count``, ``min_alpha_yet_reached``,
``train_count``, ``total_train_time``, ``running_training_loss``, ``lifecycle_events``). Every
array is copied: the result never shares memory with the object it was made from.

Hierarchical softmax ties ``syn1`` (one row per inner node of the Huffman tree) to the tree.
w2v builds its tree in C++ from the counts with the same heap steps as gensim's ``heapq``
construction, ties included, so both libraries build the same tree from the same counts and
``syn1`` carries over as it is. :func:`word2vec_from_gensim` still checks that the gensim
model's stored tree is the one its counts give (it raises ``NotImplementedError`` for a model
whose tree was edited by hand). :func:`word2vec_to_gensim` gives gensim w2v's tree in
``wv.expandos["code"]`` and ``["point"]``.

gensim is imported only when a conversion runs; it is not a dependency of w2v.
"""

from __future__ import annotations

import inspect
import logging
from collections import defaultdict
from typing import Any, List, Tuple, Type, TypeVar

import numpy as np

from w2v import _core
from w2v._archive import jsonable
from w2v.noise import resolve_noise_weights
from w2v.params import PARAMS_BY_NAME, TRAINING_STATE, WORD2VEC_PARAMS

logger = logging.getLogger(__name__)

# The classes are passed in (this module is imported by theirs, not the other way round).
_KV = TypeVar("_KV")
_W2V = TypeVar("_W2V")

#: Per-word attributes that describe gensim's Huffman tree, not the words.
TREE_ATTRS = ("code", "point")

INSTALL_HINT = "converting to or from gensim needs gensim: pip install gensim"


def import_gensim() -> Any:
    """The ``gensim.models`` module, or an ``ImportError`` that says how to install it."""
    try:
        import gensim.models
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return gensim.models


# ---- keyed vectors ------------------------------------------------------------------------------


def keyed_vectors_from_gensim(gkv: Any, cls: Type[_KV]) -> _KV:
    """A ``cls`` (w2v ``KeyedVectors``) holding a copy of gensim's ``KeyedVectors`` ``gkv``.

    Keys, their order, ``vectors`` (dtype kept) and the per-key attributes (``count``,
    ``sample_int``, ...) are copied. gensim's Huffman-tree attributes (``code``, ``point``)
    are left out: they belong to a model's training, and w2v builds its own tree. Other
    attributes holding objects that w2v cannot save (anything but str, int, float, bool or
    None) are left out with a warning.
    """
    models = import_gensim()
    if not isinstance(gkv, models.KeyedVectors):
        raise TypeError(f"expected a gensim KeyedVectors, got {type(gkv).__name__}")
    if type(gkv) is not models.KeyedVectors:
        raise TypeError(
            f"{type(gkv).__name__} is not plain word vectors (fastText vectors, for one, are "
            "built from n-grams): only gensim's KeyedVectors converts"
        )
    keys = list(gkv.index_to_key)
    vectors = np.array(gkv.vectors, copy=True, order="C")
    if vectors.ndim != 2 or len(vectors) != len(keys):
        raise ValueError(
            f"the gensim vectors do not fit their keys: {len(keys)} keys, vectors of shape "
            f"{vectors.shape}"
        )
    kv = cls._from_rows(keys, vectors)
    kv.next_index = int(getattr(gkv, "next_index", len(keys)))
    for name, values in gkv.expandos.items():
        if name in TREE_ATTRS:
            continue
        column = _copied_attribute(name, values)
        if column is not None:
            kv.expandos[name] = column
    return kv


def keyed_vectors_to_gensim(kv: Any) -> Any:
    """A gensim ``KeyedVectors`` holding a copy of ``kv`` (keys, vectors, attributes)."""
    models = import_gensim()
    gkv = models.KeyedVectors(kv.vector_size, count=0, dtype=kv.vectors.dtype)
    gkv.index_to_key = list(kv.index_to_key)
    gkv.key_to_index = dict(kv.key_to_index)
    gkv.next_index = int(kv.next_index)
    gkv.vectors = np.array(kv.vectors, copy=True, order="C")
    gkv.norms = None
    gkv.expandos = {name: np.array(values, copy=True) for name, values in kv.expandos.items()}
    return gkv


def _copied_attribute(name: str, values: Any) -> Any:
    column = np.array(values, copy=True)
    if not column.dtype.hasobject:
        return column
    plain = (str, int, float, bool, type(None), np.generic)
    if all(isinstance(x, plain) for x in column):
        return column
    logger.warning("attribute %r holds objects w2v cannot save; it is not converted", name)
    return None


# ---- whole models -------------------------------------------------------------------------------


def word2vec_from_gensim(gmodel: Any, cls: Type[_W2V], **params: Any) -> _W2V:
    """A w2v ``cls`` (``Word2Vec``) that continues training where ``gmodel`` stopped.

    Parameters
    ----------
    gmodel : gensim.models.Word2Vec
    cls : type
        ``w2v.Word2Vec`` or a subclass.
    **params
        Parameters to set differently from ``gmodel``'s (for example w2v's own
        ``shared_negatives``); each is checked as ``Word2Vec(...)`` checks it.

    Raises
    ------
    TypeError
        ``gmodel`` is not a gensim ``Word2Vec`` (fastText and Doc2Vec models are refused).
    NotImplementedError
        ``gmodel`` uses hierarchical softmax and its stored Huffman tree is not the one its
        counts give (see the module docstring).
    ValueError
        One of gensim's parameter values is outside what w2v accepts.
    """
    models = import_gensim()
    _check_gensim_word2vec(gmodel, models)
    unknown = sorted(set(params) - set(PARAMS_BY_NAME))
    if unknown:
        raise TypeError(f"unknown Word2Vec parameter(s): {', '.join(unknown)}")
    values = {
        p.name: p.normalise(getattr(gmodel, p.name))
        for p in WORD2VEC_PARAMS
        if p.saved and hasattr(gmodel, p.name)
    }
    values.update(params)
    gwv = gmodel.wv
    counts = _gensim_counts(gwv)
    if values["hs"] and len(gwv) and not gensim_tree_matches(gwv, counts):
        raise NotImplementedError(
            "this gensim model uses hierarchical softmax (hs=1), and its Huffman tree differs "
            "from the one its word counts give (gensim and w2v both build it from the counts; "
            "was the tree or the counts edited?). syn1 holds one row per inner node of that "
            "tree, so it cannot be trained with another; KeyedVectors.from_gensim(model.wv) "
            "still takes the word vectors."
        )
    try:
        model = cls(**values)
    except ValueError as exc:
        raise ValueError(f"the gensim model's parameters do not fit w2v: {exc}") from None
    if len(gwv):
        _copy_vocabulary_and_weights(gmodel, model, counts)
    for name in TRAINING_STATE:
        value = getattr(gmodel, name, None)
        if value is not None:
            setattr(model, name, type(getattr(model, name))(value))
    model.raw_vocab = dict(getattr(gmodel, "raw_vocab", None) or {})
    model.loss_history = []
    model.lifecycle_events = [jsonable(dict(e)) for e in getattr(gmodel, "lifecycle_events", [])]
    model.add_lifecycle_event("from_gensim", gensim=_gensim_version())
    return model


def word2vec_to_gensim(model: Any) -> Any:
    """A gensim ``Word2Vec`` that continues training where ``model`` stopped.

    Carried over: every parameter gensim has, the vocabulary with counts and ``sample_int``,
    ``vectors``, ``syn1neg``, ``syn1`` with w2v's Huffman tree (as ``wv.expandos["code"]``
    and ``["point"]``), the noise distribution (as ``cum_table``) and the training state.
    Not carried over (gensim has no such thing): ``loss_history`` and
    ``shared_negatives``, since gensim always draws fresh noise words per prediction. Custom
    ``noise_weights`` survive only as ``cum_table``, which gensim rebuilds from the counts on
    a vocabulary update.
    """
    models = import_gensim()
    accepted = inspect.signature(models.Word2Vec.__init__).parameters
    values = {
        p.name: getattr(model, p.name) for p in WORD2VEC_PARAMS if p.saved and p.name in accepted
    }
    gmodel = models.Word2Vec(**values)
    gmodel.wv = keyed_vectors_to_gensim(model.wv)
    gmodel.wv.vectors_lockf = np.ones(1, dtype=np.float32)
    dim = model.vector_size
    if len(model.wv):
        gmodel.wv.vectors = np.array(gmodel.wv.vectors, dtype=np.float32, order="C")
        if model.hs:
            gmodel.syn1 = np.array(model.syn1, dtype=np.float32, order="C", copy=True)
            codes, points = huffman_paths(model.wv.expandos["count"])
            gmodel.wv.expandos["code"] = codes
            gmodel.wv.expandos["point"] = points
        if model.negative:
            gmodel.syn1neg = np.array(model.syn1neg, dtype=np.float32, order="C", copy=True)
            if model.noise_weights is not None and model._noise_spec is not None:
                gmodel.cum_table = cumulative_table(model.noise_weights)
                logger.warning(
                    "custom noise_weights are carried over as gensim's cum_table, which gensim "
                    "rebuilds from the counts if the vocabulary is updated"
                )
            else:
                gmodel.make_cum_table()
    else:
        if model.hs:
            gmodel.syn1 = np.zeros((0, dim), dtype=np.float32)
        if model.negative:
            gmodel.syn1neg = np.zeros((0, dim), dtype=np.float32)
    for name in TRAINING_STATE:
        setattr(gmodel, name, getattr(model, name))
    gmodel.raw_vocab = defaultdict(int, model.raw_vocab)
    gmodel.lifecycle_events = [dict(e) for e in model.lifecycle_events]
    gmodel.add_lifecycle_event("from_w2v", msg="converted by w2v's Word2Vec.to_gensim()")
    return gmodel


def _check_gensim_word2vec(gmodel: Any, models: Any) -> None:
    if not isinstance(gmodel, models.Word2Vec):
        raise TypeError(f"expected a gensim Word2Vec model, got {type(gmodel).__name__}")
    for other in ("FastText", "Doc2Vec"):
        kind = getattr(models, other, None)
        if kind is not None and isinstance(gmodel, kind):
            raise TypeError(
                f"{type(gmodel).__name__} models hold more than word2vec's weights: only "
                "gensim's Word2Vec converts (KeyedVectors.from_gensim takes plain word vectors)"
            )


def _gensim_counts(gwv: Any) -> np.ndarray:
    n = len(gwv.index_to_key)
    counts = gwv.expandos.get("count")
    if n and (counts is None or len(counts) != n):
        raise ValueError("the gensim model has no word counts: build its vocabulary first")
    if not n:
        return np.zeros(0, dtype=np.int64)
    return np.array(counts, dtype=np.int64)


def _copy_vocabulary_and_weights(gmodel: Any, model: Any, counts: np.ndarray) -> None:
    gwv = gmodel.wv
    n = len(gwv.index_to_key)
    wv = keyed_vectors_from_gensim(gwv, type(model.wv))
    wv.vectors = np.array(wv.vectors, dtype=np.float32, order="C")
    wv.expandos["count"] = counts
    sample = gwv.expandos.get("sample_int")
    if sample is None or len(sample) != n:
        raise ValueError("the gensim model has no sample_int: build its vocabulary first")
    wv.expandos["sample_int"] = np.array(sample, dtype=np.uint32)
    if wv.vectors.shape != (n, model.vector_size):
        raise ValueError(
            f"the gensim vectors have shape {wv.vectors.shape}, expected {(n, model.vector_size)}"
        )
    lockf = getattr(gwv, "vectors_lockf", None)
    if lockf is not None and np.any(np.asarray(lockf) != 1):
        logger.warning("w2v has no vectors_lockf: every vector will be trained")
    model.wv = wv
    for name, used in (("syn1neg", model.negative), ("syn1", model.hs)):
        if not used:
            continue
        weights = getattr(gmodel, name, None)
        if weights is None or np.shape(weights) != (n, model.vector_size):
            raise ValueError(f"the gensim model's {name} does not fit its vocabulary")
        setattr(model, name, np.array(weights, dtype=np.float32, order="C", copy=True))
    model.noise_weights = resolve_noise_weights(None, wv.index_to_key, counts, model.ns_exponent)


def _gensim_version() -> str:
    import gensim

    return str(gensim.__version__)


# ---- the Huffman tree ---------------------------------------------------------------------------


def huffman_paths(counts: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The tree w2v trains with, as gensim stores one: per-word ``code`` and ``point`` arrays.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Object arrays, one entry per word: its branch codes (uint8) and inner-node rows of
        ``syn1`` (uint32), root first.
    """
    tree = _core.HuffmanTree(np.require(counts, np.int64, ["C", "A"]))
    cuts = tree.offsets()[1:-1].astype(np.intp)
    codes = np.empty(len(counts), dtype=object)
    points = np.empty(len(counts), dtype=object)
    codes[:] = [np.array(c) for c in np.split(tree.codes(), cuts)]
    points[:] = [np.array(p) for p in np.split(tree.points(), cuts)]
    return codes, points


def gensim_tree_matches(gwv: Any, counts: np.ndarray) -> bool:
    """Whether the Huffman tree stored in gensim's ``gwv`` is the one w2v builds from ``counts``.

    Both number inner nodes in the order they are made and label the first node taken 0, so
    the trees are equal exactly when every word has the same ``code`` and ``point`` path.
    """
    gcodes, gpoints = (gwv.expandos.get(a) for a in TREE_ATTRS)
    n = len(counts)
    if gcodes is None or gpoints is None or len(gcodes) != n or len(gpoints) != n:
        return False
    tree = _core.HuffmanTree(np.require(counts, np.int64, ["C", "A"]))
    lengths = np.fromiter((len(c) for c in gcodes), dtype=np.uint64, count=n)
    if not np.array_equal(np.diff(tree.offsets()), lengths):
        return False
    if not tree.offsets()[-1]:
        return True
    return np.array_equal(_joined(gcodes), tree.codes()) and np.array_equal(
        _joined(gpoints), tree.points()
    )


def _joined(paths: np.ndarray) -> np.ndarray:
    parts: List[np.ndarray] = [np.asarray(p) for p in paths]
    return np.concatenate(parts)


def cumulative_table(weights: np.ndarray, domain: int = 2**31 - 1) -> np.ndarray:
    """gensim's ``cum_table`` for noise ``weights``: running sums scaled to ``domain``."""
    running = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.round(running / running[-1] * domain).astype(np.uint32)
