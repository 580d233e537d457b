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
                 "supply_resilience", "twin_losses", "technology_ranking",
                 "breakeven_winners"):
        assert (out / f"{name}.csv").stat().st_size > 0, name
    comparison = pd.read_csv(out / "line_comparison.csv")
    assert set(comparison["technology"]) == {"batch", "advanced_batch", "continuous",
                                             "modular", "hybrid"}
    assert len(list((out / "scenarios").glob("*.yaml"))) == 4
    with Store.open(out / "rxtwin.sqlite") as store:
        runs = store.list_runs(kind="line.simulate")
        assert len(runs) == 5 and all(r.status == "done" for r in runs)
    assert "Line performance by technology" in result.output
    ranking = pd.read_csv(out / "technology_ranking.csv")
    assert set(ranking["technology"]) == {"advanced_batch", "continuous", "modular", "hybrid"}
    assert ranking["npv_usd"].is_monotonic_decreasing


def test_demo_supply_resilience_compares_interventions_on_common_random_numbers(tmp_path):
    """The supply table has one stored run per variant from one seed: the rapid sterility
    test reaches the network (a faster release shortens the site's quality outages), a
    failure-mode change the supply inputs do not see would give the baseline's numbers
    exactly (tests/runs/test_site_failures.py), and more finished-goods stock never
    raises shortage-days on the same random streams (the pathwise property of
    tests/properties/test_supply_disruption_properties.py) while it costs more to hold."""
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.runs.demo import RESILIENCE_SCENARIO, supply_resilience

    scenario = load_scenario("sterile_injectable")
    assert scenario.name == RESILIENCE_SCENARIO
    with Store.open(tmp_path / "s.sqlite") as store:
        table = supply_resilience(store, scenario, 120).set_index("intervention")
        runs = store.list_runs(kind="supply.simulate")
        assert len(runs) == 1 + len(scenario.interventions)
        assert all(r.status == "done" for r in runs)
        assert len({r.seed_entropy for r in runs}) == 1
    outcomes = ["shortage_days_per_yr", "unmet_units_per_yr", "fill_rate",
                "holding_cost_usd_per_yr"]
    base = table.loc["(none)"]
    assert base["shortage_days_per_yr"] > 0  # otherwise nothing could be avoided
    sterility = table.loc["rapid-sterility-test"]
    assert sterility["acts_on_supply"]
    assert (sterility[outcomes] != base[outcomes]).any()
    buffer = table.loc["buffer-stock-90d"]
    assert buffer["acts_on_supply"]
    assert buffer["shortage_days_avoided_per_yr"] >= 0
    assert buffer["shortage_days_avoided_per_yr"] == (
        base["shortage_days_per_yr"] - buffer["shortage_days_per_yr"])
    assert buffer["holding_cost_usd_per_yr"] > base["holding_cost_usd_per_yr"]
    assert table.loc["dual-source-stoppers", "capex_usd"] == 300_000.0
