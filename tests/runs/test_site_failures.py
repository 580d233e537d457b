"""Line failures that escape detection become site outages: the derived rates, and the
line and supply simulators moving in the directions the chain of causes says."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.public_tables import oai_base_rate
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.line.from_scenario import line_inputs_from_scenario, line_plan
from rxtwin.line.simulate import simulate
from rxtwin.model import Scenario
from rxtwin.model.disruption import OutageMode
from rxtwin.model.distributions import Exponential
from rxtwin.model.variants import with_line_technology
from rxtwin.runs.site_failures import (
    INSPECTION_ROOT,
    escalation_rate_per_yr,
    line_failure_occurrences,
    oai_probability,
    site_outage_modes_from_lines,
    supply_inputs_with_lines,
)
from rxtwin.runs.supply import supply_inputs_sha256
from rxtwin.stats import plan_chunks
from rxtwin.supply.disruption import disruption_chunk_task
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario

MODE = "oos-batch-reject"  # reject_batch, per lot
# test fixtures, not data: half the out-of-spec lots escape, half of those are recalled
DETECTION, RECALL_Q, RECALL_MEAN_DAYS = 0.5, 0.5, 90.0


def escalating(probability_factor: float = 1.0, *, detection: float = DETECTION,
               detection_by_tech: dict | None = None, interventions: list | None = None,
               recall_q: float = RECALL_Q) -> Scenario:
    """The metformin scenario with a recall escalation on ``MODE`` and no other."""
    doc = load_scenario("metformin").model_dump(mode="json")
    for mode in doc["failure_modes"]:
        mode.pop("escalations", None)
        if mode["id"] == MODE:
            mode["probability_per_event"] *= probability_factor
            mode["detection_probability"] = detection
            mode["detection_probability_by_technology"] = detection_by_tech or {}
            mode["escalations"] = [{
                "kind": "recall", "probability": recall_q,
                "duration_days": {"dist": "exponential", "mean": RECALL_MEAN_DAYS},
                "source": "assumption: test fixture"}]
    doc["interventions"] += interventions or []
    return Scenario.model_validate(doc)


def without_escalations(name: str) -> Scenario:
    """A bundled scenario with every escalation removed."""
    doc = load_scenario(name).model_dump(mode="json")
    for mode in doc["failure_modes"]:
        mode.pop("escalations", None)
    return Scenario.model_validate(doc)


def recall_mode(scenario: Scenario, ids=()) -> OutageMode:
    """The derived recall mode of ``MODE`` at the fixture's site."""
    return next(m for m in site_outage_modes_from_lines(scenario, ids)["fdf-site"]
                if m.name == f"recall<-{MODE}")


def lots_per_yr(scenario: Scenario) -> float:
    product, tech = scenario.products[0], scenario.technology(scenario.lines[0].technology_id)
    return product.demand_units_per_yr / (tech.batch_size_units
                                          * tech.process_yield_fraction)


def supply_inputs(scenario: Scenario, ids=()):
    return supply_inputs_from_scenario(
        scenario, list(ids), defaults=load_disruption_defaults(),
        extra_site_outage_modes=site_outage_modes_from_lines(scenario, ids))


def paired_chunk_means(a, b, statistic: str, n_years: int, chunk_size: int,
                       cause: str | None = None):
    """Per-chunk mean of ``statistic`` (product 0) of two inputs on the same seeds; with
    ``cause``, the shortage-days per scenario-year credited to that cause instead."""
    _, chunks = plan_chunks(n_years, chunk_size, 20261207)

    def value(inputs, chunk) -> float:
        summary = disruption_chunk_task(inputs, chunk)
        if cause is None:
            return summary.statistic(statistic)[0][0]
        causes = summary.causes
        return causes.shortage_days[0, causes.labels.index(cause)] / chunk.n_reps

    return np.array([(value(a, c), value(b, c)) for c in chunks])


def paired_interval(diff: np.ndarray, level: float = 0.99) -> tuple[float, float]:
    half = stats.t.ppf(0.5 + level / 2, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff))
    return diff.mean() - half, diff.mean() + half


