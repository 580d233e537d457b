"""The run-kind registry: a break-even run stores exactly the costs of the model function
at every grid point; parameters are checked against the scenario; a kind that drives the
store's life cycle itself is only called."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin import jobs
from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.annual_cost import annual_cost_usd_per_yr
from rxtwin.errors import InputError
from rxtwin.store import Store, StoreError


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "k.sqlite") as opened:
        yield opened


def test_breakeven_run_matches_the_cost_model_point_by_point(store):
    scenario = load_scenario("generic_oral_solid")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = jobs.parse_params("econ.breakeven", scenario, {
        "products_min": 2, "products_max": 5, "volume_steps": 4, "challenger": "modular"})
    run_id = store.create_run("econ.breakeven", scenario_hash, params.model_dump(), None,
                              n_chunks=4)
    jobs.execute_run(store, run_id)
    grid = store.get_summary(run_id, "breakeven")
    volumes = np.geomspace(params.volume_min_units_per_yr, params.volume_max_units_per_yr, 4)
    assert len(grid) == 4 * 4
    for row in grid.itertuples():
        assert row.volume_units_per_yr in volumes
        expected = (annual_cost_usd_per_yr(scenario.technology("batch"), scenario.firm,
                                           row.products_per_line, row.volume_units_per_yr)
                    - annual_cost_usd_per_yr(scenario.technology("modular"), scenario.firm,
                                             row.products_per_line, row.volume_units_per_yr))
        assert row.advantage_usd_per_yr == pytest.approx(expected, rel=1e-12)
        assert row.meets_target == (expected >= 0)
    with pytest.raises(StoreError, match="is done"):
        jobs.execute_run(store, run_id)


def test_params_are_checked_against_the_scenario():
    scenario = load_scenario("generic_oral_solid")
    with pytest.raises(InputError) as caught:
        jobs.parse_params("econ.breakeven", scenario, {"incumbent": "abacus"})
    assert caught.value.problems[0].path == "incumbent"
    assert "choose one of batch" in caught.value.problems[0].rule


def test_a_kind_that_manages_its_life_cycle_is_only_called(store, monkeypatch):
    scenario = load_scenario("generic_oral_solid")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    calls = []

    def run(scenario_, params, store_, run_id, progress):
        calls.append(run_id)
        store_.start_run(run_id)
        store_.record_chunk(run_id, 0, {"ok": 1})
        store_.finish_run(run_id, 0.0)

    kind = jobs.RUN_KINDS["twin.simulate"]
    monkeypatch.setitem(jobs.RUN_KINDS, "fake.kind", type(kind)(**{
        **kind.__dict__, "name": "fake.kind", "run": run, "manages_lifecycle": True}))
    run_id = store.create_run("fake.kind", scenario_hash, {}, None, n_chunks=1)
    jobs.execute_run(store, run_id)
    assert calls == [run_id] and store.get_run(run_id).status == "done"


def test_line_run_from_the_web_equals_the_cli_run(store):
    """A 'line.simulate' run launched through the registry stores the same summary as
    rxtwin.runs.run_line_simulation with the same seed, and draws its figures."""
    from rxtwin.runs import LINE_TABLE, run_line_simulation

    scenario = load_scenario("generic_oral_solid")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = jobs.parse_params("line.simulate", scenario, {
        "technology_id": "modular", "n_replications": 40, "chunk_size": 20, "seed": 9})
    run_id = store.create_run("line.simulate", scenario_hash, params.model_dump(mode="json"),
                              params.seed, n_chunks=2)
    seen = []
    jobs.execute_run(store, run_id, progress=lambda done, total: seen.append((done, total)))
    assert store.get_run(run_id).status == "done" and seen[-1] == (2, 2)
    (cli,) = run_line_simulation(store, scenario, line_id="line-1", technology_ids=["modular"],
                                 n_replications=40, entropy=9, chunk_size=20,
                                 policy="fixed_rotation")
    assert store.get_summary(run_id, LINE_TABLE).equals(store.get_summary(cli.run_id,
                                                                          LINE_TABLE))
    figures = jobs.run_figures(store, run_id)
    assert set(figures) == {"technology_comparison", "oee_waterfall"}
    with pytest.raises(InputError) as caught:
        jobs.parse_params("line.simulate", scenario, {"technology_id": "laser"})
    assert caught.value.problems[0].path == "technology_id"


def test_supply_run_from_the_web_equals_the_cli_run_and_resumes_from_the_cli(store):
    """A 'supply.simulate' run queued through the registry gives the same table as
    rxtwin.supply_runs.run_supply_simulation with the same seed; the CLI's resume accepts
    it, and refuses it once the bundled inputs it started with have changed."""
    from rxtwin.supply_runs import SUPPLY_INPUTS_TABLE, SUPPLY_TABLE, run_supply_simulation

    scenario = load_scenario("sterile_injectable")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = jobs.parse_params("supply.simulate", scenario, {
        "n_years": 40, "chunk_size": 20, "seed": 5,
        "intervention_ids": ["buffer-stock-90d"]})
    run_id = store.create_run("supply.simulate", scenario_hash, params.model_dump(mode="json"),
                              params.seed, n_chunks=2)
    seen = []
    jobs.execute_run(store, run_id, progress=lambda done, total: seen.append((done, total)))
    assert store.get_run(run_id).status == "done" and seen[-1] == (2, 2)
    assert SUPPLY_INPUTS_TABLE in store.list_summaries(run_id)
    cli_id, _ = run_supply_simulation(store, scenario, n_years=40, entropy=5, chunk_size=20,
                                      intervention_ids=["buffer-stock-90d"])
    assert store.get_summary(run_id, SUPPLY_TABLE).equals(store.get_summary(cli_id,
                                                                            SUPPLY_TABLE))
    assert set(jobs.run_figures(store, run_id)) == {"shortage_risk"}
    with pytest.raises(InputError) as caught:
        jobs.parse_params("supply.simulate", scenario, {"intervention_ids": ["nope"]})
    assert caught.value.problems[0].path == "intervention_ids"


def test_web_supply_run_with_changed_inputs_is_refused_on_resume(store):
    import pandas as pd

    from rxtwin.supply_runs import SUPPLY_INPUTS_TABLE, resume_supply_run

    scenario = load_scenario("sterile_injectable")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = jobs.parse_params("supply.simulate", scenario, {"n_years": 20, "chunk_size": 10,
                                                             "seed": 1})
    run_id = store.create_run("supply.simulate", scenario_hash, params.model_dump(mode="json"),
                              params.seed, n_chunks=2)
    from rxtwin import __version__

    store.put_summary(run_id, SUPPLY_INPUTS_TABLE, pd.DataFrame(
        {"inputs_sha256": ["0" * 64], "rxtwin_version": [__version__]}))
    with pytest.raises(ValueError, match="other simulator inputs"):
        resume_supply_run(store, run_id)
