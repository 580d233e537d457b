"""Complementary (secondary) suppression of tables with marginal totals, and its audit.

A table of sums with its totals is a set of cells linked by linear equations (each total is
the sum of its cells). Suppressing a sensitive (primary) cell alone protects nothing when the
totals are released: the cell is the total minus the released cells. Complementary
suppression hides further cells so that an outsider, who knows the released cells, the
equations and that every cell is non-negative, can narrow each primary cell only to an
interval reaching at least its protection level below and above its true value.

* :func:`table_1d`, :func:`table_2d` build a :class:`LinkedTable` (cells, values, equations).
* :func:`complementary_suppression` chooses the cells to hide by a mixed-integer programme
  on HiGHS (:func:`scipy.optimize.milp`), minimising the hidden value (or count).
* :func:`audit_suppression` checks any choice independently: for each primary cell, the
  smallest and largest value it can take given the released cells (two linear programmes).
* :func:`brute_force_suppression` enumerates every choice on a small table: the reference
  the MILP is tested against.

References
----------
Fischetti, M. and Salazar-González, J. J., "Solving the cell suppression problem on tabular
data with linear constraints", Management Science 47(7), 1008-1027, 2001.

Hundepool, A. et al., Statistical Disclosure Control (ESSnet Handbook on SDC), Wiley, 2012:
the chapter on magnitude tables (protection levels, secondary suppression, audits).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array, hstack, identity, vstack

from rxtwin.errors import UserInputError

__all__ = [
    "TOTAL_LABEL",
    "CellInterval",
    "LinkedTable",
    "SuppressionAudit",
    "SuppressionPlan",
    "audit_suppression",
    "brute_force_suppression",
    "complementary_suppression",
    "table_1d",
    "table_2d",
]

TOTAL_LABEL = "Total"
"""Label of a marginal total in the cell names of :func:`table_1d` and :func:`table_2d`."""

Cost = Literal["value", "count"]

#: Relative tolerance of the audit and of objective ties: HiGHS meets rows to about 1e-7 of
#: the (scaled) values, so differences below 1e-6 of the largest cell are not told apart.
RTOL = 1e-6
#: At most this many non-primary cells in :func:`brute_force_suppression` (2**16 subsets).
BRUTE_FORCE_MAX_FREE_CELLS = 16


@dataclass(frozen=True)
class LinkedTable:
    """Cells of a table and the linear equations between them.

    Attributes
    ----------
    labels : tuple of str
        Name of each cell; a 2-D cell is ``"row|column"``, a total uses :data:`TOTAL_LABEL`.
    values : numpy.ndarray
        Value of each cell, non-negative, in the units of the tabulated field.
    equations : numpy.ndarray
        Matrix ``A`` (equations x cells, entries -1, 0 or 1) with ``A @ values == 0``.
    """

    labels: tuple[str, ...]
    values: np.ndarray
    equations: np.ndarray

    def index(self, label: str) -> int:
        """Position of the cell named ``label``."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise UserInputError(f"no cell {label!r} in the table; cells are "
                                 f"{list(self.labels)}") from None


def _check_values(values: np.ndarray) -> None:
    if values.size == 0:
        raise UserInputError("a table needs at least one cell")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise UserInputError(f"table cells must be finite and non-negative (got {values!r})")


def table_1d(values: Sequence[float], labels: Sequence[str]) -> LinkedTable:
    """A one-way table of ``values`` and their total (the last cell, :data:`TOTAL_LABEL`).

    Parameters
    ----------
    values : sequence of float
        The interior cells, non-negative [field units].
    labels : sequence of str
        One name per interior cell.
    """
    interior = np.asarray(values, dtype=float)
    _check_values(interior)
    if len(labels) != interior.size or len(set(labels)) != len(labels):
        raise UserInputError(f"labels {list(labels)} must name each of the {interior.size} "
                             "cells once")
    n = interior.size
    equations = np.zeros((1, n + 1))
    equations[0, :n] = 1.0
    equations[0, n] = -1.0
    return LinkedTable(labels=(*labels, TOTAL_LABEL),
                       values=np.append(interior, interior.sum()), equations=equations)


