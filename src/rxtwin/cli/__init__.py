"""The ``rxtwin`` command line: thin commands over the library.

Commands are loaded when they run, not when ``rxtwin`` starts: :data:`COMMANDS` names each
command's module, the function (or Typer group) in it and the one-line help that
``rxtwin --help`` lists, so that ``rxtwin --help`` imports none of them and ``rxtwin
validate`` only its own module (no engines, numba, pandas, scipy, plotly, FastAPI or the
store). ``tests/cli/test_cli_startup.py`` checks both, and that each listed help is the
command's own first line.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer
import typer.core
import typer.main

if TYPE_CHECKING:  # Typer's own copy of click
    from typer._click.core import Command, Context
    from typer._click.formatting import HelpFormatter

from rxtwin import __version__

__all__ = ["COMMANDS", "app"]


@dataclass(frozen=True)
class LazyCommand:
    """A command of ``rxtwin``: ``target`` is ``"module:attribute"`` (a function, or a
    Typer app for a group of sub-commands); ``help`` is the line ``rxtwin --help`` shows."""

    target: str
    help: str

    def load(self, name: str) -> Command:
        module_name, attribute = self.target.split(":")
        found = getattr(importlib.import_module(module_name), attribute)
        if isinstance(found, typer.Typer):
            command = typer.main.get_command(found)
            command.help = self.help
            return command
        single = typer.Typer(add_completion=False, rich_markup_mode=None)
        single.command(name)(found)
        return typer.main.get_command(single)


COMMANDS: dict[str, LazyCommand] = {
    "demo": LazyCommand(
        "rxtwin.cli.demo:demo",
        "Run the bundled demo: the reference generic line under every technology, their "
        "appraisal for the firm and a break-even map, the most exposed products and sites, "
        "every technology and intervention of the generic, sterile and metformin scenarios "
        "compared on the line and in the network (shortage-days avoided by cause) and priced "
        "for the firm and for society, the ten first medicines of a national network of the "
        "WHO essential-medicines list with their dominant cause and best measure and the "
        "frontier of a public budget, and the continuous line's losses from the twin."),
    "validate": LazyCommand(
        "rxtwin.cli.validate:validate",
        "Check scenario files; print every problem (file, field, value, rule) and exit 2 if "
        "any."),
    "report": LazyCommand(
        "rxtwin.cli.report:report",
        "Write one self-contained HTML report of a run (opens offline: Plotly inlined)."),
    "serve": LazyCommand(
        "rxtwin.cli.serve:serve",
        "Serve the web app: scenarios, runs with progress, figures, reports, REST API (/api)."),
    "econ": LazyCommand(
        "rxtwin.cli.econ:econ",
        "Rank technologies against the incumbent: NPV at the firm's hurdle, IRR, payback."),
    "breakeven": LazyCommand(
        "rxtwin.cli.econ:breakeven",
        "Break-even of switching from the incumbent: one parameter, or a map over two."),
    "sensitivity": LazyCommand(
        "rxtwin.cli.econ:sensitivity",
        "Sensitivity of the NPV of switching to TECH to the scenario's uncertain parameters."),
    "appraise": LazyCommand(
        "rxtwin.cli.appraise:appraise",
        "Price every technology and intervention of a line for the firm and for society; "
        "store the run; print each option's firm NPV, IRR, payback, social NPV with its "
        "intervals, the capex grant that brings the firm to its hurdle, the public cost per "
        "shortage-day avoided and the verdict; then each option in the market (its cost per "
        "unit against the price, the margin left, the makers a price erosion sustains)."),
    "prioritize": LazyCommand(
        "rxtwin.cli.priority:prioritize",
        "Rank the scenario's medicines by criticality x vulnerability x simulated risk; print "
        "each one's dominant cause of shortage and the best measure that addresses it, with "
        "the shortage-days it avoids, the firm's NPV, the social NPV and the public cost; "
        "store the run (every table in `rxtwin report RUN`)."),
    "portfolio": LazyCommand(
        "rxtwin.cli.priority:portfolio",
        "Choose measures for medicines under a public budget (a MILP on HiGHS), maximising "
        "criticality-weighted shortage-days avoided or social NPV; re-simulate the chosen "
        "portfolio as a whole beside the additive estimate; print the frontier of budget "
        "against benefit; store the run."),
    "data": LazyCommand("rxtwin.cli.data:app", "Bundled data sets: list and show."),
    "runs": LazyCommand("rxtwin.cli.runs:app", "Runs in the store: list, show, resume, delete."),
    "consortium": LazyCommand("rxtwin.cli.consortium:app",
                              "The consortium's pool: register, submit, list, release, audit."),
    "users": LazyCommand("rxtwin.cli.users:app",
                         "Users and API tokens of the web app: add, token, revoke, list, role, "
                         "password, purge."),
    "twin": LazyCommand("rxtwin.cli.twin:app", "Digital twin of a continuous tablet line."),
    "supply": LazyCommand("rxtwin.cli.supply_group:app",
                          "Supply network: map, exposure, time-to-survive."),
    "line": LazyCommand("rxtwin.cli.line:app",
                        "Line: campaign plans and the stochastic simulator."),
}


class LazyGroup(typer.core.TyperGroup):
    """The top-level group: lists :data:`COMMANDS` from their help lines and imports a
    command's module only to run it (or to show its own ``--help``)."""

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in COMMANDS:
            return COMMANDS[cmd_name].load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, typer.core.TyperCommand(name, help=COMMANDS[name].help)
                 .get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="rxtwin",
    cls=LazyGroup,
    help="Simulate generic drug manufacturing lines and supply chains; price technologies "
    "for the firm and for society. Start with `rxtwin demo`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rxtwin {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """rxtwin: which manufacturing technology, and which low-tech measure, makes generic drug
    supply more resilient, and at what cost?"""
