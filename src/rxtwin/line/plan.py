"""Campaign planning on one line: the economic lot scheduling problem (ELSP).

One line makes ``n`` products in campaigns. Each campaign of product ``i`` starts
with a setup (cleaning changeover for batch, module swap for modular, start-up and
shut-down for continuous) that takes ``setup_time_days[i]`` of line time and costs
``setup_cost_usd[i]``; the lot is then made at ``production_rate_units_per_day[i]``
while demand draws stock down at ``demand_units_per_day[i]``. The planner chooses how
often each product is made (its cycle) so that setup plus holding cost per day is
smallest and every campaign, with its setup, fits into the available line time.

Functions
---------
``independent_solution_lower_bound``  each product at its own EPQ cycle, capacity ignored.
``capacity_lower_bound``              the same with the aggregate time constraint (tighter).
``common_cycle_plan``                 every product once per common cycle (Hanssmann 1962).
``power_of_two_plan``                 cycles ``2**m`` times a base period (Roundy; Dobson).
``rotation_plan``                     a user-given rotation order and cycle length.

All of them are pure functions of an :class:`ElspProblem` and return a
:class:`CampaignPlan`. A line whose run utilisation ``sum(d_i / p_i)`` is not below the
available fraction has no cyclic plan: the planners raise :class:`InfeasiblePlanError`.

Cost model (the standard ELSP cost, Elmaghraby 1978), per product with cycle ``T_i`` [day]::

    C_i(T_i) = A_i / T_i + h_i d_i (1 - d_i / p_i) T_i / 2      [USD/day]

Time model: the line is available a fraction ``a`` of calendar time; the rest
(maintenance, unmanned shifts) is treated as one reserved block per cycle, so it only
enters the capacity constraint ``sum s_i / T_i + sum d_i / p_i <= a``.

References
----------
Elmaghraby, S. E. (1978). The economic lot scheduling problem (ELSP): review and
extensions. Management Science 24(6), 587-598. https://doi.org/10.1287/mnsc.24.6.587

Hanssmann, F. (1962). Operations Research in Production and Inventory Control.
Wiley, New York (the common-cycle solution).

Dobson, G. (1987). The economic lot-scheduling problem: achieving feasibility using
time-varying lot sizes. Operations Research 35(5), 764-771.
https://doi.org/10.1287/opre.35.5.764

Roundy, R. (1989). Rounding off to powers of two in continuous relaxations of capacitated
lot sizing problems. Management Science 35(12), 1433-1442.
https://doi.org/10.1287/mnsc.35.12.1433
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from rxtwin.errors import UserInputError
from rxtwin.model.units import DAYS_PER_YEAR, HOURS_PER_DAY

__all__ = [
    "DAYS_PER_YR",
    "HOURS_PER_DAY",
    "ROUNDY_FIXED_BASE_RATIO",
    "ROUNDY_OPTIMAL_BASE_RATIO",
    "CampaignPlan",
    "ElspProblem",
    "InfeasiblePlanError",
    "base_period_loads_days",
    "capacity_lower_bound",
    "common_cycle_length_days",
    "common_cycle_plan",
    "elsp_problem_from_line",
    "epq_cycle_days",
    "epq_lot_size_units",
    "independent_solution_lower_bound",
    "minimum_common_cycle_days",
    "pack_base_periods",
    "plan_cost_usd_per_day",
    "power_of_two_plan",
    "rotation_plan",
    "round_to_power_of_two",
    "setup_cost_usd",
    "setup_time_days",
]

#: [day/yr] A 365-day year, the calendar of the line simulator (``rxtwin.line.engine``).
DAYS_PER_YR = DAYS_PER_YEAR
#: [h/day] (unit conversion).
#: Worst-case cost ratio of power-of-two rounding with a fixed base period,
#: 3 / (2 sqrt 2) ~= 1.0607 ("within 6 %"), Roundy (1989) / Roundy (1985).
ROUNDY_FIXED_BASE_RATIO = 3.0 / (2.0 * math.sqrt(2.0))
#: Worst-case ratio with the base period chosen optimally, 1 / (sqrt 2 ln 2) ~= 1.0201
#: ("within 2 %"), Roundy (1989).
ROUNDY_OPTIMAL_BASE_RATIO = 1.0 / (math.sqrt(2.0) * math.log(2.0))

# Relative slack when comparing a schedule's load with the available time, so that a
# plan built exactly at its minimum base period is not rejected by rounding.
_REL_TOL = 1e-9


class InfeasiblePlanError(ValueError):
    """The line cannot make the demanded volume, or a requested cycle is too short.

    Attributes
    ----------
    utilisation_run : float
        ``sum(d_i / p_i)`` [-].
    available_fraction : float
        Fraction of calendar time the line is available [-].
    """

    def __init__(self, message: str, *, utilisation_run: float, available_fraction: float):
        super().__init__(message)
        self.utilisation_run = utilisation_run
        self.available_fraction = available_fraction


def _as_positive_array(name: str, values, n: int | None, *, allow_zero: bool) -> np.ndarray:
    arr = np.array(values, dtype=float, ndmin=1)
    if arr.ndim != 1:
        raise UserInputError(
            f"{name} must be a 1-D array of per-product values, got shape {arr.shape}"
        )
    if n is not None and arr.shape[0] != n:
        raise UserInputError(
            f"{name} has {arr.shape[0]} values but demand_units_per_day has {n}; "
            "every per-product array must have one value per product"
        )
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rule = ">= 0" if allow_zero else "> 0"
        raise UserInputError(f"{name}[{i}] = {float(arr[i])!r}, must be finite and {rule}")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class ElspProblem:
    """One line, ``n`` products, constant demand: the data of an ELSP.

    Parameters
    ----------
    demand_units_per_day : array_like, shape (n,)
        Demand rate ``d_i`` [unit/day], > 0.
    production_rate_units_per_day : array_like, shape (n,)
        Production rate while the product runs ``p_i`` [unit/day], > 0.
    setup_time_days : array_like, shape (n,)
        Line time lost per campaign to the changeover ``s_i`` [day], >= 0.
    setup_cost_usd : array_like, shape (n,)
        Cost per campaign ``A_i`` [USD], > 0.
    holding_cost_usd_per_unit_day : array_like, shape (n,)
        Inventory holding cost ``h_i`` [USD/(unit day)], > 0.
    available_fraction : float
        Fraction of calendar time the line can run or change over ``a`` [-], in (0, 1].
    product_ids : tuple of str
        Names of the products; ``("product_0", ...)`` when empty.

    Notes
    -----
    The problem is only *described* here; a run utilisation ``sum d_i/p_i >= a`` is a
    valid description of an overloaded line, and the planners report it by raising
    :class:`InfeasiblePlanError`.
    """

    demand_units_per_day: np.ndarray
    production_rate_units_per_day: np.ndarray
    setup_time_days: np.ndarray
    setup_cost_usd: np.ndarray
    holding_cost_usd_per_unit_day: np.ndarray
    available_fraction: float = 1.0
    product_ids: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        d = _as_positive_array("demand_units_per_day", self.demand_units_per_day, None,
                               allow_zero=False)
        n = d.shape[0]
        p = _as_positive_array("production_rate_units_per_day",
                               self.production_rate_units_per_day, n, allow_zero=False)
        s = _as_positive_array("setup_time_days", self.setup_time_days, n, allow_zero=True)
        a_cost = _as_positive_array("setup_cost_usd", self.setup_cost_usd, n, allow_zero=False)
        h = _as_positive_array("holding_cost_usd_per_unit_day",
                               self.holding_cost_usd_per_unit_day, n, allow_zero=False)
        avail = float(self.available_fraction)
        if not (0.0 < avail <= 1.0):
            raise UserInputError(f"available_fraction = {avail!r}, must be in (0, 1]")
        ids = tuple(self.product_ids) or tuple(f"product_{i}" for i in range(n))
        if len(ids) != n:
            raise UserInputError(
                f"product_ids has {len(ids)} names but there are {n} products; give one per product"
            )
        if len(set(ids)) != n:
            raise UserInputError(f"product_ids must be unique, got {ids}")
        for name, value in (
            ("demand_units_per_day", d),
            ("production_rate_units_per_day", p),
            ("setup_time_days", s),
            ("setup_cost_usd", a_cost),
            ("holding_cost_usd_per_unit_day", h),
            ("available_fraction", avail),
            ("product_ids", ids),
        ):
            object.__setattr__(self, name, value)

    @property
    def n_products(self) -> int:
        """Number of products [-]."""
        return int(self.demand_units_per_day.shape[0])

    @property
    def run_share(self) -> np.ndarray:
        """Per-product share of line time spent producing, ``d_i / p_i`` [-]."""
        return self.demand_units_per_day / self.production_rate_units_per_day

    @property
    def utilisation_run(self) -> float:
        """Run utilisation ``rho = sum d_i / p_i`` [-]; independent of the plan."""
        return float(self.run_share.sum())

    @property
    def holding_slope_usd_per_day2(self) -> np.ndarray:
        """``g_i = h_i d_i (1 - d_i/p_i) / 2`` [USD/day^2]: holding cost per day of cycle."""
        return (
            self.holding_cost_usd_per_unit_day
            * self.demand_units_per_day
            * (1.0 - self.run_share)
            / 2.0
        )


@dataclass(frozen=True, eq=False)
class CampaignPlan:
    """A campaign plan (or a lower bound) for one line.

    Attributes
    ----------
    method : str
        ``"independent_lower_bound"``, ``"capacity_lower_bound"``, ``"common_cycle"``,
        ``"power_of_two"`` or ``"rotation"``.
    product_ids : tuple of str
    cycle_days : ndarray, shape (n,)
        Time between the starts of two campaigns of the product [day].
    lot_size_units : ndarray, shape (n,)
        Units made per campaign, ``d_i T_i`` [unit].
    campaign_days : ndarray, shape (n,)
        Production time per campaign, ``lot / p_i``, setup excluded [day].
    setup_days : ndarray, shape (n,)
        Setup (changeover) time per campaign [day].
    setups_per_yr : ndarray, shape (n,)
        Campaigns (= setups) per year, ``DAYS_PER_YR / T_i`` [1/yr].
    start_day : ndarray, shape (n,)
        Start of the product's first setup within the plan's schedule [day];
        NaN for a lower bound, which is not a schedule.
    base_period_days : float
        Base period of the schedule [day] (the common cycle for common-cycle and rotation
        plans); NaN for a lower bound.
    schedule_length_days : float
        Length after which the schedule repeats [day]; NaN for a lower bound.
    utilisation_run, utilisation_changeover, utilisation_idle, utilisation_unavailable : float
        Fractions of calendar time spent producing, changing over, available but idle,
        and unavailable [-]. They sum to 1. ``utilisation_idle`` is negative only for a
        lower bound that ignores capacity and overfills the line.
    setup_cost_usd_per_day, holding_cost_usd_per_day, total_cost_usd_per_day : float
        Average costs [USD/day].
    feasible : bool
        True when the plan can be run as given (every campaign and setup fits the
        available time). Lower bounds are not schedules and report False.
    reason : str
        Why ``feasible`` is False; empty otherwise.
    """

    method: str
    product_ids: tuple[str, ...]
    cycle_days: np.ndarray
    lot_size_units: np.ndarray
    campaign_days: np.ndarray
    setup_days: np.ndarray
    setups_per_yr: np.ndarray
    start_day: np.ndarray
    base_period_days: float
    schedule_length_days: float
    utilisation_run: float
    utilisation_changeover: float
    utilisation_idle: float
    utilisation_unavailable: float
    setup_cost_usd_per_day: float
    holding_cost_usd_per_day: float
    total_cost_usd_per_day: float
    feasible: bool
    reason: str


# --------------------------------------------------------------------------- formulas


def epq_cycle_days(
    setup_cost_usd, holding_cost_usd_per_unit_day, demand_units_per_day,
    production_rate_units_per_day,
):
    """Economic production quantity cycle of one product on its own.

    Parameters
    ----------
    setup_cost_usd : float or ndarray
        Cost per campaign ``A`` [USD].
    holding_cost_usd_per_unit_day : float or ndarray
        ``h`` [USD/(unit day)].
    demand_units_per_day : float or ndarray
        ``d`` [unit/day].
    production_rate_units_per_day : float or ndarray
        ``p`` [unit/day], > d.

    Returns
    -------
    float or ndarray
        ``T* = sqrt(2 A / (h d (1 - d/p)))`` [day].

    Notes
    -----
    Finite-production-rate EOQ (Taft 1918); in Elmaghraby (1978) the
    "independent solution" of each product.

    Examples
    --------
    >>> round(float(epq_cycle_days(300.0, 0.05, 10.0, 40.0)), 6)
    40.0
    """
    rho = np.asarray(demand_units_per_day) / np.asarray(production_rate_units_per_day)
    return np.sqrt(
        2.0 * np.asarray(setup_cost_usd)
        / (np.asarray(holding_cost_usd_per_unit_day) * np.asarray(demand_units_per_day)
           * (1.0 - rho))
    )


def epq_lot_size_units(
    setup_cost_usd, holding_cost_usd_per_unit_day, demand_units_per_day,
    production_rate_units_per_day,
):
    """Economic production quantity ``Q* = sqrt(2 d A / (h (1 - d/p)))`` [unit].

    Parameters are those of :func:`epq_cycle_days`; ``Q* = d T*``.

    Notes
    -----
    Taft, E. W. (1918). The most economical production lot. Iron Age 101, 1410-1412;
    reviewed in Elmaghraby (1978).

    Examples
    --------
    >>> round(float(epq_lot_size_units(300.0, 0.05, 10.0, 40.0)), 6)
    400.0
    """
    return np.asarray(demand_units_per_day) * epq_cycle_days(
        setup_cost_usd, holding_cost_usd_per_unit_day, demand_units_per_day,
        production_rate_units_per_day,
    )


def plan_cost_usd_per_day(problem: ElspProblem, cycle_days) -> tuple[float, float]:
    """Setup and holding cost of running each product on its own cycle.

    Parameters
    ----------
    problem : ElspProblem
    cycle_days : array_like, shape (n,)
        Cycle ``T_i`` of each product [day], > 0.

    Returns
    -------
    setup_cost_usd_per_day, holding_cost_usd_per_day : float
        ``sum A_i / T_i`` and ``sum h_i d_i (1 - d_i/p_i) T_i / 2`` [USD/day].

    Notes
    -----
    The standard ELSP cost (Elmaghraby 1978). Exact for any schedule in which every campaign of
    product ``i`` starts when its stock reaches zero and lots are ``d_i T_i``.
    """
    t = np.asarray(cycle_days, dtype=float)
    setup = float(np.sum(problem.setup_cost_usd / t))
    holding = float(np.sum(problem.holding_slope_usd_per_day2 * t))
    return setup, holding


def minimum_common_cycle_days(problem: ElspProblem) -> float:
    """Shortest common cycle in which all setups and runs fit [day].

    Returns
    -------
    float
        ``T_min = sum s_i / (a - sum d_i/p_i)`` [day].

    Raises
    ------
    InfeasiblePlanError
        If ``sum d_i / p_i >= a``.

    Notes
    -----
    In one cycle of length ``T`` the line spends ``sum s_i + T sum d_i/p_i`` working
    and has ``a T`` available; Hanssmann (1962); Elmaghraby (1978).
    """
    _check_capacity(problem)
    return float(problem.setup_time_days.sum() / (problem.available_fraction
                                                   - problem.utilisation_run))


def common_cycle_length_days(problem: ElspProblem) -> float:
    """Cost-optimal common cycle, respecting the setup-time minimum [day].

    Returns
    -------
    float
        ``T = max(sqrt(sum A_i / sum g_i), T_min)`` with
        ``g_i = h_i d_i (1 - d_i/p_i) / 2`` [day].

    Notes
    -----
    Hanssmann (1962); the cost ``sum A_i / T + T sum g_i`` is convex in ``T``,
    so the constrained optimum is the larger of the unconstrained one and ``T_min``.
    """
    t_min = minimum_common_cycle_days(problem)
    t_star = math.sqrt(problem.setup_cost_usd.sum() / problem.holding_slope_usd_per_day2.sum())
    return max(t_star, t_min)


def round_to_power_of_two(cycle_days, base_period_days: float) -> np.ndarray:
    """Round cycles to the nearest power-of-two multiple of a base period.

    Parameters
    ----------
    cycle_days : array_like, shape (n,)
        Target cycles [day], > 0.
    base_period_days : float
        Base period ``B`` [day], > 0.

    Returns
    -------
    ndarray of int64, shape (n,)
        Exponents ``m_i`` with ``T_i ~ 2**m_i B``; may be negative.

    Notes
    -----
    Rounding in ``log2``, i.e. ``m_i = floor(log2(T_i / B) + 1/2)``, keeps
    ``2**m_i B / T_i`` in ``[1/sqrt 2, sqrt 2)``, which bounds the cost of each product at
    ``(sqrt 2 + 1/sqrt 2) / 2 = 1.0607`` times its cost at ``T_i`` (Roundy 1989).
    """
    ratio = np.asarray(cycle_days, dtype=float) / float(base_period_days)
    return np.floor(np.log2(ratio) + 0.5).astype(np.int64)


# ---------------------------------------------------------------------- internals


def _check_capacity(problem: ElspProblem) -> None:
    rho = problem.utilisation_run
    a = problem.available_fraction
    if not rho < a:
        raise InfeasiblePlanError(
            f"line over capacity: run utilisation sum(demand_units_per_day / "
            f"production_rate_units_per_day) = {rho:.6g} must be < available_fraction = "
            f"{a:.6g} (rule: sum d_i/p_i < available fraction); no campaign plan can meet "
            "this demand",
            utilisation_run=rho,
            available_fraction=a,
        )


def _make_plan(
    problem: ElspProblem,
    method: str,
    cycle_days: np.ndarray,
    start_day: np.ndarray,
    base_period_days: float,
    schedule_length_days: float,
    feasible: bool,
    reason: str,
) -> CampaignPlan:
    t = np.asarray(cycle_days, dtype=float)
    lot = problem.demand_units_per_day * t
    campaign = lot / problem.production_rate_units_per_day
    run = problem.utilisation_run
    changeover = float(np.sum(problem.setup_time_days / t))
    unavailable = 1.0 - problem.available_fraction
    idle = 1.0 - run - changeover - unavailable
    setup_cost, holding_cost = plan_cost_usd_per_day(problem, t)
    arrays = [t, lot, campaign, problem.setup_time_days.copy(), DAYS_PER_YR / t,
              np.asarray(start_day, dtype=float)]
    for arr in arrays:
        arr.flags.writeable = False
    return CampaignPlan(
        method=method,
        product_ids=problem.product_ids,
        cycle_days=arrays[0],
        lot_size_units=arrays[1],
        campaign_days=arrays[2],
        setup_days=arrays[3],
        setups_per_yr=arrays[4],
        start_day=arrays[5],
        base_period_days=float(base_period_days),
        schedule_length_days=float(schedule_length_days),
        utilisation_run=run,
        utilisation_changeover=changeover,
        utilisation_idle=idle,
        utilisation_unavailable=unavailable,
        setup_cost_usd_per_day=setup_cost,
        holding_cost_usd_per_day=holding_cost,
        total_cost_usd_per_day=setup_cost + holding_cost,
        feasible=feasible,
        reason=reason,
    )


def _sequential_starts(problem: ElspProblem, order: Sequence[int], cycle_days: float) -> np.ndarray:
    start = np.empty(problem.n_products)
    clock = 0.0
    for i in order:
        start[i] = clock
        clock += problem.setup_time_days[i] + problem.run_share[i] * cycle_days
    return start


# ------------------------------------------------------------------------- bounds


def independent_solution_lower_bound(problem: ElspProblem) -> CampaignPlan:
    """Each product on its own EPQ cycle, ignoring the shared line: a lower bound.

    Parameters
    ----------
    problem : ElspProblem

    Returns
    -------
    CampaignPlan
        ``method="independent_lower_bound"``, ``feasible=False`` (a bound is not a
        schedule); ``total_cost_usd_per_day`` is a lower bound on the cost of every
        feasible plan. ``utilisation_idle < 0`` shows that the independent cycles would
        need more line time than is available.

    Raises
    ------
    InfeasiblePlanError
        If ``sum d_i / p_i >= available_fraction``.

    Notes
    -----
    ``T_i* = sqrt(A_i / g_i)``, cost ``sum 2 sqrt(A_i g_i)`` with
    ``g_i = h_i d_i (1 - d_i/p_i) / 2``: the "independent solution" of Elmaghraby (1978).
    Every plan's cost is ``sum C_i(T_i) >= sum min_T C_i(T)``.
    """
    _check_capacity(problem)
    t = np.sqrt(problem.setup_cost_usd / problem.holding_slope_usd_per_day2)
    nan = np.full(problem.n_products, np.nan)
    return _make_plan(problem, "independent_lower_bound", t, nan, math.nan, math.nan,
                      False, "a lower bound that ignores the shared line, not a schedule")


def _lagrangian_cycles(problem: ElspProblem) -> tuple[np.ndarray, float]:
    """Cycles solving min sum C_i(T_i) s.t. sum s_i/T_i <= a - rho, and the multiplier."""
    _check_capacity(problem)
    g = problem.holding_slope_usd_per_day2
    a_cost = problem.setup_cost_usd
    s = problem.setup_time_days
    slack = problem.available_fraction - problem.utilisation_run

    def cycles(lam: float) -> np.ndarray:
        return np.sqrt((a_cost + lam * s) / g)

    def excess(lam: float) -> float:
        return float(np.sum(s / cycles(lam))) - slack

    if excess(0.0) <= 0.0:
        return cycles(0.0), 0.0
    # s_i / T_i(lam) <= sqrt(s_i g_i / lam), so excess(hi) <= 0 at this hi
    hi = float(np.sum(np.sqrt(s * g)) / slack) ** 2
    # The root is found to ~1e-14 relative; the cost at T(lam) then equals the dual bound
    # q(lam) = sum C_i(T_i(lam)) + lam * excess(lam) to the same relative accuracy.
    lam = brentq(excess, 0.0, hi, xtol=1e-14 * hi, rtol=4 * np.finfo(float).eps, maxiter=500)
    return cycles(lam), float(lam)


def capacity_lower_bound(problem: ElspProblem) -> CampaignPlan:
    """Independent solution with the aggregate line-time constraint: a tighter bound.

    Parameters
    ----------
    problem : ElspProblem

    Returns
    -------
    CampaignPlan
        ``method="capacity_lower_bound"``, ``feasible=False`` (not a schedule); its cost
        lies between :func:`independent_solution_lower_bound` and any feasible plan.

    Raises
    ------
    InfeasiblePlanError
        If ``sum d_i / p_i >= available_fraction``.

    Notes
    -----
    Solves ``min sum A_i/T_i + g_i T_i  s.t.  sum s_i / T_i <= a - sum d_i/p_i``. Any
    schedule that repeats must spend ``s_i / T_i`` of its time setting up product ``i``,
    so the constraint holds for every feasible plan. The Lagrangian gives
    ``T_i(lam) = sqrt((A_i + lam s_i) / g_i)`` with ``lam >= 0`` chosen so that the
    constraint binds when the independent solution violates it (Bomberger 1966;
    Dobson 1987, the relaxation behind his lower bound).

    References
    ----------
    Bomberger, E. E. (1966). A dynamic programming approach to a lot size scheduling
    problem. Management Science 12(11), 778-784.
    """
    t, _ = _lagrangian_cycles(problem)
    nan = np.full(problem.n_products, np.nan)
    return _make_plan(problem, "capacity_lower_bound", t, nan, math.nan, math.nan,
                      False, "a lower bound (aggregate capacity only), not a schedule")


# ------------------------------------------------------------------------ cyclic plans


def common_cycle_plan(problem: ElspProblem) -> CampaignPlan:
    """Every product made once per common cycle (rotation cycle), in index order.

    Parameters
    ----------
    problem : ElspProblem

    Returns
    -------
    CampaignPlan
        ``method="common_cycle"``, always feasible.

    Raises
    ------
    InfeasiblePlanError
        If ``sum d_i / p_i >= available_fraction``.

    Notes
    -----
    ``T = max(sqrt(sum A_i / sum g_i), sum s_i / (a - sum d_i/p_i))`` (Hanssmann 1962;
    Elmaghraby 1978). Campaigns run back to back from day 0; the idle time
    sits at the end of the cycle.
    """
    t = common_cycle_length_days(problem)
    order = range(problem.n_products)
    return _make_plan(problem, "common_cycle", np.full(problem.n_products, t),
                      _sequential_starts(problem, order, t), t, t, True, "")


def rotation_plan(problem: ElspProblem, order: Sequence[int], cycle_days: float) -> CampaignPlan:
    """A user-given rotation: each product once per cycle, in the given order.

    Parameters
    ----------
    problem : ElspProblem
    order : sequence of int
        Product indices in run order; a permutation of ``0 .. n-1``.
    cycle_days : float
        Rotation length [day].

    Returns
    -------
    CampaignPlan
        ``method="rotation"``.

    Raises
    ------
    InfeasiblePlanError
        If the line is over capacity, or ``cycle_days`` is shorter than
        ``sum s_i / (a - sum d_i/p_i)`` so setups and runs do not fit.
    ValueError
        If ``order`` is not a permutation of the products or ``cycle_days <= 0``.

    Notes
    -----
    With sequence-independent setups the order changes the timing (``start_day``) but not
    the cost, which is that of a common cycle of length ``cycle_days`` (Elmaghraby 1978,
    common-cycle approach).
    """
    order = [int(i) for i in order]
    n = problem.n_products
    if sorted(order) != list(range(n)):
        raise UserInputError(
            f"order = {order} must list every product index 0..{n - 1} exactly once"
        )
    t = float(cycle_days)
    if not (math.isfinite(t) and t > 0):
        raise UserInputError(f"cycle_days = {cycle_days!r}, must be finite and > 0")
    t_min = minimum_common_cycle_days(problem)
    if t < t_min * (1.0 - _REL_TOL):
        raise InfeasiblePlanError(
            f"rotation cycle_days = {t:.6g} is shorter than the {t_min:.6g} days needed for "
            f"all setups and runs (rule: cycle_days >= sum(setup_time_days) / "
            f"(available_fraction - sum d_i/p_i) = {problem.setup_time_days.sum():.6g} / "
            f"({problem.available_fraction:.6g} - {problem.utilisation_run:.6g}))",
            utilisation_run=problem.utilisation_run,
            available_fraction=problem.available_fraction,
        )
    return _make_plan(problem, "rotation", np.full(n, t), _sequential_starts(problem, order, t),
                      t, t, True, "")


# ---------------------------------------------------------------- power-of-two plans


def _packing_order(problem: ElspProblem, k: np.ndarray, base_period_days: float) -> list[int]:
    load = problem.setup_time_days + problem.run_share * k * base_period_days
    return sorted(range(problem.n_products), key=lambda j: (k[j], -load[j], j))


def _pack(problem: ElspProblem, k: np.ndarray, base_period_days: float) -> np.ndarray:
    big_k = int(k.max())
    load = problem.setup_time_days + problem.run_share * k * base_period_days
    loads = np.zeros(big_k)
    offsets = np.zeros(problem.n_products, dtype=np.int64)
    for i in _packing_order(problem, k, base_period_days):
        ki = int(k[i])
        grid = loads.reshape(big_k // ki, ki)
        o = int(np.argmin(grid.max(axis=0)))
        grid[:, o] += load[i]
        offsets[i] = o
    return offsets


def pack_base_periods(
    problem: ElspProblem, multipliers, base_period_days: float
) -> tuple[np.ndarray, list[list[int]]]:
    """Assign each product's campaigns to base periods, balancing the load.

    Parameters
    ----------
    problem : ElspProblem
    multipliers : array_like of int, shape (n,)
        ``k_i``, powers of two, min 1: product ``i`` runs every ``k_i`` base periods.
    base_period_days : float
        ``B`` [day].

    Returns
    -------
    offsets : ndarray of int64, shape (n,)
        Base period (``0 .. K-1``, ``K = max k``) of the product's first campaign; it then
        runs in periods ``offset, offset + k_i, ...``.
    periods : list of list of int
        For each of the ``K`` base periods, the products run in it, in run order.

    Notes
    -----
    Greedy balancing in the spirit of Dobson (1987): products in order of
    increasing ``k_i`` (ties: larger load first) each take the offset that minimises the
    largest load among the periods they occupy. Load of one campaign:
    ``s_i + (d_i/p_i) k_i B`` [day].
    """
    k = np.asarray(multipliers, dtype=np.int64)
    b = float(base_period_days)
    offsets = _pack(problem, k, b)
    periods: list[list[int]] = [[] for _ in range(int(k.max()))]
    for i in _packing_order(problem, k, b):
        for j in range(int(offsets[i]), len(periods), int(k[i])):
            periods[j].append(i)
    return offsets, periods


def _period_sums(k: np.ndarray, offsets: np.ndarray, per_campaign: np.ndarray) -> np.ndarray:
    total = np.zeros(int(k.max()))
    for i in range(k.shape[0]):
        total[int(offsets[i])::int(k[i])] += per_campaign[i]
    return total


def base_period_loads_days(
    problem: ElspProblem, multipliers, offsets, base_period_days: float
) -> np.ndarray:
    """Line time used in each base period of a power-of-two schedule [day].

    Parameters
    ----------
    problem : ElspProblem
    multipliers : array_like of int, shape (n,)
    offsets : array_like of int, shape (n,)
    base_period_days : float

    Returns
    -------
    ndarray, shape (K,)
        ``sum over products run in period j of s_i + (d_i/p_i) k_i B``. The schedule is
        feasible when every entry is ``<= a B``.
    """
    k = np.asarray(multipliers, dtype=np.int64)
    load = problem.setup_time_days + problem.run_share * k * float(base_period_days)
    return _period_sums(k, np.asarray(offsets, dtype=np.int64), load)


def _min_base(problem: ElspProblem, k: np.ndarray, offsets: np.ndarray) -> tuple[float, int]:
    """Smallest B at which every period fits in a B (inf if none), and the period with
    the largest run share."""
    a = problem.available_fraction
    run = _period_sums(k, offsets, problem.run_share * k)
    setups = _period_sums(k, offsets, problem.setup_time_days)
    worst = int(np.argmax(run))
    if run[worst] >= a:
        return math.inf, worst
    return float(np.max(setups / (a - run))), worst


def _optimal_base(problem: ElspProblem, k: np.ndarray) -> float:
    return math.sqrt(float(np.sum(problem.setup_cost_usd / k))
                     / float(np.sum(problem.holding_slope_usd_per_day2 * k)))


def _best_base(problem: ElspProblem, k: np.ndarray):
    """Pack and size the base period for multipliers k; None when they cannot fit.

    Returns (cost, base period, offsets, base period the packing was balanced for).
    """
    b_opt = _optimal_base(problem, k)
    b = b_opt
    best = None
    for _ in range(3):
        offsets = _pack(problem, k, b)
        b_min, _ = _min_base(problem, k, offsets)
        if not math.isfinite(b_min):
            break
        b_use = max(b_opt, b_min)
        s_cost, h_cost = plan_cost_usd_per_day(problem, k * b_use)
        if best is None or s_cost + h_cost < best[0]:
            best = (s_cost + h_cost, b_use, offsets, b)
        if b_use <= b:
            break
        b = b_use
    return best


def _repair(problem: ElspProblem, k: np.ndarray) -> np.ndarray:
    """Halve multipliers until the packing can fit (terminates at all ones)."""
    k = k.copy()
    rho = problem.run_share
    a = problem.available_fraction
    # Necessary condition first (cheap): a product made every k_i periods needs
    # rho_i k_i of the period next to the products made in every period.
    while True:
        every = k == 1
        too_long = ~every & (rho * k >= a - float(np.sum(rho[every])))
        if not too_long.any():
            break
        k[too_long] //= 2
        k //= int(k.min())
    while True:
        offsets = _pack(problem, k, _optimal_base(problem, k))
        b_min, worst = _min_base(problem, k, offsets)
        if math.isfinite(b_min):
            return k
        # in the period with the largest run share, halve the longest-cycle product
        members = [j for j in range(k.shape[0]) if (worst - offsets[j]) % k[j] == 0]
        i = max(members, key=lambda j: (k[j], problem.run_share[j] * k[j], -j))
        if k[i] == 1:  # cannot happen while sum d/p < a; kept as a guard
            return np.ones_like(k)
        k[i] //= 2
        k //= int(k.min())


def power_of_two_plan(problem: ElspProblem, *, max_multiplier: int = 1024) -> CampaignPlan:
    """Power-of-two cycles on a base period, packed and repaired to be feasible.

    Parameters
    ----------
    problem : ElspProblem
    max_multiplier : int
        Largest allowed ``k_i`` [-], a power of two. A computational bound on the schedule
        length ``K B``; assumption: a product made less than once per 1024 base periods is
        outside single-line campaign planning.

    Returns
    -------
    CampaignPlan
        ``method="power_of_two"``; ``cycle_days = k_i B`` with ``k_i = 2**m_i``; always
        feasible (every base period's setups and runs fit in ``a B``), and never costlier
        than :func:`common_cycle_plan`, which is one of the candidates.

    Raises
    ------
    InfeasiblePlanError
        If ``sum d_i / p_i >= available_fraction``.

    Notes
    -----
    1. Solve the capacity relaxation (:func:`capacity_lower_bound`) for target cycles
       ``T_i`` (Dobson 1987).
    2. For every distinct rounding over one octave of base periods (Roundy 1989), round
       ``T_i`` to ``2**m_i B`` (:func:`round_to_power_of_two`), cap at ``max_multiplier``.
    3. Pack the campaigns into the ``K = max k_i`` base periods
       (:func:`pack_base_periods`); if some period cannot fit at any ``B`` repair by
       halving the longest multiplier in the most loaded period.
    4. Set ``B = max(B*, B_min)``: ``B* = sqrt(sum(A_i/k_i) / sum(g_i k_i))`` minimises
       cost, ``B_min = max_j S_j / (a - R_j)`` is the smallest base at which period ``j``
       with setups ``S_j`` and run share ``R_j = sum (d_i/p_i) k_i`` fits.
    5. Keep the cheapest candidate (the all-ones, common-cycle candidate included).

    Without a binding capacity, Roundy's bound gives a cost within
    ``ROUNDY_FIXED_BASE_RATIO`` (6 %) of the lower bound for any base, and
    ``ROUNDY_OPTIMAL_BASE_RATIO`` (2 %) with the best base. The cost model is the basic
    period approach reviewed by Elmaghraby (1978): each lot is ``d_i k_i B``.

    Limitation: every campaign must fit inside one base period
    (``s_i + (d_i/p_i) k_i B <= a B`` with the other campaigns of that period), which caps
    the multipliers of products with a large run share; on such lines the plan may fall
    back to the common cycle. Dobson's (1987) time-varying lot sizes, which let campaigns
    straddle base periods, relax this and are not implemented here.
    """
    if max_multiplier < 1 or max_multiplier & (max_multiplier - 1):
        raise UserInputError(f"max_multiplier = {max_multiplier!r}, must be a power of two >= 1")
    targets, _ = _lagrangian_cycles(problem)
    log_t = np.log2(targets)
    frac = np.mod(log_t, 1.0)
    # Rounding of log2(T_i) - v changes where v crosses frac_i - 1/2 (mod 1): one
    # candidate v at the midpoint of each arc between consecutive breakpoints.
    cuts = np.unique(np.mod(frac - 0.5, 1.0))
    nxt = np.append(cuts[1:], cuts[0] + 1.0)
    candidates = {tuple(np.ones(problem.n_products, dtype=np.int64))}
    cap = int(round(math.log2(max_multiplier)))
    for v in np.mod((cuts + nxt) / 2.0, 1.0):
        m = np.floor(log_t - v + 0.5).astype(np.int64)
        m = np.minimum(m - m.min(), cap)
        candidates.add(tuple((2 ** m).astype(np.int64)))
    best = None
    repaired = {tuple(_repair(problem, np.asarray(c, dtype=np.int64))) for c in candidates}
    for cand in sorted(repaired):
        k = np.asarray(cand, dtype=np.int64)
        found = _best_base(problem, k)
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], k, *found[1:])
    _, k, b, offsets, b_packed = best
    rank = np.empty(problem.n_products, dtype=np.int64)
    rank[_packing_order(problem, k, b_packed)] = np.arange(problem.n_products)
    start = np.empty(problem.n_products)
    for i in range(problem.n_products):
        j = int(offsets[i])
        before = [q for q in range(problem.n_products)
                  if (j - offsets[q]) % k[q] == 0 and rank[q] < rank[i]]
        start[i] = j * b + sum(problem.setup_time_days[q] + problem.run_share[q] * k[q] * b
                               for q in before)
    return _make_plan(problem, "power_of_two", k * b, start, b, float(k.max()) * b, True, "")


# ------------------------------------------------------ glue: technology to ELSP inputs


def setup_time_days(changeover_h):
    """Line time per campaign from the technology's mean changeover [day].

    Parameters
    ----------
    changeover_h : float or ndarray
        Mean changeover duration [h]: cleaning time (batch), module swap (modular),
        start-up plus shut-down (continuous).

    Returns
    -------
    float or ndarray
        ``changeover_h / 24`` [day].
    """
    return np.asarray(changeover_h, dtype=float) / HOURS_PER_DAY


def setup_cost_usd(
    changeover_h,
    lost_contribution_usd_per_h,
    cleaning_cost_usd,
    scrap_units_per_changeover,
    unit_cost_usd,
):
    """Cost of one campaign's setup [USD].

    Parameters
    ----------
    changeover_h : float or ndarray
        Mean changeover duration [h].
    lost_contribution_usd_per_h : float or ndarray
        Contribution margin the line would earn per hour it runs [USD/h]. Use 0 when the
        line has idle capacity: the time is then already charged through the capacity
        constraint, and charging it again would double count.
    cleaning_cost_usd : float or ndarray
        Direct cost per changeover: cleaning agents, labour, swab tests, module swap
        [USD].
    scrap_units_per_changeover : float or ndarray
        Product lost to start-up and shut-down (continuous lines; 0 for batch) [unit].
    unit_cost_usd : float or ndarray
        Material cost of a scrapped unit [USD/unit].

    Returns
    -------
    float or ndarray
        ``changeover_h * lost_contribution + cleaning_cost + scrap_units * unit_cost``
        [USD].
    """
    return (
        np.asarray(changeover_h, dtype=float) * np.asarray(lost_contribution_usd_per_h)
        + np.asarray(cleaning_cost_usd, dtype=float)
        + np.asarray(scrap_units_per_changeover, dtype=float) * np.asarray(unit_cost_usd)
    )


def elsp_problem_from_line(
    *,
    product_ids: Sequence[str],
    demand_units_per_yr,
    production_rate_units_per_h,
    changeover_h,
    lost_contribution_usd_per_h,
    cleaning_cost_usd,
    scrap_units_per_changeover,
    unit_cost_usd,
    holding_rate_per_yr,
    available_h_per_yr: float,
) -> ElspProblem:
    """Build an :class:`ElspProblem` from line and product data in their usual units.

    Parameters
    ----------
    product_ids : sequence of str
    demand_units_per_yr : array_like, shape (n,)
        Annual demand [unit/yr].
    production_rate_units_per_h : array_like, shape (n,)
        Throughput while running [unit/h].
    changeover_h, lost_contribution_usd_per_h, cleaning_cost_usd,
    scrap_units_per_changeover : float or array_like
        See :func:`setup_cost_usd`; scalars apply to every product.
    unit_cost_usd : array_like
        Value of a unit in stock [USD/unit]; also prices scrap.
    holding_rate_per_yr : float or array_like
        Annual holding cost as a fraction of unit value (capital, storage) [1/yr].
    available_h_per_yr : float
        Hours per year the line may run or change over [h/yr].

    Returns
    -------
    ElspProblem
        With ``d = demand / 365``, ``p = 24 rate``, ``s = changeover_h / 24``,
        ``h = unit_cost * holding_rate / 365`` and ``a = available_h_per_yr / 8760``.
    """
    n = len(product_ids)
    ones = np.ones(n)
    return ElspProblem(
        demand_units_per_day=np.asarray(demand_units_per_yr, dtype=float) / DAYS_PER_YR,
        production_rate_units_per_day=np.asarray(production_rate_units_per_h, dtype=float)
        * HOURS_PER_DAY,
        setup_time_days=setup_time_days(changeover_h) * ones,
        setup_cost_usd=setup_cost_usd(changeover_h, lost_contribution_usd_per_h,
                                      cleaning_cost_usd, scrap_units_per_changeover,
                                      unit_cost_usd) * ones,
        holding_cost_usd_per_unit_day=np.asarray(unit_cost_usd, dtype=float)
        * np.asarray(holding_rate_per_yr, dtype=float) / DAYS_PER_YR * ones,
        available_fraction=float(available_h_per_yr) / (HOURS_PER_DAY * DAYS_PER_YR),
        product_ids=tuple(product_ids),
    )
