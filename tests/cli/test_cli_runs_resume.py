"""`rxtwin runs resume RUN_ID`: a run of any kind killed after its first chunk finishes on
the backend chosen with the tables of an uninterrupted run; a done run, a running one and
an unknown id are one line and exit code 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.runs.kinds import execute_run
from rxtwin.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runs"))
from test_run_backends import _assert_same_tables, _queue, _serial_tables, _tables  # noqa: E402


def _killed(store: Store, kind: str) -> str:
    def killed_after_first_chunk(done: int, total: int) -> None:
        if done >= 1:
            raise RuntimeError("killed")

    run_id = _queue(store, kind)
    with pytest.raises(RuntimeError, match="killed"):
        execute_run(store, run_id, killed_after_first_chunk)
    return run_id


@pytest.mark.parametrize("kind", ["resilience.compare", "priority.rank"])
def test_resume_finishes_a_killed_run_of_a_kind_without_its_own_command(tmp_path, kind):
    db = tmp_path / "r.sqlite"
    with Store.open(db) as store:
        expected = _serial_tables(store, kind)
        run_id = _killed(store, kind)
        assert store.get_run(run_id).status == "failed"
    done = CliRunner().invoke(app, ["runs", "resume", run_id, "--db", str(db),
                                    "--backend", "threads", "--workers", "2"])
    assert done.exit_code == 0, done.output
    assert f"run {run_id} ({kind}): done" in done.stdout
    with Store.open(db) as store:
        _assert_same_tables(_tables(store, run_id), expected)


def test_done_running_and_unknown_runs_are_refused(tmp_path):
    db = tmp_path / "r.sqlite"
    with Store.open(db) as store:
        run_id = _queue(store, "line.simulate")
        execute_run(store, run_id)
        busy = _queue(store, "line.simulate")
        store.start_run(busy)  # this process is alive: not taken as interrupted
    runner = CliRunner()
    for target, words in ((run_id, "is done; nothing to resume"),
                          (busy, "is running (process"),
                          ("0" * 32, "0" * 32)):
        result = runner.invoke(app, ["runs", "resume", target, "--db", str(db)])
        assert result.exit_code == 2, result.output
        assert words in result.stderr and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1
    bad = runner.invoke(app, ["runs", "resume", run_id, "--db", str(db), "--backend", "gpu"])
    assert bad.exit_code == 2 and "gpu" in bad.stderr
