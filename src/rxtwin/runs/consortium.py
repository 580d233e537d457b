"""The consortium's pool at work: submissions in, disclosure-controlled statistics out, and
scenarios that take their priors from released statistics.

Composes the store's pool (:class:`rxtwin.store.ConsortiumPool`: tables, versions, ledgers,
audit log) with the consortium's engines (:mod:`rxtwin.consortium`: validation, disclosure
rules, complementary suppression's rules, differential privacy):

* :func:`register_organisation`, :func:`is_registered`, :func:`submit_file` (or
  :func:`check_submission_document` then :func:`store_submission`),
  :func:`list_own_submissions`, :func:`read_own_submission`: tenants and their raw
  submissions; an organisation reads its own submissions only. Given a ``user_id`` (the
  web app's users), the audit log's actor is ``ORG/USER``.
* :func:`release_statistic`: one statistic of one figure per group, over the latest version
  of every submission, through the disclosure rules (or through differential privacy,
  charged to the asking organisation's budget), stored as the next version of its name.
* :func:`list_releases`, :func:`read_release`: the released statistics (public to the
  consortium; never the private records kept for the differencing guard).
* :func:`privacy_ledger`: an organisation's privacy budget and what it was spent on.
* :func:`verify_audit`: the audit log's hash chain.
* :func:`load_scenario_with_priors`: a scenario whose fields or uncertain parameters
  reference released statistics (``{consortium: NAME@VERSION, cell: {...}}``), resolved
  from the store; the provenance ``source: consortium:NAME@VERSION ...`` goes into the
  scenario's ``sources``, so every run stored with the scenario records what it used
  (:func:`priors_of_run`).

See ``docs/consortium.md``, "The pool", "Releasing statistics" and "Priors from the pool".
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rxtwin.consortium import (
    PrivacyBudgetExceededError,
    PrivacyLedger,
    dp_release,
    release_cells,
    release_table,
    submission_from_document,
    submissions_frame,
)
from rxtwin.data.disclosure_defaults import load_disclosure_rules
from rxtwin.data.documents import read_document
from rxtwin.data.prior_references import REFERENCE_KEY, find_references
from rxtwin.data.scenarios import (
    bundled_scenario_names,
    read_scenario_document,
    resolve_scenario_path,
    scenario_from_document,
)
from rxtwin.errors import NO_VALUE, InputError, Problem, UserInputError
from rxtwin.model import Scenario
from rxtwin.model.consortium import DisclosureRules, Region, Submission, pooled_fields
from rxtwin.model.product import DosageForm
from rxtwin.store import (
    AuditCheck,
    ConsortiumPool,
    ReleaseRecord,
    Store,
    SubmissionRecord,
    UnknownItemError,
)
from rxtwin.store.pool import audit_actor

__all__ = [
    "DECLARED_GROUPS",
    "DISTRIBUTION_QUANTILES",
    "DP_STATISTICS",
    "RELEASE_STATISTICS",
    "PooledScenario",
    "PrivacyBudgetExceededError",
    "PrivacyLedger",
    "PriorReference",
    "ReleasedStatistic",
    "SubmitResult",
    "check_submission_document",
    "is_registered",
    "list_own_submissions",
    "list_releases",
    "load_scenario_with_priors",
    "priors_of_run",
    "privacy_ledger",
    "read_own_submission",
    "read_release",
    "register_organisation",
    "release_statistic",
    "resolve_consortium_priors",
    "store_submission",
    "submit_file",
    "verify_audit",
]

RULE_STATISTICS = ("sum", "mean", "median", "quantile", "triangular", "table")
DP_STATISTICS = ("sum", "mean", "count")
RELEASE_STATISTICS = tuple(dict.fromkeys((*RULE_STATISTICS, *DP_STATISTICS)))
"""Statistics :func:`release_statistic` can release (``count`` through DP only)."""
DISTRIBUTION_QUANTILES = (0.10, 0.50, 0.90)
"""Quantiles behind a ``triangular`` release: low, mode, high (assumption: the pool's 10th
percentile, median and 90th percentile as a triangular prior, a common elicitation of
low/most-likely/high that keeps each organisation's extreme figures out of the release)."""
GROUP_COLUMNS = ("dosage_form", "region", "unit_kind", "period_yr")
DECLARED_GROUPS: dict[str, tuple[str, ...]] = {
    "dosage_form": tuple(d.value for d in DosageForm),
    "region": tuple(r.value for r in Region),
    "unit_kind": ("line", "product"),
}
"""Declared categories of each group column for DP releases (groups must not be read off
the data: a group's existence would leak who submitted)."""
_REFERENCE_RULE = re.compile(r"^(?P<name>[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99})@(?P<version>[0-9]+)$")
PROVENANCE_PREFIX = "source: consortium:"


# ------------------------------------------------------------------ tenants and submissions
def register_organisation(store: Store, organisation_id: str, *, name: str | None = None,
                          epsilon_total: float | None = None) -> None:
    """Admit an organisation to the pool, with a privacy budget if given.

    Parameters
    ----------
    organisation_id : str
        The id its submissions carry.
    epsilon_total : float, optional
        Its total privacy budget for differentially private queries [-] (no default:
        choosing it is the consortium's policy); without one it cannot ask them.
    """
    ledger = None if epsilon_total is None else \
        PrivacyLedger(organisation_id, epsilon_total=epsilon_total).to_dict()
    ConsortiumPool(store).add_organisation(organisation_id, name=name, ledger=ledger)


@dataclass(frozen=True)
class SubmitResult:
    """A stored submission: its key and version (``new`` False when the content equals the
    latest version, which is then kept)."""

    key: str
    version: int
    new: bool


def is_registered(store: Store, organisation_id: str) -> bool:
    """Whether the organisation is registered in the pool (it may then submit)."""
    return ConsortiumPool(store).organisation_registered(organisation_id)


def check_submission_document(document: Any, file: str, organisation_id: str,
                              store: Store | None = None,
                              user_id: str | None = None) -> Submission:
    """Validate a parsed submission document for the submitting organisation; store nothing.

    With ``store``, a document naming another organisation is recorded in the audit log as
    a refused write (``submission.write.refused``), by ``ORG/USER`` when ``user_id`` is
    given.

    Raises
    ------
    rxtwin.errors.InputError
        It breaks the schema (one problem per field, naming the file, the field, the value
        and the rule), or it names another organisation.
    """
    submission = submission_from_document(document, file)
    if submission.organisation_id != organisation_id:
        problem = Problem(file, "organisation_id", submission.organisation_id,
                          f"must be the submitting organisation {organisation_id!r}: "
                          "an organisation submits its own data only")
        if store is not None:
            ConsortiumPool(store).record_refusal(organisation_id, "submission.write",
                                                 submission.key, problem.line(),
                                                 user_id=user_id)
        raise InputError([problem])
    return submission


def store_submission(store: Store, submission: Submission, organisation_id: str,
                     user_id: str | None = None) -> SubmitResult:
    """Store a submission checked by :func:`check_submission_document` as the next version
    of its key (audited with the actor ``ORG/USER`` when ``user_id`` is given).

    Raises
    ------
    rxtwin.store.StoreError
        The organisation is not registered.
    """
    version, new = ConsortiumPool(store).put_submission(
        submission, organisation_id=organisation_id, user_id=user_id)
    return SubmitResult(key=submission.key, version=version, new=new)


def submit_file(store: Store, path: str | Path, organisation_id: str,
                user_id: str | None = None) -> SubmitResult:
    """Validate a submission file (YAML or JSON) and store it as the next version.

    Read by :func:`rxtwin.data.documents.read_document` (bounded, regular files only) and
    validated by :func:`check_submission_document`.

    Raises
    ------
    rxtwin.errors.InputError
        The file cannot be read or breaks the schema: one problem per field, naming the
        file, the field, the value and the rule; or it names another organisation.
    rxtwin.store.StoreError
        The organisation is not registered.
    """
    submission = check_submission_document(read_document(Path(path)), str(path),
                                           organisation_id, store, user_id)
    return store_submission(store, submission, organisation_id, user_id)


def list_own_submissions(store: Store, organisation_id: str,
                         user_id: str | None = None) -> list[SubmissionRecord]:
    """Every version of the organisation's own submissions, by key and version (never
    another organisation's)."""
    return ConsortiumPool(store).list_submissions(organisation_id, user_id)


def read_own_submission(store: Store, organisation_id: str, key: str,
                        version: int | None = None,
                        user_id: str | None = None) -> SubmissionRecord:
    """One of the organisation's own submissions; another's is answered as if it did not
    exist (:class:`rxtwin.store.UnknownItemError`)."""
    return ConsortiumPool(store).get_submission(organisation_id, key, version, user_id)


def list_releases(store: Store) -> list[ReleaseRecord]:
    """Every released statistic, by name and version (public to the consortium; the
    private per-cell records of the differencing guard are not part of it)."""
    return ConsortiumPool(store).list_releases()


def read_release(store: Store, name: str, version: int | None = None, *,
                 organisation_id: str | None = None,
                 user_id: str | None = None) -> ReleaseRecord:
    """One released statistic (latest version by default), audited as a read by the
    consortium, the organisation, or ``ORG/USER``.

    Raises
    ------
    rxtwin.store.UnknownItemError
        No such name or version (the message lists the versions there are).
    """
    actor = "consortium" if organisation_id is None else audit_actor(organisation_id, user_id)
    return ConsortiumPool(store).get_release(name, version, actor=actor)


def privacy_ledger(store: Store, organisation_id: str) -> PrivacyLedger | None:
    """The organisation's privacy budget and what it was spent on; None when it has none.

    Raises
    ------
    rxtwin.store.UnknownItemError
        The organisation is not registered.
    """
    pool = ConsortiumPool(store)
    if not pool.organisation_registered(organisation_id):
        raise UnknownItemError(f"organisation {organisation_id!r} is not registered in the "
                               "consortium pool")
    try:
        return PrivacyLedger.from_dict(pool.get_privacy_ledger(organisation_id))
    except UnknownItemError:
        return None


def verify_audit(store: Store) -> AuditCheck:
    """Check the audit log's hash chain (:meth:`rxtwin.store.ConsortiumPool.verify_audit_log`)."""
    return ConsortiumPool(store).verify_audit_log()


# ------------------------------------------------------------------ releases
@dataclass(frozen=True)
class ReleasedStatistic:
    """A stored release.

    Attributes
    ----------
    name : str
    version : int
    body : dict
        What was published: ``field``, ``statistic``, ``group_by``, ``method``, ``rules``,
        ``cells`` (each with ``group``, ``value`` or ``distribution``, ``released``,
        ``reason``, ``n_organisations``) and ``suppression`` (the suppressed cells with
        their reasons).
    """

    name: str
    version: int
    body: dict[str, Any]

    @property
    def suppressed(self) -> list[dict[str, Any]]:
        """The suppressed cells: ``group`` and ``reason``."""
        return list(self.body["suppression"])


def default_release_name(field: str, statistic: str, group_by: Sequence[str],
                         dp: bool = False) -> str:
    """``FIELD.STATISTIC[.by.G1.G2][.dp]``: the name a release gets unless one is given."""
    name = f"{field}.{statistic}"
    if group_by:
        name += ".by." + ".".join(group_by)
    return name + (".dp" if dp else "")


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) \
        else float(value)


