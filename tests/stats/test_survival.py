"""Kaplan-Meier estimate (rxtwin.stats.survival): quantiles, counts, weights, intervals.

The published case (Freireich 6-MP data, Klein and Moeschberger Table 4.1A) is in
tests/validation/test_kaplan_meier_6mp_klein_moeschberger.py.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.stats import survival
from rxtwin.stats.survival import _weighted_product_limit, kaplan_meier, kaplan_meier_from_counts

PROBS = (0.1, 0.25, 0.5, 0.75, 0.9)


def test_docstring_examples():
    assert doctest.testmod(survival).failed == 0


def test_without_censoring_equals_inverted_cdf_quantile():
    # Independent check: with no censoring the product-limit quantile is the empirical
    # quantile of the inverted-CDF definition (Hyndman & Fan 1996, definition 1).
    rng = np.random.default_rng(20240611)
    for size in (1, 2, 5, 17, 100):
        durations = rng.integers(0, 50, size=size)  # integers, so ties occur
        ours = kaplan_meier(durations, np.zeros(size, bool)).quantiles(PROBS)
        expected = np.quantile(durations, PROBS, method="inverted_cdf")
        np.testing.assert_array_equal(ours, expected)


def test_hand_computed_with_censoring():
    # durations 1, 2+, 3, 4 (2 censored): S(1) = 3/4, S(3) = 3/4 * 1/2 = 3/8, S(4) = 0
    # -> F = 0.25 at 1, 0.625 at 3, 1 at 4.
    estimate = kaplan_meier([1, 2, 3, 4], [False, True, False, False])
    np.testing.assert_array_equal(estimate.times, [1, 2, 3, 4])
    np.testing.assert_allclose(estimate.survival, [0.75, 0.75, 0.375, 0.0], rtol=1e-15)
    np.testing.assert_array_equal(estimate.quantiles([0.2, 0.25, 0.3, 0.625, 0.7]),
                                  [1, 1, 3, 3, 4])
    # all censored: nothing is known about any quantile
    assert np.isnan(kaplan_meier([5, 6], [True, True]).quantiles([0.5])).all()
    # censored last: survival stays at 1/2, so p90 is unknown
    np.testing.assert_array_equal(kaplan_meier([1, 2], [False, True]).quantiles([0.5, 0.9]),
                                  [1, np.nan])
    # no data
    assert np.isnan(kaplan_meier([], []).quantiles([0.5])).all()


def test_a_censoring_at_an_event_time_is_at_risk_there():
    # 2, 2+, 5: at t = 2 three are at risk (the censored 2 included), so S(2) = 2/3, not 1/2
    estimate = kaplan_meier([2, 2, 5], [False, True, False])
    np.testing.assert_allclose(estimate.survival, [2 / 3, 0.0], rtol=1e-15)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(1, 30), st.booleans()), min_size=1, max_size=60))
def test_counts_give_the_estimate_of_the_records(records):
    durations = np.array([r[0] for r in records], dtype=float)
    censored = np.array([r[1] for r in records])
    values = np.arange(31, dtype=float)
    events = np.bincount(durations[~censored].astype(int), minlength=31)
    cens = np.bincount(durations[censored].astype(int), minlength=31)
    from_counts = kaplan_meier_from_counts(values, events, cens)
    from_records = kaplan_meier(durations, censored)
    np.testing.assert_array_equal(from_counts.times, from_records.times)
    np.testing.assert_array_equal(from_counts.survival, from_records.survival)
    np.testing.assert_array_equal(from_counts.quantiles(PROBS), from_records.quantiles(PROBS))


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(1, 30), st.booleans(), st.integers(1, 5)),
                min_size=1, max_size=40),
       st.sampled_from([1.0, 1 / 3, 0.07, 2.5]))
def test_fractional_weights_agree_with_scipy_on_scaled_counts(records, scale):
    # The product limit is unchanged when every weight is multiplied by one constant, so the
    # hand-evaluated weighted path on counts x scale must give scipy's estimate of the
    # counts themselves (survival to rounding, quantiles exactly).
    durations = np.array([r[0] for r in records], dtype=float)
    censored = np.array([r[1] for r in records])
    counts = np.array([r[2] for r in records], dtype=float)
    weighted = _weighted_product_limit(durations, censored, counts * scale)
    reference = kaplan_meier(np.repeat(durations, counts.astype(int)),
                             np.repeat(censored, counts.astype(int)))
    np.testing.assert_array_equal(weighted.times, reference.times)
    np.testing.assert_allclose(weighted.survival, reference.survival, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(weighted.quantiles(PROBS), reference.quantiles(PROBS))


def test_fractional_weights_take_the_weighted_path_and_have_no_interval():
    estimate = kaplan_meier([1, 2, 3], [False, False, True], weights=[0.5, 1.0, 1.0])
    # S(1) = 1 - 0.5 / 2.5, S(2) = S(1) (1 - 1 / 2)
    np.testing.assert_allclose(estimate.survival, [0.8, 0.4, 0.4], rtol=1e-15)
    with pytest.raises(ValueError, match="whole-number"):
        estimate.survival_interval()


def test_zero_weights_drop_out():
    with_zero = kaplan_meier([1, 2, 3, 4], [False, False, True, False], weights=[2, 0, 1, 1])
    without = kaplan_meier([1, 1, 3, 4], [False, False, True, False])
    np.testing.assert_array_equal(with_zero.times, without.times)
    np.testing.assert_array_equal(with_zero.survival, without.survival)


def test_linear_interval_is_greenwood():
    # Greenwood: Var S(t) = S(t)^2 sum d / (n (n - d)); 1, 2+, 3, 4, 5
    estimate = kaplan_meier([1, 2, 3, 4, 5], [False, True, False, False, False])
    s = estimate.survival
    terms = np.array([1 / (5 * 4), 0.0, 1 / (3 * 2), 1 / (2 * 1), np.nan])
    se = s * np.sqrt(np.cumsum(terms))
    z = 1.959963984540054
    lower, upper = estimate.survival_interval(0.95, method="linear")
    np.testing.assert_allclose(lower[:4], np.clip(s - z * se, 0, 1)[:4], rtol=1e-12)
    np.testing.assert_allclose(upper[:4], np.clip(s + z * se, 0, 1)[:4], rtol=1e-12)


def test_log_log_interval_stays_inside_and_brackets_the_estimate():
    rng = np.random.default_rng(3)
    durations = rng.exponential(10.0, 200)
    censored = rng.random(200) < 0.3
    estimate = kaplan_meier(durations, censored)
    lower, upper = estimate.survival_interval(0.9)
    ok = np.isfinite(lower) & np.isfinite(upper)
    assert ok.sum() > 100
    assert np.all((lower[ok] > 0) & (upper[ok] < 1))
    assert np.all((lower[ok] <= estimate.survival[ok]) & (estimate.survival[ok] <= upper[ok]))
    wider_lower, wider_upper = estimate.survival_interval(0.99)
    assert np.all(wider_lower[ok] <= lower[ok]) and np.all(wider_upper[ok] >= upper[ok])


@pytest.mark.parametrize(("call", "match"), [
    (lambda: kaplan_meier([1, 2], [False]), "shape"),
    (lambda: kaplan_meier([1, np.nan], [False, False]), "finite"),
    (lambda: kaplan_meier([1, 2], [False, False], weights=[1, -1]), "weights"),
    (lambda: kaplan_meier([1, 2], [False, False], weights=[1]), "weights"),
    (lambda: kaplan_meier([1], [False]).quantiles([1.0]), "strictly"),
    (lambda: kaplan_meier([1], [False]).quantiles([0.0]), "strictly"),
    (lambda: kaplan_meier([1], [False]).survival_interval(1.0), "confidence"),
    (lambda: kaplan_meier([1], [False]).survival_interval(method="log"), "method"),
    (lambda: kaplan_meier_from_counts([1, 2], [1], [0, 0]), "event_counts"),
])
def test_bad_input_is_rejected(call, match):
    with pytest.raises(ValueError, match=match):
        call()
