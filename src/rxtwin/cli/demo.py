"""``rxtwin demo``: run the bundled demo and write its outputs to a folder."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from rxtwin.cli.common import console, user_errors
from rxtwin.data.scenarios import scenario_to_yaml


def _table(title: str, frame, formats: dict[str, str]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(column, justify="right" if column in formats else "left")
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            fmt = formats.get(column)
            cells.append(format(value, fmt) if fmt else str(value))
        table.add_row(*cells)
    return table


@user_errors
def demo(
    out: Path = typer.Option(Path("rxtwin-demo"), "--out", "-o",
                             help="Folder for the demo's outputs (created if missing)."),
) -> None:
    """Run the bundled demo: the reference generic line and its technologies.

    Example: rxtwin demo --out rxtwin-demo
    """
    from rxtwin.demo import run_demo

    result = run_demo()
    out.mkdir(parents=True, exist_ok=True)
    console.print(_table("Bundled scenarios", result.tables["scenarios"],
                         {"products": "d", "technologies": "d", "lines": "d",
                          "failure_modes": "d", "demand_units_per_yr": ",.0f"}))
    console.print(_table("Generic oral-solid line: hours needed per year by technology",
                         result.tables["line_load"],
                         {"capex_usd": ",.0f", "run_h_per_yr": ",.0f",
                          "changeover_h_per_yr": ",.0f", "available_h_per_yr": ",.0f",
                          "load_fraction": ".2f", "qc_release_h": ",.0f",
                          "development_months": ".1f"}))
    for name, frame in result.tables.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    scenario_dir = out / "scenarios"
    scenario_dir.mkdir(exist_ok=True)
    for scenario in result.scenarios:
        (scenario_dir / f"{scenario.name}.yaml").write_text(scenario_to_yaml(scenario))
    console.print(f"\nOutputs written to [bold]{out.resolve()}[/]", highlight=False)
