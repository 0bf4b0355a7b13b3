"""The Word2Vec model: gensim 4's ``Word2Vec`` API over w2v's C++ training core."""

from __future__ import annotations

import functools
import logging
import os
import time
import types
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from w2v import gensim_interop
from w2v.callbacks import CallbackAny2Vec
from w2v.constraints import (
    COUNT,
    POSITIVE,
    NoneValue,
    check_value,
    int_at_least,
)
from w2v.keyed_storage import VecAttrs
from w2v.keyedvectors import KeyedVectors
from w2v.native_cache import NativeCache
from w2v.noise import NoiseWeights, resolve_noise_weights
from w2v.params import WORD2VEC_PARAMS, declared_init, describe, numpy_doc, validate
from w2v.paths import PathLike
from w2v.persistence import load_model, save_model
from w2v.phrases import as_frozen
from w2v.sources import check_corpus, resolve_corpus
from w2v.training import check_training_call, train_epochs
from w2v.vocabulary import (
    RawVocab,
    TrimRule,
    effective_min_count,
    fill_new_vocab,
    merge_vocab_update,
    raw_vocab_from_freq,
    retain_words,
    scan_corpus,
)
from w2v.weights import grown, output_matrix, random_vectors

logger = logging.getLogger(__name__)

#: The most noise words :meth:`Word2Vec.sample_negatives` draws in one call.
MAX_SAMPLES = 2**24


