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


def _cluster_of_two():
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )


@pytest.fixture(scope="module")
def client():
    cluster = _cluster_of_two()
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


@pytest.fixture(scope="module")
def phrases(corpora) -> w2v.FrozenPhrases:
    return w2v.Phrases(corpus_file=corpora["small"], min_count=3, threshold=5).freeze()


def test_phrases_are_joined_as_on_one_machine(client, corpora, phrases, tmp_path) -> None:
    """``phrases`` join while the workers read: the vocabulary is single-machine's, and one
    worker with one round trains single-machine's bits; so does the command line."""
    params = dict(vector_size=16, min_count=2, epochs=1, workers=1, seed=7, phrases=phrases)
    one = w2v.Word2Vec(corpus_file=corpora["small"], **params)
    assert sum(phrases.delimiter in w for w in one.wv.index_to_key) > 100
    many = w2v.Word2Vec(**params)
    wd.build_vocab(client, many, corpora["small"])
    _same_vocab(one, many)
    alone = wd.train(client, corpora["small"], dask_workers=1, rounds_per_epoch=1, **params)
    _same_vocab(one, alone)
    np.testing.assert_array_equal(one.wv.vectors, alone.wv.vectors)
    np.testing.assert_array_equal(one.syn1neg, alone.syn1neg)
    assert alone.phrases is not None  # further training joins them too

    from w2v.cli import main

    phrases.save(str(tmp_path / "phrases.w2v"))
    out = tmp_path / "model.w2v"
    args = ["train", corpora["small"], "-o", str(out), "--epochs", "1", "--vector-size", "16"]
    args += ["--min-count", "2", "--phrases", str(tmp_path / "phrases.w2v"), "--progress", "none"]
    assert main([*args, "--dask", client.scheduler.address, "--rounds-per-epoch", "2"]) == 0
    _same_vocab(one, w2v.Word2Vec.load(str(out)))


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
# each shard of a round near 50 k words, where the workers' copies stay close.
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
    """Each Dask worker trains with one thread, so a run is deterministic: the epoch the
    killed worker was training is trained again from its start, from the copy of its
    starting weights the other worker holds, and gives the rows it would have given. The
    cluster is the test's own: the tests after do not depend on how it recovered."""
    small = dict(vector_size=16, min_count=2, epochs=2, workers=1, seed=3, rounds_per_epoch=4)
    want = wd.train(client, corpora["small"], **small)
    result: dict = {}
    with _cluster_of_two() as cluster, distributed.Client(cluster) as own:

        def run() -> None:
            try:
                result["model"] = wd.train(
                    own, corpora["full"], workers=1, rounds_per_epoch=ROUNDS, **QUALITY
                )
            except BaseException as err:  # reported by the assertion below
                result["error"] = err

        thread = threading.Thread(target=run)
        thread.start()
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and time.monotonic() < deadline and thread.is_alive():
            # Wait for rank 1's second epoch (key ...-{epoch}-{attempt}-{rank}) to train: the
            # ranks have merged rounds before, and the first epoch's results die with it.
            for worker, keys in own.processing().items():
                if any(str(k).startswith("w2v-epoch-") and str(k).endswith("-1-0-1") for k in keys):
                    victim = worker
            time.sleep(0.01)
        assert victim is not None, "no training epoch was seen running"
        time.sleep(0.3)  # into its rounds
        pid = own.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        thread.join(120)
        assert "error" not in result, result.get("error")
        model = result["model"]
        np.testing.assert_array_equal(model.wv.vectors, two_worker_model.wv.vectors)
        np.testing.assert_array_equal(model.syn1neg, two_worker_model.syn1neg)
        own.wait_for_workers(2, timeout=60)  # the nanny restarts it
        # It did die: a new one replaced it.
        assert victim not in wd.settings.current_workers(own)
        # Nothing of the run is left: no task of the called-off epoch still running on the
        # worker that survived (Dask's worker fails hard when the scheduler drops data such
        # a task uses), and no future of the run still held by the client.
        left = _left_on_cluster(own)
        deadline = time.monotonic() + 10
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = _left_on_cluster(own)
        assert not left
        # The cluster trains on, with the worker that replaced the killed one.
        again = wd.train(own, corpora["small"], **small)
        np.testing.assert_array_equal(again.wv.vectors, want.wv.vectors)


