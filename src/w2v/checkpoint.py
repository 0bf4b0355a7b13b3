"""Where a training run stands, so that a checkpoint of it can be resumed.

A run is one :meth:`w2v.Word2Vec.train` call: ``epochs`` epochs over which the learning rate
falls linearly from ``start_alpha`` to ``end_alpha``. :class:`TrainingState` records how far
it got: the epochs finished and, inside the next one, the raw words and sentences trained and
exactly which part of the input they were (per byte range of the files read by C++, or per
job fed through the queue). The training driver keeps ``model.training_state`` up to date
while it trains; :class:`w2v.callbacks.Checkpoint` saves it with the model, and ``train`` on
a model loaded from such a file continues the run instead of starting a new one.

This module also names and finds checkpoint files (:func:`checkpoint_files`,
:func:`latest_checkpoint`), parses checkpoint intervals (:func:`parse_every`) and
fingerprints corpus files (:func:`corpus_fingerprint`). See ``docs/checkpoints.md``.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from w2v._archive import read_meta
from w2v.errors import ArchiveError
from w2v.paths import PathLike, fspath

#: How the corpus reached the trainer: C++ reading byte ranges of plain files ("files"), or
#: jobs fed through the queue, as pieces of text ("text") or as sentence batches ("sentences").
INPUT_KINDS = ("files", "text", "sentences")


@dataclass
class TrainingState:
    """How far a :meth:`~w2v.Word2Vec.train` run got in its learning-rate schedule.

    The schedule: ``epochs`` epochs, the learning rate falling linearly from ``start_alpha``
    to ``end_alpha`` with the raw words trained (``total_words`` per epoch), or with the
    sentences (``total_examples`` per epoch) when the word count is not given.

    Attributes
    ----------
    epochs, start_alpha, end_alpha, total_words, total_examples
        The schedule.
    epochs_done : int
        Epochs finished.
    words_done, sentences_done, effective_words_done, loss_done
        Epoch ``epochs_done`` (the next one), when it was interrupted: raw words and sentences
        trained, words trained after subsampling, and its loss so far. All 0 at an epoch
        boundary.
    input : str
        How the corpus was read (one of :data:`INPUT_KINDS`); a position inside an epoch is
        only meaningful for the same kind of input.
    part_words : list of int
        ``"files"``: raw words each byte-range part had read (the files are cut into as many
        parts again on resume).
    jobs, job_words
        ``"text"`` and ``"sentences"``: jobs (pieces of text, or batches of about
        ``batch_words`` words, numbered in feeding order) below ``jobs`` were trained whole,
        except those listed in ``job_words`` as ``(job, raw words trained)``.
    batch_words, max_sentence_length : int
        How the input was cut into jobs and sentences.
    corpus_sizes : list of int, optional
        Sizes of the corpus files, when the corpus was files.
    trained_words, raw_words : int
        Effective and raw words of the finished epochs (what ``train`` returns at the end).
    loss : float
        Summed loss of the finished epochs (``get_latest_training_loss()`` of the run).
    train_time : float
        Seconds spent training in this run so far.
    run_id : str
        Identifies the run across interruptions (checkpoints of other runs are not mixed).
    info : dict
        Free-form JSON kept with the checkpoint (``w2v train`` keeps its corpus fingerprint
        and options there).
    resumed : bool
        Not saved: this run continues a checkpoint.
    """

    epochs: int
    start_alpha: float
    end_alpha: float
    total_words: Optional[int] = None
    total_examples: Optional[int] = None
    epochs_done: int = 0
    words_done: int = 0
    sentences_done: int = 0
    effective_words_done: int = 0
    loss_done: float = 0.0
    input: str = "sentences"
    part_words: List[int] = field(default_factory=list)
    jobs: int = 0
    job_words: List[Tuple[int, int]] = field(default_factory=list)
    batch_words: int = 10000
    max_sentence_length: int = 10000
    corpus_sizes: Optional[List[int]] = None
    trained_words: int = 0
    raw_words: int = 0
    loss: float = 0.0
    train_time: float = 0.0
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    info: Dict[str, Any] = field(default_factory=dict)
    resumed: bool = False
    # Not saved: when this process started training, and the resumed epoch's totals before it.
    _clock: float = field(default_factory=time.perf_counter, repr=False)
    _base_effective: int = field(default=0, repr=False)
    _base_loss: float = field(default=0.0, repr=False)

    # ---- position ---------------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        """Whether every epoch of the run was trained."""
        return self.epochs_done >= self.epochs

    @property
    def in_epoch(self) -> bool:
        """Whether the position is inside an epoch (not at a boundary)."""
        return not self.complete and (self.words_done > 0 or self.sentences_done > 0)

    @property
    def epoch_fraction(self) -> float:
        """How much of epoch ``epochs_done`` was trained, by the schedule's measure."""
        if self.total_words:
            frac = self.words_done / self.total_words
        elif self.total_examples:
            frac = self.sentences_done / self.total_examples
        else:
            frac = 0.0
        return min(1.0, frac)

    @property
    def alpha(self) -> float:
        """The learning rate the schedule has reached."""
        progress = min(1.0, (self.epochs_done + self.epoch_fraction) / max(1, self.epochs))
        a = self.start_alpha - (self.start_alpha - self.end_alpha) * progress
        return max(self.end_alpha, a)  # as the trainer computes it

    @property
    def run_words(self) -> int:
        """Raw words trained in the run so far, as of the last recorded position."""
        return self.raw_words + self.words_done

    def describe(self) -> str:
        """``"in epoch 3 of 5, 41.2% into it"``, ``"after epoch 2 of 5"``."""
        if self.complete:
            return f"after all {self.epochs} epochs"
        if self.in_epoch:
            return (
                f"in epoch {self.epochs_done + 1} of {self.epochs}, "
                f"{100 * self.epoch_fraction:.1f}% into it"
            )
        return f"after epoch {self.epochs_done} of {self.epochs}"

    def elapsed(self) -> float:
        """Seconds of training in this run, this process's included."""
        return self.train_time + (time.perf_counter() - self._clock)

    # ---- updates by the training driver ------------------------------------------------------

    def record_progress(self, stats: Any) -> None:
        """Take the position of a paused epoch from the trainer's ``progress()``."""
        self.words_done = int(stats.raw_words)
        self.sentences_done = int(stats.sentences)
        self.effective_words_done = self._base_effective + int(stats.effective_words)
        self.loss_done = self._base_loss + float(stats.loss)
        self.part_words = [int(x) for x in stats.part_words]
        self.jobs = int(stats.jobs)
        self.job_words = sorted((int(j), int(n)) for j, n in stats.job_words)

    def end_epoch(self, raw_words: int, effective_words: int, loss: float) -> None:
        """Epoch ``epochs_done`` finished with these totals (the resumed part included)."""
        self.epochs_done += 1
        self.raw_words += int(raw_words)
        self.trained_words += int(effective_words)
        self.loss += float(loss)
        self.words_done = self.sentences_done = self.effective_words_done = 0
        self.loss_done = 0.0
        self.part_words, self.jobs, self.job_words = [], 0, []
        self._base_effective, self._base_loss = 0, 0.0

    def resume_plan(self, plan: Any) -> None:
        """Set the fields of a ``_core.EpochPlan`` that continue the interrupted epoch."""
        plan.words_before = int(self.words_done)
        plan.sentences_before = int(self.sentences_done)
        if self.input == "files":
            plan.part_words_before = [int(x) for x in self.part_words]
        else:
            plan.jobs_before = int(self.jobs)
            plan.job_words_before = [(int(j), int(n)) for j, n in self.job_words]
        self._base_effective = self.effective_words_done
        self._base_loss = self.loss_done

    # ---- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> Dict[str, Any]:
        """The state as saved in a checkpoint's ``meta.json`` (``state.resume``)."""
        return {
            "run_id": self.run_id,
            "epochs": int(self.epochs),
            "start_alpha": float(self.start_alpha),
            "end_alpha": float(self.end_alpha),
            "total_words": None if self.total_words is None else int(self.total_words),
            "total_examples": None if self.total_examples is None else int(self.total_examples),
            "epochs_done": int(self.epochs_done),
            "words_done": int(self.words_done),
            "sentences_done": int(self.sentences_done),
            "effective_words_done": int(self.effective_words_done),
            "loss_done": float(self.loss_done),
            "alpha": float(self.alpha),
            "input": self.input,
            "part_words": [int(x) for x in self.part_words],
            "jobs": int(self.jobs),
            "job_words": [[int(j), int(n)] for j, n in self.job_words],
            "batch_words": int(self.batch_words),
            "max_sentence_length": int(self.max_sentence_length),
            "corpus_sizes": None if self.corpus_sizes is None else list(self.corpus_sizes),
            "trained_words": int(self.trained_words),
            "raw_words": int(self.raw_words),
            "loss": float(self.loss),
            "train_time": float(self.elapsed()),
            "info": self.info,
        }

    @classmethod
    def from_json(cls, data: Any) -> TrainingState:
        """Read :meth:`to_json`'s output back, checking every field's type.

        Raises
        ------
        ValueError
            Naming the field that is missing or of the wrong type.
        """
        if not isinstance(data, dict):
            raise ValueError("state.resume must be a JSON object")

        def get(key: str, kind: Any, optional: bool = False) -> Any:
            if key not in data:
                raise ValueError(f"state.resume.{key} is missing")
            value = data[key]
            if value is None and optional:
                return None
            ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
            if not ok:
                raise ValueError(f"state.resume.{key} has the wrong type ({type(value).__name__})")
            return value

        def count(key: str, optional: bool = False) -> Any:
            value = get(key, int, optional)
            if value is not None and value < 0:
                raise ValueError(f"state.resume.{key} must be >= 0")
            return value

        def counts(key: str) -> List[int]:
            values = get(key, list)
            if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in values):
                raise ValueError(f"state.resume.{key} must hold integers >= 0")
            return [int(x) for x in values]

        pairs = get("job_words", list)
        if not all(
            isinstance(p, list)
            and len(p) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in p)
            for p in pairs
        ):
            raise ValueError("state.resume.job_words must hold [job, words] pairs of integers")
        sizes = data.get("corpus_sizes")
        state = cls(
            epochs=count("epochs"),
            start_alpha=float(get("start_alpha", (int, float))),
            end_alpha=float(get("end_alpha", (int, float))),
            total_words=count("total_words", optional=True),
            total_examples=count("total_examples", optional=True),
            epochs_done=count("epochs_done"),
            words_done=count("words_done"),
            sentences_done=count("sentences_done"),
            effective_words_done=count("effective_words_done"),
            loss_done=float(get("loss_done", (int, float))),
            input=get("input", str),
            part_words=counts("part_words"),
            jobs=count("jobs"),
            job_words=[(int(j), int(n)) for j, n in pairs],
            batch_words=count("batch_words"),
            max_sentence_length=count("max_sentence_length"),
            corpus_sizes=None if sizes is None else counts("corpus_sizes"),
            trained_words=count("trained_words"),
            raw_words=count("raw_words"),
            loss=float(get("loss", (int, float))),
            train_time=float(get("train_time", (int, float))),
            run_id=get("run_id", str),
            info=get("info", dict),
            resumed=False,
        )
        if state.input not in INPUT_KINDS:
            raise ValueError(
                f"state.resume.input must be one of {INPUT_KINDS}, got {state.input!r}"
            )
        if state.epochs < 1 or state.epochs_done > state.epochs:
            raise ValueError("state.resume: epochs_done must be within [0, epochs], epochs >= 1")
        return state


