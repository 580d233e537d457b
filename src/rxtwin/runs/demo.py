"""The bundled demo: the workshop's questions on the bundled scenarios, end to end.

``run_demo`` composes the library (no printing here): it loads every bundled scenario,
simulates the reference generic line under every technology (stored in the run store),
appraises every technology against the incumbent batch line for the firm (NPV, IRR,
payback against its hurdle) and maps which technology wins over products per line x volume,
ranks the most exposed products and sites of the supply networks, compares every
technology and intervention of the generic, the sterile and the metformin scenarios on the
line and in the network from one seed (shortage-days avoided by cause, with paired
intervals) and prices each for the firm and for society, and derives the continuous line's losses from the digital twin. It returns typed tables for the CLI to
present and write; it grows as the engines land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from rxtwin.data.national import national_scenario
from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.data.supply_io import load_supply_defaults
from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.econ.technology import appraisal_table
from rxtwin.line.performance import line_performance_from_results
from rxtwin.model import Scenario
from rxtwin.runs.appraise import price_outcomes
from rxtwin.runs.econ import appraise_technology, breakeven_map_2d
from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params
from rxtwin.runs.line import LineRun, comparison_table, run_line_simulation
from rxtwin.runs.priority import (
    CHECK_TABLE,
    CHOICE_TABLE,
    FRONTIER_TABLE,
    PORTFOLIO_RUN_KIND,
    RANKING_TABLE,
)
from rxtwin.runs.resilience import (
    RESILIENCE_CATEGORIES_TABLE,
    RESILIENCE_CAUSES_TABLE,
    RESILIENCE_OPTIONS_TABLE,
    RESILIENCE_PRODUCTS_TABLE,
    RESILIENCE_RUN_KIND,
    OptionOutcome,
    ResilienceTables,
)
from rxtwin.store import Store
from rxtwin.supply.exposure import exposure_summary
from rxtwin.supply.network import build_network
from rxtwin.supply.tts import flow_model, risk_exposure, site_outage_ttr_days
from rxtwin.twin.handoff import continuous_loss_parameters

REFERENCE_SCENARIO = "generic_oral_solid"
# the scenarios whose technologies and measures the demo compares, line and network
RESILIENCE_SCENARIOS = ("generic-oral-solid", "sterile-injectable", "metformin")
DEMO_SEED = 20230302  # the workshop's date; any fixed seed makes the demo repeatable
#: Public budget of the demo's national portfolio [USD] (the order of a CHIPS-style grant
#: programme for one industry segment; an illustration, not a proposal).
DEMO_BUDGET_USD = 50e6
#: Columns of the demo's top-10 table of the national ranking.
PRIORITY_TOP_COLUMNS = ("rank", "name", "score", "criticality", "vulnerability", "risk",
                        "shortage_days_per_yr", "dominant_cause", "best_measure",
                        "best_shortage_days_avoided_per_yr", "best_firm_npv_usd",
                        "best_social_npv_usd", "best_public_cost_usd", "explanation")


@dataclass(frozen=True)
class DemoResult:
    """Tables the demo produced, by name (tidy DataFrames with documented columns), and
    the stored line runs."""

    scenarios: list[Scenario]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    line_runs: list[LineRun] = field(default_factory=list)


def scenario_overview(scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario: name, products, technologies, lines, failure modes, hash."""
    return pd.DataFrame([{
        "scenario": s.name,
        "products": len(s.products),
        "technologies": len(s.technologies),
        "lines": len(s.lines),
        "failure_modes": len(s.failure_modes),
        "demand_units_per_yr": sum(p.demand_units_per_yr for p in s.products),
        "content_hash": s.content_hash()[:12],
    } for s in scenarios])


