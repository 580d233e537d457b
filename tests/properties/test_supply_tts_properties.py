"""TTS linear program against a second implementation, and monotonicity (hypothesis).

Second implementation: on a chain where every stage has one input (KSM -> API -> FDF ->
market), meeting demand d t over a window t is a single-commodity flow problem; it is
feasible iff the maximum flow from a source (stocks, raw production) to the sink through
the market equals d t. Feasibility is monotone in t (scale a feasible flow down), so the
TTS is found by bisection (80 halvings of the horizon: ~1e-22 relative, far below the
1e-6 relative tolerance allowed for the LP solver's optimality tolerance).
"""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.model import Site, SupplyEdge
from rxtwin.model.supply import ItemInfo
from rxtwin.supply.network import MARKET, assemble_network
from rxtwin.supply.tts import flow_model, lost_demand, time_to_survive_days

HORIZON = 365.0
RECIPE = {"p": "a", "a": "k"}  # the one input of each item


def network(edges, inventory_days, demand_units_per_yr=365.0):
    names = sorted({e[0] for e in edges} | {e[1] for e in edges if e[1]})
    sites = [Site(id=s, name=s, country_code="US", owner=s) for s in names]
    edge_objs = [SupplyEdge(supplier_site_id=s, customer_site_id=c, material_id=m, share=x,
                            capacity_units_per_yr=cap) for s, c, m, x, cap in edges]
    items = {"k": ItemInfo("k", "ksm", "k"), "a": ItemInfo("a", "api", "a"),
             "p": ItemInfo("p", "product", "p", input_ids=("a",),
                           demand_units_per_yr=demand_units_per_yr, criticality=1.0,
                           inventory_days=inventory_days)}
    return assemble_network(sites, edge_objs, items)


def bisection_tts(g, stock, down, horizon):
    """TTS by bisection on max-flow feasibility (independent of rxtwin.supply.tts)."""
    demand = g.graph["items"]["p"].demand_units_per_yr / 365.0
    channel = g.graph["items"]["p"].inventory_days * demand

    def feasible(t):
        net = nx.DiGraph()
        net.add_edge("SRC", "MKT", capacity=channel)
        net.add_edge("MKT", "SINK", capacity=demand * t)
        for s, c, flows in g.edges(data="items"):
            if s in down or c in down:
                continue
            for item, f in flows.items():
                net.add_edge((s, item), "MKT" if c == MARKET else (c, item),
                             capacity=f["capacity_units_per_yr"] / 365.0 * t)
        for (site, item), units in stock.items():
            if site not in down:
                net.add_edge("SRC", (site, item), capacity=units)
        for s, _, flows in g.edges(data="items"):
            if s in down:
                continue
            for item in flows:
                needed = RECIPE.get(item)
                fed = any(needed in f for _, _, f in g.in_edges(s, data="items"))
                # A stage makes its item from its one input, or from nothing if none arrives.
                net.add_edge((s, needed) if fed else "SRC", (s, item), capacity=float("inf"))
        return nx.maximum_flow_value(net, "SRC", "SINK") >= demand * t * (1 - 1e-12)

    if feasible(horizon):
        return horizon
    low, high = 0.0, horizon
    for _ in range(80):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if feasible(mid) else (low, mid)
    return low


def test_lp_matches_bisection_on_a_hand_network():
    edges = [("K", "A1", "k", 1.0, 200.0), ("K", "A2", "k", 1.0, 150.0),
             ("A1", "F1", "a", 0.5, 300.0), ("A2", "F1", "a", 0.5, 100.0),
             ("A1", "F2", "a", 1.0, 120.0), ("F1", None, "p", 0.7, 400.0),
             ("F2", None, "p", 0.3, 200.0)]
    g = network(edges, inventory_days=12.0)
    stock = {("F1", "a"): 5.0, ("A2", "a"): 8.0, ("A1", "k"): 3.0}
    model = flow_model(g, stock)
    for down in (["K"], ["A1"], ["A2"], ["F1"], ["F2"], ["A1", "F2"]):
        expected = bisection_tts(g, stock, set(down), HORIZON)
        assert time_to_survive_days(model, down, HORIZON) == pytest.approx(expected, rel=1e-6)


