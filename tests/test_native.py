"""The native boundary itself: typed parameters, the kernel variant C++ resolves, the three ways
a corpus is fed (files, text pieces, sentence batches) and compression recognised by content.
"""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import numpy as np
import pytest

import w2v
from w2v import _core
from w2v.params import WORD2VEC_PARAMS
from w2v.sources import CorpusSource, resolve_corpus
from w2v.training import kernel_params, make_trainer

TEXT = "the cat sat on the mat\nthe dog sat\n\non a log the end\n" * 50
LINES = _core.SplitMode.lines


def fields(obj) -> set:
    return {n for n in dir(obj) if not n.startswith("_")}


def test_kernel_params_are_exactly_the_kernel_rows_of_the_parameter_table():
    assert fields(_core.KernelParams) == {p.name for p in WORD2VEC_PARAMS if p.kernel}


def test_kernel_params_take_the_models_values():
    model = w2v.Word2Vec(vector_size=12, window=3, negative=0, hs=1, sg=1, cbow_mean=0)
    kp = kernel_params(model)
    for p in WORD2VEC_PARAMS:
        if p.kernel:
            assert getattr(kp, p.name) == getattr(model, p.name), p.name
    assert kp.hs is True and kp.sg is True and kp.cbow_mean is False


def variant_text(sg, hs, negative, cbow_mean, shared) -> str:
    """The training log's description of a configuration, as it has always read."""
    arch = "skip-gram" if sg else ("CBOW-mean" if cbow_mean else "CBOW-sum")
    loss = "+".join(
        x for x, on in (("hierarchical softmax", hs), (f"negative={negative}", negative)) if on
    )
    shared_negatives = negative and shared and (sg or not hs)
    return f"{arch} with {loss}" + (", shared negatives" if shared_negatives else "")


@pytest.mark.parametrize(
    "sg,hs,negative,cbow_mean,shared",
    [c for c in itertools.product([0, 1], [0, 1], [0, 3], [0, 1], [False, True]) if c[1] or c[2]],
)
def test_trainer_describes_the_variant_it_resolved(sg, hs, negative, cbow_mean, shared):
    model = w2v.Word2Vec(
        [["a", "b", "c"]] * 3,
        min_count=1,
        vector_size=8,
        sg=sg,
        hs=hs,
        negative=negative,
        cbow_mean=cbow_mean,
        shared_negatives=shared,
        epochs=1,
        workers=1,
    )
    assert make_trainer(model).variant == variant_text(sg, hs, negative, cbow_mean, shared)


def counted(counter) -> dict:
    return dict(zip(counter.words(), counter.counts().tolist()))


@pytest.mark.parametrize("mode", ["lines", "stream"])
def test_the_three_ways_of_feeding_a_counter_count_the_same(tmp_path, mode):
    path = tmp_path / "c.txt"
    path.write_text(TEXT)
    split = _core.SplitMode[mode]
    by_files = _core.VocabCounter(0, 10000, 2)
    CorpusSource(files=[str(path)], mode=mode).feed(by_files)
    by_text = _core.VocabCounter(0, 10000)
    CorpusSource(files=[str(path)], mode=mode, limit=10**9).feed(by_text)
    by_sentences = _core.VocabCounter(0, 10000)
    by_sentences.feed_sentences([line.split() for line in TEXT.splitlines()])
    assert counted(by_files) == counted(by_text) == counted(by_sentences)
    assert by_files.total_words == by_text.total_words == by_sentences.total_words
    if split is _core.SplitMode.lines:
        assert by_files.sentences == by_text.sentences == 150
    assert by_files.bytes_read == path.stat().st_size


def test_a_file_scan_runs_in_the_background_until_finished(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT * 20)
    counter = _core.VocabCounter(0, 10000, 2)
    counter.feed_files([str(path)], [path.stat().st_size], _core.SplitMode.lines)
    with pytest.raises(RuntimeError, match="finish"):
        counter.feed_sentences([["x"]])  # not while the files are being counted
    while not counter.wait(0.01):
        pass
    counter.finish()
    assert counter.total_words == len(TEXT.split()) * 20


