"""Server-rendered pages: home, scenario (edit + launch), runs list, run (progress, figures,
downloads). Forms post back here; invalid input re-renders the form with its messages."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import plotly
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from rxtwin.data.documents import numbers_from_text
from rxtwin.data.scenarios import bundled_scenario_names
from rxtwin.report.html import scenario_overview
from rxtwin.runs.kinds import RUN_KINDS
from rxtwin.web import service
from rxtwin.web.dependencies import QueueDep, Settings, StoreDep

router = APIRouter(include_in_schema=False)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _render(request: Request, template: str, context: dict[str, Any],
            status_code: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, context,
                                                        status_code=status_code)


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list


def _without_none(annotation: Any) -> Any:
    """``X`` for an optional ``X | None`` (``None``: the default applies), else as given;
    ``Annotated`` metadata (a strict number) dropped."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _without_none(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _form_fields(model: type[BaseModel], values: dict[str, Any]) -> list[dict[str, Any]]:
    """Form inputs of a run kind's parameters. A list is one text input, comma-separated;
    a field whose default is made per run (a fresh seed) or is None (worked out from the
    scenario) starts empty."""
    fields = []
    for name, info in model.model_fields.items():
        annotation = _without_none(info.annotation)
        kind = ("checkbox" if annotation is bool else
                "number" if annotation in (int, float) else "text")
        if name in values:
            value = values[name]
        elif info.default is not PydanticUndefined:
            value = info.default
        elif _is_list(annotation) and info.default_factory is not None:
            value = info.default_factory()
        else:
            value = ""
        if value is None:
            value = ""
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        fields.append({"name": name, "label": info.description or name, "type": kind,
                       "step": "1" if annotation is int else "any", "value": value})
    return fields


def _raw_params(model: type[BaseModel], form: dict[str, Any]) -> dict[str, Any]:
    """The form's values for ``model``: checkboxes as booleans, lists split on commas,
    empty inputs left out (their defaults apply). Numbers stay text here (the form shows
    them back as typed); :func:`numbers_from_text` turns them into numbers for validation."""
    raw: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        text = str(form.get(name, "")).strip()
        if info.annotation is bool:
            raw[name] = name in form
        elif _is_list(info.annotation):
            items = [item.strip() for item in text.split(",") if item.strip()]
            if items:
                raw[name] = items
        elif text:
            raw[name] = text
    return raw


@router.get("/static/plotly.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/")
async def home(request: Request, store: StoreDep, jobs: QueueDep) -> Response:
    return _render(request, "home.html", {
        "bundled": bundled_scenario_names(),
        "scenarios": list(reversed(store.list_scenarios()))[:30],
        "runs": service.run_views(store, jobs, store.list_runs(limit=10),
                                  request.app.state.settings.stale_after_s),
    })


@router.post("/scenarios/bundled")
async def pick_bundled(request: Request, store: StoreDep) -> Response:
    form = await request.form()
    scenario_hash = service.add_bundled_scenario(store, str(form.get("name", "")))
    return RedirectResponse(f"/scenarios/{scenario_hash}", status_code=303)


@router.post("/scenarios/upload")
async def upload(request: Request, store: StoreDep) -> Response:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise service.WebError(422, "choose a scenario file (YAML or JSON) to upload")
    raw = await upload.read()
    file = _short_name(upload.filename)
    settings: Settings = request.app.state.settings
    scenario = await service.off_loop(settings.document_timeout_s, file,
                                      service.scenario_from_upload, raw, file)
    scenario_hash = await run_in_threadpool(service.store_scenario, store, scenario)
    return RedirectResponse(f"/scenarios/{scenario_hash}", status_code=303)


def _short_name(filename: str, limit: int = 100) -> str:
    """An uploaded file's name for messages, cut to ``limit`` characters."""
    return filename if len(filename) <= limit else filename[: limit - 3] + "..."


