"""Hand-worked checks of rxtwin.econ.metrics (arithmetic written out in the comments)."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest

from rxtwin.econ.metrics import (
    IrrFlag,
    capital_recovery_factor,
    discount_factors,
    discounted_payback_yr,
    equivalent_annual_value_usd,
    irr,
    levelised_unit_cost_usd_per_unit,
    npv_usd,
    payback_yr,
    profitability_index,
    sign_changes,
)

# The after-tax flows of the hand-worked cash-flow table in test_econ_cashflow.py.
PROJECT = [-1000.0, 383.325, 411.125, 337.025, 393.525]


def test_npv_hand_worked_end_of_year_convention():
    # NPV at 10 %/yr, year 0 undiscounted:
    #   -1000 + 383.325/1.1 + 411.125/1.21 + 337.025/1.331 + 393.525/1.4641
    # = -1000 + 348.4773 + 339.7727 + 253.2119 + 268.7829 = 210.2447 (4 d.p.)
    expected = -1000 + 383.325 / 1.1 + 411.125 / 1.21 + 337.025 / 1.331 + 393.525 / 1.4641
    assert npv_usd(0.10, PROJECT) == pytest.approx(expected, rel=1e-12)
    assert npv_usd(0.10, PROJECT) == pytest.approx(210.2447, abs=5e-5)


def test_npv_at_zero_rate_is_the_sum():
    # -1000 + 383.325 + 411.125 + 337.025 + 393.525 = 525.0
    assert npv_usd(0.0, PROJECT) == pytest.approx(525.0, abs=1e-9)


def test_npv_single_year_is_undiscounted():
    assert npv_usd(0.5, [-42.0]) == -42.0


def test_discount_factors_hand_worked():
    # 1, 1/1.1, 1/1.21
    assert discount_factors(0.10, 3) == pytest.approx([1.0, 1 / 1.1, 1 / 1.21], rel=1e-15)


def test_irr_hand_worked_two_period():
    # -100 + 110/(1+r) = 0  ->  r = 0.10 exactly.
    result = irr([-100.0, 110.0])
    assert result.flag is IrrFlag.OK and result.is_defined
    assert result.irr == pytest.approx(0.10, abs=1e-12)


def test_irr_hand_worked_quadratic():
    # -100 + 60 v + 60 v^2 = 0 with v = 1/(1+r):  v = (-60 + sqrt(3600 + 24000)) / 120
    #   = (-60 + 166.1325) / 120 = 0.884437  ->  r = 1/v - 1 = 0.130662
    v = (-60 + math.sqrt(60**2 + 4 * 60 * 100)) / (2 * 60)
    assert irr([-100.0, 60.0, 60.0]).irr == pytest.approx(1 / v - 1, abs=1e-12)


def test_irr_matches_numpy_financial_documented_example():
    # numpy-financial's irr docstring example, after Gitman, "Principles of Managerial
    # Finance, Brief", 3rd ed., 2003, p. 348: -100, 39, 59, 55, 20 has IRR 0.28095 (5 d.p.).
    assert irr([-100.0, 39.0, 59.0, 55.0, 20.0]).irr == pytest.approx(0.28095, abs=5e-6)


def test_irr_is_the_root_of_npv_for_the_project():
    result = irr(PROJECT)
    assert result.flag is IrrFlag.OK
    assert npv_usd(result.irr, PROJECT) == pytest.approx(0.0, abs=1e-7)
    assert result.irr == pytest.approx(npf.irr(PROJECT), abs=1e-12)


def test_irr_no_sign_change_is_nan_with_reason():
    result = irr([100.0, 10.0, 0.0, 5.0])
    assert math.isnan(result.irr)
    assert result.flag is IrrFlag.NO_SIGN_CHANGE
    assert irr([0.0, 0.0]).flag is IrrFlag.NO_SIGN_CHANGE


def test_irr_multiple_sign_changes_is_nan_with_reason():
    # -100 + 230 v - 132 v^2 = 0 has two roots, v = 1/1.1 and v = 1/1.2: IRR 10 % and 20 %,
    # so no single IRR is reported.
    flows = [-100.0, 230.0, -132.0]
    assert npv_usd(0.10, flows) == pytest.approx(0.0, abs=1e-9)
    assert npv_usd(0.20, flows) == pytest.approx(0.0, abs=1e-9)
    result = irr(flows)
    assert math.isnan(result.irr)
    assert result.flag is IrrFlag.MULTIPLE_SIGN_CHANGES
    assert result.sign_changes == 2


def test_sign_changes_skip_zeros():
    assert sign_changes([-1.0, 0.0, 0.0, 2.0, 0.0, 3.0]) == 1
    assert sign_changes([-1.0, 2.0, 0.0, -3.0]) == 2
    assert sign_changes([0.0, 0.0]) == 0


def test_irr_with_leading_zeros_and_negative_rate():
    # Investment in year 2: the IRR does not depend on the start date.
    assert irr([0.0, 0.0, -100.0, 110.0]).irr == pytest.approx(0.10, abs=1e-12)
    # -100 + 74 / (1+r)^3 = 0  ->  r = 0.74^(1/3) - 1 = -0.095496
    assert irr([-100.0, 0.0, 0.0, 74.0]).irr == pytest.approx(0.74 ** (1 / 3) - 1, abs=1e-12)


def test_payback_with_interpolation_hand_worked():
    # Cumulative: -1000, -616.675, -205.55, +131.475: recovered during year 3;
    # payback = 2 + 205.55 / 337.025 = 2.609896...
    assert payback_yr(PROJECT) == pytest.approx(2 + 205.55 / 337.025, rel=1e-12)


def test_payback_exact_at_year_end_and_immediate():
    # Cumulative -100, -50, 0: recovered exactly at the end of year 2.
    assert payback_yr([-100.0, 50.0, 50.0]) == 2.0
    assert payback_yr([10.0, 5.0]) == 0.0


def test_payback_never_is_infinite():
    assert payback_yr([-100.0, 30.0, 30.0]) == math.inf


def test_payback_waits_for_a_later_dip_to_recover():
    # Cumulative -100, 0, -50 (overhaul), +25: the project has paid back for good only in
    # year 3: payback = 2 + 50 / 75.
    assert payback_yr([-100.0, 100.0, -50.0, 75.0]) == pytest.approx(2 + 50 / 75, rel=1e-12)


def test_discounted_payback_hand_worked():
    # PVs at 10 %: -100, 54.5455, 49.5868; cumulative -100, -45.4545, +4.1322;
    # discounted payback = 1 + 45.4545 / 49.5868 = 1.916667
    expected = 1 + (100 - 60 / 1.1) / (60 / 1.21)
    assert discounted_payback_yr(0.10, [-100.0, 60.0, 60.0]) == pytest.approx(expected, 1e-12)
    assert discounted_payback_yr(0.10, [-100.0, 60.0, 60.0]) == pytest.approx(1.916667, 1e-6)


def test_discounted_payback_longer_than_simple_and_infinite_when_npv_negative():
    assert discounted_payback_yr(0.10, PROJECT) > payback_yr(PROJECT)
    # At 30 %/yr the project's NPV is negative, so it never pays back in present value.
    assert npv_usd(0.30, PROJECT) < 0
    assert discounted_payback_yr(0.30, PROJECT) == math.inf


def test_profitability_index_hand_worked():
    # PV of inflows at 10 %: 60/1.1 + 60/1.21 = 54.5455 + 49.5868 = 104.1322; outlay 100.
    assert profitability_index(0.10, [-100.0, 60.0, 60.0]) == pytest.approx(
        (60 / 1.1 + 60 / 1.21) / 100, rel=1e-12
    )


def test_profitability_index_multi_year_outlays_identity():
    # Outlays -50 (t=0), -55 (t=1) -> PV 50 + 50 = 100; inflow 121 at t=2 -> PV 100: PI = 1.
    assert profitability_index(0.10, [-50.0, -55.0, 121.0]) == pytest.approx(1.0, rel=1e-12)


def test_profitability_index_without_outlays():
    assert profitability_index(0.1, [1.0, 2.0]) == math.inf
    assert math.isnan(profitability_index(0.1, [0.0, 0.0]))


def test_levelised_unit_cost_hand_worked():
    # Costs 1000 at t=0, 100 at t=1 and t=2; units 0, 500, 500; at 10 %:
    # PV costs = 1000 + 90.9091 + 82.6446 = 1173.5537
    # PV units = 454.5455 + 413.2231 = 867.7686;  LUC = 1.352381 USD/unit
    value = levelised_unit_cost_usd_per_unit(0.10, [1000.0, 100.0, 100.0], [0.0, 500.0, 500.0])
    expected = (1000 + 100 / 1.1 + 100 / 1.21) / (500 / 1.1 + 500 / 1.21)
    assert value == pytest.approx(expected, rel=1e-12)
    assert value == pytest.approx(1.352381, abs=5e-7)


def test_levelised_cost_price_recovers_costs():
    # Charging the levelised cost on every unit gives zero NPV: the defining property.
    costs = np.array([1000.0, 100.0, 120.0, 80.0])
    units = np.array([0.0, 400.0, 500.0, 450.0])
    price = levelised_unit_cost_usd_per_unit(0.08, costs, units)
    assert npv_usd(0.08, price * units - costs) == pytest.approx(0.0, abs=1e-9)


def test_levelised_cost_rejects_bad_inputs():
    with pytest.raises(ValueError, match="costs_usd has 2 years but units has 3"):
        levelised_unit_cost_usd_per_unit(0.1, [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="present value of units"):
        levelised_unit_cost_usd_per_unit(0.1, [1.0, 2.0], [0.0, 0.0])


def test_equivalent_annual_value_hand_worked():
    # NPV(10 %) of -100, 60, 60 = 4.1322; CRF(10 %, 2) = 0.1 * 1.21 / 0.21 = 0.576190;
    # EAV = 4.1322 * 0.576190 = 2.380952 (= 60 - 100 * 0.576190 exactly: 2.380952).
    assert equivalent_annual_value_usd(0.10, [-100.0, 60.0, 60.0]) == pytest.approx(
        60 - 100 * 0.1 * 1.21 / 0.21, rel=1e-12
    )


def test_capital_recovery_factor_closed_form_and_zero_rate():
    assert capital_recovery_factor(0.10, 2) == pytest.approx(0.1 * 1.21 / 0.21, rel=1e-15)
    assert capital_recovery_factor(0.0, 4) == 0.25
    # The CRF is the inverse of the annuity factor computed with numpy-financial.
    assert capital_recovery_factor(0.07, 12) == pytest.approx(-npf.pmt(0.07, 12, 1.0), rel=1e-13)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: npv_usd(-1.0, [1.0]), "rate = -1.0 must be finite and greater than -1"),
        (lambda: npv_usd(0.1, []), "cash_flows_usd must be a non-empty 1-D sequence"),
        (lambda: npv_usd(0.1, [1.0, math.nan]), r"cash_flows_usd\[1\] = nan is not finite"),
        (lambda: payback_yr([[1.0]]), "cash_flows_usd must be a non-empty 1-D"),
        (lambda: equivalent_annual_value_usd(0.1, [1.0]), "at least 2 years"),
        (lambda: capital_recovery_factor(0.1, 0), "n_years = 0 must be at least 1"),
    ],
)
def test_bad_input_names_field_and_rule(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_irr_survives_numpy_financial_inaccuracy_on_badly_scaled_flows():
    # Found by the property tests: numpy_financial.irr returns 0.0 for -1, 1, 1, 1, 2e-52
    # (np.roots on a polynomial whose leading coefficient is 2e-52). The true IRR solves
    # -1 + v + v^2 + v^3 = 0 (the last term is negligible): v = 0.543689 -> r = 0.839287.
    flows = [-1.0, 1.0, 1.0, 1.0, 2e-52]
    v = np.real([z for z in np.roots([1.0, 1.0, 1.0, -1.0]) if abs(z.imag) < 1e-12][0])
    result = irr(flows)
    assert result.flag is IrrFlag.OK
    assert result.irr == pytest.approx(1 / v - 1, rel=1e-12)
    # An IRR close to -100 %: -1 + 7e-91 / (1 + r) = 0  ->  r = 7e-91 - 1.
    assert irr([-1.0, 7e-91]).irr == pytest.approx(-1.0, abs=1e-12)


def test_npv_of_late_outlay_can_rise_with_the_rate():
    # Why "higher hurdle never raises NPV" needs care: 0, -100, 0, +1 (outlay in year 1)
    # has NPV -99 at 0 % but -100/2 + 1/8 = -49.875 at 100 %: discounting shrinks the late
    # outlay more than the later inflow. The property tests state the exact conditions.
    assert npv_usd(0.0, [0.0, -100.0, 0.0, 1.0]) == pytest.approx(-99.0)
    assert npv_usd(1.0, [0.0, -100.0, 0.0, 1.0]) == pytest.approx(-49.875)
