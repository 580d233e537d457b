"""Shared fixtures: an app on a temporary SQLite store, and a helper to wait for runs."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from rxtwin.web.app import create_app

# A small grid keeps each break-even run well under a second.
SMALL_BREAKEVEN = {"products_min": 1, "products_max": 8, "volume_steps": 6}


def wait_done(client: TestClient, run_id: str, timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in ("done", "failed") and not run["queued"]:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} not finished after {timeout_s} s: {run}")


@pytest.fixture
def client(tmp_path):
    app = create_app(str(tmp_path / "runs.sqlite"), max_body_bytes=200_000)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def scenario_hash(client) -> str:
    response = client.post("/api/scenarios/bundled/generic_oral_solid")
    assert response.status_code == 201
    return response.json()["hash"]
