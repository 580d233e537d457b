"""The bounded run queue: FIFO execution, duplicate submissions, the size limit, the
per-run timeout and cancellation on stop (both leave a resumable run)."""

from __future__ import annotations

import threading
import time

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.runs import kinds
from rxtwin.store import Store
from rxtwin.web.jobs import JobQueue, QueueFull

from .conftest import SMALL_BREAKEVEN


@pytest.fixture
def store_and_runs(tmp_path):
    store = Store.open(tmp_path / "q.sqlite")
    scenario = load_scenario("generic_oral_solid")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = kinds.parse_params("econ.breakeven", scenario, SMALL_BREAKEVEN).model_dump()

    def new_run() -> str:
        return store.create_run("econ.breakeven", scenario_hash, params, None, n_chunks=8)

    yield store, new_run
    store.close()


def _wait(store: Store, run_id: str, statuses: tuple[str, ...], timeout_s: float = 20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = store.get_run(run_id)
        if run.status in statuses:
            return run
        time.sleep(0.02)
    raise AssertionError(f"run {run_id} still {store.get_run(run_id).status}")


def test_queue_runs_jobs_and_refuses_beyond_its_size(store_and_runs):
    store, new_run = store_and_runs
    queue = JobQueue(store, queue_size=2)
    first, second, third = new_run(), new_run(), new_run()
    queue.submit(first)
    queue.submit(first)  # already waiting: a no-op, not a second slot
    queue.submit(second)
    with pytest.raises(QueueFull, match="full"):
        queue.submit(third)
    assert queue.waiting == 2 and queue.is_pending(first)
    queue.start()
    try:
        for run_id in (first, second):
            assert _wait(store, run_id, ("done",)).chunks_done == 8
        queue.submit(third)  # room again
        assert _wait(store, third, ("done",)).status == "done"
    finally:
        queue.stop()
    assert not queue.is_pending(first)


def test_a_run_past_the_timeout_fails_and_stays_resumable(store_and_runs):
    store, new_run = store_and_runs
    queue = JobQueue(store, job_timeout_s=1e-9)
    run_id = new_run()
    queue.submit(run_id)
    queue.start()
    try:
        run = _wait(store, run_id, ("failed",))
    finally:
        queue.stop()
    assert "JobTimeout" in run.error and "more than" in run.error
    assert store.done_chunk_indices(run_id) == {0}  # the work done so far is kept


def test_stopping_cancels_the_run_in_flight(store_and_runs, monkeypatch):
    store, new_run = store_and_runs
    started = threading.Event()
    release = threading.Event()
    original = kinds.RUN_KINDS["econ.breakeven"].run

    def slow_run(scenario, params, store_, run_id, progress, **options):
        def gated(done, total):
            started.set()
            release.wait(5)
            progress(done, total)
        original(scenario, params, store_, run_id, gated, **options)  # compute= passes on

    kind = kinds.RUN_KINDS["econ.breakeven"]
    monkeypatch.setitem(kinds.RUN_KINDS, "econ.breakeven",
                        type(kind)(**{**kind.__dict__, "run": slow_run}))
    queue = JobQueue(store)
    run_id = new_run()
    queue.submit(run_id)
    queue.start()
    assert started.wait(10)
    stopper = threading.Thread(target=queue.stop)
    stopper.start()
    time.sleep(0.1)
    release.set()
    stopper.join(10)
    run = store.get_run(run_id)
    assert run.status == "failed" and "JobCancelled" in run.error
    assert len(store.done_chunk_indices(run_id)) >= 1  # kept for the resume
