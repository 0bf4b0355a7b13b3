"""
w2v's native core: file reading, vocabulary counting, sampling and training.
"""

from collections.abc import Callable, Iterable, Sequence
import enum
import mmap
from typing import Annotated, overload

import numpy
import numpy.typing
from numpy.typing import NDArray


class SplitMode(enum.Enum):
    """Where a file corpus's sentences end."""

    lines = 0
    """At each newline (LineSentence)."""

    stream = 1
    """
    Newlines are ordinary whitespace; sentences are runs of max_sentence_length tokens (Text8Corpus).
    """

class KernelParams:
    """
    What the training kernels train; each field is named like the Word2Vec parameter it comes from.
    """

    def __init__(self) -> None: ...

    @property
    def vector_size(self) -> int: ...

    @vector_size.setter
    def vector_size(self, arg: int, /) -> None: ...

    @property
    def window(self) -> int: ...

    @window.setter
    def window(self, arg: int, /) -> None: ...

    @property
    def negative(self) -> int: ...

    @negative.setter
    def negative(self, arg: int, /) -> None: ...

    @property
    def hs(self) -> bool: ...

    @hs.setter
    def hs(self, arg: bool, /) -> None: ...

    @property
    def sg(self) -> bool: ...

    @sg.setter
    def sg(self, arg: bool, /) -> None: ...

    @property
    def cbow_mean(self) -> bool: ...

    @cbow_mean.setter
    def cbow_mean(self, arg: bool, /) -> None: ...

    @property
    def shrink_windows(self) -> bool: ...

    @shrink_windows.setter
    def shrink_windows(self, arg: bool, /) -> None: ...

    @property
    def compute_loss(self) -> bool: ...

    @compute_loss.setter
    def compute_loss(self, arg: bool, /) -> None: ...

    @property
    def shared_negatives(self) -> bool: ...

    @shared_negatives.setter
    def shared_negatives(self, arg: bool, /) -> None: ...

class EpochPlan:
    """
    One epoch's learning-rate plan: alpha falls linearly from start_alpha to end_alpha over all epochs, measured in words (or sentences when expected_words is 0).
    """

    def __init__(self) -> None: ...

    @property
    def start_alpha(self) -> float: ...

    @start_alpha.setter
    def start_alpha(self, arg: float, /) -> None: ...

    @property
    def end_alpha(self) -> float: ...

    @end_alpha.setter
    def end_alpha(self, arg: float, /) -> None: ...

    @property
    def epoch(self) -> int: ...

    @epoch.setter
    def epoch(self, arg: int, /) -> None: ...

    @property
    def epochs(self) -> int: ...

    @epochs.setter
    def epochs(self, arg: int, /) -> None: ...

    @property
    def expected_words(self) -> int: ...

    @expected_words.setter
    def expected_words(self, arg: int, /) -> None: ...

    @property
    def expected_sentences(self) -> int: ...

    @expected_sentences.setter
    def expected_sentences(self, arg: int, /) -> None: ...

    @property
    def seed(self) -> int: ...

    @seed.setter
    def seed(self, arg: int, /) -> None: ...

    @property
    def batch_words(self) -> int:
        """
        Words per job; files holding at most this many words are read by one thread.
        """

    @batch_words.setter
    def batch_words(self, arg: int, /) -> None: ...

    @property
    def words_before(self) -> int:
        """Resuming an unfinished epoch: the raw words it already trained."""

    @words_before.setter
    def words_before(self, arg: int, /) -> None: ...

    @property
    def sentences_before(self) -> int:
        """Resuming an unfinished epoch: the sentences it already trained."""

    @sentences_before.setter
    def sentences_before(self, arg: int, /) -> None: ...

    @property
    def part_words_before(self) -> list[int]:
        """
        Resuming an unfinished epoch of file input: the raw words each byte-range part already trained (EpochStats.part_words); the files are cut into as many parts.
        """

    @part_words_before.setter
    def part_words_before(self, arg: Sequence[int], /) -> None: ...

    @property
    def jobs_before(self) -> int:
        """
        Resuming an unfinished epoch of queue input: jobs (numbered in feeding order) below this were trained whole, unless listed in job_words_before.
        """

    @jobs_before.setter
    def jobs_before(self, arg: int, /) -> None: ...

    @property
    def job_words_before(self) -> list[tuple[int, int]]:
        """
        Resuming an unfinished epoch of queue input: (job, raw words already trained) for the jobs trained in part.
        """

    @job_words_before.setter
    def job_words_before(self, arg: Sequence[tuple[int, int]], /) -> None: ...

    @property
    def words_scale(self) -> float:
        """
        Each raw word past words_before counts this many toward the learning rate (one machine's share of a distributed round).
        """

    @words_scale.setter
    def words_scale(self, arg: float, /) -> None: ...

