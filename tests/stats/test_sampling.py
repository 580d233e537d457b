"""Sampling the scenario distributions: the moments of each parameterisation match their
closed forms, ppf agrees with an independent implementation (numpy's generators), and its
fast paths give scipy's numbers bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rxtwin.model import Exponential, Fixed, Gamma, LogNormal, Normal, Triangular, Uniform
from rxtwin.stats.sampling import frozen, lognormal_mu_sigma, ppf, sample

N = 200_000

CASES = [
    (Uniform(dist="uniform", low=2, high=6), 4.0, (6 - 2) / math.sqrt(12)),
    (Triangular(dist="triangular", low=8, mode=16, high=32), 56 / 3,
     math.sqrt((8**2 + 16**2 + 32**2 - 8 * 16 - 8 * 32 - 16 * 32) / 18)),
    (Normal(dist="normal", mean=3, sd=2), 3.0, 2.0),
    (LogNormal(dist="lognormal", mean=8, cv=1.0), 8.0, 8.0),
    (Gamma(dist="gamma", mean=5, cv=0.5), 5.0, 2.5),
    (Exponential(dist="exponential", mean=500), 500.0, 500.0),
]


@pytest.mark.parametrize("dist,mean,sd", CASES, ids=[c[0].dist for c in CASES])
def test_sample_mean_and_sd_match_closed_form(dist, mean, sd):
    x = sample(dist, np.random.default_rng(11), N)
    assert dist.mean == pytest.approx(mean)
    # 5 standard errors of the mean: false-alarm rate ~6e-7 per case
    assert abs(x.mean() - mean) < 5 * sd / math.sqrt(N)
    assert x.std() == pytest.approx(sd, rel=0.03 if dist.dist != "lognormal" else 0.1)


def test_lognormal_matches_numpy_parameterisation():
    mu, sigma = lognormal_mu_sigma(8.0, 1.0)
    reference = np.random.default_rng(5).lognormal(mu, sigma, N)
    ours = sample(LogNormal(dist="lognormal", mean=8.0, cv=1.0), np.random.default_rng(6), N)
    assert np.quantile(ours, [0.1, 0.5, 0.9]) == pytest.approx(
        np.quantile(reference, [0.1, 0.5, 0.9]), rel=0.03)


def test_fixed_and_degenerate_are_constant():
    assert np.all(ppf(Fixed(value=3.5), np.array([0.1, 0.9])) == 3.5)
    assert np.all(ppf(LogNormal(dist="lognormal", mean=2.0, cv=0), np.array([0.2, 0.7])) == 2.0)


def test_same_generator_state_same_draws():
    d = Triangular(dist="triangular", low=1, mode=2, high=5)
    assert np.array_equal(sample(d, np.random.default_rng(1), 10),
                          sample(d, np.random.default_rng(1), 10))


@pytest.mark.parametrize("dist", [
    Exponential(dist="exponential", mean=7.0), Exponential(dist="exponential", mean=1e-3),
    LogNormal(dist="lognormal", mean=180.0, cv=0.6), LogNormal(dist="lognormal", mean=3.0,
                                                                cv=25.0),
], ids=["exp", "exp-small", "lognormal", "lognormal-wide"])
def test_fast_paths_are_scipy_bit_for_bit(dist):
    # The exponential and log-normal skip building a scipy distribution; the numbers must
    # still be the frozen distribution's, every bit (seeded results depend on it), over the
    # whole of [0, 1] including its ends, and NaN outside it as scipy gives.
    u = np.concatenate([np.random.default_rng(2).random(50_000), np.linspace(0, 1, 1001),
                        [5e-324, 2.0**-53, 1 - 2.0**-53, -0.1, 1.1]])
    ours = ppf(dist, u)
    reference = frozen(dist).ppf(u)
    assert ours.tobytes() == np.asarray(reference, dtype=float).tobytes()


def test_sample_uses_one_uniform_per_value_for_every_type():
    # The generator's state after sample() depends only on the size, not on the type.
    states = set()
    for dist, *_ in [*CASES, (Fixed(value=2.0),)]:
        rng = np.random.default_rng(4)
        sample(dist, rng, 17)
        states.add(rng.random())
    assert len(states) == 1


def test_every_member_of_the_distribution_union_has_an_entry():
    # stats reads distributions by their tag (it does not import rxtwin.model); a type added
    # to the union without an entry here must fail this test, not a run.
    from typing import get_args

    from rxtwin.model.distributions import Distribution
    from rxtwin.stats.sampling import FROZEN_BY_TAG

    members = get_args(get_args(Distribution)[0])
    tags = {get_args(m.model_fields["dist"].annotation)[0] for m in members}
    assert tags == set(FROZEN_BY_TAG) | {"fixed"}
    with pytest.raises(TypeError, match="not a distribution"):
        ppf(object(), np.array([0.5]))
