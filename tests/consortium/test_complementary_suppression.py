"""Complementary suppression of tables with totals: the LP audit shows every primary cell's
feasible interval reaches its protection level; primary-only suppression fails the same
audit; the MILP's choice is as cheap as the best one found by enumeration."""

from __future__ import annotations

import numpy as np
import pytest
from consortium_pools import FIELD, pool

from rxtwin.consortium.disclosure import release_table
from rxtwin.consortium.suppression import (
    audit_suppression,
    brute_force_suppression,
    complementary_suppression,
    table_1d,
    table_2d,
)
from rxtwin.errors import UserInputError
from rxtwin.model.consortium import DisclosureRules

RULES = DisclosureRules(min_organisations=5, dominance_n=2, dominance_k_percent=85.0,
                        p_percent=None, safety_fraction=0.1)
GRID = [[20.0, 50.0, 10.0], [8.0, 19.0, 22.0], [17.0, 32.0, 12.0]]
PROTECTION = {"a|z": 2.0, "b|x": 1.5}


def primary_only(table, protection):
    hidden = np.zeros(table.values.size, dtype=bool)
    hidden[[table.index(label) for label in protection]] = True
    return hidden


def test_the_tables_hold_their_equations():
    table = table_2d(GRID, ["a", "b", "c"], ["x", "y", "z"])
    assert np.allclose(table.equations @ table.values, 0.0)
    assert table.values[table.index("a|Total")] == 80.0
    assert table.values[table.index("Total|Total")] == sum(map(sum, GRID))
    one_way = table_1d([5.0, 40.0, 3.0], ["a", "b", "c"])
    assert one_way.labels[-1] == "Total" and one_way.values[-1] == 48.0


def test_primary_only_suppression_fails_the_audit_exactly():
    table = table_2d(GRID, ["a", "b", "c"], ["x", "y", "z"])
    audit = audit_suppression(table, primary_only(table, PROTECTION), PROTECTION)
    assert not audit.passed
    for interval in audit.intervals:  # each hidden cell is its row total minus the rest
        assert interval.lower == pytest.approx(interval.value)
        assert interval.upper == pytest.approx(interval.value)
    assert len(audit.failures()) == 2


def test_after_complementary_suppression_every_primary_interval_exceeds_its_protection():
    table = table_2d(GRID, ["a", "b", "c"], ["x", "y", "z"])
    plan = complementary_suppression(table, PROTECTION)
    assert plan.audit.passed and plan.secondary
    for interval in plan.audit.intervals:
        assert interval.value - interval.lower >= interval.protection_below - 1e-6
        assert interval.upper - interval.value >= interval.protection_above - 1e-6
    # the audit is independent of the MILP: recompute it from the pattern alone
    assert audit_suppression(table, plan.suppressed, PROTECTION) == plan.audit


def test_the_audit_interval_of_a_hand_case():
    # x + y = 10 released, x hidden with y hidden: x in [0, 10]. With the total hidden
    # too and nothing else linking them, x can grow without bound.
    table = table_1d([4.0, 6.0, 5.0], ["x", "y", "z"])
    hidden = np.array([True, True, False, False])
    (interval,) = audit_suppression(table, hidden, {"x": 1.0}).intervals
    assert (interval.lower, interval.upper) == pytest.approx((0.0, 10.0))
    hidden = np.array([True, False, False, True])
    (interval,) = audit_suppression(table, hidden, {"x": 1.0}).intervals
    assert interval.lower == pytest.approx(0.0) and interval.upper == np.inf


def test_the_lower_protection_is_capped_at_the_cell_value():
    table = table_1d([0.5, 6.0, 5.0], ["x", "y", "z"])
    plan = complementary_suppression(table, {"x": 2.0})
    (interval,) = plan.audit.intervals
    assert interval.protection_below == 0.5 and interval.protection_above == 2.0
    assert plan.audit.passed


TINY_TABLES = [
    ("1-D", table_1d([5.0, 40.0, 3.0, 12.0], list("abcd")), {"c": 1.0}),
    ("1-D, two primaries", table_1d([5.0, 40.0, 3.0, 12.0], list("abcd")),
     {"c": 1.0, "a": 4.0}),
    ("2x2", table_2d([[3.0, 9.0], [7.0, 4.0]], ["r", "s"], ["x", "y"]), {"r|x": 1.0}),
    ("2x3", table_2d([[20.0, 50.0, 10.0], [8.0, 19.0, 22.0]], ["a", "b"], ["x", "y", "z"]),
     {"a|z": 2.0}),
    ("2x3, big protection", table_2d([[20.0, 50.0, 10.0], [8.0, 19.0, 22.0]], ["a", "b"],
                                     ["x", "y", "z"]), {"a|z": 15.0}),
    ("3x2, a total primary", table_2d([[1.0, 2.0], [30.0, 40.0], [5.0, 6.0]], list("abc"),
                                      ["x", "y"]), {"a|Total": 0.5, "c|y": 1.0}),
]


