"""docs/scenarios.md carries the generated field reference of the current model."""

from pathlib import Path

from rxtwin.data.scenarios import load_scenario
from rxtwin.report.scenario_docs import scenario_reference_markdown, unit_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def test_docs_field_reference_is_up_to_date():
    generated = scenario_reference_markdown(load_scenario("generic_oral_solid"))
    assert DOC.read_text().endswith(generated), (
        "docs/scenarios.md is stale: regenerate its reference part with "
        "rxtwin.report.scenario_docs.scenario_reference_markdown")


def test_units_follow_field_names():
    assert unit_of("capex_usd") == "USD"
    assert unit_of("changeover_h") == "h"
    assert unit_of("demand_units_per_yr") == "units/yr"
    assert unit_of("price_usd_per_unit") == "USD/unit"
