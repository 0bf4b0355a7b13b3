"""The distributed vocabulary scan: each shard counted on a worker, the counts merged.

Counting a shard gives its words in first-seen order with their counts; merging two results
in corpus order (left before right) keeps that order, so merging every shard gives exactly
the word order, counts and totals the single-machine scan of the whole corpus gives. The
client then applies ``min_count``, ``trim_rule``, sorting and subsampling as
``Word2Vec.build_vocab`` does (:meth:`w2v.Word2Vec.build_vocab_from_freq`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

import numpy as np

from w2v import _core
from w2v.distributed.sharding import Shard, feed_shard


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

    def as_dict(self) -> Dict[str, int]:
        return dict(zip(self.words, self.counts.tolist()))


def count_shards(shards: Sequence[Shard], max_sentence_length: int) -> ShardCounts:
    """Count the words of consecutive shards (a Dask task; reads them where it runs): one
    table for all, and each shard's raw words and sentences."""
    total: Any = None
    shard_words, shard_sentences = [], []
    for shard in shards:
        counter = _core.VocabCounter(0, int(max_sentence_length), 1, None)
        feed_shard(counter, shard)
        shard_words.append(int(counter.total_words))
        shard_sentences.append(int(counter.sentences))
        if total is None:
            total = counter
        else:
            total.absorb(counter)  # in C++, in corpus order
    return ShardCounts(
        total.words() if total is not None else [],
        np.asarray(total.counts() if total is not None else [], dtype=np.int64),
        shard_words,
        shard_sentences,
    )


def merge_counts(*parts: ShardCounts) -> ShardCounts:
    """Merge counts given in corpus order: a word keeps the place where it was first seen."""
    index: Dict[str, int] = {}
    words: List[str] = []
    chunks: List[np.ndarray] = []
    for part in parts:
        ids = np.empty(len(part.words), dtype=np.int64)
        for i, w in enumerate(part.words):
            j = index.get(w)
            if j is None:
                j = index[w] = len(words)
                words.append(w)
            ids[i] = j
        chunks.append(ids)
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
