"""A product not amenable to continuous processing never runs on a continuous line: the
schema omits the default from the dump (stored hashes keep), a scenario that puts it on a
continuous line is refused at the door, the line simulator refuses to build such a line,
and the options comparison leaves continuous technologies out for its line."""

from __future__ import annotations

import pydantic
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.line import inputs as li
from rxtwin.line.from_scenario import continuous_refusal, line_inputs_from_scenario
from rxtwin.model.scenario import Scenario
from rxtwin.runs.resilience import (
    ResilienceParams,
    check_resilience_params,
    resilience_options,
)


def _marked(name: str = "generic_oral_solid", index: int = 0) -> Scenario:
    document = load_scenario(name).document()
    document["products"][index]["continuous_amenable"] = False
    return Scenario.model_validate(document)


def test_the_default_is_left_out_of_the_dump_so_stored_hashes_keep():
    scenario = load_scenario("generic_oral_solid")
    assert all("continuous_amenable" not in p for p in scenario.document()["products"])
    marked = _marked()
    assert marked.document()["products"][0]["continuous_amenable"] is False
    assert marked.content_hash() != scenario.content_hash()
    assert Scenario.model_validate(marked.document()) == marked  # round trip


def test_a_scenario_putting_it_on_a_continuous_line_is_refused_by_name():
    document = _marked().document()
    continuous = next(t["id"] for t in document["technologies"]
                      if t["operating_mode"] == "continuous")
    document["lines"][0]["technology_id"] = continuous
    product = document["products"][0]["id"]
    with pytest.raises(pydantic.ValidationError, match=f"'{product}'.*continuous_amenable"):
        Scenario.model_validate(document)


def test_a_product_marked_not_amenable_never_runs_on_a_continuous_line():
    scenario = _marked()
    line = scenario.lines[0]
    product = scenario.products[0].id
    assert product in line.product_ids
    built = refused = 0
    for technology in scenario.technologies:
        if technology.operating_mode == "continuous":
            assert continuous_refusal(scenario, line.id, technology) is not None
            with pytest.raises(UserInputError, match=f"{product}.*continuous_amenable"):
                line_inputs_from_scenario(scenario, line.id, technology_id=technology.id)
            refused += 1
        else:
            x = line_inputs_from_scenario(scenario, line.id, technology_id=technology.id)
            assert x.operating_mode == li.OperatingMode.BATCH and product in x.product_names
            built += 1
    assert refused >= 1 and built >= 1
    # unmarked, the same continuous technologies build continuous lines
    plain = load_scenario("generic_oral_solid")
    modes = {line_inputs_from_scenario(plain, line.id, technology_id=t.id).operating_mode
             for t in plain.technologies if t.operating_mode == "continuous"}
    assert modes == {li.OperatingMode.CONTINUOUS}


def test_the_options_comparison_leaves_continuous_out_and_refuses_it_by_id():
    scenario = _marked()
    line = scenario.lines[0].id
    continuous = [t.id for t in scenario.technologies if t.operating_mode == "continuous"]
    offered = [o.technology_id for o in resilience_options(scenario, line)
               if o.kind == "technology"]
    assert offered and not set(offered) & set(continuous)
    with pytest.raises(UserInputError, match="continuous_amenable"):
        resilience_options(scenario, line, [continuous[0]], [])
    problems = check_resilience_params(scenario, ResilienceParams(
        line_id=line, technologies=[continuous[0]], interventions=[], seed=1))
    assert [p.path for p in problems] == ["technologies"]
    assert "continuous_amenable" in problems[0].rule
