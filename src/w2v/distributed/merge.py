"""Merging the shards' changed rows into the next round's weights, on the workers.

A row one shard changed takes its value; a row several changed takes the sum of their
changes, or (Spark MLlib's rule) the mean of their values; a row no shard changed keeps its
value. The weights are kept in row blocks, one merged per worker (a reduce-scatter followed
by each shard's task gathering the blocks), so every worker sends and receives about the size
of the model per round, however many there are. Within a block, updates are combined in
groups of at most ``FANIN`` (a tree of tasks), and nothing passes through the client; the
merged blocks stay on the workers as the next round's input.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from w2v.distributed.rounds import RowUpdate, Weights

#: Most updates one merge task receives.
FANIN = 4


Rows = Tuple[np.ndarray, np.ndarray, np.ndarray]  # (row ids, values, shard counts)


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
        size = max((int(r[-1]) + 1 for r, _, _ in given if len(r)), default=0)
        sums, counts = _accumulate(given, size, given[0][1].shape[1])
        rows = np.flatnonzero(counts)
        if len(rows) < size:
            sums, counts = sums[rows], counts[rows]
        out.rows[name] = (rows, sums, counts)
    return out


def _accumulate(given: Sequence[Rows], size: int, dim: int) -> Tuple[np.ndarray, np.ndarray]:
    """Dense per-row sums of values and counts over ``size`` rows (a row unchanged: 0)."""
    sums = np.zeros((size, dim), dtype=np.float32)
    counts = np.zeros(size, dtype=np.int32)
    for rows, values, n in given:
        if len(rows) == size:  # ascending and distinct: every row, in order
            sums += values
            counts += n
        else:
            sums[rows] += values  # an update holds each row once
            counts[rows] += n
    return sums, counts


def apply_updates(weights: Weights, rule: str, *updates: RowUpdate) -> Weights:
    """The next round's weights: ``weights`` with the changed rows merged by ``rule``.

    ``"mean"`` (Spark's rule): a changed row takes the mean of the values the shards gave it.
    ``"sum"``: it gains the sum of the shards' changes, as one machine's threads all write
    into one model. A row one shard changed takes that shard's value either way (so one
    shard trains exactly as one machine does); a row no shard changed keeps its value.
    """
    new: Dict[str, Any] = {}
    for name, matrix in weights.matrices().items():
        given = [u.rows[name] for u in updates if name in u.rows]
        if not given:
            new[name] = matrix
            continue
        if len(given) == 1 and bool((given[0][2] == 1).all()):
            rows, values, _ = given[0]
            out = matrix.copy()
            out[rows] = values
            new[name] = out
            continue
        sums, counts = _accumulate(given, len(matrix), matrix.shape[1])
        # Whole-matrix arithmetic (fancy indexing of most rows costs more).
        if rule == "sum":
            # Unchanged rows: 0 - (-1) * row = row; changed ones: sum - (k - 1) * row.
            sums -= (counts - 1).astype(np.float32)[:, None] * matrix
            new[name] = sums
        else:
            np.divide(sums, np.maximum(counts, 1).astype(np.float32)[:, None], out=sums)
            kept = np.flatnonzero(counts == 0)
            sums[kept] = matrix[kept]
            new[name] = sums
    return Weights(**new)


def block_of(update: RowUpdate, start: int, stop: int) -> RowUpdate:
    """The changed rows of ``update`` in ``[start, stop)``, numbered from ``start`` (the
    tallies stay with the whole update)."""
    out = RowUpdate()
    for name, (rows, values, counts) in update.rows.items():
        lo, hi = np.searchsorted(rows, [start, stop])
        out.rows[name] = (rows[lo:hi] - start, values[lo:hi], counts[lo:hi])
    return out


def block_bounds(size: int, blocks: int) -> List[Tuple[int, int]]:
    """``blocks`` consecutive row ranges of about equal length covering ``size`` rows."""
    cuts = [size * b // blocks for b in range(blocks + 1)]
    return list(zip(cuts[:-1], cuts[1:]))


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