def test_derived_outage_rate_is_occurrences_times_escape_times_escalation():
    scenario = escalating()
    modes = site_outage_modes_from_lines(scenario)
    assert list(modes) == ["fdf-site"]
    (mode,) = modes["fdf-site"]
    assert mode == recall_mode(scenario)
    p = next(m for m in scenario.failure_modes if m.id == MODE).probability_per_event
    assert mode.name == f"recall<-{MODE}"
    assert mode.category == "recall"
    assert mode.duration == Exponential(dist="exponential", mean=RECALL_MEAN_DAYS)
    assert mode.duration_unit_days == 1.0
    # the batch line's 14-day release follows every quality outage
    assert mode.added_days == scenario.technology("batch").qc_release_h / 24 == 14.0
    expected = p * lots_per_yr(scenario) * (1 - DETECTION) * RECALL_Q
    assert mode.rate_per_yr == pytest.approx(expected, rel=1e-12)


def test_time_based_and_changeover_occurrences_follow_their_rates():
    doc = escalating().model_dump(mode="json")
    fixture = {"kind": "warning_letter", "probability": 0.2,
               "duration_days": {"dist": "fixed", "value": 30.0},
               "source": "assumption: test fixture"}
    for mode in doc["failure_modes"]:
        if mode["id"] in ("hvac-excursion", "changeover-contamination"):
            mode["detection_probability"] = 0.25
            mode["escalations"] = [fixture]
    scenario = Scenario.model_validate(doc)
    found = {f.failure_mode_id: f for f in line_failure_occurrences(scenario, "line-1")}
    assert set(found) == {MODE, "hvac-excursion", "changeover-contamination"}
    assert found["hvac-excursion"].occurrences_per_yr == 1.0  # rate 1/yr, batch multiplier 1
    # one product, one campaign per plan cycle: setups/yr = 365 / cycle
    plan = line_plan(scenario, "line-1", scenario.technology("batch"))
    assert found["changeover-contamination"].occurrences_per_yr == pytest.approx(
        0.01 * float(plan.setups_per_yr.sum()), rel=1e-12)
    rates = {m.name: m.rate_per_yr for m in site_outage_modes_from_lines(scenario)["fdf-site"]}
    assert rates["warning_letter<-hvac-excursion"] == pytest.approx(1.0 * 0.75 * 0.2)


def test_no_escalation_leaves_supply_inputs_bit_identical():
    defaults = load_disruption_defaults()
    for name in ("metformin", "generic_oral_solid", "sterile_injectable"):
        scenario = without_escalations(name)
        assert site_outage_modes_from_lines(scenario) == {}
        plain = supply_inputs_from_scenario(scenario, defaults=defaults)
        extra = supply_inputs_from_scenario(scenario, defaults=defaults,
                                            extra_site_outage_modes={})
        assert supply_inputs_sha256(plain) == supply_inputs_sha256(extra)


def test_extra_modes_for_an_unknown_site_are_refused_by_name():
    mode = OutageMode("recall<-x", 1.0, Exponential(dist="exponential", mean=10.0))
    with pytest.raises(UserInputError, match="nowhere"):
        supply_inputs_from_scenario(load_scenario("metformin"),
                                    defaults=load_disruption_defaults(),
                                    extra_site_outage_modes={"nowhere": [mode]})


def test_doubling_an_escalating_failure_lowers_oee_and_raises_shortage_days():
    # 5 % of lots out of spec (about 10 rejected lots a year of 212) against 10 %: a
    # visible OEE step; recall probability 0.05 keeps the site up most of the time
    base, doubled = escalating(5.0, recall_q=0.05), escalating(10.0, recall_q=0.05)
    # line: same entropy and chunking = common random numbers; paired differences
    runs = [simulate(line_inputs_from_scenario(s, "line-1"), 400, entropy=5,
                     keep_replications=True) for s in (base, doubled)]
    column = [name for name, _, _ in runs[0].catalogue].index("oee")
    low, high = paired_interval(runs[1].replications[:, column]
                                - runs[0].replications[:, column])
    assert high < 0, (low, high)
    # supply: the site's recall rate doubles; paired batch means over 40 chunks of 100 yr
    rates = [recall_mode(s).rate_per_yr for s in (base, doubled)]
    assert rates[1] == pytest.approx(2 * rates[0], rel=1e-12)
    pairs = paired_chunk_means(supply_inputs(base), supply_inputs(doubled),
                               "shortage_days", 4_000, 100)
    low, high = paired_interval(pairs[:, 1] - pairs[:, 0])
    assert low > 0, (low, high, pairs.mean(axis=0))
    # ... and the added shortage-days are the ones its recalls cause
    recalls = paired_chunk_means(supply_inputs(base), supply_inputs(doubled),
                                 "shortage_days", 4_000, 100, cause=f"recall<-{MODE}")
    low, high = paired_interval(recalls[:, 1] - recalls[:, 0])
    assert low > 0, (low, high, recalls.mean(axis=0))


