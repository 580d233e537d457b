"""Stored supply-disruption runs: chunks kept as compact bytes that read back bit for bit,
the per-product table stored with the run, and a killed run (failed, or its process
SIGKILLed) resumes to exactly the result of an uninterrupted one, on SQLite and PostgreSQL.

The CLI tests call ``rxtwin supply simulate`` and ``rxtwin supply resume`` on the real app
(``resume`` registered in ``rxtwin/cli/__init__.py``)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.scenarios import load_scenario
from rxtwin.runs.site_failures import supply_inputs_with_lines
from rxtwin.runs.supply import (
    SUPPLY_CAUSE_TABLE,
    SUPPLY_CHUNK_FORMAT,
    SUPPLY_RUN_KIND,
    SUPPLY_TABLE,
    decode_supply_chunk,
    encode_supply_chunk,
    resume_supply_run,
    run_supply_simulation,
    supply_inputs_sha256,
)
from rxtwin.store import Store, UnknownRunError
from rxtwin.supply import disruption
from rxtwin.supply.disruption import simulate_disruptions
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario

SCENARIO = "sterile_injectable"  # 8 products, 5 sites
N_YEARS = 60
CHUNK_SIZE = 20  # 3 chunks
ENTROPY = 7


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def reference(scenario):
    """The uninterrupted engine run every stored or resumed run must equal, and its chunks."""
    inputs = supply_inputs_with_lines(scenario, [], load_disruption_defaults())
    chunks = {}
    run = simulate_disruptions(inputs, N_YEARS, entropy=ENTROPY, chunk_size=CHUNK_SIZE,
                               on_chunk_done=chunks.__setitem__)
    return run, chunks


# ------------------------------------------------------------------ stores

@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store: a SQLite file in tmp_path, or a fresh PostgreSQL schema (dropped)."""
    if request.param == "sqlite":
        with Store.open(tmp_path / "runs.sqlite") as opened:
            yield opened
        return
    # the server and a throw-away schema come from tests/conftest.py (pg_url, pg_schema)
    url, schema = request.getfixturevalue("pg_url"), request.getfixturevalue("pg_schema")
    with Store.open(url, schema=schema, artifacts_dir=tmp_path / "pg-artifacts") as opened:
        yield opened


class Killed(Exception):
    """Stands for the process dying after a chunk was recorded."""


def _killed_after_two_chunks(store: Store, scenario) -> str:
    """Start a stored run of 3 chunks that dies after recording 2; return its id."""
    def progress(done: int, total: int) -> None:
        if done == 2:
            raise Killed
    with pytest.raises(Killed):
        run_supply_simulation(store, scenario, n_years=N_YEARS, entropy=ENTROPY,
                              chunk_size=CHUNK_SIZE, progress=progress)
    (record,) = store.list_runs(kind=SUPPLY_RUN_KIND)
    assert record.status == "failed" and record.chunks_done == 2
    return record.id


# ------------------------------------------------------------------ chunk encoding


def test_chunk_bytes_read_back_bit_for_bit_and_are_compact(reference):
    _, chunks = reference
    for summary in chunks.values():
        data = encode_supply_chunk(summary)
        assert decode_supply_chunk(data).equals(summary)
        plain = json.dumps(summary.to_dict(), separators=(",", ":")).encode()
        # Two histograms of 1,826 bins per product, nearly all zero: compression must win
        # at least 5x (measured ~11x on this scenario).
        assert len(data) * 5 < len(plain)


def test_chunk_stored_before_cause_attribution_still_reads(reference):
    # a chunk written before shortages were attributed to causes has no "causes" key: it
    # reads back, merges with its like and gives the per-product table, and only the
    # cause table refuses, saying why
    _, chunks = reference
    older = dataclasses.replace(chunks[0], causes=None)
    document = json.loads(zlib.decompress(encode_supply_chunk(older)))
    assert "causes" not in document["summary"]
    back = decode_supply_chunk(encode_supply_chunk(older))
    assert back.causes is None and back.equals(older)
    pd.testing.assert_frame_equal(back.merge(back).table(), older.merge(older).table())
    with pytest.raises(ValueError, match="predates cause attribution"):
        back.cause_table()


