"""Sampling the scenario's distributions: the one inverse CDF and the one sampler.

Every Python caller that turns a :data:`rxtwin.model.distributions.Distribution` into numbers
goes through :func:`ppf` (uniforms to values) or :func:`sample` (a ``numpy.random.Generator``
to values): the UQ designs (plain Monte Carlo, Latin hypercube, Sobol'), the supply
simulator's outage and demand-shock durations, and the synthetic portfolio generator. The
compiled line engine (:mod:`rxtwin.line.engine`) keeps its own draw inside its numba loop;
``tests/line`` checks that it follows the same distributions.

The log-normal and gamma distributions are given by mean ``m`` and coefficient of
variation ``c``:

* log-normal: ``sigma^2 = ln(1 + c^2)``, ``mu = ln(m) - sigma^2 / 2`` (so E[X] = m);
* gamma: shape ``k = 1 / c^2``, scale ``theta = m c^2`` (so E[X] = k theta = m).

A distribution is read by its ``dist`` tag and its parameters, the fields of the types in
:mod:`rxtwin.model.distributions`; this floor does not import the domain types (``stats``
and ``model`` are independent, docs/design.md), and ``tests/stats/test_sampling.py`` checks
that every member of the ``Distribution`` union has its entry here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special, stats

__all__ = ["FROZEN_BY_TAG", "frozen", "lognormal_mu_sigma", "ppf", "sample"]


def lognormal_mu_sigma(mean: float, cv: float) -> tuple[float, float]:
    """Parameters of the normal underlying a log-normal given by its mean and cv.

    Parameters
    ----------
    mean : float
        Mean of the log-normal [unit of the quantity], > 0.
    cv : float
        Coefficient of variation (sd / mean) [-], >= 0.

    Returns
    -------
    tuple of float
        ``(mu, sigma)`` [-]: ``sigma^2 = ln(1 + cv^2)``, ``mu = ln(mean) - sigma^2 / 2``
        (Johnson, Kotz and Balakrishnan 1994, Continuous Univariate Distributions vol. 1,
        2nd ed., eq. 14.8a-b: E[X] = exp(mu + sigma^2 / 2), Var[X] = E[X]^2 (exp(sigma^2) - 1)).
    """
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - 0.5 * sigma2, math.sqrt(sigma2)


def _lognormal(dist) -> stats.rv_continuous:
    mu, sigma = lognormal_mu_sigma(dist.mean, dist.cv)
    return stats.lognorm(s=sigma, scale=math.exp(mu))


#: scipy frozen distribution per ``dist`` tag (a fixed value has none).
FROZEN_BY_TAG: dict[str, Callable[[Any], stats.rv_continuous]] = {
    "uniform": lambda d: stats.uniform(loc=d.low, scale=d.high - d.low),
    "triangular": lambda d: stats.triang(c=(d.mode - d.low) / (d.high - d.low), loc=d.low,
                                         scale=d.high - d.low),
    "normal": lambda d: stats.norm(loc=d.mean, scale=d.sd),
    "lognormal": _lognormal,
    "gamma": lambda d: stats.gamma(a=1.0 / d.cv**2, scale=d.mean * d.cv**2),
    "exponential": lambda d: stats.expon(scale=d.mean),
}


def _tag(dist) -> str:
    tag = getattr(dist, "dist", None)
    if tag != "fixed" and tag not in FROZEN_BY_TAG:
        raise TypeError(f"not a distribution: {dist!r}")
    return tag


def frozen(dist) -> stats.rv_continuous | None:
    """The scipy frozen distribution for ``dist`` (None for a fixed value).

    Built once per distinct (hashable, immutable) ``dist`` and kept: building a scipy
    frozen distribution costs about a millisecond (most of it formatting its docstring),
    which dominated pricing thousands of options whose shortage-day costs share the same
    few distributions. A frozen distribution's ``ppf`` keeps no state between calls.
    """
    tag = _tag(dist)
    if tag == "fixed":
        return None
    try:
        return _frozen_kept(dist)
    except TypeError:  # not hashable: build it each time
        return FROZEN_BY_TAG[tag](dist)


@functools.lru_cache(maxsize=4096)
def _frozen_kept(dist) -> stats.rv_continuous:
    return FROZEN_BY_TAG[_tag(dist)](dist)


def ppf(dist, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of ``dist`` at probabilities ``u``.

    Parameters
    ----------
    dist : rxtwin.model.distributions.Distribution
    u : array_like
        Probabilities in [0, 1] [-]; 0 and 1 give the ends of the support.

    Returns
    -------
    numpy.ndarray
        ``F^{-1}(u)`` [unit of the distribution], the shape of ``u``: the value of the scipy
        frozen distribution (:func:`frozen`), bit for bit. A fixed value (or a log-normal or
        normal without spread) gives its value everywhere.

    Notes
    -----
    The exponential and the log-normal skip building a scipy distribution (a millisecond
    each, which adds up over the sites and chunks of a supply run) and evaluate scipy's own
    expressions with scipy's special functions, ``-log1p(-u) scale`` and
    ``exp(sigma ndtri(u)) scale`` with ``scale = exp(mu)`` (``scipy.stats.expon._ppf``,
    ``scipy.stats.lognorm._ppf``; ``scipy.special.log1p`` and ``numpy.log1p`` may differ in
    the last bit), so the numbers are scipy's; ``tests/stats/test_sampling.py`` holds them
    to that.
    """
    u = np.asarray(u, dtype=float)
    tag = _tag(dist)
    if tag == "fixed":
        return np.full_like(u, dist.value)
    if (tag == "lognormal" and dist.cv == 0) or (tag == "normal" and dist.sd == 0):
        return np.full_like(u, dist.mean)
    inside = (u >= 0.0) & (u <= 1.0)
    if tag == "exponential":
        with np.errstate(invalid="ignore"):
            values = -special.log1p(-u) * dist.mean + 0.0
        return np.where(inside, values, np.nan)
    if tag == "lognormal":
        mu, sigma = lognormal_mu_sigma(dist.mean, dist.cv)
        return np.where(inside, np.exp(sigma * special.ndtri(u)) * math.exp(mu) + 0.0, np.nan)
    return frozen(dist).ppf(u)


def sample(dist, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
    """Draw ``size`` values of ``dist``: :func:`ppf` of ``rng.random(size)``.

    One uniform per value, in order, for every distribution type (a fixed value too), so
    the generator's state after the call depends only on ``size``.
    """
    return ppf(dist, rng.random(size))

