"""``rxtwin validate``: check scenario files and report every problem at once."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from rxtwin.cli.common import EXIT_BAD_INPUT, console, err_console, load_study_scenario
from rxtwin.errors import InputError, UserInputError


def validate(
    files: list[Path] = typer.Argument(..., help="Scenario files (YAML or JSON) or bundled "
                                       "scenario names.", show_default=False),
    db: str = typer.Option(None, "--db", help="Store whose consortium pool resolves the "
                           "scenarios' priors, if they have any (default RXTWIN_DB or "
                           "./rxtwin.sqlite)."),
) -> None:
    """Check scenario files; print every problem (file, field, value, rule) and exit 2 if any.

    A scenario that takes priors from released consortium statistics is checked with them
    resolved from the pool of the store (--db).

    Example: rxtwin validate my_line.yaml
    """
    bad = 0
    for file in files:
        try:
            scenario = load_study_scenario(str(file), db)
        except InputError as exc:
            bad += 1
            for problem in exc.problems:
                err_console.print(f"[bold red]error:[/] {escape(problem.line())}", highlight=False)
            continue
        except UserInputError as exc:
            bad += 1
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            continue
        console.print(
            f"[green]ok[/] {file}: scenario '{scenario.name}' — {len(scenario.products)} products, "
            f"{len(scenario.technologies)} technologies, {len(scenario.lines)} lines, "
            f"{len(scenario.failure_modes)} failure modes (hash {scenario.content_hash()[:12]})",
            highlight=False,
        )
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)
