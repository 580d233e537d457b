"""Benchmark of the national priority study: one JSON object on stdout.

Workload (the target: at most 120 s and 4 GB on the shared 2-core machine):

1. a national network of 300 medicines (the first 300 of the bundled WHO essential-medicines
   list, :func:`rxtwin.data.national.national_scenario`, seed 2024): KSM -> API ->
   finished-dose tiers with shared sites, eight candidate measures;
2. the measures study and the ranking (:func:`rxtwin.runs.priority.prioritize`): one network
   run without measures and one per measure, 1,000 scenario-years each on common random
   numbers (chunks of 125 years on 2 threads), every (product, measure) pair priced for the
   firm and for society (200 cost draws each), then the priority score;
3. one portfolio at a 50 million USD budget and the MILP frontier at 20 budgets
   (:func:`rxtwin.runs.priority.plan_portfolio` without re-simulation);
4. (reported apart, not in the target) the chosen portfolio re-simulated as a whole.

Usage: ``python benchmarks/priority.py [--products 300] [--years 1000] [--workers 2]``.
Peak memory is the process's maximum resident set (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time

from rxtwin.compute import chunk_mapper
from rxtwin.data.national import essential_medicines, national_scenario
from rxtwin.runs.priority import plan_portfolio, prioritize

TARGET_S = 120.0
TARGET_PEAK_MB = 4096.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--years", type=int, default=1000)
    parser.add_argument("--chunk-size", type=int, default=125)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budgets", type=int, default=20)
    args = parser.parse_args()
    mapper = chunk_mapper("threads", workers=args.workers)

    start = time.perf_counter()
    scenario = national_scenario(2024, medicines=essential_medicines().iloc[:args.products])
    generated = time.perf_counter()
    result = prioritize(scenario, entropy=1, n_years=args.years, chunk_size=args.chunk_size,
                        map_chunks=mapper)
    studied = time.perf_counter()
    plan = plan_portfolio(scenario, result, budget_usd=50e6, n_budgets=args.budgets,
                          resimulate=False)
    solved = time.perf_counter()
    checked_plan = plan_portfolio(scenario, result, budget_usd=50e6, n_budgets=2,
                                  map_chunks=mapper)
    checked = time.perf_counter()

    total_s = solved - start
    peak_mb = _peak_mb()
    print(json.dumps({
        "benchmark": "priority",
        "machine": platform.machine(), "python": platform.python_version(),
        "products": len(scenario.products), "sites": len(scenario.sites),
        "measures": len(scenario.interventions), "priced_pairs": len(result.study.effects),
        "network_runs": 1 + len(scenario.interventions), "scenario_years_per_run": args.years,
        "chunk_size": args.chunk_size, "workers": args.workers,
        "generate_s": round(generated - start, 2),
        "study_and_ranking_s": round(studied - generated, 2),
        "portfolio_and_frontier_s": round(solved - studied, 2),
        "frontier_budgets": len(plan.frontier),
        "total_s": round(total_s, 2), "target_s": TARGET_S,
        "peak_mb": round(peak_mb, 1), "target_peak_mb": TARGET_PEAK_MB,
        "meets_targets": total_s <= TARGET_S and peak_mb <= TARGET_PEAK_MB,
        "portfolio_measures_chosen": len(plan.choice),
        "resimulation_s": round(checked - solved, 2),
        "additive_shortage_days_avoided_per_yr": round(checked_plan.check.additive_total, 2),
        "simulated_shortage_days_avoided_per_yr": round(checked_plan.check.simulated_total,
                                                        2),
    }))


if __name__ == "__main__":
    main()
