"""Money conservation and subsidy monotonicity of rxtwin.econ.cashflow (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.data.econ_defaults import cash_flow_defaults, macrs_rates_pct
from rxtwin.econ.cashflow import (
    CashFlowInputs,
    build_cash_flows,
    cash_flow_lines,
    incremental_cash_flows,
    net_cash_flows_usd,
)
from rxtwin.econ.depreciation import macrs_lives_yr
from rxtwin.econ.metrics import npv_usd

SETTINGS = settings(max_examples=60)

money = st.floats(0.0, 1e7)
fraction = st.floats(0.0, 1.0)


@st.composite
def cash_flow_inputs(draw, horizon_yr: int | None = None) -> CashFlowInputs:
    horizon = draw(st.integers(1, 12)) if horizon_yr is None else horizon_yr
    install = draw(st.integers(0, min(3, horizon - 1)))
    n_op = horizon - install
    capex = draw(st.lists(st.floats(0.0, 2e7), min_size=1, max_size=install + 1))

    def yearly():
        return draw(st.one_of(money, st.lists(money, min_size=n_op, max_size=n_op)))

    method = draw(st.sampled_from(["macrs_gds_half_year", "straight_line"]))
    life = draw(
        st.sampled_from(macrs_lives_yr(macrs_rates_pct())) if method == "macrs_gds_half_year" else st.integers(1, 15)
    )
    return CashFlowInputs(
        horizon_yr=horizon,
        install_yr=install,
        capex_usd_by_yr=capex,
        ramp_up_fraction=draw(st.lists(fraction, max_size=min(3, n_op))),
        training_usd=draw(money),
        regulatory_filing_usd_per_product=draw(st.floats(0.0, 1e6)),
        products_moved=draw(st.integers(0, 30)),
        output_units_per_yr=yearly(),
        revenue_usd_per_yr=yearly(),
        materials_usd_per_yr=yearly(),
        labour_usd_per_yr=yearly(),
        energy_usd_per_yr=yearly(),
        qc_usd_per_yr=yearly(),
        waste_usd_per_yr=yearly(),
        inventory_carrying_usd_per_yr=yearly(),
        rejected_batches_usd_per_yr=yearly(),
        working_capital_usd=yearly(),
        tax_rate=draw(st.floats(0.0, 0.6)),
        depreciation_method=method,
        depreciation_life_yr=life,
        salvage_value_usd=draw(money),
        capex_grant_fraction=draw(fraction),
        itc_fraction=draw(fraction),
        purchase_commitment_usd_per_unit=draw(st.floats(0.0, 5.0)),
        **cash_flow_defaults(),
    )


def _tol(table) -> float:
    return 1e-9 * (float(np.abs(table[list(cash_flow_lines)].to_numpy()).sum()) + 1.0)


@SETTINGS
@given(cash_flow_inputs())
def test_lines_sum_to_net(inputs):
    table = build_cash_flows(inputs)
    diff = table[list(cash_flow_lines)].sum(axis=1) - table["net_cash_flow_usd"]
    assert np.all(np.abs(diff) <= _tol(table))
    assert len(table) == inputs.horizon_yr + 1


@SETTINGS
@given(cash_flow_inputs())
def test_lifetime_total_conserves_money(inputs):
    # Undiscounted life total, from the inputs alone (independent of the builder's rows):
    #   sum(net) = -C + G + ITC + (1 - T) (operating result + salvage) + T * basis
    # since every dollar of basis is deducted once, as depreciation or against the sale.
    table = build_cash_flows(inputs)
    capex = sum(inputs.capex_usd_by_yr)
    grant = inputs.capex_grant_fraction * capex
    credit = inputs.itc_fraction * (capex - grant)
    basis = capex - grant - inputs.itc_basis_reduction_fraction * credit
    operating = float(
        table[
            [
                "training_usd", "regulatory_filing_usd", "revenue_usd",
                "purchase_commitment_usd", "materials_usd", "labour_usd", "energy_usd",
                "qc_usd", "waste_usd", "inventory_carrying_usd", "rejected_batches_usd",
            ]
        ].to_numpy().sum()
    )  # fmt: skip
    tax = inputs.tax_rate
    expected = (
        -capex + grant + credit + (1 - tax) * (operating + inputs.salvage_value_usd) + tax * basis
    )
    assert math.isclose(table["net_cash_flow_usd"].sum(), expected, abs_tol=_tol(table))
    assert abs(table["working_capital_usd"].sum()) <= _tol(table)
    book_left = basis - table["depreciation_deduction_usd"].sum()
    assert math.isclose(table["book_value_usd"].iloc[-1], book_left, abs_tol=_tol(table))
    assert np.all(table["depreciation_deduction_usd"] >= 0)


@SETTINGS
@given(cash_flow_inputs(), fraction, fraction, st.floats(0.0, 0.5))
def test_investment_tax_credit_never_reduces_npv(inputs, a, b, rate):
    # Each credit dollar arrives when the line enters service and costs at most tax_rate of a
    # dollar of depreciation shield, no earlier; so at a non-negative rate NPV rises with it,
    # whatever share of it reduces the basis.
    low, high = sorted((a, b))
    npv_low = npv_usd(rate, net_cash_flows_usd(inputs.model_copy(update={"itc_fraction": low})))
    npv_high = npv_usd(rate, net_cash_flows_usd(inputs.model_copy(update={"itc_fraction": high})))
    assert npv_high >= npv_low - 1e-9 * (abs(npv_low) + sum(inputs.capex_usd_by_yr) + 1.0)


@SETTINGS
@given(cash_flow_inputs(), fraction, fraction, st.floats(0.0, 0.5))
def test_capex_grant_never_reduces_npv(inputs, a, b, rate):
    # A grant dollar arrives with the capex; it lowers the credit by itc_fraction (paid later)
    # and the basis by (1 - itc_fraction) under the full basis reduction of 26 U.S.C. 50(c)(1)
    # (the default), so its net worth is >= (1 - itc)(1 - tax) >= 0 in present value.
    low, high = sorted((a, b))

    def npv_at(share: float) -> float:
        update = {"capex_grant_fraction": share, "itc_basis_reduction_fraction": 1.0}
        return npv_usd(rate, net_cash_flows_usd(inputs.model_copy(update=update)))

    npv_low, npv_high = npv_at(low), npv_at(high)
    assert npv_high >= npv_low - 1e-9 * (abs(npv_low) + sum(inputs.capex_usd_by_yr) + 1.0)


same_horizon_pair = st.integers(1, 12).flatmap(
    lambda horizon: st.tuples(cash_flow_inputs(horizon), cash_flow_inputs(horizon))
)


@SETTINGS
@given(same_horizon_pair, st.floats(-0.5, 1.0))
def test_incremental_npv_is_the_difference_of_npvs(pair, rate):
    option, baseline = (build_cash_flows(inputs) for inputs in pair)
    increment = incremental_cash_flows(option, baseline)
    lines = list(cash_flow_lines)
    np.testing.assert_allclose(
        increment[lines].to_numpy(), option[lines].to_numpy() - baseline[lines].to_numpy()
    )
    lhs = npv_usd(rate, increment["net_cash_flow_usd"])
    rhs = npv_usd(rate, option["net_cash_flow_usd"]) - npv_usd(rate, baseline["net_cash_flow_usd"])
    scale = sum(abs(x) * (1 + rate) ** -t for t, x in enumerate(option["net_cash_flow_usd"]))
    scale += sum(abs(x) * (1 + rate) ** -t for t, x in enumerate(baseline["net_cash_flow_usd"]))
    assert math.isclose(lhs, rhs, abs_tol=1e-9 * (scale + 1.0))
