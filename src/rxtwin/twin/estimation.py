"""State estimation: PAT (NIR) measurement model and a Kalman filter on blend potency.

A local-level (random-walk) Kalman filter estimates the blend potency from noisy, delayed,
sampled NIR readings (Kalman 1960; Durbin & Koopman 2012, Ch. 2). Diversion then acts on
the estimate instead of the raw readings.

Timing assumption: a reading reaching the controller at time t describes the material that
passed the sensor at t - delay; the diversion gate sits far enough downstream (transport
time >= delay + margin) to act on that material.

References
----------
.. [1] Kalman, R. E. (1960). A new approach to linear filtering and prediction problems.
       *J. Basic Eng.* 82(1), 35-45.
.. [2] Durbin, J., Koopman, S. J. (2012). *Time Series Analysis by State Space Methods*,
       2nd ed. Oxford University Press. Ch. 2 (local level model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from rxtwin.errors import UserInputError
from rxtwin.model.twin import DiversionParameters, EstimatorParameters, PatParameters
from rxtwin.twin.diversion import (
    DiversionSummary,
    mask_windows,
    out_of_spec_mask,
    pad_mask,
    score_diversion,
)
from rxtwin.twin.rtd import FloatArray


@dataclass(frozen=True, eq=False)
class PatReadings:
    """Sampled NIR readings.

    Attributes
    ----------
    time_s : numpy.ndarray
        When each reading becomes available [s].
    material_time_s : numpy.ndarray
        When the material it describes passed the sensor (= time_s - delay) [s].
    reading_pct : numpy.ndarray
        Reading [% label claim].
    true_pct : numpy.ndarray
        True potency of that material [% LC] (known in simulation only).
    """

    time_s: FloatArray
    material_time_s: FloatArray
    reading_pct: FloatArray
    true_pct: FloatArray


def pat_readings(
    time_s: ArrayLike, true_potency_pct: ArrayLike, pat: PatParameters, rng: np.random.Generator
) -> PatReadings:
    """Simulate NIR readings of blend potency.

    Parameters
    ----------
    time_s : array_like
        Uniform simulation grid [s].
    true_potency_pct : array_like
        True potency on that grid [% LC]; steps with NaN (no material) give no reading.
    pat : PatParameters
        Sampling interval [s], delay [s], noise SD [% LC].
    rng : numpy.random.Generator
        Random stream for the noise.

    Returns
    -------
    PatReadings

    Notes
    -----
    :math:`z_k = P(t_k) + v_k`, :math:`v_k \\sim N(0, \\sigma_{NIR}^2)`, material sampled at
    :math:`t_k = k\\,\\Delta t_s`, reading available at :math:`t_k + \\delta`.
    """
    t = np.asarray(time_s, dtype=float)
    p = np.asarray(true_potency_pct, dtype=float)
    step = float(t[1] - t[0]) if t.size > 1 else 1.0
    stride = max(1, int(round(pat.sampling_interval_s / step)))
    idx = np.arange(0, t.size, stride)
    idx = idx[np.isfinite(p[idx])]
    material = t[idx]
    truth = p[idx]
    noise = pat.noise_sd_pct * rng.standard_normal(idx.size)
    return PatReadings(material + pat.delay_s, material, truth + noise, truth)


@dataclass(frozen=True, eq=False)
class KalmanResult:
    """Filtered potency.

    Attributes
    ----------
    estimate_pct : numpy.ndarray
        Filtered mean after each reading [% LC].
    sd_pct : numpy.ndarray
        Filtered standard deviation [% LC].
    gain : numpy.ndarray
        Kalman gain used at each reading [-] (0 where a reading was missing).
    """

    estimate_pct: FloatArray
    sd_pct: FloatArray
    gain: FloatArray


def kalman_local_level(
    reading_pct: ArrayLike,
    measurement_sd_pct: float,
    process_sd_pct: float,
    initial_mean_pct: float,
    initial_sd_pct: float,
) -> KalmanResult:
    """Kalman filter of the local-level model on a sequence of readings.

    Parameters
    ----------
    reading_pct : array_like
        Readings [% LC]; NaN = missing (prediction only).
    measurement_sd_pct : float
        Reading noise SD :math:`\\sqrt r` [% LC].
    process_sd_pct : float
        Random-walk SD of the true potency between readings :math:`\\sqrt q` [% LC].
    initial_mean_pct, initial_sd_pct : float
        Prior of the state before the first reading [% LC].

    Returns
    -------
    KalmanResult

    Notes
    -----
    State :math:`x_k = x_{k-1} + w_k`, :math:`w_k\\sim N(0,q)`; reading
    :math:`z_k = x_k + v_k`, :math:`v_k\\sim N(0,r)`. Predict :math:`P^- = P + q`; gain
    :math:`K = P^-/(P^- + r)`; update :math:`\\hat x = \\hat x + K(z - \\hat x)`,
    :math:`P = (1-K)P^-` (Kalman 1960; Durbin & Koopman 2012, Sec. 2.2).
    """
    z = np.asarray(reading_pct, dtype=float)
    r = measurement_sd_pct**2
    q = process_sd_pct**2
    x = float(initial_mean_pct)
    p = float(initial_sd_pct) ** 2
    est = np.empty(z.size)
    var = np.empty(z.size)
    gain = np.zeros(z.size)
    for k, zk in enumerate(z):
        p += q
        if np.isfinite(zk):
            g = p / (p + r)
            x += g * (zk - x)
            p *= 1.0 - g
            gain[k] = g
        est[k] = x
        var[k] = p
    return KalmanResult(est, np.sqrt(var), gain)


@dataclass(frozen=True, eq=False)
class ReplayResult:
    """Diversion decisions from a sequence of NIR readings, raw and filtered.

    Attributes
    ----------
    material_time_s : numpy.ndarray
        Material time of each reading [s].
    reading_pct : numpy.ndarray
        Raw readings [% LC].
    estimate_pct, estimate_sd_pct : numpy.ndarray
        Kalman estimate and its SD [% LC].
    raw_divert, estimator_divert : numpy.ndarray of bool
        Material of each reading interval diverted by the raw-threshold / estimator rule.
    raw_windows, estimator_windows : list of (float, float)
        Diversion windows in material time [s].
    interval_s : float
        Material represented by one reading [s].
    mass_per_reading_kg : float
        Blend mass per reading interval [kg].
    lower_pct, upper_pct : float
        Limits used [% LC].
    """

    material_time_s: FloatArray
    reading_pct: FloatArray
    estimate_pct: FloatArray
    estimate_sd_pct: FloatArray
    raw_divert: np.ndarray
    estimator_divert: np.ndarray
    raw_windows: list[tuple[float, float]]
    estimator_windows: list[tuple[float, float]]
    interval_s: float
    mass_per_reading_kg: float
    lower_pct: float
    upper_pct: float

    @property
    def raw_diverted_kg(self) -> float:
        """Mass diverted by the raw-threshold rule [kg]."""
        return float(self.raw_divert.sum() * self.mass_per_reading_kg)

    @property
    def estimator_diverted_kg(self) -> float:
        """Mass diverted by the estimator rule [kg]."""
        return float(self.estimator_divert.sum() * self.mass_per_reading_kg)


def replay_readings(
    time_s: ArrayLike,
    reading_pct: ArrayLike,
    pat: PatParameters,
    estimator: EstimatorParameters,
    limits: DiversionParameters,
    blend_flow_kg_per_h: float,
) -> ReplayResult:
    """Run the Kalman filter over recorded readings and flag diversion windows.

    Parameters
    ----------
    time_s : array_like
        Reading times, increasing, evenly spaced [s].
    reading_pct : array_like
        NIR potency readings [% LC].
    pat : PatParameters
        Noise SD (the filter's r) and delay (material time = time - delay).
    estimator : EstimatorParameters
        Random-walk SD (q) and prior SD; the prior mean is 100 % LC.
    limits : DiversionParameters
        Limits and the margin added around each window.
    blend_flow_kg_per_h : float
        Blend flow through the sensor [kg/h], to convert windows to mass.

    Returns
    -------
    ReplayResult

    Notes
    -----
    Raw rule: divert a reading's interval when the reading is outside the limits. Estimator
    rule: divert when the Kalman estimate is. Both windows are widened by ``limits.pad_s``
    on each side (same margin, so the comparison is fair).
    """
    t = np.asarray(time_s, dtype=float)
    z = np.asarray(reading_pct, dtype=float)
    if t.size < 2:
        raise UserInputError("replay needs at least two readings")
    interval = float(np.median(np.diff(t)))
    kf = kalman_local_level(z, pat.noise_sd_pct, estimator.process_sd_pct, 100.0,
                            estimator.initial_sd_pct)
    pad = int(np.ceil(limits.pad_s / interval))
    raw = pad_mask(out_of_spec_mask(z, limits.lower_pct, limits.upper_pct), pad)
    est = pad_mask(out_of_spec_mask(kf.estimate_pct, limits.lower_pct, limits.upper_pct), pad)
    material = t - pat.delay_s
    return ReplayResult(
        material_time_s=material,
        reading_pct=z,
        estimate_pct=kf.estimate_pct,
        estimate_sd_pct=kf.sd_pct,
        raw_divert=raw,
        estimator_divert=est,
        raw_windows=mask_windows(material, raw, interval),
        estimator_windows=mask_windows(material, est, interval),
        interval_s=interval,
        mass_per_reading_kg=blend_flow_kg_per_h * interval / 3600.0,
        lower_pct=limits.lower_pct,
        upper_pct=limits.upper_pct,
    )


@dataclass(frozen=True)
class DiversionComparison:
    """Raw-threshold vs estimator diversion, scored against the true potency.

    Attributes
    ----------
    raw, estimator : DiversionSummary
        Scores of the two rules.
    raw_rmse_pct, estimator_rmse_pct : float
        Root-mean-square error of readings / estimate against the truth [% LC].
    """

    raw: DiversionSummary
    estimator: DiversionSummary
    raw_rmse_pct: float
    estimator_rmse_pct: float


def compare_diversion(replay: ReplayResult, true_potency_pct: ArrayLike) -> DiversionComparison:
    """Score a replay against the true potency of each reading's material [% LC]."""
    truth = np.asarray(true_potency_pct, dtype=float)
    bad = out_of_spec_mask(truth, replay.lower_pct, replay.upper_pct)
    ok = np.isfinite(truth)
    return DiversionComparison(
        raw=score_diversion(replay.raw_divert, bad, replay.mass_per_reading_kg),
        estimator=score_diversion(replay.estimator_divert, bad, replay.mass_per_reading_kg),
        raw_rmse_pct=float(np.sqrt(np.mean((replay.reading_pct[ok] - truth[ok]) ** 2))),
        estimator_rmse_pct=float(np.sqrt(np.mean((replay.estimate_pct[ok] - truth[ok]) ** 2))),
    )
