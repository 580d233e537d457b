"""Exposure metrics on hand-made networks (hand computations in the comments)."""

from __future__ import annotations

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.supply.exposure import (
    concentration,
    country_shares,
    exposure_summary,
    flag_concentration,
    herfindahl_hirschman_index,
    independent_paths,
    shared_upstream_sites,
    single_source_points,
    supplier_shares,
)
from rxtwin.supply.network import build_network

P = {"p": (["a"], 365.0, 0.0, 1.0)}
API = {"a": "api"}


def test_hhi_hand_values():
    assert herfindahl_hirschman_index([1.0]) == 1.0
    assert herfindahl_hirschman_index([0.6, 0.4]) == pytest.approx(0.52)  # .36 + .16
    assert herfindahl_hirschman_index([0.25] * 4) == pytest.approx(0.25)  # 1/n for n equal


@pytest.mark.parametrize("bad", [[], [1.2], [-0.1, 1.1], [float("nan")]])
def test_hhi_rejects_shares_outside_unit_interval(bad):
    with pytest.raises(ValueError, match="shares"):
        herfindahl_hirschman_index(bad)


def test_concentration_by_site_owner_and_country(toy):
    # API a: S1 0.5 and S2 0.3 (both owner X, India), S3 0.2 (owner Y, China).
    # hhi_site = .25 + .09 + .04 = .38; by owner .8^2 + .2^2 = .68; by country the same.
    g = toy({"S1": ("IN", "X"), "S2": ("IN", "X"), "S3": ("CN", "Y"), "F": ("US", "f")},
            [("S1", "F", "a", 0.5), ("S2", "F", "a", 0.3), ("S3", "F", "a", 0.2),
             ("F", None, "p", 1.0)], P, API)
    row = concentration(g).set_index(["product_id", "item_id"]).loc[("p", "a")]
    assert row["tier"] == "api"
    assert (row["n_sites"], row["n_suppliers"], row["n_countries"]) == (3, 2, 2)
    assert row["hhi_site"] == pytest.approx(0.38)
    assert row["hhi_supplier"] == pytest.approx(0.68)
    assert row["hhi_country"] == pytest.approx(0.68)
    assert (row["top_country"], row["top_country_share"]) == ("IN", pytest.approx(0.8))
    fdf = concentration(g).set_index("item_id").loc["p"]
    assert (fdf["tier"], fdf["hhi_site"]) == ("fdf", 1.0)


def test_upstream_shares_multiply_along_the_chain(toy):
    # API: A1 0.7, A2 0.3. KSM into A1: K1 1.0; into A2: K1 0.5, K2 0.5.
    # K1 = .7 + .15 = .85, K2 = .15; HHI = .7225 + .0225 = .745.
    g = toy({"K1": ("CN", "k1"), "K2": ("IN", "k2"), "A1": ("IN", "a1"),
             "A2": ("DE", "a2"), "F": ("US", "f")},
            [("K1", "A1", "k", 1.0), ("K1", "A2", "k", 0.5), ("K2", "A2", "k", 0.5),
             ("A1", "F", "a", 0.7), ("A2", "F", "a", 0.3), ("F", None, "p", 1.0)],
            P, {"k": "ksm", "a": "api"})
    shares = supplier_shares(g).set_index(["item_id", "supplier_site_id"])["share"]
    assert shares[("k", "K1")] == pytest.approx(0.85)
    assert shares[("k", "K2")] == pytest.approx(0.15)
    row = concentration(g).set_index("item_id").loc["k"]
    assert (row["tier"], row["hhi_site"], row["covered_share"]) == (
        "ksm", pytest.approx(0.745), pytest.approx(1.0))


def test_unrecorded_upstream_is_reported_as_covered_share(toy):
    # Only A1 (70 % of the API) reports its KSM supplier: K1 has 100 % of what is known.
    g = toy({"K1": ("CN", "k1"), "A1": ("IN", "a1"), "A2": ("DE", "a2"), "F": ("US", "f")},
            [("K1", "A1", "k", 1.0), ("A1", "F", "a", 0.7), ("A2", "F", "a", 0.3),
             ("F", None, "p", 1.0)], P, {"k": "ksm", "a": "api"})
    row = concentration(g).set_index("item_id").loc["k"]
    assert (row["hhi_site"], row["covered_share"]) == (1.0, pytest.approx(0.7))


def test_single_source_points_at_every_tier(toy):
    g = toy({"S1": ("IN", "X"), "S2": ("CN", "Y"), "V": ("DE", "v"), "F": ("US", "f")},
            [("S1", "F", "a", 0.5), ("S2", "F", "a", 0.5), ("V", "F", "vial", 1.0),
             ("F", None, "p", 1.0)],
            {"p": (["a", "vial"], 365.0, 0.0, 1.0)}, {"a": "api", "vial": "component"})
    single = single_source_points(g)
    assert sorted(zip(single["tier"], single["item_id"], single["supplier_site_id"],
                      strict=True)) == [("component", "vial", "V"), ("fdf", "p", "F")]


