"""The web app on the hostile corpus: an upload answers 413 (a reading limit) or 422 (any
other problem) with the reason the CLI prints, never a 500 or a stack trace; API bodies are
read by the same reader; the time bound answers 413; in a process of its own each refusal
stays within bounded time and memory; and /api/health keeps answering while bombs are
being refused, because uploads are read off the event loop."""

from __future__ import annotations

import html
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hostile_documents import Hostile, corpus, write
from page_client import PageClient

from rxtwin.data.documents import LIMITS, load_text
from rxtwin.errors import InputError
from rxtwin.web.app import create_app

UPLOADS = [c for c in corpus() if c.status is not None]
JSON_UPLOADS = [c for c in UPLOADS if c.main.endswith(".json")]
PROBE = Path(__file__).resolve().parents[1] / "support" / "hostile_documents.py"
MAX_SECONDS = 10.0  # generous bounds for a busy 2-core machine; see tests/cli
MAX_PEAK_GROWTH_MB = 400.0
HEALTH_BOUND_S = 1.0
# Within the limits but slow to refuse: 99,990 values, each a product that is no mapping.
SLOW_BUT_WITHIN_LIMITS = ("products: [" + "1, " * (LIMITS.max_nodes - 10) + "1]\n").encode()
WIDE_ALIAS_BOMB = b"a: &a lol\nb: [" + b", ".join([b"*a"] * 300_000) + b"]\n"


@pytest.fixture
def web(tmp_path):
    """An app with the default request limit (2 MB), no run workers."""
    app = create_app(str(tmp_path / "runs.sqlite"), start_workers=False)
    with PageClient(app, raise_server_exceptions=False) as client:
        yield client


def _upload(client: TestClient, name: str, raw: bytes) -> httpx.Response:
    return client.post("/scenarios/upload", files={"file": (name, raw)})


@pytest.mark.parametrize("case", UPLOADS, ids=[c.name for c in UPLOADS])
def test_hostile_upload_is_refused_with_the_cli_reason(web, tmp_path, case: Hostile):
    write(case, tmp_path)
    response = _upload(web, case.main, (tmp_path / case.main).read_bytes())
    text = html.unescape(response.text)
    assert response.status_code == case.status, text[-2000:]
    assert (case.web_reason or case.reason) in text
    assert f"{case.main}: " in text  # names the uploaded file
    assert "Traceback" not in text and "internal error" not in text


@pytest.mark.parametrize("case", JSON_UPLOADS, ids=[c.name for c in JSON_UPLOADS])
def test_hostile_api_body_is_refused_with_the_reader_rule(web, tmp_path, case: Hostile):
    write(case, tmp_path)
    raw = (tmp_path / case.main).read_bytes()
    response = web.post("/api/scenarios", content=b'{"document": ' + raw + b"}",
                        headers={"content-type": "application/json"})
    error = response.json()["error"]
    assert response.status_code == error["status"] == case.status, error
    try:  # what the reader itself says of the document: the same rule, one level deeper
        load_text(raw.decode(), case.main)
        expected_rule = None
    except InputError as refusal:
        expected_rule = refusal.problems[0].rule
    rules = [p["rule"] for p in error["problems"]]
    if expected_rule is not None:
        assert rules == [expected_rule], error
    else:  # read fine, refused by validation: the CLI's line names the same field and rule
        assert any(case.reason.split(": ", 1)[1].split(" (got")[0] == rule for rule in rules)


@pytest.mark.parametrize("params,path,rule", [
    ({"hours": True}, "hours", "Input should be a valid number"),
    ({"hours": "2"}, "hours", "Input should be a valid number"),
    ({"seed": 1.5}, "seed", "Input should be a valid integer"),
    ({"upset": False, "seed": False}, "seed", "Input should be a valid integer"),
])
def test_run_parameters_take_numbers_strictly(web, params, path, rule):
    scenario = web.post("/api/scenarios/bundled/metformin").json()["hash"]
    response = web.post("/api/runs", json={"kind": "twin.simulate", "scenario_hash": scenario,
                                           "params": params})
    error = response.json()["error"]
    assert response.status_code == 422, error
    assert [(p["path"], p["rule"]) for p in error["problems"]] == [(path, rule)]


