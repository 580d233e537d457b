"""``--backend``, ``--workers`` and ``--scheduler``: every command that runs chunks takes
them with one definition; ``--backend threads --workers 2`` runs every chunk mapped on
two threads; a bad backend, or a
scheduler with another backend, is one line on stderr and exit 2, before any store is
opened."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.cli.compute_options import BACKEND_OPTION, SCHEDULER_OPTION, WORKERS_OPTION
from rxtwin.data.scenarios import load_scenario
from rxtwin.runs.kinds import RUN_KINDS, parse_params
from rxtwin.store import Store

_COMPARE = ["--technology", "", "--intervention", "buffer-stock-90d", "--years", "40",
            "--chunk-size", "20", "--reps", "3", "--seed", "1"]
_MEASURES = ["--measure", "buffer-stock-90d", "--years", "40", "--chunk-size", "20",
             "--draws", "20", "--seed", "1"]

#: Each command that runs chunks, with arguments small enough for seconds (RUN stands for
#: the id of a queued run of the kind named in the resume commands).
COMMANDS = {
    "line simulate": ["line", "simulate", "generic_oral_solid", "--tech", "batch",
                      "--reps", "20", "--seed", "1"],
    "line resume": ["line", "resume", "RUN"],
    "supply simulate": ["supply", "simulate", "sterile_injectable", "--years", "20",
                        "--seed", "1"],
    "supply resume": ["supply", "resume", "RUN"],
    "supply compare": ["supply", "compare", "sterile_injectable", *_COMPARE],
    "appraise": ["appraise", "sterile_injectable", *_COMPARE, "--draws", "20"],
    "prioritize": ["prioritize", "sterile_injectable", *_MEASURES],
    "portfolio": ["portfolio", "sterile_injectable", *_MEASURES, "--budget-usd", "1e6"],
    "econ": ["econ", "generic_oral_solid", "--tech", "continuous", "--reps", "10",
             "--seed", "1"],
    "econ --greenfield": ["econ", "high_volume_single_product", "--greenfield", "--tech",
                          "continuous", "--reps", "10", "--seed", "1"],
    "breakeven": ["breakeven", "generic_oral_solid", "--param", "products_per_line",
                  "--param2", "volume_scale", "--tech", "continuous", "--reps", "10",
                  "--points", "2"],
    "sensitivity": ["sensitivity", "generic_oral_solid", "--tech", "continuous", "--method",
                    "tornado", "--reps", "10"],
}
_RESUMED = {"line resume": ("line.simulate", "generic_oral_solid", {
                "line_id": "line-1", "technology_id": "batch", "n_replications": 20,
                "chunk_size": 10, "seed": 1}),
            "supply resume": ("supply.simulate", "sterile_injectable", {
                "n_years": 20, "chunk_size": 10, "seed": 1})}


def _arguments(name: str, db) -> list[str]:
    """The command's arguments with ``RUN`` replaced by a queued run of its kind."""
    arguments = COMMANDS[name]
    if name in _RESUMED:
        kind, scenario_name, raw = _RESUMED[name]
        scenario = load_scenario(scenario_name)
        params = parse_params(kind, scenario, raw)
        with Store.open(db) as store:
            run_id = store.create_run(
                kind, store.put_scenario(scenario.document(), scenario.name),
                params.model_dump(mode="json"), params.seed,
                n_chunks=RUN_KINDS[kind].n_chunks(params))
        arguments = [run_id if a == "RUN" else a for a in arguments]
    return [*arguments, "--db", str(db)]


def _command(name: str):
    group = typer.main.get_command(app)
    for word in name.split()[:2]:
        if word.startswith("--"):
            break
        with typer.Context(group) as ctx:
            group = group.get_command(ctx, word)
    return group


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_takes_the_one_definition_of_the_options(name):
    options = {param.name: param for param in _command(name).params}
    for param, shared in (("backend", BACKEND_OPTION), ("workers", WORKERS_OPTION),
                          ("scheduler", SCHEDULER_OPTION)):
        assert options[param].opts == list(shared.param_decls), (name, param)
        assert options[param].help == shared.help, (name, param)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_two_threads_are_accepted(tmp_path, name, executor_calls):
    db = tmp_path / "t.sqlite"
    arguments = _arguments(name, db)
    result = CliRunner().invoke(app, [*arguments, "--backend", "threads", "--workers", "2"],
                                env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output + result.stderr
    assert executor_calls, "the command mapped no chunk through the executors"
    assert {(backend, workers) for backend, workers, _ in executor_calls} == {("threads", 2)}
    with Store.open(db, create=False) as store:
        runs = store.list_runs()
    assert runs and {run.status for run in runs} == {"done"}


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize(("flags", "message"), [
    (["--backend", "gpu"], "error: --backend 'gpu': must be one of serial, threads, "
                           "processes, dask"),
    (["--backend", "threads", "--scheduler", "tcp://127.0.0.1:1"],
     "error: --scheduler tcp://127.0.0.1:1: runs the chunks on a Dask cluster, not with "
     "--backend threads"),
])
def test_a_bad_setting_is_one_line_and_exit_2(tmp_path, name, flags, message):
    db = tmp_path / "bad.sqlite"
    arguments = [a for a in COMMANDS[name] if a != "RUN"]
    if name in _RESUMED:
        arguments.append("0" * 32)
    result = CliRunner().invoke(app, [*arguments, *flags, "--db", str(db)])
    assert result.exit_code == 2, result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines
    assert "Traceback" not in result.output + result.stderr
    assert not db.exists()
