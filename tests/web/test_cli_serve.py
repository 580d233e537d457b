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
