"""Texts that the reader takes for YAML 1.2 numbers are quoted when rxtwin writes YAML."""

import copy

import pytest

from rxtwin.data.documents import dump_yaml, load_text
from rxtwin.data.scenarios import (
    bundled_scenario_dir,
    read_scenario_document,
    scenario_from_document,
    scenario_from_yaml,
    scenario_to_yaml,
)


@pytest.mark.parametrize("text", ["0e0", "1E+5", ".5e3", "-2e-7", "0.0", "1_0e2", "yes"])
def test_a_text_that_looks_like_a_number_reads_back_as_text(text):
    assert load_text(dump_yaml({"note": text}), "x.yaml") == {"note": text}
    doc = copy.deepcopy(read_scenario_document(bundled_scenario_dir()
                                               / "generic_oral_solid.yaml"))
    doc["technologies"][0]["description"] = text
    scenario = scenario_from_document(doc)
    assert scenario_from_yaml(scenario_to_yaml(scenario)) == scenario
