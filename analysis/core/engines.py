"""Run batches of work in parallel: forked processes here, or a Dask cluster.

Reading files and segmenting texts are the two costly steps of a corpus; both
are cut into batches (a list of files, a list of texts) and mapped with
:func:`map_batches`, whose results come back in order whatever the engine:

- ``engine="local"``: worker processes forked from this one
  (``multiprocessing.get_context("fork")``, explicit because the default
  changes in Python 3.14). They inherit what the parent has loaded (the
  segmentation dictionary), so only the batches and results are pickled.
  Threads would not help: building Python strings holds the GIL.
- ``engine="dask"``: the tasks of a ``dask.distributed`` cluster, at
  ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``) or, when none is
  given, on a ``LocalCluster`` of ``n_jobs`` worker processes on 127.0.0.1
  started once per process. The function is sent with cloudpickle: it must
  carry its data (a :class:`analysis.tokens.segmenter.Segmenter` carries its words and
  stop words, not file names), and the workers need this package installed
  and the corpus files at the same path. A worker that dies is replaced and
  its tasks rerun by Dask (up to ``distributed.scheduler.allowed-failures``
  times), so the result is unchanged.
"""

from __future__ import annotations

import atexit
import gc
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import AnalysisError, check_choice

__all__ = ["ENGINES", "check_engine", "dask_client", "default_jobs", "map_batches",
           "map_in_pool", "shutdown_clients"]

ENGINES = ("local", "dask")

_TASK: Callable[[Any], Any] | None = None
_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


def default_jobs() -> int:
    """Return the worker processes used by default: 2, or fewer cores if fewer are free."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


def check_engine(engine: str, scheduler: str | None, *, func: str) -> None:
    """Validate the ``engine`` and ``scheduler`` parameters of a function.

    Parameters
    ----------
    engine : {'local', 'dask'}
        Where batches run.
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:port``); only with ``engine='dask'``.
    func : str
        The calling function, named in the error messages.

    Raises
    ------
    AnalysisError
        For an unknown engine, or a scheduler that is not a string or is given
        with the local engine.
    """
    check_choice(engine, ENGINES, param="engine", func=func)
    if scheduler is None:
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise AnalysisError(f"The 'scheduler' parameter of {func} must be a Dask scheduler "
                            f"address such as 'tcp://10.0.0.5:8786', or None; got {scheduler!r}.")
    if engine != "dask":
        raise AnalysisError(f"The 'scheduler' parameter of {func} is only used with "
                            f"engine='dask'; got scheduler={scheduler!r} with engine={engine!r}.")


def _run_task(item: Any) -> Any:
    assert _TASK is not None  # set in the parent before the fork
    return _TASK(item)


def map_in_pool(func: Callable[[Any], Any], items: Sequence[Any], *,
                n_jobs: int = 1) -> Iterator[Any]:
    """Apply ``func`` to each item in forked worker processes, results in order.

    The workers are forked, so they inherit whatever the parent has loaded (a
    segmenter's dictionary): load it before calling. ``func`` itself is not
    pickled, only the items and results.

    Parameters
    ----------
    func : callable
        Applied to each item (e.g. ``Segmenter.join_many`` on a batch of texts).
    items : sequence
        The work items (batches).
    n_jobs : int, default 1
        Worker processes; 1 (or one item, or no ``fork`` on this system) runs
        in this process.

    Yields
    ------
    object
        ``func(item)`` for each item, in order.
    """
    global _TASK
    if n_jobs <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(func, items)
        return
    if _TASK is not None:  # a pool inside a pool's task, or two pools at once: stay serial
        yield from map(func, items)
        return
    _TASK = func
    gc.freeze()  # the children's collector leaves the parent's objects (and their pages) alone
    try:
        with multiprocessing.get_context("fork").Pool(min(n_jobs, len(items))) as pool:
            yield from pool.imap(_run_task, items)
    finally:
        _TASK = None
        gc.unfreeze()


def dask_client(scheduler: str | None = None, *, n_workers: int | None = None) -> Any:
    """Return a Dask client: connected to ``scheduler``, or to a local cluster.

    Clients are kept for the life of the process (one per address; one local
    cluster), so the notebooks of a run and the calls of a session share them.

    Parameters
    ----------
    scheduler : str, optional
        The address of a running scheduler. Default: a ``LocalCluster`` of
        ``n_workers`` worker processes with one thread each, on 127.0.0.1,
        without a dashboard.
    n_workers : int, optional
        Workers of the local cluster; default :func:`default_jobs`.

    Returns
    -------
    distributed.Client
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("engine='dask' needs dask.distributed: "
                          "pip install 'dask[distributed]'.") from None
    key = scheduler or "local"
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is not None and client.status == "running":
            return client
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise AnalysisError(f"Cannot reach the Dask scheduler at {scheduler!r} "
                                    f"({exc}); check the 'scheduler' address and that "
                                    f"the scheduler is running.") from None
        else:
            cluster = LocalCluster(n_workers=n_workers or default_jobs(), threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address=None,
                                   silence_logs=logging.ERROR)
            client = Client(cluster, set_as_default=False)
        _CLIENTS[key] = client
        return client


def shutdown_clients() -> None:
    """Close the Dask clients (and the local cluster) this process opened."""
    with _CLIENTS_LOCK:
        for client in _CLIENTS.values():
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
        _CLIENTS.clear()


atexit.register(shutdown_clients)


def map_batches(func: Callable[[Any], Any], items: Sequence[Any], *, engine: str = "local",
                n_jobs: int | None = None, scheduler: str | None = None,
                caller: str = "map_batches") -> Iterator[Any]:
    """Apply ``func`` to each batch on the chosen engine; yield the results in order.

    Parameters
    ----------
    func : callable
        Applied to each batch. With ``engine='dask'`` it is pickled with
        cloudpickle and must not hold unpicklable state.
    items : sequence
        The batches.
    engine : {'local', 'dask'}, default 'local'
        Forked processes of this machine, or a Dask cluster.
    n_jobs : int, optional
        Local worker processes (default :func:`default_jobs`; 1 runs here),
        or the workers of the local Dask cluster when no ``scheduler`` is given.
    scheduler : str, optional
        A Dask scheduler address (only with ``engine='dask'``).
    caller : str, default 'map_batches'
        The public function named in error messages.

    Yields
    ------
    object
        ``func(batch)`` for each batch, in order.
    """
    check_engine(engine, scheduler, func=caller)
    if engine == "local":
        yield from map_in_pool(func, items, n_jobs=default_jobs() if n_jobs is None else n_jobs)
        return
    if not items:
        return
    client = dask_client(scheduler, n_workers=n_jobs)
    futures = client.map(func, list(items), pure=False)
    try:
        for future in futures:
            yield future.result()
            future.release()
    finally:
        client.cancel([f for f in futures if not f.done()])
