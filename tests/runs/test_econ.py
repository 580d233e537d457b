"""Econ runs (rxtwin.runs.econ): the simulator, the bundled terms and the store bound to the
econ and uq engines.

Wiring, not numbers: the engines' numbers are tested in tests/econ and tests/uq. Here: the
performances are common random numbers, a composed call equals the engine called with the
same performances, infeasible technologies are left out only where asked, the studies give
the same table on any mapper, and a stored appraisal keeps what it was made from.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.econ import technology
from rxtwin.line.plan import InfeasiblePlanError
from rxtwin.model.variants import with_demand_scale
from rxtwin.runs import econ
from rxtwin.stats.chunks import map_serial
from rxtwin.store import Store

REPS = 40
SEED = 7


@pytest.fixture(scope="module")
def hv():
    return load_scenario("high_volume_single_product")


def test_performances_are_common_random_numbers(hv):
    together = econ.simulate_performances(hv, "line-1", ["batch", "hybrid", "batch"],
                                          n_replications=REPS, entropy=SEED)
    assert list(together) == ["batch", "hybrid"]  # duplicates simulated once
    alone = econ.simulate_performances(hv, "line-1", ["hybrid"], n_replications=REPS,
                                       entropy=SEED)
    # a technology's draws do not depend on the other technologies, only on the seed
    assert alone["hybrid"] == together["hybrid"]
    other = econ.simulate_performances(hv, "line-1", ["hybrid"], n_replications=REPS,
                                       entropy=SEED + 1)
    assert other["hybrid"] != together["hybrid"]


def test_appraising_with_a_simulation_equals_the_engine_on_the_same_performances(hv):
    inside = econ.appraise_technology(hv, "line-1", "hybrid", n_replications=REPS,
                                      entropy=SEED, capex_grant_fraction=0.25)
    performances = econ.simulate_performances(hv, "line-1", ["batch", "hybrid"],
                                              n_replications=REPS, entropy=SEED)
    engine = technology.appraise_technology(hv, "line-1", "hybrid", "batch", performances,
                                            econ.bundled_appraisal_terms(),
                                            capex_grant_fraction=0.25)
    assert inside.npv_usd == engine.npv_usd
    assert inside.cash_flows.incremental.equals(engine.cash_flows.incremental)
    given = econ.appraise_technology(hv, "line-1", "hybrid", performances=performances,
                                     capex_grant_fraction=0.25)
    assert given.npv_usd == engine.npv_usd


def test_bundled_terms_are_the_data_files():
    from rxtwin.data.appraisal_defaults import load_appraisal_defaults
    from rxtwin.data.econ_defaults import cash_flow_defaults

    terms = econ.bundled_appraisal_terms()
    defaults = load_appraisal_defaults()
    assert terms.depreciation_life_yr == defaults.depreciation_life_yr == 5
    assert terms.depreciation_method == defaults.depreciation_method
    assert terms.macrs_rates_pct == cash_flow_defaults()["macrs_rates_pct"]
    assert terms.itc_basis_reduction_fraction == 1.0  # 26 U.S.C. 50(c)(1): full reduction


def test_infeasible_technologies_are_left_out_only_where_asked(hv):
    over_capacity = with_demand_scale(hv, "line-1", 1.25)  # the batch line cannot make it
    strict = econ.LinePerformances("line-1", REPS, SEED)
    with pytest.raises(InfeasiblePlanError):
        strict(over_capacity, ["batch", "hybrid"])
    lenient = econ.LinePerformances("line-1", REPS, SEED, skip_infeasible=True)
    assert list(lenient(over_capacity, ["batch", "hybrid"])) == ["hybrid"]


def _pickling(task, chunk_args, *, done=None, on_chunk_done=None):
    """A chunk mapper that sends the task and its arguments through pickle, as a process
    pool does, and runs them here."""
    task = pickle.loads(pickle.dumps(task))
    return map_serial(task, [pickle.loads(pickle.dumps(a)) for a in chunk_args], done=done,
                      on_chunk_done=on_chunk_done)


def test_sensitivity_and_subsidies_run_their_samples_through_the_mapper():
    # the samples are tasks of the chunk mapper: what a process pool gets must pickle, and
    # the numbers may not change
    scenario = load_scenario("generic_oral_solid")
    args = dict(n=2, n_replications=10, entropy=SEED)
    serial = econ.npv_sensitivity(scenario, "morris", rng=np.random.default_rng(1), **args)
    pickled = econ.npv_sensitivity(scenario, "morris", rng=np.random.default_rng(1),
                                   map_chunks=_pickling, **args)
    assert pickled.equals(serial)
    table = econ.subsidy_distribution(scenario, n_samples=3, rng=np.random.default_rng(2),
                                      n_replications=10, entropy=SEED, map_chunks=_pickling)
    again = econ.subsidy_distribution(scenario, n_samples=3, rng=np.random.default_rng(2),
                                      n_replications=10, entropy=SEED)
    assert table.equals(again) and len(table) == 3
    assert np.allclose(table["subsidy_pv_usd"], np.maximum(0.0, -table["npv_usd"]))


def test_a_stored_appraisal_keeps_its_line_runs_and_table(tmp_path, hv):
    with Store.open(str(tmp_path / "runs.sqlite")) as store:
        result = econ.run_appraisal_table(
            store, hv, line_id="line-1", baseline_tech_id="batch",
            technology_ids=["hybrid", "continuous"], n_replications=REPS, entropy=SEED,
            subsidies={"itc_fraction": 0.3})
        record = store.get_run(result.run_id)
        stored = store.get_summary(result.run_id, econ.APPRAISAL_TABLE)
        with pytest.raises(ValueError, match="grant"):
            econ.run_appraisal_table(store, hv, line_id="line-1", baseline_tech_id="batch",
                                     technology_ids=["hybrid"], n_replications=REPS,
                                     subsidies={"grant": 0.3})
    assert record.kind == econ.APPRAISE_RUN_KIND and record.seed_entropy == SEED
    assert record.parameters["itc_fraction"] == 0.3
    assert record.parameters["line_runs"] == [r.run_id for r in result.line_runs]
    assert [r.technology_id for r in result.line_runs] == ["batch", "hybrid", "continuous"]
    performances = econ.performances_of_runs(hv, "line-1", result.line_runs)
    assert performances == econ.simulate_performances(
        hv, "line-1", ["batch", "hybrid", "continuous"], n_replications=REPS, entropy=SEED)
    expected = technology.appraisal_table([
        technology.appraise_technology(hv, "line-1", tid, "batch", performances,
                                       econ.bundled_appraisal_terms(), itc_fraction=0.3)
        for tid in ("hybrid", "continuous")])
    assert result.table.equals(expected)
    # stored with infinite paybacks as NaN (JSON), everything else as computed
    finite = expected.replace([math.inf, -math.inf], math.nan)
    assert stored[list(finite.columns)].equals(finite)
