"""Progress bars for the vocabulary scan and training (tqdm, a dependency of w2v)."""

from __future__ import annotations

from typing import Any, Optional


def _width() -> dict:
    # A pty that reports 0 columns would make dynamic bars empty: use a fixed width there.
    import shutil

    return {"dynamic_ncols": True} if shutil.get_terminal_size((0, 0)).columns else {"ncols": 100}


def _tqdm() -> Any:
    from tqdm.auto import tqdm  # imported when a bar is first shown

    return tqdm


class TrainingBar:
    """A tqdm bar over one epoch's raw words (or sentences), showing alpha and loss."""

    def __init__(self, epoch: int, epochs: int, total: Optional[int], unit: str) -> None:
        self._bar = _tqdm()(
            total=total,
            unit=unit,
            unit_scale=True,
            desc=f"epoch {epoch + 1}/{epochs}",
            leave=True,
            **_width(),
        )
        self._unit = unit

    def update_to(
        self, words: int, sentences: int, alpha: float, loss: Optional[float] = None
    ) -> None:
        done = words if self._unit == "word" else sentences
        self._bar.update(done - self._bar.n)
        postfix = {"alpha": f"{alpha:.5f}"}
        if loss is not None:
            postfix["loss"] = f"{loss:.4g}"
        self._bar.set_postfix(postfix, refresh=False)

    def close(self) -> None:
        self._bar.close()


def training_bar(
    model: Any, epoch: int, total_words: Optional[int], total_examples: Optional[int]
) -> TrainingBar:
    """The bar for one training epoch of ``model``."""
    if total_words:
        return TrainingBar(epoch, model.epochs, int(total_words), "word")
    return TrainingBar(epoch, model.epochs, int(total_examples or 0) or None, "sentence")


class ScanBar:
    """A tqdm bar over the bytes of the corpus files read by the vocabulary scan."""

    def __init__(self, total: Optional[int], desc: str = "vocabulary scan") -> None:
        self._bar = _tqdm()(
            total=total,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=desc,
            leave=True,
            **_width(),
        )

    def update_to(self, done: int) -> None:
        self._bar.update(max(0, done - self._bar.n))

    def close(self) -> None:
        self._bar.close()


def run_with_scan_bar(
    work: Any, bytes_done: Any, total: Optional[int], desc: str = "vocabulary scan"
) -> Any:
    """Run ``work()`` in a helper thread, refreshing a :class:`ScanBar` from ``bytes_done()``.

    ``work`` must release the GIL while it runs (the C++ scan does). Its exception, if any,
    is raised here.
    """
    import threading

    bar = ScanBar(total, desc)
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as e:  # re-raised in the calling thread
            outcome["error"] = e

    thread = threading.Thread(target=target, name="w2v-scan", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
            bar.update_to(bytes_done())
        bar.update_to(bytes_done())
    finally:
        bar.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
