"""Residence-time distribution (RTD) models: E(t), F(t), moments and discrete kernels.

Pure functions for the tanks-in-series and open-open axial-dispersion models and for an
arbitrary measured E(t), plus small frozen model objects that only bundle a model's
parameters with those functions (a strategy object instead of a string switch).

References
----------
.. [1] Levenspiel, O. (1999). *Chemical Reaction Engineering*, 3rd ed. Wiley, New York.
       Ch. 11 (E, F and moments), Ch. 13 (dispersion model), Ch. 14 (tanks-in-series model).
.. [2] Levenspiel, O., Smith, W. K. (1957). Notes on the diffusion-type model for the
       longitudinal mixing of fluids in flow. *Chem. Eng. Sci.* 6, 227-233.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from scipy.integrate import cumulative_trapezoid, trapezoid

from rxtwin.errors import UserInputError

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RtdMoments:
    """Mean residence time and variance of an RTD.

    Attributes
    ----------
    mean_residence_time_s : float
        First moment of E(t) [s].
    variance_s2 : float
        Second central moment of E(t) [s^2].
    """

    mean_residence_time_s: float
    variance_s2: float

    @property
    def dimensionless_variance(self) -> float:
        """Variance over squared mean [-]."""
        return self.variance_s2 / self.mean_residence_time_s**2


# --------------------------------------------------------------------------- tanks in series


def tanks_in_series_exit_age_per_s(
    time_s: ArrayLike, mean_residence_time_s: float, n_tanks: float
) -> FloatArray:
    """Exit-age distribution E(t) of n equal stirred tanks in series.

    Parameters
    ----------
    time_s : array_like
        Times since the pulse [s].
    mean_residence_time_s : float
        Mean residence time of the whole cascade [s].
    n_tanks : float
        Number of tanks [-]; real values > 0 allowed (gamma distribution).

    Returns
    -------
    numpy.ndarray
        E(t) [1/s], zero for t < 0.

    Notes
    -----
    With :math:`\\bar t` the mean residence time and :math:`N` the tank number
    (Levenspiel 1999, Ch. 14, Eq. 3),

    .. math:: E(t) = \\frac{N^N t^{N-1}}{\\bar t^N \\Gamma(N)} e^{-N t/\\bar t}

    References
    ----------
    Levenspiel, O. (1999). *Chemical Reaction Engineering*, 3rd ed. Wiley. Ch. 14.

    Examples
    --------
    >>> float(tanks_in_series_exit_age_per_s(0.0, 10.0, 1.0))
    0.1
    """
    t = np.asarray(time_s, dtype=float)
    scale = mean_residence_time_s / n_tanks
    tt = np.where(t > 0, t, 1.0)
    log_e = (
        (n_tanks - 1.0) * np.log(tt / scale) - tt / scale - special.gammaln(n_tanks)
    ) - np.log(scale)
    out = np.exp(log_e)
    at_zero = (1.0 / mean_residence_time_s) if n_tanks == 1.0 else (np.inf if n_tanks < 1 else 0.0)
    return np.where(t > 0, out, np.where(t == 0, at_zero, 0.0))


def tanks_in_series_cumulative(
    time_s: ArrayLike, mean_residence_time_s: float, n_tanks: float
) -> FloatArray:
    """Cumulative distribution F(t) of n tanks in series.

    Parameters
    ----------
    time_s : array_like
        Times since the start of a step [s].
    mean_residence_time_s : float
        Mean residence time [s].
    n_tanks : float
        Number of tanks [-].

    Returns
    -------
    numpy.ndarray
        F(t) [-].

    Notes
    -----
    :math:`F(t) = P(N, N t/\\bar t)`, the regularised lower incomplete gamma function
    (integral of Levenspiel 1999, Ch. 14, Eq. 3).

    References
    ----------
    Levenspiel, O. (1999). *Chemical Reaction Engineering*, 3rd ed. Wiley. Ch. 14.
    """
    t = np.clip(np.asarray(time_s, dtype=float), 0.0, None)
    return special.gammainc(n_tanks, n_tanks * t / mean_residence_time_s)


def tanks_in_series_moments(mean_residence_time_s: float, n_tanks: float) -> RtdMoments:
    """Mean and variance of the tanks-in-series RTD.

    Parameters
    ----------
    mean_residence_time_s : float
        Mean residence time [s].
    n_tanks : float
        Number of tanks [-].

    Returns
    -------
    RtdMoments
        Mean [s] and variance [s^2].

    Notes
    -----
    :math:`\\sigma^2 = \\bar t^2 / N` (Levenspiel 1999, Ch. 14, Eq. 4).

    References
    ----------
    Levenspiel, O. (1999). *Chemical Reaction Engineering*, 3rd ed. Wiley. Ch. 14.

    Examples
    --------
    >>> tanks_in_series_moments(60.0, 4.0).variance_s2
    900.0
    """
    return RtdMoments(float(mean_residence_time_s), float(mean_residence_time_s**2 / n_tanks))


# ------------------------------------------------------------------------- axial dispersion


def axial_dispersion_space_time_s(mean_residence_time_s: float, peclet: float) -> float:
    """Convective time L/u of the open-open dispersion model for a given mean [s].

    Notes
    -----
    For open-open boundaries :math:`\\bar t = (1 + 2/Pe)\\, L/u`
    (Levenspiel & Smith 1957; Levenspiel 1999, Ch. 13).
    """
    return mean_residence_time_s / (1.0 + 2.0 / peclet)


def axial_dispersion_exit_age_per_s(
    time_s: ArrayLike, mean_residence_time_s: float, peclet: float
) -> FloatArray:
    """Exit-age distribution E(t) of the open-open axial-dispersion model.

    Parameters
    ----------
    time_s : array_like
        Times since the pulse [s].
    mean_residence_time_s : float
        Mean residence time [s] (not L/u: see Notes).
    peclet : float
        Vessel Peclet number u L / D [-].

    Returns
    -------
    numpy.ndarray
        E(t) [1/s], zero for t <= 0.

    Notes
    -----
    With :math:`\\theta = t u / L` and :math:`L/u = \\bar t / (1 + 2/Pe)`
    (Levenspiel & Smith 1957; Levenspiel 1999, Ch. 13, open-open vessel),

    .. math:: E_\\theta = \\sqrt{\\frac{Pe}{4\\pi\\theta}}
              \\exp\\left[-\\frac{Pe(1-\\theta)^2}{4\\theta}\\right],
              \\qquad E(t) = E_\\theta\\, u/L

    References
    ----------
    Levenspiel, O., Smith, W. K. (1957). *Chem. Eng. Sci.* 6, 227-233.
    """
    t = np.asarray(time_s, dtype=float)
    space_time_s = axial_dispersion_space_time_s(mean_residence_time_s, peclet)
    theta = np.where(t > 0, t / space_time_s, 1.0)
    e_theta = np.sqrt(peclet / (4.0 * np.pi * theta)) * np.exp(
        -peclet * (1.0 - theta) ** 2 / (4.0 * theta)
    )
    return np.where(t > 0, e_theta / space_time_s, 0.0)


def axial_dispersion_cumulative(
    time_s: ArrayLike, mean_residence_time_s: float, peclet: float
) -> FloatArray:
    """Cumulative distribution F(t) of the open-open axial-dispersion model.

    Parameters
    ----------
    time_s : array_like
        Times since the start of a step [s].
    mean_residence_time_s : float
        Mean residence time [s].
    peclet : float
        Vessel Peclet number [-].

    Returns
    -------
    numpy.ndarray
        F(t) [-].

    Notes
    -----
    :math:`E_\\theta = \\theta f_{IG}(\\theta; 1, Pe/2)` with :math:`f_{IG}` the inverse
    Gaussian density, so F is its partial first moment:

    .. math:: F = \\tfrac12\\left[\\operatorname{erfc}\\left(a(1-\\theta)\\right)
              - e^{Pe}\\operatorname{erfc}\\left(a(1+\\theta)\\right)\\right],
              \\quad a = \\sqrt{Pe/(4\\theta)}

    evaluated as :math:`e^{-Pe(1-\\theta)^2/(4\\theta)}\\operatorname{erfcx}(a(1+\\theta))`
    for the second term to avoid overflow. Checked against numerical integration of E in
    the tests.

    References
    ----------
    Levenspiel, O., Smith, W. K. (1957). *Chem. Eng. Sci.* 6, 227-233.
    """
    t = np.asarray(time_s, dtype=float)
    space_time_s = axial_dispersion_space_time_s(mean_residence_time_s, peclet)
    theta = np.where(t > 0, t / space_time_s, 1.0)
    a = np.sqrt(peclet / (4.0 * theta))
    second = np.exp(-peclet * (1.0 - theta) ** 2 / (4.0 * theta)) * special.erfcx(
        a * (1.0 + theta)
    )
    f = 0.5 * (special.erfc(a * (1.0 - theta)) - second)
    return np.where(t > 0, np.clip(f, 0.0, 1.0), 0.0)


def axial_dispersion_moments(mean_residence_time_s: float, peclet: float) -> RtdMoments:
    """Mean and variance of the open-open axial-dispersion RTD.

    Parameters
    ----------
    mean_residence_time_s : float
        Mean residence time [s].
    peclet : float
        Vessel Peclet number [-].

    Returns
    -------
    RtdMoments
        Mean [s] and variance [s^2].

    Notes
    -----
    With :math:`\\tau = L/u`: :math:`\\bar t = (1 + 2/Pe)\\tau` and
    :math:`\\sigma^2/\\tau^2 = 2/Pe + 8/Pe^2` (Levenspiel & Smith 1957;
    Levenspiel 1999, Ch. 13, open-open vessel).

    References
    ----------
    Levenspiel, O. (1999). *Chemical Reaction Engineering*, 3rd ed. Wiley. Ch. 13.
    """
    space_time_s = axial_dispersion_space_time_s(mean_residence_time_s, peclet)
    variance = space_time_s**2 * (2.0 / peclet + 8.0 / peclet**2)
    return RtdMoments(float(mean_residence_time_s), float(variance))


def axial_dispersion_peclet_for_variance(dimensionless_variance: float) -> float:
    """Peclet number of the open-open model with a given variance / mean^2 [-].

    Notes
    -----
    Solves :math:`s = (2x + 8x^2)/(1 + 2x)^2` for :math:`x = 1/Pe`:
    :math:`(8 - 4s)x^2 + (2 - 4s)x - s = 0` (from the moments above).
    Valid for :math:`0 < s < 2`.
    """
    s = dimensionless_variance
    if not 0.0 < s < 2.0:
        raise UserInputError(f"dimensionless_variance={s}: must lie in (0, 2) for open-open")
    a, b, c = 8.0 - 4.0 * s, 2.0 - 4.0 * s, -s
    x = (-b + np.sqrt(b * b - 4.0 * a * c)) / (2.0 * a)
    return float(1.0 / x)


# ------------------------------------------------------------------------- measured E(t)


def exit_age_moments(time_s: ArrayLike, exit_age_per_s: ArrayLike) -> RtdMoments:
    """Moments of a sampled E(t) by the trapezoidal rule (normalised by its area).

    Parameters
    ----------
    time_s : array_like
        Sample times, increasing [s].
    exit_age_per_s : array_like
        E(t) or any pulse-response signal proportional to it.

    Returns
    -------
    RtdMoments
        Mean [s] and variance [s^2].

    Notes
    -----
    :math:`\\bar t = \\int t E\\,dt / \\int E\\,dt`,
    :math:`\\sigma^2 = \\int (t-\\bar t)^2 E\\,dt / \\int E\\,dt` (Levenspiel 1999, Ch. 11).
    """
    t = np.asarray(time_s, dtype=float)
    e = np.asarray(exit_age_per_s, dtype=float)
    area = trapezoid(e, t)
    mean = trapezoid(t * e, t) / area
    variance = trapezoid((t - mean) ** 2 * e, t) / area
    return RtdMoments(float(mean), float(variance))


def measured_cumulative(
    time_s: ArrayLike, data_time_s: ArrayLike, data_exit_age: ArrayLike
) -> FloatArray:
    """F(t) of a measured E(t): cumulative trapezoid of the data, normalised to end at 1.

    Between samples F is interpolated linearly; before the first sample it is 0 and after
    the last it is 1.
    """
    td = np.asarray(data_time_s, dtype=float)
    ed = np.clip(np.asarray(data_exit_age, dtype=float), 0.0, None)
    f = cumulative_trapezoid(ed, td, initial=0.0)
    f = f / f[-1]
    return np.interp(np.asarray(time_s, dtype=float), td, f, left=0.0, right=1.0)


# ------------------------------------------------------------------------- model objects


class RtdModel(Protocol):
    """What the flowsheet and the fitting code need from an RTD model."""

    def exit_age_per_s(self, time_s: ArrayLike) -> FloatArray: ...

    def cumulative(self, time_s: ArrayLike) -> FloatArray: ...

    def moments(self) -> RtdMoments: ...


@dataclass(frozen=True)
class TanksInSeries:
    """Tanks-in-series RTD (mean residence time [s], tank number [-])."""

    mean_residence_time_s: float
    n_tanks: float

    def __post_init__(self) -> None:
        _check_positive("mean_residence_time_s", self.mean_residence_time_s)
        _check_positive("n_tanks", self.n_tanks)

    def exit_age_per_s(self, time_s: ArrayLike) -> FloatArray:
        return tanks_in_series_exit_age_per_s(time_s, self.mean_residence_time_s, self.n_tanks)

    def cumulative(self, time_s: ArrayLike) -> FloatArray:
        return tanks_in_series_cumulative(time_s, self.mean_residence_time_s, self.n_tanks)

    def moments(self) -> RtdMoments:
        return tanks_in_series_moments(self.mean_residence_time_s, self.n_tanks)


@dataclass(frozen=True)
class AxialDispersion:
    """Open-open axial-dispersion RTD (mean residence time [s], Peclet number [-])."""

    mean_residence_time_s: float
    peclet: float

    def __post_init__(self) -> None:
        _check_positive("mean_residence_time_s", self.mean_residence_time_s)
        _check_positive("peclet", self.peclet)

    def exit_age_per_s(self, time_s: ArrayLike) -> FloatArray:
        return axial_dispersion_exit_age_per_s(time_s, self.mean_residence_time_s, self.peclet)

    def cumulative(self, time_s: ArrayLike) -> FloatArray:
        return axial_dispersion_cumulative(time_s, self.mean_residence_time_s, self.peclet)

    def moments(self) -> RtdMoments:
        return axial_dispersion_moments(self.mean_residence_time_s, self.peclet)


@dataclass(frozen=True, eq=False)
class MeasuredRtd:
    """An arbitrary measured E(t), given as samples (linearly interpolated, normalised).

    Attributes
    ----------
    sample_time_s : numpy.ndarray
        Sample times, starting at >= 0 and strictly increasing [s].
    sample_exit_age_per_s : numpy.ndarray
        E(t) samples (or any signal proportional to it; normalised to unit area) [1/s].
    """

    sample_time_s: FloatArray
    sample_exit_age_per_s: FloatArray

    def __post_init__(self) -> None:
        t = np.asarray(self.sample_time_s, dtype=float)
        e = np.asarray(self.sample_exit_age_per_s, dtype=float)
        if t.ndim != 1 or t.shape != e.shape or t.size < 3:
            raise UserInputError(
                "MeasuredRtd: sample_time_s and sample_exit_age_per_s must be 1-D arrays "
                "of the same length >= 3"
            )
        if np.any(np.diff(t) <= 0) or t[0] < 0:
            raise UserInputError("MeasuredRtd: sample_time_s must start at >= 0 and increase")
        if np.any(e < 0) or trapezoid(e, t) <= 0:
            raise UserInputError("MeasuredRtd: sample_exit_age_per_s must be >= 0, area > 0")
        object.__setattr__(self, "sample_time_s", t)
        object.__setattr__(self, "sample_exit_age_per_s", e / trapezoid(e, t))

    def exit_age_per_s(self, time_s: ArrayLike) -> FloatArray:
        t = np.asarray(time_s, float)
        return np.interp(t, self.sample_time_s, self.sample_exit_age_per_s, 0.0, 0.0)

    def cumulative(self, time_s: ArrayLike) -> FloatArray:
        return measured_cumulative(time_s, self.sample_time_s, self.sample_exit_age_per_s)

    def moments(self) -> RtdMoments:
        return exit_age_moments(self.sample_time_s, self.sample_exit_age_per_s)


def _check_positive(name: str, value: float) -> None:
    if not (np.isfinite(value) and value > 0):
        raise UserInputError(f"{name}={value}: must be a finite number > 0")


# ------------------------------------------------------------------------- discrete kernel

_GAUSS_NODES = 8
_FINE_STEPS = 4
_FINE_SPLIT = 64


@dataclass(frozen=True, eq=False)
class DiscreteRtd:
    """Discrete RTD kernel on a time grid.

    Attributes
    ----------
    step_s : float
        Grid step [s].
    weights : numpy.ndarray
        ``weights[j]``: share of the mass fed at a constant rate during one step that
        leaves during the j-th following step (j = 0 is the same step) [-]. Sums to 1.
    """

    step_s: float
    weights: FloatArray

    @property
    def mean_residence_time_s(self) -> float:
        """Mean delay of the kernel [s] (equals the model mean for the exact kernel)."""
        return float(np.sum(np.arange(self.weights.size) * self.weights) * self.step_s)

    @property
    def survival(self) -> FloatArray:
        """1 - cumulative weights: share of a step's feed still inside after j steps [-]."""
        return 1.0 - np.cumsum(self.weights)


