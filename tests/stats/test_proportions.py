"""Wilson score interval (rxtwin.stats.proportions) against a published table and its
closed form."""

from __future__ import annotations

import doctest
import math
from statistics import NormalDist

import pytest

from rxtwin.stats import proportions
from rxtwin.stats.proportions import wilson_interval


def test_docstring_examples():
    assert doctest.testmod(proportions).failed == 0


# Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
# comparison of seven methods. Statistics in Medicine 17(8), 857-872, Table II, method 3
# (score interval without continuity correction), 95 %, printed to four decimals; the
# tolerance is half a unit in the fourth decimal.
NEWCOMBE_1998_TABLE_II = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("events", "trials", "lower", "upper"), NEWCOMBE_1998_TABLE_II)
def test_wilson_matches_newcombe_1998_table_ii(events, trials, lower, upper):
    assert wilson_interval(events, trials) == pytest.approx((lower, upper), abs=5e-5)


@pytest.mark.parametrize(("events", "trials", "confidence"),
                         [(1, 10, 0.95), (9, 10, 0.9), (3, 7, 0.99), (2482, 34033, 0.95),
                          (197, 2644, 0.8)])
def test_wilson_equals_the_closed_form(events, trials, confidence):
    # Brown, Cai and DasGupta (2001), eq. (4), evaluated independently; the two orders of
    # evaluation agree to a few units of 1e-17 on these cases, hence 1e-15.
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p, n = events / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_interval(events, trials, confidence) == pytest.approx(
        (centre - half, centre + half), abs=1e-15)


def test_wilson_ends_are_exact_at_zero_and_all_events():
    assert wilson_interval(0, 12)[0] == 0.0
    assert wilson_interval(12, 12)[1] == 1.0


@pytest.mark.parametrize(("args", "field"), [
    ((1, 0), "trials_count"), ((5, 4), "events_count"), ((-1, 4), "events_count"),
    ((1.5, 4), "whole"), ((1, 4, 1.0), "confidence"), ((1, 4, 0.0), "confidence"),
])
def test_bad_input_is_rejected(args, field):
    with pytest.raises(ValueError, match=field):
        wilson_interval(*args)
