"""The consortium's pool in the API, under ``/api/consortium`` (docs/consortium.md, "Through
the web app and the API").

* ``POST /submissions`` (a submission document as the body, YAML or JSON; stored for the
  principal's organisation only), ``GET /submissions``, ``GET /submissions/{key}``: an
  organisation's own submissions, every version; another organisation's key answers as a
  key that does not exist.
* ``GET /releases``, ``GET /releases/{name}/{version}``: the released statistics, public to
  every authenticated principal (cells, suppression reasons; never the private records).
* ``POST /queries``: a differentially private query charged to the organisation's privacy
  budget. It reads, so a researcher (``read`` scope) may ask it
  (:data:`rxtwin.web.auth.SCOPE_OVERRIDES`).
* ``GET /ledger``: the organisation's privacy budget.

Rule-based releases stay with the consortium's operator (``rxtwin consortium release``):
there is no route for them. An organisation not registered in the pool gets 403 on the
submission, query and ledger routes.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from rxtwin.model.consortium import submission_json_schema
from rxtwin.runs.consortium import list_own_submissions, list_releases, store_submission
from rxtwin.web import pool
from rxtwin.web.auth import PrincipalDep
from rxtwin.web.dependencies import SettingsDep, StoreDep
from rxtwin.web.routers.api import BODY, ErrorResponse, _check_name, _read_body
from rxtwin.web.service import off_loop

MEANINGS = {
    401: "No valid credentials: send 'Authorization: Bearer <token>' (rxtwin users token).",
    403: "The token's scopes or the user's role do not allow this, or the organisation is "
         "not registered in the consortium pool.",
    404: "No such submission of the organisation (another organisation's answers the same), "
         "or no such released statistic.",
    409: "The privacy budget cannot cover the query (the message names the epsilon left), "
         "the organisation has no budget, or the pool holds no submissions yet.",
    413: "The request body is larger than the limit, or breaks a reading limit.",
    422: "The request is not valid; each problem with its field path, value and rule.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a consortium route that answers these error statuses."""
    return {code: {"description": MEANINGS[code], "model": ErrorResponse} for code in codes}


router = APIRouter(prefix="/api/consortium", tags=["consortium"], responses=errors(401, 403))


class SubmitOut(BaseModel):
    """A stored submission: its key, its version and whether that version is new (the same
    content again keeps its version)."""

    key: str
    version: int
    new: bool


class SubmissionOut(BaseModel):
    """One stored version of one of the organisation's own submissions."""

    key: str
    version: int
    created_at: str
    body_hash: str
    figures: dict[str, Any] = Field(description="The figures given (absent ones left out).")
    submission: dict[str, Any] = Field(description="The whole submission document.")


class ReleaseSummary(BaseModel):
    """A released statistic as listed."""

    name: str
    version: int
    statistic: str
    field: str
    group_by: list[str]
    mode: Literal["rules", "dp"]
    created_at: str


class ReleaseCell(BaseModel):
    """One published cell: its value or distribution, or why it was suppressed."""

    group: dict[str, str]
    released: bool
    value: float | None
    distribution: dict[str, Any] | None
    reason: str = Field(description="Why the cell was suppressed, in words (empty if not).")
    n_organisations: int | None
    epsilon: float | None = Field(description="Privacy loss of a DP cell [-].")


class ReleaseOut(ReleaseSummary):
    """A released statistic's cells and the rules it was released under."""

    quantile: float | None
    rules: dict[str, Any]
    cells: list[ReleaseCell]


class LedgerEntryOut(BaseModel):
    epsilon: float
    query: str


class LedgerOut(BaseModel):
    """The organisation's privacy budget [epsilon]: total (None without a budget), spent,
    remaining, and the queries it was spent on, oldest first."""

    organisation_id: str
    epsilon_total: float | None
    epsilon_spent: float
    epsilon_remaining: float
    queries: list[LedgerEntryOut]


