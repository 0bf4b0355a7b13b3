"""The distributed parameters (one table, as ``w2v.params``) and the checks made before any
work: what the distributed path refuses, and the cluster it is given."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from w2v.constraints import POSITIVE, Boolean, Constraint, NoneValue, int_at_least
from w2v.params import Cli, Param, validate

#: From the benchmark (docs/distributed.md): with the sum, quality rises with the rounds; 32
#: per epoch, each starting from all the changes so far, came within the targets of one
#: machine on wiki17m (2 workers, about 270 k words per worker and round). With the mean
#: (Spark's rule) quality stayed lower at any number of rounds.
DEFAULT_ROUNDS_PER_EPOCH = 32
DEFAULT_MERGE = "sum"
DEFAULT_SYNC_WORDS: Optional[int] = 2048
#: None: overlap with two workers, not with more. With two, overlapping the merges sends the
#: same bytes, was the fastest on wiki17m and stayed within the quality targets; with more,
#: each worker would send its change to every other instead of about twice its size.
DEFAULT_OVERLAP: Optional[bool] = None
#: The changes rounded to float16 gave the same scores as float32 to the third digit on
#: wiki17m, in half the bytes (docs/distributed.md); every rank merges the same rounded
#: changes, so the ranks still agree bit for bit.
DEFAULT_TRANSFER_DTYPE = "float16"


class Names(Constraint):
    """One of a few strings."""

    def __init__(self, *names: str) -> None:
        self.names = names

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.names

    def describe(self) -> str:
        return "one of " + ", ".join(repr(n) for n in self.names)


DISTRIBUTED_PARAMS: Tuple[Param, ...] = (
    Param(
        "rounds_per_epoch",
        DEFAULT_ROUNDS_PER_EPOCH,
        (int_at_least(1),),
        "how many times per epoch the workers' changes are merged",
        "int",
        details="Each round every Dask worker trains 1 / (workers x rounds_per_epoch) of the "
        "corpus from the current weights; the rows they changed are then merged (see merge).",
        cli=Cli("distributed", metavar="N"),
        saved=False,
    ),
    Param(
        "merge",
        DEFAULT_MERGE,
        (Names("mean", "sum"),),
        "how a row several workers changed in a round is merged",
        "{'mean', 'sum'}",
        details="``'mean'``: Spark MLlib's rule, the mean of the workers' values; ``'sum'``: "
        "the sum of the workers' changes, as threads sharing one model add theirs.",
        cli=Cli("distributed", metavar="{sum,mean}"),
        saved=False,
    ),
    Param(
        "sync_words",
        DEFAULT_SYNC_WORDS,
        (NoneValue(), int_at_least(1)),
        "how many of the most frequent words' rows every round merges",
        "int, optional",
        details="Round c of an epoch merges the rows of the sync_words x 2**z most frequent "
        "words, 2**z being the largest power of 2 dividing c, and the last round every row, "
        "so rarer words' rows (changed seldom, mostly by one worker) travel less often. "
        "None merges every row every round.",
        cli=Cli(
            "distributed",
            metavar="N",
            help="merge the rows of the N most frequent words every round, twice as many "
            "every second round, and so on, every row at the end of an epoch (N at least the "
            "vocabulary: every row every round)",
        ),
        saved=False,
    ),
    Param(
        "overlap",
        DEFAULT_OVERLAP,
        (NoneValue(), Boolean()),
        "merge each round's changes while the next round trains (None: with two workers)",
        "bool, optional",
        details="Round r's changes are sent at its end and merged at the end of round r + 1, "
        "so no worker waits for another between rounds; each round trains without the other "
        "workers' last changes (one round stale). The last round of an epoch is merged at once. "
        "With more than two workers each sends its change to every other (N - 1 times its "
        "size, against about twice without overlap), so None overlaps with two workers only.",
        cli=Cli(
            "distributed",
            style="toggle",
            help="merge each round's changes while the next round trains (default: with two "
            "Dask workers, not with more)",
        ),
        saved=False,
    ),
    Param(
        "transfer_dtype",
        DEFAULT_TRANSFER_DTYPE,
        (Names("float32", "float16"),),
        "what the workers' changes travel as between them",
        "{'float32', 'float16'}",
        details="``'float16'``: each change rounded to the nearest IEEE half, half the bytes on "
        "the wire; every worker merges the same rounded changes, so all still end each epoch "
        "with the same weights. The weights themselves stay float32.",
        cli=Cli("distributed", metavar="{float32,float16}"),
        saved=False,
    ),
    Param(
        "dask_workers",
        None,
        (NoneValue(), int_at_least(1)),
        "how many of the cluster's workers train (None: all of them)",
        "int, optional",
        cli=Cli(
            "distributed",
            metavar="N",
            help="how many of the cluster's workers train (default: all)",
        ),
        saved=False,
    ),
    Param(
        "report_delay",
        1.0,
        (POSITIVE,),
        "seconds between progress log lines (at round ends)",
        "float",
        saved=False,
    ),
)

# Word2Vec parameters the distributed path refuses, with the reason.
_REFUSED = {
    "sentences": "the corpus is corpus_file (files every worker can read)",
    "corpus_iterable": "the corpus is corpus_file (files every worker can read)",
    "max_vocab_size": "its pruning depends on the order words are counted in, so shards "
    "counted apart cannot reproduce it; use min_count or max_final_vocab",
}


def split_params(params: Dict[str, Any]) -> Dict[str, Any]:
    """Take the distributed parameters out of ``params`` (in place), checked, with defaults.

    Raises
    ------
    ValueError
        A distributed parameter has a bad value, or a Word2Vec parameter is refused.
    """
    own = {p.name: params.pop(p.name, p.default) for p in DISTRIBUTED_PARAMS}
    validate(own, DISTRIBUTED_PARAMS)
    for name, why in _REFUSED.items():
        if params.get(name) is not None:
            raise ValueError(f"{name} is not supported by distributed training: {why}")
    for cb in params.get("callbacks") or ():
        if callable(getattr(cb, "words_due", None)):
            raise ValueError(
                f"callbacks with words_due() (such as {type(cb).__name__}) are not supported "
                "by distributed training, which has no checkpointed run to resume: save the "
                "returned model, or save in a callback's on_epoch_end"
            )
    return own


def _worker_addresses(dask_scheduler: Any) -> List[str]:
    return sorted(dask_scheduler.workers)


def current_workers(client: Any) -> List[str]:
    """The addresses of the cluster's workers now, asked of the scheduler.

    ``client.scheduler_info()`` is not used: the client refreshes the dict it returns in the
    background with the totals alone, so its ``"workers"`` can be empty for a moment.
    """
    return list(client.run_on_scheduler(_worker_addresses))


def cluster_workers(client: Any, wanted: Optional[int]) -> List[str]:
    """The addresses of the Dask workers that will train, in a fixed order.

    Raises
    ------
    TypeError
        ``client`` is not a ``dask.distributed.Client``.
    ValueError
        The cluster has no workers, or fewer than ``wanted``.
    """
    run = getattr(client, "run_on_scheduler", None)
    if not callable(run) or not callable(getattr(client, "submit", None)):
        raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    workers = current_workers(client)
    if not workers:
        raise ValueError(
            "the Dask cluster has no workers: start some (dask worker SCHEDULER_ADDRESS) or "
            "wait for them with client.wait_for_workers(n)"
        )
    if wanted is not None:
        if wanted > len(workers):
            raise ValueError(
                f"dask_workers must be at most the cluster's {len(workers)} workers, got {wanted}"
            )
        workers = workers[:wanted]
    return workers


def unreachable(paths: Sequence[str]) -> List[str]:
    """The problems reading ``paths`` from where this runs (a Dask worker), if any."""
    from w2v.distributed.sharding import describe_file

    problems = []
    for p in paths:
        try:
            describe_file(p)
        except (OSError, ValueError, ImportError) as err:
            problems.append(str(err))
    return problems


def check_reachable(client: Any, workers: Sequence[str], paths: Sequence[str]) -> None:
    """Raise ``FileNotFoundError`` unless every worker can read every path."""
    seen: Mapping[str, List[str]] = client.run(unreachable, list(paths), workers=list(workers))
    bad = {w: p for w, p in seen.items() if p}
    if bad:
        worker, problems = next(iter(bad.items()))
        raise FileNotFoundError(
            f"{len(bad)} of {len(workers)} Dask workers cannot read the corpus, e.g. {worker}: "
            + "; ".join(problems[:3])
        )