# ---- intervals --------------------------------------------------------------------------------

_EVERY = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)\s*(epochs?|e|words?|w)?\s*$",
    re.IGNORECASE,
)
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}


def parse_every(every: Union[int, str]) -> Tuple[int, str]:
    """A checkpoint interval: ``(count, "epochs")`` or ``(count, "words")``.

    Parameters
    ----------
    every : int or str
        An int counts epochs. A string is a number with an optional ``k``/``M``/``G``
        multiplier and a unit: ``"2"``, ``"2 epochs"``, ``"1epoch"``, ``"500000 words"``,
        ``"5M words"``, ``"5Mw"`` (a bare number counts epochs).

    Returns
    -------
    (int, str)

    Raises
    ------
    ValueError
        For anything else, or a count below 1.
    """
    if isinstance(every, bool):
        raise ValueError(f"checkpoint interval must be a count, got {every!r}")
    if isinstance(every, int):
        count, unit = every, "epochs"
    elif isinstance(every, str):
        m = _EVERY.match(every)
        if not m:
            raise ValueError(
                f"bad checkpoint interval {every!r}: expected e.g. '2 epochs', '1epoch', "
                "'500000 words' or '5M words'"
            )
        number, scale, unit_text = m.groups()
        unit = "words" if unit_text and unit_text.lower().startswith("w") else "epochs"
        value = float(number) * _SCALE[scale.lower()]
        if unit == "epochs" and (scale or value != int(value)):
            raise ValueError(f"bad checkpoint interval {every!r}: epochs are counted whole")
        count = int(value)
    else:
        raise ValueError(f"checkpoint interval must be an int or a str, got {type(every).__name__}")
    if count < 1:
        raise ValueError(f"checkpoint interval must be at least 1, got {every!r}")
    return count, unit


