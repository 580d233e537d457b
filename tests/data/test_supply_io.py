"""Supply networks from CSV files (read into model parts, assembled by the supply engine),
and the supply defaults file."""

from __future__ import annotations

import pytest

from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.data.supply_io import load_supply_defaults, network_to_csv, read_network_csv
from rxtwin.errors import InputError, UserInputError
from rxtwin.model import Site, SupplyEdge
from rxtwin.model.supply import ItemInfo
from rxtwin.supply.exposure import concentration
from rxtwin.supply.network import (
    MARKET,
    assemble_network,
    build_network,
    inputs_of,
    network_from_parts,
    site_table,
)
from rxtwin.supply.tts import flow_model, time_to_survive_days, time_to_survive_table

SITES = """site_id,name,country_code,owner
fdf-site,Finished-dose site,US,the firm
api-site-in,API site India,IN,API maker IN
api-site-cn,API site China,CN,API maker CN
"""
EDGES = """supplier_site_id,customer_site_id,item_id,item_kind,share,lead_time_days,demand_units_per_yr
api-site-in,fdf-site,metformin-api,api,0.6,60,
api-site-cn,fdf-site,metformin-api,api,0.4,60,
fdf-site,market,metformin-500,product,1.0,,250000000
"""


def write(tmp_path, sites=SITES, edges=EDGES):
    (tmp_path / "sites.csv").write_text(sites, encoding="utf-8")
    (tmp_path / "edges.csv").write_text(edges, encoding="utf-8")
    return tmp_path / "sites.csv", tmp_path / "edges.csv"


def graph_from_csv(sites_csv, edges_csv):
    return network_from_parts(read_network_csv(sites_csv, edges_csv))


def test_csv_files_are_read_into_model_parts_in_file_order(tmp_path):
    parts = read_network_csv(*write(tmp_path))
    assert all(isinstance(s, Site) for s in parts.sites)
    assert [s.id for s in parts.sites] == ["fdf-site", "api-site-in", "api-site-cn"]
    assert all(isinstance(e, SupplyEdge) for e in parts.edges)
    assert [(e.supplier_site_id, e.customer_site_id, e.share) for e in parts.edges] == [
        ("api-site-in", "fdf-site", 0.6), ("api-site-cn", "fdf-site", 0.4),
        ("fdf-site", None, 1.0)]  # the 'market' keyword is the market edge
    assert parts.items["metformin-api"] == ItemInfo("metformin-api", "api", "metformin-api")
    product = parts.items["metformin-500"]
    assert (product.kind, product.input_ids, product.demand_units_per_yr) == (
        "product", ("metformin-api",), 250_000_000.0)
    assert parts.site_inventory_days == {"fdf-site": 0.0, "api-site-in": 0.0,
                                         "api-site-cn": 0.0}  # no column: none held
    stocked = read_network_csv(*write(tmp_path, sites=SITES_WITH_STOCK))
    assert stocked.site_inventory_days == {"fdf-site": 20.0, "api-site-in": 0.0,
                                           "api-site-cn": 5.5}


def test_a_site_named_market_is_refused_when_the_network_is_assembled(tmp_path):
    sites = SITES.replace("fdf-site,Finished", "market,Finished")
    edges = EDGES.replace("fdf-site", "f2")
    sites = sites + "f2,F2,US,the firm\n"
    parts = read_network_csv(*write(tmp_path, sites, edges))
    with pytest.raises(UserInputError, match="'market' is reserved"):
        network_from_parts(parts)


def test_csv_network_matches_the_scenario_network(tmp_path):
    g = graph_from_csv(*write(tmp_path))
    assert g.nodes["api-site-cn"]["tier"] == "api"
    assert g.edges["fdf-site", MARKET]["items"]["metformin-500"]["share"] == 1.0
    assert inputs_of(g, "fdf-site", "metformin-500") == ("metformin-api",)
    from_scenario = build_network(load_scenario("metformin"))
    cols = ["product_id", "tier", "item_id", "hhi_site", "hhi_country"]
    assert concentration(g)[cols].equals(concentration(from_scenario)[cols])
    # Demand given, no channel stock: losing the India site (60 %) stops 60 % at once.
    assert time_to_survive_days(flow_model(g), ["api-site-in"], 365.0) == 0.0


