"""Blender as an RTD unit: build, solve, compare with a state-space model, then mass balance."""

import numpy as np
import pytest

from rxtwin.twin.blender import (
    blend,
    rtd_holdup,
    rtd_outflow,
    steady_state_holdup,
    tanks_in_series_state_space_outflow,
)
from rxtwin.twin.rtd import AxialDispersion, MeasuredRtd, TanksInSeries, discrete_rtd_kernel


@pytest.fixture(scope="module")
def tis_kernel():
    return discrete_rtd_kernel(TanksInSeries(90.0, 4.0), 1.0)


def test_outflow_matches_exact_state_space_cascade(tis_kernel):
    # independent implementation: 4 stirred tanks, matrix-exponential ZOH discretisation.
    # Both are exact for step-wise constant feed, so they agree to rounding (1e-10 kg/s).
    rng = np.random.default_rng(3)
    inflow = np.clip(5.0 + rng.normal(0, 1, 2000), 0, None)
    inflow[700:760] = 0.0
    ours = rtd_outflow(tis_kernel, inflow)
    ref = tanks_in_series_state_space_outflow(inflow, 1.0, 90.0, 4)
    assert np.max(np.abs(ours - ref)) < 1e-10


def test_state_space_rejects_fractional_tanks():
    with pytest.raises(ValueError, match="n_tanks=2.5"):
        tanks_in_series_state_space_outflow(np.ones(3), 1.0, 10.0, 2.5)


@pytest.mark.parametrize("model", [TanksInSeries(90.0, 4.0), AxialDispersion(90.0, 7.66),
                                   AxialDispersion(60.0, 1.5), TanksInSeries(20.0, 1.0)],
                         ids=repr)
def test_step_through_blender_conserves_mass_to_1e_9(model):
    # a step of feed for 30 min, then nothing until the blender has emptied:
    # everything fed comes out (relative error < 1e-9: the kernel conserves mass exactly,
    # so only floating-point rounding over a few thousand steps remains).
    k = discrete_rtd_kernel(model, 1.0)
    inflow = np.zeros(1800 + k.weights.size + 10)
    inflow[:1800] = 20.0 / 3600.0  # kg/s
    out = rtd_outflow(k, inflow)
    assert abs(out.sum() - inflow.sum()) / inflow.sum() < 1e-9
    # and at every step: fed = delivered + hold-up (hold-up computed independently)
    held = rtd_holdup(k, inflow, 1.0)
    assert np.max(np.abs(np.cumsum(inflow - out) - held)) < 1e-9 * inflow.sum()


def test_measured_rtd_step_conserves_mass():
    t = np.linspace(0, 400, 401)
    e = np.interp(t, [0, 20, 60, 200, 400], [0, 1, 0.6, 0.05, 0])
    k = discrete_rtd_kernel(MeasuredRtd(t, e), 1.0)
    inflow = np.r_[np.ones(300), np.zeros(k.weights.size + 5)]
    assert abs(rtd_outflow(k, inflow).sum() - 300.0) / 300.0 < 1e-9


def test_full_start_is_steady_state(tis_kernel):
    # started full at the nominal rate with the same rate fed, nothing changes
    q = 20.0 / 3600
    out = rtd_outflow(tis_kernel, np.full(500, q), history_rate=q)
    assert np.max(np.abs(out - q)) < 1e-15
    held = rtd_holdup(tis_kernel, np.full(500, q), 1.0, history_rate=q)
    # Little's law: hold-up = rate x mean residence time
    assert np.allclose(held, q * 90.0, rtol=1e-10)
    assert steady_state_holdup(tis_kernel, q, 1.0) == pytest.approx(q * 90.0, rel=1e-10)


def test_blend_concentration_and_balances(tis_kernel):
    n = 3000
    api = np.full(n, 2.0)
    api[1000:1060] = 1.4
    total = np.full(n, 18.0) + api
    out = blend(tis_kernel, api, total, 2.0, 20.0)
    assert out.api_fraction[0] == pytest.approx(0.1, rel=1e-12)
    assert np.nanmin(out.api_fraction) < 0.095  # the upset passes through damped...
    assert np.nanmin(out.api_fraction) > 0.07  # ...not undamped (1.4/19.4 = 0.072)
    for flow_in, flow_out, held, initial in (
        (api, out.api_kg_per_h, out.api_holdup_kg, 2.0 * 90 / 3600),
        (total, out.total_kg_per_h, out.total_holdup_kg, 20.0 * 90 / 3600),
    ):
        balance = initial + np.cumsum(flow_in - flow_out) / 3600.0
        assert np.max(np.abs(balance - held)) < 1e-12


def test_empty_blender_gives_nan_fraction_until_material_arrives(tis_kernel):
    api, total = np.full(50, 2.0), np.full(50, 20.0)
    api[:10] = total[:10] = 0.0  # nothing fed for 10 s: nothing leaves, x undefined
    out = blend(tis_kernel, api, total)
    assert np.all(np.isnan(out.api_fraction[:10]))
    assert np.allclose(out.api_fraction[10:], 0.1, rtol=1e-9)