# ---- checkpoint files -------------------------------------------------------------------------

CHECKPOINT_PREFIX = "checkpoint-"
CHECKPOINT_SUFFIX = ".w2v"
_NAME = re.compile(r"^checkpoint-(\d+)-(\d+)\.w2v$")


def checkpoint_name(state: TrainingState) -> str:
    """``checkpoint-<epochs done>-<raw words into the next epoch>.w2v``; sorts by position."""
    return f"{CHECKPOINT_PREFIX}{state.epochs_done:04d}-{state.words_done:013d}{CHECKPOINT_SUFFIX}"


def checkpoint_files(directory: PathLike) -> List[str]:
    """The checkpoint files in ``directory``, oldest position first ([] if none)."""
    directory = fspath(directory, "directory")
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        m = _NAME.match(name)
        if m:
            found.append(((int(m.group(1)), int(m.group(2))), os.path.join(directory, name)))
    return [path for _, path in sorted(found)]


def latest_checkpoint(directory: PathLike) -> Optional[str]:
    """The checkpoint in ``directory`` furthest into its run, or None.

    Parameters
    ----------
    directory : str or path-like
        Where :class:`w2v.callbacks.Checkpoint` (or ``w2v train --checkpoint``) wrote.

    Returns
    -------
    str or None
        A path for :meth:`w2v.Word2Vec.load`.
    """
    files = checkpoint_files(directory)
    return files[-1] if files else None