def test_product_columns_feed_tts(tmp_path):
    edges = EDGES.replace("demand_units_per_yr\n", "demand_units_per_yr,inventory_days,"
                          "criticality\n").replace(",60,\n", ",60,,,\n").replace(
        "250000000\n", "250000000,45,0.8\n")
    g = graph_from_csv(*write(tmp_path, edges=edges))
    info = g.graph["items"]["metformin-500"]
    assert (info.inventory_days, info.criticality) == (45.0, 0.8)
    # As the metformin scenario: India (60 %) down, no surge -> 45 / (1 - 0.4) = 75 days.
    model = flow_model(g)
    assert time_to_survive_days(model, ["api-site-in"], 365.0) == pytest.approx(75.0)


def test_used_for_limits_an_input_to_named_products(tmp_path):
    edges = """supplier_site_id,customer_site_id,item_id,item_kind,share,used_for
a1,f,x-api,api,1.0,x
a1,f,y-api,api,1.0,y
f,,x,product,1.0,
f,,y,product,1.0,
"""
    sites = "site_id,country_code,owner\na1,IN,A\nf,US,F\n"
    g = graph_from_csv(*write(tmp_path, sites, edges))
    assert inputs_of(g, "f", "x") == ("x-api",)
    assert g.nodes["a1"]["name"] == "a1"


@pytest.mark.parametrize(
    ("which", "text", "where", "rule"),
    [
        ("edges", EDGES.replace("api-site-cn,fdf", "api-site-xx,fdf"),
         "line 3, column supplier_site_id", "not a site_id of sites.csv"),
        ("edges", EDGES.replace("0.4,60", "0.3,60"), "column share", "sum to 0.9"),
        ("edges", EDGES.replace("0.4,60", "forty,60"), "line 3, column share",
         "not a number"),
        ("edges", EDGES.replace(",api,0.4", ",apii,0.4"), "line 3, column item_kind",
         "must be one of"),
        ("edges", EDGES.replace("item_kind,", "kind,"), "line 1", "missing column"),
        ("edges", EDGES.replace(",60,\n", ",-1,\n", 1), "line 2, column lead_time_days",
         "must be >= 0"),
        ("edges", EDGES.replace("60,\n", "60,5\n", 1), "line 2, column demand_units_per_yr",
         "product rows only"),
        ("edges", EDGES + "api-site-cn,,metformin-500,product,1.0,,1\n",
         "line 5, column demand_units_per_yr", "has demand_units_per_yr 250000000.0 on line 4"),
        ("edges", EDGES.replace("api-site-cn,fdf", "api-site-in,fdf"),
         "line 3, column item_id", "already supplies it to 'fdf-site' on line 2"),
        ("sites", SITES.replace(",CN,", ",China,"), "line 4, column country_code",
         "should match pattern"),
        ("sites", SITES + "fdf-site,again,US,x\n", "line 5, column site_id", "used twice"),
    ],
)
def test_bad_csv_names_file_line_column(tmp_path, which, text, where, rule):
    paths = write(tmp_path, **{which: text})
    with pytest.raises(InputError) as info:
        read_network_csv(*paths)
    message = str(info.value)
    assert f"{which}.csv" in message
    assert where in message
    assert rule in message


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_network_csv(tmp_path / "nope.csv", tmp_path / "edges.csv")


def test_supply_defaults_carry_values():
    defaults = load_supply_defaults()
    assert defaults == {"tts_horizon_days": 365.0, "highly_concentrated_hhi": 0.18}


SITES_WITH_STOCK = """site_id,name,country_code,owner,inventory_days
fdf-site,Finished-dose site,US,the firm,20
api-site-in,API site India,IN,API maker IN,
api-site-cn,API site China,CN,API maker CN,5.5
"""


def test_site_inventory_days_is_input_stock_for_tts(tmp_path):
    g = graph_from_csv(*write(tmp_path, sites=SITES_WITH_STOCK))
    assert [g.nodes[s]["inventory_days"] for s in ("fdf-site", "api-site-in", "api-site-cn")] \
        == [20.0, 0.0, 5.5]
    model = flow_model(g)
    demand = 250_000_000 / 365  # units/day
    # The FDF site holds 20 days of its API use (its normal receipts, = demand); the API
    # sites receive nothing, so their own days of stock hold no units.
    stock = dict(zip(model.pools, model.pool_stock_units, strict=True))
    assert stock[("fdf-site", "metformin-api")] == pytest.approx(20 * demand)
    assert sum(stock.values()) == pytest.approx(20 * demand)
    # Hand: India (60 %) down, no channel stock, China ships 0.4 d/day:
    # d t <= 20 d + 0.4 d t  ->  t = 20 / 0.6 days. Stock given as stock_units adds to it.
    assert time_to_survive_days(model, ["api-site-in"], 365.0) == pytest.approx(20 / 0.6)
    more = flow_model(g, {("fdf-site", "metformin-api"): 10 * demand})
    assert time_to_survive_days(more, ["api-site-in"], 365.0) == pytest.approx(30 / 0.6)
    # The stock is at the FDF site, so it goes down with it.
    assert time_to_survive_days(model, ["fdf-site"], 365.0) == 0.0


