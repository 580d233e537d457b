"""``rxtwin supply simulate``: many scenario-years of the supply-disruption simulator.

Thin: load the scenario and the simulator defaults, build the engine inputs, run the
chunks on the chosen backend with a progress bar, print the per-product table. The lead
registers :func:`simulate` on the ``supply`` sub-app (e.g.
``supply_app.command("simulate")(supply_simulate.simulate)``).
"""

from __future__ import annotations

import math

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rxtwin.cli.common import console, user_errors
from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.scenarios import load_scenario
from rxtwin.supply.disruption import DEFAULT_CHUNK_SIZE, simulate_disruptions
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario

app = typer.Typer(help="Supply-disruption simulator: shortage probability, shortage-days, "
                  "fill rate and time-to-recover per product.", no_args_is_help=True,
                  rich_markup_mode=None)

_COLUMNS = (
    ("product_id", "product", "{}"),
    ("shortage_probability_per_yr", "P(shortage)/yr", "{:.3f}"),
    ("shortage_days_per_yr", "short days/yr", "{:.2f}"),
    ("fill_rate", "fill rate", "{:.4f}"),
    ("unmet_units_per_yr", "unmet units/yr", "{:,.0f}"),
    ("ttr_median_days", "TTR median [d]", "{:.0f}"),
    ("ttr_p90_days", "TTR p90 [d]", "{:.0f}"),
    ("expired_units_per_yr", "expired units/yr", "{:,.0f}"),
    ("holding_cost_usd_per_yr", "holding USD/yr", "{:,.0f}"),
)


def _cell(fmt: str, value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return fmt.format(value)


@app.command("simulate")
@user_errors
def simulate(
    scenario: str = typer.Argument(..., help="Scenario file or bundled scenario name.",
                                   show_default=False),
    years: int = typer.Option(1000, "--years", min=1, max=100_000_000,
                              help="Scenario-years to simulate."),
    seed: int = typer.Option(None, "--seed", min=0, help="Root seed (default: fresh entropy, "
                             "printed so the run can be repeated)."),
    workers: int = typer.Option(None, "--workers", min=1, help="Local workers (more than "
                                "1 runs chunks on a thread pool: the compiled kernels "
                                "release the GIL)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address "
                                  "(tcp://host:8786)."),
    intervention: str = typer.Option("", "--intervention", help="Intervention ids, "
                                     "comma-separated."),
) -> None:
    """Simulate scenario-years of every product's supply chain and print the outcomes.

    Example: rxtwin supply simulate sterile_injectable --years 10000 --workers 2 --seed 1
    """
    chosen = [i for i in intervention.split(",") if i]
    inputs = supply_inputs_from_scenario(load_scenario(scenario), chosen,
                                         defaults=load_disruption_defaults())
    backend = "dask" if scheduler else ("threads" if workers and workers > 1 else "serial")
    n_chunks = math.ceil(years / DEFAULT_CHUNK_SIZE)
    with Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("scenario chunks", total=n_chunks)
        run = simulate_disruptions(inputs, years, entropy=seed, backend=backend,
                                   workers=workers, scheduler_address=scheduler,
                                   on_chunk_done=lambda i, s: bar.advance(task))
    frame = run.summary.table()
    table = Table(title=f"Supply disruptions, {scenario}: {years} scenario-years "
                  f"(seed {run.entropy})", title_justify="left")
    widest = max(len(p) for p in inputs.product_ids)
    table.add_column("product", no_wrap=True, min_width=widest)
    for _, label, _ in _COLUMNS[1:]:
        table.add_column(label, justify="right")
    for row in frame.itertuples(index=False):
        values = row._asdict()
        table.add_row(*(_cell(fmt, values[name]) for name, _, fmt in _COLUMNS))
    console.print(table)
