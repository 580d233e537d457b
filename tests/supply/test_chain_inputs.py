"""chain_inputs: the public way to build disruption-simulator inputs of a hand-made chain."""

from __future__ import annotations

import doctest
import importlib
import re

import numpy as np
import pytest

from rxtwin.errors import UserInputError
from rxtwin.supply.disruption_inputs import MARKET_PARENT, NO_SITE, UNUSED_TIER, chain_inputs


@pytest.mark.parametrize("name", ["rxtwin.supply.disruption_inputs", "rxtwin.data.supply_io"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no docstring examples"
    assert result.failed == 0


def product(**changes):
    """One product: an API tier (two suppliers) feeding the finished-dose tier."""
    api = {"label": "api", "parent": 1, "base_stock_units": 300.0, "shelf_life_days": 1000,
           "suppliers": [{"site": 0, "share": 0.75, "normal_units_per_day": 9.0,
                          "lead_days": 8},
                         {"site": 1, "share": 0.25, "normal_units_per_day": 3.0,
                          "capacity_units_per_day": 10.0, "lag_days": 5}]}
    fdf = {"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 400.0,
           "shelf_life_days": 700, "initial_age_days": 20, "unit_value_usd": 2.5,
           "suppliers": [{"site": 2, "share": 1.0, "normal_units_per_day": 12.0}]}
    return {"id": "p", "demand_units_per_day": 10.0, "tiers": [api, fdf], **changes}


SITES = ["api-1", "api-2", "fdf"]
NO_OUTAGES = [[], [], []]


def test_arrays_follow_the_description():
    other = {"id": "q", "demand_units_per_day": 4.0, "demand_cv": 0.3,
             "dosage_form_class": "sterile_injectable",
             "tiers": [{"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 40.0,
                        "shelf_life_days": 365,
                        "suppliers": [{"site": 2, "share": 1.0, "normal_units_per_day": 5.0}]}]}
    inputs = chain_inputs([product(), other], SITES, NO_OUTAGES, holding_rate_per_yr=0.2)
    assert inputs.product_ids == ("p", "q")
    assert inputs.tier_labels == (("api", "fdf"), ("fdf",))
    # padded to 2 tiers x 2 suppliers; unused slots marked
    assert inputs.tier_parent.tolist() == [[1, MARKET_PARENT], [MARKET_PARENT, UNUSED_TIER]]
    assert inputs.supplier_site.tolist() == [[[0, 1], [2, NO_SITE]], [[2, NO_SITE],
                                                                      [NO_SITE, NO_SITE]]]
    # start stock: base stock less the pipeline (0.75 x 10/day x 8 days in transit)
    assert inputs.initial_on_hand_units[0].tolist() == [300.0 - 60.0, 400.0]
    assert inputs.initial_age_days[0].tolist() == [0, 20]
    assert inputs.unit_value_usd[0].tolist() == [0.0, 2.5]
    # capacity defaults to the normal rate; lead and lag default to 0
    assert inputs.supplier_capacity_units_per_day[0, 0].tolist() == [9.0, 10.0]
    assert inputs.supplier_lead_days[0, 0].tolist() == [8, 0]
    assert inputs.supplier_lag_days[0, 0].tolist() == [0, 5]
    assert inputs.demand_cv.tolist() == [0.0, 0.3]
    assert inputs.dosage_form_classes == ("other", "sterile_injectable")
    assert inputs.holding_rate_per_yr == 0.2
    np.testing.assert_array_equal(inputs.supplier_share[1, 0], [1.0, 0.0])


@pytest.mark.parametrize(
    ("products", "message"),
    [
        ([], "give at least one product"),
        ([{k: v for k, v in product().items() if k != "tiers"}], "products[0] lacks tiers"),
        ([product(demand_units_per_yr=3650.0)],
         "products[0] has unknown key(s) demand_units_per_yr"),
        ([product(tiers=[])], "product 'p': tiers is empty"),
    ],
)
def test_bad_product_descriptions_name_the_problem(products, message):
    with pytest.raises(UserInputError, match=re.escape(message)):
        chain_inputs(products, SITES, NO_OUTAGES)


def test_a_misspelt_supplier_key_is_refused_not_ignored():
    bad = product()
    bad["tiers"][0]["suppliers"][0]["lead_time_days"] = 8  # the key is lead_days
    with pytest.raises(UserInputError, match=r"product 'p' tier 0 supplier 0 has unknown "
                       r"key\(s\) lead_time_days; allowed: site, share"):
        chain_inputs([bad], SITES, NO_OUTAGES)


def test_tier_and_site_errors_name_the_tier():
    missing = product()
    del missing["tiers"][1]["shelf_life_days"]
    with pytest.raises(UserInputError, match="product 'p' tier 1 lacks shelf_life_days"):
        chain_inputs([missing], SITES, NO_OUTAGES)
    with pytest.raises(UserInputError, match="supplier 0: site 2 is not an index into the 2"):
        chain_inputs([product()], SITES[:2], NO_OUTAGES[:2])
    last = product()
    last["tiers"].reverse()
    with pytest.raises(UserInputError, match="the last tier must feed the market"):
        chain_inputs([last], SITES, NO_OUTAGES)
