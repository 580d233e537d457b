"""Shortage episodes: a hand-built two-snapshot fixture, and invariants on the bundled data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.api.types import is_bool_dtype, is_datetime64_dtype, is_integer_dtype

from rxtwin.data import public_tables as pt
from rxtwin.model.units import DAYS_PER_JULIAN_YEAR

RAW_COLUMNS = ["snapshot_year", "id", "generic_name", "company_name", "presentation",
               "update_type", "update_date", "availability", "related_info", "resolved_note",
               "reason_for_shortage", "therapeutic_category", "status", "change_date",
               "date_discontinued"]


def raw_row(year, row_id, name, ndc, status, update, change="", discontinued="",
            category="Anesthesia"):
    return {"snapshot_year": str(year), "id": str(row_id), "generic_name": name,
            "company_name": "Acme", "presentation": f"{name} 10 mg (NDC {ndc})",
            "update_type": "Revised", "update_date": update, "availability": "",
            "related_info": "", "resolved_note": "", "reason_for_shortage": "",
            "therapeutic_category": category, "status": status, "change_date": change,
            "date_discontinued": discontinued}


@pytest.fixture(scope="module")
def fixture_presentations() -> pd.DataFrame:
    """Two snapshots. 2020: latest update 11/20/20; 2021: latest update 11/29/21."""
    rows = [
        # A: current 2020 (two NDCs), renamed in 2021 and resolved 4/15/21 -> linked by NDC
        raw_row(2020, 1, "Drug A Injection", "1111-1111-11", "Current", "3/1/20"),
        raw_row(2020, 2, "Drug A Injection", "1111-1111-12", "Current", "5/10/20"),
        raw_row(2021, 101, "Drug A Sodium Injection, Solution", "1111-1111-11", "RESOLVED",
                "4/20/21", change="4/15/21"),
        # B: current in both snapshots, change date earlier than update -> censored at data end
        raw_row(2020, 3, "Drug B Tablets", "2222-2222-22", "current", "11/20/20",
                change="2/1/20", category="Cardiovascular; Pediatric"),
        raw_row(2021, 102, "Drug B Tablets", "2222-2222-22", "Current", "11/29/21",
                category="Cardiovascular"),
        # C: only ever resolved -> no episode (no evidence of its start)
        raw_row(2020, 4, "Drug C Capsules", "3333-3333-33", "Resolved", "6/1/20",
                change="6/1/20"),
        # D: current 2020, absent 2021 -> dropped_from_list, censored at the 2020 snapshot
        raw_row(2020, 5, "Drug D Cream", "4444-4444-44", "Current", "6/1/20",
                category="Dermatology"),
        # E: current 2020 (one row to be discontinued too), to be discontinued 2/1/21 in 2021
        raw_row(2020, 6, "Drug E Injection", "5555-5555-55", "Current", "7/1/19"),
        raw_row(2020, 7, "Drug E Injection", "5555-5555-56", "To be Discontinued", "8/1/19",
                discontinued="8/1/19"),
        raw_row(2021, 103, "Drug E Injection", "5555-5555-55", "To Be Discontinued",
                "1/15/21", discontinued="2/1/21"),
        # F: new in 2021; one row dated before the 2020 snapshot that did not list it ->
        #    start clamped up to the 2020 snapshot date
        raw_row(2021, 104, "Drug F Tablets", "6666-6666-66", "Current", "10/1/20"),
        raw_row(2021, 105, "Drug F Tablets", "6666-6666-67", "Current", "3/3/21"),
        # G: resolved with a change date before the snapshot that still showed it current ->
        #    end clamped up to that snapshot's date
        raw_row(2020, 8, "Drug G Injection", "7777-7777-77", "Current", "1/10/20"),
        raw_row(2021, 106, "Drug G Injection", "7777-7777-77", "Resolved", "10/2/20",
                change="10/1/20"),
    ]
    return pt.tidy_shortage_rows(pd.DataFrame(rows, columns=RAW_COLUMNS))


@pytest.fixture(scope="module")
def fixture_episodes(fixture_presentations) -> pd.DataFrame:
    return pt.episodes_from_presentations(fixture_presentations)


def test_fixture_snapshot_dates(fixture_presentations):
    dates = fixture_presentations.groupby("snapshot_year")["snapshot_date"].first()
    assert dates.to_dict() == {2020: pd.Timestamp("2020-11-20"),
                               2021: pd.Timestamp("2021-11-29")}


def test_fixture_gives_hand_computed_episodes(fixture_episodes):
    # Hand computation (dates from the fixture, day counts by calendar):
    #   A 2020-03-01 -> 2021-04-15  410 d  resolved (change_date of the renamed resolved row,
    #                                      linked through NDC 1111-1111-11)
    #   B 2020-02-01 -> 2021-11-29  667 d  data_end (censored at the last snapshot)
    #   D 2020-06-01 -> 2020-11-20  172 d  dropped_from_list (censored at 2020 snapshot)
    #   E 2019-07-01 -> 2021-02-01  581 d  discontinued (date_discontinued)
    #   F 2020-11-20 -> 2021-11-29  374 d  data_end; start clamped from 2020-10-01
    #   G 2020-01-10 -> 2020-11-20  315 d  resolved; end clamped up from 2020-10-01
    #   C gives no episode.
    got = fixture_episodes.set_index("generic_name")
    expected = pd.DataFrame.from_records([
        ("Drug A Injection", "2020-03-01", "2021-04-15", 410, "resolved"),
        ("Drug B Tablets", "2020-02-01", "2021-11-29", 667, "data_end"),
        ("Drug D Cream", "2020-06-01", "2020-11-20", 172, "dropped_from_list"),
        ("Drug E Injection", "2019-07-01", "2021-02-01", 581, "discontinued"),
        ("Drug F Tablets", "2020-11-20", "2021-11-29", 374, "data_end"),
        ("Drug G Injection", "2020-01-10", "2020-11-20", 315, "resolved"),
    ], columns=["generic_name", "first_seen_date", "end_date", "duration_days", "end_reason"]
    ).set_index("generic_name")
    assert sorted(got.index) == sorted(expected.index)
    for name, row in expected.iterrows():
        assert got.loc[name, "first_seen_date"] == pd.Timestamp(row["first_seen_date"]), name
        assert got.loc[name, "end_date"] == pd.Timestamp(row["end_date"]), name
        assert got.loc[name, "duration_days"] == row["duration_days"], name
        assert got.loc[name, "end_reason"] == row["end_reason"], name
    assert got["resolved"].to_dict() == {n: n in ("Drug A Injection",
                                                  "Drug G Injection") for n in got.index}
    assert got["censored"].to_dict() == {n: n in ("Drug B Tablets", "Drug D Cream",
                                                  "Drug F Tablets") for n in got.index}
    assert got["left_truncated"].to_dict() == {n: n != "Drug F Tablets" for n in got.index}


def test_fixture_episode_attributes(fixture_episodes):
    got = fixture_episodes.set_index("generic_name")
    a = got.loc["Drug A Injection"]  # named as in its last current snapshot
    assert a["generic_names"] == ["Drug A Injection", "Drug A Sodium Injection, Solution"]
    assert a["dosage_form_class"] == "sterile_injectable"
    assert a["presentations_count"] == 2
    assert (a["first_snapshot_year"], a["last_current_snapshot_year"]) == (2020, 2020)
    b = got.loc["Drug B Tablets"]
    assert b["dosage_form_class"] == "oral_solid"
    assert b["current_snapshots_count"] == 2
    assert b["therapeutic_category"] == "Cardiovascular"  # first category on both rows
    assert got.loc["Drug D Cream", "dosage_form_class"] == "other"
    assert got.loc["Drug D Cream", "therapeutic_category"] == "Dermatology"
    assert fixture_episodes["episode_id"].tolist() == list(range(6))


def test_fixture_duration_summary(fixture_episodes):
    window_yr = 374 / DAYS_PER_JULIAN_YEAR  # 2020-11-20 -> 2021-11-29
    summary = pt.duration_summary(fixture_episodes, "dosage_form_class", window_yr)
    summary = summary.set_index("dosage_form_class")
    injectable = summary.loc["sterile_injectable"]  # A 410, E 581, G 315: all observed
    assert injectable["episodes_count"] == 3 and injectable["censored_count"] == 0
    assert (injectable["p10_days"], injectable["median_days"], injectable["p90_days"]) == (
        315, 410, 581)
    oral = summary.loc["oral_solid"]  # B 667+, F 374+: all censored -> quantiles unknown
    assert oral["share_censored"] == 1.0
    assert np.isnan(oral[list(pt.SUMMARY_QUANTILES)].astype(float)).all()
    assert oral["new_episodes_count"] == 1  # F started inside the window
    assert oral["new_episodes_per_yr"] == pytest.approx(1 / window_yr)


def test_duration_summary_rejects_bad_input(fixture_episodes):
    with pytest.raises(ValueError, match="by="):
        pt.duration_summary(fixture_episodes, "colour", 1.0)
    with pytest.raises(ValueError, match="observation_window_yr"):
        pt.duration_summary(fixture_episodes, "dosage_form_class", 0.0)


# ---------------------------------------------------------------- bundled data
def test_shortage_episodes_columns_and_invariants():
    episodes = pt.shortage_episodes()
    expected = ["episode_id", "generic_name", "dosage_form_class", "therapeutic_category",
                "first_seen_date", "end_date", "duration_days", "resolved", "censored",
                "end_reason", "left_truncated", "first_snapshot_year",
                "last_current_snapshot_year", "current_snapshots_count",
                "presentations_count", "generic_names"]
    assert list(episodes.columns) == expected
    assert is_datetime64_dtype(episodes["first_seen_date"])
    assert is_datetime64_dtype(episodes["end_date"])
    assert is_integer_dtype(episodes["duration_days"])
    assert is_bool_dtype(episodes["resolved"]) and is_bool_dtype(episodes["censored"])
    assert len(episodes) > 100
    assert (episodes["duration_days"] >= 0).all()
    assert (episodes["duration_days"]
            == (episodes["end_date"] - episodes["first_seen_date"]).dt.days).all()
    # censoring is flagged exactly for episodes without an observed end
    censored_reasons = episodes["end_reason"].isin(["dropped_from_list", "data_end"])
    assert (episodes["censored"] == censored_reasons).all()
    assert (episodes["resolved"] == (episodes["end_reason"] == "resolved")).all()
    assert not (episodes["resolved"] & episodes["censored"]).any()
    still_current = episodes["end_reason"] == "data_end"
    assert still_current.any()
    assert (episodes.loc[still_current, "last_current_snapshot_year"] == 2025).all()
    last_snapshot = pt.shortage_presentations()["snapshot_date"].max()
    assert (episodes["end_date"] <= last_snapshot).all()
    assert set(episodes["dosage_form_class"]) == set(pt.DOSAGE_FORM_CLASSES)


def test_episode_duration_summary_default_and_by_class():
    summary = pt.episode_duration_summary()
    episodes = pt.shortage_episodes()
    assert list(summary.columns) == [
        "therapeutic_category", "episodes_count", "censored_count", "share_censored",
        "p10_days", "p25_days", "median_days", "p75_days", "p90_days",
        "new_episodes_count", "new_episodes_per_yr"]
    assert summary["episodes_count"].sum() == episodes["therapeutic_category"].notna().sum()
    by_class = pt.episode_duration_summary(by="dosage_form_class")
    assert by_class["episodes_count"].sum() == len(episodes)
    assert by_class["share_censored"].between(0, 1).all()
    quantiles = by_class[list(pt.SUMMARY_QUANTILES)].to_numpy(dtype=float)
    finite = np.where(np.isnan(quantiles), np.inf, quantiles)
    assert (np.diff(finite, axis=1) >= 0).all()  # p10 <= p25 <= ... where known
    window_yr = pt.shortage_observation_window_yr()
    assert 5.5 < window_yr < 6.0  # 2019-12-23 -> 2025-09-04
    np.testing.assert_allclose(by_class["new_episodes_per_yr"] * window_yr,
                               by_class["new_episodes_count"])
