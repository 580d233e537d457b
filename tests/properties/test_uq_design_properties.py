"""Properties of the sampling designs and output summaries.

* LHS: every one of the n strata of every dimension is hit exactly once.
* Sobol': with n = 2^m points, every dyadic interval [k/2^m, (k+1)/2^m) of every
  dimension holds one point.
* All designs lie in the open unit cube; the same seed gives the same design.
* Inverse-transform mapping: on a stratified design exactly k values lie below the
  k/n quantile of their distribution.
* Chunked output summaries agree with the direct summary however the outputs are split.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rxtwin.model import Gamma, Triangular, Uniform
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.stats import merge_all
from rxtwin.stats.sampling import ppf
from rxtwin.uq.design import design_unit, sample_parameters
from rxtwin.uq.summaries import distribution_summary, output_chunk_summary, summary_from_merged

seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=40)
@given(n=st.integers(1, 300), d=st.integers(1, 8), seed=seeds)
def test_lhs_one_point_per_stratum(n, d, seed):
    u = design_unit(n, d, "lhs", np.random.default_rng(seed))
    assert np.all((u > 0) & (u < 1))
    counts = np.apply_along_axis(lambda c: np.bincount(c, minlength=n), 0,
                                 np.floor(u * n).astype(int))
    assert np.all(counts == 1)


@settings(max_examples=30)
@given(m=st.integers(0, 9), d=st.integers(1, 8), seed=seeds)
def test_sobol_dyadic_balance(m, d, seed):
    n = 2**m
    u = design_unit(n, d, "sobol", np.random.default_rng(seed))
    assert np.all((u > 0) & (u < 1))
    counts = np.apply_along_axis(lambda c: np.bincount(c, minlength=n), 0,
                                 np.floor(u * n).astype(int))
    assert np.all(counts == 1)


@settings(max_examples=30)
@given(method=st.sampled_from(["mc", "lhs", "sobol"]), m=st.integers(0, 7),
       d=st.integers(1, 5), seed=seeds)
def test_same_seed_same_design(method, m, d, seed):
    a = design_unit(2**m, d, method, np.random.default_rng(seed))
    b = design_unit(2**m, d, method, np.random.default_rng(seed))
    np.testing.assert_array_equal(a, b)


distributions = st.one_of(
    st.tuples(st.floats(-1e6, 1e6), st.floats(1e-3, 1e6)).map(
        lambda t: Uniform(dist="uniform", low=t[0], high=t[0] + t[1])),
    st.tuples(st.floats(0, 1e6), st.floats(0, 1), st.floats(1e-3, 1e6)).map(
        lambda t: Triangular(dist="triangular", low=t[0], mode=t[0] + t[1] * t[2],
                             high=t[0] + t[2])),
    st.tuples(st.floats(1e-3, 1e6), st.floats(0.05, 2)).map(
        lambda t: Gamma(dist="gamma", mean=t[0], cv=t[1])),
)


@settings(max_examples=40)
@given(dist=distributions, n=st.integers(2, 200), k_frac=st.floats(0, 1), seed=seeds)
def test_lhs_counts_below_quantile_exactly(dist, n, k_frac, seed):
    k = int(round(k_frac * n))
    parameters = [UncertainParameter(path="x", distribution=dist)]
    x = sample_parameters(parameters, n, "lhs", np.random.default_rng(seed))["x"].to_numpy()
    threshold = ppf(dist, np.array([k / n]))[0] if 0 < k < n else (-np.inf if k == 0 else np.inf)
    assert int(np.sum(x < threshold)) == k


@settings(max_examples=40)
@given(x=hnp.arrays(np.float64, st.integers(2, 200), elements=st.floats(-1e6, 1e6)),
       cuts=st.lists(st.integers(0, 200), max_size=5))
def test_chunked_summary_equals_direct_for_any_split(x, cuts):
    edges = np.linspace(-1e6, 1e6, 401)
    parts = np.split(x, sorted(c for c in cuts if c <= x.size))
    merged = merge_all([output_chunk_summary(p, edges) for p in parts if p.size])
    chunked, direct = summary_from_merged(merged), distribution_summary(x)
    assert chunked["n"] == direct["n"]
    # merging changes only rounding: tolerances scale with the data's magnitude
    scale = float(np.max(np.abs(x))) + 1.0
    assert abs(chunked["prob_positive"] - direct["prob_positive"]) <= 1e-12
    np.testing.assert_allclose(chunked["mean"], direct["mean"], rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(chunked["sd"], direct["sd"], rtol=1e-7, atol=1e-9 * scale)
