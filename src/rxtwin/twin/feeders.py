"""Loss-in-weight (LIW) feeders: delivered mass flow on a time grid.

The delivered flow is the set-point times ``1 + noise + refill + drift + upsets``, times a
start-up / shut-down ramp, clipped at zero. Each term is its own pure function.

References
----------
.. [1] Engisch, W., Muzzio, F. (2016). Using residence time distributions (RTDs) to address
       the traceability of raw materials in continuous pharmaceutical manufacturing.
       *J. Pharm. Innov.* 11, 64-81. doi:10.1007/s12247-015-9238-1 (feeder variability as
       the input of an RTD-based flowsheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.signal import lfilter

from rxtwin.errors import UserInputError
from rxtwin.model.twin import FeederParameters
from rxtwin.twin.rtd import FloatArray


@dataclass(frozen=True)
class FeedDisturbance:
    """A rectangular upset of one feeder's delivered flow.

    Attributes
    ----------
    feeder : str
        Feeder name.
    start_s : float
        Start time [s].
    duration_s : float
        Duration [s] (> 0).
    magnitude_fraction : float
        Relative flow change during the upset [-] (-0.3 = 30 % under-feeding; > -1).
    """

    feeder: str
    start_s: float
    duration_s: float
    magnitude_fraction: float

    def __post_init__(self) -> None:
        if not self.duration_s > 0:
            raise UserInputError(f"FeedDisturbance.duration_s={self.duration_s}: must be > 0")
        if not self.magnitude_fraction > -1:
            raise UserInputError(
                f"FeedDisturbance.magnitude_fraction={self.magnitude_fraction}: must be > -1"
            )


def ar1_noise_fraction(
    n_steps: int, step_s: float, noise_cv: float, correlation_s: float, rng: np.random.Generator
) -> FloatArray:
    """Stationary AR(1) relative flow noise.

    Parameters
    ----------
    n_steps : int
        Number of steps.
    step_s : float
        Time step [s].
    noise_cv : float
        Stationary standard deviation of the relative flow [-].
    correlation_s : float
        Correlation time [s].
    rng : numpy.random.Generator
        Random stream.

    Returns
    -------
    numpy.ndarray
        Relative flow deviation per step [-].

    Notes
    -----
    :math:`\\epsilon_{k+1} = \\phi\\epsilon_k + \\sigma\\sqrt{1-\\phi^2}\\,z_k`,
    :math:`\\phi = e^{-\\Delta t/T_c}`, :math:`\\epsilon_0 \\sim N(0, \\sigma^2)`: the exact
    discretisation of an Ornstein-Uhlenbeck process (Gillespie 1996).

    References
    ----------
    Gillespie, D. T. (1996). Exact numerical simulation of the Ornstein-Uhlenbeck process and
    its integral. *Phys. Rev. E* 54(2), 2084-2091.
    """
    if n_steps == 0 or noise_cv == 0.0:
        return np.zeros(n_steps)  # no draws: a noise-free feeder never touches rng
    phi = float(np.exp(-step_s / correlation_s))
    z = rng.standard_normal(n_steps)
    shocks = noise_cv * np.sqrt(1.0 - phi * phi) * z
    shocks[0] = noise_cv * z[0]
    return lfilter([1.0], [1.0, -phi], shocks)


def refill_fraction(
    time_s: ArrayLike, interval_s: float, duration_s: float, deviation_fraction: float,
    phase_s: float = 0.0,
) -> FloatArray:
    """Relative flow error while the feeder hopper is refilled (volumetric mode).

    Parameters
    ----------
    time_s : array_like
        Times [s].
    interval_s : float
        Time between refills [s].
    duration_s : float
        Refill duration [s].
    deviation_fraction : float
        Relative flow error during a refill [-].
    phase_s : float
        Time of the first refill [s].

    Returns
    -------
    numpy.ndarray
        ``deviation_fraction`` during refills, 0 otherwise [-].

    Notes
    -----
    During a refill a LIW feeder cannot weigh what it delivers and runs at a fixed screw
    speed; powder densification by the incoming material makes it over- or under-feed
    (the refill disturbance discussed by Engisch & Muzzio 2016).
    """
    t = np.asarray(time_s, dtype=float)
    since = np.mod(t - phase_s, interval_s)
    active = (t >= phase_s) & (since < duration_s)
    return np.where(active, deviation_fraction, 0.0)


def drift_fraction(time_s: ArrayLike, drift_fraction_per_h: float) -> FloatArray:
    """Linear drift of the delivered flow [-]: ``drift_fraction_per_h * t / 3600``."""
    return drift_fraction_per_h * np.asarray(time_s, dtype=float) / 3600.0


def disturbance_fraction(
    time_s: ArrayLike, disturbances: Sequence[FeedDisturbance]
) -> FloatArray:
    """Sum of rectangular upsets active at each time [-] (all given events are applied).

    ``time_s`` must be increasing; an upset is active for ``start_s <= t < start_s +
    duration_s``.
    """
    t = np.asarray(time_s, dtype=float)
    out = np.zeros_like(t)
    for d in disturbances:
        lo, hi = np.searchsorted(t, [d.start_s, d.start_s + d.duration_s], side="left")
        out[lo:hi] += d.magnitude_fraction
    return out


def first_order_ramp(
    time_s: ArrayLike, start_s: float, stop_s: float, time_constant_s: float
) -> FloatArray:
    """Share of set-point delivered by a feeder started at ``start_s`` and stopped at ``stop_s``.

    Parameters
    ----------
    time_s : array_like
        Times [s].
    start_s, stop_s : float
        Start and stop commands [s] (``stop_s = inf`` for a feeder that keeps running).
    time_constant_s : float
        First-order time constant of the ramp-up and ramp-down [s].

    Returns
    -------
    numpy.ndarray
        :math:`1 - e^{-(t-t_0)/T}` after start, times :math:`e^{-(t-t_1)/T}` after stop [-].

    Notes
    -----
    assumption: a first-order approach to set-point; the time constant comes from the
    feeder parameters (twin defaults).
    """
    t = np.asarray(time_s, dtype=float)
    up = np.where(t >= start_s, -np.expm1(-(np.maximum(t - start_s, 0.0)) / time_constant_s), 0.0)
    if np.isfinite(stop_s):
        up_at_stop = -np.expm1(-max(stop_s - start_s, 0.0) / time_constant_s)
        down = up_at_stop * np.exp(-np.maximum(t - stop_s, 0.0) / time_constant_s)
        up = np.where(t >= stop_s, down, up)
    return up


def feed_rate_kg_per_h(
    time_s: ArrayLike,
    feeder: FeederParameters,
    disturbances: Sequence[FeedDisturbance],
    rng: np.random.Generator,
    ramp_fraction: ArrayLike = 1.0,
) -> FloatArray:
    """Delivered mass flow of one LIW feeder on a uniform time grid.

    Parameters
    ----------
    time_s : array_like
        Uniform time grid [s] (start of each step).
    feeder : FeederParameters
        Set-point [kg/h], noise, refill and drift parameters.
    disturbances : sequence of FeedDisturbance
        Upsets; only those whose ``feeder`` equals ``feeder.name`` are applied.
    rng : numpy.random.Generator
        Random stream for the noise.
    ramp_fraction : array_like
        Start-up / shut-down multiplier per step (1 = running), see :func:`first_order_ramp`.

    Returns
    -------
    numpy.ndarray
        Delivered flow per step [kg/h], >= 0.

    Notes
    -----
    :math:`\\dot m = \\max(0,\\ r(t)\\,\\dot m_{sp}[1 + \\epsilon(t) + \\rho(t) + \\delta t +
    d(t)])` with AR(1) noise :math:`\\epsilon`, refill error :math:`\\rho`, drift rate
    :math:`\\delta` and upsets :math:`d`.
    """
    t = np.asarray(time_s, dtype=float)
    step_s = float(t[1] - t[0]) if t.size > 1 else 1.0
    mine = [d for d in disturbances if d.feeder == feeder.name]
    relative = (
        1.0
        + ar1_noise_fraction(t.size, step_s, feeder.noise_cv, feeder.noise_correlation_s, rng)
        + refill_fraction(t, feeder.refill_interval_s, feeder.refill_duration_s,
                          feeder.refill_deviation_fraction, phase_s=feeder.refill_interval_s)
        + drift_fraction(t, feeder.drift_fraction_per_h)
        + disturbance_fraction(t, mine)
    )
    return np.clip(feeder.setpoint_kg_per_h * np.asarray(ramp_fraction) * relative, 0.0, None)
