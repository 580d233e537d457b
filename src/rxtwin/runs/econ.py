"""Econ runs: the technology appraisal composed with the line simulator, the bundled data
and the run store.

The engines stay apart: the line package simulates and converts a simulated year to a
:class:`~rxtwin.model.performance.LinePerformance` (:mod:`rxtwin.line.performance`), the econ
engine appraises performances (:mod:`rxtwin.econ.technology`,
:mod:`rxtwin.econ.technology_breakeven`), uq propagates the scenario's uncertainty
(:mod:`rxtwin.uq.technology`), and the data layer loads the appraisal's terms. This module
joins them:

* :func:`bundled_appraisal_terms` -- the terms from ``technology_appraisal.yaml``, the MACRS
  table and the ITC basis rule;
* :class:`LinePerformances`, :func:`simulate_performances` -- every technology of a line
  simulated with the same entropy (common random numbers), as performances; the
  ``performances_at`` callback of the break-even and uncertainty engines;
* :func:`appraise_technology`, :func:`breakeven_1d`, :func:`breakeven_map_2d`,
  :func:`subsidy_distribution`, :func:`npv_sensitivity` -- the engines with the simulator
  and the bundled terms bound;
* :func:`run_appraisal_table`, :func:`run_breakeven_table`, :func:`run_sensitivity_table`
  -- what ``rxtwin econ``, ``rxtwin breakeven`` and ``rxtwin sensitivity`` do, each kept as
  a run with its table (:func:`record_econ_table_run`);
* :func:`run_breakeven_map` -- the break-even map of the web's ``econ.breakeven`` run kind,
  row by row (resumable); the CLI and the web store the same table for the same inputs.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rxtwin.data.appraisal_defaults import load_appraisal_defaults
from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.econ import technology, technology_breakeven
from rxtwin.econ.breakeven import BreakevenBracketError
from rxtwin.econ.technology import AppraisalTerms, TechnologyAppraisal, appraisal_table
from rxtwin.econ.technology_breakeven import BreakevenParam
from rxtwin.errors import UserInputError
from rxtwin.line.from_scenario import line_inputs_from_scenario
from rxtwin.line.performance import line_performance_from_results
from rxtwin.line.plan import InfeasiblePlanError
from rxtwin.line.simulate import simulate
from rxtwin.model import Scenario
from rxtwin.model.finance import FirmProfile
from rxtwin.model.performance import LinePerformance
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.line import LineRun, run_line_simulation
from rxtwin.runs.recorded import Progress
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.store import Store
from rxtwin.uq import technology as uq_technology

__all__ = [
    "APPRAISE_RUN_KIND",
    "APPRAISAL_TABLE",
    "BREAKEVEN_MAP_TABLE",
    "BREAKEVEN_PARAMS",
    "BREAKEVEN_RUN_KIND",
    "BREAKEVEN_TABLE",
    "DEFAULT_BREAKEVEN_REPLICATIONS",
    "MAP_RANGES",
    "SENSITIVITY_METHODS",
    "SENSITIVITY_RUN_KIND",
    "SENSITIVITY_TABLE",
    "AppraisalRun",
    "EconTableRun",
    "LinePerformances",
    "appraise_technology",
    "breakeven_1d",
    "breakeven_map_2d",
    "bundled_appraisal_terms",
    "candidate_technologies",
    "default_grid",
    "line_and_baseline",
    "npv_sensitivity",
    "performances_of_runs",
    "record_econ_table_run",
    "run_appraisal_table",
    "run_breakeven_table",
    "run_breakeven_map",
    "run_sensitivity_table",
    "simulate_performances",
    "store_econ_table",
    "subsidy_distribution",
]

APPRAISE_RUN_KIND = "econ.appraise"
BREAKEVEN_RUN_KIND = "econ.breakeven"
SENSITIVITY_RUN_KIND = "econ.sensitivity"
APPRAISAL_TABLE = "appraisal"
"""Table of an appraisal run (``rxtwin econ``): :func:`rxtwin.econ.technology.appraisal_table`."""
BREAKEVEN_TABLE = "breakeven"
"""Table of a 1-D break-even run (``rxtwin breakeven --param X``)."""
BREAKEVEN_MAP_TABLE = "breakeven_map"
"""Table of a break-even map (``rxtwin breakeven --param X --param2 Y``, web
``econ.breakeven``): the frame of :func:`breakeven_map_2d`."""
SENSITIVITY_TABLE = "sensitivity"
"""Table of a sensitivity run (``rxtwin sensitivity``): the uq function's table."""

