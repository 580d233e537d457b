"""`rxtwin serve`: run the web app (FastAPI + uvicorn) on a store.

Thin: parse options, build the app with :func:`rxtwin.web.app.create_app`, run uvicorn.
Register with ``app.command()(serve)``.

Authentication (``--auth``): ``users`` asks every request for a token or a login (the
store's users, ``rxtwin users``); ``local`` asks nothing, everything belongs to the
organisation ``local``, and is allowed on the loopback interface only; ``auto`` (the
default) is ``users`` when the store holds a user, else ``local``.
"""

from __future__ import annotations

from typing import Annotated, Literal

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
    auth: Annotated[Literal["auto", "local", "users"], typer.Option(
        help="users: a token or a login for every request; local: none, on 127.0.0.1 "
             "only; auto: users if the store has any, else local.")] = "auto",
) -> None:
    """Serve the web app: scenarios, runs with progress, figures, reports, REST API (/api)."""
    import uvicorn

    from rxtwin.runs.accounts import has_users
    from rxtwin.store import Store
    from rxtwin.web.app import create_app
    from rxtwin.web.auth import LOOPBACK_NAMES, AuthConfig, is_loopback

    if not 1 <= port <= 65535:
        raise fail(f"--port={port}: must be in 1-65535")
    if not 1 <= workers <= 8:
        raise fail(f"--workers={workers}: must be in 1-8")
    if not 1 <= queue_size <= 1000:
        raise fail(f"--queue-size={queue_size}: must be in 1-1000")
    try:
        with Store.open(db) as store:
            users = has_users(store)
    except (StoreError, UserInputError) as error:
        raise fail(escape(str(error))) from None
    mode = ("users" if users else "local") if auth == "auto" else auth
    if mode == "users" and not users:
        raise fail("--auth users: the store has no users; add one first "
                   "(rxtwin users add USER --org ORG)")
    if mode == "local" and not is_loopback(host):
        raise fail(f"--host {escape(host)}: local mode (no login; everything belongs to "
                   "the organisation 'local') listens on the loopback interface only "
                   "(127.0.0.1); to serve other machines configure authentication: add a "
                   "user (rxtwin users add USER --org ORG) and serve with --auth users")
    try:
        web_app = create_app(db, workers=workers, queue_size=queue_size,
                             resume_interrupted=resume_interrupted,
                             auth=AuthConfig(mode=mode, secure_cookies=not is_loopback(host),
                                             allowed_hosts=LOOPBACK_NAMES if mode == "local"
                                             else None))
    except (StoreError, UserInputError) as error:
        raise fail(escape(str(error))) from None
    who = "users must log in" if mode == "users" else "local mode, no login"
    console.print(f"rxtwin serving {escape(db)} on http://{host}:{port}/ ({who}; Ctrl-C "
                  "stops)")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
