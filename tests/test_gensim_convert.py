"""Moving between gensim and w2v: live objects both ways, gensim files on the command line.

Models are trained for real on a slice of the bundled demo corpus (3,000 paragraphs, about
180,000 words), converted, and trained further by the other library: the conversion must
carry the vocabulary, counts, weights, parameters and training state, so that training goes
on where it stopped. Also here: the Huffman trees of hierarchical softmax compared between
the two libraries, and progress bars on a terminal by default.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import io
import itertools
import json
import logging
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any, Dict, Iterator, List

import numpy as np
import pytest

import w2v
from w2v.cli import main
from w2v.cli.reporting import progress_mode
from w2v.gensim_interop import gensim_tree_matches, huffman_paths
from w2v.params import TRAINING_STATE, WORD2VEC_PARAMS

gensim_models = pytest.importorskip("gensim.models")
GensimWord2Vec = gensim_models.Word2Vec
GensimKV = gensim_models.KeyedVectors

LINES = 3000
#: Non-default values, so that copying a parameter is distinguishable from a default.
GENSIM_PARAMS: Dict[str, Any] = {
    "vector_size": 32,
    "window": 4,
    "sg": 1,
    "negative": 6,
    "ns_exponent": 0.7,
    "sample": 5e-4,
    "min_count": 3,
    "max_final_vocab": 20000,
    "seed": 7,
    "workers": 2,
    "batch_words": 5000,
    "epochs": 4,
    "compute_loss": True,
    "comment": "trained by gensim",
}
#: The parameters the brief names; every one must be carried over.
EXPECTED_PARAMS = {
    "vector_size", "window", "sg", "hs", "negative", "ns_exponent", "cbow_mean", "sample",
    "alpha", "min_alpha", "epochs", "min_count", "seed", "workers", "sorted_vocab",
    "batch_words", "max_vocab_size", "max_final_vocab", "null_word", "shrink_windows",
    "compute_loss", "comment",
}  # fmt: skip
#: Deterministic hierarchical softmax (no subsampling, full windows, one thread): a frozen
#: epoch gives the same loss in both libraries up to gensim's table approximations.
HS_PARAMS: Dict[str, Any] = {
    "vector_size": 24,
    "window": 3,
    "sg": 1,
    "hs": 1,
    "negative": 0,
    "sample": 0,
    "shrink_windows": False,
    "min_count": 3,
    "workers": 1,
    "seed": 5,
    "epochs": 2,
}
FROZEN = {"start_alpha": 1e-10, "end_alpha": 1e-10, "epochs": 1, "compute_loss": True}


@pytest.fixture(autouse=True)
def quiet_gensim() -> Iterator[None]:
    logger = logging.getLogger("gensim")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def sentences() -> List[List[str]]:
    with gzip.open(w2v.datasets.demo_path(), "rt", encoding="utf-8") as f:
        return [line.split() for line in itertools.islice(f, LINES)]


def first_half(model: Any, sentences: List[List[str]]) -> None:
    """Train the first 2 of 4 epochs: alpha 0.025 -> 0.0125, half of the 4-epoch schedule."""
    model.build_vocab(sentences)
    model.train(
        sentences,
        total_examples=model.corpus_count,
        epochs=2,
        start_alpha=0.025,
        end_alpha=0.0125,
        compute_loss=True,
    )


def second_half(model: Any, sentences: List[List[str]]) -> None:
    """The last 2 epochs, resuming the learning rate where the first half stopped."""
    model.train(
        sentences,
        total_examples=model.corpus_count,
        epochs=2,
        start_alpha=model.min_alpha_yet_reached,
        end_alpha=0.0001,
        compute_loss=True,
    )


@pytest.fixture(scope="module")
def gensim_model(sentences: List[List[str]]) -> Any:
    """A gensim skip-gram model with negative sampling, half-way through its schedule."""
    model = GensimWord2Vec(**GENSIM_PARAMS)
    first_half(model, sentences)
    return model


def distinct_count_vocab(sentences: List[List[str]], params: Dict[str, Any]) -> Dict[str, int]:
    """The corpus's vocabulary with counts made distinct (x 1e9 plus a random part), so that
    no two nodes of the Huffman tree weigh the same and both libraries build one tree."""
    probe = GensimWord2Vec(**params)
    probe.build_vocab(sentences)
    rng = np.random.default_rng(0)
    counts = probe.wv.expandos["count"]
    return {
        w: int(counts[i]) * 10**9 + int(rng.integers(10**9))
        for i, w in enumerate(probe.wv.index_to_key)
    }


def frozen_loss(model: Any, sentences: List[List[str]]) -> float:
    """The loss of one epoch at a learning rate of 1e-10 (the weights do not move)."""
    model.train(sentences, total_examples=len(sentences), **FROZEN)
    return float(model.running_training_loss)


def assert_same_vocabulary(ours: Any, theirs: Any) -> None:
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    assert ours.wv.key_to_index == theirs.wv.key_to_index
    for attr in ("count", "sample_int"):
        np.testing.assert_array_equal(ours.wv.expandos[attr], theirs.wv.expandos[attr])


def assert_same_neighbours(ours: Any, theirs: Any, key: Any, topn: int = 5) -> None:
    a, b = ours.most_similar(key, topn=topn), theirs.most_similar(key, topn=topn)
    assert [k for k, _ in a] == [k for k, _ in b]
    np.testing.assert_allclose([x for _, x in a], [x for _, x in b], rtol=1e-5)


def assert_knows_family(model: Any) -> None:
    """Quality has not collapsed: the nearest words of "mother" are family words."""
    near = {w for w, _ in model.wv.most_similar("mother", topn=5)}
    assert {"father", "sister", "daughter", "brother", "aunt", "uncle"} & near, near


# ---- gensim -> w2v ------------------------------------------------------------------------------


def test_from_gensim_copies_vocabulary_weights_parameters_and_state(gensim_model: Any) -> None:
    g = gensim_model
    model = w2v.Word2Vec.from_gensim(g)
    assert_same_vocabulary(model, g)
    assert model.wv.expandos["count"].dtype == np.int64
    assert model.wv.expandos["sample_int"].dtype == np.uint32
    np.testing.assert_array_equal(model.wv.vectors, g.wv.vectors)
    np.testing.assert_array_equal(model.syn1neg, g.syn1neg)
    for ours, theirs in ((model.wv.vectors, g.wv.vectors), (model.syn1neg, g.syn1neg)):
        assert not np.shares_memory(ours, theirs)
        assert ours.dtype == np.float32 and ours.flags.c_contiguous
    compared = {p.name for p in WORD2VEC_PARAMS if p.saved and hasattr(g, p.name)}
    assert EXPECTED_PARAMS <= compared
    for name in compared:
        assert getattr(model, name) == getattr(g, name), name
    assert model.alpha == 0.025 and model.min_alpha == 0.0125  # as gensim's train() left them
    for name in TRAINING_STATE:
        assert getattr(model, name) == pytest.approx(getattr(g, name)), name
    assert model.train_count == 1 and model.corpus_count == LINES
    assert 0.0125 <= model.min_alpha_yet_reached < 0.013
    json.dumps(model.lifecycle_events)  # plain dicts
    assert [e["event"] for e in model.lifecycle_events[:-1]] == [
        e["event"] for e in g.lifecycle_events
    ]
    assert model.lifecycle_events[-1]["event"] == "from_gensim"
    # The same noise distribution as gensim's cumulative table, and the same neighbours.
    cum = g.cum_table.astype(np.float64)
    theirs = np.diff(cum, prepend=0) / cum[-1]
    np.testing.assert_allclose(model.noise_distribution(), theirs, atol=1e-8)
    for word in ("he", "mother", "night"):
        assert_same_neighbours(model.wv, g.wv, word)


def test_from_gensim_accepts_overrides_and_checks_them(gensim_model: Any) -> None:
    model = w2v.Word2Vec.from_gensim(gensim_model, workers=1, shared_negatives=False)
    assert model.workers == 1 and model.shared_negatives is False
    with pytest.raises(TypeError, match="unknown Word2Vec parameter"):
        w2v.Word2Vec.from_gensim(gensim_model, windw=3)
    with pytest.raises(ValueError, match="window"):
        w2v.Word2Vec.from_gensim(gensim_model, window=0)


def test_training_continues_in_w2v_where_gensim_stopped(
    gensim_model: Any, sentences: List[List[str]]
) -> None:
    model = w2v.Word2Vec.from_gensim(gensim_model)
    before = model.wv.vectors.copy()
    similarity = model.wv.similarity("he", "she")
    second_half(model, sentences)
    assert not np.allclose(model.wv.vectors, before)
    assert model.min_alpha_yet_reached == pytest.approx(0.0001)
    assert model.train_count == 2 and len(model.loss_history) == 2
    assert model.wv.similarity("he", "she") > min(0.8, similarity - 0.1)
    assert_knows_family(model)
    # The same continuation of w2v's own first half gives about the same loss; the
    # converted vectors alone (output layer reset to zero) give a much higher one.
    own = w2v.Word2Vec(**GENSIM_PARAMS)
    first_half(own, sentences)
    second_half(own, sentences)
    blank = w2v.Word2Vec.from_gensim(gensim_model)
    blank.syn1neg[:] = 0
    second_half(blank, sentences)
    continued = model.loss_history[0]
    assert continued == pytest.approx(own.loss_history[2], rel=0.05)
    assert continued < 0.95 * blank.loss_history[0]


def test_resuming_at_the_reached_alpha_does_not_warn(
    gensim_model: Any, sentences: List[List[str]], caplog: pytest.LogCaptureFixture
) -> None:
    model = w2v.Word2Vec.from_gensim(gensim_model)
    with caplog.at_level(logging.WARNING, logger="w2v"):
        second_half(model, sentences[:200])
    assert "higher than previous" not in caplog.text


def test_saved_after_conversion_and_loaded(gensim_model: Any, tmp_path: Path) -> None:
    model = w2v.Word2Vec.from_gensim(gensim_model)
    model.save(tmp_path / "m.w2v")
    loaded = w2v.Word2Vec.load(tmp_path / "m.w2v")
    assert_same_vocabulary(loaded, gensim_model)
    np.testing.assert_array_equal(loaded.syn1neg, gensim_model.syn1neg)
    assert loaded.comment == "trained by gensim" and loaded.train_count == 1


# ---- w2v -> gensim ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def w2v_model(sentences: List[List[str]]) -> w2v.Word2Vec:
    model = w2v.Word2Vec(**GENSIM_PARAMS)
    first_half(model, sentences)
    return model


def test_to_gensim_copies_everything_and_gensim_trains_and_saves(
    w2v_model: w2v.Word2Vec, sentences: List[List[str]], tmp_path: Path
) -> None:
    g = w2v_model.to_gensim()
    assert isinstance(g, GensimWord2Vec)
    assert_same_vocabulary(w2v_model, g)
    np.testing.assert_array_equal(g.wv.vectors, w2v_model.wv.vectors)
    np.testing.assert_array_equal(g.syn1neg, w2v_model.syn1neg)
    assert not np.shares_memory(g.wv.vectors, w2v_model.wv.vectors)
    assert not np.shares_memory(g.syn1neg, w2v_model.syn1neg)
    for name in EXPECTED_PARAMS:
        assert getattr(g, name) == getattr(w2v_model, name), name
    for name in TRAINING_STATE:
        assert getattr(g, name) == getattr(w2v_model, name), name
    cum = g.cum_table.astype(np.float64)
    np.testing.assert_allclose(
        np.diff(cum, prepend=0) / cum[-1], w2v_model.noise_distribution(), atol=1e-8
    )
    assert_same_neighbours(g.wv, w2v_model.wv, "night")
    g.save(str(tmp_path / "g.model"))
    g = GensimWord2Vec.load(str(tmp_path / "g.model"))
    before = g.wv.vectors.copy()
    second_half(g, sentences)
    assert not np.allclose(g.wv.vectors, before)
    assert g.train_count == 2
    assert g.wv.similarity("he", "she") > 0.8
    assert_knows_family(g)


def test_round_trip_through_gensim_is_exact(w2v_model: w2v.Word2Vec) -> None:
    back = w2v.Word2Vec.from_gensim(w2v_model.to_gensim())
    assert_same_vocabulary(back, w2v_model)
    np.testing.assert_array_equal(back.wv.vectors, w2v_model.wv.vectors)
    np.testing.assert_array_equal(back.syn1neg, w2v_model.syn1neg)
    np.testing.assert_array_equal(back.noise_weights, w2v_model.noise_weights)
    assert back._describe() == w2v_model._describe()
    for name in TRAINING_STATE:
        assert getattr(back, name) == getattr(w2v_model, name), name
    events = [e["event"] for e in back.lifecycle_events]
    assert events[-2:] == ["from_w2v", "from_gensim"]


# ---- hierarchical softmax -----------------------------------------------------------------------


def test_huffman_trees_are_gensims_when_no_two_nodes_weigh_the_same() -> None:
    rng = np.random.default_rng(3)
    n = 700
    counts = np.sort(rng.choice(10**12, size=n, replace=False))[::-1].astype(np.int64)
    kv = GensimKV(4)
    kv.add_vectors([f"w{i}" for i in range(n)], np.zeros((n, 4), dtype=np.float32))
    kv.expandos["count"] = counts.copy()
    from gensim.models.word2vec import _assign_binary_codes

    _assign_binary_codes(kv)
    assert gensim_tree_matches(kv, counts)
    codes, points = huffman_paths(counts)
    for i in range(n):
        np.testing.assert_array_equal(codes[i], kv.expandos["code"][i])
        np.testing.assert_array_equal(points[i], kv.expandos["point"][i])


def test_huffman_trees_on_a_real_corpus_with_ties(sentences: List[List[str]]) -> None:
    """Equal counts are ordered as gensim's heapq orders them, so the trees are the same even
    with many ties, and a gensim hs model converts with its syn1 as it is."""
    g = GensimWord2Vec(**HS_PARAMS)
    g.build_vocab(sentences)
    counts = np.asarray(g.wv.expandos["count"], dtype=np.int64)
    assert len(np.unique(counts)) < len(counts) / 10  # many ties
    assert gensim_tree_matches(g.wv, counts)
    codes, points = huffman_paths(counts)
    for i in range(len(counts)):
        np.testing.assert_array_equal(codes[i], g.wv.expandos["code"][i])
        np.testing.assert_array_equal(points[i], g.wv.expandos["point"][i])
    model = w2v.Word2Vec.from_gensim(g)
    np.testing.assert_array_equal(model.syn1, g.syn1)


def test_a_gensim_hs_model_with_an_edited_tree_is_refused(sentences: List[List[str]]) -> None:
    g = GensimWord2Vec(**HS_PARAMS)
    g.build_vocab(sentences)
    g.wv.expandos["code"][0] = 1 - np.asarray(g.wv.expandos["code"][0])
    with pytest.raises(NotImplementedError, match="Huffman tree differs"):
        w2v.Word2Vec.from_gensim(g)
    # The word vectors alone always convert.
    kv = w2v.KeyedVectors.from_gensim(g.wv)
    assert "code" not in kv.expandos and kv.index_to_key == g.wv.index_to_key


def test_hs_model_from_gensim_continues_exactly(sentences: List[List[str]]) -> None:
    g = GensimWord2Vec(**HS_PARAMS)
    g.build_vocab_from_freq(distinct_count_vocab(sentences, HS_PARAMS), corpus_count=LINES)
    assert gensim_tree_matches(g.wv, g.wv.expandos["count"])
    g.train(sentences, total_examples=LINES, epochs=2, compute_loss=True)
    model = w2v.Word2Vec.from_gensim(g)
    np.testing.assert_array_equal(model.syn1, g.syn1)
    assert not np.shares_memory(model.syn1, g.syn1)
    assert model.syn1neg.shape == (0, HS_PARAMS["vector_size"])
    # The same weights and tree give the same loss (gensim approximates log-sigmoid by a
    # table and skips |score| > 6, hence the tolerance; a tree that differs only in its ties
    # is already about 2% off).
    assert frozen_loss(model, sentences) == pytest.approx(frozen_loss(g, sentences), rel=0.01)
    similarity = model.wv.similarity("he", "she")
    model.train(sentences, total_examples=LINES, epochs=1, compute_loss=True)
    assert model.wv.similarity("he", "she") > min(0.6, similarity - 0.1)


def test_hs_model_to_gensim_uses_w2vs_tree(sentences: List[List[str]], tmp_path: Path) -> None:
    model = w2v.Word2Vec(sentences, **HS_PARAMS)
    g = model.to_gensim()
    codes, points = huffman_paths(model.wv.expandos["count"])
    for i in (0, 1, len(codes) // 2, len(codes) - 1):
        np.testing.assert_array_equal(g.wv.expandos["code"][i], codes[i])
        np.testing.assert_array_equal(g.wv.expandos["point"][i], points[i])
    np.testing.assert_array_equal(g.syn1, model.syn1)
    g.save(str(tmp_path / "hs.model"))
    g = GensimWord2Vec.load(str(tmp_path / "hs.model"))
    assert frozen_loss(g, sentences) == pytest.approx(frozen_loss(model, sentences), rel=0.01)
    before = g.wv.vectors.copy()
    g.train(sentences, total_examples=LINES, epochs=1)
    assert not np.allclose(g.wv.vectors, before)
    assert g.wv.similarity("he", "she") > 0.5


# ---- KeyedVectors and refusals ------------------------------------------------------------------


def test_keyed_vectors_both_ways(gensim_model: Any) -> None:
    rng = np.random.default_rng(1)
    theirs = GensimKV(6, dtype=np.float64)
    theirs.add_vectors([10, "ten", "naïve", 3], rng.standard_normal((4, 6)))
    theirs.set_vecattr("ten", "count", 5)
    theirs.set_vecattr("naïve", "tag", "noun")
    ours = w2v.KeyedVectors.from_gensim(theirs)
    assert ours.index_to_key == [10, "ten", "naïve", 3] and ours[10].dtype == np.float64
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert not np.shares_memory(ours.vectors, theirs.vectors)
    assert ours.get_vecattr("ten", "count") == 5 and ours.get_vecattr("naïve", "tag") == "noun"
    back = ours.to_gensim()
    assert isinstance(back, GensimKV) and back.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(back.vectors, theirs.vectors)
    assert back.get_vecattr("naïve", "tag") == "noun"
    assert_same_neighbours(back, theirs, 10, topn=2)
    # A model's vectors, without gensim's tree attributes if it had any.
    wv = w2v.KeyedVectors.from_gensim(gensim_model.wv)
    assert_same_neighbours(wv, gensim_model.wv, "night")
    np.testing.assert_array_equal(wv.expandos["count"], gensim_model.wv.expandos["count"])


def test_only_gensim_word2vec_objects_convert(gensim_model: Any) -> None:
    with pytest.raises(TypeError, match="gensim Word2Vec"):
        w2v.Word2Vec.from_gensim(w2v.Word2Vec())
    with pytest.raises(TypeError, match="gensim KeyedVectors"):
        w2v.KeyedVectors.from_gensim(gensim_model)
    with pytest.raises(TypeError, match="only gensim's Word2Vec"):
        w2v.Word2Vec.from_gensim(gensim_models.FastText(vector_size=8))
    empty = w2v.Word2Vec.from_gensim(GensimWord2Vec(vector_size=8, window=2))
    assert len(empty.wv) == 0 and empty.window == 2 and empty.vector_size == 8


# ---- w2v convert --from-gensim ------------------------------------------------------------------


def run_cli(*args: str) -> Dict[str, Any]:
    """``main(args)`` in this process: exit status, stdout and stderr.

    The command sets up the ``w2v`` logger for itself; it is put back afterwards, so that
    later tests still capture w2v's log records.
    """
    log = logging.getLogger("w2v")
    saved = (list(log.handlers), log.level, log.propagate)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = int(exc.code or 0)
    finally:
        log.handlers[:] = saved[0]
        log.setLevel(saved[1])
        log.propagate = saved[2]
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


@pytest.fixture(scope="module")
def gensim_files(gensim_model: Any, tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    folder = tmp_path_factory.mktemp("gensim")
    model_path, kv_path = str(folder / "g.model"), str(folder / "g.kv")
    gensim_model.save(model_path)
    gensim_model.wv.save(kv_path)
    return {"model": model_path, "kv": kv_path}


def test_convert_from_gensim_needs_the_trust_flag(gensim_files: Dict[str, str], tmp_path: Path):
    out = tmp_path / "m.w2v"
    result = run_cli("convert", gensim_files["model"], str(out), "--from-gensim")
    assert result["code"] == 2
    err = " ".join(result["err"].split())
    assert "pickles" in err and "run any code" in err and "--trust-pickle" in err
    assert not out.exists()
    # A pickle given without --from-gensim: refused, with the command that converts it.
    result = run_cli("convert", gensim_files["model"], str(out))
    assert result["code"] == 1 and "--from-gensim --trust-pickle" in result["err"]
    result = run_cli("convert", gensim_files["model"], str(out), "--trust-pickle")
    assert result["code"] == 2 and "only applies with --from-gensim" in result["err"]


def test_convert_from_gensim_model_and_vectors(
    gensim_model: Any, gensim_files: Dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "m.w2v"
    flags = ("--from-gensim", "--trust-pickle")
    result = run_cli("convert", gensim_files["model"], str(out), *flags)
    assert result["code"] == 0, result["err"]
    assert "converted the gensim Word2Vec model" in result["err"]
    model = w2v.Word2Vec.load(out)
    assert_same_vocabulary(model, gensim_model)
    np.testing.assert_array_equal(model.syn1neg, gensim_model.syn1neg)
    assert model.train_count == 1 and model.window == GENSIM_PARAMS["window"]
    kv_out = tmp_path / "kv.w2v"
    assert run_cli("convert", gensim_files["kv"], str(kv_out), *flags)["code"] == 0
    kv = w2v.KeyedVectors.load(kv_out)
    np.testing.assert_array_equal(kv.vectors, gensim_model.wv.vectors)
    text_out = tmp_path / "vectors.txt"
    assert run_cli("convert", gensim_files["model"], str(text_out), *flags, "-q")["code"] == 0
    assert text_out.read_text(encoding="utf-8").split("\n", 1)[0] == (
        f"{len(gensim_model.wv)} {GENSIM_PARAMS['vector_size']}"
    )
    bad = tmp_path / "not-a-pickle.model"
    bad.write_bytes(b"\x80\x04not really")
    result = run_cli("convert", str(bad), str(tmp_path / "x.w2v"), *flags)
    assert result["code"] == 1 and "cannot read gensim file" in result["err"]


def test_convert_from_gensim_without_gensim(
    gensim_files: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("gensim", "gensim.models", "gensim.utils"):
        monkeypatch.setitem(sys.modules, name, None)  # import gensim now fails
    out = tmp_path / "m.w2v"
    result = run_cli("convert", gensim_files["model"], str(out), "--from-gensim", "--trust-pickle")
    assert result["code"] == 1 and "pip install gensim" in result["err"]
    assert not out.exists()
    with pytest.raises(ImportError, match="pip install gensim"):
        w2v.Word2Vec.from_gensim(object())


# ---- progress by default ------------------------------------------------------------------------


def test_progress_is_bars_on_a_terminal_and_log_lines_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = type("Args", (), {"quiet": False, "progress": "auto"})()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert progress_mode(args) == "bar"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert progress_mode(args) == "log"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_train_shows_bars_on_a_terminal(sentences: List[List[str]], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in sentences[:1000]) + "\n", encoding="utf-8")
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    cmd = [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(tmp_path / "m.bin")]
    proc = subprocess.Popen(
        [*cmd, "--epochs", "1", "--vector-size", "8", "--workers", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.wait(timeout=120) == 0
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "epoch 1/1" in shown and "%|" in shown
    assert "EPOCH 1:" not in shown  # bars, not log lines
