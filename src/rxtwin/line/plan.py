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
:class:`CampaignPlan`. For a given power-of-two schedule (multipliers ``k_i``, base ``B``):

``optimal_base_period_days``          cost-minimising ``B`` (closed form; Doll & Whybark).
``minimum_base_period_days``          smallest ``B`` at which the campaigns can be packed.
``evaluate_power_of_two_schedule``    cost per year and feasibility, a
                                      :class:`PowerOfTwoEvaluation`.
``pack_base_periods``                 assignment of campaigns to base periods (greedy,
                                      then an exact assignment MILP on HiGHS). A line whose run utilisation ``sum(d_i / p_i)`` is not below the
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

Doll, C. L., Whybark, D. C. (1973). An iterative procedure for the single-machine
multi-product lot scheduling problem. Management Science 20(1), 50-55.
https://doi.org/10.1287/mnsc.20.1.50

Axsäter, S. (2015). Inventory Control, 3rd ed. Springer (Sec. 7.2; Bomberger's problem is
its Example 7.1, the validation case in tests/validation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, brentq, milp
from scipy.sparse import coo_matrix

from rxtwin.errors import UserInputError
from rxtwin.model.units import DAYS_PER_YEAR, HOURS_PER_DAY

__all__ = [
    "DAYS_PER_YR",
    "HOURS_PER_DAY",
    "MAX_MULTIPLIER",
    "PACKING_MILP_NODE_LIMIT",
    "PACKING_MILP_TIME_LIMIT_S",
    "ROUNDY_FIXED_BASE_RATIO",
    "ROUNDY_OPTIMAL_BASE_RATIO",
    "CampaignPlan",
    "ElspProblem",
    "InfeasiblePlanError",
    "PowerOfTwoEvaluation",
    "base_period_loads_days",
    "capacity_lower_bound",
    "common_cycle_length_days",
    "common_cycle_plan",
    "elsp_problem_from_line",
    "epq_cycle_days",
    "epq_lot_size_units",
    "evaluate_power_of_two_schedule",
    "independent_solution_lower_bound",
    "minimum_base_period_days",
    "minimum_common_cycle_days",
    "optimal_base_period_days",
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

#: [-] Largest multiplier ``k_i`` of a power-of-two schedule. A computational bound on the
#: ``K = max k_i`` base periods that are packed (one MILP row per period); assumption: a
#: product made less than once per 1024 base periods is outside single-line campaign
#: planning.
MAX_MULTIPLIER = 1024
#: [-] Branch-and-bound nodes one packing MILP (HiGHS) may explore. A computational bound,
#: not a model parameter, and deterministic (unlike a time limit): most packing questions
#: are settled at the root; those near the feasibility threshold of a large line (20+
#: products, hundreds of base periods) can need thousands of nodes (2-10 ms each).
#: A MILP stopped by the limit without an answer counts as "no packing found".
PACKING_MILP_NODE_LIMIT = 200
#: [s] Wall-clock safety limit of one packing MILP; not reached within the node limit on
#: the lines tried (at most about 3 s, 30 products and 512 base periods).
PACKING_MILP_TIME_LIMIT_S = 30.0
# Relative resolution of the smallest feasible base period: the search stops when the
# best base found is within this of a base at which no packing fits. Far below the
# precision of any ELSP input (a cost error of at most 0.01 %), and well above HiGHS's
# tolerances (1e-6 on integrality, 1e-7 on a row scaled to 1), so "no packing" verdicts
# near the end are not tolerance artefacts.
_MIN_BASE_RTOL = 1e-4


def _as_multipliers(problem: ElspProblem, multipliers) -> np.ndarray:
    try:
        raw = np.array(multipliers, dtype=float, ndmin=1)
    except (TypeError, ValueError) as err:
        raise UserInputError(f"multipliers = {multipliers!r}, must be numbers") from err
    if raw.ndim != 1 or raw.shape[0] != problem.n_products:
        raise UserInputError(
            f"multipliers has shape {raw.shape}, must have one value per product "
            f"({problem.n_products})"
        )
    for i, v in enumerate(raw):
        ok = math.isfinite(v) and 1 <= v <= MAX_MULTIPLIER and v == int(v)
        if not (ok and int(v) & (int(v) - 1) == 0):
            raise UserInputError(
                f"multipliers[{i}] = {float(v)!r}, must be a power of two between 1 and "
                f"{MAX_MULTIPLIER} (1, 2, 4, ...)"
            )
    return raw.astype(np.int64)


def _as_base(base_period_days) -> float:
    b = float(base_period_days)
    if not (math.isfinite(b) and b > 0):
        raise UserInputError(f"base_period_days = {base_period_days!r}, must be finite and > 0")
    return b


def _packing_order(problem: ElspProblem, k: np.ndarray, base_period_days: float) -> list[int]:
    load = problem.setup_time_days + problem.run_share * k * base_period_days
    return sorted(range(problem.n_products), key=lambda j: (k[j], -load[j], j))


def _pack(problem: ElspProblem, k: np.ndarray, base_period_days: float) -> np.ndarray:
    """Greedy offsets (see pack_base_periods)."""
    load = problem.setup_time_days + problem.run_share * k * base_period_days
    return _greedy_offsets(k, load, _packing_order(problem, k, base_period_days))


def _greedy_offsets(k: np.ndarray, load: np.ndarray, order: Sequence[int]) -> np.ndarray:
    big_k = int(k.max())
    loads = np.zeros(big_k)
    offsets = np.zeros(k.shape[0], dtype=np.int64)
    for i in order:
        ki = int(k[i])
        grid = loads.reshape(big_k // ki, ki)
        o = int(np.argmin(grid.max(axis=0)))
        grid[:, o] += load[i]
        offsets[i] = o
    return offsets


def _assignment_milp(k: np.ndarray, per_campaign: np.ndarray, capacity: float):
    """Offsets whose every period sum of ``per_campaign`` is <= ``capacity``, or None; and
    whether the question was settled (False: the node limit stopped HiGHS first).

    Binary ``x[i, o] = 1`` when product ``i`` first runs in period ``o < k_i``; it then runs
    in every period ``j`` with ``j mod k_i = o``::

        sum_o x[i, o] = 1                                   for every product i
        sum_i (c_i / capacity) x[i, j mod k_i] <= 1          for every period j < K

    A feasibility problem (no objective): HiGHS stops at the first fitting assignment or
    proves that none exists. Rows are scaled to a capacity of 1 and there is no continuous
    column: with either, HiGHS reported solve errors or printed debugging lines on some
    lines. Rotating every offset by the same amount maps a packing to a packing, so one
    product with ``k_i = K`` is fixed to period 0.
    """
    if not capacity > 0:
        return None, True
    n = k.shape[0]
    big_k = int(k.max())
    first = np.concatenate(([0], np.cumsum(k)[:-1]))  # column of x[i, 0]
    n_x = int(k.sum())
    periods = np.arange(big_k)
    period_rows = coo_matrix(
        (np.tile(per_campaign / capacity, big_k),
         (np.repeat(periods, n), (first[None, :] + periods[:, None] % k[None, :]).ravel())),
        shape=(big_k, n_x),
    ).tocsr()
    assign_rows = coo_matrix(
        (np.ones(n_x), (np.repeat(np.arange(n), k), np.arange(n_x))), shape=(n, n_x)
    ).tocsr()
    lower = np.zeros(n_x)
    lower[first[int(np.argmax(k))]] = 1.0
    res = milp(
        np.zeros(n_x),
        integrality=np.ones(n_x),
        bounds=Bounds(lower, np.ones(n_x)),
        constraints=[LinearConstraint(period_rows, -np.inf, 1.0),
                     LinearConstraint(assign_rows, 1.0, 1.0)],
        options={"time_limit": PACKING_MILP_TIME_LIMIT_S,
                 "node_limit": PACKING_MILP_NODE_LIMIT},
    )
    if res.x is None:
        return None, res.status == 2  # 2: proven infeasible
    x = res.x
    return np.array([int(np.argmax(x[first[i]:first[i] + k[i]])) for i in range(n)],
                    dtype=np.int64), True


def _exact_offsets(problem: ElspProblem, k: np.ndarray, base_period_days: float,
                   settled: list | None = None):
    """Offsets from the assignment MILP that fit at base B; None when none was found.
    Appends to ``settled`` whether the MILP settled the question."""
    load = problem.setup_time_days + problem.run_share * k * base_period_days
    offsets, done = _assignment_milp(k, load, problem.available_fraction * base_period_days)
    if settled is not None:
        settled.append(done)
    return offsets


def _fits(problem: ElspProblem, k: np.ndarray, offsets: np.ndarray, b: float) -> bool:
    loads = base_period_loads_days(problem, k, offsets, b)
    return bool(loads.max() <= problem.available_fraction * b * (1.0 + _REL_TOL))


def _offsets_at(problem: ElspProblem, k: np.ndarray, b: float, settled: list | None = None):
    """Greedy offsets, or the MILP's when the greedy ones do not fit at b; and whether
    they fit. Appends to ``settled`` whether the MILP, if asked, settled the question."""
    offsets = _pack(problem, k, b)
    if _fits(problem, k, offsets, b):
        return offsets, True
    exact = _exact_offsets(problem, k, b, settled)
    if exact is not None and _fits(problem, k, exact, b):
        return exact, True
    return offsets, False


def _run_share_offsets(problem: ElspProblem, k: np.ndarray):
    """A packing in which every period's run share ``R_j`` is below ``a`` (so it fits at
    some base), greedy on ``R_j`` first, then the MILP; None when none exists."""
    run = problem.run_share * k
    offsets = _greedy_offsets(k, run, sorted(range(k.shape[0]), key=lambda j: (k[j], -run[j], j)))
    if math.isfinite(_min_base(problem, k, offsets)[0]):
        return offsets
    return _assignment_milp(k, run, problem.available_fraction * (1.0 - _REL_TOL))[0]


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


def _base_lower_bound(problem: ElspProblem, k: np.ndarray) -> float:
    """A base [day] below which no packing of k fits (inf when none fits at any base).

    Two necessary conditions: the ``K`` periods together need
    ``B >= sum(s_i/k_i) / (a - sum d_i/p_i)``; and the period holding product ``i`` also
    holds every product made each period (``k_j = 1``), so
    ``B >= (s_i + S_1) / (a - rho_i k_i - R_1)`` with ``S_1``, ``R_1`` their setup time and
    run share (``i`` counted once).
    """
    a = problem.available_fraction
    s = problem.setup_time_days
    run = problem.run_share * k
    every = k == 1
    setups_1, run_1 = float(s[every].sum()), float(run[every].sum())
    need_s = np.where(every, setups_1, setups_1 + s)
    need_r = np.where(every, run_1, run_1 + run)
    slack = np.append(a - need_r, a - problem.utilisation_run)
    if not (slack > 0).all():
        return math.inf
    return float(np.max(np.append(need_s, np.sum(s / k)) / slack))


def _improve(problem: ElspProblem, k: np.ndarray, offsets: np.ndarray, target: float):
    """Local search on a packing: move one product at a time to the offset that lowers
    ``B_min = max_j S_j / (a - R_j)`` most, until no move lowers it or it reaches
    ``target``. Returns the improved offsets (a copy)."""
    a = problem.available_fraction
    s = problem.setup_time_days
    run = problem.run_share * k
    offsets = offsets.copy()
    setups = _period_sums(k, offsets, s)
    runs = _period_sums(k, offsets, run)

    def ratio(setup_days, run_share):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = setup_days / (a - run_share)
        return np.where(run_share < a, np.maximum(r, 0.0), math.inf)

    current = float(np.max(ratio(setups, runs)))
    improved = True
    while improved and current > target:
        improved = False
        for i in np.flatnonzero(k > 1):
            ki, oi = int(k[i]), int(offsets[i])
            setups[oi::ki] -= s[i]
            runs[oi::ki] -= run[i]
            without = ratio(setups, runs).reshape(-1, ki).max(axis=0)
            with_i = ratio(setups + s[i], runs + run[i]).reshape(-1, ki).max(axis=0)
            order = np.argsort(without)
            first, second = order[-1], order[-2]
            others = np.where(np.arange(ki) == first, without[second], without[first])
            value = np.maximum(with_i, others)
            o = int(np.argmin(value))
            if value[o] < current * (1.0 - 1e-12):
                offsets[i], current, improved = o, float(value[o]), True
            setups[offsets[i]::ki] += s[i]
            runs[offsets[i]::ki] += run[i]
    return offsets


def _greedy_base(problem: ElspProblem, k: np.ndarray, floor_days: float, lo: float):
    """Greedy packing, repacked at the base it needs, then :func:`_improve`: the smallest
    base ``>= floor_days`` it reaches and the packing; (inf, None) if the greedy packing
    fits at no base. ``lo`` is a base below which nothing fits."""
    best_b, best_offsets = math.inf, None
    b = lo
    for _ in range(3):
        offsets = _pack(problem, k, b)
        b_min, _ = _min_base(problem, k, offsets)
        if not math.isfinite(b_min):
            break
        b_use = max(floor_days, b_min)
        if b_use < best_b:
            best_b, best_offsets = b_use, offsets
        if b_use <= b:
            break
        b = b_use
    if best_offsets is not None and best_b > lo * (1.0 + _REL_TOL):
        best_offsets = _improve(problem, k, best_offsets, lo)
        best_b = max(floor_days, _min_base(problem, k, best_offsets)[0])
    return best_b, best_offsets


def _descend(problem: ElspProblem, k: np.ndarray, floor_days: float, lo: float,
             best_b: float, best_offsets: np.ndarray):
    """Lower a fitting packing's base with the assignment MILP until no packing fits at
    ``(1 - _MIN_BASE_RTOL)`` times the best base, or the base reaches ``lo``."""
    while best_b > lo * (1.0 + _MIN_BASE_RTOL):
        offsets = _exact_offsets(problem, k, best_b * (1.0 - _MIN_BASE_RTOL))
        if offsets is None:  # nothing fits just below the best base: it is the smallest
            break
        offsets = _improve(problem, k, offsets, lo)
        b_use = max(floor_days, _min_base(problem, k, offsets)[0])
        if not b_use < best_b:  # a packing at the solver's tolerance: stop
            break
        best_b, best_offsets = b_use, offsets
    return best_b, best_offsets


def _smallest_base(problem: ElspProblem, k: np.ndarray, floor_days: float):
    """Smallest base >= floor_days at which some packing of k fits, and that packing.

    Each packing ``o`` fits from ``B_min(o) = max_j S_j / (a - R_j)`` on; nothing fits
    below :func:`_base_lower_bound`. The greedy packing, improved by local search
    (:func:`_greedy_base`), is the start; if it fits at no base the MILP looks for a
    packing whose run shares fit (:func:`_run_share_offsets`). Then :func:`_descend` asks
    the assignment MILP for a packing that fits at ``(1 - _MIN_BASE_RTOL)`` times the best
    base until there is none: the best base is then the smallest to that resolution (a
    descent over packings, as Dinkelbach's method for min-max ratios; Crouzeix, Ferland &
    Schaible 1985). Probes further below the best base, e.g. bisection, ask the MILP the
    hard, near-threshold questions and were slower. Returns (inf, None) when no packing
    fits at any base.
    """
    lo = max(floor_days, _base_lower_bound(problem, k))
    if not math.isfinite(lo):
        return math.inf, None
    best_b, best_offsets = _greedy_base(problem, k, floor_days, lo)
    if best_offsets is None:
        best_offsets = _run_share_offsets(problem, k)
        if best_offsets is None:
            return math.inf, None
        best_offsets = _improve(problem, k, best_offsets, lo)
        best_b = max(floor_days, _min_base(problem, k, best_offsets)[0])
    return _descend(problem, k, floor_days, lo, best_b, best_offsets)


def pack_base_periods(
    problem: ElspProblem, multipliers, base_period_days: float
) -> tuple[np.ndarray, list[list[int]]]:
    """Assign each product's campaigns to base periods so that every period fits.

    Parameters
    ----------
    problem : ElspProblem
    multipliers : array_like of int, shape (n,)
        ``k_i``, powers of two between 1 and ``MAX_MULTIPLIER``: product ``i`` runs every
        ``k_i`` base periods.
    base_period_days : float
        ``B`` [day], > 0.

    Returns
    -------
    offsets : ndarray of int64, shape (n,)
        Base period (``0 .. K-1``, ``K = max k``) of the product's first campaign; it then
        runs in periods ``offset, offset + k_i, ...``.
    periods : list of list of int
        For each of the ``K`` base periods, the products run in it, in run order.

    Raises
    ------
    UserInputError
        If a multiplier is not a power of two in ``[1, MAX_MULTIPLIER]`` or the base is not
        positive.

    Notes
    -----
    Period ``j`` fits when its load ``sum_{i: j = o_i mod k_i} (s_i + (d_i/p_i) k_i B)``
    is at most ``a B`` [day].

    1. Greedy balancing in the spirit of Dobson (1987): products in order of increasing
       ``k_i`` (ties: larger load first) each take the offset that minimises the largest
       load among the periods they occupy.
    2. If a period then overflows, an exact assignment MILP (binary ``x_io``, product
       ``i`` first run in period ``o``; ``sum_o x_io = 1``; every period's load
       ``<= a B``), solved by HiGHS (Huangfu & Hall 2018) through
       :func:`scipy.optimize.milp`. So a fitting packing is returned whenever one exists
       (and HiGHS settles the question within ``PACKING_MILP_NODE_LIMIT`` nodes, which it
       does at once on lines of ten-odd products).

    If none is found the greedy offsets are returned; :func:`base_period_loads_days` shows
    which periods overflow and :func:`minimum_base_period_days` the base at which the
    multipliers fit.

    References
    ----------
    Huangfu, Q., Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
    Mathematical Programming Computation 10, 119-142.
    https://doi.org/10.1007/s12532-017-0130-5
    """
    k = _as_multipliers(problem, multipliers)
    b = _as_base(base_period_days)
    offsets, _ = _offsets_at(problem, k, b)
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


def _optimal_base(problem: ElspProblem, k: np.ndarray) -> float:
    return math.sqrt(float(np.sum(problem.setup_cost_usd / k))
                     / float(np.sum(problem.holding_slope_usd_per_day2 * k)))


def optimal_base_period_days(problem: ElspProblem, multipliers) -> float:
    """Cost-minimising base period for given power-of-two multipliers, capacity ignored.

    Parameters
    ----------
    problem : ElspProblem
    multipliers : array_like of int, shape (n,)
        ``k_i``, powers of two between 1 and ``MAX_MULTIPLIER``; product ``i`` has cycle
        ``T_i = k_i B``.

    Returns
    -------
    float
        ``B* = sqrt(2 sum_i (A_i / k_i) / sum_i (h_i d_i (1 - d_i/p_i) k_i))`` [day].

    Notes
    -----
    With cycles ``T_i = k_i B`` the ELSP cost (Elmaghraby 1978) is

        C(B) = sum_i A_i / (k_i B) + B sum_i g_i k_i,   g_i = h_i d_i (1 - d_i/p_i) / 2.

    ``C'(B) = -sum_i (A_i/k_i) / B^2 + sum_i g_i k_i`` vanishes at
    ``B* = sqrt(sum_i (A_i/k_i) / sum_i g_i k_i)``, the expression above; ``C'' > 0`` on
    ``B > 0`` so it is the global minimum, with ``C(B*) = 2 sqrt(sum A_i/k_i sum g_i k_i)``.
    This is the base-period step of Doll & Whybark's (1973) iteration (Axsäter 2015,
    Sec. 7.2, the "basic period approach"). With setup times the cheapest *feasible* base
    is ``max(B*, minimum_base_period_days(problem, multipliers))``, because ``C`` rises
    on ``B > B*`` and the feasible bases form a half-line.

    References
    ----------
    Doll, C. L., Whybark, D. C. (1973). An iterative procedure for the single-machine
    multi-product lot scheduling problem. Management Science 20(1), 50-55.
    https://doi.org/10.1287/mnsc.20.1.50

    Axsäter, S. (2015). Inventory Control, 3rd ed. Springer, Sec. 7.2.

    Examples
    --------
    >>> p = ElspProblem([1.0, 1.0], [2.0, 2.0], [0.0, 0.0], [8.0, 2.0], [4.0, 4.0])
    >>> round(optimal_base_period_days(p, [2, 1]), 12)  # sqrt((4 + 2) / (2 + 1))
    1.414213562373
    """
    return _optimal_base(problem, _as_multipliers(problem, multipliers))


def minimum_base_period_days(problem: ElspProblem, multipliers) -> float:
    """Shortest base period at which the multipliers' campaigns can be packed [day].

    Parameters
    ----------
    problem : ElspProblem
    multipliers : array_like of int, shape (n,)
        ``k_i``, powers of two between 1 and ``MAX_MULTIPLIER``.

    Returns
    -------
    float
        ``min over packings o of max_j S_j(o) / (a - R_j(o))`` [day], with ``S_j`` the
        setup time and ``R_j = sum (d_i/p_i) k_i`` the run share of the products in period
        ``j``; ``inf`` when some period's run share reaches ``a`` in every packing. Exact
        to a relative ``1e-4``, provided each MILP settles within
        ``PACKING_MILP_NODE_LIMIT`` nodes (otherwise an upper bound).

    Notes
    -----
    A packing ``o`` fits at ``B`` iff ``S_j + R_j B <= a B`` in every period, i.e. from
    ``B_min(o) = max_j S_j / (a - R_j)`` on. Start: the greedy packing of
    :func:`pack_base_periods`, improved by moving one product at a time. Then the
    assignment MILP of :func:`pack_base_periods` is asked for a packing that fits at
    ``(1 - 1e-4)`` times the best ``B_min`` so far, until none does (a descent over
    packings in the manner of Dinkelbach's method for min-max ratios; Crouzeix, Ferland &
    Schaible 1985). No packing fits below ``sum(s_i/k_i) / (a - sum d_i/p_i)``, where the
    periods together lack time, which can end the search early.

    References
    ----------
    Crouzeix, J.-P., Ferland, J. A., Schaible, S. (1985). An algorithm for generalized
    fractional programs. Journal of Optimization Theory and Applications 47(1), 35-49.
    https://doi.org/10.1007/BF00941314
    """
    k = _as_multipliers(problem, multipliers)
    return float(_smallest_base(problem, k, 0.0)[0])


@dataclass(frozen=True, eq=False)
class PowerOfTwoEvaluation:
    """Cost and feasibility of one power-of-two schedule (multipliers and base period).

    Attributes
    ----------
    product_ids : tuple of str
    multipliers : ndarray of int64, shape (n,)
        ``k_i`` [-].
    base_period_days : float
        ``B`` [day].
    cycle_days : ndarray, shape (n,)
        ``T_i = k_i B`` [day].
    offsets : ndarray of int64, shape (n,)
        First base period of each product in the packing found (a fitting one whenever one
        exists; the greedy one otherwise).
    period_loads_days : ndarray, shape (K,)
        Setup plus run time in each base period under ``offsets`` [day].
    period_capacity_days : float
        Line time available in one base period, ``a B`` [day].
    setup_cost_usd_per_yr, holding_cost_usd_per_yr, total_cost_usd_per_yr : float
        ``DAYS_PER_YR`` times ``sum A_i/T_i``, ``sum g_i T_i`` and their sum [USD/yr].
    total_cost_usd_per_day : float
        [USD/day].
    utilisation_changeover : float
        ``sum s_i / T_i`` [-].
    capacity_feasible : bool
        ``sum d_i/p_i + sum s_i/T_i <= a``: the line has the time on average.
    packing_feasible : bool
        An assignment of campaigns to base periods that fits every period was found
        (implies ``capacity_feasible``); False when none exists, or, as ``reason`` then
        says, none was found within ``PACKING_MILP_NODE_LIMIT`` nodes.
    feasible : bool
        Both; the schedule can be run as given.
    reason : str
        Why it is not feasible; empty otherwise.
    """

    product_ids: tuple[str, ...]
    multipliers: np.ndarray
    base_period_days: float
    cycle_days: np.ndarray
    offsets: np.ndarray
    period_loads_days: np.ndarray
    period_capacity_days: float
    setup_cost_usd_per_yr: float
    holding_cost_usd_per_yr: float
    total_cost_usd_per_yr: float
    total_cost_usd_per_day: float
    utilisation_changeover: float
    capacity_feasible: bool
    packing_feasible: bool
    feasible: bool
    reason: str


def evaluate_power_of_two_schedule(
    problem: ElspProblem, multipliers, base_period_days: float
) -> PowerOfTwoEvaluation:
    """Cost per year and feasibility of a given power-of-two schedule.

    Parameters
    ----------
    problem : ElspProblem
    multipliers : array_like of int, shape (n,)
        ``k_i``, powers of two between 1 and ``MAX_MULTIPLIER``: product ``i`` is made
        every ``k_i`` base periods.
    base_period_days : float
        ``B`` [day], > 0.

    Returns
    -------
    PowerOfTwoEvaluation
        Costs, the packing found, and the two feasibility verdicts with a reason.

    Raises
    ------
    UserInputError
        If a multiplier is not a power of two in ``[1, MAX_MULTIPLIER]`` or the base is not
        positive.

    Notes
    -----
    Cost (Elmaghraby 1978, basic period approach), per day::

        C = sum_i A_i / (k_i B) + sum_i h_i d_i (1 - d_i/p_i) k_i B / 2      [USD/day]

    times ``DAYS_PER_YR`` per year. Capacity: ``sum_i d_i/p_i + sum_i s_i/(k_i B) <= a``,
    necessary for any cyclic schedule. Packing: every base period ``j`` must hold its
    campaigns, ``sum_{i in j} (s_i + (d_i/p_i) k_i B) <= a B``; decided exactly by
    :func:`pack_base_periods` (greedy, then the assignment MILP). A line over capacity
    (``sum d_i/p_i >= a``) is reported infeasible, not raised. Use
    :func:`optimal_base_period_days` for the cheapest base of given multipliers.
    """
    k = _as_multipliers(problem, multipliers)
    b = _as_base(base_period_days)
    a = problem.available_fraction
    t = k * b
    setup, holding = plan_cost_usd_per_day(problem, t)
    changeover = float(np.sum(problem.setup_time_days / t))
    need = problem.utilisation_run + changeover
    capacity_ok = need <= a * (1.0 + _REL_TOL)
    settled: list[bool] = []
    if capacity_ok:
        offsets, packing_ok = _offsets_at(problem, k, b, settled)
    else:
        offsets, packing_ok = _pack(problem, k, b), False
    loads = base_period_loads_days(problem, k, offsets, b)
    if not capacity_ok:
        reason = (f"line time: run share sum d_i/p_i + changeover share sum s_i/(k_i B) = "
                  f"{need:.6g} exceeds available_fraction = {a:.6g}")
    elif not packing_ok:
        verdict = ("no assignment of campaigns to base periods fits" if all(settled) else
                   f"no fitting assignment found within {PACKING_MILP_NODE_LIMIT} MILP nodes")
        reason = (f"{verdict}: some of the {int(k.max())} periods need more than a B = "
                  f"{a * b:.6g} days (largest load {loads.max():.6g} days in the packing "
                  "returned)")
    else:
        reason = ""
    arrays = [k, t, offsets, loads]
    for arr in arrays:
        arr.flags.writeable = False
    return PowerOfTwoEvaluation(
        product_ids=problem.product_ids,
        multipliers=k,
        base_period_days=b,
        cycle_days=t,
        offsets=offsets,
        period_loads_days=loads,
        period_capacity_days=a * b,
        setup_cost_usd_per_yr=setup * DAYS_PER_YR,
        holding_cost_usd_per_yr=holding * DAYS_PER_YR,
        total_cost_usd_per_yr=(setup + holding) * DAYS_PER_YR,
        total_cost_usd_per_day=setup + holding,
        utilisation_changeover=changeover,
        capacity_feasible=bool(capacity_ok),
        packing_feasible=bool(packing_ok),
        feasible=bool(capacity_ok and packing_ok),
        reason=reason,
    )


def _base_at_cost(problem: ElspProblem, k: np.ndarray, cost_usd_per_day: float) -> float:
    """The base ``B >= B*`` at which multipliers k cost ``cost_usd_per_day`` [day]:
    the larger root of ``sum(A_i/k_i) / B + B sum(g_i k_i) = C``."""
    setup = float(np.sum(problem.setup_cost_usd / k))
    slope = float(np.sum(problem.holding_slope_usd_per_day2 * k))
    disc = max(cost_usd_per_day**2 - 4.0 * setup * slope, 0.0)
    return (cost_usd_per_day + math.sqrt(disc)) / (2.0 * slope)


def _repair(problem: ElspProblem, k: np.ndarray) -> list[np.ndarray]:
    """The rounded multipliers and, if their greedy packing fits at no base, a repair.

    First, products that cannot fit in any packing are halved: a product made every
    ``k_i`` periods shares its period with all products made every period, so it needs
    ``rho_i k_i < a - sum_{k_j = 1} rho_j``. That vector is returned. Then, while the
    greedy packing at ``B*`` has a period whose run share reaches ``a``, the longest-cycle
    product of that period is halved; the vector reached, whose greedy packing fits at
    some base (at worst all ones, the common cycle), is returned too. The first may still
    be packable: the caller asks the MILP when its cost bound is low enough.
    """
    k = k.copy()
    rho = problem.run_share
    a = problem.available_fraction
    while True:
        every = k == 1
        too_long = ~every & (rho * k >= a - float(np.sum(rho[every])))
        if not too_long.any():
            break
        k[too_long] //= 2
        k //= int(k.min())
    rounded = k.copy()
    while True:
        offsets = _pack(problem, k, _optimal_base(problem, k))
        b_min, worst = _min_base(problem, k, offsets)
        if math.isfinite(b_min):
            return [rounded, k]
        # in the period with the largest run share, halve the longest-cycle product
        members = [j for j in range(k.shape[0]) if (worst - offsets[j]) % k[j] == 0]
        i = max(members, key=lambda j: (k[j], problem.run_share[j] * k[j], -j))
        if k[i] == 1:  # cannot happen while sum d/p < a; kept as a guard
            return [rounded, np.ones_like(k)]
        k[i] //= 2
        k //= int(k.min())


def power_of_two_plan(
    problem: ElspProblem, *, max_multiplier: int = MAX_MULTIPLIER, exact_packing: bool = True
) -> CampaignPlan:
    """Power-of-two cycles on a base period, packed and repaired to be feasible.

    Parameters
    ----------
    problem : ElspProblem
    max_multiplier : int
        Largest allowed ``k_i`` [-], a power of two, at most ``MAX_MULTIPLIER`` (a
        computational bound on the schedule length ``K B``; assumption: a product made less
        than once per 1024 base periods is outside single-line campaign planning).
    exact_packing : bool
        Let the assignment MILP find packings the greedy one misses (default). False keeps
        the greedy packing with local search only: faster on large tight lines, never
        cheaper.

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
    UserInputError
        If ``max_multiplier`` is not a power of two in ``[1, MAX_MULTIPLIER]``.

    Notes
    -----
    1. Solve the capacity relaxation (:func:`capacity_lower_bound`) for target cycles
       ``T_i`` (Dobson 1987).
    2. For every distinct rounding over one octave of base periods (Roundy 1989), round
       ``T_i`` to ``2**m_i B`` (:func:`round_to_power_of_two`), cap at ``max_multiplier``,
       and halve products that fit in no packing (``rho_i k_i`` plus the run share of the
       products made every period reaches ``a``). If the greedy packing of such a vector
       fits at no base, a repaired vector is added: the longest multiplier in the most
       loaded period halved until the greedy packing fits.
    3. For each candidate ``k`` the cheapest base is ``B = max(B*, B_min)``: ``B*``
       (:func:`optimal_base_period_days`) minimises cost, ``B_min``
       (:func:`minimum_base_period_days`) is the smallest base at which some packing fits,
       period ``j`` with setups ``S_j`` and run share ``R_j = sum (d_i/p_i) k_i`` fitting
       from ``S_j / (a - R_j)`` on. First every candidate gets the greedy packing of
       :func:`pack_base_periods` improved by local search. Then, in order of a lower bound
       on their cost, candidates whose bound is below the best cost found are handed to
       the assignment MILP: one probe at the base where the candidate would tie with the
       best, then a descent to ``B_min`` (resolution ``1e-4`` relative). So a candidate's
       base is given up only when the MILP finds no packing there.
    4. Keep the cheapest candidate (the all-ones, common-cycle candidate included).

    Without a binding capacity, Roundy's bound gives a cost within
    ``ROUNDY_FIXED_BASE_RATIO`` (6 %) of the lower bound for any base, and
    ``ROUNDY_OPTIMAL_BASE_RATIO`` (2 %) with the best base. The cost model is the basic
    period approach reviewed by Elmaghraby (1978): each lot is ``d_i k_i B``.

    Runtime: on lines whose greedy packing fits (the bundled scenarios) no MILP runs and
    a plan takes milliseconds; Bomberger's ten-product line takes one MILP. Each MILP
    is capped at ``PACKING_MILP_NODE_LIMIT`` branch-and-bound nodes, and a probe stopped
    by the cap counts as "no packing": on large tight lines (20-30 products, cycles
    spanning three decades, hundreds of base periods) a plan can take tens of seconds and
    may miss a packing.

    Limitation: every campaign must fit inside one base period
    (``s_i + (d_i/p_i) k_i B <= a B`` with the other campaigns of that period), which caps
    the multipliers of products with a large run share; on such lines the plan may fall
    back to the common cycle. Dobson's (1987) time-varying lot sizes, which let campaigns
    straddle base periods, relax this and are not implemented here. The multipliers come
    from rounding, not from a search over all power-of-two vectors, so the plan is a
    heuristic even though each candidate's base is exact.
    """
    if (max_multiplier < 1 or max_multiplier > MAX_MULTIPLIER
            or max_multiplier & (max_multiplier - 1)):
        raise UserInputError(
            f"max_multiplier = {max_multiplier!r}, must be a power of two between 1 and "
            f"{MAX_MULTIPLIER}"
        )
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
    repaired = {tuple(k.tolist()) for c in candidates
                for k in _repair(problem, np.asarray(c, dtype=np.int64))}
    ks = [np.asarray(c, dtype=np.int64) for c in sorted(repaired)]
    # Phase 1, heuristic: greedy packing and local search for every candidate.
    floor = [_optimal_base(problem, k) for k in ks]
    lo = [max(f, _base_lower_bound(problem, k)) for f, k in zip(floor, ks, strict=True)]
    heuristic = [_greedy_base(problem, k, f, low) for k, f, low in zip(ks, floor, lo, strict=True)]

    def cost(k, b):
        return sum(plan_cost_usd_per_day(problem, k * b))

    best = None
    for k, (b, offsets) in zip(ks, heuristic, strict=True):
        if offsets is not None and (best is None or cost(k, b) < best[0]):
            best = (cost(k, b), k, b, offsets)
    # Phase 2, exact: no base below lo is cheaper (B*) or feasible, so cost(k, lo) bounds
    # the cost of k. Visit candidates by that bound until it reaches the best cost found,
    # and let the assignment MILP find packings the heuristic missed.
    bound = [cost(k, low) for k, low in zip(ks, lo, strict=True)]
    for i in sorted(range(len(ks)), key=lambda i: bound[i]):
        if not exact_packing or (best is not None and bound[i] >= best[0]):
            break
        k, (b, offsets) = ks[i], heuristic[i]
        if offsets is not None and b <= lo[i] * (1.0 + _REL_TOL):
            continue  # the heuristic packing already fits at the lower bound
        if best is not None and cost(k, b) >= best[0]:
            # k beats the best only below the base where its cost equals the best: one
            # MILP there settles most candidates.
            target = _base_at_cost(problem, k, best[0]) * (1.0 - _MIN_BASE_RTOL)
            offsets = _exact_offsets(problem, k, target) if target > lo[i] else None
        elif offsets is None:
            offsets = _run_share_offsets(problem, k)
        if offsets is None:
            continue
        offsets = _improve(problem, k, offsets, lo[i])
        b = max(floor[i], _min_base(problem, k, offsets)[0])
        b, offsets = _descend(problem, k, floor[i], lo[i], b, offsets)
        if best is None or cost(k, b) < best[0]:
            best = (cost(k, b), k, b, offsets)
    _, k, b, offsets = best
    rank = np.empty(problem.n_products, dtype=np.int64)
    rank[_packing_order(problem, k, b)] = np.arange(problem.n_products)
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
