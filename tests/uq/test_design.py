"""Sampling designs: LHS stratification and Sobol' dyadic balance hold exactly, values stay
in the open unit interval, the ppf mapping reproduces the distributions' quantiles exactly
on stratified designs, and the same generator state gives the same design."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rxtwin.model import Exponential, LogNormal, Normal, Triangular, Uniform
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.stats.sampling import ppf
from rxtwin.uq.design import (
    DESIGN_METHODS,
    design_unit,
    open_unit,
    salib_seed,
    sample_parameters,
)

PARAMETERS = [
    UncertainParameter(path="technologies.continuous.capex_usd",
                       distribution=Triangular(dist="triangular", low=4e6, mode=5e6, high=7e6)),
    UncertainParameter(path="a.normal", distribution=Normal(dist="normal", mean=3, sd=2)),
    UncertainParameter(path="a.lognormal",
                       distribution=LogNormal(dist="lognormal", mean=8, cv=1.0)),
    UncertainParameter(path="a.exponential",
                       distribution=Exponential(dist="exponential", mean=500)),
    UncertainParameter(path="firm.hurdle_rate",
                       distribution=Uniform(dist="uniform", low=0.12, high=0.2)),
]


@pytest.mark.parametrize("n,d", [(1, 1), (7, 3), (100, 5), (1000, 2)])
def test_lhs_hits_each_stratum_once_per_dimension(n, d):
    u = design_unit(n, d, "lhs", np.random.default_rng(n + d))
    strata = np.floor(u * n).astype(int)
    for j in range(d):
        assert sorted(strata[:, j].tolist()) == list(range(n))


@pytest.mark.parametrize("m", [0, 3, 8])
def test_sobol_each_dyadic_interval_holds_one_point_per_dimension(m):
    # A scrambled Sobol' sequence of 2**m points is a (t, m, s)-net whose one-dimensional
    # projections are (0, m, 1)-nets: every interval [k/2**m, (k+1)/2**m) holds one point.
    n = 2**m
    u = design_unit(n, 4, "sobol", np.random.default_rng(m))
    for j in range(4):
        assert sorted(np.floor(u[:, j] * n).astype(int).tolist()) == list(range(n))


@pytest.mark.parametrize("method", DESIGN_METHODS)
def test_design_is_in_open_unit_interval_with_right_shape(method):
    u = design_unit(256, 6, method, np.random.default_rng(3))
    assert u.shape == (256, 6)
    assert np.all(u > 0) and np.all(u < 1)


def test_open_unit_moves_exact_ends_inside():
    u = open_unit(np.array([0.0, 0.5, 1.0]))
    assert 0 < u[0] < 1e-15 and u[1] == 0.5 and 1 - 1e-15 < u[2] < 1
    assert np.all(np.isfinite(ppf(Normal(dist="normal", mean=0, sd=1), u)))


def test_sobol_size_not_power_of_two_is_a_clear_error():
    with pytest.raises(ValueError, match=r"n_samples = 100 .* power of two \(e.g. 64 or 128\)"):
        design_unit(100, 2, "sobol", np.random.default_rng(0))


@pytest.mark.parametrize("kwargs,match", [
    ({"n_samples": 4, "n_dims": 2, "method": "halton"}, "method = 'halton'"),
    ({"n_samples": 0, "n_dims": 2, "method": "mc"}, "n_samples = 0"),
    ({"n_samples": 4, "n_dims": 0, "method": "lhs"}, "n_dims = 0"),
    ({"n_samples": 4.0, "n_dims": 1, "method": "mc"}, "n_samples = 4.0"),
])
def test_bad_design_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        design_unit(rng=np.random.default_rng(0), **kwargs)


@pytest.mark.parametrize("method", DESIGN_METHODS)
def test_same_seed_same_samples_and_other_seed_differs(method):
    a = sample_parameters(PARAMETERS, 64, method, np.random.default_rng(42))
    b = sample_parameters(PARAMETERS, 64, method, np.random.default_rng(42))
    c = sample_parameters(PARAMETERS, 64, method, np.random.default_rng(43))
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a.to_numpy(), c.to_numpy())


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_stratified_samples_reproduce_quantiles_exactly(method):
    # With one point per stratum [k/n, (k+1)/n) and a strictly increasing ppf, exactly k
    # samples lie below F^-1(k/n): an exact check of the ppf mapping for every type.
    n = 128
    samples = sample_parameters(PARAMETERS, n, method, np.random.default_rng(9))
    assert list(samples.columns) == [p.path for p in PARAMETERS]
    for p in PARAMETERS:
        for k in (1, 13, 64, 100, 127):
            threshold = ppf(p.distribution, np.array([k / n]))[0]
            assert int(np.sum(samples[p.path].to_numpy() < threshold)) == k, (p.path, k)


def test_mc_sample_mean_within_confidence_interval():
    n = 20_000
    samples = sample_parameters(PARAMETERS, n, "mc", np.random.default_rng(5))
    normal = samples["a.normal"].to_numpy()
    # 5 standard errors: false alarm ~6e-7
    assert abs(normal.mean() - 3.0) < 5 * 2.0 / np.sqrt(n)


def test_duplicate_or_empty_parameters_rejected():
    with pytest.raises(ValueError, match="'a.normal' is given twice"):
        sample_parameters([PARAMETERS[1], PARAMETERS[1]], 4, "mc", np.random.default_rng(0))
    with pytest.raises(ValueError, match="parameters is empty"):
        sample_parameters([], 4, "mc", np.random.default_rng(0))


def test_salib_seed_is_positive_and_follows_the_generator():
    seeds = [salib_seed(np.random.default_rng(s)) for s in range(50)]
    assert all(1 <= s <= 2**31 - 1 for s in seeds)
    assert seeds == [salib_seed(np.random.default_rng(s)) for s in range(50)]
    assert len(set(seeds)) == 50
