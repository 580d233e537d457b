"""The backtest engine: metrics against hand computations, the name-matching rule, and
features that cannot see past the cut-off."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import rxtwin.priority.backtest as backtest
from rxtwin.data.medicine_classes import load_medicine_classes
from rxtwin.data.priority_weights import load_priority_weights
from rxtwin.errors import UserInputError
from rxtwin.priority.backtest import (
    average_precision,
    backtest_features,
    backtest_outcomes,
    backtest_table,
    match_names,
    precision_at_k,
    roc_auc,
)

CLASSES = load_medicine_classes()


def test_doctests():
    assert doctest.testmod(backtest).failed == 0


# ---------------------------------------------------------------- metrics
def _pairs_auc(scores, labels):
    """AUC by counting pairs: P(positive outscores negative) + 1/2 P(tie)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_auc_is_the_pairwise_probability_with_ties_as_halves():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, size=(40, 30)).astype(float)  # many ties
    labels = rng.random((40, 30)) < 0.3
    expected = [_pairs_auc(s, y) for s, y in zip(scores, labels, strict=True)]
    assert roc_auc(scores, labels) == pytest.approx(expected, abs=1e-12)
    assert np.isnan(roc_auc([0.1, 0.2], [True, True])[0])


def test_average_precision_by_hand_with_a_tie():
    # thresholds 0.9 {y}, 0.5 {y, n}, 0.1 {n}: recall steps 1/2 at precision 1, 1/2 at 2/3
    assert average_precision([0.9, 0.5, 0.5, 0.1], [True, True, False, False])[0] == \
        pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    # order of tied items does not matter
    assert average_precision([0.5, 0.5, 0.9, 0.1], [False, True, True, False])[0] == \
        pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert average_precision([0.3, 0.2, 0.1], [True, False, False])[0] == 1.0


def test_precision_at_k_counts_boundary_ties_by_their_share():
    assert precision_at_k([4, 3, 2, 1], [True, False, True, True], 2)[0] == 0.5
    # k = 3 cuts the tie {2, 2}: one of its two items is positive
    assert precision_at_k([4, 3, 2, 2], [True, False, True, False], 3)[0] == \
        pytest.approx((1 + 0.5) / 3)
    with pytest.raises(UserInputError, match="k=5"):
        precision_at_k([1, 2], [True, False], 5)


def test_a_random_score_has_auc_near_half_and_ap_near_the_base_rate():
    rng = np.random.default_rng(11)
    labels = rng.random((200, 500)) < 0.2
    scores = rng.random((200, 500))
    assert roc_auc(scores, labels).mean() == pytest.approx(0.5, abs=0.01)
    assert average_precision(scores, labels).mean() == pytest.approx(labels.mean(), abs=0.02)


# ---------------------------------------------------------------- names
def test_most_specific_match_wins_and_combinations_are_ambiguous():
    links = match_names(
        ["amoxicillin", "amoxicillin + clavulanic acid", "lidocaine", "epinephrine (adrenaline)",
         "aciclovir"],
        ["Amoxicillin and Clavulanate Potassium Tablet", "Amoxicillin Capsule",
         "Lidocaine Hydrochloride and Epinephrine Injection", "Acyclovir Sodium Injection",
         "Metformin Tablet"], CLASSES)
    pairs = {(s, m): a for s, m, a in links.itertuples(index=False)}
    assert pairs == {
        ("Amoxicillin and Clavulanate Potassium Tablet", "amoxicillin + clavulanic acid"): False,
        ("Amoxicillin Capsule", "amoxicillin"): False,
        ("Lidocaine Hydrochloride and Epinephrine Injection", "epinephrine (adrenaline)"): True,
        ("Lidocaine Hydrochloride and Epinephrine Injection", "lidocaine"): True,
        ("Acyclovir Sodium Injection", "aciclovir"): False,
    }


# ---------------------------------------------------------------- features and outcomes
def _presentations() -> pd.DataFrame:
    dates = {2020: "2020-11-20", 2021: "2021-11-29", 2022: "2022-10-06"}
    rows = [  # (year, name, status, company)
        (2020, "Heparin Injection", "current", "Acme Inc."),
        (2021, "Heparin Injection", "current", "Acme Inc."),
        (2022, "Heparin Injection", "current", "Acme Inc."),
        (2021, "Metformin Tablet", "resolved", "Beta LLC"),
        (2022, "Amoxicillin Capsule", "current", "Gamma Ltd"),
    ]
    return pd.DataFrame({
        "snapshot_year": [r[0] for r in rows],
        "snapshot_date": pd.to_datetime([dates[r[0]] for r in rows]),
        "generic_name": [r[1] for r in rows],
        "status": [r[2] for r in rows],
        "company": [r[3] for r in rows],
        "change_date": pd.to_datetime(["2020-01-01", None, None, "2021-06-01", None]),
        "update_date": pd.to_datetime([dates[r[0]] for r in rows]),
    })


