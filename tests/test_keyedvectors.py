"""KeyedVectors: lookup, per-key attributes, similarity queries, evaluation, persistence and
Word2Vec.predict_output_word, checked against plain numpy reference computations.

The gensim comparisons live in ``test_gensim_interop.py``; nothing here needs gensim.
"""

from __future__ import annotations

import itertools
import warnings
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest

import w2v
from w2v import KeyedVectors

DATA = Path(__file__).resolve().parent / "data"
VECTORS = DATA / "kv_vectors.txt"
ANALOGIES = DATA / "kv_analogies.txt"
PAIRS = DATA / "kv_pairs.tsv"


# ---- fixtures and references ---------------------------------------------------------------------


def random_kv(n: int = 300, dim: int = 16, seed: int = 0) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    keys = [f"k{i}" for i in range(n)]
    keys[-3:] = ["naïve", "日本語", "Straße"]
    kv = KeyedVectors(dim)
    kv.add_vectors(keys, rng.standard_normal((n, dim)).astype(np.float32))
    kv.expandos["count"] = np.arange(10 * n, 9 * n, -1, dtype=np.int64)
    return kv


@pytest.fixture
def kv() -> KeyedVectors:
    return random_kv()


@pytest.fixture(scope="module")
def fixture_kv() -> KeyedVectors:
    return KeyedVectors.load_word2vec_format(VECTORS)


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(x / np.linalg.norm(x, axis=-1, keepdims=True))


def reference_most_similar(kv, pos, neg=(), topn=10, limit=None) -> List[Tuple[str, float]]:
    """Float64 brute force: cosine to the normalised mean of the unit input vectors."""
    vecs = unit(kv.vectors[:limit])
    mean = sum(unit(kv[k]) for k in pos) - sum((unit(kv[k]) for k in neg), np.zeros(kv.vector_size))
    sims = vecs @ unit(mean)
    used = {kv.get_index(k) for k in list(pos) + list(neg)}
    order = [i for i in np.argsort(-sims, kind="stable") if i not in used]
    return [(kv.index_to_key[i], float(sims[i])) for i in order[:topn]]


def assert_same_result(got, want, atol=1e-5) -> None:
    assert [k for k, _ in got] == [k for k, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=atol)


# ---- lookup --------------------------------------------------------------------------------------


def test_lookup_basics(kv: KeyedVectors) -> None:
    assert len(kv) == 300 and kv.vector_size == 16
    assert "naïve" in kv and "missing" not in kv
    assert kv.get_index("日本語") == 298 and kv.key_to_index["Straße"] == 299
    assert kv.index_to_key[:2] == ["k0", "k1"] and kv.index_to_key[-1] == "Straße"
    np.testing.assert_array_equal(kv["k5"], kv.vectors[5])
    both = kv[["k5", "k7"]]
    assert both.shape == (2, 16)
    np.testing.assert_array_equal(both, kv.vectors[[5, 7]])
    assert kv.get_index("missing", default=-1) == -1
    assert kv.has_index_for(299) and not kv.has_index_for(300)
    np.testing.assert_array_equal(kv[4], kv.vectors[4])  # ints are row numbers
    normed = kv.get_vector("k9", norm=True)
    assert np.isclose(np.linalg.norm(normed), 1.0, atol=1e-6)
    with pytest.raises(ValueError):
        kv.get_vector("k9")[0] = 1.0  # read-only view
    assert str(kv) == "KeyedVectors<vector_size=16, 300 keys>"


