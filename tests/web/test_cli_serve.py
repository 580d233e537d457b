"""`rxtwin serve` refuses bad options with exit code 2 and one line (no server started)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from rxtwin.cli.serve import serve

app = typer.Typer()
app.command()(serve)
app.command("other")(lambda: None)


def test_bad_options_exit_2(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "s.sqlite")
    for args, text in ((["--port", "0"], "--port=0"), (["--workers", "0"], "--workers=0"),
                       (["--queue-size", "0"], "--queue-size=0")):
        result = runner.invoke(app, ["serve", "--db", db, *args])
        assert result.exit_code == 2 and text in result.output
    missing = runner.invoke(app, ["serve", "--db", str(tmp_path / "no" / "dir.sqlite")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def _served(monkeypatch):
    """Run `serve` without a server: record what uvicorn would be given."""
    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    return seen


def test_local_mode_listens_on_the_loopback_interface_only(tmp_path, monkeypatch):
    seen = _served(monkeypatch)
    db = str(tmp_path / "s.sqlite")
    runner = CliRunner()
    for host in ("0.0.0.0", "192.168.1.5", "::"):
        refused = runner.invoke(app, ["serve", "--db", db, "--host", host])
        assert refused.exit_code == 2 and "local mode" in refused.output
        assert "loopback" in refused.output and "rxtwin users add" in refused.output
    assert seen == {}
    ok = runner.invoke(app, ["serve", "--db", db])
    assert ok.exit_code == 0, ok.output
    assert seen["host"] == "127.0.0.1" and seen["app"].state.auth.mode == "local"
    assert "localhost" in seen["app"].state.auth.allowed_hosts
    users = runner.invoke(app, ["serve", "--db", db, "--auth", "users"])
    assert users.exit_code == 2 and "no users" in users.output


def test_with_users_the_app_asks_for_logins_and_may_listen_elsewhere(tmp_path, monkeypatch):
    from rxtwin.runs.accounts import add_user
    from rxtwin.runs.consortium import register_organisation
    from rxtwin.store import Store

    db = str(tmp_path / "s.sqlite")
    with Store.open(db) as store:
        register_organisation(store, "acme")
        add_user(store, "alice", "acme")
    seen = _served(monkeypatch)
    ok = CliRunner().invoke(app, ["serve", "--db", db, "--host", "0.0.0.0"])
    assert ok.exit_code == 0, ok.output
    auth = seen["app"].state.auth
    assert auth.mode == "users" and auth.secure_cookies
    local = CliRunner().invoke(app, ["serve", "--db", db, "--host", "0.0.0.0", "--auth", "local"])
    assert local.exit_code == 2
