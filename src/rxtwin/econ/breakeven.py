"""Break-even solvers: where does a figure of merit cross a target?

* :func:`solve_breakeven` -- one variable, Brent's method on a bracket, with a diagnostic
  error when the bracket holds no crossing.
* :func:`breakeven_map` -- a 2-D grid of a function, as a tidy table for a contour plot.
* :func:`required_subsidy_fraction` -- the capex-grant or investment-tax-credit share at
  which a project's NPV is zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from enum import StrEnum

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from rxtwin.econ.cashflow import CashFlowInputs, net_cash_flows_usd
from rxtwin.econ.metrics import npv_usd
from rxtwin.errors import UserInputError

__all__ = [
    "BreakevenBracketError",
    "Subsidy",
    "breakeven_map",
    "required_subsidy_fraction",
    "solve_breakeven",
]


class BreakevenBracketError(ValueError):
    """The bracket [lo, hi] does not contain a crossing of the target."""


def solve_breakeven(
    f: Callable[[float], float],
    lo: float,
    hi: float,
    target: float = 0.0,
    *,
    xtol: float = 1e-12,
    rtol: float = 1e-10,
    maxiter: int = 200,
) -> float:
    """Find ``x`` in ``[lo, hi]`` with ``f(x) = target``.

    Parameters
    ----------
    f : callable
        Continuous function of one variable (units of ``target``).
    lo, hi : float
        Bracket, ``lo < hi`` (units of x).
    target : float, optional
        Value to reach (default 0, e.g. NPV = 0).
    xtol, rtol : float, optional
        Absolute and relative tolerance on x, passed to ``scipy.optimize.brentq``.
    maxiter : int, optional
        Iteration limit of ``brentq``.

    Returns
    -------
    float
        A root of ``f(x) - target`` in the bracket (the only one if ``f`` is monotone).

    Raises
    ------
    BreakevenBracketError
        If ``f(lo) - target`` and ``f(hi) - target`` have the same sign (no crossing is
        guaranteed) or either is not finite; the message reports f(lo) and f(hi).

    Notes
    -----
    Brent's method (inverse quadratic interpolation safeguarded by bisection) converges
    for any continuous ``f`` with a sign change on the bracket.

    References
    ----------
    Brent, R. P. (1973), *Algorithms for Minimization without Derivatives*, Prentice-Hall,
    ch. 4.

    Examples
    --------
    >>> round(solve_breakeven(lambda x: x * x, 0.0, 3.0, target=2.0), 12)
    1.414213562373
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise BreakevenBracketError(f"bracket lo = {lo}, hi = {hi} must be finite with lo < hi")
    f_lo, f_hi = float(f(lo)), float(f(hi))
    described = f"f(lo={lo:g}) = {f_lo:g}, f(hi={hi:g}) = {f_hi:g}, target = {target:g}"
    if not (math.isfinite(f_lo) and math.isfinite(f_hi)):
        raise BreakevenBracketError(f"f is not finite at the bracket ends: {described}")
    g_lo, g_hi = f_lo - target, f_hi - target
    if g_lo == 0.0:
        return lo
    if g_hi == 0.0:
        return hi
    if np.sign(g_lo) == np.sign(g_hi):
        side = "above" if g_lo > 0 else "below"
        raise BreakevenBracketError(
            f"no break-even in [{lo:g}, {hi:g}]: f is {side} the target at both ends "
            f"({described}); widen the bracket or check that a break-even exists"
        )
    return float(
        brentq(lambda x: float(f(x)) - target, lo, hi, xtol=xtol, rtol=rtol, maxiter=maxiter)
    )


