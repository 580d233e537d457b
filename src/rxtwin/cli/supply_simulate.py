"""``rxtwin supply simulate|resume``: many scenario-years of the supply-disruption simulator.

Thin: load the scenario, run :func:`rxtwin.runs.supply.run_supply_simulation` (which
stores the run, chunk by chunk, in the run store) with a progress bar, print the
per-product table (and with ``--by-cause`` the shortage-days by cause, which the run
stores either way) and the run id. ``resume`` finishes a killed run from its stored
chunks. Both are registered on the ``supply`` sub-app in :mod:`rxtwin.cli`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table

from rxtwin.cli.common import console, load_study_scenario, progress_bar, user_errors
from rxtwin.cli.compute_options import (
    BACKEND_OPTION,
    SCHEDULER_OPTION,
    WORKERS_OPTION,
    compute_setting,
)
from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.errors import UserInputError
from rxtwin.model.scenario import unknown_intervention_ids
from rxtwin.store import Store, default_db_url

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


_CAUSE_COLUMNS = (
    ("product_id", "product", "{}"),
    ("cause", "cause", "{}"),
    ("category", "category", "{}"),
    ("root_failure_mode", "root failure mode", "{}"),
    ("shortage_days_per_yr", "short days/yr", "{:.2f}"),
    ("shortage_days_per_yr_ci95", "± 95 %", "{:.2f}"),
    ("episodes_per_yr", "episodes/yr", "{:.3f}"),
    ("unmet_units_per_yr", "unmet units/yr", "{:,.0f}"),
    ("share_of_shortage_days", "share", "{:.3f}"),
)
BY_CAUSE_HELP = ("Also print the shortage-days of each product by cause: the outage mode "
                 "that started each shortage episode, or none (demand).")


def _cell(fmt: str, value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return fmt.format(value)


DB_HELP = "Run store (path or URL; default RXTWIN_DB or ./rxtwin.sqlite)."


@contextmanager
def _chunk_progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar, shown from its first call (so
    input errors found before the run starts print no bar)."""
    bar = progress_bar()
    tasks: list = []

    def update(done: int, total: int) -> None:
        if not tasks:
            bar.start()
            tasks.append(bar.add_task(description, total=total))
        bar.update(tasks[0], completed=done, total=total)

    try:
        yield update
    finally:
        bar.stop()


def _print_outcomes(title: str, frame) -> None:
    table = Table(title=title, title_justify="left")
    widest = max(len(p) for p in frame["product_id"])
    table.add_column("product", no_wrap=True, min_width=widest)
    for _, label, _ in _COLUMNS[1:]:
        table.add_column(label, justify="right")
    for row in frame.itertuples(index=False):
        values = row._asdict()
        table.add_row(*(_cell(fmt, values[name]) for name, _, fmt in _COLUMNS))
    console.print(table)


def _print_causes(title: str, frame) -> None:
    """The table of shortage-days by product and cause (rows with shortage-days only)."""
    table = Table(title=title, title_justify="left",
                  caption="cause of an episode: the outage of the chain with the most down "
                  "days in the year before it began (docs/supply_simulation.md, "
                  "Shortage-days by cause); ± 95 %: batch means over chunks",
                  caption_justify="left")
    for name, label, _ in _CAUSE_COLUMNS:
        # numbers never wrap; on a narrow terminal the labels fold instead
        text = name in ("cause", "category", "root_failure_mode")
        table.add_column(label, justify="left" if text or name == "product_id" else "right",
                         no_wrap=not text, overflow="fold" if text else "ellipsis")
    for row in frame.itertuples(index=False):
        values = row._asdict()
        table.add_row(*(_cell(fmt, values[name]) for name, _, fmt in _CAUSE_COLUMNS))
    if frame.empty:
        table.add_row("no shortage-day in the run", *([""] * (len(_CAUSE_COLUMNS) - 1)))
    console.print(table)