def test_raising_detection_raises_rejected_lots_and_lowers_escalations():
    pat = {"id": "pat", "name": "PAT on the reject mode", "kind": "pat_sensors",
           "failure_mode_changes": [{"failure_mode_id": MODE, "detection_probability": 0.9}]}
    scenario = escalating(4.0, interventions=[pat])
    by_tech = escalating(4.0, detection_by_tech={"batch": 0.9})
    runs = [simulate(line_inputs_from_scenario(scenario, "line-1", intervention_ids=ids),
                     300, entropy=9, keep_replications=True) for ids in ([], ["pat"])]
    column = [name for name, _, _ in runs[0].catalogue].index("rejected_lots")
    low, high = paired_interval(runs[1].replications[:, column]
                                - runs[0].replications[:, column])
    assert low > 0, (low, high)
    # the site: fewer escapes, fewer recalls; PAT as an intervention or as the
    # technology's detection gives the same rate
    without = recall_mode(scenario).rate_per_yr
    with_pat = recall_mode(scenario, ["pat"]).rate_per_yr
    assert with_pat < without
    assert with_pat == pytest.approx(without * (1 - 0.9) / (1 - DETECTION), rel=1e-12)
    assert recall_mode(by_tech).rate_per_yr == pytest.approx(with_pat, rel=1e-15)


@pytest.mark.parametrize("change", [
    [],
    [{"failure_mode_id": MODE}],  # neutral multipliers, no detection
    [{"failure_mode_id": MODE, "detection_probability": 0.2}],  # below the mode's: max keeps
])
def test_an_intervention_without_effect_on_failures_changes_no_output_bit(change):
    noop = {"id": "noop", "name": "No effect", "kind": "workforce_training",
            "failure_mode_changes": change}
    scenario = escalating(interventions=[noop])
    runs = [simulate(line_inputs_from_scenario(scenario, "line-1", intervention_ids=ids),
                     50, entropy=3, keep_replications=True) for ids in ([], ["noop"])]
    assert runs[0].replications.tobytes() == runs[1].replications.tobytes()
    assert site_outage_modes_from_lines(scenario) \
        == site_outage_modes_from_lines(scenario, ["noop"])
    assert supply_inputs_sha256(supply_inputs(scenario)) \
        == supply_inputs_sha256(supply_inputs(scenario, ["noop"]))


def test_escalation_rate_is_the_thinned_rate():
    assert escalation_rate_per_yr(8.0, 0.75, 0.5) == 8.0 * 0.25 * 0.5
    assert escalation_rate_per_yr(8.0, 1.0, 0.5) == 0.0


def test_the_line_acts_only_on_detected_occurrences():
    scenario = escalating()
    failures = line_inputs_from_scenario(scenario, "line-1").failures
    p = next(m for m in scenario.failure_modes if m.id == MODE).probability_per_event
    assert failures.probability[failures.names.index(MODE)] == p * DETECTION


# --- inspections: OAI share from the quality state, calibrated to the FDA's -------------


def inspected_modes(scenario: Scenario, ids=()) -> dict[str, OutageMode]:
    inspections = load_disruption_defaults().site_inspections
    return {m.name: m for m in site_outage_modes_from_lines(scenario, ids,
                                                             inspections)["fdf-site"]}


