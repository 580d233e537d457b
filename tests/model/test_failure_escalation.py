"""Detection and escalation fields of failure modes and interventions: defaults,
validation messages, how interventions combine."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.model import Escalation, EscalationKind, FailureMode, Intervention, TechnologyKind
from rxtwin.model.intervention import failure_mode_multipliers

RECALL = {"kind": "recall", "probability": 0.3,
          "duration_days": {"dist": "lognormal", "mean": 120.0, "cv": 0.8},
          "source": "assumption: test fixture"}


def mode(**extra) -> FailureMode:
    return FailureMode.model_validate({
        "id": "qa-lapse", "name": "QA lapse", "category": "qa_lapse",
        "effect": "reject_batch", "probability_per_event": 0.02, **extra})


def test_defaults_catch_everything_and_escalate_nothing():
    m = mode()
    assert m.detection_probability == 1.0
    assert m.escalations == []
    assert all(m.detection_for(kind) == 1.0 for kind in TechnologyKind)


def test_dump_omits_unused_fields_and_keeps_used_ones():
    assert "detection_probability" not in mode().model_dump()
    assert "escalations" not in mode().model_dump(mode="json")
    used = mode(detection_probability=0.9, escalations=[RECALL],
                detection_probability_by_technology={"continuous": 0.99})
    again = FailureMode.model_validate(used.model_dump(mode="json"))
    assert again == used
    assert again.escalations[0].kind is EscalationKind.recall


# Share of lots each bundled mode rejects or holds on an incumbent line, as the scenarios'
# sources state it: a mode that now lets some occurrences escape keeps this caught share.
CAUGHT_PER_LOT = {("generic_oral_solid", "oos-batch-reject"): 0.01,
                  ("generic_oral_solid", "deviation-qa-hold"): 0.08,
                  ("generic_oral_solid", "nitrosamine-impurity"): 0.002,
                  ("sterile_injectable", "sterility-failure"): 0.01,
                  ("sterile_injectable", "particulates"): 0.01}


@pytest.mark.parametrize(("name", "mode_id"), sorted(CAUGHT_PER_LOT))
def test_bundled_modes_that_let_defects_escape_keep_their_caught_share(name, mode_id):
    scenario = load_scenario(name)
    m = scenario.failure_mode(mode_id)
    assert m.detection_probability < 1.0
    assert m.probability_per_event * m.detection_probability == pytest.approx(
        CAUGHT_PER_LOT[(name, mode_id)], rel=1e-5)
    assert f"failure_modes.{mode_id}.detection_probability" in scenario.sources \
        or f"failure_modes.{mode_id}" in scenario.sources


# Bundled scenarios that extend another inherit its failure modes.
BASE_SCENARIO = {"metformin": "generic_oral_solid",
                 "high_volume_single_product": "generic_oral_solid"}


@pytest.mark.parametrize("name", bundled_scenario_names())
def test_bundled_escaping_modes_are_exactly_the_listed_ones(name):
    escaping = {m.id for m in load_scenario(name).failure_modes
                if m.detection_probability < 1.0}
    base = BASE_SCENARIO.get(name, name)
    assert escaping == {mode_id for (owner, mode_id) in CAUGHT_PER_LOT if owner == base}


def test_technology_detection_replaces_the_default():
    m = mode(detection_probability=0.6,
             detection_probability_by_technology={"continuous": 0.95})
    assert m.detection_for(TechnologyKind.continuous) == 0.95
    assert m.detection_for(TechnologyKind.batch) == 0.6


@pytest.mark.parametrize(("extra", "words"), [
    ({"detection_probability": 1.2}, ["detection_probability", "1.2"]),
    ({"detection_probability_by_technology": {"continuous": -0.1}},
     ["detection_probability_by_technology", "-0.1"]),
    ({"escalations": [{**RECALL, "probability": 1.5}]}, ["probability", "1.5"]),
    ({"escalations": [{**RECALL, "duration_days": {"dist": "normal", "mean": 5, "sd": 1}}]},
     ["duration_days"]),
    ({"escalations": [{**RECALL, "source": "made up"}]},
     ["source", "made up", "'source:' or 'assumption:'"]),
    ({"escalations": [{**RECALL, "kind": "fine"}]}, ["kind", "fine"]),
    ({"escalations": [RECALL, RECALL]}, ["escalations", "recall", "2 times"]),
])
def test_bad_detection_or_escalation_is_refused_by_field_value_and_rule(extra, words):
    with pytest.raises(ValidationError) as caught:
        mode(**extra)
    text = str(caught.value)
    for word in words:
        assert word in text, text


def test_a_demand_change_cannot_escalate():
    with pytest.raises(ValidationError, match="demand_change is not a quality failure"):
        FailureMode.model_validate({
            "id": "surge", "name": "Surge", "category": "demand_shock",
            "effect": "demand_change", "rate_per_yr": 0.5, "demand_multiplier": 2.0,
            "duration_h": {"dist": "fixed", "value": 100.0}, "escalations": [RECALL]})


def test_escalation_alone_validates():
    e = Escalation.model_validate(RECALL)
    assert e.duration_days.mean == 120.0


def test_interventions_keep_the_best_detection_and_never_lower_it():
    def intervention(i, detection):
        return Intervention.model_validate({
            "id": i, "name": i, "kind": "electronic_batch_records",
            "failure_mode_changes": [{"failure_mode_id": "qa-lapse",
                                      "detection_probability": detection}]})
    m = mode(detection_probability=0.5)
    both = failure_mode_multipliers([intervention("a", 0.8), intervention("b", 0.7)])
    assert both.detection(m, TechnologyKind.batch) == 0.8
    lower = failure_mode_multipliers([intervention("c", 0.3)])
    assert lower.detection(m, TechnologyKind.batch) == 0.5
    assert failure_mode_multipliers([]).detection(m, TechnologyKind.batch) == 0.5
    with pytest.raises(ValidationError, match="detection_probability"):
        intervention("d", 1.5)
