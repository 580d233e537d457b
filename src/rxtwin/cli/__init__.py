"""The ``rxtwin`` command line: thin commands over the library."""

from __future__ import annotations

import typer

from rxtwin import __version__
from rxtwin.cli import data as data_cli
from rxtwin.cli import line as line_cli
from rxtwin.cli import runs as runs_cli
from rxtwin.cli import supply as supply_cli
from rxtwin.cli import twin as twin_cli
from rxtwin.cli.appraise import appraise
from rxtwin.cli.demo import demo
from rxtwin.cli.econ import breakeven, econ, sensitivity
from rxtwin.cli.report import report
from rxtwin.cli.serve import serve
from rxtwin.cli.supply_calibrate import calibrate as supply_calibrate
from rxtwin.cli.supply_compare import compare as supply_compare
from rxtwin.cli.supply_simulate import resume as supply_resume
from rxtwin.cli.supply_simulate import simulate as supply_simulate
from rxtwin.cli.validate import validate

app = typer.Typer(
    name="rxtwin",
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


app.command()(demo)
app.command()(validate)
app.command()(report)
app.command()(serve)
app.command()(econ)
app.command()(breakeven)
app.command()(sensitivity)
app.command()(appraise)
app.add_typer(data_cli.app, name="data", help="Bundled data sets: list and show.")
app.add_typer(runs_cli.app, name="runs", help="Runs in the store: list, show, delete.")
app.add_typer(twin_cli.app, name="twin", help="Digital twin of a continuous tablet line.")
supply_cli.app.command("simulate")(supply_simulate)
supply_cli.app.command("calibrate")(supply_calibrate)
supply_cli.app.command("resume")(supply_resume)
supply_cli.app.command("compare")(supply_compare)
app.add_typer(supply_cli.app, name="supply", help="Supply network: map, exposure, time-to-survive.")
app.add_typer(line_cli.app, name="line", help="Line: campaign plans and the stochastic simulator.")
