"""Merging the workers' changes between rounds, on the workers, without stopping the epoch.

Each rank's epoch runs as one Dask task that trains its shards round after round. After a
round the ranks add up the changes they made to the rows due for merging (:func:`rows_due`)
through a :class:`Mailbox` each, a Dask actor on the rank's worker: ranks send their changes
straight to each other's mailbox, worker to worker, with no task scheduled and nothing
passing through the client or the scheduler.

With two ranks each sends its whole change to the other. With more, the due rows are cut
into one block per rank: block j of every change goes to rank j, which adds them up and sends
the total to every other rank (a reduce-scatter, then an all-gather), so a rank sends and
receives about twice the due rows whatever the number of ranks. The changes are added in rank
order, so every rank computes the same bits, and a run with one thread per worker is
deterministic.

Which rows are due (:func:`rows_due`): the most frequent words' rows change in every round of
every worker, the rare ones seldom and mostly on one worker, so round ``c`` of an epoch
merges the ``sync_words x 2**z`` most frequent rows, ``z`` being the number of times 2
divides ``c``: the first ``sync_words`` every round, twice as many every second round, and so
on (the schedule of Ji et al.'s distributed HogBatch). The last round of an epoch merges
every row, so each epoch ends with one model, the same on every rank.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from w2v import _core

#: Changed rows of one matrix: their ids (None: every row, in order) and their values, as
#: float32 or, when the changes travel as float16, the bits of IEEE halves (uint16).
Rows = Tuple[Optional[np.ndarray], np.ndarray]

#: What the changes travel as (the ``transfer_dtype`` parameter).
TRANSFER_DTYPES = ("float32", "float16")

#: Seconds between two looks, while a rank waits for its messages to arrive, at whether
#: the epoch was called off.
DELIVERY_POLL = 0.05


class Aborted(RuntimeError):
    """The epoch was called off (a worker was lost): its tasks stop, the driver trains it
    again from its start."""


def rows_due(round_: int, rounds: int, sync_words: Optional[int], size: int) -> int:
    """How many of the most frequent rows are merged after round ``round_`` (0-based) of an
    epoch of ``rounds``: all at the last round or when ``sync_words`` is None, else
    ``sync_words`` times the largest power of 2 dividing ``round_ + 1``."""
    if sync_words is None or round_ + 1 >= rounds:
        return size
    c = round_ + 1
    return min(size, sync_words * (c & -c))


class Mailbox:
    """Where the other ranks leave their changes for one rank (a Dask actor on its worker).

    Messages are keyed; :meth:`take` waits for one. :meth:`abort` makes every waiting and
    later :meth:`take` raise :class:`Aborted`.
    """

    def __init__(self) -> None:
        self._box: Dict[Any, Any] = {}
        self._why: Optional[str] = None
        self._changed = threading.Condition()

    def put(self, key: Any, value: Any) -> None:
        with self._changed:
            self._box[key] = value
            self._changed.notify_all()

    def abort(self, why: str) -> None:
        with self._changed:
            self._why = why
            self._changed.notify_all()

    @property
    def why_aborted(self) -> Optional[str]:
        """Why the epoch was called off (None: it was not)."""
        return self._why

    def take(self, key: Any, timeout: float) -> Any:
        """The message ``key``, removed from the box.

        Raises
        ------
        Aborted
            The epoch was called off, or nothing came in ``timeout`` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: key in self._box or self._why, timeout):
                raise Aborted(f"no message {key!r} from another rank in {timeout:.0f}s")
            if self._why is not None:
                raise Aborted(self._why)
            return self._box.pop(key)


def local_mailbox(actor: Any) -> Mailbox:
    """The object behind ``actor`` when it lives in this worker (read without a message)."""
    from distributed import get_worker

    return get_worker().state.actors[actor.key]


