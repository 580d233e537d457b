"""The bundled demo: the workshop's questions on the bundled scenarios, end to end.

``run_demo`` composes the library (no printing here): it loads every bundled scenario,
summarises the reference generic line and its candidate technologies, and returns typed
tables for the CLI to present and write. It grows as the engines land.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.model import Scenario

REFERENCE_SCENARIO = "generic_oral_solid"


@dataclass(frozen=True)
class DemoResult:
    """Tables the demo produced, by name (tidy DataFrames with documented columns)."""

    scenarios: list[Scenario]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def scenario_overview(scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario: name, products, technologies, lines, failure modes, hash."""
    return pd.DataFrame([{
        "scenario": s.name,
        "title": s.title,
        "products": len(s.products),
        "technologies": len(s.technologies),
        "lines": len(s.lines),
        "failure_modes": len(s.failure_modes),
        "demand_units_per_yr": sum(p.demand_units_per_yr for p in s.products),
        "content_hash": s.content_hash()[:12],
    } for s in scenarios])


def line_load(scenario: Scenario, line_id: str) -> pd.DataFrame:
    """Hours each technology needs on a line for one campaign per product per year.

    Columns: technology, run_h_per_yr (sum of demand / (rate x yield)), changeover_h_per_yr
    (products x mean changeover), available_h_per_yr, load_fraction ((run + changeover) /
    available). A first, deterministic look before the planner and the simulator.
    """
    line = scenario.line(line_id)
    demand = sum(scenario.product(pid).demand_units_per_yr for pid in line.product_ids)
    rows = []
    for tech in scenario.technologies:
        run_h = demand / (tech.throughput_units_per_h * tech.process_yield_fraction)
        changeover_h = len(line.product_ids) * tech.changeover_h.mean
        rows.append({
            "technology": tech.id,
            "capex_usd": tech.capex_usd,
            "run_h_per_yr": run_h,
            "changeover_h_per_yr": changeover_h,
            "available_h_per_yr": line.available_h_per_yr,
            "load_fraction": (run_h + changeover_h) / line.available_h_per_yr,
            "qc_release_h": tech.qc_release_h,
            "development_months": tech.development_months.mean,
        })
    return pd.DataFrame(rows)


def run_demo() -> DemoResult:
    """Run the demo on the bundled data and return its tables."""
    scenarios = [load_scenario(name) for name in bundled_scenario_names()]
    reference = next(s for s in scenarios if s.name == "generic-oral-solid")
    tables = {
        "scenarios": scenario_overview(scenarios),
        "line_load": line_load(reference, reference.lines[0].id),
    }
    return DemoResult(scenarios=scenarios, tables=tables)
