"""Line runs: the line simulator + compute backends + the run store.

The CLI and the web app call these functions; they record every finished chunk in the
store (so a killed run resumes where it stopped), store the result tables, and return
typed results. Engines stay free of I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field

from rxtwin import __version__
from rxtwin.compute.executors import chunk_mapper
from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.errors import Problem
from rxtwin.line.from_scenario import line_inputs_from_scenario, line_plan, with_twin_losses
from rxtwin.line.inputs import LineEngineInputs, OperatingMode
from rxtwin.line.results import LineResults, LineSummary
from rxtwin.line.simulate import DEFAULT_CHUNK_SIZE, LineChunk, simulate
from rxtwin.model import Scenario
from rxtwin.model.base import WholeNumber
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.params import (
    ProgressCallback,
    RunParams,
    fresh_seed,
    unknown_intervention_problems,
)
from rxtwin.runs.recorded import Progress, resumable_run, run_recorded_chunks
from rxtwin.stats.summaries import MomentSummary
from rxtwin.store import Store
from rxtwin.twin.handoff import continuous_loss_parameters

LINE_RUN_KIND = "line.simulate"
LINE_TABLE = "line_summary"



def line_chunk_to_record(chunk: LineChunk) -> dict:
    """A chunk's summary as a JSON-safe dict for the store."""
    return {"values": chunk.summary.values.to_dict(), "defined": chunk.summary.defined.to_dict()}


def line_chunk_from_record(record: dict) -> LineChunk:
    """Inverse of :func:`line_chunk_to_record`."""
    return LineChunk(summary=LineSummary(values=MomentSummary.from_dict(record["values"]),
                                         defined=MomentSummary.from_dict(record["defined"])))


@dataclass(frozen=True)
class LineRun:
    """One stored line simulation: its run id, technology, results and the engine inputs it
    simulated (so callers that price the run need not rebuild them)."""

    run_id: str
    technology_id: str
    results: LineResults
    inputs: LineEngineInputs