def _record_json(record: Any, by: Sequence[str]) -> dict[str, Any]:
    return {"group": dict(zip(by, record.group, strict=True)), "field": record.field,
            "statistic": record.statistic, "released": record.released,
            "submission_keys": sorted(record.submission_keys),
            "organisation_ids": sorted(record.organisation_ids)}


def _record_from_json(data: Mapping[str, Any]) -> Any:
    from rxtwin.consortium import CellRecord

    return CellRecord(group=tuple(str(v) for v in data["group"].values()),
                      field=data["field"], statistic=data["statistic"], value=math.nan,
                      released=data["released"], reasons=(),
                      submission_keys=frozenset(data["submission_keys"]),
                      organisation_ids=frozenset(data["organisation_ids"]))


def _check_release_args(statistic: str, field: str, group_by: Sequence[str], dp: bool) -> None:
    allowed = DP_STATISTICS if dp else RULE_STATISTICS
    if statistic not in allowed:
        how = "a differentially private" if dp else "a rule-based"
        raise UserInputError(f"statistic {statistic!r} cannot be {how} release; use one of "
                             f"{', '.join(allowed)}")
    if field not in pooled_fields():
        raise UserInputError(f"field {field!r} is not a pooled figure; known fields are "
                             f"{', '.join(sorted(pooled_fields()))}")
    for column in group_by:
        if column not in GROUP_COLUMNS:
            raise UserInputError(f"group column {column!r} must be one of "
                                 f"{', '.join(GROUP_COLUMNS)}")
    if len(set(group_by)) != len(group_by):
        raise UserInputError(f"group columns {list(group_by)} repeat a column")
    if statistic == "table" and len(group_by) not in (1, 2):
        raise UserInputError(f"a table has rows and at most columns: group by one or two "
                             f"columns, not {len(group_by)}")


