"""``rxtwin validate``: check scenario files and report every problem at once."""

from __future__ import annotations

from pathlib import Path

import typer

from rxtwin.cli.common import EXIT_BAD_INPUT, console, err_console
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import InputError


def validate(
    files: list[Path] = typer.Argument(..., help="Scenario files (YAML or JSON) or bundled "
                                       "scenario names.", show_default=False),
) -> None:
    """Check scenario files; print every problem (file, field, value, rule) and exit 2 if any.

    Example: rxtwin validate my_line.yaml
    """
    bad = 0
    for file in files:
        try:
            scenario = load_scenario(file)
        except InputError as exc:
            bad += 1
            from rich.markup import escape

            for problem in exc.problems:
                err_console.print(f"[bold red]error:[/] {escape(problem.line())}", highlight=False)
            continue
        console.print(
            f"[green]ok[/] {file}: scenario '{scenario.name}' — {len(scenario.products)} products, "
            f"{len(scenario.technologies)} technologies, {len(scenario.lines)} lines, "
            f"{len(scenario.failure_modes)} failure modes (hash {scenario.content_hash()[:12]})",
            highlight=False,
        )
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)