@pytest.mark.parametrize(
    "call",
    [
        lambda kv: kv["nope"],
        lambda kv: kv[["k1", "nope"]],
        lambda kv: kv.get_vector("nope"),
        lambda kv: kv.get_index("nope"),
        lambda kv: kv.most_similar("nope"),
        lambda kv: kv.most_similar(positive=["k1"], negative=["nope"]),
        lambda kv: kv.most_similar_cosmul("nope"),
        lambda kv: kv.similarity("k1", "nope"),
        lambda kv: kv.distance("nope", "k1"),
        lambda kv: kv.distances("nope"),
        lambda kv: kv.distances("k1", ["k2", "nope"]),
        lambda kv: kv.rank("k1", "nope"),
        lambda kv: kv.closer_than("nope", "k1"),
        lambda kv: kv.similar_by_word("nope"),
        lambda kv: kv.get_vecattr("nope", "count"),
        lambda kv: kv.get_mean_vector(["k1", "nope"], ignore_missing=False),
    ],
)
def test_unknown_key_raises_keyerror_naming_it(kv: KeyedVectors, call) -> None:
    with pytest.raises(KeyError, match="nope"):
        call(kv)


def test_deprecated_and_removed_names(kv: KeyedVectors) -> None:
    with pytest.warns(DeprecationWarning):
        np.testing.assert_array_equal(kv.word_vec("k3"), kv["k3"])
    for name in ("index2word", "index2entity", "vocab", "vectors_norm"):
        with pytest.raises(AttributeError):
            getattr(kv, name)
    with pytest.warns(DeprecationWarning):
        assert kv.words_closer_than("k1", "k2") == kv.closer_than("k1", "k2")


# ---- per-key attributes and adding vectors -------------------------------------------------------


def test_vecattrs(kv: KeyedVectors) -> None:
    assert kv.get_vecattr("k0", "count") == 3000
    kv.set_vecattr("k0", "count", 7)
    assert kv.get_vecattr("k0", "count") == 7
    kv.set_vecattr("k1", "tag", "adj")
    assert kv.expandos["tag"].dtype == object and kv.get_vecattr("k1", "tag") == "adj"
    kv.set_vecattr("k2", "weight", 0.5)
    assert kv.expandos["weight"].dtype == np.float64
    with pytest.raises(TypeError):
        kv.set_vecattr("k2", "count", "many")
    with pytest.raises(KeyError, match="nothing"):
        kv.get_vecattr("k1", "nothing")


def test_add_vector_preallocated_and_growing() -> None:
    kv = KeyedVectors(3, count=2)
    assert kv.add_vector("a", [1, 0, 0]) == 0
    assert kv.add_vector("b", [0, 1, 0]) == 1
    with pytest.warns(UserWarning, match="slow"):
        assert kv.add_vector("c", [0, 0, 1]) == 2
    assert kv.index_to_key == ["a", "b", "c"] and kv.vectors.shape == (3, 3)
    assert kv.most_similar("a", topn=1)[0][0] in ("b", "c")


def test_add_vectors_and_setitem(kv: KeyedVectors) -> None:
    kv.fill_norms()
    old = kv["k5"].copy()
    new = np.ones((3, 16), dtype=np.float32)
    kv.add_vectors(["k5", "new1", "new2"], new, extras={"count": np.array([1, 2, 3])})
    assert len(kv) == 302 and kv.index_to_key[-2:] == ["new1", "new2"]
    np.testing.assert_array_equal(kv["k5"], old)  # kept without replace
    assert kv.get_vecattr("new2", "count") == 3 and len(kv.expandos["count"]) == 302
    assert kv.norms is None or len(kv.norms) == 302
    assert kv.most_similar("new1", topn=1)[0] == ("new2", pytest.approx(1.0))
    kv.add_vectors(["k5"], new[:1], replace=True)
    np.testing.assert_array_equal(kv["k5"], new[0])
    kv["k6"] = np.full(16, 2.0)
    kv[["k7", "fresh"]] = np.full((2, 16), 3.0)
    np.testing.assert_array_equal(kv["k6"], np.full(16, 2.0))
    assert kv.index_to_key[-1] == "fresh" and kv["k7"][0] == 3.0
    with pytest.raises(ValueError):
        kv.add_vectors(["x"], np.ones((1, 5)))


