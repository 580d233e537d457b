"""Morris screening of the Sobol' G-function ranks the inputs as their analytic total
Sobol' indices do, and ranks the inert input last.

G-function (Saltelli & Sobol' 1995), X_i ~ U(0, 1):
    g(x) = prod_i (|4 x_i - 2| + a_i) / (1 + a_i).
Input i's importance falls as a_i grows: V_i = 1 / (3 (1 + a_i)^2), so with
a = (0, 1, 4.5, 9, 99) the analytic total indices are 0.787, 0.242, 0.034, 0.010, 0.0001
and x_4 (a = 99) is practically inert. Campolongo, Cariboni & Saltelli (2007) show that
mu* (mean absolute elementary effect) is a good proxy of the total index and use the
G-function as their test case; Saltelli et al. (2008, ch. 3) use it the same way.

What is compared: the order of mu* over the five inputs, for five independent sets of
r = 20 trajectories (120 evaluations each). A ranking is a discrete outcome, so there is no
tolerance. The closest pair (a = 4.5 vs 9: mu* about 0.25 vs 0.15, bootstrap half-widths
0.06 and 0.04) is the weakest check, which is why five seeds are run; the inert input is
separated from the others by tens of half-widths (mu* about 0.014 +- 0.004).

References
----------
Saltelli, A., Sobol', I. M. (1995). About the use of rank transformation in sensitivity
analysis of model output. Reliability Engineering & System Safety 50(3), 225-239.

Campolongo, F., Cariboni, J., Saltelli, A. (2007). An effective screening design for
sensitivity analysis of large models. Environmental Modelling & Software 22(10),
1509-1518.

Saltelli, A. et al. (2008). Global Sensitivity Analysis: The Primer. Wiley.
"""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.model import Uniform
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.uq.sensitivity import morris_screening

G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0])
PARAMETERS = [UncertainParameter(path=f"g{i}", distribution=Uniform(dist="uniform", low=0.0,
                                                                      high=1.0))
              for i in range(len(G_A))]


def g_function(x: np.ndarray) -> np.ndarray:
    return np.prod((np.abs(4 * x - 2) + G_A) / (1 + G_A), axis=1)


def analytic_total_indices() -> np.ndarray:
    vi = 1 / (3 * (1 + G_A) ** 2)
    v = np.prod(1 + vi) - 1
    return np.array([vi[i] * np.prod(np.delete(1 + vi, i)) for i in range(len(G_A))]) / v


@pytest.mark.parametrize("seed", range(5))
def test_morris_ranks_g_function_inputs_like_total_sobol_indices(seed):
    result = morris_screening(g_function, PARAMETERS, 20,
                              np.random.default_rng([1991, seed]), vectorised=True)
    ranking = list(result["mu_star"].sort_values(ascending=False).index)
    expected = [PARAMETERS[i].path for i in np.argsort(-analytic_total_indices())]
    assert ranking == expected
    assert ranking[-1] == "g4"  # the inert input (a = 99) last
    # and it is negligible: its mu* is under 5 % of the most important input's
    assert result.loc["g4", "mu_star"] < 0.05 * result["mu_star"].max()
