"""Durations with right-censoring: the Kaplan-Meier estimate, on ``scipy.stats.ecdf``.

One estimator for every caller: the FDA shortage-episode durations
(:func:`rxtwin.data.public_tables.duration_summary`), the simulated shortage-episode
lengths of the supply simulator and their comparison with the FDA episodes
(:mod:`rxtwin.supply.disruption`). Survival function, quantiles and Greenwood confidence
intervals come from :func:`scipy.stats.ecdf` applied to :class:`scipy.stats.CensoredData`.

Observations may carry frequency weights (counts per distinct duration, as a histogram
holds them). Whole-number weights are expanded into that many observations and go through
scipy. Fractional weights (the supply comparison weights each simulated episode by the
chance that a yearly snapshot sees it) are outside what ``scipy.stats.ecdf`` accepts; for
them :func:`kaplan_meier` evaluates the same product-limit formula on the weighted counts
itself, and offers no confidence interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from rxtwin.errors import UserInputError

__all__ = ["KaplanMeierEstimate", "kaplan_meier", "kaplan_meier_from_counts"]

#: Slack on ``1 - S(t) >= q`` when reading a quantile [-]: a survival that reaches ``1 - q``
#: exactly in exact arithmetic (e.g. ``(1 - 1/4)(1 - 1/3) = 1/2``) may land an ulp above it
#: in floating point; the quantile is that time all the same.
QUANTILE_SLACK = 1e-12

_INTERVAL_METHODS = ("linear", "log-log")


@dataclass(frozen=True, eq=False)
class KaplanMeierEstimate:
    """A Kaplan-Meier estimate at the distinct observed durations.

    Attributes
    ----------
    times : numpy.ndarray
        Distinct observed durations with positive weight, increasing [unit of the input,
        e.g. d].
    survival : numpy.ndarray
        :math:`\\hat S(t_i)`, the estimated probability that a duration exceeds
        ``times[i]`` [-].
    """

    times: np.ndarray
    survival: np.ndarray
    _ecdf: Any = field(default=None, repr=False, compare=False)

    def quantiles(self, probabilities: Sequence[float] | np.ndarray) -> np.ndarray:
        """Durations by which a share ``q`` of durations has ended.

        Parameters
        ----------
        probabilities : sequence of float
            Levels ``q`` in (0, 1) [-], e.g. 0.5 for the median, 0.75 for the upper quartile.

        Returns
        -------
        numpy.ndarray
            For each ``q`` the smallest event time ``t`` with ``1 - S(t) >= q`` [unit of the
            input]; NaN where the estimate never falls that low (too much censoring) or
            there are no data. Without censoring this is the empirical quantile with the
            inverted-CDF definition (Hyndman and Fan 1996, definition 1). ``q`` is compared
            with a slack of :data:`QUANTILE_SLACK`.
        """
        probs = np.asarray(probabilities, dtype=float)
        if np.any(~((probs > 0) & (probs < 1))):
            raise UserInputError(f"probabilities {probs.tolist()} must lie strictly between "
                                 "0 and 1")
        ended = 1.0 - self.survival
        out = np.full(probs.shape, np.nan)
        for k, q in np.ndenumerate(probs):
            # ``ended > 0``: not before the first event, however small ``q``
            reached = np.nonzero((ended >= q - QUANTILE_SLACK) & (ended > 0))[0]
            if reached.size:
                out[k] = self.times[reached[0]]
        return out

    def survival_interval(
        self, confidence: float = 0.95, method: Literal["linear", "log-log"] = "log-log"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pointwise confidence interval of the survival function, from Greenwood's variance.

        Parameters
        ----------
        confidence : float
            Two-sided confidence level in (0, 1) [-]; default 0.95.
        method : {"log-log", "linear"}
            ``"log-log"`` (default): the interval for ``log(-log S)``, mapped back, which
            stays inside (0, 1) and covers better in small samples (Kalbfleisch and
            Prentice 2002, sec. 1.4, eq. 1.16). ``"linear"``: ``S -/+ z SE(S)`` clipped to
            [0, 1].

        Returns
        -------
        tuple of numpy.ndarray
            ``(lower, upper)`` at :attr:`times` [-]; NaN where the formula is undefined
            (e.g. after the survival reaches 0, or at ``S = 1`` for log-log).

        Notes
        -----
        Greenwood (1926): :math:`\\widehat{Var}[\\hat S(t)] = \\hat S(t)^2 \\sum_{t_i \\le t}
        d_i / (n_i (n_i - d_i))`. Evaluated by
        ``scipy.stats.ecdf(...).sf.confidence_interval(confidence, method=...)``.
        """
        if self._ecdf is None:
            raise UserInputError("a confidence interval needs whole-number weights (counts); "
                                 "this estimate was made with fractional weights")
        if not 0 < confidence < 1:
            raise UserInputError(f"confidence={confidence!r} must lie strictly between 0 and 1")
        if method not in _INTERVAL_METHODS:
            raise UserInputError(f"method={method!r} is not an interval method; valid: "
                                 f"{', '.join(_INTERVAL_METHODS)}")
        if self.times.size == 0:
            return np.zeros(0), np.zeros(0)
        with warnings.catch_warnings():
            # scipy warns where the formula is undefined; the NaN says so already
            warnings.simplefilter("ignore", RuntimeWarning)
            interval = self._ecdf.sf.confidence_interval(confidence, method=method)
        return (np.asarray(interval.low.probabilities, float),
                np.asarray(interval.high.probabilities, float))