def release_statistic(store: Store, statistic: str, field: str, group_by: Sequence[str] = (),
                      *, name: str | None = None, rules: DisclosureRules | None = None,
                      quantile: float = 0.5, dp_epsilon: float | None = None,
                      organisation_id: str | None = None,
                      bounds: tuple[float, float] | None = None,
                      user_id: str | None = None) -> ReleasedStatistic:
    """Release one statistic of one pooled figure per group and store it as a new version.

    Runs over the latest version of every organisation's submissions.

    Parameters
    ----------
    statistic : str
        Under the disclosure rules: ``sum``, ``mean``, ``median``, ``quantile`` (with
        ``quantile``), ``triangular`` (a distribution: the pool's
        :data:`DISTRIBUTION_QUANTILES` as low, mode and high) or ``table`` (sums with
        their totals over one or two ``group_by`` columns, complementary suppression). With ``dp_epsilon``:
        ``sum``, ``mean`` or ``count``.
    field : str
        A path of :func:`~rxtwin.model.consortium.pooled_fields`.
    group_by : sequence of str
        Among ``dosage_form``, ``region``, ``unit_kind``, ``period_yr`` (DP: not
        ``period_yr``, whose values are not declared in advance).
    name : str, optional
        Name of the statistic (default :func:`default_release_name`); each release of a
        name gets the next version.
    rules : DisclosureRules, optional
        Default :func:`rxtwin.data.disclosure_defaults.load_disclosure_rules`.
    dp_epsilon : float, optional
        Release with differential privacy instead, spending this epsilon [-] in total
        (split evenly over the declared groups; losses add up) from ``organisation_id``'s
        budget, in one transaction with the ledger locked.
    organisation_id : str, optional
        The asking organisation (DP only).
    bounds : (float, float), optional
        Declared bounds of the figure per submission [field units] (DP only, required).
    user_id : str, optional
        The asking organisation's user (DP only): the audit log's actor is then
        ``ORG/USER``.

    Returns
    -------
    ReleasedStatistic
        Its name, version and published body.

    Notes
    -----
    Rule-based sums and means pass the differencing guard against every earlier release of
    the same field (their contributors are kept privately with each release).
    """
    dp = dp_epsilon is not None
    _check_release_args(statistic, field, group_by, dp)
    name = name or default_release_name(field, statistic, group_by, dp)
    pool = ConsortiumPool(store)
    if dp:
        return _release_dp(pool, name, statistic, field, group_by, dp_epsilon,
                           organisation_id, bounds, user_id)
    if organisation_id is not None or bounds is not None or user_id is not None:
        raise UserInputError("organisation and bounds apply to differentially private "
                             "releases only (give an epsilon)")
    rules = rules or load_disclosure_rules()
    frame = _pool_frame(pool, f"release {name}")
    by = list(group_by)
    if statistic == "table":
        return _release_table(pool, name, field, by, rules, frame)
    earlier = [_record_from_json(r) for r in pool.release_records(field)]
    if statistic == "triangular":
        releases = [release_cells(frame, field, "quantile" if q != 0.5 else "median", by,
                                  rules, quantile=q) for q in DISTRIBUTION_QUANTILES]
        main = releases[1]
    else:
        main = release_cells(frame, field, statistic, by, rules, quantile=quantile,
                             earlier=earlier)
        releases = [main]
    cells, suppression = [], []
    for i, row in main.table.reset_index(drop=True).iterrows():
        group = {c: str(row[c]) for c in by}
        released = all(bool(r.table.iloc[i]["released"]) for r in releases)
        reason = "; ".join(dict.fromkeys(str(r.table.iloc[i]["reason"]) for r in releases
                                         if r.table.iloc[i]["reason"]))
        cell: dict[str, Any] = {"group": group, "released": released, "reason": reason,
                                "n_organisations": int(row["n_organisations"])
                                if released else None}
        if statistic == "triangular":
            low, mode, high = (_number(r.table.iloc[i]["value"]) for r in releases)
            cell["distribution"] = None if not released else (
                {"dist": "triangular", "low": low, "mode": mode, "high": high}
                if low < high else {"dist": "fixed", "value": mode})
        else:
            cell["value"] = _number(row["value"]) if released else None
        cells.append(cell)
        if not released:
            suppression.append({"group": group, "reason": reason})
    body = {"field": field, "statistic": statistic, "group_by": by, "method": "rules",
            "quantile": quantile if statistic == "quantile" else None,
            "rules": rules.model_dump(mode="json"), "cells": cells,
            "suppression": suppression}
    records = [_record_json(r, by) for r in main.records] if statistic != "triangular" else []
    version = pool.put_release(name, field=field, statistic=statistic, method="rules",
                               body=body, records=records)
    return ReleasedStatistic(name=name, version=version, body=body)


