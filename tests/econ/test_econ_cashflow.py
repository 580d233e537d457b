"""The yearly cash-flow builder: two tables worked by hand, then wiring and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.econ.cashflow import (
    CashFlowInputs,
    build_cash_flows,
    cash_flow_lines,
    incremental_cash_flows,
    memo_columns,
    net_cash_flows_usd,
)
from rxtwin.econ.metrics import npv_usd

# --- build --------------------------------------------------------------------------------


def simple_inputs(**changes) -> CashFlowInputs:
    """Capex 1000 at t=0; 4 operating years of 700 revenue, 200 materials, 100 labour;
    25 % tax; 3-year MACRS; salvage 100."""
    base = dict(
        horizon_yr=4,
        capex_usd_by_yr=(1000.0,),
        revenue_usd_per_yr=700.0,
        materials_usd_per_yr=200.0,
        labour_usd_per_yr=100.0,
        tax_rate=0.25,
        depreciation_method="macrs_gds_half_year",
        depreciation_life_yr=3,
        salvage_value_usd=100.0,
        **cash_flow_defaults(),
    )
    base.update(changes)
    return CashFlowInputs(**base)


def full_inputs(**changes) -> CashFlowInputs:
    """Install year, ramp-up, training, filings, premium, grant, ITC, working capital."""
    base = dict(
        horizon_yr=4,
        install_yr=1,
        capex_usd_by_yr=(600.0, 400.0),
        ramp_up_fraction=(0.5,),
        training_usd=50.0,
        regulatory_filing_usd_per_product=20.0,
        products_moved=2,
        output_units_per_yr=1000.0,
        revenue_usd_per_yr=1000.0,
        materials_usd_per_yr=300.0,
        labour_usd_per_yr=200.0,
        working_capital_usd=100.0,
        tax_rate=0.20,
        depreciation_method="straight_line",
        depreciation_life_yr=3,
        salvage_value_usd=50.0,
        capex_grant_fraction=0.10,
        itc_fraction=0.25,
        purchase_commitment_usd_per_unit=0.10,
        **cash_flow_defaults(),
    )
    base.update(changes)
    return CashFlowInputs(**base)


# --- solve and compare with hand-worked tables ------------------------------------------------


def test_simple_table_with_tax_macrs_and_salvage_by_hand():
    # Basis 1000, 3-year MACRS (Pub. 946: 33.33, 44.45, 14.81, 7.41 %):
    #   depreciation 333.3, 444.5, 148.1, 74.1 in years 1-4 -> book value at year 4 = 0.
    # EBITDA = 700 - 200 - 100 = 400 every operating year.
    # Taxable income: 400-333.3 = 66.7; 400-444.5 = -44.5; 400-148.1 = 251.9; 400-74.1 = 325.9
    # Tax (25 %):     -16.675;          +11.125 (saving);   -62.975;          -81.475
    # Salvage 100, gain over book 100 - 0 = 100, tax -25.
    # Net: y0 -1000; y1 400-16.675 = 383.325; y2 400+11.125 = 411.125; y3 400-62.975 = 337.025;
    #      y4 400-81.475+100-25 = 393.525.
    table = build_cash_flows(simple_inputs())
    np.testing.assert_allclose(table["depreciation_deduction_usd"], [0, 333.3, 444.5, 148.1, 74.1])
    np.testing.assert_allclose(table["taxable_income_usd"], [0, 66.7, -44.5, 251.9, 325.9])
    np.testing.assert_allclose(table["income_tax_usd"], [0, -16.675, 11.125, -62.975, -81.475])
    np.testing.assert_allclose(table["book_value_usd"], [1000, 666.7, 222.2, 74.1, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["salvage_usd"], [0, 0, 0, 0, 100])
    np.testing.assert_allclose(table["salvage_tax_usd"], [0, 0, 0, 0, -25], atol=1e-9)
    np.testing.assert_allclose(
        table["net_cash_flow_usd"], [-1000, 383.325, 411.125, 337.025, 393.525], atol=1e-9
    )
    # Undiscounted total = (1 - 0.25) * (4 * 400 + 100 - 1000) = 525: over the life every
    # dollar of basis is deducted once, so the total is taxed at the flat rate.
    assert table["net_cash_flow_usd"].sum() == pytest.approx(525.0, abs=1e-9)


def test_full_table_with_install_ramp_grant_itc_working_capital_by_hand():
    # Capex 600 (y0) + 400 (y1) = 1000; grant 10 %: +60, +40 -> G = 100.
    # ITC 25 % of (1000 - 100) = 225 in year 2 (first operating year, placed in service).
    # Basis = 1000 - 100 - 1.0 * 225 = 675 (26 U.S.C. 50(c)(1)); straight line over 3 years:
    #   225 in years 2, 3, 4 -> book value 0 at year 4.
    # Year 1 (= install_yr): training -50, filings -20 * 2 = -40; taxable -90 -> tax +18.
    #   net = -400 + 40 - 50 - 40 + 18 = -432
    # Year 2 (ramp 0.5): revenue 500, premium 0.10 * 500 units = 50, materials -150,
    #   labour -200 (not ramped); taxable = 500 + 50 - 150 - 200 - 225 = -25 -> tax +5;
    #   working capital -100; ITC +225. net = 500 + 50 - 150 - 200 + 5 - 100 + 225 = 330
    # Year 3: taxable = 1000 + 100 - 300 - 200 - 225 = 375 -> tax -75; net = 600 - 75 = 525
    # Year 4: as year 3 (525) + working capital back +100 + salvage 50 - tax 0.2 * 50 = 665
    table = build_cash_flows(full_inputs())
    expected = {
        "capex_usd": [-600, -400, 0, 0, 0],
        "capex_grant_usd": [60, 40, 0, 0, 0],
        "training_usd": [0, -50, 0, 0, 0],
        "regulatory_filing_usd": [0, -40, 0, 0, 0],
        "revenue_usd": [0, 0, 500, 1000, 1000],
        "purchase_commitment_usd": [0, 0, 50, 100, 100],
        "materials_usd": [0, 0, -150, -300, -300],
        "labour_usd": [0, 0, -200, -200, -200],
        "working_capital_usd": [0, 0, -100, 0, 100],
        "income_tax_usd": [0, 18, 5, -75, -75],
        "investment_tax_credit_usd": [0, 0, 225, 0, 0],
        "salvage_usd": [0, 0, 0, 0, 50],
        "salvage_tax_usd": [0, 0, 0, 0, -10],
        "net_cash_flow_usd": [-540, -432, 330, 525, 665],
        "depreciation_deduction_usd": [0, 0, 225, 225, 225],
        "operating_fraction": [0, 0, 0.5, 1, 1],
        "output_units": [0, 0, 500, 1000, 1000],
    }
    for column, values in expected.items():
        np.testing.assert_allclose(table[column], values, atol=1e-9, err_msg=column)
    for column in ("energy_usd", "qc_usd", "waste_usd", "inventory_carrying_usd"):
        assert (table[column] == 0.0).all()


def test_yearly_arrays_and_every_ramped_cost_line():
    # One value per operating year (3 years), ramp 0.5 then 1, each ramped line scaled.
    costs = np.array([10.0, 20.0, 30.0])
    inputs = simple_inputs(
        horizon_yr=3,
        ramp_up_fraction=[0.5],
        revenue_usd_per_yr=np.array([100.0, 200.0, 300.0]),
        energy_usd_per_yr=costs,
        qc_usd_per_yr=costs,
        waste_usd_per_yr=costs,
        inventory_carrying_usd_per_yr=costs,
        rejected_batches_usd_per_yr=costs,
        labour_usd_per_yr=pd.Series([7.0, 7.0, 7.0]),
        materials_usd_per_yr=0.0,
    )
    table = build_cash_flows(inputs)
    np.testing.assert_allclose(table["revenue_usd"], [0, 50, 200, 300])
    for column in ("energy_usd", "qc_usd", "waste_usd", "inventory_carrying_usd",
                   "rejected_batches_usd"):  # fmt: skip
        np.testing.assert_allclose(table[column], [0, -5, -20, -30], err_msg=column)
    np.testing.assert_allclose(table["labour_usd"], [0, -7, -7, -7])


def test_salvage_below_book_value_gives_a_tax_saving():
    # Horizon 2 with 3-year MACRS: book value left = 1000 * (14.81 + 7.41) % = 222.2;
    # salvage 100 -> loss 122.2 -> tax saving 0.25 * 122.2 = +30.55.
    table = build_cash_flows(simple_inputs(horizon_yr=2))
    assert table["book_value_usd"].iloc[-1] == pytest.approx(222.2, abs=1e-9)
    assert table["salvage_tax_usd"].iloc[-1] == pytest.approx(30.55, abs=1e-9)


def test_working_capital_as_yearly_levels_is_recovered():
    # Levels 50, 80, 80, 60 -> flows -50, -30, 0, +20, then +60 back at the horizon: +80.
    table = build_cash_flows(simple_inputs(working_capital_usd=(50.0, 80.0, 80.0, 60.0)))
    np.testing.assert_allclose(table["working_capital_usd"], [0, -50, -30, 0, 80])
    assert table["working_capital_usd"].sum() == pytest.approx(0.0, abs=1e-12)


# --- balances ---------------------------------------------------------------------------------


def test_lines_sum_to_net_and_columns_are_documented():
    table = build_cash_flows(full_inputs())
    assert list(table.columns) == [*memo_columns, *cash_flow_lines, "net_cash_flow_usd"]
    np.testing.assert_allclose(
        table[list(cash_flow_lines)].sum(axis=1), table["net_cash_flow_usd"], atol=1e-9
    )
    assert table["year"].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(net_cash_flows_usd(full_inputs()), table["net_cash_flow_usd"])


def test_total_tax_equals_rate_times_lifetime_profit():
    # Over the life, sum of taxes = tax_rate * (sum of taxable income + salvage gain), and the
    # deductions add up to the basis less what is left on the books.
    inputs = full_inputs()
    table = build_cash_flows(inputs)
    gain = inputs.salvage_value_usd - table["book_value_usd"].iloc[-1]
    taxes = table["income_tax_usd"].sum() + table["salvage_tax_usd"].sum()
    assert taxes == pytest.approx(-inputs.tax_rate * (table["taxable_income_usd"].sum() + gain))
    assert table["depreciation_deduction_usd"].sum() + table["book_value_usd"].iloc[-1] == (
        pytest.approx(675.0)
    )


def test_incremental_cash_flows_line_by_line_and_npv_linear():
    option = build_cash_flows(full_inputs())
    baseline = build_cash_flows(simple_inputs())
    increment = incremental_cash_flows(option, baseline)
    assert list(increment.columns) == list(option.columns)
    assert increment["year"].tolist() == option["year"].tolist()
    np.testing.assert_allclose(
        increment["net_cash_flow_usd"],
        option["net_cash_flow_usd"] - baseline["net_cash_flow_usd"],
    )
    assert npv_usd(0.12, increment["net_cash_flow_usd"]) == pytest.approx(
        npv_usd(0.12, option["net_cash_flow_usd"]) - npv_usd(0.12, baseline["net_cash_flow_usd"])
    )


def test_incremental_rejects_mismatched_tables():
    option = build_cash_flows(full_inputs())
    shorter = build_cash_flows(simple_inputs(horizon_yr=3))
    with pytest.raises(ValueError, match="use the same horizon_yr for both"):
        incremental_cash_flows(option, shorter)
    with pytest.raises(ValueError, match="baseline lacks cash-flow columns"):
        incremental_cash_flows(option, option.drop(columns="capex_usd"))


# --- input validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"install_yr": 4}, "install_yr = 4 leaves no operating year within horizon_yr = 4"),
        (
            {"capex_usd_by_yr": (500.0, 500.0)},
            r"capex_usd_by_yr has 2 years .* capex must be spent in years 0..0",
        ),
        ({"capex_usd_by_yr": (-5.0,)}, r"capex_usd_by_yr\[0\] = -5.0 must be finite and >= 0"),
        ({"ramp_up_fraction": (0.5, 1.2)}, r"ramp_up_fraction\[1\] = 1.2 must be within"),
        ({"ramp_up_fraction": (0.5,) * 5}, "ramp_up_fraction has 5 years but there are only 4"),
        (
            {"revenue_usd_per_yr": (1.0, 2.0)},
            r"revenue_usd_per_yr has 2 values; give one number or exactly 4",
        ),
        ({"labour_usd_per_yr": -3.0}, r"labour_usd_per_yr\[0\] = -3.0 must be finite and >= 0"),
        ({"depreciation_life_yr": 6}, "depreciation_life_yr = 6 is not a MACRS GDS recovery"),
        ({"tax_rate": 1.0}, "tax_rate"),
        ({"itc_fraction": 1.5}, "itc_fraction"),
        ({"depreciation_method": "sum_of_years"}, "depreciation_method"),
        ({"unknown_field": 1.0}, "unknown_field"),
    ],
)
def test_bad_inputs_name_field_value_and_rule(changes, message):
    with pytest.raises(ValidationError, match=message):
        simple_inputs(**changes)


def test_straight_line_accepts_any_life_and_inputs_are_frozen():
    inputs = simple_inputs(depreciation_method="straight_line", depreciation_life_yr=6)
    assert inputs.first_operating_year == 1 and inputs.n_operating_yr == 4
    with pytest.raises(ValidationError):
        inputs.tax_rate = 0.3  # type: ignore[misc]


def test_itc_basis_reduction_default_comes_from_data_with_a_source():
    from rxtwin.data.econ_defaults import load_subsidy_defaults

    defaults = load_subsidy_defaults()
    assert (
        simple_inputs().itc_basis_reduction_fraction
        == defaults["itc_basis_reduction_fraction"].value
    )
    assert "50(c)(1)" in defaults["itc_basis_reduction_fraction"].provenance
    assert defaults["chips_48d_itc_fraction"].value == 0.25
    assert "48D" in defaults["chips_48d_itc_fraction"].provenance
