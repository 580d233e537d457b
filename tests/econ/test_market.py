"""Market structure (rxtwin.econ.market): closed forms of prices, margins, exits and the
makers an erosion leaves; the premium's NPV against the price_option root."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rxtwin.data.generic_competition import load_generic_competition
from rxtwin.econ.market import (
    exit_year,
    makers_sustained,
    margin_share,
    price_usd_per_unit,
    unit_cost_usd_per_unit,
)
from rxtwin.errors import UserInputError

FDA = load_generic_competition().price_share_of_brand_by_makers


def test_prices_follow_the_fda_2019_erosion():
    # -39 % with one maker, -54 % with two, -79 % with four, -95 % with six (the bound)
    np.testing.assert_allclose(price_usd_per_unit([1, 2, 4, 6, 9], 10.0, FDA),
                               [6.1, 4.6, 2.1, 0.5, 0.5], rtol=1e-12)


def test_margin_share_and_its_door():
    assert float(margin_share(2.0, 1.5)) == 0.25
    assert float(margin_share(1.0, 1.2)) == pytest.approx(-0.2)
    with pytest.raises(UserInputError, match="price_usd_per_unit"):
        margin_share(0.0, 1.0)


def test_a_maker_leaves_after_the_stated_run_of_low_years():
    low, ok = 0.05, 0.3
    assert exit_year([ok, low, ok, low, low, ok], exit_margin_share=0.1,
                     exit_after_yr=2) == 4.0
    assert exit_year([low] * 3, exit_margin_share=0.1, exit_after_yr=1) == 0.0
    assert exit_year([ok, low, ok, low], exit_margin_share=0.1, exit_after_yr=2) == math.inf
    # exactly at the threshold stays
    assert exit_year([0.1] * 5, exit_margin_share=0.1, exit_after_yr=1) == math.inf
    with pytest.raises(UserInputError, match="exit_after_yr"):
        exit_year([ok], exit_margin_share=0.1, exit_after_yr=0)


@pytest.mark.parametrize("cost", [0.05, 0.15, 0.3, 0.5, 0.6])
def test_makers_sustained_is_the_last_count_whose_margin_clears_the_threshold(cost):
    # by hand from the interpolated table: the makers' margin share at n and n + 1
    n = makers_sustained(1.0, cost, FDA, exit_margin_share=0.1)
    share = lambda k: (float(price_usd_per_unit(k, 1.0, FDA)) - cost) \
        / float(price_usd_per_unit(k, 1.0, FDA))  # noqa: E731
    if n == 0:
        assert share(1) < 0.1
    else:
        assert share(n) >= 0.1 and (n == 20 or share(n + 1) < 0.1)
    # a cheaper maker is sustained in at least as large a market
    assert makers_sustained(1.0, 0.8 * cost, FDA, exit_margin_share=0.1) >= n


def test_unit_cost_is_the_operating_cost_per_unit_of_the_last_year():
    lines = {"materials_usd": -50.0, "labour_usd": -20.0, "cleaning_usd": -5.0,
             "overhead_usd": -10.0, "energy_usd": -1.0, "qc_usd": -4.0, "waste_usd": -1.0,
             "inventory_carrying_usd": -2.0, "rejected_batches_usd": -7.0}
    table = pd.DataFrame([{**{k: 0.0 for k in lines}, "output_units": 0.0},
                          {**lines, "output_units": 100.0, "revenue_usd": 200.0}])
    assert unit_cost_usd_per_unit(table) == pytest.approx(1.0)
    with pytest.raises(UserInputError, match="output_units"):
        unit_cost_usd_per_unit(table.iloc[:1])
