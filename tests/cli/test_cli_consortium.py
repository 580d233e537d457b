"""`rxtwin consortium register|submit|list|release|audit verify` through the top-level CLI,
on a SQLite store: output, exit codes and one-line errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rxtwin.cli import app

EUROPE = {"eu1": 12.0, "eu2": 14.0, "eu3": 16.0, "eu4": 18.0, "eu5": 20.0}
ASIA = {"as1": 30.0, "as2": 35.0}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "200")
    db = str(tmp_path / "pool.sqlite")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["consortium", *args, "--db", db], prog_name="rxtwin")

    invoke.db = db
    return invoke


def _file(folder: Path, org: str, region: str, value: float, **extra: object) -> Path:
    path = folder / f"{org}.yaml"
    path.write_text(yaml.safe_dump({
        "schema_version": 1, "organisation_id": org, "unit_kind": "line", "unit_id": "L1",
        "period_yr": 2024, "dosage_form": "oral_solid", "region": region,
        "changeover_h": value, **extra}))
    return path


@pytest.fixture
def pooled(cli, tmp_path: Path):
    for region, orgs in (("europe", EUROPE), ("south_asia", ASIA)):
        for org, value in orgs.items():
            assert cli("register", org, "--epsilon-total", "1.0").exit_code == 0
            done = cli("submit", str(_file(tmp_path, org, region, value)), "--org", org)
            assert done.exit_code == 0, done.output
            assert done.output.strip() == f"{org}/line/L1/2024: stored as version 1"
    return cli


def test_list_shows_only_the_organisations_own_rows(pooled) -> None:
    done = pooled("list", "--org", "eu1")
    assert done.exit_code == 0
    assert "eu1/line/L1/2024  v1" in done.output and "changeover_h=12.0" in done.output
    for other in [*EUROPE, *ASIA]:
        if other != "eu1":
            assert other not in done.output


def test_release_prints_values_and_what_was_suppressed(pooled) -> None:
    done = pooled("release", "median", "--field", "changeover_h", "--group-by", "region")
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert lines == [
        "released changeover_h.median.by.region@1 (rules): median of changeover_h",
        "  region=europe: 16",
        "  region=south_asia: suppressed",
        "suppressed region=south_asia: threshold rule: 2 organisations contribute, at "
        "least 5 are needed"]
    again = pooled("release", "median", "--field", "changeover_h", "--group-by", "region")
    assert "changeover_h.median.by.region@2" in again.output


def test_dp_release_spends_the_organisations_budget(pooled) -> None:
    args = ("release", "mean", "--field", "changeover_h", "--dp-epsilon", "0.8",
            "--org", "eu1", "--bounds", "0,48")
    first = pooled(*args)
    assert first.exit_code == 0, first.output
    assert "changeover_h.mean.dp@1 (dp)" in first.output
    second = pooled(*args)
    assert second.exit_code == 2
    assert "privacy budget of tenant 'eu1' exceeded" in second.output


def test_bad_submission_is_one_line_per_problem_and_exit_2(cli, tmp_path: Path) -> None:
    cli("register", "acme")
    path = _file(tmp_path, "acme", "europe", 9000.0, oee=1.5)
    done = cli("submit", str(path), "--org", "acme")
    assert done.exit_code == 2
    problems = [line for line in done.output.splitlines() if line.startswith("error:")]
    assert len(problems) == 2
    assert all(str(path) in line for line in problems)
    assert any("changeover_h" in line and "9000" in line for line in problems)
    unknown = cli("submit", str(_file(tmp_path, "ghost", "europe", 1.0)), "--org", "ghost")
    assert unknown.exit_code == 2 and "'ghost' is not registered" in unknown.output


def test_audit_verify_passes_then_fails_after_tampering(pooled) -> None:
    done = pooled("audit", "verify")
    assert done.exit_code == 0 and done.output.startswith("audit log intact: ")
    with sqlite3.connect(pooled.db) as conn:
        conn.execute("UPDATE consortium_audit SET actor = 'as1' WHERE seq = 2")
    broken = pooled("audit", "verify")
    assert broken.exit_code == 1
    assert "entry 2: its content does not match its hash" in broken.output


def test_release_table_prints_the_total_and_hides_a_second_cell(pooled) -> None:
    done = pooled("release", "table", "--field", "changeover_h", "--group-by", "region")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "released changeover_h.table.by.region@1 (rules): table of changeover_h"
    assert "  region=europe: suppressed" in lines
    assert "  region=south_asia: suppressed" in lines
    total = sum(EUROPE.values()) + sum(ASIA.values())
    assert f"  region=Total: {total:g}" in lines
    assert any(line.startswith("suppressed region=europe: hidden so that the sensitive")
               for line in lines)
