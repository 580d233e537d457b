"""Server-rendered pages: home, scenario (edit + launch), runs list, run (progress, figures,
downloads). Forms post back here; invalid input re-renders the form with its messages."""

from __future__ import annotations

import enum
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
from rxtwin.report.headline import human_number
from rxtwin.report.html import scenario_overview
from rxtwin.runs.consortium import priors_of_run
from rxtwin.runs.forms import ID_FIELDS, id_choices, rough_run_time_s
from rxtwin.runs.kinds import RUN_KINDS, run_headline
from rxtwin.web import service
from rxtwin.web.auth import PrincipalDep
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


PLAIN_LABELS: dict[str, str] = {
    "seed": "random seed (same seed, same numbers; empty = a new one, stored with the run)",
    "chunk_size": "work per saved step (a stopped run resumes from its last saved step)",
    "n_years": "simulated years of the supply network per option",
    "line_replications": "simulated years of the line per option",
    "n_replications": "simulated years of the line (replications)",
    "n_draws": "random draws for the intervals of the social NPV",
    "technologies": "technologies",
    "technology_id": "technology on the line",
    "baseline": "today's technology, compared against (empty = the line's own)",
    "reference": "reference technology the others are compared with",
    "line_id": "line",
    "interventions": "measures, each applied alone to today's line",
    "intervention_ids": "measures applied",
    "measures": "measures to study",
    "product_ids": "products in the table",
    "site_ids": "sites in the table",
    "points": "grid points of an axis left empty",
    "twin_losses": "continuous losses from the digital twin",
}
"""Labels in words for parameters whose description speaks the code's language."""

ADVANCED = ("seed", "chunk_size", "n_draws")
"""Parameters shown under "Advanced": they change the precision or repeatability of a run,
not the question it answers."""

EVERY = {"technologies": "none ticked = every technology but today's",
         "interventions": "none ticked = every measure of the scenario",
         "measures": "none ticked = every measure of the scenario",
         "intervention_ids": "none ticked = no measure",
         "product_ids": "none ticked = every product",
         "site_ids": "none ticked = every site"}


def _label(name: str, info: Any) -> str:
    if name in PLAIN_LABELS:
        return PLAIN_LABELS[name]
    text = (info.description or name.replace("_", " ")).replace(" [-]", "")
    return text


def _rule_and_value(problem: dict[str, str]) -> str:
    """A problem's rule and the value it was about, in words: ``must be ... (you entered
    -1)``."""
    rule, message = str(problem.get("rule") or ""), str(problem.get("message", ""))
    if not rule:
        return message
    got = message.rfind(" (got ")
    return f"{rule} (you entered {message[got + 6:-1]})" if got >= 0 and message.endswith(
        ")") and "you entered" not in rule else rule


def _field_problems(problems: list[dict[str, str]], whole_path: bool = False
                    ) -> dict[str, list[str]]:
    """Problems by the form field they are about (the first part of their path, or the
    whole dotted path for the scenario's edit form)."""
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        path = str(problem.get("path", ""))
        name = path if whole_path else path.split(".")[0].split("[")[0]
        by_field.setdefault(name, []).append(_rule_and_value(problem))
    return by_field


def _form_fields(model: type[BaseModel], values: dict[str, Any], scenario: Any = None,
                 problems: list[dict[str, str]] | None = None) -> list[dict[str, Any]]:
    """Form inputs of a run kind's parameters. A parameter that names scenario ids
    (:data:`rxtwin.runs.forms.ID_FIELDS`) is a picker of what the scenario has: a select, or
    checkboxes for several; another list is one text input, comma-separated; a field whose
    default is made per run (a fresh seed) or is None (worked out from the scenario) starts
    empty. Each field carries its problems of the last launch, if any."""
    by_field = _field_problems(problems or [])
    fields = []
    for name, info in model.model_fields.items():
        annotation = _without_none(info.annotation)
        kind = ("checkbox" if annotation is bool else
                "number" if annotation in (int, float) else "text")
        choices: list[tuple[str, str]] = []
        if typing.get_origin(annotation) is typing.Literal:
            kind = "select"
            choices = [(str(a), str(a).replace("_", " ")) for a in typing.get_args(annotation)]
        elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            kind = "select"
            choices = [(str(m.value), str(m.value).replace("_", " ")) for m in annotation]
        id_field = ID_FIELDS.get(name)
        if id_field is not None and scenario is not None:
            kind = "checkboxes" if id_field.multiple else "select"
            choices = id_choices(scenario, id_field.collection)
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
        if isinstance(value, enum.Enum):
            value = value.value
        selected = ([str(v) for v in value] if isinstance(value, list)
                    else [str(value)] if value != "" else [])
        if choices:  # a pick the scenario lacks stays on the form, marked, to untick
            known = {c[0] for c in choices}
            choices = choices + [(v, "not in this scenario") for v in selected
                                 if v not in known]
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        optional = kind == "select" and info.default is None
        fields.append({
            "name": name, "label": _label(name, info), "type": kind,
            "step": "1" if annotation is int else "any", "value": value,
            "choices": choices, "selected": selected,
            "empty_choice": "(worked out from the scenario)" if optional else None,
            "hint": EVERY.get(name) if kind == "checkboxes" else None,
            "advanced": name in ADVANCED, "problems": by_field.get(name, []),
        })
    return fields


