"""Tables of sums with their totals released from the stored pool: primary rules on every
cell, complementary suppression whose pattern an outsider cannot undo by subtraction, and
the differencing guard between tables and earlier sums, both ways."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.optimize import linprog

from rxtwin.errors import UserInputError
from rxtwin.runs.consortium import register_organisation, release_statistic, submit_file
from rxtwin.store import Store

# (organisation, dosage form, region, shortage days): Europe x oral has 5 organisations,
# Europe x sterile 5, south Asia x oral 5, south Asia x sterile only 2 (sensitive).
LINES = [
    *[(f"e{i}", "oral_solid", "europe", v) for i, v in enumerate([10, 12, 14, 16, 18])],
    *[(f"e{i}", "sterile_injectable", "europe", v) for i, v in enumerate([5, 6, 7, 8, 9])],
    *[(f"a{i}", "oral_solid", "south_asia", v) for i, v in enumerate([20, 22, 24, 26, 28])],
    ("a0", "sterile_injectable", "south_asia", 30.0),
    ("a1", "sterile_injectable", "south_asia", 40.0),
]


@pytest.fixture
def pooled(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "pool.sqlite")
    for org in sorted({line[0] for line in LINES}):
        register_organisation(store, org)
    units: dict[str, int] = {}
    for org, form, region, value in LINES:
        units[org] = units.get(org, 0) + 1
        path = tmp_path / f"{org}-{units[org]}.yaml"
        path.write_text(yaml.safe_dump({
            "schema_version": 1, "organisation_id": org, "unit_kind": "line",
            "unit_id": f"L{units[org]}", "period_yr": 2024, "dosage_form": form,
            "region": region, "shortages_count": 1, "shortage_days": float(value)}))
        submit_file(store, path, org)
    yield store
    store.close()


def _cells(released) -> dict[tuple[str, str], dict]:
    return {(c["group"]["dosage_form"], c["group"]["region"]): c
            for c in released.body["cells"]}


def test_a_table_hides_the_sensitive_cell_and_enough_others(pooled: Store) -> None:
    released = release_statistic(pooled, "table", "shortage_days",
                                 ["dosage_form", "region"])
    assert released.name == "shortage_days.table.by.dosage_form.region"
    cells = _cells(released)
    sensitive = cells[("sterile_injectable", "south_asia")]
    assert not sensitive["released"] and sensitive["suppression"] == "primary"
    assert "threshold rule: 2 organisations" in sensitive["reason"]
    complementary = [k for k, c in cells.items() if c["suppression"] == "complementary"]
    assert len(complementary) >= 3  # a 2x2 interior: its row, its column and the corner
    assert cells[("Total", "Total")]["value"] == pytest.approx(sum(v[3] for v in LINES))
    assert released.body["audit"]["passed"]


def test_an_outsider_cannot_narrow_the_hidden_cell_from_what_is_published(pooled) -> None:
    """From the stored body alone (released cells, the table's sums, non-negativity) a
    linear programme bounds the hidden sensitive cell: the interval must reach beyond its
    value by the default protection (10 % of it) both ways."""
    released = release_statistic(pooled, "table", "shortage_days",
                                 ["dosage_form", "region"])
    cells = _cells(released)
    labels = list(cells)
    hidden = [k for k in labels if not cells[k]["released"]]
    index = {k: i for i, k in enumerate(hidden)}
    forms = sorted({k[0] for k in labels if k[0] != "Total"})
    regions = sorted({k[1] for k in labels if k[1] != "Total"})
    a_eq, b_eq = [], []

    def equation(parts: list[tuple[str, str]], total: tuple[str, str]) -> None:
        row, rhs = np.zeros(len(hidden)), 0.0
        for key, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
            if key in index:
                row[index[key]] += sign
            else:
                rhs -= sign * cells[key]["value"]
        a_eq.append(row)
        b_eq.append(rhs)

    for form in [*forms, "Total"]:
        equation([(form, r) for r in regions], (form, "Total"))
    for region in [*regions, "Total"]:
        equation([(f, region) for f in forms], ("Total", region))
    target = index[("sterile_injectable", "south_asia")]
    objective = np.zeros(len(hidden))
    objective[target] = 1.0
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    true = 70.0
    assert low.status == 0 and high.status == 0
    assert low.fun <= 0.9 * true and -high.fun >= 1.1 * true


def test_a_later_sum_cannot_difference_with_a_released_table(pooled: Store) -> None:
    """The one-way table's sterile total has 7 organisations; the European sterile cell
    nests in it and differs by the two south-Asian ones: refused. The European oral cell
    differs from the oral total by five organisations: released."""
    table = release_statistic(pooled, "table", "shortage_days", ["dosage_form"])
    assert all(c["released"] for c in table.body["cells"])
    later = release_statistic(pooled, "sum", "shortage_days", ["dosage_form", "region"])
    cells = _cells(later)
    sterile = cells[("sterile_injectable", "europe")]
    assert not sterile["released"] and sterile["reason"].startswith("differencing")
    assert "2 organisations" in sterile["reason"]
    assert cells[("oral_solid", "europe")]["released"]


def test_a_table_that_would_difference_with_an_earlier_sum_is_refused(pooled) -> None:
    first = release_statistic(pooled, "sum", "shortage_days", ["dosage_form", "region"])
    assert _cells(first)[("sterile_injectable", "europe")]["released"]
    with pytest.raises(UserInputError, match="refused: its cell dosage_form="
                                             "sterile_injectable differencing"):
        release_statistic(pooled, "table", "shortage_days", ["dosage_form"])


@pytest.mark.parametrize("group_by", [[], ["dosage_form", "region", "unit_kind"]])
def test_a_table_has_one_or_two_groupings(pooled: Store, group_by: list[str]) -> None:
    with pytest.raises(UserInputError, match="group by one or two columns"):
        release_statistic(pooled, "table", "shortage_days", group_by)