def table_2d(values: np.ndarray | Sequence[Sequence[float]], row_labels: Sequence[str],
             column_labels: Sequence[str]) -> LinkedTable:
    """A two-way table with its row totals, column totals and grand total.

    Cells are ordered row by row, each row followed by its total; the last row holds the
    column totals and the grand total (``"Total|Total"``).

    Parameters
    ----------
    values : array_like, shape (rows, columns)
        The interior cells, non-negative [field units].
    row_labels, column_labels : sequence of str
        Names of the rows and columns.
    """
    interior = np.asarray(values, dtype=float)
    if interior.ndim != 2:
        raise UserInputError(f"a two-way table needs a 2-D array of values, got shape "
                             f"{interior.shape}")
    _check_values(interior)
    n_rows, n_cols = interior.shape
    if len(row_labels) != n_rows or len(column_labels) != n_cols \
            or len(set(row_labels)) != n_rows or len(set(column_labels)) != n_cols:
        raise UserInputError(f"row labels {list(row_labels)} and column labels "
                             f"{list(column_labels)} must name the {n_rows} x {n_cols} "
                             "cells once each")
    full = np.zeros((n_rows + 1, n_cols + 1))
    full[:n_rows, :n_cols] = interior
    full[:n_rows, n_cols] = interior.sum(axis=1)
    full[n_rows, :n_cols] = interior.sum(axis=0)
    full[n_rows, n_cols] = interior.sum()
    rows = (*row_labels, TOTAL_LABEL)
    cols = (*column_labels, TOTAL_LABEL)

    def at(i: int, j: int) -> int:
        return i * (n_cols + 1) + j

    equations = []
    for i in range(n_rows + 1):  # each row (and the row of column totals) sums to its total
        eq = np.zeros(full.size)
        eq[[at(i, j) for j in range(n_cols)]] = 1.0
        eq[at(i, n_cols)] = -1.0
        equations.append(eq)
    for j in range(n_cols + 1):  # each column (and the column of row totals) likewise
        eq = np.zeros(full.size)
        eq[[at(i, j) for i in range(n_rows)]] = 1.0
        eq[at(n_rows, j)] = -1.0
        equations.append(eq)
    labels = tuple(f"{r}|{c}" for r in rows for c in cols)
    return LinkedTable(labels=labels, values=full.ravel(), equations=np.array(equations))


@dataclass(frozen=True)
class CellInterval:
    """What an outsider can learn of one primary cell from the released cells.

    Attributes
    ----------
    label : str
        The cell.
    value : float
        Its true value [field units].
    lower, upper : float
        Smallest and largest value consistent with the released cells, the table's
        equations and non-negativity [field units]; ``upper`` may be ``inf``.
    protection_below, protection_above : float
        How far below and above the true value the interval must reach [field units]:
        the protection level, below capped at the value itself (no cell is negative).
    protected : bool
        The interval reaches both (within :data:`RTOL` of the largest cell).
    """

    label: str
    value: float
    lower: float
    upper: float
    protection_below: float
    protection_above: float
    protected: bool


@dataclass(frozen=True)
class SuppressionAudit:
    """The audit of one suppression pattern: one interval per primary cell."""

    intervals: tuple[CellInterval, ...]

    @property
    def passed(self) -> bool:
        """Every primary cell is protected."""
        return all(interval.protected for interval in self.intervals)

    def failures(self) -> list[str]:
        """One sentence per unprotected primary cell."""
        return [f"cell {c.label!r} = {c.value:.6g} can be narrowed to [{c.lower:.6g}, "
                f"{c.upper:.6g}], needs at least [{c.value - c.protection_below:.6g}, "
                f"{c.value + c.protection_above:.6g}]"
                for c in self.intervals if not c.protected]


@dataclass(frozen=True)
class SuppressionPlan:
    """Which cells to hide.

    Attributes
    ----------
    suppressed : numpy.ndarray of bool
        Per cell of the table, True when it is hidden (primary or complementary).
    primary, secondary : tuple of str
        Labels of the primary cells and of the cells hidden to protect them.
    cost : str
        ``"value"`` (hidden value first, then count) or ``"count"`` (count, then value).
    hidden_value, hidden_count : float, int
        Sum of the hidden cells' values [field units] and their number.
    audit : SuppressionAudit
        The independent audit of the pattern.
    """

    suppressed: np.ndarray
    primary: tuple[str, ...]
    secondary: tuple[str, ...]
    cost: str
    hidden_value: float
    hidden_count: int
    audit: SuppressionAudit