def _raw_params(model: type[BaseModel], form: Any) -> dict[str, Any]:
    """The form's values for ``model``: checkboxes as booleans, a picker of several ids as
    the ids ticked, other lists split on commas, empty inputs left out (their defaults
    apply). Numbers stay text here (the form shows them back as typed);
    :func:`numbers_from_text` turns them into numbers for validation."""
    raw: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        texts = [str(v).strip() for v in form.getlist(name)] if hasattr(form, "getlist") \
            else [str(form.get(name, "")).strip()]
        text = texts[0] if texts else ""
        if info.annotation is bool:
            raw[name] = name in form
        elif _is_list(_without_none(info.annotation)):
            items = [item.strip() for t in texts for item in t.split(",") if item.strip()]
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
async def home(request: Request, store: StoreDep, jobs: QueueDep,
               principal: PrincipalDep) -> Response:
    org = principal.organisation_id
    return _render(request, "home.html", {
        "bundled": bundled_scenario_names(),
        "scenarios": list(reversed(store.list_scenarios(organisation_id=org)))[:30],
        "runs": service.run_views(store, jobs, store.list_runs(limit=10, organisation_id=org),
                                  request.app.state.settings.stale_after_s),
    })


@router.post("/scenarios/bundled")
async def pick_bundled(request: Request, store: StoreDep, principal: PrincipalDep) -> Response:
    form = await request.form()
    scenario_hash = service.add_bundled_scenario(store, str(form.get("name", "")),
                                                 principal.organisation_id)
    return RedirectResponse(f"/scenarios/{scenario_hash}", status_code=303)


@router.post("/scenarios/upload")
async def upload(request: Request, store: StoreDep, principal: PrincipalDep) -> Response:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise service.WebError(422, "choose a scenario file (YAML or JSON) to upload")
    raw = await upload.read()
    file = _short_name(upload.filename)
    settings: Settings = request.app.state.settings
    scenario = await service.off_loop(settings.document_timeout_s, file,
                                      service.scenario_from_upload, raw, file, None,
                                      store)
    scenario_hash = await run_in_threadpool(service.store_scenario, store, scenario,
                                            principal.organisation_id)
    return RedirectResponse(f"/scenarios/{scenario_hash}", status_code=303)


def _short_name(filename: str, limit: int = 100) -> str:
    """An uploaded file's name for messages, cut to ``limit`` characters."""
    return filename if len(filename) <= limit else filename[: limit - 3] + "..."


def _rough_time(kind: str, scenario: Any, values: dict[str, Any]) -> str | None:
    seconds = rough_run_time_s(kind, scenario, values)
    if seconds is None:
        return None
    if seconds < 5:
        return "a few seconds"
    if seconds < 90:
        return f"about {human_number(seconds, 1)} s"
    return f"about {human_number(seconds / 60, 2)} min"


