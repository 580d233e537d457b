"""Benchmark of the line simulator; prints one JSON object.

Measures, on the 24-product reference line of the bundled ``generic_oral_solid`` scenario
(its line ``line-1``, batch technology, 1-year horizon):

* engine events/s and SimPy-reference events/s on the same inputs, and their ratio
  (events = day closes + demand events + line activities, counted alike by both models);
* wall time, CPU time and peak memory (max resident set size of this process, which runs
  the serial case) for 10,000 replication-years (40 chunks of 250) serially, on 2 threads,
  on 2 worker processes and, unless ``--no-dask``, on a 2-worker local Dask cluster, with
  the speed-ups over serial. Targets: engine/SimPy ratio >= 100x; 10,000 replication-years
  in <= 5 s on 2 cores; peak memory <= 1 GB; >= 1.8x on 2 processes.

Process pools and local clusters are timed twice in this process: the first call
(``*_first_call``) pays worker start-up (interpreter, imports, loading the numba cache);
the second call shows what a process that runs more than once pays per run. The serial
case is timed after compiling, as before.

Every parallel case also prints a breakdown, ``breakdown_*`` [s]: ``startup_s`` (call
start to a worker's first chunk: pool or cluster start, interpreter, imports, unpickling
the task), ``compile_s`` (a worker's first chunk minus its median chunk: numba compiling or
loading its cache), ``compute_s`` (the rest of the worker's chunk time) -- each the mean
over workers -- ``other_s`` (wall time minus those three: scheduling, waiting for the
slowest worker, shut-down) and ``pickling_s`` (pickling and unpickling every submitted
task and chunk argument and every result once, timed in this process: a CPU cost spread
over the parent and the workers).

CPU time ``cpu_s_*`` = this process's CPU time plus that of the workers, each reported by
the chunk it ran (``time.process_time`` at the end of the worker's last chunk, less the
value at the start of its first chunk when the worker had run chunks in an earlier call).
``resource.getrusage(RUSAGE_CHILDREN)`` cannot be used: forkserver workers are children of
the fork server, not of this process, and live pool workers have not exited. Dask nanny
processes are not counted. Load from other users of the machine shows in the wall times
but hardly in the CPU times; ``load_average_1min_start``/``_end`` record it.

The engine inputs come from the library's scenario adapter
(:func:`rxtwin.line.from_scenario.line_inputs_from_scenario`).

Usage: ``python benchmarks/line.py [--replications 10000] [--no-dask]``
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pickle
import platform
import resource
import statistics
import time

import numpy as np

from rxtwin.compute import run_chunks
from rxtwin.data.scenarios import load_scenario
from rxtwin.line import inputs as li
from rxtwin.line.engine import simulate_replications, statistic_catalogue
from rxtwin.line.from_scenario import line_inputs_from_scenario
from rxtwin.line.reference_simpy import reference_replications
from rxtwin.line.results import LineResults
from rxtwin.line.simulate import DEFAULT_CHUNK_SIZE, line_chunk_task
from rxtwin.stats import merge_all, plan_chunks

ENTROPY = 20240601


def reference_line() -> li.LineEngineInputs:
    """The 24-product reference line of the bundled scenario, through the scenario adapter."""
    return line_inputs_from_scenario(load_scenario("generic_oral_solid"), "line-1")


def _peak_rss_mb() -> float:
    """Max resident set size of this process [MB] (pool workers are forked by a
    forkserver, not by us, so their peaks are not visible here)."""
    scale = 1.0 / 1024 if platform.system() == "Linux" else 1.0 / 2**20  # kB vs bytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def timed_chunk(inputs: li.LineEngineInputs, chunk):
    """``line_chunk_task``'s summary, with the worker's pid and the chunk's start and end
    on the system-wide monotonic clock [s] and in process CPU time [s]."""
    wall_start, cpu_start = time.monotonic(), time.process_time()
    summary = line_chunk_task(inputs, chunk).summary
    return summary, (os.getpid(), wall_start, time.monotonic(), cpu_start, time.process_time())


def _pickling_s(task, chunks, results) -> float:
    """Time to pickle and unpickle every (task, chunk) submission and every result [s]."""
    start = time.perf_counter()
    for chunk in chunks:
        pickle.loads(pickle.dumps((task, chunk)))
    for result in results:
        pickle.loads(pickle.dumps(result))
    return time.perf_counter() - start


def timed_run(x: li.LineEngineInputs, n_replications: int, backend: str,
              workers: int | None, seen_pids: set[int]):
    """Run the line in chunks on ``backend``; return the merged summary and the timings."""
    _, chunks = plan_chunks(n_replications, DEFAULT_CHUNK_SIZE, ENTROPY)
    task = functools.partial(timed_chunk, x)
    cpu_start, wall_start = time.process_time(), time.monotonic()
    out = run_chunks(task, chunks, backend=backend, workers=workers)
    wall_s = time.monotonic() - wall_start
    cpu_s = time.process_time() - cpu_start
    by_worker: dict[int, list] = {}
    for _, info in out:
        by_worker.setdefault(info[0], []).append(info)
    startup, compile_, compute = [], [], []
    chunk_cpu_s = 0.0
    for pid, infos in by_worker.items():
        infos.sort(key=lambda info: info[1])
        durations = [end - begin for _, begin, end, _, _ in infos]
        steady = statistics.median(durations[1:]) if len(durations) > 1 else durations[0]
        extra = max(durations[0] - steady, 0.0)
        startup.append(infos[0][1] - wall_start)
        compile_.append(extra)
        compute.append(sum(durations) - extra)
        chunk_cpu_s += sum(c_end - c_begin for _, _, _, c_begin, c_end in infos)
        if pid != os.getpid():
            cpu_s += infos[-1][4] - (infos[0][3] if pid in seen_pids else 0.0)
    seen_pids.update(by_worker)
    mean = statistics.fmean
    timing = {
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "chunk_cpu_s": chunk_cpu_s,
        "workers_used": len(by_worker),
        "startup_s": mean(startup),
        "compile_s": mean(compile_),
        "compute_s": mean(compute),
    }
    timing["other_s"] = wall_s - timing["startup_s"] - timing["compile_s"] - timing["compute_s"]
    if backend in ("processes", "dask"):
        timing["pickling_s"] = _pickling_s(task, chunks, out)
    return merge_all([summary for summary, _ in out]), timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10_000)
    parser.add_argument("--simpy-replications", type=int, default=20)
    parser.add_argument("--dask", action=argparse.BooleanOptionalAction, default=True,
                        help="also time a 2-worker local Dask cluster (default: yes)")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
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

    cases = [("serial", "serial", None), ("2_threads", "threads", 2),
             ("2_processes_first_call", "processes", 2), ("2_processes", "processes", 2)]
    if args.dask:
        cases += [("dask_2_workers_first_call", "dask", 2), ("dask_2_workers", "dask", 2)]
    seen_pids: set[int] = set()
    summaries, timings = {}, {}
    for name, backend, workers in cases:
        summaries[name], timings[name] = timed_run(x, args.replications, backend, workers,
                                                   seen_pids)
    own_mb = _peak_rss_mb()
    serial = summaries["serial"]
    result = LineResults(catalogue=statistic_catalogue(x), summary=serial,
                         n_replications=args.replications, seed_entropy=ENTROPY,
                         chunk_size=DEFAULT_CHUNK_SIZE)
    _, chunks = plan_chunks(args.replications, DEFAULT_CHUNK_SIZE, ENTROPY)
    report = {
        "scenario": "generic_oral_solid/line-1 (24 products, batch, 365 days)",
        "engine_events_per_s": round(engine_eps),
        "simpy_events_per_s": round(simpy_eps),
        "engine_to_simpy_ratio": round(engine_eps / simpy_eps, 1),
        "engine_ms_per_replication_year": round(1000 * engine_s / 1000, 3),
        "simpy_ms_per_replication_year": round(1000 * simpy_s / args.simpy_replications, 1),
        "events_per_replication_year": round(float(rows[:, events_col].mean()), 1),
        "replication_years": args.replications,
        "chunks": len(chunks),
    }
    serial_s = timings["serial"]["wall_s"]
    for name, timing in timings.items():
        report[f"wall_s_{name}"] = round(timing["wall_s"], 2)
        report[f"cpu_s_{name}"] = round(timing["cpu_s"], 2)
        if name != "serial":
            report[f"speedup_{name}"] = round(serial_s / timing["wall_s"], 2)
    for name, timing in timings.items():
        if name in ("serial", "2_threads"):
            continue
        report[f"breakdown_{name}"] = {
            key: round(timing[key], 3)
            for key in ("startup_s", "compile_s", "pickling_s", "compute_s", "other_s")
        } | {"workers_used": timing["workers_used"],
             "overhead_cpu_s": round(timing["cpu_s"] - timing["chunk_cpu_s"], 2)}
    task = functools.partial(line_chunk_task, x)
    report |= {
        "pickled_task_bytes": len(pickle.dumps(task)),
        "pickled_chunk_bytes": len(pickle.dumps(chunks[0])),
        "pickled_result_bytes": len(pickle.dumps(line_chunk_task(x, chunks[0]))),
        "summaries_bit_identical": all(s.equals(serial) for s in summaries.values()),
        "load_average_1min_start": round(load_start, 2),
        "load_average_1min_end": round(os.getloadavg()[0], 2),
        "peak_rss_mb_main_process": round(own_mb, 1),
        "cpu_count": os.cpu_count(),
        "check_units_good_mean": round(result.mean("units_good")),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
