"""RTD models: closed forms, an independent implementation (rtdpy), discrete kernels."""

import numpy as np
import pytest
import rtdpy
from scipy.integrate import quad

from rxtwin.twin.rtd import (
    AxialDispersion,
    MeasuredRtd,
    TanksInSeries,
    axial_dispersion_moments,
    axial_dispersion_peclet_for_variance,
    discrete_rtd_kernel,
    exit_age_moments,
    tanks_in_series_moments,
)

MODELS = [TanksInSeries(90.0, 4.0), TanksInSeries(30.0, 1.0), TanksInSeries(120.0, 2.5),
          AxialDispersion(90.0, 7.66), AxialDispersion(60.0, 30.0), AxialDispersion(45.0, 2.0)]


def _moments_by_quadrature(model):
    """Moments of E(t) by adaptive quadrature, independent of the closed forms."""
    upper = 60 * model.moments().mean_residence_time_s
    e = lambda t: float(model.exit_age_per_s(t))  # noqa: E731
    kw = {"limit": 400, "points": [model.moments().mean_residence_time_s]}
    area = quad(e, 0, upper, **kw)[0]
    mean = quad(lambda t: t * e(t), 0, upper, **kw)[0]
    var = quad(lambda t: (t - mean) ** 2 * e(t), 0, upper, **kw)[0]
    return area, mean, var


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_moments_match_closed_forms(model):
    # closed forms: TIS var = t^2/N; open-open AD var = (L/u)^2 (2/Pe + 8/Pe^2)
    # (Levenspiel 1999, Ch. 13-14); quadrature of E(t) agrees to 1e-7 relative.
    area, mean, var = _moments_by_quadrature(model)
    m = model.moments()
    assert area == pytest.approx(1.0, rel=1e-8)
    assert mean == pytest.approx(m.mean_residence_time_s, rel=1e-7)
    assert var == pytest.approx(m.variance_s2, rel=1e-7)


def test_tanks_in_series_closed_form_values():
    m = tanks_in_series_moments(60.0, 4.0)
    assert m.variance_s2 == 900.0 and m.dimensionless_variance == 0.25


def test_axial_dispersion_closed_form_values():
    # Pe = 10: L/u = t/(1.2); var/(L/u)^2 = 0.2 + 0.08 = 0.28
    m = axial_dispersion_moments(12.0, 10.0)
    assert m.variance_s2 == pytest.approx(100.0 * 0.28, rel=1e-12)


def test_peclet_for_variance_inverts_moments():
    for pe in (0.5, 2.0, 7.66, 50.0, 500.0):
        s = axial_dispersion_moments(1.0, pe).dimensionless_variance
        assert axial_dispersion_peclet_for_variance(s) == pytest.approx(pe, rel=1e-10)
    with pytest.raises(ValueError, match="dimensionless_variance"):
        axial_dispersion_peclet_for_variance(2.5)


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_cumulative_is_integral_of_exit_age(model):
    for t in np.array([0.05, 0.3, 0.8, 1.0, 1.7, 3.5]) * model.moments().mean_residence_time_s:
        integral = quad(lambda x: float(model.exit_age_per_s(x)), 0, t, limit=200)[0]
        assert float(model.cumulative(t)) == pytest.approx(integral, abs=1e-10)


def test_exit_age_matches_rtdpy():
    # second, independent implementation: rtdpy (Merck) Ncstr and AD_oo.
    # AD_oo takes tau = L/u, whose mean is (1 + 2/Pe) tau (rtdpy docstring).
    for n, tau in ((1, 30.0), (4, 90.0), (2.5, 120.0)):
        ref = rtdpy.Ncstr(n=n, tau=tau, dt=0.5, time_end=10 * tau)
        ours = TanksInSeries(tau, n).exit_age_per_s(ref.time)
        assert np.max(np.abs(ours[1:] - ref.exitage[1:])) < 1e-12 * np.max(ref.exitage) + 1e-15
    for pe, mean in ((7.66, 90.0), (30.0, 60.0), (2.0, 45.0)):
        tau = mean / (1 + 2 / pe)
        ref = rtdpy.AD_oo(tau=tau, peclet=pe, dt=0.5, time_end=10 * mean)
        ours = AxialDispersion(mean, pe).exit_age_per_s(ref.time)
        assert np.max(np.abs(ours[1:] - ref.exitage[1:])) < 1e-12 * np.max(ref.exitage)


