"""Shared fixtures: an app on a temporary SQLite store, and a helper to wait for runs."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from page_client import PageClient

from rxtwin.web.app import create_app

# A small break-even map (8 rows, so 8 chunks, x 2 volumes, one candidate, few replications)
# keeps each run around a second.
SMALL_BREAKEVEN = {"param": "products_per_line", "param_values": [1, 2, 3, 4, 5, 6, 7, 8],
                   "param2": "volume_scale", "param2_values": [0.5, 1.0],
                   "technologies": ["continuous"], "n_replications": 10, "seed": 7}


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
    with PageClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def scenario_hash(client) -> str:
    response = client.post("/api/scenarios/bundled/generic_oral_solid")
    assert response.status_code == 201
    return response.json()["hash"]