def _release_table(pool: ConsortiumPool, name: str, field: str, by: list[str],
                   rules: DisclosureRules, frame) -> ReleasedStatistic:
    """A one- or two-way table of sums with its totals (``by``: rows, then columns), through
    :func:`rxtwin.consortium.release_table`: primary rules on every cell, totals included,
    then complementary suppression checked by its LP audit. Each released cell's
    contributors are kept privately, so later sums and means pass the differencing guard
    against them; a released cell that would difference with an earlier released sum or
    mean refuses the whole table (:class:`~rxtwin.errors.UserInputError`)."""
    from rxtwin.consortium.disclosure import TOTAL_LABEL, differencing_reason

    rows, columns = by[0], (by[1] if len(by) == 2 else None)
    earlier = [_record_from_json(r) for r in pool.release_records(field)]
    released = release_table(frame, field, rows, columns, rules)
    cells, suppression, records = [], [], []
    for row, record in zip(released.table.itertuples(index=False), released.records,
                           strict=True):
        group = dict(zip(by, record.group, strict=True))
        cells.append({"group": group, "released": bool(row.released), "reason": row.reason,
                      "suppression": row.suppression,
                      "n_organisations": None if not row.released
                      else int(row.n_organisations),
                      "value": _number(row.value) if row.released else None})
        if not row.released:
            suppression.append({"group": group, "reason": row.reason})
            continue
        for before in earlier:
            reason = differencing_reason(before, record.submission_keys, frame, field, rules)
            if reason is not None:
                label = ", ".join(f"{k}={v}" for k, v in group.items())
                raise UserInputError(f"table {name} refused: its cell {label} {reason}; "
                                     "release it with another grouping")
        records.append(_record_json(record, by))
    audit = released.audit
    body = {"field": field, "statistic": "table", "group_by": by, "method": "rules",
            "quantile": None, "rules": rules.model_dump(mode="json"), "cells": cells,
            "suppression": suppression, "total_label": TOTAL_LABEL,
            "audit": {"passed": bool(audit.passed), "sensitive_cells": len(audit.intervals)}}
    version = pool.put_release(name, field=field, statistic="table", method="rules",
                               body=body, records=records)
    return ReleasedStatistic(name=name, version=version, body=body)