class _ClassOnly:
    """A class method that refuses to run on an instance, as gensim's ``Word2Vec.load`` does.

    ``Word2Vec.load(path)`` returns the loaded model; ``model.load(path)`` would return it
    too, leaving ``model`` unchanged, which hides a mistake. As in gensim, calling it on an
    instance raises ``AttributeError``.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        functools.update_wrapper(self, func)  # type: ignore[arg-type]

    def __get__(self, obj: Any, cls: Optional[type] = None) -> Callable[..., Any]:
        if obj is None:
            return types.MethodType(self.func, cls)
        name = self.func.__name__
        owner = type(obj).__name__

        def refused(*args: Any, **kwargs: Any) -> Any:
            raise AttributeError(
                f"{name}() is called on the class, not on an instance: "
                f"model = {owner}.{name}(fname) returns the loaded model"
            )

        return refused


class Word2Vec:
    __doc__ = (
        "Train, use and save word2vec embeddings (skip-gram or CBOW).\n\n"
        "Same parameters, defaults and behaviour as gensim 4.4's ``Word2Vec``: replace\n"
        "``from gensim.models import Word2Vec`` by ``from w2v import Word2Vec``.\n\n"
        + numpy_doc(WORD2VEC_PARAMS)
    )

    @declared_init(WORD2VEC_PARAMS)
    def __init__(self, **params: Any) -> None:
        """Set the parameters (declared in ``w2v.params``), then train if given a corpus."""
        validate(params)
        self._check_param_combinations(params)
        sentences = params.pop("sentences")
        corpus_file = params.pop("corpus_file")
        trim_rule = params.pop("trim_rule")
        noise_weights = params.pop("noise_weights")
        for name, value in params.items():
            setattr(self, name, value)
        if self.phrases is not None:
            self.phrases = as_frozen(self.phrases)  # frozen once, not at every pass
        self.callbacks = tuple(self.callbacks)
        self.layer1_size = self.vector_size
        self._native = NativeCache()

        self.wv = KeyedVectors(self.vector_size)
        self.syn1neg = np.zeros((0, self.vector_size), dtype=np.float32)
        self.syn1 = np.zeros((0, self.vector_size), dtype=np.float32)
        self.raw_vocab: Dict[str, int] = {}
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.effective_min_count = self.min_count
        self.min_alpha_yet_reached = float(self.alpha)
        self.running_training_loss = 0.0
        self.loss_history: List[float] = []
        self.train_count = 0
        self.total_train_time = 0.0
        self.lifecycle_events: List[Dict[str, Any]] = []
        self._noise_spec: NoiseWeights = noise_weights
        self.noise_weights: Optional[np.ndarray] = None
        # A checkpoint's unfinished run (w2v.checkpoint.TrainingState): train() continues it.
        self.training_state: Optional[Any] = None

        self.add_lifecycle_event("created", params=self._describe())
        if sentences is not None or corpus_file is not None:
            self._check_corpus_sanity(sentences, corpus_file, passes=self.epochs + 1)
            self.build_vocab(sentences, corpus_file=corpus_file, trim_rule=trim_rule)
            self.train(
                sentences,
                corpus_file=corpus_file,
                total_examples=self.corpus_count,
                total_words=self.corpus_total_words,
                epochs=self.epochs,
                start_alpha=self.alpha,
                end_alpha=self.min_alpha,
                compute_loss=self.compute_loss,
                callbacks=self.callbacks,
            )
        elif trim_rule is not None:
            logger.warning(
                "trim_rule is only used while building the vocabulary; pass it to build_vocab()"
            )

    # ---- the word vectors ------------------------------------------------------------------

    @property
    def wv(self) -> KeyedVectors:
        """The word vectors (and, with ``hs=1``, each word's ``code`` and ``point``)."""
        return self._wv

    @wv.setter
    def wv(self, kv: KeyedVectors) -> None:
        self._wv = kv
        # With hierarchical softmax the words' Huffman codes and paths come from the tree the
        # model trains with, made from their counts when first asked for (never saved).
        if self.hs and isinstance(getattr(kv, "expandos", None), VecAttrs):
            kv.expandos.tree_source = self._native.huffman_tree

    # ---- parameters ---------------------------------------------------------------------

    @staticmethod
    def _check_param_combinations(params: Dict[str, Any]) -> None:
        """The rules that span parameters (each one alone is checked by the table)."""
        if not params["negative"] and not params["hs"]:
            raise ValueError(
                "negative == 0 and hs == 0 leave nothing to train: set negative > 0 "
                "(negative sampling) or hs=1 (hierarchical softmax)"
            )
        if params["min_alpha"] > params["alpha"]:
            logger.warning(
                "min_alpha (%g) > alpha (%g): the learning rate will rise",
                params["min_alpha"],
                params["alpha"],
            )

    def _describe(self) -> Dict[str, Any]:
        return describe(self)

    def add_lifecycle_event(
        self, event_name: str, log_level: int = logging.INFO, **event: Any
    ) -> None:
        """Record an event (creation, vocabulary, training) on the model, as gensim does."""
        event = {"event": event_name, "datetime": time.strftime("%Y-%m-%dT%H:%M:%S"), **event}
        if log_level:
            logger.log(log_level, "Word2Vec lifecycle event %s", event)
        self.lifecycle_events.append(event)

    def __str__(self) -> str:
        return (
            f"Word2Vec<vocab={len(self.wv.index_to_key)}, vector_size={self.vector_size}, "
            f"alpha={self.alpha}>"
        )

    __repr__ = __str__

    # ---- corpus checks ------------------------------------------------------------------------

    def _check_corpus_sanity(
        self, corpus_iterable: Any = None, corpus_file: Any = None, passes: int = 1
    ) -> None:
        check_corpus(corpus_iterable, corpus_file, passes)

    # ---- vocabulary -----------------------------------------------------------------------------

    def scan_vocab(
        self,
        corpus_iterable: Any = None,
        corpus_file: Any = None,
        progress_per: int = 10000,
        trim_rule: Optional[TrimRule] = None,
    ) -> Tuple[int, int]:
        """Count the words of a corpus into ``raw_vocab``; returns (total words, corpus count)."""
        source = resolve_corpus(corpus_iterable, corpus_file, self.phrases)
        raw = scan_corpus(
            source, self.max_vocab_size, self.workers, progress_per, bool(self.progress), trim_rule
        )
        self._raw = raw
        self.corpus_count = raw.corpus_count
        self.corpus_total_words = raw.total_words
        return raw.total_words, raw.corpus_count

    def build_vocab(
        self,
        corpus_iterable: Optional[Iterable[Sequence[str]]] = None,
        corpus_file: Optional[str] = None,
        update: bool = False,
        progress_per: int = 10000,
        keep_raw_vocab: bool = False,
        trim_rule: Optional[TrimRule] = None,
        phrases: Any = None,
        **kwargs: Any,
    ) -> None:
        """Build the vocabulary from a corpus (one pass, counted in C++).

        Parameters
        ----------
        corpus_iterable : iterable of list of str, optional
        corpus_file : str, optional
            Path of a LineSentence-format file. Give exactly one of the two.
        update : bool
            Add the corpus's new words to the existing vocabulary (online learning); existing
            words keep their vectors and have their counts increased.
        progress_per : int
            Log progress every this many sentences (Python iterables).
        keep_raw_vocab : bool
            Keep ``raw_vocab`` (all counted words) after building.
        trim_rule : callable, optional
            See the class docstring.
        phrases : FrozenPhrases or Phrases, optional
            Join these phrases while reading, here and in later training (sets ``phrases``).
        """
        if phrases is not None:
            self.phrases = as_frozen(phrases)
        self._check_corpus_sanity(corpus_iterable, corpus_file, passes=1)
        if update and not len(self.wv):
            raise RuntimeError(
                "You cannot do an online vocabulary-update of a model which has no prior "
                "vocabulary. First build the vocabulary of your model with a corpus before "
                "doing an online update."
            )
        self.scan_vocab(corpus_iterable, corpus_file, progress_per, trim_rule)
        self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule)
        self.prepare_weights(update=update)
        self.add_lifecycle_event("build_vocab", update=update, trim_rule=str(trim_rule))

    def build_vocab_from_freq(
        self,
        word_freq: Mapping[str, int],
        keep_raw_vocab: bool = False,
        corpus_count: Optional[int] = None,
        trim_rule: Optional[TrimRule] = None,
        update: bool = False,
    ) -> None:
        """Build the vocabulary from a ``{word: count}`` mapping instead of a corpus."""
        raw = raw_vocab_from_freq(word_freq)
        check_value("corpus_count", corpus_count, NoneValue(), COUNT)
        self._build_vocab_from_raw(
            raw, int(corpus_count) if corpus_count else 0, keep_raw_vocab, trim_rule, update
        )

    def _build_vocab_from_raw(
        self, raw: RawVocab, corpus_count: int, keep_raw_vocab: bool, trim_rule: Any, update: bool
    ) -> None:
        """Build the vocabulary from words counted elsewhere (from_freq, a distributed scan)."""
        if update and not len(self.wv):
            raise RuntimeError("an online vocabulary update needs an existing vocabulary")
        self._raw = raw
        self.corpus_count = corpus_count
        self.corpus_total_words = raw.total_words
        logger.info("collected %i word types from a frequency table", len(raw))
        self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule)
        self.prepare_weights(update=update)

    def prepare_vocab(
        self,
        update: bool = False,
        keep_raw_vocab: bool = False,
        trim_rule: Optional[TrimRule] = None,
        min_count: Optional[int] = None,
        sample: Optional[float] = None,
        dry_run: bool = False,
    ) -> Dict[str, Any]:
        """Apply ``min_count``, ``trim_rule``, ``max_final_vocab``, sorting and subsampling."""
        raw: RawVocab = self._raw
        min_count = self.min_count if min_count is None else min_count
        sample = self.sample if sample is None else sample
        self.effective_min_count = effective_min_count(raw.counts, min_count, self.max_final_vocab)
        kept = retain_words(
            raw, self.effective_min_count, trim_rule, sort=not update and bool(self.sorted_vocab)
        )
        words, counts, retain_total = kept.words, kept.counts, kept.retain_total
        report: Dict[str, Any] = {"drop_unique": kept.drop_unique, "retain_total": retain_total}
        if not update:
            kept.require_some(raw, self.effective_min_count)
            if dry_run:
                return report
            self.wv = KeyedVectors(self.vector_size)
            down_unique, down_total = fill_new_vocab(self.wv, kept, sample, bool(self.null_word))
            words = self.wv.index_to_key  # with the null word, if any
            kept.log(raw, self.effective_min_count)
        else:
            if dry_run:
                return report
            new_words, grown, down_unique, down_total = merge_vocab_update(
                self.wv, raw, words, counts, sample, retain_total
            )
            logger.info(
                "added %i new unique words and increased the count of %i pre-existing words",
                new_words,
                grown,
            )
        logger.info("sample=%g downsamples %i most-common words", sample, down_unique)
        logger.info(
            "downsampling leaves estimated %i word corpus (%.1f%% of prior %i)",
            int(down_total),
            100.0 * down_total / max(retain_total, 1),
            retain_total,
        )
        report.update(
            downsample_unique=down_unique,
            downsample_total=int(down_total),
            num_retained_words=len(words),
        )
        self.raw_vocab = raw.as_dict() if keep_raw_vocab else {}
        self._raw = None
        self._native.clear()
        return report

    def prepare_weights(self, update: bool = False) -> None:
        """Allocate (or, after an update, extend) the weight matrices."""
        self._resolve_noise_weights(update)
        if not update:
            self.init_weights()
        else:
            self.update_weights()

    def init_weights(self) -> None:
        """Reset all weights to their untrained state, keeping the vocabulary."""
        logger.info("resetting layer weights")
        n = len(self.wv.index_to_key)
        self.wv.vectors = random_vectors(n, 0, self.vector_size, self.seed, self.workers)
        self.wv.norms = None
        self.syn1 = output_matrix(n, self.layer1_size, bool(self.hs))
        self.syn1neg = output_matrix(n, self.layer1_size, bool(self.negative))

    def update_weights(self) -> None:
        """Keep existing vectors and add fresh ones for words new to the vocabulary."""
        logger.info("updating layer weights")
        self.wv.vectors, (self.syn1, self.syn1neg) = grown(
            self.wv.vectors,
            (self.syn1, self.syn1neg),
            len(self.wv.index_to_key),
            self.seed,
            self.workers,
        )
        self.wv.norms = None

    # ---- noise distribution ---------------------------------------------------------------------

    def _resolve_noise_weights(self, update: bool) -> None:
        counts = self.wv.expandos["count"]
        previous = self.noise_weights if update else None
        self.noise_weights = resolve_noise_weights(
            self._noise_spec, self.wv.index_to_key, counts, self.ns_exponent, previous
        )

    def noise_distribution(self) -> np.ndarray:
        """The probability of each word (aligned with ``wv.index_to_key``) as a noise word.

        Exactly the distribution the training sampler draws from: by default
        ``count ** ns_exponent`` normalised, or the user's ``noise_weights``.

        Returns
        -------
        numpy.ndarray of float64, summing to 1.
        """
        self._require_vocab()
        return self._native.noise_sampler(self.noise_weights).probabilities()

    def sample_negatives(
        self, k: int = 5, word: Optional[str] = None, seed: Optional[int] = None
    ) -> List[str]:
        """Draw ``k`` noise words with the sampler training uses.

        Parameters
        ----------
        k : int
            Number of draws (with replacement).
        word : str, optional
            The positive word: draws equal to it are redrawn, as in training.
        seed : int, optional
            Seed for repeatable draws; fresh randomness if None.

        Returns
        -------
        list of str
        """
        self._require_vocab()
        check_value("k", k, int_at_least(0, MAX_SAMPLES))
        avoid = -1
        if word is not None:
            avoid = self.wv.get_index(word)
            probs = self.noise_distribution()
            if probs.sum() - probs[avoid] <= 0:
                raise ValueError(f"every noise word is {word!r}: nothing else can be drawn")
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little")
        ids = self._native.noise_sampler(self.noise_weights).sample(
            int(k), int(avoid), int(seed) & (2**64 - 1)
        )
        keys = self.wv.index_to_key
        return [keys[i] for i in ids]

    def _require_vocab(self) -> None:
        if not len(self.wv.index_to_key):
            raise RuntimeError("the model has no vocabulary yet: call build_vocab() first")

    # ---- training -----------------------------------------------------------------------------

    def train(
        self,
        corpus_iterable: Optional[Iterable[Sequence[str]]] = None,
        corpus_file: Optional[str] = None,
        total_examples: Optional[int] = None,
        total_words: Optional[int] = None,
        epochs: Optional[int] = None,
        start_alpha: Optional[float] = None,
        end_alpha: Optional[float] = None,
        word_count: int = 0,
        queue_factor: int = 2,
        report_delay: float = 1.0,
        compute_loss: bool = False,
        callbacks: Sequence[CallbackAny2Vec] = (),
        **kwargs: Any,
    ) -> Tuple[int, int]:
        """Train on a corpus (after :meth:`build_vocab`).

        Parameters
        ----------
        corpus_iterable, corpus_file
            The corpus, as for :meth:`build_vocab`.
        total_examples : int, optional
            Number of sentences (``model.corpus_count`` for the corpus the vocabulary was built on).
        total_words : int, optional
            Number of raw words (``model.corpus_total_words``). One of the two is required; it
            drives the learning-rate decay and the progress log. With ``corpus_file``,
            ``total_words`` is required.
        epochs : int
            Number of passes; required (usually ``model.epochs``).
        start_alpha, end_alpha : float, optional
            Learning rate at the start and end of this call (default ``alpha``, ``min_alpha``).
        word_count : int
            Accepted for compatibility; unused.
        compute_loss : bool
            Compute the loss (see :meth:`get_latest_training_loss`).
        callbacks : sequence of CallbackAny2Vec

        Returns
        -------
        (int, int)
            Effective words trained (after dropping unknown and subsampled words) and raw words.
        """
        alpha = self.alpha if start_alpha is None else start_alpha
        min_alpha = self.min_alpha if end_alpha is None else end_alpha
        check_value("start_alpha", alpha, POSITIVE)
        check_value("end_alpha", min_alpha, POSITIVE)
        if corpus_file is not None and total_words is None:
            raise ValueError("total_words must be provided alongside corpus_file argument.")
        check_training_call(self, epochs, total_examples, total_words, alpha)
        self._check_corpus_sanity(corpus_iterable, corpus_file, passes=int(epochs))  # type: ignore[arg-type]
        self.alpha, self.min_alpha = alpha, min_alpha
        self.epochs = int(epochs)  # type: ignore[arg-type]
        self.compute_loss = bool(compute_loss)
        self.running_training_loss = 0.0
        source = resolve_corpus(corpus_iterable, corpus_file, self.phrases)
        return train_epochs(self, source, total_examples, total_words, report_delay, callbacks)

    def get_latest_training_loss(self) -> float:
        """The loss summed since the latest :meth:`train` call began (``compute_loss=True``).

        As in gensim, each ``train()`` call starts from 0 and adds each epoch's loss, so a
        callback reading it after every epoch sees a running total (the difference of two
        readings is one epoch's loss). An epoch's loss is the sum over all its predictions
        of ``-log sigmoid(+-score)``, accumulated in float64 per thread and added up after
        the epoch, so it is exact and race-free. ``loss_history`` keeps each epoch's own
        loss, across all ``train()`` calls.
        """
        return self.running_training_loss

    def predict_output_word(
        self, context_words_list: Sequence[str], topn: int = 10
    ) -> Optional[List[Tuple[str, float]]]:
        """Most likely centre words given context words (negative-sampling models).

        See :func:`w2v.prediction.predict_output_word` for the semantics (gensim's).
        """
        from w2v.prediction import predict_output_word

        return predict_output_word(self, context_words_list, topn)

    # ---- queries (delegated to wv, as in gensim 3) --------------------------------------------

    def __getitem__(self, key: Any) -> np.ndarray:
        raise TypeError("Word2Vec objects are not subscriptable: use model.wv[word]")

    def __contains__(self, word: str) -> bool:
        raise TypeError("use 'word in model.wv' instead of 'word in model'")

    # ---- persistence --------------------------------------------------------------------------

    def save(self, fname_or_handle: PathLike, **kwargs: Any) -> None:
        """Save the whole model (enough to continue training) in w2v's pickle-free format.

        The write is atomic: a temporary file is renamed over ``fname`` once complete.
        See ``docs/format.md`` for the layout.
        """
        save_model(self, fname_or_handle)

    @_ClassOnly
    def load(cls, fname: PathLike, mmap: Optional[str] = None) -> Word2Vec:
        """Load a model saved by :meth:`save`; never executes code from the file.

        Call it on the class: ``model = Word2Vec.load(fname)``. Called on an instance it
        raises ``AttributeError``, as gensim's does.

        Parameters
        ----------
        fname : str, bytes or path-like
        mmap : {None, 'r', 'r+', 'c'}
            Memory-map the large arrays instead of reading them (use 'c' or 'r+' to train on).

        Raises
        ------
        w2v.errors.MalformedFileError
            A ``ValueError``: the file is not a w2v archive or a damaged one
            (``docs/security.md``). When it holds keyed vectors, not a model (use
            ``KeyedVectors.load``), the error (``w2v.errors.ArchiveKindError``) is also an
            ``AttributeError``, as gensim raises there.
        """
        return load_model(cls, fname, mmap)

    # ---- gensim -------------------------------------------------------------------------------

    @classmethod
    def from_gensim(cls, model: Any, **params: Any) -> Word2Vec:
        """Convert a live gensim ``Word2Vec`` (that you loaded with gensim) to w2v's.

        Parameters
        ----------
        model : gensim.models.Word2Vec
        **params
            Parameters to set differently from gensim's, e.g. ``workers=8``.

        Returns
        -------
        Word2Vec
            A copy (no memory shared with ``model``) with gensim's vocabulary, counts,
            ``vectors``, ``syn1neg``, ``syn1``, parameters and training state, so that
            :meth:`train` continues where gensim stopped.

        Raises
        ------
        NotImplementedError
            For a hierarchical-softmax model whose stored Huffman tree is not the one its
            counts give (see :mod:`w2v.gensim_interop`).
        """
        return gensim_interop.word2vec_from_gensim(model, cls, **params)

    def to_gensim(self) -> Any:
        """A gensim ``Word2Vec`` copy of this model, trainable and savable by gensim.

        Returns
        -------
        gensim.models.Word2Vec
            With the vocabulary, weights (and w2v's Huffman tree), parameters and training
            state; ``loss_history`` and ``shared_negatives`` have no gensim equivalent.
        """
        return gensim_interop.word2vec_to_gensim(self)
