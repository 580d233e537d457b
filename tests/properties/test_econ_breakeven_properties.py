"""solve_breakeven agrees with a brute-force grid search on hand-made monotone functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.econ.breakeven import BreakevenBracketError, solve_breakeven

SETTINGS = settings(max_examples=80)
GRID_POINTS = 5_001


def make_monotone(weights, centre, direction):
    """A strictly monotone function built from increasing pieces: linear, cubic, tanh, exp."""
    a, b, c, d = weights

    def f(x: float) -> float:
        u = x - centre
        return direction * (a * u + b * u**3 + c * math.tanh(u) + d * math.expm1(u / 4.0))

    return f


def brute_force_crossing(f, lo: float, hi: float, target: float) -> tuple[float, float]:
    """Grid interval [x_k, x_k+1] on which f - target changes sign (first such interval)."""
    grid = np.linspace(lo, hi, GRID_POINTS)
    values = np.array([f(x) for x in grid]) - target
    signs = np.sign(values)
    k = int(np.flatnonzero(signs[:-1] * signs[1:] <= 0)[0])
    return float(grid[k]), float(grid[k + 1])


monotone_functions = st.builds(
    make_monotone,
    st.tuples(
        st.floats(0.01, 10.0),
        st.floats(0.0, 2.0),
        st.floats(0.0, 5.0),
        st.floats(0.0, 3.0),
    ),
    st.floats(-5.0, 5.0),
    st.sampled_from([1.0, -1.0]),
)


@SETTINGS
@given(monotone_functions, st.floats(-10.0, 0.0), st.floats(0.1, 10.0), st.floats(0.001, 0.999))
def test_solver_agrees_with_grid_search(f, lo, width, position):
    # The target is built inside (f(lo), f(hi)), so the bracket always holds a crossing.
    hi = lo + width
    target = f(lo) + position * (f(hi) - f(lo))
    x = solve_breakeven(f, lo, hi, target=target)
    left, right = brute_force_crossing(f, lo, hi, target)
    assert left - 1e-9 <= x <= right + 1e-9
    assert lo <= x <= hi


@SETTINGS
@given(monotone_functions, st.floats(-10.0, 0.0), st.floats(0.1, 10.0), st.floats(0.01, 20.0),
       st.booleans())
def test_solver_reports_both_ends_when_the_bracket_misses(f, lo, width, gap, above):
    # The target is built outside [f(lo), f(hi)] (above or below both ends by `gap`).
    hi = lo + width
    ends = (f(lo), f(hi))
    target = max(ends) + gap if above else min(ends) - gap
    with pytest.raises(BreakevenBracketError, match=r"f\(lo=.*\) = .*, f\(hi=.*\) = "):
        solve_breakeven(f, lo, hi, target=target)
