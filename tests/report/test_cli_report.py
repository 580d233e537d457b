"""`rxtwin report RUN_ID -o FILE`: writes the report; bad input exits 2 with one line."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from rxtwin.cli.report import report
from rxtwin.data.scenarios import load_scenario
from rxtwin.runs import kinds
from rxtwin.store import Store

app = typer.Typer()
app.command()(report)
app.command("other")(lambda: None)  # two commands, so `report` is a sub-command as wired


def test_report_command_writes_the_file_and_refuses_unknown_runs(tmp_path):
    db = tmp_path / "runs.sqlite"
    scenario = load_scenario("generic_oral_solid")
    with Store.open(db) as store:
        scenario_hash = store.put_scenario(scenario.document(), scenario.name)
        params = kinds.parse_params("econ.breakeven", scenario, {
            "param_values": [1, 2, 3], "param2_values": [0.5, 1.0],
            "technologies": ["continuous"], "n_replications": 10, "seed": 1})
        run_id = store.create_run("econ.breakeven", scenario_hash,
                                  params.model_dump(mode="json"), params.seed, n_chunks=3)
        kinds.execute_run(store, run_id)
    out = tmp_path / "report.html"
    runner = CliRunner()
    result = runner.invoke(app, ["report", run_id, "-o", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    missing = runner.invoke(app, ["report", "0" * 32, "--db", str(db)])
    assert missing.exit_code == 2
    assert "no run with id" in missing.output and "Traceback" not in missing.output
    no_store = runner.invoke(app, ["report", run_id, "--db", str(tmp_path / "none.sqlite")])
    assert no_store.exit_code == 2 and "no rxtwin store" in no_store.output
