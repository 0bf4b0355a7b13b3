"""Building the vocabulary: the corpus scan, trimming, ordering and subsampling thresholds.

The rules are gensim 4's, so a model built here has the same vocabulary as gensim's on the
same corpus and parameters:

- a word is kept if ``count >= min_count`` unless ``trim_rule(word, count, min_count)``
  returns ``RULE_KEEP`` or ``RULE_DISCARD``;
- ``max_final_vocab`` raises the effective ``min_count`` just enough to keep at most that
  many words;
- ``max_vocab_size`` prunes during the scan: whenever more distinct words are held, words
  seen fewer than ``min_reduce`` times are dropped and ``min_reduce`` grows by one;
- ``sorted_vocab`` orders words by descending count (ties keep first-seen order);
- subsampling keeps each occurrence of word ``w`` with probability
  ``min(1, (sqrt(c_w / t) + 1) * t / c_w)`` where ``c_w`` is its count and
  ``t = sample * (total retained words)`` (or ``t = sample * (3 + sqrt 5) / 2`` when
  ``sample >= 1``, meaning "words more frequent than this"); stored as
  ``sample_int = floor(p * (2**32 - 1))`` and compared with a uniform 32-bit draw.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Tuple

import numpy as np

from w2v import _core
from w2v.constraints import COUNT, INT64_MAX, check_value
from w2v.sources import CorpusSource

logger = logging.getLogger(__name__)

RULE_DEFAULT = 0
RULE_DISCARD = 1
RULE_KEEP = 2

TrimRule = Callable[[str, int, int], int]


def keep_vocab_item(
    word: str, count: int, min_count: int, trim_rule: Optional[TrimRule] = None
) -> bool:
    """Whether ``word`` stays in the vocabulary (gensim's rule)."""
    default = count >= min_count
    if trim_rule is None:
        return default
    rule = trim_rule(word, count, min_count)
    if rule == RULE_KEEP:
        return True
    if rule == RULE_DISCARD:
        return False
    return default


class RawVocab:
    """Result of a corpus scan: every distinct word with its count, in first-seen order."""

    def __init__(self, counter: Any, corpus_count: int) -> None:
        self._counter = counter
        self.counts: np.ndarray = counter.counts()
        self.total_words = int(counter.total_words)
        self.corpus_count = int(corpus_count)
        self.min_reduce = int(counter.min_reduce)

    def __len__(self) -> int:
        return len(self.counts)

    def words(self, ids: Optional[np.ndarray] = None) -> List[str]:
        """The words with these ids (all words if ``ids`` is None)."""
        if ids is None:
            return self._counter.words()
        return self._counter.words(np.ascontiguousarray(ids, dtype=np.int64))

    def as_dict(self) -> dict:
        """``{word: count}``, like gensim's ``raw_vocab``."""
        return dict(zip(self.words(), self.counts.tolist()))


def scan_corpus(
    source: CorpusSource,
    max_vocab_size: Optional[int],
    workers: int,
    progress_per: int = 10000,
    progress: bool = False,
    trim_rule: Optional[TrimRule] = None,
) -> RawVocab:
    """Count every word of the corpus (C++ does the counting; files are also read in C++).

    With ``progress``, file corpora show a bar over the bytes read. When
    ``max_vocab_size`` prunes the scan, ``trim_rule`` decides which words survive, as in gensim.
    """
    start = time.perf_counter()
    keep = None
    if trim_rule is not None and max_vocab_size:

        def keep(word: str, count: int, min_reduce: int) -> bool:
            return keep_vocab_item(word, count, min_reduce, trim_rule)

    counter = _core.VocabCounter(
        int(max_vocab_size or 0), source.max_sentence_length, workers, keep
    )
    bar = None
    if progress and source.is_files:
        from w2v.progress import ScanBar

        bar = ScanBar(source.disk_bytes())
    next_log = progress_per

    def on_progress() -> None:
        nonlocal next_log
        if bar is not None and source.plain_paths:
            bar.update_to(counter.bytes_read)  # read by C++ (Python's reads call on_bytes)
        if source.is_files or not progress_per or counter.sentences < next_log:
            return
        logger.info(
            "PROGRESS: at sentence #%i, processed %i words, keeping %i word types",
            counter.sentences,
            counter.total_words,
            len(counter),
        )
        next_log = (counter.sentences // progress_per + 1) * progress_per

    try:
        source.feed(counter, on_progress, on_bytes=bar.update_to if bar else None)
        on_progress()
    finally:
        if bar is not None:
            bar.close()
    corpus_count = counter.sentences
    if source.mode == _core.SplitMode.stream:
        # Text8Corpus cuts sentences across the whole stream, not per reader thread.
        corpus_count = -(-counter.total_words // source.max_sentence_length)
    raw = RawVocab(counter, corpus_count)
    logger.info(
        "collected %i word types from a corpus of %i raw words and %i sentences in %.2fs",
        len(raw),
        raw.total_words,
        raw.corpus_count,
        time.perf_counter() - start,
    )
    return raw


def effective_min_count(counts: np.ndarray, min_count: int, max_final_vocab: Optional[int]) -> int:
    """``min_count``, raised if needed so at most ``max_final_vocab`` words remain."""
    calc = 1
    if max_final_vocab is not None and max_final_vocab < len(counts):
        sorted_counts = np.sort(counts)[::-1]
        calc = int(sorted_counts[max_final_vocab]) + 1
    return max(calc, int(min_count))


def retained_ids(
    raw: RawVocab, min_count: int, trim_rule: Optional[TrimRule]
) -> Tuple[np.ndarray, Optional[List[str]]]:
    """Ids of the words that stay (and their words, if the trim rule needed them)."""
    if trim_rule is None:
        return np.flatnonzero(raw.counts >= min_count), None
    words = raw.words()
    keep = [
        keep_vocab_item(w, int(c), min_count, trim_rule) for w, c in zip(words, raw.counts.tolist())
    ]
    ids = np.flatnonzero(np.asarray(keep, dtype=bool))
    return ids, [words[i] for i in ids]


def sample_ints(
    counts: np.ndarray, sample: float, retain_total: int
) -> Tuple[np.ndarray, int, float]:
    """Subsampling thresholds for words with these counts (see the module docstring).

    Returns
    -------
    sample_int : numpy.ndarray of uint32
    downsample_unique : int
        How many words are downsampled.
    downsample_total : float
        Expected number of words left after downsampling.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if not sample:
        threshold = float(retain_total)
    elif sample < 1.0:
        threshold = sample * retain_total
    else:
        threshold = float(int(sample * (3 + np.sqrt(5)) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = (np.sqrt(counts / threshold) + 1) * (threshold / counts)
    prob = np.where(np.isfinite(prob), prob, 1.0)
    downsampled = prob < 1.0
    prob = np.minimum(prob, 1.0)
    total = float(np.sum(prob * counts))
    ints = (prob * (2**32 - 1)).astype(np.uint32)
    return ints, int(downsampled.sum()), total


def descending_order(counts: np.ndarray) -> np.ndarray:
    """Indices ordering ``counts`` from most to least frequent, ties in original order."""
    return np.argsort(-np.asarray(counts, dtype=np.int64), kind="stable")


def merge_vocab_update(
    wv: Any, raw: RawVocab, words: List[str], counts: np.ndarray, sample: float, retain_total: int
) -> Tuple[int, int, int, float]:
    """Merge a new scan into an existing vocabulary (``build_vocab(update=True)``).

    Retained words new to ``wv`` are appended; every known word gains its new raw count,
    retained or not (gensim's rule); the retained words get fresh subsampling thresholds.

    Returns
    -------
    new_words : int
        Words appended.
    grown : int
        Retained words that were already known.
    downsample_unique, downsample_total
        As for :func:`sample_ints`.
    """
    key_to_index = wv.key_to_index
    known = np.asarray([key_to_index.get(w, -1) for w in words], dtype=np.int64)
    new_mask = known < 0
    new_words = [w for w, n in zip(words, new_mask) if n]
    old_counts = wv.expandos["count"]
    updated = np.zeros(len(wv) + len(new_words), dtype=np.int64)
    updated[: len(old_counts)] = old_counts
    start = len(wv.index_to_key)
    for i, w in enumerate(new_words):
        key_to_index[w] = start + i
    wv.index_to_key.extend(new_words)
    rows = np.asarray([key_to_index[w] for w in words], dtype=np.int64)
    np.add.at(updated, rows[new_mask], counts[new_mask])
    for w, c in zip(raw.words(), raw.counts.tolist()):
        row = key_to_index.get(w, -1)
        if 0 <= row < start:
            updated[row] += c
    wv.expandos["count"] = updated
    old_ints = wv.expandos["sample_int"]
    ints_all = np.full(len(updated), 2**32 - 1, dtype=np.uint32)
    ints_all[: len(old_ints)] = old_ints
    ints, down_unique, down_total = sample_ints(counts, sample, retain_total)
    ints_all[rows] = ints
    wv.expandos["sample_int"] = ints_all
    return len(new_words), int((~new_mask).sum()), down_unique, down_total


@dataclass
class Retained:
    """The words that stay in the vocabulary, in their final order, with their counts."""

    words: List[str]
    counts: np.ndarray
    drop_unique: int

    @property
    def retain_total(self) -> int:
        return int(self.counts.sum())

    def require_some(self, raw: RawVocab, min_count: int) -> None:
        """Raise if nothing is left to build a new vocabulary from."""
        if self.words:
            return
        if not len(raw):
            raise ValueError("the corpus is empty: it has no words (check the input)")
        raise ValueError(
            f"no word occurs at least min_count={min_count} times in the corpus ({len(raw)} "
            f"distinct words, the most frequent {int(raw.counts.max())} times): lower min_count"
        )

    def log(self, raw: RawVocab, min_count: int) -> None:
        """gensim's log lines about what ``min_count`` kept."""
        logger.info(
            "effective_min_count=%i retains %i unique words (%.2f%% of original %i, drops %i)",
            min_count,
            len(self.words),
            100 * len(self.words) / max(len(raw), 1),
            len(raw),
            self.drop_unique,
        )
        logger.info(
            "effective_min_count=%i leaves %i word corpus (%.2f%% of original %i)",
            min_count,
            self.retain_total,
            100 * self.retain_total / max(raw.total_words, 1),
            raw.total_words,
        )


def retain_words(
    raw: RawVocab, min_count: int, trim_rule: Optional[TrimRule], sort: bool
) -> Retained:
    """The words that survive ``min_count`` and ``trim_rule``, by descending count if ``sort``."""
    ids, words = retained_ids(raw, min_count, trim_rule)
    counts = raw.counts[ids]
    if sort:
        order = descending_order(counts)
        ids, counts = ids[order], counts[order]
        if words is not None:
            words = [words[i] for i in order]
    if words is None:
        words = raw.words(ids)  # one C++ call, already in the final order
    return Retained(words, counts, len(raw) - len(ids))


def fill_new_vocab(wv: Any, kept: Retained, sample: float, null_word: bool) -> Tuple[int, float]:
    """Give the empty ``wv`` the retained words, their counts and subsampling thresholds.

    Returns ``(downsample_unique, downsample_total)`` as :func:`sample_ints` does.
    """
    words, counts = list(kept.words), kept.counts
    retain_total = kept.retain_total
    if null_word:
        words.append("\0")
        counts = np.append(counts, 1)
    wv.index_to_key = words
    wv.key_to_index = dict(zip(words, range(len(words))))
    wv.expandos["count"] = counts.astype(np.int64)
    ints, down_unique, down_total = sample_ints(counts, sample, retain_total)
    wv.expandos["sample_int"] = ints
    return down_unique, down_total


def raw_vocab_from_freq(word_freq: Mapping[str, int]) -> RawVocab:
    """A scan result from a ``{word: count}`` mapping (``build_vocab_from_freq``)."""
    words = list(word_freq)
    for w in words:
        if not isinstance(w, str):
            raise TypeError(f"word_freq keys must be str, got {type(w).__name__}")
    counts = [word_freq[w] for w in words]
    # Plain ints are checked in one pass; anything else (or a failure) word by word, so the
    # error names the word.
    array = None
    if set(map(type, counts)) <= {int, np.int64, np.int32, np.uint32}:
        with contextlib.suppress(OverflowError):
            array = np.asarray(counts, dtype=np.int64)
    if array is None or (len(array) and array.min() < 0):
        for w, c in zip(words, counts):
            check_value(f"word_freq[{w!r}]", c, COUNT)
        array = np.asarray([int(c) for c in counts], dtype=np.int64)
    return raw_vocab_from_counts(words, array)


def raw_vocab_from_counts(words: List[str], counts: np.ndarray) -> RawVocab:
    """A scan result from distinct ``words`` (in first-seen order) and their ``counts``
    (non-negative int64), as a scan of the corpus gives them."""
    counter = _core.VocabCounter(0, 10000)
    counter.feed_sentences([words])  # one long sentence: ids in this order, each word once
    raw = RawVocab(counter, 0)
    raw.counts = np.asarray(counts, dtype=np.int64)
    if raw.counts.sum(dtype=np.float64) > INT64_MAX:
        raise ValueError("word_freq counts must add up to at most 2**63 - 1")
    raw.total_words = int(raw.counts.sum())
    return raw
