"""Vocabulary building against gensim 4.4 on the same corpus: min_count, max_vocab_size,
max_final_vocab, trim_rule, sorted_vocab, null_word, subsampling thresholds,
build_vocab_from_freq and online updates.
"""

from __future__ import annotations

import inspect
import logging
import re

import numpy as np
import pytest
from gensim import utils as gensim_utils
from gensim.models import Word2Vec as GensimWord2Vec

import w2v
from w2v import LineSentence, Word2Vec


def _gensim(sentences, **params):
    model = GensimWord2Vec(vector_size=8, workers=1, **params)
    model.build_vocab(sentences)
    return model


def _w2v(corpus, **params):
    params.setdefault("workers", 2)
    model = Word2Vec(vector_size=8, **params)
    model.build_vocab(corpus)
    return model


def _counts(model) -> dict:
    wv = model.wv
    if isinstance(model, GensimWord2Vec):
        return {w: int(wv.get_vecattr(w, "count")) for w in wv.index_to_key}
    return dict(zip(wv.index_to_key, np.asarray(wv.expandos["count"]).tolist()))


def _sample_ints(model) -> dict:
    wv = model.wv
    if isinstance(model, GensimWord2Vec):
        return {w: int(wv.get_vecattr(w, "sample_int")) for w in wv.index_to_key}
    return dict(zip(wv.index_to_key, np.asarray(wv.expandos["sample_int"]).tolist()))


def _assert_same_vocab(mine, theirs, check_order=False, check_sample=True):
    assert mine.corpus_count == theirs.corpus_count
    assert mine.corpus_total_words == theirs.corpus_total_words
    assert mine.effective_min_count == theirs.effective_min_count
    mine_counts, their_counts = _counts(mine), _counts(theirs)
    assert set(mine_counts) == set(their_counts)
    assert mine_counts == their_counts
    if check_order:
        assert mine.wv.index_to_key == theirs.wv.index_to_key
    if check_sample:
        mine_ints = _sample_ints(mine)
        their_ints = _sample_ints(theirs)
        their_ints.pop("\0", None)  # gensim never sets it for its null word
        mine_ints.pop("\0", None)
        assert mine_ints == their_ints


# ---- the same vocabulary as gensim ------------------------------------------------------


@pytest.fixture(scope="module")
def sentences(demo_sentences):
    # A few empty sentences too: gensim counts them in corpus_count.
    return demo_sentences[:1000] + [[]] + demo_sentences[1000:] + [[], []]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"min_count": 1},
        {"min_count": 20},
        {"max_final_vocab": 3000},
        {"max_final_vocab": 3000, "min_count": 40},
        {"max_final_vocab": 10**6},
        {"max_vocab_size": 20000},
        {"max_vocab_size": 4000, "min_count": 1},
        {"sample": 1e-5},
        {"sample": 0},
        {"sample": 50},
        {"null_word": 1},
    ],
    ids=repr,
)
def test_same_vocabulary_as_gensim(sentences, params):
    _assert_same_vocab(_w2v(sentences, **params), _gensim(sentences, **params))


def test_unsorted_vocabulary_keeps_gensim_first_seen_order(sentences):
    mine = _w2v(sentences, sorted_vocab=0)
    theirs = _gensim(sentences, sorted_vocab=0)
    _assert_same_vocab(mine, theirs, check_order=True)


def test_sorted_vocabulary_is_by_descending_count_ties_first_seen(sentences):
    sorted_model = _w2v(sentences)
    unsorted_model = _w2v(sentences, sorted_vocab=0)
    counts = np.asarray(sorted_model.wv.expandos["count"])
    assert np.all(np.diff(counts) <= 0)
    assert sorted_model.wv.index_to_key[:5] == ["the", "and", "of", "to", "a"]
    first_seen = {w: i for i, w in enumerate(unsorted_model.wv.index_to_key)}
    for a, b in zip(sorted_model.wv.index_to_key, sorted_model.wv.index_to_key[1:]):
        if sorted_model.wv.get_vecattr(a, "count") == sorted_model.wv.get_vecattr(b, "count"):
            assert first_seen[a] < first_seen[b]


def test_file_scan_with_one_worker_prunes_like_gensim(demo_txt, demo_sentences):
    # Pruning depends on the order words are met: one reader thread meets them in file order.
    mine = _w2v(LineSentence(demo_txt), max_vocab_size=6000, workers=1)
    _assert_same_vocab(mine, _gensim(demo_sentences, max_vocab_size=6000))