class QueryOut(BaseModel):
    """A private query's answer (stored as a DP release) and the ledger after it."""

    release: ReleaseOut
    ledger: LedgerOut


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` written in place (the OpenAPI document has no
    ``$defs`` of its own to point at)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(schema)


_SUBMISSION_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _inline(submission_json_schema())},
    "application/yaml": {"schema": {"type": "string",
                                    "description": "The submission as a YAML document."}}}}}
_QUERY_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _inline(pool.PrivateQuery.model_json_schema())}}}}


@router.post("/submissions", status_code=201, responses=errors(413, 422),
             openapi_extra=_SUBMISSION_BODY)
async def submit(request: Request, store: StoreDep, settings: SettingsDep,
                 principal: PrincipalDep) -> SubmitOut:
    """Validate a submission document (the body, YAML or JSON, read with the CLI's limits)
    and store it as the next version of its key, for the principal's organisation only; a
    document naming another organisation is refused (422). 403 when the organisation is not
    registered in the pool."""
    await run_in_threadpool(pool.require_member, store, principal)
    raw = await request.body()
    syntax = pool.syntax_of(request.headers.get("content-type", ""))
    submission = await off_loop(settings.document_timeout_s, BODY, pool.submission_from_upload,
                                raw, BODY, syntax, principal, store)
    result = await run_in_threadpool(store_submission, store, submission,
                                     principal.organisation_id, principal.user_id)
    return SubmitOut(key=result.key, version=result.version, new=result.new)


@router.get("/submissions")
def list_submissions(store: StoreDep, principal: PrincipalDep) -> list[SubmissionOut]:
    """The organisation's own submissions, every version, by key and version (never
    another organisation's)."""
    pool.require_member(store, principal)
    records = list_own_submissions(store, principal.organisation_id, principal.user_id)
    return [SubmissionOut(**pool.submission_view(r)) for r in records]


@router.get("/submissions/{key:path}", responses=errors(404, 422))
def get_submission(
    key: Annotated[str, Path(description="ORG/UNIT_KIND/UNIT_ID/PERIOD_YR")],
    store: StoreDep, principal: PrincipalDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000_000)] = None,
) -> SubmissionOut:
    """One of the organisation's own submissions (the latest version, or ``version``);
    another organisation's key answers the same 404 as a key that does not exist."""
    pool.require_member(store, principal)
    return SubmissionOut(**pool.submission_view(pool.own_submission(store, principal, key,
                                                                    version)))


@router.get("/releases")
def releases(store: StoreDep) -> list[ReleaseSummary]:
    """Every released statistic, by name and version (public to the consortium)."""
    return [ReleaseSummary(**pool.release_summary(r)) for r in list_releases(store)]


@router.get("/releases/{name}/{version}", responses=errors(404, 422))
def release(name: str, version: Annotated[int, Path(ge=1, le=1_000_000_000)],
            store: StoreDep, principal: PrincipalDep) -> ReleaseOut:
    """A released statistic's cells: each a value or a distribution, or the reason it was
    suppressed (never the records kept privately for the differencing guard)."""
    _check_name(name, "released statistic")
    return ReleaseOut(**pool.read_public_release(store, principal, name, version))


@router.post("/queries", status_code=201, responses=errors(409, 413, 422),
             openapi_extra=_QUERY_BODY)
async def query(request: Request, store: StoreDep, settings: SettingsDep,
                principal: PrincipalDep) -> QueryOut:
    """Ask a differentially private sum, mean or count of a pooled figure over the declared
    groups of the columns named, charged to the organisation's privacy budget; 409 when
    the budget cannot cover it (the message names the epsilon left), nothing charged."""
    raw = await request.body()
    asked = await off_loop(settings.document_timeout_s, BODY, _read_body, raw,
                           pool.PrivateQuery)
    answer = await run_in_threadpool(pool.ask_private_query, store, principal, asked)
    return QueryOut(**answer)


@router.get("/ledger")
def ledger(store: StoreDep, principal: PrincipalDep) -> LedgerOut:
    """The organisation's privacy budget: total, spent, remaining [epsilon] and the queries
    it was spent on."""
    return LedgerOut(**pool.own_ledger(store, principal))
