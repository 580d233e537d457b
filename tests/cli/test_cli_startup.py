"""``rxtwin`` starts light: the top-level command imports no command module, and
``rxtwin validate`` imports no engine or heavy library; the listed help of each command is
its own first line (the lazy registry cannot drift from the commands)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
import typer.main

from rxtwin.cli import COMMANDS, app

HEAVY = ("numba", "scipy", "pandas", "plotly", "fastapi", "sqlalchemy", "pyarrow",
         "networkx", "numpy", "uvicorn", "dask", "rxtwin.store", "rxtwin.runs")


def _imported_after(code: str) -> list[str]:
    """The heavy modules (and rxtwin command modules) imported by ``code`` in a fresh
    interpreter."""
    probe = (f"import sys\n{code}\nimport json\n"
             f"print(json.dumps(sorted(m for m in sys.modules if m in {list(HEAVY)!r} "
             "or m.startswith('rxtwin.cli.'))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_imports_no_command_and_no_heavy_library():
    assert _imported_after("import rxtwin.cli") == []


def test_help_imports_no_command_module():
    code = ("from rxtwin.cli import app\n"
            "try:\n    app(['--help'], prog_name='rxtwin')\nexcept SystemExit:\n    pass")
    assert _imported_after(code) == []


def test_validate_imports_only_its_own_module():
    code = ("from rxtwin.cli import app\n"
            "try:\n    app(['validate', 'generic_oral_solid'], prog_name='rxtwin')\n"
            "except SystemExit as exit:\n    assert exit.code == 0, exit.code")
    assert _imported_after(code) == ["rxtwin.cli.common", "rxtwin.cli.validate"]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_help_is_the_commands_own(name):
    group = typer.main.get_command(app)
    with typer.Context(group) as ctx:
        command = group.get_command(ctx, name)
    assert command is not None and command.get_short_help_str(1000) == COMMANDS[name].help
