"""Training callbacks, with gensim's ``CallbackAny2Vec`` interface."""

from __future__ import annotations

from typing import Any


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
