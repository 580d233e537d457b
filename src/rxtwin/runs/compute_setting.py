"""Where a run's chunks run: serially, on local threads, on a local process pool or on a Dask
cluster.

A :class:`ComputeSetting` is chosen each time a run is executed (``rxtwin ... --backend
--workers --scheduler``, or a script calling :func:`rxtwin.runs.kinds.execute_run`) and is
never stored with the run: every backend returns the chunks' results in chunk order
(:mod:`rxtwin.compute.executors`), so where chunks run changes no bit of a result. It is
therefore no part of a run's parameters, its hash or its identity, and a killed run may be
resumed on another backend than the one it started on.
"""

from __future__ import annotations

from dataclasses import dataclass

from rxtwin.compute.executors import backend_for, chunk_mapper
from rxtwin.stats.chunks import ChunkMapper

__all__ = ["SERIAL", "ComputeSetting"]


@dataclass(frozen=True)
class ComputeSetting:
    """Where chunks run (the arguments of :func:`rxtwin.compute.executors.run_chunks`).

    Attributes
    ----------
    backend : {"serial", "threads", "processes", "dask"}
    workers : int or None
        Local threads, processes or Dask workers; the machine's CPU count when omitted.
    scheduler_address : str or None
        Address of a running Dask scheduler (``tcp://host:8786``); only with ``"dask"``.

    Raises
    ------
    rxtwin.errors.UserInputError
        An unknown backend, ``workers < 1``, or a scheduler address without Dask.

    Examples
    --------
    >>> ComputeSetting.choose(workers=2)
    ComputeSetting(backend='threads', workers=2, scheduler_address=None)
    >>> ComputeSetting("threads", 2).map_chunks()(abs, [-1, -2])
    [1, 2]
    """

    backend: str = "serial"
    workers: int | None = None
    scheduler_address: str | None = None

    def __post_init__(self) -> None:
        chunk_mapper(self.backend, self.workers, self.scheduler_address)  # checks only

    @classmethod
    def choose(cls, backend: str | None = None, workers: int | None = None,
               scheduler_address: str | None = None) -> ComputeSetting:
        """The setting of a command's ``--backend``, ``--workers`` and ``--scheduler``, by
        the one rule of :func:`rxtwin.compute.executors.backend_for` (an explicit backend
        wins; a scheduler means Dask; more than one worker means threads; else serial)."""
        return cls(backend_for(workers, scheduler_address, backend), workers,
                   scheduler_address)

    def map_chunks(self) -> ChunkMapper:
        """The chunk mapper an engine takes as its ``map_chunks`` argument."""
        return chunk_mapper(self.backend, self.workers, self.scheduler_address)


SERIAL = ComputeSetting()
"""Chunks one after another in the calling process: what a run does unless told otherwise
(the web app's job queue runs every run so)."""