def _n_chunks(n_replications: int, chunk_size: int) -> int:
    return -(-n_replications // chunk_size)


def line_plans(scenario: Scenario, line_id: str, technology_ids: Sequence[str]) -> dict:
    """The campaign plan (common-cycle ELSP) of ``line_id`` under each technology, by
    technology id (:func:`rxtwin.line.from_scenario.line_plan`); an unknown id raises
    :class:`rxtwin.errors.UnknownIdError`."""
    return {tid: line_plan(scenario, line_id, scenario.technology(tid))
            for tid in technology_ids}


def line_inputs_for_run(scenario: Scenario, params: dict):
    """The engine inputs a stored line run's parameters describe (twin losses applied to
    continuous-mode technologies when ``params['twin_losses']``)."""
    inputs = line_inputs_from_scenario(
        scenario, params["line_id"], technology_id=params["technology_id"],
        policy=params["policy"], intervention_ids=params["intervention_ids"])
    if params.get("twin_losses") and inputs.operating_mode == OperatingMode.CONTINUOUS:
        twin = load_twin_defaults()
        campaign_h = float(np.mean(inputs.campaign_units)) / inputs.ideal_rate_units_per_h
        inputs = with_twin_losses(inputs, continuous_loss_parameters(
            twin, twin.disturbance.rate_per_h, campaign_h))
    return inputs


def _execute_line_run(store: Store, scenario: Scenario, run_id: str, params: dict,
                      entropy: int, backend: str, workers: int | None,
                      scheduler_address: str | None, progress: Progress | None) -> LineRun:
    inputs = line_inputs_for_run(scenario, params)

    def work(done: dict, on_chunk_done: Callable[[int, LineChunk], None]) -> LineResults:
        results = simulate(inputs, params["n_replications"], entropy=entropy,
                           chunk_size=params["chunk_size"],
                           map_chunks=chunk_mapper(backend, workers, scheduler_address),
                           done=done, on_chunk_done=on_chunk_done)
        store.put_summary(run_id, LINE_TABLE, results.table())
        return results

    results = run_recorded_chunks(
        store, run_id, _n_chunks(params["n_replications"], params["chunk_size"]),
        decode=line_chunk_from_record, encode=line_chunk_to_record, work=work,
        progress=progress)
    return LineRun(run_id, params["technology_id"], results, inputs)


def run_line_simulation(
    store: Store,
    scenario: Scenario,
    *,
    line_id: str,
    technology_ids: Sequence[str],
    n_replications: int,
    entropy: int | None = None,
    policy: str | None = None,
    intervention_ids: Sequence[str] = (),
    twin_losses: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    backend: str = "serial",
    workers: int | None = None,
    scheduler_address: str | None = None,
    progress: Callable[[str], Progress] | None = None,
) -> list[LineRun]:
    """Simulate a line with each technology and store one run per technology.

    The same entropy seeds every technology (common random numbers across the options, so
    their differences are estimated with less noise). ``progress(technology_id)`` returns a
    callback for that technology's chunks. With ``twin_losses``, continuous-mode
    technologies take their diverted fraction and start-up/shut-down losses from the
    digital twin (:func:`rxtwin.line.from_scenario.with_twin_losses`).
    """
    line = scenario.line(line_id)
    for tid in technology_ids:
        scenario.technology(tid)  # unknown ids fail before anything is stored
    digest = store.put_scenario(scenario.document(), scenario.name)
    if entropy is None:
        from rxtwin.stats.seeding import chunk_seeds

        entropy, _ = chunk_seeds(None, 1)
    runs = []
    for tid in technology_ids:
        params = {"line_id": line.id, "technology_id": tid,
                  "policy": policy or line.campaign_policy,
                  "intervention_ids": list(intervention_ids),
                  "twin_losses": bool(twin_losses),
                  "n_replications": n_replications, "chunk_size": chunk_size,
                  "rxtwin_version": __version__}
        run_id = store.create_run(LINE_RUN_KIND, digest, params, entropy,
                                  n_chunks=_n_chunks(n_replications, chunk_size))
        runs.append(_execute_line_run(store, scenario, run_id, params, entropy, backend,
                                      workers, scheduler_address,
                                      progress(tid) if progress else None))
    return runs


def resume_line_run(store: Store, run_id: str, *, backend: str = "serial",
                    workers: int | None = None, scheduler_address: str | None = None,
                    progress: Progress | None = None) -> LineRun:
    """Finish an interrupted or failed line run: only its missing chunks are simulated, and
    the result is identical to an uninterrupted run."""
    record, scenario = resumable_run(store, run_id, LINE_RUN_KIND)
    return _execute_line_run(store, scenario, run_id, dict(record.parameters),
                             int(record.seed_entropy), backend, workers, scheduler_address,
                             progress)


COMPARISON_STATISTICS = (
    ("units_good", "good units [units/yr]", ",.0f"),
    ("oee", "OEE [-]", ".3f"),
    ("availability", "availability [-]", ".3f"),
    ("performance", "performance [-]", ".3f"),
    ("quality", "quality [-]", ".3f"),
    ("utilisation", "utilisation [-]", ".3f"),
    ("changeover_h", "changeover [h/yr]", ",.0f"),
    ("rejected_lots", "rejected lots [1/yr]", ".2f"),
    ("fill_rate", "fill rate [-]", ".3f"),
    ("unmet_demand_product_days", "days with unmet demand [product-days]", ",.1f"),
    ("avg_inventory_units", "average inventory [units]", ",.0f"),
    ("cost_total_usd_per_unit", "unit cost [USD/unit]", ".4f"),
)


def comparison_table(runs: Sequence[LineRun]) -> pd.DataFrame:
    """Side-by-side line statistics, one row per (statistic, technology).

    Columns: statistic, label, technology, mean, ci95_low, ci95_high (Student-t 95 %
    interval over replications).
    """
    rows = []
    for run in runs:
        table = run.results.table()
        line_level = table[table["product"].isna()].set_index("statistic")
        for name, label, _ in COMPARISON_STATISTICS:
            row = line_level.loc[name]
            rows.append({"statistic": name, "label": label, "technology": run.technology_id,
                         "mean": float(row["mean"]), "ci95_low": float(row["ci95_low"]),
                         "ci95_high": float(row["ci95_high"])})
    return pd.DataFrame(rows)


# ------------------------------------------------------------ the line.simulate run kind
class LineSimulateParams(RunParams):
    """One technology on one line (``line.simulate``); the keys are those
    :func:`rxtwin.runs.run_line_simulation` stores, so a web run resumes like a CLI run."""

    line_id: str = Field("line-1", description="line of the scenario")
    technology_id: str = Field("batch", description="technology to run the line with")
    policy: Literal["fixed_rotation", "run_out"] = Field("fixed_rotation",
                                                         description="campaign policy")
    intervention_ids: list[str] = Field(default_factory=list,
                                        description="interventions applied to the line")
    twin_losses: bool = Field(False, description="continuous losses from the digital twin")
    n_replications: WholeNumber = Field(500, ge=1, le=1_000_000, description="replication-years")
    chunk_size: WholeNumber = Field(DEFAULT_CHUNK_SIZE, ge=1, le=100_000,
                            description="replications per chunk (part of the seed contract)")
    seed: WholeNumber = Field(default_factory=fresh_seed, ge=0, description="root seed entropy")


def check_line_params(scenario: Scenario, params: LineSimulateParams) -> list[Problem]:
    problems = []
    if params.line_id not in {line.id for line in scenario.lines}:
        problems.append(Problem("<params>", "line_id", params.line_id,
                                f"no such line in scenario '{scenario.name}'"))
    if params.technology_id not in {t.id for t in scenario.technologies}:
        problems.append(Problem("<params>", "technology_id", params.technology_id,
                                "no such technology; choose one of "
                                + ", ".join(t.id for t in scenario.technologies)))
    problems += unknown_intervention_problems(scenario, params.intervention_ids)
    return problems


def run_stored_line(scenario: Scenario, params: LineSimulateParams, store: Store, run_id: str,
                    progress: ProgressCallback, *, compute: ComputeSetting = SERIAL) -> None:
    """Run (or resume) the stored run's missing chunks where ``compute`` says
    (:func:`resume_line_run`)."""
    resume_line_run(store, run_id, backend=compute.backend, workers=compute.workers,
                    scheduler_address=compute.scheduler_address, progress=progress)


def line_figures(store: Store, run_id: str, scenario: Scenario,
                  params: LineSimulateParams) -> dict[str, go.Figure]:
    from rxtwin.report.figures import oee_waterfall_figure, technology_comparison_figure
    table = store.get_summary(run_id, LINE_TABLE)
    line = table[table["product"].isna()].set_index("statistic")
    shown = ["oee", "fill_rate", "utilisation", "cost_total_usd_per_unit"]
    frame = line.loc[shown, ["mean", "ci95_low", "ci95_high"]].reset_index()
    frame.insert(0, "technology", params.technology_id)
    return {
        "technology_comparison": technology_comparison_figure(frame),
        "oee_waterfall": oee_waterfall_figure(float(line.loc["availability", "mean"]),
                                              float(line.loc["performance", "mean"]),
                                              float(line.loc["quality", "mean"])),
    }