def test_unreadable_chunk_bytes_are_refused(reference):
    _, chunks = reference
    with pytest.raises(ValueError, match="unreadable"):
        decode_supply_chunk(b"not zlib")
    other = zlib.compress(json.dumps({"format": "x/1", "summary": {}}).encode())
    with pytest.raises(ValueError, match=SUPPLY_CHUNK_FORMAT):
        decode_supply_chunk(other)


def test_inputs_digest_sees_an_intervention(scenario):
    defaults = load_disruption_defaults()
    base = supply_inputs_from_scenario(scenario, defaults=defaults)
    again = supply_inputs_from_scenario(scenario, defaults=defaults)
    buffered = supply_inputs_from_scenario(scenario, ["buffer-stock-90d"], defaults=defaults)
    assert supply_inputs_sha256(base) == supply_inputs_sha256(again)
    assert supply_inputs_sha256(base) != supply_inputs_sha256(buffered)


# ------------------------------------------------------------------ stored runs


def test_run_is_stored_with_its_chunks_and_table(store, scenario, reference):
    run_id, run = run_supply_simulation(store, scenario, n_years=N_YEARS, entropy=ENTROPY,
                                        chunk_size=CHUNK_SIZE)
    full, chunks = reference
    assert run.summary.equals(full.summary)
    record = store.get_run(run_id)
    assert (record.kind, record.status, record.seed_entropy) == (SUPPLY_RUN_KIND, "done",
                                                                 ENTROPY)
    assert (record.chunks_done, record.chunks_total) == (3, 3)
    assert record.parameters["n_years"] == N_YEARS
    assert record.parameters["chunk_size"] == CHUNK_SIZE
    assert record.parameters["intervention_ids"] == []
    assert record.scenario_hash == scenario.content_hash()
    stored = store.chunk_summaries(run_id)
    assert sorted(stored) == [0, 1, 2]
    for index, data in stored.items():
        assert isinstance(data, bytes)
        assert decode_supply_chunk(data).equals(chunks[index])
    pd.testing.assert_frame_equal(store.get_summary(run_id, SUPPLY_TABLE),
                                  full.summary.table())
    pd.testing.assert_frame_equal(store.get_summary(run_id, SUPPLY_CAUSE_TABLE),
                                  full.summary.cause_table())


def test_killed_run_resumes_to_the_uninterrupted_result(store, scenario, reference,
                                                        monkeypatch):
    run_id = _killed_after_two_chunks(store, scenario)
    computed = []
    task = disruption.disruption_chunk_task

    def counting_task(inputs, chunk):
        computed.append(chunk.index)
        return task(inputs, chunk)

    monkeypatch.setattr(disruption, "disruption_chunk_task", counting_task)
    seen = []
    resumed = resume_supply_run(store, run_id,
                                progress=lambda done, total: seen.append((done, total)))
    assert computed == [2]  # the two recorded chunks were not simulated again
    assert seen == [(2, 3), (3, 3)]
    full, _ = reference
    assert resumed.summary.equals(full.summary)
    assert (resumed.entropy, resumed.n_years, resumed.chunk_size) == (ENTROPY, N_YEARS,
                                                                      CHUNK_SIZE)
    assert store.get_run(run_id).status == "done"
    pd.testing.assert_frame_equal(store.get_summary(run_id, SUPPLY_TABLE),
                                  full.summary.table())


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and process liveness checks are POSIX")
def test_sigkilled_process_resumes_on_threads_to_the_uninterrupted_result(tmp_path, reference):
    db = tmp_path / "killed.sqlite"
    script = textwrap.dedent(f"""
        import os, signal
        from rxtwin.data.scenarios import load_scenario
        from rxtwin.store import Store
        from rxtwin.runs.supply import run_supply_simulation

        def progress(done, total):
            if done == 2:
                os.kill(os.getpid(), signal.SIGKILL)

        with Store.open({str(db)!r}) as store:
            run_supply_simulation(store, load_scenario({SCENARIO!r}), n_years={N_YEARS},
                                  entropy={ENTROPY}, chunk_size={CHUNK_SIZE},
                                  progress=progress)
    """)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with Store.open(db, create=False) as store:
        (record,) = store.list_runs(kind=SUPPLY_RUN_KIND)
        assert record.status == "running" and record.chunks_done == 2  # as the kill left it
        seen = []
        resumed = resume_supply_run(store, record.id, backend="threads", workers=2,
                                    progress=lambda done, total: seen.append(done))
        assert seen == [2, 3]
        assert resumed.summary.equals(reference[0].summary)
        assert store.get_run(record.id).status == "done"


