"""Sampling designs: points in the unit hypercube, mapped to parameter values by the ppf.

A design is an ``(n, d)`` array of probabilities in the open interval (0, 1). Column ``j``
is turned into values of parameter ``j`` by its inverse CDF
(:func:`rxtwin.stats.sampling.ppf`), so one design serves every distribution type:

* ``"mc"``    -- independent uniforms from the caller's ``numpy.random.Generator``;
* ``"lhs"``   -- Latin hypercube (McKay, Beckman & Conover 1979): each of the ``n`` equal
  strata ``[k/n, (k+1)/n)`` of every dimension holds exactly one point; points are
  placed at random inside their stratum (``scipy.stats.qmc.LatinHypercube``,
  ``scramble=True``);
* ``"sobol"`` -- scrambled Sobol' sequence (Sobol' 1967; Owen 1998 scrambling,
  ``scipy.stats.qmc.Sobol``); ``n`` must be a power of two, otherwise the balance
  properties of the sequence (and the error rate of the estimate) are lost.

The randomisation of LHS and Sobol' designs draws from the ``rng`` argument itself,
so the same generator state gives the same design, and nothing is seeded globally.

References
----------
McKay, M. D., Beckman, R. J., Conover, W. J. (1979). A comparison of three methods for
selecting values of input variables in the analysis of output from a computer code.
Technometrics 21(2), 239-245.

Sobol', I. M. (1967). On the distribution of points in a cube and the approximate
evaluation of integrals. USSR Computational Mathematics and Mathematical Physics 7(4),
86-112.

Owen, A. B. (1998). Scrambling Sobol' and Niederreiter-Xing points. Journal of
Complexity 14(4), 466-489.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import qmc

from rxtwin.errors import UserInputError
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.stats.sampling import ppf

__all__ = [
    "DESIGN_METHODS",
    "design_unit",
    "open_unit",
    "parameter_paths",
    "salib_seed",
    "sample_parameters",
    "values_from_unit",
]

#: Designs understood by :func:`design_unit`.
DESIGN_METHODS = ("mc", "lhs", "sobol")

# The smallest and largest doubles strictly inside (0, 1) that ppf maps to finite values.
_U_LOW = 2.0**-53
_U_HIGH = 1.0 - 2.0**-53

# SALib treats a seed of 0 as "no seed" (SALib.analyze.sobol: ``if seed:``), so seeds are
# drawn from [1, 2**31 - 1], which every SALib function and numpy accept.
_SEED_HIGH = 2**31 - 1


def open_unit(u: np.ndarray) -> np.ndarray:
    """Clip probabilities to the open interval (0, 1).

    Designs produce values in [0, 1); an exact 0 (probability ~2**-53 per draw) would map
    to -inf under an unbounded ppf. Clipping moves it by at most 2**-53.
    """
    return np.clip(np.asarray(u, dtype=float), _U_LOW, _U_HIGH)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def design_unit(
    n_samples: int, n_dims: int, method: str, rng: np.random.Generator
) -> np.ndarray:
    """Points of a sampling design in the open unit hypercube.

    Parameters
    ----------
    n_samples : int
        Number of points [-] (a power of two for ``"sobol"``).
    n_dims : int
        Number of dimensions (uncertain parameters) [-].
    method : {"mc", "lhs", "sobol"}
        Plain Monte Carlo, Latin hypercube, or scrambled Sobol' sequence.
    rng : numpy.random.Generator
        Source of randomness (MC draws, LHS placement, Sobol' scrambling).

    Returns
    -------
    ndarray, shape (n_samples, n_dims)
        Probabilities in (0, 1).

    Raises
    ------
    ValueError
        Unknown method, non-positive sizes, or ``n_samples`` not a power of two for Sobol'.

    Examples
    --------
    >>> u = design_unit(4, 2, "lhs", np.random.default_rng(1))
    >>> sorted((u[:, 0] * 4).astype(int).tolist())
    [0, 1, 2, 3]
    """
    if method not in DESIGN_METHODS:
        raise UserInputError(f"method = {method!r}, must be one of {list(DESIGN_METHODS)}")
    for name, value in (("n_samples", n_samples), ("n_dims", n_dims)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise UserInputError(f"{name} = {value!r}, must be an integer >= 1")
    if method == "mc":
        u = rng.random((n_samples, n_dims))
    elif method == "lhs":
        u = qmc.LatinHypercube(d=n_dims, scramble=True, rng=rng).random(n_samples)
    else:
        if not _is_power_of_two(int(n_samples)):
            below = 1 << (int(n_samples).bit_length() - 1)
            raise UserInputError(
                f"n_samples = {n_samples} for method 'sobol' must be a power of two "
                f"(e.g. {below} or {below * 2}); other sizes break the balance of the "
                "Sobol' sequence"
            )
        m = int(n_samples).bit_length() - 1
        u = qmc.Sobol(d=n_dims, scramble=True, rng=rng).random_base2(m)
    return open_unit(u)


def parameter_paths(parameters: Sequence[UncertainParameter]) -> list[str]:
    """The paths of ``parameters`` in order; a path given twice is an error."""
    paths = [p.path for p in parameters]
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise UserInputError(f"uncertain parameter path '{path}' is given twice; paths must "
                                 "be unique")
        seen.add(path)
    if not paths:
        raise UserInputError("parameters is empty; give at least one uncertain parameter")
    return paths


def values_from_unit(
    parameters: Sequence[UncertainParameter], u: np.ndarray
) -> np.ndarray:
    """Map unit-hypercube points to parameter values column by column through the ppf.

    Parameters
    ----------
    parameters : sequence of UncertainParameter
        ``d`` parameters; column ``j`` of ``u`` belongs to ``parameters[j]``.
    u : ndarray, shape (n, d)
        Probabilities in (0, 1).

    Returns
    -------
    ndarray, shape (n, d)
        Parameter values in the parameters' own units.
    """
    u = np.asarray(u, dtype=float)
    if u.ndim != 2 or u.shape[1] != len(parameters):
        raise UserInputError(f"u has shape {u.shape}; expected (n, {len(parameters)})")
    return np.column_stack([ppf(p.distribution, u[:, j]) for j, p in enumerate(parameters)])


def sample_parameters(
    parameters: Sequence[UncertainParameter],
    n_samples: int,
    method: str,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Draw ``n_samples`` joint samples of independent uncertain parameters.

    Parameters
    ----------
    parameters : sequence of UncertainParameter
        The parameters (e.g. ``scenario.uncertain``); paths must be unique.
    n_samples : int
        Number of samples [-] (a power of two for ``"sobol"``).
    method : {"mc", "lhs", "sobol"}
        Design, see :func:`design_unit`.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        One row per sample (index ``0 .. n_samples-1``), one column per parameter path,
        values in the parameter's units.

    Notes
    -----
    ``x_ij = F_j^{-1}(u_ij)`` with ``u`` from :func:`design_unit` and ``F_j`` the CDF of
    parameter ``j`` (inverse transform sampling). Parameters are independent.
    """
    paths = parameter_paths(parameters)
    u = design_unit(n_samples, len(paths), method, rng)
    return pd.DataFrame(values_from_unit(parameters, u), columns=paths)


def salib_seed(rng: np.random.Generator) -> int:
    """An integer seed for SALib drawn from ``rng``.

    SALib's samplers and bootstraps take an ``int`` seed. It is drawn uniformly from
    ``[1, 2**31 - 1]`` (0 is excluded because ``SALib.analyze.sobol`` treats a zero seed
    as "unseeded"), which advances ``rng`` by one draw; the same generator state gives the
    same seed and therefore the same SALib samples and confidence intervals.
    """
    return int(rng.integers(1, _SEED_HIGH, endpoint=True))
