"""The consortium's page, ``/consortium``: the released statistics (suppressed cells with
their reasons), the organisation's own submissions, an upload form for a submission file
(members and admins), the privacy ledger and a form for a differentially private query.

A refused upload or query shows the page again with a banner naming each problem, under the
error's status; a stored upload or an answered query comes back to the page (303) with a
notice."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from rxtwin.data.documents import numbers_from_text
from rxtwin.model.consortium import pooled_fields
from rxtwin.report.headline import human_number
from rxtwin.runs.accounts import Principal
from rxtwin.runs.consortium import (
    is_registered,
    list_own_submissions,
    list_releases,
    store_submission,
)
from rxtwin.store import Store
from rxtwin.web import pool
from rxtwin.web.auth import PrincipalDep
from rxtwin.web.dependencies import Settings, StoreDep
from rxtwin.web.service import WebError, off_loop

router = APIRouter(include_in_schema=False)

QUERY_DEFAULTS = {"statistic": "mean", "field": "changeover_h", "group_by": ["region"],
                  "epsilon": "0.1", "bound_low": "0", "bound_high": "48"}
"""What the query form starts with (assumption: the mean changeover of docs/consortium.md's
worked example, by region, 0-48 h, spending a tenth of an epsilon)."""


def _cell_text(cell: dict[str, Any]) -> str:
    """A published cell in words: its value or distribution."""
    distribution = cell.get("distribution")
    if distribution:
        if distribution.get("dist") == "fixed":
            return f"fixed {human_number(float(distribution['value']), 4)}"
        return ", ".join(f"{k} {human_number(float(v), 4)}" if isinstance(v, int | float)
                         else f"{k} {v}" for k, v in distribution.items() if k != "dist") \
            + f" ({distribution.get('dist')})"
    value = cell.get("value")
    return "" if value is None else human_number(float(value), 6)


def _release_tables(store: Store) -> list[dict[str, Any]]:
    """The latest version of every released statistic, with its cells in words and the
    versions there are."""
    latest: dict[str, Any] = {}
    versions: dict[str, list[int]] = {}
    for record in list_releases(store):
        latest[record.name] = record
        versions.setdefault(record.name, []).append(record.version)
    tables = []
    for name in sorted(latest):
        view = pool.release_view(latest[name])
        view["versions"] = versions[name]
        view["rows"] = [{**cell, "text": _cell_text(cell)} for cell in view["cells"]]
        tables.append(view)
    return tables


def _page_context(store: Store, principal: Principal) -> dict[str, Any]:
    member = is_registered(store, principal.organisation_id)
    submissions = []
    ledger = None
    if member:
        submissions = [pool.submission_view(r) for r in list_own_submissions(
            store, principal.organisation_id, principal.user_id)]
        ledger = pool.own_ledger(store, principal)
    return {"member": member, "organisation": principal.organisation_id,
            "can_write": "write" in principal.scopes, "submissions": submissions,
            "ledger": ledger, "releases": _release_tables(store),
            "fields": sorted(pooled_fields()), "group_columns": pool.GROUP_COLUMNS,
            "statistics": ("sum", "mean", "count")}


async def _render(request: Request, store: Store, principal: Principal, *,
                  banner: dict[str, Any] | None = None,
                  stored: tuple[str, int, bool] | None = None,
                  query: dict[str, Any] | None = None, answer: str | None = None,
                  status_code: int = 200) -> Response:
    """The page; ``stored`` (key, version, new) and ``answer`` (NAME@VERSION) are shown only
    when the page's own lists hold them (a crafted link cannot put words on the page)."""
    context = await run_in_threadpool(_page_context, store, principal)
    notice = None
    if stored is not None and any((s["key"], s["version"]) == stored[:2]
                                  for s in context["submissions"]):
        notice = (f"{stored[0]}: stored as version {stored[1]}" if stored[2] else
                  f"{stored[0]}: unchanged, still version {stored[1]}")
    known = {f"{t['name']}@{t['version']}" for t in context["releases"]}
    context.update(banner=banner, notice=notice, query={**QUERY_DEFAULTS, **(query or {})},
                   answer=answer if answer in known else None)
    return request.app.state.templates.TemplateResponse(
        request, "consortium.html", context, status_code=status_code)


