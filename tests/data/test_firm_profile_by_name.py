"""A scenario names its firm profile: the bundled profile's criteria (firm_profiles.yaml)
fill the ones it does not give, with their provenance; a file that extends another and
names a different profile does not inherit the other profile's criteria."""

from __future__ import annotations

import pytest
import yaml

from rxtwin.data.econ_defaults import firm_profile, load_firm_profiles
from rxtwin.data.scenarios import load_scenario, read_scenario_document, resolve_scenario_path
from rxtwin.errors import InputError


def test_the_high_volume_product_is_judged_by_the_brand_profile():
    brand = firm_profile("brand")
    scenario = load_scenario("high_volume_single_product")
    assert scenario.firm.profile == "brand"
    assert (scenario.firm.hurdle_rate, scenario.firm.payback_limit_yr,
            scenario.firm.tax_rate) == (brand.hurdle_rate, brand.payback_limit_yr,
                                        brand.tax_rate)
    # the criteria's provenance is the profile's, not the generic parent's
    assert scenario.sources["firm.hurdle_rate"].startswith(
        load_firm_profiles()["brand"]["hurdle_rate"].provenance)
    assert "brand" in scenario.sources["firm.profile"]
    # the cost rates are still inherited from the generic line
    generic = load_scenario("generic_oral_solid")
    assert scenario.firm.labour_usd_per_fte_yr == generic.firm.labour_usd_per_fte_yr
    assert generic.firm.hurdle_rate == 0.15  # the generic file keeps its own


def _write(path, document):
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_a_child_keeps_criteria_it_sets_and_a_same_profile_child_inherits(tmp_path):
    own = _write(tmp_path / "own.yaml", {"extends": "generic_oral_solid", "name": "own",
                                         "firm": {"profile": "brand", "hurdle_rate": 0.09}})
    scenario = load_scenario(own)
    assert scenario.firm.hurdle_rate == 0.09
    assert scenario.firm.payback_limit_yr == firm_profile("brand").payback_limit_yr
    same = _write(tmp_path / "same.yaml", {"extends": "generic_oral_solid", "name": "same",
                                           "firm": {"profile": "generic",
                                                    "payback_limit_yr": 4.0}})
    scenario = load_scenario(same)
    assert (scenario.firm.hurdle_rate, scenario.firm.payback_limit_yr) == (0.15, 4.0)


def test_an_unbundled_profile_label_fills_nothing(tmp_path):
    document = read_scenario_document(resolve_scenario_path("generic_oral_solid"))
    document["firm"] = {**document["firm"], "profile": "my_firm"}
    del document["firm"]["hurdle_rate"]
    with pytest.raises(InputError) as error:
        load_scenario(_write(tmp_path / "mine.yaml", document))
    assert any(p.path == "firm.hurdle_rate" for p in error.value.problems)
