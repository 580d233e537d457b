"""``rxtwin supply``: the supply network of a scenario, its exposure and its TTS.

Thin commands: load the scenario (or a network from ``--sites``/``--edges`` CSV files,
columns in :mod:`rxtwin.data.supply_io`), call one :mod:`rxtwin.supply` function (the
exposure and TTS tables through :mod:`rxtwin.runs.supply`, which the web app's
``supply.exposure`` and ``supply.tts`` runs call too, and which keeps them with ``--db``),
print a rich table. Bad input (unknown scenario, invalid file, a TTR that cannot be derived)
prints one line and exits 2.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from rxtwin.cli.common import console, user_errors
from rxtwin.data.supply_io import load_supply_defaults
from rxtwin.model import Scenario
from rxtwin.runs.supply_network import (
    EXPOSURE_RUN_KIND,
    RISK_EXPOSURE_TABLE,
    TTS_RUN_KIND,
    exposure_table,
    network_of,
    network_ttr_days,
    risk_exposure_table,
    site_map_table,
)

app = typer.Typer(
    help="Supply network KSM -> API -> FDF -> market: map it, measure its concentration "
    "and single sources, and rank sites by time-to-survive versus time-to-recover.",
    no_args_is_help=True,
)

_SCENARIO_HELP = ("Scenario file (YAML or JSON) or bundled scenario name (or use --sites "
                  "and --edges).")
_SITES = typer.Option(None, "--sites", help="Sites CSV (site_id, country_code, owner[, "
                      "name, inventory_days: the site's stock of its inputs in days of use]) "
                      "instead of a scenario; needs --edges.")
_EDGES = typer.Option(None, "--edges", help="Edges CSV (supplier_site_id, customer_site_id, "
                      "item_id, item_kind, share, ...) instead of a scenario; needs --sites.")
_DB = typer.Option(None, "--db", help="Also keep the table as a run in this store (SQLite "
                   "path or postgresql:// URL); `rxtwin runs show RUN_ID` reads it back.")


def _keep(db: str | None, kind: str, loaded: Scenario | None, params: dict, name: str,
          frame: pd.DataFrame) -> None:
    """Store ``frame`` as the one summary of a finished deterministic run (no seed)."""
    if db is None:
        return
    from rxtwin.runs.supply_network import record_supply_table_run
    from rxtwin.store import Store

    with Store.open(db) as store:
        run_id = record_supply_table_run(store, kind, loaded, params, name, frame)
    console.print(f"run: {run_id}", highlight=False)


def _table(frame: pd.DataFrame, title: str, caption: str = "") -> Table:
    table = Table(title=title, caption=caption or None)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    return table


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return str(value)


@app.command("map")
@user_errors
def map_command(
    scenario: str | None = typer.Argument(None, help=_SCENARIO_HELP, show_default=False),
    sites: Path | None = _SITES,
    edges: Path | None = _EDGES,
) -> None:
    """Print the sites of the supply network by tier, with what they supply and to whom.

    Example: rxtwin supply map sterile_injectable
    """
    source = network_of(scenario, sites, edges)
    label = source.label
    console.print(_table(site_map_table(source), f"Supply network of {label}",
                         "tiers inferred from what each site supplies; market = patients"))


@app.command("exposure")
@user_errors
def exposure_command(
    scenario: str | None = typer.Argument(None, help=_SCENARIO_HELP, show_default=False),
    sites: Path | None = _SITES,
    edges: Path | None = _EDGES,
    detail: bool = typer.Option(False, "--detail", help="One row per product and input "
                                "instead of one per product."),
    db: str | None = _DB,
) -> None:
    """Concentration (HHI by site, supplier, country), single sources, independent paths.

    Example: rxtwin supply exposure metformin --detail
    """
    source = network_of(scenario, sites, edges)
    graph, label, loaded = source.graph, source.label, source.scenario
    threshold = load_supply_defaults()["highly_concentrated_hhi"]
    caption = (f"HHI on shares in [0, 1]; highly concentrated above {threshold:g} "
               "(US DOJ/FTC Merger Guidelines 2023, section 2.1)")
    name, frame = exposure_table(graph, detail=detail, highly_concentrated_hhi=threshold)
    title = (f"Concentration of every input, {label}" if detail
             else f"Supply exposure per product, {label}")
    console.print(_table(frame, title, caption))
    _keep(db, EXPOSURE_RUN_KIND, loaded, {"network": label, "detail": detail,
                                          "highly_concentrated_hhi": threshold}, name, frame)


@app.command("tts")
@user_errors
def tts_command(
    scenario: str | None = typer.Argument(None, help=_SCENARIO_HELP, show_default=False),
    sites: Path | None = _SITES,
    edges: Path | None = _EDGES,
    ttr_days: float | None = typer.Option(
        None, "--ttr-days", help="Time-to-recover of every site [days]. Default: the mean "
        "duration of the scenario's site_outage failure modes (required with --sites)."),
    horizon_days: float | None = typer.Option(
        None, "--horizon-days", help="Cap on the time-to-survive [days]. Default: "
        "tts_horizon_days of supply_defaults.yaml."),
    in_transit: bool = typer.Option(False, "--in-transit", help="Count goods already "
                                    "shipped (flow x lead time) as stock at the customer."),
    db: str | None = _DB,
) -> None:
    """Time-to-survive of each site's outage and the demand lost over its time-to-recover.

    Example: rxtwin supply tts sterile_injectable --ttr-days 90
    """
    source = network_of(scenario, sites, edges)
    graph, label, loaded = source.graph, source.label, source.scenario
    ttr = network_ttr_days(source, ttr_days)
    horizon = load_supply_defaults()["tts_horizon_days"] if horizon_days is None else (
        horizon_days)
    frame = risk_exposure_table(graph, ttr_days=ttr, horizon_days=horizon, in_transit=in_transit)
    console.print(_table(
        frame, f"Risk exposure of {label}: sites ranked by criticality-weighted lost days",
        f"TTR {ttr:.4g} days for every site; TTS capped at {horizon:g} days; exposed = TTS < "
        "TTR; no surge capacity where none is given; site stock from the sites' "
        f"inventory_days; in-transit stock {'counted' if in_transit else 'not counted'}"))
    _keep(db, TTS_RUN_KIND, loaded, {"network": label, "ttr_days": ttr,
                                     "horizon_days": horizon, "in_transit": in_transit},
          RISK_EXPOSURE_TABLE, frame)
