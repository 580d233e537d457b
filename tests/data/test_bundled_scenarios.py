"""Every bundled scenario validates, every number in it carries its provenance, and the
generated portfolios are what the generator gives for the seed their sources name."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.portfolio import generate_portfolio
from rxtwin.data.scenarios import (
    bundled_scenario_dir,
    bundled_scenario_names,
    load_scenario,
    read_scenario_document,
)
from rxtwin.model.paths import covered_by, numeric_leaf_paths

EXPECTED = {"generic_oral_solid", "high_volume_single_product", "metformin",
            "sterile_injectable"}


def test_the_four_bundled_scenarios_exist():
    assert EXPECTED <= set(bundled_scenario_names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_scenario_validates(name):
    scenario = load_scenario(name)
    assert scenario.products and scenario.technologies and scenario.lines


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_number_has_a_source_or_assumption(name):
    scenario = load_scenario(name)
    keys = list(scenario.sources)
    missing = [p for p in numeric_leaf_paths(scenario.document()) if not covered_by(p, keys)]
    assert missing == [], f"values without provenance in {name}: {missing[:10]}"
    for key, text in scenario.sources.items():
        assert text.lower().startswith(("source:", "assumption:")), key


def test_reference_line_matches_the_workshop_figures():
    """Workshop report: 20-30 products a line a year, runs of 3-10 days, CM line ~5 MUSD,
    PAT sensors 200-300 kUSD, CM development 6-9 vs 16-24 months."""
    s = load_scenario("generic_oral_solid")
    line = s.lines[0]
    assert 20 <= len(line.product_ids) <= 30
    batch = s.technology("batch")
    run_days = [s.product(p).demand_units_per_yr / batch.throughput_units_per_h / 24
                for p in line.product_ids]
    in_range = np.mean([(3 <= d <= 10) for d in run_days])
    assert in_range >= 0.75, run_days  # one campaign a year per product
    assert s.technology("continuous").capex_usd == 5e6
    assert 2e5 <= s.technology("advanced_batch").capex_usd <= 3e5
    dev = s.technology("continuous").development_months
    assert (dev.low, dev.high) == (6, 9)
    dev = s.technology("batch").development_months
    assert (dev.low, dev.high) == (16, 24)


def test_sterile_line_holds_release_for_the_culture_sterility_test():
    """21 CFR 610.12: a sterility test incubates at least 14 days (336 h)."""
    s = load_scenario("sterile_injectable")
    assert s.technology("batch").qc_release_h >= 336
    rapid = next(i for i in s.interventions if i.kind.value == "rapid_sterility_test")
    assert rapid.qc_release_h < s.technology("batch").qc_release_h - 300
    assert any(m.kind.value == "component" and m.critical for m in s.materials)
    assert all(p.shelf_life_days <= 730 for p in s.products)


def test_generic_portfolio_is_the_generators_output_for_seed_2023():
    document = read_scenario_document(bundled_scenario_dir() / "generic_oral_solid.yaml")
    fragment = generate_portfolio(24, 1, 4, np.random.default_rng(2023), technology_id="batch",
                                  available_h_per_yr=7000.0)
    for key in ("products", "materials", "sites", "lines", "supply_edges"):
        assert document[key] == fragment[key], key


def test_extends_inherits_and_overrides():
    parent = load_scenario("generic_oral_solid")
    child = load_scenario("metformin")
    assert child.technologies == parent.technologies
    assert child.failure_modes == parent.failure_modes
    assert [p.id for p in child.products] == ["metformin-500"]
    assert child.sources["firm.tax_rate"] == parent.sources["firm.tax_rate"]