def _pool_frame(pool: ConsortiumPool, purpose: str):
    records = pool.pool_submissions(purpose=purpose)
    if not records:
        raise UserInputError("the consortium pool holds no submissions yet: nothing to release")
    return submissions_frame(r.submission for r in records)


def _release_dp(pool: ConsortiumPool, name: str, statistic: str, field: str,
                group_by: Sequence[str], epsilon: float, organisation_id: str | None,
                bounds: tuple[float, float] | None,
                user_id: str | None = None) -> ReleasedStatistic:
    if organisation_id is None:
        raise UserInputError("a differentially private release is charged to the asking "
                             "organisation's budget: name the organisation")
    if bounds is None:
        raise UserInputError(f"declare the bounds of {field!r} per submission for a "
                             "differentially private release (they must not be read off "
                             "the data)")
    if "period_yr" in group_by:
        raise UserInputError("group column 'period_yr' cannot be used in a differentially "
                             "private release: its values are not declared in advance")
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise UserInputError(f"epsilon = {epsilon!r} must be a finite number > 0")
    groups = [dict(zip(group_by, combo, strict=True)) for combo in
              itertools.product(*(DECLARED_GROUPS[c] for c in group_by))]
    query = f"release {name}: {statistic} of {field} over {len(groups)} group(s)"
    # refuse before the pool is read when the budget cannot cover the release
    try:
        PrivacyLedger.from_dict(pool.get_privacy_ledger(organisation_id)).check(epsilon,
                                                                                query)
    except PrivacyBudgetExceededError as error:
        pool.record_refusal(organisation_id, "privacy.spend", query, str(error),
                            user_id=user_id)
        raise
    frame = _pool_frame(pool, f"release {name}")
    share = float(epsilon) / len(groups)

    def spend(ledger_data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        ledger = PrivacyLedger.from_dict(ledger_data)
        ledger.check(epsilon, query)
        cells = []
        for group in groups:
            answer, ledger = dp_release(frame, field, statistic, group, {field: bounds},
                                        share, ledger)
            cells.append({"group": group, "value": answer.value, "released": True,
                          "reason": "", "n_organisations": None, "epsilon": answer.epsilon,
                          "scales": list(answer.scales), "mechanism": answer.mechanism})
        return ledger.to_dict(), cells

    cells = pool.spend_privacy_budget(organisation_id, spend, target=query, user_id=user_id)
    body = {"field": field, "statistic": statistic, "group_by": list(group_by), "method": "dp",
            "quantile": None,
            "rules": {"epsilon": float(epsilon), "bounds": [float(b) for b in bounds],
                      "max_submissions_per_organisation": 1,
                      "charged_to": organisation_id},
            "cells": cells, "suppression": []}
    version = pool.put_release(name, field=field, statistic=statistic, method="dp", body=body,
                               records=[], requested_by=organisation_id,
                               actor=audit_actor(organisation_id, user_id))
    return ReleasedStatistic(name=name, version=version, body=body)


# ------------------------------------------------------------------ priors from the pool
@dataclass(frozen=True)
class PriorReference:
    """One value of a scenario taken from a released statistic.

    Attributes
    ----------
    path : str
        Where in the scenario document (``technologies.batch.changeover_h.mode``, or
        ``uncertain.0.distribution``).
    statistic : str
        The released statistic's name.
    version : int
        Its version.
    cell : dict of str to str
        The cell taken (empty for a release over the whole pool).
    value : object
        What was put in (a number or a distribution mapping).
    """

    path: str
    statistic: str
    version: int
    cell: dict[str, str]
    value: Any

    @property
    def provenance(self) -> str:
        """The ``sources`` line: ``source: consortium:NAME@VERSION (cell ...)``."""
        cell = ", ".join(f"{k}={v}" for k, v in self.cell.items()) or "whole pool"
        return f"{PROVENANCE_PREFIX}{self.statistic}@{self.version} ({cell})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (for a run's parameters)."""
        return {"path": self.path, "statistic": self.statistic, "version": self.version,
                "cell": dict(self.cell)}


@dataclass(frozen=True)
class PooledScenario:
    """A scenario with its priors resolved from the pool, and the references it used."""

    scenario: Scenario
    priors: tuple[PriorReference, ...]


def _set(document: dict, steps: tuple[str, ...], value: Any) -> None:
    node: Any = document
    for step in steps[:-1]:
        node = _child(node, step)
    last = steps[-1]
    if isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, dict) and item.get("id") == last:
                node[index] = value
                return
        node[int(last)] = value
    else:
        node[last] = value


