"""Benchmark of rxtwin.uq: one JSON object on stdout.

Times the pieces an uncertainty study repeats: designs, Sobol' indices of a vectorised
closed-form model (Ishigami), Morris screening, and scenario variants (write + validate)
with the econ illustration model of docs/uq.md.
"""

from __future__ import annotations

import functools
import json
import math
import platform
import time

import numpy as np

from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.data.scenarios import load_scenario
from rxtwin.model import Uniform
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.uq import (
    design_unit,
    morris_screening,
    sample_parameters,
    scenario_model,
    scenario_variants,
    sobol_indices,
)
from rxtwin.uq.examples import technology_switch_npv_usd


def _ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    rng = np.random.default_rng(0)
    out: dict[str, object] = {"python": platform.python_version(), "machine": platform.machine()}
    for method in ("mc", "lhs", "sobol"):
        seconds, _ = _timed(lambda m=method: design_unit(2**16, 10, m, rng))
        out[f"design_{method}_65536x10_s"] = round(seconds, 4)

    ishigami = [UncertainParameter(path=f"x{i}", distribution=Uniform(
        dist="uniform", low=-math.pi, high=math.pi)) for i in range(3)]
    seconds, result = _timed(lambda: sobol_indices(_ishigami, ishigami, 2**14, rng,
                                                   vectorised=True))
    out["sobol_ishigami_n16384_s"] = round(seconds, 3)
    out["sobol_ishigami_n16384_evaluations"] = result.attrs["n_evaluations"]
    seconds, _ = _timed(lambda: morris_screening(_ishigami, ishigami, 200, rng, vectorised=True))
    out["morris_ishigami_r200_s"] = round(seconds, 3)

    scenario = load_scenario("generic_oral_solid")
    npv = functools.partial(technology_switch_npv_usd, technology_id="continuous",
                            products_moved=4, net_benefit_usd_per_yr=2.6e6,
                            depreciation_life_yr=7, **cash_flow_defaults())
    samples = sample_parameters(scenario.uncertain, 200, "lhs", rng)
    seconds, _ = _timed(lambda: list(scenario_variants(scenario, samples)))
    out["scenario_variant_ms"] = round(1e3 * seconds / 200, 3)
    seconds, result = _timed(lambda: sobol_indices(scenario_model(scenario, npv),
                                                   scenario.uncertain, 64, rng))
    out["sobol_scenario_npv_n64_s"] = round(seconds, 3)
    out["sobol_scenario_npv_n64_evaluations"] = result.attrs["n_evaluations"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
