"""The supply-network graph: nodes, tiers, labelled edges, chains."""

from __future__ import annotations

import math

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.supply.network import (
    MARKET,
    build_network,
    inputs_of,
    item_info,
    product_chain,
    site_table,
)


def test_metformin_network_has_sites_market_and_labelled_edges():
    g = build_network(load_scenario("metformin"))
    assert set(g.nodes) == {"fdf-site", "api-site-in", "api-site-cn", MARKET}
    assert g.nodes["api-site-in"]["country_code"] == "IN"
    assert g.nodes["api-site-in"]["owner"] == "API maker IN"
    assert g.nodes["api-site-in"]["tier"] == "api"
    assert g.nodes["fdf-site"]["tier"] == "fdf"
    flow = g.edges["api-site-in", "fdf-site"]["items"]["metformin-api"]
    assert flow["share"] == 0.6
    assert flow["lead_time_days"] == 60.0
    assert flow["capacity_units_per_yr"] is None
    # No market edge in the scenario: the line's site delivers the whole market.
    assert g.edges["fdf-site", MARKET]["items"]["metformin-500"]["share"] == 1.0


def test_sterile_network_has_components_as_inputs_and_one_edge_per_site_pair():
    g = build_network(load_scenario("sterile_injectable"))
    assert g.nodes["vial-maker"]["tier"] == "component"
    assert g.nodes["stopper-maker"]["tier"] == "component"
    assert inputs_of(g, "fdf-site", "heparin") == ("heparin-api", "vial-10ml", "stopper-20mm")
    # api-site-2 ships three APIs to the FDF site: one edge, three labelled items.
    assert sorted(g.edges["api-site-2", "fdf-site"]["items"]) == [
        "heparin-api", "ondansetron-api", "vancomycin-api"]
    assert len(g.edges["fdf-site", MARKET]["items"]) == 8
    items = g.graph["items"]
    assert items["heparin"].demand_units_per_yr == 738000.0
    assert items["vial-10ml"].kind == "component"


def test_every_bundled_scenario_builds_and_every_site_gets_a_tier():
    for name in ("generic_oral_solid", "high_volume_single_product", "metformin",
                 "sterile_injectable"):
        g = build_network(load_scenario(name))
        tiers = {d["tier"] for n, d in g.nodes(data=True) if d["kind"] == "site"}
        assert tiers <= {"fdf", "api", "component", "excipient", "ksm"}, name


def test_ksm_tier_and_chain_weights_are_products_of_shares(toy):
    # KSM k: K1 -> A1 (1.0); K1 (0.5) and K2 (0.5) -> A2. API a: A1 0.7, A2 0.3 -> F.
    g = toy(
        {"K1": ("CN", "k1"), "K2": ("IN", "k2"), "A1": ("IN", "a1"), "A2": ("DE", "a2"),
         "F": ("US", "f")},
        [("K1", "A1", "k", 1.0), ("K1", "A2", "k", 0.5), ("K2", "A2", "k", 0.5),
         ("A1", "F", "a", 0.7), ("A2", "F", "a", 0.3), ("F", None, "p", 1.0)],
        {"p": (["a"], 365.0, 0.0, 1.0)}, {"k": "ksm", "a": "api"})
    assert g.nodes["K1"]["tier"] == "ksm"
    assert inputs_of(g, "A2", "a") == ("k",)
    weights = {}
    for arc in product_chain(g, "p"):
        key = (arc.item_id, arc.supplier_site_id, arc.customer)
        weights[key] = weights.get(key, 0.0) + arc.weight
    # Hand: K1->A1 carries 0.7 x 1.0; K1->A2 0.3 x 0.5; K2->A2 0.3 x 0.5.
    assert weights == pytest.approx({
        ("p", "F", MARKET): 1.0, ("a", "A1", "F"): 0.7, ("a", "A2", "F"): 0.3,
        ("k", "K1", "A1"): 0.7, ("k", "K1", "A2"): 0.15, ("k", "K2", "A2"): 0.15})


def test_product_made_on_two_line_sites_is_split_equally():
    scenario = load_scenario("metformin")
    sites = [*scenario.sites, scenario.sites[0].model_copy(update={"id": "fdf-2"})]
    lines = [*scenario.lines, scenario.lines[0].model_copy(update={"id": "l2",
                                                                   "site_id": "fdf-2"})]
    g = build_network(scenario.model_copy(update={"sites": sites, "lines": lines}))
    assert g.edges["fdf-site", MARKET]["items"]["metformin-500"]["share"] == 0.5
    assert g.edges["fdf-2", MARKET]["items"]["metformin-500"]["share"] == 0.5


def test_unknown_site_and_reserved_market_id_are_rejected(toy):
    with pytest.raises(ValueError, match="customer_site_id 'nowhere' is not a site"):
        toy({"A": ("IN", "a")}, [("A", "nowhere", "a", 1.0)], {}, {"a": "api"})
    with pytest.raises(ValueError, match="reserved"):
        toy({"market": ("IN", "a")}, [], {}, {})


def test_material_and_product_with_one_id_are_rejected():
    scenario = load_scenario("metformin")
    clash = scenario.products[0].model_copy(update={"id": "metformin-api"})
    with pytest.raises(ValueError, match="both a material and a product"):
        item_info(scenario.model_copy(update={"products": [clash]}))


def test_site_table_lists_downstream_tiers_first():
    table = site_table(build_network(load_scenario("sterile_injectable")))
    assert list(table.columns) == ["site_id", "name", "tier", "country_code", "owner",
                                   "items", "customers", "inventory_days"]
    assert (table["inventory_days"] == 0.0).all()  # scenarios give no site stock
    assert table["site_id"].iloc[0] == "fdf-site"
    assert table["tier"].tolist() == ["fdf", "api", "api", "component", "component"]
    assert table.set_index("site_id").loc["vial-maker", "customers"] == "fdf-site"


def test_item_info_carries_demand_and_criticality():
    items = item_info(load_scenario("metformin"))
    assert items["metformin-500"].input_ids == ("metformin-api",)
    assert items["metformin-500"].criticality == 0.8
    assert math.isnan(items["metformin-api"].demand_units_per_yr)
