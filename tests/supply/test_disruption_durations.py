"""The simulated-vs-FDA shortage-duration table (the Kaplan-Meier estimate itself is tested
in tests/stats/test_survival.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rxtwin.stats import HistogramSummary, MomentSummary
from rxtwin.supply.disruption import (
    STATISTICS,
    DisruptionSummary,
    shortage_duration_comparison,
)


def summary_with(ended: np.ndarray, open_: np.ndarray) -> DisruptionSummary:
    n_products, n_bins = ended.shape
    edges = np.arange(n_bins + 1, dtype=float)
    zeros = np.zeros(n_products, dtype=np.int64)
    moments = MomentSummary.from_samples(np.zeros((2, n_products * len(STATISTICS))))
    return DisruptionSummary(tuple(f"p{i}" for i in range(n_products)), moments,
                             HistogramSummary(edges, ended, zeros, zeros.copy()),
                             HistogramSummary(edges.copy(), open_, zeros.copy(), zeros.copy()),
                             moments)


def test_comparison_pools_products_of_the_class_and_matches_by_hand():
    # Product 0 (oral_solid): ended episodes of 2, 2 and 6 days, one open at 4 days.
    # Product 1 (sterile_injectable): 100 episodes of 50 days -- must be ignored.
    ended = np.zeros((2, 60), dtype=np.int64)
    open_ = np.zeros((2, 60), dtype=np.int64)
    ended[0, 2] = 2
    ended[0, 6] = 1
    open_[0, 4] = 1
    ended[1, 50] = 100
    summary = summary_with(ended, open_)
    episodes = pd.DataFrame({
        "dosage_form_class": pd.Categorical(["oral_solid"] * 3 + ["other"]),
        "duration_days": [10, 20, 30, 1],
        "censored": [False, True, False, False],
    })
    table = shortage_duration_comparison(summary, ["oral_solid", "sterile_injectable"],
                                         episodes, "oral_solid", probabilities=(0.5, 0.9),
                                         snapshot_interval_days=None)
    # simulated: at 2 days S = 1 - 2/4 = 1/2 -> median 2; at 6 days S = 1/2 x 0 -> 0 -> p90 6
    assert table["simulated_days"].tolist() == [2.0, 6.0]
    # FDA oral_solid: 10 (event), 20 (censored), 30 (event): S(10) = 2/3, S(30) = 0
    assert table["fda_days"].tolist() == [30.0, 30.0]
    assert table["ratio"].tolist() == pytest.approx([2 / 30, 6 / 30])
    assert table.attrs["simulated_episodes"] == 4
    assert table.attrs["simulated_censored"] == 1
    assert table.attrs["fda_episodes"] == 3
    assert table.attrs["fda_censored"] == 1


def test_snapshot_weights_favour_long_episodes_as_yearly_snapshots_do():
    # By hand: 9 ended episodes of 10 days and 1 of 100 days; a snapshot every 100 days
    # sees a 10-day episode with probability 0.1 and the 100-day one surely: weights
    # 9 x 0.1 = 0.9 at 10 days and 1 at 100 days. Kaplan-Meier: S(10) = 1 - 0.9/1.9 =
    # 0.526 -> median 100 days (unweighted: 10 days).
    ended = np.zeros((1, 120), dtype=np.int64)
    ended[0, 10] = 9
    ended[0, 100] = 1
    summary = summary_with(ended, np.zeros_like(ended))
    episodes = pd.DataFrame({"dosage_form_class": ["oral_solid"], "duration_days": [50],
                             "censored": [False]})
    weighted = shortage_duration_comparison(summary, ["oral_solid"], episodes, "oral_solid",
                                            probabilities=(0.5,), snapshot_interval_days=100)
    plain = shortage_duration_comparison(summary, ["oral_solid"], episodes, "oral_solid",
                                         probabilities=(0.5,), snapshot_interval_days=None)
    assert weighted["simulated_days"].tolist() == [100.0]
    assert plain["simulated_days"].tolist() == [10.0]
    assert weighted.attrs["simulated_observed"] == pytest.approx(1.9)
    with pytest.raises(ValueError, match="snapshot_interval_days"):
        shortage_duration_comparison(summary, ["oral_solid"], episodes, "oral_solid",
                                     snapshot_interval_days=0)


def test_comparison_checks_the_class_list_length():
    summary = summary_with(np.zeros((2, 5), np.int64), np.zeros((2, 5), np.int64))
    episodes = pd.DataFrame({"dosage_form_class": ["oral_solid"], "duration_days": [1],
                             "censored": [False]})
    with pytest.raises(ValueError, match="product_classes"):
        shortage_duration_comparison(summary, ["oral_solid"], episodes, "oral_solid")
