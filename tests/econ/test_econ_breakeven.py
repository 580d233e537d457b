"""Break-even solver, 2-D map and required subsidy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.econ.breakeven import (
    BreakevenBracketError,
    Subsidy,
    breakeven_map,
    required_subsidy_fraction,
    solve_breakeven,
)
from rxtwin.econ.cashflow import CashFlowInputs, net_cash_flows_usd
from rxtwin.econ.metrics import irr, npv_usd


def project(**changes) -> CashFlowInputs:
    """A CM-like line that does not pay at 15 %/yr unassisted (numbers illustrative)."""
    base = dict(
        horizon_yr=10,
        install_yr=1,
        capex_usd_by_yr=(3_000_000.0, 2_000_000.0),
        ramp_up_fraction=(0.5,),
        training_usd=200_000.0,
        revenue_usd_per_yr=2_000_000.0,
        materials_usd_per_yr=600_000.0,
        labour_usd_per_yr=300_000.0,
        tax_rate=0.21,
        depreciation_method="macrs_gds_half_year",
        depreciation_life_yr=7,
        salvage_value_usd=250_000.0,
        **cash_flow_defaults(),
    )
    base.update(changes)
    return CashFlowInputs(**base)


def test_solver_hand_worked_roots():
    # x^2 = 2 on [0, 3] -> sqrt(2); the IRR of -100, 110 as an NPV root -> 0.10.
    assert solve_breakeven(lambda x: x * x, 0.0, 3.0, target=2.0) == pytest.approx(
        math.sqrt(2), abs=1e-11
    )
    assert solve_breakeven(lambda r: npv_usd(r, [-100.0, 110.0]), 0.0, 1.0) == pytest.approx(
        0.10, abs=1e-11
    )


def test_solver_returns_an_endpoint_that_is_the_root():
    assert solve_breakeven(lambda x: x - 1.0, 1.0, 2.0) == 1.0
    assert solve_breakeven(lambda x: x - 2.0, 1.0, 2.0) == 2.0


def test_solver_bracket_error_reports_both_ends():
    with pytest.raises(BreakevenBracketError) as info:
        solve_breakeven(lambda x: x * x + 1.0, -1.0, 2.0)
    message = str(info.value)
    assert "no break-even in [-1, 2]" in message
    assert "f(lo=-1) = 2" in message and "f(hi=2) = 5" in message
    assert "above the target at both ends" in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("f", "lo", "hi", "message"),
    [
        (lambda x: x, 1.0, 1.0, "must be finite with lo < hi"),
        (lambda x: math.nan, 0.0, 1.0, "f is not finite at the bracket ends"),
    ],
)
def test_solver_rejects_bad_brackets(f, lo, hi, message):
    with pytest.raises(BreakevenBracketError, match=message):
        solve_breakeven(f, lo, hi)


def test_breakeven_map_is_tidy_and_complete():
    table = breakeven_map(
        lambda x, y: x - y, [1.0, 2.0, 3.0], [0.5, 2.5], x_name="a_usd", y_name="b_usd",
        value_name="margin_usd",
    )  # fmt: skip
    assert list(table.columns) == ["a_usd", "b_usd", "margin_usd", "meets_target"]
    assert len(table) == 6
    assert table["a_usd"].tolist() == [1, 1, 2, 2, 3, 3]
    assert table["b_usd"].tolist() == [0.5, 2.5] * 3
    np.testing.assert_allclose(table["margin_usd"], table["a_usd"] - table["b_usd"])
    assert table["meets_target"].tolist() == [True, False, True, False, True, True]


def test_breakeven_map_rejects_clashing_names_and_empty_grids():
    with pytest.raises(ValueError, match="must be distinct"):
        breakeven_map(lambda x, y: x, [1.0], [1.0], x_name="v", y_name="v")
    with pytest.raises(ValueError, match="xs has 0"):
        breakeven_map(lambda x, y: x, [], [1.0])


@pytest.mark.parametrize("subsidy", list(Subsidy))
def test_required_subsidy_brings_npv_to_zero(subsidy):
    inputs = project()
    rate = 0.15
    assert npv_usd(rate, net_cash_flows_usd(inputs)) < 0
    share = required_subsidy_fraction(inputs, rate, subsidy)
    assert 0.0 < share < 1.0
    assisted = inputs.model_copy(update={subsidy.value: share})
    assert npv_usd(rate, net_cash_flows_usd(assisted)) == pytest.approx(0.0, abs=1e-3)
    # At the break-even share the IRR equals the hurdle rate.
    assert irr(net_cash_flows_usd(assisted)).irr == pytest.approx(rate, abs=1e-8)


def test_grant_needed_is_smaller_than_itc_needed():
    # A grant arrives with the capex (years 0-1), the credit only when the line is placed in
    # service (year 2), and the credit is a share of the capex net of any grant: so a smaller
    # grant share than credit share reaches NPV = 0.
    inputs = project()
    grant = required_subsidy_fraction(inputs, 0.15, "capex_grant_fraction")
    credit = required_subsidy_fraction(inputs, 0.15, "itc_fraction")
    assert grant < credit


def test_required_subsidy_zero_when_already_profitable_and_error_when_impossible():
    assert required_subsidy_fraction(project(revenue_usd_per_yr=5_000_000.0), 0.15) == 0.0
    with pytest.raises(BreakevenBracketError, match="cannot make the project break even"):
        required_subsidy_fraction(project(revenue_usd_per_yr=500_000.0), 0.15, "itc_fraction")
    with pytest.raises(ValueError, match="subsidy = 'loan' is unknown"):
        required_subsidy_fraction(project(), 0.15, "loan")
    with pytest.raises(ValueError, match="max_fraction = 1.5"):
        required_subsidy_fraction(project(), 0.15, max_fraction=1.5)