class EpochStats:
    """What one epoch trained."""

    @property
    def raw_words(self) -> int:
        """Tokens read, in or out of the vocabulary."""

    @property
    def effective_words(self) -> int:
        """Tokens trained on (in the vocabulary and kept by subsampling)."""

    @property
    def sentences(self) -> int: ...

    @property
    def loss(self) -> float:
        """Summed loss (when compute_loss)."""

    @property
    def part_words(self) -> list[int]:
        """
        File input: the raw words each byte-range part has read (skipped ones included).
        """

    @property
    def jobs(self) -> int:
        """
        Queue input: jobs below this were trained whole, unless listed in job_words.
        """

    @property
    def job_words(self) -> list[tuple[int, int]]:
        """Queue input: (job, raw words trained) for the jobs trained in part."""

class WordIndex:
    """The vocabulary's words to their ids."""

    def __init__(self, words: Iterable[str]) -> None: ...

    def find(self, word: str) -> int:
        """The id of `word`, or -1."""

    def __len__(self) -> int: ...

class NoiseSampler:
    """Draws noise words (alias method)."""

    def __init__(self, weights: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C', device='cpu', writable=False)]) -> None: ...

    def probabilities(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,))]:
        """The exact distribution the draws follow."""

    def sample(self, k: int, avoid: int, seed: int) -> Annotated[NDArray[numpy.int64], dict(shape=(None,))]:
        """
        k draws seeded by `seed`, each redrawn until it differs from `avoid` (if >= 0).
        """

    def __len__(self) -> int: ...

class HuffmanTree:
    """The hierarchical-softmax tree over the counts."""

    def __init__(self, counts: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)]) -> None: ...

    def codes(self) -> Annotated[NDArray[numpy.uint8], dict(shape=(None,))]: ...

    def points(self) -> Annotated[NDArray[numpy.uint32], dict(shape=(None,))]: ...

    def offsets(self) -> Annotated[NDArray[numpy.uint64], dict(shape=(None,))]: ...

class Trainer:
    """
    Hogwild training threads over the model's arrays, updated in place.

    Each epoch: begin_epoch(plan); feed_files() or feed_text()/feed_sentences() batches;
    end_input(); wait() until it returns True; finish() returns the EpochStats.
    """

    def __init__(self, params: KernelParams, syn0: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], syn1neg: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')] | None, syn1: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')] | None, sample_int: Annotated[NDArray[numpy.uint32], dict(shape=(None,), order='C', device='cpu', writable=False)], noise: NoiseSampler | None, tree: HuffmanTree | None, vocab: WordIndex, max_sentence_length: int, workers: int) -> None: ...

    def begin_epoch(self, plan: EpochPlan) -> None: ...

    def feed_files(self, paths: Sequence[str], sizes: Sequence[int], mode: SplitMode) -> None:
        """Starts one reader thread per byte range of the files."""

    def feed_spans(self, paths: Sequence[str], begins: Sequence[int], ends: Sequence[int], mode: SplitMode) -> None:
        """
        Like feed_files, for bytes [begins[i], ends[i]) of each file, each starting a line.
        """

    def feed_text(self, data: bytes, mode: SplitMode) -> bool:
        """
        Queues a piece of text (tokenised on its own); False once the epoch is stopping.
        """

    def feed_sentences(self, batch: Sequence[Sequence[str]]) -> bool:
        """
        Queues a batch of sentences (lists of str); False once the epoch is stopping.
        """

    def end_input(self) -> None:
        """No more input this epoch."""

    def wait(self, seconds: float) -> bool:
        """
        Waits up to `seconds` for the epoch's threads; True when they have finished.
        """

    def finish(self) -> EpochStats:
        """
        Joins the threads and returns the epoch's tallies; raises a thread's error.
        """

    def stop(self) -> None:
        """Asks the epoch to stop."""

    def pause(self) -> bool:
        """
        Parks the threads at sentence boundaries so the weights hold still; False if the epoch is stopping instead.
        """

    def progress(self) -> EpochStats:
        """The epoch's tallies so far; only while paused."""

    def unpause(self) -> None:
        """Lets paused threads go on."""

    def set_phrases(self, phrases: PhraseTable) -> None:
        """Joins these phrases in text and files as they are read."""

    @property
    def words_done(self) -> int: ...

    @property
    def sentences_done(self) -> int: ...

    @property
    def alpha(self) -> float:
        """The learning rate now."""

    @property
    def loss_so_far(self) -> float: ...

    @property
    def isa(self) -> str:
        """The instruction set the kernels were compiled for."""

    @property
    def variant(self) -> str:
        """
        How the model trains, e.g. 'skip-gram with negative=5, shared negatives'.
        """

