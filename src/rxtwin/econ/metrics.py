"""Investment-appraisal metrics on a yearly cash-flow vector.

Conventions used by every function here
---------------------------------------
* ``cash_flows_usd[t]`` is the net cash flow of year ``t`` [USD], ``t = 0, 1, ..., n``;
  index 0 is "now" (the decision date).
* **End-of-year convention**: the flow of year ``t`` happens at once at the end of year ``t``
  (year 0's at time 0) and is discounted by ``(1 + rate) ** -t``. This is the
  convention of ``numpy_financial.npv`` and of most textbooks (e.g. Brealey, Myers & Allen,
  *Principles of Corporate Finance*, ch. 2).
* Sign: inflows positive, outflows negative.
* ``rate`` is a fraction per year (0.10 = 10 %/yr), real or nominal to match the
  cash flows; it must exceed -1.

numpy-financial supplies NPV and IRR (``npv``, ``irr``; the IRR is verified and, where
``np.roots`` is inaccurate, replaced by a bracketed root). Its annuity payment ``pmt`` is
numerically unsafe for rates near zero, so the capital recovery factor is written here and
cross-checked against ``pmt`` in the tests. It has no payback period, profitability index or
levelised cost, which are written here and checked against independent computations in
``tests/econ`` and ``tests/properties``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy_financial as npf
from scipy.optimize import brentq

from rxtwin.errors import UserInputError

__all__ = [
    "IrrFlag",
    "IrrResult",
    "capital_recovery_factor",
    "discount_factors",
    "discounted_payback_yr",
    "equivalent_annual_value_usd",
    "irr",
    "levelised_unit_cost_usd_per_unit",
    "npv_usd",
    "payback_yr",
    "profitability_index",
    "sign_changes",
]

FloatSeq = Sequence[float] | np.ndarray


def _as_flows(values: FloatSeq, name: str) -> np.ndarray:
    """Return ``values`` as a finite, non-empty 1-D float array or raise naming ``name``."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise UserInputError(f"{name} must be a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise UserInputError(
            f"{name}[{bad}] = {arr[bad]} is not finite; every value must be finite"
        )
    return arr


def _check_rate(rate: float) -> float:
    rate = float(rate)
    if not math.isfinite(rate) or rate <= -1.0:
        raise UserInputError(f"rate = {rate} must be finite and greater than -1")
    return rate


def discount_factors(rate: float, n_years: int) -> np.ndarray:
    """End-of-year discount factors for years 0..n_years-1.

    Parameters
    ----------
    rate : float
        Discount rate [1/yr], > -1.
    n_years : int
        Number of factors [-].

    Returns
    -------
    numpy.ndarray
        ``(1 + rate) ** -t`` for ``t = 0..n_years-1`` [-].
    """
    rate = _check_rate(rate)
    return (1.0 + rate) ** -np.arange(int(n_years), dtype=float)


def npv_usd(rate: float, cash_flows_usd: FloatSeq) -> float:
    """Net present value of yearly cash flows, year 0 first, end-of-year convention.

    Parameters
    ----------
    rate : float
        Discount rate [1/yr], > -1.
    cash_flows_usd : sequence of float
        Net cash flow of years 0..n [USD]; year 0 is not discounted.

    Returns
    -------
    float
        Net present value at year 0 [USD].

    Notes
    -----
    .. math:: NPV = \\sum_{t=0}^{n} CF_t (1 + r)^{-t}

    Computed with ``numpy_financial.npv`` (which uses the same year-0-undiscounted
    convention).

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 2 and 5.

    Examples
    --------
    >>> round(npv_usd(0.10, [-100.0, 60.0, 60.0]), 4)  # -100 + 60/1.1 + 60/1.21
    4.1322
    """
    rate = _check_rate(rate)
    flows = _as_flows(cash_flows_usd, "cash_flows_usd")
    return float(npf.npv(rate, flows))


def sign_changes(cash_flows_usd: FloatSeq) -> int:
    """Number of sign changes in a cash-flow sequence, zeros skipped [-].

    By Descartes' rule of signs the NPV polynomial in ``v = 1/(1+r)`` has at most this many
    positive roots, i.e. the cash flows have at most this many IRRs above -100 %.
    """
    flows = _as_flows(cash_flows_usd, "cash_flows_usd")
    signs = np.sign(flows[flows != 0.0])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


