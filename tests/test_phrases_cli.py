"""``w2v phrases``, ``w2v phrases apply`` and ``w2v train --phrases``."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

import w2v
from w2v.cli.main import main


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with gzip.open(w2v.datasets.demo_path(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(1200)]
    path = tmp_path_factory.mktemp("phrases_cli") / "novels.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_learn_apply_and_train(corpus: Path, tmp_path: Path, capsys):
    model = tmp_path / "p.phr"
    args = ["--min-count", "3", "--threshold", "5", "--connector-words", "english", "-q"]
    assert main(["phrases", str(corpus), "-o", str(model), *args]) == 0
    expected = w2v.Phrases(
        corpus_file=str(corpus),
        min_count=3,
        threshold=5.0,
        connector_words=w2v.ENGLISH_CONNECTOR_WORDS,
    ).freeze()
    frozen = w2v.FrozenPhrases.load(model)
    assert frozen.phrasegrams == expected.phrasegrams and frozen.phrasegrams

    out = tmp_path / "phrased.txt"
    assert main(["phrases", "apply", str(model), str(corpus), "-o", str(out), "-q"]) == 0
    text = "".join(" ".join(s) + "\n" for s in expected[w2v.LineSentence(str(corpus))])
    assert out.read_text(encoding="utf-8") == text

    vectors = tmp_path / "m.w2v"
    common = ["--epochs", "1", "--vector-size", "12", "--min-count", "2", "--workers", "1", "-q"]
    assert main(["train", str(corpus), "--phrases", str(model), "-o", str(vectors), *common]) == 0
    plain = tmp_path / "plain.w2v"
    assert main(["train", str(out), "-o", str(plain), *common]) == 0
    fused, direct = w2v.Word2Vec.load(str(vectors)), w2v.Word2Vec.load(str(plain))
    assert fused.wv.index_to_key == direct.wv.index_to_key
    assert any("_" in w for w in fused.wv.index_to_key)


def test_full_model_and_errors(corpus: Path, tmp_path: Path, capsys):
    full = tmp_path / "full.phr"
    assert main(["phrases", str(corpus), "-o", str(full), "--keep-counts", "-q"]) == 0
    assert len(w2v.Phrases.load(full).vocab) > 1000
    with pytest.raises(SystemExit) as exc:
        main(["phrases", str(corpus), "-o", str(tmp_path / "x"), "--scoring", "npmi"])
    assert exc.value.code == 2
    assert "threshold must be a finite number in the range [-1, 1], got 10.0" in (
        capsys.readouterr().err
    )
    bad = tmp_path / "bad.phr"
    bad.write_bytes(b"garbage")
    assert main(["phrases", "apply", str(bad), str(corpus), "-o", str(tmp_path / "o")]) == 1
    assert "bad.phr" in capsys.readouterr().err
    assert main(["train", str(corpus), "--phrases", str(bad), "-o", str(tmp_path / "m")]) == 1
