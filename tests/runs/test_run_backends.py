"""Where a stored run's chunks run changes none of its results: every run kind that maps
chunks stores tables equal to the bit on serial, on 2 threads and on a Dask cluster; a run
killed after its first chunk and resumed on another backend equals an uninterrupted one;
the setting is not stored with the run."""

from __future__ import annotations

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params
from rxtwin.store import Store

THREADS = ComputeSetting("threads", workers=2)

_OPTIONS = {"technologies": [], "interventions": ["rapid-sterility-test", "buffer-stock-90d"],
            "n_years": 40, "chunk_size": 20, "line_replications": 3, "seed": 5}
_MEASURES = {"measures": ["rapid-sterility-test", "buffer-stock-90d"], "n_years": 40,
             "chunk_size": 20, "n_draws": 20, "seed": 9}

#: Each kind that maps chunks, with a scenario and parameters small enough for seconds.
CASES = {
    "econ.breakeven": ("generic_oral_solid", {
        "param_values": [1, 5], "param2_values": [1.0], "technologies": ["continuous"],
        "n_replications": 10, "seed": 11}),
    "line.simulate": ("generic_oral_solid", {
        "line_id": "line-1", "technology_id": "batch", "n_replications": 40,
        "chunk_size": 10, "seed": 3}),
    "supply.simulate": ("sterile_injectable", {"n_years": 40, "chunk_size": 10, "seed": 3}),
    "resilience.compare": ("sterile_injectable", _OPTIONS),
    "econ.options": ("sterile_injectable", {**_OPTIONS, "n_draws": 50}),
    "econ.greenfield": ("high_volume_single_product", {
        "technologies": ["continuous"], "n_replications": 20, "seed": 3}),
    "priority.rank": ("sterile_injectable", _MEASURES),
    "priority.portfolio": ("sterile_injectable", {**_MEASURES, "budget_usd": 1e6}),
}


def _queue(store: Store, kind: str) -> str:
    """A run of ``kind`` registered as the web app and the CLI do (checked, resolved)."""
    name, raw = CASES[kind]
    scenario = load_scenario(name)
    params = parse_params(kind, scenario, raw)
    return store.create_run(kind, store.put_scenario(scenario.document(), scenario.name),
                            params.model_dump(mode="json"), params.seed,
                            n_chunks=RUN_KINDS[kind].n_chunks(params))


def _tables(store: Store, run_id: str) -> dict:
    assert store.get_run(run_id).status == "done"
    return {name: store.get_summary(run_id, name) for name in store.list_summaries(run_id)}


def _assert_same_tables(got: dict, expected: dict) -> None:
    assert list(got) == list(expected) and expected
    for name, frame in expected.items():
        assert got[name].equals(frame), name  # values and dtypes, NaN where NaN


def _serial_tables(store: Store, kind: str) -> dict:
    run_id = _queue(store, kind)
    execute_run(store, run_id)
    return _tables(store, run_id)


def test_every_kind_that_maps_chunks_is_checked_here():
    assert {name for name, kind in RUN_KINDS.items() if kind.maps_chunks} == set(CASES)


@pytest.mark.parametrize("kind", list(CASES))
def test_threads_store_the_same_tables_as_serial(tmp_path, kind, executor_calls):
    with Store.open(tmp_path / "b.sqlite") as store:
        serial = _serial_tables(store, kind)
        # no setting, as the web app's job queue runs: serially
        assert {backend for backend, _, _ in executor_calls} == {"serial"}
        executor_calls.clear()
        run_id = _queue(store, kind)
        execute_run(store, run_id, compute=THREADS)
        _assert_same_tables(_tables(store, run_id), serial)
    assert executor_calls, "the run mapped no chunk through the executors"
    assert {(backend, workers) for backend, workers, _ in executor_calls} == {("threads", 2)}
    assert max(n for _, _, n in executor_calls) >= 2  # something to run side by side


@pytest.mark.parametrize("kind", list(CASES))
def test_a_killed_run_resumed_on_threads_equals_an_uninterrupted_one(tmp_path, kind):
    def killed_after_first_chunk(done: int, total: int) -> None:
        if done >= 1:
            raise RuntimeError("killed")

    with Store.open(tmp_path / "r.sqlite") as store:
        serial = _serial_tables(store, kind)
        run_id = _queue(store, kind)
        with pytest.raises(RuntimeError, match="killed"):
            execute_run(store, run_id, killed_after_first_chunk)
        assert store.get_run(run_id).status == "failed"
        assert store.done_chunk_indices(run_id) == {0}
        execute_run(store, run_id, compute=THREADS)
        _assert_same_tables(_tables(store, run_id), serial)


@pytest.mark.parametrize("kind", ["econ.breakeven", "resilience.compare", "econ.greenfield"])
def test_a_dask_cluster_stores_the_same_tables_as_serial(tmp_path, kind, dask_address):
    """The kinds whose recorded chunks are whole tasks (a map row, an option, an arm): the
    task and its result travel to and from the cluster's worker processes."""
    with Store.open(tmp_path / "d.sqlite") as store:
        serial = _serial_tables(store, kind)
        run_id = _queue(store, kind)
        execute_run(store, run_id, compute=ComputeSetting("dask",
                                                          scheduler_address=dask_address))
        _assert_same_tables(_tables(store, run_id), serial)


def test_the_setting_is_not_stored_with_the_run(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as store:
        serial_id = _queue(store, "supply.simulate")
        threads_id = _queue(store, "supply.simulate")
        execute_run(store, serial_id, compute=SERIAL)
        execute_run(store, threads_id, compute=THREADS)
        serial, threads = store.get_run(serial_id), store.get_run(threads_id)
    assert threads.parameters == serial.parameters
    assert (threads.scenario_hash, threads.seed_entropy) \
        == (serial.scenario_hash, serial.seed_entropy)
    assert not {"backend", "workers", "scheduler_address"} & set(threads.parameters)


def test_the_setting_follows_the_commands_rule_and_refuses_bad_values():
    assert ComputeSetting.choose() == SERIAL
    assert ComputeSetting.choose(workers=2) == ComputeSetting("threads", 2)
    assert ComputeSetting.choose(scheduler_address="tcp://h:8786").backend == "dask"
    assert ComputeSetting.choose("processes", 2).backend == "processes"
    for bad in ({"backend": "gpu"}, {"workers": 0},
                {"backend": "threads", "scheduler_address": "tcp://h:8786"}):
        with pytest.raises(UserInputError):
            ComputeSetting(**bad)