@pytest.mark.parametrize("workers", [2, 3])
def test_max_vocab_size_prunes_during_the_file_scan(demo_txt, workers):
    full = _w2v(LineSentence(demo_txt), min_count=1, workers=workers)
    pruned = _w2v(LineSentence(demo_txt), min_count=1, max_vocab_size=3000, workers=workers)
    assert len(full.wv) > 20000
    assert len(pruned.wv) <= 3000
    assert pruned.corpus_total_words == full.corpus_total_words
    # Frequent words survive pruning with their exact counts.
    for word in ["the", "and", "said", "little"]:
        assert pruned.wv.get_vecattr(word, "count") == full.wv.get_vecattr(word, "count")


# ---- trim_rule ----------------------------------------------------------------------------


def test_rule_constants_are_gensims():
    assert w2v.RULE_DEFAULT == gensim_utils.RULE_DEFAULT
    assert w2v.RULE_KEEP == gensim_utils.RULE_KEEP
    assert w2v.RULE_DISCARD == gensim_utils.RULE_DISCARD
    assert len({w2v.RULE_DEFAULT, w2v.RULE_KEEP, w2v.RULE_DISCARD}) == 3


def _make_rule(rules):
    """A trim rule built from gensim's or w2v's constants, recording its calls."""
    keep, discard, default = rules
    calls = []

    def rule(word, count, min_count):
        calls.append((word, int(count), int(min_count)))
        if word.endswith("ly") and count >= 2:
            return keep
        if len(word) <= 2 or word in ("the", "and"):
            return discard
        return default

    rule.calls = calls
    return rule


@pytest.mark.parametrize("params", [{}, {"min_count": 10}, {"max_final_vocab": 2000}], ids=repr)
def test_trim_rule_same_as_gensim(sentences, params):
    mine_rule = _make_rule((w2v.RULE_KEEP, w2v.RULE_DISCARD, w2v.RULE_DEFAULT))
    their_rule = _make_rule(
        (gensim_utils.RULE_KEEP, gensim_utils.RULE_DISCARD, gensim_utils.RULE_DEFAULT)
    )
    mine = Word2Vec(vector_size=8, workers=2, **params)
    mine.build_vocab(sentences, trim_rule=mine_rule)
    theirs = GensimWord2Vec(vector_size=8, workers=1, **params)
    theirs.build_vocab(sentences, trim_rule=their_rule)
    _assert_same_vocab(mine, theirs)
    assert "the" not in mine.wv and "of" not in mine.wv
    rare_ly = [w for w in mine.wv.index_to_key if w.endswith("ly")]
    assert any(mine.wv.get_vecattr(w, "count") < mine.effective_min_count for w in rare_ly)
    # The rule saw the same (word, count, effective min_count) triples as gensim's.
    assert sorted(mine_rule.calls) == sorted(their_rule.calls)


def test_trim_rule_keeps_words_through_scan_pruning(sentences):
    # gensim applies trim_rule when max_vocab_size prunes the scan too: kept words survive.
    def rule(word, count, min_count):
        return w2v.RULE_KEEP if word.startswith("q") else w2v.RULE_DEFAULT

    mine = Word2Vec(vector_size=8, workers=2, max_vocab_size=5000, min_count=3)
    mine.build_vocab(sentences, trim_rule=rule)
    theirs = GensimWord2Vec(vector_size=8, workers=1, max_vocab_size=5000, min_count=3)
    theirs.build_vocab(sentences, trim_rule=rule)
    assert sum(w.startswith("q") for w in theirs.wv.index_to_key) > sum(
        w.startswith("q")
        for w in _gensim(sentences, max_vocab_size=5000, min_count=3).wv.key_to_index
    )
    _assert_same_vocab(mine, theirs)


def test_trim_rule_in_constructor(small_sentences):
    def rule(word, count, min_count):
        return w2v.RULE_DISCARD if word == "the" else w2v.RULE_DEFAULT

    model = Word2Vec(small_sentences, trim_rule=rule, vector_size=8, epochs=1, workers=2)
    assert "the" not in model.wv
    assert "and" in model.wv


# ---- subsampling ------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", [1e-3, 1e-4, 0.0, 1.0, 100.0])
def test_keep_probabilities_equal_gensims(sentences, sample):
    mine = _w2v(sentences, sample=sample)
    theirs = _gensim(sentences, sample=sample)
    mine_ints = _sample_ints(mine)
    their_ints = _sample_ints(theirs)
    assert mine_ints == their_ints
    assert mine.wv.expandos["sample_int"].dtype == np.uint32
    if sample:
        assert mine_ints["the"] < 2**32 - 1  # frequent words are downsampled
    else:
        assert set(mine_ints.values()) == {2**32 - 1}


# ---- build_vocab_from_freq --------------------------------------------------------------------


