"""RTD fitting: recovery of known parameters, interval coverage, model selection."""

import numpy as np
import pytest

from rxtwin.twin.rtd_fit import RTD_FAMILIES, fit_rtd, select_rtd_model, tracer_response

TRUE_MEAN_S = 90.0
TRUE_SHAPE = {"tanks_in_series": 4.0, "axial_dispersion": 7.66}
TIME_S = np.arange(0.0, 600.0, 3.0)  # 200 samples, 6.7 mean residence times
NOISE = 0.02  # noise SD as a share of the peak signal


def _synthetic(model_name, kind, seed):
    rng = np.random.default_rng(seed)
    model = RTD_FAMILIES[model_name].build(TRUE_MEAN_S, TRUE_SHAPE[model_name])
    clean = tracer_response(model, TIME_S, kind, 100.0 if kind == "pulse" else 1.0)
    return clean + NOISE * clean.max() * rng.standard_normal(TIME_S.size)


@pytest.mark.parametrize("model_name", sorted(RTD_FAMILIES))
@pytest.mark.parametrize("kind", ["pulse", "step"])
def test_fit_recovers_parameters_without_noise(model_name, kind):
    model = RTD_FAMILIES[model_name].build(TRUE_MEAN_S, TRUE_SHAPE[model_name])
    y = tracer_response(model, TIME_S, kind, 3.0)
    fit = fit_rtd(TIME_S, y, kind, model_name)
    assert fit.success
    assert fit.estimates == pytest.approx([TRUE_MEAN_S, TRUE_SHAPE[model_name], 3.0], rel=1e-6)
    assert fit.r_squared == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("model_name", sorted(RTD_FAMILIES))
@pytest.mark.parametrize("kind", ["pulse", "step"])
def test_95pct_intervals_cover_true_values_in_at_least_90_of_100_trials(model_name, kind):
    # the acceptance criterion: the true value lies inside the reported 95 % interval in >= 90
    # of 100 seeded trials, for both the mean residence time and the shape parameter.
    # (Nominal 95; P(Binomial(100, 0.95) < 90) = 0.03, so a correct interval rarely fails.)
    shape_name = RTD_FAMILIES[model_name].shape_name
    cover_mean = cover_shape = 0
    for seed in range(100):
        fit = fit_rtd(TIME_S, _synthetic(model_name, kind, seed), kind, model_name)
        lo, hi = fit.interval("mean_residence_time_s")
        cover_mean += lo <= TRUE_MEAN_S <= hi
        lo, hi = fit.interval(shape_name)
        cover_shape += lo <= TRUE_SHAPE[model_name] <= hi
    assert cover_mean >= 90, cover_mean
    assert cover_shape >= 90, cover_shape


@pytest.mark.parametrize("model_name", sorted(RTD_FAMILIES))
def test_model_selection_picks_generating_model_in_most_trials(model_name):
    # 50 seeded pulse trials per generating model; "most" = at least 80 % (observed ~100 %)
    right = sum(
        select_rtd_model(TIME_S, _synthetic(model_name, "pulse", 1000 + s), "pulse").best.model_name
        == model_name
        for s in range(50)
    )
    assert right >= 40, right


def test_selection_weights_and_goodness_of_fit():
    sel = select_rtd_model(TIME_S, _synthetic("tanks_in_series", "pulse", 1), "pulse")
    assert sel.akaike_weights.sum() == pytest.approx(1.0)
    assert sel.best is min(sel.fits, key=lambda f: f.aicc)
    best = sel.best
    assert best.dof == TIME_S.size - 3
    assert best.rmse == pytest.approx(np.sqrt(best.rss / best.dof))
    # residual SE estimates the noise SD (2 % of peak) within 15 %
    peak = best.signal.max()
    assert best.rmse == pytest.approx(NOISE * peak, rel=0.15)
    assert best.model().moments().mean_residence_time_s == best.parameter("mean_residence_time_s")


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="kind='impulse'"):
        fit_rtd(TIME_S, TIME_S, "impulse", "tanks_in_series")
    with pytest.raises(ValueError, match="model_name='pfr'"):
        fit_rtd(TIME_S, TIME_S, "pulse", "pfr")
    with pytest.raises(ValueError, match="increase"):
        fit_rtd(TIME_S[::-1], TIME_S, "pulse", "tanks_in_series")
