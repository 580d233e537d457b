"""The submission schema: strict numbers, units in names, rules that name field, value and
rule, a JSON schema for the docs, and a tidy table of the pool."""

from __future__ import annotations

import pytest
from consortium_pools import submission
from pydantic import ValidationError

from rxtwin.consortium.submissions import submission_from_document, submissions_frame
from rxtwin.errors import InputError, UserInputError
from rxtwin.model.consortium import (
    SUBMISSION_SCHEMA_VERSION,
    Submission,
    pooled_fields,
    submission_json_schema,
    submission_values,
)

DOCUMENT = {
    "schema_version": 1, "organisation_id": "acme", "unit_kind": "line", "unit_id": "L1",
    "period_yr": 2024, "dosage_form": "oral_solid", "region": "europe",
    "changeovers_per_yr": 42, "changeover_h": 6.5,
    "batch_failure_rate_by_cause": {"equipment": 0.01, "changeover_contamination": 0.02},
    "qc_release_days": 21.0, "oee": 0.35,
    "unit_cost_usd_by_component": {"api": 0.012, "labour": 0.004},
    "adopted_technology_capex_usd": {"continuous": 5.0e6},
    "shortages_count": 2, "shortage_days": 45.0,
}


def problems(document: dict) -> list[str]:
    with pytest.raises(InputError) as caught:
        submission_from_document(document, "acme.yaml")
    return [p.line() for p in caught.value.problems]


def test_a_full_submission_validates_and_gives_each_figure_by_path():
    sub = submission_from_document(DOCUMENT)
    values = submission_values(sub)
    assert values["changeovers_per_yr"] == 42.0
    assert values["batch_failure_rate_by_cause.changeover_contamination"] == 0.02
    assert values["adopted_technology_capex_usd.continuous"] == 5.0e6
    assert set(values) <= set(pooled_fields())
    assert sub.key == "acme/line/L1/2024"


def test_only_identifiers_are_required_and_missing_figures_stay_absent():
    identifiers = {k: DOCUMENT[k] for k in ("schema_version", "organisation_id", "unit_kind",
                                            "unit_id", "period_yr", "dosage_form", "region")}
    sub = submission_from_document(identifiers)
    assert submission_values(sub) == {}
    for key in identifiers:
        lines = problems({k: v for k, v in identifiers.items() if k != key})
        assert lines == [f"acme.yaml: {key}: required field is missing"]


@pytest.mark.parametrize("field,value,rule", [
    ("oee", 1.2, "less than or equal to 1"),
    ("changeover_h", -1.0, "greater than or equal to 0"),
    ("changeovers_per_yr", "42", "valid number"),
    ("changeovers_per_yr", True, "valid number"),
    ("shortages_count", 2.5, "valid integer"),
    ("schema_version", 2, "Input should be 1"),
    ("region", "mars", "Input should be"),
])
def test_a_bad_value_is_named_with_its_field_value_and_rule(field, value, rule):
    lines = problems({**DOCUMENT, field: value})
    assert len(lines) == 1
    assert lines[0].startswith(f"acme.yaml: {field}:") and rule in lines[0]
    assert f"(got {value!r})" in lines[0]


def test_a_rate_by_cause_is_a_fraction_under_a_known_cause():
    lines = problems({**DOCUMENT, "batch_failure_rate_by_cause": {"equipment": 1.5}})
    assert lines[0].startswith("acme.yaml: batch_failure_rate_by_cause.equipment:")
    lines = problems({**DOCUMENT, "batch_failure_rate_by_cause": {"gremlins": 0.1}})
    assert "batch_failure_rate_by_cause.gremlins" in lines[0]


def test_rates_by_cause_summing_over_one_are_refused_naming_the_sum():
    lines = problems({**DOCUMENT, "batch_failure_rate_by_cause": {"equipment": 0.6,
                                                                 "qa_lapse": 0.5}})
    assert "batch_failure_rate_by_cause sums to 1.1" in lines[0]
    assert "must be at most 1" in lines[0]


@pytest.mark.parametrize("count,days", [(0, 3.0), (2, 0.0)])
def test_shortage_count_and_days_must_agree(count, days):
    lines = problems({**DOCUMENT, "shortages_count": count, "shortage_days": days})
    assert "shortages_count" in lines[0] and "shortage_days" in lines[0]


def test_unknown_fields_are_refused():
    lines = problems({**DOCUMENT, "changeover_hours": 3.0})
    assert lines[0].startswith("acme.yaml: changeover_hours: unknown field")


def test_the_json_schema_documents_every_field_with_its_unit():
    schema = submission_json_schema()
    properties = schema["properties"]
    assert set(properties) == set(Submission.model_fields)
    assert properties["schema_version"]["const"] == SUBMISSION_SCHEMA_VERSION
    for name in ("changeover_h", "qc_release_days", "unit_cost_usd_by_component"):
        assert "[" in properties[name]["description"], name  # the unit in brackets
    assert set(schema["required"]) == {"schema_version", "organisation_id", "unit_kind",
                                       "unit_id", "period_yr", "dosage_form", "region"}


def test_the_pool_table_has_one_row_per_submission_and_nan_for_missing_figures():
    frame = submissions_frame([submission("a", 3.0), submission("b", 4.0, unit_id="L2")])
    assert frame["changeovers_per_yr"].tolist() == [3.0, 4.0]
    assert frame["oee"].isna().all()
    assert list(frame.columns[7:]) == list(pooled_fields())


def test_the_same_submission_twice_is_refused():
    with pytest.raises(UserInputError, match="more than once"):
        submissions_frame([submission("a", 3.0), submission("a", 4.0)])


def test_the_model_is_strict_and_frozen():
    sub = submission("a", 3.0)
    with pytest.raises(ValidationError):
        sub.oee = 0.5  # type: ignore[misc]
