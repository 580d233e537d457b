"""docs/consortium.md, "The demo consortium": every released cell and every line figure it
quotes is what the demo gives (default replications), and the sentence that reads the
comparison agrees with the figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rxtwin.runs.consortium_demo import run_consortium_demo
from rxtwin.store import Store

DOCS = Path(__file__).resolve().parents[2] / "docs" / "consortium.md"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo-docs")
    with Store.open(out / "consortium.sqlite") as store:
        return run_consortium_demo(store, out, n_replications=200, with_logins=False)


def _section() -> str:
    text = DOCS.read_text()
    return text[text.index("## The demo consortium"):text.index("## Threat model")]


def test_the_quoted_releases_are_the_demos(demo) -> None:
    releases = demo.tables["consortium_releases"]
    quoted = [line for line in _section().splitlines()
              if re.match(r"^ [a-z_]+\.[a-z_.]+@\d+\s", line)]
    assert len(quoted) == len(releases)
    for line, row in zip(quoted, releases.itertuples(), strict=True):
        assert line.split()[0] == row.statistic
        assert row.cell in line
        if row.statistic.endswith(".dp@1"):
            assert "(noise scale 2)" in line and "(noise scale 2)" in row.value
        elif row.released:
            assert line.rstrip().endswith(row.value)
        else:
            assert line.rstrip().endswith("suppressed: " + row.reason)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_quoted_line_figures_are_the_demos(demo) -> None:
    line = demo.tables["consortium_line"].set_index(["scenario", "statistic"])
    pattern = re.compile(r"^ (bundled assumption|consortium prior)\s+(\w+)\s+\S+\s+"
                         r"([\d.,]+)\s+([\d.,]+)\s+([\d.,]+)$")
    quoted = [pattern.match(text) for text in _section().splitlines()]
    quoted = [m for m in quoted if m]
    assert len(quoted) == 6
    for match in quoted:
        row = line.loc[(match[1], match[2])]
        for column, text in zip(("mean", "ci95_low", "ci95_high"), match.groups()[2:],
                                strict=True):
            assert _number(text) == pytest.approx(row[column], rel=5e-4), (match[0], column)


def test_the_reading_of_the_comparison_holds(demo) -> None:
    line = demo.tables["consortium_line"].set_index(["scenario", "statistic"])
    hours = line.loc[("consortium prior", "changeover_h"), "mean"] / \
        line.loc[("bundled assumption", "changeover_h"), "mean"]
    assert "42 % fewer hours" in _section() and round(100 * (1 - hours)) == 42
    oee = line.loc[("consortium prior", "oee"), "mean"] - \
        line.loc[("bundled assumption", "oee"), "mean"]
    assert "OEE rises by 0.06" in _section() and round(oee, 2) == 0.06
    cost_pooled = line.loc[("consortium prior", "cost_total_usd_per_unit")]
    cost_bundled = line.loc[("bundled assumption", "cost_total_usd_per_unit")]
    assert cost_pooled["ci95_low"] <= cost_bundled["mean"] <= cost_pooled["ci95_high"]
