"""One rank's epoch: its shards trained round after round, with merges in between.

:func:`train_epoch` is one Dask task per rank and epoch. It copies the epoch's starting
weights, trains the copy on the rank's shard of each round with the C++ trainer (the same
``make_trainer`` single-machine training uses) and, after each round, merges the rows due
with the other ranks (:mod:`w2v.distributed.exchange`), so the weights never leave the
worker between rounds. The last round merges every row: every rank ends the epoch with the
same weights, which it returns. It never changes its inputs, and with one training thread
per worker it is deterministic, so an epoch trained again gives the same bits.
"""

from __future__ import annotations

import contextlib
import mmap
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from w2v import _core
from w2v.distributed.exchange import Aborted, Buffers, Change, Exchange, rows_due
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
    phrases: Any = None  # a FrozenPhrases, joined while reading


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


@dataclass(frozen=True)
class MergePlan:
    """How the ranks merge their changes within an epoch (the same for every round).

    ``order`` lists the rows from the most frequent word down when the vocabulary is not
    sorted that way (None: row order is frequency order). ``timeout`` is how long a rank
    waits for another's change before it gives the epoch up.
    """

    rounds: int
    rule: str
    sync_words: Optional[int]
    order: Optional[np.ndarray] = None
    timeout: float = 600.0
    overlap: bool = False
    transfer_dtype: str = "float32"


@dataclass
class EpochResult:
    """What one rank's epoch gives: the weights every rank ends it with, and its tallies."""

    weights: Weights
    raw_words: int = 0
    effective_words: int = 0
    sentences: int = 0
    loss: float = 0.0
    bytes_sent: int = 0
    #: Seconds training; merging (all of it below included); waiting for the other ranks'
    #: changes; waiting for this rank's to be delivered; the last round's merge.
    seconds: Tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)

    def tallies(self) -> Tuple[int, int, int, float, int, Tuple[float, ...]]:
        return (
            self.raw_words,
            self.effective_words,
            self.sentences,
            self.loss,
            self.bytes_sent,
            self.seconds,
        )

    def __sizeof__(self) -> int:  # what Dask's sizeof() reads: its scheduling and byte counts
        return self.weights.nbytes + 64


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


def initial_weights(spec: ModelSpec) -> Weights:
    """The untrained weights, the same bits as the client's model starts from (made by the
    first epoch's task of each rank, where they are used, rather than sent from the client,
    which would send the whole model to every worker)."""
    from w2v.weights import output_matrix, random_vectors

    p = spec.params
    rows, dim = len(spec.words), int(p["vector_size"])
    return Weights(
        random_vectors(rows, 0, dim, int(p["seed"]), 1),
        output_matrix(rows, dim, True) if p["negative"] else None,
        output_matrix(rows, dim, True) if p["hs"] else None,
    )


def matrices(
    result: Union[Weights, EpochResult], names: Optional[Sequence[str]] = None
) -> Dict[str, np.ndarray]:
    """A rank's weights by matrix name, those in ``names`` if given (run where the result
    is, before it is gathered: a dict of arrays reached the client in 45 ms where the
    dataclass took 160 to 250 ms, for the two 27 MB matrices of the benchmark's model)."""
    weights = result.weights if isinstance(result, EpochResult) else result
    return {n: m for n, m in weights.matrices().items() if names is None or n in names}


def forget_run(token: str) -> None:
    """Drop what this worker keeps for the run ``token`` (its model and working arrays): run
    on every worker when the run ends."""
    with _models_lock:
        for store in (_models, _scratch):
            for key in [k for k in store if k[0] == token and k not in _lent]:
                del store[key]


def tallies(result: EpochResult) -> Tuple[int, int, int, float, int, Tuple[float, ...]]:
    """A rank's tallies (run where its result is, so only numbers travel)."""
    return result.tallies()


