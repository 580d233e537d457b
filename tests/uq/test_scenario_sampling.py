"""Scenario variants: each sampled row lands at its paths and nowhere else; a row that makes
an invalid scenario is reported with its row label and field path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import InputError
from rxtwin.model.paths import resolve_path, set_path
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.uq.design import sample_parameters
from rxtwin.uq.scenario_sampling import apply_sample, base_values, scenario_variants


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("generic_oral_solid")


def test_each_variant_carries_its_row_and_nothing_else_changes(scenario):
    samples = sample_parameters(scenario.uncertain, 8, "lhs", np.random.default_rng(1))
    variants = list(scenario_variants(scenario, samples))
    assert len(variants) == 8
    base_doc = scenario.document()
    for (_, row), variant in zip(samples.iterrows(), variants, strict=True):
        doc = variant.document()
        expected = base_doc
        for path, value in row.items():
            assert resolve_path(doc, path) == value
            expected = set_path(expected, path, float(value))
        assert doc == expected  # no other field changed


def test_base_scenario_is_not_modified(scenario):
    before = scenario.content_hash()
    samples = sample_parameters(scenario.uncertain, 4, "mc", np.random.default_rng(2))
    list(scenario_variants(scenario, samples))
    assert scenario.content_hash() == before


def test_invalid_row_names_row_and_path(scenario):
    # batch changeover is triangular(8, 16, 32): a mode of 40 breaks low <= mode <= high.
    samples = pd.DataFrame({"technologies.batch.changeover_h.mode": [12.0, 40.0]},
                           index=["ok", "bad"])
    variants = scenario_variants(scenario, samples)
    assert next(variants).technology("batch").changeover_h.mode == 12.0
    with pytest.raises(InputError) as info:
        next(variants)
    message = str(info.value)
    assert "sample row bad" in message
    assert "technologies.batch.changeover_h.mode = 40.0" in message
    assert info.value.problems[0].path.startswith("technologies.batch.changeover_h")


def test_negative_capex_is_reported_at_its_path(scenario):
    with pytest.raises(InputError) as info:
        apply_sample(scenario, {"technologies.continuous.capex_usd": -1.0}, row_label=7)
    problem = info.value.problems[0]
    assert problem.path == "technologies.continuous.capex_usd"
    assert "sample row 7" in problem.rule


def test_unknown_path_is_an_input_error(scenario):
    with pytest.raises(InputError, match="sample row 0: 'technologies' has no item with id "
                                         "'warp_drive'"):
        apply_sample(scenario, {"technologies.warp_drive.capex_usd": 1.0})


def test_base_values_are_the_scenario_point_values(scenario):
    values = base_values(scenario, scenario.uncertain)
    assert values["technologies.continuous.capex_usd"] == scenario.technology(
        "continuous").capex_usd
    assert values["firm.hurdle_rate"] == scenario.firm.hurdle_rate
    distribution_path = [UncertainParameter(path="technologies.batch.changeover_h",
                                            distribution={"dist": "fixed", "value": 1.0})]
    with pytest.raises(ValueError, match="not a finite number"):
        base_values(scenario, distribution_path)


def test_top_level_field_can_be_sampled(scenario):
    variant = apply_sample(scenario, {"horizon_yr": 12})
    assert variant.horizon_yr == 12
    assert variant.document() == set_path(scenario.document(), "horizon_yr", 12)