def test_resume_refuses_what_it_cannot_finish(tmp_path, scenario):
    with Store.open(tmp_path / "r.sqlite") as store:
        with pytest.raises(UnknownRunError):
            resume_supply_run(store, "no-such-run")
        done_id, _ = run_supply_simulation(store, scenario, n_years=20, entropy=1,
                                           chunk_size=CHUNK_SIZE)
        with pytest.raises(ValueError, match="already done"):
            resume_supply_run(store, done_id)
        params = dict(store.get_run(done_id).parameters)
        digest = store.get_run(done_id).scenario_hash
        line = store.create_run("line.simulate", digest, params, 1, n_chunks=1)
        with pytest.raises(ValueError, match="'line.simulate' run, not 'supply.simulate'"):
            resume_supply_run(store, line)
        changed = store.create_run(SUPPLY_RUN_KIND, digest,
                                   {**params, "inputs_sha256": "0" * 64}, 1, n_chunks=1)
        with pytest.raises(ValueError, match="other simulator inputs"):
            resume_supply_run(store, changed)
        older = store.create_run(SUPPLY_RUN_KIND, digest,
                                 {**params, "rxtwin_version": "0.0.0"}, 1, n_chunks=1)
        with pytest.raises(ValueError, match="started by rxtwin 0.0.0"):
            resume_supply_run(store, older)
        for run_id in (changed, older):
            assert store.get_run(run_id).status == "queued"  # nothing was started


def test_bad_input_stores_no_run(tmp_path, scenario):
    with Store.open(tmp_path / "r.sqlite") as store:
        with pytest.raises(ValueError, match="nope"):
            run_supply_simulation(store, scenario, n_years=20, intervention_ids=["nope"])
        with pytest.raises(ValueError, match="n_years"):
            run_supply_simulation(store, scenario, n_years=0)
        with pytest.raises(ValueError, match="chunk_size"):
            run_supply_simulation(store, scenario, n_years=20, chunk_size=0)
        assert store.list_runs() == []


# ------------------------------------------------------------------ CLI

runner = CliRunner()


def test_cli_simulate_stores_the_run_and_prints_its_id(tmp_path, scenario):
    db = tmp_path / "cli.sqlite"
    result = runner.invoke(app, ["supply", "simulate", SCENARIO, "--years", "30", "--seed",
                                 "3", "--db", str(db)])
    assert result.exit_code == 0, result.output
    (run_line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("run: ")]
    run_id = run_line.removeprefix("run: ").strip()
    assert "heparin" in result.stdout and "seed 3" in result.stdout
    inputs = supply_inputs_with_lines(scenario, [], load_disruption_defaults())
    expected = simulate_disruptions(inputs, 30, entropy=3)
    with Store.open(db, create=False) as store:
        record = store.get_run(run_id)
        assert (record.kind, record.status, record.seed_entropy) == (SUPPLY_RUN_KIND, "done",
                                                                     3)
        pd.testing.assert_frame_equal(store.get_summary(run_id, SUPPLY_TABLE),
                                      expected.summary.table())


