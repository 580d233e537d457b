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
from rxtwin.errors import UserInputError
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


# ---- every public instrument priced by the same engine --------------------------------

EQUIPMENT = OptionCosts("equipment", "intervention", capex_usd=2_000_000.0,
                        opex_usd_per_yr=0.0, implementation_months=6.0)
GAIN = dict(days=(2.0, 0.0), unmet=(60_000.0, 0.0))


def _flows(costs, effects, **subsidy):
    from rxtwin.econ.options import option_cash_flows, with_supply_effects
    priced = with_supply_effects(INCUMBENT, effects, _products(), energy_usd_per_unit=0.001,
                                 opex_usd_per_yr=costs.opex_usd_per_yr)
    return option_cash_flows(costs, priced, INCUMBENT, horizon_yr=HORIZON_YR,
                             tax_rate=PROFILE.tax_rate, terms=bundled_appraisal_terms(),
                             **subsidy)


def _firm_npv(flows):
    return npv_usd(PROFILE.hurdle_rate, flows.incremental["net_cash_flow_usd"])


def _lost_shield(basis_usd):
    """Depreciation of ``basis_usd`` from year 2 (k = 1) by the bundled terms [USD by yr]."""
    terms = bundled_appraisal_terms()
    out = np.zeros(HORIZON_YR + 1)
    out[2:] = depreciation_schedule_usd(basis_usd, terms.depreciation_method,
                                        terms.depreciation_life_yr, HORIZON_YR - 1,
                                        macrs_rates_pct=terms.macrs_rates_pct)
    return out


def test_the_required_itc_brings_the_firm_npv_to_zero_and_costs_its_credit_net_of_tax():
    # root check through the full cash flows, as the grant's; the net public cost by hand:
    # the credit c K in the first operating year (2) less the tax on the depreciation it
    # removes (the basis falls by the whole credit, 26 U.S.C. 50(c)(1))
    pricing = _price(EQUIPMENT, _effects(**GAIN))
    c = pricing.required_itc_fraction
    assert pricing.firm_npv_usd < 0.0 and 0.0 < c < 1.0
    effects = _effects(**GAIN)
    assert abs(_firm_npv(_flows(EQUIPMENT, effects, itc_fraction=c))) < 1e-6 * 2e6
    assert _firm_npv(_flows(EQUIPMENT, effects, itc_fraction=c - 0.01)) < 0.0 \
        < _firm_npv(_flows(EQUIPMENT, effects, itc_fraction=c + 0.01))
    rate, tau, capex = load_shortage_costs().social_discount_rate, PROFILE.tax_rate, 2e6
    credit = np.zeros(HORIZON_YR + 1)
    credit[2] = c * capex
    by_hand = npv_usd(rate, credit - tau * _lost_shield(c * capex))
    assert pricing.itc_fiscal_cost_usd == pytest.approx(by_hand, rel=1e-9)
    # a credit arrives a year after the capex, so it must be larger than the grant share
    assert c > pricing.required_capex_grant_fraction


def test_the_grant_is_costed_net_of_the_tax_its_lower_basis_returns():
    pricing = _price(EQUIPMENT, _effects(**GAIN))
    g, rate = pricing.required_capex_grant_fraction, load_shortage_costs().social_discount_rate
    by_hand = g * 2e6 - npv_usd(rate, PROFILE.tax_rate * _lost_shield(g * 2e6))
    assert pricing.grant_fiscal_cost_usd == pytest.approx(by_hand, rel=1e-9)
    assert pricing.grant_fiscal_cost_usd < pricing.public_cost_usd  # the gross outlay


@pytest.mark.parametrize("share", [1.0, 0.5])
@pytest.mark.parametrize("costs", [
    EQUIPMENT,
    OptionCosts("contract", "intervention", capex_usd=0.0, opex_usd_per_yr=500_000.0,
                implementation_months=0.0),
    OptionCosts("slow", "technology", capex_usd=900_000.0, opex_usd_per_yr=10_000.0,
                implementation_months=30.0, ramp_up_months=9.0),
])
def test_the_required_purchase_commitment_brings_the_firm_npv_to_zero(costs, share):
    """Root check through the full cash flows: the builder's purchase-commitment premium,
    u* per committed unit on a share s of the line's output once the option acts, gives
    NPV 0; its net public cost is the premium less the income tax on it, (1 - tau) s u*
    PV_r(Q_t), since it changes no depreciation."""
    effects = _effects(**GAIN)
    rng = np.random.default_rng(7)
    pricing = price_option(costs, INCUMBENT, INCUMBENT, effects, _products(),
                           horizon_yr=HORIZON_YR, profile=PROFILE,
                           terms=bundled_appraisal_terms(), energy_usd_per_unit=0.001,
                           shortage_costs=load_shortage_costs(), n_draws=50, rng=rng,
                           commitment_share=share)
    u = pricing.required_commitment_usd_per_unit
    assert pricing.firm_npv_usd < 0.0 and 0.0 < u < math.inf
    assert abs(_firm_npv(_flows(costs, effects, purchase_commitment_usd_per_unit=share * u))
               ) < 1e-6 * max(costs.capex_usd, costs.opex_usd_per_yr)
    assert _firm_npv(_flows(costs, effects,
                            purchase_commitment_usd_per_unit=0.99 * share * u)) < 0.0
    units = pricing.cash_flows.option["output_units"].to_numpy()
    rate = load_shortage_costs().social_discount_rate
    assert pricing.commitment_fiscal_cost_usd == pytest.approx(
        (1 - PROFILE.tax_rate) * share * u * npv_usd(rate, units), rel=1e-9)