def test_build_vocab_from_freq_same_as_gensim():
    freq = {"alpha": 1000, "beta": 400, "gamma": 30, "delta": 5, "eps": 4, "zeta": 1}
    for params in ({}, {"min_count": 1, "sample": 1e-2}, {"max_final_vocab": 3}):
        mine = Word2Vec(vector_size=8, **params)
        mine.build_vocab_from_freq(freq, corpus_count=77)
        theirs = GensimWord2Vec(vector_size=8, **params)
        theirs.build_vocab_from_freq(freq, corpus_count=77)
        assert _counts(mine) == _counts(theirs)
        assert _sample_ints(mine) == _sample_ints(theirs)
        assert mine.corpus_count == theirs.corpus_count == 77
        assert mine.effective_min_count == theirs.effective_min_count


def test_build_vocab_from_freq_then_train(small_sentences):
    from collections import Counter

    freq = Counter(w for s in small_sentences for w in s)
    model = Word2Vec(vector_size=16, workers=2, min_count=5)
    model.build_vocab_from_freq(freq, corpus_count=len(small_sentences))
    assert set(model.wv.index_to_key) == {w for w, c in freq.items() if c >= 5}
    before = model.wv.vectors.copy()
    effective, raw = model.train(small_sentences, total_examples=model.corpus_count, epochs=1)
    assert raw == sum(freq.values())
    assert not np.allclose(before, model.wv.vectors)


def test_build_vocab_from_freq_update_adds_words():
    model = Word2Vec(vector_size=8, min_count=1)
    model.build_vocab_from_freq({"a": 10, "b": 5})
    vec_a = model.wv["a"].copy()
    model.build_vocab_from_freq({"b": 3, "c": 7}, update=True)
    assert model.wv.index_to_key == ["a", "b", "c"]
    assert _counts(model) == {"a": 10, "b": 8, "c": 7}
    np.testing.assert_array_equal(model.wv["a"], vec_a)


# ---- online learning ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def halves(demo_sentences):
    return demo_sentences[:12000], demo_sentences[12000:]


def test_update_vocabulary_same_as_gensim(halves):
    first, second = halves
    mine = Word2Vec(vector_size=8, workers=2)
    mine.build_vocab(first)
    theirs = GensimWord2Vec(vector_size=8, workers=1)
    theirs.build_vocab(first)
    n_old = len(mine.wv)
    assert set(mine.wv.index_to_key) == set(theirs.wv.index_to_key)

    mine.build_vocab(second, update=True)
    theirs.build_vocab(second, update=True)
    assert mine.wv.index_to_key[n_old:] == theirs.wv.index_to_key[n_old:]
    assert len(mine.wv) > n_old + 1000
    assert mine.corpus_count == theirs.corpus_count
    assert mine.corpus_total_words == theirs.corpus_total_words
    assert _counts(mine) == _counts(theirs)
    assert _sample_ints(mine) == _sample_ints(theirs)


def test_online_learning_adds_words_and_keeps_old_vectors(halves):
    first, second = halves
    model = Word2Vec(first, vector_size=24, epochs=2, workers=2, seed=5)
    old_keys = list(model.wv.index_to_key)
    old_vectors = model.wv.vectors.copy()
    second_words = {w for s in second for w in s}

    model.build_vocab(second, update=True)
    assert model.wv.index_to_key[: len(old_keys)] == old_keys
    new_words = model.wv.index_to_key[len(old_keys) :]
    assert len(new_words) > 1000
    assert "dracula" in new_words or "ahab" in new_words
    np.testing.assert_array_equal(model.wv.vectors[: len(old_keys)], old_vectors)
    assert len(model.wv.vectors) == len(model.wv)
    new_init = model.wv.vectors[len(old_keys) :].copy()

    model.train(second, total_examples=model.corpus_count, epochs=model.epochs)
    vectors = model.wv.vectors
    # Words absent from the new corpus are never inputs: their vectors are untouched.
    absent = [i for i, w in enumerate(old_keys) if w not in second_words]
    assert len(absent) > 100
    np.testing.assert_array_equal(vectors[absent], old_vectors[absent])
    # Words in both corpora continue from where they were (not reset to random).
    shared = [i for i, w in enumerate(old_keys[:500]) if w in second_words]
    a, b = vectors[shared], old_vectors[shared]
    cos = np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert np.median(cos) > 0.5
    # New words were trained.
    trained_norm = np.linalg.norm(vectors[len(old_keys) :], axis=1)
    assert np.median(trained_norm) > 1.5 * np.median(np.linalg.norm(new_init, axis=1))


def test_update_without_vocabulary_is_refused(small_sentences):
    with pytest.raises(RuntimeError, match="vocabulary"):
        Word2Vec(vector_size=8).build_vocab(small_sentences, update=True)


