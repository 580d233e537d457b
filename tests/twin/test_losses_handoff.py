"""Start-up / shut-down losses and the hand-off to the economics."""

import numpy as np
import pytest

from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.model.twin import DisturbanceParameters
from rxtwin.twin.diversion import out_of_spec_mask, pad_mask
from rxtwin.twin.feeders import FeedDisturbance
from rxtwin.twin.flowsheet import Flowsheet
from rxtwin.twin.handoff import continuous_loss_parameters, expected_diverted_fraction
from rxtwin.twin.losses import campaign_losses, noise_free


@pytest.fixture(scope="module")
def params():
    return load_twin_defaults()


def test_campaign_losses_positive_and_bounded(params):
    losses = campaign_losses(params)
    assert losses.startup_loss_kg > 0 and losses.shutdown_loss_kg > 0
    # start-up cannot lose more than what was made before the line settled
    assert losses.startup_loss_kg <= params.throughput_kg_per_h * losses.startup_duration_s / 3600 + 1
    assert 0 < losses.shutdown_duration_s < 600


def test_equal_feeder_ramps_keep_potency_on_target(params):
    # if all feeders ramp alike, the blend is always on target; only the press minimum flow
    # and the settling tablets cause start-up losses
    same = params.model_copy(update={"feeders": tuple(
        f.model_copy(update={"ramp_time_constant_s": 15.0}) for f in params.feeders)})
    r = Flowsheet.from_parameters(noise_free(same)).simulate(600, np.random.default_rng(0),
                                                              start_empty=True)
    ok = np.isfinite(r.potency_pct)
    assert np.allclose(r.potency_pct[ok], 100.0, atol=1e-8)
    assert campaign_losses(same).startup_loss_kg < campaign_losses(params).startup_loss_kg


def test_poisson_coverage_formula_matches_long_simulation(params):
    # Monte Carlo check of f = 1 - exp(-lambda w) (Hall 1988): 1000 h (step 2 s) of the
    # noise-free line with Poisson upsets at 0.5/h; diverted share = true out-of-spec steps
    # padded by the margin. Tolerance: 4 SE of a Poisson count of ~500 upsets (~18 %
    # of f) - coverage depends on the number of upsets, which is Poisson.
    rate_per_h = 0.5
    p = noise_free(params).model_copy(update={"simulation": params.simulation.model_copy(
        update={"step_s": 2.0})})
    fs = Flowsheet.from_parameters(p)
    rng = np.random.default_rng(42)
    hours = 1000.0
    n = rng.poisson(rate_per_h * hours)
    starts = np.sort(rng.uniform(0, hours * 3600 - 3600, n))
    d = p.disturbance
    upsets = [FeedDisturbance("api", s, d.duration_s, d.magnitude_fraction) for s in starts]
    r = fs.simulate(hours * 3600, rng, upsets)
    lim = p.diversion
    divert = pad_mask(out_of_spec_mask(r.potency_pct, lim.lower_pct, lim.upper_pct),
                      int(round(lim.pad_s / fs.step_s)))
    observed = divert.mean()
    expected = continuous_loss_parameters(p, rate_per_h, 72.0).diverted_fraction
    assert observed == pytest.approx(expected, rel=4 / np.sqrt(rate_per_h * hours))


def test_handoff_fields_are_consistent(params):
    out = continuous_loss_parameters(params, 0.25, 72.0)
    losses = campaign_losses(params)
    assert out.startup_loss_kg == losses.startup_loss_kg
    assert out.startup_loss_h == pytest.approx(losses.startup_loss_kg / 20.0)
    assert out.campaign_loss_fraction == pytest.approx(losses.total_kg / (20.0 * 72.0))
    assert out.diverted_fraction == pytest.approx(
        expected_diverted_fraction(0.25, out.diverted_time_per_upset_s))
    assert continuous_loss_parameters(params, 0.0, 72.0).diverted_fraction == 0.0
    # a bigger upset diverts more
    bigger = params.model_copy(update={"disturbance": DisturbanceParameters(
        magnitude_fraction=-0.6, duration_s=120, rate_per_h=0.25)})
    assert continuous_loss_parameters(bigger, 0.25, 72).diverted_fraction > out.diverted_fraction


def test_expected_fraction_limits():
    assert expected_diverted_fraction(0.0, 100.0) == 0.0
    assert expected_diverted_fraction(1e6, 100.0) == pytest.approx(1.0)
    # small lambda w: f ~ lambda w
    assert expected_diverted_fraction(0.01, 36.0) == pytest.approx(1e-4, rel=1e-4)
    with pytest.raises(ValueError, match="rate_per_h=-1"):
        expected_diverted_fraction(-1, 1)
    with pytest.raises(ValueError, match="campaign_length_h=0"):
        continuous_loss_parameters(load_twin_defaults(), 0.1, 0)
