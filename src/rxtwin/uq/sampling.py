"""Sampling the scenario's distributions.

``ppf`` maps uniforms to values (inverse CDF), so the same function serves plain Monte
Carlo, Latin hypercube and Sobol designs; ``sample`` draws with a ``numpy.random.Generator``.

The log-normal and gamma distributions are given by mean ``m`` and coefficient of
variation ``c``:

* log-normal: ``sigma^2 = ln(1 + c^2)``, ``mu = ln(m) - sigma^2 / 2`` (so E[X] = m);
* gamma: shape ``k = 1 / c^2``, scale ``theta = m c^2`` (so E[X] = k theta = m).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from rxtwin.model.distributions import (
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)


def lognormal_mu_sigma(mean: float, cv: float) -> tuple[float, float]:
    """Parameters (mu, sigma) of the underlying normal for a log-normal with mean and cv."""
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - 0.5 * sigma2, math.sqrt(sigma2)


def frozen(dist) -> stats.rv_continuous | None:
    """The scipy frozen distribution for ``dist`` (None for a fixed value)."""
    match dist:
        case Fixed():
            return None
        case Uniform(low=low, high=high):
            return stats.uniform(loc=low, scale=high - low)
        case Triangular(low=low, mode=mode, high=high):
            return stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
        case Normal(mean=mean, sd=sd):
            return stats.norm(loc=mean, scale=sd)
        case LogNormal(mean=mean, cv=cv):
            mu, sigma = lognormal_mu_sigma(mean, cv)
            return stats.lognorm(s=sigma, scale=math.exp(mu))
        case Gamma(mean=mean, cv=cv):
            return stats.gamma(a=1.0 / cv**2, scale=mean * cv**2)
        case Exponential(mean=mean):
            return stats.expon(scale=mean)
    raise TypeError(f"not a distribution: {dist!r}")


def ppf(dist, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of ``dist`` at probabilities ``u`` in (0, 1)."""
    u = np.asarray(u, dtype=float)
    if isinstance(dist, Fixed):
        return np.full_like(u, dist.value)
    if isinstance(dist, LogNormal | Normal) and _degenerate(dist):
        return np.full_like(u, dist.mean)
    return frozen(dist).ppf(u)


def sample(dist, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
    """Draw ``size`` values of ``dist`` using ``rng``."""
    return ppf(dist, rng.random(size))


def mean(dist) -> float:
    """Expected value of ``dist``."""
    return float(dist.mean)


def _degenerate(dist) -> bool:
    return (isinstance(dist, LogNormal) and dist.cv == 0) or (
        isinstance(dist, Normal) and dist.sd == 0
    )
