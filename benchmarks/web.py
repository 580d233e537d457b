"""Load check of the web app, or of its refusals of hostile documents: one JSON object on
stdout.

Load check (default): starts ``rxtwin`` 's web app (uvicorn, one process) on a loopback port
with a temporary SQLite store, runs one break-even map and one twin simulation through the
API, then lets ``--clients`` concurrent clients browse results for ``--duration-s`` seconds
(the run pages, run status, figure JSON, result tables, the run list and the home page, in
turn). Reports request count, throughput, p50/p95/max latency and errors. Target: p95 <
300 ms with 0 errors for 20 clients over 30 s. Loopback only; bounded in time. With
``--bombs-per-s R`` a further client uploads the alias bomb of the hostile corpus
(``alias_bomb_lists``) R times a second during the load, each refused with 413: the
clients' latency is then measured while the server refuses them (same target).

Hostile mode (``--hostile``): every document of the test corpus of hostile documents
(``tests/support/hostile_documents.py``: alias bombs, deep nesting, huge integers and
strings, duplicate keys, booleans for numbers, devices, extends loops) refused by
``rxtwin validate`` and by the web upload, each in a forked child: its time and peak
resident memory (and that of a child that does nothing). Then, against a server on a
loopback port, /api/health is asked every 20 ms while the uploadable ones are refused in
turn: its latency. Targets: each refusal under 2 s and 500 MB, /api/health under 1 s.

    python benchmarks/web.py [--clients 20] [--duration-s 30] [--bombs-per-s 1]
    python benchmarks/web.py --hostile [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

TARGET_P95_S = 0.300
TARGET_REFUSAL_S = 2.0
TARGET_REFUSAL_PEAK_MB = 500.0
TARGET_HEALTH_S = 1.0
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "support"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(db: Path, port: int) -> subprocess.Popen:
    code = ("import uvicorn; from rxtwin.web.app import create_app; "
            f"uvicorn.run(create_app({str(db)!r}), host='127.0.0.1', port={port}, "
            "log_level='warning')")
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


def _prepare(base: str) -> list[str]:
    """Store a scenario, run both kinds to completion, return the URLs clients browse."""
    with httpx.Client(base_url=base, timeout=60) as client:
        scenario = client.post("/api/scenarios/bundled/generic_oral_solid").json()["hash"]
        ids = []
        for kind, params in (("econ.breakeven", {}), ("twin.simulate", {"hours": 0.5})):
            run = client.post("/api/runs", json={"kind": kind, "scenario_hash": scenario,
                                                 "params": params}).json()
            ids.append(run["id"])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            states = [client.get(f"/api/runs/{i}").json()["status"] for i in ids]
            if all(s == "done" for s in states):
                break
            if "failed" in states:
                raise RuntimeError(f"a preparation run failed: {states}")
            time.sleep(0.2)
        breakeven, twin = ids
        urls = ["/", "/runs", f"/runs/{breakeven}", f"/api/runs/{breakeven}",
                f"/api/runs/{breakeven}/figures/breakeven",
                f"/api/runs/{breakeven}/figures/winner",
                f"/api/runs/{breakeven}/summaries/breakeven_map",
                f"/api/runs/{breakeven}/summaries/breakeven_map?format=csv",
                f"/runs/{twin}", f"/api/runs/{twin}", "/api/runs"]
        for url in urls:  # warm the figure cache once, as the first visitor would
            client.get(url).raise_for_status()
        return urls


async def _client(base: str, urls: list[str], stop_at: float, offset: int,
                  latencies: list[tuple[str, float]], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        i = offset
        while time.monotonic() < stop_at:
            url = urls[i % len(urls)]
            i += 1
            started = time.perf_counter()
            try:
                response = await client.get(url)
                if response.status_code != 200:
                    errors.append(f"{url}: HTTP {response.status_code}")
            except httpx.HTTPError as error:
                errors.append(f"{url}: {type(error).__name__}")
            latencies.append((url, time.perf_counter() - started))


def _alias_bomb() -> tuple[str, bytes]:
    """The alias bomb of the hostile corpus: its file name and bytes."""
    sys.path.insert(0, str(CORPUS))
    from hostile_documents import corpus

    case = next(c for c in corpus() if c.name == "alias_bomb_lists")
    return case.main, case.files[case.main]


async def _bomber(base: str, per_s: float, stop_at: float,
                  answers: list[tuple[float, int]]) -> None:
    """Upload the alias bomb ``per_s`` times a second until ``stop_at``."""
    name, raw = _alias_bomb()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        next_at = time.monotonic()
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            response = await client.post("/scenarios/upload", files={"file": (name, raw)})
            answers.append((time.perf_counter() - started, response.status_code))
            next_at += 1.0 / per_s
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))


async def _load(base: str, urls: list[str], clients: int, duration_s: float,
                bombs_per_s: float = 0.0,
                ) -> tuple[list[tuple[str, float]], list[str], list[tuple[float, int]]]:
    latencies: list[tuple[str, float]] = []
    errors: list[str] = []
    bombs: list[tuple[float, int]] = []
    stop_at = time.monotonic() + duration_s
    tasks = [_client(base, urls, stop_at, k, latencies, errors) for k in range(clients)]
    if bombs_per_s > 0:
        tasks.append(_bomber(base, bombs_per_s, stop_at, bombs))
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
            uploads.append((case.main, (folder / case.name / case.main).read_bytes()))
    port = _free_port()
    server = _start_server(folder / "health.sqlite", port)
    base = f"http://127.0.0.1:{port}"
    answers: list[tuple[str, float, int]] = []
    try:
        def refuse_all() -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(rounds):
                    for name, raw in uploads:
                        started = time.perf_counter()
                        response = client.post("/scenarios/upload", files={"file": (name, raw)})
                        answers.append((name, time.perf_counter() - started,
                                        response.status_code))

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
        "upload_answers": sorted({status for _, _, status in answers}),
        "upload_seconds_max": round(max(seconds for _, seconds, _ in answers), 3),
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
            and health["health_errors"] == 0
            and health["health_max_ms"] < 1000 * TARGET_HEALTH_S),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration-s", type=float, default=30.0)
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
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        server = _start_server(Path(folder) / "bench.sqlite", port)
        base = f"http://127.0.0.1:{port}"
        try:
            urls = _prepare(base)
            started = time.monotonic()
            latencies, errors, bombs = asyncio.run(_load(base, urls, args.clients,
                                                         args.duration_s, args.bombs_per_s))
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    values = np.array([seconds for _, seconds in latencies])
    by_url = {url: round(1000 * float(np.median([s for u, s in latencies if u == url])), 1)
              for url in urls}
    p95 = float(np.percentile(values, 95))
    print(json.dumps({
        "benchmark": "web",
        "clients": args.clients,
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
        "bombs_per_s": args.bombs_per_s,
        "bomb_uploads": len(bombs),
        "bomb_answers": sorted({status for _, status in bombs}),
        "bomb_seconds_max": round(max((s for s, _ in bombs), default=0.0), 3),
        "latency_p50_ms_by_url": by_url,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
