"""Every option priced for the firm and for society (rxtwin.econ.options).

Order: build (an option's costs and effects), solve (price it), compare with hand
computations, then the money balance of its cash-flow lines and the subsidy's root.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.data.shortage_costs import load_shortage_costs
from rxtwin.econ.depreciation import depreciation_schedule_usd
from rxtwin.econ.metrics import npv_usd
from rxtwin.econ.options import (
    OptionCosts,
    SupplyEffects,
    Verdict,
    intervention_costs,
    option_verdict,
    options_table,
    price_option,
)
from rxtwin.model.finance import FirmProfile
from rxtwin.model.performance import LinePerformance
from rxtwin.runs.econ import bundled_appraisal_terms

HORIZON_YR = 10
PROFILE = FirmProfile(name="test firm", hurdle_rate=0.15, payback_limit_yr=3.0, tax_rate=0.21)
INCUMBENT = LinePerformance(units_good=1e6, waste_units=1e4, units_sold=1e6, revenue_usd=1e6,
                            materials_usd=4e5, labour_usd=2e5, energy_usd=1e4, qc_usd=5e4,
                            cleaning_usd=1e4, overhead_usd=1e5, rejected_value_usd=4e3,
                            inventory_carrying_usd=2e4, inventory_build_usd=0.0,
                            fill_rate=0.95, oee=0.6)


def _products():
    return load_scenario("sterile_injectable").products[:2]


def _effects(days=(0.0, 0.0), unmet=(0.0, 0.0), holding=(0.0, 0.0), spread=0.0):
    """Two products; chunk differences scattered by +-spread around the means."""
    products = _products()
    days, unmet = np.asarray(days, float), np.asarray(unmet, float)
    wiggle = spread * np.array([[-1.0], [1.0], [-0.5], [0.5]])
    return SupplyEffects(tuple(p.id for p in products), days, unmet,
                         np.asarray(holding, float), days + wiggle * np.maximum(days, 1.0),
                         unmet + wiggle * np.maximum(unmet, 1.0))


def _price(costs, effects, option=INCUMBENT, shortage_costs=None, n_draws=400):
    return price_option(costs, option, INCUMBENT, effects, _products(),
                        horizon_yr=HORIZON_YR, profile=PROFILE,
                        terms=bundled_appraisal_terms(), energy_usd_per_unit=0.001,
                        shortage_costs=shortage_costs or load_shortage_costs(),
                        n_draws=n_draws, rng=np.random.default_rng(7))


COSTS = OptionCosts("measure", "intervention", capex_usd=400_000.0, opex_usd_per_yr=60_000.0,
                    implementation_months=12.0)


def test_no_effect_on_shortages_is_minus_the_discounted_resource_cost():
    # capex at year 0 (k = 1), nothing in year 1, opex in years 2..10, at the 3 % social
    # rate; the same line year with and without the measure, so no other resource changes
    pricing = _price(COSTS, _effects())
    rate = load_shortage_costs().social_discount_rate
    by_hand = 400_000.0 + 60_000.0 * sum((1 + rate) ** -t for t in range(2, HORIZON_YR + 1))
    assert pricing.pv_value_usd == 0.0
    assert pricing.social_npv_usd == pytest.approx(-by_hand, rel=1e-12)
    # nothing uncertain is left: every interval is the point
    for bound in (pricing.social_npv_low_usd, pricing.social_npv_high_usd,
                  pricing.social_npv_sim_low_usd, pricing.social_npv_sim_high_usd):
        assert bound == pytest.approx(-by_hand, rel=1e-12)
    assert pricing.verdict == Verdict.NOT_WORTH_IT
    assert math.isnan(pricing.public_cost_usd_per_shortage_day_avoided)


def test_doubling_the_cost_of_a_shortage_day_doubles_the_value_of_shortages_avoided():
    parameters = load_shortage_costs()

    def doubled(ranged):
        return ranged.model_copy(update={"value": 2 * ranged.value, "low": 2 * ranged.low,
                                         "high": 2 * ranged.high})

    # labour and substitutes per shortage-day are L / (365 N) and S / (365 N); harm per
    # unit is linear in the willingness to pay: doubling L, S and W doubles every part
    twice = parameters.model_copy(update={
        name: doubled(getattr(parameters, name)) for name in (
            "hospital_labour_usd_per_yr", "substitute_purchases_usd_per_yr",
            "wtp_usd_per_qaly")})
    effects = _effects(days=(12.0, 3.0), unmet=(4_000.0, 500.0), spread=0.3)
    once, double = _price(COSTS, effects), _price(COSTS, effects, shortage_costs=twice)
    assert once.pv_value_usd > 0.0
    assert double.pv_value_usd == pytest.approx(2 * once.pv_value_usd, rel=1e-12)
    assert double.pv_resource_cost_usd == once.pv_resource_cost_usd
    # the draws double too (the same stream): the interval's value part doubles
    assert double.social_npv_high_usd + double.pv_resource_cost_usd == pytest.approx(
        2 * (once.social_npv_high_usd + once.pv_resource_cost_usd), rel=1e-9)


def test_intervention_cash_flows_by_hand():
    # capex C at year 0 (k = 1), depreciated MACRS GDS 5-yr from year 2; opex O in years
    # 2..10; no other change: net_t = -(1 - tau) O + tau D_t, salvage 0
    terms = bundled_appraisal_terms()
    pricing = _price(COSTS, _effects())
    tau, capex, opex = PROFILE.tax_rate, 400_000.0, 60_000.0
    shield = depreciation_schedule_usd(capex, terms.depreciation_method,
                                       terms.depreciation_life_yr, HORIZON_YR - 1,
                                       macrs_rates_pct=terms.macrs_rates_pct)
    expected = np.zeros(HORIZON_YR + 1)
    expected[0] = -capex
    expected[2:] = -(1 - tau) * opex + tau * np.asarray(shield)
    net = pricing.cash_flows.incremental["net_cash_flow_usd"].to_numpy()
    np.testing.assert_allclose(net, expected, rtol=0, atol=1e-6)
    assert pricing.firm_npv_usd == pytest.approx(npv_usd(PROFILE.hurdle_rate, expected),
                                                 rel=1e-12)
    assert pricing.operating_profit_change_usd_per_yr == pytest.approx(-opex)


def test_firm_npv_is_the_sum_of_its_discounted_cash_flow_lines():
    # a measure that sells more (fewer units unmet), holds more stock and runs the line
    # with fewer rejects: every line of the table moves
    option = replace(INCUMBENT, rejected_value_usd=2e3, materials_usd=3.98e5, qc_usd=4.5e4)
    pricing = _price(COSTS, _effects(days=(5.0, 1.0), unmet=(30_000.0, 2_000.0),
                                     holding=(8_000.0, 1_000.0)), option=option)
    table = pricing.cash_flows.incremental
    lines = [c for c in table.columns if c.endswith("_usd") and c != "net_cash_flow_usd"
             and c not in ("depreciation_deduction_usd", "taxable_income_usd",
                           "book_value_usd")]
    assert "revenue_usd" in lines and "income_tax_usd" in lines
    by_line = sum(npv_usd(PROFILE.hurdle_rate, table[c].to_numpy()) for c in lines)
    assert pricing.firm_npv_usd == pytest.approx(by_line, rel=1e-12, abs=1e-6)
    # the lost-sales margin and the holding cost reach the yearly operating profit
    products = _products()
    margin = sum((p.price_usd_per_unit - p.material_cost_usd_per_unit - 0.001) * u
                 for p, u in zip(products, (30_000.0, 2_000.0), strict=True))
    assert pricing.lost_sales_margin_usd_per_yr == pytest.approx(margin)
    assert pricing.holding_cost_change_usd_per_yr == pytest.approx(9_000.0)
    line_gain = 2e3 + 5e3  # materials 2 kUSD less (rejects), QC 5 kUSD less
    assert pricing.operating_profit_change_usd_per_yr == pytest.approx(
        margin - 9_000.0 - 60_000.0 + line_gain)


def test_required_grant_brings_the_firm_npv_to_zero_at_its_hurdle():
    # a measure whose yearly gain is positive but does not repay its capex at 15 %
    costs = OptionCosts("equipment", "intervention", capex_usd=2_000_000.0,
                        opex_usd_per_yr=0.0, implementation_months=6.0)
    effects = _effects(days=(2.0, 0.0), unmet=(60_000.0, 0.0))
    pricing = _price(costs, effects)
    share = pricing.required_capex_grant_fraction
    assert pricing.firm_npv_usd < 0.0 and 0.0 < share < 1.0
    terms = bundled_appraisal_terms()

    def npv_at(grant):
        from rxtwin.econ.options import option_cash_flows, with_supply_effects
        priced = with_supply_effects(INCUMBENT, effects, _products(),
                                     energy_usd_per_unit=0.001, opex_usd_per_yr=0.0)
        flows = option_cash_flows(costs, priced, INCUMBENT, horizon_yr=HORIZON_YR,
                                  tax_rate=PROFILE.tax_rate, terms=terms,
                                  capex_grant_fraction=grant)
        return npv_usd(PROFILE.hurdle_rate, flows.incremental["net_cash_flow_usd"])

    assert abs(npv_at(share)) < 1e-6 * costs.capex_usd
    assert npv_at(share - 0.01) < 0.0 < npv_at(share + 0.01)
    # the public cost is that grant, paid with the capex in year 0, per discounted
    # shortage-day avoided at the social rate (effect from year 2)
    rate = load_shortage_costs().social_discount_rate
    days = 2.0 * sum((1 + rate) ** -t for t in range(2, HORIZON_YR + 1))
    assert pricing.public_cost_usd == pytest.approx(share * 2_000_000.0)
    assert pricing.public_cost_usd_per_shortage_day_avoided == pytest.approx(
        share * 2_000_000.0 / days)


@pytest.mark.parametrize("costs", [
    OptionCosts("equipment", "intervention", capex_usd=2_000_000.0, opex_usd_per_yr=0.0,
                implementation_months=6.0),
    OptionCosts("contract", "intervention", capex_usd=0.0, opex_usd_per_yr=500_000.0,
                implementation_months=0.0),
    OptionCosts("slow", "technology", capex_usd=900_000.0, opex_usd_per_yr=10_000.0,
                implementation_months=30.0, ramp_up_months=9.0),
])
def test_the_required_price_premium_brings_the_firm_npv_to_zero_at_its_hurdle(costs):
    """Root check through the full cash flows: the option's revenue raised by the premium
    share gives NPV 0 at the hurdle (whatever the capex, running cost or ramp-up), and the
    buyers' cost is the premium on that revenue discounted at the social rate."""
    from rxtwin.econ.options import _effect_years, option_cash_flows, with_supply_effects

    effects = _effects(days=(2.0, 0.0), unmet=(60_000.0, 0.0))
    pricing = _price(costs, effects)
    premium = pricing.required_price_premium_share
    assert pricing.firm_npv_usd < 0.0 and 0.0 < premium < math.inf
    priced = with_supply_effects(INCUMBENT, effects, _products(), energy_usd_per_unit=0.001,
                                 opex_usd_per_yr=costs.opex_usd_per_yr)

    def npv_at(share):
        option = replace(priced, revenue_usd=priced.revenue_usd * (1.0 + share))
        flows = option_cash_flows(costs, option, INCUMBENT, horizon_yr=HORIZON_YR,
                                  tax_rate=PROFILE.tax_rate, terms=bundled_appraisal_terms())
        return npv_usd(PROFILE.hurdle_rate, flows.incremental["net_cash_flow_usd"])

    assert abs(npv_at(premium)) < 1e-6 * max(costs.capex_usd, costs.opex_usd_per_yr)
    assert npv_at(premium * 0.99) < 0.0 < npv_at(premium * 1.01)
    rate = load_shortage_costs().social_discount_rate
    share = _effect_years(costs, HORIZON_YR)
    assert pricing.premium_cost_usd == pytest.approx(
        premium * npv_usd(rate, share * priced.revenue_usd), rel=1e-12)


