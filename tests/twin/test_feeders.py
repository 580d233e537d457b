"""Loss-in-weight feeders."""

import numpy as np
import pytest

from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.twin.feeders import (
    FeedDisturbance,
    ar1_noise_fraction,
    disturbance_fraction,
    feed_rate_kg_per_h,
    first_order_ramp,
    refill_fraction,
)


def test_ar1_noise_has_stated_sd_and_autocorrelation():
    # stationary OU: SD = cv, lag-k autocorrelation = exp(-k dt / Tc). 200k samples, so the
    # sample SD is within ~1 % and the lag-1 correlation within ~0.01 (3 SE, correlated data)
    x = ar1_noise_fraction(200_000, 1.0, 0.02, 5.0, np.random.default_rng(1))
    assert x.std() == pytest.approx(0.02, rel=0.03)
    r1 = np.corrcoef(x[:-1], x[1:])[0, 1]
    assert r1 == pytest.approx(np.exp(-1 / 5), abs=0.01)
    assert abs(x.mean()) < 3 * 0.02 * np.sqrt((1 + np.exp(-0.2)) / (1 - np.exp(-0.2)) / 200_000)


def test_same_seed_same_noise():
    a = ar1_noise_fraction(100, 1.0, 0.02, 5.0, np.random.default_rng(9))
    b = ar1_noise_fraction(100, 1.0, 0.02, 5.0, np.random.default_rng(9))
    assert np.array_equal(a, b)


def test_refill_windows():
    t = np.arange(0, 3000.0)
    r = refill_fraction(t, 900.0, 30.0, 0.05, phase_s=900.0)
    assert r[:900].sum() == 0
    assert np.count_nonzero(r) == 3 * 30  # refills at 900, 1800, 2700
    assert set(np.unique(r)) == {0.0, 0.05}


def test_ramps():
    t = np.array([0.0, 10.0, 1e6])
    up = first_order_ramp(t, 0.0, np.inf, 10.0)
    assert up == pytest.approx([0.0, 1 - np.exp(-1), 1.0])
    down = first_order_ramp(np.array([100.0, 110.0]), -np.inf, 100.0, 10.0)
    assert down == pytest.approx([1.0, np.exp(-1)])


def test_disturbances_add_and_target_one_feeder():
    t = np.arange(0, 100.0)
    d = [FeedDisturbance("api", 10, 5, -0.3), FeedDisturbance("api", 12, 5, 0.1)]
    f = disturbance_fraction(t, d)
    assert f[10] == -0.3 and f[12] == pytest.approx(-0.2) and f[16] == 0.1 and f[17] == 0
    params = load_twin_defaults()
    quiet = params.feeders[1].model_copy(update={"noise_cv": 0.0})
    flow = feed_rate_kg_per_h(t, quiet, d, np.random.default_rng(0))
    assert np.all(flow == quiet.setpoint_kg_per_h)  # upsets on 'api' do not touch excipients


def test_feed_rate_never_negative():
    params = load_twin_defaults()
    api = params.api_feeder
    t = np.arange(0, 500.0)
    flow = feed_rate_kg_per_h(t, api, [FeedDisturbance("api", 0, 100, -0.99)],
                              np.random.default_rng(0))
    assert flow.min() >= 0


def test_disturbance_validation_names_field():
    with pytest.raises(ValueError, match="duration_s=0"):
        FeedDisturbance("api", 0, 0, 0.1)
    with pytest.raises(ValueError, match="magnitude_fraction=-1.5"):
        FeedDisturbance("api", 0, 1, -1.5)