def test_half_the_volume_committed_needs_twice_the_premium_and_the_verdict_does_not_move():
    effects = _effects(**GAIN)

    def priced(share):
        return price_option(EQUIPMENT, INCUMBENT, INCUMBENT, effects, _products(),
                            horizon_yr=HORIZON_YR, profile=PROFILE,
                            terms=bundled_appraisal_terms(), energy_usd_per_unit=0.001,
                            shortage_costs=load_shortage_costs(), n_draws=50,
                            rng=np.random.default_rng(7), commitment_share=share)

    full, half = priced(1.0), priced(0.5)
    assert half.required_commitment_usd_per_unit == pytest.approx(
        2 * full.required_commitment_usd_per_unit, rel=1e-12)
    assert half.commitment_fiscal_cost_usd == pytest.approx(
        full.commitment_fiscal_cost_usd, rel=1e-9)
    assert (half.verdict, half.social_npv_usd) == (full.verdict, full.social_npv_usd)
    with pytest.raises(UserInputError, match="commitment_share"):
        priced(0.0)


def test_the_cheapest_instrument_is_the_lowest_net_public_cost():
    pricing = _price(EQUIPMENT, _effects(**GAIN))
    costs = {"capex grant": pricing.grant_fiscal_cost_usd,
             "investment tax credit": pricing.itc_fiscal_cost_usd,
             "purchase commitment": pricing.commitment_fiscal_cost_usd}
    assert all(math.isfinite(v) and v > 0 for v in costs.values())
    assert pricing.cheapest_instrument == min(costs, key=costs.get)
    # a running loss: no capex subsidy suffices, the commitment does
    contract = OptionCosts("contract", "intervention", capex_usd=0.0,
                           opex_usd_per_yr=50_000.0, implementation_months=0.0)
    loss = _price(contract, _effects(days=(1.0, 0.0)))
    assert loss.required_itc_fraction == math.inf == loss.itc_fiscal_cost_usd
    assert loss.cheapest_instrument == "purchase commitment"
    # the firm does it alone: nothing is needed and nothing is paid
    alone = _price(OptionCosts("free", "intervention", 0.0, 0.0, 0.0),
                   _effects(days=(1.0, 0.0), unmet=(10_000.0, 0.0)))
    assert alone.firm_npv_usd >= 0.0 and alone.cheapest_instrument == "none needed"
    assert alone.required_commitment_usd_per_unit == 0.0 == alone.itc_fiscal_cost_usd
    table = options_table([pricing, loss])
    assert list(table["cheapest_instrument"]) == [pricing.cheapest_instrument,
                                                  "purchase commitment"]


def test_firm_npv_at_the_required_premium_is_zero():
    # price_option's premium root: NPV(q*) = NPV + q* (1 - tau) PV_h(phi R) = 0
    from rxtwin.econ.market import firm_npv_at_premium_usd

    pricing = _price(EQUIPMENT, _effects(**GAIN))
    q = pricing.required_price_premium_share
    assert pricing.firm_npv_usd < 0
    assert firm_npv_at_premium_usd(pricing.firm_npv_usd, pricing.premium_npv_gain_usd, q) \
        == pytest.approx(0.0, abs=1e-6 * 2e6)
    assert firm_npv_at_premium_usd(pricing.firm_npv_usd, pricing.premium_npv_gain_usd,
                                   0.0) == pricing.firm_npv_usd


def test_the_freed_equipment_is_sold_or_redeployed_when_the_products_leave_it():
    # the incumbent's equipment, worth V once the products move (k = 1 for 6 months of
    # installation, so in year 2), taxed in full (book value 0): the firm gains
    # (1 - tau) V / (1 + h)^2, society recovers the resource V / (1 + r)^2
    value = 300_000.0
    plain = OptionCosts("slow", "technology", capex_usd=900_000.0, opex_usd_per_yr=0.0,
                        implementation_months=6.0)
    freed = replace(plain, freed_equipment_value_usd=value)
    effects = _effects(**GAIN)
    a, b = _price(plain, effects), _price(freed, effects)
    tau, h = PROFILE.tax_rate, PROFILE.hurdle_rate
    r = load_shortage_costs().social_discount_rate
    assert b.firm_npv_usd - a.firm_npv_usd == pytest.approx((1 - tau) * value / (1 + h) ** 2,
                                                            rel=1e-9)
    assert a.pv_resource_cost_usd - b.pv_resource_cost_usd == pytest.approx(
        value / (1 + r) ** 2, rel=1e-9)
    table = b.cash_flows.incremental
    assert table.loc[2, "salvage_usd"] == value
    assert table.loc[2, "salvage_tax_usd"] == pytest.approx(-tau * value)
    # the money balance still holds: the net is the sum of the lines
    lines = [c for c in table.columns if c.endswith("_usd") and c not in (
        "net_cash_flow_usd", "depreciation_deduction_usd", "taxable_income_usd",
        "book_value_usd")]
    np.testing.assert_allclose(table[lines].sum(axis=1), table["net_cash_flow_usd"],
                               atol=1e-6)

