"""`rxtwin serve`: run the web app (FastAPI + uvicorn) on a store.

Thin: parse options, build the app with :func:`rxtwin.web.app.create_app`, run uvicorn.
Register with ``app.command()(serve)``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from rxtwin.cli.common import console, fail
from rxtwin.errors import UserInputError
from rxtwin.store import StoreError, default_db_url


def serve(
    db: Annotated[str, typer.Option(
        "--db", default_factory=default_db_url, show_default="env RXTWIN_DB, else "
        "./rxtwin.sqlite", help="Store: a SQLite file path or a postgresql:// URL.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (1-65535).")] = 8000,
    workers: Annotated[int, typer.Option(help="Runs executed at once (1-8).")] = 1,
    queue_size: Annotated[int, typer.Option(help="Runs waiting at most (1-1000); more: "
                                            "HTTP 429.")] = 16,
    resume_interrupted: Annotated[bool, typer.Option(
        help="Resume by themselves the runs a stopped server left interrupted.")] = True,
) -> None:
    """Serve the web app: scenarios, runs with progress, figures, reports, REST API (/api)."""
    import uvicorn

    from rxtwin.web.app import create_app

    if not 1 <= port <= 65535:
        raise fail(f"--port={port}: must be in 1-65535")
    if not 1 <= workers <= 8:
        raise fail(f"--workers={workers}: must be in 1-8")
    if not 1 <= queue_size <= 1000:
        raise fail(f"--queue-size={queue_size}: must be in 1-1000")
    try:
        web_app = create_app(db, workers=workers, queue_size=queue_size,
                             resume_interrupted=resume_interrupted)
    except (StoreError, UserInputError) as error:
        raise fail(escape(str(error))) from None
    console.print(f"rxtwin serving {escape(db)} on http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