def cpu_isa() -> str:
    """The instruction set the training kernels use on this CPU."""

def fill_uniform_rows(out: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], seed: int, first_row: int, scale: float, threads: int = 1) -> None:
    """
    Fills the rows of `out` uniformly in [-scale, scale); row r from its own stream seeded by (seed, first_row + r).
    """

def to_half(source: Annotated[NDArray[numpy.float32], dict(order='C', device='cpu', writable=False)], out: Annotated[NDArray[numpy.uint16], dict(order='C', device='cpu')]) -> None:
    """
    Writes into `out` (uint16) the IEEE half nearest to each float32 of `source` (ties to even), saturated to +-65504.
    """

def from_half(source: Annotated[NDArray[numpy.uint16], dict(order='C', device='cpu', writable=False)], out: Annotated[NDArray[numpy.float32], dict(order='C', device='cpu')]) -> None:
    """
    Writes into `out` (float32) the values of the halves `source` (uint16 bits).
    """

def add_half(source: Annotated[NDArray[numpy.uint16], dict(order='C', device='cpu', writable=False)], out: Annotated[NDArray[numpy.float32], dict(order='C', device='cpu')]) -> None:
    """
    Adds to `out` (float32) the values of the halves `source` (uint16 bits).
    """

@overload
def row_changes(trained: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)], synced: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)], rows: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None, out: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], changed: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu')]) -> int: ...

@overload
def row_changes(trained: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)], synced: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)], rows: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None, out: Annotated[NDArray[numpy.uint16], dict(shape=(None, None), order='C', device='cpu')], changed: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu')]) -> int:
    """
    Writes into `out` (float32, or uint16 for IEEE halves) row i = `trained` - `synced` at row `rows[i]` (`rows` None: row i), and into `changed` the positions i whose change is not all +0.0; returns how many.
    """

@overload
def apply_merged(trained: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], synced: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], rows: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None, total: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)]) -> None: ...

@overload
def apply_merged(trained: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], synced: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], rows: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None, total: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)], own: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)]) -> None: ...

@overload
def apply_merged(trained: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], synced: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], rows: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None, total: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)], own: Annotated[NDArray[numpy.uint16], dict(shape=(None, None), order='C', device='cpu', writable=False)]) -> None:
    """
    Applies the merged change `total` to rows `rows` (None: the first len(total)) of `trained` and `synced`: synced += total, then trained = synced; with `own` (this worker's change as sent, float32 or IEEE halves), trained += total - own instead.
    """

class VocabCounter:
    """
    Counts the words of a corpus (first-seen order, gensim's pruning at max_vocab_size).

    Fed like Trainer: feed_files() (counted by `workers` threads in the background), or
    feed_text() pieces, or feed_sentences() batches; then end_input(), wait() until it
    returns True, and finish(). Fed again after that, it counts on, as if the inputs were
    one.
    """

    def __init__(self, max_vocab_size: int, max_sentence_length: int, workers: int = 1, keep: Callable | None = None) -> None:
        """
        keep(word, count, min_reduce) -> bool, if given, decides which words survive pruning.
        """

    def feed_files(self, paths: Sequence[str], sizes: Sequence[int], mode: SplitMode) -> None:
        """
        Starts counting the first sizes[i] bytes of each file in the background.
        """

    def feed_text(self, data: bytes, mode: SplitMode) -> bool:
        """
        Counts a piece of text ending at ASCII whitespace (or at the end of the stream).
        """

    def feed_sentences(self, batch: Sequence[Sequence[str]]) -> bool:
        """Counts a batch of sentences (lists of str)."""

    def end_input(self) -> None:
        """No more input."""

    def wait(self, seconds: float) -> bool:
        """Waits up to `seconds` for the file scan; True when it is done."""

    def finish(self) -> None:
        """Waits for the file scan and raises its error."""

    def stop(self) -> None:
        """Asks a running file scan to stop early."""

    def feed_spans(self, paths: Sequence[str], begins: Sequence[int], ends: Sequence[int], mode: SplitMode) -> None:
        """
        Like feed_files, for bytes [begins[i], ends[i]) of each file, each starting a line.
        """

    def counts(self) -> Annotated[NDArray[numpy.int64], dict(shape=(None,))]:
        """The count of each word, by id."""

    def words(self, ids: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None = None) -> list[str]:
        """The words with these ids (all words if None)."""

    @property
    def total_words(self) -> int: ...

    @property
    def sentences(self) -> int: ...

    @property
    def min_reduce(self) -> int: ...

    @property
    def bytes_read(self) -> int:
        """File bytes read so far by feed_files()."""

    def set_phrases(self, phrases: PhraseTable) -> None:
        """Counts text and files with these phrases joined."""

    def __len__(self) -> int: ...

