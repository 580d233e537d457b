"""The bundled demo: the workshop's questions on the bundled scenarios, end to end.

``run_demo`` composes the library (no printing here): it loads every bundled scenario,
simulates the reference generic line under every technology (stored in the run store),
appraises every technology against the incumbent batch line for the firm (NPV, IRR,
payback against its hurdle) and maps which technology wins over products per line x volume,
ranks the most exposed products and sites of the supply networks, simulates the sterile
injectables' supply with and without each of the scenario's interventions (common random
numbers), and derives the continuous line's losses from the digital twin. It returns typed tables for the CLI to
present and write; it grows as the engines land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.data.supply_io import load_supply_defaults
from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.econ.technology import appraisal_table
from rxtwin.line.performance import line_performance_from_results
from rxtwin.model import Scenario
from rxtwin.runs.econ import appraise_technology, breakeven_map_2d
from rxtwin.runs.line import LineRun, comparison_table, run_line_simulation
from rxtwin.runs.site_failures import supply_inputs_with_lines
from rxtwin.runs.supply import run_supply_simulation, supply_inputs_sha256
from rxtwin.store import Store
from rxtwin.supply.exposure import exposure_summary
from rxtwin.supply.network import build_network
from rxtwin.supply.tts import flow_model, risk_exposure, site_outage_ttr_days
from rxtwin.twin.handoff import continuous_loss_parameters

REFERENCE_SCENARIO = "generic_oral_solid"
RESILIENCE_SCENARIO = "sterile-injectable"  # the scenario with supply-side interventions
DEMO_SEED = 20230302  # the workshop's date; any fixed seed makes the demo repeatable


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


def supply_resilience(
        store: Store, scenario: Scenario, n_years: int,
        progress: Callable[[str], Callable[[int, int], None]] | None = None) -> pd.DataFrame:
    """Supply outcomes of ``scenario`` without and with each of its interventions alone.

    Every variant is a stored ``supply.simulate`` run of ``n_years`` scenario-years from the
    same seed (common random numbers: the same outages and demand paths), so differences
    between rows come from the intervention, not from sampling. Per variant, summed over
    the scenario's products: expected shortage-days per year (a day short for two products
    counts twice), unmet units and holding cost per year; the demand-weighted fill rate;
    and the shortage-days avoided against no intervention. ``acts_on_supply`` is False for
    an intervention that leaves the simulator's inputs unchanged (same digest as no
    intervention: e.g. a faster QC release acts on the line, not on site outages or
    stocks), whose row then equals the first. ``progress(label)`` returns the
    chunk callback of one variant (labels ``supply:<intervention id>``, ``supply:(none)``).

    Columns: intervention, acts_on_supply, capex_usd, opex_usd_per_yr, shortage_days_per_yr,
    shortage_days_avoided_per_yr, unmet_units_per_yr, fill_rate, holding_cost_usd_per_yr,
    run_id.
    """
    defaults = load_disruption_defaults()

    def inputs_digest(ids: list[str]) -> str:
        return supply_inputs_sha256(supply_inputs_with_lines(scenario, ids, defaults))

    baseline_digest = inputs_digest([])
    rows = []
    variants = [("(none)", None)] + [(i.id, i) for i in scenario.interventions]
    for label, intervention in variants:
        ids = [] if intervention is None else [intervention.id]
        run_id, run = run_supply_simulation(
            store, scenario, n_years=n_years, entropy=DEMO_SEED, intervention_ids=ids,
            chunk_size=min(n_years, 250),
            progress=None if progress is None else progress(f"supply:{label}"))
        table = run.summary.table()
        unmet_units, _ = run.summary.statistic("unmet_units")
        demand_units, _ = run.summary.statistic("demand_units")
        rows.append({
            "intervention": label,
            "acts_on_supply": intervention is None or inputs_digest(ids) != baseline_digest,
            "capex_usd": 0.0 if intervention is None else intervention.capex_usd,
            "opex_usd_per_yr": 0.0 if intervention is None else intervention.opex_usd_per_yr,
            "shortage_days_per_yr": float(table["shortage_days_per_yr"].sum()),
            "unmet_units_per_yr": float(table["unmet_units_per_yr"].sum()),
            "fill_rate": 1.0 - float(unmet_units.sum() / demand_units.sum()),
            "holding_cost_usd_per_yr": float(table["holding_cost_usd_per_yr"].sum()),
            "run_id": run_id,
        })
    frame = pd.DataFrame(rows)
    frame.insert(5, "shortage_days_avoided_per_yr",
                 frame["shortage_days_per_yr"].iloc[0] - frame["shortage_days_per_yr"])
    return frame


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
        technology ids of the line runs, then one per supply variant).
    n_supply_years : int
        Scenario-years per variant of the supply-resilience table [-].
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
    resilience = supply_resilience(
        store, next(s for s in scenarios if s.name == RESILIENCE_SCENARIO), n_supply_years,
        progress=progress)
    continuous = next(r for r in runs if r.technology_id == "continuous")
    campaign_h = continuous.results.mean("run_h") / max(
        continuous.results.mean("changeovers"), 1.0)
    tables = {
        "scenarios": scenario_overview(scenarios),
        "line_comparison": comparison_table(runs),
        "exposed_products": pd.concat(exposed_products, ignore_index=True),
        "exposed_sites": pd.concat(exposed_sites, ignore_index=True),
        "supply_resilience": resilience,
        "twin_losses": twin_losses(campaign_h),
        "technology_ranking": technology_ranking(reference, runs),
        "breakeven_winners": breakeven_winners(reference, max(20, n_replications // 4)),
    }
    return DemoResult(scenarios=scenarios, tables=tables, line_runs=runs)
