"""Uncertainty of a technology switch (rxtwin.uq.technology): which samples re-simulate
which line, and that the samples' outcomes arrive in order whatever runs them.

The performances callback and the outcome are fakes that record what they are asked, so
the tests check the module's own logic; rxtwin.runs.econ binds the real ones
(tests/runs/test_econ.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.compute import chunk_mapper
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.model.performance import LinePerformance
from rxtwin.uq import design
from rxtwin.uq.technology import (
    npv_sensitivity,
    sample_performances,
    subsidy_distribution,
    technologies_touched,
)

TECHS = ("batch", "continuous")


def test_which_uncertain_paths_re_simulate_the_line():
    assert technologies_touched("technologies.continuous.capex_usd") == set()
    assert technologies_touched("technologies.continuous.filing_cost_usd_per_product") == set()
    assert technologies_touched("firm.hurdle_rate") == set()
    assert technologies_touched("horizon_yr") == set()
    assert technologies_touched("technologies.batch.changeover_h.mode") == {"batch"}
    assert technologies_touched("firm.labour_usd_per_fte_yr") is None
    assert technologies_touched("products.p01.demand_units_per_yr") is None


def _perf(revenue_usd: float) -> LinePerformance:
    return LinePerformance(units_good=1.0, waste_units=0.0, units_sold=1.0,
                           revenue_usd=revenue_usd, materials_usd=0.0, labour_usd=0.0,
                           energy_usd=0.0, qc_usd=0.0, cleaning_usd=0.0, overhead_usd=0.0,
                           rejected_value_usd=0.0, inventory_carrying_usd=0.0,
                           inventory_build_usd=0.0, fill_rate=1.0)


class _Simulator:
    """Fake performances_at: revenue = the batch changeover mode of the scenario asked
    about (so a re-simulated technology shows the sampled value); records each call."""

    def __init__(self):
        self.calls = []

    def __call__(self, scenario, technology_ids):
        self.calls.append(tuple(technology_ids))
        mode = scenario.technology("batch").changeover_h.mode
        return {t: _perf(mode) for t in technology_ids}


@pytest.fixture(scope="module")
def generic():
    return load_scenario("generic_oral_solid")


def test_a_sample_re_simulates_only_the_lines_it_changes(generic):
    base = {t: _perf(-1.0) for t in TECHS}
    simulator = _Simulator()
    variant, perf = sample_performances(
        generic, {"technologies.continuous.capex_usd": 4e6, "firm.hurdle_rate": 0.2}, base,
        simulator, TECHS)
    assert simulator.calls == [] and perf == base
    assert variant.technology("continuous").capex_usd == 4e6
    assert variant.firm.hurdle_rate == 0.2
    _, perf = sample_performances(generic, {"technologies.batch.changeover_h.mode": 20.0},
                                  base, simulator, TECHS)
    assert simulator.calls == [("batch",)]
    assert perf == {"batch": _perf(20.0), "continuous": base["continuous"]}
    _, perf = sample_performances(generic, {"firm.labour_usd_per_fte_yr": 1e5}, base,
                                  simulator, TECHS)
    assert simulator.calls[-1] == TECHS  # anything else: every technology, sorted


def _outcome(scenario, performances):
    return {"capex_usd": scenario.technology("continuous").capex_usd,
            "batch_revenue_usd": performances["batch"].revenue_usd}


def test_subsidy_distribution_is_one_row_per_lhs_sample_in_order(generic):
    simulator = _Simulator()
    table = subsidy_distribution(generic, simulator, _outcome, technology_ids=TECHS,
                                 n_samples=8, rng=np.random.default_rng(3))
    samples = design.sample_parameters(generic.uncertain, 8, "lhs", np.random.default_rng(3))
    assert list(table.columns) == [*samples.columns, "capex_usd", "batch_revenue_usd"]
    assert np.array_equal(table[samples.columns].to_numpy(), samples.to_numpy())
    # each row's outcome is its own sample's: the capex and the re-simulated changeover
    assert np.array_equal(table["capex_usd"],
                          samples["technologies.continuous.capex_usd"])
    assert np.array_equal(table["batch_revenue_usd"],
                          samples["technologies.batch.changeover_h.mode"])
    assert simulator.calls[0] == TECHS  # the base scenario, once
    assert simulator.calls[1:] == [("batch",)] * 8
    threads = subsidy_distribution(generic, _Simulator(), _outcome, technology_ids=TECHS,
                                   n_samples=8, rng=np.random.default_rng(3),
                                   map_chunks=chunk_mapper("threads", 2))
    assert threads.equals(table)


def _npv(scenario, performances):
    return (performances["batch"].revenue_usd
            - 1e-6 * scenario.technology("continuous").capex_usd)


@pytest.mark.parametrize("method", ["sobol", "morris", "tornado"])
def test_sensitivity_is_the_same_on_any_mapper(generic, method):
    serial = npv_sensitivity(generic, method, _Simulator(), _npv, technology_ids=TECHS, n=4,
                             rng=np.random.default_rng(5))
    threads = npv_sensitivity(generic, method, _Simulator(), _npv, technology_ids=TECHS, n=4,
                              rng=np.random.default_rng(5),
                              map_chunks=chunk_mapper("threads", 2))
    assert threads.equals(serial)
    # the model reads two inputs: the others have no effect
    effect = {"sobol": "ST", "morris": "mu_star", "tornado": "swing"}[method]
    frame = serial.set_index("parameter") if method == "tornado" else serial
    inert = [p for p in frame.index if p not in ("technologies.batch.changeover_h.mode",
                                                 "technologies.continuous.capex_usd")]
    assert inert and np.allclose(frame.loc[inert, effect], 0.0, atol=1e-9)
    assert frame.loc["technologies.batch.changeover_h.mode", effect] > 0


def test_sensitivity_refuses_an_unknown_method_before_simulating(generic):
    simulator = _Simulator()
    with pytest.raises(UserInputError, match="method = 'guess' is unknown"):
        npv_sensitivity(generic, "guess", simulator, _npv, technology_ids=TECHS,
                        rng=np.random.default_rng(0))
    assert simulator.calls == []
    certain = generic.model_copy(update={"uncertain": []})
    with pytest.raises(UserInputError, match="no 'uncertain' parameters"):
        npv_sensitivity(certain, "tornado", simulator, _npv, technology_ids=TECHS,
                        rng=np.random.default_rng(0))
