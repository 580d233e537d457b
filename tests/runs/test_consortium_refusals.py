"""Refused attempts leave a trace in the audit log: a document naming another
organisation and a private query past the budget are recorded as refusals (who, what,
why), the chain still verifies, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rxtwin.consortium import PrivacyBudgetExceededError
from rxtwin.errors import InputError
from rxtwin.runs.consortium import (
    register_organisation,
    release_statistic,
    submit_file,
    verify_audit,
)
from rxtwin.store import ConsortiumPool, Store
from rxtwin.store.pool import REFUSAL_TEXT_MAX_CHARS


def _file(folder: Path, org: str, value: float = 12.0) -> Path:
    path = folder / f"{org}.yaml"
    path.write_text(yaml.safe_dump({
        "schema_version": 1, "organisation_id": org, "unit_kind": "line", "unit_id": "L1",
        "period_yr": 2024, "dosage_form": "oral_solid", "region": "europe",
        "changeover_h": value}))
    return path


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "pool.sqlite") as opened:
        for i in range(5):
            register_organisation(opened, f"eu{i}", epsilon_total=0.3)
            submit_file(opened, _file(tmp_path, f"eu{i}", 10.0 + i), f"eu{i}")
        yield opened


def _refusals(store: Store) -> list:
    return [e for e in ConsortiumPool(store).audit_entries() if e.action.endswith(".refused")]


def test_a_document_of_another_organisation_is_refused_and_recorded(store, tmp_path):
    before = ConsortiumPool(store).list_submissions("eu1")
    with pytest.raises(InputError, match="must be the submitting organisation 'eu0'"):
        submit_file(store, _file(tmp_path, "eu1", 99.0), "eu0")
    [refusal] = _refusals(store)
    assert (refusal.actor, refusal.action, refusal.target) == (
        "eu0", "submission.write.refused", "eu1/line/L1/2024")
    assert "must be the submitting organisation 'eu0'" in refusal.detail["reason"]
    assert ConsortiumPool(store).list_submissions("eu1") == before
    assert verify_audit(store).ok


def test_a_query_past_the_budget_is_refused_recorded_and_charges_nothing(store):
    bounds = (0.0, 48.0)
    release_statistic(store, "count", "changeover_h", [], dp_epsilon=0.2,
                      organisation_id="eu2", bounds=bounds)
    spent = ConsortiumPool(store).get_privacy_ledger("eu2")
    with pytest.raises(PrivacyBudgetExceededError):
        release_statistic(store, "count", "changeover_h", [], dp_epsilon=0.2,
                          organisation_id="eu2", bounds=bounds)
    assert ConsortiumPool(store).get_privacy_ledger("eu2") == spent
    [refusal] = _refusals(store)
    assert (refusal.actor, refusal.action) == ("eu2", "privacy.spend.refused")
    assert "count of changeover_h" in refusal.target
    assert "0.1" in refusal.detail["reason"]  # what is left is named
    assert verify_audit(store).ok


def test_a_refusals_text_is_bounded(store):
    ConsortiumPool(store).record_refusal("eu3", "submission.write", "k" * 10_000,
                                         "r" * 10_000, user_id="alice")
    [refusal] = _refusals(store)
    assert refusal.actor == "eu3/alice"
    assert len(refusal.target) == len(refusal.detail["reason"]) == REFUSAL_TEXT_MAX_CHARS
    assert verify_audit(store).ok
