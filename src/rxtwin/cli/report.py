"""`rxtwin report RUN_ID -o report.html`: write a run's self-contained HTML report.

Thin: open the store, call :func:`rxtwin.runs.report.run_report_html`, write the file.
Register with ``app.command()(report)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from rxtwin.cli.common import console, fail
from rxtwin.errors import UserInputError
from rxtwin.store import Store, StoreError, default_db_url


def report(
    run_id: Annotated[str, typer.Argument(help="Id of the run (see `rxtwin runs list`).")],
    db: Annotated[str, typer.Option(
        "--db", default_factory=default_db_url, show_default="env RXTWIN_DB, else "
        "./rxtwin.sqlite", help="Store: a SQLite file path or a postgresql:// URL.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="HTML file to write.")] = Path(
        "report.html"),
) -> None:
    """Write one self-contained HTML report of a run (opens offline: Plotly inlined)."""
    from rxtwin.runs.report import run_report_html

    try:
        with Store.open(db, create=False) as store:
            text = run_report_html(store, run_id)
    except (StoreError, UserInputError) as error:
        raise fail(escape(str(error).splitlines()[0] if str(error) else repr(error))) from None
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise fail(escape(f"cannot write {out}: {error.strerror or error}")) from None
    console.print(f"wrote {escape(str(out))} ({len(text) / 1e6:.1f} MB)")
