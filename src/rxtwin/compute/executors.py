"""Run chunks serially, on local threads, on a local process pool, or on a Dask cluster.

``run_chunks`` calls ``task(chunk_arg)`` for every chunk not already done and returns
the results in chunk order. The result of a chunk depends only on its argument (which
carries its seed, see :mod:`rxtwin.stats.seeding`), so every backend returns the same
list; merging that list in order (:func:`rxtwin.stats.summaries.merge_all`) gives
bit-identical run summaries.

The ``threads`` backend runs chunks on a thread pool in this process: it pays off only
for tasks that release the GIL (the compiled line engine does, ``numba.njit(nogil=True)``)
and has no worker start-up cost. Process pools use the ``forkserver`` start method where the
platform has it, else ``spawn``: never plain ``fork``, which copies a parent's threads' locks
(numba, BLAS, Dask) into the child.

A new worker process pays a fixed start-up: a fresh interpreter that imports the caller's
main module and the task's modules (numpy, numba, pandas, scipy: 1-3 s on the shared 2-core
development machine; before Python 3.13 the fork server does not preload the main module,
CPython gh-126631, so each worker imports it) and loads the compiled numba kernels from
their cache (0.2-0.3 s). A 10,000 replication-year line run computes for ~3 s, so a pool
started per call gave 1.0x on 2 workers (``benchmarks/line.py``). The process pool and the
local Dask cluster are therefore started on first use and kept for later calls of this
process (one size at a time; closed at exit), and their workers keep their imports and
compiled kernels: only the first call pays the start-up. Pickling is not a cost worth
avoiding here: a line task with its inputs is ~6 kB and a chunk's summary ~20 kB, a few
milliseconds for a whole run.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from rxtwin.errors import UserInputError
from rxtwin.stats.chunks import ChunkMapper, map_serial, pending_chunks

__all__ = ["BACKENDS", "backend_for", "chunk_mapper", "run_chunks"]

#: Backends understood by :func:`run_chunks`.
BACKENDS = ("serial", "threads", "processes", "dask")


def _start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def run_chunks(
    task: Callable[[Any], Any],
    chunk_args: Sequence[Any],
    *,
    backend: str = "serial",
    workers: int | None = None,
    scheduler_address: str | None = None,
    done: Mapping[int, Any] | None = None,
    on_chunk_done: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """Run ``task`` on every chunk argument and return the results in chunk order.

    Parameters
    ----------
    task : callable
        ``task(chunk_arg) -> summary``. For ``"processes"`` and ``"dask"`` it must be
        picklable: a module-level function, or ``functools.partial`` of one.
    chunk_args : sequence
        One picklable argument per chunk; chunk ``i`` is ``chunk_args[i]``.
    backend : {"serial", "threads", "processes", "dask"}
        Where to run. ``"processes"`` uses this process's pool of worker processes, started
        on first use and kept for later calls (module docstring). ``"dask"`` uses a kept
        ``LocalCluster`` (one single-threaded worker process per ``workers``) unless
        ``scheduler_address`` names a running scheduler.
    workers : int, optional
        Worker processes for ``"processes"`` and a local Dask cluster; the machine's CPU
        count when omitted. A call with another count than the kept pool's replaces it.
        Ignored when ``scheduler_address`` is given.
    scheduler_address : str, optional
        Address of an existing Dask scheduler (e.g. ``"tcp://host:8786"``); only with
        ``backend="dask"``.
    done : mapping of int to summary, optional
        Results of chunks finished earlier (resume): they are not run again and appear
        unchanged in the returned list.
    on_chunk_done : callable, optional
        ``on_chunk_done(index, summary)``, called in this (the calling) process once for
        every chunk run by this call, as it finishes (completion order, not chunk order);
        not called for chunks in ``done``. The CLI records the chunk in the store and
        advances a progress bar here.

    Returns
    -------
    list
        ``results[i]`` is the summary of chunk ``i``.

    Raises
    ------
    ValueError
        On an unknown backend, ``workers < 1``, a scheduler address with a backend other
        than ``"dask"``, or ``done`` indices out of range.
    Exception
        The first exception raised by a task; chunks not yet started are cancelled.
        Chunks that finished before it have already been passed to ``on_chunk_done``.
    """
    _check_backend(backend, workers, scheduler_address)
    if backend == "serial":
        return map_serial(task, chunk_args, done=done, on_chunk_done=on_chunk_done)
    n = len(chunk_args)
    finished, pending = pending_chunks(n, done)

    def record(index: int, summary: Any) -> None:
        finished[index] = summary
        if on_chunk_done is not None:
            on_chunk_done(index, summary)

    if pending:
        n_workers = workers or os.cpu_count() or 1
        if backend == "threads":
            with ThreadPoolExecutor(max_workers=min(n_workers, len(pending))) as pool:
                _run_pool(pool, task, chunk_args, pending, record)
        elif backend == "processes":
            with _POOLS.lease(n_workers) as lease:
                try:
                    _run_pool(lease.resource, task, chunk_args, pending, record)
                except BrokenProcessPool:
                    lease.broken = True  # a worker died: the next call starts a new pool
                    raise
        else:
            _run_dask(task, chunk_args, pending, n_workers, scheduler_address, record)
    return [finished[i] for i in range(n)]


def _check_backend(backend: str, workers: int | None, scheduler_address: str | None) -> None:
    """Refuse an unknown backend, a worker count below 1, or a scheduler address without
    Dask (:class:`rxtwin.errors.UserInputError`)."""
    if backend not in BACKENDS:
        raise UserInputError(f"backend = {backend!r}, must be one of {BACKENDS}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise UserInputError(f"workers = {workers!r}, must be an integer >= 1")
    if scheduler_address is not None and backend != "dask":
        raise UserInputError(
            f"scheduler_address = {scheduler_address!r} is only used with backend='dask', "
            f"not {backend!r}"
        )


def backend_for(workers: int | None = None, scheduler_address: str | None = None,
                backend: str | None = None) -> str:
    """The backend a command runs on, by one rule for every command.

    An explicit ``backend`` wins; a scheduler address means ``"dask"``; more than one worker
    means ``"threads"`` (every engine's compiled kernel releases the GIL, so threads scale
    without a process pool's start-up and pickling); otherwise ``"serial"``.

    Raises
    ------
    rxtwin.errors.UserInputError
        An unknown ``backend``.

    Examples
    --------
    >>> backend_for(), backend_for(2), backend_for(2, "tcp://h:8786"), backend_for(2, None, "processes")
    ('serial', 'threads', 'dask', 'processes')
    """
    if backend is not None:
        if backend not in BACKENDS:
            raise UserInputError(f"--backend {backend!r}: must be one of {', '.join(BACKENDS)}")
        return backend
    if scheduler_address:
        return "dask"
    return "threads" if workers and workers > 1 else "serial"


def chunk_mapper(backend: str = "serial", workers: int | None = None,
                 scheduler_address: str | None = None) -> ChunkMapper:
    """A :class:`~rxtwin.stats.chunks.ChunkMapper` that runs chunks on ``backend``.

    Engines take the mapper as their ``map_chunks`` argument, so the caller (the CLI, the
    web app, a script) decides where chunks run and the engines never import this module.
    The arguments are checked here, once, as :func:`run_chunks` checks them.

    Examples
    --------
    >>> from rxtwin.compute.executors import chunk_mapper
    >>> chunk_mapper("threads", workers=2)(abs, [-1, -2])
    [1, 2]
    """
    _check_backend(backend, workers, scheduler_address)
    return functools.partial(run_chunks, backend=backend, workers=workers,
                             scheduler_address=scheduler_address)


def _run_pool(pool: Executor, task, chunk_args, pending, record) -> None:
    futures = {pool.submit(task, chunk_args[i]): i for i in pending}
    remaining = set(futures)
    try:
        while remaining:
            finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=futures.__getitem__):
                record(futures[future], future.result())
    except BaseException:
        for future in remaining:
            future.cancel()
        raise


def _run_dask(task, chunk_args, pending, n_workers, scheduler_address, record) -> None:
    from distributed import Client, as_completed

    def submit_all(client) -> None:
        futures = {client.submit(task, chunk_args[i], pure=False): i for i in pending}
        try:
            for future in as_completed(list(futures)):
                record(futures[future], future.result())
        except BaseException:
            client.cancel(list(futures))
            raise

    if scheduler_address is not None:
        with Client(scheduler_address) as client:
            submit_all(client)
        return
    with _CLUSTERS.lease(n_workers) as lease, \
            Client(lease.resource) as client:
        submit_all(client)


@dataclass
class _Lease:
    """A pool or cluster of ``size`` workers and the calls using it."""

    resource: Any
    size: int
    users: int = 0
    broken: bool = False


class _Reused:
    """One pool (or cluster) of workers kept by this process and reused by later calls.

    A call leases the kept one when it has the size asked for; otherwise, if no other call
    is using it, the kept one is closed and a new one of the new size is kept instead; if
    another call is using it, the call gets a pool of its own, closed when it ends. A child
    made by ``os.fork`` keeps nothing of its parent's.
    """

    def __init__(self, start: Callable[[int], Any], stop: Callable[[Any], None],
                 alive: Callable[[Any], bool]) -> None:
        self._start, self._stop, self._alive = start, stop, alive
        self._forget()
        atexit.register(self.close)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._kept: _Lease | None = None

    def _usable(self, lease: _Lease, size: int) -> bool:
        return lease.size == size and not lease.broken and self._alive(lease.resource)

    @contextlib.contextmanager
    def lease(self, size: int) -> Iterator[_Lease]:
        with self._lock:
            lease = self._kept
            if lease is not None and lease.users == 0 and not self._usable(lease, size):
                self._kept = None
                self._stop(lease.resource)
                lease = None
            if lease is None:
                lease = self._kept = _Lease(self._start(size), size)
            elif not self._usable(lease, size):  # in use by another call, other size
                lease = _Lease(self._start(size), size)
            lease.users += 1
        try:
            yield lease
        finally:
            with self._lock:
                lease.users -= 1
                if lease is not self._kept and lease.users == 0:
                    self._stop(lease.resource)

    def close(self) -> None:
        """Close the kept pool (at exit; later calls start a new one)."""
        with self._lock:
            lease, self._kept = self._kept, None
        if lease is not None:
            self._stop(lease.resource)


def _start_pool(n_workers: int) -> ProcessPoolExecutor:
    # workers are started on demand, as chunks are submitted (never more than chunks)
    context = multiprocessing.get_context(_start_method())
    return ProcessPoolExecutor(max_workers=n_workers, mp_context=context)


def _start_cluster(n_workers: int):
    import logging

    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        # no dashboard; its HTTP endpoint on a free local port, not the shared 8787
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR,
    )


def _cluster_running(cluster) -> bool:
    return getattr(cluster.status, "name", "") == "running"


_POOLS = _Reused(_start_pool, lambda pool: pool.shutdown(wait=False, cancel_futures=True),
                 lambda pool: True)
_CLUSTERS = _Reused(_start_cluster, lambda cluster: cluster.close(), _cluster_running)