def _scenario_page(request: Request, store: Any, scenario_hash: str, *,
                   edit_values: dict[str, Any] | None = None,
                   edit_problems: list[dict[str, str]] | None = None,
                   run_kind: str | None = None, run_values: dict[str, Any] | None = None,
                   run_problems: list[dict[str, str]] | None = None,
                   status_code: int = 200) -> Response:
    scenario = service.load_scenario(store, scenario_hash)
    edit = [{"path": path, "label": label, "step": "1" if kind is int else "any",
             "value": (edit_values or {}).get(path, service.scenario_value(scenario, path))}
            for path, label, kind in service.EDITABLE_FIELDS]
    kinds = [{"name": k.name, "title": k.title, "description": k.description,
              "fields": _form_fields(k.params_model,
                                     run_values if k.name == run_kind and run_values else {}),
              "problems": run_problems if k.name == run_kind else []}
             for k in RUN_KINDS.values()]
    return _render(request, "scenario.html", {
        "hash": scenario_hash, "scenario": scenario, "overview": scenario_overview(scenario),
        "sources": sorted(scenario.sources.items()), "edit": edit,
        "edit_problems": edit_problems or [], "kinds": kinds,
    }, status_code=status_code)


@router.get("/scenarios/{scenario_hash}")
def scenario_page(request: Request, scenario_hash: str, store: StoreDep) -> Response:
    return _scenario_page(request, store, scenario_hash)


@router.post("/scenarios/{scenario_hash}/edit")
async def edit(request: Request, scenario_hash: str, store: StoreDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        new_hash = service.edit_scenario(store, scenario_hash, form)
    except service.WebError as error:
        if error.status != 422:
            raise
        return _scenario_page(request, store, scenario_hash, edit_values=form,
                              edit_problems=error.problems or [{"message": error.message}],
                              status_code=422)
    return RedirectResponse(f"/scenarios/{new_hash}", status_code=303)


@router.post("/scenarios/{scenario_hash}/runs")
async def launch(request: Request, scenario_hash: str, store: StoreDep,
                 jobs: QueueDep) -> Response:
    form = dict((await request.form()).items())
    kind = str(form.get("kind", ""))
    if kind not in RUN_KINDS:
        raise service.WebError(422, f"unknown run kind {kind!r}")
    model = RUN_KINDS[kind].params_model
    raw = _raw_params(model, form)
    try:
        run_id = service.launch_run(store, jobs, kind, scenario_hash,
                                    numbers_from_text(model, raw))
    except service.WebError as error:
        if error.status != 422:
            raise
        return _scenario_page(request, store, scenario_hash, run_kind=kind,
                              run_values={k: form.get(k) for k in raw} | raw,
                              run_problems=error.problems or [{"message": error.message}],
                              status_code=422)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs")
async def runs_page(request: Request, store: StoreDep, jobs: QueueDep) -> Response:
    return _render(request, "runs.html", {
        "runs": service.run_views(store, jobs, store.list_runs(limit=200),
                                  request.app.state.settings.stale_after_s)})


@router.get("/runs/{run_id}")
async def run_page(request: Request, run_id: str, store: StoreDep, jobs: QueueDep) -> Response:
    [view] = service.run_views(store, jobs, [service.get_run(store, run_id)],
                               request.app.state.settings.stale_after_s)
    run = store.get_run(run_id)
    cache: service.FigureCache = request.app.state.figures
    figures = cache.peek(run_id) if run.status == "done" else {}
    if figures is None:  # drawing takes a while: not on the event loop
        figures = await run_in_threadpool(cache.get, store, run)
    kind = RUN_KINDS.get(run.kind)
    return _render(request, "run.html", {
        "run": view, "kind_title": kind.title if kind else run.kind,
        "figures": {name: text.replace("</", "<\\/") for name, text in figures.items()},
        "summaries": store.list_summaries(run_id),
        "arrays": store.list_arrays(run_id),
    })


@router.post("/runs/{run_id}/resume")
def resume(request: Request, run_id: str, store: StoreDep, jobs: QueueDep) -> Response:
    service.run_views(store, jobs, [service.get_run(store, run_id)],
                      request.app.state.settings.stale_after_s)  # a lost run is resumable
    service.resume_run(store, jobs, run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)
