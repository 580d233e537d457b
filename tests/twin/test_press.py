"""Tablet press."""

import numpy as np
import pytest

from rxtwin.twin.press import (
    out_of_spec_tablet_fraction,
    sample_tablet_potency_pct,
    tablet_potency_pct,
    tablet_rate_per_s,
)


def test_rate_and_potency():
    assert tablet_rate_per_s(20.0, 250.0) == pytest.approx(20e6 / 3600 / 250)
    assert tablet_potency_pct(0.1, 0.1) == 100.0
    assert tablet_potency_pct(0.1, 0.1, 1.02) == pytest.approx(102.0)


def test_out_of_spec_share_matches_monte_carlo():
    # analytic normal tails vs 400k sampled tablets; binomial 4-SE tolerance
    rng = np.random.default_rng(5)
    n = 400_000
    for mean in (100.0, 96.0, 94.0):
        p = float(out_of_spec_tablet_fraction(mean, 0.015, 95.0, 105.0))
        sample = sample_tablet_potency_pct(mean, 0.015, n, rng)
        observed = np.mean((sample < 95) | (sample > 105))
        assert abs(observed - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-6


def test_zero_weight_spread_is_indicator():
    out = out_of_spec_tablet_fraction(np.array([94.0, 100.0, np.nan]), 0.0, 95.0, 105.0)
    assert out[0] == 1.0 and out[1] == 0.0 and np.isnan(out[2])
