"""Stored supply-disruption runs: the disruption simulator + compute backends + the run store.

The CLI calls these functions, as it calls :mod:`rxtwin.runs` for the line simulator: every
finished chunk is recorded in the store (so a killed run resumes where it stopped), the
per-product table and the table of shortage-days by cause are stored with the run, and the
typed result is returned. The engine
(:func:`rxtwin.supply.disruption.simulate_disruptions`) stays free of I/O.

A chunk's :class:`~rxtwin.supply.disruption.DisruptionSummary` holds two histograms of
``N_EPISODE_BINS`` bins per product, nearly all zero; it is stored as
zlib-compressed JSON of :meth:`~rxtwin.supply.disruption.DisruptionSummary.to_dict`
(:func:`encode_supply_chunk`), which reads back bit for bit.

The ``supply.simulate`` run kind's parameters, checks and figures are here too
(:class:`SupplySimulateParams`); the deterministic network analyses are in
:mod:`rxtwin.runs.supply_network`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field

from rxtwin import __version__
from rxtwin.compute.executors import chunk_mapper
from rxtwin.data.disruption_defaults import bundled_defaults_path, parse_disruption_defaults
from rxtwin.data.documents import read_data_text
from rxtwin.errors import Problem, UserInputError
from rxtwin.model import Scenario
from rxtwin.model.base import WholeNumber
from rxtwin.report import figures as fig
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.params import (
    ProgressCallback,
    RunParams,
    fresh_seed,
    unknown_intervention_problems,
)
from rxtwin.runs.recorded import Progress, resumable_run, run_recorded_chunks
from rxtwin.runs.site_failures import supply_inputs_with_lines
from rxtwin.stats.seeding import plan_chunks
from rxtwin.store import Store
from rxtwin.supply.disruption import (
    DEFAULT_CHUNK_SIZE,
    DisruptionRun,
    DisruptionSummary,
    simulate_disruptions,
)
from rxtwin.supply.disruption_inputs import SupplyEngineInputs

__all__ = [
    "SUPPLY_CAUSE_TABLE",
    "SUPPLY_CHUNK_FORMAT",
    "SUPPLY_INPUTS_TABLE",
    "SUPPLY_RUN_KIND",
    "SUPPLY_TABLE",
    "SupplySimulateParams",
    "check_supply_params",
    "decode_supply_chunk",
    "encode_supply_chunk",
    "resume_supply_run",
    "run_stored_supply",
    "run_supply_simulation",
    "supply_figures",
    "supply_inputs_sha256",
]

SUPPLY_RUN_KIND = "supply.simulate"
SUPPLY_TABLE = "supply_summary"
# Shortage-days by product and cause (DisruptionSummary.cause_table), stored with every run.
SUPPLY_CAUSE_TABLE = "supply_cause_summary"
# Fingerprint of the inputs of a run launched by the web app (its parameters are the form's):
# recorded at its first start, compared on every later one.
SUPPLY_INPUTS_TABLE = "supply_inputs"
SUPPLY_CHUNK_FORMAT = "rxtwin.supply-chunk/1"
# Engineering setting: zlib level 6 (its default) compresses a chunk of the 8-product
# sterile-injectable scenario from ~70 kB of JSON to ~7 kB; higher levels gain little.
_ZLIB_LEVEL = 6



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
    return supply_inputs_with_lines(scenario, intervention_ids, defaults)


def _execute_supply_run(store: Store, run_id: str, inputs: SupplyEngineInputs, params: dict,
                        entropy: int, backend: str, workers: int | None,
                        scheduler_address: str | None,
                        progress: Progress | None) -> DisruptionRun:
    """Simulate the chunks of a stored run that are not recorded yet, record each as it
    finishes, then store the per-product table and the table by cause and mark the run
    done (failed on error)."""

    def work(done: dict, on_chunk_done: Callable[[int, DisruptionSummary], None]
             ) -> DisruptionRun:
        run = simulate_disruptions(inputs, params["n_years"], entropy=entropy,
                                   chunk_size=params["chunk_size"],
                                   map_chunks=chunk_mapper(backend, workers, scheduler_address),
                                   done=done, on_chunk_done=on_chunk_done)
        store.put_summary(run_id, SUPPLY_TABLE, run.summary.table())
        store.put_summary(run_id, SUPPLY_CAUSE_TABLE, run.summary.cause_table())
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
        Where the scenario, the run, its chunks and its tables
        (:data:`SUPPLY_TABLE`, :meth:`DisruptionSummary.table`; :data:`SUPPLY_CAUSE_TABLE`,
        :meth:`DisruptionSummary.cause_table`) are kept.
    scenario : Scenario
    n_years : int
        Scenario-years [-], >= 1.
    entropy : int or None
        Root entropy of the seed tree; None draws fresh entropy (stored with the run).
    intervention_ids : sequence of str
        Scenario interventions applied (:func:`rxtwin.runs.site_failures.supply_inputs_with_lines`).
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
    :class:`SupplySimulateParams`, which run on the bundled defaults).

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


# ---------------------------------------------------------- the supply.simulate run kind
class SupplySimulateParams(RunParams):
    """Scenario-years of the supply-disruption simulator (``supply.simulate``), on the
    bundled simulator defaults; a run resumes like one of ``rxtwin supply simulate``."""

    intervention_ids: list[str] = Field(default_factory=list,
                                        description="interventions applied to the supply")
    n_years: WholeNumber = Field(1000, ge=1, le=10_000_000, description="scenario-years")
    chunk_size: WholeNumber = Field(250, ge=1, le=100_000,
                            description="scenario-years per chunk (one continuous history; "
                            "part of the seed contract)")
    seed: WholeNumber = Field(default_factory=fresh_seed, ge=0, description="root seed entropy")


def check_supply_params(scenario: Scenario, params: SupplySimulateParams) -> list[Problem]:
    return unknown_intervention_problems(scenario, params.intervention_ids)


def run_stored_supply(scenario: Scenario, params: SupplySimulateParams, store: Store, run_id: str,
                      progress: ProgressCallback, *, compute: ComputeSetting = SERIAL) -> None:
    """Run (or resume) the stored run's missing chunks where ``compute`` says
    (:func:`resume_supply_run`)."""
    resume_supply_run(store, run_id, backend=compute.backend, workers=compute.workers,
                      scheduler_address=compute.scheduler_address, progress=progress)


def supply_figures(store: Store, run_id: str, scenario: Scenario,
                    params: SupplySimulateParams) -> dict[str, go.Figure]:
    table = store.get_summary(run_id, SUPPLY_TABLE)
    days = table["shortage_days_per_yr"]
    half = table["shortage_days_per_yr_ci95"].fillna(0.0)
    ranking = pd.DataFrame({"product": table["product_id"], "expected_shortage_days": days,
                            "ci95_low": (days - half).clip(lower=0.0),
                            "ci95_high": days + half})
    return {"shortage_risk": fig.risk_ranking_figure(ranking)}
