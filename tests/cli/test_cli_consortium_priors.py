"""Run commands resolve a scenario's priors from the consortium pool of --db, say so on
stderr, and record them with the run; `rxtwin validate --db` checks such a scenario;
`rxtwin demo --consortium` seeds the demo consortium."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.runs.consortium_demo import run_consortium_demo
from rxtwin.store import Store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("pooled")
    db = out / "consortium.sqlite"
    with Store.open(db) as store:
        run_consortium_demo(store, out, n_replications=10, with_logins=False)
    return db, out / "consortium" / "generic_oral_solid_pooled.yaml"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_line_simulate_resolves_priors_and_runs_show_lists_them(seeded, runner) -> None:
    db, scenario = seeded
    done = runner.invoke(app, ["line", "simulate", str(scenario), "--tech", "batch",
                               "--reps", "10", "--seed", "3", "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert ("prior technologies.batch.changeover_h: source: consortium:"
            "changeover_h.triangular.by.dosage_form@1 (dosage_form=oral_solid)") in done.stderr
    run_id = done.stdout.strip().splitlines()[-1].split("batch=")[1]
    shown = runner.invoke(app, ["runs", "show", run_id, "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    assert "consortium priors" in shown.stdout
    assert "technologies.batch.changeover_h from changeover_h.triangular.by.dosage_form@1" \
        in shown.stdout


def test_a_scenario_without_priors_needs_no_store(runner, tmp_path: Path) -> None:
    done = runner.invoke(app, ["validate", "generic_oral_solid", "--db",
                               str(tmp_path / "absent.sqlite")])
    assert done.exit_code == 0, done.output
    assert not (tmp_path / "absent.sqlite").exists()


def test_priors_without_the_pool_are_one_line_and_exit_2(seeded, runner, tmp_path) -> None:
    _, scenario = seeded
    missing = tmp_path / "absent.sqlite"
    done = runner.invoke(app, ["line", "simulate", str(scenario), "--tech", "batch",
                               "--reps", "10", "--db", str(missing)])
    assert done.exit_code == 2
    assert "Traceback" not in done.output
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "takes priors from released consortium statistics" in line
    assert "--db" in line and not missing.exists()


def test_validate_resolves_priors_with_db_and_names_a_bad_reference(seeded, runner,
                                                                      tmp_path) -> None:
    db, scenario = seeded
    done = runner.invoke(app, ["validate", str(scenario), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "ok" in done.stdout and "generic_oral_solid_pooled" in done.stdout
    unpinned = tmp_path / "unpinned.yaml"
    unpinned.write_text(scenario.read_text().replace(
        "changeover_h.triangular.by.dosage_form@1", "changeover_h.triangular.by.dosage_form@9"))
    bad = runner.invoke(app, ["validate", str(unpinned), "--db", str(db)])
    assert bad.exit_code == 2
    assert "changeover_h.triangular.by.dosage_form@9" in bad.stderr
    assert "Traceback" not in bad.output


def test_demo_consortium_prints_releases_suppressions_and_logins(runner, tmp_path) -> None:
    out = tmp_path / "demo"
    done = runner.invoke(app, ["demo", "--consortium", "--out", str(out), "--reps", "10"])
    assert done.exit_code == 0, done.output
    text = done.stdout
    assert "every figure is synthetic" in text
    assert "suppressed: threshold rule: 2 organisations contribute" in text
    assert "dominance" in text
    assert "noise scale" in text
    assert "analyst (researcher of research), password " in text
    assert (out / "consortium_releases.csv").exists()
    assert len(list((out / "consortium" / "submissions").glob("*.yaml"))) == 19
    again = runner.invoke(app, ["demo", "--consortium", "--out", str(out), "--reps", "10"])
    assert again.exit_code == 2
    assert "starts from an empty store" in again.stderr
