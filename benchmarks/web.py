"""Load check of the web app, or of its refusals of hostile documents: one JSON object on
stdout.

Load check (default): starts ``rxtwin`` 's web app (uvicorn, one process) on a loopback port
with a temporary SQLite store in users mode (``rxtwin serve --auth users``). Before the
server starts, the store gets three organisations, a member per organisation whose API
token launches its runs, and one user per client. Each organisation then runs one break-even
map and one twin simulation through the API, and ``--clients`` concurrent clients browse
for ``--duration-s`` seconds, each among its own organisation's runs: half with a bearer
token on the API (run status, figure JSON, result tables, the run list), half logged in
through ``POST /login`` (the login page's CSRF token, then the cookie) on the pages (home
page, run list, run pages, a CSV download), logging out at the end. Once a round each
client also asks for another organisation's run, which must answer 404. Any answer other
than the expected one is an error (a 404 for an own run, a redirect to the login page, a
login without its cookie). Reports request count, throughput, p50/p95/max latency (logins
included), errors, clients by kind of authentication, the server's CPU time per request
(logins included; Linux) and the load average of the machine before and after. Target: p95 < 300 ms with 0 errors for 20 clients over 30 s. Loopback
only; bounded in time. ``--auth local`` runs the same load in local mode (no login, one
organisation), for comparison. With ``--bombs-per-s R`` a further client (a member, by
token) uploads the alias bomb of the hostile corpus (``alias_bomb_lists``) R times a second
during the load, each refused with 413: the clients' latency is then measured while the
server refuses them (same target).

Hostile mode (``--hostile``): every document of the test corpus of hostile documents
(``tests/support/hostile_documents.py``: alias bombs, deep nesting, huge integers and
strings, duplicate keys, booleans for numbers, devices, extends loops) refused by
``rxtwin validate`` and by the web upload, each in a forked child: its time and peak
resident memory (and that of a child that does nothing). Then, against a server on a
loopback port (local mode; the uploads carry the form's CSRF token, as a page's would),
/api/health is asked every 20 ms while the uploadable ones are refused in turn, each with
the answer the corpus expects (413 or 422): its latency. Targets: each refusal under 2 s
and 500 MB, /api/health under 1 s.

    python benchmarks/web.py [--clients 20] [--duration-s 30] [--bombs-per-s 1] [--auth local]
    python benchmarks/web.py --hostile [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

TARGET_P95_S = 0.300
TARGET_REFUSAL_S = 2.0
TARGET_REFUSAL_PEAK_MB = 500.0
TARGET_HEALTH_S = 1.0
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "support"
ORGANISATIONS = ("acme", "globex", "initech")
"""Organisations the clients belong to (assumption: three, so that each client's runs sit
among others' it must not see)."""
LOCAL = "local"
PASSWORD = secrets.token_urlsafe(18)  # the browser clients' password, new each time


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_s(pid: int) -> float | None:
    """CPU time [s] (user and system, all threads) of a process so far; None where
    ``/proc`` is missing (not Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_server(db: Path, port: int, mode: str = "local") -> subprocess.Popen:
    """``rxtwin`` 's web app on ``db`` in its own process, in the authentication ``mode``
    (``local`` or ``users``), once it answers /api/health."""
    code = ("import uvicorn; from rxtwin.web.app import create_app; "
            "from rxtwin.web.auth import AuthConfig; "
            f"uvicorn.run(create_app({str(db)!r}, auth=AuthConfig(mode={mode!r})), "
            f"host='127.0.0.1', port={port}, log_level='warning')")
    process = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("server did not start within 60 s")


@dataclass
class Plan:
    """One client of the load: how it authenticates (``token``: a bearer token on the API;
    ``login``: ``POST /login``, then the cookie on the pages; ``local``: nothing, local
    mode), as whom, and the (label, URL, expected status) it asks in turn."""

    kind: str
    organisation: str
    user: str = ""
    token: str = ""
    urls: list[tuple[str, str, int]] = field(default_factory=list)


def _accounts(db: Path, clients: int) -> tuple[dict[str, str], list[Plan]]:
    """Organisations, users and tokens in the store before the server starts: per
    organisation a member whose token launches its runs; per client a user of organisation
    ``k mod 3``, with a token (even k) or a password (odd k). Returns the launching tokens
    by organisation and the clients' plans (URLs still empty)."""
    from rxtwin.runs.accounts import add_user, issue_token
    from rxtwin.runs.consortium import register_organisation
    from rxtwin.store import Store

    runners: dict[str, str] = {}
    plans = []
    with Store.open(str(db)) as store:
        for org in ORGANISATIONS:
            register_organisation(store, org)
            add_user(store, f"{org}-runner", org, "member")
            runners[org] = issue_token(store, f"{org}-runner").token
        for k in range(clients):
            org = ORGANISATIONS[k % len(ORGANISATIONS)]
            if k % 2 == 0:
                user = f"api-{k}"
                add_user(store, user, org, "researcher")
                plans.append(Plan("token", org, user, issue_token(store, user).token))
            else:
                user = f"browser-{k}"
                add_user(store, user, org, "member", PASSWORD)
                plans.append(Plan("login", org, user))
    return runners, plans


def _launch(base: str, token: str | None) -> tuple[str, str, str]:
    """Store the bundled scenario and run a break-even map and a twin simulation to
    completion as one organisation (``token``; None: local mode); their ids and the
    scenario's hash."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        scenario = client.post("/api/scenarios/bundled/generic_oral_solid").json()["hash"]
        ids = []
        for kind, params in (("econ.breakeven", {}), ("twin.simulate", {"hours": 0.5})):
            run = client.post("/api/runs", json={"kind": kind, "scenario_hash": scenario,
                                                 "params": params})
            run.raise_for_status()
            ids.append(run.json()["id"])
    return ids[0], ids[1], scenario


def _wait(base: str, runs: dict[str, tuple[str, str, str]], tokens: dict[str, str]) -> None:
    """Wait until every organisation's runs are done."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        states = []
        for org, (breakeven, twin, _) in runs.items():
            headers = {"Authorization": f"Bearer {tokens[org]}"} if org in tokens else {}
            states += [httpx.get(f"{base}/api/runs/{i}", headers=headers, timeout=30
                                 ).json()["status"] for i in (breakeven, twin)]
        if all(s == "done" for s in states):
            return
        if "failed" in states:
            raise RuntimeError(f"a preparation run failed: {states}")
        time.sleep(0.5)
    raise RuntimeError("the preparation runs did not finish within 600 s")


def _api_urls(breakeven: str, twin: str) -> list[tuple[str, str]]:
    return [("/api/runs/{breakeven}", f"/api/runs/{breakeven}"),
            ("/api/runs/{breakeven}/figures/breakeven",
             f"/api/runs/{breakeven}/figures/breakeven"),
            ("/api/runs/{breakeven}/figures/winner", f"/api/runs/{breakeven}/figures/winner"),
            ("/api/runs/{breakeven}/summaries/breakeven_map",
             f"/api/runs/{breakeven}/summaries/breakeven_map"),
            ("/api/runs/{twin}", f"/api/runs/{twin}"), ("/api/runs", "/api/runs")]


def _page_urls(breakeven: str, twin: str) -> list[tuple[str, str]]:
    return [("/", "/"), ("/runs", "/runs"), ("/runs/{breakeven}", f"/runs/{breakeven}"),
            ("/api/runs/{breakeven}/summaries/breakeven_map?format=csv",
             f"/api/runs/{breakeven}/summaries/breakeven_map?format=csv"),
            ("/runs/{twin}", f"/runs/{twin}")]


def _prepare(base: str, runners: dict[str, str], plans: list[Plan]) -> None:
    """Launch each organisation's runs, wait for them, warm the figure cache (as each
    organisation's first visitor would), and give every client its URLs: its own
    organisation's runs (200 expected) and, once a round, another organisation's
    break-even run (404 expected: ownership is checked)."""
    orgs = list(runners) or [LOCAL]
    runs = {org: _launch(base, runners.get(org)) for org in orgs}
    _wait(base, runs, runners)
    for org, (breakeven, twin, _) in runs.items():
        headers = {"Authorization": f"Bearer {runners[org]}"} if org in runners else {}
        with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
            for _, url in _api_urls(breakeven, twin) + _page_urls(breakeven, twin):
                client.get(url).raise_for_status()
    for plan in plans:
        breakeven, twin, _ = runs[plan.organisation]
        own = {"token": _api_urls, "login": _page_urls}.get(plan.kind)
        pairs = own(breakeven, twin) if own else (_api_urls(breakeven, twin)
                                                  + _page_urls(breakeven, twin))
        plan.urls = [(label, url, 200) for label, url in pairs]
        others = [org for org in orgs if org != plan.organisation]
        if others:
            foreign = runs[others[0]][0]
            label, url = (("/api/runs/{another's}", f"/api/runs/{foreign}")
                          if plan.kind == "token" else
                          ("/runs/{another's}", f"/runs/{foreign}"))
            plan.urls.append((label, url, 404))


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _log_in(client: httpx.AsyncClient, plan: Plan) -> tuple[str | None, str]:
    """Log in as a browser does: the login page (its form carries the CSRF token), then
    ``POST /login``. Returns what went wrong (None: a 303 with the login cookie) and the
    CSRF token."""
    page = await client.get("/login")
    found = CSRF_FIELD.search(page.text)
    csrf = found.group(1) if found else ""
    answer = await client.post("/login", data={"user": plan.user, "password": PASSWORD,
                                               "csrf_token": csrf, "next": "/"})
    if answer.status_code != 303 or "rxtwin_login" not in client.cookies:
        return f"HTTP {answer.status_code}, login cookie {'rxtwin_login' in client.cookies}", csrf
    return None, csrf


async def _client(base: str, plan: Plan, stop_at: float, offset: int,
                  latencies: list[tuple[str, float]], errors: list[str]) -> None:
    """Ask ``plan.urls`` in turn until ``stop_at``; an answer other than the expected one
    is an error (a login that does not come back 303 with its cookie too)."""
    headers = {"Authorization": f"Bearer {plan.token}"} if plan.token else {}
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=headers) as client:
        csrf = ""
        if plan.kind == "login":
            started = time.perf_counter()
            problem, csrf = await _log_in(client, plan)
            latencies.append(("POST /login", time.perf_counter() - started))
            if problem:
                errors.append(f"POST /login as {plan.user}: {problem}")
                return
        i = offset
        while time.monotonic() < stop_at:
            label, url, expected = plan.urls[i % len(plan.urls)]
            i += 1
            started = time.perf_counter()
            try:
                response = await client.get(url)
                if response.status_code != expected:
                    errors.append(f"{plan.kind} {label}: HTTP {response.status_code}, "
                                  f"expected {expected}")
            except httpx.HTTPError as error:
                errors.append(f"{plan.kind} {label}: {type(error).__name__}")
            latencies.append((label, time.perf_counter() - started))
        if plan.kind == "login":  # log out, with the form's CSRF token
            answer = await client.post("/logout", data={"csrf_token": csrf})
            if answer.status_code != 303:
                errors.append(f"POST /logout as {plan.user}: HTTP {answer.status_code}")


