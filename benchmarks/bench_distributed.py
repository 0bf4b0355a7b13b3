#!/usr/bin/env python
"""Distributed training (w2v.distributed) against single-machine training, on one machine.

Run by hand, e.g. ``python benchmarks/bench_distributed.py --rounds 1,2,4,8``. Trains
skip-gram (negative 5, dim 100, window 5, sample 1e-3, min_count 5) for 5 epochs:

- single-machine ``workers=1`` and ``workers=2`` (``Word2Vec(corpus_file=...)``);
- ``w2v.distributed.train`` on a LocalCluster of 2 worker processes x 1 thread, for each
  ``rounds_per_epoch``, ``sync_words``, merge rule and ``overlap`` given. The cluster starts
  with ``w2v.distributed.TRAINING_DASK_CONFIG`` (as ``--dask local:N`` does), or with
  Dask's defaults (``--dask-config default``).

Each measurement is wall time end to end (vocabulary scan + training; the cluster is started
before the clock). The runs are interleaved (one of each, then the next repeat), so a busy
spell on a shared machine hits every configuration alike; the report gives medians and the
speed relative to ``workers=1``. Bytes moved per round are what the ranks sent each other
(the training's own count: their mailboxes are Dask actors, whose messages Dask's transfer
counters miss), divided by the rounds. CPU seconds are
those of this process (client and scheduler) and the Dask workers: on a shared machine the
extra CPU a configuration needs is steadier than its wall time. Quality: analogy
accuracy (questions-words, restrict_vocab=30000), WS353 and SimLex-999 Spearman.

The corpus is gzip, which the distributed reader would read whole in one task, so it is
decompressed once into ``--workdir`` first (plain files are cut into shards by byte ranges).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # evaluation must not spin on the shared cores

import argparse  # noqa: E402
import contextlib  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Dict, List  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "data" / "corpus" / "wiki17m.txt.gz"
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "data" / "eval"
PARAMS = dict(
    sg=1, negative=5, vector_size=100, window=5, sample=1e-3, min_count=5, epochs=5, seed=1
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/w2v-bench-distributed"))
    p.add_argument("--rounds", default="32", help="rounds_per_epoch values to run")
    p.add_argument("--merge", default="sum", help="merge rules to run")
    p.add_argument(
        "--sync-words",
        default="2048",
        help="sync_words values to run ('none': every row every round)",
    )
    p.add_argument(
        "--overlap",
        default="1",
        help="overlap values to run (1: merge while training, the library's default with two "
        "workers; 0: wait)",
    )
    p.add_argument(
        "--transfer-dtype", default="float16", help="transfer_dtype values to run (float16,float32)"
    )
    p.add_argument("--single", default="1,2", help="single-machine worker counts to run")
    p.add_argument(
        "--ceiling",
        action="store_true",
        help="also run what data parallelism can reach here: two plain processes side by side, "
        "each with the whole corpus's vocabulary, each training one half of the corpus",
    )
    p.add_argument("--epochs", type=int, default=PARAMS["epochs"])
    p.add_argument("--repeat", type=int, default=1, help="interleaved repeats (medians)")
    p.add_argument("--json", type=Path, help="also write the records here")
    p.add_argument("--no-eval", action="store_true", help="time only (no quality scores)")
    p.add_argument(
        "--dask-config",
        choices=("training", "default"),
        default="training",
        help="start the cluster with w2v.distributed.TRAINING_DASK_CONFIG or Dask's defaults",
    )
    return p.parse_args()


def plain_corpus(corpus: Path, workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / (corpus.name[:-3] if corpus.name.endswith(".gz") else corpus.name)
    if not out.exists():
        tmp = out.with_suffix(".partial")
        opener = gzip.open if corpus.name.endswith(".gz") else open
        with opener(corpus, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        tmp.rename(out)
    return out


#: One side of the ceiling run: the whole corpus's vocabulary, then ``epochs`` over one half.
CEILING_CHILD = """
import json, sys, w2v
params = json.loads(sys.argv[3])
m = w2v.Word2Vec(**params)
m.build_vocab(corpus_file=sys.argv[1])
m.train(corpus_file=sys.argv[2], total_words=m.corpus_total_words // 2, epochs=m.epochs)
"""


def halves(plain: Path) -> List[Path]:
    """The corpus cut in two at the line start nearest its middle byte (made once)."""
    out = [plain.with_name(f"{plain.stem}.half{k}{plain.suffix}") for k in (1, 2)]
    if not all(p.exists() for p in out):
        data = plain.read_bytes()
        cut = data.index(b"\n", len(data) // 2) + 1
        for path, part in zip(out, (data[:cut], data[cut:])):
            path.write_bytes(part)
    return out


def ceiling(plain: Path, params: Dict[str, Any]) -> float:
    """Wall seconds of two processes, side by side, each training one half of the corpus
    with the whole corpus's vocabulary (no merging at all)."""
    import subprocess
    import sys

    args = json.dumps(dict(params, workers=1))
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CEILING_CHILD, str(plain), str(half), args],
            stderr=subprocess.DEVNULL,  # the expected-word-count warnings of a half
        )
        for half in halves(plain)
    ]
    if any(p.wait() for p in procs):
        raise RuntimeError("a ceiling process failed")
    return time.perf_counter() - start


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def scores(model: Any, eval_dir: Path) -> Dict[str, float]:
    kv = model.wv
    analogy, _ = kv.evaluate_word_analogies(
        str(eval_dir / "questions-words.txt"), restrict_vocab=30000
    )
    out = {"analogy": float(analogy)}
    for name, filename in (("ws353", "wordsim353.tsv"), ("simlex", "simlex999.txt")):
        _, spearman, _ = kv.evaluate_word_pairs(str(eval_dir / filename), delimiter="\t")
        out[name] = float(spearman[0])
    return out