def test_cli_simulate_by_cause_prints_the_stored_cause_table(tmp_path, scenario):
    db = tmp_path / "cli.sqlite"
    plain = runner.invoke(app, ["supply", "simulate", SCENARIO, "--years", "40", "--seed",
                                "3", "--db", str(db)], env={"COLUMNS": "250"})
    result = runner.invoke(app, ["supply", "simulate", SCENARIO, "--years", "40", "--seed",
                                 "3", "--db", str(db), "--by-cause"], env={"COLUMNS": "250"})
    assert plain.exit_code == 0 and result.exit_code == 0, plain.output + result.output
    assert "Shortage-days by cause" in result.stdout
    assert "Shortage-days by cause" not in plain.stdout
    (run_line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("run: ")]
    with Store.open(db, create=False) as store:
        causes = store.get_summary(run_line.removeprefix("run: ").strip(), SUPPLY_CAUSE_TABLE)
    inputs = supply_inputs_with_lines(scenario, [], load_disruption_defaults())
    expected = simulate_disruptions(inputs, 40, entropy=3).summary.cause_table()
    pd.testing.assert_frame_equal(causes, expected)
    assert len(expected) > 0
    # every row is printed: product, cause and its share, as formatted
    lines = result.stdout.splitlines()
    for row in expected.itertuples(index=False):
        assert any(row.product_id in ln and f" {row.cause} " in ln
                   and f"{row.share_of_shortage_days:.3f}" in ln for ln in lines), row


def test_cli_simulate_bad_intervention_is_one_line_and_opens_no_store(tmp_path):
    db = tmp_path / "never.sqlite"
    result = runner.invoke(app, ["supply", "simulate", SCENARIO, "--years", "5",
                                 "--intervention", "nope", "--db", str(db)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0]
    assert "Traceback" not in result.output
    assert not db.exists()


def test_cli_resume_finishes_a_killed_run(tmp_path, scenario, reference):
    db = tmp_path / "cli.sqlite"
    with Store.open(db) as store:
        run_id = _killed_after_two_chunks(store, scenario)
    result = runner.invoke(app, ["supply", "resume", run_id, "--db", str(db), "--by-cause"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert f"run: {run_id}" in result.stdout and "heparin" in result.stdout
    assert "Shortage-days by cause" in result.stdout
    with Store.open(db, create=False) as store:
        assert store.get_run(run_id).status == "done"
        pd.testing.assert_frame_equal(store.get_summary(run_id, SUPPLY_TABLE),
                                      reference[0].summary.table())
        pd.testing.assert_frame_equal(store.get_summary(run_id, SUPPLY_CAUSE_TABLE),
                                      reference[0].summary.cause_table())
    again = runner.invoke(app, ["supply", "resume", run_id, "--db", str(db)])
    assert again.exit_code == 2
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "already done" in lines[0]
    assert "Traceback" not in again.output


def test_cli_resume_bad_ids_are_one_line_and_exit_2(tmp_path):
    db = tmp_path / "cli.sqlite"
    with Store.open(db) as store:
        line = store.create_run("line.simulate", None, {}, 1, n_chunks=1)
    cases = {"no-such-run": "no run with id 'no-such-run'",
             line: "'line.simulate' run, not 'supply.simulate'"}
    for run_id, message in cases.items():
        result = runner.invoke(app, ["supply", "resume", run_id, "--db", str(db)])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0]
        assert "Traceback" not in result.output
    missing = runner.invoke(app, ["supply", "resume", "x", "--db", str(tmp_path / "no.sqlite")])
    assert missing.exit_code == 2 and "no rxtwin store" in missing.stderr
    assert not (tmp_path / "no.sqlite").exists()
