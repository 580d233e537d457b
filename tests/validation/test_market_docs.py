"""docs/econ.md, "Why the market does not reward resilience": the worked example's table
is recomputed from the bundled scenarios, generic_competition.yaml and the stated run
(200 scenario-years in chunks of 50, 10 line replication-years, seed 1), so the page
cannot go stale. Compared at the page's precision (the rounded row text)."""

from __future__ import annotations

import math
from pathlib import Path

from rxtwin.data.generic_competition import load_generic_competition
from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.market import market_table
from rxtwin.runs.appraise import appraise_options

DOC = Path(__file__).resolve().parents[2] / "docs" / "econ.md"
SCENARIOS = ("generic_oral_solid", "sterile_injectable", "metformin")


def market_rows(name: str) -> list[str]:
    """The page's rows of one bundled scenario; metformin at its import price (the
    product's price, set by imports), the others at the incumbent's revenue per unit."""
    g = load_generic_competition()
    scenario = load_scenario(name)
    appraisal = appraise_options(scenario, n_years=200, chunk_size=50, entropy=1,
                                 line_replications=10, n_draws=50)
    price = scenario.products[0].price_usd_per_unit if name == "metformin" else None
    table = market_table(appraisal.pricings, table=g.price_share_of_brand_by_makers,
                         exit_margin_share=g.exit_margin_share,
                         reliability_premium_share=g.reliability_premium_share,
                         price_usd_per_unit=price)
    rows = []
    for r in table.itertuples(index=False):
        npv = "-" if math.isnan(r.firm_npv_usd) else f"{r.firm_npv_usd / 1e6:.2f}"
        premium = ("-" if math.isnan(r.required_price_premium_share)
                   else f"{r.required_price_premium_share:.1%}")
        rows.append(f"| {name} | {r.option} | {r.price_usd_per_unit:.4f} | "
                    f"{r.unit_cost_usd_per_unit:.4f} | {r.margin_share:.0%} | "
                    f"{'yes' if r.exits else 'no'} | {r.makers_sustained} | "
                    f"{r.exits_from_erosion} | {npv} | {premium} |")
    return rows


def test_the_market_structure_example_is_recomputed():
    text = DOC.read_text()
    for name in SCENARIOS:
        for row in market_rows(name):
            assert row in text, row


def test_the_freed_equipment_example_is_recomputed():
    # closed form of the page's example: 300 kUSD freed in year k + 1 = 2, tax 21 %,
    # hurdle 15 %, social rate 3 % (the bundled shortage_costs.yaml rate)
    from rxtwin.data.shortage_costs import load_shortage_costs

    rate = load_shortage_costs().social_discount_rate
    text = DOC.read_text()
    assert f"= {(1 - 0.21) * 300_000 / 1.15 ** 2:,.0f}` USD to the firm's NPV" in text
    assert f"`300,000 / {1 + rate:.2f}^2 = {300_000 / (1 + rate) ** 2:,.0f}` USD" in text
