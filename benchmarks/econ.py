"""Benchmark of rxtwin.econ: one JSON object on stdout.

Times the pieces a break-even study calls many times: building a 20-year cash-flow table,
appraising it, solving a required subsidy and filling a 20 x 20 break-even map.
"""

from __future__ import annotations

import json
import platform
import time

import numpy as np

from rxtwin.econ import (
    CashFlowInputs,
    appraise,
    breakeven_map,
    build_cash_flows,
    firm_profile,
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
    print(json.dumps(result))


if __name__ == "__main__":
    main()