class TextStop(enum.Enum):
    """Why parse_word2vec_text stopped."""

    done = 0
    """The rows ran out: `out` is full or the data has no further line."""

    bad_row = 1
    """
    The next line has the wrong number of values or a value that float() refuses.
    """

    blank_line = 2
    """The next line is blank (stop_at_blank)."""

class TextRows:
    """What parse_word2vec_text read."""

    @property
    def rows(self) -> int:
        """Rows parsed into `out`."""

    @property
    def consumed(self) -> int:
        """Bytes those rows take (newlines included): the next line starts there."""

    @property
    def stop(self) -> TextStop: ...

    @property
    def keys(self) -> bytes:
        """The rows' keys as bytes, each followed by a newline."""

@overload
def parse_word2vec_text(data: bytes | bytearray | memoryview | mmap.mmap, start: int, stop: int, at_end: bool, out: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu')], stop_at_blank: bool, threads: int) -> TextRows: ...

@overload
def parse_word2vec_text(data: bytes | bytearray | memoryview | mmap.mmap, start: int, stop: int, at_end: bool, out: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='C', device='cpu')], stop_at_blank: bool, threads: int) -> TextRows:
    """
    Parses the word2vec text rows ('key v1 ... vN' lines) of data[start:stop] into `out`
    (rows x N), at most `out`'s number of rows, on up to `threads` threads. Only complete
    lines are read unless at_end (the data ends the file). Values are read as float() reads
    them, then cast. It stops before a line it cannot read, or before a blank line if
    stop_at_blank.
    """

@overload
def format_word2vec_text(keys: Sequence[str], rows: Annotated[NDArray[numpy.float32], dict(shape=(None, None), order='C', device='cpu', writable=False)], threads: int, out: bytearray) -> list[tuple[int, int]]: ...

@overload
def format_word2vec_text(keys: Sequence[str], rows: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='C', device='cpu', writable=False)], threads: int, out: bytearray) -> list[tuple[int, int]]:
    """
    Formats the word2vec text rows 'key v1 ... vN\\n' of `keys` and `rows` into `out`
    (grown when too small), each value in the shortest decimal that reads back to it, on
    up to `threads` threads. Returns the (start, stop) offsets in `out` of the pieces of
    text, to be written in order.
    """

class GzipReader:
    """
    Decompresses a gzip file with ISA-L from a duplicate of a file
    descriptor (sharing its position); only when gzip_backend() is set.
    """

    def __init__(self, fd: int) -> None: ...

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """
        Decompressed bytes into `buffer`; 0 at the end. EOFError when the data is
        truncated, OSError when it is corrupt.
        """

def gzip_backend() -> str:
    """
    'isa-l' when gzip is read in C++ with ISA-L, '' when w2v was built without it.
    """

class PhraseScoring(enum.Enum):
    """gensim's built-in phrase scores."""

    default = 0
    """original_scorer (Mikolov et al.)"""

    npmi = 1
    """npmi_scorer (normalised pointwise mutual information)"""

