"""Depreciation schedules: straight line, truncation, padding and input errors."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.econ_defaults import macrs_rates_pct
from rxtwin.econ.depreciation import (
    DepreciationMethod,
    depreciation_schedule_usd,
    macrs_declining_balance_rates,
    macrs_gds_half_year_rates,
    macrs_lives_yr,
    straight_line_rates,
)

TABLE_A1 = macrs_rates_pct()  # the bundled IRS Publication 946 Table A-1


def test_straight_line_hand_worked():
    # 900 USD over 3 years: 300 per year, then nothing.
    schedule = depreciation_schedule_usd(900.0, DepreciationMethod.STRAIGHT_LINE, 3, 5, macrs_rates_pct=TABLE_A1)
    np.testing.assert_allclose(schedule, [300.0, 300.0, 300.0, 0.0, 0.0])


def test_macrs_truncated_by_short_horizon():
    # 5-year MACRS, 1000 USD, 3-year horizon: 200, 320, 192 (20 %, 32 %, 19.2 %); the rest
    # (288 USD) stays on the books and is set against the salvage value.
    schedule = depreciation_schedule_usd(1000.0, "macrs_gds_half_year", 5, 3, macrs_rates_pct=TABLE_A1)
    np.testing.assert_allclose(schedule, [200.0, 320.0, 192.0])


@pytest.mark.parametrize("life_yr", macrs_lives_yr(TABLE_A1))
def test_full_schedules_recover_the_whole_basis(life_yr):
    basis = 123_456.0
    full = depreciation_schedule_usd(basis, "macrs_gds_half_year", life_yr, life_yr + 3, macrs_rates_pct=TABLE_A1)
    assert full.sum() == pytest.approx(basis, rel=1e-12)
    assert np.all(full[life_yr + 1 :] == 0.0)
    assert np.all(full >= 0.0)
    sl = depreciation_schedule_usd(basis, "straight_line", life_yr, life_yr + 3, macrs_rates_pct=TABLE_A1)
    assert sl.sum() == pytest.approx(basis, rel=1e-12)


def test_macrs_accelerates_relative_to_straight_line():
    # Present value of deductions at 10 %/yr: MACRS 7-yr beats 7-yr straight line (its
    # purpose), even though it spreads over 8 tax years.
    factors = 1.1 ** -np.arange(1, 9)
    macrs = depreciation_schedule_usd(1.0, "macrs_gds_half_year", 7, 8, macrs_rates_pct=TABLE_A1)
    straight = depreciation_schedule_usd(1.0, "straight_line", 7, 8, macrs_rates_pct=TABLE_A1)
    assert macrs @ factors > straight @ factors


def test_zero_horizon_and_zero_basis():
    assert depreciation_schedule_usd(1000.0, "straight_line", 3, 0, macrs_rates_pct=TABLE_A1).size == 0
    assert np.all(depreciation_schedule_usd(0.0, "macrs_gds_half_year", 7, 8, macrs_rates_pct=TABLE_A1) == 0.0)


def test_declining_balance_short_lives():
    # L = 1, 150 %: year 1 = 1.5 * 1/2 = 0.75 (DB beats SL 0.5), year 2 the rest 0.25.
    np.testing.assert_allclose(macrs_declining_balance_rates(1, 1.5), [0.75, 0.25])
    # L = 1, 200 %: the half-year DB deduction is the whole basis; nothing is left.
    np.testing.assert_allclose(macrs_declining_balance_rates(1, 2.0), [1.0, 0.0])
    # A factor above 2 never deducts more than what remains.
    np.testing.assert_allclose(macrs_declining_balance_rates(1, 3.0), [1.0, 0.0])


def test_straight_line_rates_sum_to_one():
    assert straight_line_rates(4).tolist() == [0.25] * 4


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: macrs_gds_half_year_rates(6, TABLE_A1), r"life_yr = 6 is not a MACRS GDS recovery period"),
        (
            lambda: depreciation_schedule_usd(1.0, "double_declining", 5, 5, macrs_rates_pct=TABLE_A1),
            "method = 'double_declining' is not a depreciation method",
        ),
        (lambda: depreciation_schedule_usd(-1.0, "straight_line", 5, 5, macrs_rates_pct=TABLE_A1), "basis_usd = -1.0"),
        (lambda: depreciation_schedule_usd(1.0, "straight_line", 5, -1, macrs_rates_pct=TABLE_A1), "horizon_yr = -1"),
        (lambda: straight_line_rates(0), "life_yr = 0 must be a whole number"),
        (lambda: macrs_declining_balance_rates(0, 2.0), "life_yr = 0 must be at least 1"),
        (lambda: macrs_declining_balance_rates(5, 0.0), "declining_balance_factor = 0.0"),
    ],
)
def test_bad_input_names_field_and_rule(call, message):
    with pytest.raises(ValueError, match=message):
        call()