def kaplan_meier(
    durations: Sequence[float] | np.ndarray,
    censored: Sequence[bool] | np.ndarray,
    weights: Sequence[float] | np.ndarray | None = None,
) -> KaplanMeierEstimate:
    """Kaplan-Meier estimate of a duration distribution from right-censored observations.

    Parameters
    ----------
    durations : array_like
        Observed durations [any time unit, e.g. d]: time to the event, or to censoring.
    censored : array_like of bool
        True where the duration is right-censored (the event was not seen).
    weights : array_like of float, optional
        Frequency weight of each observation [-], >= 0 (e.g. a histogram's counts).
        None counts each observation once.

    Returns
    -------
    KaplanMeierEstimate

    Notes
    -----
    Product-limit estimator :math:`\\hat S(t) = \\prod_{t_i \\le t} (1 - d_i / n_i)`, with
    :math:`d_i` events at time :math:`t_i` and :math:`n_i` durations :math:`\\ge t_i` at risk
    (a duration censored at :math:`t_i` counts as at risk at :math:`t_i`) (Kaplan and Meier
    1958, eq. 2). Computed by :func:`scipy.stats.ecdf` on :class:`scipy.stats.CensoredData`
    (whole-number weights expanded into observations). Fractional weights replace
    :math:`d_i` and :math:`n_i` by weight sums, evaluated here (module docstring).

    References
    ----------
    Kaplan, E. L., and Meier, P. (1958). Nonparametric estimation from incomplete
    observations. Journal of the American Statistical Association, 53(282), 457-481.
    https://doi.org/10.1080/01621459.1958.10501452

    Examples
    --------
    >>> estimate = kaplan_meier([1, 2, 3, 4], [False, True, False, False])
    >>> estimate.survival.tolist()
    [0.75, 0.75, 0.375, 0.0]
    >>> estimate.quantiles([0.5]).tolist()
    [3.0]
    """
    times = np.asarray(durations, dtype=float)
    is_censored = np.asarray(censored, dtype=bool)
    if times.ndim != 1 or times.shape != is_censored.shape:
        raise UserInputError(f"durations has shape {times.shape} but censored has shape "
                             f"{is_censored.shape}; they must be 1-d and match")
    if not np.all(np.isfinite(times)):
        raise UserInputError("durations must be finite")
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if w.shape != times.shape:
            raise UserInputError(f"weights has shape {w.shape} but durations has shape "
                                 f"{times.shape}; they must match")
        if not np.all(np.isfinite(w) & (w >= 0)):
            raise UserInputError("weights must be finite and >= 0")
        if np.any(w != np.round(w)):
            return _weighted_product_limit(times, is_censored, w)
        counts = w.astype(np.int64)
        times, is_censored = np.repeat(times, counts), np.repeat(is_censored, counts)
    if times.size == 0:
        return KaplanMeierEstimate(np.zeros(0), np.zeros(0), None)
    result = stats.ecdf(stats.CensoredData(uncensored=times[~is_censored],
                                           right=times[is_censored]))
    return KaplanMeierEstimate(np.asarray(result.sf.quantiles, float),
                               np.asarray(result.sf.probabilities, float), result)


def kaplan_meier_from_counts(
    durations: Sequence[float] | np.ndarray,
    event_counts: Sequence[float] | np.ndarray,
    censored_counts: Sequence[float] | np.ndarray,
) -> KaplanMeierEstimate:
    """:func:`kaplan_meier` of durations given as counts (or weights) per duration.

    Parameters
    ----------
    durations : array_like (n,)
        Durations [any time unit, e.g. d], e.g. a histogram's bin edges.
    event_counts : array_like (n,)
        Durations that ended (event seen) at each value [-], >= 0.
    censored_counts : array_like (n,)
        Durations right-censored at each value [-], >= 0.

    Returns
    -------
    KaplanMeierEstimate
    """
    values = np.asarray(durations, dtype=float)
    ended = np.asarray(event_counts, dtype=float)
    open_ = np.asarray(censored_counts, dtype=float)
    if not values.shape == ended.shape == open_.shape or values.ndim != 1:
        raise UserInputError(f"durations {values.shape}, event_counts {ended.shape} and "
                             f"censored_counts {open_.shape} must be 1-d of one length")
    return kaplan_meier(np.concatenate([values, values]),
                        np.concatenate([np.zeros(values.size, bool), np.ones(values.size, bool)]),
                        np.concatenate([ended, open_]))


def _weighted_product_limit(times: np.ndarray, is_censored: np.ndarray,
                            weights: np.ndarray) -> KaplanMeierEstimate:
    """Product limit with fractional frequency weights: :math:`d_i` and :math:`n_i` are
    weight sums (``scipy.stats.ecdf`` takes no weights)."""
    values, inverse = np.unique(times, return_inverse=True)
    events = np.bincount(inverse, weights=weights * ~is_censored, minlength=values.size)
    censored = np.bincount(inverse, weights=weights * is_censored, minlength=values.size)
    present = (events + censored) > 0
    values, events, censored = values[present], events[present], censored[present]
    at_risk = np.cumsum((events + censored)[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(events > 0, 1.0 - events / np.where(at_risk > 0, at_risk, 1.0), 1.0)
    return KaplanMeierEstimate(values, np.cumprod(factor), None)