def _left_on_cluster(client) -> dict:
    """The w2v tasks still running on each worker, and the w2v futures the client holds.
    (The scheduler may keep a called-off epoch's mailbox a while longer: its worker's own
    handle to it goes with that worker's garbage.)"""

    def running(dask_worker) -> list:
        busy = ("executing", "long-running", "cancelled", "resumed")
        tasks = dask_worker.state.tasks.values()
        return [str(ts.key) for ts in tasks if str(ts.key).startswith("w2v-") and ts.state in busy]

    left = {w: keys for w, keys in client.run(running).items() if keys}
    held = [str(k) for k in client.futures if str(k).startswith("w2v-")]
    return {**left, "client": held} if held else left


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
            raise CancelledError("w2v-epoch-x: its worker and the data it held are gone")
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
    with pytest.raises(ValueError, match="transfer_dtype must be one of"):
        wd.train(client, small, transfer_dtype="float64")
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


def test_a_local_cluster_starts_quiet_for_training() -> None:
    from w2v.distributed.cluster import connect

    def settings(dask_worker):
        import dask

        config = {k: dask.config.get(k) for k in wd.TRAINING_DASK_CONFIG}
        return config, "profile" in dask_worker.periodic_callbacks

    with connect("local:1") as c:
        ((config, profiling),) = c.run(settings).values()
    assert config == wd.TRAINING_DASK_CONFIG
    assert not profiling  # Dask's sampling profiler does not run on the trainers' cores


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


def test_rows_due_follow_the_schedule() -> None:
    from w2v.distributed.exchange import rows_due

    # Round c (1-based) merges sync_words x the largest power of 2 dividing c; the last
    # round of the epoch, and sync_words=None, every row.
    got = [rows_due(r, 8, 10, 1000) for r in range(8)]
    assert got == [10, 20, 10, 40, 10, 20, 10, 1000]
    assert rows_due(3, 8, 10, 25) == 25  # never more than the rows there are
    assert [rows_due(r, 3, None, 7) for r in range(3)] == [7, 7, 7]
    assert rows_due(0, 1, 10, 1000) == 1000


def test_rows_due_are_the_most_frequent_words_whatever_the_row_order() -> None:
    """With a vocabulary not sorted by frequency (sorted_vocab=0), the rows due are still
    the most frequent words' (ascending ids); hierarchical softmax's rows are all due."""
    from w2v.distributed.exchange import Exchange
    from w2v.distributed.rounds import MergePlan, RoundMerger

    order = np.array([4, 0, 5, 2, 1, 3])  # rows from the most frequent word down
    trained = {"vectors": np.zeros((6, 2), np.float32), "syn1": np.zeros((5, 2), np.float32)}
    scratch = {n: tuple(np.zeros_like(m) for _ in range(4)) for n, m in trained.items()}
    exchange = Exchange(0, [_Box(), _Box()], "t", "sum", timeout=1, mine=_Box().box)
    merger = RoundMerger(exchange, MergePlan(4, "sum", 2, order), trained, scratch)
    for r, (ids, due) in [(0, ([0, 4], 2)), (1, ([0, 2, 4, 5], 4)), (2, ([0, 4], 2))]:
        rows = merger._rows_due(r)
        np.testing.assert_array_equal(rows["vectors"][0], ids)
        assert rows["vectors"][1] == due
        assert rows["syn1"] == (None, 5)
    assert merger._rows_due(3)["vectors"] == (None, 6)  # the last round: every row, in order


