"""What the pages and the API both do: add and edit scenarios, launch and describe runs,
draw a run's figures (cached), all through the store. Raises :class:`WebError` (status +
message + problems) for anything the user can fix.

Uploaded documents (a scenario file, an API body) are read by the reader of the CLI
(:func:`rxtwin.data.documents.document_from_bytes`, within
:data:`rxtwin.data.documents.LIMITS`) and checked in a worker thread under a time bound
(:func:`off_loop`), so the event loop keeps answering other requests meanwhile; a broken
limit answers 413, any other problem 422, with the messages the CLI prints.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import numpy as np
import plotly.io as pio

from rxtwin.data.documents import document_from_bytes
from rxtwin.data.prior_references import find_references
from rxtwin.data.scenarios import (
    bundled_scenario_dir,
    bundled_scenario_names,
    deep_merge,
    read_scenario_document,
    scenario_from_document,
    scenario_to_yaml,
)
from rxtwin.errors import InputError, LimitExceededError, Problem
from rxtwin.model.scenario import Scenario
from rxtwin.runs.accounts import LOCAL_ORGANISATION
from rxtwin.runs.consortium import resolve_consortium_priors
from rxtwin.runs.kinds import RUN_KINDS, parse_params, run_figures
from rxtwin.runs.listing import parameter_summary
from rxtwin.store import RunRecord, Store, StoreError, UnknownRunError, UnknownScenarioError
from rxtwin.web.jobs import JobQueue, QueueFull


@dataclass(frozen=True)
class EditField:
    """A scenario field the edit form offers: its dotted path, the label in words with its
    unit, its type, and whether the form shows and takes it in % (the scenario keeps a
    fraction: 12 % is 0.12)."""

    path: str
    label: str
    kind: type
    percent: bool = False

    @property
    def words(self) -> str:
        """The label without its unit (``hurdle rate``)."""
        return self.label.split(" [")[0]


EDITABLE_FIELDS: tuple[EditField, ...] = (
    EditField("horizon_yr", "appraisal horizon [years]", int),
    EditField("firm.hurdle_rate", "hurdle rate [% per year, real]", float, percent=True),
    EditField("firm.payback_limit_yr", "payback limit [years]", float),
    EditField("firm.tax_rate", "tax rate [% of taxable profit]", float, percent=True),
    EditField("firm.labour_usd_per_fte_yr", "labour cost [USD per full-time employee per "
              "year]", float),
    EditField("firm.energy_usd_per_kwh", "energy price [USD/kWh]", float),
)

CHANGED_BY_USER = "assumption: changed by the user"
"""How the provenance of a value edited in the app starts (``scenario.sources``): the rest
says what it was and what its provenance was before, ``(was 0.15; before: assumption: ...)``."""
NO_SOURCE = "no source recorded"


@dataclass
class WebError(Exception):
    """A request the user can fix (or an id that does not exist)."""

    status: int
    message: str
    problems: list[dict[str, str]] = dataclass_field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def _problem_dicts(error: InputError) -> list[dict[str, str]]:
    return [{"path": p.path, "rule": p.rule, "message": p.line()} for p in error.problems]


def invalid(error: InputError, what: str) -> WebError:
    return WebError(422, f"invalid {what}: {len(error.problems)} problem(s)",
                    _problem_dicts(error))


def refused(error: InputError) -> WebError:
    """A document that could not be read: 413 for a broken limit, 422 otherwise; the
    message is the problem's line, as the CLI prints it."""
    status = 413 if isinstance(error, LimitExceededError) else 422
    return WebError(status, "; ".join(p.line() for p in error.problems),
                    _problem_dicts(error))


T = TypeVar("T")


