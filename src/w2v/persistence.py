"""Saving and loading whole Word2Vec models in the pickle-free archive (``docs/format.md``)."""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

import numpy as np

from w2v._archive import jsonable, load_archive, save_archive
from w2v._archive_schema import load_hint
from w2v.checkpoint import TrainingState
from w2v.errors import ArchiveError, ArchiveKindError
from w2v.keyedvectors import KeyedVectors
from w2v.params import TRAINING_STATE
from w2v.paths import PathLike, fspath


def save_model(model: Any, fname: PathLike, training_state: Optional[TrainingState] = None) -> None:
    """Write ``model`` (parameters, state, vocabulary and every weight matrix) atomically.

    A checkpoint also holds ``training_state`` (where an unfinished run stands), as
    ``state.resume``; :func:`load_model` gives it back as ``model.training_state``.
    """
    kv_meta, kv_arrays = model.wv._to_archive()
    arrays = {f"wv.{k}": v for k, v in kv_arrays.items()}
    if model.negative:
        arrays["syn1neg"] = model.syn1neg
    if model.hs:
        arrays["syn1"] = model.syn1
    if model.noise_weights is not None:
        arrays["noise_weights"] = model.noise_weights
    state = {name: kind(getattr(model, name)) for name, kind in TRAINING_STATE.items()}
    state.update(
        {
            "loss_history": [float(x) for x in model.loss_history],
            "lifecycle_events": jsonable(model.lifecycle_events),
            "noise_spec": _noise_spec_for_json(model._noise_spec),
            "noise_spec_kind": _noise_spec_kind(model._noise_spec),
        }
    )
    if training_state is not None:
        state["resume"] = training_state.to_json()
    meta = {
        "kind": "Word2Vec",
        "params": model._describe(),
        "state": state,
        "keyedvectors": kv_meta,
    }
    save_archive(fname, meta, arrays)


def load_model(cls: type, fname: PathLike, mmap: Optional[str] = None) -> Any:
    """Read a model written by :func:`save_model`; never executes code from the file."""
    fname = fspath(fname, "fname")
    if not os.path.exists(fname):
        raise FileNotFoundError(f"no such model file: {fname!r}")
    meta, arrays = load_archive(fname, mmap=mmap)
    if meta["kind"] != "Word2Vec":
        raise ArchiveKindError(
            fname, f"holds {meta['kind']}, not a Word2Vec model: {load_hint(meta['kind'])}"
        )
    try:
        model = cls(**meta["params"])
    except (TypeError, ValueError) as exc:
        # The parameters pass through Word2Vec's own checks, whose message names the one.
        raise ArchiveError(fname, f"params: {exc}") from None
    kv_arrays = {k[3:]: v for k, v in arrays.items() if k.startswith("wv.")}
    model.wv = KeyedVectors._from_archive(meta["keyedvectors"], kv_arrays)
    if "syn1neg" in arrays:
        model.syn1neg = arrays["syn1neg"]
    if "syn1" in arrays:
        model.syn1 = arrays["syn1"]
    model.noise_weights = arrays.get("noise_weights")
    state = meta["state"]
    for key in TRAINING_STATE:
        setattr(model, key, state[key])
    model.loss_history = list(state.get("loss_history", []))
    model.lifecycle_events = list(state.get("lifecycle_events", []))
    model._noise_spec = state.get("noise_spec")
    # A checkpoint of an unfinished run: train() continues it (a finished run's is ignored).
    resume = state.get("resume")
    try:
        run = None if resume is None else TrainingState.from_json(resume)
    except ValueError as exc:
        raise ArchiveError(fname, str(exc)) from None
    model.training_state = None if run is None or run.complete else run
    if (
        model._noise_spec is None
        and model.noise_weights is not None
        and state.get("noise_spec_kind") in ("array", "callable")
    ):
        # Only the resolved weights survive: known words keep theirs, new words get 0.
        model._noise_spec = np.array(model.noise_weights, dtype=np.float64)
    model.add_lifecycle_event("loaded", fname=fname)
    return model


def _noise_spec_for_json(spec: Any) -> Any:
    """A mapping spec survives saving (so new words after a load still get their weight)."""
    if isinstance(spec, Mapping):
        return {str(k): float(v) for k, v in spec.items()}
    return None


def _noise_spec_kind(spec: Any) -> Optional[str]:
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return "mapping"
    return "callable" if callable(spec) else "array"