@pytest.mark.parametrize(("cell", "rule"), [("-1", "must be >= 0"), ("lots", "not a number")])
def test_bad_site_inventory_days_names_file_line_column(tmp_path, cell, rule):
    sites = SITES_WITH_STOCK.replace("the firm,20", f"the firm,{cell}")
    with pytest.raises(InputError) as info:
        read_network_csv(*write(tmp_path, sites=sites))
    message = str(info.value)
    assert "sites.csv" in message and "line 2, column inventory_days" in message
    assert rule in message


def _same_network(g, h):
    """Same sites, site stock, flows, exposure and TTS (names of materials aside)."""
    assert site_table(g).drop(columns="name").equals(site_table(h).drop(columns="name"))
    assert {(s, c): f for s, c, f in g.edges(data="items")} \
        == {(s, c): f for s, c, f in h.edges(data="items")}
    assert concentration(g).equals(concentration(h))
    assert time_to_survive_table(flow_model(g), 365.0).equals(
        time_to_survive_table(flow_model(h), 365.0))


@pytest.mark.parametrize("name", bundled_scenario_names())
def test_written_scenario_network_reads_back_the_same(tmp_path, name):
    g = build_network(load_scenario(name))
    network_to_csv(g, tmp_path / "s.csv", tmp_path / "e.csv")
    h = graph_from_csv(tmp_path / "s.csv", tmp_path / "e.csv")
    _same_network(g, h)
    for product in (i for i in g.graph["items"].values() if i.is_product):
        again = h.graph["items"][product.id]
        assert (again.demand_units_per_yr, again.inventory_days, again.criticality) == (
            product.demand_units_per_yr, product.inventory_days, product.criticality)


def test_written_csv_network_reads_back_the_same_files(tmp_path):
    # Site stock, capacities, lead times, qualification lags and used_for survive a round
    # trip; writing what was read gives the same bytes again.
    edges = """supplier_site_id,customer_site_id,item_id,item_kind,share,capacity_units_per_yr,lead_time_days,qualification_lag_days,used_for,demand_units_per_yr,inventory_days,criticality
a1,f,x-api,api,0.25,1000,30,14,x,,,
a2,f,x-api,api,0.75,,45.5,,x,,,
a1,f,y-api,api,1.0,,,,y,,,
k1,a1,ksm-1,ksm,1.0,,10,,,,,
f,,x,product,1.0,,,,,365,30,0.7
f,,y,product,1.0,2000,,,,730,12.5,1
"""
    sites = ("site_id,country_code,owner,inventory_days\nk1,CN,K,\na1,IN,A,7\na2,IN,A2,\n"
             "f,US,F,21.5\n")
    g = graph_from_csv(*write(tmp_path, sites, edges))
    out = tmp_path / "out"
    out.mkdir()
    network_to_csv(g, out / "sites.csv", out / "edges.csv")
    h = graph_from_csv(out / "sites.csv", out / "edges.csv")
    _same_network(g, h)
    assert h.nodes["f"]["inventory_days"] == 21.5 and h.nodes["a2"]["inventory_days"] == 0.0
    assert inputs_of(h, "f", "x") == ("x-api",) and inputs_of(h, "f", "y") == ("y-api",)
    first = ((out / "sites.csv").read_bytes(), (out / "edges.csv").read_bytes())
    network_to_csv(h, out / "sites.csv", out / "edges.csv")
    assert ((out / "sites.csv").read_bytes(), (out / "edges.csv").read_bytes()) == first


def test_writer_refuses_an_input_no_product_uses(tmp_path):
    sites = [Site(id=s, name=s, country_code="US", owner=s) for s in ("a", "f")]
    edges = [SupplyEdge(supplier_site_id="a", customer_site_id="f", material_id="z-api",
                        share=1.0),
             SupplyEdge(supplier_site_id="f", material_id="p", share=1.0)]
    items = {"z-api": ItemInfo(id="z-api", kind="api", name="z"),
             "p": ItemInfo(id="p", kind="product", name="p", demand_units_per_yr=1.0)}
    with pytest.raises(UserInputError, match="'z-api' is delivered to site 'f' but is an "
                       "input of none of its products"):
        network_to_csv(assemble_network(sites, edges, items), tmp_path / "s.csv",
                       tmp_path / "e.csv")
