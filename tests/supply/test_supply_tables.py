"""Every supply table on every bundled scenario: documented columns, shares and signs."""

from __future__ import annotations

import pytest

from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.supply import exposure
from rxtwin.supply.network import build_network, site_table
from rxtwin.supply.tts import flow_model, risk_exposure, time_to_survive_table

COLUMNS = {
    "site_table": ["site_id", "name", "tier", "country_code", "owner", "items", "customers",
                   "inventory_days"],
    "supplier_shares": exposure.SHARE_COLUMNS,
    "concentration": ["product_id", "tier", "item_id", "n_sites", "n_suppliers",
                      "n_countries", "hhi_site", "hhi_supplier", "hhi_country", "top_country",
                      "top_country_share", "covered_share"],
    "country_shares": ["product_id", "tier", "item_id", "country_code", "share"],
    "single_source_points": ["product_id", "tier", "item_id", "supplier_site_id", "owner",
                             "country_code"],
    "independent_paths": ["product_id", "tier", "item_id", "independent_paths",
                          "product_min_paths"],
    "shared_upstream_sites": ["site_id", "tier", "country_code", "n_products", "product_ids",
                              "mean_share"],
}


@pytest.mark.parametrize("name", bundled_scenario_names())
def test_tables_have_documented_columns_and_valid_values(name):
    scenario = load_scenario(name)
    g = build_network(scenario)
    tables = {"site_table": site_table(g)}
    for function in list(COLUMNS)[1:]:
        tables[function] = getattr(exposure, function)(g)
    for function, columns in COLUMNS.items():
        assert list(tables[function].columns) == columns, function
    shares = tables["supplier_shares"]
    sums = shares.groupby(["product_id", "item_id"])["share"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    conc = tables["concentration"]
    for column in ("hhi_site", "hhi_supplier", "hhi_country"):
        assert ((conc[column] >= 1 / conc["n_sites"] - 1e-12) & (conc[column] <= 1)).all()
    # Every product appears at the fdf tier exactly once.
    fdf = conc[conc["tier"] == "fdf"]
    assert sorted(fdf["product_id"]) == sorted(p.id for p in scenario.products)
    assert (tables["independent_paths"]["independent_paths"] >= 1).all()


@pytest.mark.parametrize("name", bundled_scenario_names())
def test_tts_tables_are_bounded_and_non_negative(name):
    model = flow_model(build_network(load_scenario(name)))
    tts = time_to_survive_table(model, 365.0)
    assert ((tts["tts_days"] >= 0) & (tts["tts_days"] <= 365.0)).all()
    ranked = risk_exposure(model, dict.fromkeys(model.sites, 100.0), 365.0)
    assert (ranked[["lost_units", "lost_days", "weighted_lost_days"]] >= 0).all().all()
    # Exposed exactly when demand is lost (TTS < TTR <=> something is lost over the TTR).
    # TTR = 100 days equals a TTS of high_volume_single_product (30 / 0.3): the tie case.
    assert (ranked["exposed"] == (ranked["lost_days"] > 1e-5)).all()
