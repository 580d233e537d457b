"""The three checks against what happened (docs/supply_simulation.md, "Checks against what
happened"), recomputed: the table in the docs is what the model gives today, and the
observed figures are the published ones.

Sources: FDA Data Dashboard inspection classifications FY2009-FY2023 (bundled extract);
FDA Drug Shortages Task Force, "Drug Shortages: Root Causes and Potential Solutions"
(2019, updated 2020): 62 % of 163 drugs short 2013-2017 had a manufacturing or quality
disruption; the bundled FDA drug-shortage snapshots 2019-2025.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rxtwin.runs.shortage_checks import (
    DOCS_END,
    DOCS_ENTROPY,
    DOCS_START,
    DOCS_YEARS,
    FDA_ROOT_CAUSE_DRUGS,
    FDA_ROOT_CAUSE_QUALITY_DRUGS,
    shortage_checks,
    shortage_checks_markdown,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "supply_simulation.md"


@pytest.fixture(scope="module")
def table():
    return shortage_checks(DOCS_YEARS, DOCS_ENTROPY)


def test_the_docs_table_is_what_the_model_gives(table):
    text = DOC.read_text(encoding="utf-8")
    printed = text[text.index(DOCS_START):text.index(DOCS_END) + len(DOCS_END)]
    assert printed == shortage_checks_markdown(table), (
        "docs/supply_simulation.md is stale: replace the table between the markers with "
        "rxtwin.runs.shortage_checks.shortage_checks_markdown(shortage_checks())")


def test_the_observed_figures_are_the_published_ones(table):
    assert FDA_ROOT_CAUSE_QUALITY_DRUGS / FDA_ROOT_CAUSE_DRUGS == pytest.approx(0.62, abs=0.005)
    oai = table[table["check"].str.startswith("(a)")]
    assert oai["observed"].iloc[0] == pytest.approx(0.0729, abs=5e-5)
    assert (oai["observed_low"] < oai["observed"]).all()
    incumbent = oai[oai["subject"].str.endswith("line on batch")]
    # calibrated by construction: the incumbent sits at the FDA share
    assert incumbent["simulated"].tolist() == pytest.approx([0.0729, 0.0729])
    ratio = table[table["check"].str.startswith("(c)")].iloc[0]
    assert ratio["observed"] == pytest.approx(151 / 65)
