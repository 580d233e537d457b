"""Catalogue of bundled data sets."""

from __future__ import annotations

import pytest

from rxtwin.data import catalog

PUBLIC_NAMES = ["fda-shortage-presentations", "fda-shortage-episodes", "fda-shortage-durations",
                "fda-inspection-outcomes", "fda-compliance-actions",
                "fda-warning-letters-by-country", "fda-inspections-domestic-foreign",
                "who-eml-medicines"]


def test_list_datasets_records():
    records = catalog.list_datasets()
    assert [r.name for r in records] == PUBLIC_NAMES == catalog.dataset_names()
    for record in records:
        assert record.source_url.startswith("https://github.com/")
        assert record.licence_note and record.title and record.underlying_source
        assert record.rows == len(catalog.load_dataset(record.name)) > 0
        assert record.loader.startswith("rxtwin.data.public_tables.")
        folder = catalog.public_tables.PUBLIC_DIR.parent / record.source_file
        assert folder.is_file(), record.source_file
    by_name = {r.name: r for r in records}
    assert by_name["fda-shortage-presentations"].rows == 15395  # sum of SOURCE.md rows
    assert by_name["fda-compliance-actions"].rows == 4233
    assert "CC BY-NC-SA" in by_name["who-eml-medicines"].licence_note


def test_show_dataset_head_and_metadata():
    preview = catalog.show_dataset("fda-inspection-outcomes", n=3)
    assert preview.record.name == "fda-inspection-outcomes"
    assert len(preview.head) == 3
    assert preview.columns == tuple(preview.head.columns)
    assert preview.head["fiscal_year"].tolist() == [2009, 2010, 2011]
    assert len(catalog.show_dataset("who-eml-medicines", n=0).head) == 0


def test_show_dataset_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as error:
        catalog.show_dataset("fda-shortages")
    message = str(error.value)
    assert "'fda-shortages'" in message
    assert all(name in message for name in PUBLIC_NAMES)


@pytest.mark.parametrize("n", [-1, 2.5, True])
def test_show_dataset_rejects_bad_row_count(n):
    with pytest.raises(ValueError, match="n="):
        catalog.show_dataset("who-eml-medicines", n=n)
