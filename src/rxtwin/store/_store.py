"""The run store: scenarios, runs, chunk summaries, summary tables and Parquet artifacts.

One class, :class:`Store`, opened with :meth:`Store.open` and passed explicitly to whatever
needs it. SQLite (a file, WAL mode) by default; PostgreSQL when given a URL. Every write is
one short transaction, retried when the database is momentarily locked, so a crash loses at
most the chunk in flight and concurrent writers lose nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import URL, Connection, Engine, create_engine, event, func, inspect, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from rxtwin import __version__
from rxtwin.errors import UserInputError
from rxtwin.model.scenario import canonical_json
from rxtwin.store._frames import frame_from_json, frame_to_json
from rxtwin.store._schema import (
    LOCAL_ORGANISATION,
    MIGRATIONS,
    RUN_STATUSES,
    SCHEMA_VERSION,
    apply_migrations,
    artifacts,
    chunks,
    read_schema_version,
    run_owners,
    runs,
    scenario_owners,
    scenarios,
    summaries,
)
from rxtwin.store.errors import (
    StoreError,
    StoreInputError,
    UnknownItemError,
    UnknownRunError,
    UnknownScenarioError,
)

T = TypeVar("T")

DB_ENV = "RXTWIN_DB"
ARTIFACTS_ENV = "RXTWIN_ARTIFACTS_DIR"
DEFAULT_DB_FILE = "rxtwin.sqlite"
DEFAULT_PG_ARTIFACTS_DIR = Path("~/.rxtwin/artifacts")

# Engineering settings, not model parameters: how long SQLite waits for a lock, and how
# often a write that still found the database locked (or hit a PostgreSQL serialization
# failure or a race on a unique key) is retried, with exponential back-off up to 1 s.
SQLITE_BUSY_TIMEOUT_S = 30.0
WRITE_ATTEMPTS = 25
BACKOFF_FIRST_S = 0.02
BACKOFF_MAX_S = 1.0

_NAME_RULE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")
_SCHEMA_RULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_MIGRATION_LOCK_KEY = 0x72787477696E  # "rxtwin": pg advisory lock held while migrating


def default_db_url() -> str:
    """Return the store to use when none is given.

    Returns
    -------
    str
        The environment variable ``RXTWIN_DB`` if set and non-empty, else the path of
        ``rxtwin.sqlite`` in the current folder. Either can be passed to :meth:`Store.open`.
    """
    from_env = os.environ.get(DB_ENV, "").strip()
    return from_env or str(Path.cwd() / DEFAULT_DB_FILE)


def _refuse_non_finite(token: str) -> float:
    raise UserInputError(f"{token} is not a JSON number")


def _canonical(value: Any, what: str) -> str:
    """Return ``value`` as canonical JSON (:func:`rxtwin.model.scenario.canonical_json`).

    Raises :class:`StoreInputError` naming ``what`` when ``value`` would not read back
    unchanged (non-string keys, tuples, NaN or infinity, objects JSON cannot hold).
    """
    try:
        textual = canonical_json(value)
        textual.encode("utf-8")
        unchanged = json.loads(textual, parse_constant=_refuse_non_finite) == value
    except (TypeError, ValueError) as error:
        raise StoreInputError(f"{what} is not plain JSON: {error}") from None
    if not unchanged:
        raise StoreInputError(
            f"{what} does not read back unchanged from JSON "
            "(dict keys must be str, sequences must be lists)"
        )
    return textual


@dataclass(frozen=True)
class ScenarioInfo:
    """One stored scenario, without its body (see :meth:`Store.get_scenario`)."""

    hash: str
    name: str
    version: int
    created_at: datetime


@dataclass(frozen=True)
class RunRecord:
    """One run as stored (see :meth:`Store.get_run`). Timestamps are UTC-aware.

    ``seed_entropy`` is the ``SeedSequence`` entropy given to :meth:`Store.create_run`;
    ``parameters`` the run's parameters; ``chunks_done``/``chunks_total`` its progress
    (total None when not declared); ``heartbeat_at`` the last start or recorded chunk;
    ``owner_host``/``owner_pid`` the process that last started it; ``wall_s`` [s] the
    wall-clock time given to :meth:`Store.finish_run`; ``error`` the failure or
    interruption message.
    """

    id: str
    kind: str
    status: str
    scenario_hash: str | None
    seed_entropy: int | None
    package_version: str
    parameters: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    wall_s: float | None
    error: str | None
    chunks_done: int
    chunks_total: int | None
    owner_host: str | None
    owner_pid: int | None


def _now() -> datetime:
    return datetime.now(UTC)


def _new_run_id() -> str:
    """32 hex digits: milliseconds since the epoch, then 80 random bits (sorts by creation)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not _NAME_RULE.match(name):
        raise StoreInputError(
            f"{what} {name!r} is not allowed: use 1-100 letters, digits, '_', '-' or '.', "
            "not starting with '.' or '-'"
        )
    return name


