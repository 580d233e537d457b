"""`rxtwin users`: add a user to a registered organisation, make a token (printed once,
stored as a hash), revoke it, change a role (at once, for a running app's tokens and
logins), set a password (never on the command line; the user's logins end), purge ended
logins and tokens; rejected input is one line and exit code 2."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from page_client import PageClient
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.runs.accounts import (
    add_user,
    authenticate_password,
    authenticate_token,
    issue_token,
    list_tokens,
    list_users,
    login_principal,
    open_login,
    revoke_token,
)
from rxtwin.runs.consortium import register_organisation
from rxtwin.store import Store
from rxtwin.web.app import create_app
from rxtwin.web.auth import AuthConfig

PASSWORD = "a long enough password"


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


def _with_user(tmp_path, password: str | None = PASSWORD) -> str:
    db = str(tmp_path / "s.sqlite")
    with Store.open(db) as store:
        register_organisation(store, "acme")
        add_user(store, "alice", "acme", "member", password)
    return db


def test_a_role_change_takes_effect_at_once_for_tokens_and_logins(tmp_path):
    db = _with_user(tmp_path)
    with Store.open(db) as store:
        token = issue_token(store, "alice").token
        app = create_app(db, store=store, start_workers=False, auth=AuthConfig(mode="users"))
        api = TestClient(app, headers={"Authorization": f"Bearer {token}"},
                         raise_server_exceptions=False)
        browser = PageClient(app, raise_server_exceptions=False, follow_redirects=False)
        assert browser.post("/login", data={"user": "alice", "password": PASSWORD}
                            ).status_code == 303
        assert api.post("/api/scenarios/bundled/generic_oral_solid").status_code == 201
        assert browser.post("/scenarios/bundled", data={"name": "metformin"}).status_code == 303

        lowered = _run("users", "role", "alice", "researcher", "--db", db)
        assert lowered.exit_code == 0 and "member -> researcher" in lowered.stdout
        # The same app, the same token and login: writing is refused from the next request.
        refused = api.post("/api/scenarios/bundled/generic_oral_solid")
        assert refused.status_code == 403 and "(researcher)" in refused.json()["error"]["message"]
        assert browser.post("/scenarios/bundled", data={"name": "metformin"}).status_code == 403
        assert api.get("/api/runs").status_code == browser.get("/runs").status_code == 200

        raised = _run("users", "role", "alice", "member", "--db", db)
        assert raised.exit_code == 0 and "researcher -> member" in raised.stdout
        assert api.post("/api/scenarios/bundled/generic_oral_solid").status_code == 201
        assert browser.post("/scenarios/bundled", data={"name": "metformin"}).status_code == 303


def test_role_change_rejects_a_bad_role_or_user_with_one_line_and_exit_2(tmp_path):
    db = _with_user(tmp_path)
    for args, needle in ((("alice", "boss"), "role 'boss' is not one of member, researcher, "
                                             "admin"),
                         (("nobody", "admin"), "no user 'nobody'")):
        result = _run("users", "role", *args, "--db", db)
        assert result.exit_code == 2, result.output
        assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    with Store.open(db) as store:
        assert list_users(store)[0].role == "member"


def test_password_is_typed_twice_hidden_and_ends_the_users_logins(tmp_path):
    db = _with_user(tmp_path)
    new = "another long passphrase"
    with Store.open(db) as store:
        cookie = open_login(store, authenticate_password(store, "alice", PASSWORD))
    changed = _run("users", "password", "alice", "--db", db, stdin=f"{new}\n{new}\n")
    assert changed.exit_code == 0, changed.output
    assert "password of alice set; 1 login ended" in changed.stdout
    assert new not in changed.output  # the prompt does not echo it
    with Store.open(db) as store:
        assert authenticate_password(store, "alice", new) is not None
        assert authenticate_password(store, "alice", PASSWORD) is None
        assert login_principal(store, cookie) is None


def test_password_from_a_file_or_standard_input(tmp_path):
    db = _with_user(tmp_path, password=None)
    secret = tmp_path / "password.txt"
    secret.write_text("a password from a file\nignored second line\n")
    from_file = _run("users", "password", "alice", "--password-file", str(secret), "--db", db)
    assert from_file.exit_code == 0, from_file.output
    from_stdin = _run("users", "password", "alice", "--password-file", "-", "--db", db,
                      stdin="a password from stdin\n")
    assert from_stdin.exit_code == 0, from_stdin.output
    with Store.open(db) as store:
        assert authenticate_password(store, "alice", "a password from stdin") is not None
        assert authenticate_password(store, "alice", "a password from a file") is None


def test_password_rejects_bad_input_with_one_line_and_exit_2(tmp_path):
    db = _with_user(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    cases = [
        (("alice",), "a long passphrase\nanother passphrase\n", "two passwords typed differ"),
        (("alice",), "short\nshort\n", "password has 5 characters; use at least 12"),
        (("nobody",), None, "no user 'nobody'"),
        (("alice", "--password-file", str(empty)), None, "its first line is empty"),
        (("alice", "--password-file", str(tmp_path / "missing.txt")), None,
         "No such file or directory"),
    ]
    for args, stdin, needle in cases:
        result = _run("users", "password", *args, "--db", db, stdin=stdin)
        assert result.exit_code == 2, (args, result.output)
        assert needle in result.stderr and "Traceback" not in result.output
        assert result.stderr.count("error:") == 1  # one error line (after the prompts)
    # Never on the command line: there is no argument or option that takes it.
    on_line = _run("users", "password", "alice", "a long enough password", "--db", db)
    assert on_line.exit_code == 2 and "unexpected extra argument" in on_line.stderr.lower()
    with Store.open(db) as store:
        assert authenticate_password(store, "alice", PASSWORD) is not None  # unchanged


def test_purge_deletes_ended_logins_and_tokens_older_than_the_age_given(tmp_path):
    db = _with_user(tmp_path)
    with Store.open(db) as store:
        principal = authenticate_password(store, "alice", PASSWORD)
        live_login = open_login(store, principal)
        open_login(store, principal, valid_for=timedelta(microseconds=1))
        live = issue_token(store, "alice")
        issue_token(store, "alice", valid_for=timedelta(microseconds=1))
        revoke_token(store, issue_token(store, "alice").prefix)
    kept = _run("users", "purge", "--db", db)  # default: ended more than 30 days ago
    assert kept.exit_code == 0 and "deleted 0 logins and 0 tokens" in kept.stdout
    purged = _run("users", "purge", "--older-than-days", "0", "--db", db)
    assert purged.exit_code == 0, purged.output
    assert "deleted 1 login and 2 tokens that ended before" in purged.stdout
    with Store.open(db) as store:
        assert [t.prefix for t in list_tokens(store)] == [live.prefix]
        assert login_principal(store, live_login) is not None
    negative = _run("users", "purge", "--older-than-days=-1", "--db", db)
    assert negative.exit_code == 2
    assert "--older-than-days=-1: must be in 0-36500" in negative.stderr
