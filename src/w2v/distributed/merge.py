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
