"""`rxtwin runs list|show|delete` over a real store on each back end."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from typer.testing import CliRunner

from rxtwin.cli.runs import app
from rxtwin.store import Store

if TYPE_CHECKING:
    from conftest import StoreTarget


@pytest.fixture
def cli(store_target: StoreTarget, monkeypatch: pytest.MonkeyPatch):
    """Invoke the runs app against the test store, with a wide terminal for whole ids."""
    monkeypatch.setenv("COLUMNS", "200")
    for key, value in store_target.cli_env.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [*args, "--db", store_target.cli_url], input=input)

    return invoke


@pytest.fixture
def two_runs(store: Store) -> tuple[str, str]:
    scenario = store.put_scenario({"products": 24}, "base")
    simulated = store.create_run("line.simulate", scenario, {"reps": 10}, 2**70, n_chunks=2)
    store.start_run(simulated)
    store.record_chunk(simulated, 0, {"x": 1})
    store.put_summary(simulated, "kpi", pd.DataFrame({"oee": [0.7]}))
    store.put_array(simulated, "trace", pd.DataFrame({"t_h": [0.0]}))
    store.fail_run(simulated, "stopped by test")
    priced = store.create_run("econ.npv", None, {}, None)
    return simulated, priced


def test_list_shows_runs_and_filters(cli, two_runs: tuple[str, str]) -> None:
    simulated, priced = two_runs
    result = cli("list")
    assert result.exit_code == 0, result.output
    assert simulated in result.output and priced in result.output
    assert "1/2" in result.output and "failed" in result.output
    simulated_row = next(line for line in result.output.splitlines() if simulated in line)
    assert "base" in simulated_row and "reps=10" in simulated_row  # scenario, key parameters
    only = cli("list", "--kind", "econ.npv")
    assert priced in only.output and simulated not in only.output
    failed = cli("list", "--status", "failed")
    assert simulated in failed.output and priced not in failed.output
    newest = cli("list", "--limit", "1")
    assert priced in newest.output and simulated not in newest.output


def test_show_prints_the_record(cli, two_runs: tuple[str, str]) -> None:
    simulated, _ = two_runs
    result = cli("show", simulated)
    assert result.exit_code == 0, result.output
    for expected in (
        "line.simulate",
        "failed",
        str(2**70),
        "stopped by test",
        "kpi",
        "trace",
        "{'reps': 10}",
        "1/2",
    ):
        assert expected in result.output


@pytest.mark.parametrize("command", [["show"], ["delete", "--yes"]])
def test_unknown_id_is_one_line_and_exit_2(
    cli, two_runs: tuple[str, str], command: list[str]
) -> None:
    result = cli(command[0], "no-such-run", *command[1:])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no run with id 'no-such-run'" in lines[0]
    assert "Traceback" not in result.output


def test_bad_status_is_exit_2(cli, two_runs: tuple[str, str]) -> None:
    result = cli("list", "--status", "finished")
    assert result.exit_code == 2
    assert "run status 'finished' is not one of" in result.stderr


def test_delete_asks_first(cli, store: Store, two_runs: tuple[str, str]) -> None:
    simulated, priced = two_runs
    declined = cli("delete", simulated, input="n\n")
    assert declined.exit_code == 1
    assert store.get_run(simulated).status == "failed"
    accepted = cli("delete", simulated, input="y\n")
    assert accepted.exit_code == 0 and f"deleted run {simulated}" in accepted.output
    assert [run.id for run in store.list_runs()] == [priced]
    assert not (store.artifacts_dir / simulated).exists()
    assert cli("delete", priced, "--yes").exit_code == 0
    assert store.list_runs() == []


def test_delete_of_running_run_needs_force(cli, store: Store) -> None:
    run_id = store.create_run("line.simulate", None, {}, 1)
    store.start_run(run_id)
    refused = cli("delete", run_id, "--yes")
    assert refused.exit_code == 2 and "is running" in refused.stderr
    assert cli("delete", run_id, "--yes", "--force").exit_code == 0
    assert store.list_runs() == []


def test_missing_database_is_exit_2_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nothing.sqlite"
    result = CliRunner().invoke(app, ["list", "--db", str(path)])
    assert result.exit_code == 2 and "no rxtwin store at" in result.stderr
    assert not path.exists()


def test_db_defaults_to_env_then_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RXTWIN_DB", raising=False)
    with Store.open(tmp_path / "rxtwin.sqlite") as store:
        here = store.create_run("line.simulate", None, {}, 1)
    with Store.open(tmp_path / "elsewhere.sqlite") as store:
        there = store.create_run("line.simulate", None, {}, 1)
    assert here in CliRunner().invoke(app, ["list"]).output
    monkeypatch.setenv("RXTWIN_DB", str(tmp_path / "elsewhere.sqlite"))
    output = CliRunner().invoke(app, ["list"]).output
    assert there in output and here not in output