def test_norms_follow_changes(kv: KeyedVectors) -> None:
    kv.fill_norms()
    np.testing.assert_allclose(kv.norms, np.linalg.norm(kv.vectors, axis=1), rtol=1e-6)
    normed = kv.get_normed_vectors()
    np.testing.assert_allclose(np.linalg.norm(normed, axis=1), 1.0, rtol=1e-5)
    kv.vectors[0] *= 10
    kv.fill_norms(force=True)
    assert np.isclose(kv.norms[0], np.linalg.norm(kv.vectors[0]))
    kv.unit_normalize_all()
    np.testing.assert_allclose(np.linalg.norm(kv.vectors, axis=1), 1.0, rtol=1e-5)


def test_get_mean_vector(kv: KeyedVectors) -> None:
    got = kv.get_mean_vector(["k1", "k2", "missing"], weights=[1.0, 3.0, 5.0])
    want = (unit(kv["k1"]) + 3 * unit(kv["k2"])) / 4
    np.testing.assert_allclose(got, want, rtol=1e-5)
    raw = kv.get_mean_vector(["k1", kv["k2"]], pre_normalize=False, post_normalize=True)
    np.testing.assert_allclose(raw, unit(kv["k1"] + kv["k2"]), rtol=1e-5)
    with pytest.raises(ValueError):
        kv.get_mean_vector([])
    with pytest.raises(ValueError):
        kv.get_mean_vector(["k1"], weights=[1.0, 2.0])


def test_sort_by_descending_frequency() -> None:
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b", "c"], np.eye(3, 2, dtype=np.float32))
    kv.expandos["count"] = np.array([1, 5, 3])
    kv.sort_by_descending_frequency()
    assert kv.index_to_key == ["b", "c", "a"] and kv.key_to_index["a"] == 2
    np.testing.assert_array_equal(kv["b"], [0, 1])


def test_vectors_for_all(kv: KeyedVectors) -> None:
    sub = kv.vectors_for_all(["k3", "nope", "k1", "k3"], copy_vecattrs=True)
    assert sub.index_to_key == ["k3", "k1"]
    np.testing.assert_array_equal(sub["k1"], kv["k1"])
    assert sub.get_vecattr("k1", "count") == kv.get_vecattr("k1", "count")


# ---- similarity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pos,neg",
    [(["k10"], []), (["k10", "k11"], ["k12"]), (["naïve"], ["日本語", "k4"]), ([], ["k8"])],
)
def test_most_similar_matches_brute_force(kv: KeyedVectors, pos, neg) -> None:
    assert_same_result(
        kv.most_similar(positive=pos, negative=neg), reference_most_similar(kv, pos, neg)
    )


def test_most_similar_arguments(kv: KeyedVectors) -> None:
    assert kv.most_similar("k10") == kv.most_similar(positive=["k10"])
    assert kv.most_similar("k10", topn=0) == []
    assert len(kv.most_similar("k10", topn=3)) == 3
    assert len(kv.most_similar("k10", topn=1000)) == 299
    sims = kv.most_similar("k10", topn=None)
    assert isinstance(sims, np.ndarray) and sims.shape == (300,)
    np.testing.assert_allclose(sims, unit(kv.vectors) @ unit(kv["k10"]), atol=1e-5)
    restricted = kv.most_similar("k10", restrict_vocab=50)
    assert_same_result(restricted, reference_most_similar(kv, ["k10"], limit=50))
    clipped = kv.most_similar("k10", clip_start=100, clip_end=200)
    assert all(100 <= kv.get_index(k) < 200 for k, _ in clipped)
    assert kv.most_similar("k10", topn=None, clip_start=100, clip_end=200).shape == (100,)
    # a raw vector is used as given (its own key is not excluded)
    by_vector = kv.similar_by_vector(kv["k10"], topn=1)
    assert by_vector[0][0] == "k10" and by_vector[0][1] == pytest.approx(1.0, abs=1e-5)
    assert kv.similar_by_word("k10") == kv.similar_by_key("k10") == kv.most_similar("k10")
    # (key, weight) pairs
    weighted = kv.most_similar(positive=[("k10", 2.0), ("k11", 1.0)])
    mean = 2 * unit(kv["k10"]) + unit(kv["k11"])
    sims = unit(kv.vectors) @ unit(mean)
    sims[[10, 11]] = -np.inf
    assert weighted[0][0] == kv.index_to_key[int(np.argmax(sims))]

    # an ANN indexer is consulted with the query vector
    class Indexer:
        def most_similar(self, vector, topn):
            return [("from-indexer", float(np.linalg.norm(vector)))] * topn

    assert kv.most_similar("k10", topn=2, indexer=Indexer())[0][0] == "from-indexer"


