"""``rxtwin data``: list and show the bundled data sets (thin layer over rxtwin.data.catalog)."""

from __future__ import annotations

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from rxtwin.data import catalog
from rxtwin.errors import UserInputError

app = typer.Typer(help="Bundled public data sets: list them, show the first rows of one.",
                  no_args_is_help=True)

_CELL_CHARS = 40


def _cell(value: object) -> str:
    if isinstance(value, list | tuple):
        text = "; ".join(map(str, value))
    elif value is None or (not isinstance(value, str) and pd.isna(value)):
        text = ""
    elif isinstance(value, pd.Timestamp):
        text = value.date().isoformat()
    elif isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = str(value)
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


@app.command("list")
def list_command() -> None:
    """List the bundled data sets with their size and source."""
    table = Table(title="rxtwin bundled data sets",
                  caption="licence and caveats: rxtwin data show NAME --rows 0")
    for column in ("name", "rows", "title", "source"):
        table.add_column(column, overflow="fold")
    for record in catalog.list_datasets():
        table.add_row(record.name, str(record.rows), record.title, record.source_url)
    Console().print(table)


@app.command("show")
def show_command(
    name: str = typer.Argument(..., help="Data set name, as printed by `rxtwin data list`."),
    rows: int = typer.Option(10, "--rows", "-n", help="Rows to show (>= 0)."),
    columns: str = typer.Option(
        "", "--columns", "-c", help="Comma-separated columns to show (default: all)."
    ),
) -> None:
    """Show a data set's provenance, its columns and its first rows."""
    console = Console()
    try:
        preview = catalog.show_dataset(name, rows)
    except UserInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    chosen = [column.strip() for column in columns.split(",") if column.strip()]
    unknown = [column for column in chosen if column not in preview.columns]
    if unknown:
        typer.echo(f"error: --columns {', '.join(unknown)} not in {name}; valid: "
                   f"{', '.join(preview.columns)}", err=True)
        raise typer.Exit(2)
    head = preview.head[chosen] if chosen else preview.head
    record = preview.record
    console.print(f"[bold]{record.name}[/bold]: {record.title}")
    console.print(f"rows: {record.rows}   loader: {record.loader}")
    console.print(f"source: {record.source_url} ({record.underlying_source})")
    console.print(f"licence: {record.licence_note}")
    console.print(f"provenance: rxtwin/data/{record.source_file}")
    dtypes = preview.head.dtypes
    console.print("columns: " + ", ".join(f"{c} ({dtypes[c]})" for c in preview.columns))
    table = Table(show_lines=False)
    for column in head.columns:
        table.add_column(str(column), no_wrap=True, overflow="ellipsis")
    for values in head.itertuples(index=False):
        table.add_row(*(_cell(value) for value in values))
    console.print(table)