def test_a_file_scan_error_is_raised_by_finish(tmp_path):
    counter = _core.VocabCounter(0, 10000)
    counter.feed_files([str(tmp_path / "gone.txt")], [10], _core.SplitMode.lines)
    while not counter.wait(0.01):
        pass
    with pytest.raises(RuntimeError, match="cannot open"):
        counter.finish()


def test_an_epoch_is_fed_one_way_only(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT)
    model = w2v.Word2Vec(corpus_file=str(path), min_count=1, vector_size=8, epochs=1, workers=1)
    trainer = make_trainer(model)
    with pytest.raises(RuntimeError, match="begin_epoch"):
        trainer.feed_text(b"the cat\n", _core.SplitMode.lines)
    trainer.begin_epoch(_core.EpochPlan())
    trainer.feed_files([str(path)], [path.stat().st_size], _core.SplitMode.lines)
    with pytest.raises(RuntimeError, match="already has its input"):
        trainer.feed_sentences([["the", "cat"]])
    trainer.end_input()
    stats = trainer.finish()
    assert isinstance(stats, _core.EpochStats)
    assert stats.raw_words == len(TEXT.split()) and stats.sentences == 150
    # The next epoch may be fed another way.
    trainer.begin_epoch(_core.EpochPlan())
    assert trainer.feed_sentences([TEXT.split()])
    trainer.end_input()
    assert trainer.finish().raw_words == len(TEXT.split())


def test_an_epoch_fed_byte_ranges_trains_their_lines(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT)
    data = path.read_bytes()
    model = w2v.Word2Vec(corpus_file=str(path), min_count=1, vector_size=8, epochs=1, workers=3)
    trainer = make_trainer(model)
    cut = data.index(b"\n", len(data) // 3) + 1  # a line start
    ranges = [(0, cut), (cut, len(data))]
    plan = _core.EpochPlan()
    plan.batch_words = 50  # more than one job: the ranges are cut among the 3 threads
    trainer.begin_epoch(plan)
    trainer.feed_spans([str(path)] * 2, [b for b, _ in ranges], [e for _, e in ranges], LINES)
    trainer.end_input()
    stats = trainer.finish()
    assert stats.raw_words == len(TEXT.split()) and stats.sentences == 150
    trainer.begin_epoch(_core.EpochPlan())
    trainer.feed_spans([str(path)], [cut], [len(data)], LINES)
    trainer.end_input()
    assert trainer.finish().raw_words == len(data[cut:].split())
    trainer.begin_epoch(_core.EpochPlan())
    with pytest.raises(ValueError, match="ends before it begins"):
        trainer.feed_spans([str(path)], [cut], [0], LINES)


def test_noise_draws_avoid_the_given_word():
    sampler = _core.NoiseSampler(np.array([1.0, 5.0, 1.0]))
    draws = sampler.sample(500, 1, 3)
    assert 1 not in set(draws.tolist()) and len(draws) == 500
    assert (sampler.sample(50, -1, 3) == sampler.sample(50, -1, 3)).all()
    with pytest.raises(ValueError, match="other than"):
        _core.NoiseSampler(np.array([0.0, 1.0])).sample(1, 1, 0)


# ---- compression is recognised by content -------------------------------------------------------


def test_gzip_content_is_decompressed_whatever_the_name(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text(TEXT)
    disguised = tmp_path / "packed.txt"  # gzip data, plain-text name
    disguised.write_bytes(gzip.compress(TEXT.encode()))
    named = tmp_path / "really_plain.gz"  # plain text, gzip name
    named.write_text(TEXT)
    assert not resolve_corpus(corpus_file=str(disguised)).plain_paths
    assert resolve_corpus(corpus_file=str(named)).plain_paths
    vocabs = []
    for path in (plain, disguised, named):
        model = w2v.Word2Vec(min_count=1, workers=1)
        model.build_vocab(corpus_file=str(path))
        vocabs.append({w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key})
        assert list(w2v.LineSentence(str(path))) == [s.split() for s in TEXT.splitlines() if s]
    assert vocabs[0] == vocabs[1] == vocabs[2]


def test_compressed_text8_corpus_reads_like_the_plain_one(tmp_path):
    plain = tmp_path / "t8"
    plain.write_text(TEXT.replace("\n", " "))
    packed = Path(str(plain) + "z")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert list(w2v.Text8Corpus(str(packed), 7)) == list(w2v.Text8Corpus(str(plain), 7))
