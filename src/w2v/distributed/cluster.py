"""Reaching a Dask cluster from an address: a running scheduler, or ``local:N`` for a
cluster of N worker processes started on this machine (for trying distributed training)."""

from __future__ import annotations

import contextlib
import re
from typing import Any, Dict, Iterator

from w2v.constraints import check_value, int_at_least

_LOCAL = re.compile(r"local(?::(\d+))?$")

#: Dask settings for a cluster that trains (``dask.config.set(TRAINING_DASK_CONFIG)`` where
#: the scheduler and workers start; ``local:N`` clusters use them). Dask's periodic work runs
#: on the cores the C++ trainers need: the statistical profiler every 10 ms (which finds
#: nothing to profile: training runs in C++), the event-loop tick every 20 ms, the memory
#: check every 100 ms, the system monitor every 0.5 s, and work stealing (w2v places every
#: task on its worker). On a 2-core machine with two workers, turning them down made training
#: 2 % faster, 6 % with overlap (docs/distributed.md).
TRAINING_DASK_CONFIG: Dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}


def is_local(address: str) -> bool:
    """Whether ``address`` asks for a local cluster (``local`` or ``local:N``)."""
    return _LOCAL.match(address) is not None


@contextlib.contextmanager
def connect(address: str, threads: int = 1, timeout: float = 30.0) -> Iterator[Any]:
    """A ``dask.distributed.Client`` for ``address``, closed (with its local cluster) after.

    A local cluster is started with :data:`TRAINING_DASK_CONFIG`.

    Parameters
    ----------
    address : str
        A scheduler address (``tcp://host:8786``, ``host:8786``), or ``local:N`` to start N
        worker processes here (``local`` alone: one per core).
    threads : int
        Threads per local worker process.
    timeout : float
        Seconds to wait for a remote scheduler.

    Raises
    ------
    ImportError
        ``dask.distributed`` is not installed.
    OSError
        The scheduler cannot be reached in time.
    """
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ImportError(
            "distributed training needs dask.distributed: pip install 'w2v[distributed]'"
        ) from None
    local = _LOCAL.match(address)
    if local is None:
        with Client(address, timeout=timeout) as client:
            yield client
        return
    workers = None if local.group(1) is None else int(local.group(1))
    if workers is not None:
        check_value("the number of local workers", workers, int_at_least(1, 1024))
    with (
        dask.config.set(TRAINING_DASK_CONFIG),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            processes=True,
            dashboard_address=":0",  # any free port: other clusters may run here
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
