"""Calibration of an outage mode's duration to shortage-episode durations.

Parameter recovery (the standard check of a calibration routine, e.g. Kennedy and O'Hagan
2001, JRSS B 63(3), sec. 2.2): episodes are simulated from a known duration, thinned as
yearly snapshots would see them, and handed to the calibration as if they were the FDA
episodes; the grid search must give back the duration it came from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rxtwin.model.disruption import DisruptionDefaults, OutageMode
from rxtwin.model.distributions import LogNormal
from rxtwin.supply.calibration import (
    MISSING_QUANTILE_PENALTY,
    CalibrationTarget,
    calibrate_outage_duration,
    quantile_distance,
)
from rxtwin.supply.disruption import simulate_disruptions
from rxtwin.supply.disruption_inputs import MARKET_PARENT, chain_inputs

D = 100.0
MODE = OutageMode("oai", 1.0, LogNormal(dist="lognormal", mean=30.0, cv=1.0),
                  category="regulatory_action")


def build(defaults: DisruptionDefaults):
    """One finished-dose tier, one plant, 10 days of stock, demand without noise."""
    return chain_inputs(
        [{"id": "p", "demand_units_per_day": D, "dosage_form_class": "oral_solid",
          "tiers": [{"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 11 * D,
                     "shelf_life_days": 100_000,
                     "suppliers": [{"site": 0, "share": 1.0,
                                    "normal_units_per_day": 3 * D}]}]}],
        ["plant"], [[defaults.outage_mode(MODE)]])


TARGET = CalibrationTarget("chain", build, "oral_solid")


def defaults_with(duration=None) -> DisruptionDefaults:
    return DisruptionDefaults((), 30.0, 0.2, 0.5, 0.5,
                              calibrated_durations={} if duration is None
                              else {"regulatory_action": duration})


def snapshot_sample(summary, seed: int, interval_days: float = 365.0) -> pd.DataFrame:
    """Episodes of the run as yearly snapshots would list them: an episode of L days is
    kept with probability min(1, L / interval) (thinning, seeded)."""
    rng = np.random.default_rng(seed)
    lengths = summary.episodes_ended.edges[:-1]  # left edge of each length bin [d]
    rows = []
    for counts, censored in ((summary.episodes_ended.counts[0], False),
                             (summary.episodes_open.counts[0], True)):
        for k in np.flatnonzero(counts):
            kept = rng.binomial(int(counts[k]), min(1.0, lengths[k] / interval_days))
            rows += [(int(lengths[k]), censored)] * int(kept)
    return pd.DataFrame({"dosage_form_class": "oral_solid",
                         "duration_days": [r[0] for r in rows],
                         "censored": [r[1] for r in rows]})


@pytest.mark.parametrize(("true_mean", "true_cv"), [(365.0, 1.0), (730.0, 0.5)])
def test_grid_search_recovers_the_duration_the_episodes_came_from(true_mean, true_cv):
    truth = build(defaults_with(LogNormal(dist="lognormal", mean=true_mean, cv=true_cv)))
    run = simulate_disruptions(truth, 3000, entropy=99, chunk_size=500)
    episodes = snapshot_sample(run.summary, seed=5)
    assert len(episodes) > 500
    result = calibrate_outage_duration(
        [TARGET], defaults_with(), episodes,
        mean_grid_days=(180.0, 365.0, 730.0, 1460.0), cv_grid=(0.5, 1.0, 2.0),
        quantiles=(0.25, 0.5, 0.75), n_years=3000, entropy=7, chunk_size=500)
    assert (result.best_mean_days, result.best_cv) == (true_mean, true_cv), result.grid
    assert not result.at_grid_edge
    assert len(result.grid) == 12
    assert result.grid["distance"].min() == result.best_distance
    # the recovered point reproduces the target quantiles to within 10 %
    row = result.comparisons["chain"].set_index("probability").loc[[0.25, 0.5, 0.75]]
    assert np.all(np.abs(row["ratio"] - 1.0) < 0.10), result.comparisons


def test_distances_of_several_targets_add():
    # the same target twice under two names: every total is twice the single distance
    truth = build(defaults_with(LogNormal(dist="lognormal", mean=365.0, cv=1.0)))
    episodes = snapshot_sample(simulate_disruptions(truth, 500, entropy=3,
                                                    chunk_size=250).summary, seed=2)
    kwargs = {"mean_grid_days": (180.0, 365.0), "cv_grid": (1.0,), "n_years": 250,
              "entropy": 4, "chunk_size": 250}
    one = calibrate_outage_duration([TARGET], defaults_with(), episodes, **kwargs)
    twin = CalibrationTarget("twin", build, "oral_solid")
    two = calibrate_outage_duration([TARGET, twin], defaults_with(), episodes, **kwargs)
    np.testing.assert_allclose(two.grid["distance"], 2 * one.grid["distance"])
    np.testing.assert_array_equal(two.grid["distance_twin"], one.grid["distance_chain"])
    assert two.targets == ("chain", "twin")
    with pytest.raises(ValueError, match="unique"):
        calibrate_outage_duration([TARGET, TARGET], defaults_with(), episodes, **kwargs)


def test_best_point_on_the_edge_is_flagged():
    truth = build(defaults_with(LogNormal(dist="lognormal", mean=1460.0, cv=0.5)))
    episodes = snapshot_sample(simulate_disruptions(truth, 2000, entropy=3,
                                                    chunk_size=500).summary, seed=1)
    result = calibrate_outage_duration([TARGET], defaults_with(), episodes,
                                       mean_grid_days=(90.0, 180.0), cv_grid=(0.5,),
                                       n_years=500, entropy=7, chunk_size=250)
    assert result.best_mean_days == 180.0
    assert result.at_grid_edge


def test_quantile_distance_by_hand():
    # ln(2)^2 + 0 + (target NaN: skipped)
    assert quantile_distance([20.0, 30.0, 5.0], [10.0, 30.0, np.nan]) == pytest.approx(
        np.log(2.0) ** 2)
    assert quantile_distance([np.nan], [10.0]) == MISSING_QUANTILE_PENALTY


def test_bad_grid_and_missing_class_are_rejected():
    episodes = pd.DataFrame({"dosage_form_class": ["oral_solid"], "duration_days": [10],
                             "censored": [False]})
    with pytest.raises(ValueError, match="mean_grid_days"):
        calibrate_outage_duration([TARGET], defaults_with(), episodes,
                                  mean_grid_days=(0.0,), n_years=10)
    sterile = CalibrationTarget("chain", build, "sterile_injectable")
    with pytest.raises(ValueError, match="no simulated product of class 'sterile"):
        calibrate_outage_duration([sterile], defaults_with(), episodes,
                                  mean_grid_days=(10.0,), cv_grid=(1.0,), n_years=10)
