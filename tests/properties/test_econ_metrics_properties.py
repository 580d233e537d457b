"""Property tests of rxtwin.econ.metrics against numpy-financial and independent formulas."""

from __future__ import annotations

import math
from itertools import groupby

import numpy as np
import numpy_financial as npf
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.econ.metrics import (
    IrrFlag,
    _irr_by_bracketing,
    discounted_payback_yr,
    equivalent_annual_value_usd,
    irr,
    levelised_unit_cost_usd_per_unit,
    npv_usd,
    payback_yr,
    profitability_index,
)

SETTINGS = settings(max_examples=80)

# Dollar amounts: zero, or between a micro-dollar and a million in either direction.
amounts = st.one_of(st.just(0.0), st.floats(1e-6, 1e6), st.floats(1e-6, 1e6).map(lambda x: -x))
flows = st.lists(amounts, min_size=1, max_size=15)
rates = st.floats(min_value=-0.5, max_value=1.0, allow_nan=False)
nonneg_rates = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def conventional(draw, max_outlay_years: int = 1):
    """Outlays first (negative, at least one), then inflows (>= 0, at least one >= 1 USD).

    One drawn year gets an inflow of 1 USD to 1 MUSD, so every draw is conventional without
    filtering. Its lower end, like the outlays', keeps the IRR away from -100 %: an inflow
    of a milli-dollar against a 0.5 MUSD outlay has 1 + IRR ~ 2e-9, where no double
    precision IRR makes the NPV vanish to the relative 1e-8 the root test asks for.
    """
    n_out = draw(st.integers(1, max_outlay_years))
    outlays = draw(st.lists(st.floats(1.0, 1e6), min_size=n_out, max_size=n_out))
    inflows = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1e6)), min_size=1, max_size=12))
    inflows[draw(st.integers(0, len(inflows) - 1))] = draw(st.floats(1.0, 1e6))
    return [-x for x in outlays] + inflows


def _explicit_npv(rate: float, values: list[float]) -> float:
    return math.fsum(v / (1.0 + rate) ** t for t, v in enumerate(values))


def _scale(rate: float, values: list[float]) -> float:
    return math.fsum(abs(v) / (1.0 + rate) ** t for t, v in enumerate(values)) + 1e-300


@SETTINGS
@given(rates, flows)
def test_npv_equals_the_explicit_discounted_sum(rate, values):
    assert abs(npv_usd(rate, values) - _explicit_npv(rate, values)) <= 1e-11 * _scale(rate, values)


@SETTINGS
@given(flows)
def test_irr_flag_follows_the_sign_changes(values):
    signs = [k for k, _ in groupby(np.sign(v) for v in values if v != 0)]
    changes = max(len(signs) - 1, 0)
    result = irr(values)
    assert result.sign_changes == changes
    if changes == 0:
        assert result.flag is IrrFlag.NO_SIGN_CHANGE and math.isnan(result.irr)
    elif changes > 1:
        assert result.flag is IrrFlag.MULTIPLE_SIGN_CHANGES and math.isnan(result.irr)
    else:
        assert result.flag is IrrFlag.OK


@SETTINGS
@given(conventional(max_outlay_years=3))
def test_irr_is_a_root_of_npv_and_agrees_with_numpy_financial(values):
    result = irr(values)
    assert result.flag is IrrFlag.OK
    r = result.irr
    assert abs(_explicit_npv(r, values)) <= 1e-8 * _scale(r, values)
    # Second implementation: Brent's method on v = 1/(1+r). The root is unique, so both
    # must agree.
    second = _irr_by_bracketing(np.asarray(values))
    assert math.isclose(second, r, rel_tol=1e-6, abs_tol=1e-9)
    # numpy-financial agrees wherever its own answer is a root (np.roots can be inaccurate
    # for badly scaled flows; irr() then uses the bracketed root).
    try:
        with np.errstate(all="ignore"):
            reference = float(npf.irr(np.asarray(values)))
    except np.linalg.LinAlgError:  # np.roots on overflowing coefficients
        reference = math.nan
    if math.isfinite(reference) and abs(_explicit_npv(reference, values)) <= 1e-10 * _scale(
        reference, values
    ):
        assert math.isclose(reference, r, rel_tol=1e-6, abs_tol=1e-9)


def _brute_force_payback(values: list[float], steps_per_yr: int = 2000) -> float:
    """Smallest grid time from which the linearly interpolated cumulative stays >= 0."""
    cumulative = np.cumsum(values)
    n = len(values) - 1
    if cumulative[-1] < 0:
        return math.inf
    grid = np.linspace(0.0, n, n * steps_per_yr + 1)
    on_grid = np.interp(grid, np.arange(n + 1), cumulative)
    negative = np.flatnonzero(on_grid < 0)
    return 0.0 if negative.size == 0 else float(grid[negative[-1] + 1])