def _alias_bomb() -> tuple[str, bytes]:
    """The alias bomb of the hostile corpus: its file name and bytes."""
    sys.path.insert(0, str(CORPUS))
    from hostile_documents import corpus

    case = next(c for c in corpus() if c.name == "alias_bomb_lists")
    return case.main, case.files[case.main]


CSRF_COOKIE = "rxtwin_csrf"
CSRF_HEADER = "X-CSRF-Token"


def _csrf(client: httpx.Client) -> None:
    """Give ``client`` the CSRF token of its cookie as a header, as a page's form sends it
    (local mode: uploads by a browser need it)."""
    client.get("/api/health").raise_for_status()
    client.headers[CSRF_HEADER] = client.cookies[CSRF_COOKIE]


async def _bomber(base: str, token: str | None, per_s: float, stop_at: float,
                  answers: list[tuple[float, int]]) -> None:
    """Upload the alias bomb ``per_s`` times a second until ``stop_at`` (as a member of
    an organisation: ``token``; None: local mode)."""
    name, raw = _alias_bomb()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        if token is None:  # the form's CSRF token, as a page would send it
            await client.get("/api/health")
            client.headers[CSRF_HEADER] = client.cookies[CSRF_COOKIE]
        next_at = time.monotonic()
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            response = await client.post("/scenarios/upload", files={"file": (name, raw)})
            answers.append((time.perf_counter() - started, response.status_code))
            next_at += 1.0 / per_s
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))