def test_run_request_body_is_read_by_the_reader(web):
    body = b'{"kind": "twin.simulate", "kind": "econ.breakeven", "scenario_hash": "0"}'
    response = web.post("/api/runs", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "<request body>: kind: duplicate key; a key may appear once in an object")
    huge = b'{"kind": "twin.simulate", "scenario_hash": "0", "params": {"seed": ' + \
        b"1" * 5000 + b"}}"
    response = web.post("/api/runs", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "params.seed: integer of 5,000 digits" in response.json()["error"]["message"]


def test_upload_past_the_time_bound_answers_413(tmp_path):
    app = create_app(str(tmp_path / "runs.sqlite"), start_workers=False,
                     document_timeout_s=0.05)
    with PageClient(app, raise_server_exceptions=False) as client:
        response = _upload(client, "slow.yaml", SLOW_BUT_WITHIN_LIMITS)
        assert response.status_code == 413
        assert ("slow.yaml: reading and checking the document took longer than 0.05 s, the "
                "limit") in html.unescape(response.text)
        assert client.get("/api/scenarios").json() == []  # nothing stored


def test_each_upload_refusal_is_quick_and_small_in_a_process_of_its_own(tmp_path):
    proc = subprocess.run([sys.executable, str(PROBE), "probe", str(tmp_path), "--web"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    baseline = results[0]
    assert [r["name"] for r in results[1:]] == [c.name for c in UPLOADS]
    for case, result in zip(UPLOADS, results[1:], strict=True):
        assert result["child_exit"] == 0, result
        assert result["status"] == case.status, result
        assert (case.web_reason or case.reason) in html.unescape(result["output"]), result
        assert result["seconds"] < MAX_SECONDS, result
        assert result["peak_rss_mb"] - baseline["peak_rss_mb"] < MAX_PEAK_GROWTH_MB, result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_health_answers_within_a_second_while_bombs_are_refused(tmp_path):
    """A real server (``rxtwin serve`` in a process of its own, as it is deployed, so the
    test's own threads do not compete with it): one client uploads bombs in turn while
    another asks /api/health every 20 ms. Every health answer arrives within 1 s, and
    several arrive while an upload is in flight; reading on the event loop blocked it for
    seconds."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "rxtwin", "serve", "--db", str(tmp_path / "runs.sqlite"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "server did not start within 60 s"
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    uploads: list[tuple[float, float, int]] = []
    health: list[tuple[float, float, int]] = []

    def upload_bombs() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            client.get("/")  # the page a browser would show first, with its CSRF token
            token = {"csrf_token": client.cookies["rxtwin_csrf"]}
            for name, raw in [("wide.yaml", WIDE_ALIAS_BOMB), ("slow.yaml", SLOW_BUT_WITHIN_LIMITS),
                              ("wide.yaml", WIDE_ALIAS_BOMB)]:
                started = time.monotonic()
                status = client.post("/scenarios/upload", files={"file": (name, raw)},
                                     data=token).status_code
                uploads.append((started, time.monotonic(), status))

    uploader = threading.Thread(target=upload_bombs)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/api/health").status_code == 200  # connection warmed up
            uploader.start()
            while uploader.is_alive():
                started = time.monotonic()
                status = client.get("/api/health").status_code
                health.append((started, time.monotonic(), status))
                time.sleep(0.02)
        uploader.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert [status for _, _, status in uploads] == [413, 422, 413]
    in_flight = [(s, e) for s, e, _ in health
                 if any(us <= s and e <= ue for us, ue, _ in uploads)]
    assert len(in_flight) >= 5, (uploads, health)
    assert all(status == 200 for _, _, status in health)
    slowest = max(e - s for s, e, _ in health)
    assert slowest < HEALTH_BOUND_S, f"slowest /api/health took {slowest:.2f} s"
