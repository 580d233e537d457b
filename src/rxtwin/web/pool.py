"""What the consortium's API routes and its page both do: take a submission upload, list and
read an organisation's own submissions, show released statistics and the privacy ledger,
and answer a differentially private query, all through :mod:`rxtwin.runs.consortium` (so
the audit log records each read and write with the actor ``ORG/USER``).

Raises :class:`~rxtwin.web.service.WebError` for anything the user can fix:

* 403: the principal's organisation is not registered in the pool (the consortium's
  operator registers it with ``rxtwin consortium register ORG``);
* 404: a submission key that is not the organisation's (another organisation's key gets
  the same answer as a key that does not exist) or a release that does not exist;
* 409: a query over the organisation's privacy budget (the message names the epsilon
  left), or from an organisation without a budget;
* 413/422: an upload past a reading limit, or a submission or query that breaks a rule
  (one problem per field, naming the field, the value and the rule).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

from rxtwin.errors import InputError, UserInputError
from rxtwin.model.consortium import Submission, pooled_fields
from rxtwin.runs.accounts import Principal
from rxtwin.runs.consortium import (
    PrivacyBudgetExceededError,
    PrivacyLedger,
    check_submission_document,
    is_registered,
    privacy_ledger,
    read_own_submission,
    read_release,
    release_statistic,
)
from rxtwin.store import ReleaseRecord, Store, SubmissionRecord, UnknownItemError
from rxtwin.web.service import WebError, invalid, read_upload

GROUP_COLUMNS = ("dosage_form", "region", "unit_kind")
"""Group columns a private query may use: those whose categories are declared in advance
(``period_yr`` is not: its values would be read off the data)."""
EPSILON_MIN = 0.001
"""Smallest epsilon a query may spend [-] (assumption: below it the Laplace noise of any
pooled figure dwarfs the figure, and OpenDP's search for the noise scale stays finite)."""
EPSILON_MAX = 10.0
"""Largest epsilon one query may spend [-] (assumption: beyond about 10 differential
privacy protects little; a budget is spent in smaller steps)."""
BOUND_MAX = 1e12
"""Largest magnitude of a declared bound [field units] (assumption: above the largest
pooled figure, a capital spend in USD, by orders of magnitude)."""
_KEY_RULE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}/(line|product)/"
                       r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}/[0-9]{4}$")
_IDENTITY = ("schema_version", "organisation_id", "unit_kind", "unit_id", "period_yr",
             "dosage_form", "region")

_PATHS = {"field": "field", "bounds": "bounds", "epsilon": "epsilon", "group": "group_by",
          "statistic": "statistic"}
"""The query field a refusal of the runs layer is about, by the first word of its message."""

Bound = Annotated[float, Strict(), Field(ge=-BOUND_MAX, le=BOUND_MAX, allow_inf_nan=False)]


class PrivateQuery(BaseModel):
    """A differentially private query: one statistic of one pooled figure over every
    declared group of the columns named, spending ``epsilon`` of the organisation's
    privacy budget (split evenly over the groups)."""

    model_config = ConfigDict(extra="forbid")
    statistic: Literal["sum", "mean", "count"]
    field: str = Field(min_length=1, max_length=200,
                       description="A pooled figure, e.g. changeover_h (docs/consortium.md).",
                       json_schema_extra={"enum": sorted(pooled_fields())})
    group_by: list[Literal["dosage_form", "region", "unit_kind"]] = Field(
        default_factory=list, max_length=3,
        description="Group columns (assumption: none, the whole pool, unless asked).")
    epsilon: Annotated[float, Strict(), Field(ge=EPSILON_MIN, le=EPSILON_MAX,
                                              allow_inf_nan=False)] = Field(
        description="Privacy loss to spend [-].")
    bounds: list[Bound] = Field(
        min_length=2, max_length=2,
        description="Declared bounds LOW, HIGH of the figure per submission [field units].")

    @field_validator("bounds")
    @classmethod
    def _low_below_high(cls, bounds: list[float]) -> list[float]:
        if not bounds[0] < bounds[1]:
            raise ValueError(f"must be LOW < HIGH (got {bounds[0]:g}, {bounds[1]:g})")
        return bounds


def require_member(store: Store, principal: Principal) -> None:
    """403 unless the principal's organisation is registered in the pool."""
    org = principal.organisation_id
    if not is_registered(store, org):
        raise WebError(403, f"organisation {org!r} is not registered in the consortium pool; "
                            f"the consortium's operator registers it "
                            f"(rxtwin consortium register {org})")


def _input_error(error: InputError, file: str) -> WebError:
    """422: one problem as the CLI prints it, or the count and each problem."""
    if len(error.problems) == 1:
        wrapped = invalid(error, f"submission {file}")
        wrapped.message = error.problems[0].line()
        return wrapped
    return invalid(error, f"submission {file}")


def submission_from_upload(raw: bytes, file: str, syntax: str | None,
                           principal: Principal, store: Store) -> Submission:
    """Read (the CLI's reader and limits) and validate an uploaded submission for the
    principal's organisation; store nothing but, for a document naming another
    organisation, the refusal in the audit log (runs off the event loop)."""
    document = read_upload(raw, file, syntax)
    try:
        return check_submission_document(document, file, principal.organisation_id, store,
                                         principal.user_id)
    except InputError as error:
        raise _input_error(error, file) from None


