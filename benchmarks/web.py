"""Load check of the web app: one JSON object on stdout.

Starts ``rxtwin`` 's web app (uvicorn, one process) on a loopback port with a temporary
SQLite store, runs one break-even map and one twin simulation through the API, then lets
``--clients`` concurrent clients browse results for ``--duration-s`` seconds (the run
pages, run status, figure JSON, result tables, the run list and the home page, in turn).
Reports request count, throughput, p50/p95/max latency and errors. Target: p95 < 300 ms
with 0 errors for 20 clients over 30 s. Loopback only; bounded in time.

    python benchmarks/web.py [--clients 20] [--duration-s 30]
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
import time
from pathlib import Path

import httpx
import numpy as np

TARGET_P95_S = 0.300


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


async def _load(base: str, urls: list[str], clients: int, duration_s: float
                ) -> tuple[list[tuple[str, float]], list[str]]:
    latencies: list[tuple[str, float]] = []
    errors: list[str] = []
    stop_at = time.monotonic() + duration_s
    await asyncio.gather(*(_client(base, urls, stop_at, k, latencies, errors)
                           for k in range(clients)))
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration-s", type=float, default=30.0)
    args = parser.parse_args()
    if not (1 <= args.clients <= 200 and 0 < args.duration_s <= 300):
        parser.error("--clients must be in 1-200 and --duration-s in (0, 300]")
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        server = _start_server(Path(folder) / "bench.sqlite", port)
        base = f"http://127.0.0.1:{port}"
        try:
            urls = _prepare(base)
            started = time.monotonic()
            latencies, errors = asyncio.run(_load(base, urls, args.clients, args.duration_s))
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
        "meets_target": bool(p95 < TARGET_P95_S and not errors),
        "latency_p50_ms_by_url": by_url,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
