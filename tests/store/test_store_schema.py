"""Opening stores: URLs, SQLite settings, schema versions and migrations, unreadable files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.pool import NullPool

import rxtwin.store._store as store_module
from rxtwin.store import (
    LOCAL_ORGANISATION,
    SCHEMA_VERSION,
    Store,
    StoreError,
    StoreInputError,
    default_db_url,
)
from rxtwin.store._schema import (
    MIGRATIONS,
    apply_migrations,
    consortium_organisations,
    meta,
    read_schema_version,
    runs,
    scenarios,
    users,
)
from rxtwin.store._store import _resolve_url
from rxtwin.store.accounts import Accounts
from rxtwin.store.login_failures import LoginFailures

if TYPE_CHECKING:
    from conftest import StoreTarget

TABLES = {"meta", "scenarios", "runs", "chunks", "summaries", "artifacts",
          "consortium_organisations", "consortium_submissions", "consortium_releases",
          "consortium_ledgers", "consortium_audit",
          "users", "api_tokens", "web_logins", "run_owners", "scenario_owners",
          "login_failures"}
V1_TABLES = {"meta", "scenarios", "runs", "chunks", "summaries", "artifacts"}


def _raw_engine(target: StoreTarget):
    """A plain engine on the same tables, bypassing Store (to fake old or new databases)."""
    if target.backend == "sqlite":
        return create_engine(f"sqlite:///{target.url}", poolclass=NullPool)
    schema = target.options["schema"]
    return create_engine(
        target.url, poolclass=NullPool, connect_args={"options": f"-csearch_path={schema}"}
    )


def test_new_store_has_all_tables_at_current_version(store_target: StoreTarget) -> None:
    with store_target.open():
        pass
    engine = _raw_engine(store_target)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES
        assert read_schema_version(conn) == SCHEMA_VERSION == max(MIGRATIONS)
    engine.dispose()


def test_database_from_a_newer_rxtwin_is_refused(store_target: StoreTarget) -> None:
    with store_target.open():
        pass
    engine = _raw_engine(store_target)
    with engine.begin() as conn:
        conn.execute(meta.update().values(value=str(SCHEMA_VERSION + 1)))
    engine.dispose()
    with pytest.raises(
        StoreError,
        match=rf"schema version {SCHEMA_VERSION + 1}, newer than "
        rf"this rxtwin .* \({SCHEMA_VERSION}\); upgrade rxtwin",
    ):
        store_target.open()


def test_version_0_database_is_migrated(store_target: StoreTarget) -> None:
    engine = _raw_engine(store_target)
    with engine.begin() as conn:
        meta.create(conn)
        conn.execute(meta.insert().values(key="schema_version", value="0"))
    with store_target.open() as store:
        run_id = store.create_run("line.simulate", None, {}, 1)
        assert store.get_run(run_id).status == "queued"
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES
        assert read_schema_version(conn) == SCHEMA_VERSION
    engine.dispose()


NEXT = SCHEMA_VERSION + 1


def _pretend_next_version(monkeypatch: pytest.MonkeyPatch, step, calls: list[int]) -> None:
    """Make Store.open believe the current schema is ``NEXT``: the real migrations, each
    recording its version in ``calls``, then migration ``step`` on top."""

    def _recorded(version: int, migrate):
        def run(conn: Connection) -> None:
            calls.append(version)
            migrate(conn)
        return run

    steps = {v: _recorded(v, m) for v, m in MIGRATIONS.items()}
    steps[NEXT] = _recorded(NEXT, step)
    monkeypatch.setattr(store_module, "MIGRATIONS", steps)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", NEXT)


def _add_note_column(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE runs ADD COLUMN host_note TEXT"))


def test_empty_database_runs_every_migration_in_order(
    store_target: StoreTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    _pretend_next_version(monkeypatch, _add_note_column, calls)
    with store_target.open():
        pass
    assert calls == list(range(1, NEXT + 1))
    engine = _raw_engine(store_target)
    with engine.connect() as conn:
        assert read_schema_version(conn) == NEXT
        assert "host_note" in {c["name"] for c in inspect(conn).get_columns("runs")}
    engine.dispose()


def test_older_database_runs_only_the_missing_migrations(
    store_target: StoreTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store_target.open() as store:  # a real store of the current version with a run
        run_id = store.create_run("line.simulate", None, {"reps": 5}, 1)
    calls: list[int] = []
    _pretend_next_version(monkeypatch, _add_note_column, calls)
    with store_target.open() as store:
        assert store.get_run(run_id).parameters == {"reps": 5}
    assert calls == [NEXT]
    with store_target.open():  # already at NEXT: nothing runs again
        pass
    assert calls == [NEXT]


def test_failed_migration_leaves_the_database_as_it_was(
    store_target: StoreTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    def _broken(conn: Connection) -> None:
        conn.execute(text("ALTER TABLE runs ADD COLUMN half_done TEXT"))
        raise RuntimeError("migration bug")

    with store_target.open():
        pass
    _pretend_next_version(monkeypatch, _broken, [])
    with pytest.raises(RuntimeError, match="migration bug"):
        store_target.open()
    engine = _raw_engine(store_target)
    with engine.connect() as conn:
        assert read_schema_version(conn) == SCHEMA_VERSION
        assert "half_done" not in {c["name"] for c in inspect(conn).get_columns("runs")}
    engine.dispose()


def test_version_1_store_gains_the_consortium_pool_and_keeps_its_runs(
    store_target: StoreTarget,
) -> None:
    engine = _raw_engine(store_target)
    with engine.begin() as conn:  # a store as version 1 left it, holding one scenario
        apply_migrations(conn, 0, MIGRATIONS, 1)
        conn.execute(scenarios.insert().values(
            hash="a" * 64, name="base", version=1, body='{"products":24}',
            created_at=datetime.now(UTC)))
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == V1_TABLES
    engine.dispose()
    with store_target.open() as store:
        assert store.get_scenario("a" * 64) == {"products": 24}
    engine = _raw_engine(store_target)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES
        assert read_schema_version(conn) == SCHEMA_VERSION
    engine.dispose()


def test_version_2_store_gains_users_and_its_runs_belong_to_the_local_organisation(
    store_target: StoreTarget,
) -> None:
    engine = _raw_engine(store_target)
    with engine.begin() as conn:  # a store as version 2 left it: one scenario, one run
        apply_migrations(conn, 0, MIGRATIONS, 2)
        conn.execute(scenarios.insert().values(
            hash="b" * 64, name="base", version=1, body='{"products":24}',
            created_at=datetime.now(UTC)))
        conn.execute(runs.insert().values(
            id="c" * 32, kind="line.simulate", status="done", scenario_hash="b" * 64,
            package_version="0", parameters="{}", created_at=datetime.now(UTC), chunks_done=0))
    engine.dispose()
    with store_target.open() as store:
        assert store.run_organisation("c" * 32) == LOCAL_ORGANISATION
        assert store.scenario_owned("b" * 64, LOCAL_ORGANISATION)
        assert not store.scenario_owned("b" * 64, "acme")
        assert [r.id for r in store.list_runs(organisation_id="acme")] == []
        assert [r.id for r in store.list_runs(organisation_id=LOCAL_ORGANISATION)] == ["c" * 32]


def test_version_3_store_gains_login_failures_and_keeps_its_users(
    store_target: StoreTarget,
) -> None:
    engine = _raw_engine(store_target)
    with engine.begin() as conn:  # a store as version 3 left it: one user
        apply_migrations(conn, 0, MIGRATIONS, 3)
        conn.execute(consortium_organisations.insert().values(
            id="acme", name="acme", created_at=datetime.now(UTC)))
        conn.execute(users.insert().values(id="alice", organisation_id="acme", role="member",
                                           created_at=datetime.now(UTC)))
    with engine.connect() as conn:
        assert "login_failures" not in inspect(conn).get_table_names()
    engine.dispose()
    with store_target.open() as store:
        assert Accounts(store).get_user("alice").organisation_id == "acme"
        failures = LoginFailures(store)
        failures.record("f" * 64, datetime.now(UTC), forget_before=datetime(2000, 1, 1, tzinfo=UTC))
        assert failures.recent("f" * 64, datetime(2000, 1, 1, tzinfo=UTC)).count == 1
    engine = _raw_engine(store_target)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES
        assert read_schema_version(conn) == SCHEMA_VERSION == 4
    engine.dispose()


def test_apply_migrations_refuses_a_gap() -> None:
    engine = create_engine("sqlite://")
    with pytest.raises(KeyError, match="no migration to schema version 2"), engine.begin() as c:
        apply_migrations(c, 0, {1: MIGRATIONS[1], 3: MIGRATIONS[1]}, 3)


def test_database_with_foreign_tables_is_refused(store_target: StoreTarget) -> None:
    engine = _raw_engine(store_target)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"holds tables \(invoices\) but is not an rxtwin store"):
        store_target.open()


def test_create_false_refuses_to_make_a_new_store(store_target: StoreTarget) -> None:
    with pytest.raises(StoreError, match="no rxtwin store at"):
        Store.open(store_target.url, **store_target.options, create=False)
    if store_target.backend == "sqlite":
        assert not Path(store_target.url).exists()


def test_sqlite_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(
        StoreError,
        match=r"cannot open store .*notes.sqlite: file is not a "
        r"database",
    ):
        Store.open(path)


def test_sqlite_in_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "no" / "such" / "runs.sqlite")


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    with Store.open(path) as store:
        with store._engine.connect() as conn:  # the store's own connections
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            with pytest.raises(Exception, match="FOREIGN KEY"):
                conn.exec_driver_sql(
                    "INSERT INTO chunks (run_id, chunk_index, finished_at) "
                    "VALUES ('ghost', 0, '2024-01-01')"
                )
    with sqlite3.connect(path) as raw:  # WAL is a property of the file
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u:pw@h/db", "postgresql+psycopg://u:pw@h/db"),
    ],
)
def test_postgres_urls_are_read_with_psycopg(given: str, expected: str) -> None:
    assert _resolve_url(given).render_as_string(hide_password=False) == expected


def test_paths_become_absolute_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _resolve_url("runs.sqlite").database == str(tmp_path / "runs.sqlite")
    assert _resolve_url(f"sqlite:///{tmp_path}/x.db").database == str(tmp_path / "x.db")


@pytest.mark.parametrize(
    ("given", "needle"),
    [("mysql://u@h/db", "not supported"), ("sqlite://", "in-memory"), ("", "empty")],
)
def test_unsupported_locations_are_refused(given: str, needle: str) -> None:
    with pytest.raises(StoreInputError, match=needle):
        Store.open(given)


def test_schema_option_is_for_postgres_only(tmp_path: Path) -> None:
    with pytest.raises(StoreInputError, match="PostgreSQL only"):
        Store.open(tmp_path / "a.sqlite", schema="x")


@pytest.mark.postgres
def test_bad_schema_name_is_refused(pg_url: str) -> None:
    with pytest.raises(StoreInputError, match="schema 'x; drop' is not allowed"):
        Store.open(pg_url, schema="x; drop")


def test_unreachable_postgres_is_a_clear_error() -> None:
    # port 1 on loopback: nothing listens there
    url = "postgresql://nobody:secret@127.0.0.1:1/db?connect_timeout=2"
    with pytest.raises(StoreError, match="cannot open store postgresql") as caught:
        Store.open(url)
    assert "secret" not in str(caught.value)


def test_default_db_url_prefers_env_then_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RXTWIN_DB", raising=False)
    assert default_db_url() == str(tmp_path / "rxtwin.sqlite")
    monkeypatch.setenv("RXTWIN_DB", "postgresql://u@h/db")
    assert default_db_url() == "postgresql://u@h/db"
