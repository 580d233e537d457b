"""Stored line runs: one run per technology with its summary table, and a killed run
resumes to exactly the result of an uninterrupted one."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.data.scenarios import load_scenario
from rxtwin.line.from_scenario import line_inputs_from_scenario
from rxtwin.line.simulate import simulate
from rxtwin.runs.line import (
    LINE_TABLE,
    comparison_table,
    line_chunk_to_record,
    resume_line_run,
    run_line_simulation,
)
from rxtwin.store import Store


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("generic_oral_solid")


def test_runs_are_stored_with_their_tables(tmp_path, scenario):
    with Store.open(tmp_path / "r.sqlite") as store:
        runs = run_line_simulation(store, scenario, line_id="line-1",
                                   technology_ids=["batch", "continuous"], n_replications=60,
                                   entropy=11, chunk_size=20)
        for run in runs:
            record = store.get_run(run.run_id)
            assert record.status == "done" and record.chunks_done == 3
            assert record.seed_entropy == 11
            stored = store.get_summary(run.run_id, LINE_TABLE)
            pd.testing.assert_frame_equal(stored, run.results.table(), check_dtype=False)
        frame = comparison_table(runs)
        assert set(frame["technology"]) == {"batch", "continuous"}
        assert (frame["ci95_low"] <= frame["mean"]).all()


def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path, scenario):
    with Store.open(tmp_path / "full.sqlite") as store:
        (full,) = run_line_simulation(store, scenario, line_id="line-1",
                                      technology_ids=["batch"], n_replications=80,
                                      entropy=5, chunk_size=20)
        params = dict(store.get_run(full.run_id).parameters)
    # The first two chunks of the same run, as a process killed after them left them.
    x = line_inputs_from_scenario(scenario, "line-1", technology_id="batch")
    finished = {}
    simulate(x, 40, entropy=5, chunk_size=20,
             on_chunk_done=lambda index, chunk: finished.__setitem__(index, chunk))
    with Store.open(tmp_path / "killed.sqlite") as store:
        digest = store.put_scenario(scenario.document(), scenario.name)
        run_id = store.create_run("line.simulate", digest, params, 5, n_chunks=4)
        store.start_run(run_id)
        for index, chunk in finished.items():
            store.record_chunk(run_id, index, line_chunk_to_record(chunk))
        store.fail_run(run_id, "killed")
        seen = []
        resumed = resume_line_run(store, run_id, progress=lambda done, total: seen.append(done))
        assert seen[0] == 2 and seen[-1] == 4  # only the two missing chunks were simulated
        assert resumed.results.summary.equals(full.results.summary)
        assert store.get_run(run_id).status == "done"


def test_cli_plan_simulate_and_bad_input(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["line", "plan", "generic_oral_solid", "--tech", "batch"])
    assert result.exit_code == 0, result.output
    db = str(tmp_path / "cli.sqlite")
    result = runner.invoke(app, ["line", "simulate", "generic_oral_solid", "--tech",
                                 "batch,modular", "--reps", "40", "--seed", "3", "--db", db])
    assert result.exit_code == 0, result.output
    assert "OEE" in result.output and "modular" in result.output
    result = runner.invoke(app, ["line", "simulate", "generic_oral_solid", "--tech", "laser",
                                 "--reps", "10", "--db", db])
    assert result.exit_code == 2 and "laser" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["line", "resume", "nope", "--db", db])
    assert result.exit_code == 2
