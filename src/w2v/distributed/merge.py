"""Merging the shards' changed rows into the next round's weights, on the workers.

Spark MLlib's rule: a row's new value is the mean of the values the shards that changed it
gave it; a row no shard changed keeps its value. Updates are combined in groups of at most
``FANIN`` (a tree of tasks), so no worker receives every shard's rows at once and nothing
passes through the client; the result stays on a worker as the next round's input.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from w2v.distributed.rounds import RowUpdate, Weights

#: Most updates one merge task receives.
FANIN = 4


def combine(*updates: RowUpdate) -> RowUpdate:
    """Add up updates: per row, the sum of the values and the number of shards."""
    out = RowUpdate(
        raw_words=sum(u.raw_words for u in updates),
        effective_words=sum(u.effective_words for u in updates),
        sentences=sum(u.sentences for u in updates),
        loss=float(sum(u.loss for u in updates)),
    )
    names: List[str] = []
    for u in updates:
        names.extend(n for n in u.rows if n not in names)
    for name in names:
        given = [u.rows[name] for u in updates if name in u.rows]
        if len(given) == 1:
            out.rows[name] = given[0]
            continue
        rows = np.unique(np.concatenate([r for r, _, _ in given]))
        dim = given[0][1].shape[1]
        sums = np.zeros((len(rows), dim), dtype=np.float32)
        counts = np.zeros(len(rows), dtype=np.int32)
        for r, v, c in given:
            at = np.searchsorted(rows, r)  # each update holds a row once
            sums[at] += v
            counts[at] += c
        out.rows[name] = (rows, sums, counts)
    return out


def apply_updates(weights: Weights, *updates: RowUpdate) -> Weights:
    """The next round's weights: ``weights`` with each changed row set to its mean value."""
    update = combine(*updates)
    new: Dict[str, Any] = {}
    for name, matrix in weights.matrices().items():
        if name not in update.rows:
            new[name] = matrix
            continue
        rows, sums, counts = update.rows[name]
        out = matrix.copy()
        if len(rows):
            many = counts > 1
            # A row one shard changed takes its value as is (so one shard trains exactly
            # as one machine does); others the mean.
            out[rows[~many]] = sums[~many]
            out[rows[many]] = sums[many] / counts[many, None].astype(np.float32)
        new[name] = out
    return Weights(**new)


def round_tallies(*updates: RowUpdate) -> Tuple[int, int, int, float, int]:
    """(raw words, effective words, sentences, loss, bytes of changed rows) of a round."""
    return (
        sum(u.raw_words for u in updates),
        sum(u.effective_words for u in updates),
        sum(u.sentences for u in updates),
        float(sum(u.loss for u in updates)),
        sum(u.nbytes for u in updates),
    )


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