def breakeven_map(
    f2: Callable[[float, float], float],
    xs: Sequence[float] | np.ndarray,
    ys: Sequence[float] | np.ndarray,
    *,
    x_name: str = "x",
    y_name: str = "y",
    value_name: str = "value",
    target: float = 0.0,
) -> pd.DataFrame:
    """Evaluate ``f2`` on the grid ``xs`` x ``ys`` as a tidy table.

    Parameters
    ----------
    f2 : callable
        Function of two variables, e.g. NPV as a function of products per line and run
        length.
    xs, ys : sequence of float
        Grid values (units of each variable).
    x_name, y_name, value_name : str, optional
        Column names (put the units in them, e.g. ``"run_length_days"``).
    target : float, optional
        Break-even level (default 0).

    Returns
    -------
    pandas.DataFrame
        ``len(xs) * len(ys)`` rows, x varying slowest; columns ``x_name``, ``y_name``,
        ``value_name`` and ``meets_target`` (``value >= target``). The break-even curve is
        the ``value = target`` contour.
    """
    x_values = np.asarray(xs, dtype=float).ravel()
    y_values = np.asarray(ys, dtype=float).ravel()
    if x_values.size == 0 or y_values.size == 0:
        raise UserInputError(
            f"xs has {x_values.size} and ys {y_values.size} values; both need >= 1"
        )
    if len({x_name, y_name, value_name, "meets_target"}) != 4:
        raise UserInputError(
            f"x_name = {x_name!r}, y_name = {y_name!r}, value_name = {value_name!r} must be "
            f"distinct and not 'meets_target'"
        )
    grid_x, grid_y = np.meshgrid(x_values, y_values, indexing="ij")
    values = np.array(
        [float(f2(float(x), float(y))) for x, y in zip(grid_x.ravel(), grid_y.ravel(), strict=True)]
    )
    return pd.DataFrame(
        {
            x_name: grid_x.ravel(),
            y_name: grid_y.ravel(),
            value_name: values,
            "meets_target": values >= target,
        }
    )


class Subsidy(StrEnum):
    """Which subsidy :func:`required_subsidy_fraction` solves for (value = input field)."""

    CAPEX_GRANT = "capex_grant_fraction"
    INVESTMENT_TAX_CREDIT = "itc_fraction"


def required_subsidy_fraction(
    inputs: CashFlowInputs,
    rate: float,
    subsidy: Subsidy | str = Subsidy.CAPEX_GRANT,
    max_fraction: float = 1.0,
) -> float:
    """Smallest capex-grant or ITC share at which the project's NPV reaches zero.

    Parameters
    ----------
    inputs : CashFlowInputs
        The project; its other subsidy settings are kept as they are.
    rate : float
        Discount rate, usually the firm's hurdle rate [1/yr].
    subsidy : Subsidy or str, optional
        ``"capex_grant_fraction"`` (default) or ``"itc_fraction"``.
    max_fraction : float, optional
        Largest share to consider [-], in (0, 1].

    Returns
    -------
    float
        Required share [-]; 0.0 if the project already has NPV >= 0 without this subsidy.

    Raises
    ------
    BreakevenBracketError
        If even ``max_fraction`` leaves the NPV negative.

    Notes
    -----
    NPV increases with either share (each subsidy dollar costs at most ``tax_rate`` of a
    dollar in lost depreciation shield, paid no earlier than the subsidy; property-tested
    in ``tests/properties/test_econ_cashflow_properties.py``), so the root is unique.
    """
    try:
        kind = Subsidy(subsidy)
    except ValueError:
        raise UserInputError(
            f"subsidy = {subsidy!r} is unknown; must be one of {[s.value for s in Subsidy]}"
        ) from None
    if not 0.0 < max_fraction <= 1.0:
        raise UserInputError(f"max_fraction = {max_fraction} must be within (0, 1]")

    def npv_at(fraction: float) -> float:
        return npv_usd(rate, net_cash_flows_usd(inputs.model_copy(update={kind.value: fraction})))

    npv_without = npv_at(0.0)
    if npv_without >= 0.0:
        return 0.0
    npv_with_max = npv_at(max_fraction)
    if npv_with_max < 0.0:
        raise BreakevenBracketError(
            f"even {kind.value} = {max_fraction:g} leaves NPV = {npv_with_max:,.0f} USD < 0 at "
            f"{rate:.1%}/yr (NPV without it: {npv_without:,.0f} USD); this subsidy "
            f"alone cannot make the project break even"
        )
    return solve_breakeven(npv_at, 0.0, max_fraction, target=0.0)
