"""Every /api endpoint, with good input and bad input: wrong types, huge bodies, unknown
ids all answer 4xx with a JSON error body, never 500."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from rxtwin.data.scenarios import load_scenario
from rxtwin.web.app import create_app

from .conftest import SMALL_BREAKEVEN, wait_done

UNKNOWN_RUN = "0" * 32
UNKNOWN_HASH = "f" * 64


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status and body["error"]["message"]
    assert "Traceback" not in response.text
    return body["error"]


@pytest.fixture
def done_run(client, scenario_hash) -> str:
    response = client.post("/api/runs", json={"kind": "econ.breakeven",
                                              "scenario_hash": scenario_hash,
                                              "params": SMALL_BREAKEVEN})
    assert response.status_code == 202
    run = wait_done(client, response.json()["id"])
    assert run["status"] == "done", run["error"]
    return run["id"]


# ------------------------------------------------------------------------ service and schema
def test_health_kinds_and_openapi(client):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["store"] == "sqlite"
    kinds = {k["kind"]: k for k in client.get("/api/kinds").json()}
    assert {"econ.breakeven", "twin.simulate"} <= set(kinds)
    properties = kinds["econ.breakeven"]["params_schema"]["properties"]
    assert {"param", "param_values", "param2", "param2_values", "points", "technologies",
            "baseline", "line_id", "n_replications", "seed"} == set(properties)
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/runs", "/api/runs/{run_id}", "/api/scenarios",
                 "/api/runs/{run_id}/report", "/api/runs/{run_id}/figures/{name}"):
        assert path in paths


# ---------------------------------------------------------------------------------- scenarios
def test_bundled_scenarios_are_listed_and_stored_idempotently(client, scenario_hash):
    assert "generic_oral_solid" in client.get("/api/scenarios/bundled").json()
    again = client.post("/api/scenarios/bundled/generic_oral_solid").json()
    assert again["hash"] == scenario_hash == load_scenario("generic_oral_solid").content_hash()
    listed = client.get("/api/scenarios").json()
    assert [s["hash"] for s in listed] == [scenario_hash]
    document = client.get(f"/api/scenarios/{scenario_hash}").json()
    assert document["name"] == "generic-oral-solid"


def test_unknown_bundled_scenario_is_404(client):
    error = assert_json_error(client.post("/api/scenarios/bundled/nope"), 404)
    assert "generic_oral_solid" in error["message"]


def test_upload_a_scenario_document(client):
    document = load_scenario("metformin").document()
    response = client.post("/api/scenarios", json={"document": document})
    assert response.status_code == 201
    assert response.json()["hash"] == load_scenario("metformin").content_hash()


def test_invalid_scenario_lists_each_problem_with_its_path(client):
    document = load_scenario("generic_oral_solid").document()
    document["horizon_yr"] = "ten"
    document["firm"]["hurdle_rate"] = 7.0
    error = assert_json_error(client.post("/api/scenarios", json={"document": document}), 422)
    paths = {p["path"] for p in error["problems"]}
    assert {"horizon_yr", "firm.hurdle_rate"} <= paths


@pytest.mark.parametrize("body", [
    {"document": "not a mapping"},
    {"document": {}, "extra": 1},
    {},
    [1, 2, 3],
])
def test_malformed_scenario_requests_are_422(client, body):
    assert_json_error(client.post("/api/scenarios", json=body), 422)


def test_not_json_is_422(client):
    response = client.post("/api/scenarios", content=b"{nope",
                           headers={"content-type": "application/json"})
    assert_json_error(response, 422)


def test_unknown_scenario_is_404(client):
    assert_json_error(client.get(f"/api/scenarios/{UNKNOWN_HASH}"), 404)


def test_huge_bodies_are_413_declared_or_streamed(client):
    big = b'{"document": {"x": "' + b"a" * 300_000 + b'"}}'
    assert_json_error(client.post("/api/scenarios", content=big,
                                  headers={"content-type": "application/json"}), 413)

    def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(40):
            yield b"a" * 10_000

    assert_json_error(client.post("/api/scenarios", content=chunks(),
                                  headers={"content-type": "application/json"}), 413)


# --------------------------------------------------------------------------------------- runs
def test_launch_run_and_read_every_result(client, done_run):
    run = client.get(f"/api/runs/{done_run}").json()
    assert run["progress"] == 1.0 and run["chunks_done"] == run["chunks_total"] == 8
    # the stored parameters name what ran: the given grid, the worked-out line and baseline
    assert run["parameters"]["param_values"] == SMALL_BREAKEVEN["param_values"]
    assert (run["parameters"]["line_id"], run["parameters"]["baseline"]) == ("line-1", "batch")
    assert client.get(f"/api/runs/{done_run}/summaries").json() == ["breakeven_map"]
    records = client.get(f"/api/runs/{done_run}/summaries/breakeven_map").json()
    assert len(records) == 8 * 2  # one candidate technology
    csv = client.get(f"/api/runs/{done_run}/summaries/breakeven_map?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert list(frame.columns) == ["products_per_line", "volume_scale", "technology",
                                   "npv_usd", "winner"]
    parquet = client.get(f"/api/runs/{done_run}/summaries/breakeven_map?format=parquet")
    assert len(pd.read_parquet(io.BytesIO(parquet.content))) == 8 * 2
    assert client.get(f"/api/runs/{done_run}/arrays").json() == []
    assert client.get(f"/api/runs/{done_run}/figures").json() == ["breakeven", "winner"]
    figure = client.get(f"/api/runs/{done_run}/figures/breakeven").json()
    assert figure["data"][0]["type"] == "heatmap"
    assert figure["data"][0]["z"]["shape"] == "2, 8"  # plotly's typed-array encoding
    report = client.get(f"/api/runs/{done_run}/report")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert "<!DOCTYPE html>" in report.text[:100]
    listed = client.get("/api/runs", params={"kind": "econ.breakeven", "status": "done"}).json()
    assert [r["id"] for r in listed] == [done_run]


def test_twin_run_stores_a_parquet_trace(client, scenario_hash):
    response = client.post("/api/runs", json={"kind": "twin.simulate",
                                              "scenario_hash": scenario_hash,
                                              "params": {"hours": 0.1}})
    assert response.status_code == 202
    run = wait_done(client, response.json()["id"])
    assert run["status"] == "done", run["error"]
    assert client.get(f"/api/runs/{run['id']}/arrays").json() == ["trace"]
    parquet = client.get(f"/api/runs/{run['id']}/arrays/trace")
    trace = pd.read_parquet(io.BytesIO(parquet.content))
    assert len(trace) == 360  # 0.1 h on the 1 s grid
    csv = client.get(f"/api/runs/{run['id']}/arrays/trace?format=csv")
    assert csv.text.startswith("time_s,")
    assert client.get(f"/api/runs/{run['id']}/figures").json() == ["twin_traces"]


@pytest.mark.parametrize(("body", "status", "path"), [
    ({"kind": "nope", "params": {}}, 422, "kind"),
    ({"kind": "econ.breakeven", "params": {"points": "many"}}, 422, "points"),
    ({"kind": "econ.breakeven", "params": {"param": "colour"}}, 422, "param"),
    ({"kind": "econ.breakeven", "params": {"param": "itc", "param2": "itc"}}, 422, ""),
    ({"kind": "econ.breakeven", "params": {"baseline": "teleporter"}}, 422, "baseline"),
    ({"kind": "econ.breakeven", "params": {"technologies": ["continuous", "warp"]}}, 422,
     "technologies"),
    ({"kind": "econ.breakeven", "params": {"line_id": "line-9"}}, 422, "line_id"),
    ({"kind": "econ.breakeven", "params": {"param_values": [1, 99]}}, 422, "param_values"),
    ({"kind": "econ.breakeven", "params": {"unknown": 1}}, 422, "unknown"),
    ({"kind": "econ.breakeven", "params": {"n_replications": 10**9}}, 422, "n_replications"),
    ({"kind": "twin.simulate", "params": {"hours": -1}}, 422, "hours"),
    ({"kind": "twin.simulate", "params": "x"}, 422, "params"),
])
def test_bad_run_requests_are_422_naming_the_field(client, scenario_hash, body, status, path):
    error = assert_json_error(client.post("/api/runs", json=body | {
        "scenario_hash": scenario_hash}), status)
    assert any(p["path"] == path for p in error["problems"]), error
    assert client.get("/api/runs").json() == []  # nothing was created


def test_run_on_unknown_or_malformed_scenario(client):
    assert_json_error(client.post("/api/runs", json={"kind": "econ.breakeven",
                                                     "scenario_hash": UNKNOWN_HASH}), 404)
    assert_json_error(client.post("/api/runs", json={"kind": "econ.breakeven",
                                                     "scenario_hash": "abc"}), 422)


@pytest.mark.parametrize("path", [
    f"/api/runs/{UNKNOWN_RUN}", "/api/runs/not-an-id", f"/api/runs/{UNKNOWN_RUN}/summaries",
    f"/api/runs/{UNKNOWN_RUN}/summaries/breakeven", f"/api/runs/{UNKNOWN_RUN}/arrays",
    f"/api/runs/{UNKNOWN_RUN}/arrays/trace", f"/api/runs/{UNKNOWN_RUN}/figures",
    f"/api/runs/{UNKNOWN_RUN}/figures/breakeven", f"/api/runs/{UNKNOWN_RUN}/report",
    "/api/nothing-here",
])
def test_unknown_ids_are_404(client, path):
    assert_json_error(client.get(path), 404)


def test_unknown_items_of_a_known_run_are_404(client, done_run):
    for path in ("summaries/nope", "summaries/..%2Fetc", "arrays/nope", "figures/nope"):
        assert_json_error(client.get(f"/api/runs/{done_run}/{path}"), 404)
    assert_json_error(client.get(f"/api/runs/{done_run}/summaries/breakeven_map?format=xls"),
                      422)


def test_bad_list_filters_are_422(client):
    assert_json_error(client.get("/api/runs", params={"status": "sleeping"}), 422)
    assert_json_error(client.get("/api/runs", params={"limit": 0}), 422)
    assert_json_error(client.get("/api/runs", params={"limit": "lots"}), 422)


def test_resume_refuses_a_done_run_and_unknown_ids(client, done_run):
    assert_json_error(client.post(f"/api/runs/{done_run}/resume"), 409)
    assert_json_error(client.post(f"/api/runs/{UNKNOWN_RUN}/resume"), 404)


def test_full_queue_answers_429_and_creates_nothing(tmp_path):
    app = create_app(str(tmp_path / "q.sqlite"), queue_size=1, start_workers=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        scenario_hash = client.post("/api/scenarios/bundled/generic_oral_solid").json()["hash"]
        body = {"kind": "econ.breakeven", "scenario_hash": scenario_hash}
        first = client.post("/api/runs", json=body)
        assert first.status_code == 202 and first.json()["queued"]
        error = assert_json_error(client.post("/api/runs", json=body), 429)
        assert "full" in error["message"]
        assert [r["id"] for r in client.get("/api/runs").json()] == [first.json()["id"]]
        # the queued job was not dropped
        assert client.get(f"/api/runs/{first.json()['id']}").json()["status"] == "queued"
