"""The client side of distributed training: plan the shards, build the vocabulary, run the
rounds, and hand back an ordinary ``Word2Vec``.

The client only submits tasks and reads small tallies: shards are read by the workers, the
untrained weights are made on them, the changed rows are merged between them, and each
epoch's weights stay on each worker (a Dask future) as its next epoch's start. The weights
reach the client once, at the end (and after each epoch when callbacks need the model).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Sequence, Type

import numpy as np

from w2v.distributed.exchange import Aborted
from w2v.distributed.rounds import (
    MATRICES,
    MergePlan,
    ModelSpec,
    ShareOfRound,
    forget_run,
    live_progress,
    matrices,
    tallies,
    train_epoch,
)
from w2v.distributed.settings import (
    DEFAULT_MERGE,
    DEFAULT_SYNC_WORDS,
    DEFAULT_TRANSFER_DTYPE,
    check_reachable,
    cluster_workers,
    current_workers,
    split_params,
)
from w2v.distributed.sharding import (
    Shard,
    corpus_entries,
    describe_file,
    expand_paths,
    plan_shards,
)
from w2v.distributed.vocabulary import scan_shards, vocab_from_counts
from w2v.params import describe
from w2v.training import MAX_WORDS_IN_BATCH, EpochReporter

logger = logging.getLogger("w2v.distributed")

_SEED_MASK = 2**64 - 1
#: How many times an epoch is trained when a worker's results are lost for good.
MAX_EPOCH_ATTEMPTS = 3
#: How often a watched epoch asks the scheduler which workers are left: a lost worker's rank
#: shows no error (its task waits for a worker), and each question costs the scheduler and
#: the client CPU the training needs.
ROLL_CALL_SECONDS = 2.0

#: How long the client waits for a mailbox to hear that its epoch is called off: one on a
#: live worker answers at once, and a call to one whose worker died must not hang the run.
ABORT_SECONDS = 10.0


def train(client: Any, corpus_file: Any, **params: Any) -> Any:
    """Train a Word2Vec model on a Dask cluster, data-parallel.

    Parameters
    ----------
    client : dask.distributed.Client
        A client of the cluster; every worker must be able to read ``corpus_file``.
    corpus_file : str, os.PathLike or list of them
        Corpus files in LineSentence format (plain, gzip, bzip2 or xz), as local paths on a
        filesystem the workers share, fsspec URLs (``s3://...``, ``file://...``) or glob
        patterns. Plain files are cut into shards at line boundaries; compressed files are
        read whole by one task each.
    **params
        ``Word2Vec``'s parameters (``workers`` is the training threads inside each Dask
        worker), and the distributed ones (``w2v.distributed.DISTRIBUTED_PARAMS``):
        ``rounds_per_epoch`` (how often per epoch the workers' changes are merged),
        ``sync_words`` (the most frequent words' rows merged every round; rarer ones less
        often), ``merge`` (``"sum"`` of the changes, or Spark's ``"mean"``), ``overlap``
        (merge a round while the next one trains; by default with two workers only),
        ``transfer_dtype`` (``"float16"``: the changes travel as halves, half the bytes),
        ``dask_workers`` (how many of the cluster's workers train, default all) and
        ``report_delay`` (seconds between progress log lines).

    Returns
    -------
    Word2Vec
        An ordinary model: ``wv``, ``save``, ``load`` and further ``train`` calls work.

    Raises
    ------
    TypeError, ValueError, FileNotFoundError
        Before any work: a bad or refused parameter, a client with no workers, a corpus
        some worker cannot read.
    """
    from w2v.model import Word2Vec

    own = split_params(params)
    workers = cluster_workers(client, own["dask_workers"])
    model = Word2Vec(**params)
    rounds = int(own["rounds_per_epoch"])
    shards = locate_corpus(client, workers, corpus_file, len(workers) * rounds)
    counts = scan_shards(client, shards, workers, model.phrases)
    vocab_from_counts(model, counts, trim_rule=params.get("trim_rule"))
    run = Run(
        client,
        model,
        workers,
        shards,
        counts.shard_words,
        rounds,
        own["merge"],
        own["sync_words"],
        own["overlap"],
        own["transfer_dtype"],
    )
    try:
        run.train(float(own["report_delay"]))
    finally:
        run.forget()
    return model


def build_vocab(
    client: Any,
    model: Any,
    corpus_file: Any,
    update: bool = False,
    keep_raw_vocab: bool = False,
    trim_rule: Any = None,
) -> None:
    """``model.build_vocab(corpus_file=...)`` with the counting done on the cluster.

    The vocabulary is the one ``build_vocab`` on one machine gives: the same words in the
    same order, counts, ``corpus_count``, ``corpus_total_words`` and subsampling thresholds.
    """
    split_params({"max_vocab_size": model.max_vocab_size})
    workers = cluster_workers(client, None)
    shards = locate_corpus(client, workers, corpus_file, len(workers))
    counts = scan_shards(client, shards, workers, model.phrases)
    vocab_from_counts(model, counts, update, keep_raw_vocab, trim_rule)


@contextlib.contextmanager
def _forgetting(*errors: Type[BaseException]) -> Iterator[None]:
    """``contextlib.suppress(*errors)``, dropping the error's traceback: an error Dask raises
    through its ``sync()`` is in a reference cycle with the frames it went through, which
    would keep their futures (a run's, an epoch's) until some later garbage collection."""
    try:
        yield
    except errors as err:
        err.__traceback__ = None


def locate_corpus(client: Any, workers: Sequence[str], corpus_file: Any, parts: int) -> List[Shard]:
    """Check that every worker reads the corpus, and cut it into ``parts`` shards (on a
    worker: the client may not see the workers' filesystem)."""
    entries = corpus_entries(corpus_file)  # its type errors, before the cluster is asked
    # Patterns are expanded where the files are read: the client may not see them.
    paths = client.submit(expand_paths, entries, workers=workers[:1], pure=False).result()
    check_reachable(client, workers, paths)

    def plan(paths: List[str], parts: int) -> List[Shard]:
        return plan_shards([describe_file(p) for p in paths], parts)

    shards = client.submit(plan, paths, parts, workers=workers[:1], pure=False).result()
    used = sum(not s.empty for s in shards)
    if used < min(parts, len(workers)) or used < parts // 2:
        logger.warning(
            "the corpus gives %i non-empty shards of %i: compressed files are read whole, so "
            "split them (or decompress them) for every worker to have work each round",
            used,
            parts,
        )
    return shards


def share_seed(seed: int, round_: int, rank: int) -> int:
    """The seed of one shard's random streams in a round (the C++ trainer mixes in the
    epoch). The first shard of the first round uses ``seed`` itself, so one worker with one
    round per epoch draws what single-machine training draws."""
    seed = int(seed) & _SEED_MASK
    if round_ == 0 and rank == 0:
        return seed
    hi, lo = np.random.SeedSequence([seed, round_, rank]).generate_state(2, np.uint32)
    return (int(hi) << 32) | int(lo)


@dataclass
class ClusterProgress:
    """What :class:`w2v.training.EpochReporter` reads from a trainer, for the whole cluster
    (updated from the workers while a round trains)."""

    words_done: int = 0
    sentences_done: int = 0
    alpha: float = 0.0
    loss_so_far: float = 0.0


@dataclass
class EpochTally:
    raw_words: int = 0
    sentences: int = 0
    effective_words: int = 0
    loss: float = 0.0


class _EpochLost(Exception):
    """An attempt at an epoch lost a worker (or its results): train the epoch again."""


class Run:
    """One distributed training run of ``model`` (whose vocabulary is built).

    Each epoch is one task per rank (``train_epoch``), placed on a worker; the ranks merge
    their changes with each other between rounds through a mailbox actor each. Every rank
    returns the epoch's weights, the same on all, where it ran: the next epoch starts from
    them there, so the weights do not travel between epochs.
    """

    def __init__(
        self,
        client: Any,
        model: Any,
        workers: Sequence[str],
        shards: Sequence[Shard],
        shard_words: Sequence[int],
        rounds: int,
        merge: str = DEFAULT_MERGE,
        sync_words: Optional[int] = DEFAULT_SYNC_WORDS,
        overlap: Optional[bool] = None,
        transfer_dtype: str = DEFAULT_TRANSFER_DTYPE,
    ) -> None:
        self.client = client
        self.model = model
        self.workers = list(workers)
        self.ranks = len(self.workers)
        self.shards = list(shards)
        self.shard_words = [int(n) for n in shard_words]
        self.rounds = rounds
        self.merge = merge
        self.sync_words = sync_words
        # None: with two ranks only (beyond, overlapping sends each change to every rank).
        self.overlap = self.ranks == 2 if overlap is None else bool(overlap)
        self.transfer_dtype = transfer_dtype
        self.token = uuid.uuid4().hex[:12]
        self.bytes_per_round: List[float] = []
        self._called_off: List[Any] = []

    def train(self, report_delay: float) -> None:
        model, client = self.model, self.client
        callbacks = tuple(model.callbacks)
        params = describe(model)
        params["compute_loss"] = bool(model.compute_loss)
        counts = np.asarray(model.wv.expandos["count"], dtype=np.int64)
        spec = ModelSpec(
            self.token,
            params,
            list(model.wv.index_to_key),
            counts,
            np.asarray(model.wv.expandos["sample_int"], dtype=np.uint32),
            model.noise_weights,
            MAX_WORDS_IN_BATCH,
            model.phrases,
        )
        self.spec_f = client.scatter(spec, broadcast=True, hash=False)
        # Rows are merged from the most frequent word down: row order, when sorted so.
        by_count = (
            None if bool(np.all(counts[:-1] >= counts[1:])) else np.argsort(-counts, kind="stable")
        )
        self.plan = MergePlan(
            self.rounds,
            self.merge,
            self.sync_words,
            by_count,
            overlap=self.overlap,
            transfer_dtype=self.transfer_dtype,
        )
        # The first epoch's tasks make the untrained weights themselves (None).
        starts: List[Any] = [None] * self.ranks
        logger.info(
            "distributed Word2Vec training on %i words of vocabulary, %i features, %i Dask "
            "workers x %i threads, %i rounds per epoch",
            len(model.wv),
            model.vector_size,
            self.ranks,
            model.workers,
            self.rounds,
        )
        start = time.perf_counter()
        trained = raw = 0
        model.running_training_loss = 0.0
        for cb in callbacks:
            cb.on_train_begin(model)
        for epoch in range(model.epochs):
            for cb in callbacks:
                cb.on_epoch_begin(model)
            starts, tally = self._epoch(epoch, starts, report_delay)
            trained += tally.effective_words
            raw += tally.raw_words
            if model.compute_loss:
                model.running_training_loss += tally.loss
                model.loss_history.append(tally.loss)
            if callbacks:
                self._set_weights(starts)  # callbacks see the model as trained so far
            for cb in callbacks:
                cb.on_epoch_end(model)
        self._set_weights(starts)
        elapsed = time.perf_counter() - start
        model.train_count += 1
        model.total_train_time += elapsed
        model.min_alpha_yet_reached = float(model.min_alpha)
        model.add_lifecycle_event(
            "train",
            msg=(
                f"distributed training on {raw} raw words ({trained} effective words) took "
                f"{elapsed:.1f}s, {trained / max(elapsed, 1e-9):.0f} effective words/s"
            ),
            # Bytes all ranks sent each other per round (mean over the epochs).
            bytes_per_round=int(np.mean(self.bytes_per_round)) if self.bytes_per_round else 0,
        )
        for cb in callbacks:
            cb.on_train_end(model)

    def forget(self) -> None:
        """Free what the workers keep for this run (models, working arrays)."""
        with _forgetting(Exception):  # a worker lost: its memory went with it
            self.client.run(forget_run, self.token)

    def _epoch(self, epoch: int, starts: List[Any], report_delay: float) -> Any:
        """Train one epoch, rank k from ``starts[k]`` (futures of the same weights); returns
        the ranks' results (futures) and the epoch's tally.

        If a worker is lost, the epoch is trained again from its start, on the workers left
        (with the same seeds, so with the same result), starting every rank from a copy of
        the start that survived.
        """
        for attempt in range(MAX_EPOCH_ATTEMPTS):
            try:
                done = self._try_epoch(epoch, starts, report_delay, attempt)
                self._called_off.clear()
                return done
            except (_EpochLost, CancelledError) as err:
                if attempt + 1 == MAX_EPOCH_ATTEMPTS:
                    raise RuntimeError(
                        f"epoch {epoch + 1} lost workers {MAX_EPOCH_ATTEMPTS} times: {err}"
                    ) from err
                # The text, not the error: a log handler keeping the record would keep
                # the error's frames, and with them the called-off epoch's futures.
                why = str(err)
                logger.warning("epoch %i lost a worker (%s); training it again", epoch + 1, why)
                starts = self._surviving(epoch, starts)
        raise AssertionError("unreachable")  # pragma: no cover

    def _surviving(self, epoch: int, starts: List[Any]) -> List[Any]:
        if epoch == 0:  # the start is the untrained weights: made again by the tasks
            return starts
        kept = [f for f in starts if f.status == "finished"]
        if kept:
            return [f if f.status == "finished" else kept[0] for f in starts]
        raise RuntimeError(f"every copy of the weights epoch {epoch + 1} starts from was lost")

    def _alive(self) -> List[str]:
        return current_workers(self.client)

    def _try_epoch(self, epoch: int, starts: List[Any], report_delay: float, attempt: int) -> Any:
        from distributed import Actor

        from w2v.distributed.exchange import Mailbox

        client, n = self.client, self.ranks
        alive = self._alive()
        if not alive:
            raise _EpochLost("the cluster has no workers left")
        # Each rank trains on its own worker while that is here (its start is there); the
        # ranks of workers that left go to the others, those with no rank first.
        here = [w if w in alive else None for w in self.workers]
        spare = [w for w in alive if w not in here] or alive
        place = [w or spare[k % len(spare)] for k, w in enumerate(here)]
        tag = f"{self.token}-{epoch}-{attempt}"
        boxes_f = []
        if n > 1:
            boxes_f = [
                client.submit(Mailbox, actor=True, workers=[w], key=f"w2v-box-{tag}-{k}")
                for k, w in enumerate(place)
            ]
        boxes: List[Actor] = [f.result() for f in boxes_f]
        futures = []
        before = 0
        shares: List[List[Optional[ShareOfRound]]] = [[] for _ in range(n)]
        for r in range(self.rounds):
            slots = range(r * n, (r + 1) * n)
            words = sum(self.shard_words[s] for s in slots)
            for k, s in enumerate(slots):
                shares[k].append(self._share(epoch, r, k, s, before, words))
            before += words
        for k in range(n):
            futures.append(
                client.submit(
                    train_epoch,
                    self.spec_f,
                    k,
                    [self.shards[r * n + k] for r in range(self.rounds)],
                    shares[k],
                    self.plan,
                    boxes,
                    tag,
                    starts[k],
                    key=f"w2v-epoch-{tag}-{k}",
                    workers=[place[k]],
                    allow_other_workers=False,
                    pure=False,
                )
            )
        progress = ClusterProgress(alpha=self._alpha(epoch, 0))
        reporter = EpochReporter(
            self.model,
            progress,
            epoch,
            int(self.model.corpus_total_words),
            int(self.model.corpus_count),
            time.perf_counter(),
            report_delay,
        )
        try:
            self._watch(epoch, futures, place, progress, reporter)
        except BaseException:
            for box in boxes:
                with _forgetting(Exception):  # its worker is gone: nothing to tell
                    box.abort(f"epoch {epoch + 1} was called off").result(ABORT_SECONDS)
            client.cancel(futures)
            # Kept until the epoch is done: messages still on their way to them would
            # otherwise reach actors that are gone (Dask logs an error for each).
            self._called_off.extend(boxes_f)
            raise
        del boxes, boxes_f
        got = client.gather([client.submit(tallies, f, key=f"w2v-tally-{f.key}") for f in futures])
        words, eff, sentences, loss, moved = (sum(c) for c in list(zip(*got))[:5])
        self.bytes_per_round.append(moved / self.rounds)
        for k, (*_, (training, merging, waiting, sending, last)) in enumerate(got):
            logger.debug(
                "epoch %i rank %i: %.2fs training, %.2fs merging (%.2fs of it waiting for "
                "the other ranks, %.2f sending, %.2f the last), %.1f MB sent",
                epoch + 1,
                k,
                training,
                merging,
                waiting,
                sending,
                last,
                got[k][4] / 1e6,
            )
        tally = EpochTally(words, sentences, eff, loss)
        self._show(epoch, tally, progress, reporter, [])
        reporter.close(tally, tally.effective_words, tally.loss)
        return futures, tally

    def _lost(self, err: BaseException, place: Sequence[str]) -> bool:
        """Whether a rank's error comes from a lost worker (its own, or one it sent to)."""
        from distributed import KilledWorker
        from distributed.comm.core import CommClosedError

        if isinstance(err, (Aborted, KilledWorker, CommClosedError, CancelledError)):
            return True
        if "Worker holding Actor was lost" in str(err):  # another rank's mailbox
            return True
        return not set(place) <= set(self._alive())

    def _share(
        self, epoch: int, r: int, rank: int, s: int, before: int, round_words: int
    ) -> Optional[ShareOfRound]:
        """Shard ``s``'s plan in round ``r`` (None: it has nothing to train)."""
        m = self.model
        if self.shards[s].empty or not self.shard_words[s]:
            return None
        return ShareOfRound(
            epoch=epoch,
            epochs=int(m.epochs),
            start_alpha=float(m.alpha),
            end_alpha=float(m.min_alpha),
            total_words=int(m.corpus_total_words),
            words_before=before,
            words_scale=round_words / self.shard_words[s],
            seed=share_seed(m.seed, r, rank),
            batch_words=int(m.batch_words),
        )

    def _watch(
        self,
        epoch: int,
        futures: List[Any],
        place: List[str],
        progress: ClusterProgress,
        reporter: Any,
    ) -> None:
        """Wait for the ranks' epoch tasks, reporting progress meanwhile.

        Raises
        ------
        _EpochLost
            A worker a rank runs on left, or a rank gave up waiting for another.
        Exception
            What a rank's task raised otherwise (bad input, ...).
        """
        from distributed import wait

        poll = min(0.5, max(float(reporter.delay), 0.05))
        keys = [f.key for f in futures]
        next_roll_call = time.perf_counter() + ROLL_CALL_SECONDS
        while True:
            with _forgetting(TimeoutError, asyncio.TimeoutError):
                wait(futures, timeout=poll)
            for f in futures:
                if f.status == "error":
                    err = f.exception()
                    if self._lost(err, place):
                        raise _EpochLost(f"{type(err).__name__}: {err}")
                    raise err
            if all(f.status == "finished" for f in futures):
                return
            if time.perf_counter() >= next_roll_call:
                gone = sorted(set(place) - set(self._alive()))
                if gone:
                    raise _EpochLost(f"worker {gone[0]} left the cluster")
                next_roll_call = time.perf_counter() + ROLL_CALL_SECONDS
            if not reporter.wants_progress():
                continue
            live = None
            with _forgetting(Exception):  # a worker lost meanwhile: seen at the next roll call
                live = self.client.run(live_progress, keys)
            if live is None:
                continue
            self._show(
                epoch,
                EpochTally(),
                progress,
                reporter,
                [v for per in live.values() for v in per.values()],
            )

    def _show(
        self,
        epoch: int,
        tally: EpochTally,
        progress: ClusterProgress,
        reporter: Any,
        live: Sequence[Any],
    ) -> None:
        progress.words_done = tally.raw_words + sum(v[0] for v in live)
        progress.sentences_done = tally.sentences + sum(v[1] for v in live)
        progress.loss_so_far = tally.loss + sum(v[2] for v in live)
        progress.alpha = self._alpha(epoch, progress.words_done)
        reporter.maybe_log()

    def _alpha(self, epoch: int, words: int) -> float:
        m = self.model
        frac = min(1.0, words / max(int(m.corpus_total_words), 1))
        a = m.alpha - (m.alpha - m.min_alpha) * (epoch + frac) / max(1, m.epochs)
        return float(max(m.min_alpha, a))

    def _set_weights(self, results: Sequence[Any]) -> None:
        """The model's matrices from the ranks' ``results`` (the same weights on every
        rank): each rank sends some of them, so they travel side by side."""
        m = self.model
        trained = {"vectors": True, "syn1neg": bool(m.negative), "syn1": bool(m.hs)}
        names = [n for n in MATRICES if trained[n]]
        asked = [
            self.client.submit(
                matrices, result, names[k :: len(results)], key=f"w2v-weights-{result.key}"
            )
            for k, result in enumerate(results[: len(names)])
        ]
        got = {n: a for part in self.client.gather(asked) for n, a in part.items()}
        # Arrays that came over the wire may be read-only views of the message.
        m.wv.vectors = np.require(got["vectors"], requirements=["C", "W"])
        if "syn1neg" in got:
            m.syn1neg = np.require(got["syn1neg"], requirements=["C", "W"])
        if "syn1" in got:
            m.syn1 = np.require(got["syn1"], requirements=["C", "W"])
        m.wv.norms = None
