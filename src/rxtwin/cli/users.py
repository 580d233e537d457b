"""`rxtwin users ...`: the web app's users, their API tokens, roles and passwords, and the
upkeep of ended logins and tokens.

Thin: each command opens the store named by ``--db`` (default: env ``RXTWIN_DB``, else
``rxtwin.sqlite`` in the current folder), calls one function of
:mod:`rxtwin.runs.accounts` and prints the result. Rejected input prints one line on stderr
and exits with code 2. A password is never an argument (it would show in the shell's
history and the process list): it is typed at a hidden prompt, or read from a file or
standard input.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from rxtwin.cli.common import fail, user_errors
from rxtwin.store import Store, default_db_url

app = typer.Typer(help="Users and API tokens of the web app: add, token, revoke, list, role, "
                       "password, purge.",
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


@app.command("role")
@user_errors
def change_role(
    user: Annotated[str, typer.Argument(help="The user whose role changes.")],
    role: Annotated[str, typer.Argument(help="member (read, write), researcher (read) or "
                                             "admin (read, write, admin).")],
    db: DbOption,
) -> None:
    """Give a user another role, at once: the user's tokens and logins are cut to the new
    role's scopes on their next request (a token keeps the scopes it was issued with, so
    a raised role shows in new tokens)."""
    from rxtwin.runs.accounts import set_role

    with Store.open(db) as store:
        before = set_role(store, user, role)
    typer.echo(f"user {user}: role {before} -> {role}" if before != role
               else f"user {user} is {role} already")


MAX_PASSWORD_FILE_BYTES = 4096
"""Largest password file read [bytes] (assumption: a password is one short line; a larger
file is most likely the wrong one)."""


def _password_from_file(path: Path) -> str:
    """The first line of ``path`` (``-``: standard input), without its line ending."""
    if str(path) == "-":
        text = sys.stdin.read(MAX_PASSWORD_FILE_BYTES + 1)
    else:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PASSWORD_FILE_BYTES + 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise fail(f"--password-file {path}: is not UTF-8 text") from None
    if len(text) > MAX_PASSWORD_FILE_BYTES:
        raise fail(f"--password-file {path}: larger than {MAX_PASSWORD_FILE_BYTES} bytes; a "
                   "password file holds one line")
    line = text.splitlines()[0] if text.splitlines() else ""
    if not line:
        raise fail(f"--password-file {path}: its first line is empty; it must hold the "
                   "password")
    return line


def _password_from_prompt() -> str:
    """A password typed twice at a hidden prompt."""
    first = typer.prompt("New password", hide_input=True, err=True)
    again = typer.prompt("The same again", hide_input=True, err=True)
    if first != again:
        raise fail("the two passwords typed differ; nothing changed")
    return first


@app.command("password")
@user_errors
def password(
    user: Annotated[str, typer.Argument(help="The user whose browser password is set.")],
    db: DbOption,
    password_file: Annotated[Path | None, typer.Option(
        "--password-file", help="Read the password from the first line of this file ('-': "
                                "standard input) instead of prompting for it twice.")] = None,
) -> None:
    """Set a user's password for the browser login (at least 12 characters), typed twice
    at a hidden prompt or read from a file; the user's current logins end."""
    from rxtwin.runs.accounts import get_user, set_password

    with Store.open(db) as store:
        if get_user(store, user) is None:  # before asking for a password
            raise fail(f"no user {user!r}; add one with rxtwin users add")
        secret = (_password_from_file(password_file) if password_file is not None
                  else _password_from_prompt())
        ended = set_password(store, user, secret)
    typer.echo(f"password of {user} set; {ended} login{'s' if ended != 1 else ''} ended")


@app.command("purge")
@user_errors
def purge(
    db: DbOption,
    older_than_days: Annotated[int, typer.Option(
        "--older-than-days", help="Delete what ended more than this many days ago (0: "
                                  "everything ended). Default 30 (assumption: a month of "
                                  "ended tokens stays in 'rxtwin users list' to look back "
                                  "on).")] = 30,
) -> None:
    """Delete browser logins that expired, and API tokens that expired or were revoked,
    more than --older-than-days ago; print how many. Live logins and tokens stay."""
    from rxtwin.runs.accounts import purge as purge_ended

    if not 0 <= older_than_days <= 36500:
        raise fail(f"--older-than-days={older_than_days}: must be in 0-36500")
    with Store.open(db) as store:
        done = purge_ended(store, timedelta(days=older_than_days))
    typer.echo(f"deleted {done.logins} login{'s' if done.logins != 1 else ''} and "
               f"{done.tokens} token{'s' if done.tokens != 1 else ''} that ended before "
               f"{done.ended_before.isoformat(timespec='seconds')}")
