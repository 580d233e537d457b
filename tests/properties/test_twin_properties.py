"""Property tests of the twin's blender: mass balance and bounded concentrations."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.twin.blender import blend, rtd_holdup, rtd_outflow
from rxtwin.twin.rtd import AxialDispersion, TanksInSeries, discrete_rtd_kernel

models = st.one_of(
    st.builds(TanksInSeries, st.floats(5.0, 200.0), st.floats(0.7, 30.0)),
    st.builds(AxialDispersion, st.floats(5.0, 200.0), st.floats(0.5, 200.0)),
)
flows = st.lists(st.floats(0.0, 50.0), min_size=5, max_size=400)


@settings(max_examples=40)
@given(model=models, inflow=flows, step_s=st.sampled_from([0.5, 1.0, 2.0]))
def test_fed_equals_delivered_plus_holdup(model, inflow, step_s):
    k = discrete_rtd_kernel(model, step_s)
    q = np.asarray(inflow)
    out = rtd_outflow(k, q)
    held = rtd_holdup(k, q, step_s)
    fed = q.sum() * step_s
    assert abs(fed - out.sum() * step_s - held[-1]) <= 1e-9 * max(fed, 1.0)
    assert held.min() >= -1e-9 * max(fed, 1.0)
    assert abs(k.weights.sum() - 1.0) < 1e-12


@settings(max_examples=40)
@given(model=models,
       fractions=st.lists(st.floats(0.01, 0.5), min_size=5, max_size=300),
       total=st.floats(1.0, 50.0))
def test_outlet_fraction_within_inlet_range(model, fractions, total):
    # the outlet is a mixture of earlier inlet material: its API fraction lies within the
    # range of inlet fractions (started full at the first inlet fraction)
    k = discrete_rtd_kernel(model, 1.0)
    x = np.asarray(fractions)
    out = blend(k, x * total, np.full(x.size, total), x[0] * total, total)
    ok = np.isfinite(out.api_fraction)
    assert np.all(out.api_fraction[ok] >= x.min() - 1e-9)
    assert np.all(out.api_fraction[ok] <= x.max() + 1e-9)