DEFAULT_BREAKEVEN_REPLICATIONS = 200

#: The break-even parameters (:class:`rxtwin.econ.technology_breakeven.BreakevenParam`).
BREAKEVEN_PARAMS = tuple(p.value for p in BreakevenParam)
#: The sensitivity methods of :func:`npv_sensitivity`.
SENSITIVITY_METHODS = uq_technology.SENSITIVITY_METHODS

#: Default grid of each break-even parameter for maps: (low, high); products use 1..n.
#: Assumption: wide enough to show a winner change on the bundled scenarios (a quarter to
#: twice today's volume, half to twice the price, no to full subsidy, a quarter to twice
#: the capex); narrow the range with explicit values for a sharper map.
MAP_RANGES = {"volume_scale": (0.25, 2.0), "price_scale": (0.5, 2.0), "capex_grant": (0.0, 1.0),
              "itc": (0.0, 1.0), "capex_scale": (0.25, 2.0)}


# ------------------------------------------------------------------ terms and performances


def bundled_appraisal_terms() -> AppraisalTerms:
    """The appraisal terms of the bundled data: depreciation method and life, salvage and
    waste disposal (``technology_appraisal.yaml``), the MACRS GDS half-year table (IRS
    Publication 946, Table A-1) and the ITC basis reduction (26 U.S.C. 50(c)(1),
    ``subsidies.yaml``)."""
    defaults = load_appraisal_defaults()
    return AppraisalTerms(
        depreciation_method=defaults.depreciation_method,
        depreciation_life_yr=defaults.depreciation_life_yr,
        salvage_value_fraction=defaults.salvage_value_fraction,
        waste_disposal_usd_per_unit=defaults.waste_disposal_usd_per_unit,
        **cash_flow_defaults(),
    )


@dataclass(frozen=True)
class LinePerformances:
    """The ``performances_at`` callback of the econ and uq engines, by simulation.

    ``LinePerformances(line_id, n_replications, entropy)(scenario, technology_ids)``
    simulates ``line_id`` of ``scenario`` once per technology (duplicates once), every one
    with the same ``entropy`` (common random numbers), and returns
    ``{technology_id: LinePerformance}``
    (:func:`rxtwin.line.performance.line_performance_from_results` at the scenario firm's
    carrying rate). Picklable when ``map_chunks`` is (the default is), so a process pool
    can run it inside map rows and samples.

    Attributes
    ----------
    line_id : str
        The line simulated.
    n_replications : int
        Replication-years per technology [-].
    entropy : int
        Root seed of every simulation.
    map_chunks : ChunkMapper
        Runs each simulation's chunks (serial by default).
    policy : str or None
        Campaign policy; ``None`` is the line's own.
    skip_infeasible : bool
        Leave out a technology whose campaign plan cannot make the demand
        (:class:`rxtwin.line.plan.InfeasiblePlanError`) instead of raising: the contract of
        the break-even studies, where such a point has no NPV.
    intervention_ids : tuple of str
        Interventions applied to the line with every technology (the line with a measure,
        :func:`rxtwin.line.from_scenario.line_inputs_from_scenario`); none by default.
    """

    line_id: str
    n_replications: int
    entropy: int
    map_chunks: ChunkMapper = map_serial
    policy: str | None = None
    skip_infeasible: bool = False
    intervention_ids: tuple[str, ...] = ()

    def __call__(self, scenario: Scenario,
                 technology_ids: Sequence[str]) -> dict[str, LinePerformance]:
        carrying = scenario.firm.inventory_carrying_rate_per_yr
        out = {}
        for tid in dict.fromkeys(technology_ids):
            try:
                inputs = line_inputs_from_scenario(scenario, self.line_id, technology_id=tid,
                                                   policy=self.policy,
                                                   intervention_ids=self.intervention_ids)
                results = simulate(inputs, self.n_replications, entropy=self.entropy,
                                   map_chunks=self.map_chunks)
            except InfeasiblePlanError:
                if not self.skip_infeasible:
                    raise
                continue
            out[tid] = line_performance_from_results(results, inputs, carrying)
        return out


