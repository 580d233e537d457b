"""Time to market of a new generic: prices by number of makers, the months each maker sells,
the present value of a launch, exclusivity and approval delays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxtwin.data.generic_competition import load_generic_competition, parse_generic_competition
from rxtwin.econ.market_entry import (
    approval_routes,
    expected_launch_value_usd,
    launch_value_usd,
    makers_by_month,
    price_share_of_brand,
)
from rxtwin.errors import UserInputError

TABLE = load_generic_competition().price_share_of_brand_by_makers
ARGS = dict(horizon_months=120, rate_per_yr=0.15, brand_price_usd_per_unit=1.0,
            generic_units_per_month=1e6, variable_cost_usd_per_unit=0.05, table=TABLE)


def test_price_shares_are_fda_2019_at_its_counts_and_interpolated_between():
    # FDA (2019), "Generic Competition and Drug Prices": -39 %, -54 %, -79 %, > -95 %
    assert price_share_of_brand([1, 2, 4, 6], TABLE).tolist() == [0.61, 0.46, 0.21, 0.05]
    assert float(price_share_of_brand(3, TABLE)) == pytest.approx((0.46 + 0.21) / 2)
    assert float(price_share_of_brand(20, TABLE)) == 0.05
    shares = price_share_of_brand(np.arange(1, 30), TABLE)
    assert np.all(np.diff(shares) <= 0)


def test_makers_count_the_firm_from_its_launch_and_competitors_from_theirs():
    makers = makers_by_month(3.5, [2, 6], 8)
    assert makers.tolist() == [0, 0, 0, 0, 2, 2, 3, 3]
    # a first filer keeps competitors out for its exclusivity
    exclusive = makers_by_month(3.5, [2, 6], 12, exclusivity_months=6)
    assert exclusive.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 3, 3]


def test_a_launch_without_competitors_is_an_annuity_of_its_margin():
    margin = 1e6 * (0.61 * 1.0 - 0.05)
    r = 1.15 ** (1 / 12) - 1
    start, horizon = 10, 120
    closed = margin * sum((1 + r) ** -(m + 1) for m in range(start, horizon))
    assert launch_value_usd(10.0, [], **ARGS) == pytest.approx(closed, rel=1e-12)


@given(st.floats(0, 60), st.floats(0, 60), st.lists(st.floats(0, 100), max_size=6))
def test_an_earlier_launch_is_never_worth_less(a, b, competitors):
    early, late = sorted((a, b))
    assert launch_value_usd(early, competitors, **ARGS) \
        >= launch_value_usd(late, competitors, **ARGS) - 1e-6


def test_exclusivity_is_worth_something_when_competitors_would_enter_during_it():
    competitors = [18.0, 30.0]
    plain = launch_value_usd(17.5, competitors, **ARGS)
    exclusive = launch_value_usd(17.5, competitors, exclusivity_months=6, **ARGS)
    assert exclusive > plain
    late = [60.0, 70.0]
    assert launch_value_usd(17.5, late, exclusivity_months=6, **ARGS) \
        == launch_value_usd(17.5, late, **ARGS)


def test_the_expected_value_mixes_on_time_and_delayed_launches_linearly():
    common = dict(review_months=10.0, delay_months=10.0, **ARGS)
    on_time = expected_launch_value_usd(8.0, [24.0], delay_probability=0.0, **common)
    delayed = expected_launch_value_usd(8.0, [24.0], delay_probability=1.0, **common)
    half = expected_launch_value_usd(8.0, [24.0], delay_probability=0.5, **common)
    assert on_time == pytest.approx(launch_value_usd(18.0, [24.0], **ARGS))
    assert delayed == pytest.approx(launch_value_usd(28.0, [24.0], **ARGS))
    assert half == pytest.approx((on_time + delayed) / 2)


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(UserInputError, match="n_makers"):
        price_share_of_brand(0, TABLE)
    with pytest.raises(UserInputError, match="delay_probability"):
        expected_launch_value_usd(8.0, [], review_months=10, delay_probability=1.5,
                                  delay_months=10, **ARGS)
    text = """
price_share_of_brand_by_makers: {value: {1: 0.4, 2: 0.5}, source: x}
exclusivity_months: {value: 6, source: x}
anda_review_months: {value: 10, source: x}
delay_probability: {value: 0.5, assumption: x}
delay_months: {value: 10, assumption: x}
exit_margin_share: {value: 0.1, assumption: x}
exit_after_yr: {value: 2, assumption: x}
reliability_premium_share: {value: 0.0, source: x}
anda_filing_fee_usd: {value: 300000, assumption: x}
platform_filing_cost_usd: {value: 1000000, assumption: x}
platform_review_months: {value: 12, assumption: x}
supplement_fee_usd: {value: 50000, assumption: x}
supplement_review_months: {value: 6, assumption: x}
"""
    with pytest.raises(UserInputError, match="must not rise"):
        parse_generic_competition(text, "mine.yaml")


ROUTES = dict(filing_fee_usd=300_000.0, review_months=10.0, platform_filing_cost_usd=1e6,
              platform_review_months=12.0, supplement_fee_usd=50_000.0,
              supplement_review_months=6.0, delay_probability=0.5, delay_months=10.0)


@pytest.mark.parametrize("n", [1, 2, 5, 20])
def test_approval_routes_follow_their_closed_forms(n):
    table = approval_routes(n, **ROUTES).set_index("route")
    product, platform = table.loc["product by product"], table.loc["platform"]
    assert product["filing_cost_usd"] == n * 300_000.0
    assert product["months_to_last_approval"] == product["mean_months_to_approval"] == 15.0
    assert platform["filing_cost_usd"] == 1e6 + (n - 1) * 50_000.0
    assert platform["months_to_last_approval"] == (17.0 if n == 1 else 23.0)
    assert platform["mean_months_to_approval"] == pytest.approx((17.0 + (n - 1) * 23.0) / n)


def test_the_platform_is_cheaper_from_the_break_even_number_of_products():
    break_even = (1e6 - 50_000.0) / (300_000.0 - 50_000.0)  # 3.8 products
    for n in range(1, 12):
        table = approval_routes(n, **ROUTES).set_index("route")["filing_cost_usd"]
        assert (table["platform"] < table["product by product"]) == (n > break_even)
    with pytest.raises(UserInputError, match="n_products"):
        approval_routes(0, **ROUTES)
