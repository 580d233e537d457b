"""Priority facts on a product: optional, validated, and invisible in the dump until set."""

import pytest
from pydantic import ValidationError

from rxtwin.model import PriorityFacts, Product, canonical_hash

BASE = dict(id="p", name="P", dosage_form="oral_solid", demand_units_per_yr=1e6,
            price_usd_per_unit=0.1, material_cost_usd_per_unit=0.03, shelf_life_days=730)


def test_unset_priority_facts_leave_the_dump_and_the_hash_as_before():
    product = Product(**BASE)
    assert "priority" not in product.model_dump()
    with_facts = Product(**BASE, priority={"antibacterial": True})
    assert with_facts.model_dump()["priority"]["antibacterial"] is True
    assert canonical_hash(product.model_dump()) != canonical_hash(with_facts.model_dump())


def test_priority_facts_round_trip_through_the_dump():
    product = Product(**BASE, priority=PriorityFacts(on_essential_list=True, market_makers=3,
                                                     past_shortage_episodes=2))
    assert Product.model_validate(product.model_dump()) == product


@pytest.mark.parametrize("field, value", [("market_makers", 0), ("price_erosion_share_per_yr", 1.5),
                                          ("past_shortage_episodes", -1),
                                          ("quality_actions", True)])
def test_priority_facts_out_of_range_are_refused(field, value):
    with pytest.raises(ValidationError, match=field):
        PriorityFacts(**{field: value})