def simulate_performances(
    scenario: Scenario,
    line_id: str,
    technology_ids: Sequence[str],
    *,
    n_replications: int,
    entropy: int,
    map_chunks: ChunkMapper = map_serial,
    policy: str | None = None,
) -> dict[str, LinePerformance]:
    """Simulate ``line_id`` with each technology (same entropy for all: common random
    numbers) and return each one's :class:`~rxtwin.model.performance.LinePerformance`
    (:class:`LinePerformances`)."""
    return LinePerformances(line_id, n_replications, entropy, map_chunks,
                            policy)(scenario, technology_ids)


def performances_of_runs(scenario: Scenario, line_id: str,
                         runs: Sequence[LineRun]) -> dict[str, LinePerformance]:
    """The performances of stored line runs of ``line_id`` (one per technology, made by
    :func:`rxtwin.runs.line.run_line_simulation`), from the engine inputs each run
    simulated."""
    carrying = scenario.firm.inventory_carrying_rate_per_yr
    return {
        run.technology_id: line_performance_from_results(
            run.results, run.inputs, carrying)
        for run in runs}


# ------------------------------------------------------------------ the engines, bound


def appraise_technology(
    scenario: Scenario,
    line_id: str,
    option_tech_id: str,
    baseline_tech_id: str = "batch",
    *,
    n_replications: int = 400,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
    capex_grant_fraction: float = 0.0,
    itc_fraction: float = 0.0,
    profile: FirmProfile | None = None,
    performances: Mapping[str, LinePerformance] | None = None,
) -> TechnologyAppraisal:
    """Appraise switching a line from the incumbent technology to another, simulating both.

    :func:`rxtwin.econ.technology.appraise_technology` with the bundled terms
    (:func:`bundled_appraisal_terms`) and the performances of :func:`simulate_performances`
    (``n_replications`` each, the same ``entropy`` for both technologies, chunks run by
    ``map_chunks``), or the ``performances`` given (precomputed or from stored runs; no
    simulation then). ``capex_grant_fraction``, ``itc_fraction`` [-] and ``profile``
    (default the scenario's firm) as there.
    """
    if performances is None:
        performances = simulate_performances(
            scenario, line_id, [baseline_tech_id, option_tech_id],
            n_replications=n_replications, entropy=entropy, map_chunks=map_chunks)
    return technology.appraise_technology(
        scenario, line_id, option_tech_id, baseline_tech_id, performances,
        bundled_appraisal_terms(), capex_grant_fraction=capex_grant_fraction,
        itc_fraction=itc_fraction, profile=profile)


def breakeven_1d(
    scenario: Scenario,
    param: BreakevenParam | str,
    *,
    line_id: str | None = None,
    option_tech_id: str = "continuous",
    baseline_tech_id: str = "batch",
    lo: float | None = None,
    hi: float | None = None,
    n_replications: int = DEFAULT_BREAKEVEN_REPLICATIONS,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
) -> float:
    """Value of ``param`` at which switching to ``option_tech_id`` breaks even.

    :func:`rxtwin.econ.technology_breakeven.breakeven_1d` with the bundled terms and line
    simulations of ``n_replications`` replication-years per technology and point, the same
    ``entropy`` everywhere, chunks run by ``map_chunks``; a technology that cannot make a
    point's demand has no NPV there (:class:`LinePerformances` with ``skip_infeasible``).

    Raises
    ------
    BreakevenBracketError
        No sign change of the NPV in the bracket.
    """
    line_id = line_id or scenario.lines[0].id
    performances_at = LinePerformances(line_id, n_replications, entropy, map_chunks,
                                       skip_infeasible=True)
    return technology_breakeven.breakeven_1d(
        scenario, param, performances_at, bundled_appraisal_terms(), line_id=line_id,
        option_tech_id=option_tech_id, baseline_tech_id=baseline_tech_id, lo=lo, hi=hi)