class Buffers:
    """Arrays reused from round to round, by purpose.

    Dask's nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_`` set, which turns off
    glibc's dynamic mmap threshold: every new array of more than 128 kB is fresh pages the
    kernel maps and zeroes on first touch, which made encoding a round's changes as halves
    ten times slower than the conversion itself.
    """

    def __init__(self) -> None:
        self._have: Dict[Any, np.ndarray] = {}

    def get(self, key: Any, shape: Tuple[int, ...], dtype: Any) -> np.ndarray:
        """An array of ``shape`` and ``dtype`` for ``key``: the same memory as the last one
        asked for under ``key`` when that was as large (its contents are not kept)."""
        size = int(np.prod(shape))
        have = self._have.get(key)
        if have is None or have.dtype != dtype or have.size < size:
            have = self._have[key] = np.empty(size, dtype=dtype)
        return have[:size].reshape(shape)


@dataclass
class Change:
    """A rank's change of the rows due to merge, as it travels: a row for each row due
    (``values``: float32, or the bits of IEEE halves), and the positions of the rows that
    changed (``changed``, ascending: an unchanged row is all +0.0, as x - x is).
    :meth:`RoundMerger._changes <w2v.distributed.rounds.RoundMerger>` makes them from the
    weights in one pass (``_core.row_changes``)."""

    values: np.ndarray
    changed: np.ndarray

    @classmethod
    def of(cls, change: np.ndarray, dtype: str) -> Change:
        """The change ``change`` (float32) as it travels as ``dtype``."""
        changed = np.flatnonzero(change.view(np.int32).any(axis=1))
        return cls(encoded((None, change), dtype)[1], changed)

    def block(self, begin: int, end: int) -> Change:
        """Rows ``begin`` to ``end`` of the change."""
        first, last = np.searchsorted(self.changed, [begin, end])
        return Change(self.values[begin:end], self.changed[first:last] - begin)

    def rows(self, buffers: Optional[Buffers] = None, key: Any = None) -> Rows:
        """What is sent: every row when most changed, else the changed rows and their ids
        (taken into ``buffers[key]`` if given)."""
        values, changed = self.values, self.changed
        if len(changed) * 10 >= len(values) * 9:
            return None, values
        if buffers is None:
            return changed, values[changed]
        out = buffers.get(key, (len(changed), values.shape[1]), values.dtype)
        return changed, np.take(values, changed, axis=0, out=out)


def encoded(rows: Rows, dtype: str, buffers: Optional[Buffers] = None, key: Any = None) -> Rows:
    """``rows`` as they travel: float32 as they are, float16 as the bits of the nearest halves
    (written into ``buffers[key]`` if given)."""
    ids, values = rows
    if dtype == "float32":
        return rows
    if buffers is None:
        halves = np.empty(values.shape, dtype=np.uint16)
    else:
        halves = buffers.get(key, values.shape, np.uint16)
    _core.to_half(values, halves)
    return ids, halves


