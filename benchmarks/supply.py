"""Benchmark of the supply-disruption simulator; prints one JSON object.

Workload: 200 products, each a 3-tier chain
KSM -> API -> FDF, x 10,000 scenario-years on 2 workers (threads by default: the compiled
kernels release the GIL, and threads pay no worker start-up). Targets: <= 30 s wall time
and <= 2 GB peak memory.

The portfolio is synthetic (:func:`synthetic_portfolio`, seeded): 40 KSM sites, 60 API
sites, 25 FDF sites, shared between products so that a site outage hits several products;
half the products have a second API supplier. Every site has the bundled default outage
modes (data/disruption_defaults.yaml). Values below are assumptions that set the amount of
work, not results.

Peak memory is the largest resident set of this process and, reported by each chunk, of
the worker process that ran it (``getrusage(RUSAGE_SELF)`` in MB; pool workers are not
children of this process under the forkserver start method, so they report themselves;
with threads both figures are this process).

Before the timed run, one chunk is timed serially by stage (``one_chunk_serial_s``: site
calendars, demand paths, kernel), so a slower figure can be traced to its stage; the
processor model is printed because the wall time depends on the machine (see
docs/supply_simulation.md, Performance).

Usage: ``python benchmarks/supply.py [--years 10000] [--products 200] [--workers 2]
[--backend threads|processes|serial]``
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import time

import numpy as np

from rxtwin.compute import run_chunks
from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.stats import merge_all, plan_chunks
from rxtwin.supply.disruption import (
    N_EPISODE_BINS,
    _product_args,
    demand_paths,
    disruption_chunk_task,
    simulate_disruptions,
    site_down_calendar,
)
from rxtwin.supply.disruption_inputs import chain_inputs
from rxtwin.supply.disruption_kernel import (
    BALANCE,
    CAUSE_STATISTICS,
    N_STATISTICS,
    simulate_product,
)

N_KSM_SITES, N_API_SITES, N_FDF_SITES = 40, 60, 25  # assumption: shared supplier base
LEAD_DAYS = {"ksm": 30, "api": 45, "fdf": 0}  # assumption: sea freight, in-house FDF
COVER_DAYS = {"ksm": 30.0, "api": 30.0, "fdf": 45.0}  # assumption: typical generic stocks
SHELF_DAYS = {"ksm": 1825, "api": 1095, "fdf": 730}  # assumption: 5 / 3 / 2 years
HEADROOM = 0.2
SURGE_FRACTION = 0.5


def synthetic_portfolio(n_products: int, seed: int = 2024):
    """Engine inputs for ``n_products`` synthetic 3-tier products (seeded)."""
    rng = np.random.default_rng(seed)
    defaults = load_disruption_defaults()
    site_ids = ([f"ksm-{i}" for i in range(N_KSM_SITES)]
                + [f"api-{i}" for i in range(N_API_SITES)]
                + [f"fdf-{i}" for i in range(N_FDF_SITES)])
    offset = {"ksm": 0, "api": N_KSM_SITES, "fdf": N_KSM_SITES + N_API_SITES}
    count = {"ksm": N_KSM_SITES, "api": N_API_SITES, "fdf": N_FDF_SITES}
    products = []
    for p in range(n_products):
        d = float(rng.lognormal(np.log(2000.0), 1.0))
        tiers = []
        for t, tier in enumerate(("ksm", "api", "fdf")):
            n_sup = 2 if (tier == "api" and p % 2 == 0) else 1
            sites = rng.choice(count[tier], size=n_sup, replace=False) + offset[tier]
            share = 1.0 / n_sup
            suppliers = [{"site": int(s), "share": share,
                          "normal_units_per_day": share * (1 + HEADROOM) * d,
                          "capacity_units_per_day": max(share * (1 + HEADROOM),
                                                        SURGE_FRACTION) * d,
                          "lead_days": LEAD_DAYS[tier], "lag_days": 30} for s in sites]
            tiers.append({"label": tier, "parent": t + 1 if tier != "fdf" else -1,
                          "base_stock_units": (COVER_DAYS[tier] + LEAD_DAYS[tier]) * d,
                          "initial_age_days": int(COVER_DAYS[tier] / 2),
                          "shelf_life_days": SHELF_DAYS[tier], "unit_value_usd": 0.5,
                          "suppliers": suppliers})
        products.append({"id": f"product-{p}", "demand_units_per_day": d, "demand_cv": 0.2,
                         "dosage_form_class": "oral_solid", "tiers": tiers})
    modes = [defaults.site_outage_modes] * len(site_ids)
    return chain_inputs(products, site_ids, modes, holding_rate_per_yr=0.2)


def _measured_task(inputs, chunk):
    """One chunk, plus the worker's peak resident set so far [MB]."""
    summary = disruption_chunk_task(inputs, chunk)
    return summary, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def chunk_breakdown_s(inputs, n_years: int, seed: int = 1) -> dict[str, float]:
    """Seconds spent by one chunk of ``n_years`` recorded years, serially, in each stage:
    site calendars, demand paths (noise and shocks) and the compiled kernel."""
    chunk_seed = np.random.SeedSequence(seed)
    n_total = inputs.warmup_years + n_years
    start = time.perf_counter()
    down = site_down_calendar(inputs, chunk_seed, n_total)
    calendar_s = time.perf_counter() - start
    demand_s = kernel_s = 0.0
    for p in range(inputs.n_products):
        start = time.perf_counter()
        demand = demand_paths(inputs, p, chunk_seed, n_total)
        middle = time.perf_counter()
        simulate_product(*_product_args(inputs, p), down, demand, inputs.holding_rate_per_yr,
                         inputs.warmup_years, inputs.episode_gap_days,
                         inputs.attribution_window_days,
                         np.zeros((n_years, N_STATISTICS)),
                         np.zeros(N_EPISODE_BINS, dtype=np.int64),
                         np.zeros(N_EPISODE_BINS, dtype=np.int64),
                         np.zeros((inputs.tier_parent.shape[1], len(BALANCE))),
                         np.zeros((inputs.causes.n_causes, len(CAUSE_STATISTICS))))
        kernel_s += time.perf_counter() - middle
        demand_s += middle - start
    return {"site_calendars": round(calendar_s, 3), "demand_paths": round(demand_s, 3),
            "kernel": round(kernel_s, 3)}


