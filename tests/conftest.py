"""Set-up shared by every test package: Hypothesis profiles and the PostgreSQL server.

PostgreSQL comes from env ``RXTWIN_TEST_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Each test gets its own schema
``rx_test_<uuid>`` (dropped afterwards), so parallel test runs never collide. If the server
cannot be reached the PostgreSQL cases are skipped, saying so, except under ``CI=true``,
where they fail: CI must test both back ends.

Hypothesis: one set-up for the whole suite. Profile ``ci`` (loaded when ``CI=true``) is
derandomised, so a CI run is reproducible and a failure prints the blob that replays it;
profile ``default`` draws new examples on every run, so local runs explore further over
time. Both have no deadline (the first call of a numba-compiled engine compiles it) and
100 examples; a test that needs a smaller budget sets ``max_examples`` itself. Choose
another profile with ``pytest --hypothesis-profile NAME``.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from requirements import in_ci, missing
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

# Built on Hypothesis's own "default" profile, not on whatever is loaded: Hypothesis loads
# its built-in "ci" profile by itself when it detects a CI environment.
settings.register_profile("default", settings.get_profile("default"), deadline=None,
                          max_examples=100, derandomize=False)
settings.register_profile("ci", settings.get_profile("default"), derandomize=True,
                          print_blob=True, database=None)
settings.load_profile("ci" if in_ci() else "default")

PG_URL_ENV = "RXTWIN_TEST_PG_URL"
PG_URL_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


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
        missing(reason)
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


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """Address of a 2-worker local Dask cluster, one per test module (start-up costs
    seconds)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                      silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def executor_calls(monkeypatch) -> list[tuple[str, int | None, int]]:
    """``(backend, workers, chunks)`` of every call of
    :func:`rxtwin.compute.executors.run_chunks` (what every chunk mapper but the engines'
    serial default calls) from the test's start: where a run's chunks ran."""
    from rxtwin.compute import executors

    calls: list[tuple[str, int | None, int]] = []
    original = executors.run_chunks

    def spy(task, chunk_args, *, backend="serial", workers=None, **kwargs):
        calls.append((backend, workers, len(chunk_args)))
        return original(task, chunk_args, backend=backend, workers=workers, **kwargs)

    monkeypatch.setattr(executors, "run_chunks", spy)
    return calls
