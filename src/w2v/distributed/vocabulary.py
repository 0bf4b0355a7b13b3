"""The distributed vocabulary scan: each shard counted on a worker, the counts merged.

Counting a shard gives its words in first-seen order with their counts; merging two results
in corpus order (left before right) keeps that order, so merging every shard gives exactly
the word order, counts and totals the single-machine scan of the whole corpus gives. The
client then applies ``min_count``, ``trim_rule``, sorting and subsampling as
``Word2Vec.build_vocab`` does (:meth:`w2v.Word2Vec.build_vocab_from_freq`).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

import numpy as np

from w2v import _core
from w2v.distributed.sharding import Shard, feed_shard
from w2v.training import MAX_WORDS_IN_BATCH


@dataclass
class ShardCounts:
    """Words in first-seen order with their counts, and the raw words and sentences of each
    shard merged into it (in shard order)."""

    words: List[str]
    counts: np.ndarray
    shard_words: List[int] = field(default_factory=list)
    shard_sentences: List[int] = field(default_factory=list)

    @property
    def total_words(self) -> int:
        return int(sum(self.shard_words))

    @property
    def sentences(self) -> int:
        return int(sum(self.shard_sentences))


def count_shards(
    shards: Sequence[Shard], max_sentence_length: int, phrases: Any = None
) -> ShardCounts:
    """Count the words of consecutive shards (a Dask task; reads them where it runs), with
    ``phrases`` (a ``FrozenPhrases``) joined if given: one table for all, and each shard's
    raw words and sentences."""
    counter = _core.VocabCounter(0, int(max_sentence_length), 1, None)
    shard_words, shard_sentences = [], []
    words = sentences = 0
    for shard in shards:
        # A counter fed again counts on: one table in corpus order, as one scan makes.
        feed_shard(counter, shard, phrases=phrases)
        shard_words.append(int(counter.total_words) - words)
        shard_sentences.append(int(counter.sentences) - sentences)
        words, sentences = int(counter.total_words), int(counter.sentences)
    return ShardCounts(
        counter.words(), np.asarray(counter.counts(), dtype=np.int64), shard_words, shard_sentences
    )


def merge_counts(*parts: ShardCounts) -> ShardCounts:
    """Merge counts given in corpus order: a word keeps the place where it was first seen."""
    index: Dict[str, int] = {}
    words: List[str] = []
    chunks: List[np.ndarray] = []
    for part in parts:
        if not index:  # the first part's words are new, in their order
            words = list(part.words)
            index = dict(zip(words, range(len(words))))
            chunks.append(np.arange(len(words), dtype=np.int64))
            continue
        known = len(words)
        ids = [index.setdefault(w, len(index)) for w in part.words]  # new words: the next ids
        words.extend(w for w, j in zip(part.words, ids) if j >= known)
        chunks.append(np.asarray(ids, dtype=np.int64))
    counts = np.zeros(len(words), dtype=np.int64)
    for part, ids in zip(parts, chunks):
        counts[ids] += part.counts  # a part holds each word once
    return ShardCounts(
        words,
        counts,
        [n for p in parts for n in p.shard_words],
        [n for p in parts for n in p.shard_sentences],
    )


#: Most count tables one merge task receives.
FANIN = 4


def tree_reduce(client: Any, futures: Sequence[Any], func: Any, name: str) -> List[Any]:
    """Combine ``futures`` on the workers with ``func(*group)`` in groups of ``FANIN``, in
    order, until at most ``FANIN`` remain; returns those."""
    level = list(futures)
    depth = 0
    while len(level) > FANIN:
        level = [
            client.submit(func, *level[i : i + FANIN], key=f"{name}-{depth}-{i // FANIN}")
            for i in range(0, len(level), FANIN)
        ]
        depth += 1
    return level


def scan_shards(
    client: Any,
    shards: Sequence[Shard],
    workers: Sequence[str],
    phrases: Any = None,
) -> ShardCounts:
    """Count every shard on the workers (with ``phrases`` joined if given) and merge the
    counts in corpus order: each worker counts a run of consecutive shards, so only one
    table per worker is merged."""
    run = uuid.uuid4().hex[:8]
    n = len(workers)
    cuts = [len(shards) * g // n for g in range(n + 1)]
    futures = [
        client.submit(
            count_shards,
            shards[lo:hi],
            MAX_WORDS_IN_BATCH,
            phrases,
            key=f"w2v-count-{run}-{g}",
            workers=[workers[g]],
            allow_other_workers=True,
            retries=2,
        )
        for g, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:]))
        if hi > lo
    ]
    top = tree_reduce(client, futures, merge_counts, f"w2v-count-merge-{run}")
    return client.submit(merge_counts, *top, key=f"w2v-counts-{run}").result()


def vocab_from_counts(
    model: Any,
    counts: ShardCounts,
    update: bool = False,
    keep_raw_vocab: bool = False,
    trim_rule: Any = None,
) -> None:
    """Build ``model``'s vocabulary from the merged counts, as ``build_vocab`` does from a
    scan of the corpus."""
    from w2v.vocabulary import raw_vocab_from_counts

    start = time.perf_counter()
    # The words are distinct strings and the counts non-negative int64 (a scan made them).
    raw = raw_vocab_from_counts(counts.words, counts.counts)
    model._build_vocab_from_raw(raw, counts.sentences, keep_raw_vocab, trim_rule, update)
    # The scan's total: the words counted in the shards, whatever their counts add up to.
    model.corpus_total_words = counts.total_words
    model.add_lifecycle_event(
        "build_vocab",
        msg=f"distributed scan of {len(counts.shard_words)} shards, "
        f"{counts.total_words} raw words, {counts.sentences} sentences",
        update=update,
        trim_rule=str(trim_rule),
        seconds=round(time.perf_counter() - start, 3),
    )
