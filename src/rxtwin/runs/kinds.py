"""Run kinds: what the web app (and the CLI) can launch, run, resume, draw and report.

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
  calls ``progress(done, total)`` after each chunk (the callback may raise to cancel);
* ``figures(store, run_id, scenario, params)`` -- the run's figures, by name (``scenario``
  is None for a run stored without one, e.g. ``rxtwin supply tts --sites --edges --db``).

:func:`execute_run` drives one run through the store's life cycle (start, run, finish or
fail). To add a kind (e.g. ``line.simulate`` once the line simulator is finished), write
the four functions and add ``RUN_KINDS["line.simulate"] = RunKind(...)``; the web app, the
API and ``rxtwin report`` pick it up from the registry. A kind whose ``run`` already drives
the store's life cycle (``rxtwin.runs.resume_line_run`` does: it starts, records chunks,
finishes or fails the run) sets ``manages_lifecycle=True``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rxtwin.appraisal import BreakevenParam
from rxtwin.data.supply_io import load_supply_defaults
from rxtwin.errors import Problem, UserInputError, problems_from_validation_error
from rxtwin.line.simulate import DEFAULT_CHUNK_SIZE
from rxtwin.model.scenario import Scenario
from rxtwin.report import figures as fig
from rxtwin.store import Store, StoreError

__all__ = [
    "RUN_KINDS",
    "BreakevenParams",
    "RunKind",
    "SupplyExposureParams",
    "SupplySimulateParams",
    "SupplyTtsParams",
    "TwinSimulateParams",
    "execute_run",
    "parse_params",
    "run_figures",
]

ProgressCallback = Callable[[int, int], None]

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
    manages_lifecycle: bool = False
    """True when ``run`` itself calls ``start_run``/``finish_run`` (e.g. a wrapper of
    :func:`rxtwin.runs.resume_line_run`); :func:`execute_run` then only calls ``run``."""
    resolve: Callable[[Scenario, BaseModel], BaseModel] = lambda scenario, params: params
    """Checked parameters with the defaults worked out from the scenario filled in (e.g.
    the grid of a break-even map), so the stored parameters say exactly what runs and
    ``n_chunks`` needs no scenario; :func:`parse_params` returns its result."""


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _fresh_seed() -> int:
    import secrets

    return secrets.randbits(63)


# ------------------------------------------------------------------------- econ.breakeven
# Engineering bounds of the web form: 50 x 50 points at 200 replications is the largest map
# docs/econ.md times (about half an hour on 2 cores), already past the queue's default job
# timeout; 10,000 replications per point is 50 x the CLI's default of 200.
_MAX_MAP_POINTS = 50
_MAX_MAP_REPLICATIONS = 10_000


class BreakevenParams(_Params):
    """Break-even map of switching a line from its incumbent technology (``econ.breakeven``).

    The incremental NPV at the firm's hurdle rate of every candidate technology against the
    incumbent, from line simulations, over a grid of two
    :class:`rxtwin.appraisal.BreakevenParam` parameters: the map of ``rxtwin breakeven
    SCENARIO --param X --param2 Y --db``, which stores the same table for the same inputs.
    Empty fields are worked out from the scenario when the run is launched (see
    :func:`_resolve_breakeven`), so the stored parameters name the grid that ran.
    """

    param: BreakevenParam = Field(
        BreakevenParam.PRODUCTS_PER_LINE,
        description="x parameter, one map row (a chunk) per value: products_per_line, "
        "volume_scale, price_scale, capex_grant, itc or capex_scale")
    param_values: list[float] = Field(
        default_factory=list, max_length=_MAX_MAP_POINTS,
        description="x values (empty = `points` values over the default range: "
        "products 1..n of the line, volume_scale 0.25-2, price_scale 0.5-2, capex_grant "
        "and itc 0-1, capex_scale 0.25-2)")
    param2: BreakevenParam = Field(BreakevenParam.VOLUME_SCALE,
                                   description="y parameter (same choices)")
    param2_values: list[float] = Field(
        default_factory=list, max_length=_MAX_MAP_POINTS,
        description="y values (empty = `points` values over the default range)")
    points: int = Field(6, ge=2, le=_MAX_MAP_POINTS,
                        description="grid points of an axis whose values are empty [-] "
                        "(as `rxtwin breakeven --points`)")
    technologies: list[str] = Field(
        default_factory=list,
        description="candidate technology ids (empty = every technology but the baseline)")
    baseline: str | None = Field(None, description="incumbent technology id (empty = the "
                                 "line's own technology)")
    line_id: str | None = Field(None, description="line id (empty = the scenario's first line)")
    n_replications: int = Field(100, ge=1, le=_MAX_MAP_REPLICATIONS,
                                description="replication-years per technology and grid point")
    seed: int = Field(default_factory=_fresh_seed, ge=0,
                      description="root seed entropy of every simulation (the same at every "
                      "point: common random numbers)")

    @model_validator(mode="after")
    def _distinct(self) -> BreakevenParams:
        if self.param == self.param2:
            raise ValueError(f"param and param2 are both {self.param.value!r}; map two "
                             "different parameters")
        for name in ("param_values", "param2_values"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} = {values} repeats a value; give each grid value "
                                 "once")
        return self


def _grid_rule(param: BreakevenParam, value: float, n_products: int) -> str | None:
    """Why ``value`` cannot be a grid value of ``param`` (None if it can), after the
    variants of :mod:`rxtwin.appraisal`: the first k products, a demand, price or capex
    factor, a subsidy share."""
    if not math.isfinite(value):
        return "must be a finite number"
    if param is BreakevenParam.PRODUCTS_PER_LINE:
        if not (value.is_integer() and 1 <= value <= n_products):
            return (f"products_per_line must be a whole number within 1..{n_products} (the "
                    "products of the line)")
    elif param in (BreakevenParam.CAPEX_GRANT, BreakevenParam.ITC):
        if not 0.0 <= value <= 1.0:
            return f"{param.value} is a share of the capex: must be within [0, 1]"
    elif value <= 0.0:
        return f"{param.value} multiplies today's value: must be > 0"
    return None


def _check_breakeven(scenario: Scenario, params: BreakevenParams) -> list[Problem]:
    if not scenario.lines:
        return [Problem("<params>", "line_id", params.line_id,
                        f"scenario '{scenario.name}' has no lines")]
    lines = [line.id for line in scenario.lines]
    if params.line_id is not None and params.line_id not in lines:
        return [Problem("<params>", "line_id", params.line_id,
                        f"no such line; choose one of {', '.join(lines)}")]
    line = scenario.line(params.line_id or lines[0])
    known = [t.id for t in scenario.technologies]
    baseline = params.baseline or line.technology_id
    problems = []
    if baseline not in known:
        problems.append(Problem("<params>", "baseline", baseline,
                                f"no such technology; choose one of {', '.join(known)}"))
    for tid in params.technologies:
        if tid not in known:
            problems.append(Problem("<params>", "technologies", tid,
                                    f"no such technology; choose from {', '.join(known)}"))
        elif tid == baseline:
            problems.append(Problem("<params>", "technologies", tid,
                                    "is the baseline; list the technologies to compare with "
                                    "it"))
    if not params.technologies and known == [baseline]:
        problems.append(Problem("<params>", "technologies", [], f"the scenario has no "
                                f"technology but the baseline '{baseline}' to compare with"))
    for field, param in (("param_values", params.param), ("param2_values", params.param2)):
        for value in getattr(params, field):
            rule = _grid_rule(param, value, len(line.product_ids))
            if rule is not None:
                problems.append(Problem("<params>", field, value, rule))
    return problems


def _resolve_breakeven(scenario: Scenario, params: BreakevenParams) -> BreakevenParams:
    """Checked parameters with every empty field worked out from the scenario: the line
    (its first), the baseline (the line's technology), the candidates (every other
    technology) and each empty grid (:func:`rxtwin.econ_runs.default_grid` of ``points``)."""
    from rxtwin.econ_runs import default_grid

    line_id = params.line_id or scenario.lines[0].id
    baseline = params.baseline or scenario.line(line_id).technology_id
    return BreakevenParams.model_validate({
        **params.model_dump(), "line_id": line_id, "baseline": baseline,
        "technologies": params.technologies or [t.id for t in scenario.technologies
                                                if t.id != baseline],
        "param_values": params.param_values or default_grid(params.param, scenario,
                                                            line_id, params.points),
        "param2_values": params.param2_values or default_grid(params.param2, scenario,
                                                              line_id, params.points),
    })


def _run_breakeven(scenario: Scenario, params: BreakevenParams, store: Store, run_id: str,
                   progress: ProgressCallback) -> None:
    from rxtwin.econ_runs import run_breakeven_map

    grid = _resolve_breakeven(scenario, params)
    run_breakeven_map(store, run_id, scenario, grid.param, grid.param_values, grid.param2,
                      grid.param2_values, line_id=grid.line_id,
                      technology_ids=grid.technologies, baseline_tech_id=grid.baseline,
                      n_replications=grid.n_replications, entropy=grid.seed,
                      progress=progress)


def _breakeven_figures(store: Store, run_id: str, scenario: Scenario | None,
                       params: BreakevenParams) -> dict[str, go.Figure]:
    """The best option's NPV and the winner over the map; none for a 1-D break-even
    (``rxtwin breakeven --param X --db`` stores the kind with one value per technology)."""
    from rxtwin.econ_runs import BREAKEVEN_MAP_TABLE

    if BREAKEVEN_MAP_TABLE not in store.list_summaries(run_id):
        return {}
    table = store.get_summary(run_id, BREAKEVEN_MAP_TABLE)
    x_name, y_name = table.columns[:2]  # the two parameters (rxtwin.appraisal.breakeven_map_2d)
    best = (table.groupby([x_name, y_name], as_index=False)["npv_usd"].max()
            .rename(columns={"npv_usd": "best_npv_usd"}))
    incumbent = params.baseline or "the incumbent"  # CLI runs before 2026-11-27 lack it
    breakeven = fig.breakeven_map_figure(
        best, x_name, y_name, "best_npv_usd",
        title=f"Incremental NPV of the best option vs {incumbent} at the hurdle rate [USD] "
              "(green: switching pays; blank: no technology can make the demand)")
    cells = table.drop_duplicates([x_name, y_name])
    winner = fig.winner_map_figure(
        pd.DataFrame({"technology": cells["winner"], x_name: cells[x_name],
                      y_name: cells[y_name], "cell": 0.0}), x_name, y_name, "cell")
    winner.update_traces(colorbar_title_text="winner")
    winner.update_layout(title="Which technology wins where: the highest incremental NPV if "
                               f">= 0, else {incumbent}")
    return {"breakeven": breakeven, "winner": winner}


# --------------------------------------------------------------------------- twin.simulate
class TwinSimulateParams(_Params):
    """A flowsheet simulation of the twin with its bundled default parameters."""

    hours: float = Field(1.0, gt=0, le=8, description="simulated time [h]")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the feeder noise")
    upset: bool = Field(True, description="add the default API-feeder upset at mid-run")


def _no_check(scenario: Scenario, params: BaseModel) -> list[Problem]:
    return []


def _run_twin(scenario: Scenario, params: TwinSimulateParams, store: Store, run_id: str,
              progress: ProgressCallback) -> None:
    from rxtwin.data.twin_defaults import load_twin_defaults
    from rxtwin.twin.feeders import FeedDisturbance
    from rxtwin.twin.flowsheet import Flowsheet, summarize

    twin = load_twin_defaults()
    duration_s = params.hours * 3600.0
    upsets = ([FeedDisturbance(twin.api_feeder.name, duration_s / 2.0,
                               twin.disturbance.duration_s, twin.disturbance.magnitude_fraction)]
              if params.upset else [])
    result = Flowsheet.from_parameters(twin).simulate(
        duration_s, np.random.default_rng(params.seed), upsets)
    summary = summarize(result, twin.diversion)
    store.put_array(run_id, "trace", result.to_frame())
    store.put_summary(run_id, "twin_summary", pd.DataFrame([vars(summary)]))
    store.put_summary(run_id, "twin_state", pd.DataFrame([{
        "step_s": result.step_s, "initial_api_holdup_kg": result.initial_api_holdup_kg,
        "initial_total_holdup_kg": result.initial_total_holdup_kg,
        "target_api_fraction": result.target_api_fraction,
        "lower_pct": twin.diversion.lower_pct, "upper_pct": twin.diversion.upper_pct,
        "pad_s": twin.diversion.pad_s,
    }]))
    store.record_chunk(run_id, 0, {"tablets_made": summary.tablets_made})
    progress(1, 1)


def _twin_figures(store: Store, run_id: str, scenario: Scenario,
                  params: TwinSimulateParams) -> dict[str, go.Figure]:
    from rxtwin.report.twin_figures import simulation_figure
    from rxtwin.twin.diversion import mask_windows, out_of_spec_mask, pad_mask
    from rxtwin.twin.flowsheet import FlowsheetResult

    frame = store.get_array(run_id, "trace")
    state = store.get_summary(run_id, "twin_state").iloc[0]
    feeds = {c.removeprefix("feed_").removesuffix("_kg_per_h"): frame[c].to_numpy(float)
             for c in frame.columns if c.startswith("feed_")}
    arrays = {c: frame[c].to_numpy(float) for c in frame.columns if not c.startswith("feed_")}
    result = FlowsheetResult(
        feed_kg_per_h=feeds, step_s=float(state["step_s"]),
        initial_api_holdup_kg=float(state["initial_api_holdup_kg"]),
        initial_total_holdup_kg=float(state["initial_total_holdup_kg"]),
        target_api_fraction=float(state["target_api_fraction"]), **arrays)
    bad = pad_mask(out_of_spec_mask(result.potency_pct, state["lower_pct"], state["upper_pct"]),
                   int(np.ceil(state["pad_s"] / result.step_s)))
    windows = mask_windows(result.time_s, bad, result.step_s)
    return {"twin_traces": simulation_figure(result, float(state["lower_pct"]),
                                             float(state["upper_pct"]), windows)}


# --------------------------------------------------------------------------- line.simulate
class LineSimulateParams(_Params):
    """One technology on one line (``line.simulate``); the keys are those
    :func:`rxtwin.runs.run_line_simulation` stores, so a web run resumes like a CLI run."""

    line_id: str = Field("line-1", description="line of the scenario")
    technology_id: str = Field("batch", description="technology to run the line with")
    policy: Literal["fixed_rotation", "run_out"] = Field("fixed_rotation",
                                                         description="campaign policy")
    intervention_ids: list[str] = Field(default_factory=list,
                                        description="interventions applied to the line")
    twin_losses: bool = Field(False, description="continuous losses from the digital twin")
    n_replications: int = Field(500, ge=1, le=1_000_000, description="replication-years")
    chunk_size: int = Field(DEFAULT_CHUNK_SIZE, ge=1, le=100_000,
                            description="replications per chunk (part of the seed contract)")
    seed: int = Field(default_factory=_fresh_seed, ge=0, description="root seed entropy")


def _unknown_interventions(scenario: Scenario, ids: list[str]) -> list[Problem]:
    """One Problem per id that is not an intervention of ``scenario``."""
    from rxtwin.model.intervention import unknown_intervention_ids

    return [Problem("<params>", "intervention_ids", iid, "no such intervention in the "
                    "scenario") for iid in unknown_intervention_ids(scenario, ids)]


def _check_line(scenario: Scenario, params: LineSimulateParams) -> list[Problem]:
    problems = []
    if params.line_id not in {line.id for line in scenario.lines}:
        problems.append(Problem("<params>", "line_id", params.line_id,
                                f"no such line in scenario '{scenario.name}'"))
    if params.technology_id not in {t.id for t in scenario.technologies}:
        problems.append(Problem("<params>", "technology_id", params.technology_id,
                                "no such technology; choose one of "
                                + ", ".join(t.id for t in scenario.technologies)))
    problems += _unknown_interventions(scenario, params.intervention_ids)
    return problems


def _run_line(scenario: Scenario, params: LineSimulateParams, store: Store, run_id: str,
              progress: ProgressCallback) -> None:
    from rxtwin.runs.line import resume_line_run

    resume_line_run(store, run_id, progress=progress)


def _line_figures(store: Store, run_id: str, scenario: Scenario,
                  params: LineSimulateParams) -> dict[str, go.Figure]:
    from rxtwin.report.figures import oee_waterfall_figure, technology_comparison_figure
    from rxtwin.runs.line import LINE_TABLE

    table = store.get_summary(run_id, LINE_TABLE)
    line = table[table["product"].isna()].set_index("statistic")
    shown = ["oee", "fill_rate", "utilisation", "cost_total_usd_per_unit"]
    frame = line.loc[shown, ["mean", "ci95_low", "ci95_high"]].reset_index()
    frame.insert(0, "technology", params.technology_id)
    return {
        "technology_comparison": technology_comparison_figure(frame),
        "oee_waterfall": oee_waterfall_figure(float(line.loc["availability", "mean"]),
                                              float(line.loc["performance", "mean"]),
                                              float(line.loc["quality", "mean"])),
    }


# -------------------------------------------------------------------------- supply.simulate
class SupplySimulateParams(_Params):
    """Scenario-years of the supply-disruption simulator (``supply.simulate``), on the
    bundled simulator defaults; a run resumes like one of ``rxtwin supply simulate``."""

    intervention_ids: list[str] = Field(default_factory=list,
                                        description="interventions applied to the supply")
    n_years: int = Field(1000, ge=1, le=10_000_000, description="scenario-years")
    chunk_size: int = Field(250, ge=1, le=100_000,
                            description="scenario-years per chunk (one continuous history; "
                            "part of the seed contract)")
    seed: int = Field(default_factory=_fresh_seed, ge=0, description="root seed entropy")


def _check_supply(scenario: Scenario, params: SupplySimulateParams) -> list[Problem]:
    return _unknown_interventions(scenario, params.intervention_ids)


def _run_supply(scenario: Scenario, params: SupplySimulateParams, store: Store, run_id: str,
                progress: ProgressCallback) -> None:
    from rxtwin.runs.supply import resume_supply_run

    resume_supply_run(store, run_id, progress=progress)


def _supply_figures(store: Store, run_id: str, scenario: Scenario,
                    params: SupplySimulateParams) -> dict[str, go.Figure]:
    from rxtwin.runs.supply import SUPPLY_TABLE

    table = store.get_summary(run_id, SUPPLY_TABLE)
    days = table["shortage_days_per_yr"]
    half = table["shortage_days_per_yr_ci95"].fillna(0.0)
    ranking = pd.DataFrame({"product": table["product_id"], "expected_shortage_days": days,
                            "ci95_low": (days - half).clip(lower=0.0),
                            "ci95_high": days + half})
    return {"shortage_risk": fig.risk_ranking_figure(ranking)}


# ------------------------------------------------------------- supply.exposure, supply.tts
# Defaults of the network analyses, as `rxtwin supply exposure|tts` reads them (each value
# carries its source or assumption in src/rxtwin/data/supply_defaults.yaml).
_SUPPLY_DEFAULTS = load_supply_defaults()
# Engineering bound of the web form: ten years of outage or horizon is far beyond any
# planning question (the longest mean site outage of the bundled scenarios is ~6 months).
_MAX_DAYS = 3650.0


class SupplyExposureParams(_Params):
    """Concentration, single sources and independent paths of the scenario's supply network
    (``supply.exposure``); the table of ``rxtwin supply exposure SCENARIO [--detail] --db``."""

    detail: bool = Field(False, description="one row per product and input instead of one "
                         "per product")
    highly_concentrated_hhi: float = Field(
        _SUPPLY_DEFAULTS["highly_concentrated_hhi"], gt=0, le=1,
        description="HHI by supplier above which an input is highly concentrated [-] "
        "(default 0.18: US DOJ/FTC Merger Guidelines 2023, section 2.1)")
    product_ids: list[str] = Field(default_factory=list,
                                   description="products in the table (empty = every product)")


class SupplyTtsParams(_Params):
    """Time-to-survive of each site's outage and the demand lost over its time-to-recover
    (``supply.tts``); the table of ``rxtwin supply tts SCENARIO [--ttr-days ...] --db``."""

    ttr_days: float | None = Field(
        None, ge=0, le=_MAX_DAYS,
        description="time-to-recover of every site [days] (empty = rate-weighted mean "
        "duration of the scenario's site_outage failure modes)")
    horizon_days: float = Field(_SUPPLY_DEFAULTS["tts_horizon_days"], gt=0, le=_MAX_DAYS,
                                description="cap on the time-to-survive [days]")
    in_transit: bool = Field(False, description="count goods already shipped (flow x lead "
                             "time) as stock at the customer")
    site_ids: list[str] = Field(default_factory=list,
                                description="sites in the table (empty = every site)")


def _check_supply_exposure(scenario: Scenario, params: SupplyExposureParams) -> list[Problem]:
    known = [p.id for p in scenario.products]
    return [Problem("<params>", "product_ids", pid, "no such product in the scenario; choose "
                    f"from {', '.join(known)}") for pid in params.product_ids if pid not in known]


def _check_supply_tts(scenario: Scenario, params: SupplyTtsParams) -> list[Problem]:
    from rxtwin.supply.network import build_network
    from rxtwin.supply.tts import flow_model, site_outage_ttr_days

    try:
        known = sorted(flow_model(build_network(scenario)).sites)
    except UserInputError as error:
        return [Problem("<params>", "scenario", scenario.name, str(error))]
    problems = [Problem("<params>", "site_ids", sid, "no such site on a product's supply "
                        f"chain; choose from {', '.join(known)}")
                for sid in params.site_ids if sid not in known]
    if params.ttr_days is None:
        try:
            site_outage_ttr_days(scenario)
        except UserInputError as error:
            problems.append(Problem("<params>", "ttr_days", None, str(error)))
    return problems


def _run_supply_exposure(scenario: Scenario, params: SupplyExposureParams, store: Store,
                         run_id: str, progress: ProgressCallback) -> None:
    from rxtwin.runs.supply import exposure_table, store_supply_table
    from rxtwin.supply.network import build_network

    name, frame = exposure_table(build_network(scenario), detail=params.detail,
                                 highly_concentrated_hhi=params.highly_concentrated_hhi,
                                 product_ids=params.product_ids)
    store_supply_table(store, run_id, name, frame)
    store.record_chunk(run_id, 0, {"rows": len(frame)})
    progress(1, 1)


def _run_supply_tts(scenario: Scenario, params: SupplyTtsParams, store: Store, run_id: str,
                    progress: ProgressCallback) -> None:
    from rxtwin.runs.supply import RISK_EXPOSURE_TABLE, risk_exposure_table, store_supply_table
    from rxtwin.supply.network import build_network
    from rxtwin.supply.tts import site_outage_ttr_days

    ttr_days = site_outage_ttr_days(scenario) if params.ttr_days is None else params.ttr_days
    frame = risk_exposure_table(build_network(scenario), ttr_days=ttr_days,
                                horizon_days=params.horizon_days, in_transit=params.in_transit,
                                site_ids=params.site_ids)
    store_supply_table(store, run_id, RISK_EXPOSURE_TABLE, frame)
    store.record_chunk(run_id, 0, {"rows": len(frame)})
    progress(1, 1)


def _supply_exposure_figures(store: Store, run_id: str, scenario: Scenario | None,
                             params: SupplyExposureParams) -> dict[str, go.Figure]:
    from rxtwin.runs.supply import EXPOSURE_DETAIL_TABLE, EXPOSURE_SUMMARY_TABLE

    if params.detail:
        table = store.get_summary(run_id, EXPOSURE_DETAIL_TABLE)
    else:
        table = store.get_summary(run_id, EXPOSURE_SUMMARY_TABLE).rename(columns={
            "most_concentrated": "item_id", "max_hhi_supplier": "hhi_supplier"})
    if table.empty:
        return {}
    return {"concentration": fig.concentration_figure(table, params.highly_concentrated_hhi)}


def _supply_tts_figures(store: Store, run_id: str, scenario: Scenario | None,
                        params: SupplyTtsParams) -> dict[str, go.Figure]:
    from rxtwin.runs.supply import RISK_EXPOSURE_TABLE

    table = store.get_summary(run_id, RISK_EXPOSURE_TABLE)
    if table.empty:
        return {}
    ranking = fig.risk_ranking_figure(pd.DataFrame({
        "product": table["site_id"], "expected_shortage_days": table["weighted_lost_days"]}))
    ranking.update_traces(name="criticality-weighted lost days")
    ranking.update_layout(
        title="Sites ranked by criticality-weighted demand lost over their time-to-recover",
        xaxis_title="criticality-weighted lost days of demand [days]", yaxis_title="site down")
    return {"site_exposure": ranking, "tts_vs_ttr": fig.time_to_survive_figure(table)}


RUN_KINDS: dict[str, RunKind] = {
    "econ.breakeven": RunKind(
        name="econ.breakeven",
        title="Break-even map: which technology pays where",
        description="Incremental NPV at the firm's hurdle rate of each candidate technology "
        "against the line's incumbent, from line simulations (failures, ramp-up, capacity), "
        "over a grid of two parameters (products per line, volume, price, subsidy or capex "
        "scale); one chunk per x value, resumable; the map of `rxtwin breakeven --param X "
        "--param2 Y --db`.",
        params_model=BreakevenParams,
        check=_check_breakeven,
        n_chunks=lambda p: len(p.param_values),
        run=_run_breakeven,
        figures=_breakeven_figures,
        resolve=_resolve_breakeven,
    ),
    "line.simulate": RunKind(
        name="line.simulate",
        title="Line: stochastic simulation of one technology",
        description="Replication-years of the line under one technology: OEE, fill rate, "
        "unit cost with 95 % intervals; chunks recorded, resumable.",
        params_model=LineSimulateParams,
        check=_check_line,
        n_chunks=lambda p: -(-p.n_replications // p.chunk_size),
        run=_run_line,
        figures=_line_figures,
        manages_lifecycle=True,
    ),
    "supply.simulate": RunKind(
        name="supply.simulate",
        title="Supply: disruption simulation of every product",
        description="Scenario-years of every product's supply chain (site outages, stocks "
        "with shelf life, surge, demand shocks): shortage probability, shortage-days, fill "
        "rate, time-to-recover; chunks recorded, resumable (also with `rxtwin supply "
        "resume`).",
        params_model=SupplySimulateParams,
        check=_check_supply,
        n_chunks=lambda p: -(-p.n_years // p.chunk_size),
        run=_run_supply,
        figures=_supply_figures,
        manages_lifecycle=True,
    ),
    "supply.exposure": RunKind(
        name="supply.exposure",
        title="Supply: concentration and single sources",
        description="HHI of every product's inputs by site, supplier and country, single "
        "sources and independent paths of the supply network (as `rxtwin supply exposure "
        "--db`).",
        params_model=SupplyExposureParams,
        check=_check_supply_exposure,
        n_chunks=lambda p: 1,
        run=_run_supply_exposure,
        figures=_supply_exposure_figures,
    ),
    "supply.tts": RunKind(
        name="supply.tts",
        title="Supply: time-to-survive vs time-to-recover",
        description="Each site down in turn: how long stocks and other suppliers keep every "
        "product supplied (TTS, a linear program) and the criticality-weighted demand lost "
        "over its time-to-recover; sites ranked by it (as `rxtwin supply tts --db`).",
        params_model=SupplyTtsParams,
        check=_check_supply_tts,
        n_chunks=lambda p: 1,
        run=_run_supply_tts,
        figures=_supply_tts_figures,
    ),
    "twin.simulate": RunKind(
        name="twin.simulate",
        title="Twin: simulate the continuous line",
        description="Feeders, blender and press with the bundled twin defaults; potency "
        "trace and diversion windows.",
        params_model=TwinSimulateParams,
        check=_no_check,
        n_chunks=lambda p: 1,
        run=_run_twin,
        figures=_twin_figures,
    ),
}


def parse_params(kind: str, scenario: Scenario, raw: Mapping[str, Any]) -> BaseModel:
    """Validate a run's parameters for ``kind`` against ``scenario``; return them with the
    defaults the kind works out from the scenario filled in (``RunKind.resolve``).

    Raises
    ------
    rxtwin.errors.InputError
        With one :class:`~rxtwin.errors.Problem` per bad field (unknown kind, wrong type,
        out of bounds, unknown technology id), paths relative to the parameters.
    """
    from rxtwin.errors import InputError

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
                progress: ProgressCallback = lambda done, total: None) -> None:
    """Run (or resume) a stored run to the end: start, do the work, finish or fail.

    The run's kind, scenario and parameters are read from the store. Any exception marks
    the run ``failed`` with a one-line message and is raised again. A run that is already
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
        if kind.manages_lifecycle:
            kind.run(scenario, params, store, run_id, progress)
            return
        store.start_run(run_id)
        kind.run(scenario, params, store, run_id, progress)
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