def _child(node: Any, step: str) -> Any:
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("id") == step:
                return item
        return node[int(step)]
    return node[step]


def _resolve_one(pool: ConsortiumPool, reference: dict, path: str, file: str,
                 cache: dict[tuple[str, int], ReleaseRecord]) -> PriorReference:
    text = reference[REFERENCE_KEY]
    match = _REFERENCE_RULE.match(text) if isinstance(text, str) else None
    if match is None:
        raise InputError([Problem(file, f"{path}.{REFERENCE_KEY}", text,
                                  "must be NAME@VERSION of a released consortium statistic "
                                  "(pin the version, so the study is reproducible)")])
    name, version = match["name"], int(match["version"])
    if (name, version) not in cache:
        try:
            cache[(name, version)] = pool.get_release(name, version)
        except UnknownItemError as error:
            raise InputError([Problem(file, f"{path}.{REFERENCE_KEY}", text,
                                      str(error))]) from None
    release = cache[(name, version)]
    wanted = reference.get("cell", {})
    if not isinstance(wanted, dict):
        raise InputError([Problem(file, f"{path}.cell", wanted,
                                  "must map group columns to values, e.g. "
                                  "{dosage_form: oral_solid}")])
    wanted = {str(k): str(v) for k, v in wanted.items()}
    cells = release.body["cells"]
    group_by = release.body["group_by"]
    if set(wanted) != set(group_by):
        raise InputError([Problem(
            file, f"{path}.cell", wanted,
            f"{name}@{version} is grouped by {', '.join(group_by) or 'nothing'}; name one "
            f"value of each (cells: {_cells_text(cells)})")])
    found = [c for c in cells if c["group"] == wanted]
    if not found:
        raise InputError([Problem(file, f"{path}.cell", wanted,
                                  f"{name}@{version} has no such cell (cells: "
                                  f"{_cells_text(cells)})")])
    cell = found[0]
    if not cell["released"]:
        raise InputError([Problem(file, path, text,
                                  f"{name}@{version} suppressed this cell: {cell['reason']}")])
    value = cell.get("distribution", cell.get("value"))
    return PriorReference(path=path, statistic=name, version=version, cell=wanted,
                          value=copy.deepcopy(value))