# ---- signature and logging --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["build_vocab", "build_vocab_from_freq", "train"])
def test_vocabulary_method_defaults_match_gensim(method):
    mine = inspect.signature(getattr(Word2Vec, method)).parameters
    theirs = inspect.signature(getattr(GensimWord2Vec, method)).parameters
    for name, param in theirs.items():
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        assert name in mine, f"{method}() lacks gensim's parameter {name!r}"
        assert mine[name].default == param.default, name
    positional = [n for n, p in theirs.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    assert [n for n, p in mine.items() if p.kind == p.POSITIONAL_OR_KEYWORD][
        : len(positional)
    ] == positional


def test_scan_logs_progress_and_summary(caplog, sentences):
    caplog.set_level(logging.INFO, logger="w2v")
    model = Word2Vec(vector_size=8, workers=2)
    model.build_vocab(sentences, progress_per=5000, keep_raw_vocab=True)
    text = "\n".join(r.getMessage() for r in caplog.records)
    # About one progress line per progress_per sentences (w2v counts in batches).
    progress = [int(n) for n in re.findall(r"PROGRESS: at sentence #(\d+)", text)]
    assert len(progress) == model.corpus_count // 5000
    assert all(5000 * (k + 1) <= n < 5000 * (k + 1) + 1000 for k, n in enumerate(progress))
    assert f"collected {len(model.raw_vocab)} word types" in text
    assert f"from a corpus of {model.corpus_total_words} raw words" in text
    assert f"and {model.corpus_count} sentences" in text
    assert f"retains {len(model.wv)} unique words" in text
    assert "downsamples" in text


def _counted(text: bytes):
    counter = w2v._core.VocabCounter(0, 10000, 1, None)
    counter.feed_text(text, w2v._core.SplitMode.lines)
    counter.end_input()
    while not counter.wait(0.1):
        pass
    counter.finish()
    return counter


def _fed_again(counter, text: bytes, path=None):
    if path is None:
        counter.feed_text(text, w2v._core.SplitMode.lines)
    else:
        path.write_bytes(text)
        counter.feed_spans([str(path)], [0], [len(text)], w2v._core.SplitMode.lines)
    counter.end_input()
    while not counter.wait(0.1):
        pass
    counter.finish()


@pytest.mark.parametrize("from_file", [False, True])
def test_a_counter_fed_again_counts_on_as_if_the_inputs_were_one(tmp_path, from_file):
    first, second = b"a b c a\nd e\n", b"e f a\n\ng a a\n"
    whole = _counted(first + second)
    counter = w2v._core.VocabCounter(0, 10000, 1, None)
    _fed_again(counter, first, tmp_path / "first.txt" if from_file else None)
    assert (counter.total_words, counter.sentences) == (6, 2)
    _fed_again(counter, second, tmp_path / "second.txt" if from_file else None)
    assert counter.words() == whole.words() == ["a", "b", "c", "d", "e", "f", "g"]
    np.testing.assert_array_equal(counter.counts(), whole.counts())
    assert (counter.total_words, counter.sentences) == (whole.total_words, whole.sentences)


def test_word_freq_counts_are_checked_word_by_word():
    model = Word2Vec(min_count=1)
    model.build_vocab_from_freq({"a": 3, "b": np.int64(2), "c": 1})
    assert model.wv.index_to_key == ["a", "b", "c"]
    for bad in (-1, 2**63, 1.5, True):
        with pytest.raises((TypeError, ValueError), match="word_freq\\['b'\\]"):
            Word2Vec(min_count=1).build_vocab_from_freq({"a": 3, "b": bad})


@pytest.mark.parametrize("workers", [1, 3])
def test_byte_ranges_count_as_their_text(tmp_path, workers):
    lines = [f"w{i % 7} x{i % 3} {'y ' * (i % 5)}end".encode() for i in range(400)]
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_bytes(b"\n".join(lines[:250]) + b"\n")
    two.write_bytes(b"\n".join(lines[250:]))  # no newline at the end
    data_one, data_two = one.read_bytes(), two.read_bytes()
    # Ranges starting at line starts: the middle of one, then two from its third line on.
    a = data_one.index(b"\n", 1000) + 1
    b = data_one.index(b"\n", 2500) + 1
    c = data_two.index(b"\n", data_two.index(b"\n") + 1) + 1
    counter = w2v._core.VocabCounter(0, 10000, workers)
    counter.feed_spans([str(one), str(two)], [a, c], [b, len(data_two)], w2v._core.SplitMode.lines)
    counter.end_input()
    while not counter.wait(0.1):
        pass
    counter.finish()
    expected = _counted(data_one[a:b] + data_two[c:])
    assert counter.words() == expected.words()
    np.testing.assert_array_equal(counter.counts(), expected.counts())
    assert (counter.total_words, counter.sentences) == (expected.total_words, expected.sentences)
    with pytest.raises(ValueError, match="ends before it begins"):
        w2v._core.VocabCounter(0, 10000, workers).feed_spans(
            [str(one)], [b], [a], w2v._core.SplitMode.lines
        )
