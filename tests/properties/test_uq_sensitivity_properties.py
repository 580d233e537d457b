"""Properties of the sensitivity layer on linear models, where everything has a closed form.

* Tornado: swing_i = |c_i| (F_i^-1(high_q) - F_i^-1(low_q)) for any coefficients, base
  point and quantiles, and rows are sorted by swing.
* Morris: on uniform inputs every elementary effect equals 0.75 c_i (hi_i - lo_i)
  (p = 4 levels), so mu* = 0.75 |c_i| (hi_i - lo_i) and sigma = 0 whatever the seed.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.model import Normal, Uniform
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.stats.sampling import ppf
from rxtwin.uq.sensitivity import morris_screening, tornado

coefficients = st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6)


@settings(max_examples=40)
@given(coef=coefficients, data=st.data())
def test_tornado_linear_swings(coef, data):
    d = len(coef)
    means = data.draw(st.lists(st.floats(-1e3, 1e3), min_size=d, max_size=d))
    sds = data.draw(st.lists(st.floats(1e-2, 1e2), min_size=d, max_size=d))
    low_q = data.draw(st.floats(0.01, 0.49))
    high_q = data.draw(st.floats(0.51, 0.99))
    params = [UncertainParameter(path=f"x{i}", distribution=Normal(dist="normal", mean=m, sd=s))
              for i, (m, s) in enumerate(zip(means, sds, strict=True))]
    base = {p.path: m for p, m in zip(params, means, strict=True)}
    c = np.array(coef)
    table = tornado(lambda x: x @ c, base, params, low_q, high_q, vectorised=True)
    spread = np.array([ppf(p.distribution, np.array([high_q]))[0]
                       - ppf(p.distribution, np.array([low_q]))[0] for p in params])
    expected = dict(zip(base, np.abs(c) * spread, strict=True))
    scale = np.abs(c) @ (np.abs(np.array(means)) + 10 * np.array(sds)) + 1.0
    for row in table.itertuples():
        assert abs(row.swing - expected[row.parameter]) <= 1e-12 * scale
    assert np.all(np.diff(table["swing"].to_numpy()) <= 0)


@settings(max_examples=20)
@given(coef=coefficients, seed=st.integers(0, 2**32 - 1), data=st.data())
def test_morris_linear_effects(coef, seed, data):
    d = len(coef)
    widths = np.array(data.draw(st.lists(st.floats(1e-3, 1e3), min_size=d, max_size=d)))
    params = [UncertainParameter(path=f"x{i}", distribution=Uniform(dist="uniform", low=-1.0,
                                                                     high=-1.0 + w))
              for i, w in enumerate(widths)]
    c = np.array(coef)
    result = morris_screening(lambda x: x @ c, params, 4, np.random.default_rng(seed),
                              vectorised=True)
    expected = 0.75 * np.abs(c) * widths
    scale = np.abs(c) @ (widths + 1) + 1.0
    np.testing.assert_allclose(result["mu_star"], expected, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(result["sigma"], 0.0, atol=1e-9 * scale)
