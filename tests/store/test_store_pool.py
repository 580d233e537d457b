"""The consortium pool in the store, on SQLite and PostgreSQL: versioned submissions that are
never overwritten, tenants who read only their own rows, released statistics by version,
privacy ledgers spent in one transaction (two threads cannot both spend the last budget)
and the hash-chained audit log, whose verifier catches an edited, deleted or moved entry."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from rxtwin.model.consortium import Submission
from rxtwin.store import ConsortiumPool, Store, StoreInputError, UnknownItemError
from rxtwin.store.pool import GENESIS_HASH, audit_actor, audit_entry_hash

if TYPE_CHECKING:
    from conftest import StoreTarget


def _submission(org: str, unit: str = "L1", year: int = 2024, **figures: Any) -> Submission:
    return Submission(schema_version=1, organisation_id=org, unit_kind="line", unit_id=unit,
                      period_yr=year, dosage_form="oral_solid", region="europe",
                      **({"changeovers_per_yr": 30.0} | figures))


def _ledger(org: str, total: float = 1.0) -> dict[str, Any]:
    return {"tenant_id": org, "epsilon_total": total, "entries": []}


@pytest.fixture
def pool(store: Store) -> ConsortiumPool:
    pool = ConsortiumPool(store)
    pool.add_organisation("org-a", ledger=_ledger("org-a"))
    pool.add_organisation("org-b")
    return pool


def _raw(target: StoreTarget):
    if target.backend == "sqlite":
        return create_engine(f"sqlite:///{target.url}", poolclass=NullPool)
    return create_engine(target.url, poolclass=NullPool, connect_args={
        "options": f"-csearch_path={target.options['schema']}"})


# ---------------------------------------------------------------- submissions
def test_a_new_version_never_overwrites_the_old_one(pool: ConsortiumPool) -> None:
    assert pool.put_submission(_submission("org-a", changeovers_per_yr=30.0),
                               organisation_id="org-a") == (1, True)
    assert pool.put_submission(_submission("org-a", changeovers_per_yr=42.0),
                               organisation_id="org-a") == (2, True)
    # the same content again is not a new version
    assert pool.put_submission(_submission("org-a", changeovers_per_yr=42.0),
                               organisation_id="org-a") == (2, False)
    records = pool.list_submissions("org-a")
    assert [(r.version, r.submission.changeovers_per_yr) for r in records] == [(1, 30.0),
                                                                               (2, 42.0)]
    key = "org-a/line/L1/2024"
    assert pool.get_submission("org-a", key).submission.changeovers_per_yr == 42.0
    assert pool.get_submission("org-a", key, version=1).submission.changeovers_per_yr == 30.0
    latest = pool.pool_submissions()
    assert [(r.key, r.version) for r in latest] == [(key, 2)]


def test_an_organisation_reads_only_its_own_submissions(pool: ConsortiumPool) -> None:
    pool.put_submission(_submission("org-a"), organisation_id="org-a")
    pool.put_submission(_submission("org-b", changeovers_per_yr=55.0), organisation_id="org-b")
    assert {r.key for r in pool.list_submissions("org-a")} == {"org-a/line/L1/2024"}
    assert {r.key for r in pool.list_submissions("org-b")} == {"org-b/line/L1/2024"}
    # another's key gets the answer of a key that does not exist
    with pytest.raises(UnknownItemError) as theirs:
        pool.get_submission("org-a", "org-b/line/L1/2024")
    with pytest.raises(UnknownItemError) as nobodys:
        pool.get_submission("org-a", "org-a/line/L9/2024")
    assert "org-b/line/L1/2024" in str(theirs.value) and "55" not in str(theirs.value)
    assert type(theirs.value) is type(nobodys.value)
    with pytest.raises(StoreInputError, match="submits its own data only"):
        pool.put_submission(_submission("org-b"), organisation_id="org-a")


def test_another_organisations_key_costs_the_same_statements_as_a_missing_key(
        pool: ConsortiumPool, store: Store) -> None:
    """No existence oracle: the asking organisation filters the one query either way."""
    pool.put_submission(_submission("org-b"), organisation_id="org-b")
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement.split()[0])

    event.listen(store._engine, "before_cursor_execute", record)
    try:
        counts = []
        for key in ("org-b/line/L1/2024", "org-a/line/L1/2024"):
            statements.clear()
            with pytest.raises(UnknownItemError):
                pool.get_submission("org-a", key)
            counts.append(list(statements))
    finally:
        event.remove(store._engine, "before_cursor_execute", record)
    assert counts[0] == counts[1] and counts[0].count("SELECT") >= 2


def test_a_users_reads_and_writes_are_audited_as_org_slash_user(pool: ConsortiumPool) -> None:
    pool.put_submission(_submission("org-a"), organisation_id="org-a", user_id="alice")
    pool.list_submissions("org-a", user_id="alice")
    pool.get_submission("org-a", "org-a/line/L1/2024", user_id="rita")
    pool.spend_privacy_budget("org-a", lambda ledger: (ledger, None), target="q",
                              user_id="rita")
    pool.put_release("x.sum", field="x", statistic="sum", method="dp", body={}, records=[],
                     requested_by="org-a", actor=audit_actor("org-a", "rita"))
    assert [(e.actor, e.action) for e in pool.audit_entries()][2:] == [
        ("org-a/alice", "submission.write"), ("org-a/alice", "submission.list"),
        ("org-a/rita", "submission.read"), ("org-a/rita", "privacy.spend"),
        ("org-a/rita", "release.write")]
    assert pool.verify_audit_log().ok
    assert pool.organisation_registered("org-a") and not pool.organisation_registered("org-z")
    assert not pool.organisation_registered("../etc")
    with pytest.raises(StoreInputError, match="without '/'"):
        audit_actor("org-a", "a/b")
    with pytest.raises(StoreInputError, match="at most 100"):
        audit_actor("o" * 60, "u" * 60)


def test_unregistered_and_reserved_organisations_are_refused(pool: ConsortiumPool) -> None:
    with pytest.raises(UnknownItemError, match="'org-z' is not registered"):
        pool.put_submission(_submission("org-z"), organisation_id="org-z")
    with pytest.raises(StoreInputError, match="already registered"):
        pool.add_organisation("org-a")
    with pytest.raises(StoreInputError, match="reserved"):
        pool.add_organisation("consortium")
    assert pool.list_organisations() == ["org-a", "org-b"]


# ---------------------------------------------------------------- releases
def test_releases_are_versioned_per_name(pool: ConsortiumPool) -> None:
    body = {"cells": [{"group": {"dosage_form": "oral_solid"}, "value": 30.0}]}
    assert pool.put_release("co.median", field="changeovers_per_yr", statistic="median",
                            method="rules", body=body, records=[]) == 1
    body2 = {"cells": [{"group": {"dosage_form": "oral_solid"}, "value": 35.0}]}
    assert pool.put_release("co.median", field="changeovers_per_yr", statistic="median",
                            method="rules", body=body2, records=[{"keys": ["x"]}]) == 2
    assert pool.get_release("co.median").body == body2
    assert pool.get_release("co.median", 1).body == body
    assert pool.release_records("changeovers_per_yr") == [{"keys": ["x"]}]
    with pytest.raises(UnknownItemError, match=r"'co.median@7'.*versions of 'co.median': 1, 2"):
        pool.get_release("co.median", 7)
    with pytest.raises(UnknownItemError, match="no statistic of that name"):
        pool.get_release("nothing")


# ---------------------------------------------------------------- privacy ledger
def _charge(epsilon: float, pause_s: float = 0.0):
    """A spend that charges ``epsilon``, refusing to overrun the budget (as PrivacyLedger)."""

    def spend(ledger: dict[str, Any]) -> tuple[dict[str, Any], float]:
        spent = sum(e["epsilon"] for e in ledger["entries"])
        time.sleep(pause_s)  # widen the window between reading and writing the ledger
        if spent + epsilon > ledger["epsilon_total"]:
            raise StoreInputError(f"budget exceeded: {spent} spent")
        entry = {"epsilon": epsilon, "query": "q"}
        return {**ledger, "entries": [*ledger["entries"], entry]}, spent + epsilon

    return spend


def test_spending_is_persisted_and_a_failed_spend_writes_nothing(pool: ConsortiumPool) -> None:
    assert pool.spend_privacy_budget("org-a", _charge(0.4), target="q1") == pytest.approx(0.4)
    with pytest.raises(StoreInputError, match="budget exceeded"):
        pool.spend_privacy_budget("org-a", _charge(0.7), target="q2")
    ledger = pool.get_privacy_ledger("org-a")
    assert [e["epsilon"] for e in ledger["entries"]] == [0.4]
    with pytest.raises(UnknownItemError, match="no privacy budget"):
        pool.spend_privacy_budget("org-b", _charge(0.1), target="q")


def test_two_threads_cannot_both_spend_the_last_budget(store_target: StoreTarget) -> None:
    # Each thread opens its own store (its own connections) and, after a barrier, charges
    # 0.6 of a budget of 1.0, pausing between reading and writing the ledger. Without the
    # lock both would read 0 spent and both would succeed; with it exactly one does.
    with store_target.open() as store:
        ConsortiumPool(store).add_organisation("org-a", ledger=_ledger("org-a"))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def ask() -> None:
        with store_target.open() as own:
            barrier.wait()
            try:
                ConsortiumPool(own).spend_privacy_budget("org-a", _charge(0.6, pause_s=0.3),
                                                         target="q")
                outcomes.append("spent")
            except StoreInputError:
                outcomes.append("refused")

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "spent"]
    with store_target.open() as store:
        pool = ConsortiumPool(store)
        assert [e["epsilon"] for e in pool.get_privacy_ledger("org-a")["entries"]] == [0.6]
        assert pool.verify_audit_log().ok


# ---------------------------------------------------------------- audit log
def test_every_read_and_write_is_chained_in_the_audit_log(pool: ConsortiumPool) -> None:
    pool.put_submission(_submission("org-a"), organisation_id="org-a")
    pool.list_submissions("org-a")
    with pytest.raises(UnknownItemError):
        pool.get_submission("org-a", "org-b/line/L1/2024")
    pool.pool_submissions()
    entries = pool.audit_entries()
    assert [(e.actor, e.action) for e in entries] == [
        ("consortium", "organisation.add"), ("consortium", "organisation.add"),
        ("org-a", "submission.write"), ("org-a", "submission.list"),
        ("org-a", "submission.read"), ("consortium", "pool.read")]
    assert entries[4].detail == {"version": None, "found": False}
    assert [e.seq for e in entries] == list(range(1, 7))
    assert entries[0].prev_hash == GENESIS_HASH
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
    for entry in entries:
        assert entry.hash == audit_entry_hash(entry.__dict__)
    check = pool.verify_audit_log()
    assert check.ok and check.n_entries == 6 and check.head_hash == entries[-1].hash


def _tampered(store_target: StoreTarget, pool: ConsortiumPool, *statements: str) -> list[str]:
    pool.put_submission(_submission("org-a"), organisation_id="org-a")
    pool.list_submissions("org-a")
    pool.list_submissions("org-b")
    assert pool.verify_audit_log().ok
    engine = _raw(store_target)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()
    check = pool.verify_audit_log()
    assert not check.ok
    return list(check.problems)


def test_verifier_detects_an_edited_entry(store_target: StoreTarget,
                                          pool: ConsortiumPool) -> None:
    problems = _tampered(store_target, pool,
                         "UPDATE consortium_audit SET actor = 'org-b' WHERE seq = 3")
    assert problems == ["entry 3: its content does not match its hash (the entry was edited)"]


def test_verifier_detects_an_edited_detail(store_target: StoreTarget,
                                           pool: ConsortiumPool) -> None:
    problems = _tampered(store_target, pool,
                         "UPDATE consortium_audit SET detail = '{\"rows\": 0}' WHERE seq = 4")
    assert problems == ["entry 4: its content does not match its hash (the entry was edited)"]


def test_verifier_detects_a_deleted_entry(store_target: StoreTarget,
                                          pool: ConsortiumPool) -> None:
    problems = _tampered(store_target, pool, "DELETE FROM consortium_audit WHERE seq = 3")
    assert any("entry 4: expected sequence number 3" in p for p in problems)
    assert any("entry 4: prev_hash does not match" in p for p in problems)


def test_verifier_detects_reordered_entries(store_target: StoreTarget,
                                            pool: ConsortiumPool) -> None:
    problems = _tampered(store_target, pool,
                         "UPDATE consortium_audit SET seq = 100 WHERE seq = 3",
                         "UPDATE consortium_audit SET seq = 3 WHERE seq = 4",
                         "UPDATE consortium_audit SET seq = 4 WHERE seq = 100")
    assert any("entry 3: its content does not match its hash" in p for p in problems)
    assert any("prev_hash does not match" in p for p in problems)


def test_verifier_detects_a_rehashed_edit_by_the_broken_link(store_target: StoreTarget,
                                                             pool: ConsortiumPool) -> None:
    # An attacker who edits an entry and recomputes its own hash still breaks the link
    # from the entry after it.
    pool.put_submission(_submission("org-a"), organisation_id="org-a")
    pool.list_submissions("org-a")
    third = pool.audit_entries()[2]
    forged = {**third.__dict__, "actor": "org-b"}
    engine = _raw(store_target)
    with engine.begin() as conn:
        conn.execute(text("UPDATE consortium_audit SET actor = 'org-b', hash = :h "
                          "WHERE seq = 3"), {"h": audit_entry_hash(forged)})
    engine.dispose()
    check = pool.verify_audit_log()
    assert check.problems == ("entry 4: prev_hash does not match the hash of the entry "
                              "before it (an entry was deleted, inserted or moved)",)
