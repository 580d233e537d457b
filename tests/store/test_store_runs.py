"""Runs: lifecycle, chunks and resume, interrupted marking, listing and deletion."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import socket
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from rxtwin import __version__
from rxtwin.store import Store, StoreError, StoreInputError, UnknownRunError, UnknownScenarioError

if TYPE_CHECKING:
    from conftest import StoreTarget

KIND = "line.simulate"


def _new_run(store: Store, n_chunks: int | None = 3, seed: int | None = 7) -> str:
    scenario = store.put_scenario({"products": 24}, "base")
    return store.create_run(
        KIND, scenario, {"reps": 100, "horizon_days": 365}, seed, n_chunks=n_chunks
    )


def test_create_run_records_everything_given(store: Store) -> None:
    scenario = store.put_scenario({"products": 24}, "base")
    entropy = np.random.SeedSequence().entropy  # 128 bits: more than a 64-bit column holds
    assert entropy >= 2**64
    run_id = store.create_run(KIND, scenario, {"reps": 100}, entropy, n_chunks=4)
    run = store.get_run(run_id)
    assert (run.id, run.kind, run.status, run.scenario_hash) == (run_id, KIND, "queued", scenario)
    assert run.seed_entropy == entropy
    assert np.random.SeedSequence(run.seed_entropy).entropy == entropy
    assert run.parameters == {"reps": 100}
    assert run.package_version == __version__
    assert (run.chunks_done, run.chunks_total) == (0, 4)
    assert run.started_at is None and run.finished_at is None and run.wall_s is None
    assert run.created_at.tzinfo is not None


def test_lifecycle_queued_running_done(store: Store) -> None:
    run_id = _new_run(store)
    store.start_run(run_id)
    started = store.get_run(run_id)
    assert started.status == "running"
    assert (started.owner_host, started.owner_pid) == (socket.gethostname(), os.getpid())
    for index in range(3):
        assert store.record_chunk(run_id, index, {"served": index, "short_days": 0.5 * index})
    store.finish_run(run_id, wall_s=12.5)
    run = store.get_run(run_id)
    assert run.status == "done" and run.wall_s == 12.5 and run.error is None
    assert run.created_at <= run.started_at <= run.heartbeat_at <= run.finished_at
    assert (run.chunks_done, run.chunks_total) == (3, 3)


def test_run_without_scenario_seed_or_chunk_count(store: Store) -> None:
    run_id = store.create_run("econ.npv", None, {}, None)
    store.start_run(run_id)
    store.finish_run(run_id, 0.0)
    run = store.get_run(run_id)
    assert (run.status, run.scenario_hash, run.seed_entropy, run.chunks_total) == (
        "done",
        None,
        None,
        None,
    )


def test_fail_run_keeps_message(store: Store) -> None:
    run_id = _new_run(store)
    store.start_run(run_id)
    store.fail_run(run_id, "ValueError: demand must be positive")
    run = store.get_run(run_id)
    assert run.status == "failed" and run.error == "ValueError: demand must be positive"
    assert run.finished_at is not None


def test_illegal_transitions_are_refused(store: Store) -> None:
    run_id = _new_run(store, n_chunks=None)
    with pytest.raises(StoreError, match="cannot finish run .* it is 'queued'"):
        store.finish_run(run_id, 1.0)
    with pytest.raises(StoreError, match="not 'running'"):
        store.record_chunk(run_id, 0, {"x": 1})
    store.start_run(run_id)
    with pytest.raises(StoreError, match="cannot start run .* it is 'running'"):
        store.start_run(run_id)
    store.finish_run(run_id, 1.0)
    with pytest.raises(StoreError, match="cannot fail run .* it is 'done'"):
        store.fail_run(run_id, "too late")
    assert store.get_run(run_id).status == "done"


def test_create_run_checks_its_arguments(store: Store) -> None:
    with pytest.raises(UnknownScenarioError, match="no scenario with hash 'f00'"):
        store.create_run(KIND, "f00", {}, 1)
    with pytest.raises(StoreInputError, match="seed_entropy"):
        store.create_run(KIND, None, {}, -1)
    with pytest.raises(StoreInputError, match="n_chunks"):
        store.create_run(KIND, None, {}, 1, n_chunks=0)
    with pytest.raises(StoreInputError, match="run params"):
        store.create_run(KIND, None, {"x": (1, 2)}, 1)
    assert store.list_runs() == []


def test_record_chunk_is_idempotent_per_index(store: Store) -> None:
    run_id = _new_run(store)
    store.start_run(run_id)
    assert store.record_chunk(run_id, 1, {"served": 10}) is True
    assert store.record_chunk(run_id, 1, {"served": 10}) is False
    assert store.record_chunk(run_id, 1, {"served": 99}) is False  # first summary is kept
    assert store.chunk_summaries(run_id) == {1: {"served": 10}}
    assert store.get_run(run_id).chunks_done == 1


def test_chunk_summaries_keep_dicts_and_bytes_in_index_order(store: Store) -> None:
    run_id = _new_run(store)
    store.start_run(run_id)
    blob = np.arange(5, dtype=np.float64).tobytes()
    store.record_chunk(run_id, 2, {"mean": 0.1})
    store.record_chunk(run_id, 0, blob)
    summaries = store.chunk_summaries(run_id)
    assert list(summaries) == [0, 2]
    assert np.array_equal(np.frombuffer(summaries[0], dtype=np.float64), np.arange(5.0))
    assert summaries[2] == {"mean": 0.1}


def test_chunk_index_is_checked(store: Store) -> None:
    run_id = _new_run(store, n_chunks=3)
    store.start_run(run_id)
    with pytest.raises(StoreInputError, match="out of range"):
        store.record_chunk(run_id, 3, {"x": 1})
    with pytest.raises(StoreInputError, match="non-negative int"):
        store.record_chunk(run_id, -1, {"x": 1})
    with pytest.raises(StoreInputError, match="dict or bytes"):
        store.record_chunk(run_id, 0, [1, 2])  # type: ignore[arg-type]


def test_finish_is_refused_while_chunks_are_missing(store: Store) -> None:
    run_id = _new_run(store, n_chunks=3)
    store.start_run(run_id)
    store.record_chunk(run_id, 0, {"x": 0})
    with pytest.raises(StoreError, match="1 of 3 chunks recorded"):
        store.finish_run(run_id, 1.0)
    assert store.get_run(run_id).status == "running"


def _start_record_and_exit(
    url: str, options: dict[str, Any], run_id: str, indices: list[int]
) -> None:
    """In a child process: start the run, record some chunks, then end without finishing."""
    with Store.open(url, **options) as store:
        store.start_run(run_id)
        for index in indices:
            store.record_chunk(run_id, index, {"chunk": index})


def _run_in_child(target: StoreTarget, run_id: str, indices: list[int]) -> None:
    process = multiprocessing.get_context("spawn").Process(
        target=_start_record_and_exit, args=(target.url, target.options, run_id, indices)
    )
    process.start()
    process.join(60)
    assert process.exitcode == 0


def test_killed_run_is_marked_interrupted_and_resumes(
    store: Store, store_target: StoreTarget
) -> None:
    orphan = _new_run(store, n_chunks=4)
    _run_in_child(store_target, orphan, [0, 2])
    mine = _new_run(store, n_chunks=4)
    store.start_run(mine)  # started by this live process: must stay running

    assert store.get_run(orphan).status == "running"
    assert store.mark_interrupted_runs() == [orphan]
    interrupted = store.get_run(orphan)
    assert interrupted.status == "interrupted"
    assert "ended before the run finished" in interrupted.error
    assert store.get_run(mine).status == "running"
    assert store.mark_interrupted_runs() == []

    # resume: only the chunks not yet recorded are run
    assert store.done_chunk_indices(orphan) == {0, 2}
    store.start_run(orphan)
    resumed = store.get_run(orphan)
    assert resumed.status == "running" and resumed.error is None
    assert resumed.started_at == interrupted.started_at  # first start is kept
    for index in sorted({0, 1, 2, 3} - store.done_chunk_indices(orphan)):
        store.record_chunk(orphan, index, {"chunk": index})
    store.finish_run(orphan, 3.0)
    assert store.chunk_summaries(orphan) == {i: {"chunk": i} for i in range(4)}
    assert store.get_run(orphan).status == "done"


def test_stale_runs_are_marked_interrupted_whatever_their_host(store: Store) -> None:
    run_id = _new_run(store)
    store.start_run(run_id)
    assert store.mark_interrupted_runs(stale_after_s=3600.0) == []
    assert store.mark_interrupted_runs(stale_after_s=0.0) == [run_id]
    assert store.get_run(run_id).error == "interrupted: no progress for at least 0 s"


def test_list_runs_filters_orders_and_limits(store: Store) -> None:
    first = store.create_run("line.simulate", None, {}, 1)
    second = store.create_run("econ.npv", None, {}, 2)
    third = store.create_run("line.simulate", None, {}, 3)
    store.start_run(third)
    assert [run.id for run in store.list_runs()] == [third, second, first]
    assert [run.id for run in store.list_runs(kind="line.simulate")] == [third, first]
    assert [run.id for run in store.list_runs(status="running")] == [third]
    assert [run.id for run in store.list_runs(kind="econ.npv", status="running")] == []
    assert [run.id for run in store.list_runs(limit=2)] == [third, second]
    with pytest.raises(StoreInputError, match="run status 'finished' is not one of"):
        store.list_runs(status="finished")
    with pytest.raises(StoreInputError, match="limit"):
        store.list_runs(limit=0)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get_run("nope"),
        lambda s: s.start_run("nope"),
        lambda s: s.record_chunk("nope", 0, {}),
        lambda s: s.done_chunk_indices("nope"),
        lambda s: s.chunk_summaries("nope"),
        lambda s: s.finish_run("nope", 1.0),
        lambda s: s.fail_run("nope", "x"),
        lambda s: s.put_summary("nope", "t", pd.DataFrame({"a": [1]})),
        lambda s: s.get_summary("nope", "t"),
        lambda s: s.put_array("nope", "t", pd.DataFrame({"a": [1]})),
        lambda s: s.get_array("nope", "t"),
        lambda s: s.delete_run("nope"),
    ],
)
def test_unknown_run_id_raises_a_clear_key_error(store: Store, call) -> None:
    with pytest.raises(UnknownRunError, match="no run with id 'nope'") as caught:
        call(store)
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, StoreError)
    assert str(caught.value).startswith("no run with id 'nope' in ")


def test_delete_removes_rows_and_artifact_files(store: Store) -> None:
    keep = _new_run(store)
    run_id = _new_run(store)
    store.start_run(run_id)
    store.record_chunk(run_id, 0, {"x": 1})
    store.put_summary(run_id, "kpi", pd.DataFrame({"oee": [0.7]}))
    path = store.put_array(run_id, "trace", pd.DataFrame({"t_h": [0.0, 1.0]}))
    kept_path = store.put_array(keep, "trace", pd.DataFrame({"t_h": [2.0]}))
    store.fail_run(run_id, "stopped")

    store.delete_run(run_id)
    assert not path.exists() and not path.parent.exists()
    with pytest.raises(UnknownRunError):
        store.get_run(run_id)
    assert [run.id for run in store.list_runs()] == [keep]
    assert kept_path.exists() and store.get_array(keep, "trace")["t_h"].tolist() == [2.0]
    with pytest.raises(UnknownRunError):
        store.delete_run(run_id)


def test_delete_refuses_a_running_run_unless_forced(store: Store) -> None:
    run_id = _new_run(store)
    store.start_run(run_id)
    store.record_chunk(run_id, 0, {"x": 1})
    with pytest.raises(StoreError, match="is running"):
        store.delete_run(run_id)
    store.delete_run(run_id, force=True)
    assert store.list_runs() == []


def test_a_pickled_store_reopens_the_same_store(store: Store) -> None:
    # how a Store reaches a spawned worker process
    run_id = _new_run(store)
    with pickle.loads(pickle.dumps(store)) as copy:
        assert copy is not store
        assert copy.get_run(run_id) == store.get_run(run_id)
        assert copy.artifacts_dir == store.artifacts_dir