async def _load(base: str, plans: list[Plan], duration_s: float, bombs_per_s: float = 0.0,
                bomb_token: str | None = None,
                ) -> tuple[list[tuple[str, float]], list[str], list[tuple[float, int]]]:
    latencies: list[tuple[str, float]] = []
    errors: list[str] = []
    bombs: list[tuple[float, int]] = []
    stop_at = time.monotonic() + duration_s
    tasks = [_client(base, plan, stop_at, k, latencies, errors)
             for k, plan in enumerate(plans)]
    if bombs_per_s > 0:
        tasks.append(_bomber(base, bomb_token, bombs_per_s, stop_at, bombs))
    await asyncio.gather(*tasks)
    return latencies, errors, bombs


def _refusals(folder: Path) -> list[dict]:
    """Each hostile document refused by the CLI and by the web upload, in forked children."""
    sys.path.insert(0, str(CORPUS))
    from hostile_documents import probe

    rows = []
    for web in (False, True):
        results = probe(folder / ("web" if web else "cli"), web)
        baseline = results[0]["peak_rss_mb"]
        for result in results[1:]:
            rows.append({
                "name": result["name"], "edge": result["edge"],
                "answer": result.get("status", result.get("exit_code")),
                "seconds": round(result.get("seconds", float("nan")), 3),
                "peak_rss_mb": result["peak_rss_mb"],
                "growth_mb": round(result["peak_rss_mb"] - baseline, 1),
                "clean": result["child_exit"] == 0 and "Traceback" not in result.get("output", ""),
            })
    return rows