def _check_text(value: object, what: str, max_len: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise StoreInputError(
            f"{what} must be a non-empty str of at most {max_len} characters, got {value!r}"
        )
    return value


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (assumed alive where we cannot tell)."""
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_transient(error: sa_exc.DBAPIError) -> bool:
    message = str(error.orig).lower()
    if "database is locked" in message or "database is busy" in message:
        return True
    return getattr(error.orig, "sqlstate", None) in {"40001", "40P01"}


def _resolve_url(url_or_path: str | os.PathLike[str]) -> URL:
    textual = os.fspath(url_or_path)
    if "://" not in textual:
        if not textual.strip():
            raise StoreInputError("database path is empty")
        path = Path(textual).expanduser().resolve()
        return URL.create("sqlite+pysqlite", database=str(path))
    try:
        url = make_url(textual)
    except sa_exc.ArgumentError as error:
        raise StoreInputError(f"cannot parse database URL {textual!r}: {error}") from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if "+" not in url.drivername or backend == "postgres":
            url = url.set(drivername="postgresql+psycopg")
        return url
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise StoreInputError("an in-memory SQLite store is not supported; give a file path")
        return url.set(database=str(Path(url.database).expanduser().resolve()))
    raise StoreInputError(
        f"database URL scheme {url.drivername!r} is not supported; "
        "give a SQLite file path or a postgresql:// URL"
    )


class Store:
    """Persistent registry of scenarios, runs and their results.

    Open with :meth:`Store.open` and close with :meth:`close` (or use ``with``). A ``Store``
    is not shared across processes: each process opens its own (pickling a ``Store``, e.g. to
    send it to a spawned worker, reopens it there from its URL).
    """

    def __init__(self, engine: Engine, url: URL, artifacts_dir: Path, open_args: dict[str, Any]):
        """Use :meth:`Store.open`; this only wires an engine that is ready."""
        self._engine = engine
        self._write_engine = engine.execution_options(rxtwin_begin="IMMEDIATE")
        self._url = url
        self._artifacts_dir = artifacts_dir
        self._open_args = open_args
        self._is_sqlite = url.get_backend_name() == "sqlite"

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        url_or_path: str | os.PathLike[str],
        *,
        schema: str | None = None,
        artifacts_dir: str | os.PathLike[str] | None = None,
        connect_args: Mapping[str, Any] | None = None,
        create: bool = True,
    ) -> Store:
        """Open (and if needed create or migrate) a store.

        Parameters
        ----------
        url_or_path
            A SQLite file path (``runs.sqlite``), a ``sqlite:///`` URL, or a PostgreSQL URL
            (``postgresql+psycopg://user@host/db``; ``postgresql://`` is read as psycopg).
        schema
            PostgreSQL only: keep the tables in this schema (created if missing) by setting
            the connection's ``search_path``. Lets several stores share one database.
        artifacts_dir
            Folder for Parquet artifacts. Default for SQLite: ``<db file>.artifacts/`` beside
            the database; for PostgreSQL: env ``RXTWIN_ARTIFACTS_DIR``, else
            ``~/.rxtwin/artifacts``.
        connect_args
            Extra keyword arguments for the database driver's ``connect``.
        create
            If false, refuse to create a new store where none exists.

        Raises
        ------
        StoreError
            The database cannot be reached or read, is not an rxtwin store, or was written by
            a newer rxtwin (schema version above ``SCHEMA_VERSION``).
        """
        url = _resolve_url(url_or_path)
        is_sqlite = url.get_backend_name() == "sqlite"
        args = dict(connect_args or {})
        if is_sqlite:
            if schema is not None:
                raise StoreInputError("schema applies to PostgreSQL only, not to SQLite")
            db_path = Path(str(url.database))
            if not db_path.parent.is_dir():
                raise StoreError(
                    f"cannot open store {db_path}: folder {db_path.parent} does not exist"
                )
            if not create and not db_path.exists():
                raise StoreError(f"no rxtwin store at {db_path}")
            args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
            default_artifacts = db_path.with_name(db_path.name + ".artifacts")
        else:
            if schema is not None:
                if not _SCHEMA_RULE.match(schema):
                    raise StoreInputError(
                        f"schema {schema!r} is not allowed: use letters, digits and '_', "
                        "starting with a letter or '_', at most 63 characters"
                    )
                search_path = f"-csearch_path={schema}"
                args["options"] = (
                    f"{args['options']} {search_path}".strip()
                    if ("options" in args)
                    else search_path
                )
            default_artifacts = Path(os.environ.get(ARTIFACTS_ENV, "") or DEFAULT_PG_ARTIFACTS_DIR)
        root = Path(artifacts_dir) if artifacts_dir is not None else default_artifacts
        engine = create_engine(url, connect_args=args, pool_pre_ping=not is_sqlite)
        if is_sqlite:
            _install_sqlite_hooks(engine)
        open_args = {
            "schema": schema,
            "artifacts_dir": artifacts_dir,
            "connect_args": connect_args,
            "create": create,
        }
        store = cls(engine, url, root.expanduser().resolve(), open_args)
        try:
            if schema is not None:
                store._create_pg_schema(schema)
            store._prepare_schema(create)
        except BaseException:
            engine.dispose()
            raise
        return store

    def _create_pg_schema(self, schema: str) -> None:
        with self._database_errors("open"), self._engine.begin() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                {"s": schema},
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))

    def _prepare_schema(self, create: bool) -> None:
        def work(conn: Connection) -> None:
            if not self._is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            tables = set(inspect(conn).get_table_names())
            if "meta" not in tables:
                if tables:
                    listed = ", ".join(sorted(tables)[:5])
                    raise StoreError(
                        f"{self.display_url} holds tables ({listed}) but is not "
                        "an rxtwin store (no 'meta' table)"
                    )
                if not create:
                    raise StoreError(f"no rxtwin store at {self.display_url}")
                version = 0
            else:
                try:
                    version = read_schema_version(conn)
                except ValueError as error:
                    raise StoreError(
                        f"{self.display_url} is not a readable rxtwin store: {error}"
                    ) from None
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.display_url} has store schema version {version}, newer than this "
                    f"rxtwin {__version__} understands ({SCHEMA_VERSION}); upgrade rxtwin"
                )
            if version < SCHEMA_VERSION:
                apply_migrations(conn, version, MIGRATIONS, SCHEMA_VERSION)

        with self._database_errors("open"):
            self._write(work)

    # ------------------------------------------------------------------ plumbing
    @property
    def display_url(self) -> str:
        """Where the store lives, for messages: the SQLite path, or the URL without password."""
        if self._is_sqlite:
            return str(self._url.database)
        shown = self._url.render_as_string(hide_password=True)
        schema = self._open_args.get("schema")
        return f"{shown} (schema {schema})" if schema else shown

    @property
    def artifacts_dir(self) -> Path:
        """Folder holding this store's Parquet artifacts (created on first write)."""
        return self._artifacts_dir

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._url.get_backend_name()

    def close(self) -> None:
        """Release all database connections. The store cannot be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def __reduce__(self) -> tuple[Callable[..., Store], tuple[Any, ...]]:
        url = self._url.render_as_string(hide_password=False)
        return (_reopen, (url, self._open_args))

    @contextmanager
    def _database_errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sa_exc.DBAPIError as error:
            cause = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise StoreError(f"cannot {action} store {self.display_url}: {cause}") from error

    def _write(self, work: Callable[[Connection], T], *, retry_conflicts: bool = False) -> T:
        """Run ``work`` in one write transaction, retrying while the database is busy.

        With ``retry_conflicts`` a unique-key race (another writer inserted the same row
        first) is retried too; ``work`` must then check for the row before inserting.
        """
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self._write_engine.begin() as conn:
                    return work(conn)
            except sa_exc.DBAPIError as error:
                conflict = retry_conflicts and isinstance(error, sa_exc.IntegrityError)
                if not (conflict or _is_transient(error)) or attempt == WRITE_ATTEMPTS - 1:
                    raise
            time.sleep(random.uniform(0.5, 1.0) * min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt))
        raise AssertionError("unreachable")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            yield conn

    def _run_status(self, conn: Connection, run_id: str, *, lock: bool = False) -> str:
        query = select(runs.c.status).where(runs.c.id == run_id)
        status = conn.execute(query.with_for_update() if lock else query).scalar()
        if status is None:
            raise UnknownRunError(f"no run with id {run_id!r} in {self.display_url}")
        return status

    def _transition(
        self, conn: Connection, run_id: str, allowed: tuple[str, ...], action: str, **values: Any
    ) -> None:
        """Set ``values`` on the run if its status is in ``allowed``; else explain why not."""
        updated = conn.execute(
            runs.update().where(runs.c.id == run_id, runs.c.status.in_(allowed)).values(**values)
        ).rowcount
        if updated != 1:
            status = self._run_status(conn, run_id)
            raise StoreError(
                f"cannot {action} run {run_id}: it is {status!r}, "
                f"expected one of {', '.join(allowed)}"
            )

    # ------------------------------------------------------------------ scenarios
    def put_scenario(self, body: Mapping[str, Any], name: str, *,
                     organisation_id: str = LOCAL_ORGANISATION) -> str:
        """Store a scenario body under ``name`` for ``organisation_id`` and return its
        content hash.

        The hash is the sha256 of the body's canonical JSON (sorted keys, no whitespace), so
        equal content always gets the same hash. Storing content that is already stored is a
        no-op that returns the existing hash (under whatever name it was first stored).
        New content under an existing name gets the next version number (1, 2, ...).
        The organisation becomes one of the scenario's owners (content stored by several
        organisations belongs to each of them).

        Raises
        ------
        StoreInputError
            ``body`` is not a dict that JSON holds unchanged, or ``name`` is empty.
        """
        if not isinstance(body, dict):
            raise StoreInputError(f"scenario body must be a dict, got {type(body).__name__}")
        _check_text(name, "scenario name", 200)
        textual = _canonical(body, "scenario body")
        digest = hashlib.sha256(textual.encode("utf-8")).hexdigest()

        _check_name(organisation_id, "organisation id")

        def own(conn: Connection) -> None:
            if not conn.execute(select(scenario_owners.c.scenario_hash).where(
                    scenario_owners.c.scenario_hash == digest,
                    scenario_owners.c.organisation_id == organisation_id)).first():
                conn.execute(scenario_owners.insert().values(
                    scenario_hash=digest, organisation_id=organisation_id))

        def work(conn: Connection) -> str:
            if conn.execute(select(scenarios.c.hash).where(scenarios.c.hash == digest)).first():
                own(conn)
                return digest
            latest = conn.execute(
                select(func.max(scenarios.c.version)).where(scenarios.c.name == name)
            ).scalar()
            conn.execute(
                scenarios.insert().values(
                    hash=digest,
                    name=name,
                    version=(latest or 0) + 1,
                    body=textual,
                    created_at=_now(),
                )
            )
            own(conn)
            return digest

        return self._write(work, retry_conflicts=True)

    def get_scenario(self, scenario_hash: str) -> dict[str, Any]:
        """Return the body stored under ``scenario_hash`` (equal to the dict that was put).

        Raises :class:`UnknownScenarioError` (a ``KeyError``) for an unknown hash.
        """
        with self._read() as conn:
            body = conn.execute(
                select(scenarios.c.body).where(scenarios.c.hash == scenario_hash)
            ).scalar()
        if body is None:
            raise UnknownScenarioError(
                f"no scenario with hash {scenario_hash!r} in {self.display_url}"
            )
        return json.loads(body)

    def list_scenarios(self, *, organisation_id: str | None = None) -> list[ScenarioInfo]:
        """Return every stored scenario (hash, name, version, created_at) by name and version;
        with ``organisation_id``, only the scenarios that organisation owns."""
        query = select(
            scenarios.c.hash, scenarios.c.name, scenarios.c.version, scenarios.c.created_at
        ).order_by(scenarios.c.name, scenarios.c.version)
        if organisation_id is not None:
            query = query.where(scenarios.c.hash.in_(
                select(scenario_owners.c.scenario_hash).where(
                    scenario_owners.c.organisation_id == organisation_id)))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [ScenarioInfo(*row) for row in rows]

    # ------------------------------------------------------------------ runs
    def create_run(
        self,
        kind: str,
        scenario_hash: str | None,
        params: Mapping[str, Any],
        seed_entropy: int | None,
        *,
        n_chunks: int | None = None,
        organisation_id: str = LOCAL_ORGANISATION,
    ) -> str:
        """Register a new run of ``organisation_id`` in status ``queued`` and return its id.

        Parameters
        ----------
        kind
            What runs, e.g. ``"line.simulate"``.
        scenario_hash
            Hash from :meth:`put_scenario`, or None for a run without a scenario.
        params
            The run's parameters (plain JSON dict), stored canonically.
        seed_entropy
            ``numpy.random.SeedSequence(...).entropy`` (non-negative int of any size, stored
            as decimal text), or None for a deterministic run.
        n_chunks
            Number of chunks the run will record, if known (progress total).

        Returns
        -------
        str
            32 hex digits that sort by creation time.
        """
        _check_text(kind, "run kind", 100)
        if not isinstance(params, dict):
            raise StoreInputError(f"run params must be a dict, got {type(params).__name__}")
        params_json = _canonical(params, "run params")
        if seed_entropy is not None and (
            isinstance(seed_entropy, bool) or not isinstance(seed_entropy, int) or seed_entropy < 0
        ):
            raise StoreInputError(
                f"seed_entropy must be a non-negative int or None, got {seed_entropy!r}"
            )
        if n_chunks is not None and (
            isinstance(n_chunks, bool) or not isinstance(n_chunks, int) or n_chunks < 1
        ):
            raise StoreInputError(f"n_chunks must be a positive int or None, got {n_chunks!r}")
        _check_name(organisation_id, "organisation id")
        run_id = _new_run_id()

        def work(conn: Connection) -> str:
            if (
                scenario_hash is not None
                and not conn.execute(
                    select(scenarios.c.hash).where(scenarios.c.hash == scenario_hash)
                ).first()
            ):
                raise UnknownScenarioError(
                    f"no scenario with hash {scenario_hash!r} in {self.display_url}"
                )
            conn.execute(
                runs.insert().values(
                    id=run_id,
                    kind=kind,
                    status="queued",
                    scenario_hash=scenario_hash,
                    seed_entropy=None if seed_entropy is None else str(seed_entropy),
                    package_version=__version__,
                    parameters=params_json,
                    created_at=_now(),
                    chunks_done=0,
                    chunks_total=n_chunks,
                )
            )
            conn.execute(run_owners.insert().values(run_id=run_id,
                                                    organisation_id=organisation_id))
            return run_id

        return self._write(work)

    def run_organisation(self, run_id: str) -> str | None:
        """The organisation that owns a run, or None when there is no such run."""
        with self._read() as conn:
            return conn.execute(select(run_owners.c.organisation_id).where(
                run_owners.c.run_id == run_id)).scalar()

    def scenario_owned(self, scenario_hash: str, organisation_id: str) -> bool:
        """Whether ``organisation_id`` owns the scenario stored under ``scenario_hash``
        (False for an unknown hash: the two are not told apart)."""
        with self._read() as conn:
            return conn.execute(select(scenario_owners.c.scenario_hash).where(
                scenario_owners.c.scenario_hash == scenario_hash,
                scenario_owners.c.organisation_id == organisation_id)).first() is not None

    def start_run(self, run_id: str) -> None:
        """Mark a run ``running`` and owned by this process.

        Allowed from ``queued``, and from ``interrupted`` or ``failed`` to resume (chunks
        already recorded stay; see :meth:`done_chunk_indices`). ``started_at`` keeps the
        first start; the error message of an earlier attempt is cleared.
        """
        now = _now()

        def work(conn: Connection) -> None:
            started = conn.execute(select(runs.c.started_at).where(runs.c.id == run_id)).scalar()
            self._transition(
                conn,
                run_id,
                ("queued", "interrupted", "failed"),
                "start",
                status="running",
                started_at=started or now,
                heartbeat_at=now,
                finished_at=None,
                error=None,
                owner_host=socket.gethostname(),
                owner_pid=os.getpid(),
            )

        self._write(work)

    def record_chunk(self, run_id: str, index: int, summary: dict[str, Any] | bytes) -> bool:
        """Record the summary of finished chunk ``index`` of a running run.

        One transaction stores the summary and advances the run's progress, so a crash
        either keeps both or neither. Idempotent per index: recording an index that is
        already stored changes nothing (the first summary is kept).

        Parameters
        ----------
        summary
            A plain JSON dict, or bytes (e.g. a serialised sketch) stored as they are.

        Returns
        -------
        bool
            True if stored now, False if the index was already recorded.
        """
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise StoreInputError(f"chunk index must be a non-negative int, got {index!r}")
        if isinstance(summary, bytes | bytearray | memoryview):
            summary_json, summary_bytes = None, bytes(summary)
        elif isinstance(summary, dict):
            summary_json, summary_bytes = _canonical(summary, "chunk summary"), None
        else:
            raise StoreInputError(
                f"chunk summary must be a dict or bytes, got {type(summary).__name__}"
            )

        def work(conn: Connection) -> bool:
            row = conn.execute(
                select(runs.c.status, runs.c.chunks_total)
                .where(runs.c.id == run_id)
                .with_for_update()
            ).first()
            if row is None:
                raise UnknownRunError(f"no run with id {run_id!r} in {self.display_url}")
            status, total = row
            if status != "running":
                raise StoreError(
                    f"cannot record chunk {index} of run {run_id}: it is "
                    f"{status!r}, not 'running' (call start_run first)"
                )
            if total is not None and index >= total:
                raise StoreInputError(
                    f"chunk index {index} is out of range for run {run_id} with {total} chunks"
                )
            if conn.execute(
                select(chunks.c.chunk_index).where(
                    chunks.c.run_id == run_id, chunks.c.chunk_index == index
                )
            ).first():
                return False
            now = _now()
            conn.execute(
                chunks.insert().values(
                    run_id=run_id,
                    chunk_index=index,
                    summary_json=summary_json,
                    summary_bytes=summary_bytes,
                    finished_at=now,
                )
            )
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(chunks_done=runs.c.chunks_done + 1, heartbeat_at=now)
            )
            return True

        return self._write(work, retry_conflicts=True)

    def done_chunk_indices(self, run_id: str) -> set[int]:
        """Return the indices of the chunks recorded for a run: the work a resume skips."""
        with self._read() as conn:
            self._run_status(conn, run_id)
            rows = conn.execute(select(chunks.c.chunk_index).where(chunks.c.run_id == run_id))
            return {row[0] for row in rows}

    def chunk_summaries(self, run_id: str) -> dict[int, dict[str, Any] | bytes]:
        """Return every recorded chunk summary of a run, keyed by chunk index (ascending)."""
        with self._read() as conn:
            self._run_status(conn, run_id)
            rows = conn.execute(
                select(chunks.c.chunk_index, chunks.c.summary_json, chunks.c.summary_bytes)
                .where(chunks.c.run_id == run_id)
                .order_by(chunks.c.chunk_index)
            ).all()
        return {index: json.loads(js) if js is not None else bytes(raw) for index, js, raw in rows}

    def finish_run(self, run_id: str, wall_s: float) -> None:
        """Mark a running run ``done`` after ``wall_s`` [s] of wall-clock time.

        Refused if the run declared ``n_chunks`` and fewer chunks are recorded.
        """
        if (
            isinstance(wall_s, bool)
            or not isinstance(wall_s, int | float)
            or not (math.isfinite(wall_s) and wall_s >= 0)
        ):
            raise StoreInputError(f"wall_s must be a finite number >= 0, got {wall_s!r}")

        def work(conn: Connection) -> None:
            done, total = conn.execute(
                select(runs.c.chunks_done, runs.c.chunks_total).where(runs.c.id == run_id)
            ).first() or (None, None)
            if total is not None and done < total:
                raise StoreError(f"cannot finish run {run_id}: {done} of {total} chunks recorded")
            self._transition(
                conn,
                run_id,
                ("running",),
                "finish",
                status="done",
                finished_at=_now(),
                wall_s=float(wall_s),
            )

        self._write(work)

    def fail_run(self, run_id: str, message: str) -> None:
        """Mark a run ``failed`` with an error message (any status but ``done``)."""
        if not isinstance(message, str):
            raise StoreInputError(f"failure message must be a str, got {type(message).__name__}")
        self._write(
            lambda conn: self._transition(
                conn,
                run_id,
                ("queued", "running", "interrupted", "failed"),
                "fail",
                status="failed",
                finished_at=_now(),
                error=message,
            )
        )

    def mark_interrupted_runs(
        self, *, stale_after_s: float | None = None, run_ids: Collection[str] | None = None
    ) -> list[str]:
        """Mark runs left ``running`` by a process that is gone as ``interrupted``.

        A running run counts as abandoned when it was started on this host by a process
        that no longer exists, or, if ``stale_after_s`` [s] is given, when it has not
        recorded a chunk (or started) for that long, whatever host ran it (use this for
        runs from other machines). ``run_ids`` limits the check to those runs (a server
        leaves out the runs it is executing itself). Interrupted runs resume with
        :meth:`start_run`.

        Returns
        -------
        list of str
            Ids of the runs marked now.
        """
        if stale_after_s is not None and not stale_after_s >= 0:
            raise StoreInputError(f"stale_after_s must be >= 0 or None, got {stale_after_s!r}")
        host, now = socket.gethostname(), _now()

        def work(conn: Connection) -> list[str]:
            rows = conn.execute(
                select(runs.c.id, runs.c.owner_host, runs.c.owner_pid, runs.c.heartbeat_at)
                .where(runs.c.status == "running")
                .with_for_update()
            ).all()
            if run_ids is not None:
                wanted = set(run_ids)
                rows = [row for row in rows if row[0] in wanted]
            marked = []
            for run_id, owner_host, owner_pid, heartbeat_at in rows:
                if owner_host == host and owner_pid is not None and not _process_alive(owner_pid):
                    reason = f"process {owner_pid} on {host} ended before the run finished"
                elif stale_after_s is not None and (
                    heartbeat_at is None or now - heartbeat_at >= timedelta(seconds=stale_after_s)
                ):
                    reason = f"no progress for at least {stale_after_s:g} s"
                else:
                    continue
                conn.execute(
                    runs.update()
                    .where(runs.c.id == run_id, runs.c.status == "running")
                    .values(status="interrupted", error=f"interrupted: {reason}")
                )
                marked.append(run_id)
            return marked

        return self._write(work)

    def get_run(self, run_id: str) -> RunRecord:
        """Return a run's record; :class:`UnknownRunError` (a ``KeyError``) if unknown."""
        with self._read() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        if row is None:
            raise UnknownRunError(f"no run with id {run_id!r} in {self.display_url}")
        return _run_record(row)

    def list_runs(
        self, kind: str | None = None, status: str | None = None, limit: int = 50, *,
        organisation_id: str | None = None,
    ) -> list[RunRecord]:
        """Return up to ``limit`` runs, newest first, optionally only one kind and/or status,
        and only those of one organisation."""
        if status is not None and status not in RUN_STATUSES:
            raise StoreInputError(f"run status {status!r} is not one of {', '.join(RUN_STATUSES)}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise StoreInputError(f"limit must be a positive int, got {limit!r}")
        query = select(runs).order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(limit)
        if kind is not None:
            query = query.where(runs.c.kind == kind)
        if status is not None:
            query = query.where(runs.c.status == status)
        if organisation_id is not None:
            query = query.where(runs.c.id.in_(select(run_owners.c.run_id).where(
                run_owners.c.organisation_id == organisation_id)))
        with self._read() as conn:
            return [_run_record(row) for row in conn.execute(query).mappings()]

    def delete_run(self, run_id: str, *, force: bool = False) -> None:
        """Delete a run, its chunks, summaries and artifact rows, then its artifact files.

        A ``running`` run is refused unless ``force`` (its process may still be writing).
        Raises :class:`UnknownRunError` (a ``KeyError``) for an unknown id.
        """

        def work(conn: Connection) -> None:
            status = self._run_status(conn, run_id, lock=True)
            if status == "running" and not force:
                raise StoreError(
                    f"run {run_id} is running and its process may still write to "
                    "it; stop it first, or force the deletion"
                )
            for table in (chunks, summaries, artifacts, run_owners):
                conn.execute(table.delete().where(table.c.run_id == run_id))
            conn.execute(runs.delete().where(runs.c.id == run_id))

        self._write(work)
        shutil.rmtree(self._artifacts_dir / run_id, ignore_errors=True)

    # ------------------------------------------------------------------ summaries
    def put_summary(self, run_id: str, name: str, frame: pd.DataFrame) -> None:
        """Store a small result table for a run under ``name`` (replacing one of that name).

        Kept as JSON in the database; reads back equal, dtypes included (bool, int, float,
        str, nullable pandas dtypes, datetime64). See ``rxtwin/store/_frames.py``.
        """
        _check_name(name, "summary name")
        frame_json = frame_to_json(frame, f"summary {name!r}")

        def work(conn: Connection) -> None:
            self._run_status(conn, run_id)
            conn.execute(
                summaries.delete().where(summaries.c.run_id == run_id, summaries.c.name == name)
            )
            conn.execute(
                summaries.insert().values(
                    run_id=run_id, name=name, frame=frame_json, created_at=_now()
                )
            )

        self._write(work, retry_conflicts=True)

    def get_summary(self, run_id: str, name: str) -> pd.DataFrame:
        """Return the table stored by :meth:`put_summary`."""
        with self._read() as conn:
            self._run_status(conn, run_id)
            frame_json = conn.execute(
                select(summaries.c.frame).where(
                    summaries.c.run_id == run_id, summaries.c.name == name
                )
            ).scalar()
        if frame_json is None:
            raise UnknownItemError(f"run {run_id} has no summary named {name!r}")
        return frame_from_json(frame_json)

    def list_summaries(self, run_id: str) -> list[str]:
        """Return the names of a run's summary tables, sorted."""
        return self._names(summaries, run_id)

    # ------------------------------------------------------------------ artifacts
    def put_array(self, run_id: str, name: str, data: pd.DataFrame | pa.Table) -> Path:
        """Write a large table for a run as Parquet and register it; return the file's path.

        The file is ``<artifacts_dir>/<run_id>/<name>.parquet``, written to a temporary name
        and renamed, so a reader never sees half a file. Replaces an artifact of that name.
        """
        _check_name(name, "artifact name")
        if isinstance(data, pd.DataFrame):
            table = pa.Table.from_pandas(data)
        elif isinstance(data, pa.Table):
            table = data
        else:
            raise StoreInputError(
                f"artifact {name!r} must be a pandas DataFrame or a pyarrow "
                f"Table, got {type(data).__name__}"
            )
        with self._read() as conn:
            self._run_status(conn, run_id)
        rel_path = f"{run_id}/{name}.parquet"
        path = self._artifacts_dir / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        try:
            pq.write_table(table, partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

        def work(conn: Connection) -> None:
            self._run_status(conn, run_id)
            conn.execute(
                artifacts.delete().where(artifacts.c.run_id == run_id, artifacts.c.name == name)
            )
            conn.execute(
                artifacts.insert().values(
                    run_id=run_id, name=name, rel_path=rel_path, created_at=_now()
                )
            )

        self._write(work, retry_conflicts=True)
        return path

    def get_table(self, run_id: str, name: str) -> pa.Table:
        """Return an artifact as a pyarrow Table."""
        return pq.read_table(self.array_path(run_id, name))

    def get_array(self, run_id: str, name: str) -> pd.DataFrame:
        """Return an artifact as a pandas DataFrame (equal to the one given to put_array)."""
        return self.get_table(run_id, name).to_pandas()

    def array_path(self, run_id: str, name: str) -> Path:
        """Return the absolute path of an artifact's Parquet file."""
        with self._read() as conn:
            self._run_status(conn, run_id)
            rel_path = conn.execute(
                select(artifacts.c.rel_path).where(
                    artifacts.c.run_id == run_id, artifacts.c.name == name
                )
            ).scalar()
        if rel_path is None:
            raise UnknownItemError(f"run {run_id} has no artifact named {name!r}")
        path = self._artifacts_dir / rel_path
        if not path.is_file():
            raise StoreError(
                f"artifact {name!r} of run {run_id} is registered but its file {path} is missing"
            )
        return path

    def list_arrays(self, run_id: str) -> list[str]:
        """Return the names of a run's artifacts, sorted."""
        return self._names(artifacts, run_id)

    def _names(self, table: Any, run_id: str) -> list[str]:
        with self._read() as conn:
            self._run_status(conn, run_id)
            rows = conn.execute(
                select(table.c.name).where(table.c.run_id == run_id).order_by(table.c.name)
            )
            return [row[0] for row in rows]


def _run_record(row: Mapping[str, Any]) -> RunRecord:
    return RunRecord(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        scenario_hash=row["scenario_hash"],
        seed_entropy=None if row["seed_entropy"] is None else int(row["seed_entropy"]),
        package_version=row["package_version"],
        parameters=json.loads(row["parameters"]),
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        heartbeat_at=row["heartbeat_at"],
        wall_s=row["wall_s"],
        error=row["error"],
        chunks_done=row["chunks_done"],
        chunks_total=row["chunks_total"],
        owner_host=row["owner_host"],
        owner_pid=row["owner_pid"],
    )


def _reopen(url: str, open_args: dict[str, Any]) -> Store:
    return Store.open(url, **open_args)


def _install_sqlite_hooks(engine: Engine) -> None:
    """WAL, busy timeout and foreign keys on every connection; explicit BEGIN [IMMEDIATE].

    pysqlite's own transaction handling is switched off (``isolation_level = None``) so that
    SQLAlchemy's ``begin`` emits the BEGIN: ``IMMEDIATE`` for writes (takes the write lock
    up front and waits ``busy_timeout`` for it, instead of failing on a lock upgrade) and a
    plain deferred BEGIN for reads, which WAL lets run beside a writer.
    """
    busy_ms = int(SQLITE_BUSY_TIMEOUT_S * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("rxtwin_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
