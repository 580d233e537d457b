"""Start-up time of the command line: one JSON object on stdout.

Times ``rxtwin --help`` and ``rxtwin validate generic_oral_solid`` (a bundled scenario), each
as a fresh subprocess (the interpreter's start, every import and the command itself), and
reports the median and the spread of ``--runs`` runs after one warm-up run (so the files
are in the page cache, as for a user's second command). Target: each median under 0.5 s.

    python benchmarks/cli.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "help": ["--help"],
    "validate": ["validate", "generic_oral_solid"],
}
TARGET_S = 0.5


def time_command(args: list[str], runs: int) -> list[float]:
    """Wall times [s] of ``runs`` fresh ``python -m rxtwin ARGS`` processes (after one
    untimed warm-up); each must exit 0."""
    command = [sys.executable, "-m", "rxtwin", *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    subprocess.run(command, check=True, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command")
    options = parser.parse_args()
    results = {}
    for name, args in COMMANDS.items():
        times = time_command(args, options.runs)
        results[name] = {"command": "rxtwin " + " ".join(args),
                         "median_s": round(statistics.median(times), 3),
                         "min_s": round(min(times), 3), "max_s": round(max(times), 3),
                         "runs": options.runs,
                         "under_target": statistics.median(times) < TARGET_S}
    print(json.dumps({"target_s": TARGET_S, "python": platform.python_version(),
                      "cpus": os.cpu_count(), "commands": results}, indent=2))


if __name__ == "__main__":
    main()
