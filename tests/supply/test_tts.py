"""TTS and performance-impact linear programs against hand solutions.

Units: demand 365 units/yr = 1 unit/day unless stated, so stocks in units are days.
The comparison with a second implementation (max-flow feasibility + bisection) is in
tests/properties/test_supply_tts_properties.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.supply.network import MARKET, build_network
from rxtwin.supply.tts import (
    flow_model,
    in_transit_stock_units,
    lost_demand,
    risk_exposure,
    site_outage_ttr_days,
    time_to_survive_days,
    time_to_survive_table,
)

HORIZON = 365.0
API = {"a": "api"}


def single_chain(toy, inventory_days=30.0, c2=None):
    """S1 (share .6) and S2 (share .4) supply API a to F, which delivers p (1 unit/day)."""
    edges = [("S1", "F", "a", 0.6), ("S2", "F", "a", 0.4, c2), ("F", None, "p", 1.0)]
    if c2 is None:
        edges[1] = ("S2", "F", "a", 0.4)
    return toy({"S1": ("IN", "s1"), "S2": ("CN", "s2"), "F": ("US", "f")}, edges,
               {"p": (["a"], 365.0, inventory_days, 0.5)}, API)


def test_single_fdf_site_down_lasts_its_channel_stock(toy):
    # Hand: nothing reaches the market, so I + 0 >= d t gives TTS = I / d = 30 days.
    model = flow_model(single_chain(toy))
    assert time_to_survive_days(model, ["F"], HORIZON) == pytest.approx(30.0)


def test_no_stock_survives_zero_days_never_minus_zero(toy):
    # Hand: no channel stock and no spare capacity, so any outage stops the market at once:
    # TTS = 0 / d = 0 for every site. The LP solver returns t = -0.0 here; the answer (and
    # the tables built from it) must be +0.0, which prints as "0", not "-0".
    model = flow_model(single_chain(toy, inventory_days=0.0))
    for site in ("S1", "S2", "F"):
        tts = time_to_survive_days(model, [site], HORIZON)
        assert tts == 0.0 and math.copysign(1.0, tts) == 1.0, site
    table = time_to_survive_table(model, HORIZON)
    assert not np.signbit(table["tts_days"].to_numpy()).any()
    assert "-0" not in table.to_string()


def test_single_supplier_with_stock_at_two_tiers(toy):
    # S is the only API supplier; F holds J = 20 units of API, the channel I = 30 units,
    # F can make d = 1/day (no surge). Hand: d t <= I + min(J, d t) -> t = (I + J)/d = 50.
    g = toy({"S": ("IN", "s"), "F": ("US", "f")},
            [("S", "F", "a", 1.0), ("F", None, "p", 1.0)],
            {"p": (["a"], 365.0, 30.0, 1.0)}, API)
    model = flow_model(g, {("F", "a"): 20.0})
    assert time_to_survive_days(model, ["S"], HORIZON) == pytest.approx(50.0)
    # The API stock is lost with the FDF site itself: TTS = I / d = 30.
    assert time_to_survive_days(model, ["F"], HORIZON) == pytest.approx(30.0)


def test_partial_spare_capacity_closed_form(toy):
    # S1 down; S2 can ship c2 = 0.5 unit/day (182.5/yr); F surges freely (capacity given).
    # Hand: d t <= I + c2 t  ->  TTS = I / (d - c2) = 30 / 0.5 = 60 days.
    g = toy({"S1": ("IN", "s1"), "S2": ("CN", "s2"), "F": ("US", "f")},
            [("S1", "F", "a", 0.6), ("S2", "F", "a", 0.4, 182.5),
             ("F", None, "p", 1.0, 3650.0)],
            {"p": (["a"], 365.0, 30.0, 0.5)}, API)
    model = flow_model(g)
    assert time_to_survive_days(model, ["S1"], HORIZON) == pytest.approx(60.0)
    # Performance impact over TTR = 100 days: lost = d*TTR - I - c2*TTR = 100 - 30 - 50.
    lost = lost_demand(model, ["S1"], 100.0).set_index("product_id").loc["p"]
    assert lost["lost_units"] == pytest.approx(20.0)
    assert lost["lost_days"] == pytest.approx(20.0)
    assert lost["demand_units"] == pytest.approx(100.0)
    # Within the TTS nothing is lost.
    assert lost_demand(model, ["S1"], 59.0)["lost_units"].iloc[0] == pytest.approx(0.0)


def test_two_suppliers_with_enough_spare_capacity_survive_to_the_horizon(toy):
    # S2 alone can ship 2 units/day > d = 1: demand met for any t, TTS capped at horizon.
    model = flow_model(single_chain(toy, c2=730.0))
    assert time_to_survive_days(model, ["S1"], HORIZON) == pytest.approx(HORIZON)
    assert time_to_survive_days(model, ["S1"], 1000.0) == pytest.approx(1000.0)


def test_no_surge_capacity_by_default(toy):
    # Capacities not given: S2 keeps its normal 0.4 unit/day. Hand: 30 / (1 - .4) = 50.
    model = flow_model(single_chain(toy))
    normal = dict(zip(model.arcs, model.arc_normal_flow_units_per_day, strict=True))
    assert normal == pytest.approx({("S1", "F", "a"): 0.6, ("S2", "F", "a"): 0.4,
                                    ("F", MARKET, "p"): 1.0})
    assert time_to_survive_days(model, ["S1"], HORIZON) == pytest.approx(50.0)
    assert time_to_survive_days(model, ["S2"], HORIZON) == pytest.approx(75.0)  # 30/.4


def test_shared_single_source_component_stock_is_split_between_products(toy):
    # Vial maker V down. Products p (d=1/day, I=10) and q (d=2/day, I=40) share V = 60 vials
    # at F. Hand: (d_p + d_q) t - I_p - I_q <= V  ->  t = (60 + 10 + 40) / 3 = 36.67 days,
    # valid since t > I_p/d_p = 10 and t > I_q/d_q = 20.
    g = toy({"V": ("DE", "v"), "F": ("US", "f")},
            [("V", "F", "vial", 1.0), ("F", None, "p", 1.0), ("F", None, "q", 1.0)],
            {"p": (["vial"], 365.0, 10.0, 1.0), "q": (["vial"], 730.0, 20.0, 0.5)},
            {"vial": "component"})
    model = flow_model(g, {("F", "vial"): 60.0})
    assert time_to_survive_days(model, ["V"], HORIZON) == pytest.approx(110.0 / 3.0)


def test_lost_demand_with_nothing_down_is_zero(toy):
    model = flow_model(single_chain(toy))
    assert lost_demand(model, [], 200.0)["lost_units"].sum() == pytest.approx(0.0)
    assert time_to_survive_days(model, [], HORIZON) == pytest.approx(HORIZON)


def test_risk_exposure_ranks_by_criticality_weighted_lost_days(toy):
    # single_chain without surge: TTS(F) = 30, TTS(S1) = 50, TTS(S2) = 75; TTR = 60 days.
    # Lost days: F 60 - 30 = 30; S1: 60 - 30 - .4*60 = 6; S2: 0 (75 > 60).
    # Weighted by criticality 0.5: 15, 3, 0.
    model = flow_model(single_chain(toy))
    table = risk_exposure(model, {"S1": 60.0, "S2": 60.0, "F": 60.0}, HORIZON)
    assert table["site_id"].tolist() == ["F", "S1", "S2"]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["exposed"].tolist() == [True, True, False]
    assert table["weighted_lost_days"].tolist() == pytest.approx([15.0, 3.0, 0.0])
    assert table["products_hit"].tolist() == ["p", "p", ""]
    with pytest.raises(ValueError, match="lacks site"):
        risk_exposure(model, {"S1": 60.0}, HORIZON)


def test_bundled_scenario_closed_forms():
    # high-volume: API 70 % India / 30 % Germany, no surge, 30 days of channel stock.
    # Hand: India down -> 30 / (1 - .3) = 42.86 days; Germany down -> 30 / .3 = 100 days.
    model = flow_model(build_network(load_scenario("high_volume_single_product")))
    table = time_to_survive_table(model, HORIZON).set_index("site_id")["tts_days"]
    assert table["api-site-1"] == pytest.approx(30.0 / 0.7)
    assert table["api-site-2"] == pytest.approx(100.0)
    assert table["fdf-site"] == pytest.approx(30.0)
    # docs/supply.md worked example, TTR 50 days, criticality 0.7. Lost days: FDF 50 - 30 = 20;
    # India 50 - 30 - 0.3 x 50 = 5; Germany 0. Weighted: 14, 3.5, 0.
    ranked = risk_exposure(model, dict.fromkeys(model.sites, 50.0), HORIZON)
    assert ranked["site_id"].tolist() == ["fdf-site", "api-site-1", "api-site-2"]
    assert ranked["lost_days"].tolist() == pytest.approx([20.0, 5.0, 0.0])
    assert ranked["weighted_lost_days"].tolist() == pytest.approx([14.0, 3.5, 0.0])


def test_in_transit_stock_is_flow_times_lead_time():
    # high-volume: d = 250e6/365 per day; India 0.7 d x 60 days + Germany 0.3 d x 30 days
    # = 51 days of demand in transit to the FDF site. India down, no surge:
    # (30 + 51) / (1 - 0.3) = 115.71 days.
    g = build_network(load_scenario("high_volume_single_product"))
    d = 250e6 / 365.0
    pipeline = in_transit_stock_units(g)
    assert pipeline == {("fdf-site", "hv-api"): pytest.approx(51.0 * d)}
    model = flow_model(g, pipeline)
    assert time_to_survive_days(model, ["api-site-1"], HORIZON) == pytest.approx(81.0 / 0.7)
    # It sits at the FDF site: an FDF outage still lasts the channel stock only.
    assert time_to_survive_days(model, ["fdf-site"], HORIZON) == pytest.approx(30.0)


def test_site_outage_ttr_is_rate_weighted_mean_duration():
    # sterile_injectable: one site_outage mode, lognormal mean 4380 h = 182.5 days.
    assert site_outage_ttr_days(load_scenario("sterile_injectable")) == pytest.approx(182.5)
    scenario = load_scenario("metformin")
    with pytest.raises(ValueError, match="site_outage"):
        site_outage_ttr_days(scenario.model_copy(update={"failure_modes": []}))


def test_bad_arguments_name_the_problem(toy):
    model = flow_model(single_chain(toy))
    with pytest.raises(ValueError, match="not on any product's chain"):
        time_to_survive_days(model, ["nowhere"], HORIZON)
    with pytest.raises(ValueError, match="horizon_days"):
        time_to_survive_days(model, ["F"], 0.0)
    with pytest.raises(ValueError, match="ttr_days"):
        lost_demand(model, ["F"], -1.0)
    with pytest.raises(ValueError, match="stock_units"):
        flow_model(single_chain(toy), {("F", "zzz"): 1.0})
    with pytest.raises(ValueError, match=">= 0"):
        flow_model(single_chain(toy), {("F", "a"): -1.0})
    no_demand = toy({"F": ("US", "f")}, [("F", None, "p", 1.0)],
                    {"p": ([], float("nan"), 0.0, 1.0)})
    with pytest.raises(ValueError, match="demand_units_per_yr"):
        flow_model(no_demand)
