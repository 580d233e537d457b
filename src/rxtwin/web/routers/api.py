"""REST API under ``/api`` (OpenAPI schema at ``/openapi.json``, docs at ``/docs``).

Every error is JSON ``{"error": {"status", "message", "problems"}}`` with a 4xx status for
anything the client can fix (unknown id 404, bad input 422, body too large or past a
reading limit 413, queue full 429, wrong state 409).

The JSON bodies of ``POST /api/scenarios`` and ``POST /api/runs`` are read by the reader of
the CLI (:func:`rxtwin.web.service.read_upload`: duplicate keys, huge integers, deep nesting
refused) in a worker thread under the app's time bound, not by the framework.
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal, TypeVar

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rxtwin import __version__
from rxtwin.data.scenarios import bundled_scenario_names
from rxtwin.model.scenario import Scenario
from rxtwin.runs.kinds import RUN_KINDS
from rxtwin.runs.report import run_report_html
from rxtwin.store import RUN_STATUSES, Store
from rxtwin.web import service
from rxtwin.web.auth import PrincipalDep
from rxtwin.web.dependencies import QueueDep, Settings, SettingsDep, StoreDep
from rxtwin.web.jobs import JobQueue


class ErrorBody(BaseModel):
    status: int
    message: str
    problems: list[dict[str, str]]


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_MEANINGS = {
    401: "No valid credentials: send 'Authorization: Bearer <token>' (rxtwin users token).",
    403: "The token's scopes or the user's role do not allow this.",
    404: "No such run, scenario, table or figure.",
    409: "The run is in the wrong state for this (e.g. not done).",
    413: "The request body is larger than the limit, or breaks a reading limit.",
    422: "The request is not valid; each problem with its field path.",
    429: "The run queue is full; try again later.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that answers these error statuses: each a JSON
    :class:`ErrorResponse` (also on routes whose success is not JSON, such as the report)."""
    return {code: {"description": ERROR_MEANINGS[code], "model": ErrorResponse}
            for code in codes}


router = APIRouter(prefix="/api", tags=["api"], responses=errors(401, 403))


class RunOut(BaseModel):
    """A run: its state, progress (``progress`` in [0, 1]) and what it was asked."""

    id: str
    kind: str
    status: Literal[RUN_STATUSES]  # type: ignore[valid-type]
    queued: bool
    scenario_hash: str | None
    scenario_name: str | None = Field(description="Name of the run's scenario, if stored.")
    key_parameters: str = Field(description="The run's informative parameters in one line.")
    parameters: dict[str, Any]
    seed_entropy: str | None
    chunks_done: int
    chunks_total: int | None
    progress: float = Field(ge=0, le=1)
    error: str | None
    package_version: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    wall_s: float | None
    resumable: bool


class ScenarioUpload(BaseModel):
    """A scenario document (the same fields as a scenario YAML file)."""

    model_config = ConfigDict(extra="forbid")
    document: dict[str, Any]


class ScenarioOut(BaseModel):
    hash: str
    name: str
    version: int | None = None
    created_at: str | None = None