def _health_while_refusing(folder: Path, rounds: int) -> dict:
    """/api/health latency every 20 ms while the uploadable hostile documents are refused in
    turn, ``rounds`` times, by a server in its own process."""
    from hostile_documents import corpus, write

    uploads = []
    for case in corpus():
        if case.status is not None:
            write(case, folder / case.name)
            uploads.append((case.main, (folder / case.name / case.main).read_bytes(),
                            case.status))
    port = _free_port()
    server = _start_server(folder / "health.sqlite", port)
    base = f"http://127.0.0.1:{port}"
    answers: list[tuple[str, float, int, int]] = []
    try:
        def refuse_all() -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                _csrf(client)
                for _ in range(rounds):
                    for name, raw, expected in uploads:
                        started = time.perf_counter()
                        response = client.post("/scenarios/upload", files={"file": (name, raw)})
                        answers.append((name, time.perf_counter() - started,
                                        response.status_code, expected))

        uploader = threading.Thread(target=refuse_all)
        health = []
        with httpx.Client(base_url=base, timeout=30) as client:
            client.get("/api/health").raise_for_status()
            uploader.start()
            while uploader.is_alive():
                started = time.perf_counter()
                status = client.get("/api/health").status_code
                health.append((time.perf_counter() - started, status))
                time.sleep(0.02)
        uploader.join()
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies = np.array([seconds for seconds, _ in health])
    return {
        "uploads": len(answers),
        "upload_answers": sorted({status for _, _, status, _ in answers}),
        "upload_unexpected_answers": sum(status != expected
                                         for _, _, status, expected in answers),
        "upload_seconds_max": round(max(seconds for _, seconds, _, _ in answers), 3),
        "health_requests": int(latencies.size),
        "health_errors": sum(status != 200 for _, status in health),
        "health_p50_ms": round(1000 * float(np.percentile(latencies, 50)), 1),
        "health_p95_ms": round(1000 * float(np.percentile(latencies, 95)), 1),
        "health_max_ms": round(1000 * float(latencies.max()), 1),
    }