class PhraseCounter:
    """
    Counts words and phrase candidates as gensim's Phrases does (pruning included).

    Fed like VocabCounter: feed_files(), feed_text() pieces or feed_sentences() batches;
    then end_input(), wait() until it returns True, and finish().
    """

    def __init__(self, delimiter: str, connectors: Iterable[str], max_vocab_size: int, max_sentence_length: int, workers: int = 1) -> None: ...

    def feed_files(self, paths: Sequence[str], sizes: Sequence[int], mode: SplitMode) -> None:
        """Starts counting the files in the background."""

    def feed_text(self, data: bytes, mode: SplitMode) -> bool:
        """
        Counts a piece of text ending at ASCII whitespace (or at the end of the stream).
        """

    def feed_sentences(self, batch: Sequence[Sequence[str]]) -> bool:
        """Counts a batch of sentences (lists of str)."""

    def end_input(self) -> None:
        """No more input."""

    def wait(self, seconds: float) -> bool:
        """Waits up to `seconds` for the file count; True when it is done."""

    def finish(self) -> None:
        """Waits for the file count and raises its error."""

    def stop(self) -> None:
        """Asks a running file count to stop early."""

    def keys(self) -> list[str]:
        """Every key, in first-seen order."""

    def counts(self) -> Annotated[NDArray[numpy.int64], dict(shape=(None,))]:
        """The count of each key, in the order of keys()."""

    def count(self, key: str) -> int:
        """The count of `key` (0 if absent)."""

    def add(self, keys: Sequence[str], counts: numpy.typing.ArrayLike) -> None:
        """Adds counts to keys (inserted when new)."""

    def merge(self, other: PhraseCounter) -> None:
        """Adds `other`'s counts; its new keys go last. No pruning."""

    def prune(self, min_reduce: int) -> None:
        """Drops the keys counted fewer than min_reduce times."""

    def export_phrases(self, scoring: PhraseScoring, min_count: float, threshold: float, corpus_word_count: int) -> tuple:
        """
        (keys, scores) of the phrases scoring above the threshold, as gensim's export_phrases.
        """

    def phrase_candidates(self) -> tuple:
        """
        (keys, first-word counts, last-word counts, counts) of every phrase key whose counts are all positive.
        """

    def apply(self, batch: Sequence[Sequence[str]], scoring: PhraseScoring, min_count: float, threshold: float, corpus_word_count: int, with_scores: bool = False) -> list:
        """The sentences with their phrases joined, judged by these counts."""

    @property
    def total_words(self) -> int: ...

    @property
    def sentences(self) -> int: ...

    @property
    def min_reduce(self) -> int: ...

    @property
    def bytes_read(self) -> int:
        """File bytes read so far by feed_files()."""

    @property
    def sequential_recount(self) -> bool:
        """
        Whether the files were counted again in one pass because pruning was due.
        """

    @property
    def parallel_text(self) -> bool:
        """
        Whether text pieces (lines mode) are counted by all threads as they come (else by text in one pass, pruning as gensim does).
        """

    @parallel_text.setter
    def parallel_text(self, arg: bool, /) -> None: ...

    @property
    def needs_second_pass(self) -> bool:
        """
        Whether the text fed must be fed again to a counter with parallel_text off (pruning was due, or a token holds the delimiter).
        """

    def __len__(self) -> int: ...

class PhraseTable:
    """A frozen model's phrases: joined key -> score."""

    def __init__(self, delimiter: str, connectors: Iterable[str], threshold: float, keys: Sequence[str], scores: numpy.typing.ArrayLike) -> None: ...

    def apply(self, batch: Sequence[Sequence[str]], with_scores: bool = False) -> list:
        """The sentences with their phrases joined."""

    def __len__(self) -> int: ...

class PhraseTransform:
    """
    Writes a phrased copy of a corpus, one sentence per line. Fed like VocabCounter
    (feed_files() or feed_text() pieces); then end_input(), wait() and finish().
    """

    def __init__(self, table: PhraseTable, target: str, max_sentence_length: int, workers: int) -> None: ...

    def feed_files(self, paths: Sequence[str], sizes: Sequence[int], mode: SplitMode) -> None:
        """
        Starts phrasing the files in the background, in pieces written in order.
        """

    def feed_text(self, data: bytes, mode: SplitMode) -> bool:
        """
        Phrases and writes a piece of text ending at ASCII whitespace (at a newline in lines
        mode, where it is queued for the threads); False once stopped.
        """

    def end_input(self) -> None:
        """No more input."""

    def wait(self, seconds: float) -> bool:
        """Waits up to `seconds`; True when the files are done."""

    def finish(self) -> None:
        """Closes the target and raises any error."""

    def stop(self) -> None:
        """Stops early."""

    @property
    def bytes_read(self) -> int: ...

    @property
    def words_written(self) -> int: ...

    @property
    def sentences_written(self) -> int: ...
