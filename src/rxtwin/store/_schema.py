"""Tables of the run store and the ordered migrations that build them.

The schema is written with SQLAlchemy Core so that the same definitions serve SQLite and
PostgreSQL. JSON is kept in ``Text`` columns (canonical, compact) rather than a dialect JSON
type, so a body reads back byte for byte on both back ends.

Versioning: ``meta`` holds ``schema_version``. ``MIGRATIONS[v]`` takes a database from
version ``v - 1`` to ``v``; an empty database is version 0 and runs them all in order.
When the schema changes, append ``MIGRATIONS[v + 1]`` and raise ``SCHEMA_VERSION``; never
edit an old migration. (Migration 1 builds its tables from the definitions below; the day a
later migration alters one of them, copy the version-1 definitions into migration 1 first.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    literal,
    select,
)

from rxtwin.errors import UserInputError

SCHEMA_VERSION = 4
"""Schema version written by this rxtwin; a database with a larger one is refused."""

RUN_STATUSES = ("queued", "running", "done", "failed", "interrupted")
ROLES = ("member", "researcher", "admin")
LOCAL_ORGANISATION = "local"
"""The organisation that owns what the web app's local mode (no login) makes, and every run
and scenario stored before schema version 3."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"timestamp {value!r} has no time zone; rxtwin stores UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