def _weights(draw, n):
    w = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    return [x / sum(w) for x in w]


@st.composite
def chains(draw):
    """Random KSM -> API -> FDF -> market chains with capacities [units/yr] and stocks."""
    ksm = [f"K{i}" for i in range(draw(st.integers(0, 2)))]
    api = [f"A{i}" for i in range(draw(st.integers(1, 3)))]
    fdf = [f"F{i}" for i in range(draw(st.integers(1, 2)))]
    capacity = st.integers(30, 900).map(float)
    edges = [(f, None, "p", s, draw(capacity)) for f, s in zip(fdf, _weights(draw, len(fdf)),
                                                               strict=True)]
    used_api = set()
    for f in fdf:
        chosen = draw(st.lists(st.sampled_from(api), min_size=1, max_size=len(api),
                               unique=True))
        used_api |= set(chosen)
        edges += [(a, f, "a", s, draw(capacity))
                  for a, s in zip(chosen, _weights(draw, len(chosen)), strict=True)]
    for a in sorted(used_api):
        if ksm and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(ksm), min_size=1, max_size=len(ksm),
                                   unique=True))
            edges += [(k, a, "k", s, draw(capacity))
                      for k, s in zip(chosen, _weights(draw, len(chosen)), strict=True)]
    pools = sorted({(e[0], e[2]) for e in edges} | {(e[1], e[2]) for e in edges if e[1]})
    stock = {q: float(draw(st.integers(0, 30))) for q in pools if draw(st.booleans())}
    sites = sorted({e[0] for e in edges})
    down = draw(st.lists(st.sampled_from(sites), max_size=2, unique=True))
    return edges, stock, float(draw(st.integers(0, 40))), down


@settings(max_examples=40)
@given(chains())
def test_lp_tts_equals_max_flow_bisection(chain):
    edges, stock, inventory_days, down = chain
    g = network(edges, inventory_days)
    expected = bisection_tts(g, stock, set(down), HORIZON)
    got = time_to_survive_days(flow_model(g, stock), down, HORIZON)
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-7)


@settings(max_examples=40)
@given(chains(), st.floats(1.0, 50.0), st.floats(0.0, 200.0))
def test_more_stock_never_shortens_tts_nor_raises_loss(chain, extra_days, ttr_days):
    edges, stock, inventory_days, down = chain
    base = flow_model(network(edges, inventory_days), stock)
    more = flow_model(network(edges, inventory_days + extra_days), stock)
    assert (time_to_survive_days(more, down, HORIZON)
            >= time_to_survive_days(base, down, HORIZON) - 1e-7)
    lost_base = lost_demand(base, down, ttr_days)["lost_units"].sum()
    lost_more = lost_demand(more, down, ttr_days)["lost_units"].sum()
    assert lost_more <= lost_base + 1e-6
    # Lost demand is zero up to the TTS and never exceeds the demand over the TTR.
    assert lost_base <= ttr_days * 1.0 + 1e-6


@settings(max_examples=40)
@given(chains(), st.data(), st.floats(0.05, 0.95), st.integers(30, 900))
def test_redundant_supplier_with_capacity_never_shortens_tts(chain, data, fraction, cap):
    edges, stock, inventory_days, down = chain
    index = data.draw(st.integers(0, len(edges) - 1))
    supplier, customer, item, share, capacity = edges[index]
    more = list(edges)
    more[index] = (supplier, customer, item, share * (1 - fraction), capacity)
    more.append(("N", customer, item, share * fraction, float(cap)))
    before = time_to_survive_days(flow_model(network(edges, inventory_days), stock), down,
                                  HORIZON)
    after = time_to_survive_days(flow_model(network(more, inventory_days), stock), down,
                                 HORIZON)
    assert after >= before - 1e-7