def floats(values: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """The float32 values of sent ``values`` (decoded if halves), into ``out`` if given."""
    if values.dtype == np.float32:
        if out is None:
            return values
        np.copyto(out, values)
        return out
    if out is None:
        out = np.empty(values.shape, dtype=np.float32)
    _core.from_half(values, out)
    return out


def add_rows(
    total: np.ndarray, counts: Optional[np.ndarray], rows: Rows, buffers: Optional[Buffers] = None
) -> None:
    """Add one rank's changed ``rows`` into ``total``; count the ranks per row if asked."""
    ids, values = rows
    if ids is None:
        if values.dtype == np.float32:
            total += values
        else:
            _core.add_half(values, total)
        if counts is not None:
            # An unchanged row is all +0.0: zero bits, as a float32 or a half.
            bits = values.view(np.int32) if values.dtype == np.float32 else values
            counts += bits.any(axis=1)
    else:
        decoded = None
        if buffers is not None and values.dtype != np.float32:
            decoded = buffers.get("decoded", values.shape, np.float32)
        total[ids] += floats(values, decoded)
        if counts is not None:
            counts[ids] += 1


def merge(
    parts: Sequence[Rows],
    shape: Tuple[int, int],
    rule: str,
    out: Optional[np.ndarray] = None,
    buffers: Optional[Buffers] = None,
) -> np.ndarray:
    """The merged change of the ranks' ``parts`` (in rank order): per row, the sum of the
    changes (``"sum"``), or their mean over the ranks that changed it (``"mean"``); written
    into ``out`` if given."""
    total = np.empty(shape, dtype=np.float32) if out is None else out
    counts = np.zeros(shape[0], dtype=np.int32) if rule == "mean" else None
    for k, rows in enumerate(parts):
        if k == 0 and counts is None and rows[0] is None:
            floats(rows[1], total)  # one pass fewer than zeroing and adding
            continue
        if k == 0:
            total.fill(0)
        add_rows(total, counts, rows, buffers)
    if counts is not None:
        np.divide(total, np.maximum(counts, 1).astype(np.float32)[:, None], out=total)
    return total


def _cuts(size: int, blocks: int) -> List[int]:
    return [size * b // blocks for b in range(blocks + 1)]


class Exchange:
    """One rank's side of the merges of an epoch (used inside its training task).

    ``boxes`` are every rank's mailbox actors, in rank order (``box.put(key, value)``
    returns something with ``result()``); ``mine`` is this rank's mailbox object (by
    default the one behind ``boxes[rank]`` in this worker). ``tag`` tells this epoch's
    messages from those of an attempt called off before. ``dtype`` is what the changes
    travel as (:data:`TRANSFER_DTYPES`): every rank merges them as they arrive, its own as it
    sent them, so all get the same bits. ``buffers`` hold what is sent, two rounds' worth (a
    round's message is only written over two rounds later, when the other ranks have used
    it). ``bytes_sent`` counts the values and row ids this rank sent.
    """

    def __init__(
        self,
        rank: int,
        boxes: Sequence[Any],
        tag: str,
        rule: str,
        timeout: float,
        mine: Optional[Mailbox] = None,
        dtype: str = "float32",
        buffers: Optional[Buffers] = None,
    ) -> None:
        if dtype not in TRANSFER_DTYPES:
            raise ValueError(f"dtype must be one of {TRANSFER_DTYPES}, got {dtype!r}")
        self.rank = rank
        self.dtype = dtype
        self.boxes = list(boxes)
        self.tag = tag
        self.rule = rule
        self.timeout = timeout
        if mine is None and len(self.boxes) > 1:
            mine = local_mailbox(self.boxes[rank])
        self.mine = mine
        self.buffers = Buffers() if buffers is None else buffers
        self.bytes_sent = 0
        self.seconds_waiting = 0.0
        self.seconds_sending = 0.0
        self._sending: List[Any] = []

    def _rows(self, change: Change, key: Tuple[Any, ...]) -> Rows:
        """What is sent of ``change``, in this rank's buffers for ``key`` (step parity first)."""
        if change.values.dtype != (np.uint16 if self.dtype == "float16" else np.float32):
            raise ValueError(f"the changes must be as they travel, {self.dtype}")
        return change.rows(self.buffers, ("sent", *key))

    def _send(self, to: int, key: Tuple[Any, ...], parts: Dict[str, Rows]) -> None:
        """Start sending ``parts`` (not waiting for the reply: the other rank's message is
        what this one waits for)."""
        self.bytes_sent += sum(v.nbytes + (0 if r is None else r.nbytes) for r, v in parts.values())
        self._sending.append(self.boxes[to].put((self.tag, *key, self.rank), parts))

    def flush(self) -> None:
        """Wait until what was sent has arrived (its arrays may be views of buffers about to
        be reused), raising a failure to deliver it.

        Raises
        ------
        Aborted
            The epoch was called off meanwhile, or a message was not delivered in
            ``timeout`` seconds. A message to a rank whose worker died waits for Dask to
            make its mailbox again, which never happens (a mailbox is bound to its worker):
            without this, the task would outlive its epoch, and Dask's worker fails hard
            when the scheduler drops data such a forgotten task still uses.
        """
        start = time.perf_counter()
        try:
            for sent in self._sending:
                while not self._delivered(sent):
                    why = self.called_off()
                    if why is not None:
                        raise Aborted(why)
                    if time.perf_counter() - start > self.timeout:
                        raise Aborted(f"a change was not delivered in {self.timeout:.0f}s")
        finally:
            self._sending.clear()
            self.seconds_sending += time.perf_counter() - start

    def called_off(self) -> Optional[str]:
        """Why the epoch was called off (None: it goes on)."""
        return None if self.mine is None else self.mine.why_aborted

    @staticmethod
    def _delivered(sent: Any) -> bool:
        """Whether the message ``sent`` arrived, waiting at most :data:`DELIVERY_POLL` s."""
        try:
            # Most have arrived by now: without a timeout, one trip through the event loop.
            sent.result(timeout=None if sent.done() else DELIVERY_POLL)
        except (TimeoutError, asyncio.TimeoutError) as late:  # one class from Python 3.11
            late.__traceback__ = None  # in a cycle with Dask's frames (driver._forgetting)
            return False
        return True

    def _take(self, key: Tuple[Any, ...], rank: int) -> Dict[str, Rows]:
        assert self.mine is not None
        start = time.perf_counter()
        try:
            return self.mine.take((self.tag, *key, rank), self.timeout)
        finally:
            self.seconds_waiting += time.perf_counter() - start

    def start(self, step: int, changes: Dict[str, Change]) -> Dict[str, Rows]:
        """Send this rank's ``changes`` to every other rank (without waiting); returns them
        as sent, for :meth:`finish`. The arrays must stay as they are until then."""
        ours = {k: self._rows(c, (step % 2, k)) for k, c in changes.items()}
        for j in range(len(self.boxes)):
            if j != self.rank:
                self._send(j, (step, "all"), ours)
        return ours

    def finish(
        self, step: int, ours: Dict[str, Rows], out: Dict[str, np.ndarray]
    ) -> Dict[str, np.ndarray]:
        """Every rank's changes sent by :meth:`start` at ``step``, merged by the rule into
        ``out`` (the shapes of the changes): each rank adds the same parts, as sent, in rank
        order, so all get the same bits."""
        parts = [
            ours if j == self.rank else self._take((step, "all"), j) for j in range(len(self.boxes))
        ]
        for k, o in out.items():
            merge([p[k] for p in parts], o.shape, self.rule, o, self.buffers)
        return out

    def merged(
        self,
        step: int,
        changes: Dict[str, Change],
        out: Optional[Dict[str, np.ndarray]] = None,
    ) -> Dict[str, np.ndarray]:
        """Every rank's ``changes`` (per matrix, the same rows on every rank) merged by the
        rule; each rank calls this with its own, and all get the same result (float32, written
        into ``out``'s arrays when given)."""
        if out is None:
            out = {k: np.empty(c.values.shape, dtype=np.float32) for k, c in changes.items()}
        n = len(self.boxes)
        if n == 1:
            return {k: floats(c.values, out[k]) for k, c in changes.items()}
        self.flush()
        if n == 2:  # each sends its whole change: the same bytes as blocks, one message less
            return self.finish(step, self.start(step, changes), out)
        cuts = {k: _cuts(len(c.values), n) for k, c in changes.items()}

        def block(k: str, c: Change, j: int) -> Change:
            return c.block(cuts[k][j], cuts[k][j + 1])

        for j in range(n):
            if j != self.rank:
                parts = {
                    k: self._rows(block(k, c, j), (step % 2, k, j)) for k, c in changes.items()
                }
                self._send(j, (step, "reduce"), parts)
        own: Dict[str, np.ndarray] = {}
        gathered = [
            {k: (None, block(k, c, self.rank).values) for k, c in changes.items()}
            if j == self.rank
            else self._take((step, "reduce"), j)
            for j in range(n)
        ]
        for k, c in changes.items():
            mine = block(k, c, self.rank).values
            own[k] = merge([g[k] for g in gathered], mine.shape, self.rule, None, self.buffers)
        sent = {
            k: encoded((None, v), self.dtype, self.buffers, ("gathered", step % 2, k))
            for k, v in own.items()
        }
        for j in range(n):
            if j != self.rank:
                self._send(j, (step, "gather"), sent)
        for j in range(n):
            # This rank's block too as it sent it: every rank gets the same bits.
            got = sent if j == self.rank else self._take((step, "gather"), j)
            for k, (_, v) in got.items():
                floats(v, out[k][cuts[k][j] : cuts[k][j + 1]])
        return out
