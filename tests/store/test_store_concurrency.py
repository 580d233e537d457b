"""Two processes writing runs into one store at the same time lose nothing."""

from __future__ import annotations

import multiprocessing
from typing import TYPE_CHECKING, Any

import pytest

from rxtwin.store import Store

if TYPE_CHECKING:
    from conftest import StoreTarget

N_WORKERS = 2
RUNS_PER_WORKER = 50
CHUNKS_PER_RUN = 3
KIND = "test.concurrency"


def _write_runs(url: str, options: dict[str, Any], worker: int, go: Any) -> None:
    """One writer: store a shared and an own scenario, then 50 runs with 3 chunks each."""
    with Store.open(url, **options) as store:
        go.wait(60)  # both writers start together, so their transactions interleave
        shared = store.put_scenario({"shared": True}, "shared")  # same content, same time
        own = store.put_scenario({"worker": worker}, "per-worker")  # races for version numbers
        for i in range(RUNS_PER_WORKER):
            scenario = shared if i % 2 else own
            run_id = store.create_run(
                KIND, scenario, {"worker": worker, "i": i}, 10**30 + i, n_chunks=CHUNKS_PER_RUN
            )
            store.start_run(run_id)
            for chunk in range(CHUNKS_PER_RUN):
                store.record_chunk(run_id, chunk, {"worker": worker, "i": i, "chunk": chunk})
            store.finish_run(run_id, wall_s=0.0)


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(
    store: Store, store_target: StoreTarget
) -> None:
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    workers = [
        context.Process(target=_write_runs, args=(store_target.url, store_target.options, w, go))
        for w in range(N_WORKERS)
    ]
    for process in workers:
        process.start()
    go.set()
    for process in workers:
        process.join(120)
    assert [process.exitcode for process in workers] == [0] * N_WORKERS

    runs = store.list_runs(kind=KIND, limit=10_000)
    assert len(runs) == N_WORKERS * RUNS_PER_WORKER
    assert {(run.parameters["worker"], run.parameters["i"]) for run in runs} == {
        (w, i) for w in range(N_WORKERS) for i in range(RUNS_PER_WORKER)
    }
    for run in runs:
        assert run.status == "done" and run.chunks_done == CHUNKS_PER_RUN
        assert run.seed_entropy == 10**30 + run.parameters["i"]
        assert store.chunk_summaries(run.id) == {
            c: {"worker": run.parameters["worker"], "i": run.parameters["i"], "chunk": c}
            for c in range(CHUNKS_PER_RUN)
        }
    scenarios = store.list_scenarios()
    assert [(s.name, s.version) for s in scenarios] == [
        ("per-worker", 1),
        ("per-worker", 2),
        ("shared", 1),
    ]
