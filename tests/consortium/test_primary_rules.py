"""The primary disclosure rules on hand cases, boundaries included, and the defaults' sources.

Rules (Hundepool et al., Statistical Disclosure Control, Wiley 2012): threshold (at least k
organisations), (n, k) dominance (the n largest hold at most k % of the total), p % rule
(the rest besides the two largest is at least p % of the largest). The boundary passes."""

from __future__ import annotations

import pytest
from consortium_pools import FIELD, pool

from rxtwin.consortium.disclosure import (
    dominance_rule,
    organisation_totals,
    p_percent_rule,
    primary_verdict,
    protection_level,
    release_cells,
    threshold_rule,
)
from rxtwin.data.disclosure_defaults import disclosure_rules_provenance, load_disclosure_rules
from rxtwin.errors import UserInputError
from rxtwin.model.consortium import DisclosureRules

RULES = DisclosureRules(min_organisations=5, dominance_n=2, dominance_k_percent=85.0,
                        p_percent=None, safety_fraction=0.1)


def test_the_bundled_defaults_are_5_organisations_and_2_85_dominance_with_sources():
    rules = load_disclosure_rules()
    assert (rules.min_organisations, rules.dominance_n, rules.dominance_k_percent) == (5, 2, 85.0)
    assert rules.p_percent is None
    provenance = disclosure_rules_provenance()
    assert set(provenance) == set(DisclosureRules.model_fields)
    assert "ESSnet Handbook" in provenance["dominance_k_percent"]
    assert provenance["min_organisations"].startswith("assumption:")


@pytest.mark.parametrize("n,k,expected", [(4, 5, False), (5, 5, True), (6, 5, True),
                                          (0, 1, False), (1, 1, True), (2, 3, False)])
def test_threshold_rule_at_and_around_the_boundary(n, k, expected):
    reason = threshold_rule(n, k)
    assert (reason is None) is expected
    if not expected:
        assert f"{n} organisation" in reason and f"at least {k}" in reason


@pytest.mark.parametrize("totals,released", [
    ([50.0, 35.0, 10.0, 5.0], True),      # exactly 85 %: the boundary passes
    ([50.0, 35.5, 10.0, 4.5], False),     # 85.5 %
    ([40.0, 30.0, 20.0, 10.0], True),     # 70 %
    ([100.0], False),                     # one contributor holds everything
    ([0.0, 0.0, 0.0], True),              # nothing to dominate
    ([5.0, 10.0, 70.0, 15.0], True),      # order does not matter: 85 %
])
def test_dominance_rule_2_85_hand_cases(totals, released):
    reason = dominance_rule(totals, n=2, k_percent=85.0)
    assert (reason is None) is released
    if not released:
        assert reason.startswith("(2, 85) dominance: the 2 largest organisations hold")


def test_dominance_with_n_1_judges_the_largest_alone():
    assert dominance_rule([60.0, 40.0], n=1, k_percent=60.0) is None
    assert "the 1 largest organisation hold 61" in dominance_rule([61.0, 39.0], n=1,
                                                                  k_percent=60.0)


@pytest.mark.parametrize("totals,released", [
    ([100.0, 50.0, 10.0], True),          # rest 10 = exactly 10 % of the largest
    ([100.0, 50.0, 9.0], False),
    ([100.0, 50.0, 5.0, 5.0], True),
    ([100.0], False),                     # alone: the rest is 0
    ([0.0, 0.0], True),
])
def test_p_percent_rule_hand_cases(totals, released):
    assert (p_percent_rule(totals, p_percent=10.0) is None) is released


def test_negative_contributions_are_refused_by_the_magnitude_rules():
    with pytest.raises(UserInputError, match="non-negative"):
        dominance_rule([3.0, -1.0], n=2, k_percent=85.0)


def test_an_organisation_with_several_lines_counts_once_and_adds_up():
    totals = organisation_totals([10.0, 20.0, 5.0], ["a", "b", "a"])
    assert sorted(totals.tolist()) == [15.0, 20.0]
    # Five lines, but only four organisations: the threshold of 5 organisations fails.
    verdict = primary_verdict([10.0, 10.0, 10.0, 10.0, 10.0], ["a", "b", "c", "d", "a"],
                              "sum", RULES)
    assert verdict.n_organisations == 4 and verdict.sensitive
    assert "4 organisations contribute" in verdict.reasons[0]


