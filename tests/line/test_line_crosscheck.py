"""Two implementations agree: the compiled engine against the SimPy reference model.

Six scenarios cover each technology (batch, advanced batch, continuous, modular) and both
campaign policies (fixed rotation, run-out). Each model runs its own independent
replications (the SimPy model 1,000, the engine 4,000, different seeds), so agreement is
statistical, not trajectory by trajectory.

Compared statistics (line level, per scenario): ``units_good``, ``availability``,
``performance``, ``quality``, ``changeovers``, ``rejected_lots``, ``fill_rate``,
``avg_inventory_units``, ``unmet_demand_product_days``.

Criterion: |mean_engine - mean_simpy| <= z_0.995 * sqrt(se_engine^2 + se_simpy^2), the two
models' joint 99 % confidence interval, plus 1e-9 x |mean| for floating-point rounding
(some statistics are nearly deterministic, e.g. performance on a fixed rotation, and the two
models sum in different orders).

False alarms: 9 statistics x 6 scenarios = 54 comparisons at 1 % each, so with a correct
engine about 0.5 comparisons would fail on average if they were independent; they are
strongly positively correlated (units_good, availability and quality move together), so
the chance of at least one false alarm is below 1 - 0.99^54 = 42 %. The seeds are fixed,
so the test is deterministic; a failure must be investigated by re-running both models with
many more replications before anything else.

Record of such an investigation: with seed base 2024, after daily demand changed from gamma
to log-normal, ``advanced_batch_run_out`` failed on units_good (engine 221081 vs SimPy
218989, allowed gap 1570) and avg_inventory_units (gap 271 > 234). Re-running that scenario
with 40,000 engine and 6,000 SimPy replications (other seeds) gave |z| <= 1.5 on all nine
statistics (units_good 220609 vs 220737), i.e. a chance exceedance; the seed base was then
changed once, to 2025. Any further change of seeds needs the same written record.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from rxtwin.line import inputs as li
from rxtwin.line.engine import simulate_replications, statistic_catalogue
from rxtwin.line.reference_simpy import reference_replications

pytestmark = pytest.mark.slow

Z_0995 = stats.norm.ppf(0.995)
SEED_BASE = 2025
N_SIMPY = 1000
N_ENGINE = 4000
COMPARED = ("units_good", "availability", "performance", "quality", "changeovers",
            "rejected_lots", "fill_rate", "avg_inventory_units", "unmet_demand_product_days")


def scenario(build, name: str) -> li.LineEngineInputs:
    """The cross-check scenarios (test values; see tests/line/conftest.py)."""
    run_out = li.CampaignPolicy.RUN_OUT
    demand = build.product_arrays(3)["demand_units_per_day"]
    continuous = dict(
        operating_mode=li.OperatingMode.CONTINUOUS, lot_size_units=1500.0 * 8.0,
        lot_cycle_h=8.0, changeover=li.gamma(10.0, 0.5), startup_loss_h=3.0,
        shutdown_loss_h=2.0, qc_release_h=48.0, speed_fraction=0.95)
    modular = dict(
        operating_mode=li.OperatingMode.CONTINUOUS, lot_size_units=700.0 * 12.0,
        lot_cycle_h=12.0, changeover=li.exponential(4.0), startup_loss_h=1.0,
        shutdown_loss_h=0.5, qc_release_h=24.0, speed_fraction=0.95, cycle_length_days=7.0,
        initial_inventory_units=3 * demand)
    advanced_batch = dict(  # real-time release, half the failures, a short opening stock
        qc_release_h=12.0, changeover=li.lognormal(12.0, 0.4),
        failures=build.all_failures(0.5), policy=run_out, initial_inventory_units=4 * demand)
    table = {
        "batch_fixed_rotation": {},
        "batch_run_out": dict(policy=run_out),
        "advanced_batch_run_out": advanced_batch,
        "continuous_fixed_rotation": continuous,
        "continuous_run_out": dict(continuous, policy=run_out),
        "modular_fixed_rotation": modular,
    }
    return build.make_line(3, **table[name])


SCENARIOS = ("batch_fixed_rotation", "batch_run_out", "advanced_batch_run_out",
             "continuous_fixed_rotation", "continuous_run_out", "modular_fixed_rotation")


@pytest.mark.parametrize("index, name", list(enumerate(SCENARIOS)))
def test_engine_and_simpy_reference_agree(build, index, name):
    x = scenario(build, name)
    engine = simulate_replications(x, np.random.default_rng([SEED_BASE, index, 1]), N_ENGINE)
    simpy = reference_replications(x, np.random.default_rng([SEED_BASE, index, 2]), N_SIMPY)
    columns = [(n, p) for n, p, _ in statistic_catalogue(x)]
    failures = []
    for statistic in COMPARED:
        j = columns.index((statistic, None))
        a, b = engine[:, j], simpy[:, j]
        assert np.isfinite(a).all() and np.isfinite(b).all(), statistic
        se = np.hypot(a.std(ddof=1) / np.sqrt(len(a)), b.std(ddof=1) / np.sqrt(len(b)))
        gap = abs(a.mean() - b.mean())
        allowed = Z_0995 * se + 1e-9 * max(abs(a.mean()), abs(b.mean()))
        if gap > allowed:
            failures.append(f"{statistic}: engine {a.mean():.6g}, simpy {b.mean():.6g}, "
                            f"gap {gap:.3g} > {allowed:.3g}")
    assert not failures, f"{name}: " + "; ".join(failures)


def test_scenarios_exercise_what_they_claim(build):
    """Guards the cross-check's coverage: every failure mode fires, changeovers and
    backorders occur, and the run-out scenarios idle at times (policy active)."""
    for index, name in enumerate(SCENARIOS):
        x = scenario(build, name)
        rows = simulate_replications(x, np.random.default_rng([7, index]), 200)
        columns = [(n, p) for n, p, _ in statistic_catalogue(x)]
        means = dict(zip(columns, rows.mean(axis=0), strict=True))
        for mode in x.failures.names:
            assert means[(f"failure_events:{mode}", None)] > 0.1, (name, mode)
        assert means[("changeovers", None)] > 3, name
        assert means[("unmet_demand_product_days", None)] > 0.1, name
        if x.policy == li.CampaignPolicy.RUN_OUT:
            assert means[("idle_h", None)] > 0, name
