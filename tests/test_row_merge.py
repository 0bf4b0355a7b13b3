"""The one-pass arithmetic distributed training does around each merge (``_core.row_changes``
and ``_core.apply_merged``): it must give exactly what the numpy it replaced gave, for the
first rows or rows by id, as float32 or IEEE halves, and refuse arrays it would read or
write out of bounds."""

from __future__ import annotations

import numpy as np
import pytest

from w2v import _core

ROWS, DIM = 40, 13  # a width that is not a multiple of the vector width: the row ends too


def _weights(seed: int = 0) -> tuple:
    """Trained weights and their value at the last merge: some rows untouched since (their
    change is +0.0), one that went from +0.0 to -0.0 (a change of -0.0: not untouched)."""
    rng = np.random.default_rng(seed)
    synced = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    trained = synced.copy()
    moved = rng.random(ROWS) < 0.6
    trained[moved] += rng.standard_normal((int(moved.sum()), DIM)).astype(np.float32)
    trained[8] = synced[8]
    synced[7], trained[7] = 0.0, 0.0
    trained[7, 3] = -0.0
    return trained, synced


def _halves(values: np.ndarray) -> np.ndarray:
    return values.astype(np.float16).view(np.uint16)


@pytest.mark.parametrize("ids", [None, np.array([0, 3, 7, 8, 21, 39], dtype=np.int64)])
@pytest.mark.parametrize("dtype", [np.float32, np.uint16])
def test_row_changes_are_the_differences_and_which_rows_changed(ids, dtype) -> None:
    trained, synced = _weights()
    count = 30 if ids is None else len(ids)
    rows = slice(0, count) if ids is None else ids
    change = trained[rows] - synced[rows]
    out = np.full((count, DIM), 7, dtype=dtype)
    changed = np.full(count, -1, dtype=np.int64)
    n = _core.row_changes(trained, synced, ids, out, changed)
    want = change if dtype == np.float32 else _halves(change)
    np.testing.assert_array_equal(out, want)
    # Changed: any bit set, so the row of -0.0 counts and the untouched rows do not.
    np.testing.assert_array_equal(changed[:n], np.flatnonzero(change.view(np.int32).any(axis=1)))
    assert 0 < n < count
    moved_rows = np.arange(ROWS)[rows][changed[:n]]
    assert 7 in moved_rows and 8 not in moved_rows


@pytest.mark.parametrize("ids", [None, np.array([2, 5, 6, 30], dtype=np.int64)])
@pytest.mark.parametrize("own", [None, "float32", "halves"])
def test_apply_merged_is_the_update_numpy_made(ids, own) -> None:
    trained, synced = _weights(1)
    count = 12 if ids is None else len(ids)
    rows = slice(0, count) if ids is None else ids
    rng = np.random.default_rng(2)
    total = rng.standard_normal((count, DIM)).astype(np.float32)
    mine = (trained[rows] - synced[rows]).astype(np.float32)
    want_trained, want_synced = trained.copy(), synced.copy()
    if own is None:  # every rank sets the rows to the merged value
        want_synced[rows] = synced[rows] + total
        want_trained[rows] = want_synced[rows]
        _core.apply_merged(trained, synced, ids, total)
    else:  # overlapping rounds: this rank's own change is in its weights already
        sent = mine if own == "float32" else _halves(mine)
        as_sent = mine if own == "float32" else sent.view(np.float16).astype(np.float32)
        want_synced[rows] = synced[rows] + total
        want_trained[rows] = trained[rows] + (total - as_sent)
        _core.apply_merged(trained, synced, ids, total, sent)
    np.testing.assert_array_equal(synced, want_synced)
    np.testing.assert_array_equal(trained, want_trained)


def test_arrays_that_do_not_fit_are_refused() -> None:
    trained, synced = _weights()
    out, changed = np.empty((4, DIM), np.float32), np.empty(4, np.int64)
    total = np.zeros((4, DIM), np.float32)
    with pytest.raises(IndexError, match="outside"):
        _core.row_changes(trained, synced, np.array([0, 1, 2, ROWS]), out, changed)
    with pytest.raises(IndexError, match="outside"):
        _core.apply_merged(trained, synced, np.array([-1, 1, 2, 3]), total)
    with pytest.raises(ValueError, match="length"):
        _core.row_changes(trained, synced, np.array([0, 1]), out, changed)
    with pytest.raises(ValueError, match="more rows"):
        big = np.empty((ROWS + 1, DIM), np.float32)
        _core.row_changes(trained, synced, None, big, np.empty(ROWS + 1, np.int64))
    with pytest.raises(ValueError, match="too short"):
        _core.row_changes(trained, synced, None, out, np.empty(3, np.int64))
    with pytest.raises(ValueError, match="shape"):
        _core.row_changes(trained, synced[:, :5].copy(), None, out, changed)
    with pytest.raises(ValueError, match="width"):
        _core.apply_merged(trained, synced, None, np.zeros((4, DIM + 1), np.float32))
    with pytest.raises(ValueError, match="shape"):
        _core.apply_merged(trained, synced, None, total, np.zeros((3, DIM), np.float32))
    with pytest.raises(TypeError):  # written in place: never a converted copy
        _core.row_changes(trained, synced, None, np.empty((4, DIM)), changed)
    with pytest.raises(TypeError):
        _core.apply_merged(trained.astype(np.float64), synced, None, total)