def test_country_shares_sum_to_one(toy):
    g = toy({"S1": ("IN", "X"), "S2": ("IN", "Y"), "S3": ("CN", "Z"), "F": ("US", "f")},
            [("S1", "F", "a", 0.5), ("S2", "F", "a", 0.25), ("S3", "F", "a", 0.25),
             ("F", None, "p", 1.0)], P, API)
    shares = country_shares(g)
    api = shares[shares["item_id"] == "a"]
    assert api["country_code"].tolist() == ["IN", "CN"]
    assert api["share"].tolist() == pytest.approx([0.75, 0.25])


@pytest.mark.parametrize(
    ("edges", "api_paths", "fdf_paths"),
    [
        # Two API sites into one FDF site: the FDF site cuts both paths.
        ([("S1", "F1", "a", 0.5), ("S2", "F1", "a", 0.5), ("F1", None, "p", 1.0)], 1, 1),
        # Two FDF sites, each with its own API site: two disjoint paths.
        ([("S1", "F1", "a", 1.0), ("S2", "F2", "a", 1.0), ("F1", None, "p", 0.5),
          ("F2", None, "p", 0.5)], 2, 2),
        # One API site feeds both FDF sites: it cuts every path.
        ([("S1", "F1", "a", 1.0), ("S1", "F2", "a", 1.0), ("F1", None, "p", 0.5),
          ("F2", None, "p", 0.5)], 1, 2),
        # Both API sites feed both FDF sites: S1-F1-market and S2-F2-market.
        ([("S1", "F1", "a", 0.5), ("S2", "F1", "a", 0.5), ("S1", "F2", "a", 0.5),
          ("S2", "F2", "a", 0.5), ("F1", None, "p", 0.5), ("F2", None, "p", 0.5)], 2, 2),
    ],
)
def test_independent_paths_hand_counts(toy, edges, api_paths, fdf_paths):
    sites = {s: ("IN", s) for s in ("S1", "S2", "F1", "F2")}
    table = independent_paths(toy(sites, edges, P, API)).set_index("item_id")
    assert table.loc["a", "independent_paths"] == api_paths
    assert table.loc["p", "independent_paths"] == fdf_paths
    assert set(table["product_min_paths"]) == {min(api_paths, fdf_paths)}


def test_shared_upstream_site_serves_two_products(toy):
    g = toy({"S1": ("IN", "X"), "S2": ("CN", "Y"), "F": ("US", "f")},
            [("S1", "F", "a", 1.0), ("S1", "F", "b", 0.4), ("S2", "F", "b", 0.6),
             ("F", None, "p", 1.0), ("F", None, "q", 1.0)],
            {"p": (["a"], 1.0, 0.0, 1.0), "q": (["b"], 1.0, 0.0, 1.0)},
            {"a": "api", "b": "api"})
    shared = shared_upstream_sites(g).set_index("site_id")
    assert set(shared.index) == {"S1", "F"}
    assert shared.loc["S1", "product_ids"] == "p;q"
    assert shared.loc["S1", "mean_share"] == pytest.approx(0.7)  # (1.0 + 0.4) / 2


def test_flag_concentration_uses_given_threshold(toy):
    g = toy({"S1": ("IN", "X"), "S2": ("CN", "Y"), "F": ("US", "f")},
            [("S1", "F", "a", 0.6), ("S2", "F", "a", 0.4), ("F", None, "p", 1.0)], P, API)
    flagged = flag_concentration(concentration(g), 0.6).set_index("item_id")
    assert not flagged.loc["a", "highly_concentrated"]  # 0.52 <= 0.6
    assert flagged.loc["p", "highly_concentrated"]  # 1.0
    with pytest.raises(ValueError, match="not percentages"):
        flag_concentration(concentration(g), 1800)


def test_bundled_scenarios_exposure():
    metformin = concentration(build_network(load_scenario("metformin"))).set_index("tier")
    assert metformin.loc["api", "hhi_country"] == pytest.approx(0.52)  # IN .6, CN .4
    sterile = build_network(load_scenario("sterile_injectable"))
    single = single_source_points(sterile)
    # 8 products, each single-sourced for API, vial, stopper and finished dose.
    assert len(single) == 32
    assert set(independent_paths(sterile)["independent_paths"]) == {1}


def test_exposure_summary_one_row_per_product(toy):
    # p: API from S1 .6 / S2 .4 (HHI .52), FDF F single (HHI 1). q: API S1 only.
    g = toy({"S1": ("IN", "X"), "S2": ("CN", "Y"), "F": ("US", "f")},
            [("S1", "F", "a", 0.6), ("S2", "F", "a", 0.4), ("S1", "F", "b", 1.0),
             ("F", None, "p", 1.0), ("F", None, "q", 1.0)],
            {"p": (["a"], 1.0, 0.0, 1.0), "q": (["b"], 1.0, 0.0, 1.0)},
            {"a": "api", "b": "api"})
    summary = exposure_summary(g, 0.18).set_index("product_id")
    assert summary.loc["p", "n_inputs"] == 2
    assert summary.loc["p", "single_sourced"] == 1
    assert summary.loc["p", "highly_concentrated"] == 2  # .52 and 1.0 > .18
    assert summary.loc["p", "most_concentrated"] == "p"
    assert summary.loc["p", "api_top_country"] == "IN"
    assert summary.loc["p", "api_top_country_share"] == pytest.approx(0.6)
    assert summary.loc["q", "single_sourced"] == 2
    assert summary.loc["q", "most_concentrated"] == "b"  # the API: upstream on the tie
    assert set(summary["min_independent_paths"]) == {1}
