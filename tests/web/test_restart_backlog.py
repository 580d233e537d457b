"""No run is stranded by a restart: queued runs beyond a smaller ``--queue-size`` are
queued as slots free up, oldest first; runs interrupted by a dead server resume by
themselves when the app is asked to; a run whose server stopped making progress is shown
as interrupted, not as running for ever."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from rxtwin.data.scenarios import load_scenario
from rxtwin.runs import kinds
from rxtwin.store import Store
from rxtwin.store._schema import runs as runs_table
from rxtwin.web.app import create_app

from .conftest import wait_done

# Two chunks, a few replications: each run takes well under a second.
TINY_BREAKEVEN = {"param": "products_per_line", "param_values": [1, 2],
                  "param2": "volume_scale", "param2_values": [1.0],
                  "technologies": ["continuous"], "n_replications": 4, "seed": 3}


def _store_with_runs(db, n: int) -> tuple[list[str], str]:
    scenario = load_scenario("generic_oral_solid")
    params = kinds.parse_params("econ.breakeven", scenario, TINY_BREAKEVEN).model_dump()
    with Store.open(db) as store:
        scenario_hash = store.put_scenario(scenario.document(), scenario.name)
        ids = [store.create_run("econ.breakeven", scenario_hash, params, None, n_chunks=2)
               for _ in range(n)]
    return ids, scenario_hash


def test_queued_runs_beyond_a_smaller_queue_all_run_after_a_restart(tmp_path):
    # A server with a queue of 16 stopped with 6 runs queued; it comes back with a queue
    # of 2. Every one of the 6 must run, the oldest first, none left "queued".
    db = tmp_path / "backlog.sqlite"
    ids, _ = _store_with_runs(db, 6)
    with TestClient(create_app(str(db), queue_size=2, resume_interrupted=False),
                    raise_server_exceptions=False) as client:
        finished = [wait_done(client, run_id, timeout_s=60) for run_id in ids]
        assert [run["status"] for run in finished] == ["done"] * 6
        started = [run["started_at"] for run in finished]
        assert started == sorted(started)  # first queued, first run (one worker)
        assert client.get("/api/runs", params={"status": "queued"}).json() == []


def test_a_queued_run_not_in_the_queue_can_be_resumed(tmp_path):
    # Without workers nothing drains the queue of 1: the other queued run waits in the
    # store. Resuming it is not a state error (409): it asks for a slot (429 while full).
    db = tmp_path / "stranded.sqlite"
    ids, _ = _store_with_runs(db, 2)
    with TestClient(create_app(str(db), queue_size=1, start_workers=False),
                    raise_server_exceptions=False) as client:
        waiting = [run_id for run_id in ids if not client.get(f"/api/runs/{run_id}").json()["queued"]]
        assert waiting == [ids[1]]  # the oldest got the one slot
        answer = client.post(f"/api/runs/{ids[1]}/resume")
        assert answer.status_code == 429, answer.text


def _mark_running(db, run_id: str, *, host: str, pid: int, heartbeat_age_s: float) -> None:
    """Leave ``run_id`` as a server on ``host`` that stopped would: running, with its last
    heartbeat ``heartbeat_age_s`` ago."""
    with Store.open(db) as store:
        store.start_run(run_id)
        beat = datetime.now(UTC) - timedelta(seconds=heartbeat_age_s)
        with store._engine.begin() as conn:
            conn.execute(update(runs_table).where(runs_table.c.id == run_id).values(
                owner_host=host, owner_pid=pid, heartbeat_at=beat))


def test_interrupted_runs_resume_by_themselves_on_start_up(tmp_path):
    import socket

    db = tmp_path / "resume.sqlite"
    ids, _ = _store_with_runs(db, 2)
    dead_pid = 2**22 + 12345  # above Linux's default pid_max: no such process
    for run_id in ids:
        _mark_running(db, run_id, host=socket.gethostname(), pid=dead_pid, heartbeat_age_s=1)
    with TestClient(create_app(str(db), queue_size=4, resume_interrupted=True),
                    raise_server_exceptions=False) as client:
        for run_id in ids:
            assert wait_done(client, run_id, timeout_s=60)["status"] == "done"
    off_db = tmp_path / "off.sqlite"
    off_ids, _ = _store_with_runs(off_db, 1)
    _mark_running(off_db, off_ids[0], host=socket.gethostname(), pid=dead_pid,
                  heartbeat_age_s=1)
    with TestClient(create_app(str(off_db), resume_interrupted=False),
                    raise_server_exceptions=False) as client:
        time.sleep(0.5)
        run = client.get(f"/api/runs/{off_ids[0]}").json()
        assert run["status"] == "interrupted" and not run["queued"] and run["resumable"]


def test_a_run_whose_server_went_silent_is_shown_as_interrupted(tmp_path):
    # The run was started by a server on another machine (its pid cannot be checked here)
    # that recorded nothing for an hour: the run page says it was interrupted and offers
    # Resume, instead of "running — 0/2" for ever. A fresh heartbeat stays "running".
    db = tmp_path / "silent.sqlite"
    (silent, fresh), _ = _store_with_runs(db, 2)
    _mark_running(db, silent, host="another-machine", pid=1, heartbeat_age_s=3600)
    _mark_running(db, fresh, host="another-machine", pid=1, heartbeat_age_s=1)
    with TestClient(create_app(str(db), resume_interrupted=False, stale_after_s=600),
                    raise_server_exceptions=False) as client:
        page = client.get(f"/runs/{silent}").text
        assert "running —" not in page and "interrupted" in page
        assert "no progress for at least 600 s" in page and 'id="resume"' in page
        assert client.get(f"/api/runs/{fresh}").json()["status"] == "running"
        assert "running —" in client.get(f"/runs/{fresh}").text


def test_the_runs_list_names_scenario_kind_key_parameters_and_status(tmp_path):
    db = tmp_path / "list.sqlite"
    (run_id,), _ = _store_with_runs(db, 1)
    with TestClient(create_app(str(db), start_workers=False),
                    raise_server_exceptions=False) as client:
        page = client.get("/runs").text
        row = page[page.index(f"/runs/{run_id}") - 600:page.index(f"/runs/{run_id}")]
        assert "generic-oral-solid" in row and "econ.breakeven" in row and "queued" in row
        assert ("param=products_per_line, param2=volume_scale, technologies=continuous, "
                "n_replications=4") in row
        listed = client.get("/api/runs").json()[0]
        assert listed["scenario_name"] == "generic-oral-solid"
        assert listed["key_parameters"].startswith("param=products_per_line, param2=")