scenarios = Table(
    "scenarios",
    metadata,
    Column("hash", String(64), primary_key=True, comment="sha256 of canonical JSON body"),
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False, comment="1, 2, ... per name"),
    Column("body", Text, nullable=False, comment="canonical JSON"),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("name", "version", name="uq_scenarios_name_version"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    Column("scenario_hash", String(64), ForeignKey("scenarios.hash"), nullable=True),
    Column("seed_entropy", Text, nullable=True, comment="decimal; may exceed 64 bits"),
    Column("package_version", String(64), nullable=False),
    Column("parameters", Text, nullable=False, comment="canonical JSON"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("heartbeat_at", UTCDateTime, nullable=True, comment="last start or chunk"),
    Column("wall_s", Float, nullable=True),
    Column("error", Text, nullable=True),
    Column("chunks_done", Integer, nullable=False, default=0),
    Column("chunks_total", Integer, nullable=True),
    Column("owner_host", String(255), nullable=True),
    Column("owner_pid", Integer, nullable=True),
    CheckConstraint(
        "status IN ('queued', 'running', 'done', 'failed', 'interrupted')",
        name="ck_runs_status",
    ),
)

chunks = Table(
    "chunks",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("chunk_index", Integer, primary_key=True),
    Column("summary_json", Text, nullable=True),
    Column("summary_bytes", LargeBinary, nullable=True),
    Column("finished_at", UTCDateTime, nullable=False),
)

summaries = Table(
    "summaries",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("frame", Text, nullable=False, comment="DataFrame as JSON, see _frames.py"),
    Column("created_at", UTCDateTime, nullable=False),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("rel_path", Text, nullable=False, comment="Parquet file, relative to artifacts dir"),
    Column("created_at", UTCDateTime, nullable=False),
)


# -- the consortium pool (version 2) ---------------------------------------------------------
# Organisations (tenants), their versioned submissions, released statistics, each
# organisation's privacy ledger and the hash-chained audit log of every read and write of
# pooled data. Documents are canonical JSON; the store does not interpret them beyond the
# identifiers it indexes.

consortium_organisations = Table(
    "consortium_organisations",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

consortium_submissions = Table(
    "consortium_submissions",
    metadata,
    Column("organisation_id", String(100), ForeignKey("consortium_organisations.id"),
           primary_key=True),
    Column("unit_kind", String(16), primary_key=True),
    Column("unit_id", String(100), primary_key=True),
    Column("period_yr", Integer, primary_key=True),
    Column("version", Integer, primary_key=True, comment="1, 2, ... per submission key"),
    Column("body", Text, nullable=False, comment="canonical JSON of the validated submission"),
    Column("body_hash", String(64), nullable=False, comment="sha256 of body"),
    Column("created_at", UTCDateTime, nullable=False),
)

consortium_releases = Table(
    "consortium_releases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", Integer, primary_key=True, comment="1, 2, ... per name"),
    Column("field", String(200), nullable=False),
    Column("statistic", String(32), nullable=False),
    Column("method", String(16), nullable=False, comment="rules or dp"),
    Column("body", Text, nullable=False,
           comment="canonical JSON: cells (value or distribution), rules, suppression"),
    Column("records", Text, nullable=False,
           comment="canonical JSON: contributors per cell, for the differencing guard; private"),
    Column("requested_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("method IN ('rules', 'dp')", name="ck_consortium_releases_method"),
)

consortium_ledgers = Table(
    "consortium_ledgers",
    metadata,
    Column("organisation_id", String(100), ForeignKey("consortium_organisations.id"),
           primary_key=True),
    Column("ledger", Text, nullable=False, comment="canonical JSON of PrivacyLedger.to_dict"),
    Column("updated_at", UTCDateTime, nullable=False),
)

consortium_audit = Table(
    "consortium_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False, comment="1, 2, ..."),
    Column("at", String(40), nullable=False, comment="UTC, ISO 8601 with microseconds"),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", Text, nullable=False),
    Column("detail", Text, nullable=False, comment="canonical JSON"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, comment="sha256 of the entry's canonical JSON"),
)


# -- users, tokens and tenancy (version 3) ----------------------------------------------------
# Users of the web app belong to an organisation of the pool, with a role. Secrets are kept
# only as hashes: API tokens and passwords as argon2 hashes (made in rxtwin.runs.accounts),
# login cookies as SHA-256 (they are 256-bit random values). Runs and scenarios belong to
# the organisations that made them; a scenario (content-addressed) may belong to several.

users = Table(
    "users",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("organisation_id", String(100), ForeignKey("consortium_organisations.id"),
           nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=True, comment="argon2; null: no browser login"),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('member', 'researcher', 'admin')", name="ck_users_role"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("prefix", String(32), primary_key=True, comment="public part of the token"),
    Column("user_id", String(100), ForeignKey("users.id"), nullable=False),
    Column("secret_hash", Text, nullable=False, comment="argon2 hash of the whole token"),
    Column("scopes", String(64), nullable=False, comment="comma-separated: read, write, admin"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

web_logins = Table(
    "web_logins",
    metadata,
    Column("token_hash", String(64), primary_key=True, comment="sha256 of the cookie value"),
    Column("user_id", String(100), ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

run_owners = Table(
    "run_owners",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", String(100), nullable=False, index=True),
)

scenario_owners = Table(
    "scenario_owners",
    metadata,
    Column("scenario_hash", String(64), ForeignKey("scenarios.hash"), primary_key=True),
    Column("organisation_id", String(100), primary_key=True),
)


# -- failed logins (version 4) ----------------------------------------------------------------
# One row per failed browser login, found by the SHA-256 of the client's address and the
# user name tried (never either in clear), so that every process of the web app on this
# store counts the same failures, and a restart forgets none. Rows older than the counting
# window are deleted as new failures come in.

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key_hash", String(64), nullable=False, index=True,
           comment="sha256 of the client address and the user name tried"),
    Column("failed_at", UTCDateTime, nullable=False, index=True),
)

_V1_TABLES = (meta, scenarios, runs, chunks, summaries, artifacts)
_V2_TABLES = (consortium_organisations, consortium_submissions, consortium_releases,
              consortium_ledgers, consortium_audit)
_V3_TABLES = (users, api_tokens, web_logins, run_owners, scenario_owners)
_V4_TABLES = (login_failures,)


def _v1_initial(conn: Connection) -> None:
    """Version 0 (empty) -> 1: create the run store's tables."""
    metadata.create_all(conn, tables=list(_V1_TABLES))


def _v2_consortium_pool(conn: Connection) -> None:
    """Version 1 -> 2: add the consortium pool (organisations, submissions, releases,
    privacy ledgers, audit log)."""
    metadata.create_all(conn, tables=list(_V2_TABLES))


def _v3_users_and_tenancy(conn: Connection) -> None:
    """Version 2 -> 3: add users, API tokens, web logins and the owners of runs and
    scenarios; what is already stored belongs to :data:`LOCAL_ORGANISATION`."""
    metadata.create_all(conn, tables=list(_V3_TABLES))
    conn.execute(run_owners.insert().from_select(
        ["run_id", "organisation_id"],
        select(runs.c.id, literal(LOCAL_ORGANISATION))))
    conn.execute(scenario_owners.insert().from_select(
        ["scenario_hash", "organisation_id"],
        select(scenarios.c.hash, literal(LOCAL_ORGANISATION))))


def _v4_login_failures(conn: Connection) -> None:
    """Version 3 -> 4: add the failed logins, counted by every process of the web app
    (before, each process counted its own, in memory)."""
    metadata.create_all(conn, tables=list(_V4_TABLES))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _v1_initial, 2: _v2_consortium_pool, 3: _v3_users_and_tenancy, 4: _v4_login_failures}
"""``MIGRATIONS[v]`` migrates a database from schema version ``v - 1`` to ``v``."""


def read_schema_version(conn: Connection) -> int:
    """Return ``meta.schema_version``, or raise ``ValueError`` if it is missing or not an integer."""
    text = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    if text is None or not str(text).strip().lstrip("-").isdigit():
        raise UserInputError(f"meta.schema_version is {text!r}, not an integer")
    return int(text)


def write_schema_version(conn: Connection, version: int) -> None:
    """Set ``meta.schema_version`` to ``version``."""
    updated = conn.execute(
        meta.update().where(meta.c.key == "schema_version").values(value=str(version))
    ).rowcount
    if updated == 0:
        conn.execute(meta.insert().values(key="schema_version", value=str(version)))


def apply_migrations(
    conn: Connection,
    from_version: int,
    migrations: dict[int, Callable[[Connection], None]],
    to_version: int,
) -> None:
    """Run ``migrations[from_version + 1 .. to_version]`` in order on ``conn``.

    Each step records its version in ``meta``. The caller runs this inside one transaction,
    so a failing step rolls the database back to ``from_version`` (PostgreSQL and SQLite
    both have transactional DDL).
    """
    meta.create(conn, checkfirst=True)
    for version in range(from_version + 1, to_version + 1):
        if version not in migrations:
            raise KeyError(f"no migration to schema version {version}")
        migrations[version](conn)
        write_schema_version(conn, version)
