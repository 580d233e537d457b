"""``rxtwin line plan|simulate|resume``: campaign plans and the stochastic line simulator."""

from __future__ import annotations

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
from rxtwin.errors import UserInputError
from rxtwin.store import Store, default_db_url

app = typer.Typer(help="Multi-product line: campaign planning and the stochastic simulator.",
                  no_args_is_help=True, rich_markup_mode=None)

SCENARIO = typer.Argument(..., help="Scenario file or bundled scenario name.",
                          show_default=False)


def _line_id(scenario, line_id: str | None) -> str:
    if line_id is not None:
        scenario.line(line_id)
        return line_id
    if not scenario.lines:
        raise UserInputError(f"scenario '{scenario.name}' has no lines")
    return scenario.lines[0].id


@app.command()
@user_errors
def plan(
    scenario_file: str = SCENARIO,
    line: str = typer.Option(None, "--line", help="Line id (default: the first line)."),
    tech: str = typer.Option(None, "--tech", help="Technology ids, comma-separated "
                             "(default: every technology of the scenario)."),
    db: str = typer.Option(None, "--db", help="Store whose consortium pool resolves the "
                           "scenario's priors, if it has any (default RXTWIN_DB or "
                           "./rxtwin.sqlite)."),
) -> None:
    """Campaign plan (common-cycle ELSP) of a line under each technology.

    Example: rxtwin line plan generic_oral_solid --tech batch,continuous
    """
    from rxtwin.runs.line import line_plans

    scenario = load_study_scenario(scenario_file, db)
    line_id = _line_id(scenario, line)
    techs = tech.split(",") if tech else [t.id for t in scenario.technologies]
    table = Table(title=f"Campaign plan of {line_id} ({scenario.name})", title_justify="left")
    for column in ("technology", "cycle [d]", "campaigns/yr", "mean run [d]", "run share",
                   "changeover share", "idle share", "cost [USD/d]"):
        table.add_column(column, justify="left" if column == "technology" else "right")
    for tid, p in line_plans(scenario, line_id, techs).items():
        table.add_row(tid, f"{p.cycle_days[0]:.1f}", f"{p.setups_per_yr[0]:.2f}",
                      f"{p.campaign_days.mean():.2f}", f"{p.utilisation_run:.3f}",
                      f"{p.utilisation_changeover:.3f}", f"{p.utilisation_idle:.3f}",
                      f"{p.total_cost_usd_per_day:,.0f}")
    console.print(table)


def print_comparison(frame) -> None:
    """Side-by-side table of technologies (means with 95 % intervals)."""
    from rxtwin.runs.line import COMPARISON_STATISTICS

    techs = list(dict.fromkeys(frame["technology"]))
    table = Table(title="Line performance by technology (mean, 95 % CI half-width)",
                  title_justify="left")
    table.add_column("statistic")
    for tid in techs:
        table.add_column(tid, justify="right")
    formats = {name: fmt for name, _, fmt in COMPARISON_STATISTICS}
    for name, label, _ in COMPARISON_STATISTICS:
        cells = []
        for tid in techs:
            row = frame[(frame["statistic"] == name) & (frame["technology"] == tid)].iloc[0]
            half = (row["ci95_high"] - row["ci95_low"]) / 2
            cells.append(f"{format(row['mean'], formats[name])} ±{format(half, formats[name])}")
        table.add_row(label, *cells)
    console.print(table)


@app.command()
@user_errors
def simulate(
    scenario_file: str = SCENARIO,
    tech: str = typer.Option(None, "--tech", help="Technology ids, comma-separated "
                             "(default: every technology of the scenario)."),
    reps: int = typer.Option(1000, "--reps", min=1, max=10_000_000,
                             help="Replication-years per technology."),
    line: str = typer.Option(None, "--line", help="Line id (default: the first line)."),
    policy: str = typer.Option(None, "--policy", help="fixed_rotation or run_out "
                               "(default: the line's)."),
    intervention: str = typer.Option("", "--intervention", help="Intervention ids, "
                                     "comma-separated."),
    twin_losses: bool = typer.Option(False, "--twin-losses", help="Take continuous lines' "
                                     "diversion and start-up/shut-down losses from the "
                                     "digital twin."),
    seed: int = typer.Option(None, "--seed", min=0, help="Root seed (default: fresh entropy, "
                             "stored with the run)."),
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = typer.Option(None, "--db", help="Run store (path or URL; default RXTWIN_DB or "
                           "./rxtwin.sqlite)."),
    csv: Path = typer.Option(None, "--csv", help="Also write the comparison to this CSV."),
) -> None:
    """Simulate a line under each technology; store the runs; print a side-by-side table.

    Example: rxtwin line simulate generic_oral_solid --tech batch,continuous --reps 10000
    """
    from rxtwin.runs.line import comparison_table, run_line_simulation

    if policy not in (None, "fixed_rotation", "run_out"):
        raise UserInputError(f"--policy {policy!r}: must be fixed_rotation or run_out")
    compute = compute_setting(backend, workers, scheduler)
    scenario = load_study_scenario(scenario_file, db)
    line_id = _line_id(scenario, line)
    techs = tech.split(",") if tech else [t.id for t in scenario.technologies]
    interventions = [i for i in intervention.split(",") if i]
    for tid in techs:  # unknown ids fail before a progress bar is drawn
        scenario.technology(tid)
    with Store.open(db or default_db_url()) as store, progress_bar() as bar:
        def progress_for(tid):
            task = bar.add_task(tid, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        runs = run_line_simulation(
            store, scenario, line_id=line_id, technology_ids=techs, n_replications=reps,
            entropy=seed, policy=policy, intervention_ids=interventions,
            twin_losses=twin_losses,
            backend=compute.backend, workers=compute.workers,
            scheduler_address=compute.scheduler_address, progress=progress_for)
    frame = comparison_table(runs)
    print_comparison(frame)
    stored = ", ".join(f"{r.technology_id}={r.run_id}" for r in runs)
    if csv:
        try:
            frame.to_csv(csv, index=False)
        except OSError as error:
            raise UserInputError(f"--csv {csv}: cannot write the file ({error}); the runs "
                                 f"are stored: {stored}") from None
    console.print("runs: " + stored, highlight=False)


@app.command()
@user_errors
def resume(
    run_id: str = typer.Argument(..., help="Id of an interrupted or failed line run."),
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = typer.Option(None, "--db"),
) -> None:
    """Finish an interrupted line run; only its missing chunks are simulated, on any
    backend, and the result is identical to an uninterrupted run.

    Example: rxtwin line resume 0193f... --backend threads --workers 2
    """
    from rxtwin.runs.line import comparison_table, resume_line_run

    compute = compute_setting(backend, workers, scheduler)
    with Store.open(db or default_db_url(), create=False) as store:
        store.get_run(run_id)  # an unknown id fails before any progress bar is drawn
        bar = progress_bar()
        bar.start()
        task = bar.add_task(run_id[:12], total=None)
        try:
            run = resume_line_run(store, run_id, backend=compute.backend,
                                  workers=compute.workers,
                                  scheduler_address=compute.scheduler_address,
                                  progress=lambda d, t: bar.update(task, completed=d, total=t))
        finally:
            bar.stop()
    print_comparison(comparison_table([run]))