def _cells_text(cells: Sequence[Mapping[str, Any]]) -> str:
    shown = [", ".join(f"{k}={v}" for k, v in c["group"].items()) or "whole pool"
             for c in cells[:6]]
    return "; ".join(shown) + ("; ..." if len(cells) > 6 else "")


def resolve_consortium_priors(document: dict, store: Store,
                              file: str = "<input>") -> tuple[dict, tuple[PriorReference, ...]]:
    """Replace every reference to a released statistic in a scenario document.

    A reference is a mapping ``{consortium: NAME@VERSION}``, with ``cell: {column: value}``
    naming the cell of a grouped release, given as a field's value (a number, or a whole
    distribution for a ``triangular`` release) or as an ``uncertain`` entry's
    ``distribution`` (a ``triangular`` release; a single value is refused there). Each
    resolved place gets ``sources[path] = "source: consortium:NAME@VERSION (cell)"``.

    Returns
    -------
    (dict, tuple of PriorReference)
        A new document and the references, in document order.

    Raises
    ------
    rxtwin.errors.InputError
        A malformed reference, an unknown statistic or version, an unknown cell, a
        suppressed cell (with the reason), or a single value where a distribution is needed.
    """
    found = list(find_references(document))
    if not found:
        return document, ()
    pool = ConsortiumPool(store)
    out = copy.deepcopy(document)
    sources = dict(out.get("sources") or {})
    cache: dict[tuple[str, int], ReleaseRecord] = {}
    priors = []
    for steps, reference in found:
        path = ".".join(steps)
        prior = _resolve_one(pool, reference, path, file, cache)
        wants_distribution = len(steps) == 3 and steps[0] == "uncertain" and \
            steps[2] == "distribution"
        if wants_distribution and not isinstance(prior.value, dict):
            raise InputError([Problem(file, path, reference[REFERENCE_KEY],
                                      f"an uncertain parameter needs a distribution; "
                                      f"{prior.statistic}@{prior.version} is a single value "
                                      "(release a 'triangular' statistic)")])
        _set(out, steps, prior.value)
        sources[path] = prior.provenance
        priors.append(prior)
    out["sources"] = sources
    return out, tuple(priors)


