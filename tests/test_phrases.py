"""w2v.Phrases / FrozenPhrases against gensim 4.4 on real text (the demo novels): the same
counts, pruning, phrases and scores, for both scorings, with and without connector words."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import List

import pytest

import w2v

gp = pytest.importorskip("gensim.models.phrases")

N_LINES = 2500  # a few thousand paragraphs keep gensim's pure-Python pass fast


@pytest.fixture(scope="module")
def lines() -> List[str]:
    with gzip.open(w2v.datasets.demo_path(), "rt", encoding="utf-8") as f:
        return [next(f).rstrip("\n") for _ in range(N_LINES)]


@pytest.fixture(scope="module")
def sents(lines: List[str]) -> List[List[str]]:
    return [line.split() for line in lines if line.split()]


@pytest.fixture(scope="module")
def corpus_file(lines: List[str], tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("phrases") / "novels.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def overlap_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    return bigram_count / (worda_count + wordb_count - bigram_count)


CASES = {
    "default": dict(min_count=3, threshold=5.0),
    "npmi": dict(min_count=3, threshold=0.3, scoring="npmi"),
    "default-connectors": dict(min_count=3, threshold=5.0, connector_words="english"),
    "npmi-connectors": dict(min_count=2, threshold=0.2, scoring="npmi", connector_words="english"),
    "pruned": dict(min_count=2, threshold=3.0, max_vocab_size=4000),
    "pruned-connectors": dict(
        min_count=2, threshold=0.1, scoring="npmi", max_vocab_size=6000, connector_words="english"
    ),
    "custom": dict(min_count=3, threshold=0.05, scoring=overlap_scorer),
}


def kwargs(case: str, module) -> dict:
    kw = dict(CASES[case])
    if kw.get("connector_words") == "english":
        kw["connector_words"] = module.ENGLISH_CONNECTOR_WORDS
    return kw


@pytest.fixture(scope="module", params=sorted(CASES))
def pair(request, sents):
    case = request.param
    return case, gp.Phrases(sents, **kwargs(case, gp)), w2v.Phrases(sents, **kwargs(case, w2v))


def test_connector_words_are_gensims():
    assert w2v.ENGLISH_CONNECTOR_WORDS == gp.ENGLISH_CONNECTOR_WORDS


def test_counts_pruning_and_totals_equal_gensim(pair):
    _, g, m = pair
    assert dict(m.vocab.items()) == g.vocab
    assert len(m.vocab) == len(g.vocab)
    assert m.corpus_word_count == g.corpus_word_count
    assert m.min_reduce == g.min_reduce
    assert str(m) == str(g)


def test_export_and_find_phrases_equal_gensim(pair, sents):
    case, g, m = pair
    exported = g.export_phrases()
    assert exported, "the case must find phrases to be a test"
    assert m.export_phrases() == exported  # same keys, bit-identical scores
    assert m.find_phrases(sents) == g.find_phrases(sents)


def test_applying_equals_gensim(pair, sents):
    _, g, m = pair
    sample = sents[:400]
    assert [m[s] for s in sample] == [g[s] for s in sample]
    assert list(m[sample]) == list(g[sample])
    s = next(s for s in sents if m[s] != s)
    assert list(m.analyze_sentence(s)) == list(g.analyze_sentence(s))
    assert m.score_candidate(s[0], s[1], []) == g.score_candidate(s[0], s[1], [])


def test_frozen_phrases_travel_by_pickle(pair, sents):
    """Dask sends a FrozenPhrases to its workers by pickle: the native table is rebuilt."""
    import pickle

    frozen = pair[2].freeze()
    copy = pickle.loads(pickle.dumps(frozen))
    assert copy.phrasegrams == frozen.phrasegrams and copy.threshold == frozen.threshold
    assert [copy[s] for s in sents[:400]] == [frozen[s] for s in sents[:400]]


def test_frozen_equals_gensim(pair, sents):
    _, g, m = pair
    gf, mf = g.freeze(), m.freeze()
    assert mf.phrasegrams == gf.phrasegrams
    assert str(mf) == str(gf)
    assert list(mf[sents]) == list(gf[sents])
    assert mf.find_phrases(sents) == gf.find_phrases(sents)
    assert w2v.Phraser is w2v.FrozenPhrases


@pytest.mark.parametrize("case", ["default", "pruned-connectors"])
def test_file_input_equals_gensim_linesentence(case, corpus_file, sents):
    from gensim.models.word2vec import LineSentence

    g = gp.Phrases(LineSentence(corpus_file), **kwargs(case, gp))
    for m in (
        w2v.Phrases(corpus_file=corpus_file, workers=2, **kwargs(case, w2v)),
        w2v.Phrases(w2v.LineSentence(corpus_file), workers=1, **kwargs(case, w2v)),
    ):
        assert dict(m.vocab.items()) == g.vocab
        assert m.export_phrases() == g.export_phrases()
        assert m.min_reduce == g.min_reduce


def test_trigrams_by_a_second_pass(sents):
    g1 = gp.Phrases(sents, min_count=3, threshold=5.0)
    m1 = w2v.Phrases(sents, min_count=3, threshold=5.0)
    g2 = gp.Phrases(g1[sents], min_count=3, threshold=5.0)
    m2 = w2v.Phrases(m1[sents], min_count=3, threshold=5.0)
    trigrams = [k for k in g2.export_phrases() if k.count("_") >= 2]
    assert trigrams
    assert m2.export_phrases() == g2.export_phrases()
    assert list(m2.freeze()[m1.freeze()[sents]]) == list(g2.freeze()[g1.freeze()[sents]])


@pytest.mark.parametrize("max_vocab_size", [40000000, 6000])
def test_add_vocab_merges_and_prunes_as_gensim(sents, corpus_file, max_vocab_size):
    kw = dict(min_count=2, threshold=3.0, max_vocab_size=max_vocab_size)
    g = gp.Phrases(sents[:800], **kw)
    m = w2v.Phrases(sents[:800], **kw)
    g.add_vocab(sents[800:1600])
    m.add_vocab(sents[800:1600])
    g.add_vocab(sents)
    m.add_vocab(corpus_file=corpus_file)
    assert dict(m.vocab.items()) == g.vocab
    assert (m.min_reduce, m.corpus_word_count) == (g.min_reduce, g.corpus_word_count)
    assert m.export_phrases() == g.export_phrases()


def test_edge_sentences_as_gensim():
    data = [["a", "b", "the", "c"], ["a", "b"], ["", "a", "b"], ["the"], [], ["a", "the", "b"]] * 6
    for kw in (dict(min_count=1, threshold=0.1), dict(connector_words=frozenset(["the", ""]))):
        kw.setdefault("min_count", 1)
        kw.setdefault("threshold", 0.1)
        g, m = gp.Phrases(data, **kw), w2v.Phrases(data, **kw)
        assert dict(m.vocab.items()) == g.vocab
        for s in data[:6] + [["x", "a", "b", "b"]]:
            assert m[s] == g[s]
            assert m.freeze()[s] == g.freeze()[s]
    assert m[[]] == []


def test_bad_parameters_fail_before_reading(tmp_path: Path):
    def unread():
        raise AssertionError("the corpus must not be read")
        yield  # pragma: no cover

    bad = [
        (dict(threshold=0), "threshold must be a finite number in the range (0, inf), got 0"),
        (dict(scoring="npmi", threshold=1.5), "threshold must be a finite number in the range"),
        (dict(scoring="pmi"), "scoring must be 'default', 'npmi' or a callable, got 'pmi'"),
        (dict(delimiter=""), "delimiter must be a non-empty str without whitespace, got ''"),
        (dict(delimiter="_ "), "delimiter must be a non-empty str without whitespace"),
        (dict(min_count=0), "min_count must be"),
        (dict(max_vocab_size=0), "max_vocab_size must be"),
        (dict(scoring=lambda worda_count, x: 0.0), "lacks wordb_count"),
        (dict(connector_words="the"), "connector_words must be a set of str"),
    ]
    for kw, message in bad:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            w2v.Phrases(unread(), **kw)
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        w2v.Phrases(corpus_file=tmp_path / "missing.txt")
