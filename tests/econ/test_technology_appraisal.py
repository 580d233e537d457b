"""Technology appraisal: line simulator -> LinePerformance -> switch cash flows -> verdict.

Order: build (performance from a simulation), compare with closed forms and hand-worked
cash flows, then the money balance.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from rxtwin.appraisal import (
    appraisal_table,
    appraise_technology,
    required_subsidy,
    simulate_performances,
)
from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.metrics import npv_usd
from rxtwin.econ.switch import (
    blend_performance,
    install_years,
    ramp_up_fractions,
    technology_switch_cash_flows,
)
from rxtwin.line.from_scenario import line_inputs_from_scenario
from rxtwin.line.performance import line_performance_from_results
from rxtwin.line.simulate import simulate
from rxtwin.model.performance import LinePerformance

REPS = 100
SEED = 7


@pytest.fixture(scope="module")
def hv():
    return load_scenario("high_volume_single_product")


@pytest.fixture(scope="module")
def hv_perf(hv):
    return simulate_performances(hv, "line-1", [t.id for t in hv.technologies],
                                 n_replications=REPS, entropy=SEED)


def _perf(**changes) -> LinePerformance:
    base = LinePerformance(units_good=1e6, waste_units=1e4, units_sold=1e6, revenue_usd=1e6,
                           materials_usd=4e5, labour_usd=2e5, energy_usd=1e4, qc_usd=5e4,
                           cleaning_usd=1e4, overhead_usd=1e5, rejected_value_usd=4e3,
                           inventory_carrying_usd=2e4, inventory_build_usd=0.0,
                           fill_rate=0.95, oee=0.6)
    return replace(base, **changes)


# ------------------------------------------------------------------ timeline helpers

def test_install_years_rounds_up_to_whole_years():
    assert [install_years(m) for m in (0, 1, 12, 12.5, 24, 36)] == [0, 1, 1, 2, 2, 3]


@pytest.mark.parametrize("ramp_months", [0.0, 3.0, 12.0, 18.0, 30.0])
def test_ramp_up_loses_half_the_ramp_in_output(ramp_months):
    # closed form: a linear ramp over R months loses R/2 months of full output in total
    n = 5
    phi = ramp_up_fractions(ramp_months, n)
    assert phi.sum() == pytest.approx(n - ramp_months / 24.0, rel=1e-12)
    assert np.all(np.diff(phi) >= 0) and phi[-1] == 1.0


def test_blend_is_the_output_weighted_mix():
    a, b = _perf(labour_usd=100.0), _perf(labour_usd=300.0)
    assert blend_performance(a, b, 0.25).labour_usd == pytest.approx(250.0)
    with pytest.raises(ValueError, match="fraction"):
        blend_performance(a, b, 1.5)


# ------------------------------------------------------------------ hand-worked cash flows

def _switch(new, old, **kw):
    args = dict(horizon_yr=4, install_time_months=0.0, ramp_up_months=0.0, capex_usd=1000.0,
                training_usd=0.0, filing_cost_usd_per_product=0.0, products_moved=0,
                tax_rate=0.0, depreciation_method="straight_line", depreciation_life_yr=4,
                **cash_flow_defaults())
    args.update(kw)
    return technology_switch_cash_flows(new, old, **args)


def test_labour_saving_without_tax_is_capex_then_saving():
    # hand-worked: capex 1000 at t=0, labour 300 lower every year -> [-1000, 300, 300, ...]
    flows = _switch(_perf(labour_usd=2e5 - 300.0), _perf())
    assert flows.incremental["net_cash_flow_usd"].tolist() == pytest.approx(
        [-1000.0, 300.0, 300.0, 300.0, 300.0])


def test_tax_and_depreciation_shield():
    # hand-worked: after tax the saving is (1 - tau) S plus the shield tau * D_t,
    # straight line D_t = 1000 / 4
    tau = 0.21
    flows = _switch(_perf(labour_usd=2e5 - 300.0), _perf(), tax_rate=tau)
    expected = [-1000.0] + [(1 - tau) * 300.0 + tau * 250.0] * 4
    assert flows.incremental["net_cash_flow_usd"].tolist() == pytest.approx(expected)


def test_install_ramp_training_and_filings():
    # 18 months -> 2 install years: capex 500 at t=0 and t=1; training + 3 filings of 10 in
    # year 2; ramp 12 months -> the new line makes half its output in year 3
    flows = _switch(_perf(labour_usd=2e5 - 300.0), _perf(), horizon_yr=5,
                    install_time_months=18.0, ramp_up_months=12.0, training_usd=40.0,
                    filing_cost_usd_per_product=10.0, products_moved=3)
    assert flows.install_yr == 2
    assert flows.incremental["net_cash_flow_usd"].tolist() == pytest.approx(
        [-500.0, -500.0, -70.0, 150.0, 300.0, 300.0])


def test_fixed_cost_columns_add_up_to_the_net_flow():
    flows = _switch(_perf(cleaning_usd=5e3, overhead_usd=2e5), _perf(), tax_rate=0.21)
    for table in (flows.option, flows.baseline, flows.incremental):
        lines = [c for c in table.columns if c.endswith("_usd") and c not in (
            "net_cash_flow_usd", "depreciation_deduction_usd", "taxable_income_usd",
            "book_value_usd")]
        assert np.allclose(table[lines].sum(axis=1), table["net_cash_flow_usd"], atol=1e-6)
    assert flows.incremental["overhead_usd"].iloc[1] == pytest.approx(-1e5)
    assert flows.incremental["cleaning_usd"].iloc[1] == pytest.approx(5e3)


# ------------------------------------------------------------------ with the simulator

def test_same_technology_appraises_to_zero(hv, hv_perf):
    # option = baseline: no capex, same simulated year (common random numbers) -> NPV 0
    result = appraise_technology(hv, "line-1", "batch", "batch", performances=hv_perf)
    assert result.npv_usd == 0.0
    assert np.all(result.incremental["net_cash_flow_usd"].to_numpy() == 0.0)


def test_npv_is_the_npv_of_the_incremental_flows(hv, hv_perf):
    result = appraise_technology(hv, "line-1", "hybrid", performances=hv_perf)
    flows = result.incremental["net_cash_flow_usd"].to_numpy()
    assert result.npv_usd == pytest.approx(npv_usd(hv.firm.hurdle_rate, flows), rel=1e-12)
    option_minus_baseline = (result.cash_flows.option["net_cash_flow_usd"]
                             - result.cash_flows.baseline["net_cash_flow_usd"]).to_numpy()
    assert np.allclose(flows, option_minus_baseline)
    assert result.appraisal.meets_hurdle == (result.npv_usd >= 0)
    table = appraisal_table([result])
    assert table.loc[0, "npv_usd"] == result.npv_usd


def test_simulating_inside_equals_passing_performances(hv, hv_perf):
    inside = appraise_technology(hv, "line-1", "hybrid", n_replications=REPS, entropy=SEED)
    assert inside.npv_usd == pytest.approx(
        appraise_technology(hv, "line-1", "hybrid", performances=hv_perf).npv_usd, rel=1e-12)


@pytest.mark.parametrize("kind", ["capex_grant_fraction", "itc_fraction"])
def test_required_subsidy_brings_npv_to_zero(hv, hv_perf, kind):
    base = appraise_technology(hv, "line-1", "hybrid", performances=hv_perf)
    assert base.npv_usd < 0  # at these settings; the test needs a project that fails
    share = required_subsidy(base, hv, "line-1", kind)
    assert 0 < share < 1
    again = appraise_technology(hv, "line-1", "hybrid", performances=hv_perf, **{kind: share})
    assert abs(again.npv_usd) < 1.0


def test_unreachable_subsidy_is_inf(hv, hv_perf):
    worse = {"batch": hv_perf["batch"],
             "modular": replace(hv_perf["modular"],
                                labour_usd=hv_perf["modular"].labour_usd + 5e6)}
    base = appraise_technology(hv, "line-1", "modular", performances=worse)
    assert math.isinf(required_subsidy(base, hv, "line-1"))


# ------------------------------------------------------------------ money balance

@pytest.mark.parametrize("tech", ["batch", "continuous"])
@pytest.mark.parametrize("name", ["generic_oral_solid", "high_volume_single_product"])
def test_performance_costs_add_up_to_the_simulators_total(name, tech):
    scenario = load_scenario(name)
    inputs = line_inputs_from_scenario(scenario, "line-1", technology_id=tech)
    results = simulate(inputs, 50, entropy=3, keep_replications=True)
    perf = line_performance_from_results(results, inputs,
                                         scenario.firm.inventory_carrying_rate_per_yr)
    # the six parts are the simulator's cost rule applied to means: exact up to rounding
    assert perf.production_cost_usd == pytest.approx(results.mean("cost_total_usd"), rel=1e-9)
    # second route: per-replication USD/unit x good units, averaged
    frame = results.replications_frame()
    line = frame[frame["product"].isna()].pivot(index="replication", columns="statistic",
                                                values="value")
    good = line["units_good"]
    assert perf.materials_usd == pytest.approx(
        (line["cost_materials_usd_per_unit"] * good).mean(), rel=1e-9)
    assert perf.labour_usd == pytest.approx(
        (line["cost_labour_usd_per_unit"] * good).mean(), rel=1e-9)
    assert perf.cleaning_usd + perf.overhead_usd == pytest.approx(
        (line["cost_overhead_usd_per_unit"] * good).mean(), rel=1e-9)
    assert perf.revenue_usd == pytest.approx(results.mean("revenue_usd"), rel=1e-12)
    # wasted material and stock build are parts of materials, not extra money
    assert 0 <= perf.rejected_value_usd <= perf.materials_usd
    assert perf.rejected_value_usd + perf.inventory_build_usd <= perf.materials_usd


def test_line_performance_doctests():
    import doctest

    import rxtwin.econ.switch as module

    failures, tried = doctest.testmod(module)
    assert tried > 0 and failures == 0


def test_which_uncertain_paths_re_simulate_the_line():
    from rxtwin.appraisal import _touches_line

    assert _touches_line("technologies.continuous.capex_usd") == set()
    assert _touches_line("technologies.continuous.filing_cost_usd_per_product") == set()
    assert _touches_line("firm.hurdle_rate") == set()
    assert _touches_line("horizon_yr") == set()
    assert _touches_line("technologies.batch.changeover_h.mode") == {"batch"}
    assert _touches_line("firm.labour_usd_per_fte_yr") is None
    assert _touches_line("products.p01.demand_units_per_yr") is None
