"""Quality guard for the fast defaults: shared-negative skip-gram and CBOW must learn as well as
the classic updates on the bundled demo corpus (issue: "5x faster at equal quality").

Not timed; margins are set from measured runs (see docs/performance.md) so that a kernel
that learns noticeably worse fails, while run-to-run noise of Hogwild training passes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import w2v

DATA = Path(__file__).parent / "data"
ANALOGIES = DATA / "quality_analogies_demo.txt"
PAIRS = DATA / "quality_ws353_demo.tsv"

ANALOGY_MARGIN = 0.03
PAIRS_MARGIN = 0.05


def _scores(model: w2v.Word2Vec) -> tuple[float, float]:
    analogy, _ = model.wv.evaluate_word_analogies(str(ANALOGIES))
    (_, _), (spearman, _), _ = model.wv.evaluate_word_pairs(str(PAIRS))
    return float(analogy), float(spearman)


# CBOW learns less per epoch on 1.6 M words, so it gets more epochs to rise above noise.
ARCHITECTURES = {"skip-gram": dict(sg=1, epochs=3), "cbow": dict(sg=0, epochs=6)}


@pytest.fixture(scope="module", params=list(ARCHITECTURES))
def scores(request) -> dict:
    params = dict(
        corpus_file=w2v.datasets.demo_path(),
        vector_size=50,
        window=5,
        min_count=5,
        negative=5,
        workers=2,
        **ARCHITECTURES[request.param],
    )
    out = {"arch": request.param}
    for name, shared in (("default", True), ("classic", False)):
        runs = [
            _scores(w2v.Word2Vec(**params, seed=seed, shared_negatives=shared)) for seed in (1, 2)
        ]
        out[name] = tuple(np.mean(runs, axis=0))
    return out


def test_default_mode_is_the_shared_negative_update() -> None:
    assert w2v.Word2Vec().shared_negatives is True


def test_shared_negatives_analogy_not_worse_than_classic(scores: dict) -> None:
    default, classic = scores["default"][0], scores["classic"][0]
    assert classic > 0.03, f"classic {scores['arch']} barely learns analogies ({classic:.3f})"
    assert default >= classic - ANALOGY_MARGIN, (scores["arch"], default, classic)


def test_shared_negatives_similarity_not_worse_than_classic(scores: dict) -> None:
    default, classic = scores["default"][1], scores["classic"][1]
    assert classic > 0.1, f"classic {scores['arch']} barely learns similarity ({classic:.3f})"
    assert default >= classic - PAIRS_MARGIN, (scores["arch"], default, classic)