def supply_exposure(scenario: Scenario, top: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``top`` most exposed products (exposure summary, most single-sourced inputs and
    highest supplier HHI first) and sites (risk-exposure ranking, each site down for the
    scenario's mean site-outage duration)."""
    defaults = load_supply_defaults()
    graph = build_network(scenario)
    products = exposure_summary(graph, defaults["highly_concentrated_hhi"])
    products = products.sort_values(["single_sourced", "max_hhi_supplier"],
                                    ascending=False).head(top)
    model = flow_model(graph, {})
    ttr = site_outage_ttr_days(scenario)
    sites = risk_exposure(model, dict.fromkeys(model.sites, ttr),
                          defaults["tts_horizon_days"]).head(top)
    products.insert(0, "scenario", scenario.name)
    sites.insert(0, "scenario", scenario.name)
    return products, sites


def twin_losses(campaign_length_h: float) -> pd.DataFrame:
    """The continuous line's expected diverted fraction and start-up/shut-down losses
    for the twin's default disturbance rate and a campaign of the given length."""
    params = load_twin_defaults()
    losses = continuous_loss_parameters(params, params.disturbance.rate_per_h,
                                        campaign_length_h)
    return pd.DataFrame([{"quantity": name, "value": float(value)}
                         for name, value in vars(losses).items()
                         if isinstance(value, int | float)])


def technology_ranking(scenario: Scenario, runs: list[LineRun]) -> pd.DataFrame:
    """Every technology appraised against the incumbent batch line from the demo's stored
    line runs (same seed for all: common random numbers), ranked by NPV at the firm's
    hurdle rate. Columns as :func:`rxtwin.econ.technology.appraisal_table`, plus ``rank``."""
    line_id = scenario.lines[0].id
    carrying = scenario.firm.inventory_carrying_rate_per_yr
    performances = {
        run.technology_id: line_performance_from_results(
            run.results, run.inputs, carrying)
        for run in runs}
    appraisals = [appraise_technology(scenario, line_id, tid, "batch",
                                      performances=performances)
                  for tid in performances if tid != "batch"]
    table = appraisal_table(appraisals).sort_values("npv_usd", ascending=False)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


DEMO_MAP_PRODUCTS = (1, 6, 12, 24)
DEMO_MAP_VOLUME_SCALES = (0.25, 0.5, 1.0)


def breakeven_winners(scenario: Scenario, n_replications: int) -> pd.DataFrame:
    """Which technology wins (highest NPV vs batch, or batch when none clears the hurdle)
    on the reference line for a few products-per-line x volume-scale points: a small
    version of ``rxtwin breakeven``. Columns: products_per_line, volume_scale, winner,
    best_npv_usd."""
    grid = breakeven_map_2d(scenario, "products_per_line", DEMO_MAP_PRODUCTS, "volume_scale",
                            DEMO_MAP_VOLUME_SCALES, n_replications=n_replications,
                            entropy=DEMO_SEED)
    best = grid.groupby(["products_per_line", "volume_scale"], as_index=False).agg(
        winner=("winner", "first"), best_npv_usd=("npv_usd", "max"))
    return best


def resilience_comparison(
        store: Store, scenario: Scenario, n_years: int, line_replications: int,
        progress: Callable[[str], Callable[[int, int], None]] | None = None,
        priced: list[pd.DataFrame] | None = None,
) -> ResilienceTables:
    """Every technology on the scenario's first line and every intervention on its
    incumbent, line and network together, from :data:`DEMO_SEED` (common random numbers),
    stored as a ``resilience.compare`` run (:mod:`rxtwin.runs.resilience`): ``n_years``
    network scenario-years per option in 20 chunks (the paired intervals' batches) and
    ``line_replications`` line replication-years. The tables carry a ``scenario`` column
    in front; ``progress(label)`` returns the callback of the run (label
    ``resilience:<scenario name>``). When ``priced`` is given, the options priced for the
    firm and for society from the run's recorded outcomes
    (:func:`rxtwin.runs.appraise.price_outcomes`, the draws from :data:`DEMO_SEED`) are
    appended to it, with the ``scenario`` column."""
    kind = RUN_KINDS[RESILIENCE_RUN_KIND]
    params = parse_params(RESILIENCE_RUN_KIND, scenario, {
        "n_years": n_years, "chunk_size": max(1, n_years // 20),
        "line_replications": line_replications, "seed": DEMO_SEED})
    run_id = store.create_run(RESILIENCE_RUN_KIND,
                              store.put_scenario(scenario.document(), scenario.name),
                              params.model_dump(mode="json"), params.seed,
                              n_chunks=kind.n_chunks(params))
    execute_run(store, run_id, (lambda done, total: None) if progress is None
                else progress(f"resilience:{scenario.name}"))
    tables = []
    for name in (RESILIENCE_OPTIONS_TABLE, RESILIENCE_CAUSES_TABLE,
                 RESILIENCE_CATEGORIES_TABLE, RESILIENCE_PRODUCTS_TABLE):
        frame = store.get_summary(run_id, name)
        frame.insert(0, "scenario", scenario.name)
        tables.append(frame)
    if priced is not None:
        chunks = store.chunk_summaries(run_id)
        outcomes = [OptionOutcome.from_dict(chunks[i]) for i in sorted(chunks)]
        line_id = params.line_id or scenario.lines[0].id
        table = price_outcomes(scenario, line_id, outcomes, entropy=DEMO_SEED).table
        table.insert(0, "scenario", scenario.name)
        priced.append(table)
    return ResilienceTables(*tables)


def national_priorities(store: Store, n_years: int,
                        progress: Callable[[str], Callable[[int, int], None]] | None = None,
                        ) -> tuple[Scenario, dict[str, pd.DataFrame]]:
    """The national network of the bundled WHO essential-medicines list
    (:func:`rxtwin.data.national.national_scenario`, seed :data:`DEMO_SEED`) ranked and
    given a portfolio under :data:`DEMO_BUDGET_USD`, stored as one ``priority.portfolio``
    run (``n_years`` scenario-years per network run in 10 chunks). Returns the scenario
    and the tables ``priority_ranking``, ``portfolio_choice``, ``portfolio_frontier`` and
    ``portfolio_check`` (progress label ``priority:national``)."""
    scenario = national_scenario(DEMO_SEED)
    kind = RUN_KINDS[PORTFOLIO_RUN_KIND]
    params = parse_params(PORTFOLIO_RUN_KIND, scenario, {
        "n_years": n_years, "chunk_size": max(1, n_years // 10), "n_draws": 50,
        "budget_usd": DEMO_BUDGET_USD, "seed": DEMO_SEED})
    run_id = store.create_run(PORTFOLIO_RUN_KIND,
                              store.put_scenario(scenario.document(), scenario.name),
                              params.model_dump(mode="json"), params.seed,
                              n_chunks=kind.n_chunks(params))
    execute_run(store, run_id, (lambda done, total: None) if progress is None
                else progress("priority:national"))
    tables = {name: store.get_summary(run_id, name)
              for name in (RANKING_TABLE, CHOICE_TABLE, FRONTIER_TABLE, CHECK_TABLE)}
    return scenario, tables


def run_demo(store: Store, *, n_replications: int = 200, n_supply_years: int = 1000,
             progress: Callable[[str], Callable[[int, int], None]] | None = None) -> DemoResult:
    """Run the demo on the bundled data and return its tables.

    Parameters
    ----------
    store : Store
        Where the line runs are recorded.
    n_replications : int
        Replication-years per technology on the reference line [-].
    progress : callable, optional
        ``progress(label)`` returns a ``(done, total)`` chunk callback (labels: the
        technology ids of the line runs, then ``resilience:<scenario name>``, then
        ``priority:national``).
    n_supply_years : int
        Network scenario-years per option of the resilience comparisons [-] (their line
        runs take a quarter of ``n_replications``, at least 10); the national study runs a
        fifth of them per measure, at least 100.
    """
    scenarios = [load_scenario(name) for name in bundled_scenario_names()]
    reference = next(s for s in scenarios if s.name == "generic-oral-solid")
    runs = run_line_simulation(
        store, reference, line_id=reference.lines[0].id,
        technology_ids=[t.id for t in reference.technologies],
        n_replications=n_replications, entropy=DEMO_SEED, progress=progress)
    exposed_products, exposed_sites = [], []
    for scenario in scenarios:
        products, sites = supply_exposure(scenario, top=5)
        exposed_products.append(products)
        exposed_sites.append(sites)
    priced: list[pd.DataFrame] = []
    compared = [resilience_comparison(store, s, n_supply_years,
                                      max(10, n_replications // 4), progress=progress,
                                      priced=priced)
                for name in RESILIENCE_SCENARIOS for s in scenarios if s.name == name]
    national, priorities = national_priorities(store, max(100, n_supply_years // 5),
                                               progress)
    continuous = next(r for r in runs if r.technology_id == "continuous")
    campaign_h = continuous.results.mean("run_h") / max(
        continuous.results.mean("changeovers"), 1.0)
    tables = {
        "scenarios": scenario_overview(scenarios),
        "line_comparison": comparison_table(runs),
        "exposed_products": pd.concat(exposed_products, ignore_index=True),
        "exposed_sites": pd.concat(exposed_sites, ignore_index=True),
        "resilience_options": pd.concat([c.options for c in compared], ignore_index=True),
        "resilience_by_cause": pd.concat([c.by_cause for c in compared], ignore_index=True),
        "resilience_by_category": pd.concat([c.by_category for c in compared],
                                            ignore_index=True),
        "resilience_by_product": pd.concat([c.by_product for c in compared],
                                           ignore_index=True),
        "options_priced": pd.concat(priced, ignore_index=True),
        "twin_losses": twin_losses(campaign_h),
        "technology_ranking": technology_ranking(reference, runs),
        "breakeven_winners": breakeven_winners(reference, max(20, n_replications // 4)),
        "priority_ranking": priorities[RANKING_TABLE],
        "priority_top": priorities[RANKING_TABLE].nsmallest(10, "rank")[
            list(PRIORITY_TOP_COLUMNS)].reset_index(drop=True),
        "portfolio_choice": priorities[CHOICE_TABLE],
        "portfolio_frontier": priorities[FRONTIER_TABLE],
        "portfolio_check": priorities[CHECK_TABLE],
    }
    return DemoResult(scenarios=[*scenarios, national], tables=tables, line_runs=runs)