class _Box:
    """An in-process stand-in for a mailbox actor (what Exchange calls on it)."""

    def __init__(self) -> None:
        from w2v.distributed.exchange import Mailbox

        self.box = Mailbox()

    def put(self, key, value):
        self.box.put(key, value)
        return self

    def done(self) -> bool:
        return True

    def result(self, timeout=None) -> None:
        return None


class _Undelivered:
    """A mailbox whose worker died: Dask holds a message to it until the mailbox is made
    again, which never happens (it is bound to its worker)."""

    def put(self, key, value):
        return self

    def done(self) -> bool:
        return False

    def result(self, timeout=None) -> None:
        if timeout is None:
            raise AssertionError("waited for ever")
        time.sleep(timeout)
        raise TimeoutError(f"timed out after {timeout} s.")


def _changes_of(ranks: int, seed: int = 0) -> list:
    """Per rank, changes of two matrices; rank 0's sparse (sent as row ids and values)."""
    rng = np.random.default_rng([ranks, seed])
    changes = []
    for k in range(ranks):
        mine = {}
        for name, shape in {"vectors": (11, 4), "syn1neg": (7, 4)}.items():
            c = rng.standard_normal(shape).astype(np.float32)
            c[rng.random(shape[0]) < 0.5] = 0.0  # rows this rank did not change
            if k == 0:
                kept = rng.random(shape[0]) < 0.2
                kept[3] = True
                c[~kept] = 0.0
                c[3] += 1.0  # not +0.0 by chance
            mine[name] = c
        changes.append(mine)
    return changes


def _merge_on_threads(changes: list, rule: str, dtype: str) -> list:
    """Every rank's Exchange.merged, each on its own thread; per rank, the merged changes
    and the bytes it sent."""
    return _merge_rounds_on_threads([changes], rule, dtype)[0]


