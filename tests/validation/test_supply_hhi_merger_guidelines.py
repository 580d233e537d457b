"""HHI against the worked example and identities of the US merger guidelines.

Published case: U.S. Department of Justice and Federal Trade Commission, *Horizontal
Merger Guidelines* (19 August 2010), §5.3 "Market Concentration": a market of four firms
with shares of 30, 30, 20 and 20 percent has an HHI of 2,600 (900 + 900 + 400 + 400), and
the increase in HHI from a merger of firms with shares a and b equals 2ab (on percentages,
e.g. 2 x 20 x 20 = 800). rxtwin works on shares in [0, 1], so the published figures are
divided by 10,000. The 2023 Merger Guidelines (§2.1) keep this definition and set the
"highly concentrated" threshold at 1,800, which must be the bundled default.

Tolerance 1e-12: a sum of four squares of exact decimals, only binary rounding differs.
"""

from __future__ import annotations

import pytest

from rxtwin.data.supply_io import load_supply_defaults
from rxtwin.model import Site, SupplyEdge
from rxtwin.model.supply import ItemInfo
from rxtwin.supply.exposure import concentration, herfindahl_hirschman_index
from rxtwin.supply.network import assemble_network

PERCENT_SQUARED = 10_000.0


def test_four_firm_example_matches_hmg_2010_section_5_3():
    shares = [0.30, 0.30, 0.20, 0.20]
    assert herfindahl_hirschman_index(shares) * PERCENT_SQUARED == pytest.approx(2600.0,
                                                                                 abs=1e-8)


def test_merger_increase_is_2ab_as_in_hmg_2010_section_5_3():
    before = herfindahl_hirschman_index([0.30, 0.30, 0.20, 0.20])
    after = herfindahl_hirschman_index([0.30, 0.30, 0.40])
    assert (after - before) * PERCENT_SQUARED == pytest.approx(800.0, abs=1e-8)


def test_supplier_hhi_of_a_network_with_the_four_firm_shares():
    # Four API sites of four owners with the published shares feed one FDF site.
    sites = [Site(id=f"S{i}", name=f"S{i}", country_code="IN", owner=f"firm {i}")
             for i in range(4)] + [Site(id="F", name="F", country_code="US", owner="f")]
    edges = [SupplyEdge(supplier_site_id=f"S{i}", customer_site_id="F", material_id="a",
                        share=s) for i, s in enumerate([0.3, 0.3, 0.2, 0.2])]
    edges.append(SupplyEdge(supplier_site_id="F", material_id="p", share=1.0))
    items = {"a": ItemInfo("a", "api", "a"),
             "p": ItemInfo("p", "product", "p", input_ids=("a",))}
    row = concentration(assemble_network(sites, edges, items)).set_index("item_id").loc["a"]
    assert row["hhi_supplier"] * PERCENT_SQUARED == pytest.approx(2600.0, abs=1e-8)
    assert row["hhi_country"] == pytest.approx(1.0, abs=1e-12)


def test_default_threshold_is_the_2023_guidelines_1800():
    assert load_supply_defaults()["highly_concentrated_hhi"] * PERCENT_SQUARED == 1800.0
