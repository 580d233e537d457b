"""Fixtures that run every store test against SQLite and PostgreSQL (``pg_url`` and
``pg_schema`` come from tests/conftest.py).

PostgreSQL comes from env ``RXTWIN_TEST_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Each test gets its own schema
``rx_test_<uuid>`` (dropped afterwards), so parallel test runs never collide. If the server
cannot be reached the PostgreSQL cases are skipped, saying so, except under ``CI=true``,
where they fail: CI must test both back ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rxtwin.store import Store


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
