"""Stored supply-disruption runs: the disruption simulator + compute backends + the run store.

The CLI calls these functions, as it calls :mod:`rxtwin.runs` for the line simulator: every
finished chunk is recorded in the store (so a killed run resumes where it stopped), the
per-product table is stored with the run, and the typed result is returned. The engine
(:func:`rxtwin.supply.disruption.simulate_disruptions`) stays free of I/O.

A chunk's :class:`~rxtwin.supply.disruption.DisruptionSummary` holds two histograms of
``N_EPISODE_BINS`` bins per product, nearly all zero; it is stored as
zlib-compressed JSON of :meth:`~rxtwin.supply.disruption.DisruptionSummary.to_dict`
(:func:`encode_supply_chunk`), which reads back bit for bit.

The deterministic analyses of the network (``rxtwin supply exposure`` and ``rxtwin supply
tts`` with ``--db``, and the web app's ``supply.exposure`` and ``supply.tts`` run kinds) are
kept as runs of one table each, with no chunks and no seed: :func:`exposure_table` and
:func:`risk_exposure_table` compute the table, :func:`store_supply_table` writes it to a run
and :func:`record_supply_table_run` keeps it as a new finished run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from rxtwin import __version__
from rxtwin.compute.executors import chunk_mapper
from rxtwin.data.disruption_defaults import bundled_defaults_path, parse_disruption_defaults
from rxtwin.data.documents import read_data_text
from rxtwin.errors import UserInputError
from rxtwin.model import Scenario
from rxtwin.runs.recorded import resumable_run, run_recorded_chunks
from rxtwin.stats.seeding import plan_chunks
from rxtwin.store import Store
from rxtwin.supply.disruption import (
    DEFAULT_CHUNK_SIZE,
    DisruptionRun,
    DisruptionSummary,
    simulate_disruptions,
)
from rxtwin.supply.disruption_inputs import SupplyEngineInputs, supply_inputs_from_scenario
from rxtwin.supply.exposure import concentration, exposure_summary, flag_concentration
from rxtwin.supply.tts import flow_model, in_transit_stock_units, risk_exposure

__all__ = [
    "EXPOSURE_DETAIL_TABLE",
    "EXPOSURE_RUN_KIND",
    "EXPOSURE_SUMMARY_TABLE",
    "RISK_EXPOSURE_TABLE",
    "SUPPLY_CHUNK_FORMAT",
    "SUPPLY_INPUTS_TABLE",
    "SUPPLY_RUN_KIND",
    "SUPPLY_TABLE",
    "TTS_RUN_KIND",
    "decode_supply_chunk",
    "encode_supply_chunk",
    "exposure_table",
    "record_supply_table_run",
    "resume_supply_run",
    "risk_exposure_table",
    "run_supply_simulation",
    "store_supply_table",
    "supply_inputs_sha256",
]

SUPPLY_RUN_KIND = "supply.simulate"
SUPPLY_TABLE = "supply_summary"
# Fingerprint of the inputs of a run launched by the web app (its parameters are the form's):
# recorded at its first start, compared on every later one.
SUPPLY_INPUTS_TABLE = "supply_inputs"
SUPPLY_CHUNK_FORMAT = "rxtwin.supply-chunk/1"
EXPOSURE_RUN_KIND = "supply.exposure"
EXPOSURE_SUMMARY_TABLE = "exposure_summary"
EXPOSURE_DETAIL_TABLE = "exposure_detail"
TTS_RUN_KIND = "supply.tts"
RISK_EXPOSURE_TABLE = "risk_exposure"
# Engineering setting: zlib level 6 (its default) compresses a chunk of the 8-product
# sterile-injectable scenario from ~70 kB of JSON to ~7 kB; higher levels gain little.
_ZLIB_LEVEL = 6

Progress = Callable[[int, int], None]
"""progress(done_chunks, total_chunks), called in the parent process."""


def encode_supply_chunk(summary: DisruptionSummary) -> bytes:
    """A chunk's summary as compact bytes for :meth:`rxtwin.store.Store.record_chunk`.

    Parameters
    ----------
    summary : DisruptionSummary

    Returns
    -------
    bytes
        zlib-compressed UTF-8 JSON ``{"format": SUPPLY_CHUNK_FORMAT, "summary":
        summary.to_dict()}``. Floats are written at ``repr`` precision, so
        :func:`decode_supply_chunk` gives back a summary that ``equals`` this one.
    """
    document = {"format": SUPPLY_CHUNK_FORMAT, "summary": summary.to_dict()}
    textual = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return zlib.compress(textual.encode("utf-8"), _ZLIB_LEVEL)


def decode_supply_chunk(data: bytes) -> DisruptionSummary:
    """Inverse of :func:`encode_supply_chunk`.

    Raises
    ------
    ValueError
        ``data`` is not a chunk written by :func:`encode_supply_chunk`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UserInputError(f"a stored supply chunk must be bytes, got {type(data).__name__}")
    try:
        document = json.loads(zlib.decompress(bytes(data)).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserInputError(f"stored supply chunk is unreadable: {error}") from None
    if not isinstance(document, dict) or document.get("format") != SUPPLY_CHUNK_FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise UserInputError(f"stored supply chunk has format {found!r}, "
                             f"expected {SUPPLY_CHUNK_FORMAT!r}")
    return DisruptionSummary.from_dict(document["summary"])


def supply_inputs_sha256(inputs: SupplyEngineInputs) -> str:
    """Fingerprint of the engine inputs: equal inputs give equal digests.

    Parameters
    ----------
    inputs : SupplyEngineInputs

    Returns
    -------
    str
        SHA-256 hex digest over every field in declaration order: arrays by dtype, shape
        and bytes; other values by ``repr`` (exact for floats). A resume compares it
        with the digest stored at the start, so chunks simulated from different inputs
        (the scenario adapter or ``data/disruption_defaults.yaml`` changed in between)
        are never merged into one run.
    """
    digest = hashlib.sha256()
    for item in dataclasses.fields(inputs):
        value = getattr(inputs, item.name)
        digest.update(item.name.encode("utf-8") + b"\0")
        if isinstance(value, np.ndarray):
            digest.update(f"{value.dtype.str}{value.shape}".encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        else:
            digest.update(repr(value).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _supply_inputs(scenario: Scenario, intervention_ids: Sequence[str],
                   defaults_yaml: str, where: str,
                   fda_calibrated: bool = False) -> SupplyEngineInputs:
    defaults = parse_disruption_defaults(defaults_yaml, where, fda_calibrated=fda_calibrated)
    return supply_inputs_from_scenario(scenario, list(intervention_ids), defaults=defaults)


def _execute_supply_run(store: Store, run_id: str, inputs: SupplyEngineInputs, params: dict,
                        entropy: int, backend: str, workers: int | None,
                        scheduler_address: str | None,
                        progress: Progress | None) -> DisruptionRun:
    """Simulate the chunks of a stored run that are not recorded yet, record each as it
    finishes, then store the per-product table and mark the run done (failed on error)."""

    def work(done: dict, on_chunk_done: Callable[[int, DisruptionSummary], None]
             ) -> DisruptionRun:
        run = simulate_disruptions(inputs, params["n_years"], entropy=entropy,
                                   chunk_size=params["chunk_size"],
                                   map_chunks=chunk_mapper(backend, workers, scheduler_address),
                                   done=done, on_chunk_done=on_chunk_done)
        store.put_summary(run_id, SUPPLY_TABLE, run.summary.table())
        return run

    return run_recorded_chunks(store, run_id, params["n_chunks"], decode=decode_supply_chunk,
                               encode=encode_supply_chunk, work=work, progress=progress)


def run_supply_simulation(
    store: Store,
    scenario: Scenario,
    *,
    n_years: int,
    entropy: int | None = None,
    intervention_ids: Sequence[str] = (),
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    backend: str = "serial",
    workers: int | None = None,
    scheduler_address: str | None = None,
    progress: Progress | None = None,
    defaults_path: str | Path | None = None,
    fda_calibrated: bool = False,
) -> tuple[str, DisruptionRun]:
    """Simulate scenario-years of every product's supply chain and store the run.

    Parameters
    ----------
    store : Store
        Where the scenario, the run, its chunks and its table
        (:data:`SUPPLY_TABLE`, :meth:`DisruptionSummary.table`) are kept.
    scenario : Scenario
    n_years : int
        Scenario-years [-], >= 1.
    entropy : int or None
        Root entropy of the seed tree; None draws fresh entropy (stored with the run).
    intervention_ids : sequence of str
        Scenario interventions applied (:func:`supply_inputs_from_scenario`).
    chunk_size : int
        Scenario-years per chunk [-]; part of the seed contract.
    backend, workers, scheduler_address
        As :func:`rxtwin.compute.executors.run_chunks`.
    progress : callable, optional
        ``progress(done_chunks, total_chunks)``, after every recorded chunk.
    defaults_path : path, optional
        Simulator defaults file (e.g. one written by ``rxtwin supply calibrate --out``);
        the bundled file when omitted. Its text is stored with the run, so a resume uses
        the same defaults.
    fda_calibrated : bool
        Apply the file's opt-in ``fda_calibrated_outage_durations``
        (:func:`rxtwin.data.disruption_defaults.load_disruption_defaults`); stored too.

    Returns
    -------
    run_id : str
    run : DisruptionRun

    Notes
    -----
    The run's parameters (``intervention_ids``, ``n_years``, ``chunk_size``, ``n_chunks``,
    ``rxtwin_version``, ``inputs_sha256``), the scenario's hash and the entropy are all a
    resume needs (:func:`resume_supply_run`). Unknown interventions and a bad ``n_years``
    or ``chunk_size`` fail before anything is stored.
    """
    if isinstance(n_years, bool) or not isinstance(n_years, int) or n_years < 1:
        raise UserInputError(f"n_years = {n_years!r}, must be an integer >= 1")
    path = bundled_defaults_path() if defaults_path is None else Path(defaults_path)
    defaults_yaml = read_data_text(path)
    inputs = _supply_inputs(scenario, intervention_ids, defaults_yaml, str(path),
                            fda_calibrated)
    entropy, chunks = plan_chunks(n_years, chunk_size, entropy)
    digest = store.put_scenario(scenario.document(), scenario.name)
    params = {"intervention_ids": list(intervention_ids), "n_years": n_years,
              "defaults_file": str(path), "defaults_yaml": defaults_yaml,
              "fda_calibrated": bool(fda_calibrated),
              "chunk_size": int(chunk_size), "n_chunks": len(chunks),
              "rxtwin_version": __version__, "inputs_sha256": supply_inputs_sha256(inputs)}
    run_id = store.create_run(SUPPLY_RUN_KIND, digest, params, entropy, n_chunks=len(chunks))
    run = _execute_supply_run(store, run_id, inputs, params, entropy, backend, workers,
                              scheduler_address, progress)
    return run_id, run


def resume_supply_run(store: Store, run_id: str, *, backend: str = "serial",
                      workers: int | None = None, scheduler_address: str | None = None,
                      progress: Progress | None = None) -> DisruptionRun:
    """Finish an interrupted, failed or never-started supply run (started by
    :func:`run_supply_simulation`, or queued by the web app with the parameters of
    :class:`rxtwin.runs.kinds.SupplySimulateParams`, which run on the bundled defaults).

    Only the chunks not recorded are simulated; the result equals (bit for bit) that of
    an uninterrupted run with the same entropy, on any backend.

    Raises
    ------
    rxtwin.store.UnknownRunError
        No run ``run_id`` (a ``KeyError``).
    ValueError
        The run is not a :data:`SUPPLY_RUN_KIND` run, is already done, was started by
        another rxtwin version, or its inputs rebuilt today differ from those it started
        with (chunks from two sets of inputs would not make one run).
    rxtwin.store.StoreError
        The run is still running in a live process.
    """
    record, scenario = resumable_run(store, run_id, SUPPLY_RUN_KIND)
    params = dict(record.parameters)
    if "defaults_yaml" in params:  # started by run_supply_simulation
        version, expected = params["rxtwin_version"], params["inputs_sha256"]
        inputs = _supply_inputs(scenario, params["intervention_ids"], params["defaults_yaml"],
                                f"run {run_id} defaults ({params['defaults_file']})",
                                params.get("fda_calibrated", False))
    else:  # launched by the web app: bundled defaults, fingerprint kept at the first start
        path = bundled_defaults_path()
        inputs = _supply_inputs(scenario, params["intervention_ids"],
                                read_data_text(path), str(path))
        if SUPPLY_INPUTS_TABLE in store.list_summaries(run_id):
            first = store.get_summary(run_id, SUPPLY_INPUTS_TABLE).iloc[0]
            version, expected = str(first["rxtwin_version"]), str(first["inputs_sha256"])
        else:
            version, expected = __version__, supply_inputs_sha256(inputs)
            store.put_summary(run_id, SUPPLY_INPUTS_TABLE, pd.DataFrame(
                {"inputs_sha256": [expected], "rxtwin_version": [version]}))
        params["n_chunks"] = -(-params["n_years"] // params["chunk_size"])
    if version != __version__:
        raise UserInputError(f"run {run_id} was started by rxtwin {version}, this is rxtwin "
                             f"{__version__}: start a new run")
    if supply_inputs_sha256(inputs) != expected:
        raise UserInputError(f"run {run_id}: its scenario now gives other simulator inputs than "
                             "when it started (simulator defaults or the scenario adapter "
                             "changed): start a new run")
    return _execute_supply_run(store, run_id, inputs, params, int(record.seed_entropy),
                               backend, workers, scheduler_address, progress)


# ------------------------------------------------------------ exposure and TTS tables as runs
def exposure_table(graph: nx.DiGraph, *, detail: bool, highly_concentrated_hhi: float,
                   product_ids: Sequence[str] = ()) -> tuple[str, pd.DataFrame]:
    """The table of ``rxtwin supply exposure`` and the name it is stored under.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`rxtwin.supply.network.build_network` (or
        :func:`rxtwin.data.supply_io.network_from_csv`).
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
        :func:`rxtwin.data.supply_io.network_from_csv`).
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
