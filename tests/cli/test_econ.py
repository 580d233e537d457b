"""CLI wiring of ``rxtwin econ|breakeven|sensitivity`` (small replications, temporary store)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rxtwin.cli.econ import app
from rxtwin.runs.econ import APPRAISE_RUN_KIND as APPRAISE_KIND
from rxtwin.runs.econ import BREAKEVEN_RUN_KIND as BREAKEVEN_KIND
from rxtwin.runs.econ import SENSITIVITY_RUN_KIND as SENSITIVITY_KIND
from rxtwin.store import Store

runner = CliRunner()


@pytest.fixture()
def db(tmp_path):
    return str(tmp_path / "runs.sqlite")


def _runs(db, kind):
    with Store.open(db) as store:
        return [r for r in store.list_runs() if r.kind == kind]


def _summary(db, run, name):
    with Store.open(db) as store:
        return store.get_summary(run.id, name)


def test_econ_ranks_technologies_and_stores_the_table(db):
    result = runner.invoke(app, ["econ", "high_volume_single_product", "--tech",
                                 "advanced_batch,continuous", "--reps", "20", "--seed", "5",
                                 "--db", db])
    assert result.exit_code == 0, result.output
    assert "advanced_batch" in result.output and "continuous" in result.output
    (run,) = _runs(db, APPRAISE_KIND)
    assert run.status == "done"
    table = _summary(db, run, "appraisal")
    assert list(table["technology"]) == ["advanced_batch", "continuous"]
    assert {"npv_usd", "irr", "payback_yr", "meets_hurdle"} <= set(table.columns)
    # the line runs it simulated are stored too (one per technology, baseline first)
    assert len(_runs(db, "line.simulate")) == 3


def test_econ_subsidy_raises_npv(db):
    def npv(extra):
        result = runner.invoke(app, ["econ", "high_volume_single_product", "--tech",
                                     "continuous", "--reps", "20", "--seed", "5", "--db", db,
                                     *extra])
        assert result.exit_code == 0, result.output
        run = sorted(_runs(db, APPRAISE_KIND), key=lambda r: r.created_at)[-1]
        return float(_summary(db, run, "appraisal")["npv_usd"].iloc[0])

    assert npv(["--subsidy", "grant=0.5"]) > npv([])


@pytest.mark.parametrize("args", [
    ["econ", "high_volume_single_product", "--tech", "warp_drive", "--reps", "5"],
    ["econ", "high_volume_single_product", "--subsidy", "grant=1.5", "--reps", "5"],
    ["econ", "high_volume_single_product", "--subsidy", "gift=0.1", "--reps", "5"],
    ["breakeven", "high_volume_single_product", "--param", "colour"],
    ["sensitivity", "high_volume_single_product", "--method", "guess"],
    ["econ", "no_such_scenario"],
])
def test_bad_input_exits_2_with_one_line(db, args):
    result = runner.invoke(app, [*args, "--db", db])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_breakeven_1d_and_map(db):
    result = runner.invoke(app, ["breakeven", "high_volume_single_product", "--param",
                                 "capex_grant", "--tech", "continuous", "--reps", "60",
                                 "--seed", "11", "--db", db])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["breakeven", "high_volume_single_product", "--param",
                                 "price_scale", "--param2", "capex_grant", "--tech",
                                 "advanced_batch,continuous", "--reps", "20", "--points", "2",
                                 "--db", db])
    assert result.exit_code == 0, result.output
    runs = sorted(_runs(db, BREAKEVEN_KIND), key=lambda r: r.created_at)
    assert len(runs) == 2
    one = _summary(db, runs[0], "breakeven")
    assert 0 < float(one["breakeven"].iloc[0]) < 1
    grid = _summary(db, runs[1], "breakeven_map")
    assert len(grid) == 2 * 2 * 2 and set(grid["winner"]) <= {"batch", "advanced_batch",
                                                              "continuous", "infeasible"}


def test_sensitivity_tornado(db):
    result = runner.invoke(app, ["sensitivity", "high_volume_single_product", "--tech",
                                 "continuous", "--method", "tornado", "--reps", "20",
                                 "--db", db])
    assert result.exit_code == 0, result.output
    (run,) = _runs(db, SENSITIVITY_KIND)
    table = _summary(db, run, "sensitivity")
    assert "technologies.continuous.capex_usd" in set(table["parameter"])
