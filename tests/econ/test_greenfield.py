"""Greenfield appraisal (rxtwin.econ.greenfield): every arm builds the line anew.

The performances are made by hand (no simulation), so every identity below is exact or
holds to rounding. Order: the arms' inputs, the cash flows, the identities of the
appraisal (identical arms, balance, the closed form of a capex change, linearity), then
the inputs it refuses.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.cashflow import cash_flow_lines
from rxtwin.econ.depreciation import depreciation_schedule_usd
from rxtwin.econ.greenfield import (
    GREENFIELD_COLUMNS,
    appraise_greenfield,
    greenfield_cash_flows,
    greenfield_npv_usd,
    lead_time_months,
    new_line_arm,
    operating_profit_usd_per_yr,
)
from rxtwin.econ.metrics import npv_usd
from rxtwin.econ.switch import ramp_up_fractions
from rxtwin.errors import UnknownIdError, UserInputError
from rxtwin.model import LinePerformance, Scenario
from rxtwin.runs.econ import bundled_appraisal_terms


def _performance(scale: float = 1.0) -> LinePerformance:
    return LinePerformance(
        units_good=2.4e8 * scale, waste_units=2e6, units_sold=2.4e8 * scale,
        revenue_usd=2.4e7 * scale, materials_usd=8.5e6 * scale, labour_usd=1.26e6,
        energy_usd=1e5, qc_usd=1e6 / scale, cleaning_usd=0.0, overhead_usd=1.15e6,
        rejected_value_usd=3e5, inventory_carrying_usd=2.6e5, inventory_build_usd=1e5,
        fill_rate=0.99)


@pytest.fixture(scope="module")
def hv():
    return load_scenario("high_volume_single_product")


@pytest.fixture(scope="module")
def terms():
    # salvage 0 so the closed form below has no salvage term (the bundled value is 0 too)
    return replace(bundled_appraisal_terms(), salvage_value_fraction=0.0)


@pytest.fixture(scope="module")
def perf():
    return {"batch": _performance(), "continuous": _performance(1.04),
            "advanced_batch": _performance(1.01), "modular": _performance(),
            "hybrid": _performance(1.02)}


def _variant(scenario: Scenario, edit) -> Scenario:
    document = copy.deepcopy(scenario.document())
    edit(document)
    return Scenario.model_validate(document)


# ---------------------------------------------------------------- the arms' inputs


def test_an_arm_takes_new_lines_where_listed_else_the_technologys_own_figures(hv):
    batch = new_line_arm(hv, "batch")
    assert batch.capex_usd == hv.new_lines["batch"].capex_usd > 0.0
    assert hv.technology("batch").capex_usd == 0.0  # the retrofit's sunk incumbent
    continuous = new_line_arm(hv, "continuous")
    tech = hv.technology("continuous")
    assert "continuous" not in hv.new_lines
    assert (continuous.capex_usd, continuous.install_time_months, continuous.ramp_up_months,
            continuous.training_usd, continuous.filing_cost_usd_per_product) == (
        tech.capex_usd, tech.install_time_months, tech.ramp_up_months, tech.training_usd,
        tech.filing_cost_usd_per_product)
    assert continuous.development_months == pytest.approx(7.5)  # uniform 6-9 months
    with pytest.raises(UnknownIdError):
        new_line_arm(hv, "no-such-technology")


def test_a_new_product_sells_once_developed_and_installed(hv):
    batch = replace(new_line_arm(hv, "batch"), install_time_months=12.0)
    assert lead_time_months(batch, "new_line") == 12.0
    assert lead_time_months(batch, "new_product") == pytest.approx(20.0)  # 16-24 months


def test_new_lines_must_name_a_technology(hv):
    with pytest.raises(ValueError, match="new_lines names technology 'cm-x'"):
        _variant(hv, lambda d: d["new_lines"].update({"cm-x": d["new_lines"]["batch"]}))


# ---------------------------------------------------------------- cash flows


def test_nothing_is_sold_before_the_lead_time_and_the_ramp_scales_volume(hv, terms):
    arm = new_line_arm(hv, "continuous")  # 36 months, 12-month ramp
    performance = _performance()
    flows = greenfield_cash_flows(performance, arm, case="new_line", horizon_yr=10,
                                  products=1, tax_rate=0.21, terms=terms)
    revenue = flows["revenue_usd"].to_numpy()
    assert np.all(revenue[:4] == 0.0)
    ramp = ramp_up_fractions(arm.ramp_up_months, 7)
    assert revenue[4:] == pytest.approx(ramp * performance.revenue_usd)
    # labour is paid in full from the first operating year; capex over the 3 install years
    assert flows["labour_usd"].iloc[4] == pytest.approx(-performance.labour_usd)
    assert flows["capex_usd"].iloc[:3].tolist() == pytest.approx([-arm.capex_usd / 3] * 3)
    assert flows["training_usd"].iloc[3] == -arm.training_usd
    assert flows["regulatory_filing_usd"].iloc[3] == -arm.filing_cost_usd_per_product


def test_operating_profit_is_the_full_rate_operating_cash_flow(hv, terms):
    performance = _performance()
    flows = greenfield_cash_flows(performance, new_line_arm(hv, "modular"), case="new_line",
                                  horizon_yr=10, products=1, tax_rate=0.0, terms=terms)
    last = flows.iloc[-2]  # full rate, no salvage or depreciation effect without tax
    operating = [c for c in cash_flow_lines if c not in (
        "capex_usd", "capex_grant_usd", "training_usd", "regulatory_filing_usd",
        "income_tax_usd", "investment_tax_credit_usd", "salvage_usd", "salvage_tax_usd",
        "working_capital_usd")] + ["cleaning_usd", "overhead_usd"]
    assert sum(last[c] for c in operating) == pytest.approx(
        operating_profit_usd_per_yr(performance, terms.waste_disposal_usd_per_unit))


# ---------------------------------------------------------------- identities


def test_two_identical_arms_have_incremental_npv_exactly_zero(hv, terms):
    def twin(document):
        batch = next(t for t in document["technologies"] if t["id"] == "batch")
        document["technologies"].append({**batch, "id": "batch-twin"})
        document["new_lines"]["batch-twin"] = dict(document["new_lines"]["batch"])

    scenario = _variant(hv, twin)
    performance = _performance()
    result = appraise_greenfield(scenario, "line-1", ["batch-twin"],
                                 {"batch": performance, "batch-twin": performance}, terms)
    assert result.incremental_npv_usd("batch-twin") == 0.0
    flows = result.incremental_cash_flows("batch-twin")
    assert np.all(flows["net_cash_flow_usd"].to_numpy() == 0.0)
    assert result.arms["batch"].npv_usd == result.arms["batch-twin"].npv_usd > 0.0


def test_an_arms_npv_is_the_sum_of_its_discounted_cash_flow_lines(hv, perf, terms):
    result = appraise_greenfield(hv, "line-1", ["continuous", "hybrid"], perf, terms)
    rate = result.profile.hurdle_rate
    lines = [*cash_flow_lines, "cleaning_usd", "overhead_usd"]
    for tid, arm in result.arms.items():
        flows = arm.cash_flows
        # money balance: the net column is the sum of the lines, year by year
        assert flows[lines].sum(axis=1).to_numpy() == pytest.approx(
            flows["net_cash_flow_usd"].to_numpy(), rel=1e-12, abs=1e-6)
        by_line = sum(npv_usd(rate, flows[c].to_numpy()) for c in lines)
        assert arm.npv_usd == pytest.approx(by_line, rel=1e-12), tid


def test_incremental_npv_is_the_difference_of_the_arms_npvs(hv, perf, terms):
    result = appraise_greenfield(hv, "line-1", ["continuous", "advanced_batch"], perf, terms)
    for tid in ("continuous", "advanced_batch"):
        assert result.incremental_npv_usd(tid) == pytest.approx(
            result.arms[tid].npv_usd - result.arms["batch"].npv_usd, rel=1e-9)
    assert result.incremental_npv_usd("batch") == 0.0
    assert greenfield_npv_usd(hv, perf, line_id="line-1", option_tech_id="continuous",
                              reference_tech_id="batch", terms=terms) == pytest.approx(
        result.incremental_npv_usd("continuous"), rel=1e-12)


def test_doubling_capex_costs_its_pv_net_of_the_depreciation_tax_shield(hv, perf, terms):
    # closed form: dNPV = -sum_t dC_t v^t + tau * sum_t dD_t v^t + tau * dBV_H v^H with
    # v = 1 / (1 + r), dD the depreciation schedule of the extra capex from the first
    # operating year and dBV_H its book value left at the horizon (written off, salvage 0)
    base = appraise_greenfield(hv, "line-1", ["continuous"], perf, terms)
    doubled_scenario = _variant(
        hv, lambda d: d["new_lines"]["batch"].update(
            capex_usd=2 * d["new_lines"]["batch"]["capex_usd"]))
    doubled = appraise_greenfield(doubled_scenario, "line-1", ["continuous"], perf, terms)
    arm = base.arms["batch"]
    extra = arm.arm.capex_usd
    horizon, tau, rate = base.horizon_yr, base.profile.tax_rate, base.profile.hurdle_rate
    k = arm.first_operating_yr - 1
    v = (1.0 + rate) ** -np.arange(horizon + 1)
    extra_capex = np.zeros(horizon + 1)
    extra_capex[:k] = extra / k
    extra_depreciation = np.zeros(horizon + 1)
    extra_depreciation[k + 1:] = depreciation_schedule_usd(
        extra, terms.depreciation_method, terms.depreciation_life_yr, horizon - k,
        macrs_rates_pct=terms.macrs_rates_pct)
    left = extra - extra_depreciation.sum()
    expected = (-(extra_capex * v).sum() + tau * (extra_depreciation * v).sum()
                + tau * left * v[-1])
    change = doubled.arms["batch"].npv_usd - arm.npv_usd
    assert change == pytest.approx(expected, rel=1e-9)
    assert change < 0.0
    # the other arm does not move; its increment against batch gains what batch lost
    assert doubled.arms["continuous"].npv_usd == base.arms["continuous"].npv_usd
    assert doubled.incremental_npv_usd("continuous") == pytest.approx(
        base.incremental_npv_usd("continuous") - change, rel=1e-9)


def test_the_table_has_one_row_per_arm_reference_first(hv, perf, terms):
    result = appraise_greenfield(hv, "line-1", ["continuous", "batch", "continuous"], perf,
                                 terms, horizon_yr=15, case="new_product")
    table = result.table()
    assert list(table.columns) == list(GREENFIELD_COLUMNS)
    assert table["technology"].tolist() == ["batch", "continuous"]
    assert table["capex_usd"].tolist() == [hv.new_lines["batch"].capex_usd,
                                           hv.technology("continuous").capex_usd]
    assert result.arms["batch"].cash_flows["year"].iloc[-1] == 15
    assert table["accept"].tolist() == [result.arms[t].appraisal.accept
                                        for t in ("batch", "continuous")]


def test_the_default_criteria_are_the_scenario_firms(hv, perf, terms):
    result = appraise_greenfield(hv, "line-1", ["continuous"], perf, terms)
    assert result.profile.hurdle_rate == hv.firm.hurdle_rate == 0.10  # brand profile
    assert result.profile.payback_limit_yr == hv.firm.payback_limit_yr == 7.0


# ---------------------------------------------------------------- refused inputs


def test_missing_performances_and_short_horizons_are_refused(hv, perf, terms):
    with pytest.raises(UserInputError, match=r"performances lack technologies \['hybrid'\]"):
        appraise_greenfield(hv, "line-1", ["hybrid"], {"batch": perf["batch"]}, terms)
    with pytest.raises(UserInputError, match="continuous: lead time 36 months gives 3 years"):
        appraise_greenfield(hv, "line-1", ["continuous"], perf, terms, horizon_yr=3)
    with pytest.raises(UserInputError, match="horizon_yr = 0 must be >= 1"):
        appraise_greenfield(hv, "line-1", ["continuous"], perf, terms, horizon_yr=0)
    with pytest.raises(ValueError):
        appraise_greenfield(hv, "line-1", ["continuous"], perf, terms, case="retrofit")
