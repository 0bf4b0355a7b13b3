"""Progress bars for the vocabulary scan and training (optional: needs ``tqdm``)."""

from __future__ import annotations

from typing import Any, Optional


def _tqdm() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError("progress bars need tqdm: pip install 'w2v[progress]'") from None
    return tqdm


class TrainingBar:
    """A tqdm bar over one epoch's raw words (or sentences), showing alpha and loss."""

    def __init__(self, epoch: int, epochs: int, total: Optional[int], unit: str) -> None:
        self._bar = _tqdm()(
            total=total,
            unit=unit,
            unit_scale=True,
            desc=f"epoch {epoch + 1}/{epochs}",
            dynamic_ncols=True,
            leave=True,
        )
        self._unit = unit

    def update_to(self, words: int, sentences: int, alpha: float) -> None:
        done = words if self._unit == "word" else sentences
        self._bar.update(done - self._bar.n)
        self._bar.set_postfix(alpha=f"{alpha:.5f}", refresh=False)

    def close(self) -> None:
        self._bar.close()


def training_bar(
    model: Any, epoch: int, total_words: Optional[int], total_examples: Optional[int]
) -> TrainingBar:
    """The bar for one training epoch of ``model``."""
    if total_words:
        return TrainingBar(epoch, model.epochs, int(total_words), "word")
    return TrainingBar(epoch, model.epochs, int(total_examples or 0) or None, "sentence")
