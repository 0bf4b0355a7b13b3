"""Phrase (collocation) detection with gensim 4.4's API: ``Phrases`` and ``FrozenPhrases``.

Counting and applying run in C++: files are counted by all threads with the tokeniser and
file partitioning of the vocabulary scan, Python iterables in batches; ``FrozenPhrases``
joins phrases in C++ and writes a phrased corpus with all threads (:meth:`FrozenPhrases.
transform_file`). A frozen model also plugs into training: ``Word2Vec(corpus_file=...,
phrases=frozen)`` joins the phrases inside the C++ reader. Results equal gensim's: same
counts, same pruning, same phrases, same scores (see ``docs/phrases.md``).
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Mapping
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from w2v import _core
from w2v.paths import PathLike
from w2v.phrases_scoring import (
    ENGLISH_CONNECTOR_WORDS,
    NEGATIVE_INFINITY,
    Scorer,
    check_phrases_params,
    check_workers,
    native_scoring,
    npmi_scorer,
    original_scorer,
)
from w2v.sources import CorpusSource, batched_sentences, check_corpus, resolve_corpus

logger = logging.getLogger(__name__)

__all__ = [
    "Phrases",
    "FrozenPhrases",
    "Phraser",
    "ENGLISH_CONNECTOR_WORDS",
    "original_scorer",
    "npmi_scorer",
]

_BATCH_WORDS = 10000


def _is_single(obj: Any) -> Tuple[bool, Any]:
    """Whether ``obj`` is one sentence (an iterable of str) or a corpus, as gensim tells:
    an empty object is one sentence; otherwise the first item decides."""
    obj_iter = iter(obj)
    temp_iter = obj_iter
    try:
        peek = next(obj_iter)
    except StopIteration:
        return True, obj
    obj_iter = itertools.chain([peek], obj_iter)
    if isinstance(peek, str):
        return True, obj_iter
    if temp_iter is obj:
        return False, obj_iter  # a one-shot iterator: a corpus read once
    return False, obj


def _readable_twice(source: CorpusSource) -> bool:
    """Whether every file of ``source`` can be read again from the start (a path, or a
    seekable file object)."""
    for f in source.files or []:
        if not isinstance(f, (str, bytes, os.PathLike)):
            seekable = getattr(f, "seekable", None)
            if seekable is None or not seekable():
                return False
    return True


class PhrasedCorpus:
    """A corpus with its phrases joined, sentence by sentence (``phrases[corpus]``).

    Iterating applies the model in C++ to batches of sentences; like gensim's
    ``TransformedCorpus`` it can be iterated again when the corpus can.
    """

    def __init__(self, model: _PhrasesTransformation, corpus: Iterable) -> None:
        self.model = model
        self.corpus = corpus

    def __iter__(self) -> Iterator[List[str]]:
        for batch in batched_sentences(self.corpus, _BATCH_WORDS):
            yield from self.model._apply_batch(batch)

    def __len__(self) -> int:
        return len(self.corpus)  # type: ignore[arg-type]


class _PhrasesTransformation:
    """What ``Phrases`` and ``FrozenPhrases`` share: applying a model to sentences."""

    delimiter: str
    connector_words: frozenset
    threshold: float
    min_count: float

    def score_candidate(
        self, word_a: str, word_b: str, in_between: Sequence[str]
    ) -> Tuple[Optional[str], Optional[float]]:
        """Score one candidate: ``(joined phrase, score)``, or ``(None, None)`` if it is not
        a phrase."""
        raise NotImplementedError

    def _apply_batch(self, batch: list, with_scores: bool = False) -> list:
        raise NotImplementedError

    def analyze_sentence(self, sentence: Iterable[str]) -> Iterator[Tuple[str, Optional[float]]]:
        """Yield ``(token, None)`` for each plain word and ``(phrase, score)`` for each
        phrase of ``sentence``, in order.

        Parameters
        ----------
        sentence : iterable of str
        """
        yield from self._apply_batch([list(sentence)], with_scores=True)[0]

    def __getitem__(self, sentence: Any) -> Any:
        """``sentence`` with its phrases joined by the delimiter, or, for a corpus (an
        iterable of sentences), a :class:`PhrasedCorpus` that joins them as it is read.

        Parameters
        ----------
        sentence : list of str or iterable of list of str

        Returns
        -------
        list of str or PhrasedCorpus
        """
        is_single, obj = _is_single(sentence)
        if not is_single:
            return PhrasedCorpus(self, obj)
        return self._apply_batch([list(obj)])[0]

    def find_phrases(self, sentences: Iterable[Sequence[str]]) -> Dict[str, float]:
        """Every phrase found in ``sentences``, with its score.

        Parameters
        ----------
        sentences : iterable of list of str

        Returns
        -------
        dict of str to float
        """
        result: Dict[str, float] = {}
        for batch in batched_sentences(sentences, _BATCH_WORDS):
            for sentence in self._apply_batch(batch, with_scores=True):
                for token, score in sentence:
                    if score is not None:
                        result[token] = score
        return result

    def _python_analyze(self, sentence: Sequence[str]) -> List[Tuple[str, Optional[float]]]:
        """gensim's analyze_sentence in Python, for custom scoring functions."""
        out: List[Tuple[str, Optional[float]]] = []
        start, between = None, []  # type: Tuple[Optional[str], List[str]]
        for word in sentence:
            if word not in self.connector_words:
                if start:
                    phrase, score = self.score_candidate(start, word, between)
                    if score is not None:
                        out.append((phrase, score))  # type: ignore[arg-type]
                        start, between = None, []
                        continue
                    out.append((start, None))
                    out.extend((w, None) for w in between)
                start, between = word, []
            elif start:
                between.append(word)
            else:
                out.append((word, None))
        if start:
            out.append((start, None))
            out.extend((w, None) for w in between)
        return out

    def save(self, fname_or_handle: PathLike, **kwargs: Any) -> None:
        """Save to a pickle-free w2v archive (``docs/format.md``); load with ``load``.

        Parameters
        ----------
        fname_or_handle : str or path-like
        """
        from w2v.phrases_archive import save_phrases

        save_phrases(self, fname_or_handle)

    @classmethod
    def load(cls, fname: PathLike, scoring: Optional[Scorer] = None) -> Any:
        """Load a model saved by ``save``: a ``Phrases`` or a ``FrozenPhrases``.

        Parameters
        ----------
        fname : str or path-like
        scoring : callable, optional
            The custom scoring function of a ``Phrases`` saved with one (functions are not
            stored: the file holds only data).

        Raises
        ------
        ValueError
            The file is not a phrases archive, or is corrupt (the message names the file).
        """
        from w2v.phrases_archive import load_phrases

        model = load_phrases(fname, scoring=scoring)
        if cls is Phrases and not isinstance(model, Phrases):
            raise ValueError(f"{os.fspath(fname)!r} holds a FrozenPhrases, not a Phrases")
        return model


