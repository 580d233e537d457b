"""A differencing attack: totals released over groups that differ by one organisation must
not reveal that organisation's figure. Deterministic mode suppresses the second release;
differentially private mode covers the difference with noise."""

from __future__ import annotations

import numpy as np
import pytest
from consortium_pools import FIELD, pool

from rxtwin.consortium.disclosure import release_cells
from rxtwin.consortium.privacy import PrivacyLedger, dp_release
from rxtwin.model.consortium import DisclosureRules

RULES = DisclosureRules(min_organisations=5, dominance_n=2, dominance_k_percent=85.0,
                        p_percent=None, safety_fraction=0.1)
BASE = [(f"firm{i}", "oral_solid", "europe", 20.0 + 3 * i) for i in range(6)]
NEWCOMER = ("newcomer", "oral_solid", "europe", 37.0)


def test_without_the_guard_two_totals_reveal_the_newcomer_exactly():
    # The attack works: both cells pass the primary rules on their own.
    before = release_cells(pool(BASE), FIELD, "sum", [], RULES)
    after = release_cells(pool([*BASE, NEWCOMER]), FIELD, "sum", [], RULES)
    assert before.table["released"].all() and after.table["released"].all()
    revealed = after.table["value"].iloc[0] - before.table["value"].iloc[0]
    assert revealed == pytest.approx(NEWCOMER[3])


def test_with_the_earlier_release_kept_the_second_total_is_suppressed():
    before = release_cells(pool(BASE), FIELD, "sum", [], RULES)
    after = release_cells(pool([*BASE, NEWCOMER]), FIELD, "sum", [], RULES,
                          earlier=before.records)
    row = after.table.iloc[0]
    assert not row["released"] and np.isnan(row["value"])
    assert row["reason"].startswith("differencing:")
    assert "1 organisation between them" in row["reason"]


def test_the_guard_also_catches_a_leaver_and_a_mean():
    before = release_cells(pool([*BASE, NEWCOMER]), FIELD, "mean", [], RULES)
    after = release_cells(pool(BASE), FIELD, "mean", [], RULES, earlier=before.records)
    assert not after.table["released"].iloc[0]


def test_a_difference_of_enough_organisations_may_be_released():
    # Five newcomers of similar size: their sum passes threshold and dominance itself.
    newcomers = [(f"new{i}", "oral_solid", "europe", 30.0 + i) for i in range(5)]
    before = release_cells(pool(BASE), FIELD, "sum", [], RULES)
    after = release_cells(pool([*BASE, *newcomers]), FIELD, "sum", [], RULES,
                          earlier=before.records)
    assert after.table["released"].iloc[0]


def test_in_private_mode_noise_covers_the_newcomer():
    # Each total costs epsilon 0.5 with the figure bounded in [0, 100]: Laplace scale about
    # 200, so the difference of two totals is the newcomer's 37 plus noise of standard
    # deviation about 400. An attacker's estimate lands within 10 % of the truth (a window
    # of 7.4) with probability about 7.4 / (2 * 400) ~ 1 %; over 200 attacks we allow 8 %.
    # The noise is OpenDP's (no seed by design); the margin makes a false failure
    # vanishingly rare (binomial(200, 0.01) >= 16 has probability below 1e-6).
    without, with_newcomer = pool(BASE), pool([*BASE, NEWCOMER])
    bounds = {FIELD: (0.0, 100.0)}
    ledger = PrivacyLedger("attacker", epsilon_total=1000.0)
    close = 0
    for _ in range(200):
        first, ledger = dp_release(without, FIELD, "sum", {}, bounds, 0.5, ledger)
        second, ledger = dp_release(with_newcomer, FIELD, "sum", {}, bounds, 0.5, ledger)
        estimate = second.value - first.value
        close += abs(estimate - NEWCOMER[3]) <= 0.1 * NEWCOMER[3]
    assert close <= 16
    assert ledger.epsilon_spent == pytest.approx(200.0, rel=1e-6)
