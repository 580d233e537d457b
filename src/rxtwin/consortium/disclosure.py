"""Disclosure control of statistics released from the pooled submissions.

A released cell is one statistic (sum, mean, median or a quantile) of one pooled figure over
a group of submissions (e.g. dosage form x region). The unit that is protected is the
**organisation**: an organisation that submits several lines counts once, and its
contribution to a cell is the sum of its submissions' figures.

Primary suppression (pure rule functions, each returning the reason in words or None):

* :func:`threshold_rule`: at least ``min_organisations`` organisations contribute;
* :func:`dominance_rule`: the ``n`` largest contributors hold at most ``k`` % of the total;
* :func:`p_percent_rule`: the second largest cannot estimate the largest within ``p`` %.

Dominance and the p % rule judge magnitudes, so they apply to sums and means; every
statistic must pass the threshold rule. :func:`release_cells` releases one statistic per
group and also refuses a cell that, set against a cell released before on a nested group,
would reveal the difference (a differencing attack). :func:`release_table` releases a table
of sums with its totals, adding complementary suppression
(:mod:`rxtwin.consortium.suppression`) and its audit.

References
----------
Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt, E.,
Spicer, K. and de Wolf, P.-P., Statistical Disclosure Control (ESSnet Handbook on SDC),
Wiley, 2012: the chapter on magnitude tables (threshold, (n, k) dominance and p % rules,
protection levels, secondary suppression).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rxtwin.consortium.suppression import (
    TOTAL_LABEL,
    LinkedTable,
    SuppressionAudit,
    SuppressionPlan,
    complementary_suppression,
    table_1d,
    table_2d,
)
from rxtwin.errors import UserInputError
from rxtwin.model.consortium import DisclosureRules, pooled_fields

__all__ = [
    "CellRecord",
    "CellRelease",
    "PrimaryVerdict",
    "TableRelease",
    "dominance_rule",
    "organisation_totals",
    "p_percent_rule",
    "primary_verdict",
    "protection_level",
    "release_cells",
    "release_table",
    "threshold_rule",
]

Statistic = Literal["sum", "mean", "median", "quantile"]
STATISTICS: tuple[str, ...] = ("sum", "mean", "median", "quantile")
#: Statistics that are linear in the contributions: the magnitude rules and the differencing
#: guard apply to them (a mean is a sum divided by a count an outsider may know).
MAGNITUDE_STATISTICS: tuple[str, ...] = ("sum", "mean")


def threshold_rule(n_organisations: int, min_organisations: int) -> str | None:
    """Threshold rule: a cell needs at least ``min_organisations`` contributing organisations.

    Parameters
    ----------
    n_organisations : int
        Distinct organisations contributing to the cell [-].
    min_organisations : int
        The threshold [-] (bundled default 5, ``disclosure_defaults.yaml``; agencies use
        3 to 10).

    Returns
    -------
    str or None
        Why the cell is sensitive, or None when it passes (``n_organisations >=
        min_organisations``, the boundary passes).

    References
    ----------
    Hundepool et al., Statistical Disclosure Control, Wiley 2012 (threshold rule).

    Examples
    --------
    >>> threshold_rule(5, 5) is None
    True
    >>> threshold_rule(4, 5)
    'threshold rule: 4 organisations contribute, at least 5 are needed'
    """
    if n_organisations >= min_organisations:
        return None
    return (f"threshold rule: {n_organisations} organisation"
            f"{'' if n_organisations == 1 else 's'} contribute"
            f"{'s' if n_organisations == 1 else ''}, at least {min_organisations} are needed")


def _sorted_desc(totals: Sequence[float] | np.ndarray) -> np.ndarray:
    values = np.sort(np.asarray(totals, dtype=float))[::-1]
    if values.size and (not np.all(np.isfinite(values)) or values[-1] < 0):
        raise UserInputError("contributions must be finite and non-negative for the "
                             f"magnitude rules (got {values.tolist()!r})")
    return values


def dominance_rule(totals: Sequence[float] | np.ndarray, n: int,
                   k_percent: float) -> str | None:
    """(n, k) dominance rule: the ``n`` largest contributors hold at most ``k`` % of the total.

    Parameters
    ----------
    totals : sequence of float
        Each organisation's contribution to the cell [field units], non-negative.
    n : int
        Number of largest contributors [-] (bundled default 2).
    k_percent : float
        Largest share they may hold [%] (bundled default 85).

    Returns
    -------
    str or None
        Why the cell is sensitive, or None when ``sum of the n largest <= k/100 * total``
        (the boundary passes). A cell of total 0 passes.

    Notes
    -----
    Sensitive when ``x_(1) + ... + x_(n) > (k / 100) * T``, ``x_(i)`` the i-th largest
    contribution and ``T`` their total (Hundepool et al. 2012; the handbook's example is
    n = 2, k = 85).

    Examples
    --------
    >>> dominance_rule([50.0, 35.0, 10.0, 5.0], n=2, k_percent=85.0) is None
    True
    >>> dominance_rule([50.0, 36.0, 10.0, 4.0], n=2, k_percent=85.0)
    '(2, 85) dominance: the 2 largest organisations hold 86 % of the total, at most 85 % is allowed'
    """
    values = _sorted_desc(totals)
    total = float(values.sum())
    top = float(values[:n].sum())
    if not 100.0 * top > k_percent * total:
        return None
    return (f"({n}, {k_percent:g}) dominance: the {n} largest organisation"
            f"{'' if n == 1 else 's'} hold {100.0 * top / total:.3g} % of the total, at most "
            f"{k_percent:g} % is allowed")


def p_percent_rule(totals: Sequence[float] | np.ndarray, p_percent: float) -> str | None:
    """p % rule: the second largest contributor cannot estimate the largest within ``p`` %.

    Parameters
    ----------
    totals : sequence of float
        Each organisation's contribution to the cell [field units], non-negative.
    p_percent : float
        The precision that must not be reached [%] (no default: offices keep p confidential).

    Returns
    -------
    str or None
        Why the cell is sensitive, or None when ``T - x_(1) - x_(2) >= p/100 * x_(1)`` (the
        boundary passes).

    Notes
    -----
    The second largest contributor knows the total ``T`` and its own ``x_(2)``; its
    estimate of the largest, ``T - x_(2)``, is off by the rest ``T - x_(1) - x_(2)``. The
    cell is sensitive when that rest is below ``p`` % of ``x_(1)`` (Hundepool et al. 2012).

    Examples
    --------
    >>> p_percent_rule([100.0, 50.0, 10.0], p_percent=10.0) is None
    True
    >>> p_percent_rule([100.0, 50.0, 9.0], p_percent=10.0)
    'p % rule (p = 10): the others besides the two largest hold 9 % of the largest, at least 10 % is needed'
    """
    values = _sorted_desc(totals)
    if values.size == 0 or values[0] == 0.0:
        return None
    largest = float(values[0])
    rest = float(values[2:].sum())
    if not 100.0 * rest < p_percent * largest:
        return None
    return (f"p % rule (p = {p_percent:g}): the others besides the two largest hold "
            f"{100.0 * rest / largest:.3g} % of the largest, at least {p_percent:g} % is needed")


def protection_level(totals: Sequence[float] | np.ndarray, rules: DisclosureRules) -> float:
    """How far a suppressed sum must stay uncertain either way [field units].

    Parameters
    ----------
    totals : sequence of float
        Each organisation's contribution to the cell [field units].
    rules : DisclosureRules
        The rules in force.

    Returns
    -------
    float
        The largest of ``safety_fraction * T``, the dominance requirement
        ``(100 / k) * (x_(1) + ... + x_(n)) - T`` and, when the p % rule is on, the p %
        requirement ``(p / 100) * x_(1) - (T - x_(1) - x_(2))`` (each counted when positive).

    Notes
    -----
    The rule requirements are the smallest changes of the total that would make the cell
    pass its rule if an outsider could only bound it to ``T + protection`` (the upper
    protection levels of Hundepool et al. 2012 for the (n, k) and p % rules).
    """
    values = _sorted_desc(totals)
    total = float(values.sum())
    needs = [rules.safety_fraction * total]
    top = float(values[:rules.dominance_n].sum())
    needs.append(100.0 / rules.dominance_k_percent * top - total)
    if rules.p_percent is not None and values.size:
        needs.append(rules.p_percent / 100.0 * float(values[0]) - float(values[2:].sum()))
    return max(0.0, *needs)


def organisation_totals(values: Sequence[float] | np.ndarray,
                        organisation_ids: Sequence[str]) -> np.ndarray:
    """Each organisation's contribution: the sum of its submissions' figures [field units]."""
    series = pd.Series(np.asarray(values, dtype=float), index=list(organisation_ids))
    return series.groupby(level=0, sort=True).sum().to_numpy()


@dataclass(frozen=True)
class PrimaryVerdict:
    """The primary rules' verdict on one cell.

    Attributes
    ----------
    sensitive : bool
        At least one rule fails.
    reasons : tuple of str
        Each failing rule, in words.
    n_organisations : int
        Distinct contributing organisations.
    """

    sensitive: bool
    reasons: tuple[str, ...]
    n_organisations: int


def primary_verdict(values: Sequence[float] | np.ndarray, organisation_ids: Sequence[str],
                    statistic: str, rules: DisclosureRules) -> PrimaryVerdict:
    """Apply the primary rules to one cell.

    Parameters
    ----------
    values : sequence of float
        The figure of each submission in the cell [field units].
    organisation_ids : sequence of str
        The organisation of each submission.
    statistic : {"sum", "mean", "median", "quantile"}
        The statistic to release; dominance and the p % rule judge sums and means only.
    rules : DisclosureRules
        The rules in force.
    """
    _check_statistic(statistic)
    totals = organisation_totals(values, organisation_ids)
    reasons = [threshold_rule(totals.size, rules.min_organisations)]
    if statistic in MAGNITUDE_STATISTICS:
        reasons.append(dominance_rule(totals, rules.dominance_n, rules.dominance_k_percent))
        if rules.p_percent is not None:
            reasons.append(p_percent_rule(totals, rules.p_percent))
    found = tuple(r for r in reasons if r is not None)
    return PrimaryVerdict(sensitive=bool(found), reasons=found, n_organisations=int(totals.size))


def _check_statistic(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise UserInputError(f"statistic {statistic!r} must be one of {list(STATISTICS)}")


def _check_field(frame: pd.DataFrame, field: str) -> None:
    if field not in pooled_fields():
        raise UserInputError(f"field {field!r} is not a pooled figure; known fields are "
                             f"{sorted(pooled_fields())}")
    if field not in frame.columns:
        raise UserInputError(f"field {field!r} is not a column of the submissions table")


def _check_by(frame: pd.DataFrame, by: Sequence[str]) -> None:
    allowed = ("dosage_form", "region", "unit_kind", "period_yr")
    for column in by:
        if column not in allowed or column not in frame.columns:
            raise UserInputError(f"group column {column!r} must be one of {list(allowed)}")


def _statistic(values: np.ndarray, statistic: str, quantile: float) -> float:
    if statistic == "sum":
        return float(values.sum())
    if statistic == "mean":
        return float(values.mean())
    if statistic == "median":
        return float(np.median(values))
    return float(np.quantile(values, quantile))


@dataclass(frozen=True)
class CellRecord:
    """What the consortium keeps about one cell it judged (never published as such).

    Attributes
    ----------
    group : tuple of str
        The group's values of the ``by`` columns.
    field, statistic : str
        The figure and the statistic.
    value : float
        The statistic's value [field units], also when the cell is suppressed.
    released : bool
        The cell passed every rule.
    reasons : tuple of str
        Why it was suppressed (empty when released).
    submission_keys, organisation_ids : frozenset of str
        The contributing submissions and organisations: the differencing guard compares
        later cells with these.
    """

    group: tuple[str, ...]
    field: str
    statistic: str
    value: float
    released: bool
    reasons: tuple[str, ...]
    submission_keys: frozenset[str]
    organisation_ids: frozenset[str]


@dataclass(frozen=True)
class CellRelease:
    """Released cells: a table safe to publish and the records to keep.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group: the ``by`` columns, ``field``, ``statistic``, ``value`` (NaN when
        suppressed), ``released`` (bool), ``reason`` (empty when released) and
        ``n_organisations`` (missing when suppressed).
    records : tuple of CellRecord
        The internal record of each cell; pass them as ``earlier`` to later releases.
    """

    table: pd.DataFrame
    records: tuple[CellRecord, ...]


def differencing_reason(record: CellRecord, keys: frozenset[str], frame: pd.DataFrame,
                         field: str, rules: DisclosureRules) -> str | None:
    """Why a cell on ``keys`` must be refused given the earlier released ``record``."""
    if (not record.released or record.field != field
            or record.statistic not in MAGNITUDE_STATISTICS
            or keys == record.submission_keys):
        return None
    if keys < record.submission_keys:
        difference = record.submission_keys - keys
    elif record.submission_keys < keys:
        difference = keys - record.submission_keys
    else:
        return None
    rows = frame[frame["key"].isin(difference)]
    organisations = set(rows["organisation_id"])
    # Submissions of the earlier cell that left the pool still count as contributors.
    known = set(rows["key"])
    organisations |= {key.split("/", 1)[0] for key in difference - known}
    verdict = [threshold_rule(len(organisations), rules.min_organisations)]
    values = rows[field].to_numpy(dtype=float)
    totals = organisation_totals(values, rows["organisation_id"].tolist())
    verdict.append(dominance_rule(totals, rules.dominance_n, rules.dominance_k_percent))
    if rules.p_percent is not None:
        verdict.append(p_percent_rule(totals, rules.p_percent))
    found = [v for v in verdict if v is not None]
    if not found:
        return None
    return (f"differencing: set against the released cell {'/'.join(record.group)} "
            f"({record.statistic}), it would reveal the figure of the "
            f"{len(organisations)} organisation{'' if len(organisations) == 1 else 's'} "
            f"between them ({found[0]})")


def release_cells(frame: pd.DataFrame, field: str, statistic: Statistic,
                  by: Sequence[str], rules: DisclosureRules, quantile: float = 0.5,
                  earlier: Iterable[CellRecord] = ()) -> CellRelease:
    """Release one statistic of one figure per group, suppressing what the rules forbid.

    Parameters
    ----------
    frame : pandas.DataFrame
        The pool (:func:`rxtwin.consortium.submissions.submissions_frame`).
    field : str
        The figure, a path of :func:`~rxtwin.model.consortium.pooled_fields`; submissions
        without it do not contribute.
    statistic : {"sum", "mean", "median", "quantile"}
        The statistic over the group's submissions.
    by : sequence of str
        Group columns among ``dosage_form``, ``region``, ``unit_kind``, ``period_yr``; an
        empty sequence releases one cell over the whole pool.
    rules : DisclosureRules
        The rules in force (:func:`rxtwin.data.disclosure_defaults.load_disclosure_rules`).
    quantile : float
        The quantile in (0, 1) when ``statistic == "quantile"`` (numpy's linear method).
    earlier : iterable of CellRecord
        Records of earlier releases: a sum or mean whose contributors nest with a released
        cell's is refused when their difference fails the primary rules.

    Returns
    -------
    CellRelease
        The table to publish and the records to keep.

    Notes
    -----
    Cells of one release are disjoint groups. A marginal total released beside them is a
    table: use :func:`release_table`, whose complementary suppression covers what the
    pairwise differencing guard does not (a total minus several released cells).
    """
    _check_statistic(statistic)
    _check_field(frame, field)
    _check_by(frame, by)
    if statistic == "quantile" and not 0.0 < quantile < 1.0:
        raise UserInputError(f"quantile = {quantile!r} must lie in (0, 1)")
    earlier = tuple(earlier)
    present = frame[frame[field].notna()]
    groups = present.groupby(list(by), sort=True) if by else [((), present)]
    rows, records = [], []
    for group, members in groups:
        group = tuple(str(g) for g in (group if isinstance(group, tuple) else (group,)))
        values = members[field].to_numpy(dtype=float)
        organisations = members["organisation_id"].tolist()
        verdict = primary_verdict(values, organisations, statistic, rules)
        keys = frozenset(members["key"])
        reasons = list(verdict.reasons)
        if not reasons and statistic in MAGNITUDE_STATISTICS:
            for record in earlier:
                reason = differencing_reason(record, keys, frame, field, rules)
                if reason is not None:
                    reasons.append(reason)
                    break
        released = not reasons
        value = _statistic(values, statistic, quantile)
        records.append(CellRecord(group=group, field=field, statistic=statistic, value=value,
                                  released=released, reasons=tuple(reasons),
                                  submission_keys=keys,
                                  organisation_ids=frozenset(organisations)))
        rows.append({**dict(zip(by, group, strict=True)), "field": field,
                     "statistic": statistic, "value": value if released else np.nan,
                     "released": released, "reason": "; ".join(reasons),
                     "n_organisations": verdict.n_organisations if released else pd.NA})
    columns = [*by, "field", "statistic", "value", "released", "reason", "n_organisations"]
    table = pd.DataFrame(rows, columns=columns)
    table["n_organisations"] = table["n_organisations"].astype("Int64")
    return CellRelease(table=table, records=tuple(records))


@dataclass(frozen=True)
class TableRelease:
    """A released table of sums with its totals.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cell, totals included (labelled :data:`TOTAL_LABEL`): ``row``,
        ``column`` (:data:`TOTAL_LABEL` for a one-way table), ``value`` (NaN when hidden),
        ``released``, ``suppression`` (``""``, ``"primary"`` or ``"complementary"``),
        ``reason`` and ``n_organisations`` (missing when hidden).
    linked : LinkedTable
        The cells and their equations, true values included (keep it private).
    protection : dict of str to float
        Protection level of each primary cell [field units].
    plan : SuppressionPlan
        The hidden cells and the audit (``plan.audit``).
    records : tuple of CellRecord
        The internal record of each cell, in the order of ``table`` (group ``(row,)`` or
        ``(row, column)``, statistic ``sum``): pass the released ones as ``earlier`` to
        later releases.
    """

    table: pd.DataFrame
    linked: LinkedTable
    protection: dict[str, float]
    plan: SuppressionPlan
    records: tuple[CellRecord, ...] = ()

    @property
    def audit(self) -> SuppressionAudit:
        """The LP audit of the released pattern."""
        return self.plan.audit


def release_table(frame: pd.DataFrame, field: str, rows: str, columns: str | None,
                  rules: DisclosureRules,
                  cost: Literal["value", "count"] = "value") -> TableRelease:
    """Release a one- or two-way table of sums with its totals, safely.

    Every cell, totals included, is judged by the primary rules; each sensitive cell gets
    its :func:`protection_level`; :func:`~rxtwin.consortium.suppression.complementary_suppression`
    hides further cells until no sensitive cell can be narrowed within its protection by
    arithmetic on the released cells, and the pattern is audited by linear programming.

    Parameters
    ----------
    frame : pandas.DataFrame
        The pool (:func:`rxtwin.consortium.submissions.submissions_frame`).
    field : str
        The figure to sum, a path of :func:`~rxtwin.model.consortium.pooled_fields`.
    rows : str
        The row grouping column (``dosage_form``, ``region``, ``unit_kind``, ``period_yr``).
    columns : str or None
        The column grouping, or None for a one-way table.
    rules : DisclosureRules
        The rules in force.
    cost : {"value", "count"}
        What the complementary suppression minimises first.

    Returns
    -------
    TableRelease

    Raises
    ------
    RuntimeError
        The audit fails (a defect: the MILP promises the audit's condition).

    Notes
    -----
    The rows and columns are the groups present among submissions that give the figure;
    a combination no organisation contributes to is a released zero. A sensitive cell of
    value 0 (all its contributors report 0) is protected by ``safety_fraction`` times the
    mean interior cell (assumption: it must at least hide among typical cells), or by
    ``safety_fraction`` field units when the whole table is zero.
    """
    _check_field(frame, field)
    by = [rows] if columns is None else [rows, columns]
    _check_by(frame, by)
    if columns is not None and columns == rows:
        raise UserInputError(f"rows and columns must differ (both are {rows!r})")
    present = frame[frame[field].notna()]
    row_keys = sorted(str(v) for v in present[rows].unique())
    col_keys = [TOTAL_LABEL] if columns is None else \
        sorted(str(v) for v in present[columns].unique())
    if not row_keys:
        raise UserInputError(f"no submission gives {field!r}: nothing to tabulate")
    row_of = present[rows].astype(str)
    col_of = present[columns].astype(str) if columns is not None else None

    def members(r: str, c: str) -> pd.DataFrame:
        mask = np.ones(len(present), dtype=bool)
        if r != TOTAL_LABEL:
            mask &= (row_of == r).to_numpy()
        if col_of is not None and c != TOTAL_LABEL:
            mask &= (col_of == c).to_numpy()
        return present[mask]

    if columns is None:
        interior = [members(r, TOTAL_LABEL)[field].sum() for r in row_keys]
        linked = table_1d(interior, row_keys)
        cells = [(r, TOTAL_LABEL) for r in row_keys] + [(TOTAL_LABEL, TOTAL_LABEL)]
    else:
        grid = np.array([[members(r, c)[field].sum() for c in col_keys] for r in row_keys])
        linked = table_2d(grid, row_keys, col_keys)
        cells = [(r, c) for r in (*row_keys, TOTAL_LABEL) for c in (*col_keys, TOTAL_LABEL)]

    n_interior = len(row_keys) * (len(col_keys) if columns is not None else 1)
    grand_total = float(linked.values[-1])
    zero_floor = rules.safety_fraction * (grand_total / n_interior if grand_total > 0 else 1.0)
    protection: dict[str, float] = {}
    reasons: dict[str, str] = {}
    counts: dict[str, int] = {}
    for label, (r, c) in zip(linked.labels, cells, strict=True):
        cell = members(r, c)
        verdict = primary_verdict(cell[field].to_numpy(dtype=float),
                                  cell["organisation_id"].tolist(), "sum", rules)
        counts[label] = verdict.n_organisations
        if verdict.n_organisations == 0 or not verdict.sensitive:
            continue
        totals = organisation_totals(cell[field].to_numpy(dtype=float),
                                     cell["organisation_id"].tolist())
        level = protection_level(totals, rules)
        if level <= 0.0:
            level = zero_floor
        if level <= 0.0:
            raise UserInputError(f"cell {label!r} is sensitive but safety_fraction = 0 asks "
                                 "for no protection: it could be recovered exactly")
        protection[label] = level
        reasons[label] = "; ".join(verdict.reasons)

    plan = complementary_suppression(linked, protection, cost=cost)
    if not plan.audit.passed:
        raise RuntimeError("suppression audit failed: " + "; ".join(plan.audit.failures()))
    out, records = [], []
    for i, (label, (r, c)) in enumerate(zip(linked.labels, cells, strict=True)):
        hidden = bool(plan.suppressed[i])
        kind = "primary" if label in protection else ("complementary" if hidden else "")
        reason = reasons.get(label, "")
        if kind == "complementary":
            reason = "hidden so that the sensitive cells cannot be derived from the totals"
        cell = members(r, c)
        records.append(CellRecord(
            group=(r,) if columns is None else (r, c), field=field, statistic="sum",
            value=float(linked.values[i]), released=not hidden,
            reasons=(reason,) if reason else (),
            submission_keys=frozenset(cell["key"]),
            organisation_ids=frozenset(cell["organisation_id"])))
        out.append({"row": r, "column": c,
                    "value": np.nan if hidden else float(linked.values[i]),
                    "released": not hidden, "suppression": kind, "reason": reason,
                    "n_organisations": pd.NA if hidden else counts[label]})
    table = pd.DataFrame(out, columns=["row", "column", "value", "released", "suppression",
                                       "reason", "n_organisations"])
    table["n_organisations"] = table["n_organisations"].astype("Int64")
    return TableRelease(table=table, linked=linked, protection=protection, plan=plan,
                        records=tuple(records))
