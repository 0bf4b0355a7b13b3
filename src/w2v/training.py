"""The training driver: the only Python code that runs ``_core.Trainer``.

It builds the native trainer from a model's arrays and parameters, runs the epoch loop
(callbacks, learning-rate plan, loss history), feeds the corpus to the C++ threads and reports
progress (gensim-style log lines and the optional progress bar). ``Word2Vec.train`` checks
its arguments and hands over to :func:`train_epochs`.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from w2v import _core
from w2v.callbacks import CallbackAny2Vec
from w2v.params import WORD2VEC_PARAMS
from w2v.sources import CorpusSource

logger = logging.getLogger("w2v.model")

MAX_WORDS_IN_BATCH = 10000


def train_epochs(
    model: Any,
    source: CorpusSource,
    total_examples: Optional[int],
    total_words: Optional[int],
    report_delay: float,
    callbacks: Sequence[CallbackAny2Vec],
) -> Tuple[int, int]:
    """Train ``model.epochs`` epochs on ``source``; returns (effective words, raw words)."""
    callbacks = tuple(callbacks)
    trainer = make_trainer(model, source.max_sentence_length)
    logger.info(
        "Word2Vec training on %i words of vocabulary, %i features, %s, %s kernels, %i workers",
        len(model.wv),
        model.vector_size,
        trainer.variant,
        trainer.isa,
        model.workers,
    )
    start = time.perf_counter()
    for cb in callbacks:
        cb.on_train_begin(model)
    trained = raw = 0
    for epoch in range(model.epochs):
        for cb in callbacks:
            cb.on_epoch_begin(model)
        stats = train_epoch(
            model, trainer, source, epoch, total_examples, total_words, report_delay
        )
        trained += stats.effective_words
        raw += stats.raw_words
        if model.compute_loss:
            # As gensim: the loss summed since this train() call began; per epoch in loss_history.
            model.running_training_loss += float(stats.loss)
            model.loss_history.append(float(stats.loss))
        for cb in callbacks:
            cb.on_epoch_end(model)
    elapsed = time.perf_counter() - start
    model.train_count += 1
    model.total_train_time += elapsed
    model.min_alpha_yet_reached = float(model.min_alpha)
    model.wv.norms = None
    model.add_lifecycle_event(
        "train",
        msg=(
            f"training on {raw} raw words ({trained} effective words) took {elapsed:.1f}s, "
            f"{trained / max(elapsed, 1e-9):.0f} effective words/s"
        ),
    )
    for cb in callbacks:
        cb.on_train_end(model)
    return trained, raw


def make_trainer(model: Any, max_sentence_length: int = MAX_WORDS_IN_BATCH) -> _core.Trainer:
    """A native trainer over the model's arrays (made trainable in place if needed)."""
    n = len(model.wv.index_to_key)
    if model.wv.vectors.shape != (n, model.vector_size):
        raise RuntimeError("wv.vectors does not match the vocabulary; rebuild the vocabulary")
    # The C++ threads write into these arrays in place: they must be writable,
    # contiguous float32 (a read-only memory map is copied into memory first).
    model.wv.vectors = trainable(model.wv.vectors)
    if model.negative:
        model.syn1neg = trainable(model.syn1neg)
    if model.hs:
        model.syn1 = trainable(model.syn1)
        tree = model._native.huffman_tree(model.wv.expandos["count"])
    else:
        tree = None
    sample = np.require(model.wv.expandos["sample_int"], dtype=np.uint32, requirements=["C", "A"])
    model.wv.expandos["sample_int"] = sample
    index = model._native.word_index(model.wv.index_to_key)
    return _core.Trainer(
        kernel_params(model),
        model.wv.vectors,
        model.syn1neg if model.negative else None,
        model.syn1 if model.hs else None,
        sample,
        model._native.noise_sampler(model.noise_weights) if model.negative else None,
        tree,
        index,
        int(max_sentence_length),
        model.workers,
    )


def kernel_params(model: Any) -> _core.KernelParams:
    """The model's kernel parameters (the parameter table's ``kernel`` rows) for C++."""
    kp = _core.KernelParams()
    for p in WORD2VEC_PARAMS:
        if p.kernel:
            field = type(getattr(kp, p.name))  # bool or int: converted as the field needs
            setattr(kp, p.name, field(getattr(model, p.name)))
    return kp