def _universe() -> pd.DataFrame:
    return pd.DataFrame({"name": ["heparin", "metformin", "amoxicillin", "zinc"],
                         "atc_codes": [["B01AB01"], ["A10BA02"], ["J01CA04"], []],
                         "parenteral": [True, False, False, None]})


def _compliance() -> pd.DataFrame:
    return pd.DataFrame({"legal_name": ["ACME, Inc", "Gamma Ltd"],
                         "product_type": ["Drugs", "Drugs"],
                         "action_date": pd.to_datetime(["2019-05-01", "2021-06-01"])})


def test_features_and_outcomes_on_a_small_case():
    cutoff = pd.Timestamp("2021-12-31")
    presentations = _presentations()
    links = match_names(_universe()["name"], presentations["generic_name"], CLASSES)
    features = backtest_features(_universe(), presentations, links, _compliance(), cutoff,
                                 CLASSES)
    assert features.loc["heparin", "shortage_history"] == 1.0  # 2 of 2 snapshots
    assert features.loc["metformin", "shortage_history"] == 0.0
    assert features.loc["heparin", "quality_history"] == 1.0  # "ACME, Inc" = "Acme Inc."
    assert features.loc["metformin", "quality_history"] == 0.0
    # Gamma's letter is before the cut-off, but amoxicillin's listing is after it
    assert np.isnan(features.loc["amoxicillin", "quality_history"])
    assert np.isnan(features.loc["zinc", "sterile_injectable"])
    assert features.loc["amoxicillin", "antibacterial"] == 1.0
    outcomes = backtest_outcomes(_universe(), presentations, links, cutoff)
    assert outcomes["short_after"].tolist() == [True, False, True, False]
    assert outcomes["short_at_cutoff"].tolist() == [True, False, False, False]
    # metformin closed in June 2021, within the 12 months before the cut-off
    assert outcomes["not_short_12m_before"].tolist() == [False, False, True, True]


def test_rows_after_the_cutoff_do_not_change_the_features():
    cutoff = pd.Timestamp("2021-12-31")
    presentations = _presentations()
    links = match_names(_universe()["name"], presentations["generic_name"], CLASSES)
    before = backtest_features(_universe(), presentations, links, _compliance(), cutoff,
                               CLASSES)
    changed = presentations.copy()
    changed.loc[changed["snapshot_year"] == 2022, "status"] = "resolved"
    late_letter = pd.concat([_compliance(), pd.DataFrame({
        "legal_name": ["Beta LLC"], "product_type": ["Drugs"],
        "action_date": pd.to_datetime(["2022-03-01"])})])
    after = backtest_features(_universe(), changed, links, late_letter, cutoff, CLASSES)
    pd.testing.assert_frame_equal(before, after)


def test_backtest_table_is_reproducible_and_refuses_few_resamples():
    rng = np.random.default_rng(5)
    n = 120
    features = pd.DataFrame({
        "on_essential_list": 1.0, "sterile_injectable": (rng.random(n) < 0.4).astype(float),
        "shortage_history": rng.choice([0, 1 / 3, 2 / 3, 1], n)},
        index=pd.Index([f"m{i}" for i in range(n)], name="product_id"))
    short_at = features["shortage_history"].to_numpy() == 1
    outcomes = pd.DataFrame({"short_after": rng.random(n) < 0.3 + 0.5 * short_at,
                             "short_at_cutoff": short_at, "not_short_12m_before": ~short_at},
                            index=features.index)
    weights = load_priority_weights()
    one = backtest_table(features, outcomes, weights, np.random.SeedSequence(1),
                         ks=(5, 10), n_resamples=1000)
    two = backtest_table(features, outcomes, weights, np.random.SeedSequence(1),
                         ks=(5, 10), n_resamples=1000)
    pd.testing.assert_frame_equal(one, two)
    assert (one["auroc_low"] <= one["auroc"]).all() and (one["auroc"] <= one["auroc_high"]).all()
    with pytest.raises(UserInputError, match="n_resamples=999"):
        backtest_table(features, outcomes, weights, np.random.SeedSequence(1), ks=(5,),
                       n_resamples=999)