def train_epoch(
    spec: ModelSpec,
    rank: int,
    shards: Sequence[Shard],
    shares: Sequence[Optional[ShareOfRound]],
    plan: MergePlan,
    boxes: Sequence[Any],
    tag: str,
    start: Union[None, Weights, EpochResult],
) -> EpochResult:
    """Train rank ``rank``'s shard of every round of an epoch from ``start`` (a Dask task;
    ``shares[r]`` None: nothing to train in round r), merging with the other ranks through
    their mailbox actors ``boxes`` after each round; returns the epoch's merged weights.
    ``start`` None: from the untrained weights (the first epoch), made here."""
    from w2v.training import make_trainer

    model = _worker_model(spec)
    if start is None:
        trained = initial_weights(spec).matrices()
    else:
        if isinstance(start, EpochResult):  # the previous epoch's, on this worker
            start = start.weights
        # A copy: the inputs stay as they came (and may be read-only views of a message).
        trained = {}
        for name, m in start.matrices().items():
            trained[name] = _mapped_like(m)
            np.copyto(trained[name], m)
    model.wv.vectors = trained["vectors"]
    model.syn1neg = trained.get("syn1neg", model.syn1neg)
    model.syn1 = trained.get("syn1", model.syn1)
    result = EpochResult(Weights(**trained))
    key = _task_key()
    merging_needs = trained if len(boxes) > 1 else {}
    try:
        with _off_the_worker_threads(), _scratch_for(spec.token, rank, merging_needs) as scratch:
            trainer = make_trainer(model, spec.max_sentence_length)
            exchange = Exchange(
                rank,
                boxes,
                tag,
                plan.rule,
                plan.timeout,
                dtype=plan.transfer_dtype,
                buffers=scratch.buffers,
            )
            merger = None
            if len(boxes) > 1:
                merger = RoundMerger(exchange, plan, trained, scratch.arrays)
            training = merging = last = 0.0
            for r, (shard, share) in enumerate(zip(shards, shares)):
                t0 = time.perf_counter()
                if share is not None:
                    _train_round(
                        trainer, shard, share, result, key, exchange.called_off, spec.phrases
                    )
                t1 = time.perf_counter()
                if merger is not None:
                    merger.after_round(r)
                    if r + 1 == len(shards):
                        last = time.perf_counter() - t1
                training += t1 - t0
                merging += time.perf_counter() - t1
            exchange.flush()
            result.bytes_sent = exchange.bytes_sent
            result.seconds = (
                training,
                merging,
                exchange.seconds_waiting,
                exchange.seconds_sending,
                last,
            )
    finally:
        _live.pop(key, None)
        _release(model, list(trained))
    return result


def _train_round(
    trainer: Any,
    shard: Shard,
    share: ShareOfRound,
    result: EpochResult,
    key: str,
    called_off: Callable[[], Optional[str]],
    phrases: Any = None,
) -> None:
    """Train ``shard``'s share of a round into ``result``'s weights, with ``phrases``
    joined if given, reporting progress under ``key`` (if given); stops, raising
    :class:`Aborted`, soon after ``called_off()`` gives a reason (a task that trained on
    after its epoch was called off would hold data Dask has forgotten)."""
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

    def tick() -> None:
        why = called_off()
        if why is not None:
            raise Aborted(why)
        if key:
            report()

    def report() -> None:
        _live[key] = (
            result.raw_words + int(trainer.words_done) - share.words_before,
            result.sentences + int(trainer.sentences_done),
            result.loss + float(trainer.loss_so_far),
        )

    stats = feed_shard(trainer, shard, on_tick=tick, phrases=phrases)
    result.raw_words += int(stats.raw_words) - share.words_before
    result.effective_words += int(stats.effective_words)
    result.sentences += int(stats.sentences)
    result.loss += float(stats.loss)


class RoundMerger:
    """A rank's merges after its rounds (the rows due by ``plan``), in ``trained`` (its
    weights), with the working arrays ``scratch`` (:attr:`Scratch.arrays`), whose last
    holds the weights' value at the last merge (the same on every rank); it starts as
    ``trained``.

    Without ``plan.overlap``, the changes of round ``r`` are merged at its end: each due row
    becomes its value at the last merge plus every rank's change since. With it, they are
    sent at the end of round ``r`` and merged at the end of round ``r + 1`` (the other
    ranks' changes are added to this rank's weights then), so no rank waits for another
    between rounds, at the price of training each round without the others' last changes.
    The last round of an epoch always merges every row at once.
    """

    def __init__(
        self,
        exchange: Exchange,
        plan: MergePlan,
        trained: Dict[str, np.ndarray],
        scratch: Dict[str, Tuple[np.ndarray, ...]],
    ) -> None:
        self.exchange = exchange
        self.plan = plan
        self.trained = trained
        self.scratch = scratch
        self.synced = {n: s[3] for n, s in scratch.items()}
        for n, m in trained.items():
            np.copyto(self.synced[n], m)
        # (round, rows, the changes as sent, the changes) sent and not merged yet.
        self.pending: Optional[Tuple[int, Dict[str, Any], Any, Dict[str, Change]]] = None
        # The ids of the `due` most frequent rows, ascending, by `due` (a few sizes recur).
        self._ids_due: Dict[int, np.ndarray] = {}

    def after_round(self, r: int) -> None:
        # What this rank sent may still be read from the buffers about to be written.
        self.exchange.flush()
        if self.pending is not None:
            step, rows, sent, own = self.pending
            self.pending = None
            out = {n: self._total(n, len(c.values)) for n, c in own.items()}
            total = self.exchange.finish(step, sent, out)
            for name, change in total.items():
                # The others' part of the change goes to this rank's weights: its own part
                # is there already. Its own part as it was sent, which is what every rank
                # merged: what rounding to float16 left out of it stays in this rank's
                # weights, so it goes with its next change.
                ids, _ = rows[name]
                trained, synced = self.trained[name], self.synced[name]
                _core.apply_merged(trained, synced, ids, change, own[name].values)
        rows = self._rows_due(r)
        if self.plan.overlap and r + 1 < self.plan.rounds:
            changes = self._changes(rows, r % 2)
            self.pending = (r, rows, self.exchange.start(r, changes), changes)
            return
        changes = self._changes(rows, 0)
        out = {n: self._total(n, len(c.values)) for n, c in changes.items()}
        for name, change in self.exchange.merged(r, changes, out).items():
            # Due rows := their value at the last merge + the merged change (on every rank).
            _core.apply_merged(self.trained[name], self.synced[name], rows[name][0], change)

    def _total(self, name: str, rows: int) -> np.ndarray:
        return self.scratch[name][2][:rows]

    def _rows_due(self, r: int) -> Dict[str, Tuple[Optional[np.ndarray], int]]:
        """Per matrix, the rows due after round ``r``: their ids (ascending; None: the first
        rows) and how many."""
        plan = self.plan
        rows: Dict[str, Tuple[Optional[np.ndarray], int]] = {}
        for name, matrix in self.trained.items():
            # Hierarchical softmax's rows are inner nodes, not words: merged whole each round.
            sync = plan.sync_words if name != "syn1" else None
            due = rows_due(r, plan.rounds, sync, len(matrix))
            if plan.order is None or name == "syn1" or due == len(matrix):
                rows[name] = (None, due)
            else:
                ids = self._ids_due.get(due)
                if ids is None:
                    ids = self._ids_due[due] = np.sort(plan.order[:due])
                rows[name] = (ids, due)
        return rows

    def _changes(
        self, rows: Dict[str, Tuple[Optional[np.ndarray], int]], buffer: int
    ) -> Dict[str, Change]:
        """This rank's changes of ``rows`` since their last merge, as they travel (in scratch
        ``buffer``, or as halves in the exchange's buffers of that parity)."""
        changes, buffers = {}, self.exchange.buffers
        for name, (ids, due) in rows.items():
            matrix = self.trained[name]
            if self.exchange.dtype == "float16":
                values = buffers.get(("due", buffer, name), (due, matrix.shape[1]), np.uint16)
            else:
                values = self.scratch[name][buffer][:due]
            changed = buffers.get(("changed", buffer, name), (due,), np.int64)
            n = _core.row_changes(matrix, self.synced[name], ids, values, changed)
            changes[name] = Change(values, changed[:n])
        return changes