@pytest.mark.parametrize("topn", [-1, 2.5, "3", True])
def test_bad_topn(kv: KeyedVectors, topn) -> None:
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar("k1", topn=topn)
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar_cosmul("k1", topn=topn)


def test_empty_query(kv: KeyedVectors) -> None:
    for call in (lambda: kv.most_similar(), lambda: kv.most_similar([], [])):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(ValueError):
        kv.most_similar_cosmul(negative=["k1"])


def test_most_similar_cosmul_matches_formula(kv: KeyedVectors) -> None:
    got = kv.most_similar_cosmul(positive=["k1", "k2"], negative=["k3"], topn=5)
    normed = unit(kv.vectors)
    shift = [(1 + normed @ unit(kv[k])) / 2 for k in ("k1", "k2", "k3")]
    scores = shift[0] * shift[1] / (shift[2] + 1e-6)
    scores[[1, 2, 3]] = -np.inf
    want = [(kv.index_to_key[i], scores[i]) for i in np.argsort(-scores)[:5]]
    assert_same_result(got, want, atol=1e-4)
    assert kv.most_similar_cosmul("k1", topn=None).shape == (300,)
    limited = kv.most_similar_cosmul("k1", topn=5, restrict_vocab=40)
    assert all(kv.get_index(k) < 40 for k, _ in limited)


def test_pairwise_measures(kv: KeyedVectors) -> None:
    cos = float(unit(kv["k1"]) @ unit(kv["k2"]))
    assert kv.similarity("k1", "k2") == pytest.approx(cos, abs=1e-6)
    assert kv.distance("k1", "k2") == pytest.approx(1 - cos, abs=1e-6)
    np.testing.assert_allclose(
        kv.distances("k1", ["k2", "k3"]),
        1 - unit(kv[["k2", "k3"]]) @ unit(kv["k1"]),
        atol=1e-6,
    )
    assert kv.distances("k1").shape == (300,) and abs(kv.distances("k1")[1]) < 1e-6
    np.testing.assert_allclose(
        KeyedVectors.cosine_similarities(kv["k1"], kv.vectors[:5]),
        unit(kv.vectors[:5]) @ unit(kv["k1"]),
        atol=1e-6,
    )
    n_sim = kv.n_similarity(["k1", "k2"], ["k3"])
    assert n_sim == pytest.approx(float(unit(kv["k1"] + kv["k2"]) @ unit(kv["k3"])), abs=1e-6)
    with pytest.raises(ZeroDivisionError):
        kv.n_similarity([], ["k1"])


def test_rank_and_closer_than(kv: KeyedVectors) -> None:
    sims = unit(kv.vectors) @ unit(kv["k1"])
    target = kv.index_to_key[int(np.argsort(-sims)[5])]
    closer = kv.closer_than("k1", target)
    assert len(closer) == 4 and "k1" not in closer
    assert kv.rank("k1", target) == 5
    assert kv.most_similar_to_given("k1", ["k2", target, "k3"]) == target
    top = kv.most_similar("k1", topn=3)
    assert kv.relative_cosine_similarity("k1", top[0][0], topn=3) == pytest.approx(
        top[0][1] / sum(s for _, s in top), rel=1e-5
    )


