"""Merging the shards' changes into the next weights, on the workers.

Each shard's task returns the change it made to the weights it started from. A row no shard
changed keeps its value; a changed row gains the sum of the shards' changes (``"sum"``, as one
machine's threads writing into one model), or their mean (``"mean"``, Spark MLlib's rule: the
mean of the values when the shards started from the same weights). A shard that trains alone
returns its weights instead, which are taken as they are (so one worker trains exactly as one
machine does).

The weights are kept in row blocks, one merged per worker (a reduce-scatter followed by each
shard's task gathering the blocks), so every worker sends and receives about the size of the
model per round, however many there are. Only the changed rows of a block travel. Within a
block, updates are combined in groups of at most ``FANIN`` (a tree of tasks), and nothing
passes through the client; the merged blocks stay on the workers as later rounds' input.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from w2v.distributed.rounds import RowUpdate, Trained, Weights

#: Most updates one merge task receives.
FANIN = 4


Rows = Tuple[np.ndarray, np.ndarray, np.ndarray]  # (row ids, values, shard counts)


def combine(*updates: RowUpdate) -> RowUpdate:
    """Add up updates of changes: per row, the sum of the changes and the number of shards."""
    out = RowUpdate()
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
    """The next weights: ``weights`` with the updates' changes merged by ``rule`` (new arrays).

    ``"sum"``: a changed row gains the sum of the shards' changes, as one machine's threads
    all write into one model. ``"mean"`` (Spark's rule): it gains their mean. An update of
    values (one shard that trained alone) replaces its rows. A row no shard changed keeps its
    value either way.
    """
    new: Dict[str, Any] = {}
    for name, matrix in weights.matrices().items():
        given = [u.rows[name] for u in updates if name in u.rows]
        if not given:
            new[name] = matrix
            continue
        out = matrix.copy()
        if not all(u.changes for u in updates):
            if len(given) != 1:
                raise ValueError("an update of values must be the only one of its round")
            rows, values, _ = given[0]
            out[rows] = values
        elif rule == "sum" or (len(given) == 1 and bool((given[0][2] == 1).all())):
            for rows, values, _ in given:
                _add_rows(out, rows, values)
        else:
            sums, counts = _accumulate(given, len(matrix), matrix.shape[1])
            if rule == "mean":
                np.divide(sums, np.maximum(counts, 1).astype(np.float32)[:, None], out=sums)
            out += sums  # whole-matrix arithmetic: fancy indexing of most rows costs more
        new[name] = out
    return Weights(**new)


def _add_rows(out: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    if len(rows) == len(out):  # ascending and distinct: every row, in order
        out += values
    else:
        out[rows] += values


def block_of(trained: Trained, start: int, stop: int) -> RowUpdate:
    """The rows of ``trained`` in ``[start, stop)`` that changed, numbered from ``start``
    (all of them when it holds weights: they replace the block)."""
    out = RowUpdate(changes=trained.changes)
    for name, matrix in trained.matrices.items():
        part = matrix[start:stop]
        if trained.changes:
            # A change of exactly +0.0 in every column is no change (x - x is +0.0).
            rows = np.flatnonzero(part.view(np.int32).any(axis=1))
        else:
            rows = np.arange(len(part))
        # Most rows change in a round of a large shard: then the block is sent as it is.
        values = part if len(rows) == len(part) else part[rows]
        out.rows[name] = (rows, values, np.ones(len(rows), dtype=np.int32))
    return out


def block_bounds(size: int, blocks: int) -> List[Tuple[int, int]]:
    """``blocks`` consecutive row ranges of about equal length covering ``size`` rows."""
    cuts = [size * b // blocks for b in range(blocks + 1)]
    return list(zip(cuts[:-1], cuts[1:]))


def round_tallies(trained: Trained, *sent: RowUpdate) -> Tuple[int, int, int, float, int]:
    """(raw words, effective words, sentences, loss, bytes sent to other workers) of a
    shard's training, given the blocks of its changes that other workers merge."""
    return (
        trained.raw_words,
        trained.effective_words,
        trained.sentences,
        trained.loss,
        sum(u.nbytes for u in sent),
    )


def same(value: Any) -> Any:
    """``value`` itself: run on a worker, it copies a result there ahead of the task that
    needs it (the transfer overlaps the training before that task)."""
    return value


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
