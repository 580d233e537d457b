"""`rxtwin demo` runs end to end on the bundled data and writes what it says it writes."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.store import Store


def test_demo_writes_tables_scenarios_and_runs(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--reps", "20",
                                      "--supply-years", "300"])
    assert result.exit_code == 0, result.output
    for name in ("scenarios", "line_comparison", "exposed_products", "exposed_sites",
                 "resilience_options", "resilience_by_cause", "resilience_by_category",
                 "resilience_by_product", "options_priced",
                 "twin_losses", "technology_ranking", "breakeven_winners"):
        assert (out / f"{name}.csv").stat().st_size > 0, name
    comparison = pd.read_csv(out / "line_comparison.csv")
    assert set(comparison["technology"]) == {"batch", "advanced_batch", "continuous",
                                             "modular", "hybrid"}
    assert len(list((out / "scenarios").glob("*.yaml"))) == 5  # the bundled four, the national
    with Store.open(out / "rxtwin.sqlite") as store:
        runs = store.list_runs(kind="line.simulate")
        assert len(runs) == 5 and all(r.status == "done" for r in runs)
    assert "Line performance by technology" in result.output
    ranking = pd.read_csv(out / "technology_ranking.csv")
    assert set(ranking["technology"]) == {"advanced_batch", "continuous", "modular", "hybrid"}
    assert ranking["npv_usd"].is_monotonic_decreasing
    options = pd.read_csv(out / "resilience_options.csv")
    assert set(options["scenario"]) == {"generic-oral-solid", "sterile-injectable",
                                        "metformin"}
    # every technology and every intervention of the two scenarios has a row
    assert {"continuous", "ebr", "rapid-sterility-test", "buffer-stock-90d"} \
        <= set(options["option"])
    assert "sterile-injectable: each technology on the line" in result.output
    with Store.open(out / "rxtwin.sqlite") as store:
        runs = store.list_runs(kind="resilience.compare")
        assert len(runs) == 3 and all(r.status == "done" for r in runs)
    # every option of the three scenarios is priced for the firm and for society
    priced = pd.read_csv(out / "options_priced.csv")
    assert set(priced["scenario"]) == {"generic-oral-solid", "sterile-injectable",
                                       "metformin"}
    compared = options[options["kind"] != "incumbent"]
    assert sorted(zip(priced["scenario"], priced["option"], strict=True)) \
        == sorted(zip(compared["scenario"], compared["option"], strict=True))
    assert set(priced["verdict"]) <= {"firm does it on its own", "worth subsidising",
                                      "firm gains, society loses", "not worth it"}
    assert "metformin: for society" in result.output
    # the national ranking: ten first medicines with their dominant cause and best measure,
    # and the frontier of the public budget
    top = pd.read_csv(out / "priority_top.csv")
    assert list(top["rank"]) == sorted(top["rank"]) and len(top) == 10
    assert top["dominant_cause"].notna().all() and top["best_measure"].notna().all()
    frontier = pd.read_csv(out / "portfolio_frontier.csv")
    assert frontier["benefit"].is_monotonic_increasing and len(frontier) == 20
    assert "National network of the WHO essential medicines" in result.output
    assert "Efficient frontier" in result.output
    with Store.open(out / "rxtwin.sqlite") as store:
        (national,) = store.list_runs(kind="priority.portfolio")
        assert national.status == "done"


def test_demo_resilience_compares_options_on_common_random_numbers(tmp_path):
    """One stored ``resilience.compare`` run per scenario from the demo's seed: the
    incumbent avoids nothing, more finished-goods stock avoids shortage-days beyond its
    interval, and the rapid sterility test (a faster release after each quality outage)
    avoids quality-caused shortage-days."""
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.runs.demo import DEMO_SEED, resilience_comparison

    sterile = load_scenario("sterile_injectable")
    with Store.open(tmp_path / "s.sqlite") as store:
        tables = resilience_comparison(store, sterile, 400, 5)
        (run,) = store.list_runs(kind="resilience.compare")
        assert run.status == "done" and run.seed_entropy == DEMO_SEED
    options = tables.options.set_index("option")
    assert list(options.index) == ["batch (incumbent)", "advanced_batch",
                                   "rapid-sterility-test", "dual-source-stoppers",
                                   "buffer-stock-90d"]
    assert (tables.options["scenario"] == sterile.name).all()
    assert options.loc["batch (incumbent)", "shortage_days_avoided_per_yr"] == 0.0
    buffer = options.loc["buffer-stock-90d"]
    assert buffer["shortage_days_avoided_per_yr"] > buffer["shortage_days_avoided_per_yr_ci95"]
    rapid = options.loc["rapid-sterility-test"]
    assert rapid["shortage_days_avoided_per_yr"] > rapid["shortage_days_avoided_per_yr_ci95"]
    # quality-caused days fall beyond their interval (not exactly the total: a shorter
    # quality outage unmasks arrivals of the site's other modes and moves attributions)
    assert rapid["quality_shortage_days_avoided_per_yr"] \
        > rapid["quality_shortage_days_avoided_per_yr_ci95"]
    assert rapid["oee"] == options.loc["batch (incumbent)", "oee"]  # release is off-line
