"""`rxtwin prioritize` and `rxtwin portfolio`: stored runs printed as a ranked table and as a
portfolio with its frontier; bad input refused before anything is stored."""

from __future__ import annotations

from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.store import Store

FAST = ["--years", "100", "--chunk-size", "25", "--draws", "20", "--seed", "2"]


def run_id_of(output: str) -> str:
    (line,) = [ln for ln in output.splitlines() if ln.startswith("run: ")]
    return line.removeprefix("run: ").strip()


def test_prioritize_stores_the_run_and_prints_the_first_products(tmp_path):
    db = tmp_path / "p.sqlite"
    result = CliRunner().invoke(app, ["prioritize", "sterile_injectable", "--top", "3",
                                      *FAST, "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for label in ("rank", "dominant cause", "best measure", "seed 2"):
        assert label in result.output
    with Store.open(db, create=False) as store:
        record = store.get_run(run_id_of(result.output))
        assert (record.kind, record.status) == ("priority.rank", "done")
        ranking = store.get_summary(record.id, "priority_ranking")
    assert sum(str(name) in result.output for name in ranking["name"]) >= 3


def test_portfolio_prints_the_choice_the_re_simulation_and_the_frontier(tmp_path):
    db = tmp_path / "p.sqlite"
    result = CliRunner().invoke(app, ["portfolio", "sterile_injectable", "--budget-usd",
                                      "1e6", "--budgets", "3", *FAST, "--db", str(db)],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for label in ("Portfolio under a public budget of 1.0 M USD", "simulated as a whole",
                  "Efficient frontier"):
        assert label in result.output
    with Store.open(db, create=False) as store:
        assert store.get_run(run_id_of(result.output)).status == "done"


def test_a_bad_objective_or_measure_is_refused_with_exit_2(tmp_path):
    db = tmp_path / "p.sqlite"
    for extra in (["--objective", "fame"], ["--measure", "nope"]):
        result = CliRunner().invoke(app, ["portfolio", "sterile_injectable", *extra, *FAST,
                                          "--db", str(db)])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert (extra[1] in result.output)
    assert not db.exists()
