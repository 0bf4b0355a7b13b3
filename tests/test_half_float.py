"""The half-precision codec distributed training sends its changes with (``transfer_dtype``
"float16"): it must round exactly as IEEE binary16 does (numpy's float16 is the reference),
saturate instead of overflowing, and decode every half exactly, in the vectorised code and in
the scalar code that does array ends (and CPUs without F16C) alike."""

from __future__ import annotations

import numpy as np
import pytest

from w2v import _core

HALF_MAX = 65504.0


def _reference(values: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.clip(values, -HALF_MAX, HALF_MAX).astype(np.float16).view(np.uint16)


def _encode(values: np.ndarray, chunk: int = 0) -> np.ndarray:
    """to_half on the whole array, or on slices of ``chunk`` values (fewer than 8: only the
    scalar code runs)."""
    out = np.empty(values.shape, dtype=np.uint16)
    if not chunk:
        _core.to_half(values, out)
        return out
    for i in range(0, len(values), chunk):
        piece = np.empty(len(values[i : i + chunk]), dtype=np.uint16)
        _core.to_half(np.ascontiguousarray(values[i : i + chunk]), piece)
        out[i : i + chunk] = piece
    return out


def _values(n: int, seed: int) -> np.ndarray:
    """Normal values over many magnitudes (subnormal halves to saturation), then random bit
    patterns (every exponent, infinities and NaNs), then the edges of the format."""
    rng = np.random.default_rng(seed)
    scaled = rng.standard_normal(n).astype(np.float32) * np.float32(10.0) ** rng.integers(
        -9, 7, n
    ).astype(np.float32)
    bits = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    tiny = 2.0**-24
    big = [HALF_MAX, 65519.99, 65520.0, 1e30, np.inf]
    small = [0.0, tiny, tiny / 2, tiny * 1.5, tiny * 0.75, 2.0**-14, 2.0**-14 * (1 - 2.0**-11)]
    ties = [1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 2049.0, 2051.0]
    edges = np.array(big + small + ties, dtype=np.float32)
    return np.concatenate([scaled, bits, edges, -edges]).astype(np.float32)


@pytest.mark.parametrize("chunk", [0, 7], ids=["vectorised", "scalar"])
def test_rounds_as_ieee_half_precision_with_saturation(chunk: int) -> None:
    values = _values(200_000 if chunk else 2_000_000, seed=chunk)
    got = _encode(values, chunk)
    nan = np.isnan(values)
    np.testing.assert_array_equal(got[~nan], _reference(values)[~nan])
    # NaN stays a (quiet) NaN; nothing becomes an infinity.
    assert np.isnan(got[nan].view(np.float16)).all()
    assert not np.isinf(got.view(np.float16)).any()


@pytest.mark.parametrize("chunk", [0, 7], ids=["vectorised", "scalar"])
def test_every_half_decodes_exactly(chunk: int) -> None:
    halves = np.arange(2**16, dtype=np.uint16)
    want = halves.view(np.float16).astype(np.float32)
    got = np.empty(len(halves), dtype=np.float32)
    added = np.full(len(halves), 0.25, dtype=np.float32)
    step = chunk or len(halves)
    for i in range(0, len(halves), step):
        piece, more = np.empty(len(halves[i : i + step]), np.float32), added[i : i + step].copy()
        _core.from_half(np.ascontiguousarray(halves[i : i + step]), piece)
        _core.add_half(np.ascontiguousarray(halves[i : i + step]), more)
        got[i : i + step], added[i : i + step] = piece, more
    nan = np.isnan(want)
    np.testing.assert_array_equal(got[~nan], want[~nan])
    assert np.isnan(got[nan]).all()
    np.testing.assert_array_equal(added[~nan], np.float32(0.25) + want[~nan])


def test_a_matrix_round_trips_within_half_precision() -> None:
    rng = np.random.default_rng(1)
    change = (rng.standard_normal((300, 100)) * 0.01).astype(np.float32)
    halves = np.empty(change.shape, dtype=np.uint16)
    _core.to_half(change, halves)
    back = np.empty_like(change)
    _core.from_half(halves, back)
    np.testing.assert_allclose(back, change, rtol=2**-11, atol=2**-25)


def test_arrays_of_different_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in size"):
        _core.to_half(np.zeros(9, np.float32), np.zeros(8, np.uint16))
    with pytest.raises(ValueError, match="differ in size"):
        _core.add_half(np.zeros(8, np.uint16), np.zeros(9, np.float32))
    with pytest.raises(TypeError):  # an output is written in place: never a converted copy
        _core.from_half(np.zeros(8, np.uint16), np.zeros(8, np.float64))


def test_halves_at_any_byte_are_read() -> None:
    """Received halves may start at an odd byte of a message (Dask packs small arrays into
    it): they decode as aligned ones do (the sanitizer build checks the reads)."""
    values = np.linspace(-3, 3, 103).astype(np.float32)
    raw = np.zeros(2 * len(values) + 1, dtype=np.uint8)
    halves = raw[1:].view(np.uint16)
    assert not halves.flags.aligned
    halves[:] = _reference(values)
    want = values.astype(np.float16).astype(np.float32)
    out = np.empty_like(values)
    _core.from_half(halves, out)
    np.testing.assert_array_equal(out, want)
    total = np.ones_like(values)
    _core.add_half(halves, total)
    np.testing.assert_array_equal(total, 1 + want)
