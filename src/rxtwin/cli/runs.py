"""`rxtwin runs ...`: list, show and delete the runs kept in a store.

Thin: each command opens the store named by ``--db`` (default: env ``RXTWIN_DB``, else
``rxtwin.sqlite`` in the current folder), calls one ``rxtwin.store.Store`` method and prints
the result with rich. Store errors (unknown id, unreadable database) print one line on
stderr and exit with code 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rxtwin.cli.common import fail, progress_bar, user_errors
from rxtwin.cli.compute_options import (
    BACKEND_OPTION,
    SCHEDULER_OPTION,
    WORKERS_OPTION,
    compute_setting,
)
from rxtwin.store import RUN_STATUSES, RunRecord, Store, StoreError, default_db_url

app = typer.Typer(help="List, show, resume and delete stored runs.", no_args_is_help=True)

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        default_factory=default_db_url,
        show_default="env RXTWIN_DB, else ./rxtwin.sqlite",
        help="Store to read: a SQLite file path or a postgresql:// URL.",
    ),
]


@contextmanager
def _open_store(db: str) -> Iterator[Store]:
    """Open an existing store; turn any store error into a one-line message and exit 2."""
    try:
        with Store.open(db, create=False) as store:
            yield store
    except StoreError as error:
        raise fail(escape(str(error))) from None


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _progress(run: RunRecord) -> str:
    total = "?" if run.chunks_total is None else str(run.chunks_total)
    return f"{run.chunks_done}/{total}"


@app.command("list")
def list_runs(
    db: DbOption,
    kind: Annotated[str | None, typer.Option(help="Only runs of this kind.")] = None,
    status: Annotated[
        str | None, typer.Option(help=f"Only runs in this status: {', '.join(RUN_STATUSES)}.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many runs.")] = 20,
) -> None:
    """List runs, newest first: scenario, kind, key parameters, status and progress."""
    from rxtwin.runs.listing import parameter_summary

    with _open_store(db) as store:
        runs = store.list_runs(kind=kind, status=status, limit=limit)
        names = {info.hash: info.name for info in store.list_scenarios()}
    table = Table(title=f"runs in {store.display_url}")
    table.add_column("id", no_wrap=True, min_width=32)
    for column in ("scenario", "kind", "key parameters", "status", "chunks", "created (UTC)",
                   r"wall \[s]"):
        table.add_column(column)
    for run in runs:
        wall = "" if run.wall_s is None else f"{run.wall_s:.1f}"
        scenario = (names.get(run.scenario_hash, run.scenario_hash[:12]) if run.scenario_hash
                    else f"network {run.parameters.get('network', '')}".strip())
        cells = (
            run.id,
            scenario,
            run.kind,
            parameter_summary(run.parameters),
            run.status,
            _progress(run),
            _when(run.created_at),
            wall,
        )
        table.add_row(*(escape(cell) for cell in cells))
    Console().print(table)


@app.command("show")
def show_run(
    run_id: Annotated[str, typer.Argument(help="Run id, as listed by `runs list`.")],
    db: DbOption,
) -> None:
    """Show one run: its record, summaries and artifacts, and the released consortium
    statistics its scenario took priors from."""
    from rxtwin.runs.consortium import priors_of_run

    with _open_store(db) as store:
        run = store.get_run(run_id)
        summary_names = store.list_summaries(run_id)
        artifact_names = store.list_arrays(run_id)
        priors = priors_of_run(store, run_id)
    table = Table(title=f"run {run.id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = {
        "kind": run.kind,
        "status": run.status,
        "scenario": run.scenario_hash or "",
        "seed entropy": "" if run.seed_entropy is None else str(run.seed_entropy),
        "rxtwin version": run.package_version,
        "chunks done/total": _progress(run),
        "created (UTC)": _when(run.created_at),
        "started (UTC)": _when(run.started_at),
        "finished (UTC)": _when(run.finished_at),
        r"wall \[s]": "" if run.wall_s is None else f"{run.wall_s:.3f}",
        "owner": f"{run.owner_host or ''} pid {run.owner_pid}" if run.owner_pid else "",
        "error": run.error or "",
        "parameters": str(run.parameters),
        "summaries": ", ".join(summary_names),
        "artifacts": ", ".join(artifact_names),
    }
    if priors:
        rows["consortium priors"] = "; ".join(
            f"{p['path']} from {p['statistic']}@{p['version']}" for p in priors)
    for field, value in rows.items():
        table.add_row(field, escape(value))
    Console().print(table)


@app.command("resume")
@user_errors
def resume_run(
    run_id: Annotated[str, typer.Argument(help="Run id, as listed by `runs list`.")],
    db: DbOption,
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
) -> None:
    """Finish an interrupted or failed run of any kind: the chunks it recorded are kept,
    the rest run on the backend chosen, and the result equals an uninterrupted run's.

    A run still marked running whose process on this host is gone is taken as
    interrupted first.

    Example: rxtwin runs resume 01a2...9c --backend threads --workers 2
    """
    from rxtwin.runs.kinds import execute_run

    compute = compute_setting(backend, workers, scheduler)
    with _open_store(db) as store:
        run = store.get_run(run_id)
        if run.status == "running":
            store.mark_interrupted_runs(run_ids=[run_id])
            run = store.get_run(run_id)
        if run.status == "running":
            raise fail(f"run {run_id} is running (process {run.owner_pid} on "
                       f"{escape(run.owner_host or '?')}); stop it first, or wait")
        if run.status == "done":
            raise fail(f"run {run_id} is done; nothing to resume")
        with progress_bar() as bar:
            task = bar.add_task(run.kind, total=run.chunks_total)
            execute_run(store, run_id,
                        lambda done, total: bar.update(task, completed=done, total=total),
                        compute=compute)
        run = store.get_run(run_id)
    wall = "" if run.wall_s is None else f" in {run.wall_s:.1f} s"
    Console().print(f"run {run_id} ({run.kind}): {run.status}{wall}; see "
                    f"`rxtwin runs show {run_id}`", highlight=False)


@app.command("delete")
def delete_run(
    run_id: Annotated[str, typer.Argument(help="Run id, as listed by `runs list`.")],
    db: DbOption,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[bool, typer.Option(help="Delete even a run marked running.")] = False,
) -> None:
    """Delete a run with its chunks, summaries and artifact files."""
    with _open_store(db) as store:
        run = store.get_run(run_id)
        question = f"Delete run {run.id} ({run.kind}, {run.status}) and its files?"
        if not yes and not typer.confirm(question, default=False):
            typer.echo("not deleted", err=True)
            raise typer.Exit(1)
        store.delete_run(run_id, force=force)
    typer.echo(f"deleted run {run_id}")
