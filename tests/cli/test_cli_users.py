"""`rxtwin users`: add a user to a registered organisation, make a token (printed once,
stored as a hash), revoke it; rejected input is one line and exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.runs.accounts import authenticate_password, authenticate_token
from rxtwin.store import Store


def _run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, list(args), input=stdin)


def test_add_a_user_make_a_token_and_revoke_it(tmp_path):
    db = str(tmp_path / "s.sqlite")
    assert _run("consortium", "register", "acme", "--db", db).exit_code == 0
    added = _run("users", "add", "alice", "--org", "acme", "--role", "researcher",
                 "--password-stdin", "--db", db, stdin="a long enough password\n")
    assert added.exit_code == 0, added.output
    made = _run("users", "token", "alice", "--db", db)
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[0]
    with Store.open(db) as store:
        principal = authenticate_token(store, token)
        assert principal is not None and principal.scopes == {"read"}
        assert principal.organisation_id == "acme"
        assert authenticate_password(store, "alice", "a long enough password") is not None
        assert token not in (tmp_path / "s.sqlite").read_bytes().decode("latin-1")
    listed = _run("users", "list", "--db", db)
    assert "alice\tacme\tresearcher\tpassword" in listed.stdout and token not in listed.stdout
    revoked = _run("users", "revoke", token.split("_")[1], "--db", db)
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    with Store.open(db) as store:
        assert authenticate_token(store, token) is None


def test_rejected_input_is_one_line_and_exit_2(tmp_path):
    db = str(tmp_path / "s.sqlite")
    unregistered = _run("users", "add", "alice", "--org", "acme", "--db", db)
    assert unregistered.exit_code == 2 and "not registered" in unregistered.stderr
    assert _run("consortium", "register", "acme", "--db", db).exit_code == 0
    role = _run("users", "add", "alice", "--org", "acme", "--role", "boss", "--db", db)
    assert role.exit_code == 2 and "role 'boss'" in role.stderr
    short = _run("users", "add", "alice", "--org", "acme", "--password-stdin", "--db", db,
                 stdin="short\n")
    assert short.exit_code == 2 and "at least 12" in short.stderr
    assert _run("users", "add", "alice", "--org", "acme", "--db", db).exit_code == 0
    beyond = _run("users", "token", "alice", "--scope", "admin", "--db", db)
    assert beyond.exit_code == 2 and "beyond the role 'member'" in beyond.stderr
    unknown = _run("users", "revoke", "nosuchprefix", "--db", db)
    assert unknown.exit_code == 2 and "no token" in unknown.stderr
