"""The run-kind registry: a break-even map run stores, row by row and resumably, exactly the
map of one ``breakeven_map_2d`` call and the table ``rxtwin breakeven --db`` stores;
parameters are checked against the scenario; a kind that drives the store's life cycle
itself is only called; web runs equal CLI runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import InputError
from rxtwin.runs import kinds, supply_network
from rxtwin.runs.econ import breakeven_map_2d
from rxtwin.store import Store, StoreError


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "k.sqlite") as opened:
        yield opened


# ---------------------------------------------------------------------------- econ.breakeven
def _queue(store, scenario, kind, raw):
    """Register a run of ``kind`` as the web app does (checked, resolved parameters)."""
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = kinds.parse_params(kind, scenario, raw)
    return params, store.create_run(kind, scenario_hash, params.model_dump(mode="json"),
                                    getattr(params, "seed", None),
                                    n_chunks=kinds.RUN_KINDS[kind].n_chunks(params))


def test_breakeven_map_run_is_one_map_call_recorded_row_by_row_and_resumes(store):
    """One chunk per x value; a run stopped after its first row resumes with the other two
    only, and the stored map equals one breakeven_map_2d call over the whole grid (the same
    entropy at every point, so a row does not depend on the others)."""
    scenario = load_scenario("generic_oral_solid")
    params, run_id = _queue(store, scenario, "econ.breakeven", {
        "param_values": [1, 5, 9], "param2_values": [0.5, 1.5],
        "technologies": ["advanced_batch", "continuous"], "n_replications": 20,
        "seed": 11})
    assert store.get_run(run_id).chunks_total == 3

    def stop_after_first_row(done, total):
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        kinds.execute_run(store, run_id, progress=stop_after_first_row)
    assert store.get_run(run_id).status == "failed"
    assert store.done_chunk_indices(run_id) == {0}
    seen = []
    kinds.execute_run(store, run_id, progress=lambda done, total: seen.append((done, total)))
    assert store.get_run(run_id).status == "done" and seen == [(2, 3), (3, 3)]

    whole = breakeven_map_2d(scenario, "products_per_line", [1, 5, 9], "volume_scale",
                             [0.5, 1.5], line_id="line-1",
                             technology_ids=["advanced_batch", "continuous"],
                             baseline_tech_id="batch", n_replications=20, entropy=11)
    stored = store.get_summary(run_id, "breakeven_map")
    assert len(stored) == 3 * 2 * 2 and stored.equals(whole)
    assert store.list_summaries(run_id) == ["breakeven_map"]
    with pytest.raises(StoreError, match="is done"):
        kinds.execute_run(store, run_id)


def test_breakeven_defaults_are_worked_out_from_the_scenario_and_stored():
    scenario = load_scenario("generic_oral_solid")
    params = kinds.parse_params("econ.breakeven", scenario, {})
    assert (params.line_id, params.baseline) == ("line-1", "batch")  # the line's technology
    assert params.technologies == ["advanced_batch", "continuous", "modular", "hybrid"]
    # points = 6: linspace(1, 24, 6) = 1, 5.6, 10.2, 14.8, 19.4, 24 rounded; volume_scale
    # over its default range 0.25..2
    assert params.param_values == [1, 6, 10, 15, 19, 24]
    assert params.param2_values == pytest.approx(np.linspace(0.25, 2.0, 6))
    assert kinds.RUN_KINDS["econ.breakeven"].n_chunks(params) == 6
    fresh = kinds.parse_params("econ.breakeven", scenario, {})
    assert fresh.seed != params.seed  # a fresh seed per run, stored with it
    single = kinds.parse_params("econ.breakeven", load_scenario("high_volume_single_product"),
                               {"baseline": "advanced_batch"})
    assert single.param_values == [1]  # a one-product line maps one row
    assert "advanced_batch" not in single.technologies and "batch" in single.technologies


@pytest.mark.parametrize(("raw", "path", "value", "rule"), [
    ({"baseline": "abacus"}, "baseline", "abacus", "choose one of batch"),
    ({"technologies": ["continuous", "laser"]}, "technologies", "laser", "choose from batch"),
    ({"technologies": ["batch"]}, "technologies", "batch", "is the baseline"),
    ({"line_id": "line-7"}, "line_id", "line-7", "choose one of line-1"),
    ({"param_values": [1, 25]}, "param_values", 25, "within 1..24"),
    ({"param_values": [1.5]}, "param_values", 1.5, "whole number"),
    ({"param2": "capex_grant", "param2_values": [0.5, 1.2]}, "param2_values", 1.2, "[0, 1]"),
    ({"param2_values": [0.5, 0.0]}, "param2_values", 0.0, "> 0"),
])
def test_breakeven_params_are_checked_against_the_scenario(raw, path, value, rule):
    scenario = load_scenario("generic_oral_solid")
    with pytest.raises(InputError) as caught:
        kinds.parse_params("econ.breakeven", scenario, raw)
    (problem,) = caught.value.problems
    assert (problem.path, problem.value) == (path, value) and rule in problem.rule


def test_breakeven_params_refuse_one_parameter_twice_and_repeated_values():
    scenario = load_scenario("generic_oral_solid")
    for raw, words in (({"param": "itc", "param2": "itc"}, "both 'itc'"),
                       ({"param_values": [1, 2, 1]}, "repeats a value")):
        with pytest.raises(InputError) as caught:
            kinds.parse_params("econ.breakeven", scenario, raw)
        assert words in caught.value.problems[0].rule


def _breakeven_cli(db, *args: str) -> str:
    """Run `rxtwin breakeven ARGS --db DB` and return the id of the run it stored."""
    from typer.testing import CliRunner

    from rxtwin.cli import app

    result = CliRunner().invoke(app, ["breakeven", *args, "--db", str(db)],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("run: ")]
    return line.removeprefix("run: ").strip()


def test_breakeven_run_from_the_web_equals_the_cli_run(store, tmp_path):
    """The web run and `rxtwin breakeven --param products_per_line --param2 volume_scale
    --db` with the same technologies, replications, points and seed store equal
    breakeven_map tables, and the web draws the same figures from either: the heat map of
    the best option's NPV per cell and the winner per cell, read back from the table. A
    1-D run the CLI stores under the same kind draws no map (and does not fail)."""
    scenario = load_scenario("generic_oral_solid")
    _, web = _queue(store, scenario, "econ.breakeven", {
        "technologies": ["advanced_batch", "continuous"], "n_replications": 20, "points": 3,
        "seed": 5})
    kinds.execute_run(store, web)
    cli = _breakeven_cli(tmp_path / "k.sqlite", "generic_oral_solid", "--param",
                         "products_per_line", "--param2", "volume_scale", "--tech",
                         "advanced_batch,continuous", "--reps", "20", "--points", "3",
                         "--seed", "5")
    assert store.get_run(cli).kind == "econ.breakeven"
    table = store.get_summary(web, "breakeven_map")
    assert table.equals(store.get_summary(cli, "breakeven_map"))
    assert sorted(set(table["products_per_line"])) == [1.0, 12.0, 24.0]
    assert store.get_run(web).scenario_hash == store.get_run(cli).scenario_hash

    figures = _same_figures(store, web, cli)
    assert set(figures) == {"breakeven", "winner"}
    heat, contour = figures["breakeven"].data
    winner = figures["winner"].data[0]
    names = list(winner.colorbar.ticktext)
    for i, y in enumerate(heat.y):
        for j, x in enumerate(heat.x):
            cell = table[(table["products_per_line"] == x) & (table["volume_scale"] == y)]
            best = cell["npv_usd"].max()
            assert (math.isnan(heat.z[i][j]) if math.isnan(best) else heat.z[i][j] == best)
            assert winner.text[i][j] == names[int(winner.z[i][j])] == cell["winner"].iloc[0]
    assert contour.contours.start == 0.0

    one_d = _breakeven_cli(tmp_path / "k.sqlite", "high_volume_single_product", "--param",
                           "capex_grant", "--tech", "continuous", "--reps", "20")
    assert store.list_summaries(one_d) == ["breakeven"]
    assert kinds.run_figures(store, one_d) == {}


def test_breakeven_figures_draw_infeasible_cells_as_gaps(store):
    """A cell where no technology can make the demand (NaN NPVs, winner 'infeasible') is a
    gap in the NPV heat map and its own colour in the winner map."""
    scenario = load_scenario("generic_oral_solid")
    params, run_id = _queue(store, scenario, "econ.breakeven", {
        "param": "price_scale", "param_values": [1.0, 2.0], "param2": "capex_grant",
        "param2_values": [0.0], "technologies": ["continuous"], "seed": 1})
    table = pd.DataFrame({"price_scale": [1.0, 2.0], "capex_grant": [0.0, 0.0],
                          "technology": ["continuous", "continuous"],
                          "npv_usd": [math.nan, 5.0e6], "winner": ["infeasible", "continuous"]})
    store.start_run(run_id)
    for index in (0, 1):
        store.record_chunk(run_id, index, {})
    store.put_summary(run_id, "breakeven_map", table)
    store.finish_run(run_id, 0.0)
    figures = kinds.run_figures(store, run_id)
    heat = figures["breakeven"].data[0]
    assert math.isnan(heat.z[0][0]) and heat.z[0][1] == 5.0e6
    winner = figures["winner"].data[0]
    assert list(winner.text[0]) == ["infeasible", "continuous"]


def test_a_kind_that_manages_its_life_cycle_is_only_called(store, monkeypatch):
    scenario = load_scenario("generic_oral_solid")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    calls = []

    def run(scenario_, params, store_, run_id, progress):
        calls.append(run_id)
        store_.start_run(run_id)
        store_.record_chunk(run_id, 0, {"ok": 1})
        store_.finish_run(run_id, 0.0)

    kind = kinds.RUN_KINDS["twin.simulate"]
    monkeypatch.setitem(kinds.RUN_KINDS, "fake.kind", type(kind)(**{
        **kind.__dict__, "name": "fake.kind", "run": run, "manages_lifecycle": True}))
    run_id = store.create_run("fake.kind", scenario_hash, {}, None, n_chunks=1)
    kinds.execute_run(store, run_id)
    assert calls == [run_id] and store.get_run(run_id).status == "done"


def test_line_run_from_the_web_equals_the_cli_run(store):
    """A 'line.simulate' run launched through the registry stores the same summary as
    rxtwin.runs.run_line_simulation with the same seed, and draws its figures."""
    from rxtwin.runs.line import LINE_TABLE, run_line_simulation

    scenario = load_scenario("generic_oral_solid")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = kinds.parse_params("line.simulate", scenario, {
        "technology_id": "modular", "n_replications": 40, "chunk_size": 20, "seed": 9})
    run_id = store.create_run("line.simulate", scenario_hash, params.model_dump(mode="json"),
                              params.seed, n_chunks=2)
    seen = []
    kinds.execute_run(store, run_id, progress=lambda done, total: seen.append((done, total)))
    assert store.get_run(run_id).status == "done" and seen[-1] == (2, 2)
    (cli,) = run_line_simulation(store, scenario, line_id="line-1", technology_ids=["modular"],
                                 n_replications=40, entropy=9, chunk_size=20,
                                 policy="fixed_rotation")
    assert store.get_summary(run_id, LINE_TABLE).equals(store.get_summary(cli.run_id,
                                                                          LINE_TABLE))
    figures = kinds.run_figures(store, run_id)
    assert set(figures) == {"technology_comparison", "oee_waterfall"}
    with pytest.raises(InputError) as caught:
        kinds.parse_params("line.simulate", scenario, {"technology_id": "laser"})
    assert caught.value.problems[0].path == "technology_id"


def test_supply_run_from_the_web_equals_the_cli_run_and_resumes_from_the_cli(store):
    """A 'supply.simulate' run queued through the registry gives the same table as
    rxtwin.runs.supply.run_supply_simulation with the same seed; the CLI's resume accepts
    it, and refuses it once the bundled inputs it started with have changed."""
    from rxtwin.runs.supply import SUPPLY_INPUTS_TABLE, SUPPLY_TABLE, run_supply_simulation

    scenario = load_scenario("sterile_injectable")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = kinds.parse_params("supply.simulate", scenario, {
        "n_years": 40, "chunk_size": 20, "seed": 5,
        "intervention_ids": ["buffer-stock-90d"]})
    run_id = store.create_run("supply.simulate", scenario_hash, params.model_dump(mode="json"),
                              params.seed, n_chunks=2)
    seen = []
    kinds.execute_run(store, run_id, progress=lambda done, total: seen.append((done, total)))
    assert store.get_run(run_id).status == "done" and seen[-1] == (2, 2)
    assert SUPPLY_INPUTS_TABLE in store.list_summaries(run_id)
    cli_id, _ = run_supply_simulation(store, scenario, n_years=40, entropy=5, chunk_size=20,
                                      intervention_ids=["buffer-stock-90d"])
    assert store.get_summary(run_id, SUPPLY_TABLE).equals(store.get_summary(cli_id,
                                                                            SUPPLY_TABLE))
    assert set(kinds.run_figures(store, run_id)) == {"shortage_risk"}
    with pytest.raises(InputError) as caught:
        kinds.parse_params("supply.simulate", scenario, {"intervention_ids": ["nope"]})
    assert caught.value.problems[0].path == "intervention_ids"


def test_web_supply_run_with_changed_inputs_is_refused_on_resume(store):
    import pandas as pd

    from rxtwin.runs.supply import SUPPLY_INPUTS_TABLE, resume_supply_run

    scenario = load_scenario("sterile_injectable")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = kinds.parse_params("supply.simulate", scenario, {"n_years": 20, "chunk_size": 10,
                                                             "seed": 1})
    run_id = store.create_run("supply.simulate", scenario_hash, params.model_dump(mode="json"),
                              params.seed, n_chunks=2)
    from rxtwin import __version__

    store.put_summary(run_id, SUPPLY_INPUTS_TABLE, pd.DataFrame(
        {"inputs_sha256": ["0" * 64], "rxtwin_version": [__version__]}))
    with pytest.raises(ValueError, match="other simulator inputs"):
        resume_supply_run(store, run_id)


# ------------------------------------------------------------- supply.exposure, supply.tts
def _cli_run(db, *args: str) -> str:
    """Run `rxtwin supply ARGS --db DB` and return the id of the run it stored."""
    from typer.testing import CliRunner

    from rxtwin.cli import app

    result = CliRunner().invoke(app, ["supply", *args, "--db", str(db)],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("run: ")]
    return line.removeprefix("run: ").strip()


def _web_run(store, kind, scenario, raw):
    """Queue a run of `kind` through the registry (as the web app does) and execute it."""
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    params = kinds.parse_params(kind, scenario, raw)
    run_id = store.create_run(kind, scenario_hash, params.model_dump(mode="json"), None,
                              n_chunks=kinds.RUN_KINDS[kind].n_chunks(params))
    seen = []
    kinds.execute_run(store, run_id, progress=lambda done, total: seen.append((done, total)))
    record = store.get_run(run_id)
    assert record.status == "done" and seen == [(1, 1)] and record.chunks_done == 1
    return run_id


def _same_figures(store, run_a, run_b):
    figures_a, figures_b = kinds.run_figures(store, run_a), kinds.run_figures(store, run_b)
    assert set(figures_a) == set(figures_b)
    for name in figures_a:
        assert figures_a[name].to_json() == figures_b[name].to_json(), name
    return figures_a


def test_supply_exposure_run_from_the_web_equals_the_cli_run(store, tmp_path):
    """A 'supply.exposure' run queued through the registry stores the table `rxtwin supply
    exposure --db` stores for the same scenario (one row per product, or per input with
    --detail), draws the same figure from either run, and keeps only the asked products'
    rows when product_ids is given."""
    from rxtwin.runs.supply_network import EXPOSURE_DETAIL_TABLE, EXPOSURE_SUMMARY_TABLE

    db = tmp_path / "k.sqlite"
    scenario = load_scenario("sterile_injectable")
    web = _web_run(store, "supply.exposure", scenario, {})
    cli = _cli_run(db, "exposure", "sterile_injectable")
    table = store.get_summary(web, EXPOSURE_SUMMARY_TABLE)
    assert table.equals(store.get_summary(cli, EXPOSURE_SUMMARY_TABLE))
    assert sorted(table["product_id"]) == sorted(p.id for p in scenario.products)
    assert store.get_run(web).scenario_hash == store.get_run(cli).scenario_hash
    figures = _same_figures(store, web, cli)
    (bar,) = figures["concentration"].data
    # One bar per product, at the supplier HHI of its most concentrated input.
    assert sorted(bar.y) == sorted(table["product_id"] + " / " + table["most_concentrated"])
    assert sorted(bar.x) == sorted(table["max_hhi_supplier"])

    web_detail = _web_run(store, "supply.exposure", scenario, {"detail": True})
    cli_detail = _cli_run(db, "exposure", "sterile_injectable", "--detail")
    detail = store.get_summary(cli_detail, EXPOSURE_DETAIL_TABLE)
    assert store.get_summary(web_detail, EXPOSURE_DETAIL_TABLE).equals(detail)
    _same_figures(store, web_detail, cli_detail)

    chosen = ["heparin", "cefazolin"]
    web_some = _web_run(store, "supply.exposure", scenario,
                        {"detail": True, "product_ids": chosen})
    expected = detail[detail["product_id"].isin(chosen)].reset_index(drop=True)
    assert set(expected["product_id"]) == set(chosen)
    assert store.get_summary(web_some, EXPOSURE_DETAIL_TABLE).equals(expected)

    # A threshold of 0.6 instead of the CLI's 0.18: the API split 70/30 (HHI 0.58) is no
    # longer highly concentrated, the single-site FDF (1.0) still is; the figure agrees.
    volume = load_scenario("high_volume_single_product")
    web_06 = _web_run(store, "supply.exposure", volume,
                      {"detail": True, "highly_concentrated_hhi": 0.6})
    cli_018 = store.get_summary(_cli_run(db, "exposure", "high_volume_single_product",
                                         "--detail"), EXPOSURE_DETAIL_TABLE)
    at_06 = store.get_summary(web_06, EXPOSURE_DETAIL_TABLE)
    assert at_06.equals(cli_018.assign(highly_concentrated=cli_018["hhi_supplier"] > 0.6))
    assert sorted(at_06["highly_concentrated"]) == [False, True]
    (bar,) = kinds.run_figures(store, web_06)["concentration"].data
    assert [c == "#d62728" for c in bar.marker.color] == [x > 0.6 for x in bar.x]

    with pytest.raises(InputError) as caught:
        kinds.parse_params("supply.exposure", scenario, {"product_ids": ["heparin", "aspirin"]})
    (problem,) = caught.value.problems
    assert (problem.path, problem.value) == ("product_ids", "aspirin")
    assert "heparin" in problem.rule  # the products to choose from


def test_supply_tts_run_from_the_web_equals_the_cli_run(store, tmp_path):
    """A 'supply.tts' run queued through the registry stores the table `rxtwin supply tts
    --db` stores for the same inputs: the default TTR (from the scenario's site outages) and
    horizon, or a given TTR with in-transit stock; site_ids keeps those sites' rows with
    their rank among all sites. Either run draws the same two figures."""
    from rxtwin.runs.supply_network import RISK_EXPOSURE_TABLE

    db = tmp_path / "k.sqlite"
    sterile = load_scenario("sterile_injectable")
    web = _web_run(store, "supply.tts", sterile, {})
    cli = _cli_run(db, "tts", "sterile_injectable")
    table = store.get_summary(web, RISK_EXPOSURE_TABLE)
    assert table.equals(store.get_summary(cli, RISK_EXPOSURE_TABLE))
    assert (table["ttr_days"] == 182.5).all()  # docs/supply.md: the scenario's mean outage
    figures = _same_figures(store, web, cli)
    assert set(figures) == {"site_exposure", "tts_vs_ttr"}
    (ranking,) = figures["site_exposure"].data
    assert sorted(ranking.x) == sorted(table["weighted_lost_days"])
    tts_bar, ttr_markers = figures["tts_vs_ttr"].data
    by_site = table.set_index("site_id")
    assert list(tts_bar.x) == list(by_site.loc[list(tts_bar.y), "tts_days"])
    assert list(ttr_markers.x) == list(by_site.loc[list(ttr_markers.y), "ttr_days"])
    assert ([c == "#d62728" for c in tts_bar.marker.color]
            == list(by_site.loc[list(tts_bar.y), "exposed"]))

    volume = load_scenario("high_volume_single_product")
    web_given = _web_run(store, "supply.tts", volume, {"ttr_days": 50, "in_transit": True})
    cli_given = _cli_run(db, "tts", "high_volume_single_product", "--ttr-days", "50",
                         "--in-transit")
    given = store.get_summary(cli_given, RISK_EXPOSURE_TABLE)
    assert store.get_summary(web_given, RISK_EXPOSURE_TABLE).equals(given)
    _same_figures(store, web_given, cli_given)

    web_one = _web_run(store, "supply.tts", volume,
                       {"ttr_days": 50, "in_transit": True, "site_ids": ["api-site-1"]})
    expected = given[given["site_id"] == "api-site-1"].reset_index(drop=True)
    assert len(expected) == 1
    assert store.get_summary(web_one, RISK_EXPOSURE_TABLE).equals(expected)

    with pytest.raises(InputError) as caught:
        kinds.parse_params("supply.tts", volume, {"site_ids": ["api-site-1", "moon-base"]})
    (problem,) = caught.value.problems
    assert (problem.path, problem.value) == ("site_ids", "moon-base")
    assert "fdf-site" in problem.rule  # the sites to choose from
    with pytest.raises(InputError) as caught:
        kinds.parse_params("supply.tts", volume, {"horizon_days": 0})
    assert caught.value.problems[0].path == "horizon_days"


def test_supply_tts_without_a_derivable_ttr_is_refused_at_the_door():
    from rxtwin.model.scenario import Scenario

    document = load_scenario("metformin").document()
    for mode in document["failure_modes"]:
        if mode["effect"] == "site_outage":
            mode["rate_per_yr"] = 0.0
    scenario = Scenario.model_validate(document)
    with pytest.raises(InputError) as caught:
        kinds.parse_params("supply.tts", scenario, {})
    (problem,) = caught.value.problems
    assert problem.path == "ttr_days" and "give the TTR explicitly" in problem.rule
    assert kinds.parse_params("supply.tts", scenario, {"ttr_days": 30}).ttr_days == 30


def test_runs_stored_by_the_cli_draw_their_figures(store, tmp_path):
    """Runs the CLI stored with parameters the web model does not have (rxtwin_version,
    network, defaults_yaml, ...), values beyond the web form's bounds, or no scenario at all
    (a network from CSV files) are drawn like runs launched by the web app."""
    from rxtwin.runs.supply import run_supply_simulation

    db = tmp_path / "k.sqlite"
    (tmp_path / "s.csv").write_text("site_id,country_code,owner\nF,US,firm\nA1,IN,a1\n"
                                    "A2,CN,a2\n")
    (tmp_path / "e.csv").write_text(
        "supplier_site_id,customer_site_id,item_id,item_kind,share,demand_units_per_yr,"
        "inventory_days\nA1,F,x-api,api,0.6,,\nA2,F,x-api,api,0.4,,\nF,,x,product,1.0,"
        "365000,45\n")
    files = ("--sites", str(tmp_path / "s.csv"), "--edges", str(tmp_path / "e.csv"))
    tts = _cli_run(db, "tts", *files, "--ttr-days", "30", "--horizon-days", "40000")
    exposure = _cli_run(db, "exposure", *files)
    assert store.get_run(tts).scenario_hash is None
    assert store.get_run(tts).parameters["horizon_days"] > supply_network._MAX_DAYS
    assert set(kinds.run_figures(store, tts)) == {"site_exposure", "tts_vs_ttr"}
    assert set(kinds.run_figures(store, exposure)) == {"concentration"}
    supply_id, _ = run_supply_simulation(store, load_scenario("sterile_injectable"),
                                         n_years=10, entropy=1, chunk_size=10)
    assert set(kinds.run_figures(store, supply_id)) == {"shortage_risk"}


def test_a_cli_supply_run_that_failed_midway_finishes_from_the_web(store):
    """A run started by the CLI keeps keys the web model does not know (rxtwin_version,
    defaults_yaml, ...); the web still finishes it, and the result equals one whole run."""
    from rxtwin.runs.supply import SUPPLY_TABLE, run_supply_simulation

    scenario = load_scenario("sterile_injectable")

    def stop_after_first_chunk(done, total):
        if done == 1:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        run_supply_simulation(store, scenario, n_years=40, entropy=9, chunk_size=20,
                              progress=stop_after_first_chunk)
    (record,) = [r for r in store.list_runs(kind="supply.simulate") if r.status != "done"]
    assert record.status == "failed"
    kinds.execute_run(store, record.id)
    assert store.get_run(record.id).status == "done"
    whole_id, _ = run_supply_simulation(store, scenario, n_years=40, entropy=9, chunk_size=20)
    assert store.get_summary(record.id, SUPPLY_TABLE).equals(
        store.get_summary(whole_id, SUPPLY_TABLE))