def sent_bytes(client: Any) -> int:
    """Bytes the workers have sent each other so far."""
    per_worker = client.run(lambda dask_worker: dask_worker.transfer_outgoing_bytes_total)
    return int(sum(per_worker.values()))


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def cpu_seconds(client: Any) -> float:
    """CPU seconds (user + system) used so far by this process (the client and, for a
    LocalCluster, the scheduler) and the Dask workers: on a busy machine the extra CPU a
    configuration costs is steadier than its wall time."""
    workers = client.run(_own_cpu) if client else {}
    return _own_cpu() + float(sum(workers.values()))


def main() -> int:
    args = parse_args()
    import dask
    from dask.distributed import Client, LocalCluster

    import w2v
    import w2v.distributed as wd

    params = dict(PARAMS, epochs=args.epochs)
    plain = plain_corpus(args.corpus, args.workdir)
    configs: List[Dict[str, Any]] = [
        {"label": f"single workers={n}", "single": int(n)} for n in args.single.split(",") if n
    ]
    if args.ceiling:
        configs.append({"label": "ceiling: 2 processes, one half each", "ceiling": True})
    for dtype in [d for d in args.transfer_dtype.split(",") if d]:
        for overlap in [bool(int(o)) for o in args.overlap.split(",") if o]:
            for sync in [s for s in args.sync_words.split(",") if s]:
                sync_words = None if sync.lower() == "none" else int(sync)
                for merge in [m for m in args.merge.split(",") if m]:
                    for r in [int(x) for x in args.rounds.split(",") if x]:
                        label = f"dask 2x1 R={r} {merge} sync_words={sync_words}"
                        label += " overlap" if overlap else ""
                        label += f" {dtype}" if dtype != "float16" else ""
                        configs.append(
                            {
                                "label": label,
                                "rounds": r,
                                "merge": merge,
                                "sync_words": sync_words,
                                "overlap": overlap,
                                "transfer_dtype": dtype,
                            }
                        )
    records: Dict[str, List[Dict[str, Any]]] = {c["label"]: [] for c in configs}
    with contextlib.ExitStack() as stack:
        client = None
        if any("rounds" in c for c in configs):
            if args.dask_config == "training":
                stack.enter_context(dask.config.set(wd.TRAINING_DASK_CONFIG))
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
                )
            )
            client = stack.enter_context(Client(cluster))
        for rep in range(args.repeat):
            for c in configs:
                before = sent_bytes(client) if client else 0
                cpu = cpu_seconds(client)
                start = time.perf_counter()
                if "ceiling" in c:
                    children = _children_cpu()
                    wall = ceiling(plain, params)
                    rec = {"label": c["label"], "repeat": rep, "wall_s": wall}
                    rec["cpu_s"] = _children_cpu() - children
                    records[c["label"]].append(rec)
                    print(json.dumps(rec), flush=True)
                    continue
                if "single" in c:
                    model = w2v.Word2Vec(corpus_file=str(plain), workers=c["single"], **params)
                    rounds = 0
                else:
                    model = wd.train(
                        client,
                        str(plain),
                        workers=1,
                        rounds_per_epoch=c["rounds"],
                        merge=c["merge"],
                        sync_words=c["sync_words"],
                        overlap=c["overlap"],
                        transfer_dtype=c["transfer_dtype"],
                        **params,
                    )
                    rounds = c["rounds"] * params["epochs"]
                wall = time.perf_counter() - start
                cpu = cpu_seconds(client) - cpu
                rec = {"label": c["label"], "repeat": rep, "wall_s": wall, "cpu_s": cpu}
                if not args.no_eval:
                    rec.update(scores(model, args.eval_dir))
                if rounds:
                    # What the ranks sent each other (their mailboxes are Dask actors, whose
                    # messages Dask's transfer counters do not count) and Dask's own transfers.
                    event = model.lifecycle_events[-1]
                    rec["mb_per_round"] = event["bytes_per_round"] / 1e6
                    rec["dask_mb_per_round"] = (sent_bytes(client) - before) / rounds / 1e6
                rec["vocab"] = len(model.wv)
                records[c["label"]].append(rec)
                print(json.dumps(rec), flush=True)
    base = statistics.median(r["wall_s"] for r in records[configs[0]["label"]])
    print()
    base_cpu = statistics.median(r["cpu_s"] for r in records[configs[0]["label"]])
    print(f"Dask cluster config: {args.dask_config}")
    print(
        "| run | wall s (median) | speed vs first | CPU s | CPU vs first | MB/round "
        "| analogy | WS353 | SimLex |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, recs in records.items():
        med = {k: statistics.median(r[k] for r in recs) for k in recs[0] if k not in ("label",)}
        mb = f"{med['mb_per_round']:.1f}" if "mb_per_round" in med else "-"
        quality = [f"{med[k]:.3f}" if k in med else "-" for k in ("analogy", "ws353", "simlex")]
        print(
            f"| {label} | {med['wall_s']:.1f} | {base / med['wall_s']:.2f}x | "
            f"{med['cpu_s']:.1f} | {med['cpu_s'] / base_cpu:.2f}x | {mb} | "
            + " | ".join(quality)
            + " |"
        )
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