def _banner(title: str, error: WebError, anchor: str) -> dict[str, Any]:
    problems = error.problems or [{"message": error.message}]
    return {"title": title, "message": error.message, "anchor": anchor, "status": error.status,
            "problems": problems}


@router.get("/consortium")
async def consortium_page(request: Request, store: StoreDep,
                          principal: PrincipalDep) -> Response:
    stored = None
    key, version = request.query_params.get("stored"), request.query_params.get("version", "")
    if key and version.isdigit() and len(version) < 10:
        stored = (key, int(version), request.query_params.get("new") == "1")
    return await _render(request, store, principal, stored=stored,
                         answer=request.query_params.get("answer"))


@router.post("/consortium/submissions")
async def upload_submission(request: Request, store: StoreDep,
                            principal: PrincipalDep) -> Response:
    form = await request.form()
    upload = form.get("file")
    try:
        await run_in_threadpool(pool.require_member, store, principal)
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise WebError(422, "choose a submission file (YAML or JSON) to upload")
        raw = await upload.read()
        file = upload.filename if len(upload.filename) <= 100 else upload.filename[:97] + "..."
        settings: Settings = request.app.state.settings
        submission = await off_loop(settings.document_timeout_s, file,
                                    pool.submission_from_upload, raw, file, None,
                                    principal, store)
        result = await run_in_threadpool(store_submission, store, submission,
                                         principal.organisation_id, principal.user_id)
    except WebError as error:
        return await _render(request, store, principal, status_code=error.status,
                             banner=_banner("The submission was not stored", error,
                                            "upload-form"))
    return RedirectResponse(f"/consortium?stored={result.key}&version={result.version}"
                            f"&new={int(result.new)}#submissions", status_code=303)


def _validation_problems(error: ValidationError) -> list[dict[str, str]]:
    problems = []
    for item in error.errors(include_url=False):
        path = ".".join(str(p) for p in item.get("loc", ())) or "query"
        got = item.get("input")
        shown = "" if isinstance(got, dict) else f" (you entered {got!r})"
        problems.append({"path": path, "rule": str(item.get("msg", "")),
                         "message": f"{path}: {item.get('msg', '')}{shown}"})
    return problems


@router.post("/consortium/queries")
async def ask_query(request: Request, store: StoreDep, principal: PrincipalDep) -> Response:
    form = await request.form()
    typed = {"statistic": str(form.get("statistic", "")), "field": str(form.get("field", "")),
             "group_by": [str(v) for v in form.getlist("group_by")],
             "epsilon": str(form.get("epsilon", "")).strip(),
             "bound_low": str(form.get("bound_low", "")).strip(),
             "bound_high": str(form.get("bound_high", "")).strip()}
    raw = {"statistic": typed["statistic"], "field": typed["field"],
           "group_by": typed["group_by"], "epsilon": typed["epsilon"],
           "bounds": [typed["bound_low"], typed["bound_high"]]}
    try:
        try:
            asked = pool.PrivateQuery.model_validate(numbers_from_text(pool.PrivateQuery, raw))
        except ValidationError as error:
            raise WebError(422, "the query is not valid", _validation_problems(error)) from None
        answer = await run_in_threadpool(pool.ask_private_query, store, principal, asked)
    except WebError as error:
        return await _render(request, store, principal, query=typed, status_code=error.status,
                             banner=_banner("The query was not answered", error, "query-form"))
    release = answer["release"]
    return RedirectResponse(f"/consortium?answer={release['name']}@{release['version']}"
                            "#releases", status_code=303)