def test_a_grant_cannot_pay_for_a_running_loss():
    # no capex: no capex grant can help; the public cost is the lump sum -NPV
    costs = OptionCosts("contract", "intervention", capex_usd=0.0, opex_usd_per_yr=50_000.0,
                        implementation_months=0.0)
    pricing = _price(costs, _effects(days=(1.0, 0.0)))
    assert pricing.required_capex_grant_fraction == math.inf
    assert pricing.public_cost_usd == pytest.approx(-pricing.firm_npv_usd)


def test_the_simulation_interval_widens_the_social_interval():
    effects = _effects(days=(10.0, 2.0), unmet=(3_000.0, 400.0), spread=0.8)
    pricing = _price(COSTS, effects, n_draws=2000)
    assert pricing.social_npv_low_usd < pricing.social_npv_usd < pricing.social_npv_high_usd
    # resampling the chunks adds spread: the combined interval is wider
    assert (pricing.social_npv_sim_high_usd - pricing.social_npv_sim_low_usd) > \
        (pricing.social_npv_high_usd - pricing.social_npv_low_usd)


def test_verdicts_and_table():
    assert option_verdict(0.0, 0.0) == Verdict.FIRM_ALONE
    assert option_verdict(0.0, -1.0) == Verdict.FIRM_GAINS_SOCIETY_LOSES
    assert option_verdict(-1.0, 0.0) == Verdict.SUBSIDISE
    assert option_verdict(-1.0, -1e-9) == Verdict.NOT_WORTH_IT
    table = options_table([_price(COSTS, _effects(days=(3.0, 0.0)))])
    assert table.loc[0, "option"] == "measure"
    assert table.loc[0, "shortage_days_avoided_per_yr"] == 3.0
    assert table.loc[0, "verdict"] in {v.value for v in Verdict}


def test_stock_interventions_are_priced_from_the_network_alone():
    scenario = load_scenario("sterile_injectable")
    buffer = next(i for i in scenario.interventions if i.extra_stock_days > 0)
    other = next(i for i in scenario.interventions if i.extra_stock_days == 0)
    assert intervention_costs(buffer).line_year_of_incumbent
    assert not intervention_costs(other).line_year_of_incumbent
    # the option's own line year is ignored for a stock intervention
    richer = replace(INCUMBENT, revenue_usd=2e6)
    costs = intervention_costs(buffer)
    assert _price(costs, _effects(), option=richer).firm_npv_usd == \
        _price(costs, _effects()).firm_npv_usd
