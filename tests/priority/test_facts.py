"""The raw facts behind the priority criteria, read from a scenario and its network."""

import math

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.data.shortage_costs import load_shortage_costs
from rxtwin.model import Scenario
from rxtwin.priority.facts import FACT_COLUMNS, priority_facts
from rxtwin.supply.network import build_network


def facts_of(scenario: Scenario, simulated=None):
    return priority_facts(scenario, build_network(scenario), load_shortage_costs(), simulated)


def test_columns_and_one_row_per_product():
    scenario = load_scenario("sterile_injectable")
    table = facts_of(scenario)
    assert tuple(table.columns) == FACT_COLUMNS
    assert list(table["product_id"]) == [p.id for p in scenario.products]


def test_patients_per_day_follow_demand_and_dose():
    scenario = load_scenario("sterile_injectable")
    costs = load_shortage_costs()
    table = facts_of(scenario).set_index("product_id")
    for product in scenario.products:
        dose = costs.harm_for(product).units_per_patient_day.value
        assert table.loc[product.id, "patients_per_day"] == pytest.approx(
            product.demand_units_per_yr / 365.25 / dose, rel=1e-12)


def test_facts_without_priority_are_unknown_and_with_them_are_read():
    scenario = load_scenario("sterile_injectable")
    table = facts_of(scenario, {"heparin": 12.5}).set_index("product_id")
    assert math.isnan(table.loc["heparin", "on_essential_list"])
    assert table.loc["heparin", "simulated_shortage_days_per_yr"] == 12.5
    assert math.isnan(table.loc["cefazolin", "simulated_shortage_days_per_yr"])
    doc = scenario.model_dump(mode="json")
    doc["products"][1]["priority"] = {"on_essential_list": True, "market_makers": 4,
                                      "past_shortage_episodes": 3}
    changed = facts_of(Scenario.model_validate(doc)).set_index("product_id")
    pid = doc["products"][1]["id"]
    assert changed.loc[pid, "on_essential_list"] == 1.0
    assert changed.loc[pid, "n_makers"] == 4.0
    assert changed.loc[pid, "past_shortage_episodes"] == 3.0


def test_makers_and_api_sources_come_from_the_network():
    scenario = load_scenario("generic_oral_solid")
    table = facts_of(scenario)
    assert (table["n_makers"] >= 1).all()
    assert ((table["hhi_supplier"] > 0) & (table["hhi_supplier"] <= 1)).all()
