"""Training with phrases fused into the reader equals training on the phrased corpus."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import w2v

KW = dict(vector_size=16, epochs=2, seed=3, min_count=2)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("phrases_training")
    with gzip.open(w2v.datasets.demo_path(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(1500)]
    corpus = d / "novels.txt"
    corpus.write_text("".join(lines), encoding="utf-8")
    frozen = w2v.Phrases(corpus_file=str(corpus), min_count=3, threshold=5.0).freeze()
    phrased = d / "phrased.txt"
    frozen.transform_file(corpus, phrased)
    return str(corpus), str(phrased), frozen


def same(a: w2v.Word2Vec, b: w2v.Word2Vec) -> bool:
    return (
        a.wv.index_to_key == b.wv.index_to_key
        and a.corpus_total_words == b.corpus_total_words
        and a.corpus_count == b.corpus_count
        and np.array_equal(a.wv.vectors, b.wv.vectors)
    )


@pytest.mark.parametrize("sg", [0, 1])
def test_fused_file_training_equals_the_phrased_file(setup, sg):
    corpus, phrased, frozen = setup
    fused = w2v.Word2Vec(corpus_file=corpus, phrases=frozen, sg=sg, workers=1, **KW)
    plain = w2v.Word2Vec(corpus_file=phrased, sg=sg, workers=1, **KW)
    assert any("_" in w for w in fused.wv.index_to_key)
    assert same(fused, plain)


def test_build_vocab_phrases_applies_to_training_too(setup):
    corpus, phrased, frozen = setup
    model = w2v.Word2Vec(workers=1, **KW)
    model.build_vocab(corpus_file=corpus, phrases=frozen)
    model.train(corpus_file=corpus, total_words=model.corpus_total_words, epochs=model.epochs)
    assert same(model, w2v.Word2Vec(corpus_file=phrased, workers=1, **KW))


def test_iterables_and_compressed_files_are_phrased_too(setup, tmp_path: Path):
    corpus, phrased, frozen = setup
    plain = w2v.Word2Vec(list(w2v.LineSentence(phrased)), workers=1, **KW)
    fused = w2v.Word2Vec(list(w2v.LineSentence(corpus)), phrases=frozen, workers=1, **KW)
    assert same(fused, plain)
    gz = tmp_path / "novels.txt.gz"
    gz.write_bytes(gzip.compress(Path(corpus).read_bytes()))
    on_gz = w2v.Word2Vec(w2v.LineSentence(str(gz)), phrases=frozen, workers=2, **KW)
    assert on_gz.wv.index_to_key == plain.wv.index_to_key


def test_many_workers_see_the_phrased_vocabulary(setup):
    corpus, phrased, frozen = setup
    fused = w2v.Word2Vec(corpus_file=corpus, phrases=frozen, workers=3, **KW)
    plain = w2v.Word2Vec(corpus_file=phrased, workers=3, **KW)
    assert fused.wv.index_to_key == plain.wv.index_to_key
    assert fused.corpus_total_words == plain.corpus_total_words


def test_bad_phrases_argument():
    with pytest.raises(ValueError, match="phrases must be None or a w2v.FrozenPhrases"):
        w2v.Word2Vec(phrases={"new_york": 12.0})
