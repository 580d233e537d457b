"""Fit RTD models to pulse or step tracer data; confidence intervals; model selection.

Nonlinear least squares on log-parameters (mean residence time, shape, signal scale) with
:func:`scipy.optimize.least_squares`; 95 % intervals from the linearised covariance
:math:`s^2 (J^T J)^{-1}` and Student's t (Bates & Watts 1988, Ch. 2), transformed back to
the parameter scale; model selection by the corrected Akaike information criterion
(Burnham & Anderson 2002).

References
----------
.. [1] Bates, D. M., Watts, D. G. (1988). *Nonlinear Regression Analysis and Its
       Applications*. Wiley, New York. Ch. 2.
.. [2] Burnham, K. P., Anderson, D. R. (2002). *Model Selection and Multimodel Inference*,
       2nd ed. Springer, New York. Sec. 2.4 (AICc), 2.9 (Akaike weights).
.. [3] Levenspiel, O. (1999). *Chemical Reaction Engineering*, 3rd ed. Wiley. Ch. 11.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.optimize import least_squares

from rxtwin.errors import UserInputError
from rxtwin.twin.rtd import (
    AxialDispersion,
    FloatArray,
    RtdModel,
    TanksInSeries,
    axial_dispersion_peclet_for_variance,
    exit_age_moments,
)

TracerKind = Literal["pulse", "step"]


@dataclass(frozen=True)
class RtdFamily:
    """A two-parameter RTD model family: how to build it and name its shape parameter."""

    name: str
    shape_name: str
    build: Callable[[float, float], RtdModel]
    shape_from_dimensionless_variance: Callable[[float], float]


RTD_FAMILIES: dict[str, RtdFamily] = {
    "tanks_in_series": RtdFamily(
        "tanks_in_series", "n_tanks", lambda m, s: TanksInSeries(m, s), lambda v: 1.0 / v
    ),
    "axial_dispersion": RtdFamily(
        "axial_dispersion", "peclet", lambda m, s: AxialDispersion(m, s),
        lambda v: axial_dispersion_peclet_for_variance(min(max(v, 1e-4), 1.9)),
    ),
}
"""Model name -> family; the fitting code has no other knowledge of the models."""


@dataclass(frozen=True, eq=False)
class RtdFitResult:
    """Result of fitting one RTD model to tracer data.

    Attributes
    ----------
    model_name : str
        Key of :data:`RTD_FAMILIES`.
    kind : {"pulse", "step"}
        Tracer experiment type.
    parameter_names : tuple of str
        ``("mean_residence_time_s", <shape>, "scale")``.
    estimates, ci95_low, ci95_high : numpy.ndarray
        Estimates and 95 % confidence bounds, same order as ``parameter_names``
        (mean [s], shape [-], scale [signal unit x s for pulse; signal unit for step]).
    rss : float
        Residual sum of squares [signal^2].
    r_squared : float
        Coefficient of determination [-].
    rmse : float
        Residual standard error sqrt(rss / dof) [signal unit].
    aicc, bic : float
        Corrected Akaike and Bayesian information criteria [-].
    n_points, dof : int
        Data points and residual degrees of freedom.
    time_s, signal, fitted : numpy.ndarray
        Data and fitted curve.
    success : bool
        Optimiser convergence flag.
    """

    model_name: str
    kind: TracerKind
    parameter_names: tuple[str, ...]
    estimates: FloatArray
    ci95_low: FloatArray
    ci95_high: FloatArray
    rss: float
    r_squared: float
    rmse: float
    aicc: float
    bic: float
    n_points: int
    dof: int
    time_s: FloatArray
    signal: FloatArray
    fitted: FloatArray
    success: bool

    def parameter(self, name: str) -> float:
        """Estimate of the named parameter."""
        return float(self.estimates[self.parameter_names.index(name)])

    def interval(self, name: str) -> tuple[float, float]:
        """95 % confidence interval of the named parameter."""
        i = self.parameter_names.index(name)
        return float(self.ci95_low[i]), float(self.ci95_high[i])

    def model(self) -> RtdModel:
        """The fitted RTD model object."""
        return RTD_FAMILIES[self.model_name].build(self.estimates[0], self.estimates[1])


def tracer_response(
    model: RtdModel, time_s: ArrayLike, kind: TracerKind, scale: float
) -> FloatArray:
    """Model tracer response: ``scale * E(t)`` (pulse) or ``scale * F(t)`` (step)."""
    if kind == "pulse":
        return scale * model.exit_age_per_s(time_s)
    return scale * model.cumulative(time_s)


def moment_estimates(
    time_s: ArrayLike, signal: ArrayLike, kind: TracerKind
) -> tuple[float, float, float]:
    """Method-of-moments start values: (mean [s], dimensionless variance [-], scale).

    Notes
    -----
    Pulse: moments of the (clipped) signal; step: moments of its numerical derivative
    (Levenspiel 1999, Ch. 11).
    """
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(signal, dtype=float)
    if kind == "pulse":
        e = np.clip(y, 0.0, None)
        scale = float(np.trapezoid(e, t))
    else:
        scale = float(np.median(y[-max(3, y.size // 20):]))
        e = np.clip(np.gradient(y, t), 0.0, None)
    m = exit_age_moments(t, e)
    dimless = m.variance_s2 / m.mean_residence_time_s**2
    return m.mean_residence_time_s, float(min(max(dimless, 0.01), 1.5)), max(scale, 1e-12)


def fit_rtd(
    time_s: ArrayLike, signal: ArrayLike, kind: TracerKind, model_name: str
) -> RtdFitResult:
    """Least-squares fit of one RTD model to pulse or step tracer data.

    Parameters
    ----------
    time_s : array_like
        Sample times since the tracer injection / step [s].
    signal : array_like
        Tracer signal (any unit; a baseline of zero is assumed).
    kind : {"pulse", "step"}
        Pulse data are fitted with ``scale * E(t)``, step data with ``scale * F(t)``.
    model_name : str
        ``"tanks_in_series"`` or ``"axial_dispersion"``.

    Returns
    -------
    RtdFitResult
        Estimates with 95 % intervals and goodness of fit.

    Notes
    -----
    Parameters are fitted as logarithms (positivity); with Jacobian J at the optimum,
    :math:`\\mathrm{Cov}(\\log\\theta) = s^2 (J^TJ)^{-1}`, :math:`s^2 = RSS/(n-p)`, and the
    interval :math:`\\exp(\\log\\hat\\theta \\pm t_{0.975,n-p}\\,se)` (Bates & Watts 1988,
    Ch. 2). :math:`AIC_c = n\\ln(RSS/n) + 2k + 2k(k+1)/(n-k-1)` with k = p + 1 (the noise
    variance counts), :math:`BIC = n\\ln(RSS/n) + k\\ln n` (Burnham & Anderson 2002).
    """
    if kind not in ("pulse", "step"):
        raise UserInputError(f"kind={kind!r}: must be 'pulse' or 'step'")
    if model_name not in RTD_FAMILIES:
        raise UserInputError(f"model_name={model_name!r}: must be one of {sorted(RTD_FAMILIES)}")
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(signal, dtype=float)
    if t.ndim != 1 or t.shape != y.shape or t.size < 6:
        raise UserInputError("time_s and signal must be 1-D arrays of equal length >= 6")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise UserInputError("time_s and signal must be finite numbers")
    if np.any(np.diff(t) <= 0):
        raise UserInputError("time_s must increase strictly")
    family = RTD_FAMILIES[model_name]
    with np.errstate(divide="ignore", invalid="ignore"):  # zero area: checked next
        mean0, dimless0, scale0 = moment_estimates(t, y, kind)
    if not (np.isfinite(mean0) and np.isfinite(dimless0)):
        what = ("never rises above its zero baseline" if kind == "pulse"
                else "never rises above its starting level")
        raise UserInputError(f"signal {what}: there is no {kind} response to fit")
    if mean0 <= 0:
        raise UserInputError(f"the signal's mean time is {mean0:g} s; time_s must count from "
                             "the tracer injection (pulse) or step, so the mean must be > 0")
    x0 = np.log([mean0, family.shape_from_dimensionless_variance(dimless0), scale0])

    def residuals(log_theta: FloatArray) -> FloatArray:
        mean, shape, scale = np.exp(np.clip(log_theta, -50.0, 50.0))
        return tracer_response(family.build(mean, shape), t, kind, scale) - y

    sol = least_squares(residuals, x0, method="trf", x_scale="jac")
    n, p = t.size, 3
    rss = float(np.sum(sol.fun**2))
    dof = n - p
    s2 = rss / dof
    jtj = sol.jac.T @ sol.jac
    cov = s2 * np.linalg.pinv(jtj)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    tq = float(stats.t.ppf(0.975, dof))
    estimates = np.exp(sol.x)
    k = p + 1
    log_term = n * np.log(max(rss, 1e-300) / n)
    aicc = float(log_term + 2 * k + 2 * k * (k + 1) / max(n - k - 1, 1))
    bic = float(log_term + k * np.log(n))
    tss = float(np.sum((y - y.mean()) ** 2))
    return RtdFitResult(
        model_name=model_name,
        kind=kind,
        parameter_names=("mean_residence_time_s", family.shape_name, "scale"),
        estimates=estimates,
        ci95_low=np.exp(sol.x - tq * se),
        ci95_high=np.exp(sol.x + tq * se),
        rss=rss,
        r_squared=1.0 - rss / tss if tss > 0 else float("nan"),
        rmse=float(np.sqrt(s2)),
        aicc=aicc,
        bic=bic,
        n_points=n,
        dof=dof,
        time_s=t,
        signal=y,
        fitted=y + sol.fun,
        success=bool(sol.success),
    )


@dataclass(frozen=True, eq=False)
class RtdModelSelection:
    """Fits of several RTD models to the same data, ranked by AICc.

    Attributes
    ----------
    fits : tuple of RtdFitResult
        One fit per candidate, in candidate order.
    akaike_weights : numpy.ndarray
        :math:`w_i = e^{-\\Delta_i/2} / \\sum_j e^{-\\Delta_j/2}`, :math:`\\Delta_i =
        AIC_{c,i} - \\min AIC_c` (Burnham & Anderson 2002, Sec. 2.9) [-].
    best : RtdFitResult
        The fit with the lowest AICc.
    """

    fits: tuple[RtdFitResult, ...]
    akaike_weights: FloatArray
    best: RtdFitResult


def select_rtd_model(
    time_s: ArrayLike,
    signal: ArrayLike,
    kind: TracerKind,
    candidates: Sequence[str] = ("tanks_in_series", "axial_dispersion"),
) -> RtdModelSelection:
    """Fit each candidate RTD model and pick the one with the lowest AICc.

    Notes
    -----
    All candidates have the same number of parameters, so the AICc ranking equals the
    RSS ranking; the Akaike weights say how decisive it is (Burnham & Anderson 2002).
    """
    fits = tuple(fit_rtd(time_s, signal, kind, name) for name in candidates)
    aicc = np.array([f.aicc for f in fits])
    delta = aicc - aicc.min()
    w = np.exp(-0.5 * delta)
    return RtdModelSelection(fits, w / w.sum(), fits[int(np.argmin(aicc))])
