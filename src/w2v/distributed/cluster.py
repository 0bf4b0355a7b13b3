"""Reaching a Dask cluster from an address: a running scheduler, or ``local:N`` for a
cluster of N worker processes started on this machine (for trying distributed training)."""

from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator

from w2v.constraints import check_value, int_at_least

_LOCAL = re.compile(r"local(?::(\d+))?$")


def is_local(address: str) -> bool:
    """Whether ``address`` asks for a local cluster (``local`` or ``local:N``)."""
    return _LOCAL.match(address) is not None


@contextlib.contextmanager
def connect(address: str, threads: int = 1, timeout: float = 30.0) -> Iterator[Any]:
    """A ``dask.distributed.Client`` for ``address``, closed (with its local cluster) after.

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
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            processes=True,
            dashboard_address=":0",  # any free port: other clusters may run here
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
