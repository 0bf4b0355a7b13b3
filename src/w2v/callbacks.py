"""Training callbacks, with gensim's ``CallbackAny2Vec`` interface, and :class:`Checkpoint`."""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional, Union

from w2v.paths import PathLike, fspath

logger = logging.getLogger("w2v.model")


class CallbackAny2Vec:
    """Base class for callbacks run at points of :meth:`w2v.Word2Vec.train`.

    Subclass it and override any of the hooks; each receives the model. Hooks run in the
    calling Python thread between epochs, never concurrently with the training threads, so
    they may read or save the model safely.
    """

    def on_epoch_begin(self, model: Any) -> None:
        """Called before each epoch."""

    def on_epoch_end(self, model: Any) -> None:
        """Called after each epoch; ``model.loss_history[-1]`` is that epoch's loss
        (``model.get_latest_training_loss()`` the loss of the ``train()`` call so far)."""

    def on_train_begin(self, model: Any) -> None:
        """Called once when :meth:`~w2v.Word2Vec.train` starts."""

    def on_train_end(self, model: Any) -> None:
        """Called once when :meth:`~w2v.Word2Vec.train` ends."""


class Checkpoint(CallbackAny2Vec):
    """Save resumable checkpoints of a training run into a directory.

    A checkpoint is an ordinary model file (:meth:`w2v.Word2Vec.save`'s format) that also
    holds where the run stands in its learning-rate schedule. Load the latest with
    ``Word2Vec.load(w2v.checkpoint.latest_checkpoint(directory))`` and call ``train`` as the
    run did (same corpus, counts and ``epochs=model.epochs``): it trains the remaining part of
    the run only, ending on the same schedule (see ``docs/checkpoints.md``).

    Each file is written atomically (a temporary file renamed into place), so a run killed
    while saving leaves the previous checkpoints intact.

    Parameters
    ----------
    directory : str or path-like
        Where to write (created if missing). Files are named
        ``checkpoint-<epochs done>-<raw words into the next epoch>.w2v``.
    every : int or str
        An int, or ``"N epochs"``: after every N-th epoch (default: every epoch).
        ``"N words"`` (``"500000 words"``, ``"5M words"``): each time N more raw words have
        been trained, inside epochs too: the training threads then pause at sentence
        boundaries while the checkpoint is written.
    keep : int
        How many of the newest checkpoints to keep (default 2: the latest and the one before).
    overwrite : bool
        Let a new run delete checkpoints of another run found in ``directory``. By default
        the run refuses to start (resume from them, or pick another directory).
    info : dict, optional
        JSON-serialisable data kept in each checkpoint (``training_state.info``).

    Attributes
    ----------
    last_path : str or None
        The checkpoint written last.
    """

    def __init__(
        self,
        directory: PathLike,
        every: Union[int, str] = 1,
        keep: int = 2,
        overwrite: bool = False,
        info: Optional[Dict[str, Any]] = None,
    ) -> None:
        from w2v.checkpoint import parse_every

        self.directory = fspath(directory, "directory")
        self.every, self.unit = parse_every(every)
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"keep must be an int >= 1, got {keep!r}")
        self.keep = keep
        self.overwrite = bool(overwrite)
        self.info = None if info is None else dict(info)
        self.last_path: Optional[str] = None
        self._next_words: Optional[int] = None

    def _state(self, model: Any) -> Any:
        state = getattr(model, "training_state", None)
        if state is None:
            raise RuntimeError("Checkpoint runs inside Word2Vec.train (pass it in callbacks=)")
        return state

    def on_train_begin(self, model: Any) -> None:
        """Prepare the directory: refuse (or, with ``overwrite``, clear) another run's files."""
        from w2v.checkpoint import checkpoint_files, read_training_state, remove_stale_temporaries

        state = self._state(model)
        os.makedirs(self.directory, exist_ok=True)
        remove_stale_temporaries(self.directory)
        here = (state.epochs_done, state.words_done)
        for path in checkpoint_files(self.directory):
            try:
                other = read_training_state(path)
            except ValueError:
                other = None
            if other is not None and other.run_id == state.run_id:
                if (other.epochs_done, other.words_done) > here:
                    # The run goes on from an earlier checkpoint: later ones are superseded.
                    logger.info("removing %s: the run resumes from an earlier point", path)
                    os.unlink(path)
                continue
            if not self.overwrite:
                raise FileExistsError(
                    f"{self.directory!r} holds checkpoints of another run ({path}); resume "
                    "that run (Word2Vec.load(w2v.checkpoint.latest_checkpoint(directory))), "
                    "choose another directory, or pass overwrite=True to delete them"
                )
            os.unlink(path)
        if self.unit == "words":
            self._next_words = (state.run_words // self.every + 1) * self.every

    def on_epoch_end(self, model: Any) -> None:
        """Save if due (and always after the last epoch)."""
        state = self._state(model)
        if self.unit == "epochs":
            due = state.epochs_done % self.every == 0
        else:
            due = self._next_words is not None and state.run_words >= self._next_words
        if due or state.complete:
            self.save(model)

    def words_due(self) -> Optional[int]:
        """Raw words of the run after which a checkpoint is due inside an epoch (or None)."""
        return self._next_words

    def on_pause(self, model: Any) -> None:
        """Called by the training driver with the epoch paused: save a checkpoint."""
        self.save(model)

    def save(self, model: Any) -> str:
        """Write a checkpoint of ``model`` at its current position; returns its path."""
        from w2v.checkpoint import checkpoint_files, checkpoint_name
        from w2v.persistence import save_model

        state = self._state(model)
        if self.info is not None:
            state.info = dict(self.info)
        path = os.path.join(self.directory, checkpoint_name(state))
        save_model(model, path, training_state=state)
        self.last_path = path
        if self.unit == "words":
            self._next_words = (state.run_words // self.every + 1) * self.every
        for old in checkpoint_files(self.directory)[: -self.keep]:
            if old != path:
                try:
                    os.unlink(old)
                except OSError:
                    pass
        logger.info("checkpoint saved to %s (%s)", path, state.describe())
        return path