def test_dominance_is_judged_on_organisation_totals_not_on_lines():
    # Each line holds at most 30 % of the total, but organisation a holds 60 % with two
    # lines, and with b (30 %) the two largest organisations hold 90 % > 85 %.
    values = [30.0, 30.0, 30.0, 2.5, 2.5, 2.5, 2.5]
    organisations = ["a", "a", "b", "c", "d", "e", "f"]
    verdict = primary_verdict(values, organisations, "sum", RULES)
    assert verdict.sensitive and verdict.reasons[0].startswith("(2, 85) dominance")
    by_line = primary_verdict(values, [f"o{i}" for i in range(7)], "sum", RULES)
    assert not by_line.sensitive


def test_medians_and_quantiles_pass_the_threshold_rule_only():
    values = [100.0, 1.0, 1.0, 1.0, 1.0]
    organisations = list("abcde")
    assert primary_verdict(values, organisations, "sum", RULES).sensitive
    assert primary_verdict(values, organisations, "mean", RULES).sensitive
    assert not primary_verdict(values, organisations, "median", RULES).sensitive
    assert primary_verdict(values[:4], organisations[:4], "median", RULES).sensitive


def test_protection_level_is_the_largest_requirement():
    # safety 10 % of 100 = 10; dominance (100/85) * 90 - 100 = 5.88: the safety margin wins
    assert protection_level([60.0, 30.0, 10.0], RULES) == pytest.approx(10.0)
    # dominance (100/85) * 98 - 100 = 15.29 > 10
    assert protection_level([90.0, 8.0, 2.0], RULES) == pytest.approx(100 / 85 * 98 - 100)
    with_p = RULES.model_copy(update={"p_percent": 30.0})
    # p %: 0.3 * 90 - 2 = 25 > 15.29
    assert protection_level([90.0, 8.0, 2.0], with_p) == pytest.approx(25.0)


def test_a_released_cell_table_says_why_each_cell_is_suppressed():
    frame = pool([(f"o{i}", "oral_solid", "europe", 10.0 + i) for i in range(6)]
                 + [(f"s{i}", "sterile_injectable", "europe", 5.0) for i in range(3)]
                 + [("big", "oral_solid", "south_asia", 1000.0)]
                 + [(f"t{i}", "oral_solid", "south_asia", 1.0) for i in range(5)])
    release = release_cells(frame, FIELD, "sum", ["dosage_form", "region"], RULES)
    table = release.table.set_index(["dosage_form", "region"])
    assert table.loc[("oral_solid", "europe"), "value"] == sum(10.0 + i for i in range(6))
    assert table.loc[("oral_solid", "europe"), "n_organisations"] == 6
    sterile = table.loc[("sterile_injectable", "europe")]
    assert not sterile["released"] and sterile["value"] != sterile["value"]  # NaN
    assert sterile["reason"].startswith("threshold rule: 3 organisations")
    dominated = table.loc[("oral_solid", "south_asia")]
    assert not dominated["released"] and "dominance" in dominated["reason"]
    # the same dominated group's median is released: 6 organisations
    medians = release_cells(frame, FIELD, "median", ["dosage_form", "region"], RULES)
    assert medians.table.set_index(["dosage_form", "region"]).loc[
        ("oral_solid", "south_asia"), "value"] == 1.0


@pytest.mark.parametrize("kwargs,match", [
    ({"field": "oee_pct"}, "not a pooled figure"),
    ({"statistic": "max"}, "must be one of"),
    ({"by": ["organisation_id"]}, "group column"),
    ({"statistic": "quantile", "quantile": 1.0}, "quantile"),
])
def test_bad_release_arguments_are_user_errors(kwargs, match):
    frame = pool([("a", "oral_solid", "europe", 1.0)])
    arguments = {"field": FIELD, "statistic": "sum", "by": ["region"], **kwargs}
    with pytest.raises(UserInputError, match=match):
        release_cells(frame, rules=RULES, **arguments)
