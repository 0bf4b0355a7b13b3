"""Distributed training on a Dask LocalCluster of 2 worker processes x 1 thread (issue #11).

The vocabulary must be single-machine's exactly; one worker with one round per epoch must
train bit for bit as single-machine ``workers=1``; two workers must learn as well as one
machine (the margins of ``test_quality.py``); a worker killed mid-round must not change the
result (every task is a pure function, so the re-run shard gives the same rows).
"""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import w2v

distributed = pytest.importorskip("distributed")
wd = pytest.importorskip("w2v.distributed")

from test_quality import ANALOGIES, ANALOGY_MARGIN, PAIRS, PAIRS_MARGIN  # noqa: E402

SMALL_LINES = 4000  # ~270k words: enough for every code path, quick to train


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict:
    """The demo corpus as a plain file, its head, and its head split into a plain file and
    a gzip file."""
    root = tmp_path_factory.mktemp("distributed")
    full = root / "demo.txt"
    with gzip.open(w2v.datasets.demo_path(), "rb") as src, open(full, "wb") as dst:
        shutil.copyfileobj(src, dst)
    lines = full.read_bytes().splitlines(keepends=True)
    small = root / "small.txt"
    small.write_bytes(b"".join(lines[:SMALL_LINES]))
    first, second = root / "part1.txt", root / "part2.txt.gz"
    first.write_bytes(b"".join(lines[: SMALL_LINES // 2]))
    # The last line without its newline: the file's end ends the sentence.
    with gzip.open(second, "wb") as out:
        out.write(b"".join(lines[SMALL_LINES // 2 : SMALL_LINES]).rstrip(b"\n"))
    return {"full": str(full), "small": str(small), "parts": [str(first), str(second)]}


def _same_vocab(a: w2v.Word2Vec, b: w2v.Word2Vec) -> None:
    assert a.wv.index_to_key == b.wv.index_to_key
    np.testing.assert_array_equal(a.wv.expandos["count"], b.wv.expandos["count"])
    np.testing.assert_array_equal(a.wv.expandos["sample_int"], b.wv.expandos["sample_int"])
    assert (a.corpus_count, a.corpus_total_words) == (b.corpus_count, b.corpus_total_words)


@pytest.mark.parametrize("which", ["full", "parts", "url"])
def test_vocabulary_is_single_machines(client, corpora, which) -> None:
    corpus = corpora["parts" if which == "parts" else "full"]
    given = Path(corpus).as_uri() if which == "url" else corpus
    params = dict(min_count=3, sample=1e-4, max_final_vocab=8000)
    one = w2v.Word2Vec(**params)
    one.build_vocab(corpus_file=corpus)
    many = w2v.Word2Vec(**params)
    wd.build_vocab(client, many, given)
    _same_vocab(one, many)
    assert len(one.wv) > 1000


IDENTITY_CASES = {
    "skip-gram": dict(sg=1, negative=5),
    "cbow-hs-loss": dict(sg=0, hs=1, negative=0, compute_loss=True),
    "noise": dict(sg=1, negative=3, ns_exponent=0.5, noise_weights=lambda w, c: 1.0 + len(w)),
}


@pytest.mark.parametrize("case", list(IDENTITY_CASES))
def test_one_worker_one_round_is_single_machine_bit_for_bit(client, corpora, case) -> None:
    params = dict(vector_size=24, min_count=2, epochs=2, workers=1, seed=7, **IDENTITY_CASES[case])
    one = w2v.Word2Vec(corpus_file=corpora["small"], **params)
    many = wd.train(client, corpora["small"], dask_workers=1, rounds_per_epoch=1, **params)
    _same_vocab(one, many)
    np.testing.assert_array_equal(one.wv.vectors, many.wv.vectors)
    if one.negative:
        np.testing.assert_array_equal(one.syn1neg, many.syn1neg)
    if one.hs:
        np.testing.assert_array_equal(one.syn1, many.syn1)
    assert many.loss_history == one.loss_history
    if one.compute_loss:
        assert len(many.loss_history) == 2 and many.get_latest_training_loss() > 0


def _scores(model: w2v.Word2Vec) -> np.ndarray:
    analogy, _ = model.wv.evaluate_word_analogies(str(ANALOGIES))
    (_, _), (spearman, _), _ = model.wv.evaluate_word_pairs(str(PAIRS))
    return np.array([analogy, spearman])


# test_quality's skip-gram. The demo corpus is small (1.6 M words): 16 rounds per epoch keep
# each shard of a round near 50 k words, where the workers' copies stay close (close enough
# even when each round starts before the previous one is merged, overlap=True).
QUALITY = dict(vector_size=50, window=5, min_count=5, negative=5, sg=1, epochs=3, seed=1)
ROUNDS = 16


@pytest.fixture(scope="module")
def two_worker_model(client, corpora) -> w2v.Word2Vec:
    return wd.train(client, corpora["full"], workers=1, rounds_per_epoch=ROUNDS, **QUALITY)


def test_two_workers_learn_as_well_as_one_machine(corpora, two_worker_model) -> None:
    one = _scores(w2v.Word2Vec(corpus_file=corpora["full"], workers=2, **QUALITY))
    many = _scores(two_worker_model)
    assert one[0] > 0.03 and one[1] > 0.1, one  # one machine learns: the comparison means something
    assert many[0] >= one[0] - ANALOGY_MARGIN, (many, one)
    assert many[1] >= one[1] - PAIRS_MARGIN, (many, one)


def test_a_worker_killed_mid_round_changes_nothing(client, corpora, two_worker_model) -> None:
    """Each Dask worker trains with one thread, so a run is deterministic: the killed
    worker's shard, re-run elsewhere, gives the rows it would have given."""
    result: dict = {}

    def run() -> None:
        try:
            result["model"] = wd.train(
                client, corpora["full"], workers=1, rounds_per_epoch=ROUNDS, **QUALITY
            )
        except BaseException as err:  # reported by the assertion below
            result["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and thread.is_alive():
        # Wait for a second-round shard to be training: weights have been merged before.
        for worker, keys in client.processing().items():
            if any(str(k).startswith("w2v-train-") and str(k).endswith("-1-1") for k in keys):
                victim = worker
        time.sleep(0.01)
    assert victim is not None, "no training round was seen running"
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    thread.join(120)
    assert "error" not in result, result.get("error")
    model = result["model"]
    np.testing.assert_array_equal(model.wv.vectors, two_worker_model.wv.vectors)
    np.testing.assert_array_equal(model.syn1neg, two_worker_model.syn1neg)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it, for the tests after
    assert victim not in client.scheduler_info()["workers"]  # it did die: a new one replaced it


def test_an_epoch_whose_results_are_lost_is_trained_again(client, corpora, monkeypatch) -> None:
    """When Dask cannot rebuild a dead worker's results, the epoch is trained again from its
    start, with the same seeds: the model is the undisturbed run's."""
    from concurrent.futures import CancelledError

    from w2v.distributed import driver

    params = dict(vector_size=16, min_count=2, epochs=2, workers=1, seed=5, rounds_per_epoch=3)
    want = wd.train(client, corpora["small"], **params)
    real = driver.Run._try_epoch
    failed = []

    def fail_once(self, epoch, weights, report_delay, attempt):
        if attempt == 0 and epoch not in failed:
            failed.append(epoch)
            real(self, epoch, weights, report_delay, attempt)  # the work is done, then lost
            raise CancelledError("w2v-train-x: its worker and the data it held are gone")
        return real(self, epoch, weights, report_delay, attempt)

    monkeypatch.setattr(driver.Run, "_try_epoch", fail_once)
    got = wd.train(client, corpora["small"], **params)
    assert failed == [0, 1]
    np.testing.assert_array_equal(got.wv.vectors, want.wv.vectors)
    np.testing.assert_array_equal(got.syn1neg, want.syn1neg)


def test_returned_model_is_ordinary(client, corpora, tmp_path) -> None:
    seen = []

    class Epochs(w2v.callbacks.CallbackAny2Vec):
        def on_epoch_end(self, model):
            seen.append(model.wv["the"].copy())

    model = wd.train(
        client,
        corpora["small"],
        vector_size=16,
        epochs=2,
        workers=1,
        rounds_per_epoch=4,
        callbacks=[Epochs()],
    )
    assert len(seen) == 2 and not np.array_equal(seen[0], seen[1])
    np.testing.assert_array_equal(seen[1], model.wv["the"])
    model.save(str(tmp_path / "m.w2v"))
    back = w2v.Word2Vec.load(str(tmp_path / "m.w2v"))
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    back.train(
        corpus_file=corpora["small"],
        total_words=back.corpus_total_words,
        total_examples=back.corpus_count,
        epochs=1,
    )
    assert not np.array_equal(back.wv.vectors, model.wv.vectors)


def test_refusals_come_before_any_work(client, corpora) -> None:
    small = corpora["small"]
    with pytest.raises(FileNotFoundError, match="cannot read the corpus|not found"):
        wd.train(client, small + ".missing")
    with pytest.raises(FileNotFoundError, match="matches no file"):
        wd.train(client, str(Path(small).parent / "nothing-*.txt"))
    with pytest.raises(ValueError, match="max_vocab_size is not supported"):
        wd.train(client, small, max_vocab_size=1000)
    with pytest.raises(ValueError, match="rounds_per_epoch must be"):
        wd.train(client, small, rounds_per_epoch=0)
    with pytest.raises(ValueError, match="dask_workers must be at most"):
        wd.train(client, small, dask_workers=3)
    with pytest.raises(ValueError, match="words_due"):
        wd.train(client, small, callbacks=[w2v.callbacks.Checkpoint(str(Path(small).parent))])
    with pytest.raises(ValueError, match="negative == 0 and hs == 0"):
        wd.train(client, small, negative=0, hs=0)
    with pytest.raises(TypeError, match="dask.distributed.Client"):
        wd.train(object(), small)
    with pytest.raises(FileNotFoundError, match="no filesystem"):
        wd.train(client, "nosuchprotocol://bucket/corpus.txt")


def test_a_cluster_without_workers_is_refused(corpora) -> None:
    cluster = distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0")
    with distributed.Client(cluster) as c, pytest.raises(ValueError, match="no workers"):
        wd.train(c, corpora["small"])
    cluster.close()


def test_command_line_trains_on_a_cluster(client, corpora, tmp_path, capsys) -> None:
    from w2v.cli import main

    out = tmp_path / "model.w2v"
    args = ["train", corpora["small"], "-o", str(out), "--epochs", "2", "--vector-size", "16"]
    common = ["--workers", "1", "--compute-loss", "--progress", "log"]
    dask = ["--dask", client.scheduler.address, "--rounds-per-epoch", "4"]
    assert main([*args, *common, *dask]) == 0
    err = capsys.readouterr().err
    assert "EPOCH 2" in err and "loss per epoch" in err
    model = w2v.Word2Vec.load(str(out))
    assert len(model.loss_history) == 2
    one = w2v.Word2Vec(corpus_file=corpora["small"], vector_size=16, epochs=2, workers=1)
    _same_vocab(one, model)
    # local:1 starts (and stops) a cluster of one worker process: single-machine training.
    assert main([*args, *common, "--dask", "local:1", "--rounds-per-epoch", "1"]) == 0
    np.testing.assert_array_equal(w2v.Word2Vec.load(str(out)).wv.vectors, one.wv.vectors)
    with pytest.raises(SystemExit) as usage:
        main([*args, "--dask", "local:1", "--checkpoint", str(tmp_path / "c")])
    assert usage.value.code == 2
    assert "--checkpoint is not available with --dask" in capsys.readouterr().err


def test_shards_cover_every_line_once(tmp_path) -> None:
    from w2v.distributed.sharding import describe_file, plan_shards, shard_text

    a, b = tmp_path / "a.txt", tmp_path / "b.txt.gz"
    a.write_bytes(b"".join(b"line %d of a\n" % i for i in range(300)) + b"no newline")
    with gzip.open(b, "wb") as out:
        out.write(b"".join(b"line %d of b\n" % i for i in range(50)))
    files = [describe_file(str(a)), describe_file(str(b))]
    assert [f.compressed for f in files] == [False, True]
    for parts in (1, 3, 7, 40):
        shards = plan_shards(files, parts)
        assert len(shards) == parts
        text = b"".join(piece for s in shards for piece in shard_text(s, piece_bytes=100))
        assert text == a.read_bytes() + b"\n" + gzip.decompress(b.read_bytes())
        # The compressed file is one shard's, whole.
        assert sum(any(sp.file.compressed for sp in s.spans) for s in shards) == 1


def test_a_truncated_compressed_shard_is_reported(tmp_path) -> None:
    from w2v.distributed.sharding import describe_file, plan_shards, shard_text
    from w2v.errors import CompressedFileError

    cut = tmp_path / "cut.txt.gz"
    whole = gzip.compress(b"".join(b"line %d\n" % i for i in range(5000)))
    cut.write_bytes(whole[: len(whole) // 2])
    (shard,) = plan_shards([describe_file(str(cut))], 1)
    with pytest.raises(CompressedFileError, match="truncated") as err:
        b"".join(shard_text(shard))
    assert str(cut) in str(err.value)


def test_merge_rules_on_changed_rows() -> None:
    from w2v.distributed.merge import FANIN, apply_updates, block_of, combine
    from w2v.distributed.rounds import RowUpdate, Trained, Weights

    rng = np.random.default_rng(0)
    start = rng.standard_normal((6, 3)).astype(np.float32)

    def update(rows) -> RowUpdate:
        u = RowUpdate()
        rows = np.asarray(rows)
        u.rows["vectors"] = (
            rows,
            rng.standard_normal((len(rows), 3)).astype(np.float32),
            np.ones(len(rows), dtype=np.int32),
        )
        return u

    ups = [
        update([0, 1, 2]),
        update([1, 2, 3]),
        update([2]),
        update([0, 1, 2, 3, 4]),
        update([2, 4]),
    ]
    assert len(ups) > FANIN  # a tree of combines must give what one flat merge gives
    flat = apply_updates(Weights(start.copy()), "mean", *ups).vectors
    tree = apply_updates(Weights(start.copy()), "mean", combine(*ups[:FANIN]), ups[FANIN]).vectors
    np.testing.assert_allclose(tree, flat, rtol=1e-6)
    for rule in ("mean", "sum"):
        given = start.copy()
        got = apply_updates(Weights(given), rule, *ups).vectors
        np.testing.assert_array_equal(given, start)  # the inputs are left as they came
        for row in range(6):
            changes = [
                u.rows["vectors"][1][list(u.rows["vectors"][0]).index(row)]
                for u in ups
                if row in u.rows["vectors"][0]
            ]
            if not changes:
                want = start[row]
            elif rule == "mean":
                want = start[row] + np.mean(changes, axis=0)
            else:
                want = start[row] + np.sum(changes, axis=0)
            np.testing.assert_allclose(got[row], want, rtol=1e-5, atol=1e-6)
    # A shard that trained alone gives its values, taken as they are.
    alone = update([0, 1, 2])
    alone.changes = False
    one = apply_updates(Weights(start.copy()), "sum", alone).vectors
    np.testing.assert_array_equal(one[:3], alone.rows["vectors"][1])
    np.testing.assert_array_equal(one[3:], start[3:])
    with pytest.raises(ValueError, match="only one"):
        apply_updates(Weights(start.copy()), "sum", alone, ups[0])
    # Only the rows a shard changed are cut out of its result, numbered within the block.
    change = np.zeros((6, 3), dtype=np.float32)
    change[[1, 4]] = 1.0
    change[5, 2] = -0.5
    block = block_of(Trained({"vectors": change}, True), 3, 6)
    rows, values, counts = block.rows["vectors"]
    np.testing.assert_array_equal(rows, [1, 2])
    np.testing.assert_array_equal(values, change[[4, 5]])
    np.testing.assert_array_equal(counts, [1, 1])


def test_overlap_changes_only_rounds_after_the_first(client, corpora) -> None:
    """With one round per epoch nothing overlaps (epochs start from all the merged
    changes), so overlap must not change the result; with two rounds the second starts
    before the first's merge, so it must."""
    params = dict(vector_size=16, min_count=2, epochs=2, workers=1, seed=3)

    def run(rounds: int, overlap: bool) -> np.ndarray:
        m = wd.train(client, corpora["small"], rounds_per_epoch=rounds, overlap=overlap, **params)
        return m.wv.vectors

    np.testing.assert_array_equal(run(1, True), run(1, False))
    assert not np.array_equal(run(2, True), run(2, False))
