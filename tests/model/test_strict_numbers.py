"""Numbers are strict: a number field takes an integer or a decimal, never true/false and
never text; a decimal field still takes an integer, a whole-number field only integers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.model import Scenario
from rxtwin.model.finance import FirmFinance


@pytest.fixture(scope="module")
def document() -> dict:
    return load_scenario("metformin").document()


@pytest.mark.parametrize("value,accepted", [
    (0.2, 0.2), (0, 0.0), (True, None), (False, None), ("0.2", None), (None, None),
])
def test_a_decimal_field_takes_ints_and_floats_only(document, value, accepted):
    firm = {**document["firm"], "tax_rate": value}
    if accepted is None:
        with pytest.raises(ValidationError, match="firm.tax_rate"):
            Scenario.model_validate({**document, "firm": firm})
    else:
        scenario = Scenario.model_validate({**document, "firm": firm})
        assert scenario.firm.tax_rate == accepted and type(scenario.firm.tax_rate) is float


@pytest.mark.parametrize("value,accepted", [
    (12, 12), (True, None), (12.0, None), ("12", None),
])
def test_a_whole_number_field_takes_ints_only(document, value, accepted):
    if accepted is None:
        with pytest.raises(ValidationError, match="horizon_yr"):
            Scenario.model_validate({**document, "horizon_yr": value})
    else:
        assert Scenario.model_validate({**document, "horizon_yr": value}).horizon_yr == 12


def test_the_numeric_ranges_refuse_booleans_too(document):
    with pytest.raises(ValidationError, match="Input should be a valid number"):
        FirmFinance.model_validate({**document["firm"], "labour_usd_per_fte_yr": True})


def test_every_bundled_scenario_validates_under_strict_numbers():
    for name in bundled_scenario_names():
        assert Scenario.model_validate(load_scenario(name).document()) == load_scenario(name)
