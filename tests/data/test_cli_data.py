"""`rxtwin data list/show` sub-app."""

from __future__ import annotations

from typer.testing import CliRunner

from rxtwin.cli.data import app
from rxtwin.data import catalog

runner = CliRunner()


def test_list_shows_every_dataset():
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in catalog.dataset_names():
        assert name in result.output


def test_show_prints_provenance_and_rows():
    result = runner.invoke(app, ["show", "fda-warning-letters-by-country", "--rows", "4"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "SOURCE.md" in result.output and "licence" in result.output
    for country in ("United States", "India", "China", "Mexico"):
        assert country in result.output
    assert "(not stated)" not in result.output  # 5th row, not shown


def test_show_selected_columns():
    result = runner.invoke(app, ["show", "fda-shortage-episodes", "-n", "2", "-c",
                                 "generic_name,duration_days"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "duration_days" in result.output


def test_bad_input_exits_2_with_one_line():
    for args in (["show", "nope"], ["show", "who-eml-medicines", "--rows", "-1"],
                 ["show", "who-eml-medicines", "-c", "colour"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert result.output.strip().count("\n") == 0, result.output
        assert result.output.startswith("error:")
        assert "Traceback" not in result.output
