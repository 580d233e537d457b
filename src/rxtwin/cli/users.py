"""`rxtwin users ...`: the web app's users and their API tokens.

Thin: each command opens the store named by ``--db`` (default: env ``RXTWIN_DB``, else
``rxtwin.sqlite`` in the current folder), calls one function of
:mod:`rxtwin.runs.accounts` and prints the result. Rejected input prints one line on stderr
and exits with code 2.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Annotated

import typer

from rxtwin.cli.common import fail, user_errors
from rxtwin.store import Store, default_db_url

app = typer.Typer(help="Users and API tokens of the web app: add, token, revoke, list.",
                  no_args_is_help=True, add_completion=False)

DbOption = Annotated[str, typer.Option(
    "--db", default_factory=default_db_url,
    show_default="env RXTWIN_DB, else ./rxtwin.sqlite",
    help="Store holding the users: a SQLite file path or a postgresql:// URL.")]


def _read_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise fail("--password-stdin: no password on standard input")
    return line


@app.command("add")
@user_errors
def add(
    user: Annotated[str, typer.Argument(help="User id (letters, digits, '_', '-', '.').")],
    org: Annotated[str, typer.Option("--org", help="Organisation of the pool the user belongs "
                                                   "to (rxtwin consortium register).")],
    db: DbOption,
    role: Annotated[str, typer.Option(help="member (read, write), researcher (read) or "
                                           "admin (read, write, admin).")] = "member",
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read a password for the browser login from the first line "
                                 "of standard input (at least 12 characters).")] = False,
) -> None:
    """Add a user of the web app to a registered organisation, with a role."""
    from rxtwin.runs.accounts import add_user

    password = _read_password() if password_stdin else None
    with Store.open(db) as store:
        add_user(store, user, org, role, password)
    login = "with a password" if password else "without a password (tokens only)"
    typer.echo(f"added user {user} of {org} as {role}, {login}")


@app.command("token")
@user_errors
def token(
    user: Annotated[str, typer.Argument(help="The user the token acts as.")],
    db: DbOption,
    scope: Annotated[list[str] | None, typer.Option(
        "--scope", help="read, write or admin; repeat for several (default: all the role "
                        "allows).")] = None,
    days: Annotated[float, typer.Option(help="Days until the token expires.")] = 90.0,
) -> None:
    """Make an API token for a user and print it (shown once; only its hash is kept)."""
    from rxtwin.runs.accounts import issue_token

    if not 0 < days <= 3660:
        raise fail(f"--days={days:g}: must be more than 0 and at most 3660")
    with Store.open(db) as store:
        issued = issue_token(store, user, tuple(scope) if scope else None,
                             valid_for=timedelta(days=days))
    typer.echo(issued.token)
    typer.echo(f"prefix {issued.prefix}, scopes {', '.join(issued.scopes)}, expires "
               f"{issued.expires_at.isoformat(timespec='seconds')}", err=True)


@app.command("revoke")
@user_errors
def revoke(
    token: Annotated[str, typer.Argument(help="The token's prefix, or the whole token.")],
    db: DbOption,
) -> None:
    """Revoke an API token at once (by its prefix or the whole token)."""
    from rxtwin.runs.accounts import revoke_token

    with Store.open(db) as store:
        revoked = revoke_token(store, token)
    typer.echo("revoked" if revoked else "already revoked")


@app.command("list")
@user_errors
def list_all(db: DbOption) -> None:
    """List the users (organisation, role, browser login) and their tokens (prefix, scopes,
    expiry, revocation); never a secret."""
    from rxtwin.runs.accounts import list_tokens, list_users

    with Store.open(db) as store:
        users = list_users(store)
        tokens = list_tokens(store)
    if not users:
        typer.echo("no users; add one with rxtwin users add USER --org ORG")
    for user in users:
        login = "password" if user.password_hash else "no password"
        typer.echo(f"{user.id}\t{user.organisation_id}\t{user.role}\t{login}")
        for item in (t for t in tokens if t.user_id == user.id):
            state = (f"revoked {item.revoked_at.isoformat(timespec='seconds')}"
                     if item.revoked_at else
                     f"expires {item.expires_at.isoformat(timespec='seconds')}")
            typer.echo(f"  token {item.prefix}\t{','.join(item.scopes)}\t{state}")