def cpu_model() -> str:
    """The processor's model name (Linux), else the platform's processor string."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=250)
    parser.add_argument("--backend", default="threads",
                        choices=("threads", "processes", "serial"))
    args = parser.parse_args()
    inputs = synthetic_portfolio(args.products)
    # compile (numba cache) outside the timed run
    simulate_disruptions(inputs, 2, entropy=0, chunk_size=2)
    breakdown = chunk_breakdown_s(inputs, args.chunk_size)
    start = time.perf_counter()
    _, chunks = plan_chunks(args.years, args.chunk_size, 12345)
    results = run_chunks(functools.partial(_measured_task, inputs), chunks,
                         backend=args.backend, workers=args.workers)
    summary = merge_all([r[0] for r in results])
    seconds = time.perf_counter() - start
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    child_mb = max(r[1] for r in results)
    table = summary.table()
    print(json.dumps({
        "benchmark": "supply_disruption",
        "products": args.products,
        "tiers_per_product": 3,
        "sites": inputs.n_sites,
        "scenario_years": args.years,
        "workers": args.workers,
        "backend": args.backend,
        "chunk_size": args.chunk_size,
        "seconds": round(seconds, 2),
        "product_days_per_s": round(args.products * args.years * 365 / seconds),
        "peak_memory_mb_parent": round(self_mb, 1),
        "peak_memory_mb_worker": round(child_mb, 1),
        "target_seconds": 30.0,
        "target_memory_mb": 2048.0,
        # the targets are set for 200 products x 10,000 scenario-years on 2 workers
        "meets_targets": bool(seconds <= 30.0 and max(self_mb, child_mb) <= 2048.0)
        if (args.products, args.years, args.workers) == (200, 10_000, 2) else None,
        "mean_shortage_probability_per_yr": round(float(
            table["shortage_probability_per_yr"].mean()), 4),
        "mean_fill_rate": round(float(table["fill_rate"].mean()), 5),
        "one_chunk_serial_s": breakdown,
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