def test_doesnt_match_and_centrality() -> None:
    kv = KeyedVectors(3)
    kv.add_vectors(
        ["a", "b", "c", "odd"], np.array([[1, 0.1, 0], [1, 0, 0.1], [0.9, 0.1, 0.1], [0, 0, 1]])
    )
    assert kv.doesnt_match(["a", "b", "c", "odd"]) == "odd"
    assert kv.doesnt_match(["a", "b", "odd", "unknown"]) == "odd"  # unknown words are ignored
    ranked = kv.rank_by_centrality(["a", "b", "odd"])
    assert [w for _, w in ranked][-1] == "odd"
    with pytest.raises(ValueError):
        kv.doesnt_match(["unknown"])


def test_zero_vector_does_not_break_queries(fixture_kv: KeyedVectors) -> None:
    assert np.all(fixture_kv["zero"] == 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = fixture_kv.most_similar("king")
    assert "zero" not in [k for k, _ in result]


# ---- evaluation ----------------------------------------------------------------------------------


def reference_analogies(
    kv, path, restrict_vocab=300000, case_insensitive=True, dummy4unknown=False
):
    """A straightforward per-question implementation of gensim's rules, for comparison."""
    keys = kv.index_to_key[:restrict_vocab]
    fold = (lambda w: w.upper()) if case_insensitive else (lambda w: w)
    vocab: Dict[str, int] = {}
    for i, k in enumerate(keys):
        vocab.setdefault(fold(k), i)
    normed = unit(kv.vectors[: len(keys)])
    sections = []
    for line in Path(path).read_text(encoding="utf8").splitlines():
        if line.startswith(": "):
            sections.append({"section": line[2:].strip(), "correct": [], "incorrect": []})
            continue
        words = [fold(w) for w in line.split()]
        if len(words) != 4:
            continue
        if any(w not in vocab for w in words):
            if dummy4unknown:
                sections[-1]["incorrect"].append(tuple(words))
            continue
        a, b, c, expected = words
        ia, ib, ic = vocab[a], vocab[b], vocab[c]
        sims = normed @ unit(normed[ib] + normed[ic] - normed[ia])
        candidates = [i for i in np.argsort(-sims) if i not in (ia, ib, ic)][:5]
        predicted = None
        for i in candidates:
            predicted = fold(kv.index_to_key[i])
            if predicted not in (a, b, c):
                break
        sections[-1]["correct" if predicted == expected else "incorrect"].append(tuple(words))
    correct = [q for s in sections for q in s["correct"]]
    incorrect = [q for s in sections for q in s["incorrect"]]
    sections.append({"section": "Total accuracy", "correct": correct, "incorrect": incorrect})
    return len(correct) / (len(correct) + len(incorrect)), sections


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"case_insensitive": False},
        {"dummy4unknown": True},
        {"restrict_vocab": 120},
        {"restrict_vocab": 120, "case_insensitive": False, "dummy4unknown": True},
    ],
)
def test_evaluate_word_analogies_matches_reference(fixture_kv: KeyedVectors, kwargs) -> None:
    score, sections = fixture_kv.evaluate_word_analogies(ANALOGIES, **kwargs)
    want_score, want_sections = reference_analogies(fixture_kv, ANALOGIES, **kwargs)
    assert score == pytest.approx(want_score)
    assert sections == want_sections


