"""One worker's share of a training round: a pure function of its inputs.

:func:`train_shard` starts from the round's weights (given as row blocks, plus the change the
same worker made in its previous round when merges lag a round behind), trains a copy on one
shard with the C++ trainer (the same ``make_trainer`` single-machine training uses) and
returns the change it made. It never changes its inputs, so Dask can run it again anywhere (a
retry after a worker died) and get the same result back.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from w2v import _core
from w2v.distributed.sharding import Shard, feed_shard

MATRICES = ("vectors", "syn1neg", "syn1")


@dataclass
class Weights:
    """The trained matrices (``syn1neg`` / ``syn1`` None when the model has none)."""

    vectors: np.ndarray
    syn1neg: Optional[np.ndarray] = None
    syn1: Optional[np.ndarray] = None

    def matrices(self) -> Dict[str, np.ndarray]:
        return {n: m for n in MATRICES if (m := getattr(self, n)) is not None}

    def rows(self, start: int, stop: int) -> Weights:
        """Rows ``[start, stop)`` of every matrix (copies)."""
        return Weights(**{n: m[start:stop].copy() for n, m in self.matrices().items()})

    @classmethod
    def join(cls, blocks: Sequence[Weights]) -> Weights:
        """The matrices of consecutive row blocks, put together (new arrays)."""
        names = blocks[0].matrices()
        return cls(**{n: np.concatenate([b.matrices()[n] for b in blocks]) for n in names})

    @property
    def nbytes(self) -> int:
        return sum(m.nbytes for m in self.matrices().values())

    def __sizeof__(self) -> int:  # what Dask's sizeof() reads: its scheduling and byte counts
        return self.nbytes + 64


@dataclass(frozen=True)
class ModelSpec:
    """What every round needs besides the weights: parameters and vocabulary (sent once).

    ``token`` names this spec, so a worker builds the native word index, Huffman tree and
    noise sampler once per run, not once per round.
    """

    token: str
    params: Dict[str, Any]
    words: List[str]
    counts: np.ndarray
    sample_int: np.ndarray
    noise_weights: Optional[np.ndarray]
    max_sentence_length: int


@dataclass(frozen=True)
class ShareOfRound:
    """The learning-rate plan of one shard in one round, and its random stream's seed.

    ``words_before`` are the epoch's raw words trained in earlier rounds; ``words_scale``
    (the round's raw words over this shard's) makes alpha follow the progress of all the
    shards trained at the same time, as one machine's threads share one word count.
    """

    epoch: int
    epochs: int
    start_alpha: float
    end_alpha: float
    total_words: int
    words_before: int
    words_scale: float
    seed: int
    batch_words: int
    #: True: return the change made to the starting weights (merged with the other
    #: shards'); False: return the trained weights themselves (the shard trains alone).
    changes: bool = True


@dataclass
class Trained:
    """What one shard's training gives: per matrix, the change it made to the weights it
    started from, or (``changes`` False) the weights it trained; and its tallies."""

    matrices: Dict[str, np.ndarray]
    changes: bool
    raw_words: int = 0
    effective_words: int = 0
    sentences: int = 0
    loss: float = 0.0

    @property
    def nbytes(self) -> int:
        return sum(m.nbytes for m in self.matrices.values())

    def __sizeof__(self) -> int:
        return self.nbytes + 64


@dataclass
class RowUpdate:
    """Changed rows per matrix: row ids (ascending), the sum of their changes (or, with
    ``changes`` False, of their new values) over the shards that changed them, and how
    many did."""

    rows: Dict[str, Tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    changes: bool = True

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes + v.nbytes + c.nbytes for r, v, c in self.rows.values())

    def __sizeof__(self) -> int:
        return self.nbytes + 64


# Progress of the shards training in this process, by task key: (raw words, sentences, loss)
# so far, read by the client for its progress bar (live_progress); results never depend on it.
_live: Dict[str, Tuple[int, int, float]] = {}


def _task_key() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().get_current_task())
    except (ImportError, ValueError):  # not run by a Dask worker
        return ""


def live_progress(keys: Sequence[str]) -> Dict[str, Tuple[int, int, float]]:
    """The progress of the shards ``keys`` training here (run on every worker)."""
    return {k: _live[k] for k in keys if k in _live}


_models: Dict[Tuple[str, int], Any] = {}
_models_lock = threading.Lock()


def _worker_model(spec: ModelSpec) -> Any:
    """A model with the spec's vocabulary, kept per thread (its native objects are costly
    to build); weights are set on it for each round."""
    key = (spec.token, threading.get_ident())
    with _models_lock:
        model = _models.get(key)
        if model is None:
            for old in [k for k in _models if k[0] != spec.token]:
                del _models[old]  # a finished run's
            model = _models[key] = _new_model(spec)
    return model


def _new_model(spec: ModelSpec) -> Any:
    from w2v.model import Word2Vec

    model = Word2Vec(**spec.params)
    model.wv.index_to_key = list(spec.words)
    model.wv.key_to_index = {w: i for i, w in enumerate(spec.words)}
    model.wv.expandos["count"] = spec.counts
    model.wv.expandos["sample_int"] = spec.sample_int
    model.noise_weights = spec.noise_weights
    return model


def train_shard(
    spec: ModelSpec, shard: Shard, share: ShareOfRound, own: Optional[Trained], *blocks: Weights
) -> Trained:
    """Train on ``shard`` from the weights given as consecutive row blocks, plus ``own`` (the
    change this rank made in its previous round, not merged into the blocks yet) if given;
    return the change made, or the weights trained (a Dask task)."""
    from w2v.training import make_trainer

    model = _worker_model(spec)
    # Joining the blocks makes fresh arrays: the inputs stay as they came.
    start = Weights.join(blocks).matrices()
    if own is not None:
        for name, change in own.matrices.items():
            start[name] += change
    trained = {name: m.copy() for name, m in start.items()}
    model.wv.vectors = trained["vectors"]
    model.syn1neg = trained.get("syn1neg", model.syn1neg)
    model.syn1 = trained.get("syn1", model.syn1)
    trainer = make_trainer(model, spec.max_sentence_length)
    plan = _core.EpochPlan()
    plan.start_alpha = share.start_alpha
    plan.end_alpha = share.end_alpha
    plan.epoch = share.epoch
    plan.epochs = share.epochs
    plan.expected_words = share.total_words
    plan.seed = share.seed
    plan.batch_words = share.batch_words
    plan.words_before = share.words_before
    plan.words_scale = share.words_scale
    trainer.begin_epoch(plan)
    key = _task_key()

    def report() -> None:
        _live[key] = (
            int(trainer.words_done) - share.words_before,
            int(trainer.sentences_done),
            float(trainer.loss_so_far),
        )

    try:
        with _off_the_worker_threads():
            stats = feed_shard(trainer, shard, on_tick=report if key else None)
    finally:
        _live.pop(key, None)
        # The model is kept for the next round: it must not keep this round's arrays alive
        # (an empty slice would, through its base).
        for name in trained:
            empty = np.empty((0, model.vector_size), dtype=np.float32)
            if name == "vectors":
                model.wv.vectors = empty
            else:
                setattr(model, name, empty)
    if share.changes:
        for name, m in trained.items():
            np.subtract(m, start[name], out=m)  # an unchanged row is exactly +0.0
    return Trained(
        trained,
        share.changes,
        raw_words=int(stats.raw_words) - share.words_before,
        effective_words=int(stats.effective_words),
        sentences=int(stats.sentences),
        loss=float(stats.loss),
    )


@contextlib.contextmanager
def _off_the_worker_threads() -> Iterator[None]:
    """Leave the Dask worker's thread pool while the C++ trainer runs (it holds no GIL),
    so that the merges and transfers of the previous round run on this worker meanwhile."""
    try:
        from distributed import get_worker, rejoin, secede

        get_worker()
    except (ImportError, ValueError):  # not run by a Dask worker
        yield
        return
    secede()
    try:
        yield
    finally:
        rejoin()
