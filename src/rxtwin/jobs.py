"""Run kinds: what the web app (and the CLI) can launch, run, resume, draw and report.

A run kind is a small strategy object (:class:`RunKind`) held in the registry
:data:`RUN_KINDS` (kind name -> RunKind). Each kind has

* ``params_model`` -- a pydantic model of its parameters (defaults, bounds, messages);
* ``check`` -- cross-checks of the parameters against the scenario (ids exist, ...);
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

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rxtwin.data.supply_io import load_supply_defaults
from rxtwin.econ.annual_cost import annual_cost_usd_per_yr
from rxtwin.econ.breakeven import breakeven_map
from rxtwin.errors import Problem, problems_from_validation_error
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

PLACEHOLDER_NOTE = (
    "Placeholder cost model: annual cost per technology = capex, training and filing per "
    "product annualised at the hurdle rate over the useful life + labour + energy + QC per "
    "lot + cleaning per changeover + maintenance (rxtwin.econ.annual_cost). No failures, "
    "ramp-up or capacity limits: it will be replaced by line-simulator results."
)


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


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------- econ.breakeven
class BreakevenParams(_Params):
    """Grid and technologies of a break-even map (``econ.breakeven``)."""

    challenger: str = Field("continuous", description="technology id of the new line")
    incumbent: str = Field("batch", description="technology id it is compared with")
    products_min: int = Field(1, ge=1, le=200, description="fewest products per line [-]")
    products_max: int = Field(30, ge=1, le=200, description="most products per line [-]")
    volume_min_units_per_yr: float = Field(1e7, gt=0, le=1e12,
                                           description="smallest annual volume [units/yr]")
    volume_max_units_per_yr: float = Field(2e9, gt=0, le=1e12,
                                           description="largest annual volume [units/yr]")
    volume_steps: int = Field(25, ge=2, le=100, description="volumes on the grid (log spaced)")

    @model_validator(mode="after")
    def _ordered(self) -> BreakevenParams:
        if self.products_min > self.products_max:
            raise ValueError(f"products_min = {self.products_min} must be <= products_max = "
                             f"{self.products_max}")
        if self.volume_min_units_per_yr >= self.volume_max_units_per_yr:
            raise ValueError(
                f"volume_min_units_per_yr = {self.volume_min_units_per_yr:g} must be < "
                f"volume_max_units_per_yr = {self.volume_max_units_per_yr:g}")
        if self.challenger == self.incumbent:
            raise ValueError(f"challenger and incumbent are both {self.challenger!r}; "
                             "pick two different technologies")
        return self

    def products(self) -> np.ndarray:
        return np.arange(self.products_min, self.products_max + 1)

    def volumes(self) -> np.ndarray:
        return np.geomspace(self.volume_min_units_per_yr, self.volume_max_units_per_yr,
                            self.volume_steps)


def _check_breakeven(scenario: Scenario, params: BreakevenParams) -> list[Problem]:
    known = [t.id for t in scenario.technologies]
    return [
        Problem("<params>", field, value, f"no technology with this id; choose one of "
                f"{', '.join(known)}")
        for field, value in (("challenger", params.challenger), ("incumbent", params.incumbent))
        if value not in known
    ]


def _run_breakeven(scenario: Scenario, params: BreakevenParams, store: Store, run_id: str,
                   progress: ProgressCallback) -> None:
    products, volumes = params.products(), params.volumes()
    total = len(products)
    done = store.done_chunk_indices(run_id)
    for index, n_products in enumerate(products):
        if index in done:
            continue
        costs = {
            t.id: [annual_cost_usd_per_yr(t, scenario.firm, int(n_products), float(v))
                   for v in volumes]
            for t in scenario.technologies
        }
        store.record_chunk(run_id, index, {"products_per_line": int(n_products),
                                           "annual_cost_usd": costs})
        progress(len(store.done_chunk_indices(run_id)), total)
    rows = []
    for chunk in store.chunk_summaries(run_id).values():
        for technology, values in chunk["annual_cost_usd"].items():
            rows += [(technology, chunk["products_per_line"], float(v), float(c))
                     for v, c in zip(volumes, values, strict=True)]
    costs = pd.DataFrame(rows, columns=["technology", "products_per_line",
                                        "volume_units_per_yr", "annual_cost_usd"])
    store.put_summary(run_id, "annual_cost", costs)
    lookup = costs.set_index(["technology", "products_per_line", "volume_units_per_yr"])[
        "annual_cost_usd"]

    def advantage(n_products: float, volume: float) -> float:
        return float(lookup[(params.incumbent, int(n_products), volume)]
                     - lookup[(params.challenger, int(n_products), volume)])

    grid = breakeven_map(advantage, products, volumes, x_name="products_per_line",
                         y_name="volume_units_per_yr", value_name="advantage_usd_per_yr")
    store.put_summary(run_id, "breakeven", grid)
    store.put_summary(run_id, "technologies", pd.DataFrame([
        {"technology": t.id, "kind": t.kind.value, "operating_mode": t.operating_mode,
         "capex_usd": t.capex_usd, "labour_fte": t.labour_fte,
         "qc_cost_usd_per_lot": t.qc_cost_usd_per_lot,
         "cleaning_cost_usd_per_changeover": t.cleaning_cost_usd_per_changeover,
         "filing_cost_usd_per_product": t.filing_cost_usd_per_product,
         "useful_life_yr": t.useful_life_yr}
        for t in scenario.technologies
    ]))
    store.put_summary(run_id, "notes", pd.DataFrame({"note": [PLACEHOLDER_NOTE]}))


def _breakeven_figures(store: Store, run_id: str, scenario: Scenario,
                       params: BreakevenParams) -> dict[str, go.Figure]:
    grid = store.get_summary(run_id, "breakeven")
    costs = store.get_summary(run_id, "annual_cost")
    breakeven = fig.breakeven_map_figure(
        grid, "products_per_line", "volume_units_per_yr", "advantage_usd_per_yr",
        title=f"{params.challenger} vs {params.incumbent}: annual cost advantage "
              "(green: challenger cheaper)")
    breakeven.update_yaxes(type="log")
    winner = fig.winner_map_figure(costs, "products_per_line", "volume_units_per_yr")
    winner.update_yaxes(type="log")
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
def _fresh_seed() -> int:
    import secrets

    return secrets.randbits(63)


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


def _check_line(scenario: Scenario, params: LineSimulateParams) -> list[Problem]:
    problems = []
    if params.line_id not in {line.id for line in scenario.lines}:
        problems.append(Problem("<params>", "line_id", params.line_id,
                                f"no such line in scenario '{scenario.name}'"))
    if params.technology_id not in {t.id for t in scenario.technologies}:
        problems.append(Problem("<params>", "technology_id", params.technology_id,
                                "no such technology; choose one of "
                                + ", ".join(t.id for t in scenario.technologies)))
    known = {i.id for i in scenario.interventions}
    for iid in params.intervention_ids:
        if iid not in known:
            problems.append(Problem("<params>", "intervention_ids", iid,
                                    "no such intervention in the scenario"))
    return problems


def _run_line(scenario: Scenario, params: LineSimulateParams, store: Store, run_id: str,
              progress: ProgressCallback) -> None:
    from rxtwin.runs import resume_line_run

    resume_line_run(store, run_id, progress=progress)


def _line_figures(store: Store, run_id: str, scenario: Scenario,
                  params: LineSimulateParams) -> dict[str, go.Figure]:
    from rxtwin.report.figures import oee_waterfall_figure, technology_comparison_figure
    from rxtwin.runs import LINE_TABLE

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
    known = {i.id for i in scenario.interventions}
    return [Problem("<params>", "intervention_ids", iid, "no such intervention in the "
                    "scenario") for iid in params.intervention_ids if iid not in known]


def _run_supply(scenario: Scenario, params: SupplySimulateParams, store: Store, run_id: str,
                progress: ProgressCallback) -> None:
    from rxtwin.supply_runs import resume_supply_run

    resume_supply_run(store, run_id, progress=progress)


def _supply_figures(store: Store, run_id: str, scenario: Scenario,
                    params: SupplySimulateParams) -> dict[str, go.Figure]:
    from rxtwin.supply_runs import SUPPLY_TABLE

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
    except ValueError as error:
        return [Problem("<params>", "scenario", scenario.name, str(error))]
    problems = [Problem("<params>", "site_ids", sid, "no such site on a product's supply "
                        f"chain; choose from {', '.join(known)}")
                for sid in params.site_ids if sid not in known]
    if params.ttr_days is None:
        try:
            site_outage_ttr_days(scenario)
        except ValueError as error:
            problems.append(Problem("<params>", "ttr_days", None, str(error)))
    return problems


def _run_supply_exposure(scenario: Scenario, params: SupplyExposureParams, store: Store,
                         run_id: str, progress: ProgressCallback) -> None:
    from rxtwin.supply.network import build_network
    from rxtwin.supply_runs import exposure_table, store_supply_table

    name, frame = exposure_table(build_network(scenario), detail=params.detail,
                                 highly_concentrated_hhi=params.highly_concentrated_hhi,
                                 product_ids=params.product_ids)
    store_supply_table(store, run_id, name, frame)
    store.record_chunk(run_id, 0, {"rows": len(frame)})
    progress(1, 1)


def _run_supply_tts(scenario: Scenario, params: SupplyTtsParams, store: Store, run_id: str,
                    progress: ProgressCallback) -> None:
    from rxtwin.supply.network import build_network
    from rxtwin.supply.tts import site_outage_ttr_days
    from rxtwin.supply_runs import RISK_EXPOSURE_TABLE, risk_exposure_table, store_supply_table

    ttr_days = site_outage_ttr_days(scenario) if params.ttr_days is None else params.ttr_days
    frame = risk_exposure_table(build_network(scenario), ttr_days=ttr_days,
                                horizon_days=params.horizon_days, in_transit=params.in_transit,
                                site_ids=params.site_ids)
    store_supply_table(store, run_id, RISK_EXPOSURE_TABLE, frame)
    store.record_chunk(run_id, 0, {"rows": len(frame)})
    progress(1, 1)


def _supply_exposure_figures(store: Store, run_id: str, scenario: Scenario | None,
                             params: SupplyExposureParams) -> dict[str, go.Figure]:
    from rxtwin.supply_runs import EXPOSURE_DETAIL_TABLE, EXPOSURE_SUMMARY_TABLE

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
    from rxtwin.supply_runs import RISK_EXPOSURE_TABLE

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
        title="Break-even map (placeholder cost model)",
        description="Annual cost of each technology over products per line x annual volume; "
        "where the challenger beats the incumbent. " + PLACEHOLDER_NOTE,
        params_model=BreakevenParams,
        check=_check_breakeven,
        n_chunks=lambda p: p.products_max - p.products_min + 1,
        run=_run_breakeven,
        figures=_breakeven_figures,
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
    """Validate a run's parameters for ``kind`` against ``scenario``.

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
    return params


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