def read_training_state(path: PathLike) -> Optional[TrainingState]:
    """The :class:`TrainingState` saved in a checkpoint, without loading its arrays.

    Returns None for a model file that is not a checkpoint.

    Raises
    ------
    w2v.errors.MalformedFileError
        The file is not a w2v model file, or a damaged one (a ``ValueError``).
    """
    meta = read_meta(path)
    resume = meta.get("state", {}).get("resume")
    try:
        return None if resume is None else TrainingState.from_json(resume)
    except ValueError as exc:
        raise ArchiveError(path, str(exc)) from None


def remove_stale_temporaries(directory: PathLike) -> None:
    """Delete the temporary files of checkpoint saves that were killed before their rename."""
    directory = fspath(directory, "directory")
    for name in os.listdir(directory):
        if name.startswith("." + CHECKPOINT_PREFIX) and name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


# ---- corpus fingerprints ------------------------------------------------------------------------

_SAMPLE = 1 << 20


def corpus_fingerprint(paths: Sequence[PathLike]) -> List[Dict[str, Any]]:
    """Name, size and a hash of the first and last MiB of each file.

    Enough to tell whether a resumed run is given the same corpus (a file changed or
    replaced) without reading it all.

    Parameters
    ----------
    paths : sequence of str or path-like

    Returns
    -------
    list of dict
        ``{"name": basename, "size": bytes, "sample_sha256": hex}`` per file.
    """
    out = []
    for p in paths:
        p = fspath(p)
        size = os.path.getsize(p)
        h = hashlib.sha256()
        with open(p, "rb") as f:
            h.update(f.read(_SAMPLE))
            if size > 2 * _SAMPLE:
                f.seek(size - _SAMPLE)
            h.update(f.read(_SAMPLE))
        out.append({"name": os.path.basename(p), "size": size, "sample_sha256": h.hexdigest()})
    return out