@SETTINGS
@given(flows)
def test_payback_agrees_with_brute_force_grid_search(values):
    expected = _brute_force_payback(values)
    got = payback_yr(values)
    if math.isinf(expected):
        assert math.isinf(got)
    else:
        assert abs(got - expected) <= 1.0 / 2000 + 1e-9


@SETTINGS
@given(nonneg_rates, conventional())
def test_discounted_payback_no_shorter_and_finite_iff_npv_nonnegative(rate, values):
    discounted = discounted_payback_yr(rate, values)
    assert discounted >= payback_yr(values) - 1e-9
    assert math.isfinite(discounted) == (npv_usd(rate, values) >= 0)


@st.composite
def rate_and_flows_with_outlay(draw):
    """A rate and flows whose discounted outlays are at least 1e-5 of the discounted
    total: one drawn year gets an outlay at least that large, so PI is well defined."""
    rate, values = draw(rates), draw(flows)
    year = draw(st.integers(0, len(values) - 1))
    others = _scale(rate, values[:year] + [0.0] + values[year + 1:])
    least = 1e-5 * others * (1.0 + rate) ** year  # the outlay's PV is then >= 1e-5 x others
    values[year] = -max(draw(st.floats(1e-6, 1e6)), least)
    return rate, values


@SETTINGS
@given(rate_and_flows_with_outlay())
def test_profitability_index_identity(rate_values):
    rate, values = rate_values
    present = [v / (1 + rate) ** t for t, v in enumerate(values)]
    outlays = -math.fsum(p for p in present if p < 0)
    pi = profitability_index(rate, values)
    assert math.isclose(pi, 1 + npv_usd(rate, values) / outlays, rel_tol=1e-9, abs_tol=1e-9)


@SETTINGS
@given(rates, st.lists(amounts, min_size=2, max_size=15))
def test_equivalent_annual_value_reproduces_npv(rate, values):
    # EAV paid at the end of years 1..n has the same NPV: sum_t EAV (1+r)^-t = NPV.
    n = len(values) - 1
    annuity = math.fsum((1 + rate) ** -t for t in range(1, n + 1))
    eav = equivalent_annual_value_usd(rate, values)
    assert math.isclose(eav * annuity, npv_usd(rate, values), rel_tol=1e-9, abs_tol=1e-6)
    # numpy-financial's annuity payment, where it is numerically safe (|r| not tiny).
    if rate == 0.0 or abs(rate) > 1e-6:
        reference = -npf.pmt(rate, n, npv_usd(rate, values))
        assert math.isclose(eav, reference, rel_tol=1e-8, abs_tol=1e-6)


@SETTINGS
@given(
    rates,
    st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e5)), min_size=2, max_size=12),
    st.integers(0, 11),
    st.floats(1.0, 1e5, exclude_min=True),
)
def test_levelised_cost_price_gives_zero_npv(rate, pairs, year, output_units):
    costs = np.array([c for c, _ in pairs])
    units = np.array([q for _, q in pairs])
    units[year % len(units)] = output_units  # so that more than one unit is made in all
    price = levelised_unit_cost_usd_per_unit(rate, costs, units)
    revenue = price * units
    assert abs(npv_usd(rate, revenue - costs)) <= 1e-9 * (_scale(rate, list(costs)) + 1.0)


@SETTINGS
@given(nonneg_rates, nonneg_rates, conventional())
def test_higher_hurdle_never_raises_npv_of_a_year0_investment(r1, r2, values):
    # Outlay at year 0 only, inflows after: every term is non-increasing in the rate.
    low, high = min(r1, r2), max(r1, r2)
    assert npv_usd(high, values) <= npv_usd(low, values) + 1e-9 * _scale(low, values)


@SETTINGS
@given(nonneg_rates, nonneg_rates, conventional(max_outlay_years=3))
def test_higher_hurdle_never_raises_npv_of_an_acceptable_conventional_project(r1, r2, values):
    # Outlays over several years, then inflows: NPV(r) (1+r)^k is non-increasing, so NPV is
    # non-increasing wherever NPV >= 0 (i.e. below the IRR). Where NPV < 0 a higher rate can
    # shrink a late outlay's present value (see test_econ_metrics: [0, -100, 0, 1]).
    low, high = min(r1, r2), max(r1, r2)
    # Made acceptable at the higher rate by construction rather than by filtering (most
    # drawn projects are not): raise the last inflow until NPV(high) >= 0, with a margin of
    # 1e-9 of the project's scale so that rounding cannot undo it; the project stays
    # conventional.
    top_up = 1.01 * max(-npv_usd(high, values), 0.0) + 1e-9 * _scale(high, values)
    values = values[:-1] + [values[-1] + top_up * (1.0 + high) ** (len(values) - 1)]
    assert npv_usd(high, values) >= 0
    assert npv_usd(high, values) <= npv_usd(low, values) + 1e-9 * _scale(low, values)
