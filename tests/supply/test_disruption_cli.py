"""The ``supply simulate`` command (registered here on a throw-away Typer app)."""

from __future__ import annotations

from typer.testing import CliRunner

from rxtwin.cli.supply_simulate import app

runner = CliRunner()


def test_simulate_prints_a_row_per_product_and_the_seed(tmp_path):
    result = runner.invoke(app, ["metformin", "--years", "20", "--seed", "3",
                                 "--db", str(tmp_path / "runs.sqlite")])
    assert result.exit_code == 0, result.output
    assert "metformin-500" in result.output
    assert "seed 3" in result.output


def test_unknown_intervention_exits_2_with_one_line():
    result = runner.invoke(app, ["metformin", "--years", "5", "--intervention", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output
    assert "Traceback" not in result.output


def test_unknown_scenario_exits_2():
    result = runner.invoke(app, ["no-such-scenario", "--years", "5"])
    assert result.exit_code == 2