class IrrFlag(StrEnum):
    """Why an IRR is, or is not, a number.

    ``ok``: exactly one sign change, hence exactly one IRR above -100 %.
    ``no_sign_change``: all flows have one sign (or are zero): NPV never crosses zero, no IRR.
    ``multiple_sign_changes``: several sign changes allow several IRRs (or none); a single
    IRR would be misleading, so NaN is returned; use NPV at the hurdle rate instead.
    ``no_root_found``: one sign change but no root found numerically (should not happen;
    reported rather than hidden).
    """

    OK = "ok"
    NO_SIGN_CHANGE = "no_sign_change"
    MULTIPLE_SIGN_CHANGES = "multiple_sign_changes"
    NO_ROOT_FOUND = "no_root_found"


@dataclass(frozen=True)
class IrrResult:
    """Internal rate of return with the reason it is (not) defined.

    Attributes
    ----------
    irr : float
        The IRR [1/yr], NaN unless ``flag`` is ``ok``.
    flag : IrrFlag
        Why the value is or is not defined.
    sign_changes : int
        Number of sign changes in the cash flows [-].
    """

    irr: float
    flag: IrrFlag
    sign_changes: int

    @property
    def is_defined(self) -> bool:
        """True when the IRR is a unique number."""
        return self.flag is IrrFlag.OK