def test_the_incumbent_site_is_oai_at_the_fda_pooled_share():
    inspections = load_disruption_defaults().site_inspections
    # the default equals the bundled FDA data (pooled FY2009-FY2023), to its 4 digits
    assert inspections.oai_probability == round(oai_base_rate().rate, 4)
    for name in ("generic_oral_solid", "sterile_injectable"):
        oai = inspected_modes(load_scenario(name))[f"oai_inspection<-{INSPECTION_ROOT}"]
        assert oai.rate_per_yr == pytest.approx(
            inspections.rate_per_yr * inspections.oai_probability, rel=1e-12)
        assert oai.duration == inspections.duration


def test_better_detection_and_fewer_defects_lower_the_oai_share_within_its_floor():
    inspections = load_disruption_defaults().site_inspections
    generic = load_scenario("generic_oral_solid")
    name = f"oai_inspection<-{INSPECTION_ROOT}"
    incumbent = inspected_modes(generic)[name].rate_per_yr
    floor = inspections.rate_per_yr * inspections.oai_probability \
        * (1 - inspections.quality_driven_share)
    ebr = inspected_modes(generic, ["ebr"])[name].rate_per_yr
    cm = inspected_modes(with_line_technology(generic, "line-1", "continuous"))[name]
    assert floor < ebr < incumbent
    assert floor < cm.rate_per_yr < incumbent
    # the closed form of the EBR case: E / E0 from the deviation and OOS escapes per lot
    e0 = 0.0111111 * 0.1 + 0.0888889 * 0.1 + 0.0022222 * 0.1
    e_ebr = 0.0111111 * 0.1 + 0.0888889 * 0.6 * 0.01 + 0.0022222 * 0.1
    assert ebr == pytest.approx(inspections.rate_per_yr * oai_probability(
        inspections, e_ebr, e0), rel=1e-9)
    assert oai_probability(inspections, 0.0, 1.0) == pytest.approx(
        inspections.oai_probability * (1 - inspections.quality_driven_share))
    assert oai_probability(inspections, 100.0, 1.0) == 1.0


def test_a_faster_release_shortens_every_quality_outage_of_the_site():
    sterile = load_scenario("sterile_injectable")
    base = inspected_modes(sterile)
    rapid = inspected_modes(sterile, ["rapid-sterility-test"])
    assert {m.added_days for m in base.values()} == {408.0 / 24}
    assert {m.added_days for m in rapid.values()} == {73.0 / 24}
    # the rates do not change: the test releases faster, it does not find more
    assert {k: m.rate_per_yr for k, m in base.items()} \
        == {k: m.rate_per_yr for k, m in rapid.items()}


def test_line_derived_modes_replace_the_sites_own_quality_modes_only_there():
    defaults = load_disruption_defaults()
    generic = load_scenario("generic_oral_solid")
    inputs = supply_inputs_with_lines(generic, [], defaults)
    by_site = dict(zip(inputs.site_ids, inputs.site_outage_modes, strict=True))
    fdf_names = {m.name for m in by_site["fdf-site"]}
    assert "regulatory-action" not in fdf_names  # explained by the inspections now
    assert {"utility-outage", "natural-disaster", f"oai_inspection<-{INSPECTION_ROOT}",
            "recall<-oos-batch-reject", "recall<-nitrosamine-impurity"} <= fdf_names
    explained = set(defaults.site_inspections.line_explained_categories)
    for site, modes in by_site.items():
        if site != "fdf-site":  # supplier sites run no line: they keep the defaults
            assert {m.category for m in modes} == {m.category
                                                   for m in defaults.site_outage_modes}
            assert explained <= {m.category for m in modes}


def test_a_rapid_sterility_test_avoids_shortage_days_in_the_network():
    # common random numbers: same seeds, same outage starts and duration draws; only the
    # release days added to the sterile site's quality outages differ (17 d -> 3 d)
    defaults = load_disruption_defaults()
    sterile = load_scenario("sterile_injectable")
    base = supply_inputs_with_lines(sterile, [], defaults)
    rapid = supply_inputs_with_lines(sterile, ["rapid-sterility-test"], defaults)
    _, chunks = plan_chunks(2_000, 100, 20261207)
    diffs = []
    for chunk in chunks:
        days = [disruption_chunk_task(x, chunk).statistic("shortage_days")[0].sum()
                for x in (base, rapid)]
        diffs.append(days[0] - days[1])
    low, high = paired_interval(np.array(diffs))
    assert low > 0, (low, high)
