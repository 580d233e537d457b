"""Flowsheet wiring: feeders -> blender -> press."""

import numpy as np
import pytest

from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.twin.diversion import disturbance_potency_pct
from rxtwin.twin.feeders import FeedDisturbance
from rxtwin.twin.flowsheet import Flowsheet, summarize
from rxtwin.twin.losses import noise_free


@pytest.fixture(scope="module")
def params():
    return load_twin_defaults()


def test_noise_free_steady_state_is_on_target(params):
    r = Flowsheet.from_parameters(noise_free(params)).simulate(600, np.random.default_rng(0))
    assert np.allclose(r.potency_pct, 100.0, atol=1e-10)
    assert np.allclose(r.total_out_kg_per_h, 20.0, atol=1e-10)


def test_upset_response_equals_funnel_function(params):
    # the flowsheet (noise-free) and diversion.disturbance_potency_pct compute the same
    # response by different wiring; they must agree to rounding
    fs = Flowsheet.from_parameters(noise_free(params))
    r = fs.simulate(1200, np.random.default_rng(0), [FeedDisturbance("api", 300, 60, -0.3)])
    ref = disturbance_potency_pct(fs.kernel, fs.target_api_fraction, 300, 60, -0.3, 1200)
    assert np.max(np.abs(r.potency_pct - ref)) < 1e-9


def test_mass_balance_closes_with_noise_and_upsets(params):
    fs = Flowsheet.from_parameters(params)
    upsets = [FeedDisturbance("api", 1000, 90, -0.4), FeedDisturbance("excipients", 3000, 30, 0.2)]
    for start_empty in (False, True):
        r = fs.simulate(2 * 3600, np.random.default_rng(7), upsets, start_empty=start_empty,
                        feeders_stop_s=6000)
        total, api = r.mass_balance_residual_kg()
        fed = r.total_in_kg_per_h.sum() / 3600
        assert abs(total) < 1e-9 * fed and abs(api) < 1e-9 * fed
        assert summarize(r, params.diversion).mass_balance_relative_error < 1e-12


def test_same_seed_same_result(params):
    fs = Flowsheet.from_parameters(params)
    a = fs.simulate(900, np.random.default_rng(11))
    b = fs.simulate(900, np.random.default_rng(11))
    assert np.array_equal(a.potency_pct, b.potency_pct)
    frame = a.to_frame()
    assert {"time_s", "feed_api_kg_per_h", "potency_pct", "total_holdup_kg"} <= set(frame)


def test_unknown_feeder_in_upset_is_named(params):
    with pytest.raises(ValueError, match="'foo'"):
        Flowsheet.from_parameters(params).simulate(10, np.random.default_rng(0),
                                                   [FeedDisturbance("foo", 0, 1, 0.1)])


def test_summary_counts_out_of_spec(params):
    fs = Flowsheet.from_parameters(noise_free(params))
    r = fs.simulate(1800, np.random.default_rng(0), [FeedDisturbance("api", 300, 120, -0.4)])
    s = summarize(r, params.diversion)
    assert 0 < s.out_of_spec_time_fraction < 0.2
    assert s.min_potency_pct < 95
    assert s.tablets_made == pytest.approx(s.blend_made_kg * 1e6 / 250.0)


def test_flowsheet_runs_on_a_measured_rtd(params):
    # an arbitrary measured E(t) (here a sampled tanks-in-series curve) drives the same
    # flowsheet; its response to an upset matches the model it was sampled from to 1e-3
    from rxtwin.twin.flowsheet import rtd_model_from_parameters
    from rxtwin.twin.rtd import MeasuredRtd

    quiet = noise_free(params)
    model = rtd_model_from_parameters(quiet.blender)
    t = np.linspace(0, 1500, 15001)
    measured = MeasuredRtd(t, model.exit_age_per_s(t))
    upset = [FeedDisturbance("api", 300, 60, -0.3)]
    runs = [Flowsheet(quiet.feeders, rtd, quiet.press, quiet.diversion, 1.0).simulate(
        1200, np.random.default_rng(0), upset) for rtd in (model, measured)]
    assert np.max(np.abs(runs[0].potency_pct - runs[1].potency_pct)) < 1e-3 * 100
    assert abs(runs[1].mass_balance_residual_kg()[0]) < 1e-12
