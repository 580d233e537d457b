"""Kaplan-Meier estimate of the 6-MP remission durations against Klein and Moeschberger.

Published case: remission durations [weeks] of the 21 children on 6-mercaptopurine in
Freireich et al. (1963), "The effect of 6-mercaptopurine on the duration of steroid-induced
remissions in acute leukemia", Blood 21(6), 699-716; tabulated in Klein, J. P., and
Moeschberger, M. L. (2003), Survival Analysis: Techniques for Censored and Truncated Data,
2nd ed., Springer, Table 1.1 (data) and Table 4.1A ("Construction of the product-limit
estimator and its estimated variance for the 6-MP group": S(t) and its Greenwood standard
error at each relapse time). The same table is in Kalbfleisch and Prentice (2002), The
Statistical Analysis of Failure Time Data, 2nd ed., sec. 1.1.1.

Compared:

1. The survival estimate at the seven relapse times equals the published S(t) to three
   decimals (tolerance half a unit in the third decimal, 5e-4).
2. The Greenwood standard error implied by the linear interval, (S - lower) / z, equals the
   published standard error to three decimals (5e-4; the lower bound is not
   clipped at these times, the upper one is at t = 6).
3. The log-log interval is the one of Klein and Moeschberger eq. (4.3.2),
   S^(exp(-/+ z SE / (S ln S))), evaluated from the published S and SE; rounding of the
   published inputs moves the bounds by less than 2e-3, the tolerance.
4. Quantiles: the median is 23 weeks (S(22) = 0.538 > 0.5 >= S(23) = 0.448), the lower
   quartile 13 weeks (S(13) = 0.690 <= 0.75), and the upper quartile is not reached
   (the estimate never falls below 0.448).
"""

from __future__ import annotations

import numpy as np

from rxtwin.stats.survival import kaplan_meier

# Klein and Moeschberger (2003) Table 1.1, 6-MP group: remission length [weeks], censored.
WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
CENSORED = [0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1]

# Klein and Moeschberger (2003) Table 4.1A: relapse time [weeks] -> (S(t), SE[S(t)]).
TABLE_4_1A = {6: (0.857, 0.076), 7: (0.807, 0.087), 10: (0.753, 0.096), 13: (0.690, 0.107),
              16: (0.627, 0.114), 22: (0.538, 0.128), 23: (0.448, 0.135)}
Z95 = 1.959963984540054


def _at(estimate, times):
    return np.searchsorted(estimate.times, times)


def test_6mp_survival_matches_klein_moeschberger_table_4_1a():
    estimate = kaplan_meier(WEEKS, np.array(CENSORED, bool))
    times = np.array(list(TABLE_4_1A))
    published = np.array([s for s, _ in TABLE_4_1A.values()])
    np.testing.assert_array_equal(estimate.times[_at(estimate, times)], times)
    np.testing.assert_allclose(estimate.survival[_at(estimate, times)], published, atol=5e-4,
                               rtol=0)


def test_6mp_greenwood_standard_error_matches_klein_moeschberger_table_4_1a():
    estimate = kaplan_meier(WEEKS, np.array(CENSORED, bool))
    lower, _ = estimate.survival_interval(0.95, method="linear")
    index = _at(estimate, list(TABLE_4_1A))
    assert np.all(lower[index] > 0)  # not clipped, so the half-width is z SE
    standard_error = (estimate.survival[index] - lower[index]) / Z95
    published = np.array([se for _, se in TABLE_4_1A.values()])
    np.testing.assert_allclose(standard_error, published, atol=5e-4, rtol=0)


def test_6mp_log_log_interval_is_klein_moeschberger_eq_4_3_2():
    estimate = kaplan_meier(WEEKS, np.array(CENSORED, bool))
    lower, upper = estimate.survival_interval(0.95, method="log-log")
    index = _at(estimate, list(TABLE_4_1A))
    s, se = np.array(list(TABLE_4_1A.values())).T
    theta = np.exp(Z95 * se / (s * np.log(s)))
    np.testing.assert_allclose(lower[index], s ** (1 / theta), atol=2e-3, rtol=0)
    np.testing.assert_allclose(upper[index], s ** theta, atol=2e-3, rtol=0)


def test_6mp_quantiles_median_23_weeks_upper_quartile_not_reached():
    estimate = kaplan_meier(WEEKS, np.array(CENSORED, bool))
    np.testing.assert_array_equal(estimate.quantiles([0.25, 0.5, 0.75]), [13.0, 23.0, np.nan])
