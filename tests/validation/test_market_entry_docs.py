"""docs/econ.md, "Time to market": the worked example's table is recomputed from the bundled
generic_competition.yaml and the stated inputs, so the page cannot go stale. Compared at the
page's precision (MUSD to 2 decimals), and the claimed difference of about 2.1 MUSD."""

from __future__ import annotations

from pathlib import Path

from rxtwin.data.generic_competition import load_generic_competition
from rxtwin.econ.market_entry import expected_launch_value_usd, launch_month, launch_value_usd

DOC = Path(__file__).resolve().parents[2] / "docs" / "econ.md"
COMPETITORS = [24, 30, 36, 48]


def test_the_time_to_market_example_is_recomputed():
    g = load_generic_competition()
    args = dict(horizon_months=120, rate_per_yr=0.15, brand_price_usd_per_unit=1.0,
                generic_units_per_month=1e6, variable_cost_usd_per_unit=0.05,
                table=g.price_share_of_brand_by_makers)
    text = DOC.read_text()
    expected = {}
    for name, development in (("continuous", 7.5), ("batch", 20.0)):
        launch = launch_month(development, g.anda_review_months)
        on_time = launch_value_usd(launch, COMPETITORS, **args)
        expected[name] = expected_launch_value_usd(
            development, COMPETITORS, review_months=g.anda_review_months,
            delay_probability=g.delay_probability, delay_months=g.delay_months, **args)
        row = (f"| {name} | {development:.1f} | {launch:.1f} | {on_time / 1e6:.2f} | "
               f"{expected[name] / 1e6:.2f} |")
        assert row in text, row
    difference = (expected["continuous"] - expected["batch"]) / 1e6
    assert f"about {difference:.1f} MUSD in expectation" in text
