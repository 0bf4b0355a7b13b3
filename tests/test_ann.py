"""The faiss nearest-neighbour index (``w2v.ann``): recall against the exact search, gensim's
indexer protocol, saving inside the archive without pickle, and ``w2v index`` / ``similar``."""

from __future__ import annotations

import io
import json
import logging
import pickle
import sys
import zipfile
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import pytest

import w2v
from w2v import KeyedVectors, ann
from w2v.cli.main import main

faiss = pytest.importorskip("faiss")

N, DIM = 4000, 32


def clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Two levels of Gaussian clusters, anisotropic, with varied spreads and norms."""
    rng = np.random.default_rng(seed)
    scale = (np.arange(dim) + 1.0) ** -0.5
    topics = rng.standard_normal((20, dim)) * scale
    centres = (
        topics[rng.integers(20, size=n // 25)] + 0.8 * rng.standard_normal((n // 25, dim)) * scale
    )
    spread = rng.lognormal(0, 0.3, size=len(centres))
    which = rng.integers(len(centres), size=n)
    rows = centres[which] + spread[which, None] * rng.standard_normal((n, dim)) * scale
    return (rows * rng.lognormal(0, 0.4, size=(n, 1))).astype(np.float32)


@pytest.fixture(scope="module")
def kv() -> KeyedVectors:
    kv = KeyedVectors(DIM)
    kv.add_vectors([f"w{i}" for i in range(N)], clustered(N, DIM))
    kv.expandos["count"] = np.arange(N, 0, -1, dtype=np.int64)
    return kv


@pytest.fixture(scope="module")
def hnsw(kv: KeyedVectors) -> ann.FaissIndex:
    return ann.build_index(kv, "hnsw")


QUERIES = [f"w{i}" for i in range(0, N, 20)]


def recall_at_10(kv: KeyedVectors, index: ann.FaissIndex, queries: Sequence[str]) -> float:
    hits = 0
    for word in queries:
        exact = {k for k, _ in kv.most_similar(word, topn=10)}
        found = [k for k, _ in kv.most_similar(word, topn=11, indexer=index) if k != word]
        hits += len(exact & set(found[:10]))
    return hits / (10 * len(queries))


def test_hnsw_recall(kv: KeyedVectors, hnsw: ann.FaissIndex) -> None:
    assert recall_at_10(kv, hnsw, QUERIES) >= 0.95


def test_ivf_recall_and_search_params(kv: KeyedVectors) -> None:
    index = ann.build_index(kv, "ivf", nlist=64, nprobe=16)
    assert index.params == {"nlist": 64, "nprobe": 16}
    assert recall_at_10(kv, index, QUERIES) >= 0.95
    index.set_search_params(nprobe=1)
    assert recall_at_10(kv, index, QUERIES) < 0.95  # one cell of 64 misses neighbours
    with pytest.raises(ValueError, match="nprobe"):
        index.set_search_params(ef_search=10)


def test_indexer_protocol(kv: KeyedVectors, hnsw: ann.FaissIndex) -> None:
    found = kv.most_similar("w10", topn=5, indexer=hnsw)
    assert len(found) == 5 and all(isinstance(s, float) for _, s in found)
    assert found[0][0] == "w10" and found[0][1] == pytest.approx(1.0, abs=1e-5)
    exact = dict(kv.most_similar("w10", topn=50))
    for key, sim in found[1:]:  # the similarities are the exact ones
        assert sim == pytest.approx(exact[key], abs=1e-6)
    # combined queries go through the protocol as in gensim (input words not left out)
    query = {"positive": ["w1", "w2"], "negative": ["w3"]}
    mixed = kv.most_similar(**query, topn=13, indexer=hnsw)
    best = [k for k, _ in kv.most_similar(**query, topn=10)]
    assert len(mixed) == 13 and set(best) <= {k for k, _ in mixed}
    direct = hnsw.most_similar(kv["w7"] * 3.0, 4)
    assert [k for k, _ in direct] == [k for k, _ in kv.most_similar("w7", topn=4, indexer=hnsw)]
    rows, sims = hnsw.search(kv.vectors[:3], 2)
    assert rows.shape == sims.shape == (3, 2) and list(rows[:, 0]) == [0, 1, 2]


def test_build_index_attaches_and_validates(kv: KeyedVectors) -> None:
    small = kv.vectors_for_all([f"w{i}" for i in range(300)])
    index = small.build_index("hnsw", m=8, ef_search=20)
    assert small.ann_index is index and index.ntotal == 300 and index.build_seconds > 0
    assert len(index.most_similar(small["w1"], 50)) == 50  # more than ef_search
    assert index.index.hnsw.efSearch == 20
    assert "hnsw" in repr(index) and index.nbytes > small.vectors.nbytes
    for built in (index, ann.build_index(small, "ivf", nlist=4)):
        assert built.nbytes == pytest.approx(built.to_archive()[1].nbytes, rel=0.01)
    with pytest.raises(ValueError, match="kind"):
        small.build_index("annoy")
    with pytest.raises(ValueError, match="positive"):
        small.build_index("hnsw", m=0)
    with pytest.raises(ValueError, match="nlist"):
        small.build_index("ivf", nlist=1000)


def test_stale_index_is_refused_and_not_saved(
    kv: KeyedVectors, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    small = kv.vectors_for_all([f"w{i}" for i in range(200)])
    index = small.build_index("hnsw", m=8)
    small.add_vectors(["new"], np.ones((1, DIM), dtype=np.float32))
    assert not index.is_current()
    with pytest.raises(RuntimeError, match="out of date"):
        small.most_similar("w1", indexer=index)
    with caplog.at_level(logging.WARNING, logger="w2v"):
        small.save(tmp_path / "stale.w2v")
    assert "not saving" in caplog.text
    assert KeyedVectors.load(tmp_path / "stale.w2v").ann_index is None


# ---- saving and loading -------------------------------------------------------------------


def test_round_trip_inside_the_archive(
    kv: KeyedVectors, hnsw: ann.FaissIndex, tmp_path: Path
) -> None:
    kv.ann_index = hnsw
    path = tmp_path / "kv.w2v"
    try:
        kv.save(path)
    finally:
        kv.ann_index = None
    with zipfile.ZipFile(path) as zf:
        assert "ann_index.npy" in zf.namelist()
    for mmap in (None, "r"):
        loaded = KeyedVectors.load(path, mmap=mmap)
        index = loaded.ann_index
        assert index.kind == "hnsw" and index.params == hnsw.params and index.ntotal == N
        for word in QUERIES[:20]:
            assert loaded.most_similar(word, topn=8, indexer=index) == kv.most_similar(
                word, topn=8, indexer=hnsw
            )
    # loading through w2v.load too, and saving again keeps the index untouched
    again = w2v.load(path)
    again.save(tmp_path / "again.w2v")
    assert KeyedVectors.load(tmp_path / "again.w2v").ann_index.params == hnsw.params


def test_old_files_load_and_model_files_keep_the_index(
    kv: KeyedVectors, small_sentences: List[List[str]], tmp_path: Path
) -> None:
    kv.save(tmp_path / "plain.w2v")  # no index attached: a file as before
    assert KeyedVectors.load(tmp_path / "plain.w2v").ann_index is None
    model = w2v.Word2Vec(small_sentences[:500], vector_size=16, epochs=1, min_count=3, seed=1)
    model.wv.build_index("ivf")
    model.save(tmp_path / "model.w2v")
    with zipfile.ZipFile(tmp_path / "model.w2v") as zf:
        assert "wv.ann_index.npy" in zf.namelist()
    back = w2v.Word2Vec.load(tmp_path / "model.w2v")
    word = back.wv.index_to_key[5]
    assert back.wv.ann_index.kind == "ivf"
    assert back.wv.most_similar(word, topn=3, indexer=back.wv.ann_index) == (
        model.wv.most_similar(word, topn=3, indexer=model.wv.ann_index)
    )
    assert KeyedVectors.load(tmp_path / "model.w2v").ann_index.kind == "ivf"


def _rewrite_member(src: Path, dst: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == name else zin.read(info))


class _Boom:
    def __reduce__(self):  # unpickling this would create a file
        return (Path.touch, (Path(_Boom.target),))

    target = ""


def test_a_crafted_index_member_cannot_run_code(
    kv: KeyedVectors, hnsw: ann.FaissIndex, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    small = kv.vectors_for_all([f"w{i}" for i in range(100)])
    small.build_index("hnsw", m=8)
    good = tmp_path / "good.w2v"
    small.save(good)
    # 1. a pickled object array in place of the index: refused, nothing runs
    _Boom.target = str(tmp_path / "pwned")
    payload = io.BytesIO()
    np.save(payload, np.array([_Boom()], dtype=object), allow_pickle=True)
    bad = tmp_path / "pickle.w2v"
    _rewrite_member(good, bad, "ann_index.npy", payload.getvalue())
    with pytest.raises(ValueError):
        KeyedVectors.load(bad)
    assert not (tmp_path / "pwned").exists()
    # 2. bytes that are not a faiss index: the vectors load, the index is reported corrupt
    junk = io.BytesIO()
    np.save(junk, np.frombuffer(pickle.dumps(_Boom()) * 3, dtype=np.uint8))
    corrupt = tmp_path / "junk.w2v"
    _rewrite_member(good, corrupt, "ann_index.npy", junk.getvalue())
    loaded = KeyedVectors.load(corrupt)
    assert len(loaded) == 100 and loaded.ann_index is not None
    with pytest.raises(ValueError, match="corrupt"):
        loaded.most_similar("w1", indexer=loaded.ann_index)
    assert not (tmp_path / "pwned").exists()
    # 3. a real index of other vectors: caught by the check of what faiss read
    other = kv.vectors_for_all([f"w{i}" for i in range(100, 200)])
    other.build_index("ivf", nlist=4)
    _, blob = other.ann_index.to_archive()
    swapped = io.BytesIO()
    np.save(swapped, blob)
    mixed = tmp_path / "mixed.w2v"
    _rewrite_member(good, mixed, "ann_index.npy", swapped.getvalue())
    with pytest.raises(ValueError, match="corrupt"):
        KeyedVectors.load(mixed).ann_index.index  # noqa: B018
    # 4. metadata that does not fit the vectors: the index is dropped with a warning
    meta_only = tmp_path / "meta.w2v"
    with zipfile.ZipFile(good) as zf:
        meta = zf.read("meta.json").replace(b'"ntotal": 100', b'"ntotal": 7')
    _rewrite_member(good, meta_only, "meta.json", meta)
    with caplog.at_level(logging.WARNING, logger="w2v"):
        assert KeyedVectors.load(meta_only).ann_index is None
    assert "ignoring the saved nearest-neighbour index" in caplog.text


def test_without_faiss(kv: KeyedVectors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = kv.vectors_for_all([f"w{i}" for i in range(100)])
    small.build_index("hnsw", m=8)
    small.save(tmp_path / "kv.w2v")
    monkeypatch.setitem(sys.modules, "faiss", None)  # import faiss now fails
    with pytest.raises(ImportError, match=r"pip install 'w2v\[ann\]'"):
        small.build_index()
    loaded = KeyedVectors.load(tmp_path / "kv.w2v")  # loads, and saves again, without faiss
    loaded.save(tmp_path / "again.w2v")
    with pytest.raises(ImportError, match="faiss"):
        loaded.most_similar("w1", indexer=loaded.ann_index)
    assert loaded.most_similar("w1", topn=3) == small.most_similar("w1", topn=3)
    monkeypatch.delitem(sys.modules, "faiss")
    again = KeyedVectors.load(tmp_path / "again.w2v")
    assert again.most_similar("w1", indexer=again.ann_index) == small.most_similar(
        "w1", indexer=small.ann_index
    )


# ---- the command line ---------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture, *args: str) -> Tuple[int, str, str]:
    log = logging.getLogger("w2v")
    saved = (log.level, log.propagate, list(log.handlers))
    try:
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    finally:
        log.setLevel(saved[0])
        log.propagate = saved[1]
        log.handlers[:] = saved[2]
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_index_and_similar(
    kv: KeyedVectors, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kv.w2v"
    kv.save(path)
    code, exact_out, err = run(capsys, "similar", str(path), "w3", "w4", "--topn", "4")
    assert code == 0 and "index" not in err
    code, _, err = run(capsys, "index", str(path))
    assert code == 0 and "built an index (hnsw) over 4,000 vectors" in err
    code, out, err = run(capsys, "similar", str(path), "w3", "w4", "--topn", "4")
    assert code == 0 and "approximate neighbours from the saved hnsw index" in err
    assert out == exact_out  # same format, and here the same neighbours
    code, out, err = run(capsys, "similar", str(path), "w3", "--exact", "--json")
    assert code == 0 and "index" not in err and '"w3"' in out
    # word2vec files need -o; the output must be a w2v file
    text = tmp_path / "vectors.txt"
    kv.save_word2vec_format(text)
    code, _, err = run(capsys, "index", str(text))
    assert code == 2 and "give -o" in err
    code, _, err = run(capsys, "index", str(text), "-o", str(tmp_path / "x.bin"))
    assert code == 2 and "archive format" in err
    out_path = tmp_path / "ivf.w2v"
    code, _, _ = run(capsys, "index", str(text), "-o", str(out_path), "--kind", "ivf", "-q")
    assert code == 0 and KeyedVectors.load(out_path).ann_index.kind == "ivf"
    code, out, _ = run(capsys, "info", str(out_path))
    assert code == 0 and "ann index" in out and "faiss ivf over 4,000 vectors" in out
    code, out, _ = run(capsys, "info", str(out_path), "--json")
    assert json.loads(out)["ann_index"]["kind"] == "ivf"
    code, out, _ = run(capsys, "info", str(text), "--json")
    assert "ann_index" not in json.loads(out)
    # a Word2Vec file is rewritten in place as a whole model, with the index
    model = w2v.Word2Vec(vector_size=8, min_count=1, seed=1, epochs=1)
    model.build_vocab([["a", "b", "c", "d"] * 5, ["c", "d", "e"] * 4])
    model.train([["a", "b", "c", "d"] * 5], total_examples=1, epochs=1)
    model.save(tmp_path / "model.w2v")
    code, _, _ = run(capsys, "index", str(tmp_path / "model.w2v"), "--kind", "ivf", "-q")
    back = w2v.Word2Vec.load(tmp_path / "model.w2v")
    assert code == 0 and back.wv.ann_index.kind == "ivf"
    np.testing.assert_array_equal(back.syn1neg, model.syn1neg)
    # without faiss, similar falls back to the exact search and says so
    monkeypatch.setitem(sys.modules, "faiss", None)
    code, out, err = run(capsys, "similar", str(path), "w3", "w4", "--topn", "4")
    assert code == 0 and out == exact_out and "searching exactly" in err
