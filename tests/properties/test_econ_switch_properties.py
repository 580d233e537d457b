"""Properties of the technology-switch cash flows (rxtwin.econ.switch)."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.econ.metrics import npv_usd
from rxtwin.econ.switch import ramp_up_fractions, technology_switch_cash_flows
from rxtwin.model.performance import LinePerformance

money = st.floats(min_value=0.0, max_value=1e7, allow_nan=False)


@st.composite
def performances(draw) -> LinePerformance:
    values = {f.name: draw(money) for f in fields(LinePerformance)}
    values["materials_usd"] = values["materials_usd"] + values["rejected_value_usd"] \
        + values["inventory_build_usd"]
    return LinePerformance(**values)


def _flows(new, old, capex, months, ramp, tax):
    return technology_switch_cash_flows(
        new, old, horizon_yr=10, install_time_months=months, ramp_up_months=ramp,
        capex_usd=capex, training_usd=1e5, filing_cost_usd_per_product=2e4, products_moved=3,
        tax_rate=tax, depreciation_method="macrs_gds_half_year", depreciation_life_yr=5,
        **cash_flow_defaults())


@settings(max_examples=40)
@given(performances(), performances(), money, st.floats(0, 60), st.floats(0, 36),
       st.floats(0, 0.5))
def test_increment_is_option_minus_baseline_and_npv_is_linear(new, old, capex, months, ramp,
                                                              tax):
    flows = _flows(new, old, capex, months, ramp, tax)
    net = flows.incremental["net_cash_flow_usd"].to_numpy()
    diff = (flows.option["net_cash_flow_usd"] - flows.baseline["net_cash_flow_usd"]).to_numpy()
    assert np.allclose(net, diff, atol=1e-6)
    assert np.isclose(npv_usd(0.15, net), npv_usd(0.15, flows.option["net_cash_flow_usd"])
                      - npv_usd(0.15, flows.baseline["net_cash_flow_usd"]), atol=1e-4)


@settings(max_examples=40)
@given(performances(), money, st.floats(0, 60), st.floats(0, 36), st.floats(0, 0.5),
       st.floats(1.0, 1e6))
def test_a_yearly_saving_raises_the_npv(old, capex, months, ramp, tax, saving):
    cheaper = LinePerformance(**{**{f.name: getattr(old, f.name) for f in fields(old)},
                                 "labour_usd": old.labour_usd + saving})
    same = _flows(old, old, capex, months, ramp, tax)
    # the option is the incumbent made cheaper by `saving` per year: the NPV rises by
    # (1 - tau) x saving x the discounted ramped operating years
    better = _flows(LinePerformance(**{**{f.name: getattr(old, f.name) for f in fields(old)}}),
                    cheaper, capex, months, ramp, tax)
    gain = npv_usd(0.15, better.incremental["net_cash_flow_usd"]) - npv_usd(
        0.15, same.incremental["net_cash_flow_usd"])
    k = better.install_yr
    phi = ramp_up_fractions(ramp, 10 - k)
    expected = (1 - tax) * saving * sum(p / 1.15 ** (k + 1 + j) for j, p in enumerate(phi))
    assert np.isclose(gain, expected, rtol=1e-9, atol=1e-6)
