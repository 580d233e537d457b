"""The priority score: criteria -> sub-scores -> score -> rank, with explanations.

Order: build (criterion functions), solve (score a small table), compare with a hand
computation, then the check that every printed score is recomputed from its printed
sub-scores, criteria and weights.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import rxtwin.priority.scoring as scoring
from rxtwin.data.priority_weights import load_priority_weights
from rxtwin.errors import UserInputError
from rxtwin.model.priority import CRITERIA_BY_GROUP, CRITERION_GROUP, GROUPS
from rxtwin.priority.scoring import (
    few_makers,
    herfindahl_index,
    patients_affected,
    priority_scores,
    short_shelf_life,
    shortage_history,
)

WEIGHTS = load_priority_weights()


def test_doctests():
    assert doctest.testmod(scoring).failed == 0


# ---------------------------------------------------------------- build: the criteria
def test_criterion_functions_follow_their_equations():
    assert few_makers(np.array([1, 2, 5])).tolist() == [1.0, 0.5, 0.2]
    # equal shares: the Herfindahl index is the reciprocal of the count
    assert herfindahl_index([0.25] * 4) == pytest.approx(float(few_makers(4)))
    assert herfindahl_index([1.0]) == 1.0
    assert float(patients_affected(0.0, 1000.0)) == 0.0
    assert float(patients_affected(5000.0, 1000.0)) == 1.0  # capped
    assert float(short_shelf_life(2000.0, 1095.0)) == 0.0
    assert float(shortage_history(5, 3)) == 1.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: few_makers(0), "n_makers must be >= 1"),
    (lambda: herfindahl_index([0.5, 0.4]), "summing to 1"),
    (lambda: herfindahl_index([1.2, -0.2]), ">= 0"),
    (lambda: patients_affected(10.0, 0.0), "reference_patients_per_day > 0"),
    (lambda: shortage_history(1, 0), "time_observed > 0"),
    (lambda: few_makers(float("nan")), r"finite numbers \(got \[nan\]"),
])
def test_criterion_functions_refuse_bad_input(call, message):
    with pytest.raises(UserInputError, match=message):
        call()


# ---------------------------------------------------------------- solve and compare
def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "product_id": ["heparin", "metformin", "cefazolin", "iodine"],
        "name": ["Heparin", "Metformin", "Cefazolin", "Iodine"],
        "on_essential_list": [1.0, 1.0, 1.0, 0.0],
        "sterile_injectable": [1.0, 0.0, 1.0, np.nan],
        "antibacterial": [0.0, 0.0, 1.0, 0.0],
        "few_makers": [0.5, 0.1, np.nan, 1.0],
        "shortage_history": [1.0, 0.0, 0.0, 1.0],
    })


def test_score_is_the_product_of_renormalised_group_means():
    result = priority_scores(_table(), WEIGHTS).table.set_index("product_id")
    w = {e.criterion: e.weight for e in WEIGHTS.criteria}
    # heparin: every given criterion known
    c = (w["on_essential_list"] + w["sterile_injectable"]) / (
        w["on_essential_list"] + w["sterile_injectable"] + w["antibacterial"])
    v = (0.5 * w["few_makers"] + w["shortage_history"]) / (w["few_makers"] +
                                                            w["shortage_history"])
    assert result.loc["heparin", "criticality"] == pytest.approx(c)
    assert result.loc["heparin", "vulnerability"] == pytest.approx(v)
    assert result.loc["heparin", "score"] == pytest.approx(c * v)
    # cefazolin: few_makers not known, so vulnerability is shortage_history alone
    assert result.loc["cefazolin", "vulnerability"] == 0.0
    assert result.loc["cefazolin", "score"] == 0.0
    # iodine: sterile_injectable not known; its weight leaves the denominator
    assert result.loc["iodine", "criticality"] == 0.0
    # no risk criterion given: neutral 1, and the row says so
    assert (result["risk"] == 1.0).all() and not result["risk_known"].any()
    assert result["explanation"].str.contains("risk not known (neutral 1)", regex=False).all()


def test_ranks_follow_the_score_and_ties_share_the_best_rank():
    table = priority_scores(_table(), WEIGHTS).table
    assert table["product_id"].tolist()[:2] == ["heparin", "metformin"]
    assert table["rank"].tolist() == [1, 2, 3, 3]  # cefazolin and iodine both score 0
    assert table["score"].is_monotonic_decreasing


def test_explanation_names_top_contributions_with_their_source():
    table = priority_scores(_table(), WEIGHTS).table.set_index("product_id")
    text = table.loc["heparin", "explanation"]
    assert "shortage history 1.00 (weight 1, ASPE 2023)" in text
    assert text.startswith("criticality 0.80: ")
    assert "few makers 0.50 (weight 1, GAO-16-595)" in text


def test_missing_column_drops_out_of_the_weights_table():
    weights = priority_scores(_table(), WEIGHTS).weights
    assert list(weights.columns) == ["criterion", "group", "weight", "given", "weight_share",
                                     "cite", "source"]
    assert weights["criterion"].tolist() == list(CRITERION_GROUP)
    given = weights[weights["given"]]
    assert set(given["criterion"]) == {"on_essential_list", "sterile_injectable",
                                       "antibacterial", "few_makers", "shortage_history"}
    for group in ("criticality", "vulnerability"):
        assert given.loc[given["group"] == group, "weight_share"].sum() == pytest.approx(1.0)
    assert (weights.loc[~weights["given"], "weight_share"] == 0).all()


def test_index_serves_as_product_id_and_pass_through_columns_survive():
    frame = _table().set_index("product_id").assign(dominant_cause="quality")
    table = priority_scores(frame, WEIGHTS).table
    assert set(table["product_id"]) == set(frame.index)
    assert (table["dominant_cause"] == "quality").all()
    assert table.columns[:4].tolist() == ["product_id", "rank", "name", "dominant_cause"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.assign(few_maker=0.5), r"\['few_maker'\] are not criteria"),
    (lambda f: f.assign(few_makers=[0.5, 0.1, 1.5, 1.0]), "product 'cefazolin' has 1.5"),
    (lambda f: f.assign(few_makers=["x", 0.1, 0.2, 1.0]), "product 'heparin' has 'x'"),
    (lambda f: f.assign(product_id=["a", "a", "b", "c"]), r"repeated: \['a'\]"),
])
def test_bad_criteria_are_refused(change, message):
    with pytest.raises(UserInputError, match=message):
        priority_scores(change(_table()), WEIGHTS)


# ---------------------------------------------------------------- balance: recompute
def test_every_printed_score_is_recomputed_from_its_sub_scores_and_weights():
    rng = np.random.default_rng(7)
    names = [c for c in CRITERION_GROUP if c != "simulated_shortage_days"]
    values = rng.random((60, len(names)))
    values[rng.random(values.shape) < 0.2] = np.nan  # unknown cells
    frame = pd.DataFrame(values, columns=names, index=[f"p{i}" for i in range(60)])
    result = priority_scores(frame, WEIGHTS)
    weight = result.weights.set_index("criterion")["weight"]
    for _, row in result.table.iterrows():
        for group in GROUPS:
            criteria = [c for c in CRITERIA_BY_GROUP[group] if not np.isnan(row[c])]
            w = weight[criteria].to_numpy()
            expected = (w @ row[criteria].to_numpy(float)) / w.sum() if w.sum() > 0 else 1.0
            assert row[group] == pytest.approx(expected, abs=1e-12)
            assert row[f"{group}_known"] == (w.sum() > 0)
        assert row["score"] == pytest.approx(
            row["criticality"] * row["vulnerability"] * row["risk"], abs=1e-15)
    ranks = result.table["score"].rank(method="min", ascending=False).astype(int)
    assert (ranks == result.table["rank"]).all()