def hostile(rounds: int) -> dict:
    """The hostile mode's JSON object."""
    with tempfile.TemporaryDirectory() as folder:
        refusals = _refusals(Path(folder))
        health = _health_while_refusing(Path(folder) / "health", rounds)
    slowest = max(refusals, key=lambda r: r["seconds"])
    largest = max(refusals, key=lambda r: r["peak_rss_mb"])
    return {
        "benchmark": "web-hostile",
        "refusals": refusals,
        "slowest_refusal": {k: slowest[k] for k in ("name", "edge", "seconds")},
        "largest_refusal": {k: largest[k] for k in ("name", "edge", "peak_rss_mb",
                                                    "growth_mb")},
        "health_while_refusing": health,
        "targets": {"refusal_s": TARGET_REFUSAL_S, "refusal_peak_mb": TARGET_REFUSAL_PEAK_MB,
                    "health_s": TARGET_HEALTH_S},
        "meets_targets": bool(
            all(r["clean"] and r["seconds"] < TARGET_REFUSAL_S
                and r["peak_rss_mb"] < TARGET_REFUSAL_PEAK_MB for r in refusals)
            and health["health_errors"] == 0 and health["upload_unexpected_answers"] == 0
            and health["health_max_ms"] < 1000 * TARGET_HEALTH_S),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def load(clients: int, duration_s: float, bombs_per_s: float, mode: str) -> dict:
    """The load check's JSON object: ``clients`` clients for ``duration_s`` seconds against
    a server in authentication ``mode`` (``users`` or ``local``)."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.sqlite"
        if mode == "users":
            runners, plans = _accounts(db, clients)
        else:
            runners, plans = {}, [Plan("local", LOCAL) for _ in range(clients)]
        port = _free_port()
        server = _start_server(db, port, mode)
        base = f"http://127.0.0.1:{port}"
        try:
            _prepare(base, runners, plans)
            started = time.monotonic()
            cpu_before = _cpu_s(server.pid)
            latencies, errors, bombs = asyncio.run(_load(
                base, plans, duration_s, bombs_per_s, next(iter(runners.values()), None)))
            elapsed = time.monotonic() - started
            cpu_after = _cpu_s(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
    values = np.array([seconds for _, seconds in latencies])
    labels = sorted({label for label, _ in latencies})
    by_url = {label: round(1000 * float(np.median([s for u, s in latencies if u == label])), 1)
              for label in labels}
    p95 = float(np.percentile(values, 95))
    kinds = [plan.kind for plan in plans]
    return {
        "benchmark": "web",
        "mode": mode,
        "clients": clients,
        "clients_by_auth": {kind: kinds.count(kind) for kind in sorted(set(kinds))},
        "organisations": len(runners) or 1,
        "duration_s": round(elapsed, 2),
        "requests": int(values.size),
        "requests_per_s": round(values.size / elapsed, 1),
        "latency_p50_ms": round(1000 * float(np.percentile(values, 50)), 1),
        "latency_p95_ms": round(1000 * p95, 1),
        "latency_max_ms": round(1000 * float(values.max()), 1),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "target_p95_ms": 1000 * TARGET_P95_S,
        "meets_target": bool(p95 < TARGET_P95_S and not errors
                             and all(status == 413 for _, status in bombs)),
        "bombs_per_s": bombs_per_s,
        "bomb_uploads": len(bombs),
        "bomb_answers": sorted({status for _, status in bombs}),
        "bomb_seconds_max": round(max((s for s, _ in bombs), default=0.0), 3),
        "server_cpu_ms_per_request": (
            None if cpu_before is None or cpu_after is None
            else round(1000 * (cpu_after - cpu_before) / values.size, 2)),
        "latency_p50_ms_by_url": by_url,
        "load_average_1min_before_after": [round(load_before[0], 2),
                                           round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration-s", type=float, default=30.0)
    parser.add_argument("--auth", choices=("users", "local"), default="users",
                        help="load mode: users (tokens and logins) or local (no login)")
    parser.add_argument("--hostile", action="store_true",
                        help="measure the refusals of hostile documents instead")
    parser.add_argument("--bombs-per-s", type=float, default=0.0,
                        help="load mode: alias-bomb uploads a second during the load")
    parser.add_argument("--rounds", type=int, default=3,
                        help="hostile mode: times every upload is refused while /api/health "
                             "is timed")
    args = parser.parse_args()
    if not (1 <= args.clients <= 200 and 0 < args.duration_s <= 300):
        parser.error("--clients must be in 1-200 and --duration-s in (0, 300]")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be in 1-20")
    if not 0 <= args.bombs_per_s <= 20:
        parser.error("--bombs-per-s must be in 0-20")
    if args.hostile:
        print(json.dumps(hostile(args.rounds)))
        return
    print(json.dumps(load(args.clients, args.duration_s, args.bombs_per_s, args.auth)))


if __name__ == "__main__":
    main()
