"""Every option of the bundled scenarios priced for the firm and for society
(rxtwin.runs.appraise), and the holding cost of input stock that pricing needs."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import InputError
from rxtwin.model.scenario import Scenario
from rxtwin.runs.appraise import OPTIONS_RUN_KIND, OPTIONS_TABLE, appraise_options
from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params
from rxtwin.store import Store
from rxtwin.supply.disruption import simulate_disruptions
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario


@pytest.mark.parametrize("name", ["generic_oral_solid", "sterile_injectable"])
def test_every_technology_and_intervention_has_a_row(name):
    scenario = load_scenario(name)
    result = appraise_options(scenario, n_years=40, chunk_size=20, entropy=11,
                              line_replications=4, n_draws=50)
    incumbent = scenario.lines[0].technology_id
    expected = [t.id for t in scenario.technologies if t.id != incumbent] \
        + [i.id for i in scenario.interventions]
    assert list(result.table["option"]) == expected
    table = result.table.set_index("option")
    for intervention in scenario.interventions:
        row = table.loc[intervention.id]
        assert row["kind"] == "intervention"
        assert row["capex_usd"] == intervention.capex_usd
        assert row["opex_usd_per_yr"] == intervention.opex_usd_per_yr
    assert np.isfinite(table["firm_npv_usd"]).all()
    assert np.isfinite(table["social_npv_usd"]).all()
    assert (table["social_npv_low_usd"] <= table["social_npv_high_usd"]).all()
    # the holding cost an option changes is the network's, per product
    by_product = result.resilience.by_product
    assert {"holding_cost_usd_per_yr", "holding_cost_change_usd_per_yr",
            "holding_cost_change_usd_per_yr_ci95"} <= set(by_product.columns)
    for row in result.pricings:
        mine = by_product[by_product["option"] == row.costs.label]
        assert row.holding_cost_change_usd_per_yr == pytest.approx(
            mine["holding_cost_change_usd_per_yr"].sum())


def _run_options(store: Store, scenario: Scenario, params) -> str:
    """Register and execute an ``econ.options`` run, as the CLI does; its id."""
    run_id = store.create_run(OPTIONS_RUN_KIND,
                              store.put_scenario(scenario.document(), scenario.name),
                              params.model_dump(mode="json"), params.seed,
                              n_chunks=RUN_KINDS[OPTIONS_RUN_KIND].n_chunks(params))
    execute_run(store, run_id, lambda done, total: None)
    return run_id


def test_the_run_kind_stores_the_options_table(tmp_path):
    scenario = load_scenario("sterile_injectable")
    params = parse_params(OPTIONS_RUN_KIND, scenario, {
        "n_years": 40, "chunk_size": 20, "line_replications": 4, "n_draws": 50, "seed": 3,
        "interventions": ["buffer-stock-90d"], "technologies": []})
    with Store.open(tmp_path / "s.sqlite") as store:
        run_id = _run_options(store, scenario, params)
        table = store.get_summary(run_id, OPTIONS_TABLE)
        figures = RUN_KINDS[OPTIONS_RUN_KIND].figures(store, run_id, scenario, params)
    assert list(table["option"]) == ["buffer-stock-90d"]
    # more finished goods in the channel: a holding cost the firm pays
    assert table.loc[0, "holding_cost_change_usd_per_yr"] > 0.0
    figure = figures["options_quadrant"]
    assert figure.layout.xaxis.title.text == \
        "NPV for the firm at its hurdle rate [million USD]"
    (trace,) = figure.data
    assert trace.x[0] == pytest.approx(table.loc[0, "firm_npv_usd"] / 1e6)
    assert trace.y[0] == pytest.approx(table.loc[0, "social_npv_usd"] / 1e6)


def _with_api_reserve(scenario: Scenario, days: float) -> Scenario:
    document = scenario.document()
    document["interventions"].append({"id": "api-reserve", "name": "API reserve",
                                      "kind": "api_reserve", "extra_stock_days": days})
    return Scenario.model_validate(document)


def test_an_api_reserve_has_a_holding_cost():
    defaults = load_disruption_defaults()
    scenario = _with_api_reserve(load_scenario("generic_oral_solid"), 300.0)
    product = scenario.products[0]
    base = supply_inputs_from_scenario(scenario, defaults=defaults)
    reserve = supply_inputs_from_scenario(scenario, ["api-reserve"], defaults=defaults)
    api = next(t for t, label in enumerate(base.tier_labels[0]) if label.startswith("api:"))
    # the API in stock is worth the bundled share of the product's material cost
    share = defaults.input_value_fraction_of_material_cost["api"]
    assert share > 0.0
    assert base.unit_value_usd[0, api] == pytest.approx(
        share * product.material_cost_usd_per_unit)
    costs = [simulate_disruptions(inputs, 20, entropy=5).summary.table()
             .set_index("product_id").loc[product.id, "holding_cost_usd_per_yr"]
             for inputs in (base, reserve)]
    # 300 more days of demand of API at its value and the firm's carrying rate, while the
    # reserve is full; outages draw it down, so the increase lies below that, but most of
    # the time the reserve is untouched (within 20 %: what the sampled outages can take)
    full = 300.0 * product.demand_units_per_yr / 365.0 * share \
        * product.material_cost_usd_per_unit * scenario.firm.inventory_carrying_rate_per_yr
    assert 0.8 * full < costs[1] - costs[0] <= 1.0001 * full


def test_a_technology_frees_the_incumbent_at_the_salvage_share_of_its_capex():
    from dataclasses import replace

    from rxtwin.runs.appraise import price_outcomes
    from rxtwin.runs.econ import bundled_appraisal_terms
    from rxtwin.runs.resilience import compare_resilience

    scenario = load_scenario("sterile_injectable")
    outcomes = {}
    compare_resilience(scenario, line_id=scenario.lines[0].id, n_years=40, chunk_size=20,
                       entropy=3, line_replications=4,
                       on_option_done=lambda i, o: outcomes.__setitem__(i, o))
    ordered = [outcomes[i] for i in sorted(outcomes)]
    terms = replace(bundled_appraisal_terms(), salvage_value_fraction=0.1)
    none = price_outcomes(scenario, scenario.lines[0].id, ordered, entropy=3, n_draws=20)
    some = price_outcomes(scenario, scenario.lines[0].id, ordered, entropy=3, n_draws=20,
                          terms=terms)
    from rxtwin.econ.switch import install_years

    incumbent = scenario.technology(scenario.lines[0].technology_id)
    rate, horizon = none.pricings[0].social_discount_rate, scenario.horizon_yr
    for a, b in zip(none.pricings, some.pricings, strict=True):
        # every option's own equipment sells at 10 % of its capex at the horizon (the
        # existing salvage term); a technology also frees the incumbent's, in its first
        # operating year k + 1
        own = 0.1 * b.costs.capex_usd / (1 + rate) ** horizon
        freed = 0.1 * incumbent.capex_usd if b.costs.kind == "technology" else 0.0
        assert b.costs.freed_equipment_value_usd == pytest.approx(freed)
        k = install_years(b.costs.implementation_months)
        assert a.pv_resource_cost_usd - b.pv_resource_cost_usd == pytest.approx(
            own + freed / (1 + rate) ** (k + 1), rel=1e-9)
    assert any(p.costs.kind == "technology" for p in some.pricings)


def test_the_run_kind_prices_a_commitment_on_a_share_of_the_output(tmp_path):
    """Half the units committed: the premium per unit doubles and its net public cost stays
    (the cash flows are linear in the premium times the committed units); the share is
    stored with the run and nothing else moves."""
    scenario = load_scenario("sterile_injectable")
    tables = {}
    with Store.open(tmp_path / "c.sqlite") as store:
        for share in (1.0, 0.5):
            params = parse_params(OPTIONS_RUN_KIND, scenario, {
                "n_years": 40, "chunk_size": 20, "line_replications": 4, "n_draws": 50,
                "seed": 3, "interventions": ["rapid-sterility-test"], "technologies": [],
                "commitment_share": share})
            run_id = _run_options(store, scenario, params)
            assert store.get_run(run_id).parameters["commitment_share"] == share
            tables[share] = store.get_summary(run_id, OPTIONS_TABLE).iloc[0]
    whole, half = tables[1.0], tables[0.5]
    assert whole["required_commitment_usd_per_unit"] > 0
    assert half["required_commitment_usd_per_unit"] == pytest.approx(
        2 * whole["required_commitment_usd_per_unit"], rel=1e-9)
    assert half["commitment_fiscal_cost_usd"] == pytest.approx(
        whole["commitment_fiscal_cost_usd"], rel=1e-9)
    assert half["firm_npv_usd"] == whole["firm_npv_usd"]
    assert half["social_npv_usd"] == whole["social_npv_usd"]
    with pytest.raises(InputError, match="commitment_share"):
        parse_params(OPTIONS_RUN_KIND, scenario, {"commitment_share": 0.0, "seed": 1})


def test_the_run_kind_stores_the_market_table_at_the_price_given(tmp_path):
    """The stored market table is the one `market_table` gives for the same options, at
    the market price of the parameters (here metformin's import price)."""
    from rxtwin.data.generic_competition import load_generic_competition
    from rxtwin.econ.market import market_table
    from rxtwin.runs.appraise import MARKET_TABLE

    scenario = load_scenario("metformin")
    raw = {"n_years": 40, "chunk_size": 20, "line_replications": 4, "n_draws": 50,
           "seed": 3, "technologies": ["continuous"], "interventions": [],
           "market_price_usd_per_unit": 0.012}
    params = parse_params(OPTIONS_RUN_KIND, scenario, raw)
    with Store.open(tmp_path / "m.sqlite") as store:
        run_id = _run_options(store, scenario, params)
        stored = store.get_summary(run_id, MARKET_TABLE)
    direct = appraise_options(scenario, technology_ids=["continuous"], intervention_ids=[],
                              n_years=40, chunk_size=20, entropy=3, line_replications=4,
                              n_draws=50)
    g = load_generic_competition()
    expected = market_table(direct.pricings, table=g.price_share_of_brand_by_makers,
                            exit_margin_share=g.exit_margin_share,
                            reliability_premium_share=g.reliability_premium_share,
                            price_usd_per_unit=0.012)
    assert list(stored["option"]) == ["incumbent", "continuous"]
    assert (stored["price_usd_per_unit"] == 0.012).all()
    for column in ("unit_cost_usd_per_unit", "margin_share", "makers_sustained",
                   "exits_from_erosion", "firm_npv_usd"):
        assert stored[column].tolist() == pytest.approx(expected[column].tolist(),
                                                        nan_ok=True), column
    assert stored["exits"].tolist() == expected["exits"].tolist() == [True, True]
