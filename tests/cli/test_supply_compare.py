"""`rxtwin supply compare`: a stored resilience comparison printed by option and cause
category; bad ids refused before anything is stored."""

from __future__ import annotations

from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.store import Store


def test_compare_stores_the_run_and_prints_every_option(tmp_path):
    db = tmp_path / "c.sqlite"
    result = CliRunner().invoke(app, [
        "supply", "compare", "sterile_injectable", "--technology", "", "--intervention",
        "rapid-sterility-test,buffer-stock-90d", "--years", "200", "--chunk-size", "20",
        "--reps", "3", "--seed", "4", "--db", str(db)], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    for label in ("batch (incumbent)", "rapid-sterility-test", "buffer-stock-90d",
                  "avoided: recall", "seed 4"):
        assert label in result.output
    (run_line,) = [ln for ln in result.output.splitlines() if ln.startswith("run: ")]
    with Store.open(db, create=False) as store:
        record = store.get_run(run_line.removeprefix("run: ").strip())
        assert (record.kind, record.status, record.seed_entropy) \
            == ("resilience.compare", "done", 4)
        assert record.parameters["technologies"] == []


def test_an_unknown_id_is_refused_by_name_with_exit_2(tmp_path):
    db = tmp_path / "c.sqlite"
    result = CliRunner().invoke(app, ["supply", "compare", "sterile_injectable",
                                      "--intervention", "nope", "--db", str(db)])
    assert result.exit_code == 2
    assert "interventions" in result.output and "nope" in result.output
    assert "Traceback" not in result.output
    assert not db.exists()
