"""`rxtwin appraise` prices every option of a line and stores the run."""

from __future__ import annotations

from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.store import Store


def test_appraise_prints_both_tables_and_stores_the_run(tmp_path):
    db = tmp_path / "runs.sqlite"
    result = CliRunner().invoke(app, [
        "appraise", "sterile_injectable", "--technology", "", "--intervention",
        "rapid-sterility-test,buffer-stock-90d", "--years", "40", "--chunk-size", "20",
        "--reps", "4", "--draws", "50", "--seed", "2", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "for the firm" in result.output and "for society" in result.output
    assert "brings" in result.output and "cheapest" in result.output
    assert "rapid-sterility-test" in result.output
    with Store.open(db) as store:
        (run,) = store.list_runs(kind="econ.options")
        assert run.status == "done" and run.seed_entropy == 2


def test_appraise_rejects_an_unknown_intervention(tmp_path):
    result = CliRunner().invoke(app, [
        "appraise", "sterile_injectable", "--intervention", "no-such-measure",
        "--db", str(tmp_path / "runs.sqlite")])
    assert result.exit_code == 2
    assert "no-such-measure" in result.output


def test_appraise_takes_a_commitment_share_within_zero_and_one(tmp_path):
    db = str(tmp_path / "runs.sqlite")
    result = CliRunner().invoke(app, [
        "appraise", "sterile_injectable", "--technology", "", "--intervention",
        "rapid-sterility-test", "--years", "40", "--chunk-size", "20", "--reps", "4",
        "--draws", "50", "--seed", "2", "--commitment-share", "0.5", "--db", db])
    assert result.exit_code == 0, result.output
    with Store.open(db) as store:
        (run,) = store.list_runs(kind="econ.options")
        assert run.parameters["commitment_share"] == 0.5
    refused = CliRunner().invoke(app, ["appraise", "sterile_injectable",
                                       "--commitment-share", "1.5", "--db", db])
    assert refused.exit_code == 2
    assert "commitment_share" in refused.output and "Traceback" not in refused.output


def test_appraise_prints_the_market_table_at_an_import_price(tmp_path):
    result = CliRunner().invoke(app, [
        "appraise", "metformin", "--technology", "continuous", "--intervention", "",
        "--years", "40", "--chunk-size", "20", "--reps", "4", "--draws", "50", "--seed", "2",
        "--market-price-usd", "0.012", "--db", str(tmp_path / "runs.sqlite")],
        env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "metformin: in the market" in result.output
    rows = [line for line in result.output.splitlines()
            if line.startswith(("│ incumbent", "│ continuous")) and "0.0120" in line]
    assert len(rows) == 2 and all("yes" in row for row in rows)  # both makers would leave