def step_averaged_cumulative(rtd: RtdModel, step_s: float, n_steps: int) -> FloatArray:
    """Average of F(t) over each step [(j-1)dt, j dt], j = 0..n_steps [-].

    Gauss-Legendre quadrature with 8 nodes per step; the first steps, where F may rise from
    zero non-analytically (e.g. :math:`e^{-Pe/4\\theta}` for dispersion), are split into
    64 sub-intervals. Entry 0 is 0 (F = 0 for t < 0).
    """
    nodes, gauss_w = np.polynomial.legendre.leggauss(_GAUSS_NODES)

    def averages(starts: FloatArray, width: float) -> FloatArray:
        t = starts[:, None] + 0.5 * width * (nodes[None, :] + 1.0)
        return 0.5 * np.sum(rtd.cumulative(t) * gauss_w[None, :], axis=1)

    avg = averages(np.arange(n_steps) * step_s, step_s)
    n_fine = min(n_steps, _FINE_STEPS)
    sub = step_s / _FINE_SPLIT
    fine_starts = np.arange(n_fine * _FINE_SPLIT) * sub
    avg[:n_fine] = averages(fine_starts, sub).reshape(n_fine, _FINE_SPLIT).mean(axis=1)
    return np.concatenate(([0.0], avg))


def discrete_rtd_kernel(
    rtd: RtdModel, step_s: float, tail_tolerance: float = 1e-13, max_steps: int = 2_000_000
) -> DiscreteRtd:
    """Exact zero-order-hold discretisation of an RTD into a mass-conserving kernel.

    Parameters
    ----------
    rtd : RtdModel
        Continuous RTD model (needs ``cumulative``).
    step_s : float
        Time step [s].
    tail_tolerance : float
        The kernel is cut where 1 - F falls below this; the remainder is added to the last
        weight, so the weights sum to 1 to rounding [-].
    max_steps : int
        Safety cap on the kernel length.

    Returns
    -------
    DiscreteRtd
        Kernel with ``weights.sum() == 1`` to machine precision.

    Notes
    -----
    For a feed at constant rate within each step (zero-order hold) the mass leaving during
    step j per unit mass fed during step 0 is

    .. math:: h_j = \\frac1{\\Delta t}\\int_0^{\\Delta t}
              [F((j+1)\\Delta t - s) - F(j\\Delta t - s)]\\,ds = A_{j+1} - A_j,

    with :math:`A_j` the average of F over :math:`[(j-1)\\Delta t, j\\Delta t]`. The sum
    telescopes to :math:`A_K \\to 1`, the weights are non-negative, and the kernel mean
    :math:`\\Delta t\\sum_j j h_j` equals :math:`\\bar t` (input and output both centred in
    their steps). This is the discrete form of the convolution
    :math:`c_{out} = E * c_{in}` (Levenspiel 1999, Ch. 11).
    """
    if step_s <= 0:
        raise UserInputError(f"step_s={step_s}: must be > 0")
    horizon_s = 10.0 * rtd.moments().mean_residence_time_s + 10.0 * step_s
    while True:
        n_steps = int(np.ceil(horizon_s / step_s))
        if n_steps > max_steps:
            raise UserInputError(
                f"RTD kernel needs more than max_steps={max_steps} steps of {step_s} s"
            )
        if 1.0 - float(rtd.cumulative(n_steps * step_s - step_s)) < tail_tolerance:
            break
        horizon_s *= 2.0
    averages = step_averaged_cumulative(rtd, step_s, n_steps)
    weights = np.diff(averages)
    tail = np.flatnonzero(1.0 - averages[1:] >= tail_tolerance)
    cut = int(tail[-1]) + 2 if tail.size else 1
    weights = np.clip(weights[:cut].copy(), 0.0, None)
    weights[-1] += 1.0 - weights.sum()
    return DiscreteRtd(step_s=float(step_s), weights=weights)
