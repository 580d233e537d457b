"""The synthetic portfolio generator: seeded, valid, and drawn from its documented ranges."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.portfolio import generate_portfolio, portfolio_ranges
from rxtwin.data.scenarios import load_scenario, scenario_from_document


def _scenario_with(fragment: dict):
    base = load_scenario("generic_oral_solid").document()
    base.update(fragment)
    base["sources"] = {}
    base["interventions"] = []
    return scenario_from_document(base)


def test_same_seed_same_portfolio_and_different_seed_differs():
    a = generate_portfolio(30, 3, 5, np.random.default_rng(7))
    b = generate_portfolio(30, 3, 5, np.random.default_rng(7))
    c = generate_portfolio(30, 3, 5, np.random.default_rng(8))
    assert a == b and a != c


@pytest.mark.parametrize("n_products,n_lines,n_sites", [(1, 1, 1), (24, 1, 4), (50, 5, 10)])
def test_generated_portfolio_is_a_valid_scenario(n_products, n_lines, n_sites):
    fragment = generate_portfolio(n_products, n_lines, n_sites, np.random.default_rng(1))
    scenario = _scenario_with(fragment)
    assert len(scenario.products) == n_products and len(scenario.lines) == n_lines
    assert sorted(p for line in scenario.lines for p in line.product_ids) == sorted(
        p.id for p in scenario.products)


def test_large_portfolio_means_match_documented_distributions():
    """Sample means of 4,000 products within 4 standard errors of the documented means."""
    fragment = generate_portfolio(4000, 1, 3, np.random.default_rng(3))
    ranges = portfolio_ranges()["oral_solid"]
    demand = np.array([p["demand_units_per_yr"] for p in fragment["products"]])
    spec = ranges["demand_units_per_yr"]["distribution"]
    se = spec["mean"] * spec["cv"] / np.sqrt(demand.size)
    assert abs(demand.mean() - spec["mean"]) < 4 * se
    cv = np.array([p["demand_cv"] for p in fragment["products"]])
    lo, hi = ranges["demand_cv"]["distribution"]["low"], ranges["demand_cv"]["distribution"]["high"]
    assert cv.min() >= lo and cv.max() <= hi
    assert abs(cv.mean() - (lo + hi) / 2) < 4 * (hi - lo) / np.sqrt(12 * cv.size)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="n_lines"):
        generate_portfolio(2, 3, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match=">= 1"):
        generate_portfolio(0, 1, 1, np.random.default_rng(0))