def train_epoch(
    model: Any,
    trainer: _core.Trainer,
    source: CorpusSource,
    epoch: int,
    total_examples: Optional[int],
    total_words: Optional[int],
    report_delay: float,
) -> _core.EpochStats:
    plan = _core.EpochPlan()
    plan.start_alpha = float(model.alpha)
    plan.end_alpha = float(model.min_alpha)
    plan.epoch = epoch
    plan.epochs = model.epochs
    plan.expected_words = int(total_words or 0)
    plan.expected_sentences = 0 if total_words else int(total_examples or 0)
    plan.seed = int(model.seed) & (2**64 - 1)
    plan.batch_words = int(model.batch_words)
    start = time.perf_counter()
    reporter = EpochReporter(
        model, trainer, epoch, total_words, total_examples, start, report_delay
    )
    trainer.begin_epoch(plan)
    # Poll often enough to honour a short report_delay (gensim's default is 1 s).
    poll = min(0.1, max(float(report_delay), 0.01))
    stats = source.feed(trainer, reporter.maybe_log, batch_words=int(model.batch_words), poll=poll)
    reporter.close(stats)
    return stats


def trainable(arr: np.ndarray) -> np.ndarray:
    f = arr.flags
    if arr.dtype == np.float32 and f.c_contiguous and f.aligned and f.writeable:
        return arr
    return np.array(arr, dtype=np.float32, order="C")  # a plain in-memory copy


class EpochReporter:
    """Logs per-epoch progress in gensim's style, and drives the optional progress bar."""

    def __init__(
        self,
        model: Any,
        trainer: Any,
        epoch: int,
        total_words: Optional[int],
        total_examples: Optional[int],
        start: float,
        report_delay: float,
    ) -> None:
        self.model = model
        self.trainer = trainer
        self.epoch = epoch
        self.total_words = total_words
        self.total_examples = total_examples
        self.start = start
        self.delay = report_delay
        self.next_report = start + report_delay
        self.bar = None
        if getattr(model, "progress", False):
            from w2v.progress import training_bar

            self.bar = training_bar(model, epoch, total_words, total_examples)

    def fraction(self) -> float:
        if self.total_words:
            return self.trainer.words_done / self.total_words
        if self.total_examples:
            return self.trainer.sentences_done / self.total_examples
        return 0.0

    def maybe_log(self) -> None:
        now = time.perf_counter()
        if self.bar is not None:
            loss = self.trainer.loss_so_far if self.model.compute_loss else None
            self.bar.update_to(
                self.trainer.words_done, self.trainer.sentences_done, self.trainer.alpha, loss
            )
        if now < self.next_report:
            return
        self.next_report = now + self.delay
        words = self.trainer.words_done
        logger.info(
            "EPOCH %i - PROGRESS: at %.2f%% examples, %.0f words/s, alpha %.6f",
            self.epoch + 1,
            100.0 * self.fraction(),
            words / max(now - self.start, 1e-9),
            self.trainer.alpha,
        )

    def close(self, stats: _core.EpochStats) -> None:
        elapsed = time.perf_counter() - self.start
        if self.bar is not None:
            loss = stats.loss if self.model.compute_loss else None
            self.bar.update_to(stats.raw_words, stats.sentences, self.trainer.alpha, loss)
            self.bar.close()
        logger.info(
            "EPOCH %i: training on %i raw words (%i effective words) took %.1fs, "
            "%.0f effective words/s%s",
            self.epoch + 1,
            stats.raw_words,
            stats.effective_words,
            elapsed,
            stats.effective_words / max(elapsed, 1e-9),
            f", loss {stats.loss:.1f}" if self.model.compute_loss else "",
        )
        if self.total_words and stats.raw_words != self.total_words and self.total_examples is None:
            logger.warning(
                "EPOCH %i: supplied raw word count (%i) did not equal expected count (%i)",
                self.epoch + 1,
                stats.raw_words,
                self.total_words,
            )
