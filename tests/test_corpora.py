"""Corpus input: LineSentence, PathLineSentences, Text8Corpus, corpus_file= and Python
iterables; the C++ file readers (with any number of workers) against Python iteration.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path

import numpy as np
import pytest

import w2v
from w2v import LineSentence, PathLineSentences, Text8Corpus, Word2Vec

COMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
WORKER_COUNTS = [1, 2, 3, 7]


def _write(path: Path, data: bytes) -> str:
    opener = COMPRESSORS.get(path.suffix, open)
    with opener(path, "wb") as f:
        f.write(data)
    return str(path)


@pytest.fixture(scope="module")
def sample_bytes(demo_lines) -> bytes:
    """300 demo paragraphs, one of them very long, without a final newline."""
    lines = demo_lines[:300]
    lines[150] = " ".join(demo_lines[150:260])  # several thousand words
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def sample_txt(tmp_path_factory, sample_bytes) -> str:
    return _write(tmp_path_factory.mktemp("sample") / "sample.txt", sample_bytes)


# ---- iterating the corpus classes in Python ----------------------------------------------


def test_linesentence_path_yields_lines_split_on_whitespace(sample_txt, sample_bytes):
    expected = [line.split() for line in sample_bytes.decode().split("\n") if line.split()]
    assert list(LineSentence(sample_txt)) == expected
    assert list(LineSentence(Path(sample_txt))) == expected


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_linesentence_decompresses_transparently(tmp_path, sample_txt, sample_bytes, suffix):
    path = _write(tmp_path / f"sample.txt{suffix}", sample_bytes)
    assert Path(path).read_bytes() != sample_bytes
    assert list(LineSentence(path)) == list(LineSentence(sample_txt))


@pytest.mark.parametrize("mode", ["rb", "r"])
def test_linesentence_reads_file_objects_and_restarts(sample_txt, mode):
    expected = list(LineSentence(sample_txt))
    with open(sample_txt, mode, encoding=None if mode == "rb" else "utf-8") as f:
        corpus = LineSentence(f)
        assert list(corpus) == expected
        assert list(corpus) == expected  # a second pass rewinds the file
        assert not f.closed


def test_linesentence_limit_reads_first_lines_only(sample_txt):
    full = list(LineSentence(sample_txt))
    assert list(LineSentence(sample_txt, limit=10)) == full[:10]
    model = Word2Vec(min_count=1, vector_size=8, workers=2)
    model.build_vocab(LineSentence(sample_txt, limit=10))
    assert model.corpus_count == 10
    assert model.corpus_total_words == sum(len(s) for s in full[:10])
    effective, raw = model.train(LineSentence(sample_txt, limit=10), total_examples=10, epochs=2)
    assert raw == 2 * model.corpus_total_words


@pytest.mark.parametrize("max_len", [1, 7, 100, 10000])
def test_long_lines_are_split_into_chunks_never_truncated(sample_txt, sample_bytes, max_len):
    lines = [line.split() for line in sample_bytes.decode().split("\n") if line.split()]
    assert max(len(line) for line in lines) > 2000
    chunks = list(LineSentence(sample_txt, max_sentence_length=max_len))
    assert all(1 <= len(c) <= max_len for c in chunks)
    assert [w for c in chunks for w in c] == [w for line in lines for w in line]
    assert len(chunks) == sum(-(-len(line) // max_len) for line in lines)


def test_pathlinesentences_reads_every_file_in_name_order(tmp_path, demo_lines):
    parts = ["\n".join(demo_lines[i * 50 : (i + 1) * 50]) + "\n" for i in range(3)]
    d = tmp_path / "corpus"
    d.mkdir()
    _write(d / "b.txt", parts[1].encode())
    _write(d / "a.txt", parts[0].encode())
    _write(d / "c.txt.gz", parts[2].encode())
    expected = [line.split() for line in "".join(parts).splitlines() if line.split()]
    assert list(PathLineSentences(str(d))) == expected


def test_text8corpus_cuts_a_token_stream(tmp_path, sample_bytes):
    path = _write(tmp_path / "t8.txt", sample_bytes.replace(b"\n", b" \n "))
    words = sample_bytes.decode().split()
    chunks = list(Text8Corpus(path, max_sentence_length=1000))
    assert [len(c) for c in chunks[:-1]] == [1000] * (len(chunks) - 1)
    assert [w for c in chunks for w in c] == words


# ---- the model's readers: C++ over files against Python iteration ----------------------


def test_demo_corpus_every_input_path_gives_the_same_vocabulary(demo_gz, demo_txt, demo_sentences):
    """The C++ file reader, the Python chunk reader (.gz), corpus_file= and a list of
    token lists all build exactly the same vocabulary, in the same order."""

    def build(corpus=None, corpus_file=None, workers=3):
        model = Word2Vec(vector_size=8, workers=workers)
        model.build_vocab(corpus, corpus_file=corpus_file)
        return model

    reference = build(demo_sentences)
    # Documented sizes of the demo corpus.
    assert reference.corpus_count == 24033
    assert reference.corpus_total_words == 1584265
    assert len(reference.wv) == 13574
    expected_counts = np.asarray(reference.wv.expandos["count"])
    for model in (
        build(LineSentence(demo_txt)),
        build(LineSentence(demo_txt), workers=1),
        build(corpus_file=demo_txt),
        build(LineSentence(demo_gz)),
        build(corpus_file=demo_gz),
        build(PathLineSentences(demo_txt)),
    ):
        assert model.corpus_count == reference.corpus_count
        assert model.corpus_total_words == reference.corpus_total_words
        assert model.wv.index_to_key == reference.wv.index_to_key
        np.testing.assert_array_equal(model.wv.expandos["count"], expected_counts)
        np.testing.assert_array_equal(
            model.wv.expandos["sample_int"], reference.wv.expandos["sample_int"]
        )


@pytest.mark.parametrize(
    "data",
    [
        b"a",
        b"a\n",
        b"a b",
        b"\n\n\na\n\n",
        b"x y z\nx y\nx",
        b"word\n" * 1000,
        b"a\nbb\nccc\n" * 333 + b"tail",
        "\u3000\u3000caf\xe9\u3000na\xefve\n".encode() * 97,
    ],
    ids=lambda d: f"{len(d)}B",
)
def test_partitioning_tiny_files(tmp_path, core, data):
    path = _write(tmp_path / "tiny.txt", data)
    expected = core.reference_lines(data)
    for workers in WORKER_COUNTS:
        core.same_stats(core.scanned(LineSentence(path), workers=workers), expected)
        core.same_stats(core.scanned(corpus_file=path, workers=workers), expected)


@pytest.mark.parametrize("workers", WORKER_COUNTS)
def test_partitioning_small_corpus(core, small_txt, workers):
    expected = core.reference_lines(Path(small_txt).read_bytes())
    core.same_stats(core.scanned(LineSentence(small_txt), workers=workers), expected)


@pytest.mark.parametrize("workers", WORKER_COUNTS)
def test_partitioning_whole_demo_corpus(core, demo_txt, demo_sentences, workers):
    expected = core.scanned(demo_sentences)
    core.same_stats(core.scanned(LineSentence(demo_txt), workers=workers), expected)


@pytest.fixture(scope="module")
def huge_line(tmp_path_factory, demo_lines):
    """One line of about 6 MB (a million words) and no newline at all."""
    words = " ".join(demo_lines[:18000]).encode()
    assert len(words) > 5_000_000
    return _write(tmp_path_factory.mktemp("huge") / "one_line.txt", words), words


@pytest.mark.parametrize("workers", WORKER_COUNTS)
def test_multi_megabyte_line_without_newline(core, huge_line, workers):
    path, data = huge_line
    expected = core.reference_lines(data)
    assert expected["corpus_count"] > 50  # cut into 10000-word sentences
    core.same_stats(core.scanned(LineSentence(path), workers=workers), expected)


def test_multi_megabyte_line_python_iteration(core, huge_line):
    path, data = huge_line
    chunks = list(LineSentence(path))
    assert [len(c) for c in chunks[:-1]] == [10000] * (len(chunks) - 1)
    assert sum(len(c) for c in chunks) == core.reference_lines(data)["total_words"]


def test_multi_megabyte_line_trains_every_word(huge_line):
    path, data = huge_line
    model = Word2Vec(vector_size=8, epochs=1, workers=3, min_count=5)
    model.build_vocab(LineSentence(path))
    effective, raw = model.train(LineSentence(path), total_examples=model.corpus_count, epochs=1)
    assert raw == len(data.split())
    assert 0 < effective <= raw


@pytest.mark.parametrize("workers", [1, 3])
def test_text8corpus_file_and_python_agree(tmp_path, core, sample_bytes, workers):
    path = _write(tmp_path / "t8.txt", sample_bytes)
    expected = core.reference_stream(sample_bytes, 1000)
    core.same_stats(core.scanned(Text8Corpus(path, 1000), workers=workers), expected)
    core.same_stats(core.scanned(list(Text8Corpus(path, 1000))), expected)


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "one_bz2"])
def test_pathlinesentences_file_and_python_agree(tmp_path, core, demo_lines, workers, compressed):
    """Files without a final newline: their last line stays a sentence of its own, whether
    the files are read by C++ byte ranges (all plain) or through Python (one compressed)."""
    d = tmp_path / "dir"
    d.mkdir()
    chunks = [demo_lines[i : i + 400] for i in range(0, 2000, 400)]
    for i, chunk in enumerate(chunks):
        suffix = ".txt.bz2" if compressed and i == 2 else ".txt"
        _write(d / f"part{i}{suffix}", ("\n".join(chunk) + ("\n" if i % 2 else "")).encode())
    expected = core.reference_lines("\n".join(demo_lines[:2000]).encode())
    core.same_stats(core.scanned(PathLineSentences(str(d)), workers=workers), expected)
    core.same_stats(core.scanned(list(PathLineSentences(str(d)))), expected)


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_compressed_corpus_file(tmp_path, core, sample_bytes, suffix):
    path = _write(tmp_path / f"c.txt{suffix}", sample_bytes)
    expected = core.reference_lines(sample_bytes)
    core.same_stats(core.scanned(corpus_file=path, workers=2), expected)
    core.same_stats(core.scanned(LineSentence(path), workers=2), expected)


def test_long_sentence_in_python_iterable_is_not_truncated():
    sentence = [f"w{i % 500}" for i in range(25000)]
    corpus = [sentence, ["w1", "w2", "w3"]]
    model = Word2Vec(vector_size=8, min_count=1, epochs=2, workers=2)
    model.build_vocab(corpus)
    assert model.corpus_total_words == 25003
    effective, raw = model.train(corpus, total_examples=model.corpus_count, epochs=2)
    assert raw == 2 * 25003


@pytest.mark.parametrize("workers", WORKER_COUNTS)
def test_training_on_a_file_reads_every_word_once(small_txt, workers):
    """Training's byte ranges, too, neither lose nor duplicate words."""
    model = Word2Vec(vector_size=8, workers=workers, min_count=5)
    model.build_vocab(corpus_file=small_txt)
    effective, raw = model.train(
        corpus_file=small_txt, total_words=model.corpus_total_words, epochs=2
    )
    assert raw == 2 * model.corpus_total_words


