"""Benchmark of rxtwin.econ: one JSON object on stdout.

Times the pieces a break-even study calls many times: building a 20-year cash-flow table,
appraising it, solving a required subsidy and filling a 20 x 20 break-even map; then a
technology break-even map with line simulations (rxtwin.runs.econ.breakeven_map_2d) on the
bundled 24-product generic line: products per line x volume scale, every technology,
200 replications per technology and point, 2 worker processes. The full 50 x 50 map is
measured when RXTWIN_BENCH_FULL_MAP=1; otherwise a 10 x 10 map is timed and the 50 x 50
time extrapolated linearly in the number of points (keys say which). Then every option of
the sterile scenario priced for the firm and for society
(rxtwin.runs.appraise.appraise_options, 1,000 network scenario-years per option, options
run two at a time in 2 worker processes; target 60 s) and the greenfield appraisal of the
single high-volume product (every arm simulated and appraised, rxtwin.runs.greenfield).
"""

from __future__ import annotations

import json
import os
import platform
import time

import numpy as np

from rxtwin.compute import chunk_mapper
from rxtwin.data.econ_defaults import cash_flow_defaults, firm_profile
from rxtwin.econ import (
    CashFlowInputs,
    appraise,
    breakeven_map,
    build_cash_flows,
    net_cash_flows_usd,
    npv_usd,
    required_subsidy_fraction,
)


def _best_of(fn, repeats: int = 5, number: int = 20) -> float:
    """Best mean wall time of one call [s] over `repeats` batches of `number` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main() -> None:
    profile = firm_profile("generic")
    inputs = CashFlowInputs(
        **cash_flow_defaults(),
        horizon_yr=20,
        install_yr=2,
        capex_usd_by_yr=(2e6, 2e6, 1e6),
        ramp_up_fraction=(0.3, 0.7),
        training_usd=250e3,
        revenue_usd_per_yr=4e6,
        materials_usd_per_yr=1.6e6,
        labour_usd_per_yr=5e5,
        qc_usd_per_yr=2e5,
        working_capital_usd=3e5,
        tax_rate=profile.tax_rate,
        depreciation_method="macrs_gds_half_year",
        depreciation_life_yr=7,
        salvage_value_usd=2.5e5,
    )
    flows = net_cash_flows_usd(inputs)

    def grid_point(revenue: float, materials: float) -> float:
        changed = inputs.model_copy(
            update={"revenue_usd_per_yr": revenue, "materials_usd_per_yr": materials}
        )
        return npv_usd(profile.hurdle_rate, net_cash_flows_usd(changed))

    start = time.perf_counter()
    grid = breakeven_map(grid_point, np.linspace(2e6, 6e6, 20), np.linspace(1e6, 2e6, 20))
    map_s = time.perf_counter() - start
    result = {
        "benchmark": "econ",
        "python": platform.python_version(),
        "build_cash_flows_20yr_ms": 1e3 * _best_of(lambda: build_cash_flows(inputs)),
        "appraise_21yr_ms": 1e3 * _best_of(lambda: appraise(flows, profile)),
        "required_subsidy_fraction_ms": 1e3
        * _best_of(lambda: required_subsidy_fraction(inputs, 0.25, "itc_fraction"), 3, 3),
        "breakeven_map_20x20_s": map_s,
        "breakeven_map_points_meeting_target": int(grid["meets_target"].sum()),
    }
    result.update(_technology_map())
    result.update(_options_appraisal())
    result.update(_greenfield())
    print(json.dumps(result))


def _technology_map() -> dict:
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.runs.econ import breakeven_map_2d

    scenario = load_scenario("generic_oral_solid")
    n = 50 if os.environ.get("RXTWIN_BENCH_FULL_MAP") == "1" else 10
    products = np.round(np.linspace(1, 24, n))  # 50 values repeat some of the 24 counts
    volumes = np.linspace(0.5, 1.5, n)
    start = time.perf_counter()
    frame = breakeven_map_2d(scenario, "products_per_line", [round(float(p)) for p in products],
                             "volume_scale", volumes, n_replications=200, entropy=1,
                             map_chunks=chunk_mapper("processes", workers=2))
    seconds = time.perf_counter() - start
    cells = frame.drop_duplicates(["products_per_line", "volume_scale"])
    points = len(cells)
    out = {
        "tech_map_scenario": scenario.name,
        "tech_map_params": "products_per_line x volume_scale",
        "tech_map_technologies": int(frame["technology"].nunique()) + 1,
        "tech_map_replications_per_point": 200,
        "tech_map_workers": 2,
        "tech_map_measured_points": points,
        "tech_map_measured_s": seconds,
        "tech_map_winners": {k: int(v) for k, v in cells["winner"].value_counts().items()},
    }
    if n == 50:
        out["breakeven_map_50x50_200reps_2workers_s"] = seconds
    else:
        out["breakeven_map_50x50_200reps_2workers_s_extrapolated"] = seconds * 2500 / points
    return out


def _appraise_options_part(index: int, n_years: int, entropy: int) -> int:
    """Every other option of the sterile line (``index`` 0 or 1), priced against the
    incumbent; returns the number of options priced (a worker process's share of
    :func:`_options_appraisal`)."""
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.runs.appraise import appraise_options
    from rxtwin.runs.resilience import resilience_options

    scenario = load_scenario("sterile_injectable")
    line_id = scenario.lines[0].id
    options = resilience_options(scenario, line_id, None, None)
    # the incumbent (options[0]) is simulated by both workers: every option is priced
    # against it on common random numbers
    mine = [o for i, o in enumerate(options[1:]) if i % 2 == index]
    technologies = [o.technology_id for o in mine if o.kind == "technology"]
    interventions = [o.intervention_ids[0] for o in mine if o.kind == "intervention"]
    result = appraise_options(scenario, line_id=line_id, technology_ids=technologies,
                              intervention_ids=interventions, n_years=n_years,
                              entropy=entropy)
    return len(result.table)


def _options_appraisal() -> dict:
    from concurrent.futures import ProcessPoolExecutor

    n_years = 1000
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(_appraise_options_part, [0, 1], [n_years] * 2, [1] * 2))
    seconds = time.perf_counter() - start
    # the same work in this process, one call, for comparison (the incumbent once)
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.runs.appraise import appraise_options

    start = time.perf_counter()
    appraise_options(load_scenario("sterile_injectable"), n_years=n_years, entropy=1)
    serial = time.perf_counter() - start
    return {"options_scenario": "sterile_injectable", "options_years_per_option": n_years,
            "options_workers": 2, "options_rows": sum(counts),
            "appraise_options_sterile_1000yr_2workers_s": seconds,
            "appraise_options_sterile_1000yr_serial_s": serial,
            "appraise_options_target_s": 60.0}


def _greenfield() -> dict:
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.runs.greenfield import appraise_greenfield

    scenario = load_scenario("high_volume_single_product")
    start = time.perf_counter()
    result = appraise_greenfield(scenario, n_replications=400, entropy=1)
    seconds = time.perf_counter() - start
    return {"greenfield_scenario": scenario.name, "greenfield_arms": len(result.arms),
            "greenfield_replications_per_arm": 400, "greenfield_s": seconds,
            "greenfield_appraisal_only_ms": 1e3 * _best_of(
                lambda: appraise_greenfield(scenario, performances={
                    tid: arm.performance for tid, arm in result.arms.items()}), 3, 5)}


if __name__ == "__main__":
    main()