class Phrases(_PhrasesTransformation):
    """Detect phrases from word and bigram counts (gensim 4.4's ``Phrases``).

    Parameters
    ----------
    sentences : iterable of list of str, optional
        Sentences to learn from (a list, :class:`~w2v.LineSentence`, ...). File corpora are
        counted in C++ with all threads.
    min_count : float
        Words and phrases counted fewer times are ignored by the default scoring.
    threshold : float
        A phrase's score must exceed it: > 0 for ``"default"``, in [-1, 1] for ``"npmi"``.
    max_vocab_size : int
        Most keys (words and phrases) held while counting; rarer ones are pruned as gensim
        does.
    delimiter : str
        Joins the words of a phrase; non-empty, no whitespace.
    progress_per : int
        Accepted for gensim compatibility (C++ counting logs no per-sentence progress).
    scoring : {'default', 'npmi'} or callable
        A built-in score, or a function taking ``worda_count, wordb_count, bigram_count,
        len_vocab, min_count, corpus_word_count`` (called from Python: slower).
    connector_words : set of str
        Words that may sit inside a phrase but never start or end one
        (:data:`ENGLISH_CONNECTOR_WORDS` for English).
    corpus_file : str or list of str, optional
        Corpus file(s) in LineSentence format, instead of ``sentences``.
    workers : int, optional
        Threads that count files (default: every core).
    """

    def __init__(
        self,
        sentences: Optional[Iterable[Sequence[str]]] = None,
        min_count: float = 5,
        threshold: float = 10.0,
        max_vocab_size: int = 40000000,
        delimiter: str = "_",
        progress_per: int = 10000,
        scoring: Any = "default",
        connector_words: Iterable[str] = frozenset(),
        *,
        corpus_file: Any = None,
        workers: Optional[int] = None,
    ) -> None:
        name, func, words = check_phrases_params(
            min_count, threshold, max_vocab_size, delimiter, progress_per, scoring, connector_words
        )
        self.workers = check_workers(workers)
        if sentences is not None or corpus_file is not None:
            check_corpus(sentences, corpus_file)
        self.connector_words = words
        self.min_count = min_count
        self.threshold = threshold
        self.max_vocab_size = int(max_vocab_size)
        self.delimiter = delimiter
        self.progress_per = int(progress_per)
        self.scoring = func
        self.scoring_name = name
        self.min_reduce = 1
        self.corpus_word_count = 0
        self._counts = self._new_counter()
        if sentences is not None or corpus_file is not None:
            start = time.time()
            self.add_vocab(sentences, corpus_file=corpus_file)
            logger.info("built %s in %.2fs", self, time.time() - start)

    def _new_counter(self) -> _core.PhraseCounter:
        return _core.PhraseCounter(
            self.delimiter, sorted(self.connector_words), self.max_vocab_size, 10000, self.workers
        )

    def __str__(self) -> str:
        return (
            f"{type(self).__name__}<{len(self._counts)} vocab, min_count={self.min_count}, "
            f"threshold={self.threshold}, max_vocab_size={self.max_vocab_size}>"
        )

    @property
    def vocab(self) -> PhraseVocab:
        """Counts of every word and phrase candidate (a read-only mapping, gensim's
        ``vocab``)."""
        return PhraseVocab(self._counts)

    def learn_counter(
        self,
        sentences: Optional[Iterable[Sequence[str]]] = None,
        corpus_file: Any = None,
        progress: Any = None,
    ) -> _core.PhraseCounter:
        """Count a corpus on its own (gensim's ``_learn_vocab``), without merging it."""
        check_corpus(sentences, corpus_file)
        source: CorpusSource = resolve_corpus(sentences, corpus_file)
        counter = self._new_counter()
        tick = None
        if progress is not None:
            tick = lambda: progress(counter.bytes_read)  # noqa: E731
        if source.is_files and not _readable_twice(source):
            counter.parallel_text = False  # no second pass possible: count as it comes
        source.feed(counter, on_progress=tick, on_bytes=progress)
        if counter.needs_second_pass:
            logger.info(
                "counting the text again in one pass: more than max_vocab_size=%d keys (so "
                "pruning applies as in a sequential pass), or words holding the delimiter",
                self.max_vocab_size,
            )
            counter = self._new_counter()
            counter.parallel_text = False
            source.feed(counter, on_progress=tick, on_bytes=progress)
        if tick is not None:
            tick()
        if counter.sequential_recount:
            logger.info(
                "counted the files again in one pass: more than max_vocab_size=%d keys, "
                "so pruning applies as in a sequential pass",
                self.max_vocab_size,
            )
        return counter

    def add_vocab(
        self,
        sentences: Optional[Iterable[Sequence[str]]] = None,
        *,
        corpus_file: Any = None,
        progress: Any = None,
    ) -> None:
        """Count more sentences and merge them in, pruning as gensim does.

        Parameters
        ----------
        sentences : iterable of list of str, optional
        corpus_file : str or list of str, optional
            Instead of ``sentences``.
        progress : callable, optional
            Called with the bytes of the files read so far (for progress bars).
        """
        counter = self.learn_counter(sentences, corpus_file, progress)
        self.corpus_word_count += int(counter.total_words)
        if len(self._counts):
            logger.info("merging %i counts into %s", len(counter), self)
            self.min_reduce = max(self.min_reduce, int(counter.min_reduce))
            self._counts.merge(counter)
            if len(self._counts) > self.max_vocab_size:
                self._counts.prune(self.min_reduce)
                self.min_reduce += 1
        else:
            self._counts = counter
        logger.info("merged %s", self)

    def score_candidate(
        self, word_a: str, word_b: str, in_between: Sequence[str]
    ) -> Tuple[Optional[str], Optional[float]]:
        counts = self._counts
        a = counts.count(word_a)
        if a <= 0:
            return None, None
        b = counts.count(word_b)
        if b <= 0:
            return None, None
        phrase = self.delimiter.join([word_a, *in_between, word_b])
        ab = counts.count(phrase)
        if ab <= 0:
            return None, None
        score = self.scoring(
            worda_count=a,
            wordb_count=b,
            bigram_count=ab,
            len_vocab=len(counts),
            min_count=self.min_count,
            corpus_word_count=self.corpus_word_count,
        )
        if score <= self.threshold:
            return None, None
        return phrase, score

    def _apply_batch(self, batch: list, with_scores: bool = False) -> list:
        scoring = native_scoring(self.scoring_name)
        if scoring is None:
            analyzed = [self._python_analyze(s) for s in batch]
            return analyzed if with_scores else [[t for t, _ in s] for s in analyzed]
        return self._counts.apply(
            batch,
            scoring,
            float(self.min_count),
            float(self.threshold),
            int(self.corpus_word_count),
            with_scores,
        )

    def export_phrases(self) -> Dict[str, float]:
        """Every phrase among the counted candidates with its score (gensim's
        ``export_phrases``).

        Returns
        -------
        dict of str to float
        """
        scoring = native_scoring(self.scoring_name)
        if scoring is not None:
            keys, scores = self._counts.export_phrases(
                scoring, float(self.min_count), float(self.threshold), int(self.corpus_word_count)
            )
            return dict(zip(keys, scores.tolist()))
        keys, a, b, ab = self._counts.phrase_candidates()
        len_vocab = len(self._counts)
        result: Dict[str, float] = {}
        for key, ca, cb, cab in zip(keys, a.tolist(), b.tolist(), ab.tolist()):
            score = self.scoring(
                worda_count=ca,
                wordb_count=cb,
                bigram_count=cab,
                len_vocab=len_vocab,
                min_count=self.min_count,
                corpus_word_count=self.corpus_word_count,
            )
            if score > self.threshold:
                result[key] = score
        return result

    def freeze(self) -> FrozenPhrases:
        """The phrases alone, for applying (smaller and faster; no more learning).

        Returns
        -------
        FrozenPhrases
        """
        return FrozenPhrases(self)