def syntax_of(content_type: str) -> str | None:
    """``json`` for a JSON body, ``yaml`` for a YAML one, None (YAML, which reads JSON too)
    otherwise."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"):
        return "yaml"
    return None


def missing_submission(organisation_id: str, key: str, version: int | None) -> WebError:
    """The one 404 of a submission the organisation does not have (whoever else has it)."""
    shown = "" if version is None else f" version {version}"
    return WebError(404, f"organisation {organisation_id!r} has no submission {key!r}{shown}")


def own_submission(store: Store, principal: Principal, key: str,
                   version: int | None) -> SubmissionRecord:
    """One of the organisation's own submissions; a key of another organisation, a key that
    does not exist and a key that cannot exist get the same 404."""
    org = principal.organisation_id
    if not _KEY_RULE.match(key):
        raise missing_submission(org, key, version)
    try:
        return read_own_submission(store, org, key, version, user_id=principal.user_id)
    except UnknownItemError:
        raise missing_submission(org, key, version) from None


def submission_view(record: SubmissionRecord) -> dict[str, Any]:
    """A stored submission version for the API and the page: key, version, time, its
    figures and the whole document."""
    document = record.submission.model_dump(mode="json", exclude_none=True)
    figures = {k: v for k, v in document.items() if k not in _IDENTITY}
    return {"key": record.key, "version": record.version,
            "created_at": record.created_at.isoformat(), "body_hash": record.body_hash,
            "figures": figures, "submission": document}


def release_summary(record: ReleaseRecord) -> dict[str, Any]:
    """A release as the list shows it."""
    return {"name": record.name, "version": record.version, "statistic": record.statistic,
            "field": record.field, "group_by": list(record.body.get("group_by", [])),
            "mode": record.method, "created_at": record.created_at.isoformat()}


_DISTRIBUTION_ORDER = ("dist", "low", "mode", "high", "value")


def _in_reading_order(distribution: dict[str, Any] | None) -> dict[str, Any] | None:
    """A released distribution's keys as people read them (low, mode, high), not in the
    store's sorted order."""
    if distribution is None:
        return None
    rank = {k: i for i, k in enumerate(_DISTRIBUTION_ORDER)}
    return {k: distribution[k]
            for k in sorted(distribution, key=lambda k: (rank.get(k, len(rank)), k))}


def _public_cell(cell: dict[str, Any]) -> dict[str, Any]:
    return {"group": {str(k): str(v) for k, v in cell.get("group", {}).items()},
            "released": bool(cell.get("released")),
            "value": _finite(cell.get("value")),
            "distribution": _in_reading_order(cell.get("distribution")),
            "reason": str(cell.get("reason") or ""),
            "n_organisations": cell.get("n_organisations"),
            "epsilon": cell.get("epsilon")}


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def release_view(record: ReleaseRecord) -> dict[str, Any]:
    """A release's published cells: each a value or a distribution, or the reason it was
    suppressed; the rules it was released under (for DP: epsilon and bounds). Never the
    per-cell contributors the store keeps for the differencing guard, nor who asked."""
    body = record.body
    rules = dict(body.get("rules") or {})
    rules.pop("charged_to", None)
    return {**release_summary(record), "quantile": body.get("quantile"), "rules": rules,
            "cells": [_public_cell(c) for c in body.get("cells", [])]}


def read_public_release(store: Store, principal: Principal, name: str,
                        version: int | None) -> dict[str, Any]:
    """One release (audited as read by ``ORG/USER``), as :func:`release_view`."""
    try:
        record = read_release(store, name, version, organisation_id=principal.organisation_id,
                              user_id=principal.user_id)
    except UnknownItemError as error:
        raise WebError(404, str(error).strip("'\"")) from None
    return release_view(record)


def ledger_view(organisation_id: str, ledger: PrivacyLedger | None) -> dict[str, Any]:
    """An organisation's privacy budget: total, spent, remaining [epsilon] and the queries
    it was spent on (total None and nothing left without a budget)."""
    if ledger is None:
        return {"organisation_id": organisation_id, "epsilon_total": None,
                "epsilon_spent": 0.0, "epsilon_remaining": 0.0, "queries": []}
    return {"organisation_id": organisation_id, "epsilon_total": ledger.epsilon_total,
            "epsilon_spent": ledger.epsilon_spent,
            "epsilon_remaining": ledger.epsilon_remaining,
            "queries": [{"epsilon": e.epsilon, "query": e.query} for e in ledger.entries]}


def own_ledger(store: Store, principal: Principal) -> dict[str, Any]:
    """The principal's organisation's privacy budget (:func:`ledger_view`)."""
    require_member(store, principal)
    org = principal.organisation_id
    return ledger_view(org, privacy_ledger(store, org))


def ask_private_query(store: Store, principal: Principal, query: PrivateQuery
                      ) -> dict[str, Any]:
    """Answer a private query through the DP release path, charged to the organisation's
    ledger; return the release (:func:`release_view`) and the ledger after it."""
    require_member(store, principal)
    org = principal.organisation_id
    try:
        released = release_statistic(
            store, query.statistic, query.field, query.group_by, dp_epsilon=query.epsilon,
            organisation_id=org, bounds=(query.bounds[0], query.bounds[1]),
            user_id=principal.user_id)
    except PrivacyBudgetExceededError as error:
        raise WebError(409, str(error), [{"path": "epsilon", "rule": str(error),
                                          "message": f"epsilon: {error}"}]) from None
    except UnknownItemError as error:  # registered, but without a privacy budget
        raise WebError(409, str(error).strip("'\"")) from None
    except UserInputError as error:
        message = str(error)
        status = 409 if "holds no submissions" in message else 422
        path = _PATHS.get(message.split(" ", 1)[0], "query")
        raise WebError(status, message, [{"path": path, "rule": message,
                                          "message": f"{path}: {message}"}]) from None
    record = read_release(store, released.name, released.version, organisation_id=org,
                          user_id=principal.user_id)
    return {"release": release_view(record),
            "ledger": ledger_view(org, privacy_ledger(store, org))}
