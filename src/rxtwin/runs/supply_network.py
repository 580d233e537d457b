"""Deterministic analyses of a supply network kept as runs of one table each.

``rxtwin supply exposure`` and ``rxtwin supply tts`` with ``--db``, and the web app's
``supply.exposure`` and ``supply.tts`` run kinds, keep one table per run, with no chunks and
no seed: :func:`exposure_table` and :func:`risk_exposure_table` compute the table,
:func:`store_supply_table` writes it to a run and :func:`record_supply_table_run` keeps it as
a new finished run. The two run kinds' parameters, checks and figures follow.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field

from rxtwin import __version__
from rxtwin.data.scenarios import load_scenario
from rxtwin.data.supply_io import load_supply_defaults, read_network_csv
from rxtwin.errors import Problem, UserInputError
from rxtwin.model import Scenario
from rxtwin.model.base import Real
from rxtwin.model.units import DAYS_PER_YEAR
from rxtwin.report import figures as fig
from rxtwin.runs.params import ProgressCallback, RunParams
from rxtwin.store import Store
from rxtwin.supply.exposure import concentration, exposure_summary, flag_concentration
from rxtwin.supply.network import build_network, network_from_parts, site_table
from rxtwin.supply.tts import (
    flow_model,
    in_transit_stock_units,
    risk_exposure,
    site_outage_ttr_days,
)

__all__ = [
    "EXPOSURE_DETAIL_TABLE",
    "EXPOSURE_RUN_KIND",
    "EXPOSURE_SUMMARY_TABLE",
    "NetworkSource",
    "RISK_EXPOSURE_TABLE",
    "TTS_RUN_KIND",
    "SupplyExposureParams",
    "SupplyTtsParams",
    "check_exposure_params",
    "check_tts_params",
    "exposure_figures",
    "exposure_table",
    "network_of",
    "network_ttr_days",
    "record_supply_table_run",
    "risk_exposure_table",
    "run_exposure_table",
    "run_tts_table",
    "site_map_table",
    "store_supply_table",
    "tts_figures",
]

EXPOSURE_RUN_KIND = "supply.exposure"
EXPOSURE_SUMMARY_TABLE = "exposure_summary"
EXPOSURE_DETAIL_TABLE = "exposure_detail"
TTS_RUN_KIND = "supply.tts"
RISK_EXPOSURE_TABLE = "risk_exposure"

def exposure_table(graph: nx.DiGraph, *, detail: bool, highly_concentrated_hhi: float,
                   product_ids: Sequence[str] = ()) -> tuple[str, pd.DataFrame]:
    """The table of ``rxtwin supply exposure`` and the name it is stored under.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`rxtwin.supply.network.build_network` (or
        :func:`rxtwin.supply.network.network_from_parts` of
        :func:`rxtwin.data.supply_io.read_network_csv`).
    detail : bool
        One row per product and input (:func:`rxtwin.supply.exposure.concentration`, with
        ``highly_concentrated``; stored as :data:`EXPOSURE_DETAIL_TABLE`) instead of one per
        product (:func:`rxtwin.supply.exposure.exposure_summary`;
        :data:`EXPOSURE_SUMMARY_TABLE`).
    highly_concentrated_hhi : float
        Threshold on ``hhi_supplier`` [-], in (0, 1]; the CLI's is
        ``highly_concentrated_hhi`` of ``supply_defaults.yaml`` (0.18, US DOJ/FTC Merger
        Guidelines 2023, section 2.1).
    product_ids : sequence of str
        Keep only these products' rows (empty: every product). Rows are computed product by
        product, so a kept row equals that product's row of the full table.

    Returns
    -------
    name : str
    table : pandas.DataFrame
        Index 0..n-1.
    """
    if detail:
        name = EXPOSURE_DETAIL_TABLE
        frame = flag_concentration(concentration(graph), highly_concentrated_hhi)
    else:
        name = EXPOSURE_SUMMARY_TABLE
        frame = exposure_summary(graph, highly_concentrated_hhi)
    if product_ids:
        frame = frame[frame["product_id"].isin(product_ids)]
    return name, frame.reset_index(drop=True)


def risk_exposure_table(graph: nx.DiGraph, *, ttr_days: float, horizon_days: float,
                        in_transit: bool, site_ids: Sequence[str] = ()) -> pd.DataFrame:
    """The table of ``rxtwin supply tts`` (stored as :data:`RISK_EXPOSURE_TABLE`).

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`rxtwin.supply.network.build_network` (or
        :func:`rxtwin.supply.network.network_from_parts` of
        :func:`rxtwin.data.supply_io.read_network_csv`).
    ttr_days : float
        Time-to-recover of every site [days], >= 0.
    horizon_days : float
        Cap on the time-to-survive [days], > 0.
    in_transit : bool
        Count goods already shipped (flow x lead time, Little's law:
        :func:`rxtwin.supply.tts.in_transit_stock_units`) as stock at the customer.
    site_ids : sequence of str
        Keep only these sites' rows (empty: every site of the flow model). ``rank`` stays
        the site's rank among all sites, so a kept row equals its row of the full table.

    Returns
    -------
    pandas.DataFrame
        :func:`rxtwin.supply.tts.risk_exposure` with the same TTR for every site; index
        0..n-1.
    """
    model = flow_model(graph, in_transit_stock_units(graph) if in_transit else {})
    frame = risk_exposure(model, dict.fromkeys(model.sites, ttr_days), horizon_days)
    if site_ids:
        frame = frame[frame["site_id"].isin(site_ids)]
    return frame.reset_index(drop=True)


def store_supply_table(store: Store, run_id: str, name: str, frame: pd.DataFrame) -> None:
    """Write a table of :func:`exposure_table` or :func:`risk_exposure_table` to a run
    (index dropped), as both the CLI and the web app do."""
    store.put_summary(run_id, name, frame.reset_index(drop=True))


def record_supply_table_run(store: Store, kind: str, scenario: Scenario | None, params: dict,
                            name: str, frame: pd.DataFrame) -> str:
    """Keep one table as a new finished run (what ``--db`` of ``rxtwin supply exposure|tts``
    does).

    Parameters
    ----------
    store : Store
    kind : str
        :data:`EXPOSURE_RUN_KIND` or :data:`TTS_RUN_KIND`.
    scenario : Scenario or None
        Stored with the run; None for a network read from CSV files (the run then has no
        scenario).
    params : dict
        The run's parameters; ``rxtwin_version`` is added.
    name : str
        Table name (:data:`EXPOSURE_SUMMARY_TABLE`, :data:`EXPOSURE_DETAIL_TABLE` or
        :data:`RISK_EXPOSURE_TABLE`).
    frame : pandas.DataFrame

    Returns
    -------
    str
        The run id. The run has no seed and no chunks; its wall time is that of storing.
    """
    started = time.perf_counter()
    digest = (store.put_scenario(scenario.document(), scenario.name)
              if scenario is not None else None)
    run_id = store.create_run(kind, digest, {**params, "rxtwin_version": __version__}, None)
    store.start_run(run_id)
    store_supply_table(store, run_id, name, frame)
    store.finish_run(run_id, time.perf_counter() - started)
    return run_id


# ----------------------------------------------------- the network a command works on
@dataclass(frozen=True)
class NetworkSource:
    """The supply network a command works on: its graph, a label for titles, and the
    scenario it came from (None for a network read from CSV files)."""

    graph: nx.DiGraph
    label: str
    scenario: Scenario | None


def network_of(scenario: str | None, sites: Path | None = None,
               edges: Path | None = None) -> NetworkSource:
    """The network of a scenario (file or bundled name), or of a sites and an edges CSV file
    (:func:`rxtwin.data.supply_io.read_network_csv`).

    Raises
    ------
    rxtwin.errors.UserInputError
        Both a scenario and CSV files, or neither, or only one of the two files.
    """
    if scenario is not None and (sites or edges):
        raise UserInputError("give a scenario or --sites/--edges, not both")
    if scenario is not None:
        loaded = load_scenario(scenario)
        return NetworkSource(build_network(loaded), scenario, loaded)
    if sites is None or edges is None:
        raise UserInputError("give a scenario, or both --sites and --edges")
    return NetworkSource(network_from_parts(read_network_csv(sites, edges)),
                         f"{sites.name} + {edges.name}", None)


def site_map_table(source: NetworkSource) -> pd.DataFrame:
    """One row per site of the network (:func:`rxtwin.supply.network.site_table`)."""
    return site_table(source.graph)


def network_ttr_days(source: NetworkSource, ttr_days: float | None) -> float:
    """The time-to-recover given [d], else the rate-weighted mean duration of the scenario's
    ``site_outage`` failure modes (:func:`rxtwin.supply.tts.site_outage_ttr_days`).

    Raises
    ------
    rxtwin.errors.UserInputError
        No TTR given for a network read from CSV files (it has no failure modes).
    """
    if ttr_days is not None:
        return ttr_days
    if source.scenario is None:
        raise UserInputError("--ttr-days is required with --sites/--edges (no failure modes)")
    return site_outage_ttr_days(source.scenario)


# ------------------------------------------------- the supply.exposure and supply.tts kinds
# Defaults of the network analyses, as `rxtwin supply exposure|tts` reads them (each value
# carries its source or assumption in src/rxtwin/data/supply_defaults.yaml).
_SUPPLY_DEFAULTS = load_supply_defaults()
# Engineering bound of the web form: ten years of outage or horizon is far beyond any
# planning question (the longest mean site outage of the bundled scenarios is ~6 months).
_MAX_DAYS = 10 * DAYS_PER_YEAR


class SupplyExposureParams(RunParams):
    """Concentration, single sources and independent paths of the scenario's supply network
    (``supply.exposure``); the table of ``rxtwin supply exposure SCENARIO [--detail] --db``."""

    detail: bool = Field(False, description="one row per product and input instead of one "
                         "per product")
    highly_concentrated_hhi: Real = Field(
        _SUPPLY_DEFAULTS["highly_concentrated_hhi"], gt=0, le=1,
        description="HHI by supplier above which an input is highly concentrated [-] "
        "(default 0.18: US DOJ/FTC Merger Guidelines 2023, section 2.1)")
    product_ids: list[str] = Field(default_factory=list,
                                   description="products in the table (empty = every product)")


class SupplyTtsParams(RunParams):
    """Time-to-survive of each site's outage and the demand lost over its time-to-recover
    (``supply.tts``); the table of ``rxtwin supply tts SCENARIO [--ttr-days ...] --db``."""

    ttr_days: Real | None = Field(
        None, ge=0, le=_MAX_DAYS,
        description="time-to-recover of every site [days] (empty = rate-weighted mean "
        "duration of the scenario's site_outage failure modes)")
    horizon_days: Real = Field(_SUPPLY_DEFAULTS["tts_horizon_days"], gt=0, le=_MAX_DAYS,
                                description="cap on the time-to-survive [days]")
    in_transit: bool = Field(False, description="count goods already shipped (flow x lead "
                             "time) as stock at the customer")
    site_ids: list[str] = Field(default_factory=list,
                                description="sites in the table (empty = every site)")


def check_exposure_params(scenario: Scenario, params: SupplyExposureParams) -> list[Problem]:
    known = [p.id for p in scenario.products]
    return [Problem("<params>", "product_ids", pid, "no such product in the scenario; choose "
                    f"from {', '.join(known)}") for pid in params.product_ids if pid not in known]


def check_tts_params(scenario: Scenario, params: SupplyTtsParams) -> list[Problem]:
    from rxtwin.supply.network import build_network
    from rxtwin.supply.tts import flow_model, site_outage_ttr_days

    try:
        known = sorted(flow_model(build_network(scenario)).sites)
    except UserInputError as error:
        return [Problem("<params>", "scenario", scenario.name, str(error))]
    problems = [Problem("<params>", "site_ids", sid, "no such site on a product's supply "
                        f"chain; choose from {', '.join(known)}")
                for sid in params.site_ids if sid not in known]
    if params.ttr_days is None:
        try:
            site_outage_ttr_days(scenario)
        except UserInputError as error:
            problems.append(Problem("<params>", "ttr_days", None, str(error)))
    return problems


def run_exposure_table(scenario: Scenario, params: SupplyExposureParams, store: Store,
                         run_id: str, progress: ProgressCallback) -> None:
    from rxtwin.runs.supply_network import exposure_table, store_supply_table
    from rxtwin.supply.network import build_network

    name, frame = exposure_table(build_network(scenario), detail=params.detail,
                                 highly_concentrated_hhi=params.highly_concentrated_hhi,
                                 product_ids=params.product_ids)
    store_supply_table(store, run_id, name, frame)
    store.record_chunk(run_id, 0, {"rows": len(frame)})
    progress(1, 1)


def run_tts_table(scenario: Scenario, params: SupplyTtsParams, store: Store, run_id: str,
                    progress: ProgressCallback) -> None:
    from rxtwin.runs.supply_network import (
        RISK_EXPOSURE_TABLE,
        risk_exposure_table,
        store_supply_table,
    )
    from rxtwin.supply.network import build_network
    from rxtwin.supply.tts import site_outage_ttr_days

    ttr_days = site_outage_ttr_days(scenario) if params.ttr_days is None else params.ttr_days
    frame = risk_exposure_table(build_network(scenario), ttr_days=ttr_days,
                                horizon_days=params.horizon_days, in_transit=params.in_transit,
                                site_ids=params.site_ids)
    store_supply_table(store, run_id, RISK_EXPOSURE_TABLE, frame)
    store.record_chunk(run_id, 0, {"rows": len(frame)})
    progress(1, 1)


def exposure_figures(store: Store, run_id: str, scenario: Scenario | None,
                             params: SupplyExposureParams) -> dict[str, go.Figure]:
    if params.detail:
        table = store.get_summary(run_id, EXPOSURE_DETAIL_TABLE)
    else:
        table = store.get_summary(run_id, EXPOSURE_SUMMARY_TABLE).rename(columns={
            "most_concentrated": "item_id", "max_hhi_supplier": "hhi_supplier"})
    if table.empty:
        return {}
    return {"concentration": fig.concentration_figure(table, params.highly_concentrated_hhi)}


def tts_figures(store: Store, run_id: str, scenario: Scenario | None,
                        params: SupplyTtsParams) -> dict[str, go.Figure]:
    table = store.get_summary(run_id, RISK_EXPOSURE_TABLE)
    if table.empty:
        return {}
    ranking = fig.risk_ranking_figure(pd.DataFrame({
        "product": table["site_id"], "expected_shortage_days": table["weighted_lost_days"]}))
    ranking.update_traces(name="criticality-weighted lost days")
    ranking.update_layout(
        title="Sites ranked by criticality-weighted demand lost over their time-to-recover",
        xaxis_title="criticality-weighted lost days of demand [days]", yaxis_title="site down")
    return {"site_exposure": ranking, "tts_vs_ttr": fig.time_to_survive_figure(table)}
