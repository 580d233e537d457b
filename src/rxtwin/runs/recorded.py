"""The life cycle of a stored, chunked run: start, record every finished chunk, finish or
fail; and the checks before a run is resumed.

Every chunked run kind (line, supply, econ maps) drives its work through
:func:`run_recorded_chunks`, so a killed run resumes where it stopped and a resumed run gives
the bits an uninterrupted one would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rxtwin.errors import UserInputError
from rxtwin.model import Scenario
from rxtwin.store import RunRecord, Store

__all__ = ["Progress", "resumable_run", "run_recorded_chunks"]

Progress = Callable[[int, int], None]
"""progress(done_chunks, total_chunks), called in the parent process."""


def run_recorded_chunks(store: Store, run_id: str, total: int, *,
                        decode: Callable[[Any], Any], encode: Callable[[Any], Any],
                        work: Callable[[dict, Callable[[int, Any], None]], Any],
                        progress: Progress | None = None) -> Any:
    """Drive a stored, chunked run through its life cycle: start it, run ``work`` on the
    chunks not recorded yet, finish it (or mark it failed and re-raise).

    Parameters
    ----------
    store, run_id
        The run, created beforehand (status ``queued``, ``interrupted`` or ``failed``).
    total : int
        Chunks of the run (the progress total).
    decode, encode : callable
        A recorded chunk to its summary, and back (what ``store.record_chunk`` keeps).
    work : callable
        ``work(done, on_chunk_done) -> result``: ``done`` maps the indices of recorded
        chunks to their summaries; ``on_chunk_done(index, summary)`` records a new chunk
        and advances ``progress``. Result tables are written here, inside the life cycle.
    progress : callable, optional
        ``progress(done_chunks, total)``, at the start and after every recorded chunk.

    Returns
    -------
    Whatever ``work`` returns.
    """
    done = {i: decode(record) for i, record in store.chunk_summaries(run_id).items()}
    finished = [len(done)]

    def on_chunk_done(index: int, summary: Any) -> None:
        store.record_chunk(run_id, index, encode(summary))
        finished[0] += 1
        if progress:
            progress(finished[0], total)

    started = time.perf_counter()
    store.start_run(run_id)
    try:
        if progress:
            progress(finished[0], total)
        result = work(done, on_chunk_done)
    except BaseException as exc:
        store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        raise
    store.finish_run(run_id, time.perf_counter() - started)
    return result


def resumable_run(store: Store, run_id: str, kind: str) -> tuple[RunRecord, Scenario]:
    """The record and scenario of a stored run of ``kind`` that may be resumed (runs of dead
    processes are marked interrupted first).

    Raises
    ------
    ValueError
        The run is of another kind or already done.
    """
    store.mark_interrupted_runs()
    record = store.get_run(run_id)
    if record.kind != kind:
        raise UserInputError(f"run {run_id} is a '{record.kind}' run, not '{kind}'")
    if record.status == "done":
        raise UserInputError(f"run {run_id} is already done")
    return record, Scenario.model_validate(store.get_scenario(record.scenario_hash))
