"""Traceability and diversion: RTD-based funnels, diversion rules, diverted material.

References
----------
.. [1] Engisch, W., Muzzio, F. (2016). Using residence time distributions (RTDs) to address
       the traceability of raw materials in continuous pharmaceutical manufacturing.
       *J. Pharm. Innov.* 11, 64-81. doi:10.1007/s12247-015-9238-1
.. [2] Garcia-Munoz, S. et al. (2018). A flowsheet model for the development of a continuous
       process for pharmaceutical tablets: an industrial perspective. *AIChE J.* 64(2),
       511-525 (funnel plot of disturbance duration vs magnitude).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from rxtwin.errors import UserInputError
from rxtwin.twin.blender import rtd_outflow
from rxtwin.twin.rtd import DiscreteRtd, FloatArray, RtdModel

BoolArray = np.ndarray


# ------------------------------------------------------------------------- masks & windows


def out_of_spec_mask(potency_pct: ArrayLike, lower_pct: float, upper_pct: float) -> BoolArray:
    """True where potency is outside [lower, upper] (NaN = no material = False)."""
    p = np.asarray(potency_pct, dtype=float)
    with np.errstate(invalid="ignore"):
        return (p < lower_pct) | (p > upper_pct)


def pad_mask(mask: ArrayLike, pad_steps: int) -> BoolArray:
    """Widen every True run of a mask by ``pad_steps`` on both sides (binary dilation)."""
    m = np.asarray(mask, dtype=bool)
    if pad_steps <= 0 or not m.any():
        return m.copy()
    counts = np.convolve(m.astype(np.int64), np.ones(2 * pad_steps + 1, dtype=np.int64), "same")
    return counts > 0


def mask_windows(time_s: ArrayLike, mask: ArrayLike, step_s: float) -> list[tuple[float, float]]:
    """(start, end) [s] of each run of True in a mask on a uniform grid of step ``step_s``."""
    t = np.asarray(time_s, dtype=float)
    m = np.asarray(mask, dtype=bool).astype(np.int8)
    edges = np.diff(np.concatenate(([0], m, [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [(float(t[a]), float(t[b] + step_s)) for a, b in zip(starts, ends, strict=True)]


@dataclass(frozen=True)
class DiversionSummary:
    """Material diverted by a rule, scored against the true out-of-spec material.

    Attributes
    ----------
    diverted_kg : float
        All material diverted [kg].
    good_diverted_kg : float
        In-spec material diverted (false alarms) [kg].
    bad_kg : float
        Truly out-of-spec material [kg].
    bad_passed_kg : float
        Out-of-spec material not diverted (misses) [kg].
    bad_caught_fraction : float
        Share of out-of-spec material diverted [-] (1 if there was none).
    n_windows : int
        Number of diversion windows.
    """

    diverted_kg: float
    good_diverted_kg: float
    bad_kg: float
    bad_passed_kg: float
    bad_caught_fraction: float
    n_windows: int


def score_diversion(
    divert_mask: ArrayLike, true_out_of_spec: ArrayLike, mass_per_step_kg: ArrayLike
) -> DiversionSummary:
    """Score a diversion decision against the truth, by mass.

    Parameters
    ----------
    divert_mask : array_like of bool
        Steps diverted.
    true_out_of_spec : array_like of bool
        Steps whose material is truly out of spec.
    mass_per_step_kg : array_like
        Material passing in each step [kg] (scalar for a constant flow).
    """
    d = np.asarray(divert_mask, dtype=bool)
    bad = np.asarray(true_out_of_spec, dtype=bool)
    mass = np.broadcast_to(np.asarray(mass_per_step_kg, dtype=float), d.shape)
    bad_kg = float(mass[bad].sum())
    passed = float(mass[bad & ~d].sum())
    runs = int(np.sum(np.diff(np.concatenate(([0], d.astype(np.int8)))) == 1))
    return DiversionSummary(
        diverted_kg=float(mass[d].sum()),
        good_diverted_kg=float(mass[d & ~bad].sum()),
        bad_kg=bad_kg,
        bad_passed_kg=passed,
        bad_caught_fraction=1.0 - passed / bad_kg if bad_kg > 0 else 1.0,
        n_windows=runs,
    )


# ------------------------------------------------------------------------- RTD funnel


def disturbance_potency_pct(
    kernel: DiscreteRtd,
    target_api_fraction: float,
    start_s: float,
    duration_s: float,
    magnitude_fraction: float,
    horizon_s: float,
) -> FloatArray:
    """Potency at the press after a rectangular API-feeder upset (noise-free, at steady state).

    Parameters
    ----------
    kernel : DiscreteRtd
        Blender RTD kernel (step = grid step).
    target_api_fraction : float
        Nominal API fraction [-].
    start_s, duration_s : float
        Upset start and duration [s].
    magnitude_fraction : float
        Relative API flow change during the upset [-].
    horizon_s : float
        Length of the returned trace [s].

    Returns
    -------
    numpy.ndarray
        Potency per step [% LC], starting at t = 0.

    Notes
    -----
    With API flow :math:`x_0(1 + m\\,b(t))` and excipient flow :math:`1-x_0` (b the box),
    :math:`x(t) = x_0(1 + m\\,(E*b)) / (1 + x_0 m\\,(E*b))` (Engisch & Muzzio 2016: the
    blender RTD filters the feeder upset).
    """
    step = kernel.step_s
    n = int(np.ceil(horizon_s / step))
    t = np.arange(n) * step
    box = ((t >= start_s) & (t < start_s + duration_s)).astype(float)
    filtered = rtd_outflow(kernel, box)
    x0, m = target_api_fraction, magnitude_fraction
    x = x0 * (1.0 + m * filtered) / (1.0 + x0 * m * filtered)
    return 100.0 * x / x0


def out_of_spec_window(
    kernel: DiscreteRtd,
    target_api_fraction: float,
    start_s: float,
    duration_s: float,
    magnitude_fraction: float,
    lower_pct: float,
    upper_pct: float,
) -> tuple[float, float] | None:
    """Time window in which out-of-spec tablets leave the press after an API-feeder upset.

    Returns
    -------
    tuple of float or None
        (first, last) time [s] of out-of-spec potency, or None if the upset never takes the
        blend out of spec (it is damped by the blender).
    """
    horizon = start_s + duration_s + kernel.weights.size * kernel.step_s + kernel.step_s
    p = disturbance_potency_pct(kernel, target_api_fraction, start_s, duration_s,
                                magnitude_fraction, horizon)
    bad = np.flatnonzero(out_of_spec_mask(p, lower_pct, upper_pct))
    if bad.size == 0:
        return None
    return float(bad[0] * kernel.step_s), float((bad[-1] + 1) * kernel.step_s)


def diverted_time_per_upset_s(
    kernel: DiscreteRtd,
    target_api_fraction: float,
    duration_s: float,
    magnitude_fraction: float,
    lower_pct: float,
    upper_pct: float,
    pad_s: float,
) -> float:
    """Time diverted for one isolated upset: out-of-spec window plus the margin each side [s].

    Zero if the blender damps the upset to within the limits.
    """
    window = out_of_spec_window(kernel, target_api_fraction, 0.0, duration_s,
                                magnitude_fraction, lower_pct, upper_pct)
    if window is None:
        return 0.0
    return window[1] - window[0] + 2.0 * pad_s


def funnel_extreme_deviation_pct(
    kernel: DiscreteRtd,
    target_api_fraction: float,
    durations_s: ArrayLike,
    magnitudes_fraction: ArrayLike,
) -> FloatArray:
    """Funnel plot: largest potency deviation at the press for each upset duration and size.

    Parameters
    ----------
    kernel : DiscreteRtd
        Blender RTD kernel.
    target_api_fraction : float
        Nominal API fraction [-].
    durations_s : array_like
        Upset durations [s] (columns).
    magnitudes_fraction : array_like
        Relative upset sizes [-] (rows).

    Returns
    -------
    numpy.ndarray
        ``[i, j]``: potency minus 100 at its extreme, for magnitude i and duration j [% LC].

    Notes
    -----
    The funnel plot of Garcia-Munoz et al. (2018): upsets inside the funnel (small or short)
    are damped below the limits by the RTD; those outside make out-of-spec tablets.
    """
    durations = np.atleast_1d(np.asarray(durations_s, dtype=float))
    mags = np.atleast_1d(np.asarray(magnitudes_fraction, dtype=float))
    out = np.empty((mags.size, durations.size))
    for j, d in enumerate(durations):
        horizon = d + kernel.weights.size * kernel.step_s + kernel.step_s
        for i, m in enumerate(mags):
            dev = disturbance_potency_pct(kernel, target_api_fraction, 0.0, d, m, horizon) - 100
            out[i, j] = dev[np.argmax(np.abs(dev))]
    return out


def traceability_window(
    rtd: RtdModel, start_s: float, duration_s: float, exit_fraction: float
) -> tuple[float, float]:
    """When material fed during [start, start + duration] leaves the blender.

    Parameters
    ----------
    rtd : RtdModel
        Blender RTD.
    start_s, duration_s : float
        Feeding interval of the material of interest (e.g. a raw-material lot) [s].
    exit_fraction : float
        Tail share ignored on each side, e.g. 0.005 [-].

    Returns
    -------
    tuple of float
        (first, last) exit time [s]: :math:`t_0 + F^{-1}(q)` and
        :math:`t_0 + d + F^{-1}(1-q)`.

    Notes
    -----
    The RTD-based traceability window of Engisch & Muzzio (2016): the earliest material
    of the interval leaves no sooner than the q-quantile of the RTD after it was fed, the
    latest no later than the (1-q)-quantile.
    """
    if not 0.0 < exit_fraction < 0.5:
        raise UserInputError(f"exit_fraction={exit_fraction}: must lie in (0, 0.5)")
    mean = rtd.moments().mean_residence_time_s

    def quantile(q: float) -> float:
        hi = mean
        while float(rtd.cumulative(hi)) < q:
            hi *= 2.0
        return brentq(lambda x: float(rtd.cumulative(x)) - q, 0.0, hi, xtol=1e-9)

    return start_s + quantile(exit_fraction), start_s + duration_s + quantile(1 - exit_fraction)
