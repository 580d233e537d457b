"""A simulated line year in money (rxtwin.line.performance): the money balance against the
simulator's own cost totals, by two routes."""

from __future__ import annotations

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.line.from_scenario import line_inputs_from_scenario
from rxtwin.line.performance import line_performance_from_results
from rxtwin.line.simulate import simulate
from rxtwin.model.units import DAYS_PER_YEAR


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


def test_a_one_year_horizon_gives_the_means_and_carrying_is_linear_in_the_rate():
    # with a 365-day horizon the scale factor 365 / horizon_days is 1: the yearly figures
    # are the simulator's means; overhead is already a yearly rate; the carrying cost is
    # rate x mean stock value, so doubling the rate doubles it
    scenario = load_scenario("high_volume_single_product")
    inputs = line_inputs_from_scenario(scenario, "line-1", technology_id="batch")
    assert inputs.horizon_days == DAYS_PER_YEAR
    results = simulate(inputs, 40, entropy=5)
    perf = line_performance_from_results(results, inputs, 0.2)
    assert perf.units_sold == pytest.approx(results.mean("units_sold"), rel=1e-12)
    assert perf.overhead_usd == pytest.approx(inputs.overhead_usd_per_yr, rel=1e-12)
    carrying = line_performance_from_results(results, inputs, 0.4).inventory_carrying_usd
    assert carrying == pytest.approx(2 * perf.inventory_carrying_usd, rel=1e-12)