def breakeven_map_2d(
    scenario: Scenario,
    param_x: BreakevenParam | str,
    values_x: Sequence[float],
    param_y: BreakevenParam | str,
    values_y: Sequence[float],
    *,
    line_id: str | None = None,
    technology_ids: Sequence[str] | None = None,
    baseline_tech_id: str = "batch",
    n_replications: int = DEFAULT_BREAKEVEN_REPLICATIONS,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Incremental NPV of every technology over a 2-D grid, and the winner per cell.

    :func:`rxtwin.econ.technology_breakeven.breakeven_map_2d` with the bundled terms and
    line simulations of ``n_replications`` per technology and point, the same ``entropy``
    everywhere. ``map_chunks`` runs the map's rows (one task per x value); a row's
    simulations run serially inside its task (a 200-replication simulation is one chunk and
    would not parallelise itself). Columns as there.
    """
    line_id = line_id or scenario.lines[0].id
    performances_at = LinePerformances(line_id, n_replications, entropy, map_serial,
                                       skip_infeasible=True)
    return technology_breakeven.breakeven_map_2d(
        scenario, param_x, values_x, param_y, values_y, performances_at,
        bundled_appraisal_terms(), line_id=line_id, technology_ids=technology_ids,
        baseline_tech_id=baseline_tech_id, map_chunks=map_chunks, progress=progress)


def _switch(line_id: str, option_tech_id: str, baseline_tech_id: str) -> dict:
    return {"line_id": line_id, "option_tech_id": option_tech_id,
            "baseline_tech_id": baseline_tech_id, "terms": bundled_appraisal_terms()}


def subsidy_distribution(
    scenario: Scenario,
    *,
    line_id: str | None = None,
    option_tech_id: str = "continuous",
    baseline_tech_id: str = "batch",
    n_samples: int = 64,
    rng: np.random.Generator,
    n_replications: int = 400,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
) -> pd.DataFrame:
    """Required subsidies over Latin-hypercube samples of ``scenario.uncertain``.

    :func:`rxtwin.uq.technology.subsidy_distribution` of
    :func:`rxtwin.econ.technology.subsidy_outcomes` with line simulations of
    ``n_replications`` per technology, the same ``entropy`` everywhere; ``map_chunks``
    runs the samples (a sample's simulations run serially inside its task).

    Returns
    -------
    pandas.DataFrame
        One row per sample: the sampled values (one column per path), ``npv_usd``
        (unsubsidised incremental NPV at the sample's hurdle rate [USD]),
        ``subsidy_pv_usd`` (``max(0, -npv_usd)``: the untaxed lump sum at year 0 that makes
        the NPV zero, always finite [USD]), ``capex_grant_fraction`` and ``itc_fraction``
        required [-] (``inf`` where even a share of 1 cannot make the NPV zero).
    """
    line_id = line_id or scenario.lines[0].id
    outcome = functools.partial(technology.subsidy_outcomes,
                                **_switch(line_id, option_tech_id, baseline_tech_id))
    return uq_technology.subsidy_distribution(
        scenario, LinePerformances(line_id, n_replications, entropy), outcome,
        technology_ids=[baseline_tech_id, option_tech_id], n_samples=n_samples, rng=rng,
        map_chunks=map_chunks)


def npv_sensitivity(
    scenario: Scenario,
    method: str,
    *,
    line_id: str | None = None,
    option_tech_id: str = "continuous",
    baseline_tech_id: str = "batch",
    n: int = 64,
    rng: np.random.Generator,
    n_replications: int = 200,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
) -> pd.DataFrame:
    """Sensitivity of the incremental NPV to the scenario's ``uncertain`` parameters.

    :func:`rxtwin.uq.technology.npv_sensitivity` (``method`` sobol, morris or tornado) of
    :func:`rxtwin.econ.technology.switch_npv_usd` with line simulations of
    ``n_replications`` per technology, the same ``entropy`` everywhere. ``map_chunks`` runs
    the model evaluations of sobol and morris (their simulations then run serially inside
    each task) and the simulations of a tornado (its ``2d + 1`` evaluations run serially).
    """
    line_id = line_id or scenario.lines[0].id
    per_sample = method != "tornado"
    outcome = functools.partial(technology.switch_npv_usd,
                                **_switch(line_id, option_tech_id, baseline_tech_id))
    performances_at = LinePerformances(line_id, n_replications, entropy,
                                       map_serial if per_sample else map_chunks)
    return uq_technology.npv_sensitivity(
        scenario, method, performances_at, outcome,
        technology_ids=[baseline_tech_id, option_tech_id], n=n, rng=rng,
        map_chunks=map_chunks if per_sample else map_serial)


# ------------------------------------------------------------------ stored runs


def line_and_baseline(scenario: Scenario, line_id: str | None,
                      baseline_tech_id: str | None) -> tuple[str, str]:
    """The line to study (default the scenario's first) and its incumbent technology
    (default the line's own), checked against the scenario."""
    if not scenario.lines:
        raise UserInputError(f"scenario '{scenario.name}' has no lines")
    chosen = scenario.line(line_id) if line_id is not None else scenario.lines[0]
    incumbent = baseline_tech_id or chosen.technology_id
    scenario.technology(incumbent)
    return chosen.id, incumbent


def candidate_technologies(scenario: Scenario, technology_ids: Sequence[str],
                           baseline_tech_id: str) -> list[str]:
    """The candidate technologies: ``technology_ids``, or every technology but the baseline
    when empty; each checked against the scenario."""
    techs = list(technology_ids) or [t.id for t in scenario.technologies
                                     if t.id != baseline_tech_id]
    for tid in (baseline_tech_id, *techs):
        scenario.technology(tid)
    return techs


def default_grid(param: BreakevenParam | str, scenario: Scenario, line_id: str,
                 points: int) -> list[float]:
    """``points`` evenly spaced values of a break-even parameter (``rxtwin breakeven
    --points``).

    Parameters
    ----------
    param : BreakevenParam or str
    scenario : Scenario
    line_id : str
        Line whose products ``products_per_line`` counts.
    points : int
        Values wanted [-] (>= 2).

    Returns
    -------
    list of float
        ``products_per_line``: the distinct integers of ``min(points, n)`` values evenly
        spaced over 1..n (n = products of the line; ints); any other parameter: ``points``
        values evenly spaced over its :data:`MAP_RANGES` range.
    """
    param = BreakevenParam(param).value
    if param == "products_per_line":
        n = len(scenario.line(line_id).product_ids)
        return sorted({int(round(v)) for v in np.linspace(1, n, min(points, n))})
    low, high = MAP_RANGES[param]
    return [float(v) for v in np.linspace(low, high, points)]


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Infinite values (payback never reached) as NaN for the JSON store."""
    out = frame.copy()
    for column in out.select_dtypes(include="number").columns:
        out[column] = out[column].replace([np.inf, -np.inf], np.nan)
    return out


def store_econ_table(store: Store, run_id: str, name: str, frame: pd.DataFrame) -> None:
    """Write an econ result table to a run (infinite values as NaN), as the CLI and the web
    app both do."""
    store.put_summary(run_id, name, _storable(frame))


def record_econ_table_run(store: Store, scenario: Scenario, kind: str, params: dict,
                          entropy: int | None, name: str, frame: pd.DataFrame,
                          wall_s: float) -> str:
    """Keep one econ table as a new finished run (what ``--db`` of ``rxtwin econ``,
    ``rxtwin breakeven`` and ``rxtwin sensitivity`` does).

    Parameters
    ----------
    store : Store
    scenario : Scenario
        Stored with the run.
    kind : str
        :data:`APPRAISE_RUN_KIND`, :data:`BREAKEVEN_RUN_KIND` or
        :data:`SENSITIVITY_RUN_KIND`.
    params : dict
        The run's parameters, stored as given.
    entropy : int or None
        Root seed of the run.
    name : str
        Table name (:data:`APPRAISAL_TABLE`, :data:`BREAKEVEN_TABLE`,
        :data:`BREAKEVEN_MAP_TABLE`, :data:`SENSITIVITY_TABLE`).
    frame : pandas.DataFrame
    wall_s : float
        Wall time of the work [s].

    Returns
    -------
    str
        The run id. The run has no chunks.
    """
    digest = store.put_scenario(scenario.document(), scenario.name)
    run_id = store.create_run(kind, digest, params, entropy)
    store.start_run(run_id)
    store_econ_table(store, run_id, name, frame)
    store.finish_run(run_id, wall_s)
    return run_id


@dataclass(frozen=True)
class AppraisalRun:
    """Result of :func:`run_appraisal_table`.

    Attributes
    ----------
    run_id : str
        The stored ``econ.appraise`` run.
    table : pandas.DataFrame
        :func:`rxtwin.econ.technology.appraisal_table` of the candidates, in their order.
    appraisals : list of TechnologyAppraisal
        One per candidate.
    line_runs : list of LineRun
        The stored line runs, baseline first.
    entropy : int
        Root seed of every line run.
    """

    run_id: str
    table: pd.DataFrame
    appraisals: list[TechnologyAppraisal]
    line_runs: list[LineRun]
    entropy: int


def run_appraisal_table(
    store: Store,
    scenario: Scenario,
    *,
    line_id: str,
    baseline_tech_id: str,
    technology_ids: Sequence[str],
    n_replications: int,
    entropy: int | None = None,
    subsidies: Mapping[str, float] | None = None,
    compute: ComputeSetting = SERIAL,
    progress: Callable[[str], Progress] | None = None,
) -> AppraisalRun:
    """Rank technologies against the incumbent and keep the result (``rxtwin econ``).

    Simulates the line with the baseline and every candidate as stored line runs
    (:func:`rxtwin.runs.line.run_line_simulation`, one entropy for all: common random
    numbers; ``progress(technology_id)`` gives each one's chunk callback), appraises each
    candidate against the baseline from those runs
    (:func:`rxtwin.econ.technology.appraise_technology` with the bundled terms and the
    scenario's firm) and stores the table as an :data:`APPRAISE_RUN_KIND` run.

    Parameters
    ----------
    subsidies : mapping, optional
        ``capex_grant_fraction`` and/or ``itc_fraction`` [-], stored with the run's
        parameters as given.
    entropy : int, optional
        Root seed; fresh entropy when not given (stored with the runs).
    compute : ComputeSetting
        Where the line runs' chunks run (serial by default; never stored with the runs).
    """
    subsidies = dict(subsidies or {})
    unknown = sorted(set(subsidies) - {"capex_grant_fraction", "itc_fraction"})
    if unknown:
        raise UserInputError(f"subsidies {unknown} are unknown; give capex_grant_fraction "
                             "and/or itc_fraction")
    start = time.perf_counter()
    line_runs = run_line_simulation(store, scenario, line_id=line_id,
                                    technology_ids=[baseline_tech_id, *technology_ids],
                                    n_replications=n_replications, entropy=entropy,
                                    backend=compute.backend, workers=compute.workers,
                                    scheduler_address=compute.scheduler_address,
                                    progress=progress)
    entropy = line_runs[0].results.seed_entropy
    performances = performances_of_runs(scenario, line_id, line_runs)
    terms = bundled_appraisal_terms()
    appraisals = [technology.appraise_technology(scenario, line_id, tid, baseline_tech_id,
                                                 performances, terms, **subsidies)
                  for tid in technology_ids]
    table = appraisal_table(appraisals)
    params = {"line_id": line_id, "baseline": baseline_tech_id,
              "technologies": list(technology_ids), "n_replications": n_replications,
              **subsidies, "line_runs": [r.run_id for r in line_runs]}
    run_id = record_econ_table_run(store, scenario, APPRAISE_RUN_KIND, params, entropy,
                                   APPRAISAL_TABLE, table, time.perf_counter() - start)
    return AppraisalRun(run_id, table, appraisals, line_runs, entropy)


@dataclass(frozen=True)
class EconTableRun:
    """A stored econ run and its table (:func:`run_breakeven_table`,
    :func:`run_sensitivity_table`).

    Attributes
    ----------
    run_id : str
    name : str
        The table's name in the store.
    table : pandas.DataFrame
    """

    run_id: str
    name: str
    table: pd.DataFrame


def run_breakeven_table(
    store: Store,
    scenario: Scenario,
    *,
    param: BreakevenParam | str,
    param2: BreakevenParam | str | None = None,
    line_id: str,
    baseline_tech_id: str,
    technology_ids: Sequence[str],
    n_replications: int = DEFAULT_BREAKEVEN_REPLICATIONS,
    entropy: int = 0,
    points: int = 8,
    compute: ComputeSetting = SERIAL,
    progress: Progress | None = None,
) -> EconTableRun:
    """Break-even of switching from the incumbent, kept as a run (``rxtwin breakeven``).

    Without ``param2``: :func:`breakeven_1d` of ``param`` for every candidate, as a
    :data:`BREAKEVEN_TABLE` (columns ``technology``, ``param``, ``breakeven`` -- NaN with
    the solver's message in ``note`` when the bracket holds no break-even). With
    ``param2``: :func:`breakeven_map_2d` over :func:`default_grid` of ``points`` values of
    each parameter (rows where ``compute`` says; ``progress(done_points,
    total_points)``), as a :data:`BREAKEVEN_MAP_TABLE`. Either is stored as a
    :data:`BREAKEVEN_RUN_KIND` run with seed ``entropy``.
    """
    param = BreakevenParam(param).value
    param2 = None if param2 is None else BreakevenParam(param2).value
    technology_ids = list(technology_ids)
    map_chunks = compute.map_chunks()
    start = time.perf_counter()
    if param2 is None:
        rows = []
        for tid in technology_ids:
            try:
                value = breakeven_1d(scenario, param, line_id=line_id, option_tech_id=tid,
                                     baseline_tech_id=baseline_tech_id,
                                     n_replications=n_replications, entropy=entropy,
                                     map_chunks=map_chunks)
                note = ""
            except BreakevenBracketError as error:
                value, note = math.nan, str(error)
            rows.append({"technology": tid, "param": param, "breakeven": value, "note": note})
        frame = pd.DataFrame(rows, columns=["technology", "param", "breakeven", "note"])
        name = BREAKEVEN_TABLE
    else:
        frame = breakeven_map_2d(
            scenario, param, default_grid(param, scenario, line_id, points), param2,
            default_grid(param2, scenario, line_id, points), line_id=line_id,
            technology_ids=technology_ids, baseline_tech_id=baseline_tech_id,
            n_replications=n_replications, entropy=entropy, map_chunks=map_chunks,
            progress=progress)
        name = BREAKEVEN_MAP_TABLE
    params = {"line_id": line_id, "baseline": baseline_tech_id, "param": param,
              "param2": param2, "technologies": technology_ids,
              "n_replications": n_replications, "points": points}
    run_id = record_econ_table_run(store, scenario, BREAKEVEN_RUN_KIND, params, entropy, name,
                                   frame, time.perf_counter() - start)
    return EconTableRun(run_id, name, frame)


def run_sensitivity_table(
    store: Store,
    scenario: Scenario,
    *,
    method: str,
    option_tech_id: str,
    baseline_tech_id: str,
    line_id: str,
    n: int,
    n_replications: int = 200,
    seed: int = 0,
    compute: ComputeSetting = SERIAL,
) -> EconTableRun:
    """Sensitivity of the NPV of switching to ``option_tech_id``, kept as a run (``rxtwin
    sensitivity``).

    :func:`npv_sensitivity` with ``seed`` as both the sampling generator's seed and the
    simulations' entropy, chunks run where ``compute`` says; stored as a
    :data:`SENSITIVITY_RUN_KIND` run with its :data:`SENSITIVITY_TABLE`.
    """
    start = time.perf_counter()
    frame = npv_sensitivity(scenario, method, line_id=line_id, option_tech_id=option_tech_id,
                            baseline_tech_id=baseline_tech_id, n=n,
                            rng=np.random.default_rng(seed), n_replications=n_replications,
                            entropy=seed, map_chunks=compute.map_chunks())
    params = {"technology": option_tech_id, "baseline": baseline_tech_id, "line_id": line_id,
              "method": method, "n": n, "n_replications": n_replications}
    run_id = record_econ_table_run(store, scenario, SENSITIVITY_RUN_KIND, params, seed,
                                   SENSITIVITY_TABLE, frame, time.perf_counter() - start)
    return EconTableRun(run_id, SENSITIVITY_TABLE, frame)


# ------------------------------------------------------------------ the web's map run


_MAP_COLUMNS = ("technology", "npv_usd", "winner")


def _row_record(frame: pd.DataFrame, param_y: str) -> dict:
    """One map row (the cells of one x value) as a JSON-safe chunk summary (NaN as null)."""
    return {param_y: [float(v) for v in frame[param_y]],
            "technology": [str(v) for v in frame["technology"]],
            "npv_usd": [None if math.isnan(v) else float(v) for v in frame["npv_usd"]],
            "winner": [str(v) for v in frame["winner"]]}


def _row_frame(record: dict, param_x: str, x: float, param_y: str) -> pd.DataFrame:
    """Inverse of :func:`_row_record`."""
    npv = [math.nan if v is None else float(v) for v in record["npv_usd"]]
    return pd.DataFrame({param_x: [float(x)] * len(npv), param_y: record[param_y],
                         "technology": record["technology"], "npv_usd": npv,
                         "winner": record["winner"]},
                        columns=[param_x, param_y, *_MAP_COLUMNS])


def _map_row_record(scenario: Scenario, param_x: str, param_y: str, values_y: Sequence[float],
                    line_id: str, technology_ids: Sequence[str], baseline_tech_id: str,
                    n_replications: int, entropy: int, x: float) -> dict:
    """Map row ``x`` as the chunk a map run records (:func:`_row_record` of
    :func:`breakeven_map_2d` over ``[x] x values_y``); a module-level task, so process
    pools and Dask can run it."""
    row = breakeven_map_2d(scenario, param_x, [x], param_y, values_y, line_id=line_id,
                           technology_ids=technology_ids, baseline_tech_id=baseline_tech_id,
                           n_replications=n_replications, entropy=entropy)
    return _row_record(row, param_y)


def run_breakeven_map(
    store: Store,
    run_id: str,
    scenario: Scenario,
    param_x: BreakevenParam | str,
    values_x: Sequence[float],
    param_y: BreakevenParam | str,
    values_y: Sequence[float],
    *,
    line_id: str,
    technology_ids: Sequence[str],
    baseline_tech_id: str,
    n_replications: int,
    entropy: int,
    progress: Progress | None = None,
    compute: ComputeSetting = SERIAL,
) -> pd.DataFrame:
    """Compute a break-even map into a started run, one recorded chunk per x value.

    Chunk ``i`` is row ``values_x[i]`` of the map, computed by :func:`breakeven_map_2d`
    over ``[values_x[i]] x values_y`` with the same ``entropy`` (the simulations of a point
    do not depend on the other points), and recorded with ``store.record_chunk`` as it
    finishes; chunks already recorded are skipped, so an interrupted run resumes. The rows
    are then assembled in x order and stored as :data:`BREAKEVEN_MAP_TABLE` (the table
    ``rxtwin breakeven --param X --param2 Y --db`` stores for the same inputs). The run's
    life cycle (start, finish) is the caller's.

    Parameters
    ----------
    store : Store
    run_id : str
        A ``running`` run.
    scenario : Scenario
    param_x, param_y : BreakevenParam or str
        Distinct parameters.
    values_x, values_y : sequence of float
        Grid values.
    line_id : str
    technology_ids : sequence of str
        Candidate technologies.
    baseline_tech_id : str
        The incumbent.
    n_replications : int
        Replication-years per technology and grid point.
    entropy : int
        Root seed of every simulation.
    progress : callable, optional
        ``progress(done_rows, total_rows)`` after each row (may raise to stop the run).
    compute : ComputeSetting
        Where the rows run (one task per row; serial by default). The map is the same on
        every backend.

    Returns
    -------
    pandas.DataFrame
        The map, equal to ``breakeven_map_2d`` over the whole grid.
    """
    px, py = BreakevenParam(param_x).value, BreakevenParam(param_y).value
    total = len(values_x)

    def record(index: int, row: dict) -> None:
        store.record_chunk(run_id, index, row)
        if progress is not None:
            progress(len(store.done_chunk_indices(run_id)), total)

    task = functools.partial(_map_row_record, scenario, px, py, list(values_y), line_id,
                             list(technology_ids), baseline_tech_id, n_replications, entropy)
    compute.map_chunks()(task, list(values_x), done=store.chunk_summaries(run_id),
                         on_chunk_done=record)
    records = store.chunk_summaries(run_id)
    frame = pd.concat([_row_frame(records[index], px, x, py)
                       for index, x in enumerate(values_x)], ignore_index=True)
    store_econ_table(store, run_id, BREAKEVEN_MAP_TABLE, frame)
    return frame
