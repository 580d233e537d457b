"""Any valid scenario round-trips through YAML (and canonical JSON) unchanged."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxtwin.data.scenarios import (
    bundled_scenario_dir,
    read_scenario_document,
    scenario_from_document,
    scenario_from_yaml,
    scenario_to_yaml,
)
from rxtwin.store import Store

BASE = read_scenario_document(bundled_scenario_dir() / "generic_oral_solid.yaml")
positive = st.floats(min_value=1e-6, max_value=1e12, allow_nan=False, allow_infinity=False)
fraction = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
characters = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
text = st.text(alphabet=characters, max_size=40)
# Not blank by construction: text around one character that is neither a control character
# nor a separator, so not whitespace for str.strip.
nonblank_text = st.builds(
    lambda before, middle, after: before + middle + after,
    st.text(alphabet=characters, max_size=20),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    st.text(alphabet=characters, max_size=19),
)


@st.composite
def valid_scenarios(draw):
    doc = copy.deepcopy(BASE)
    keep = draw(st.lists(st.sampled_from([p["id"] for p in doc["products"]]), min_size=1,
                         max_size=24, unique=True))
    doc["products"] = [p for p in doc["products"] if p["id"] in keep]
    apis = {p["api_id"] for p in doc["products"]}
    doc["materials"] = [m for m in doc["materials"] if m["id"] in apis]
    doc["supply_edges"] = [e for e in doc["supply_edges"] if e["material_id"] in apis]
    doc["lines"][0]["product_ids"] = keep
    for product in doc["products"]:
        product["demand_units_per_yr"] = draw(positive)
        product["price_usd_per_unit"] = draw(positive)
        product["criticality"] = draw(fraction)
        product["name"] = draw(nonblank_text) + "x"
    for tech in doc["technologies"]:
        tech["capex_usd"] = draw(st.floats(0, 1e12))
        tech["description"] = draw(text)
    doc["firm"]["hurdle_rate"] = draw(fraction)
    for mode in doc["failure_modes"]:
        if mode.get("probability_per_event") is not None:
            mode["probability_per_event"] = draw(st.floats(0.0, 0.5))
            mode["rate_multiplier_by_technology"] = {}
    doc["sources"] = {k: v for k, v in doc["sources"].items()
                      if not k.startswith(("products", "materials", "supply_edges"))}
    return scenario_from_document(doc)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(valid_scenarios())
def test_yaml_round_trip_is_exact(scenario):
    again = scenario_from_yaml(scenario_to_yaml(scenario))
    assert again == scenario
    assert again.content_hash() == scenario.content_hash()


_STORE_DIR = Path(tempfile.mkdtemp(prefix="rxtwin-prop-"))
_STORE = Store.open(_STORE_DIR / "prop.sqlite")


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(valid_scenarios())
def test_store_round_trip_is_exact(scenario):
    digest = _STORE.put_scenario(scenario.document(), scenario.name)
    assert digest == scenario.content_hash()
    again = scenario_from_document(_STORE.get_scenario(digest))
    assert again == scenario
