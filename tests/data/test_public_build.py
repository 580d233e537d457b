"""build.py reproduces the shipped public files from the raw downloads."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

import pytest

from rxtwin.data.public import build

RAW_DATA_ENV = "RXTWIN_RAW_DATA"


@pytest.fixture(scope="module")
def raw_dir() -> Path:
    """The folder of raw downloads named by ``RXTWIN_RAW_DATA``; skip when it is not set.

    The raw downloads are not shipped with rxtwin, so a fresh checkout cannot re-derive the
    shipped files: the tests skip, saying so. ``.ci/run`` sets the variable when the raw
    downloads sit beside the checkout (``../shared/data/raw``), so CI runs these tests
    wherever the data are. A variable that is set but names no folder is a mistake and
    fails.
    """
    given = os.environ.get(RAW_DATA_ENV, "")
    if not given:
        pytest.skip(f"{RAW_DATA_ENV} is not set: the raw public downloads are not shipped with "
                    "rxtwin, so the shipped files cannot be re-derived; set "
                    f"{RAW_DATA_ENV} to the raw folder to run these tests")
    raw = Path(given)
    if not raw.is_dir():
        pytest.fail(f"{RAW_DATA_ENV}={given!r} is not a directory")
    return raw


def test_build_reproduces_shipped_files(raw_dir):
    derived = build.derived_files(raw_dir)
    assert len(derived) == 5
    for relative, content in derived.items():
        shipped = build.PUBLIC_DIR / relative
        assert shipped.exists(), relative
        if shipped.suffix == ".gz":
            # compare the contents; the gzip stream is also byte-identical (mtime=0)
            assert gzip.decompress(shipped.read_bytes()) == gzip.decompress(content), relative
        assert shipped.read_bytes() == content, relative
    assert build.main([str(raw_dir), "--check"]) == 0


def test_shipped_source_md_is_raw_copy_plus_derivation_section(raw_dir):
    for folder in (build.SHORTAGE_DIR, build.INSPECTION_DIR, build.WHO_DIR):
        raw_text = (raw_dir / folder / "SOURCE.md").read_text(encoding="utf-8")
        shipped = (build.PUBLIC_DIR / folder / "SOURCE.md").read_text(encoding="utf-8")
        assert shipped.startswith(raw_text.rstrip("\n")), folder
        assert "## What rxtwin ships and how it was derived" in shipped[len(raw_text) - 1:]


def count_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def test_raw_row_counts_match_source_md(raw_dir):
    # SOURCE.md tables, column "rows" (excluding header)
    shortage_rows = {2019: 2232, 2020: 2877, 2021: 2051, 2022: 2394, 2023: 1960, 2024: 1890,
                     2025: 1991}
    for year, name in build.SHORTAGE_FILES.items():
        assert count_rows(raw_dir / build.SHORTAGE_DIR / name) == shortage_rows[year], name
    assert count_rows(raw_dir / build.INSPECTION_DIR / "fda_compliance_actions.csv") == 4233
    assert count_rows(raw_dir / build.INSPECTION_DIR / "class_product.csv") == 144
    assert count_rows(raw_dir / build.WHO_DIR / build.WHO_RAW) == 1577


def test_check_mode_reports_a_changed_file(raw_dir, tmp_path):
    assert build.main([str(raw_dir), "--out", str(tmp_path)]) == 0
    assert build.main([str(raw_dir), "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / build.WHO_DIR / build.WHO_OUT).write_text("Medicine name\nchanged\n")
    assert build.main([str(raw_dir), "--out", str(tmp_path), "--check"]) == 1
