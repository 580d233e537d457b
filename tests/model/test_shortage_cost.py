"""The shortage-cost types: ranges are ordered, and a product's own harm figures replace
its dosage form's defaults while bundled scenarios keep using the defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.data.shortage_costs import load_shortage_costs
from rxtwin.model import HarmParameters, Product, RangedValue

HARM_FIELDS = tuple(HarmParameters.model_fields)


def test_a_range_must_hold_its_value():
    with pytest.raises(ValidationError, match=r"need low <= value <= high \(got low=2.0, "
                                              r"value=1.0, high=3.0\)"):
        RangedValue(value=1.0, low=2.0, high=3.0)


def test_bundled_products_give_no_harm_figures_of_their_own():
    for name in bundled_scenario_names():
        for product in load_scenario(name).products:
            assert [getattr(product, f) for f in HARM_FIELDS] == [None] * len(HARM_FIELDS)


def test_harm_for_uses_the_dosage_form_unless_the_product_gives_a_value():
    parameters = load_shortage_costs()
    product = load_scenario("sterile_injectable").products[0]
    assert parameters.harm_for(product) == parameters.harm_by_dosage_form[product.dosage_form]
    own = product.model_copy(update={"units_per_patient_day": 3.0,
                                     "qaly_lost_per_affected_patient_day": 0.0617})
    harm = parameters.harm_for(Product.model_validate(own.model_dump()))
    assert harm.units_per_patient_day == RangedValue(value=3.0, low=3.0, high=3.0)
    assert harm.qaly_lost_per_affected_patient_day == RangedValue.exactly(0.0617)
    default = parameters.harm_by_dosage_form[product.dosage_form]
    assert harm.therapeutic_alternative_share == default.therapeutic_alternative_share


def test_product_harm_fields_are_validated():
    product = load_scenario("generic_oral_solid").products[0].model_dump()
    with pytest.raises(ValidationError, match="therapeutic_alternative_share"):
        Product.model_validate({**product, "therapeutic_alternative_share": 1.5})
    with pytest.raises(ValidationError, match="units_per_patient_day"):
        Product.model_validate({**product, "units_per_patient_day": 0.0})


def test_unset_harm_fields_leave_a_products_dump_and_hash_as_before():
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.model import Product

    product = load_scenario("metformin").products[0]
    dumped = product.model_dump(mode="json")
    assert not {"units_per_patient_day", "therapeutic_alternative_share",
                "qaly_lost_per_affected_patient_day"} & set(dumped)
    with_dose = Product.model_validate({**dumped, "units_per_patient_day": 2.0})
    assert with_dose.model_dump(mode="json")["units_per_patient_day"] == 2.0
    assert Product.model_validate(with_dose.model_dump(mode="json")) == with_dose