async def off_loop(timeout_s: float, what: str, func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a worker thread, answering 413 if it takes longer than
    ``timeout_s`` [s].

    The event loop stays free meanwhile (``/api/health`` answers). ``func`` must have no
    side effects (parse and validate, not store): past the bound its thread is abandoned
    and finishes on its own, its result dropped; the reading limits keep that short.
    """
    try:
        with anyio.fail_after(timeout_s):
            return await anyio.to_thread.run_sync(functools.partial(func, *args),
                                                  abandon_on_cancel=True)
    except TimeoutError:
        raise WebError(413, f"{what}: reading and checking the document took longer than "
                            f"{timeout_s:g} s, the limit; send a smaller document") from None


# ------------------------------------------------------------------------------ scenarios
def add_bundled_scenario(store: Store, name: str,
                         organisation_id: str = LOCAL_ORGANISATION) -> str:
    """Store a bundled scenario for an organisation; return its hash."""
    if name not in bundled_scenario_names():
        raise WebError(404, f"no bundled scenario named {name!r}; choose one of "
                            f"{', '.join(bundled_scenario_names())}")
    document = read_scenario_document(bundled_scenario_dir() / f"{name}.yaml")
    return add_scenario_document(store, document, f"{name}.yaml", organisation_id)


def read_upload(raw: bytes, file: str, syntax: str | None = None) -> dict:
    """An uploaded document (YAML or JSON bytes; ``syntax`` as
    :func:`~rxtwin.data.documents.load_text`) as a mapping, read as the CLI reads files."""
    try:
        return document_from_bytes(raw, file, syntax)
    except InputError as error:
        raise refused(error) from None


def resolve_extends(document: dict, file: str) -> dict:
    """Merge an uploaded document onto the bundled scenario it ``extends`` (by name only:
    an upload cannot name files on the server)."""
    parent = document.get("extends")
    if parent is None:
        return document
    if not isinstance(parent, str) or parent not in bundled_scenario_names():
        problem = Problem(file, "extends", parent, "must name a bundled scenario: "
                                                   f"{', '.join(bundled_scenario_names())}")
        raise WebError(422, problem.line(), _problem_dicts(InputError([problem])))
    child = {k: v for k, v in document.items() if k != "extends"}
    return deep_merge(read_scenario_document(bundled_scenario_dir() / f"{parent}.yaml"), child)


def check_scenario_document(document: dict, file: str = "<upload>",
                            store: Store | None = None) -> Scenario:
    """Validate a scenario document (``extends`` a bundled one, optionally); store nothing.

    With ``store``, references to released consortium statistics
    (``{consortium: NAME@VERSION, cell: {...}}``) are resolved from its pool first (a
    release is readable by every user of the consortium); a reference that cannot be
    resolved is a 422 naming it and why.
    """
    document = resolve_extends(document, file)
    try:
        if store is not None and next(find_references(document), None) is not None:
            document, _ = resolve_consortium_priors(document, store, file)
        return scenario_from_document(document, file)
    except InputError as error:
        raise invalid(error, f"scenario {file}") from None


def scenario_from_upload(raw: bytes, file: str, syntax: str | None = None,
                         store: Store | None = None) -> Scenario:
    """Read and validate an uploaded scenario file, its consortium priors resolved from
    ``store``'s pool: the part of an upload that runs off the event loop
    (:func:`off_loop`)."""
    return check_scenario_document(read_upload(raw, file, syntax), file, store)


def store_scenario(store: Store, scenario: Scenario,
                   organisation_id: str = LOCAL_ORGANISATION) -> str:
    """Store a validated scenario for an organisation; return its hash."""
    return store.put_scenario(scenario.document(), scenario.name,
                              organisation_id=organisation_id)


def add_scenario_document(store: Store, document: dict, file: str = "<upload>",
                          organisation_id: str = LOCAL_ORGANISATION) -> str:
    """Validate a scenario document (``extends`` a bundled one, optionally) and store it
    for an organisation; return its hash."""
    return store_scenario(store, check_scenario_document(document, file, store),
                          organisation_id)


def load_scenario(store: Store, scenario_hash: str) -> Scenario:
    try:
        return Scenario.model_validate(store.get_scenario(scenario_hash))
    except (UnknownScenarioError, StoreError):
        raise WebError(404, f"no scenario with hash {scenario_hash!r}") from None


def percent_text(value: float) -> str:
    """A fraction as the % a person types, exactly (0.15 -> ``15``, 0.075 -> ``7.5``)."""
    text = format(Decimal(repr(float(value))) * 100, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def fraction_from_percent(text: str) -> float:
    """The fraction a typed % stands for, converted exactly (``12`` -> 0.12, the float
    nearest 12/100, not 12 * 0.01 = 0.12000000000000001)."""
    return float(Decimal(text) / 100)


def form_value(scenario: Scenario, field: EditField) -> str:
    """A scenario value as the edit form shows it (in % for a fraction)."""
    value = scenario_value(scenario, field.path)
    return percent_text(value) if field.percent else str(value)


def _parse_edit(field: EditField, text: str) -> tuple[Any, Problem | None]:
    unit = " %" if field.percent else ""
    try:
        if field.kind is int:
            value: Any = int(text)
        elif field.percent:
            value = fraction_from_percent(text)
        else:
            value = float(text)
    except (ValueError, ArithmeticError):
        need = "a whole number" if field.kind is int else "a number"
        example = " (12 for 12 %)" if field.percent else ""
        return None, Problem("<form>", field.path, text,
                             f"{field.words} must be {need}{example}; got {text!r}")
    if isinstance(value, float) and not np.isfinite(value):
        return None, Problem("<form>", field.path, text,
                             f"{field.words} must be a finite number{unit}")
    return value, None


def _friendly(problem: Problem, typed: dict[str, str]) -> Problem:
    """A scenario check's problem on an edited field, said in the form's words and units,
    with what to do (the scenario keeps rates as fractions: 12 % is 0.12)."""
    by_path = {f.path: f for f in EDITABLE_FIELDS}
    field = by_path.get(problem.path)
    if field is None:
        return problem
    if field.percent:
        text = typed.get(field.path, "")
        upper = "below 100 %" if field.path == "firm.tax_rate" else "at most 100 %"
        rule = (f"{field.words} must be at least 0 % and {upper}; you entered {text} %. "
                f"Enter it in % ({field.words} is kept as a fraction: 12 % is 0.12)")
        return Problem("<form>", field.path, text, rule)
    return Problem("<form>", field.path, problem.value, f"{field.words}: {problem.rule}")


def changed_provenance(old_value: Any, old_source: str | None) -> str:
    """The provenance of a value the user changed: what it was and what its provenance was.

    >>> changed_provenance(0.15, "assumption: 15 % real")
    'assumption: changed by the user (was 0.15; before: assumption: 15 % real)'
    """
    return (f"{CHANGED_BY_USER} (was {json.dumps(old_value)}; "
            f"before: {old_source or NO_SOURCE})")


def parse_changed_provenance(text: str) -> tuple[Any, str] | None:
    """``(old value, provenance before)`` of a :func:`changed_provenance` text, or None for
    any other provenance."""
    head = f"{CHANGED_BY_USER} (was "
    if not (text.startswith(head) and text.endswith(")")) or "; before: " not in text:
        return None
    was, before = text[len(head):-1].split("; before: ", 1)
    try:
        return json.loads(was), before
    except ValueError:
        return None


def edit_scenario(store: Store, scenario_hash: str, values: dict[str, str],
                  organisation_id: str = LOCAL_ORGANISATION) -> str:
    """Apply form edits (dotted path -> text; fractions typed in %) to a scenario; store the
    new version and return its hash (the same hash when nothing changed).

    Each changed value's provenance in ``sources`` becomes :func:`changed_provenance`, so
    the scenario page, its YAML and every report of a run on it say that the user changed
    it, from what, and what the value rested on before.
    """
    scenario = load_scenario(store, scenario_hash)
    document = copy.deepcopy(scenario.document())
    sources = document.setdefault("sources", {})
    problems = []
    typed = {}
    for field in EDITABLE_FIELDS:
        text = str(values.get(field.path, "")).strip()
        if not text:
            continue
        typed[field.path] = text
        value, problem = _parse_edit(field, text)
        if problem is not None:
            problems.append(problem)
            continue
        old = scenario_value(scenario, field.path)
        if value == old:
            continue
        node = document
        *parents, leaf = field.path.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
        sources[field.path] = changed_provenance(old, scenario.sources.get(field.path))
    if problems:
        raise invalid(InputError(problems), "edited scenario")
    if not sources:
        document.pop("sources")
    try:
        edited = scenario_from_document(document, "<form>")
    except InputError as error:
        raise invalid(InputError([_friendly(p, typed) for p in error.problems]),
                      "edited scenario") from None
    return store_scenario(store, edited, organisation_id)


@dataclass(frozen=True)
class Change:
    """A value the user changed: its path, label, the values it took, oldest first (the
    last is today's), and its provenance before the first change."""

    path: str
    label: str
    values: list[Any]
    first_source: str


def user_changes(scenario: Scenario) -> list[Change]:
    """Every value of the scenario changed by the user in the app, read from its
    provenance (:func:`changed_provenance`), each with its history of values."""
    labels = {f.path: f for f in EDITABLE_FIELDS}
    changes = []
    for path, text in sorted(scenario.sources.items()):
        history = []
        source: str = text
        while (parsed := parse_changed_provenance(source)) is not None:
            was, source = parsed
            history.append(was)
        if not history:
            continue
        try:
            now = scenario_value(scenario, path)
        except AttributeError:
            continue
        field = labels.get(path)
        values = [*reversed(history), now]
        if field is not None and field.percent:
            values = [f"{percent_text(v)} %" for v in values]
        changes.append(Change(path, field.label if field else path, values, source))
    return changes


def original_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario before the user's changes: every changed value and its provenance
    restored from :func:`changed_provenance` texts (the scenario the edits started from)."""
    document = copy.deepcopy(scenario.document())
    sources = document.get("sources", {})
    for path, text in scenario.sources.items():
        source, value = text, None
        while (parsed := parse_changed_provenance(source)) is not None:
            value, source = parsed
        if source == text:
            continue
        node = document
        *parents, leaf = path.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
        if source == NO_SOURCE:
            sources.pop(path)
        else:
            sources[path] = source
    if "sources" in document and not document["sources"]:
        document.pop("sources")
    return document


def original_hash(store: Store, scenario: Scenario,
                  organisation_id: str = LOCAL_ORGANISATION) -> str | None:
    """The stored scenario the user's edits started from, found by content (its hash),
    or None when the scenario has no edits or the organisation has no such version."""
    if not user_changes(scenario):
        return None
    try:
        original = Scenario.model_validate(original_document(scenario))
    except ValueError:
        return None
    digest = original.content_hash()
    return digest if store.scenario_owned(digest, organisation_id) else None


def scenario_yaml(store: Store, scenario_hash: str) -> str:
    """A stored scenario as YAML text (``rxtwin validate`` reads it back equal)."""
    return scenario_to_yaml(load_scenario(store, scenario_hash))


def scenario_value(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


# ----------------------------------------------------------------------------------- runs
def launch_run(store: Store, jobs: JobQueue, kind: str, scenario_hash: str,
               raw_params: dict[str, Any], organisation_id: str = LOCAL_ORGANISATION) -> str:
    """Validate parameters, register the run for an organisation and queue it; return the
    run id.

    Raises :class:`WebError` 404 (a scenario that does not exist or is not the
    organisation's, told apart by nothing), 422 (parameters) or 429 (queue full; the run
    is not created).
    """
    if not store.scenario_owned(scenario_hash, organisation_id):
        raise WebError(404, f"no scenario with hash {scenario_hash!r}")
    scenario = load_scenario(store, scenario_hash)
    try:
        params = parse_params(kind, scenario, raw_params)
    except InputError as error:
        raise invalid(error, "run parameters") from None
    seed = getattr(params, "seed", None)
    run_id = store.create_run(kind, scenario_hash, params.model_dump(mode="json"), seed,
                              n_chunks=RUN_KINDS[kind].n_chunks(params),
                              organisation_id=organisation_id)
    try:
        jobs.submit(run_id)
    except QueueFull as error:
        store.delete_run(run_id, force=True)
        raise WebError(429, str(error)) from None
    return run_id


def delete_run(store: Store, run_id: str) -> None:
    """Delete a run that is not running (409 if it is: stop it first)."""
    try:
        store.delete_run(run_id)
    except UnknownRunError:
        raise WebError(404, f"no run with id {run_id!r}") from None
    except StoreError as error:
        raise WebError(409, str(error).splitlines()[0]) from None


def get_run(store: Store, run_id: str) -> RunRecord:
    try:
        return store.get_run(run_id)
    except UnknownRunError:
        raise WebError(404, f"no run with id {run_id!r}") from None


def resume_run(store: Store, jobs: JobQueue, run_id: str) -> None:
    """Queue an interrupted or failed run again; its recorded chunks are kept. A run
    ``queued`` in the store but not in the queue (left by a server with a larger queue)
    asks for a slot the same way."""
    run = get_run(store, run_id)
    stranded = run.status == "queued" and not jobs.is_pending(run_id)
    if run.status not in ("interrupted", "failed") and not stranded:
        raise WebError(409, f"run {run_id} is {run.status}"
                            f"{' and waiting in the queue' if run.status == 'queued' else ''}"
                            "; only interrupted, failed or stranded queued runs can be resumed")
    try:
        jobs.submit(run_id)
    except QueueFull as error:
        raise WebError(429, str(error)) from None


def check_lost(store: Store, jobs: JobQueue, run: RunRecord, stale_after_s: float
               ) -> RunRecord:
    """The run as it really is: a run shown as ``running`` that no worker of this app
    executes is marked ``interrupted`` (resumable) if the process that ran it on this host
    is gone, or if it has recorded nothing for ``stale_after_s`` [s] (a server elsewhere
    stopped or lost it); else it is returned unchanged."""
    if run.status != "running" or jobs.is_pending(run.id):
        return run
    marked = store.mark_interrupted_runs(run_ids=[run.id]) or store.mark_interrupted_runs(
        stale_after_s=stale_after_s, run_ids=[run.id])
    return store.get_run(run.id) if marked else run


def scenario_names(store: Store) -> dict[str, str]:
    """Scenario hash -> scenario name, of every stored scenario."""
    return {info.hash: info.name for info in store.list_scenarios()}


def run_views(store: Store, jobs: JobQueue, runs: list[RunRecord], stale_after_s: float
              ) -> list[dict[str, Any]]:
    """Runs as :func:`run_view` shows them, each checked with :func:`check_lost`."""
    names = scenario_names(store)
    return [run_view(store, jobs, check_lost(store, jobs, run, stale_after_s), names)
            for run in runs]


def run_view(store: Store, jobs: JobQueue, run: RunRecord, names: dict[str, str]
             ) -> dict[str, Any]:
    """A run as plain JSON for the API, the lists and the progress bar; ``names`` maps
    scenario hashes to names (:func:`scenario_names`)."""
    total = run.chunks_total
    fraction = 1.0 if run.status == "done" else (run.chunks_done / total if total else 0.0)
    return {
        "id": run.id, "kind": run.kind, "status": run.status,
        "queued": jobs.is_pending(run.id) and run.status != "running",
        "scenario_hash": run.scenario_hash,
        "scenario_name": names.get(run.scenario_hash) if run.scenario_hash else None,
        "key_parameters": parameter_summary(run.parameters),
        "parameters": run.parameters,
        "seed_entropy": None if run.seed_entropy is None else str(run.seed_entropy),
        "chunks_done": run.chunks_done, "chunks_total": total,
        "progress": round(min(1.0, fraction), 4),
        "error": run.error, "package_version": run.package_version,
        "created_at": run.created_at.isoformat(),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "wall_s": run.wall_s,
        "resumable": run.status in ("interrupted", "failed"),
    }


class FigureCache:
    """Figures of finished runs (immutable once done), as Plotly JSON, bounded LRU."""

    def __init__(self, max_runs: int = 64):
        self._max = max_runs
        self._items: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: Store, run: RunRecord) -> dict[str, str]:
        """Figure name -> Plotly figure JSON text, for a ``done`` run (else empty)."""
        if run.status != "done":
            return {}
        with self._lock:
            if run.id in self._items:
                self._items.move_to_end(run.id)
                return self._items[run.id]
        figures = {name: pio.to_json(figure, validate=False)
                   for name, figure in run_figures(store, run.id).items()}
        with self._lock:
            self._items[run.id] = figures
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return figures


    def peek(self, run_id: str) -> dict[str, str] | None:
        """The cached figures of a run, or None (never computes)."""
        with self._lock:
            return self._items.get(run_id)


def figure_json(cache: FigureCache, store: Store, run: RunRecord, name: str) -> str:
    """A figure of a run as Plotly JSON text; :class:`WebError` 404 if it has none."""
    figures = cache.get(store, run)
    if name not in figures:
        raise WebError(404, f"run {run.id} has no figure named {name!r}"
                            f"{'' if run.status == 'done' else ' (it is not done)'}")
    return figures[name]


class TableCache:
    """Rendered result tables of finished runs (immutable once done), bounded LRU:
    (run id, table name, format) -> bytes."""

    def __init__(self, max_items: int = 256):
        self._max = max_items
        self._items: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> bytes | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: tuple[str, str, str], content: bytes) -> None:
        with self._lock:
            self._items[key] = content
            while len(self._items) > self._max:
                self._items.popitem(last=False)