def load_scenario_with_priors(name_or_path: str | Path, store: Store) -> PooledScenario:
    """Load a scenario (bundled name or file, ``extends`` resolved) whose priors come from
    released consortium statistics, and validate it.

    Raises
    ------
    rxtwin.errors.InputError
        Every problem of the file, or of a reference (see :func:`resolve_consortium_priors`).
    """
    path = resolve_scenario_path(name_or_path)
    if not path.exists():
        raise InputError([Problem(str(name_or_path), "", NO_VALUE,
                                  "no such file or bundled scenario (bundled: "
                                  f"{', '.join(bundled_scenario_names())})")])
    document, priors = resolve_consortium_priors(read_scenario_document(path), store,
                                                 str(path))
    return PooledScenario(scenario=scenario_from_document(document, str(path)), priors=priors)


def priors_of_run(store: Store, run_id: str) -> list[dict[str, Any]]:
    """The released statistics a stored run's scenario took its priors from.

    Read from the ``sources`` of the scenario stored with the run: each entry
    ``source: consortium:NAME@VERSION (cell)`` gives ``path``, ``statistic`` and
    ``version``. Empty for a run without a scenario or without consortium priors.
    """
    run = store.get_run(run_id)
    if run.scenario_hash is None:
        return []
    sources = store.get_scenario(run.scenario_hash).get("sources", {})
    found = []
    pattern = re.compile(re.escape(PROVENANCE_PREFIX) + r"(?P<name>[^@\s]+)@(?P<version>\d+)")
    for path, text in sorted(sources.items()):
        match = pattern.match(text)
        if match:
            found.append({"path": path, "statistic": match["name"],
                          "version": int(match["version"])})
    return found

