"""Scenario variants (rxtwin.model.variants): each changes what it says and nothing else."""

from __future__ import annotations

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.model.variants import with_capex_scale, with_demand_scale, with_first_products


@pytest.fixture(scope="module")
def generic():
    return load_scenario("generic_oral_solid")


def _without(document: dict, section: str) -> dict:
    return {k: v for k, v in document.items() if k != section}


def test_first_products_cuts_the_line_and_nothing_else(generic):
    three = with_first_products(generic, "line-1", 3)
    assert three.line("line-1").product_ids == generic.line("line-1").product_ids[:3]
    assert _without(three.document(), "lines") == _without(generic.document(), "lines")
    with pytest.raises(UserInputError, match="products_per_line = 0 must be within 1..24"):
        with_first_products(generic, "line-1", 0)
    with pytest.raises(UserInputError, match="products_per_line = 25"):
        with_first_products(generic, "line-1", 25)


def test_demand_scale_multiplies_the_lines_products(generic):
    doubled = with_demand_scale(generic, "line-1", 2.0)
    for product in generic.products:
        on_line = product.id in generic.line("line-1").product_ids
        assert doubled.product(product.id).demand_units_per_yr == (
            2 * product.demand_units_per_yr if on_line else product.demand_units_per_yr)
    assert _without(doubled.document(), "products") == _without(generic.document(), "products")
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(UserInputError, match="volume_scale"):
            with_demand_scale(generic, "line-1", bad)


def test_capex_scale_changes_one_technology(generic):
    cheaper = with_capex_scale(generic, "continuous", 0.5)
    for tech in generic.technologies:
        factor = 0.5 if tech.id == "continuous" else 1.0
        assert cheaper.technology(tech.id).capex_usd == factor * tech.capex_usd
    with pytest.raises(UserInputError, match="warp"):
        with_capex_scale(generic, "warp", 0.5)