def test_empty_file_is_an_empty_corpus_for_any_worker_count(tmp_path):
    for data in (b"", b"\n", " \n\t\n\u3000\r\n".encode()):
        path = _write(tmp_path / "empty.txt", data)
        for workers in WORKER_COUNTS:
            with pytest.raises(ValueError, match="empty"):
                Word2Vec(LineSentence(path), workers=workers)


def test_linesentence_over_file_object_trains_on_every_word(small_txt):
    with open(small_txt, "rb") as f:
        model = Word2Vec(vector_size=8, workers=2, min_count=5)
        model.build_vocab(LineSentence(f))
        assert model.corpus_total_words > 100000
        # The file object is at its end after the vocabulary scan: training must rewind it.
        effective, raw = model.train(LineSentence(f), total_examples=model.corpus_count, epochs=2)
    assert raw == 2 * model.corpus_total_words
    assert effective > 0


def test_linesentence_over_in_memory_file_object(sample_bytes):
    corpus = LineSentence(io.BytesIO(sample_bytes))
    model = Word2Vec(corpus, vector_size=8, workers=2, min_count=2, epochs=1)
    assert model.corpus_total_words == len(sample_bytes.split())
    assert model.train(corpus, total_examples=model.corpus_count, epochs=1)[1] == len(
        sample_bytes.split()
    )


