"""CLI wiring of ``rxtwin econ --greenfield`` and ``rxtwin sensitivity --greenfield``
(small replications, temporary store)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rxtwin.cli.econ import app
from rxtwin.runs.econ import SENSITIVITY_RUN_KIND
from rxtwin.runs.greenfield import GREENFIELD_RUN_KIND, GREENFIELD_TABLE
from rxtwin.store import Store

runner = CliRunner()


@pytest.fixture()
def db(tmp_path):
    return str(tmp_path / "runs.sqlite")


def _only_run(db, kind):
    with Store.open(db) as store:
        (run,) = [r for r in store.list_runs() if r.kind == kind]
        return run, (store.get_summary(run.id, GREENFIELD_TABLE)
                     if kind == GREENFIELD_RUN_KIND else None)


def test_econ_greenfield_prints_every_arm_and_stores_the_run(db):
    result = runner.invoke(app, ["econ", "high_volume_single_product", "--greenfield",
                                 "--tech", "continuous", "--reps", "10", "--seed", "3",
                                 "--new-product", "--horizon", "12", "--db", db])
    assert result.exit_code == 0, result.output
    assert "a new line" in result.output and "run: " in result.output
    run, table = _only_run(db, GREENFIELD_RUN_KIND)
    assert run.status == "done"
    assert run.parameters["case"] == "new_product" and run.parameters["horizon_yr"] == 12
    assert table["technology"].tolist() == ["batch", "continuous"]


def test_sensitivity_greenfield_stores_a_tornado(db):
    result = runner.invoke(app, ["sensitivity", "high_volume_single_product", "--greenfield",
                                 "--tech", "continuous", "--reps", "10", "--db", db])
    assert result.exit_code == 0, result.output
    assert "building a new line" in result.output
    run, _ = _only_run(db, SENSITIVITY_RUN_KIND)
    assert run.parameters["greenfield"] is True


@pytest.mark.parametrize("args", [
    ["econ", "high_volume_single_product", "--new-product"],
    ["econ", "high_volume_single_product", "--greenfield", "--subsidy", "grant=0.3"],
    ["econ", "high_volume_single_product", "--greenfield", "--horizon", "2", "--reps", "2"],
    ["econ", "high_volume_single_product", "--greenfield", "--baseline", "warp"],
    ["sensitivity", "high_volume_single_product", "--new-product"],
])
def test_bad_greenfield_input_exits_2_with_one_line(db, args):
    result = runner.invoke(app, [*args, "--db", db])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
