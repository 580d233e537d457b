"""Cash flows of a technology switch (rxtwin.econ.switch): timeline helpers and hand-worked
tables.

Order: the timeline (install years, ramp-up, blend) against closed forms, the cash-flow
tables against hand-worked vectors, then the money balance of the fixed-cost columns.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.econ.switch import (
    blend_performance,
    install_years,
    ramp_up_fractions,
    technology_switch_cash_flows,
)
from rxtwin.model.performance import LinePerformance


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