class RunRequest(BaseModel):
    """Launch a run of ``kind`` on a stored scenario (see ``GET /api/kinds``)."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=100)
    scenario_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    params: dict[str, Any] = Field(default_factory=dict)


BODY = "<request body>"
M = TypeVar("M", bound=BaseModel)


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads its JSON body itself."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


def _read_body(raw: bytes, model: type[M]) -> M:
    """A JSON request body as ``model``: read with the reader of the CLI, then validated
    (422 with each problem's path, as the framework answers)."""
    body = service.read_upload(raw, BODY, "json")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise RequestValidationError([{**item, "loc": ("body", *item["loc"])}
                                      for item in error.errors(include_url=False)]) from None


def _scenario_from_body(raw: bytes, store: Store) -> Scenario:
    upload = _read_body(raw, ScenarioUpload)
    return service.check_scenario_document(upload.document, "<upload>", store)


def _check_id(run_id: str) -> str:
    if len(run_id) != 32 or any(c not in "0123456789abcdef" for c in run_id):
        raise service.WebError(404, f"no run with id {run_id!r}")
    return run_id


def _check_name(name: str, what: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}", name):
        raise service.WebError(404, f"no {what} named {name!r}")
    return name


@router.get("/health")
async def health(store: StoreDep, jobs: QueueDep, settings: SettingsDep) -> dict[str, Any]:
    """Liveness: version, store back end, queue use."""
    return {"status": "ok", "version": __version__, "store": store.backend,
            "queue": {"waiting": jobs.waiting, "size": settings.queue_size,
                      "workers": settings.workers}}


@router.get("/kinds")
def kinds() -> list[dict[str, Any]]:
    """Run kinds that can be launched, with the JSON schema of their parameters."""
    return [{"kind": k.name, "title": k.title, "description": k.description,
             "params_schema": k.params_model.model_json_schema()} for k in RUN_KINDS.values()]


@router.get("/scenarios")
def list_scenarios(store: StoreDep, principal: PrincipalDep) -> list[ScenarioOut]:
    """The organisation's stored scenarios (every version)."""
    return [ScenarioOut(hash=s.hash, name=s.name, version=s.version,
                        created_at=s.created_at.isoformat())
            for s in store.list_scenarios(organisation_id=principal.organisation_id)]


@router.get("/scenarios/bundled")
def list_bundled() -> list[str]:
    """Names of the scenarios shipped with rxtwin."""
    return bundled_scenario_names()


@router.post("/scenarios/bundled/{name}", status_code=201, responses=errors(404, 413))
def add_bundled(name: str, store: StoreDep, principal: PrincipalDep) -> ScenarioOut:
    """Store a bundled scenario (idempotent: same content, same hash)."""
    scenario_hash = service.add_bundled_scenario(store, name, principal.organisation_id)
    return ScenarioOut(hash=scenario_hash, name=service.load_scenario(store, scenario_hash).name)


@router.post("/scenarios", status_code=201, responses=errors(413, 422),
             openapi_extra=_json_body(ScenarioUpload))
async def add_scenario(request: Request, store: StoreDep, settings: SettingsDep,
                       principal: PrincipalDep) -> ScenarioOut:
    """Validate and store a scenario document (body ``{"document": {...}}``); 422 lists
    every problem, 413 names a broken reading limit."""
    raw = await request.body()
    scenario = await service.off_loop(settings.document_timeout_s, BODY,
                                      _scenario_from_body, raw, store)
    scenario_hash = await run_in_threadpool(service.store_scenario, store, scenario,
                                            principal.organisation_id)
    return ScenarioOut(hash=scenario_hash, name=scenario.name)


@router.get("/scenarios/{scenario_hash}", responses=errors(404))
def get_scenario(scenario_hash: str, store: StoreDep) -> dict[str, Any]:
    """A stored scenario's document."""
    return service.load_scenario(store, scenario_hash).document()


@router.get("/scenarios/{scenario_hash}/yaml", response_class=Response, responses={
    200: {"description": "The scenario as a YAML file (download).",
          "content": {"application/yaml": {"schema": {"type": "string"}}}}, **errors(404)})
def get_scenario_yaml(scenario_hash: str, store: StoreDep) -> Response:
    """A stored scenario as a YAML file, to edit and upload again (``rxtwin validate``
    reads it back equal); values the user changed carry their provenance in ``sources``."""
    text = service.scenario_yaml(store, scenario_hash)
    name = service.load_scenario(store, scenario_hash).name
    return Response(text, media_type="application/yaml",
                    headers=_attachment(f"{name}-{scenario_hash[:12]}.yaml"))


@router.post("/runs", status_code=202, response_model=RunOut,
             responses=errors(404, 413, 422, 429), openapi_extra=_json_body(RunRequest))
async def launch(request: Request, store: StoreDep, jobs: QueueDep,
                 settings: SettingsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Queue a run (body: a ``RunRequest``); 429 when the queue is full (the run is then not
    created)."""
    raw = await request.body()
    body = await service.off_loop(settings.document_timeout_s, BODY, _read_body, raw,
                                  RunRequest)

    def launch_and_view() -> dict[str, Any]:
        run_id = service.launch_run(store, jobs, body.kind, body.scenario_hash, body.params,
                                    principal.organisation_id)
        return _view(store, jobs, settings, run_id)

    return await run_in_threadpool(launch_and_view)


@router.get("/runs", response_model=list[RunOut], responses=errors(422))
def list_runs(
    store: StoreDep, jobs: QueueDep, settings: SettingsDep, principal: PrincipalDep,
    kind: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[Literal[RUN_STATUSES] | None, Query()] = None,  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """The organisation's runs, newest first, with their scenario's name and key
    parameters."""
    runs = store.list_runs(kind=kind, status=status, limit=limit,
                           organisation_id=principal.organisation_id)
    return service.run_views(store, jobs, runs, settings.stale_after_s)


@router.get("/runs/{run_id}", response_model=RunOut, responses=errors(404))
def get_run(run_id: str, store: StoreDep, jobs: QueueDep, settings: SettingsDep
            ) -> dict[str, Any]:
    """A run's status and progress (``progress`` in [0, 1]); a run that no server is
    executing any more shows as ``interrupted``."""
    return _view(store, jobs, settings, _check_id(run_id))


@router.post("/runs/{run_id}/resume", status_code=202, response_model=RunOut,
             responses=errors(404, 409, 413, 429))
def resume(run_id: str, store: StoreDep, jobs: QueueDep, settings: SettingsDep
           ) -> dict[str, Any]:
    """Queue an interrupted or failed run again, or a queued run left out of the queue
    (409 otherwise)."""
    _view(store, jobs, settings, _check_id(run_id))  # a lost run becomes resumable
    service.resume_run(store, jobs, run_id)
    return _view(store, jobs, settings, run_id)


@router.delete("/runs/{run_id}", status_code=204, response_class=Response,
               responses=errors(404, 409))
def delete_run(run_id: str, store: StoreDep) -> Response:
    """Delete a run that is not running, with its results (needs the ``admin`` scope)."""
    service.delete_run(store, _check_id(run_id))
    return Response(status_code=204)


def _view(store: Store, jobs: JobQueue, settings: Settings, run_id: str) -> dict[str, Any]:
    [view] = service.run_views(store, jobs, [service.get_run(store, run_id)],
                               settings.stale_after_s)
    return view


@router.get("/runs/{run_id}/summaries", responses=errors(404))
def list_summaries(run_id: str, store: StoreDep) -> list[str]:
    """Names of a run's result tables."""
    service.get_run(store, _check_id(run_id))
    return store.list_summaries(run_id)


@router.get("/runs/{run_id}/summaries/{name}", responses=errors(404, 422))
async def get_summary(run_id: str, name: str, request: Request, store: StoreDep,
                      format: Literal["json", "csv", "parquet"] = "json") -> Response:
    """A result table as JSON records, CSV or Parquet."""
    run = service.get_run(store, _check_id(run_id))
    _check_name(name, "summary")
    key = (run_id, name, format)
    tables: service.TableCache = request.app.state.tables
    content = tables.get(key)
    if content is None:
        frame = await run_in_threadpool(store.get_summary, run_id, name)
        content = _table_bytes(frame, format)
        if run.status == "done":
            tables.put(key, content)
    return _table_response(content, f"{run_id}-{name}", format)


@router.get("/runs/{run_id}/arrays", responses=errors(404))
def list_arrays(run_id: str, store: StoreDep) -> list[str]:
    """Names of a run's large tables (Parquet artifacts)."""
    service.get_run(store, _check_id(run_id))
    return store.list_arrays(run_id)


@router.get("/runs/{run_id}/arrays/{name}", responses=errors(404, 422))
def get_array(run_id: str, name: str, store: StoreDep,
              format: Literal["parquet", "csv"] = "parquet") -> Response:
    """A large table as its Parquet file or as CSV."""
    service.get_run(store, _check_id(run_id))
    if format == "parquet":
        path = store.array_path(run_id, _check_name(name, "array"))
        return Response(path.read_bytes(), media_type="application/vnd.apache.parquet",
                        headers=_attachment(f"{run_id}-{name}.parquet"))
    frame = store.get_array(run_id, _check_name(name, "array"))
    return _table_response(_table_bytes(frame, "csv"), f"{run_id}-{name}", "csv")


@router.get("/runs/{run_id}/figures", responses=errors(404))
def list_figures(run_id: str, request: Request, store: StoreDep) -> list[str]:
    """Names of a finished run's figures."""
    run = service.get_run(store, _check_id(run_id))
    return list(request.app.state.figures.get(store, run))


@router.get("/runs/{run_id}/figures/{name}", responses=errors(404))
async def get_figure(run_id: str, name: str, request: Request, store: StoreDep) -> Response:
    """A figure as Plotly JSON (``data`` and ``layout``)."""
    run = service.get_run(store, _check_id(run_id))
    cache: service.FigureCache = request.app.state.figures
    if cache.peek(run_id) is None:  # drawing takes a while: not on the event loop
        await run_in_threadpool(cache.get, store, run)
    text = service.figure_json(cache, store, run, name)
    return Response(text, media_type="application/json")


@router.get("/runs/{run_id}/report", response_class=Response, responses={
    200: {"description": "The report, an HTML file.",
          "content": {"text/html": {"schema": {"type": "string"}}}}, **errors(404, 409)})
def report(run_id: str, store: StoreDep) -> Response:
    """The run's self-contained HTML report (download)."""
    run = service.get_run(store, _check_id(run_id))
    if run.status != "done":
        raise service.WebError(409, f"run {run_id} is {run.status}; the report needs a done run")
    if run.scenario_hash is None:
        raise service.WebError(409, f"run {run_id} has no scenario (a network from CSV files); "
                                    "the report needs one")
    return HTMLResponse(run_report_html(store, run_id),
                        headers=_attachment(f"rxtwin-report-{run_id}.html"))


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def _table_bytes(frame: pd.DataFrame, format: str) -> bytes:
    if format == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if format == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        return buffer.getvalue()
    return frame.to_json(orient="records").encode("utf-8")


def _table_response(content: bytes, stem: str, format: str) -> Response:
    if format == "csv":
        return Response(content, media_type="text/csv", headers=_attachment(f"{stem}.csv"))
    if format == "parquet":
        return Response(content, media_type="application/vnd.apache.parquet",
                        headers=_attachment(f"{stem}.parquet"))
    return Response(content, media_type="application/json")