@pytest.mark.parametrize("cost", ["value", "count"])
@pytest.mark.parametrize("name,table,protection", TINY_TABLES, ids=[t[0] for t in TINY_TABLES])
def test_the_milp_choice_is_as_cheap_as_enumeration(name, table, protection, cost):
    assert table.values.size <= 12
    best = brute_force_suppression(table, protection, cost)
    plan = complementary_suppression(table, protection, cost)
    assert plan.audit.passed and best.audit.passed
    first, second = ((plan.hidden_value, plan.hidden_count) if cost == "value"
                     else (plan.hidden_count, plan.hidden_value))
    ref_first, ref_second = ((best.hidden_value, best.hidden_count) if cost == "value"
                             else (best.hidden_count, best.hidden_value))
    assert first == pytest.approx(ref_first, rel=1e-9)
    assert second == pytest.approx(ref_second, rel=1e-9)


def test_the_milp_matches_enumeration_on_random_tiny_tables():
    rng = np.random.default_rng(20240611)
    for _ in range(15):
        shape = (2, 2) if rng.random() < 0.5 else (2, 3)
        grid = rng.integers(0, 30, size=shape).astype(float)
        table = table_2d(grid, [f"r{i}" for i in range(shape[0])],
                         [f"c{j}" for j in range(shape[1])])
        n_primary = int(rng.integers(1, 3))
        labels = rng.choice([label for label in table.labels if "Total" not in label],
                            size=n_primary, replace=False)
        protection = {str(label): float(rng.uniform(0.5, 5.0)) for label in labels}
        best = brute_force_suppression(table, protection)
        plan = complementary_suppression(table, protection)
        assert plan.audit.passed
        assert plan.hidden_value == pytest.approx(best.hidden_value, rel=1e-9, abs=1e-9)
        assert plan.hidden_count == best.hidden_count


def test_nothing_is_hidden_without_primary_cells():
    table = table_2d(GRID, ["a", "b", "c"], ["x", "y", "z"])
    plan = complementary_suppression(table, {})
    assert not plan.suppressed.any() and plan.audit.passed


@pytest.mark.parametrize("protection,match", [({"a|z": 0.0}, "> 0"),
                                              ({"a|w": 1.0}, "no cell 'a|w'")])
def test_bad_protection_is_a_user_error(protection, match):
    table = table_2d(GRID, ["a", "b", "c"], ["x", "y", "z"])
    with pytest.raises(UserInputError, match=match):
        complementary_suppression(table, protection)


def test_a_released_table_hides_what_the_rules_and_the_totals_require():
    rows = []
    for form, region, n, value in [("oral_solid", "europe", 6, 10.0),
                                   ("oral_solid", "south_asia", 2, 15.0),
                                   ("sterile_injectable", "europe", 5, 7.0),
                                   ("sterile_injectable", "south_asia", 7, 9.0),
                                   ("other", "europe", 6, 3.0),
                                   ("other", "south_asia", 5, 4.0)]:
        rows += [(f"{form}-{region}-{i}", form, region, value + i) for i in range(n)]
    release = release_table(pool(rows), FIELD, "dosage_form", "region", RULES)
    table = release.table.set_index(["row", "column"])
    assert table.loc[("oral_solid", "south_asia"), "suppression"] == "primary"
    assert "threshold rule: 2 organisations" in table.loc[("oral_solid", "south_asia"), "reason"]
    assert (table["suppression"] == "complementary").sum() >= 1
    assert release.audit.passed
    # the naive release (primary cells only) fails the same audit
    naive = primary_only(release.linked, release.protection)
    assert not audit_suppression(release.linked, naive, release.protection).passed
    # nothing released has fewer than 5 organisations (every combination has contributors)
    released = release.table[release.table["released"]]
    assert (released["n_organisations"] >= RULES.min_organisations).all()
    assert released["value"].notna().all()
    assert release.table.loc[~release.table["released"], "value"].isna().all()
