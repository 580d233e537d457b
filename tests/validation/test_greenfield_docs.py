"""The greenfield figures of docs/econ.md ("Greenfield: a new line or a new product"),
recomputed: every table between the ``greenfield:`` markers is what the model gives today
for the bundled single high-volume product (400 replication-years per arm, entropy
20230601, nothing tuned), so the docs cannot go stale.

Compared exactly, as printed (MUSD to two decimals): the simulation is seeded and the same
entropy gives the same numbers on any machine (docs/compute.md), so any difference is a
change of the model or of its inputs, and the docs must follow it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rxtwin.runs.greenfield import greenfield_docs_tables

DOC = Path(__file__).resolve().parents[2] / "docs" / "econ.md"


@pytest.fixture(scope="module")
def blocks():
    return greenfield_docs_tables()


@pytest.mark.parametrize("name", ["new_line", "new_product", "worked", "tornado"])
def test_the_docs_table_is_what_the_model_gives(blocks, name):
    text = DOC.read_text(encoding="utf-8")
    start = f"<!-- greenfield:{name}:start -->"
    end = f"<!-- greenfield:{name}:end -->"
    assert text.count(start) == 1 and text.count(end) == 1
    printed = text[text.index(start):text.index(end) + len(end)]
    assert printed == blocks[name], (
        f"docs/econ.md is stale: replace the '{name}' block with "
        f"rxtwin.runs.greenfield.greenfield_docs_tables()['{name}']")


def test_the_worked_example_sums_to_the_tables_incremental_npv(blocks):
    worked_npv = blocks["worked"].split("**")[1]
    continuous = next(line for line in blocks["new_line"].splitlines()
                      if line.startswith("| continuous |"))
    assert continuous.rstrip(" |").split("| ")[-1] == worked_npv