def test_evaluate_word_analogies_shape(fixture_kv: KeyedVectors) -> None:
    score, sections = fixture_kv.evaluate_word_analogies(ANALOGIES)
    names = [s["section"] for s in sections]
    assert names == [
        "capital-world",
        "gram-gender",
        "empty-section",
        "oov-only",
        "gram-plural-non-ascii",
        "Total accuracy",
    ]
    total = sections[-1]
    assert 0.3 < score < 0.95  # some right, some wrong: a meaningful fixture
    assert score == len(total["correct"]) / (len(total["correct"]) + len(total["incorrect"]))
    assert ("ATHENS", "GREECE", "PARIS", "FRANCE") in total["correct"] + total["incorrect"]
    assert all(isinstance(q, tuple) and len(q) == 4 for q in total["correct"])


def test_evaluate_word_analogies_cosmul(fixture_kv: KeyedVectors) -> None:
    score, sections = fixture_kv.evaluate_word_analogies(
        ANALOGIES, similarity_function="most_similar_cosmul"
    )
    # same rule with 3CosMul, one question at a time through most_similar_cosmul
    vocab = {k.upper(): k for k in reversed(fixture_kv.index_to_key)}
    right = 0
    for a, b, c, d in sections[-1]["correct"] + sections[-1]["incorrect"]:
        best = fixture_kv.most_similar_cosmul([vocab[b], vocab[c]], [vocab[a]], topn=5)
        picked = next((k.upper() for k, _ in best if k.upper() not in (a, b, c)), None)
        right += picked == d
    assert score == pytest.approx(right / len(sections[-1]["correct"] + sections[-1]["incorrect"]))
    with pytest.raises(ValueError, match="similarity_function"):
        fixture_kv.evaluate_word_analogies(ANALOGIES, similarity_function="nope")


def test_evaluate_word_analogies_bad_files(fixture_kv: KeyedVectors, tmp_path: Path) -> None:
    no_header = tmp_path / "no_header.txt"
    no_header.write_text("paris france berlin germany\n", encoding="utf8")
    with pytest.raises(ValueError, match="section header"):
        fixture_kv.evaluate_word_analogies(no_header)
    empty = tmp_path / "empty.txt"
    empty.write_text(": only-a-header\n", encoding="utf8")
    with pytest.raises(ValueError, match="no analogy questions"):
        fixture_kv.evaluate_word_analogies(empty)
    with pytest.raises(FileNotFoundError):
        fixture_kv.evaluate_word_analogies(tmp_path / "missing.txt")


def test_evaluate_word_analogies_batches_agree(
    fixture_kv: KeyedVectors, monkeypatch: pytest.MonkeyPatch
) -> None:
    import w2v.evaluation as evaluation

    whole = fixture_kv.evaluate_word_analogies(ANALOGIES)
    monkeypatch.setattr(evaluation, "_BATCH_BUDGET", 262 * 7)  # batches of 7 questions
    assert fixture_kv.evaluate_word_analogies(ANALOGIES) == whole


def test_evaluate_word_pairs(fixture_kv: KeyedVectors) -> None:
    from scipy import stats

    pearson, spearman, oov = fixture_kv.evaluate_word_pairs(PAIRS)
    vocab = {k.upper(): k for k in reversed(fixture_kv.index_to_key)}
    gold, model, unknown = [], [], 0
    for line in PAIRS.read_text(encoding="utf8").splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) != 3:
            continue
        a, b = fields[0].upper(), fields[1].upper()
        if a not in vocab or b not in vocab:
            unknown += 1
            continue
        gold.append(float(fields[2]))
        model.append(float(unit(fixture_kv[vocab[a]]) @ unit(fixture_kv[vocab[b]])))
    assert pearson[0] == pytest.approx(stats.pearsonr(gold, model)[0], abs=1e-6)
    assert spearman[0] == pytest.approx(stats.spearmanr(gold, model)[0], abs=1e-6)
    assert pearson.pvalue == pytest.approx(stats.pearsonr(gold, model).pvalue, rel=1e-4)
    assert oov == pytest.approx(100 * unknown / (len(gold) + unknown))
    _, _, oov_dummy = fixture_kv.evaluate_word_pairs(PAIRS, dummy4unknown=True)
    assert oov_dummy == pytest.approx(100 * unknown / (len(gold) + unknown))
    _, s_cased, oov_cased = fixture_kv.evaluate_word_pairs(PAIRS, case_insensitive=False)
    assert oov_cased > oov  # "Paris France", "KING Queen" are unknown when case matters