@pytest.mark.parametrize("model", MODELS, ids=repr)
@pytest.mark.parametrize("step_s", [0.5, 1.0, 7.0])
def test_discrete_kernel_conserves_mass_and_mean(model, step_s):
    k = discrete_rtd_kernel(model, step_s)
    assert np.all(k.weights >= 0)
    assert k.weights.sum() == pytest.approx(1.0, abs=1e-13)
    # exact ZOH kernel: the mean delay equals the model mean (sum_j j h_j dt telescopes to
    # the integral of 1 - F); 1e-9 covers the 1e-13 tail cut and the quadrature.
    m = model.moments()
    assert k.mean_residence_time_s == pytest.approx(m.mean_residence_time_s, rel=1e-9)
    if step_s <= 1.0:
        # variance = sigma^2 + dt^2/6 (input and output each uniform within a step) holds
        # when E(t) is smooth on the scale of a step, so only for the fine steps.
        j = np.arange(k.weights.size) * step_s
        var = np.sum((j - k.mean_residence_time_s) ** 2 * k.weights)
        assert var == pytest.approx(m.variance_s2 + step_s**2 / 6, rel=1e-7)


def test_tis_kernel_matches_closed_form_step_averages():
    # independent route: G(t) = t F(t) - t_bar P(N+1, N t / t_bar) integrates F in closed
    # form, so h_j = (G((j+1)dt) - 2 G(j dt) + G((j-1)dt)) / dt needs no quadrature.
    from scipy.special import gammainc

    mean, n, dt = 90.0, 4.0, 1.0
    model = TanksInSeries(mean, n)
    k = discrete_rtd_kernel(model, dt)

    def g(t):
        t = np.clip(t, 0, None)
        return t * model.cumulative(t) - mean * gammainc(n + 1, n * t / mean)

    j = np.arange(k.weights.size) * dt
    ref = (g(j + dt) - 2 * g(j) + g(j - dt)) / dt
    assert np.max(np.abs(k.weights[:-1] - ref[:-1])) < 1e-12


def test_measured_rtd_reproduces_sampled_model():
    model = TanksInSeries(60.0, 3.0)
    t = np.linspace(0, 600, 3001)
    measured = MeasuredRtd(t, 7.0 * model.exit_age_per_s(t))  # any scale: normalised
    m = measured.moments()
    assert m.mean_residence_time_s == pytest.approx(60.0, rel=1e-4)
    assert m.variance_s2 == pytest.approx(1200.0, rel=1e-3)
    assert exit_age_moments(t, model.exit_age_per_s(t)).mean_residence_time_s == pytest.approx(
        60.0, rel=1e-4)
    k = discrete_rtd_kernel(measured, 1.0)
    assert k.weights.sum() == pytest.approx(1.0, abs=1e-13)
    assert k.mean_residence_time_s == pytest.approx(60.0, rel=1e-3)
    assert float(measured.cumulative(60.0)) == pytest.approx(float(model.cumulative(60.0)),
                                                             abs=1e-4)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="n_tanks=-1"):
        TanksInSeries(10.0, -1)
    with pytest.raises(ValueError, match="peclet=0"):
        AxialDispersion(10.0, 0)
    with pytest.raises(ValueError, match="sample_time_s"):
        MeasuredRtd(np.array([0.0, 2.0, 1.0]), np.array([0.0, 1.0, 0.0]))
