"""Supply networks from CSV files, and the supply defaults file."""

from __future__ import annotations

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.data.supply_io import load_supply_defaults, network_from_csv
from rxtwin.errors import InputError
from rxtwin.supply.exposure import concentration
from rxtwin.supply.network import MARKET, build_network, inputs_of
from rxtwin.supply.tts import flow_model, time_to_survive_days

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


def test_csv_network_matches_the_scenario_network(tmp_path):
    g = network_from_csv(*write(tmp_path))
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
    g = network_from_csv(*write(tmp_path, edges=edges))
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
    g = network_from_csv(*write(tmp_path, sites, edges))
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
        network_from_csv(*paths)
    message = str(info.value)
    assert f"{which}.csv" in message
    assert where in message
    assert rule in message


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        network_from_csv(tmp_path / "nope.csv", tmp_path / "edges.csv")


def test_supply_defaults_carry_values():
    defaults = load_supply_defaults()
    assert defaults == {"tts_horizon_days": 365.0, "highly_concentrated_hhi": 0.18}