def _irr_by_bracketing(flows: np.ndarray) -> float:
    """Unique IRR of a one-sign-change series by Brent's method on v = 1/(1+r) in (0, inf)."""
    nonzero = np.flatnonzero(flows)
    trimmed = flows[nonzero[0] :]  # leading zeros only add a root at v = 0
    powers = np.arange(trimmed.size, dtype=float)

    def npv_of_v(v: float) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.sum(trimmed * v**powers))

    v_hi = 1.0  # v = 1 is r = 0; the root may lie far above (IRR near -100 %)
    while np.sign(npv_of_v(v_hi)) == np.sign(trimmed[0]) and v_hi < 1e300:
        v_hi *= 2.0
    if not math.isfinite(npv_of_v(v_hi)) or np.sign(npv_of_v(v_hi)) == np.sign(trimmed[0]):
        return math.nan
    v_root = brentq(npv_of_v, 0.0, v_hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    return 1.0 / v_root - 1.0 if v_root > 0 else math.nan


def _is_root(rate: float, flows: np.ndarray, rel_tol: float = 1e-9) -> bool:
    """True if NPV(rate) is zero to ``rel_tol`` of the sum of absolute discounted flows."""
    if rate <= -1.0:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        present = flows * (1.0 + rate) ** -np.arange(flows.size, dtype=float)
        scale = float(np.sum(np.abs(present)))
        return bool(math.isfinite(scale) and abs(float(np.sum(present))) <= rel_tol * scale)


def irr(cash_flows_usd: FloatSeq) -> IrrResult:
    """Internal rate of return, defined only when it is unique.

    Parameters
    ----------
    cash_flows_usd : sequence of float
        Net cash flow of years 0..n [USD].

    Returns
    -------
    IrrResult
        ``irr`` [1/yr] and a flag. NaN with flag ``no_sign_change`` when all flows
        have one sign; NaN with flag ``multiple_sign_changes`` when the flows change sign more
        than once (several IRRs may exist, e.g. -100, 230, -132 has 10 % and 20 %).

    Notes
    -----
    The IRR solves :math:`\\sum_t CF_t (1 + IRR)^{-t} = 0`. With exactly one sign change,
    Descartes' rule of signs guarantees exactly one root in :math:`v = 1/(1+IRR) > 0`, so
    the IRR is unique. It is computed with ``numpy_financial.irr`` (polynomial roots) and
    checked: if that returns NaN, or a value whose NPV is not zero to 1e-9 of the summed
    absolute present values (``np.roots`` loses accuracy when the flows span many orders of
    magnitude, e.g. ``[-1, 1, 1, 1, 2e-52]`` gives 0.0 instead of 0.8393), Brent's method on
    the bracket :math:`v \\in (0, \\infty)` finds the root instead.

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 5 ("Pitfall 2 -- multiple rates of return").

    Examples
    --------
    >>> round(irr([-100.0, 110.0]).irr, 10)
    0.1
    >>> irr([-100.0, 230.0, -132.0]).flag.value
    'multiple_sign_changes'
    """
    flows = _as_flows(cash_flows_usd, "cash_flows_usd")
    n_changes = sign_changes(flows)
    if n_changes == 0:
        return IrrResult(math.nan, IrrFlag.NO_SIGN_CHANGE, 0)
    if n_changes > 1:
        return IrrResult(math.nan, IrrFlag.MULTIPLE_SIGN_CHANGES, n_changes)
    try:
        with np.errstate(all="ignore"):
            value = float(npf.irr(flows))
    except np.linalg.LinAlgError:  # np.roots fails on overflowing (e.g. subnormal) coefficients
        value = math.nan
    if not (math.isfinite(value) and _is_root(value, flows)):
        value = _irr_by_bracketing(flows)
    if not math.isfinite(value):
        return IrrResult(math.nan, IrrFlag.NO_ROOT_FOUND, n_changes)
    return IrrResult(value, IrrFlag.OK, n_changes)


def _payback_from_flows(flows: np.ndarray) -> float:
    """Year at which the cumulative flow turns non-negative for good, interpolated."""
    cumulative = np.cumsum(flows)
    negative = np.flatnonzero(cumulative < 0.0)
    if negative.size == 0:
        return 0.0
    last_negative = int(negative[-1])
    if last_negative == flows.size - 1:
        return math.inf
    # cumulative[last_negative] < 0 <= cumulative[last_negative + 1], so the next flow > 0.
    return last_negative + float(-cumulative[last_negative] / flows[last_negative + 1])


def payback_yr(cash_flows_usd: FloatSeq) -> float:
    """Simple (undiscounted) payback period, interpolated linearly within the year.

    Parameters
    ----------
    cash_flows_usd : sequence of float
        Net cash flow of years 0..n [USD].

    Returns
    -------
    float
        Payback period [yr]: 0.0 if the cumulative cash flow is never negative,
        ``math.inf`` if it is still negative at year n.

    Notes
    -----
    With cumulative flow :math:`C_t = \\sum_{s \\le t} CF_s` and :math:`k` the last year
    with :math:`C_k < 0`, the payback is

    .. math:: PB = k + \\frac{-C_k}{CF_{k+1}}

    i.e. the flow of year :math:`k+1` is taken as spread evenly over that year (the usual
    textbook interpolation, even though NPV uses end-of-year timing). Taking the *last*
    negative year means a project whose cumulative turns negative again (a later overhaul)
    has not paid back until it recovers for good; for a conventional project (outlays then
    inflows) this equals the first crossing.

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 5 ("The payback rule").

    Examples
    --------
    >>> payback_yr([-100.0, 40.0, 40.0, 40.0])  # 2 + 20/40
    2.5
    """
    return _payback_from_flows(_as_flows(cash_flows_usd, "cash_flows_usd"))


def discounted_payback_yr(rate: float, cash_flows_usd: FloatSeq) -> float:
    """Discounted payback period, interpolated linearly within the year.

    Parameters
    ----------
    rate : float
        Discount rate [1/yr], > -1.
    cash_flows_usd : sequence of float
        Net cash flow of years 0..n [USD].

    Returns
    -------
    float
        Discounted payback period [yr]; 0.0 if never negative, ``math.inf`` if never
        recovered within the horizon.

    Notes
    -----
    The payback rule of :func:`payback_yr` applied to the present values
    :math:`CF_t (1 + r)^{-t}`. Because it looks for the last year with a negative
    discounted cumulative flow, it is finite exactly when ``npv_usd(rate, flows) >= 0``.

    Examples
    --------
    >>> round(discounted_payback_yr(0.10, [-100.0, 60.0, 60.0]), 4)  # 1 + 45.4545/49.5868
    1.9167
    """
    flows = _as_flows(cash_flows_usd, "cash_flows_usd")
    return _payback_from_flows(flows * discount_factors(rate, flows.size))


def profitability_index(rate: float, cash_flows_usd: FloatSeq) -> float:
    """Profitability index: present value of net inflows per dollar of present outlays.

    Parameters
    ----------
    rate : float
        Discount rate [1/yr], > -1.
    cash_flows_usd : sequence of float
        Net cash flow of years 0..n [USD].

    Returns
    -------
    float
        PI [-]; > 1 exactly when NPV > 0. ``math.inf`` if there is no outlay and some
        inflow; NaN if all flows are zero.

    Notes
    -----
    .. math:: PI = \\frac{\\sum_{t: CF_t > 0} CF_t (1+r)^{-t}}
                        {\\sum_{t: CF_t < 0} |CF_t| (1+r)^{-t}}
              = 1 + \\frac{NPV}{PV_{outlays}}

    For the textbook project (one outlay at year 0, inflows after) this is
    :math:`PV(\\text{inflows}) / I_0`. Multi-year investment and negative operating years
    both count as outlays; the identity :math:`PI = 1 + NPV / PV_{outlays}` always holds.

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 5 ("Profitability index").

    Examples
    --------
    >>> round(profitability_index(0.10, [-100.0, 60.0, 60.0]), 6)  # 104.1322 / 100
    1.041322
    """
    flows = _as_flows(cash_flows_usd, "cash_flows_usd")
    present = flows * discount_factors(rate, flows.size)
    outlays = -float(present[present < 0.0].sum())
    inflows = float(present[present > 0.0].sum())
    if outlays == 0.0:
        return math.inf if inflows > 0.0 else math.nan
    return inflows / outlays


def levelised_unit_cost_usd_per_unit(rate: float, costs_usd: FloatSeq, units: FloatSeq) -> float:
    """Levelised cost per unit: present value of costs over present value of units.

    Parameters
    ----------
    rate : float
        Discount rate [1/yr], > -1.
    costs_usd : sequence of float
        Cost of years 0..n, as positive numbers [USD].
    units : sequence of float
        Units produced in years 0..n [unit], same length as ``costs_usd``.

    Returns
    -------
    float
        Levelised unit cost [USD/unit]: the constant price that, charged on every unit,
        recovers the costs in present value.

    Notes
    -----
    .. math:: LUC = \\frac{\\sum_t C_t (1+r)^{-t}}{\\sum_t Q_t (1+r)^{-t}}

    the same construction as the levelised cost of electricity.

    References
    ----------
    Short, W., Packey, D. J. and Holt, T. (1995), *A Manual for the Economic Evaluation of
    Energy Efficiency and Renewable Energy Technologies*, NREL/TP-462-5173, National
    Renewable Energy Laboratory.

    Examples
    --------
    >>> levelised_unit_cost_usd_per_unit(0.0, [100.0, 50.0], [0.0, 30.0])  # 150 / 30
    5.0
    """
    costs = _as_flows(costs_usd, "costs_usd")
    qty = _as_flows(units, "units")
    if costs.size != qty.size:
        raise UserInputError(
            f"costs_usd has {costs.size} years but units has {qty.size}; they must match"
        )
    factors = discount_factors(rate, costs.size)
    pv_units = float(np.dot(qty, factors))
    if pv_units <= 0.0:
        raise UserInputError(
            f"present value of units = {pv_units} must be positive to levelise a cost"
        )
    return float(np.dot(costs, factors)) / pv_units


def capital_recovery_factor(rate: float, n_years: int) -> float:
    """Capital recovery factor: the end-of-year annuity worth 1 USD today [1/yr].

    Notes
    -----
    .. math:: CRF = \\frac{r (1+r)^n}{(1+r)^n - 1}, \\qquad CRF(r=0) = 1/n
    """
    rate = _check_rate(rate)
    n = int(n_years)
    if n < 1:
        raise UserInputError(f"n_years = {n_years} must be at least 1")
    if rate == 0.0:
        return 1.0 / n
    log_growth = n * math.log1p(rate)
    # r (1+r)^n / ((1+r)^n - 1) = r / (1 - (1+r)^-n), with expm1 exact for tiny |r|.
    return rate / -math.expm1(-log_growth)


def equivalent_annual_value_usd(rate: float, cash_flows_usd: FloatSeq) -> float:
    """Equivalent annual value: the level end-of-year amount over years 1..n with the same NPV.

    Parameters
    ----------
    rate : float
        Discount rate [1/yr], > -1.
    cash_flows_usd : sequence of float
        Net cash flow of years 0..n [USD], n >= 1.

    Returns
    -------
    float
        Equivalent annual value [USD/yr] (negative for a net cost: an equivalent annual
        cost).

    Notes
    -----
    :math:`EAV = NPV \\cdot CRF(r, n)`, the annuity payment of ``numpy_financial.pmt``
    (``EAV = -pmt(r, n, NPV)``, cross-checked in the tests). The CRF is evaluated here with
    ``expm1``/``log1p`` because ``numpy_financial.pmt`` divides by :math:`(1+r)^n - 1`,
    which rounds to zero (giving inf/NaN) for :math:`0 < |r| \\lesssim 10^{-16}`.
    Used to compare options with different lives.

    Examples
    --------
    >>> round(equivalent_annual_value_usd(0.10, [-100.0, 60.0, 60.0]), 4)  # 4.1322*0.5762
    2.381
    """
    rate = _check_rate(rate)
    flows = _as_flows(cash_flows_usd, "cash_flows_usd")
    n_years = flows.size - 1
    if n_years < 1:
        raise UserInputError("cash_flows_usd needs at least 2 years (0 and 1) for an annual value")
    return npv_usd(rate, flows) * capital_recovery_factor(rate, n_years)
