"""The client side of distributed training: plan the shards, build the vocabulary, run the
rounds, and hand back an ordinary ``Word2Vec``.

The client only submits tasks and reads small tallies: shards are read by the workers, the
changed rows are merged on the workers, and each round's weights stay on a worker (a Dask
future) as the next round's input. The weights reach the client once, at the end (and after
each epoch when callbacks need the model).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from w2v.distributed.merge import (
    apply_updates,
    block_bounds,
    block_of,
    combine,
    round_tallies,
    same,
    tree_reduce,
)
from w2v.distributed.rounds import ModelSpec, ShareOfRound, Weights, live_progress, train_shard
from w2v.distributed.settings import check_reachable, cluster_workers, split_params
from w2v.distributed.sharding import (
    Shard,
    corpus_entries,
    describe_file,
    expand_paths,
    plan_shards,
)
from w2v.distributed.vocabulary import ShardCounts, count_shard, merge_counts
from w2v.params import describe
from w2v.training import MAX_WORDS_IN_BATCH, EpochReporter

logger = logging.getLogger("w2v.distributed")

_SEED_MASK = 2**64 - 1
#: The most row blocks the weights are merged in (each a task per shard per round).
MAX_BLOCKS = 8
#: How many times an epoch is trained when a worker's results are lost for good.
MAX_EPOCH_ATTEMPTS = 3


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
        ``merge`` (``"sum"`` of the changes, or Spark's ``"mean"``), ``overlap`` (merge a
        round while the next one trains), ``dask_workers`` (how
        many of the cluster's workers train, default all) and ``report_delay`` (seconds
        between progress log lines).

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
    counts = scan_shards(client, shards, workers)
    _vocab_from_counts(model, counts, trim_rule=params.get("trim_rule"))
    run = Run(
        client, model, workers, shards, counts.shard_words, rounds, own["merge"], own["overlap"]
    )
    run.train(float(own["report_delay"]))
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
    counts = scan_shards(client, shards, workers)
    _vocab_from_counts(model, counts, update, keep_raw_vocab, trim_rule)


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


def scan_shards(client: Any, shards: Sequence[Shard], workers: Sequence[str]) -> ShardCounts:
    """Count every shard on the workers and merge the counts in corpus order."""
    run = uuid.uuid4().hex[:8]
    futures = [
        client.submit(
            count_shard,
            shard,
            MAX_WORDS_IN_BATCH,
            key=f"w2v-count-{run}-{shard.index}",
            workers=[workers[shard.index % len(workers)]],
            allow_other_workers=True,
            retries=2,
        )
        for shard in shards
    ]
    top = tree_reduce(client, futures, merge_counts, f"w2v-count-merge-{run}")
    return client.submit(merge_counts, *top, key=f"w2v-counts-{run}").result()


def _vocab_from_counts(
    model: Any,
    counts: ShardCounts,
    update: bool = False,
    keep_raw_vocab: bool = False,
    trim_rule: Any = None,
) -> None:
    start = time.perf_counter()
    model.build_vocab_from_freq(
        counts.as_dict(),
        keep_raw_vocab=keep_raw_vocab,
        corpus_count=counts.sentences,
        trim_rule=trim_rule,
        update=update,
    )
    # A frequency table knows no sentences: the scan's counts are the corpus's.
    model.corpus_count = counts.sentences
    model.corpus_total_words = counts.total_words
    model.add_lifecycle_event(
        "build_vocab",
        msg=f"distributed scan of {len(counts.shard_words)} shards, "
        f"{counts.total_words} raw words, {counts.sentences} sentences",
        update=update,
        trim_rule=str(trim_rule),
        seconds=round(time.perf_counter() - start, 3),
    )


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


class Run:
    """One distributed training run of ``model`` (whose vocabulary is built)."""

    def __init__(
        self,
        client: Any,
        model: Any,
        workers: Sequence[str],
        shards: Sequence[Shard],
        shard_words: Sequence[int],
        rounds: int,
        merge: str = "sum",
        overlap: bool = False,
    ) -> None:
        self.client = client
        self.model = model
        self.workers = list(workers)
        self.shards = list(shards)
        self.shard_words = [int(n) for n in shard_words]
        self.rounds = rounds
        self.merge = merge
        self.token = uuid.uuid4().hex[:12]
        self.bytes_per_round: List[int] = []
        self.lag = 1 if overlap and len(self.workers) > 1 else 0

    def train(self, report_delay: float) -> None:
        model, client = self.model, self.client
        callbacks = tuple(model.callbacks)
        params = describe(model)
        params["compute_loss"] = bool(model.compute_loss)
        spec = ModelSpec(
            self.token,
            params,
            list(model.wv.index_to_key),
            np.asarray(model.wv.expandos["count"], dtype=np.int64),
            np.asarray(model.wv.expandos["sample_int"], dtype=np.uint32),
            model.noise_weights,
            MAX_WORDS_IN_BATCH,
        )
        self.spec_f = client.scatter(spec, broadcast=True, hash=False)
        # Worker b holds and merges block b of the rows (at most MAX_BLOCKS blocks).
        self.bounds = block_bounds(len(model.wv), min(len(self.workers), MAX_BLOCKS))
        start_weights = self._weights()
        weights = [
            client.scatter(start_weights.rows(lo, hi), workers=[self._holder(b)], hash=False)
            for b, (lo, hi) in enumerate(self.bounds)
        ]
        logger.info(
            "distributed Word2Vec training on %i words of vocabulary, %i features, %i Dask "
            "workers x %i threads, %i rounds per epoch",
            len(model.wv),
            model.vector_size,
            len(self.workers),
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
            weights, tally, effective, loss = self._epoch(epoch, weights, report_delay)
            trained += effective
            raw += tally.raw_words
            if model.compute_loss:
                model.running_training_loss += loss
                model.loss_history.append(loss)
            if callbacks:
                self._set_weights(weights)  # callbacks see the model as trained so far
            for cb in callbacks:
                cb.on_epoch_end(model)
        self._set_weights(weights)
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
        )
        for cb in callbacks:
            cb.on_train_end(model)

    def _epoch(self, epoch: int, weights: List[Any], report_delay: float) -> Any:
        """Train one epoch from ``weights`` (the blocks, futures); returns the merged blocks,
        the epoch's tally, effective words and loss.

        The epoch's start is kept on every worker: if a worker's results are lost (it died)
        and Dask cannot rebuild them, the epoch is trained again from there, with the same
        seeds, so the result is the same.
        """
        from distributed import KilledWorker

        if len(self.workers) > 1:
            self.client.replicate(weights)
        for attempt in range(MAX_EPOCH_ATTEMPTS):
            try:
                return self._try_epoch(epoch, weights, report_delay, attempt)
            except (KilledWorker, CancelledError) as err:
                if attempt + 1 == MAX_EPOCH_ATTEMPTS:
                    raise
                logger.warning(
                    "epoch %i lost a worker's results (%s: %s); training the epoch again",
                    epoch + 1,
                    type(err).__name__,
                    err,
                )
        raise AssertionError("unreachable")  # pragma: no cover

    def _try_epoch(self, epoch: int, weights: List[Any], report_delay: float, attempt: int) -> Any:
        model = self.model
        total_words = int(model.corpus_total_words)
        progress = ClusterProgress(alpha=self._alpha(epoch, 0))
        reporter = EpochReporter(
            model,
            progress,
            epoch,
            total_words,
            int(model.corpus_count),
            time.perf_counter(),
            report_delay,
        )
        tally = EpochTally()
        n = len(self.workers)
        # With several workers, round r trains from the weights merged after round r - 2
        # plus the worker's own change of round r - 1: the merge of round r - 1 then runs
        # while round r trains, and no worker waits for another between rounds.
        lag = self.lag
        run = self.token if not attempt else f"{self.token}.{attempt}"
        merged: Dict[int, List[Any]] = {-1: list(weights)}
        near: Dict[Tuple[int, int, int], Any] = {}
        own: List[Any] = [None] * n
        rounds = []
        before = 0
        for r in range(self.rounds):
            g = max(r - 1 - lag, -1)
            base = [
                [
                    self._near(near, merged[g], g, b, rank, f"{run}-{epoch}")
                    for b in range(len(merged[g]))
                ]
                for rank in range(n)
            ]
            submitted = self._submit_round(
                run, epoch, r, base, own if lag else [None] * n, merged[r - 1], before
            )
            merged[r], own, tallies, keys, words = submitted
            before += words
            rounds.append((tallies, keys))
            # The cluster keeps what queued tasks still need; the rest can go.
            for old in [k for k in merged if k < r - 1 - lag]:
                del merged[old]
            for old in [k for k in near if k[0] < r - 1 - lag]:
                del near[old]
        for tallies, keys in rounds:
            self._absorb(epoch, tallies, keys, tally, progress, reporter)
        reporter.close(tally, tally.effective_words, tally.loss)
        return merged[self.rounds - 1], tally, tally.effective_words, tally.loss

    def _near(
        self,
        near: Dict[Tuple[int, int, int], Any],
        blocks: List[Any],
        g: int,
        b: int,
        rank: int,
        name: str,
    ) -> Any:
        """Block ``b`` of merged weights ``g`` where rank ``rank`` trains: a task there that
        copies it as soon as it is merged, not when the task needing it starts."""
        worker = self.workers[rank]
        if self._holder(b) == worker:
            return blocks[b]
        if (g, b, rank) not in near:
            near[g, b, rank] = self.client.submit(
                same,
                blocks[b],
                key=f"w2v-near-{name}-{g}-{b}-{rank}",
                workers=[worker],
                allow_other_workers=True,
            )
        return near[g, b, rank]

    def _submit_round(
        self,
        run: str,
        epoch: int,
        r: int,
        base: List[List[Any]],
        own: List[Any],
        previous: List[Any],
        before: int,
    ) -> Any:
        """Queue round ``r``: its shards' training (rank k from ``base[k]`` plus ``own[k]``)
        and the merge of their changes into ``previous``. Returns the merged blocks
        (futures), the shards' results by rank (None: nothing to train), their tallies, the
        keys of their tasks and the round's raw words."""
        model, n = self.model, len(self.workers)
        slots = range(r * n, (r + 1) * n)
        round_words = sum(self.shard_words[s] for s in slots)
        trained: List[Any] = [None] * n
        for rank, s in enumerate(slots):
            if self.shards[s].empty or not self.shard_words[s]:
                continue
            share = ShareOfRound(
                epoch=epoch,
                epochs=int(model.epochs),
                start_alpha=float(model.alpha),
                end_alpha=float(model.min_alpha),
                total_words=int(model.corpus_total_words),
                words_before=before,
                words_scale=round_words / self.shard_words[s],
                seed=share_seed(model.seed, r, rank),
                batch_words=int(model.batch_words),
                changes=n > 1,
            )
            trained[rank] = self.client.submit(
                train_shard,
                self.spec_f,
                self.shards[s],
                share,
                own[rank],
                *base[rank],
                key=f"w2v-train-{run}-{epoch}-{r}-{rank}",
                workers=[self.workers[rank]],
                allow_other_workers=True,
                retries=2,
            )
        if not any(f is not None for f in trained):
            return previous, trained, [], [], round_words
        merged = []
        sent: List[List[Any]] = [[] for _ in range(n)]
        for b, (lo, hi) in enumerate(self.bounds):
            name = f"w2v-merge-{run}-{epoch}-{r}-{b}"
            # Each shard's block is cut where the shard trained; only its changed rows travel.
            parts = []
            for rank, f in enumerate(trained):
                if f is None:
                    continue
                part = self.client.submit(
                    block_of,
                    f,
                    lo,
                    hi,
                    key=f"{name}-of-{rank}",
                    workers=[self.workers[rank]],
                    allow_other_workers=True,
                )
                parts.append(part)
                if self.workers[rank] != self._holder(b):
                    sent[rank].append(part)
            top = tree_reduce(self.client, parts, combine, name)
            merged.append(
                self.client.submit(
                    apply_updates,
                    previous[b],
                    self.merge,
                    *top,
                    key=f"w2v-weights-{run}-{epoch}-{r}-{b}",
                    workers=[self._holder(b)],
                    allow_other_workers=True,
                )
            )
        # Each shard's tallies are read where it trained, so only numbers travel.
        tallies = [
            self.client.submit(round_tallies, f, *sent[rank], key=f"w2v-tally-{f.key}")
            for rank, f in enumerate(trained)
            if f is not None
        ]
        keys = [f.key for f in trained if f is not None]
        return merged, trained, tallies, keys, round_words

    def _holder(self, block: int) -> str:
        return self.workers[block % len(self.workers)]

    def _absorb(
        self,
        epoch: int,
        tallies: List[Any],
        keys: List[str],
        tally: EpochTally,
        progress: ClusterProgress,
        reporter: Any,
    ) -> None:
        """Wait for a round's tallies, reporting its shards' progress meanwhile; add them to
        the epoch's."""
        if not tallies:
            return
        from distributed import wait

        poll = min(0.5, max(float(reporter.delay), 0.05))
        while True:
            try:
                wait(tallies, timeout=poll)
                break
            except (TimeoutError, asyncio.TimeoutError):
                try:
                    live = self.client.run(live_progress, keys)
                except Exception:  # a worker lost mid-round: its shard is re-run anyway
                    continue
                seen = [v for per in live.values() for v in per.values()]
                self._show(epoch, tally, progress, reporter, seen)
        words, eff, sentences, loss, moved = (sum(col) for col in zip(*self.client.gather(tallies)))
        self.bytes_per_round.append(int(moved))
        tally.raw_words += words
        tally.sentences += sentences
        tally.effective_words += eff
        tally.loss += loss
        self._show(epoch, tally, progress, reporter, [])

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

    def _weights(self) -> Weights:
        m = self.model
        return Weights(
            np.ascontiguousarray(m.wv.vectors, dtype=np.float32),
            np.ascontiguousarray(m.syn1neg, dtype=np.float32) if m.negative else None,
            np.ascontiguousarray(m.syn1, dtype=np.float32) if m.hs else None,
        )

    def _set_weights(self, blocks: List[Any]) -> None:
        weights = Weights.join(self.client.gather(blocks))
        m = self.model
        # Arrays that came over the wire may be read-only views of the message.
        m.wv.vectors = np.require(weights.vectors, requirements=["C", "W"])
        if weights.syn1neg is not None:
            m.syn1neg = np.require(weights.syn1neg, requirements=["C", "W"])
        if weights.syn1 is not None:
            m.syn1 = np.require(weights.syn1, requirements=["C", "W"])
        m.wv.norms = None