def _merge_rounds_on_threads(rounds: list, rule: str, dtype: str, lag: float = 0.0) -> list:
    """Like :func:`_merge_on_threads` for several rounds in a row (``rounds[r]`` the ranks'
    changes in round r), one Exchange per rank for all of them. Rank k > 0 takes ``lag * k``
    seconds longer to use each message it receives, so rank 0 runs ahead as far as the
    exchange lets it. Per round, per rank, what :func:`_merge_on_threads` gives."""
    from w2v.distributed.exchange import Change, Exchange, Mailbox

    class SlowMailbox(Mailbox):
        def __init__(self, delay: float) -> None:
            super().__init__()
            self.delay = delay

        def take(self, key, timeout):
            got = super().take(key, timeout)
            time.sleep(self.delay)
            return got

    ranks = len(rounds[0])
    boxes = [_Box() for _ in range(ranks)]
    for k, b in enumerate(boxes):
        b.box = SlowMailbox(lag * k)
    results: list = [[None] * ranks for _ in rounds]
    errors: list = []

    def run(k: int) -> None:
        try:
            ex = Exchange(k, boxes, "t", rule, timeout=30, mine=boxes[k].box, dtype=dtype)
            for r, changes in enumerate(rounds):
                sent = ex.bytes_sent
                given = {n: c.copy() for n, c in changes[k].items()}
                results[r][k] = ex.merged(r, {n: Change.of(c, dtype) for n, c in given.items()})
                for n in given:
                    np.testing.assert_array_equal(given[n], changes[k][n])  # inputs untouched
                results[r][k]["sent"] = ex.bytes_sent - sent
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(ranks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


@pytest.mark.parametrize("ranks", [2, 3, 5])
@pytest.mark.parametrize("rule", ["sum", "mean"])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_ranks_merge_their_changes_to_the_same_bits(ranks, rule, dtype) -> None:
    """Each rank merges its changes with the others' (two ranks: each sends all; more:
    reduce-scatter, then all-gather) and every rank gets the same result: per row, the sum
    of the changes, or their mean over the ranks that changed it (as float16: the same
    bits on every rank still, within half precision of it)."""
    changes = _changes_of(ranks)
    results = _merge_on_threads(changes, rule, dtype)
    for name in changes[0]:
        stack = np.stack([c[name] for c in changes])
        if rule == "sum":
            want = stack.sum(axis=0)
        else:
            touched = (stack != 0).any(axis=2).sum(axis=0)
            want = stack.sum(axis=0) / np.maximum(touched, 1)[:, None]
        for k in range(ranks):
            np.testing.assert_array_equal(results[k][name], results[0][name])
        if dtype == "float32":
            np.testing.assert_allclose(results[0][name], want, rtol=1e-5, atol=1e-6)
        else:
            # Each change rounded once (and with more ranks each block's merge once more).
            scale = np.abs(stack).sum(axis=0) + np.abs(want)
            assert np.all(np.abs(results[0][name] - want) <= scale * 2.0**-10)
            assert not np.array_equal(results[0][name], want)  # it did travel as halves
    assert all(r["sent"] > 0 for r in results)


@pytest.mark.parametrize("ranks", [2, 3])
def test_changes_sent_as_float16_take_half_the_bytes(ranks) -> None:
    changes = _changes_of(ranks)
    whole = [r["sent"] for r in _merge_on_threads(changes, "sum", "float32")]
    halved = [r["sent"] for r in _merge_on_threads(changes, "sum", "float16")]
    # The values take half; the row ids of a sparse change do not shrink.
    assert all(w / 2 <= h < w * 0.75 for h, w in zip(halved, whole))


@pytest.mark.parametrize("ranks", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_send_buffers_reused_round_after_round_keep_every_round_right(ranks, dtype) -> None:
    """A rank's Exchange writes what it sends into buffers it reuses every other round;
    in one process the other ranks read those very arrays. With ranks out of step, each
    round still merges as that round alone does."""
    rounds = [_changes_of(ranks, seed) for seed in range(6)]
    alone = [_merge_on_threads(changes, "sum", dtype) for changes in rounds]
    together = _merge_rounds_on_threads(rounds, "sum", dtype, lag=0.02)
    for want, got in zip(alone, together):
        for k in range(ranks):
            for name in rounds[0][0]:
                np.testing.assert_array_equal(got[k][name], want[k][name])


def test_a_ranks_working_arrays_serve_one_task_at_a_time() -> None:
    """Kept from epoch to epoch, but an epoch's retry starting while the called-off task
    still finishes its round on the same worker gets arrays of its own."""
    from w2v.distributed.rounds import _scratch_for

    weights = {"vectors": np.zeros((5, 3), dtype=np.float32)}
    with _scratch_for("run", 0, weights) as first:
        kept = first.arrays["vectors"][3]
        with _scratch_for("run", 0, weights) as during:
            assert not any(np.shares_memory(kept, a) for a in during.arrays["vectors"])
            assert during.buffers is not first.buffers
    with _scratch_for("run", 0, weights) as after:
        assert after.arrays["vectors"][3] is kept
        assert after.buffers is first.buffers
    with _scratch_for("run", 1, weights) as other_rank:
        assert other_rank.arrays["vectors"][3] is not kept


def test_a_ranks_large_arrays_are_mapped_whole_and_forgotten_with_the_run() -> None:
    """A rank's epoch copy and working arrays are mapped in one call (when the platform
    can): writable arrays of the shape asked for, each its own memory; a run's working
    arrays are dropped when it ends."""
    from w2v.distributed.rounds import _mapped_like, _scratch, _scratch_for, forget_run

    big = np.ones((2048, 200), dtype=np.float32)  # 1.6 MB
    small = np.ones((4, 3), dtype=np.float32)
    for m in (big, small):
        a, b = _mapped_like(m), _mapped_like(m)
        assert a.shape == m.shape and a.dtype == m.dtype and a.flags.writeable
        assert a.flags.c_contiguous and not np.shares_memory(a, b)
        np.copyto(a, m)
        b.fill(2.0)
        np.testing.assert_array_equal(a, m)
    with _scratch_for("ending", 0, {"vectors": big}) as scratch:
        assert scratch.arrays["vectors"][3].shape == big.shape
    forget_run("ending")
    assert not [k for k in _scratch if k[0] == "ending"]


@pytest.mark.parametrize(
    ("workers", "given", "overlaps"),
    [(2, None, True), (3, None, False), (4, True, True), (2, False, False)],
)
def test_rounds_overlap_by_default_with_two_workers_only(workers, given, overlaps) -> None:
    """With two workers overlapping sends the same bytes; with more, each would send its
    change to every other, so the default overlaps with two only."""
    from w2v.distributed.driver import Run

    run = Run(None, None, [f"w{k}" for k in range(workers)], [], [], 4, overlap=given)
    assert run.overlap is overlaps


def test_a_mailbox_called_off_wakes_its_reader() -> None:
    from w2v.distributed.exchange import Aborted, Mailbox

    box = Mailbox()
    box.put(("a", 1), "x")
    assert box.take(("a", 1), timeout=1) == "x"
    with pytest.raises(Aborted, match="no message"):
        box.take(("a", 2), timeout=0.05)
    threading.Timer(0.05, box.abort, args=("a worker left",)).start()
    with pytest.raises(Aborted, match="a worker left"):
        box.take(("a", 2), timeout=30)


def test_a_rank_stops_waiting_for_delivery_when_the_epoch_is_called_off() -> None:
    """A rank that sent its change to a rank whose worker died must not wait for the
    delivery for ever: the task would outlive its epoch, holding data Dask has forgotten."""
    from w2v.distributed.exchange import Aborted, Change, Exchange, Mailbox

    change = {"vectors": Change.of(np.ones((4, 2), dtype=np.float32), "float32")}
    mine = Mailbox()
    exchange = Exchange(0, [_Box(), _Undelivered()], "t", "sum", timeout=60, mine=mine)
    exchange.start(0, change)
    threading.Timer(0.1, mine.abort, args=("a worker left",)).start()
    start = time.perf_counter()
    with pytest.raises(Aborted, match="a worker left"):
        exchange.flush()
    assert time.perf_counter() - start < 5
    # Nobody calls it off: the exchange's timeout ends the wait.
    exchange = Exchange(0, [_Box(), _Undelivered()], "t", "sum", timeout=0.2, mine=Mailbox())
    exchange.start(0, change)
    with pytest.raises(Aborted, match="not delivered in"):
        exchange.flush()


@pytest.mark.parametrize("which", ["plain", "gzip"])
def test_a_round_stops_training_soon_after_its_epoch_is_called_off(corpora, which) -> None:
    """A rank must not train a round to its end once the epoch is called off: until it
    stops, its task holds data Dask has forgotten (and a round can take minutes). A plain
    shard is read by the C++ reader; a compressed one is fed as text pieces."""
    from w2v.distributed.exchange import Aborted
    from w2v.distributed.rounds import EpochResult, ShareOfRound, Weights, _train_round
    from w2v.distributed.sharding import describe_file, plan_shards
    from w2v.training import make_trainer

    model = w2v.Word2Vec(vector_size=16, min_count=5, sg=1, workers=1, seed=1)
    model.build_vocab(corpus_file=corpora["full"])
    path = corpora["full"] if which == "plain" else corpora["parts"][1]
    (shard,) = plan_shards([describe_file(path)], 1)
    share = ShareOfRound(
        epoch=0,
        epochs=1,
        start_alpha=0.025,
        end_alpha=0.0001,
        total_words=int(model.corpus_total_words),
        words_before=0,
        words_scale=1.0,
        seed=1,
        batch_words=10000,
    )
    result = EpochResult(Weights(model.wv.vectors, model.syn1neg))
    with pytest.raises(Aborted, match="a worker left"):
        _train_round(make_trainer(model), shard, share, result, "", lambda: "a worker left")
    assert result.raw_words == 0  # it stopped before the round's end


def test_merging_every_row_every_round_is_sync_words_none(client, corpora) -> None:
    """sync_words at least the vocabulary merges every row every round, as None does; a
    small sync_words merges less and gives another model (both deterministic)."""
    params = dict(vector_size=16, min_count=2, epochs=2, workers=1, seed=3, rounds_per_epoch=4)
    every = wd.train(client, corpora["small"], sync_words=None, **params)
    again = wd.train(client, corpora["small"], sync_words=10**6, **params)
    np.testing.assert_array_equal(every.wv.vectors, again.wv.vectors)
    np.testing.assert_array_equal(every.syn1neg, again.syn1neg)
    few = wd.train(client, corpora["small"], sync_words=8, **params)
    assert not np.array_equal(every.wv.vectors, few.wv.vectors)
    assert np.isfinite(few.wv.vectors).all()
    few_again = wd.train(client, corpora["small"], sync_words=8, **params)
    np.testing.assert_array_equal(few.wv.vectors, few_again.wv.vectors)


def test_a_vocabulary_in_first_seen_order_merges_its_most_frequent_rows(client, corpora) -> None:
    """sorted_vocab=0 keeps the words in the order first seen: the rows due are picked by
    count, not by position (the same bits run after run, and not those of merging every
    row every round)."""
    params = dict(vector_size=16, min_count=2, epochs=2, workers=1, seed=3, rounds_per_epoch=4)
    params.update(sorted_vocab=0)
    few = wd.train(client, corpora["small"], sync_words=8, **params)
    counts = few.wv.expandos["count"]
    assert not np.all(counts[:-1] >= counts[1:])  # the path under test: not sorted by count
    np.testing.assert_array_equal(
        few.wv.vectors, wd.train(client, corpora["small"], sync_words=8, **params).wv.vectors
    )
    every = wd.train(client, corpora["small"], sync_words=None, **params)
    assert not np.array_equal(every.wv.vectors, few.wv.vectors)


def test_overlap_changes_only_rounds_before_the_last(client, corpora) -> None:
    """With one round per epoch the only round is the last, merged at once: overlap must
    not change the result; with more, each round but the first trains without the other
    rank's last change, so it must (and stays deterministic and learning)."""
    params = dict(vector_size=16, min_count=2, epochs=2, workers=1, seed=3)

    def run(rounds: int, overlap: bool) -> np.ndarray:
        m = wd.train(client, corpora["small"], rounds_per_epoch=rounds, overlap=overlap, **params)
        return m.wv.vectors

    np.testing.assert_array_equal(run(1, False), run(1, True))
    apart, together = run(4, True), run(4, False)
    assert not np.array_equal(apart, together)
    np.testing.assert_array_equal(apart, run(4, True))
    assert np.isfinite(apart).all()


@pytest.mark.parametrize("overlap", [False, True])
def test_changes_can_travel_as_float16(client, corpora, overlap) -> None:
    """transfer_dtype="float16" sends the changes rounded to halves: every rank merges the
    same rounded changes, so a run is still deterministic; it ends near the float32 run
    (the weights stay float32, the rounding is at the 4th digit of each change), not on
    it."""
    params = dict(vector_size=16, min_count=2, epochs=2, workers=1, seed=3, overlap=overlap)
    params.update(rounds_per_epoch=4, sync_words=8)

    def run(dtype: str) -> w2v.Word2Vec:
        return wd.train(client, corpora["small"], transfer_dtype=dtype, **params)

    whole, halves = run("float32"), run("float16")
    np.testing.assert_array_equal(halves.wv.vectors, run("float16").wv.vectors)
    assert not np.array_equal(whole.wv.vectors, halves.wv.vectors)
    frequent = slice(0, 200)
    a, b = whole.wv.vectors[frequent], halves.wv.vectors[frequent]
    cosine = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert np.median(cosine) > 0.99, np.median(cosine)
