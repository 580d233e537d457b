"""Benchmark of the process twin: print one JSON object to stdout.

* ``simulate_8h_1s_s``: build the default flowsheet (blender RTD kernel included) and simulate
  8 h of the line at 1 s resolution with feeder noise, refills and one upset (28,800 steps);
* ``fit_rtd_s``: fit one RTD model (tanks in series, 3 parameters with intervals) to 200
  noisy pulse-tracer points;
* ``select_rtd_model_s``: fit both models and select by AICc.

Each figure is the median of ``REPEATS`` runs after one warm-up. Target: under 1 s each.
"""

from __future__ import annotations

import json
import platform
import statistics
import time

import numpy as np

from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.twin.feeders import FeedDisturbance
from rxtwin.twin.flowsheet import Flowsheet
from rxtwin.twin.rtd import TanksInSeries
from rxtwin.twin.rtd_fit import fit_rtd, select_rtd_model

REPEATS = 5


def _median_seconds(func) -> float:
    func()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    params = load_twin_defaults()
    upset = [FeedDisturbance("api", 3600.0, 120.0, -0.3)]

    def simulate() -> None:
        Flowsheet.from_parameters(params).simulate(8 * 3600.0, np.random.default_rng(1), upset)

    t = np.arange(0.0, 600.0, 3.0)
    clean = 100.0 * TanksInSeries(90.0, 4.0).exit_age_per_s(t)
    signal = clean + 0.02 * clean.max() * np.random.default_rng(2).standard_normal(t.size)

    result = {
        "benchmark": "twin",
        "simulate_8h_1s_s": round(_median_seconds(simulate), 4),
        "fit_rtd_s": round(_median_seconds(lambda: fit_rtd(t, signal, "pulse",
                                                           "tanks_in_series")), 4),
        "select_rtd_model_s": round(_median_seconds(lambda: select_rtd_model(t, signal,
                                                                             "pulse")), 4),
        "steps": 8 * 3600,
        "tracer_points": int(t.size),
        "repeats": REPEATS,
        "target_s": 1.0,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
