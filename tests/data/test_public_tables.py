"""Loaders of the bundled public data: documented columns, dtypes, and counts from SOURCE.md."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest
from pandas.api.types import (
    is_bool_dtype,
    is_datetime64_dtype,
    is_float_dtype,
    is_integer_dtype,
    is_string_dtype,
)
from scipy.stats import binomtest

from rxtwin.data import public_tables as pt

# source: src/rxtwin/data/public/fda-drug-shortages-yearly/SOURCE.md, table "Files", "rows".
SOURCE_MD_SHORTAGE_ROWS = {2019: 2232, 2020: 2877, 2021: 2051, 2022: 2394, 2023: 1960,
                           2024: 1890, 2025: 1991}


def assert_columns(frame: pd.DataFrame, expected: dict[str, object]) -> None:
    """Exact documented column order, and each column passes its dtype check."""
    assert list(frame.columns) == list(expected)
    for column, check in expected.items():
        if isinstance(check, str):
            assert str(frame[column].dtype) == check, column
        else:
            assert check(frame[column]), f"{column}: {frame[column].dtype}"


def is_list_column(values: pd.Series) -> bool:
    return values.dtype == object and all(isinstance(v, list) for v in values)


def test_docstring_examples_run():
    # The docstring examples (keyword rule, OAI counts) are part of the documentation; they
    # must stay true. The Wilson and Kaplan-Meier examples live in rxtwin.stats (tests/stats).
    result = doctest.testmod(pt)
    assert result.attempted >= 8 and result.failed == 0


# ---------------------------------------------------------------- shortage presentations
def test_shortage_presentations_documented_columns_and_dtypes():
    table = pt.shortage_presentations()
    assert_columns(table, {
        "snapshot_year": is_integer_dtype, "snapshot_date": is_datetime64_dtype,
        "record_id": is_integer_dtype, "generic_name": is_string_dtype,
        "company": is_string_dtype, "presentation": is_string_dtype, "ndc": is_string_dtype,
        "dosage_form_class": "category", "therapeutic_category": is_string_dtype,
        "categories": is_list_column, "status": "category", "update_type": is_string_dtype,
        "update_date": is_datetime64_dtype, "change_date": is_datetime64_dtype,
        "date_discontinued": is_datetime64_dtype, "availability": is_string_dtype,
        "related_info": is_string_dtype, "resolved_note": is_string_dtype,
        "reason_for_shortage": is_string_dtype,
    })
    assert set(table["status"]) == set(pt.SHORTAGE_STATUSES)
    assert set(table["dosage_form_class"]) == set(pt.DOSAGE_FORM_CLASSES)
    assert set(table["update_type"].dropna()) == {"new", "revised", "reverified"}
    assert table["record_id"].is_unique  # FDA ids do not repeat across the snapshots


def test_shortage_rows_per_snapshot_match_source_md():
    counts = pt.shortage_presentations().groupby("snapshot_year").size().to_dict()
    assert counts == SOURCE_MD_SHORTAGE_ROWS
    meta = pt.dataset_meta("fda-drug-shortages-yearly")
    assert {int(k): v for k, v in meta["rows_per_snapshot"].items()} == SOURCE_MD_SHORTAGE_ROWS


def test_reason_for_shortage_blank_share_matches_source_md():
    # SOURCE.md: "reason_for_shortage is blank in about 55-78 % of rows" (per snapshot).
    blank = pt.shortage_presentations().groupby("snapshot_year")["reason_for_shortage"].agg(
        lambda s: s.isna().mean())
    assert blank.between(0.55, 0.78).all(), blank.to_dict()


def test_dates_parsed_and_snapshot_date_is_latest_update():
    table = pt.shortage_presentations()
    assert table["update_date"].notna().all()
    assert (table["update_date"] <= table["snapshot_date"]).all()
    by_year = table.groupby("snapshot_year")["snapshot_date"].agg(["min", "max"])
    assert (by_year["min"] == by_year["max"]).all()
    assert (by_year["max"].dt.year == by_year.index).all()  # each export is from its own year
    # the 2019 file's first row reads "8/15/19" (M/D/YY)
    first = table[(table["snapshot_year"] == 2019) & (table["record_id"] == 1)].iloc[0]
    assert first["update_date"] == pd.Timestamp("2019-08-15")
    assert first["status"] == "to_be_discontinued"


def test_categories_split_and_first_category():
    table = pt.shortage_presentations()
    with_categories = table[table["categories"].map(len) > 0]
    assert (with_categories["therapeutic_category"]
            == with_categories["categories"].map(lambda c: c[0])).all()
    assert table["categories"].map(len).max() >= 2  # "; "-separated values exist
    assert not any(";" in c or c != c.strip() for cs in table["categories"] for c in cs)


@pytest.mark.parametrize(("name", "presentation", "expected"), [
    ("Cisplatin Injection", "", "sterile_injectable"),
    ("Leucovorin Calcium for Injection", "vial", "sterile_injectable"),
    ("Epinephrine Auto-Injector", "", "sterile_injectable"),
    ("Adalimumab (Humira) Pre-filled Syringe", "", "sterile_injectable"),
    ("Acyclovir (Zovirax) Tablets and Capsules", "", "oral_solid"),
    ("Bupropion Hydrochloride Tablet, Extended Release", "", "oral_solid"),
    ("Amoxicillin Powder, For Suspension", "bottle", "other"),
    ("Betamethasone Valerate Topical Foam", "", "other"),
    ("Amino Acids", "10% in 1000 mL bag, intravenous infusion", "sterile_injectable"),
    ("Carisoprodol", "350 mg, 100 tablets", "oral_solid"),
    # the name decides when it matches: a tablet name with a vial-sounding package stays oral
    ("Methotrexate Tablets", "vials of 100 tablets", "oral_solid"),
])
def test_dosage_form_keyword_rule(name, presentation, expected):
    assert pt.dosage_form_class(name, presentation) == expected


def test_loaders_return_independent_copies():
    first = pt.shortage_presentations()
    first.loc[0, "generic_name"] = "changed"
    first["categories"].iloc[0].append("changed")
    second = pt.shortage_presentations()
    assert second.loc[0, "generic_name"] != "changed"
    assert "changed" not in second["categories"].iloc[0]
    who = pt.who_eml_medicines()
    who["atc_codes"].iloc[0].append("X")
    assert "X" not in pt.who_eml_medicines()["atc_codes"].iloc[0]


# ---------------------------------------------------------------- inspections
def test_inspection_outcomes_columns_and_fy2019_drug_oai_rate():
    table = pt.inspection_outcomes("Drugs")
    assert_columns(table, {
        "fiscal_year": is_integer_dtype, "product_type": is_string_dtype,
        "nai_count": is_integer_dtype, "vai_count": is_integer_dtype,
        "oai_count": is_integer_dtype, "inspections_count": is_integer_dtype,
        "p_oai": is_float_dtype, "fy_partial": is_bool_dtype,
    })
    # SOURCE.md: FY2009-2024, FY2024 partial; 144 rows = 16 FY x 3 product types x 3 outcomes
    assert table["fiscal_year"].tolist() == list(range(2009, 2025))
    assert table.loc[table["fy_partial"], "fiscal_year"].tolist() == [2024]
    # SOURCE.md: "P(OAI | drug inspection) by year, e.g. FY2019 197/2644 = 7.5 %"
    fy2019 = table[table["fiscal_year"] == 2019].iloc[0]
    assert (fy2019["oai_count"], fy2019["inspections_count"]) == (197, 2644)
    assert fy2019["p_oai"] == pytest.approx(197 / 2644, rel=1e-12)
    assert (table["inspections_count"]
            == table[["nai_count", "vai_count", "oai_count"]].sum(axis=1)).all()
    all_types = pd.concat([pt.inspection_outcomes(t) for t in ("Biologics", "Devices", "Drugs")])
    assert len(all_types) * 3 == 144


def test_oai_base_rate_fy2019_wilson_matches_scipy():
    estimate = pt.oai_base_rate("Drugs", years=[2019])
    assert (estimate.events_count, estimate.trials_count) == (197, 2644)  # SOURCE.md
    assert estimate.rate == pytest.approx(197 / 2644, rel=1e-12)
    # The interval is scipy's Wilson interval (no continuity correction), at 95 %.
    reference = binomtest(197, 2644).proportion_ci(confidence_level=0.95, method="wilson")
    assert (estimate.lower, estimate.upper) == (reference.low, reference.high)
    assert estimate.lower < estimate.rate < estimate.upper


def test_oai_base_rate_default_pools_complete_years():
    table = pt.inspection_outcomes("Drugs")
    complete = table[~table["fy_partial"]]
    estimate = pt.oai_base_rate("Drugs")
    assert estimate.fiscal_years == tuple(range(2009, 2024))
    assert estimate.events_count == complete["oai_count"].sum()
    assert estimate.trials_count == complete["inspections_count"].sum()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"product_type": "Cosmetics"}, "product_type"),
    ({"years": [2005]}, "years"),
    ({"years": []}, "years"),
])
def test_oai_base_rate_rejects_bad_input(kwargs, field):
    with pytest.raises(ValueError, match=field):
        pt.oai_base_rate(**kwargs)


def test_compliance_actions_rows_and_range_match_source_md():
    table = pt.compliance_actions()
    assert_columns(table, {
        "fei_number": is_string_dtype, "legal_name": is_string_dtype,
        "state": is_string_dtype, "country": is_string_dtype,
        "product_type": is_string_dtype, "action_date": is_datetime64_dtype,
        "action_type": is_string_dtype, "case_id": is_string_dtype,
    })
    # SOURCE.md: 4233 rows, 2008-10-01 to 2024-06-27
    assert len(table) == 4233
    assert table["action_date"].min() == pd.Timestamp("2008-10-01")
    assert table["action_date"].max() == pd.Timestamp("2024-06-27")
    assert set(table["action_type"]) == {"Warning Letter", "Injunction", "Seizure"}


def test_drug_warning_letter_country_mix_matches_source_md():
    mix = pt.warning_letter_country_mix("Drugs")
    assert_columns(mix, {"country": is_string_dtype, "warning_letters_count": is_integer_dtype,
                         "share": is_float_dtype})
    # SOURCE.md: "Drugs: 2266 warning letters (US 1551, India 165, China 143, Mexico 79)"
    assert mix["warning_letters_count"].sum() == 2266
    counts = dict(zip(mix["country"], mix["warning_letters_count"], strict=True))
    assert [counts[c] for c in ("United States", "India", "China", "Mexico")] == [
        1551, 165, 143, 79]
    assert mix["country"].tolist()[:4] == ["United States", "India", "China", "Mexico"]
    assert mix["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert mix["warning_letters_count"].is_monotonic_decreasing


def test_inspections_domestic_foreign():
    table = pt.inspections_domestic_foreign()
    assert len(table) == 16  # SOURCE.md
    assert table["fiscal_year"].tolist() == list(range(2009, 2025))
    assert table.loc[0, ["domestic_count", "foreign_count"]].tolist() == [5822, 923]
    assert table["foreign_share"].between(0, 1).all()


# ---------------------------------------------------------------- WHO EML
def test_who_eml_medicines_facts_only():
    table = pt.who_eml_medicines()
    assert_columns(table, {"medicine_name": is_string_dtype, "eml_section": is_string_dtype,
                           "atc_codes": is_list_column, "status": "category",
                           "parenteral": "bool"})
    shipped = pd.read_csv(pt.WHO_DIR / "who_eml_facts.csv", dtype=str)
    assert list(shipped.columns) == ["Medicine name", "EML section", "ATC codes", "Status",
                                     "Parenteral"]
    for forbidden in ("Indication", "Formulations", "Combined with"):
        assert forbidden not in shipped.columns
    assert not shipped.duplicated().any()
    # SOURCE.md: "606 distinct medicine names with an 'Added' row"
    assert table.loc[table["status"] == "added", "medicine_name"].nunique() == 606
    assert set(table["status"]) == {"added", "removed"}
    # the route fact: injectable-only medicines are parenteral, tablets-only ones are not
    by_name = table.groupby("medicine_name")["parenteral"].any()
    assert by_name["heparin sodium"] and by_name["ceftriaxone"] and by_name["oxytocin"]
    assert not by_name["metformin"] and not by_name["amlodipine"]
    assert 0.3 < by_name.mean() < 0.7


def test_on_who_eml():
    assert pt.on_who_eml("J01CA04")  # amoxicillin
    assert pt.on_who_eml(" j01ca04 ")
    assert not pt.on_who_eml("A01AA99")  # well-formed, not listed
    table = pt.who_eml_medicines()
    added = {c for codes in table.loc[table["status"] == "added", "atc_codes"] for c in codes}
    removed = {c for codes in table.loc[table["status"] == "removed", "atc_codes"] for c in codes}
    only_removed = sorted(removed - added)
    assert only_removed  # the list has taken medicines off
    assert not any(pt.on_who_eml(code) for code in only_removed)
    assert all(pt.on_who_eml(code) for code in added)
    with pytest.raises(ValueError, match="atc_code"):
        pt.on_who_eml("amoxicillin")


def test_dataset_meta_rejects_unknown_folder():
    with pytest.raises(ValueError, match="who-eml"):
        pt.dataset_meta("nope")
