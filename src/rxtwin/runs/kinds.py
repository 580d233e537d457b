"""The registry of run kinds: what the web app (and the CLI) can launch, run, resume, draw
and report.

A run kind is a small strategy object (:class:`RunKind`) held in the registry
:data:`RUN_KINDS` (kind name -> RunKind). Each kind has

* ``params_model`` -- a pydantic model of its parameters (defaults, bounds, messages);
* ``check`` -- cross-checks of the parameters against the scenario (ids exist, ...);
* ``resolve`` -- the checked parameters with defaults worked out from the scenario filled in
  (optional; e.g. the grid of a break-even map), so the stored parameters say what runs;
* ``n_chunks`` -- how many chunks a run records (the progress total);
* ``run(scenario, params, store, run_id, progress)`` -- does the work, recording each chunk
  with ``store.record_chunk`` (skipping chunks already recorded, so an interrupted run
  resumes) and writing result tables with ``store.put_summary`` / ``store.put_array``;
  calls ``progress(done, total)`` after each chunk (the callback may raise to cancel); a
  kind whose work maps chunks sets ``maps_chunks=True`` and its ``run`` also takes the
  keyword ``compute`` (a :class:`~rxtwin.runs.compute_setting.ComputeSetting`: where the
  chunks run, chosen at each execution and never stored with the run);
* ``figures(store, run_id, scenario, params)`` -- the run's figures, by name (``scenario``
  is None for a run stored without one, e.g. ``rxtwin supply tts --sites --edges --db``).

:func:`execute_run` drives one run through the store's life cycle (start, run, finish or
fail). To add a kind, write its parameters model and its check, run and figures functions
in the module of its wing (``rxtwin/runs/<wing>.py``, with the kind's name as a constant
there) and add one entry to :data:`RUN_KINDS` below; the web app, the API and ``rxtwin
report`` pick it up from the registry (docs/design.md shows a worked example). A kind whose
``run`` already drives the store's life cycle (:func:`rxtwin.runs.line.resume_line_run`
does: it starts, records chunks, finishes or fails the run) sets
``manages_lifecycle=True``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from pydantic import BaseModel, ValidationError

from rxtwin.errors import InputError, Problem, problems_from_validation_error
from rxtwin.model.scenario import Scenario
from rxtwin.report.headline import Headline, options_headline, resilience_headline
from rxtwin.runs import (
    appraise,
    breakeven,
    greenfield,
    line,
    priority,
    resilience,
    supply,
    supply_network,
    twin,
)
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.econ import BREAKEVEN_RUN_KIND
from rxtwin.runs.params import ProgressCallback
from rxtwin.store import Store, StoreError

__all__ = ["RUN_KINDS", "RunKind", "execute_run", "parse_params", "run_figures",
           "run_headline"]


@dataclass(frozen=True)
class RunKind:
    """One kind of run: its parameters, work, progress total and figures."""

    name: str
    title: str
    description: str
    params_model: type[BaseModel]
    check: Callable[[Scenario, BaseModel], list[Problem]]
    n_chunks: Callable[[BaseModel], int]
    run: Callable[[Scenario, BaseModel, Store, str, ProgressCallback], None]
    figures: Callable[[Store, str, Scenario | None, BaseModel], dict[str, go.Figure]]
    maps_chunks: bool = False
    """True when ``run`` maps its chunks with a chunk mapper and takes the keyword
    ``compute`` (:class:`~rxtwin.runs.compute_setting.ComputeSetting`), which
    :func:`execute_run` passes on; the results are the same on every backend."""
    manages_lifecycle: bool = False
    """True when ``run`` itself calls ``start_run``/``finish_run`` (e.g. a wrapper of
    :func:`rxtwin.runs.line.resume_line_run`); :func:`execute_run` then only calls ``run``."""
    resolve: Callable[[Scenario, BaseModel], BaseModel] = lambda scenario, params: params
    """Checked parameters with the defaults worked out from the scenario filled in (e.g.
    the grid of a break-even map), so the stored parameters say exactly what runs and
    ``n_chunks`` needs no scenario; :func:`parse_params` returns its result."""
    headline: Callable[[Store, str], Headline | None] | None = None
    """For a comparison: the table of what each option changes, by how much, with its
    interval (:mod:`rxtwin.report.headline`), shown above the figures."""


def _no_check(scenario: Scenario, params: BaseModel) -> list[Problem]:
    return []


def _resilience_headline(store: Store, run_id: str) -> Headline | None:
    if resilience.RESILIENCE_OPTIONS_TABLE not in store.list_summaries(run_id):
        return None
    return resilience_headline(store.get_summary(run_id, resilience.RESILIENCE_OPTIONS_TABLE))


def _options_headline(store: Store, run_id: str) -> Headline | None:
    names = store.list_summaries(run_id)
    if appraise.OPTIONS_TABLE not in names:
        return None
    simulated = (store.get_summary(run_id, resilience.RESILIENCE_OPTIONS_TABLE)
                 if resilience.RESILIENCE_OPTIONS_TABLE in names else None)
    return options_headline(store.get_summary(run_id, appraise.OPTIONS_TABLE), simulated)


_KINDS = (
    RunKind(
        name=BREAKEVEN_RUN_KIND,
        title="Break-even map: which technology pays where",
        description="Incremental NPV at the firm's hurdle rate of each candidate technology "
        "against the line's incumbent, from line simulations (failures, ramp-up, capacity), "
        "over a grid of two parameters (products per line, volume, price, subsidy or capex "
        "scale); one chunk per x value, resumable; the map of `rxtwin breakeven --param X "
        "--param2 Y --db`.",
        params_model=breakeven.BreakevenParams,
        check=breakeven.check_breakeven,
        n_chunks=lambda p: len(p.param_values),
        run=breakeven.run_breakeven,
        maps_chunks=True,
        figures=breakeven.breakeven_figures,
        resolve=breakeven.resolve_breakeven,
    ),
    RunKind(
        name=line.LINE_RUN_KIND,
        title="Line: stochastic simulation of one technology",
        description="Replication-years of the line under one technology: OEE, fill rate, "
        "unit cost with 95 % intervals; chunks recorded, resumable.",
        params_model=line.LineSimulateParams,
        check=line.check_line_params,
        n_chunks=lambda p: -(-p.n_replications // p.chunk_size),
        run=line.run_stored_line,
        maps_chunks=True,
        figures=line.line_figures,
        manages_lifecycle=True,
    ),
    RunKind(
        name=supply.SUPPLY_RUN_KIND,
        title="Supply: disruption simulation of every product",
        description="Scenario-years of every product's supply chain (site outages, stocks "
        "with shelf life, surge, demand shocks): shortage probability, shortage-days, fill "
        "rate, time-to-recover; chunks recorded, resumable (also with `rxtwin supply "
        "resume`).",
        params_model=supply.SupplySimulateParams,
        check=supply.check_supply_params,
        n_chunks=lambda p: -(-p.n_years // p.chunk_size),
        run=supply.run_stored_supply,
        maps_chunks=True,
        figures=supply.supply_figures,
        manages_lifecycle=True,
    ),
    RunKind(
        name=resilience.RESILIENCE_RUN_KIND,
        title="Resilience: technologies and measures compared, line and network together",
        description="Each technology on the line and each intervention on the incumbent, "
        "from one seed: OEE and rejected lots on the line, shortage-days in the network "
        "(the line's site takes its quality outages from the line) and the shortage-days "
        "each option avoids, split by cause, with paired 95 % intervals; one chunk per "
        "option, resumable.",
        params_model=resilience.ResilienceParams,
        check=resilience.check_resilience_params,
        n_chunks=resilience.resilience_n_chunks,
        run=resilience.run_resilience,
        maps_chunks=True,
        figures=resilience.resilience_figures,
        resolve=resilience.resolve_resilience,
        headline=_resilience_headline,
    ),
    RunKind(
        name=appraise.OPTIONS_RUN_KIND,
        title="Econ: every option priced for the firm and for society",
        description="Each technology on the line and each intervention on the incumbent, "
        "simulated from one seed on the line and in the network (as resilience.compare), "
        "then priced: the firm's NPV, IRR, payback and verdict at its hurdle; the social "
        "NPV of the shortages avoided less the resources used, with intervals; the capex "
        "grant that brings the firm to its hurdle and the public cost per shortage-day "
        "avoided; one chunk per option, resumable.",
        params_model=appraise.OptionsParams,
        check=appraise.check_options_params,
        n_chunks=appraise.options_n_chunks,
        run=appraise.run_options,
        maps_chunks=True,
        figures=appraise.options_figures,
        resolve=appraise.resolve_options,
        headline=_options_headline,
    ),
    RunKind(
        name=greenfield.GREENFIELD_RUN_KIND,
        title="Econ: a new line or a new product, every arm paying its capex",
        description="Each technology built as a new line (a new batch train, a new "
        "continuous line, ...), its line simulated from one seed, then appraised alone at "
        "the firm's hurdle rate (capex, yearly operating profit, NPV, IRR, payback, "
        "verdict) and against the reference arm (incremental NPV); installation, ramp-up "
        "and, for a new product, development time decide when each arm first sells; one "
        "chunk per arm, resumable (also `rxtwin econ SCENARIO --greenfield`).",
        params_model=greenfield.GreenfieldParams,
        check=greenfield.check_greenfield,
        n_chunks=greenfield.greenfield_n_chunks,
        run=greenfield.run_greenfield,
        maps_chunks=True,
        figures=greenfield.greenfield_figures,
        resolve=greenfield.resolve_greenfield,
    ),
    RunKind(
        name=priority.RANK_RUN_KIND,
        title="Priority: which medicines first, and which measure for each",
        description="Every measure of the scenario simulated on every product from one "
        "seed and priced for the firm and for society; products ranked by criticality x "
        "vulnerability x simulated risk, each with its explanation, its dominant cause of "
        "shortage and the best measure that addresses it; one chunk per network run, "
        "resumable (also `rxtwin prioritize`).",
        params_model=priority.PriorityParams,
        check=priority.check_priority_params,
        n_chunks=priority.priority_n_chunks,
        run=priority.run_priority,
        maps_chunks=True,
        figures=priority.priority_figures,
        resolve=priority.resolve_priority,
    ),
    RunKind(
        name=priority.PORTFOLIO_RUN_KIND,
        title="Portfolio: measures for medicines under a public budget",
        description="The ranking's study, then the measures chosen for products under a "
        "public budget by a MILP on HiGHS (criticality-weighted shortage-days avoided or "
        "social NPV), the efficient frontier of budget against benefit, and the chosen "
        "portfolio re-simulated as a whole beside the additive estimate (also `rxtwin "
        "portfolio`).",
        params_model=priority.PortfolioParams,
        check=priority.check_portfolio_params,
        n_chunks=priority.portfolio_n_chunks,
        run=priority.run_portfolio,
        maps_chunks=True,
        figures=priority.portfolio_figures,
        resolve=priority.resolve_priority,
    ),
    RunKind(
        name=supply_network.EXPOSURE_RUN_KIND,
        title="Supply: concentration and single sources",
        description="HHI of every product's inputs by site, supplier and country, single "
        "sources and independent paths of the supply network (as `rxtwin supply exposure "
        "--db`).",
        params_model=supply_network.SupplyExposureParams,
        check=supply_network.check_exposure_params,
        n_chunks=lambda p: 1,
        run=supply_network.run_exposure_table,
        figures=supply_network.exposure_figures,
    ),
    RunKind(
        name=supply_network.TTS_RUN_KIND,
        title="Supply: time-to-survive vs time-to-recover",
        description="Each site down in turn: how long stocks and other suppliers keep every "
        "product supplied (TTS, a linear program) and the criticality-weighted demand lost "
        "over its time-to-recover; sites ranked by it (as `rxtwin supply tts --db`).",
        params_model=supply_network.SupplyTtsParams,
        check=supply_network.check_tts_params,
        n_chunks=lambda p: 1,
        run=supply_network.run_tts_table,
        figures=supply_network.tts_figures,
    ),
    RunKind(
        name=twin.TWIN_RUN_KIND,
        title="Twin: simulate the continuous line",
        description="Feeders, blender and press with the bundled twin defaults; potency "
        "trace and diversion windows.",
        params_model=twin.TwinSimulateParams,
        check=_no_check,
        n_chunks=lambda p: 1,
        run=twin.run_twin_simulation,
        figures=twin.twin_figures,
    ),
)
RUN_KINDS: dict[str, RunKind] = {kind.name: kind for kind in _KINDS}
"""Every run kind, by name."""


def parse_params(kind: str, scenario: Scenario, raw: Mapping[str, Any]) -> BaseModel:
    """Validate a run's parameters for ``kind`` against ``scenario``; return them with the
    defaults the kind works out from the scenario filled in (``RunKind.resolve``).

    Raises
    ------
    rxtwin.errors.InputError
        With one :class:`~rxtwin.errors.Problem` per bad field (unknown kind, wrong type,
        out of bounds, unknown technology id), paths relative to the parameters.
    """
    if kind not in RUN_KINDS:
        raise InputError([Problem("<params>", "kind", kind,
                                  f"unknown run kind; choose one of {', '.join(RUN_KINDS)}")])
    run_kind = RUN_KINDS[kind]
    try:
        params = run_kind.params_model.model_validate(dict(raw))
    except ValidationError as error:
        raise InputError(problems_from_validation_error(error, "<params>")) from None
    problems = run_kind.check(scenario, params)
    if problems:
        raise InputError(problems)
    return run_kind.resolve(scenario, params)


def execute_run(store: Store, run_id: str,
                progress: ProgressCallback = lambda done, total: None, *,
                compute: ComputeSetting | None = None) -> None:
    """Run (or resume) a stored run to the end: start, do the work, finish or fail.

    The run's kind, scenario and parameters are read from the store. ``compute`` says where
    the chunks of a kind that maps chunks (``RunKind.maps_chunks``) run: serially when
    omitted. It is not stored with the run and changes none of its results, so a run may
    be resumed on another backend than it started on. Any exception marks the run
    ``failed`` with a one-line message and is raised again. A run that is already
    ``running`` or ``done`` is refused with :class:`rxtwin.store.StoreError`.
    """
    record = store.get_run(run_id)
    if record.status in ("running", "done"):
        raise StoreError(f"run {run_id} is {record.status}; nothing to execute")
    started = time.monotonic()
    try:
        kind = RUN_KINDS[record.kind]
        scenario = Scenario.model_validate(store.get_scenario(record.scenario_hash))
        params = _stored_params(kind, record.parameters)
        work = (functools.partial(kind.run, compute=compute or SERIAL) if kind.maps_chunks
                else kind.run)
        if kind.manages_lifecycle:
            work(scenario, params, store, run_id, progress)
            return
        store.start_run(run_id)
        work(scenario, params, store, run_id, progress)
        store.finish_run(run_id, time.monotonic() - started)
    except BaseException as error:
        if store.get_run(run_id).status != "done":
            store.fail_run(run_id, f"{type(error).__name__}: {error}"[:2000])
        raise


def run_figures(store: Store, run_id: str) -> dict[str, go.Figure]:
    """The figures of a finished run, by name (empty if its kind draws none)."""
    record = store.get_run(run_id)
    kind = RUN_KINDS.get(record.kind)
    if kind is None or record.status != "done":
        return {}
    scenario = (None if record.scenario_hash is None
                else Scenario.model_validate(store.get_scenario(record.scenario_hash)))
    return kind.figures(store, run_id, scenario, _stored_params(kind, record.parameters))


def run_headline(store: Store, run_id: str) -> Headline | None:
    """The headline table of a finished comparison run (None for other kinds or runs not
    done)."""
    record = store.get_run(run_id)
    kind = RUN_KINDS.get(record.kind)
    if kind is None or kind.headline is None or record.status != "done":
        return None
    return kind.headline(store, run_id)


def _stored_params(kind: RunKind, parameters: Mapping[str, Any]) -> BaseModel:
    """A stored run's parameters as its kind's model.

    A run stored by the CLI (``rxtwin supply simulate|exposure|tts --db``) keeps keys the
    model does not have (``rxtwin_version``, ``network``, ``defaults_yaml``, ...): they are
    dropped. Its values were checked by the command that stored them, whose bounds may be
    wider than the web form's (``--horizon-days`` has no upper bound): a record outside the
    model's bounds is taken as stored rather than refused.
    """
    model = kind.params_model
    known = {k: v for k, v in parameters.items() if k in model.model_fields}
    try:
        return model.model_validate(known)
    except ValidationError:
        return model.model_construct(**known)
