"""Published closed forms of the RTD models reproduced by the twin's E(t).

Sources (textbook results, typed in here rather than imported from rxtwin):
* Levenspiel, O. (1999). Chemical Reaction Engineering, 3rd ed. Wiley.
  Ch. 14 (tanks in series): sigma^2 / t_bar^2 = 1/N; E_theta has its maximum at
  theta = (N - 1)/N. Ch. 13: for small dispersion, sigma_theta^2 = 2 D/(uL) = 2/Pe, and the
  tanks-in-series and dispersion models coincide with N = Pe/2.
* Levenspiel, O., Smith, W. K. (1957). Chem. Eng. Sci. 6, 227-233: open-open vessel,
  t_bar = (1 + 2/Pe) L/u and sigma^2/(L/u)^2 = 2/Pe + 8/Pe^2.
"""

import numpy as np
import pytest
from scipy.integrate import quad

from rxtwin.twin.rtd import axial_dispersion_exit_age_per_s, tanks_in_series_exit_age_per_s


def _numerical_moments(e, upper):
    area = quad(e, 0, upper, limit=500)[0]
    mean = quad(lambda t: t * e(t), 0, upper, limit=500)[0] / area
    var = quad(lambda t: (t - mean) ** 2 * e(t), 0, upper, limit=500)[0] / area
    return area, mean, var


@pytest.mark.parametrize("n_tanks", [1, 2, 5, 20])
def test_tanks_in_series_variance_and_mode_match_levenspiel_1999_ch14(n_tanks):
    # compared: moments of E(t) by quadrature and the position of its maximum;
    # tolerance 1e-8 (quadrature error), 1e-3 t_bar for the mode (grid of 1e-4 t_bar)
    t_bar = 60.0
    e = lambda t: float(tanks_in_series_exit_age_per_s(t, t_bar, n_tanks))  # noqa: E731
    area, mean, var = _numerical_moments(e, 50 * t_bar)
    assert area == pytest.approx(1.0, rel=1e-8)
    assert mean == pytest.approx(t_bar, rel=1e-8)
    assert var / t_bar**2 == pytest.approx(1.0 / n_tanks, rel=1e-8)
    if n_tanks > 1:
        grid = np.linspace(1e-6, 2 * t_bar, 20001)
        mode = grid[np.argmax(tanks_in_series_exit_age_per_s(grid, t_bar, n_tanks))]
        assert mode / t_bar == pytest.approx((n_tanks - 1) / n_tanks, abs=1e-3)


@pytest.mark.parametrize("peclet", [1.0, 5.0, 20.0, 100.0])
def test_open_open_moments_match_levenspiel_smith_1957(peclet):
    # compared: mean and variance of the twin's E(t) by quadrature vs the published
    # formulas in L/u units; tolerance 1e-7 (quadrature)
    space_time = 30.0
    t_bar = (1 + 2 / peclet) * space_time
    e = lambda t: float(axial_dispersion_exit_age_per_s(t, t_bar, peclet))  # noqa: E731
    area, mean, var = _numerical_moments(e, 80 * t_bar)
    assert area == pytest.approx(1.0, rel=1e-8)
    assert mean == pytest.approx(t_bar, rel=1e-7)
    assert var / space_time**2 == pytest.approx(2 / peclet + 8 / peclet**2, rel=1e-7)


def test_small_dispersion_equivalence_levenspiel_1999_ch13_14():
    # compared: E_theta of dispersion at Pe = 400 and of N = Pe/2 = 200 tanks. Both tend to
    # the same Gaussian of variance 2/Pe; their difference is O(Pe^-1/2) of the peak, so
    # 5 % of the peak height is the stated tolerance.
    peclet, t_bar = 400.0, 100.0
    t = np.linspace(50, 150, 2001)
    ad = axial_dispersion_exit_age_per_s(t, t_bar, peclet)
    tis = tanks_in_series_exit_age_per_s(t, t_bar, peclet / 2)
    assert np.max(np.abs(ad - tis)) < 0.05 * ad.max()
