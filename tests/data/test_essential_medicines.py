"""Essential-medicines lists: the bundled WHO EML as a universe, and a user's CSV validated
with errors naming file, row, column, value and rule."""

from __future__ import annotations

import pytest

from rxtwin.data.essential_medicines import load_essential_medicines_csv, who_eml_universe
from rxtwin.errors import UserInputError


def test_who_universe_is_the_added_medicines():
    universe = who_eml_universe()
    assert list(universe.columns) == ["name", "atc_codes", "parenteral"]
    assert len(universe) == 606  # SOURCE.md: 606 distinct names with an "added" row
    assert universe["name"].is_unique
    assert "J01CA04" in universe.set_index("name").loc["amoxicillin", "atc_codes"]
    assert universe.set_index("name").loc["metformin", "parenteral"] is False
    assert universe.set_index("name").loc["ceftriaxone", "parenteral"] is True


def test_a_csv_list_loads(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Name,atc_codes,parenteral,notes\nheparin,B01AB01,yes,x\n"
                    "amoxicillin,J01CA04; J01CR02,no,\nzinc,,,\n", encoding="utf-8")
    table = load_essential_medicines_csv(path)
    assert table["name"].tolist() == ["heparin", "amoxicillin", "zinc"]
    assert table["atc_codes"].tolist() == [["B01AB01"], ["J01CA04", "J01CR02"], []]
    assert table["parenteral"].tolist() == [True, False, None]


@pytest.mark.parametrize(("text", "message"), [
    ("name,codes\na,B01\n", "row 1: missing columns ['atc_codes']"),
    ("name,atc_codes\nheparin,B1AB01\n",
     "row 2, column atc_codes: an ATC code is a letter"),
    ("name,atc_codes\nheparin,B01\nHeparin,B01\n",
     "row 3, column name: repeats the medicine of row 2 (got 'Heparin')"),
    ("name,atc_codes\n,B01\n", "row 2, column name: a medicine name must not be blank"),
    ("name,atc_codes,parenteral\nheparin,B01,maybe\n",
     "row 2, column parenteral: must be yes or no (or blank: not known) (got 'maybe')"),
    ("name,atc_codes\n", "no medicines listed"),
])
def test_bad_lists_are_refused_naming_file_row_column_value_rule(tmp_path, text, message):
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserInputError) as caught:
        load_essential_medicines_csv(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_csv_list_is_a_backtest_universe(tmp_path):
    from rxtwin.runs.priority_backtest import priority_backtest

    names = who_eml_universe().head(120)
    lines = ["name,atc_codes,parenteral"] + [
        f"{n},{';'.join(c)},{'yes' if p else 'no'}"
        for n, c, p in names.itertuples(index=False)]
    path = tmp_path / "list.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = priority_backtest(universe=load_essential_medicines_csv(path), n_resamples=1000)
    assert result.table["n"].iloc[0] == 120
    small = result.table[result.table["n"] < 50]  # too few medicines for precision@50
    assert small["precision_at_50"].isna().all()