@dataclass
class Scratch:
    """A rank's working arrays, kept across the epochs of a run: new ones each epoch would
    cost the page faults of touching fresh memory in every merge.

    ``arrays``: per matrix, arrays of its shape for two rounds' changes (overlapping rounds
    use both), their merge and the weights as last merged; ``buffers``: what the exchange
    sends.
    """

    arrays: Dict[str, Tuple[np.ndarray, ...]] = field(default_factory=dict)
    buffers: Buffers = field(default_factory=Buffers)


_scratch: Dict[Tuple[str, int], Scratch] = {}
_lent: Set[Tuple[str, int]] = set()


@contextlib.contextmanager
def _scratch_for(token: str, rank: int, matrices: Dict[str, np.ndarray]) -> Iterator[Scratch]:
    """The rank's :class:`Scratch`, sized for ``matrices``, lent to one task at a time: the
    task of an epoch called off may still be finishing its round when the epoch's retry
    starts on the same worker, and gets arrays of its own."""
    key = (token, rank)
    with _models_lock:
        for old in [k for k in _scratch if k[0] != token and k not in _lent]:
            del _scratch[old]  # a finished run's
        shared = key not in _lent
        scratch = _scratch.setdefault(key, Scratch()) if shared else Scratch()
        _lent.add(key)
    try:
        for name, m in matrices.items():
            have = scratch.arrays.get(name)
            if have is None or have[0].shape != m.shape:
                # The change buffers are only written (so only backed by memory) with
                # float32 changes, the second only when rounds overlap; the merge's and the
                # weights as last merged are written every epoch.
                scratch.arrays[name] = (
                    np.empty_like(m),
                    np.empty_like(m),
                    _mapped_like(m),
                    _mapped_like(m),
                )
        yield scratch
    finally:
        if shared:
            with _models_lock:
                _lent.discard(key)


def _mapped_like(m: np.ndarray) -> np.ndarray:
    """An array of ``m``'s shape and dtype whose pages are all mapped in one call (Linux's
    MAP_POPULATE): a worker filling fresh memory page fault by page fault, beside its event
    loop and the other rank, copied an epoch's start of the benchmark's model in 65 to 85
    ms, against 23 to 33 ms into memory mapped at once (and 3 ms on an idle machine)."""
    populate = getattr(mmap, "MAP_POPULATE", 0)
    if not populate or m.nbytes < _MAPPED_AT_LEAST:
        return np.empty_like(m)
    memory = mmap.mmap(-1, m.nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
    return np.frombuffer(memory, dtype=m.dtype).reshape(m.shape)


#: Smaller arrays come from malloc's pools, already mapped.
_MAPPED_AT_LEAST = 1 << 20


def _release(model: Any, names: Sequence[str]) -> None:
    """The model is kept for the next epoch: it must not keep this epoch's arrays alive (an
    empty slice would, through its base)."""
    for name in names:
        empty = np.empty((0, model.vector_size), dtype=np.float32)
        if name == "vectors":
            model.wv.vectors = empty
        else:
            setattr(model, name, empty)


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
