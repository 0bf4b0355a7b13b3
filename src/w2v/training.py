"""The training driver: the only Python code that runs ``_core.Trainer``.

It builds the native trainer from a model's arrays and parameters, runs the epoch loop
(callbacks, learning-rate plan, loss history), feeds the corpus to the C++ threads and reports
progress (gensim-style log lines and the optional progress bar). ``Word2Vec.train`` checks
its arguments and hands over to :func:`train_epochs`.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from w2v import _core
from w2v.callbacks import CallbackAny2Vec
from w2v.checkpoint import TrainingState
from w2v.constraints import COUNT, REAL_COUNT, NoneValue, check_value, int_at_least, is_integer
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
    """Train ``model.epochs`` epochs on ``source``; returns (effective words, raw words).

    On a model loaded from a checkpoint of an unfinished run (``model.training_state``, see
    :mod:`w2v.checkpoint`), continues that run: the remaining epochs, from where it stood,
    on the same learning-rate schedule; the counts returned are then the whole run's.
    """
    callbacks = tuple(callbacks)
    state = start_state(model, source, total_examples, total_words)
    if state.resumed:  # the schedule is the checkpoint's
        total_words, total_examples = state.total_words, state.total_examples
    trainer = make_trainer(model, source.max_sentence_length)
    logger.info(
        "Word2Vec training on %i words of vocabulary, %i features, %s, %s kernels, %i workers",
        len(model.wv),
        model.vector_size,
        trainer.variant,
        trainer.isa,
        model.workers,
    )
    if state.resumed:
        logger.info("resuming a checkpointed run (%s), alpha %.6f", state.describe(), state.alpha)
    pauses = PausePoints.among(callbacks)
    model.training_state = state
    try:
        for cb in callbacks:
            cb.on_train_begin(model)
        for epoch in range(state.epochs_done, state.epochs):
            for cb in callbacks:
                cb.on_epoch_begin(model)
            stats, effective, loss = train_epoch(
                model,
                trainer,
                source,
                epoch,
                total_examples,
                total_words,
                report_delay,
                state=state,
                pauses=pauses,
            )
            state.end_epoch(stats.raw_words, effective, loss)
            if model.compute_loss:
                # As gensim: the loss summed since the run began; per epoch in loss_history.
                model.running_training_loss = state.loss
                model.loss_history.append(loss)
            for cb in callbacks:
                cb.on_epoch_end(model)
        elapsed = state.elapsed()
        model.train_count += 1
        model.total_train_time += elapsed
        model.min_alpha_yet_reached = float(model.min_alpha)
        model.wv.norms = None
        trained, raw = state.trained_words, state.raw_words
        model.add_lifecycle_event(
            "train",
            msg=(
                f"training on {raw} raw words ({trained} effective words) took {elapsed:.1f}s, "
                f"{trained / max(elapsed, 1e-9):.0f} effective words/s"
            ),
        )
        for cb in callbacks:
            cb.on_train_end(model)
    finally:
        # Only a checkpoint file carries a run on; the live model after train() is an ordinary
        # one (as in gensim), whether the run finished or failed.
        model.training_state = None
    return trained, raw


def start_state(
    model: Any,
    source: CorpusSource,
    total_examples: Optional[int],
    total_words: Optional[int],
) -> TrainingState:
    """The run ``train`` starts: a new one, or the unfinished run of a loaded checkpoint.

    Raises
    ------
    ValueError
        When ``train`` was called with a schedule other than the checkpoint's, or (for a
        checkpoint taken inside an epoch) with the corpus given in another way or changed.
    """
    kind = input_kind(source)
    sizes = corpus_sizes(source)
    saved: Optional[TrainingState] = getattr(model, "training_state", None)
    if saved is None or saved.complete:
        return TrainingState(
            epochs=int(model.epochs),
            start_alpha=float(model.alpha),
            end_alpha=float(model.min_alpha),
            total_words=None if total_words is None else int(total_words),
            total_examples=None if total_examples is None else int(total_examples),
            input=kind,
            batch_words=int(model.batch_words),
            max_sentence_length=int(source.max_sentence_length),
            corpus_sizes=sizes,
        )
    where = f"this model is a checkpoint of an unfinished run ({saved.describe()})"

    def refuse(what: str) -> None:
        raise ValueError(
            f"{where}; {what}. Call train() as the run did (epochs=model.epochs, the same "
            "corpus and counts), or set model.training_state = None to start a new run"
        )

    if int(model.epochs) != saved.epochs:
        refuse(f"it has {saved.epochs} epochs, not {model.epochs}")
    if (float(model.alpha), float(model.min_alpha)) != (saved.start_alpha, saved.end_alpha):
        refuse(
            f"its learning rate falls from {saved.start_alpha:g} to {saved.end_alpha:g}, "
            f"not from {model.alpha:g} to {model.min_alpha:g}"
        )
    for name, given, kept in (
        ("total_words", total_words, saved.total_words),
        ("total_examples", total_examples, saved.total_examples),
    ):
        if given is not None and kept is not None and int(given) != kept:
            refuse(f"it counts {name}={kept}, not {given}")
    if sizes is not None and saved.corpus_sizes is not None and sizes != saved.corpus_sizes:
        if saved.in_epoch:
            refuse(
                f"the corpus files differ from the run's (sizes {saved.corpus_sizes}, now "
                f"{sizes}), so its position inside the epoch means nothing"
            )
        logger.warning(
            "the corpus files differ from the checkpointed run's (sizes %s, now %s)",
            saved.corpus_sizes,
            sizes,
        )
    if saved.in_epoch:
        if kind != saved.input:
            refuse(
                f"it stopped inside an epoch reading its corpus as {_KIND_TEXT[saved.input]}, "
                f"and this corpus is read as {_KIND_TEXT[kind]}"
            )
        if int(source.max_sentence_length) != saved.max_sentence_length:
            refuse(f"it cut sentences at {saved.max_sentence_length} words")
        if kind == "sentences" and int(model.batch_words) != saved.batch_words:
            refuse(f"it fed sentences in batches of batch_words={saved.batch_words}")
    saved.resumed = True
    saved._clock = time.perf_counter()
    return saved


_KIND_TEXT = {
    "files": "plain files read by byte ranges",
    "text": "pieces of text (compressed files, file objects or a line limit)",
    "sentences": "Python sentences",
}


def input_kind(source: CorpusSource) -> str:
    """How ``source`` reaches the trainer (one of ``w2v.checkpoint.INPUT_KINDS``)."""
    if source.plain_paths:
        return "files"
    return "text" if source.is_files else "sentences"


def corpus_sizes(source: CorpusSource) -> Optional[List[int]]:
    """The sizes of the corpus files, when the corpus is files given by path."""
    if not source.files or not all(isinstance(f, str) for f in source.files):
        return None
    try:
        return [os.path.getsize(f) for f in source.files]  # type: ignore[arg-type]
    except OSError:
        return None


class PausePoints:
    """Mid-epoch hooks: callbacks with ``words_due()`` and ``on_pause(model)``.

    ``words_due()`` gives the raw words of the run (all epochs) after which the callback wants
    ``on_pause(model)`` called, or None. The driver checks while it feeds and polls the
    trainer; when one is due it pauses the training threads at sentence boundaries, records
    the position in ``model.training_state``, calls the due callbacks (the weights hold
    still), and lets the threads go on. Without such callbacks nothing is checked.
    """

    def __init__(self, hooks: Sequence[Any]) -> None:
        self.hooks = tuple(hooks)

    @classmethod
    def among(cls, callbacks: Sequence[Any]) -> Optional[PausePoints]:
        hooks = [cb for cb in callbacks if callable(getattr(cb, "words_due", None))]
        return cls(hooks) if hooks else None

    def ticker(
        self, report: Callable[[], None], model: Any, trainer: _core.Trainer, state: TrainingState
    ) -> Callable[[], None]:
        """``report()``, then :meth:`check`: what the driver calls while an epoch trains."""

        def tick() -> None:
            report()
            self.check(model, trainer, state)

        return tick

    def check(self, model: Any, trainer: _core.Trainer, state: TrainingState) -> None:
        """Pause the epoch and call the callbacks that are due, if any."""
        run_words = state.raw_words + trainer.words_done
        due = []
        for hook in self.hooks:
            at = hook.words_due()
            if at is not None and run_words >= at:
                due.append(hook)
        if not due or not trainer.pause():
            return
        try:
            state.record_progress(trainer.progress())
            for hook in due:
                hook.on_pause(model)
        finally:
            trainer.unpause()


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
    state: Optional[TrainingState] = None,
    pauses: Optional[PausePoints] = None,
) -> Tuple[_core.EpochStats, int, float]:
    """Train one epoch; returns its stats, effective words and loss.

    With a ``state`` standing inside this epoch (a resumed run), the epoch continues from
    there: the words trained before count, and the input they were is skipped. The effective
    words and loss returned then include those of the part trained before.
    """
    plan = _core.EpochPlan()
    plan.start_alpha = float(model.alpha)
    plan.end_alpha = float(model.min_alpha)
    plan.epoch = epoch
    plan.epochs = model.epochs
    plan.expected_words = int(total_words or 0)
    plan.expected_sentences = 0 if total_words else int(total_examples or 0)
    plan.seed = int(model.seed) & (2**64 - 1)
    plan.batch_words = int(model.batch_words)
    effective_before, loss_before = 0, 0.0
    if state is not None and state.in_epoch and state.epochs_done == epoch:
        state.resume_plan(plan)
        effective_before, loss_before = state.effective_words_done, state.loss_done
        logger.info(
            "EPOCH %i: continuing after the %i raw words trained before the interruption",
            epoch + 1,
            state.words_done,
        )
    start = time.perf_counter()
    reporter = EpochReporter(
        model, trainer, epoch, total_words, total_examples, start, report_delay, loss_before
    )
    trainer.begin_epoch(plan)
    tick: Callable[[], None] = reporter.maybe_log
    if pauses is not None and state is not None:
        tick = pauses.ticker(reporter.maybe_log, model, trainer, state)

    # Poll often enough to honour a short report_delay (gensim's default is 1 s). Mid-epoch
    # hooks are checked at each poll, and a small epoch on an idle machine passes 100k words
    # in a few ms: poll every ms when a callback waits for a word count.
    if pauses is None:
        poll = min(0.1, max(float(report_delay), 0.01))
    else:
        poll = 0.001
    stats = source.feed(trainer, tick, batch_words=int(model.batch_words), poll=poll)
    effective = effective_before + int(stats.effective_words)
    loss = loss_before + float(stats.loss)
    reporter.close(stats, effective, loss)
    return stats, effective, loss


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
        loss_before: float = 0.0,
    ) -> None:
        self.model = model
        self.loss_before = loss_before  # a resumed epoch's loss before the interruption
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

    def wants_progress(self) -> bool:
        """Whether :meth:`maybe_log` would show anything now (a bar, or a log line due):
        progress that is costly to learn need not be asked for otherwise."""
        if self.bar is not None:
            return True
        return logger.isEnabledFor(logging.INFO) and time.perf_counter() >= self.next_report

    def maybe_log(self) -> None:
        now = time.perf_counter()
        if self.bar is not None:
            loss = self.loss_before + self.trainer.loss_so_far if self.model.compute_loss else None
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

    def close(self, stats: _core.EpochStats, effective: int, loss: float) -> None:
        """The epoch's last report; ``effective`` and ``loss`` are the whole epoch's."""
        elapsed = time.perf_counter() - self.start
        if self.bar is not None:
            shown = loss if self.model.compute_loss else None
            self.bar.update_to(stats.raw_words, stats.sentences, self.trainer.alpha, shown)
            self.bar.close()
        logger.info(
            "EPOCH %i: training on %i raw words (%i effective words) took %.1fs, "
            "%.0f effective words/s%s",
            self.epoch + 1,
            stats.raw_words,
            effective,
            elapsed,
            effective / max(elapsed, 1e-9),
            f", loss {loss:.1f}" if self.model.compute_loss else "",
        )
        if self.total_words and stats.raw_words != self.total_words and self.total_examples is None:
            logger.warning(
                "EPOCH %i: supplied raw word count (%i) did not equal expected count (%i)",
                self.epoch + 1,
                stats.raw_words,
                self.total_words,
            )


def check_training_call(
    model: Any,
    epochs: Optional[int],
    total_examples: Optional[int],
    total_words: Optional[int],
    start_alpha: float,
) -> None:
    """``Word2Vec.train``'s checks of the model and its arguments, as gensim makes them."""
    if model.hs and model.negative:
        logger.warning(
            "Both hierarchical softmax and negative sampling are activated. This is "
            "probably a mistake. You should set either 'hs=0' or 'negative=0' to disable "
            "one of them."
        )
    # The rate this call starts at (gensim sets alpha before checking, as here).
    if start_alpha > model.min_alpha_yet_reached:
        logger.warning("Effective 'alpha' higher than previous training cycles")
    if not model.wv.key_to_index:
        raise RuntimeError("you must first build vocabulary before training the model")
    if not len(model.wv.vectors):
        raise RuntimeError("you must initialize vectors before training the model")
    if total_words is None and total_examples is None:
        raise ValueError(
            "You must specify either total_examples or total_words, for proper learning-rate "
            "and progress calculations. If you've just built the vocabulary using the same "
            "corpus, using the count cached in the model is sufficient: "
            "total_examples=model.corpus_count."
        )
    if epochs is None or not is_integer(epochs) or epochs <= 0:
        raise ValueError(
            "You must specify an explicit epochs count. The usual value is epochs=model.epochs."
        )
    check_value("epochs", epochs, int_at_least(1))
    # Counts for the learning-rate plan; gensim takes floats too.
    check_value("total_examples", total_examples, NoneValue(), COUNT, REAL_COUNT)
    check_value("total_words", total_words, NoneValue(), COUNT, REAL_COUNT)
