"""Budgeted portfolio of resilience measures: which options, on which products, a public
budget buys to maximise a benefit.

The input is a table of candidate options, one row per (product, option): what the option
costs the public budget and what it brings (criticality-weighted shortage-days avoided per
year, or social NPV in USD; the caller picks one objective and its unit). A combination of
base options on one product (``"combo:buffer_90d+pat"``) is a row of its own, with its own
(non-additive) benefit; its ``members`` name the base options it contains.

* :func:`select_portfolio` solves the choice as a mixed-integer linear programme (a
  multiple-choice knapsack with per-product caps) with HiGHS through
  :func:`scipy.optimize.milp`, in two stages: the largest benefit, then the cheapest
  portfolio of that benefit.
* :func:`brute_force_portfolio` finds the same portfolio by enumerating every subset of
  rows (small tables only): an independent reference for tests.
* :func:`efficient_frontier` solves at many budgets; :func:`frontier_budgets` picks them.

Benefits of options on different products are added: interactions through shared
upstream sites are not modelled here and are checked by re-simulating the chosen
portfolio with the supply simulator. Formulation, tie rule and a worked example:
``docs/priority.md``, "Budgeted portfolio". This module reads no file and prints nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csc_array, csr_array

from rxtwin.errors import UnknownIdError, UserInputError

__all__ = [
    "BRUTE_FORCE_MAX_ROWS",
    "FRONTIER_COLUMNS",
    "OPTION_COLUMNS",
    "TIE_RTOL",
    "PortfolioChoice",
    "PortfolioEnumeration",
    "brute_force_portfolio",
    "efficient_frontier",
    "enumerate_portfolios",
    "frontier_budgets",
    "select_portfolio",
]

#: Columns every options table must have; an optional ``members`` column lists the base
#: options a row contains (a ``"+"``-joined string or a list of strings).
OPTION_COLUMNS = ("product_id", "option_id", "public_cost_usd", "benefit")
MEMBERS_COLUMN = "members"

#: Columns of :func:`efficient_frontier`, one row per budget.
FRONTIER_COLUMNS = ("budget_usd", "benefit", "cost_usd", "n_chosen", "chosen_options",
                    "status", "mip_gap")

#: Two portfolios whose benefits differ by at most this fraction of the largest single
#: benefit tie; of tied portfolios the cheaper is chosen. Assumption: far below any
#: difference that matters in the benefit's unit, far above rounding of sums of a few
#: thousand terms (about 1e-13 of the largest term).
TIE_RTOL = 1e-9

#: A spend at most this fraction above a limit (budget or product cap) counts as within
#: it: sums of decimal amounts in binary floating point land a few ulps off
#: (0.1 + 0.2 > 0.3). Assumption, as for :data:`TIE_RTOL`.
LIMIT_RTOL = 1e-9

#: Largest table :func:`enumerate_portfolios` accepts: 2**18 subsets of 18 rows.
BRUTE_FORCE_MAX_ROWS = 18

_STATUS = {0: "optimal", 1: "limit reached", 2: "infeasible", 3: "unbounded",
           4: "solver error"}
_SHOWN_ROWS = 5  # bad rows listed in one error message


@dataclass(frozen=True)
class PortfolioChoice:
    """The options a budget buys.

    Attributes
    ----------
    chosen : pandas.DataFrame
        The chosen rows of the options table, all its columns and its index labels, in
        table order. Empty (same columns) when nothing is chosen.
    benefit : float
        Sum of ``benefit`` over the chosen rows [unit of the table's ``benefit``].
    cost_usd : float
        Sum of ``public_cost_usd`` over the chosen rows [USD].
    budget_usd : float
        The public budget [USD] (``inf``: no budget limit).
    status : str
        ``"optimal"``; ``"limit reached"`` when the time limit stopped the solver (the
        portfolio is the best found, ``mip_gap`` bounds how far from the optimum).
    mip_gap : float
        Relative gap between the best portfolio found and the solver's bound on the
        largest benefit at the end of the first stage [-]; 0 when proved optimal.
    n_candidates : int
        Rows that could be chosen at this budget: positive benefit, cost within the budget
        and within the product's cap.
    """

    chosen: pd.DataFrame
    benefit: float
    cost_usd: float
    budget_usd: float
    status: str
    mip_gap: float
    n_candidates: int


@dataclass(frozen=True)
class PortfolioEnumeration:
    """Every portfolio of a small table that respects the budget and the product rules.

    Attributes
    ----------
    chosen : numpy.ndarray
        Boolean array ``(n_portfolios, n_rows)``: row ``k`` marks which table rows
        portfolio ``k`` holds. The empty portfolio is always there.
    benefit : numpy.ndarray
        Total benefit of each portfolio [unit of ``benefit``].
    cost_usd : numpy.ndarray
        Total public cost of each portfolio [USD].
    """

    chosen: np.ndarray
    benefit: np.ndarray
    cost_usd: np.ndarray


@dataclass(frozen=True)
class _Problem:
    """A validated options table as arrays, shared by every budget."""

    table: pd.DataFrame
    benefit: np.ndarray          # per row
    cost_usd: np.ndarray         # per row
    product: np.ndarray          # product index per row, 0..n_products-1
    n_products: int
    cap_usd: np.ndarray          # per product, inf where uncapped
    max_per_product: int
    member_groups: tuple[np.ndarray, ...]  # rows of one product sharing a base option


# ---------------------------------------------------------------------------- validation
def _row_names(table: pd.DataFrame, positions: np.ndarray) -> str:
    shown = [f"row {int(k)} (product {table['product_id'].iat[k]!r}, option "
             f"{table['option_id'].iat[k]!r})" for k in positions[:_SHOWN_ROWS]]
    more = len(positions) - _SHOWN_ROWS
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _numeric_column(table: pd.DataFrame, column: str, *, non_negative: bool) -> np.ndarray:
    values = pd.to_numeric(table[column], errors="coerce")
    text_bad = values.isna() & table[column].notna()
    if text_bad.any():
        k = np.flatnonzero(text_bad.to_numpy())
        raise UserInputError(
            f"options table column '{column}' must hold numbers; {_row_names(table, k)} "
            f"holds {table[column].iat[k[0]]!r}")
    array = values.to_numpy(dtype=float)
    bad = ~np.isfinite(array) | ((array < 0.0) if non_negative else False)
    if bad.any():
        k = np.flatnonzero(bad)
        rule = "finite and >= 0" if non_negative else "finite (not NaN or infinite)"
        raise UserInputError(
            f"options table column '{column}' must be {rule}; {_row_names(table, k)} "
            f"has {float(array[k[0]])!r}")
    return array


def _members(value: object, option_id: object) -> frozenset[str]:
    if not isinstance(value, str | Iterable) and pd.isna(value):
        return frozenset({str(option_id)})
    if isinstance(value, str):
        parts = [p.strip() for p in value.split("+")]
    elif isinstance(value, Iterable):
        parts = [str(p).strip() for p in value]
    else:
        raise UserInputError(
            f"options table column '{MEMBERS_COLUMN}' of option {option_id!r} must be a "
            f"'+'-joined string or a list of option ids, got {value!r}")
    if not parts or any(not p for p in parts):
        raise UserInputError(
            f"options table column '{MEMBERS_COLUMN}' of option {option_id!r} must name "
            f"at least one base option and no empty one, got {value!r}")
    return frozenset(parts)


def _check_limit(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise UserInputError(f"{name} must be a number [USD], got {value!r}")
    number = float(value)
    if math.isnan(number) or number < 0.0:
        raise UserInputError(f"{name} = {number!r} must be >= 0 [USD] (inf: no limit)")
    return number


def _problem(table: pd.DataFrame, max_options_per_product: int,
             product_budget_usd: Mapping[object, float] | float | None) -> _Problem:
    if not isinstance(table, pd.DataFrame):
        raise UserInputError(
            f"the options table must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in OPTION_COLUMNS if c not in table.columns]
    if missing:
        raise UserInputError(
            f"options table needs columns {', '.join(OPTION_COLUMNS)}; missing "
            f"{', '.join(missing)} (has {', '.join(map(str, table.columns))})")
    if isinstance(max_options_per_product, bool) or not isinstance(
            max_options_per_product, int | np.integer) or max_options_per_product < 1:
        raise UserInputError(
            f"max_options_per_product = {max_options_per_product!r} must be a whole "
            "number >= 1")
    for column in ("product_id", "option_id"):
        null = table[column].isna().to_numpy()
        if null.any():
            raise UserInputError(
                f"options table column '{column}' must not be empty; rows "
                f"{', '.join(map(str, np.flatnonzero(null)[:_SHOWN_ROWS]))} are")
    duplicated = table.duplicated(["product_id", "option_id"]).to_numpy()
    if duplicated.any():
        raise UserInputError(
            "options table must hold each (product_id, option_id) once; "
            f"{_row_names(table, np.flatnonzero(duplicated))} repeats an earlier row")
    cost_usd = _numeric_column(table, "public_cost_usd", non_negative=True)
    benefit = _numeric_column(table, "benefit", non_negative=False)

    codes, products = pd.factorize(table["product_id"], sort=False)
    n_products = len(products)
    cap_usd = np.full(n_products, np.inf)
    if isinstance(product_budget_usd, Mapping):
        known = {p: k for k, p in enumerate(products)}
        unknown = [p for p in product_budget_usd if p not in known]
        if unknown:
            raise UnknownIdError(
                f"product_budget_usd names products not in the options table: "
                f"{', '.join(map(repr, unknown[:_SHOWN_ROWS]))}")
        for product_id, cap in product_budget_usd.items():
            cap_usd[known[product_id]] = _check_limit(
                cap, f"product_budget_usd[{product_id!r}]")
    elif product_budget_usd is not None:
        cap_usd[:] = _check_limit(product_budget_usd, "product_budget_usd")

    groups: list[np.ndarray] = []
    if MEMBERS_COLUMN in table.columns and max_options_per_product > 1:
        by_member: dict[tuple[int, str], list[int]] = {}
        for k, (value, option_id) in enumerate(zip(table[MEMBERS_COLUMN],
                                                   table["option_id"], strict=True)):
            for member in _members(value, option_id):
                by_member.setdefault((int(codes[k]), member), []).append(k)
        groups = [np.array(rows) for rows in by_member.values() if len(rows) > 1]
    elif MEMBERS_COLUMN in table.columns:
        for value, option_id in zip(table[MEMBERS_COLUMN], table["option_id"], strict=True):
            _members(value, option_id)  # validated even where no group is needed
    return _Problem(table=table, benefit=benefit, cost_usd=cost_usd,
                    product=np.asarray(codes, dtype=np.int64), n_products=n_products,
                    cap_usd=cap_usd, max_per_product=int(max_options_per_product),
                    member_groups=tuple(groups))


def _within(spend_usd: np.ndarray | float, limit_usd: float) -> np.ndarray | bool:
    """Spend within a limit, up to :data:`LIMIT_RTOL` of the limit."""
    return spend_usd <= limit_usd * (1.0 + LIMIT_RTOL)


# ---------------------------------------------------------------------------- MILP
def _choice(problem: _Problem, rows: np.ndarray, budget_usd: float, status: str,
            mip_gap: float, n_candidates: int) -> PortfolioChoice:
    rows = np.sort(rows)
    return PortfolioChoice(
        chosen=problem.table.iloc[rows],
        benefit=float(problem.benefit[rows].sum()),
        cost_usd=float(problem.cost_usd[rows].sum()),
        budget_usd=float(budget_usd), status=status, mip_gap=float(mip_gap),
        n_candidates=int(n_candidates))


def _constraints(problem: _Problem, rows: np.ndarray,
                 budget_usd: float) -> list[LinearConstraint]:
    """Budget, count, cap and member rows over the candidate ``rows``; each spend row is
    divided by its limit so that HiGHS's absolute tolerances are relative to the limit. A
    row that every choice satisfies is left out."""
    n = len(rows)
    cost = problem.cost_usd[rows]
    product = problem.product[rows]
    coo_row: list[np.ndarray] = []
    coo_col: list[np.ndarray] = []
    coo_val: list[np.ndarray] = []
    upper: list[float] = []

    def add(columns: np.ndarray, values: np.ndarray, limit: float) -> None:
        coo_row.append(np.full(len(columns), len(upper)))
        coo_col.append(columns)
        coo_val.append(values)
        upper.append(limit)

    if not _within(cost.sum(), budget_usd):
        add(np.arange(n), cost / budget_usd, 1.0)
    order = np.argsort(product, kind="stable")
    starts = np.flatnonzero(np.r_[True, product[order][1:] != product[order][:-1]])
    for columns in np.split(order, starts[1:]):
        if len(columns) > problem.max_per_product:
            add(columns, np.ones(len(columns)), float(problem.max_per_product))
        cap = problem.cap_usd[product[columns[0]]]
        if not _within(cost[columns].sum(), cap):
            add(columns, cost[columns] / cap, 1.0)
    position = np.full(len(problem.benefit), -1)
    position[rows] = np.arange(n)
    for group in problem.member_groups:
        columns = position[group]
        columns = columns[columns >= 0]
        if len(columns) > 1:
            add(columns, np.ones(len(columns)), 1.0)
    if not upper:
        return []
    matrix = csr_array((np.concatenate(coo_val), (np.concatenate(coo_row),
                                                  np.concatenate(coo_col))),
                       shape=(len(upper), n))
    return [LinearConstraint(matrix, -np.inf, np.array(upper))]


@dataclass(frozen=True)
class _Relaxation:
    """The LP relaxation of stage 1, for reduced-cost fixing, and a rounded portfolio."""

    reduced: np.ndarray    # reduced benefit of each column [scaled benefit]
    bound: float           # valid upper bound on the scaled benefit of any portfolio
    slack: float           # allowance for HiGHS's feasibility tolerance [scaled benefit]
    rounded: np.ndarray    # feasible portfolio: LP solution rounded down, filled greedily


def _relaxation(benefit: np.ndarray, cost: np.ndarray,
                constraint: LinearConstraint) -> _Relaxation | None:
    matrix = csc_array(constraint.A)
    upper = np.asarray(constraint.ub, dtype=float)
    lp = linprog(-benefit, A_ub=matrix, b_ub=upper, bounds=(0.0, 1.0), method="highs")
    if lp.status != 0:
        return None
    dual = np.maximum(-np.asarray(lp.ineqlin.marginals), 0.0)
    reduced = benefit - matrix.T @ dual
    # Any dual >= 0 gives a valid bound (weak duality), so this bound does not rely on
    # the LP being solved exactly.
    bound = float(dual @ upper + np.maximum(reduced, 0.0).sum())
    # Every constraint has non-negative coefficients and only an upper limit: rounding
    # the LP solution down keeps it feasible; then add columns, best ratio first.
    chosen = lp.x > 1.0 - 1e-9
    activity = matrix @ chosen.astype(float)
    ratio = np.divide(benefit, cost, out=np.full(len(cost), np.inf), where=cost > 0.0)
    for column in np.argsort(-ratio, kind="stable"):
        if chosen[column]:
            continue
        lo, hi = matrix.indptr[column], matrix.indptr[column + 1]
        where, value = matrix.indices[lo:hi], matrix.data[lo:hi]
        if np.all(activity[where] + value <= upper[where]):
            chosen[column] = True
            activity[where] += value
    slack = 1e-7 * (1.0 + float(dual.sum())) + TIE_RTOL
    return _Relaxation(reduced=reduced, bound=bound, slack=slack, rounded=chosen)


def _fixed_bounds(relaxation: _Relaxation | None, n: int, threshold: float) -> Bounds:
    """Reduced-cost fixing: column r is 0 (1) in every portfolio of scaled benefit >=
    ``threshold`` when forcing it to 1 (0) lowers the LP bound below the threshold."""
    if relaxation is None:
        return Bounds(np.zeros(n), np.ones(n))
    room = relaxation.bound - threshold + relaxation.slack
    lower = (relaxation.reduced > room).astype(float)
    upper = np.where(-relaxation.reduced > room, 0.0, 1.0)
    return Bounds(lower, upper)


def _solve(problem: _Problem, budget_usd: float, mip_rel_gap: float,
           time_limit_s: float) -> PortfolioChoice:
    candidate = ((problem.benefit > 0.0) & _within(problem.cost_usd, budget_usd)
                 & _within(problem.cost_usd, problem.cap_usd[problem.product]))
    rows = np.flatnonzero(candidate)
    if len(rows) == 0:
        return _choice(problem, rows, budget_usd, _STATUS[0], 0.0, 0)
    constraints = _constraints(problem, rows, budget_usd)
    if not constraints:  # every candidate fits together
        return _choice(problem, rows, budget_usd, _STATUS[0], 0.0, len(rows))
    benefit = problem.benefit[rows]
    cost = problem.cost_usd[rows]
    benefit_scale = benefit.max()
    scaled = benefit / benefit_scale
    options: dict[str, float] = {"mip_rel_gap": mip_rel_gap}
    if math.isfinite(time_limit_s):
        options["time_limit"] = time_limit_s
    integrality = np.ones(len(rows))
    relaxation = _relaxation(scaled, cost, constraints[0])

    # Stage 1: the largest benefit. The rounded LP portfolio is a lower bound on it.
    known = scaled[relaxation.rounded].sum() if relaxation is not None else 0.0
    first = milp(-scaled, integrality=integrality,
                 bounds=_fixed_bounds(relaxation, len(rows), known - TIE_RTOL),
                 constraints=constraints, options=options)
    status = _STATUS.get(first.status, "solver error")
    if first.x is None:  # stopped before any portfolio was found
        if relaxation is None:
            return _choice(problem, rows[:0], budget_usd, status, math.inf, len(rows))
        best = relaxation.rounded
    else:
        best = first.x > 0.5
        if relaxation is not None and scaled[relaxation.rounded].sum() > scaled[best].sum():
            best = relaxation.rounded
    mip_gap = first.mip_gap if first.mip_gap is not None else math.inf

    # Stage 2: the cheapest portfolio whose benefit ties with the best one.
    cost_scale = cost.max()
    if cost[best].sum() > 0.0:
        best_benefit = scaled[best].sum()
        tie = LinearConstraint(scaled[np.newaxis, :], best_benefit - TIE_RTOL, np.inf)
        second = milp(cost / cost_scale, integrality=integrality,
                      bounds=_fixed_bounds(relaxation, len(rows), best_benefit - TIE_RTOL),
                      constraints=[*constraints, tie], options=options)
        if second.x is not None:
            cheaper = second.x > 0.5
            # HiGHS meets the tie row within its own tolerance (1e-7 > TIE_RTOL): keep the
            # stage-2 portfolio only if it truly ties and truly costs less.
            if (scaled[cheaper].sum() >= best_benefit - TIE_RTOL
                    and cost[cheaper].sum() < cost[best].sum()):
                best = cheaper
    return _choice(problem, rows[best], budget_usd, status, mip_gap, len(rows))


def _check_solver_options(mip_rel_gap: float, time_limit_s: float) -> None:
    if not (0.0 <= mip_rel_gap < 1.0):
        raise UserInputError(f"mip_rel_gap = {mip_rel_gap!r} must be within [0, 1)")
    if not time_limit_s > 0.0:
        raise UserInputError(f"time_limit_s = {time_limit_s!r} must be > 0 [s] (inf: none)")


def select_portfolio(
    table: pd.DataFrame,
    budget_usd: float,
    *,
    max_options_per_product: int = 1,
    product_budget_usd: Mapping[object, float] | float | None = None,
    mip_rel_gap: float = 0.0,
    time_limit_s: float = math.inf,
) -> PortfolioChoice:
    r"""The portfolio of options with the largest total benefit a public budget buys.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per candidate option of one product, columns ``product_id``,
        ``option_id`` (unique together), ``public_cost_usd`` (finite, >= 0) [USD],
        ``benefit`` (finite, any sign) [the caller's unit: criticality-weighted
        shortage-days avoided per year, social NPV in USD, ...]; optional ``members``,
        the base options a row contains (``"buffer_90d+pat"`` or a list; missing: the
        row's own ``option_id``). Other columns are carried into the result.
    budget_usd : float
        Public budget [USD], >= 0; ``inf`` for no budget limit.
    max_options_per_product : int, default 1
        Most rows chosen per product [-]. With 1, a product gets one option, and a
        combination of options is a row of its own.
    product_budget_usd : mapping or float, optional
        Most spent on one product [USD]: a mapping ``product_id -> cap`` (products not
        named are uncapped) or one cap for every product. Default: no cap.
    mip_rel_gap : float, default 0
        Relative optimality gap at which HiGHS stops [-]; 0 asks for a proved optimum.
    time_limit_s : float, default inf
        Wall-clock limit of each of the two solver stages [s].

    Returns
    -------
    PortfolioChoice
        Chosen rows, total benefit and cost, solver status and gap.

    Raises
    ------
    rxtwin.errors.UserInputError
        A missing column; an empty id; a repeated (``product_id``, ``option_id``); a
        cost that is negative, NaN or not a number; a benefit that is NaN or infinite; a
        negative or NaN budget or cap; a cap for a product the table does not hold.

    Notes
    -----
    With :math:`x_r \in \{0, 1\}` for each row :math:`r` (option of product
    :math:`p(r)`), benefit :math:`b_r`, cost :math:`c_r`, budget :math:`B`, per-product
    cap :math:`B_p` and most options per product :math:`m`, stage 1 solves

    .. math::

        z^* = \max_x \sum_r b_r x_r \quad \text{s.t.} \quad
        \sum_r c_r x_r \le B, \quad
        \sum_{r: p(r) = p} x_r \le m, \quad
        \sum_{r: p(r) = p} c_r x_r \le B_p, \quad
        \sum_{r: p(r) = p,\, o \in M_r} x_r \le 1 \;\; \forall p, o

    (:math:`M_r` the members of row :math:`r`: a base option is bought once per product,
    so a combination and one of its parts are never both chosen when :math:`m > 1`).
    Stage 2 breaks ties in favour of the cheaper portfolio: it minimises
    :math:`\sum_r c_r x_r` under the same constraints and
    :math:`\sum_r b_r x_r \ge z^* - \epsilon \max_r b_r`, :math:`\epsilon =` ``TIE_RTOL``
    (1e-9). Remaining ties (same benefit and cost) are broken by the solver.

    Rows with :math:`b_r \le 0` are dropped before solving and never chosen, even when
    free: they cannot raise the benefit. Rows that cost more than the budget or their
    product's cap are dropped too. The empty portfolio is always feasible, so there is
    always an answer (benefit 0 when nothing has a positive benefit or fits the budget).
    Benefits are additive across rows: options on different products do not interact
    here (shared upstream sites are checked by re-simulating the chosen portfolio).

    HiGHS works to tolerances: a portfolio may be up to 1e-6 of the largest benefit below
    the optimum, and a spend may exceed a limit by about 1e-7 of the limit.

    References
    ----------
    Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
    Mathematical Programming Computation 10, 119-142 (HiGHS).
    Kellerer, H., Pferschy, U. and Pisinger, D. (2004). Knapsack Problems, chapter 11,
    "The multiple-choice knapsack problem". Springer.

    Examples
    --------
    >>> import pandas as pd
    >>> options = pd.DataFrame({
    ...     "product_id": ["heparin", "heparin", "cisplatin"],
    ...     "option_id": ["buffer_90d", "second_api_source", "buffer_90d"],
    ...     "public_cost_usd": [2e6, 5e6, 3e6],
    ...     "benefit": [40.0, 70.0, 50.0]})
    >>> choice = select_portfolio(options, budget_usd=6e6)
    >>> choice.chosen["option_id"].tolist(), choice.benefit, choice.cost_usd
    (['buffer_90d', 'buffer_90d'], 90.0, 5000000.0)
    """
    budget = _check_limit(budget_usd, "budget_usd")
    _check_solver_options(mip_rel_gap, time_limit_s)
    problem = _problem(table, max_options_per_product, product_budget_usd)
    return _solve(problem, budget, mip_rel_gap, time_limit_s)


# ---------------------------------------------------------------------------- reference
def enumerate_portfolios(
    table: pd.DataFrame,
    budget_usd: float,
    *,
    max_options_per_product: int = 1,
    product_budget_usd: Mapping[object, float] | float | None = None,
) -> PortfolioEnumeration:
    """Every subset of the table's rows that respects the budget and the product rules.

    Parameters are those of :func:`select_portfolio`. Every row is enumerated, whatever
    its benefit; a spend counts as within a limit up to ``LIMIT_RTOL`` (1e-9) of it.

    Returns
    -------
    PortfolioEnumeration
        The feasible subsets with their total benefit and cost.

    Raises
    ------
    rxtwin.errors.UserInputError
        As :func:`select_portfolio`, and for a table of more than ``BRUTE_FORCE_MAX_ROWS``
        (18) rows.
    """
    budget = _check_limit(budget_usd, "budget_usd")
    problem = _problem(table, max_options_per_product, product_budget_usd)
    n = len(problem.benefit)
    if n > BRUTE_FORCE_MAX_ROWS:
        raise UserInputError(f"enumeration handles at most {BRUTE_FORCE_MAX_ROWS} rows "
                             f"(2**{BRUTE_FORCE_MAX_ROWS} subsets), got {n}")
    subsets = ((np.arange(2**n)[:, np.newaxis] >> np.arange(n)) & 1).astype(bool)
    cost = subsets @ problem.cost_usd if n else np.zeros(1)
    benefit = subsets @ problem.benefit if n else np.zeros(1)
    feasible = np.asarray(_within(cost, budget))
    for p in range(problem.n_products):
        mine = subsets[:, problem.product == p]
        feasible &= mine.sum(axis=1) <= problem.max_per_product
        feasible &= _within(mine @ problem.cost_usd[problem.product == p],
                            problem.cap_usd[p])
    if MEMBERS_COLUMN in problem.table.columns:
        by_member: dict[tuple[int, str], list[int]] = {}
        for k, (value, option_id) in enumerate(zip(problem.table[MEMBERS_COLUMN],
                                                   problem.table["option_id"],
                                                   strict=True)):
            for member in _members(value, option_id):
                by_member.setdefault((int(problem.product[k]), member), []).append(k)
        for columns in by_member.values():
            feasible &= subsets[:, columns].sum(axis=1) <= 1
    return PortfolioEnumeration(chosen=subsets[feasible], benefit=benefit[feasible],
                                cost_usd=cost[feasible])


def brute_force_portfolio(
    table: pd.DataFrame,
    budget_usd: float,
    *,
    max_options_per_product: int = 1,
    product_budget_usd: Mapping[object, float] | float | None = None,
) -> PortfolioChoice:
    """The best portfolio by enumeration (:func:`enumerate_portfolios`): a reference for
    :func:`select_portfolio` on small tables.

    Parameters are those of :func:`select_portfolio`; the table holds at most
    ``BRUTE_FORCE_MAX_ROWS`` rows.

    Returns
    -------
    PortfolioChoice
        Status ``"optimal"`` and gap 0.

    Notes
    -----
    Among feasible subsets: the largest benefit :math:`z^*`; of those with benefit
    :math:`\\ge z^* - \\epsilon \\max_r |b_r|` (:math:`\\epsilon =` ``TIE_RTOL``), the
    cheapest; of those tied in cost (to ``TIE_RTOL`` of the largest cost), the fewest
    rows, then the first in enumeration order. Rows of zero or negative benefit are not
    dropped in advance: the order itself leaves them out.
    """
    found = enumerate_portfolios(table, budget_usd,
                                 max_options_per_product=max_options_per_product,
                                 product_budget_usd=product_budget_usd)
    problem = _problem(table, max_options_per_product, product_budget_usd)
    benefit_tol = TIE_RTOL * max(float(np.abs(problem.benefit).max(initial=0.0)), 1e-300)
    cost_tol = TIE_RTOL * max(float(problem.cost_usd.max(initial=0.0)), 1e-300)
    tied = found.benefit >= found.benefit.max() - benefit_tol
    cheapest = tied & (found.cost_usd <= found.cost_usd[tied].min() + cost_tol)
    size = found.chosen.sum(axis=1)
    pick = np.flatnonzero(cheapest & (size == size[cheapest].min()))[0]
    return _choice(problem, np.flatnonzero(found.chosen[pick]), float(budget_usd),
                   _STATUS[0], 0.0, int(((problem.benefit > 0.0)
                                         & _within(problem.cost_usd, float(budget_usd))
                                         & _within(problem.cost_usd,
                                                   problem.cap_usd[problem.product])).sum()))


# ---------------------------------------------------------------------------- frontier
def _chosen_text(chosen: pd.DataFrame) -> str:
    return "; ".join(f"{p}: {o}" for p, o in zip(chosen["product_id"], chosen["option_id"],
                                                  strict=True))


def efficient_frontier(
    table: pd.DataFrame,
    budgets_usd: ArrayLike,
    *,
    max_options_per_product: int = 1,
    product_budget_usd: Mapping[object, float] | float | None = None,
    mip_rel_gap: float = 0.0,
    time_limit_s: float = math.inf,
) -> pd.DataFrame:
    """The best portfolio at each budget: benefit against public budget.

    Parameters
    ----------
    table : pandas.DataFrame
        Options table of :func:`select_portfolio`.
    budgets_usd : array_like
        Public budgets [USD], each >= 0 (``inf`` allowed), in any order.
    max_options_per_product, product_budget_usd, mip_rel_gap, time_limit_s
        As :func:`select_portfolio`; the table is validated once.

    Returns
    -------
    pandas.DataFrame
        One row per budget, in the order given, columns ``budget_usd`` [USD],
        ``benefit`` [unit of ``benefit``], ``cost_usd`` [USD], ``n_chosen`` [-],
        ``chosen_options`` (``"product: option; ..."`` in table order), ``status``,
        ``mip_gap`` [-] (see :class:`PortfolioChoice`).

    Notes
    -----
    Each budget is solved on its own (:func:`select_portfolio`). The optimum is
    non-decreasing in the budget (a larger budget keeps every portfolio of a smaller
    one feasible); solved values are, to the solver's 1e-6 of the largest benefit.
    """
    _check_solver_options(mip_rel_gap, time_limit_s)
    budgets = np.atleast_1d(np.asarray(budgets_usd, dtype=float))
    if budgets.ndim != 1:
        raise UserInputError(f"budgets_usd must be one-dimensional, got shape {budgets.shape}")
    checked = [_check_limit(float(b), f"budgets_usd[{k}]") for k, b in enumerate(budgets)]
    problem = _problem(table, max_options_per_product, product_budget_usd)
    records = []
    for budget in checked:
        choice = _solve(problem, budget, mip_rel_gap, time_limit_s)
        records.append((budget, choice.benefit, choice.cost_usd, len(choice.chosen),
                        _chosen_text(choice.chosen), choice.status, choice.mip_gap))
    return pd.DataFrame.from_records(records, columns=list(FRONTIER_COLUMNS))


def frontier_budgets(
    table: pd.DataFrame,
    n: int = 20,
    *,
    max_options_per_product: int = 1,
    product_budget_usd: Mapping[object, float] | float | None = None,
) -> np.ndarray:
    """``n`` equally spaced budgets from 0 to the cost of the unconstrained optimum.

    Parameters
    ----------
    table : pandas.DataFrame
        Options table of :func:`select_portfolio`.
    n : int, default 20
        Number of budgets [-], >= 2.
    max_options_per_product, product_budget_usd
        As :func:`select_portfolio`.

    Returns
    -------
    numpy.ndarray
        ``n`` budgets [USD], ``0`` first and last the cost of the best portfolio without
        a budget limit (the cheapest of the best), beyond which more money buys nothing.

    Notes
    -----
    Linear spacing, :math:`B_k = k\\,C^*/(n - 1)`, :math:`k = 0..n-1`, with :math:`C^*`
    the cost of the unconstrained optimum: it starts at 0 (which a geometric grid cannot)
    and reads evenly on a linear budget axis. For other grids pass budgets to
    :func:`efficient_frontier` directly.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise UserInputError(f"n = {n!r} must be a whole number >= 2")
    top = select_portfolio(table, math.inf, max_options_per_product=max_options_per_product,
                           product_budget_usd=product_budget_usd)
    return np.linspace(0.0, top.cost_usd, int(n))
