"""Confidence intervals for a binomial proportion, on ``scipy.stats.binomtest``."""

from __future__ import annotations

from scipy import stats

from rxtwin.errors import UserInputError

__all__ = ["wilson_interval"]


def wilson_interval(events_count: int, trials_count: int,
                    confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    events_count : int
        Successes, 0 <= events_count <= trials_count [-].
    trials_count : int
        Trials, > 0 [-].
    confidence : float
        Two-sided confidence level in (0, 1) [-]; default 0.95, the usual reporting level.

    Returns
    -------
    tuple of float
        (lower, upper) bounds [-]; exactly 0 when ``events_count = 0`` and exactly 1 when
        ``events_count = trials_count``.

    Notes
    -----
    With :math:`\\hat p = k/n` and :math:`z = \\Phi^{-1}(1 - \\alpha/2)`:

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    Wilson (1927) [1]_; the form above is eq. (4) of Brown, Cai and DasGupta (2001) [2]_.
    Evaluated by ``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="wilson")``.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
       inference. Journal of the American Statistical Association, 22(158), 209-212.
    .. [2] Brown, L. D., Cai, T. T., and DasGupta, A. (2001). Interval estimation for a
       binomial proportion. Statistical Science, 16(2), 101-133.

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(197, 2644)]
    [0.0651, 0.0851]
    """
    if int(trials_count) != trials_count or int(events_count) != events_count:
        raise UserInputError(f"events_count={events_count} and trials_count={trials_count} "
                             "must be whole numbers")
    if trials_count <= 0:
        raise UserInputError(f"trials_count={trials_count} must be > 0")
    if not 0 <= events_count <= trials_count:
        raise UserInputError(f"events_count={events_count} must lie in [0, trials_count="
                             f"{trials_count}]")
    if not 0 < confidence < 1:
        raise UserInputError(f"confidence={confidence} must lie strictly between 0 and 1")
    interval = stats.binomtest(int(events_count), int(trials_count)).proportion_ci(
        confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)
