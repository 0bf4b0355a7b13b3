"""Interoperability with gensim 4.4: files written by one library are read by the other with
identical keys, order, counts and vectors, and on the same vectors w2v's queries and
evaluations give gensim's answers (same keys in order, scores within 1e-5)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any, List, Tuple

import numpy as np
import pytest

import w2v
from w2v import KeyedVectors

gensim_models = pytest.importorskip("gensim.models")
GensimKV = gensim_models.KeyedVectors

DATA = Path(__file__).resolve().parent / "data"
VECTORS = DATA / "kv_vectors.txt"
ANALOGIES = DATA / "kv_analogies.txt"
PAIRS = DATA / "kv_pairs.tsv"

NON_ASCII = ["naïve", "日本語", "Straße", "emoji😀", "Ελλάδα", "москва", "ñandú", "café"]


@pytest.fixture(autouse=True)
def quiet_gensim():
    logging.getLogger("gensim").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # gensim divides by a zero norm
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def random_pair(n: int = 2000, dim: int = 32, seed: int = 42) -> Tuple[KeyedVectors, Any]:
    """The same random vectors (with non-ASCII keys and counts) in w2v and in gensim."""
    rng = np.random.default_rng(seed)
    keys = [f"w{i}" for i in range(n)]
    for row, word in zip([7, 18, 25, 46, 67, 88, 109, 130], NON_ASCII):
        if row < n:
            keys[row] = word
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    counts = np.sort(rng.integers(1, 10**6, size=n))[::-1].astype(np.int64)
    ours = KeyedVectors(dim)
    ours.add_vectors(keys, vectors)
    ours.expandos["count"] = counts.copy()
    theirs = GensimKV(dim)
    theirs.add_vectors(keys, vectors)
    for key, count in zip(keys, counts.tolist()):
        theirs.set_vecattr(key, "count", count)
    return ours, theirs


@pytest.fixture(scope="module")
def pair() -> Tuple[KeyedVectors, Any]:
    return random_pair()


@pytest.fixture(scope="module")
def fixture_pair() -> Tuple[KeyedVectors, Any]:
    return KeyedVectors.load_word2vec_format(VECTORS), GensimKV.load_word2vec_format(VECTORS)


@pytest.fixture(scope="module")
def trained_pair() -> Tuple[KeyedVectors, Any, w2v.Word2Vec]:
    """Vectors of a small w2v model, given to gensim through a binary file."""
    rng = np.random.default_rng(0)
    vocab = [f"t{i}" for i in range(60)] + NON_ASCII
    sentences = [list(rng.choice(vocab, size=12)) for _ in range(300)]
    model = w2v.Word2Vec(sentences, vector_size=16, min_count=1, workers=1, epochs=2, seed=5)
    return model.wv, None, model


def assert_same_result(got: List, want: List, atol: float = 1e-5) -> None:
    assert [k for k, _ in got] == [k for k, _ in want]
    np.testing.assert_allclose([s for _, s in got], [float(s) for _, s in want], atol=atol)


# ---- files both ways -----------------------------------------------------------------------------


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"])
def test_w2v_writes_gensim_reads(pair, tmp_path: Path, binary: bool, suffix: str) -> None:
    ours, _ = pair
    path, vocab = tmp_path / f"v{suffix}", tmp_path / f"vocab{suffix}"
    ours.save_word2vec_format(path, fvocab=vocab, binary=binary)
    theirs = GensimKV.load_word2vec_format(path, fvocab=vocab, binary=binary)
    assert theirs.index_to_key == ours.index_to_key
    np.testing.assert_array_equal(theirs.vectors, ours.vectors)
    assert [theirs.get_vecattr(k, "count") for k in theirs.index_to_key] == (
        ours.expandos["count"].tolist()
    )


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"])
def test_gensim_writes_w2v_reads(pair, tmp_path: Path, binary: bool, suffix: str) -> None:
    _, theirs = pair
    path, vocab = tmp_path / f"v{suffix}", tmp_path / f"vocab{suffix}"
    theirs.save_word2vec_format(path, fvocab=vocab, binary=binary)
    ours = KeyedVectors.load_word2vec_format(path, fvocab=vocab, binary=binary)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert ours.expandos["count"].tolist() == [
        theirs.get_vecattr(k, "count") for k in theirs.index_to_key
    ]


def test_same_bytes_and_same_loaded_state(pair, tmp_path: Path) -> None:
    ours, theirs = pair
    ours.save_word2vec_format(tmp_path / "ours.bin", binary=True)
    theirs.save_word2vec_format(tmp_path / "theirs.bin", binary=True)
    assert (tmp_path / "ours.bin").read_bytes() == (tmp_path / "theirs.bin").read_bytes()
    theirs.save_word2vec_format(tmp_path / "theirs.txt")
    for binary, name in ((True, "theirs.bin"), (False, "theirs.txt")):
        a = KeyedVectors.load_word2vec_format(tmp_path / name, binary=binary, limit=500)
        b = GensimKV.load_word2vec_format(tmp_path / name, binary=binary, limit=500)
        assert a.index_to_key == b.index_to_key and a.key_to_index == b.key_to_index
        np.testing.assert_array_equal(a.vectors, b.vectors)
        assert a.expandos["count"].tolist() == b.expandos["count"].tolist()  # made-up counts


def test_sort_by_count_on_save_matches(pair, tmp_path: Path) -> None:
    ours, theirs = random_pair(n=50, dim=4, seed=3)
    ours.expandos["count"][:] = np.arange(50) % 7  # ties and an order to restore
    for i, key in enumerate(theirs.index_to_key):
        theirs.set_vecattr(key, "count", i % 7)
    ours.save_word2vec_format(tmp_path / "ours.txt", fvocab=tmp_path / "ours.vocab")
    theirs.save_word2vec_format(tmp_path / "theirs.txt", fvocab=tmp_path / "theirs.vocab")
    assert (tmp_path / "ours.vocab").read_bytes() == (tmp_path / "theirs.vocab").read_bytes()
    a = KeyedVectors.load_word2vec_format(tmp_path / "ours.txt")
    b = KeyedVectors.load_word2vec_format(tmp_path / "theirs.txt")
    assert a.index_to_key == b.index_to_key
    np.testing.assert_array_equal(a.vectors, b.vectors)


@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_c_layout_both_read_alike(pair, tmp_path: Path, newline: bool) -> None:
    ours, _ = pair
    rows = [
        k.encode() + b" " + v.astype("<f4").tobytes() + (b"\n" if newline else b"")
        for k, v in zip(ours.index_to_key, ours.vectors)
    ]
    path = tmp_path / "c.bin"
    path.write_bytes(f"{len(ours)} {ours.vector_size}\n".encode() + b"".join(rows))
    a = KeyedVectors.load_word2vec_format(path, binary=True)
    b = GensimKV.load_word2vec_format(path, binary=True)
    assert a.index_to_key == b.index_to_key == ours.index_to_key
    np.testing.assert_array_equal(a.vectors, b.vectors)


def test_no_header_text_matches(pair, tmp_path: Path) -> None:
    ours, theirs = pair
    theirs.save_word2vec_format(tmp_path / "bare.txt", write_header=False)
    a = KeyedVectors.load_word2vec_format(tmp_path / "bare.txt", no_header=True)
    b = GensimKV.load_word2vec_format(tmp_path / "bare.txt", no_header=True)
    assert a.index_to_key == b.index_to_key
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert a.expandos["count"].tolist() == b.expandos["count"].tolist()


def test_trained_model_vectors_in_gensim(trained_pair, tmp_path: Path) -> None:
    wv, _, _ = trained_pair
    wv.save_word2vec_format(tmp_path / "m.bin", fvocab=tmp_path / "m.vocab", binary=True)
    theirs = GensimKV.load_word2vec_format(
        tmp_path / "m.bin", fvocab=tmp_path / "m.vocab", binary=True
    )
    assert theirs.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(theirs.vectors, wv.vectors)
    assert [theirs.get_vecattr(k, "count") for k in wv.index_to_key] == (
        wv.expandos["count"].tolist()
    )
    for key in ["t0", "naïve", "日本語"]:
        assert_same_result(wv.most_similar(key), theirs.most_similar(key))
    assert_same_result(
        wv.most_similar_cosmul(["t1", "café"], ["t2"]),
        theirs.most_similar_cosmul(["t1", "café"], ["t2"]),
    )


# ---- queries -------------------------------------------------------------------------------------


QUERIES = [
    {"positive": ["w10"]},
    {"positive": "naïve"},
    {"positive": ["w10", "日本語"], "negative": ["w30"]},
    {"positive": [("w10", 2.0), ("w11", 0.5)], "negative": [("w12", 0.7)]},
    {"negative": ["Straße"]},
    {"positive": ["w10"], "topn": 25},
    {"positive": ["w10"], "restrict_vocab": 300},
    {"positive": ["w10"], "clip_start": 100, "clip_end": 900},
    {"positive": ["emoji😀", "w1", "w2", "w5"], "negative": ["w6", "москва"], "topn": 3},
]


@pytest.mark.parametrize("query", QUERIES)
def test_most_similar(pair, query) -> None:
    ours, theirs = pair
    assert_same_result(ours.most_similar(**query), theirs.most_similar(**query))


def test_most_similar_by_vector_and_all(pair) -> None:
    ours, theirs = pair
    vec = ours["w40"] * 3 + ours["w41"]
    assert_same_result(ours.similar_by_vector(vec), theirs.similar_by_vector(vec))
    assert_same_result(
        ours.most_similar(positive=[vec], negative=["w42"]),
        theirs.most_similar(positive=[vec], negative=["w42"]),
    )
    np.testing.assert_allclose(
        ours.most_similar("w3", topn=None), theirs.most_similar("w3", topn=None), atol=1e-6
    )
    assert_same_result(ours.similar_by_word("w3", topn=5), theirs.similar_by_word("w3", topn=5))
    assert_same_result(
        ours.similar_by_key("w3", restrict_vocab=100),
        theirs.similar_by_key("w3", restrict_vocab=100),
    )


@pytest.mark.parametrize(
    "query",
    [
        {"positive": ["w10", "w11"], "negative": ["w12"]},
        {"positive": "naïve"},
        {"positive": ["w10", "日本語", "w3"], "negative": ["w30", "Straße"], "topn": 20},
    ],
)
def test_most_similar_cosmul(pair, query) -> None:
    ours, theirs = pair
    assert_same_result(ours.most_similar_cosmul(**query), theirs.most_similar_cosmul(**query))
    vec = ours["w99"]
    assert_same_result(
        ours.most_similar_cosmul([vec, "w98"], ["w97"]),
        theirs.most_similar_cosmul([vec, "w98"], ["w97"]),
    )


def test_doesnt_match_and_friends(pair) -> None:
    ours, theirs = pair
    rng = np.random.default_rng(7)
    for _ in range(20):
        words = list(rng.choice(ours.index_to_key, size=6, replace=False))
        assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    words = ["w1", "naïve", "w3", "not-a-word"]
    assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    got = ours.rank_by_centrality(["w1", "w2", "w3"])
    want = theirs.rank_by_centrality(["w1", "w2", "w3"])
    assert [w for _, w in got] == [w for _, w in want]
    np.testing.assert_allclose([s for s, _ in got], [s for s, _ in want], atol=1e-5)


def test_pairwise_queries(pair) -> None:
    ours, theirs = pair
    assert ours.similarity("w1", "naïve") == pytest.approx(
        theirs.similarity("w1", "naïve"), abs=1e-6
    )
    assert ours.distance("w1", "w2") == pytest.approx(theirs.distance("w1", "w2"), abs=1e-6)
    np.testing.assert_allclose(
        ours.distances("w1", ["w2", "日本語"]), theirs.distances("w1", ["w2", "日本語"]), atol=1e-6
    )
    np.testing.assert_allclose(ours.distances("w1"), theirs.distances("w1"), atol=1e-6)
    np.testing.assert_allclose(
        ours.distances(ours["w5"]), theirs.distances(theirs["w5"]), atol=1e-6
    )
    ws1, ws2 = ["w1", "w2", "not-a-word"], ["w3", "москва"]
    assert ours.n_similarity(ws1, ws2) == pytest.approx(theirs.n_similarity(ws1, ws2), abs=1e-6)
    assert ours.rank("w1", "w2") == theirs.rank("w1", "w2")
    assert ours.closer_than("w1", "w50") == theirs.closer_than("w1", "w50")
    assert ours.most_similar_to_given("w1", ["w2", "w3", "w4"]) == theirs.most_similar_to_given(
        "w1", ["w2", "w3", "w4"]
    )
    assert ours.relative_cosine_similarity("w1", "w2") == pytest.approx(
        theirs.relative_cosine_similarity("w1", "w2"), abs=1e-6
    )
    np.testing.assert_allclose(
        ours.get_mean_vector(["w1", "w2", "nope"], weights=[1.0, -2.0, 3.0]),
        theirs.get_mean_vector(["w1", "w2", "nope"], weights=[1.0, -2.0, 3.0]),
        atol=1e-6,
    )
    np.testing.assert_allclose(ours.get_normed_vectors(), theirs.get_normed_vectors(), atol=1e-6)
    np.testing.assert_allclose(
        KeyedVectors.cosine_similarities(ours["w1"], ours.vectors[:10]),
        GensimKV.cosine_similarities(theirs["w1"], theirs.vectors[:10]),
        atol=1e-6,
    )


# ---- evaluation ----------------------------------------------------------------------------------


def sections_equal(a: List[dict], b: List[dict]) -> None:
    assert [s["section"] for s in a] == [s["section"] for s in b]
    for x, y in zip(a, b):
        assert x["correct"] == y["correct"], x["section"]
        assert x["incorrect"] == y["incorrect"], x["section"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"case_insensitive": False},
        {"dummy4unknown": True},
        {"restrict_vocab": 100},
        {"restrict_vocab": 200, "case_insensitive": False, "dummy4unknown": True},
    ],
)
def test_evaluate_word_analogies(fixture_pair, kwargs) -> None:
    ours, theirs = fixture_pair
    score, sections = ours.evaluate_word_analogies(ANALOGIES, **kwargs)
    g_score, g_sections = theirs.evaluate_word_analogies(ANALOGIES, **kwargs)
    assert score == pytest.approx(g_score, abs=1e-12)
    sections_equal(sections, g_sections)


def test_evaluate_word_analogies_random_vectors(pair, tmp_path: Path) -> None:
    """Every pair of random-vector keys as an analogy question: mostly wrong, all agree."""
    ours, theirs = pair
    rng = np.random.default_rng(3)
    words = rng.choice(ours.index_to_key[:400], size=(300, 4))
    lines = [": random"] + [" ".join(q) for q in words[:150]] + [": more"]
    lines += [" ".join(q) for q in words[150:]] + ["w1 w2 w3 unknownword"]
    path = tmp_path / "random.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    for kwargs in ({}, {"restrict_vocab": 500}, {"dummy4unknown": True}):
        score, sections = ours.evaluate_word_analogies(path, **kwargs)
        g_score, g_sections = theirs.evaluate_word_analogies(path, **kwargs)
        assert score == g_score
        sections_equal(sections, g_sections)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"case_insensitive": False},
        {"dummy4unknown": True},
        {"restrict_vocab": 100},
        {"dummy4unknown": True, "case_insensitive": False, "restrict_vocab": 150},
    ],
)
def test_evaluate_word_pairs(fixture_pair, kwargs) -> None:
    ours, theirs = fixture_pair
    pearson, spearman, oov = ours.evaluate_word_pairs(PAIRS, **kwargs)
    g_pearson, g_spearman, g_oov = theirs.evaluate_word_pairs(PAIRS, **kwargs)
    assert pearson[0] == pytest.approx(g_pearson[0], abs=1e-5)
    assert pearson[1] == pytest.approx(g_pearson[1], abs=1e-5)
    assert spearman[0] == pytest.approx(g_spearman[0], abs=1e-5)
    assert spearman[1] == pytest.approx(g_spearman[1], abs=1e-5)
    assert oov == pytest.approx(g_oov)
    assert type(pearson) is type(g_pearson) and type(spearman) is type(g_spearman)


def test_fixture_queries(fixture_pair) -> None:
    ours, theirs = fixture_pair
    for query in (
        {"positive": ["paris", "germany"], "negative": ["france"]},
        {"positive": ["king", "woman"], "negative": ["man"]},
        {"positive": ["café"]},
        {"positive": ["zero", "king"]},
    ):
        assert_same_result(ours.most_similar(**query), theirs.most_similar(**query))
        assert_same_result(ours.most_similar_cosmul(**query), theirs.most_similar_cosmul(**query))
    words = ["king", "queen", "man", "café"]
    assert ours.doesnt_match(words) == theirs.doesnt_match(words)


# ---- predict_output_word -------------------------------------------------------------------------


def test_predict_output_word_matches_gensim(trained_pair) -> None:
    _, _, model = trained_pair
    sentences = [model.wv.index_to_key]  # one sentence with every word: same vocabulary
    gensim_model = gensim_models.Word2Vec(
        sentences, vector_size=16, min_count=1, workers=1, epochs=1, negative=5, seed=1
    )
    gwv = gensim_model.wv
    assert sorted(gwv.index_to_key) == sorted(model.wv.index_to_key)
    order = [model.wv.get_index(k) for k in gwv.index_to_key]
    gwv.vectors[:] = model.wv.vectors[order]
    gensim_model.syn1neg[:] = model.syn1neg[order]
    gwv.fill_norms(force=True)
    for context in (["t1", "t2"], ["naïve", "t5", "unknown"], ["日本語"]):
        for topn in (1, 10):
            got = model.predict_output_word(context, topn=topn)
            want = gensim_model.predict_output_word(context, topn=topn)
            assert_same_result(got, want, atol=1e-6)
    assert gensim_model.predict_output_word(["nothing"]) is None
    with pytest.warns(UserWarning):
        assert model.predict_output_word(["nothing"]) is None


def test_wmdistance_matches_gensim(fixture_pair, monkeypatch) -> None:
    """Same transport problem as gensim's (checked through a stand-in for POT's ``emd2`` that
    is invariant to the order of the vocabulary)."""
    import sys
    import types

    fake = types.ModuleType("ot")
    fake.emd2 = lambda a, b, m: float(a @ m @ b + 0.5 * (a**2).sum() + (b**3).sum())
    monkeypatch.setitem(sys.modules, "ot", fake)
    ours, theirs = fixture_pair
    for doc1, doc2 in [
        (["king", "queen", "king", "man"], ["woman", "paris", "unknown"]),
        (["café"], ["café"]),
        (["unknown"], ["king"]),
        (["king", "king"], ["queen", "日本"]),
    ]:
        for norm in (True, False):
            assert ours.wmdistance(doc1, doc2, norm=norm) == pytest.approx(
                theirs.wmdistance(doc1, doc2, norm=norm), rel=1e-9
            )