def _protection_vectors(table: LinkedTable, protection: Mapping[str, float]
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Primary cell positions, and the protection needed above and below each."""
    if not protection:
        empty = np.zeros(0)
        return np.zeros(0, dtype=int), empty, empty
    cells = np.array([table.index(label) for label in protection], dtype=int)
    above = np.array([float(level) for level in protection.values()])
    if not np.all(np.isfinite(above)) or np.any(above <= 0):
        bad = {k: v for k, v in protection.items() if not (math.isfinite(v) and v > 0)}
        raise UserInputError(f"protection levels must be finite and > 0 (got {bad}): a "
                             "level of 0 would let a cell be recovered exactly")
    below = np.minimum(above, table.values[cells])
    return cells, above, below


def _weights(table: LinkedTable, cost: Cost) -> tuple[np.ndarray, np.ndarray]:
    """The objectives (first, second) on the hidden cells, scaled to the largest cell."""
    scale = max(float(table.values.max()), 1e-300)
    value = table.values / scale
    count = np.ones_like(table.values)
    if cost == "value":
        return value, count
    if cost == "count":
        return count, value
    raise UserInputError(f"cost = {cost!r} must be 'value' or 'count'")


def _interval(table: LinkedTable, suppressed: np.ndarray, cell: int) -> tuple[float, float]:
    """Smallest and largest value of ``cell`` given the released cells (two LPs on HiGHS)."""
    n = table.values.size
    lower = np.where(suppressed, 0.0, table.values)
    upper = np.where(suppressed, np.inf, table.values)
    bounds = list(zip(lower, upper, strict=True))
    zeros = np.zeros(table.equations.shape[0])
    ends = []
    for sign in (1.0, -1.0):
        c = np.zeros(n)
        c[cell] = sign
        result = linprog(c, A_eq=table.equations, b_eq=zeros, bounds=bounds, method="highs")
        if result.status == 3:  # unbounded: only possible upwards
            ends.append(math.inf)
        elif result.status != 0:
            raise RuntimeError(f"audit LP for cell {table.labels[cell]!r} failed: "
                               f"{result.message}")
        else:
            ends.append(sign * result.fun)
    return ends[0], ends[1]


def audit_suppression(table: LinkedTable, suppressed: np.ndarray | Sequence[bool],
                      protection: Mapping[str, float]) -> SuppressionAudit:
    """Audit a suppression pattern by linear programming.

    For each primary cell, find the smallest and the largest value it can take when the
    released cells keep their values, every cell is non-negative and the table's equations
    hold: the interval an outsider can narrow it to by linear arithmetic on released cells.

    Parameters
    ----------
    table : LinkedTable
        The table.
    suppressed : array_like of bool
        Per cell, True when it is hidden.
    protection : mapping of str to float
        Protection level of each primary cell by label [field units], > 0.

    Returns
    -------
    SuppressionAudit
        One :class:`CellInterval` per primary cell; ``passed`` when the interval of each
        reaches ``value - min(level, value)`` and ``value + level``. A released primary cell
        fails at once (its interval is a point).

    Notes
    -----
    Cell p is protected when ``min x_p <= a_p - LPL_p`` and ``max x_p >= a_p + UPL_p``,
    with ``UPL_p`` the protection level and ``LPL_p = min(UPL_p, a_p)``, both optimisations
    over ``{x : A x = 0, x_i = a_i for released i, x_i >= 0 for hidden i}`` (Fischetti and
    Salazar-González 2001, section 2, the attacker problem).
    """
    hidden = np.asarray(suppressed, dtype=bool)
    if hidden.shape != table.values.shape:
        raise UserInputError(f"suppressed has {hidden.size} entries, the table "
                             f"{table.values.size} cells")
    cells, above, below = _protection_vectors(table, protection)
    tolerance = RTOL * max(float(table.values.max()), 1.0)
    intervals = []
    for cell, up, down in zip(cells, above, below, strict=True):
        value = float(table.values[cell])
        low, high = _interval(table, hidden, int(cell)) if hidden[cell] else (value, value)
        protected = bool(hidden[cell] and value - low >= down - tolerance
                         and high - value >= up - tolerance)
        intervals.append(CellInterval(label=table.labels[cell], value=value, lower=low,
                                      upper=high, protection_below=float(down),
                                      protection_above=float(up), protected=protected))
    return SuppressionAudit(intervals=tuple(intervals))


def _plan(table: LinkedTable, hidden: np.ndarray, protection: Mapping[str, float],
          cost: Cost) -> SuppressionPlan:
    primary = tuple(protection)
    secondary = tuple(label for label, h in zip(table.labels, hidden, strict=True)
                      if h and label not in protection)
    return SuppressionPlan(suppressed=hidden, primary=primary, secondary=secondary, cost=cost,
                           hidden_value=float(table.values[hidden].sum()),
                           hidden_count=int(hidden.sum()),
                           audit=audit_suppression(table, hidden, protection))


def complementary_suppression(table: LinkedTable, protection: Mapping[str, float],
                              cost: Cost = "value") -> SuppressionPlan:
    """Choose the cells to hide so that every primary cell keeps its protection.

    Parameters
    ----------
    table : LinkedTable
        A one- or two-way table with its totals (:func:`table_1d`, :func:`table_2d`).
    protection : mapping of str to float
        The primary cells by label, each with its protection level [field units], > 0
        (:func:`rxtwin.consortium.disclosure.protection_level` derives it from the rules).
    cost : {"value", "count"}
        What to minimise first: the hidden value (default: hiding small cells loses least
        information, the usual choice for magnitude tables; assumption) or the number of
        hidden cells; the other breaks ties.

    Returns
    -------
    SuppressionPlan
        The hidden cells, primary and complementary, with the audit of the pattern.

    Notes
    -----
    The model of Fischetti and Salazar-González (2001): binary ``y_i`` (cell i hidden) and,
    for each primary cell p and each direction, a deviation ``f`` of the table from its
    true values that is itself consistent (``A f = 0``), moves only hidden cells, keeps
    cells non-negative, and moves cell p by its protection level up (``f_p = UPL_p``) or
    down (``f_p = -LPL_p``)::

        minimise   sum_i w_i y_i
        subject to A f^{p,d} = 0,   f^{p,+}_p = UPL_p,   f^{p,-}_p = -LPL_p,
                   -min(a_i, UPL_p) y_i <= f^{p,d}_i <= UPL_p y_i,   y_p = 1,  y in {0,1}

    Such a deviation exists exactly when the audit interval of p reaches the level (the
    feasible set is convex and holds the true table). The bound ``UPL_p`` on ``|f_i|``
    loses nothing for these tables: their equations form a network matrix, so a deviation
    splits into cycles of unit moves and the cycles that move p carry at most ``UPL_p``.
    Solved in two stages (first objective, then the second among ties) on HiGHS with a
    relative MIP gap of 0. The pattern is then audited by :func:`audit_suppression`.

    References
    ----------
    Fischetti, M. and Salazar-González, J. J., Management Science 47(7), 1008-1027, 2001.
    """
    w_first, w_second = _weights(table, cost)
    cells, above, below = _protection_vectors(table, protection)
    n = table.values.size
    if cells.size == 0:
        return _plan(table, np.zeros(n, dtype=bool), protection, cost)
    scale = max(float(table.values.max()), 1e-300)
    values = table.values / scale
    equations = csr_array(table.equations)
    n_blocks = 2 * cells.size
    n_vars = n * (1 + n_blocks)
    lower = np.zeros(n_vars)
    upper = np.ones(n_vars)
    lower[cells] = 1.0  # primary cells are hidden
    rows = []
    for b in range(n_blocks):
        k, up_direction = divmod(b, 2)
        p, level = int(cells[k]), above[k] / scale
        start = n * (1 + b)
        block = slice(start, start + n)
        reach = np.minimum(values, level)
        lower[block] = -reach
        upper[block] = level
        target = level if up_direction == 0 else -below[k] / scale
        lower[start + p] = upper[start + p] = target
        rows.append(_place(equations, start, n_vars))
        link_up = hstack([-level * identity(n, format="csr"), csr_array((n, start - n)),
                          identity(n, format="csr"), csr_array((n, n_vars - start - n))])
        link_down = hstack([-_diag(reach), csr_array((n, start - n)),
                            -identity(n, format="csr"), csr_array((n, n_vars - start - n))])
        rows.extend([link_up, link_down])
    n_eq = table.equations.shape[0]
    row_upper = np.concatenate([np.concatenate([np.zeros(n_eq), np.zeros(2 * n)])
                                for _ in range(n_blocks)])
    row_lower = np.concatenate([np.concatenate([np.zeros(n_eq), np.full(2 * n, -np.inf)])
                                for _ in range(n_blocks)])
    matrix = vstack(rows, format="csr")
    constraints = [LinearConstraint(matrix, row_lower, row_upper)]
    integrality = np.concatenate([np.ones(n), np.zeros(n * n_blocks)])
    bounds = Bounds(lower, upper)
    options = {"mip_rel_gap": 0.0}

    def objective(weights: np.ndarray) -> np.ndarray:
        return np.concatenate([weights, np.zeros(n * n_blocks)])

    first = milp(objective(w_first), integrality=integrality, bounds=bounds,
                 constraints=constraints, options=options)
    if first.x is None:
        raise RuntimeError(f"complementary suppression MILP found no pattern: {first.message}")
    hidden = first.x[:n] > 0.5
    best_first = float(w_first[hidden].sum())
    tie = LinearConstraint(objective(w_first)[np.newaxis, :], -np.inf,
                           best_first + RTOL * max(1.0, best_first))
    second = milp(objective(w_second), integrality=integrality, bounds=bounds,
                  constraints=[*constraints, tie], options=options)
    if second.x is not None:
        candidate = second.x[:n] > 0.5
        if (w_first[candidate].sum() <= best_first + RTOL * max(1.0, best_first)
                and w_second[candidate].sum() < w_second[hidden].sum()):
            hidden = candidate
    return _plan(table, hidden, protection, cost)


def _place(block: csr_array, start: int, n_vars: int) -> csr_array:
    """``block`` placed at columns ``start ...`` of a matrix with ``n_vars`` columns."""
    n_rows, n_cols = block.shape
    return hstack([csr_array((n_rows, start)), block,
                   csr_array((n_rows, n_vars - start - n_cols))], format="csr")


def _diag(values: np.ndarray) -> csr_array:
    return csr_array((values, (np.arange(values.size), np.arange(values.size))),
                     shape=(values.size, values.size))


def brute_force_suppression(table: LinkedTable, protection: Mapping[str, float],
                            cost: Cost = "value") -> SuppressionPlan:
    """The best suppression pattern by enumeration, judged by :func:`audit_suppression`.

    Every set of non-primary cells is tried in order of (first objective, second
    objective); the first whose audit passes is returned. The reference for
    :func:`complementary_suppression` on tables of at most
    :data:`BRUTE_FORCE_MAX_FREE_CELLS` non-primary cells.
    """
    w_first, w_second = _weights(table, cost)
    cells, _, _ = _protection_vectors(table, protection)
    n = table.values.size
    free = [i for i in range(n) if i not in set(cells.tolist())]
    if len(free) > BRUTE_FORCE_MAX_FREE_CELLS:
        raise UserInputError(f"{len(free)} non-primary cells: enumeration is limited to "
                             f"{BRUTE_FORCE_MAX_FREE_CELLS}")
    base = np.zeros(n, dtype=bool)
    base[cells] = True
    choices = []
    for size in range(len(free) + 1):
        for chosen in itertools.combinations(free, size):
            hidden = base.copy()
            hidden[list(chosen)] = True
            choices.append((float(w_first[hidden].sum()), float(w_second[hidden].sum()),
                            hidden))
    choices.sort(key=lambda item: (item[0], item[1]))
    for _, _, hidden in choices:
        if audit_suppression(table, hidden, protection).passed:
            return _plan(table, hidden, protection, cost)
    raise RuntimeError("no suppression pattern protects the primary cells")
