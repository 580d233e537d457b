"""Benchmark of the line simulator; prints one JSON object.

Measures, on the 24-product reference line of the bundled ``generic_oral_solid`` scenario
(its line ``line-1``, batch technology, 1-year horizon):

* engine events/s and SimPy-reference events/s on the same inputs, and their ratio
  (events = day closes + demand events + line activities, counted alike by both models);
* wall time and peak memory (max resident set size of this process, which runs the serial
  case) for 10,000 replication-years, serially and on 2 worker processes, and the
  speed-ups on 2 threads and on 2 processes. Targets: ratio >= 100x; 10,000 replication-years
  in <= 5 s on 2 cores; peak memory <= 1 GB.

The engine inputs come from the library's scenario adapter
(:func:`rxtwin.line.from_scenario.line_inputs_from_scenario`).

Usage: ``python benchmarks/line.py [--replications 10000]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time

import numpy as np

from rxtwin.compute import chunk_mapper
from rxtwin.data.scenarios import load_scenario
from rxtwin.line import inputs as li
from rxtwin.line.engine import simulate_replications, statistic_catalogue
from rxtwin.line.from_scenario import line_inputs_from_scenario
from rxtwin.line.reference_simpy import reference_replications
from rxtwin.line.simulate import simulate


def reference_line() -> li.LineEngineInputs:
    """The 24-product reference line of the bundled scenario, through the scenario adapter."""
    return line_inputs_from_scenario(load_scenario("generic_oral_solid"), "line-1")


def _peak_rss_mb() -> float:
    """Max resident set size of this process [MB] (pool workers are forked by a
    forkserver, not by us, so their peaks are not visible here)."""
    scale = 1.0 / 1024 if platform.system() == "Linux" else 1.0 / 2**20  # kB vs bytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10_000)
    parser.add_argument("--simpy-replications", type=int, default=20)
    args = parser.parse_args()
    x = reference_line()
    events_col = [n for n, _, _ in statistic_catalogue(x)].index("events")

    simulate_replications(x, np.random.default_rng(0), 2)  # compile / load the cache
    start = time.perf_counter()
    rows = simulate_replications(x, np.random.default_rng(1), 1000)
    engine_s = time.perf_counter() - start
    engine_eps = rows[:, events_col].sum() / engine_s

    start = time.perf_counter()
    ref = reference_replications(x, np.random.default_rng(2), args.simpy_replications)
    simpy_s = time.perf_counter() - start
    simpy_eps = ref[:, events_col].sum() / simpy_s

    timings = {}
    for backend, workers in (("serial", None), ("threads", 2), ("processes", 2)):
        start = time.perf_counter()
        result = simulate(x, args.replications, entropy=20240601, chunk_size=250,
                          map_chunks=chunk_mapper(backend, workers))
        timings[backend] = time.perf_counter() - start
    own_mb = _peak_rss_mb()
    print(json.dumps({
        "scenario": "generic_oral_solid/line-1 (24 products, batch, 365 days)",
        "engine_events_per_s": round(engine_eps),
        "simpy_events_per_s": round(simpy_eps),
        "engine_to_simpy_ratio": round(engine_eps / simpy_eps, 1),
        "engine_ms_per_replication_year": round(1000 * engine_s / 1000, 3),
        "simpy_ms_per_replication_year": round(1000 * simpy_s / args.simpy_replications, 1),
        "events_per_replication_year": round(float(rows[:, events_col].mean()), 1),
        "replication_years": args.replications,
        "wall_s_serial": round(timings["serial"], 2),
        "wall_s_2_threads": round(timings["threads"], 2),
        "speedup_2_threads": round(timings["serial"] / timings["threads"], 2),
        "wall_s_2_processes": round(timings["processes"], 2),
        "speedup_2_processes": round(timings["serial"] / timings["processes"], 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "peak_rss_mb_main_process": round(own_mb, 1),
        "cpu_count": os.cpu_count(),
        "check_units_good_mean": round(result.mean("units_good")),
    }))


if __name__ == "__main__":
    main()
