"""The C++ objects built from a model's vocabulary, made once and kept until it changes.

Building the word index, the Huffman tree or the noise sampler costs a pass over the whole
vocabulary, so a model keeps them between ``train`` calls and queries; building or updating
the vocabulary clears them.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Sequence

import numpy as np

from w2v import _core


class NativeCache:
    """The native word index, Huffman tree and noise sampler of one model."""

    def __init__(self) -> None:
        self._objects: Dict[str, Any] = {}

    def clear(self) -> None:
        """Forget everything (the vocabulary, its counts or the noise weights changed)."""
        self._objects.clear()

    def word_index(self, keys: Sequence[str]) -> _core.WordIndex:
        """The C++ map from each key to its row."""
        index = self._objects.get("index")
        if index is not None and len(index) != len(keys):  # the vocabulary grew
            del self._objects["index"]
        return self._get("index", lambda: _core.WordIndex(keys))

    def huffman_tree(self, counts: np.ndarray) -> _core.HuffmanTree:
        """The hierarchical-softmax tree of words with these counts."""
        return self._get(
            "tree", lambda: _core.HuffmanTree(np.require(counts, np.int64, ["C", "A"]))
        )

    def noise_sampler(self, weights: np.ndarray) -> _core.NoiseSampler:
        """The alias-method sampler of the noise distribution with these weights."""
        return self._get(
            "noise", lambda: _core.NoiseSampler(np.require(weights, np.float64, ["C", "A"]))
        )

    def _get(self, name: str, make: Callable[[], Any]) -> Any:
        obj = self._objects.get(name)
        if obj is None:
            obj = self._objects[name] = make()
        return obj
