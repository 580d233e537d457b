"""``rxtwin supply``: the commands of :mod:`rxtwin.cli.supply` (map, exposure, tts) with
simulate, resume, calibrate and compare from their own modules, as one group. Imported
only when ``rxtwin supply ...`` runs (see :data:`rxtwin.cli.COMMANDS`)."""

from __future__ import annotations

from rxtwin.cli.supply import app
from rxtwin.cli.supply_calibrate import calibrate
from rxtwin.cli.supply_compare import compare
from rxtwin.cli.supply_simulate import resume, simulate

__all__ = ["app"]

app.command("simulate")(simulate)
app.command("calibrate")(calibrate)
app.command("resume")(resume)
app.command("compare")(compare)