@app.command("simulate")
@user_errors
def simulate(
    scenario: str = typer.Argument(..., help="Scenario file or bundled scenario name.",
                                   show_default=False),
    years: int = typer.Option(1000, "--years", min=1, max=100_000_000,
                              help="Scenario-years to simulate."),
    seed: int = typer.Option(None, "--seed", min=0, help="Root seed (default: fresh entropy, "
                             "printed and stored with the run)."),
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    intervention: str = typer.Option("", "--intervention", help="Intervention ids, "
                                     "comma-separated."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    defaults: Path = typer.Option(None, "--defaults", help="Simulator defaults file (e.g. "
                                  "written by `rxtwin supply calibrate --out`); default: "
                                  "the bundled one."),
    fda_calibrated: bool = typer.Option(False, "--fda-calibrated", help="Apply the "
                                        "defaults' outage durations fitted to the FDA "
                                        "shortage episodes (opt-in; see "
                                        "docs/supply_simulation.md)."),
    by_cause: bool = typer.Option(False, "--by-cause", help=BY_CAUSE_HELP),
) -> None:
    """Simulate scenario-years of every product's supply chain; store the run; print the
    outcomes (with --by-cause also the shortage-days by cause) and the run id (``rxtwin
    supply resume RUN_ID`` finishes a killed run).

    Example: rxtwin supply simulate sterile_injectable --years 10000 --workers 2 --seed 1
    """
    from rxtwin.runs.supply import run_supply_simulation

    compute = compute_setting(backend, workers, scheduler)
    # a bad defaults file fails before the store is opened
    load_disruption_defaults(defaults, fda_calibrated=fda_calibrated)
    loaded = load_study_scenario(scenario, db)
    chosen = [i for i in intervention.split(",") if i]
    unknown = unknown_intervention_ids(loaded, chosen)
    if unknown:  # fails before the store is opened
        known = [i.id for i in loaded.interventions]
        raise UserInputError(f"--intervention: {', '.join(unknown)} not in scenario "
                             f"'{loaded.name}' (known: {', '.join(known) or 'none'})")
    with Store.open(db or default_db_url()) as store, \
            _chunk_progress("scenario chunks") as progress:
        run_id, run = run_supply_simulation(
            store, loaded, n_years=years, entropy=seed, intervention_ids=chosen,
            backend=compute.backend, workers=compute.workers,
            scheduler_address=compute.scheduler_address, progress=progress,
            defaults_path=defaults,
            fda_calibrated=fda_calibrated)
    title = f"{scenario}: {years} scenario-years (seed {run.entropy})"
    _print_outcomes(f"Supply disruptions, {title}", run.summary.table())
    if by_cause:
        _print_causes(f"Shortage-days by cause, {title}", run.summary.cause_table())
    console.print(f"run: {run_id}", highlight=False)


@user_errors
def resume(
    run_id: str = typer.Argument(..., help="Id of an interrupted or failed supply run.",
                                 show_default=False),
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = typer.Option(None, "--db", help=DB_HELP),
    by_cause: bool = typer.Option(False, "--by-cause", help=BY_CAUSE_HELP),
) -> None:
    """Finish an interrupted supply run; only its missing chunks are simulated, on any
    backend, and the result is identical to an uninterrupted run.

    Example: rxtwin supply resume 0193f... --by-cause --backend threads --workers 2
    """
    from rxtwin.runs.supply import resume_supply_run

    compute = compute_setting(backend, workers, scheduler)
    with Store.open(db or default_db_url(), create=False) as store, \
            _chunk_progress(run_id[:12]) as progress:
        run = resume_supply_run(store, run_id, backend=compute.backend,
                                workers=compute.workers,
                                scheduler_address=compute.scheduler_address,
                                progress=progress)
    title = f"run {run_id}: {run.n_years} scenario-years (seed {run.entropy})"
    _print_outcomes(f"Supply disruptions, {title}", run.summary.table())
    if by_cause:
        _print_causes(f"Shortage-days by cause, {title}", run.summary.cause_table())
    console.print(f"run: {run_id}", highlight=False)
