"""Two implementations agree: the compiled engine against the SimPy reference model.

Six scenarios cover each technology (batch, advanced batch, continuous, modular) and both
campaign policies (fixed rotation, run-out). Each model runs its own independent
replications (the SimPy model 1,000, the engine 4,000, different seeds), so agreement is
statistical, not trajectory by trajectory.

Compared statistics (line level, per scenario): ``units_made``, ``units_good``,
``waste_units``, ``lots_completed``, ``availability``, ``performance``, ``quality``,
``changeovers``, ``rejected_lots``, ``fill_rate``, ``avg_inventory_units``,
``unmet_demand_product_days`` and ``cost_total_usd`` (the quantities the appraisal uses).

Criterion, per comparison: |mean_engine - mean_simpy| <= z * sqrt(se_engine^2 + se_simpy^2)
plus 1e-9 x |mean| for floating-point rounding (some statistics are nearly deterministic,
e.g. performance on a fixed rotation, and the two models sum in different orders). Two
levels are checked:

* each comparison inside the joint 99 % interval (z = 2.576) - reported, and at most
  ``MAX_PER_COMPARISON_EXCEEDANCES`` of the 13 x 6 = 78 comparisons may exceed it (a correct
  engine exceeds about 0.8 on average);
* every comparison inside the Bonferroni-corrected interval for a 1 % family-wise error
  rate over all 78 (z = 3.66): a correct engine fails this with probability <= 1 %.

The seeds are fixed, so the test is deterministic; a failure must be investigated by
re-running both models with many more replications before anything else.

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
COMPARED = ("units_made", "units_good", "waste_units", "lots_completed", "availability",
            "performance", "quality", "changeovers", "rejected_lots", "fill_rate",
            "avg_inventory_units", "unmet_demand_product_days", "cost_total_usd")
N_COMPARISONS = 6 * len(COMPARED)
Z_FAMILY = stats.norm.ppf(1 - 0.01 / (2 * N_COMPARISONS))  # Bonferroni, 1 % family-wise
MAX_PER_COMPARISON_EXCEEDANCES = 2  # of 6 x 13 at 1 % each; P(more | correct) < 5 %


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


_RESULTS: dict[str, list[tuple[str, float, float, float, float]]] = {}


def compare(build, index: int, name: str) -> list[tuple[str, float, float, float, float]]:
    """(statistic, engine mean, SimPy mean, joint standard error, rounding allowance) for
    every compared statistic of one scenario; computed once per pytest run."""
    if name not in _RESULTS:
        x = scenario(build, name)
        engine = simulate_replications(x, np.random.default_rng([SEED_BASE, index, 1]),
                                       N_ENGINE)
        simpy = reference_replications(x, np.random.default_rng([SEED_BASE, index, 2]),
                                       N_SIMPY)
        columns = [(n, p) for n, p, _ in statistic_catalogue(x)]
        rows = []
        for statistic in COMPARED:
            j = columns.index((statistic, None))
            a, b = engine[:, j], simpy[:, j]
            assert np.isfinite(a).all() and np.isfinite(b).all(), statistic
            se = float(np.hypot(a.std(ddof=1) / np.sqrt(len(a)),
                                b.std(ddof=1) / np.sqrt(len(b))))
            rounding = 1e-9 * max(abs(a.mean()), abs(b.mean()))
            rows.append((statistic, float(a.mean()), float(b.mean()), se, rounding))
        _RESULTS[name] = rows
    return _RESULTS[name]


@pytest.mark.parametrize("index, name", list(enumerate(SCENARIOS)))
def test_engine_and_simpy_reference_agree(build, index, name):
    failures = [f"{statistic}: engine {a:.6g}, simpy {b:.6g}, gap {abs(a - b):.3g} > "
                f"{Z_FAMILY * se + rounding:.3g}"
                for statistic, a, b, se, rounding in compare(build, index, name)
                if abs(a - b) > Z_FAMILY * se + rounding]
    assert not failures, f"{name}: " + "; ".join(failures)


def test_few_comparisons_leave_their_own_99_percent_interval(build):
    """Over the whole family, at most MAX_PER_COMPARISON_EXCEEDANCES comparisons leave
    their own joint 99 % interval."""
    exceedances = [f"{name}/{statistic}: z = {abs(a - b) / se:.2f}"
                   for index, name in enumerate(SCENARIOS)
                   for statistic, a, b, se, rounding in compare(build, index, name)
                   if abs(a - b) > Z_0995 * se + rounding]
    print("99 % exceedances:", exceedances or "none")
    assert len(exceedances) <= MAX_PER_COMPARISON_EXCEEDANCES, exceedances


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
