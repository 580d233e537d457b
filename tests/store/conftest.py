"""Fixtures that run every store test against SQLite and PostgreSQL.

PostgreSQL comes from env ``RXTWIN_TEST_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Each test gets its own schema
``rx_test_<uuid>`` (dropped afterwards), so parallel test runs never collide. If the server
cannot be reached the PostgreSQL cases are skipped, saying so, except under ``CI=true``,
where they fail: CI must test both back ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from rxtwin.store import Store

PG_URL_ENV = "RXTWIN_TEST_PG_URL"
PG_URL_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class StoreTarget:
    """Where a test's store lives: ``Store.open(url, **options)``."""

    backend: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)
    cli_url: str = ""  # one string that reaches the same store (for --db)
    cli_env: dict[str, str] = field(default_factory=dict)

    def open(self) -> Store:
        return Store.open(self.url, **self.options)


def _pg_url() -> str:
    url = make_url(os.environ.get(PG_URL_ENV) or PG_URL_DEFAULT)
    if "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of a reachable PostgreSQL server; skip (fail under CI=true) when there is none."""
    url = _pg_url()
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means: no usable server
        reason = (
            f"PostgreSQL server unreachable at {make_url(url)!r} ({PG_URL_ENV}): "
            + (str(error).strip().splitlines()[0])
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true requires PostgreSQL; {reason}")
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test, dropped at teardown."""
    schema = f"rx_test_{uuid.uuid4().hex[:16]}"
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> StoreTarget:
    """Where to open a fresh store: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        path = str(tmp_path / "runs.sqlite")
        return StoreTarget("sqlite", path, {}, cli_url=path)
    url = request.getfixturevalue("pg_url")
    schema = request.getfixturevalue("pg_schema")
    artifacts_dir = tmp_path / "pg-artifacts"
    return StoreTarget(
        "postgresql",
        url,
        {"schema": schema, "artifacts_dir": artifacts_dir},
        cli_url=f"{url}?options=-csearch_path%3D{schema}",
        cli_env={"RXTWIN_ARTIFACTS_DIR": str(artifacts_dir)},
    )


@pytest.fixture
def store(store_target: StoreTarget) -> Iterator[Store]:
    """An open, empty store on each back end."""
    with store_target.open() as opened:
        yield opened