def test_evaluate_word_pairs_errors(fixture_kv: KeyedVectors, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("# nothing usable\nunknown1\tunknown2\t3.0\nnot a pair\n", encoding="utf8")
    with pytest.raises(ValueError, match="No valid similarity judgements"):
        fixture_kv.evaluate_word_pairs(bad)
    csv = tmp_path / "pairs.csv"
    csv.write_text("king,queen,9\nman,woman,8\nparis,lima,2\nboy,oslo,1\n", encoding="utf8")
    result = fixture_kv.evaluate_word_pairs(csv, delimiter=",")
    assert result[2] == 0.0


# ---- persistence ---------------------------------------------------------------------------------


def test_save_load_roundtrip(kv: KeyedVectors, tmp_path: Path) -> None:
    kv.set_vecattr("k1", "tag", "adj")
    path = tmp_path / "vectors.w2v"
    kv.save(path)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert names == {"meta.json", "vectors.npy", "vecattr.count.npy"}
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
    loaded = KeyedVectors.load(path)
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    np.testing.assert_array_equal(loaded.expandos["count"], kv.expandos["count"])
    assert loaded.get_vecattr("k1", "tag") == "adj" and loaded.expandos["tag"].dtype == object
    assert loaded.get_vecattr("k2", "tag") == 0
    assert_same_result(loaded.most_similar("k5"), kv.most_similar("k5"), atol=0)
    kv.set_vecattr("k1", "tag", object())
    with pytest.raises(TypeError, match="tag"):
        kv.save(tmp_path / "objects.w2v")


@pytest.mark.parametrize("mode", ["r", "c", "r+"])
def test_load_mmap(kv: KeyedVectors, tmp_path: Path, mode: str) -> None:
    path = tmp_path / "vectors.w2v"
    kv.save(path)
    loaded = KeyedVectors.load(path, mmap=mode)
    assert isinstance(loaded.vectors, np.memmap)
    assert_same_result(loaded.most_similar("k5"), kv.most_similar("k5"), atol=0)
    if mode == "r":
        with pytest.raises((ValueError, OSError)):
            loaded.vectors[0, 0] = 1.0


def test_int_keys_roundtrip(tmp_path: Path) -> None:
    kv = KeyedVectors(2)
    kv.add_vectors([10, 20, "x"], np.arange(6, dtype=np.float32).reshape(3, 2))
    kv.save(tmp_path / "ints.w2v")
    loaded = KeyedVectors.load(tmp_path / "ints.w2v")
    assert loaded.index_to_key == [10, 20, "x"] and loaded.get_index(20) == 1


def test_load_refuses_pickles_and_other_files(tmp_path: Path) -> None:
    import pickle

    pkl = tmp_path / "gensim.model"
    pkl.write_bytes(pickle.dumps({"not": "safe"}, protocol=4))
    with pytest.raises(ValueError, match="pickle"):
        KeyedVectors.load(pkl)
    text = tmp_path / "vectors.txt"
    text.write_text("1 2\na 1 2\n", encoding="utf8")
    with pytest.raises(ValueError, match="load_word2vec_format"):
        KeyedVectors.load(text)
    with pytest.raises(FileNotFoundError):
        KeyedVectors.load(tmp_path / "missing.w2v")


# ---- the model's vectors and predict_output_word -------------------------------------------------


SENTENCES = [
    ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"],
    ["the", "dog", "barks", "at", "the", "fox"],
    ["a", "café", "in", "zürich", "serves", "coffee"],
    ["the", "fox", "and", "the", "dog", "are", "friends"],
] * 20


@pytest.fixture(scope="module")
def model() -> w2v.Word2Vec:
    return w2v.Word2Vec(SENTENCES, vector_size=16, min_count=1, workers=1, epochs=2, seed=3)


def test_model_wv_is_full_keyedvectors(model: w2v.Word2Vec, tmp_path: Path) -> None:
    wv = model.wv
    assert isinstance(wv, KeyedVectors) and "café" in wv
    assert len(wv.most_similar("fox", topn=3)) == 3
    assert wv.get_vecattr("the", "count") == 120
    model.save(tmp_path / "model.w2v")
    loaded = KeyedVectors.load(tmp_path / "model.w2v")  # the wv of a saved model
    np.testing.assert_array_equal(loaded.vectors, wv.vectors)
    wv.save_word2vec_format(tmp_path / "model.bin", binary=True)
    again = KeyedVectors.load_word2vec_format(tmp_path / "model.bin", binary=True)
    assert again.index_to_key == wv.index_to_key


def reference_prediction(model, context, cbow_mean=True):
    rows = [model.wv.get_index(w) for w in context if w in model.wv]
    hidden = model.wv.vectors[rows].astype(np.float64).sum(axis=0)
    if cbow_mean:
        hidden /= len(rows)
    scores = model.syn1neg.astype(np.float64) @ hidden
    probs = np.exp(scores - scores.max())
    return probs / probs.sum()


def test_predict_output_word(model: w2v.Word2Vec) -> None:
    got = model.predict_output_word(["the", "quick", "unknown-word"], topn=4)
    probs = reference_prediction(model, ["the", "quick"])
    want = [(model.wv.index_to_key[i], probs[i]) for i in np.argsort(-probs)[:4]]
    assert_same_result(got, want, atol=1e-6)
    everything = model.predict_output_word(["fox"], topn=None)
    assert len(everything) == len(model.wv)
    assert sum(p for _, p in everything) == pytest.approx(1.0)
    assert model.predict_output_word(
        [model.wv.get_index("fox")], topn=3
    ) == model.predict_output_word(["fox"], topn=3)
    assert model.predict_output_word(["fox"], topn=0) == []
    with pytest.warns(UserWarning, match="out-of-vocabulary"):
        assert model.predict_output_word(["nothing", "known"]) is None
    with pytest.raises(ValueError, match="topn"):
        model.predict_output_word(["fox"], topn=-2)


def test_predict_output_word_needs_negative_sampling() -> None:
    hs_only = w2v.Word2Vec(
        SENTENCES, vector_size=8, min_count=1, workers=1, epochs=1, hs=1, negative=0
    )
    with pytest.raises(RuntimeError, match="negative"):
        hs_only.predict_output_word(["fox"])
    untrained = w2v.Word2Vec(vector_size=8, min_count=1)
    with pytest.raises(RuntimeError):
        untrained.predict_output_word(["fox"])


def test_cbow_sum_prediction() -> None:
    m = w2v.Word2Vec(SENTENCES, vector_size=8, min_count=1, workers=1, epochs=1, sg=0, cbow_mean=0)
    got = m.predict_output_word(["dog", "fox"], topn=3)
    probs = reference_prediction(m, ["dog", "fox"], cbow_mean=False)
    want = [(m.wv.index_to_key[i], probs[i]) for i in np.argsort(-probs)[:3]]
    assert_same_result(got, want, atol=1e-6)


def test_queries_are_vectorised_enough() -> None:
    """A 20k-key query and a 300-question evaluation stay fast (no per-key Python loop)."""
    import time

    big = random_kv(n=20000, dim=32, seed=5)
    start = time.perf_counter()
    for key in itertools.islice(big.index_to_key, 20):
        big.most_similar(key)
    assert time.perf_counter() - start < 5.0


def test_wmdistance_needs_pot(kv: KeyedVectors, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ot", None)
    with pytest.raises(ImportError):
        kv.wmdistance(["k1"], ["k2"])