class PhraseVocab(Mapping):
    """A read-only view of a ``Phrases`` model's counts: key -> count."""

    def __init__(self, counts: _core.PhraseCounter) -> None:
        self._counts = counts

    def __getitem__(self, key: str) -> int:
        n = self._counts.count(key) if isinstance(key, str) else 0
        if n <= 0:
            raise KeyError(key)
        return int(n)

    def get(self, key: Any, default: Any = None) -> Any:
        n = self._counts.count(key) if isinstance(key, str) else 0
        return int(n) if n > 0 else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._counts.count(key) > 0

    def __len__(self) -> int:
        return len(self._counts)

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts.keys())

    def items(self) -> Any:
        return zip(self._counts.keys(), self._counts.counts().tolist())


class FrozenPhrases(_PhrasesTransformation):
    """The phrases of a trained ``Phrases`` model, for applying only (gensim's
    ``FrozenPhrases``).

    Parameters
    ----------
    phrases_model : Phrases
        The model whose ``export_phrases()`` becomes ``phrasegrams``.
    """

    def __init__(self, phrases_model: Phrases) -> None:
        self.threshold = phrases_model.threshold
        self.min_count = phrases_model.min_count
        self.delimiter = phrases_model.delimiter
        self.scoring = phrases_model.scoring
        self.scoring_name = phrases_model.scoring_name
        self.connector_words = phrases_model.connector_words
        logger.info("exporting phrases from %s", phrases_model)
        self.phrasegrams = phrases_model.export_phrases()

    @property
    def phrasegrams(self) -> Dict[str, float]:
        """Each phrase (joined key) with its score. Assigning a new dict updates the model."""
        return self._phrasegrams

    @phrasegrams.setter
    def phrasegrams(self, value: Dict[str, float]) -> None:
        self._phrasegrams = dict(value)
        self._table = _core.PhraseTable(
            self.delimiter,
            sorted(self.connector_words),
            float(self.threshold),
            list(self._phrasegrams),
            np.fromiter(self._phrasegrams.values(), dtype=np.float64, count=len(self._phrasegrams)),
        )

    @property
    def native_table(self) -> _core.PhraseTable:
        """The C++ phrase table (what training and ``transform_file`` use)."""
        return self._table

    def __getstate__(self) -> Dict[str, Any]:  # for Dask: the native table does not pickle
        return {k: v for k, v in self.__dict__.items() if k != "_table"}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.phrasegrams = self._phrasegrams  # builds the table

    def __str__(self) -> str:
        return (
            f"{type(self).__name__}<{len(self._phrasegrams)} phrases, "
            f"min_count={self.min_count}, threshold={self.threshold}>"
        )

    def score_candidate(
        self, word_a: str, word_b: str, in_between: Sequence[str]
    ) -> Tuple[Optional[str], Optional[float]]:
        phrase = self.delimiter.join([word_a, *in_between, word_b])
        score = self._phrasegrams.get(phrase, NEGATIVE_INFINITY)
        if score > self.threshold:
            return phrase, score
        return None, None

    def _apply_batch(self, batch: list, with_scores: bool = False) -> list:
        return self._table.apply(batch, with_scores)

    def transform_file(
        self,
        source: Any,
        target: PathLike,
        *,
        workers: Optional[int] = None,
        progress: Any = None,
    ) -> Tuple[int, int]:
        """Write ``source`` with its phrases joined to ``target``, one sentence per line.

        The same text as writing ``" ".join(s)`` for each ``s`` in
        ``self[LineSentence(source)]``, made in C++ with all threads (plain files; compressed
        ones are decompressed in Python and phrased in one thread).

        Parameters
        ----------
        source : str, path-like, list of them, or a LineSentence / Text8Corpus
        target : str or path-like
            Written as plain text (never compressed).
        workers : int, optional
            Threads (default: every core).
        progress : callable, optional
            Called with the bytes read so far.

        Returns
        -------
        (int, int)
            Sentences and words written.
        """
        from w2v.corpora import _FileCorpus

        threads = check_workers(workers)
        if isinstance(source, _FileCorpus):
            src = resolve_corpus(source)
        else:
            check_corpus(corpus_file=source)
            src = resolve_corpus(corpus_file=source)
        target = os.fspath(target)
        sources = [os.path.abspath(f) for f in (src.files or []) if isinstance(f, str)]
        if os.path.abspath(target) in sources:
            raise ValueError(f"target must differ from the source, got {target!r}")
        job = _core.PhraseTransform(self._table, target, src.max_sentence_length, threads)
        tick = None
        if progress is not None:
            tick = lambda: progress(job.bytes_read)  # noqa: E731
        src.feed(job, on_progress=tick, on_bytes=progress)  # type: ignore[arg-type]
        if tick is not None:
            tick()
        return int(job.sentences_written), int(job.words_written)


def as_frozen(model: Any) -> FrozenPhrases:
    """``model`` as a FrozenPhrases (a Phrases model is frozen; frozen ones are cached)."""
    if isinstance(model, FrozenPhrases):
        return model
    if isinstance(model, Phrases):
        return model.freeze()
    raise TypeError(
        f"phrases must be a w2v.FrozenPhrases or w2v.Phrases, got {type(model).__name__}"
    )


#: gensim's old name for ``FrozenPhrases``.
Phraser = FrozenPhrases
