"""Properties of the supply exposure metrics on random networks (hypothesis).

* Splitting one supplier's share s = a + b between itself and a new supplier (new site,
  new owner) never raises the HHI by site or by supplier, and lowers it by exactly 2ab:
  the converse of the 2010 Horizontal Merger Guidelines (§5.3) identity "the increase in
  the HHI from a merger of firms with shares a and b is 2ab". Tolerance 1e-12 (sums of a
  few squares of numbers in [0, 1]).
* Adding a redundant supplier (a new site taking part of an existing edge's share) never
  reduces the number of node-independent paths of any input of any product.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.model import Site, SupplyEdge
from rxtwin.model.supply import ItemInfo
from rxtwin.supply.exposure import concentration, independent_paths
from rxtwin.supply.network import assemble_network

TOL = 1e-12
COUNTRIES = ("IN", "CN", "DE", "US")


def _weights(draw, n):
    w = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    return [x / sum(w) for x in w]


@st.composite
def chains(draw):
    """(sites, edges) of one product p: KSM k -> API a -> FDF -> market, random shares."""
    n_ksm, n_api, n_fdf = draw(st.integers(0, 2)), draw(st.integers(1, 3)), draw(
        st.integers(1, 2))
    ksm = [f"K{i}" for i in range(n_ksm)]
    api = [f"A{i}" for i in range(n_api)]
    fdf = [f"F{i}" for i in range(n_fdf)]
    sites = {s: draw(st.sampled_from(COUNTRIES)) for s in ksm + api + fdf}
    edges = []
    for f, share in zip(fdf, _weights(draw, n_fdf), strict=True):
        edges.append([f, None, "p", share])
    for f in fdf:
        chosen = draw(st.lists(st.sampled_from(api), min_size=1, max_size=n_api, unique=True))
        edges += [[a, f, "a", s] for a, s in zip(chosen, _weights(draw, len(chosen)),
                                                  strict=True)]
    for a in api:
        if ksm and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(ksm), min_size=1, max_size=n_ksm,
                                   unique=True))
            edges += [[k, a, "k", s] for k, s in zip(chosen, _weights(draw, len(chosen)),
                                                      strict=True)]
    return sites, edges


def network(sites, edges):
    site_objs = [Site(id=s, name=s, country_code=c, owner=f"owner-{s}")
                 for s, c in sites.items()]
    edge_objs = [SupplyEdge(supplier_site_id=s, customer_site_id=c, material_id=m, share=x)
                 for s, c, m, x in edges]
    items = {"k": ItemInfo("k", "ksm", "k"), "a": ItemInfo("a", "api", "a"),
             "p": ItemInfo("p", "product", "p", input_ids=("a",), demand_units_per_yr=1.0)}
    return assemble_network(site_objs, edge_objs, items)


def with_redundant_supplier(sites, edges, index, fraction, country):
    """Give a new site 'N' (own owner) a fraction of edge ``index``'s share."""
    supplier, customer, item, share = edges[index]
    new_edges = [list(e) for e in edges]
    new_edges[index][3] = share * (1 - fraction)
    new_edges.append(["N", customer, item, share * fraction])
    return {**sites, "N": country}, new_edges


@settings(max_examples=60)
@given(chains(), st.data(), st.floats(0.05, 0.95), st.sampled_from(COUNTRIES))
def test_splitting_a_share_never_raises_hhi(chain, data, fraction, country):
    sites, edges = chain
    # Split an API edge of the single FDF site so that the effective split is exact.
    index = data.draw(st.sampled_from([i for i, e in enumerate(edges) if e[2] == "a"]))
    before = concentration(network(sites, edges)).set_index("item_id")
    after = concentration(network(*with_redundant_supplier(
        sites, edges, index, fraction, country))).set_index("item_id")
    for column in ("hhi_site", "hhi_supplier"):
        assert after.loc["a", column] <= before.loc["a", column] + TOL
    if sum(1 for e in edges if e[2] == "p") == 1:
        # One FDF site: the edge share is the supplier's effective share s = a + b.
        s = edges[index][3]
        a, b = s * (1 - fraction), s * fraction
        drop = before.loc["a", "hhi_site"] - after.loc["a", "hhi_site"]
        assert abs(drop - 2 * a * b) <= TOL


@settings(max_examples=60)
@given(chains(), st.data(), st.floats(0.05, 0.95), st.sampled_from(COUNTRIES))
def test_redundant_supplier_never_reduces_independent_paths(chain, data, fraction, country):
    sites, edges = chain
    index = data.draw(st.integers(0, len(edges) - 1))
    before = independent_paths(network(sites, edges)).set_index("item_id")
    after = independent_paths(network(*with_redundant_supplier(
        sites, edges, index, fraction, country))).set_index("item_id")
    for item in before.index:
        assert after.loc[item, "independent_paths"] >= before.loc[item, "independent_paths"]
    assert after["product_min_paths"].iloc[0] >= before["product_min_paths"].iloc[0]
