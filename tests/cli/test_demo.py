"""`rxtwin demo` runs end to end on the bundled data and writes what it says it writes."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.store import Store


def test_demo_writes_tables_scenarios_and_runs(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--reps", "20"])
    assert result.exit_code == 0, result.output
    for name in ("scenarios", "line_comparison", "exposed_products", "exposed_sites",
                 "twin_losses", "technology_ranking", "breakeven_winners"):
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
