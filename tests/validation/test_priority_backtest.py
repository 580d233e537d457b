"""The priority score against FDA shortages after 2021, recomputed on the bundled data.

Compared: the table in docs/priority.md ("Backtest against FDA shortages") with the table
the code gives today, character for character (no tolerance: same data, same seed, same
numbers). Asserted: the metrics are well formed (AUC in [0, 1], each interval contains its
estimate, the trivial accuracy is 1 - base rate). NOT asserted: that the score beats its
baselines. Whatever emerges is reported.

Sources: bundled FDA Drug Shortages snapshots 2019-2025 (2025 partial), FDA compliance
actions to 2024-06-27, WHO Model List of Essential Medicines 2023; the weights are the
bundled priority_weights.yaml, fixed before the test years were looked at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rxtwin.data.priority_weights import bundled_priority_weights_path, load_priority_weights
from rxtwin.runs.priority_backtest import (
    DOCS_END,
    DOCS_START,
    priority_backtest,
    priority_backtest_markdown,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "priority.md"
METRICS = ("auroc", "auprc", "precision_at_20", "precision_at_50")


@pytest.fixture(scope="module")
def result():
    return priority_backtest()


def test_the_docs_table_is_what_the_backtest_gives(result):
    text = DOC.read_text(encoding="utf-8")
    printed = text[text.index(DOCS_START):text.index(DOCS_END) + len(DOCS_END)]
    assert printed == priority_backtest_markdown(result), (
        "docs/priority.md is stale: replace the table between the markers with "
        "rxtwin.runs.priority_backtest.priority_backtest_markdown(priority_backtest())")


def test_the_bundled_weights_are_used_as_published(result):
    # no fitting on the test years: the weights are the bundled file's, untouched
    assert result.weights_file == str(bundled_priority_weights_path())
    again = priority_backtest(weights=load_priority_weights(bundled_priority_weights_path()))
    assert again.table.equals(result.table)


def test_features_see_nothing_after_the_cutoff(result):
    # 2019-2021 snapshots: a history is a share of three snapshots
    shares = set(result.features["shortage_history"].round(9))
    assert shares <= {0.0, round(1 / 3, 9), round(2 / 3, 9), 1.0}
    assert result.cutoff.year == 2021


def test_metrics_are_well_formed(result):
    table = result.table
    assert len(table) == 9  # three outcomes x three models
    assert (table["always_no_accuracy"] == 1 - table["base_rate"]).all()
    for metric in METRICS:
        assert table[metric].between(0, 1).all(), metric
        assert (table[f"{metric}_low"] <= table[metric]).all(), metric
        assert (table[metric] <= table[f"{metric}_high"]).all(), metric
    subsets = table.groupby("outcome")["n"].first()
    assert subsets["any shortage after the cut-off"] == len(result.features)
    assert subsets["persistence"] + subsets["new onset"] <= len(result.features)


def test_name_matching_is_reported(result):
    rates = result.match_rates
    assert 0 < rates["shortage_names"] <= 1 and 0 < rates["medicines_in_fda_data"] <= 1
    assert rates["shortage_names_linked_count"] == result.links["shortage_name"].nunique()
    ambiguous = result.ambiguous
    assert ambiguous["ambiguous"].all()
    assert (ambiguous.groupby("shortage_name")["medicine_name"].nunique() > 1).all()
    # a known link: FDA's U.S. name reaches the WHO INN
    links = set(zip(result.links["shortage_name"], result.links["medicine_name"], strict=True))
    assert any(m == "aciclovir" and "Acyclovir" in s for s, m in links)
