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


def test_the_approval_routes_example_is_recomputed():
    from rxtwin.econ.market_entry import approval_routes

    g = load_generic_competition()
    table = approval_routes(
        20, filing_fee_usd=g.anda_filing_fee_usd, review_months=g.anda_review_months,
        platform_filing_cost_usd=g.platform_filing_cost_usd,
        platform_review_months=g.platform_review_months, supplement_fee_usd=g.supplement_fee_usd,
        supplement_review_months=g.supplement_review_months,
        delay_probability=g.delay_probability, delay_months=g.delay_months)
    text = DOC.read_text()
    for row in table.itertuples():
        line = (f"| 20 | {row.route} | {row.filing_cost_usd / 1e6:.2f} | "
                f"{row.mean_months_to_approval:.1f} | {row.months_to_last_approval:.1f} |")
        assert line in text, line
    flat = " ".join(text.split())
    saved = (table["filing_cost_usd"].iloc[0] - table["filing_cost_usd"].iloc[1]) / 1e6
    later = table["months_to_last_approval"].iloc[1] - table["months_to_last_approval"].iloc[0]
    assert f"The platform saves {saved:.2f} MUSD of filings on 20 products" in flat
    assert f"approves 19 of them {later:.0f} months later" in flat
    args = dict(horizon_months=120, rate_per_yr=0.15, brand_price_usd_per_unit=1.0,
                generic_units_per_month=1e6, variable_cost_usd_per_unit=0.05,
                table=g.price_share_of_brand_by_makers)
    early = 7.5 + table["months_to_last_approval"].iloc[0]
    late = 7.5 + table["months_to_last_approval"].iloc[1]
    loss = (launch_value_usd(early, COMPETITORS, **args)
            - launch_value_usd(late, COMPETITORS, **args)) / 1e6
    assert f"(launch at month {late:.1f} instead of {early:.1f}) is worth {loss:.2f} MUSD" \
        in flat
