"""How an engine hands its chunks to whoever runs them.

A Monte Carlo engine plans its chunks (:func:`rxtwin.stats.seeding.plan_chunks`), builds a
picklable task ``task(chunk) -> summary`` and asks a *chunk mapper* to run the task on every
chunk. The engine never chooses where chunks run: the caller passes a mapper.
:func:`map_serial` (the default) runs them in this process, one after another;
:func:`rxtwin.compute.executors.chunk_mapper` builds mappers for threads, process pools and
Dask clusters. Every mapper returns the results in chunk order, so merging them in that
order (:func:`rxtwin.stats.summaries.merge_all`) gives bit-identical summaries wherever the
chunks ran.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from rxtwin.errors import UserInputError

__all__ = ["ChunkMapper", "map_serial", "pending_chunks"]


class ChunkMapper(Protocol):
    """Runs ``task`` on every chunk argument and returns the results in chunk order.

    ``done`` holds the results of chunks finished earlier (a resumed run): they are not run
    again and appear unchanged in the returned list. ``on_chunk_done(index, result)`` is
    called in the calling process for every chunk this call runs, as it finishes.
    """

    def __call__(self, task: Callable[[Any], Any], chunk_args: Sequence[Any], *,
                 done: Mapping[int, Any] | None = None,
                 on_chunk_done: Callable[[int, Any], None] | None = None) -> list[Any]: ...


def pending_chunks(n_chunks: int, done: Mapping[int, Any] | None) -> tuple[dict[int, Any],
                                                                             list[int]]:
    """The results already known and the chunk indices still to run.

    Raises
    ------
    UserInputError
        If ``done`` names a chunk index outside ``0 .. n_chunks - 1``.
    """
    finished: dict[int, Any] = dict(done or {})
    bad = [i for i in finished if not (isinstance(i, int) and 0 <= i < n_chunks)]
    if bad:
        raise UserInputError(f"done has chunk indices {bad} outside 0..{n_chunks - 1}")
    return finished, [i for i in range(n_chunks) if i not in finished]


def map_serial(task: Callable[[Any], Any], chunk_args: Sequence[Any], *,
               done: Mapping[int, Any] | None = None,
               on_chunk_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """Run the chunks one after another in this process (a :class:`ChunkMapper`)."""
    finished, pending = pending_chunks(len(chunk_args), done)
    for i in pending:
        finished[i] = task(chunk_args[i])
        if on_chunk_done is not None:
            on_chunk_done(i, finished[i])
    return [finished[i] for i in range(len(chunk_args))]