def _scenario_page(request: Request, store: Any, scenario_hash: str, organisation_id: str, *,
                   edit_values: dict[str, Any] | None = None,
                   edit_problems: list[dict[str, str]] | None = None,
                   run_kind: str | None = None, run_values: dict[str, Any] | None = None,
                   run_problems: list[dict[str, str]] | None = None,
                   status_code: int = 200) -> Response:
    scenario = service.load_scenario(store, scenario_hash)
    labels = {f.path for f in service.EDITABLE_FIELDS}
    edit_problems = [{**p, "message": p.get("rule") or p["message"]}
                     if p.get("path") in labels else p for p in edit_problems or []]
    edit_by_field = _field_problems(edit_problems, whole_path=True)
    edit = [{"path": f.path, "label": f.label, "step": "1" if f.kind is int else "any",
             "percent": f.percent, "problems": edit_by_field.get(f.path, []),
             "value": (edit_values or {}).get(f.path, service.form_value(scenario, f))}
            for f in service.EDITABLE_FIELDS]
    if run_problems and run_kind in RUN_KINDS:
        fields = RUN_KINDS[run_kind].params_model.model_fields
        run_problems = [
            {**p, "message": f"{_label(name, fields[name])}: {_rule_and_value(p)}"}
            if (name := str(p.get("path", "")).split(".")[0].split("[")[0]) in fields else p
            for p in run_problems]
    kinds = []
    for k in RUN_KINDS.values():
        mine = k.name == run_kind
        values = run_values if mine and run_values else {}
        kinds.append({
            "name": k.name, "title": k.title, "description": k.description,
            "fields": _form_fields(k.params_model, values, scenario,
                                   run_problems if mine else None),
            "problems": run_problems if mine else [],
            "estimate": _rough_time(k.name, scenario, values)})
    banner = None
    if run_problems:
        banner = {"title": f"The run was not launched: {RUN_KINDS[run_kind].title}"
                  if run_kind in RUN_KINDS else "The run was not launched",
                  "anchor": f"launch-{(run_kind or '').replace('.', '-')}",
                  "problems": run_problems}
    elif edit_problems:
        banner = {"title": "The scenario was not saved", "anchor": "edit-form",
                  "problems": edit_problems}
    original = service.original_hash(store, scenario, organisation_id)
    return _render(request, "scenario.html", {
        "hash": scenario_hash, "scenario": scenario, "overview": scenario_overview(scenario),
        "sources": sorted(scenario.sources.items()), "edit": edit,
        "edit_problems": edit_problems or [], "kinds": kinds, "banner": banner,
        "changes": service.user_changes(scenario), "original_hash": original,
        "changed_prefix": service.CHANGED_BY_USER,
    }, status_code=status_code)


@router.get("/scenarios/{scenario_hash}")
def scenario_page(request: Request, scenario_hash: str, store: StoreDep,
                  principal: PrincipalDep) -> Response:
    return _scenario_page(request, store, scenario_hash, principal.organisation_id)


@router.post("/scenarios/{scenario_hash}/edit")
async def edit(request: Request, scenario_hash: str, store: StoreDep,
               principal: PrincipalDep) -> Response:
    org = principal.organisation_id
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    try:
        new_hash = service.edit_scenario(store, scenario_hash, form, org)
    except service.WebError as error:
        if error.status != 422:
            raise
        return _scenario_page(request, store, scenario_hash, org, edit_values=form,
                              edit_problems=error.problems or [{"message": error.message}],
                              status_code=422)
    return RedirectResponse(f"/scenarios/{new_hash}", status_code=303)


@router.post("/scenarios/{scenario_hash}/runs")
async def launch(request: Request, scenario_hash: str, store: StoreDep,
                 jobs: QueueDep, principal: PrincipalDep) -> Response:
    form = await request.form()
    kind = str(form.get("kind", ""))
    if kind not in RUN_KINDS:
        raise service.WebError(422, f"unknown run kind {kind!r}")
    model = RUN_KINDS[kind].params_model
    raw = _raw_params(model, form)
    try:
        run_id = service.launch_run(store, jobs, kind, scenario_hash,
                                    numbers_from_text(model, raw), principal.organisation_id)
    except service.WebError as error:
        if error.status != 422:
            raise
        return _scenario_page(request, store, scenario_hash, principal.organisation_id,
                              run_kind=kind,
                              run_values=raw,
                              run_problems=error.problems or [{"message": error.message}],
                              status_code=422)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs")
async def runs_page(request: Request, store: StoreDep, jobs: QueueDep,
                    principal: PrincipalDep) -> Response:
    runs = store.list_runs(limit=200, organisation_id=principal.organisation_id)
    return _render(request, "runs.html", {
        "runs": service.run_views(store, jobs, runs,
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
    headline = (await run_in_threadpool(run_headline, store, run_id)
                if run.status == "done" else None)
    return _render(request, "run.html", {
        "run": view, "kind_title": kind.title if kind else run.kind, "headline": headline,
        "figures": {name: text.replace("</", "<\\/") for name, text in figures.items()},
        "summaries": store.list_summaries(run_id),
        "arrays": store.list_arrays(run_id),
        "priors": await run_in_threadpool(priors_of_run, store, run_id),
    })


@router.post("/runs/{run_id}/resume")
def resume(request: Request, run_id: str, store: StoreDep, jobs: QueueDep) -> Response:
    service.run_views(store, jobs, [service.get_run(store, run_id)],
                      request.app.state.settings.stale_after_s)  # a lost run is resumable
    service.resume_run(store, jobs, run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)