@pytest.mark.parametrize("max_len", [10000, 7])
def test_file_and_iterable_train_identically_with_one_worker(small_txt, max_len):
    """The same tokens in the same sentences, one worker and one seed: the C++ file reader
    and a Python list of the same sentences train bit-identical vectors. With a small
    max_sentence_length the file path must cut sentences exactly where Python does."""
    params = dict(vector_size=16, epochs=2, workers=1, min_count=3, seed=3)
    from_file = Word2Vec(LineSentence(small_txt, max_sentence_length=max_len), **params)
    from_list = Word2Vec(list(LineSentence(small_txt, max_sentence_length=max_len)), **params)
    assert from_file.corpus_count == from_list.corpus_count
    assert from_file.wv.index_to_key == from_list.wv.index_to_key
    np.testing.assert_array_equal(from_file.wv.vectors, from_list.wv.vectors)


# ---- what is not a corpus ------------------------------------------------------------------


class Restartable:
    """A corpus class whose __iter__ starts over, as gensim documents."""

    def __init__(self, sentences):
        self.sentences = sentences
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        yield from self.sentences


def test_restartable_iterable_is_read_once_per_pass(small_sentences):
    corpus = Restartable(small_sentences[:500])
    model = Word2Vec(corpus, vector_size=8, min_count=2, epochs=3, workers=2)
    assert corpus.passes == 1 + 3
    assert model.corpus_count == 500


@pytest.mark.parametrize(
    "make",
    [
        lambda s: (x for x in s),
        lambda s: iter(s),
        lambda s: map(list, s),
    ],
    ids=["generator", "list_iterator", "map"],
)
def test_one_shot_iterator_is_refused_with_the_reason(small_sentences, make):
    with pytest.raises(TypeError, match=r"(?i)pass"):
        Word2Vec(make(small_sentences[:100]), vector_size=8, min_count=1)
    model = Word2Vec(vector_size=8, min_count=1)
    model.build_vocab(small_sentences[:100])
    with pytest.raises(TypeError, match=r"(?i)pass"):
        model.train(make(small_sentences[:100]), total_examples=100, epochs=2)


def test_one_shot_iterator_is_refused_before_reading_it(small_sentences):
    consumed = []

    def gen():
        for s in small_sentences[:100]:
            consumed.append(s)
            yield s

    with pytest.raises(TypeError):
        Word2Vec(gen(), vector_size=8, min_count=1)
    assert consumed == []


def test_datasets_demo_path_exists():
    path = Path(w2v.datasets.demo_path())
    assert path.is_file() and path.suffix == ".gz"
