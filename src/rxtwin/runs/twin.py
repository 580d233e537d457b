"""Digital-twin runs: the CLI's ``rxtwin twin`` commands and the ``twin.simulate`` run kind.

Each function loads the bundled twin defaults (with the user's overrides, validated), calls
the twin engines and returns typed results for the CLI or the web app to present:
:func:`simulate_twin` (feeders -> blender -> press, with the diversion windows),
:func:`fit_rtd` (RTD models fitted to tracer data), :func:`replay_nir` (an NIR log through
the Kalman filter) and :func:`twin_losses` (expected diversion and start-up / shut-down losses
per campaign). The ``twin.simulate`` kind (registered in :mod:`rxtwin.runs.kinds`) stores a
simulation and draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import BaseModel, Field, ValidationError

from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.data.twin_io import ReplayData, read_replay_csv, read_tracer_csv
from rxtwin.errors import UserInputError
from rxtwin.model.base import Real, WholeNumber
from rxtwin.model.scenario import Scenario
from rxtwin.model.twin import DisturbanceParameters, DiversionParameters, TwinParameters
from rxtwin.report.twin_figures import simulation_figure
from rxtwin.runs.params import ProgressCallback, RunParams
from rxtwin.store import Store
from rxtwin.twin.diversion import mask_windows, out_of_spec_mask, pad_mask
from rxtwin.twin.estimation import (
    DiversionComparison,
    ReplayResult,
    compare_diversion,
    replay_readings,
)
from rxtwin.twin.feeders import FeedDisturbance
from rxtwin.twin.flowsheet import Flowsheet, FlowsheetResult, SimulationSummary, summarize
from rxtwin.twin.handoff import ContinuousLossParameters, continuous_loss_parameters
from rxtwin.twin.rtd_fit import RTD_FAMILIES, RtdModelSelection, select_rtd_model

__all__ = [
    "MAX_SIMULATED_H",
    "TWIN_RUN_KIND",
    "NirReplay",
    "TwinSimulateParams",
    "TwinSimulation",
    "diversion_windows",
    "fit_rtd",
    "parse_upset",
    "replay_nir",
    "run_twin_simulation",
    "simulate_twin",
    "twin_figures",
    "twin_losses",
    "twin_parameters",
]

TWIN_RUN_KIND = "twin.simulate"
MAX_SIMULATED_H = 168.0  # a compute limit, not a model parameter: 604,800 1-s steps


def _validated(model: type[BaseModel], **values) -> BaseModel:
    """Build a parameter object; the first validation error becomes a UserInputError."""
    try:
        return model(**values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        got = f" (got {first['input']!r})" if where else ""
        raise UserInputError(f"{where + ': ' if where else ''}{message}{got}") from None


def twin_parameters(*, lower_pct: float | None = None, upper_pct: float | None = None,
                    pad_s: float | None = None) -> TwinParameters:
    """The bundled twin defaults with the diversion limits overridden where given
    (potency limits [% LC], margin around windows [s]), validated."""
    params = load_twin_defaults()
    d = params.diversion
    limits = _validated(
        DiversionParameters,
        lower_pct=d.lower_pct if lower_pct is None else lower_pct,
        upper_pct=d.upper_pct if upper_pct is None else upper_pct,
        pad_s=d.pad_s if pad_s is None else pad_s,
    )
    return params.model_copy(update={"diversion": limits})


def parse_upset(text: str, api_feeder: str) -> FeedDisturbance:
    """``START_S:DURATION_S:MAGNITUDE[:FEEDER]`` as a feeder upset (the API feeder unless
    named)."""
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise UserInputError(f"--upset '{text}': expected START_S:DURATION_S:MAGNITUDE[:FEEDER]")
    try:
        start, duration, magnitude = (float(p) for p in parts[:3])
    except ValueError:
        raise UserInputError(f"--upset '{text}': START_S, DURATION_S and MAGNITUDE must be "
                             "numbers") from None
    feeder = parts[3] if len(parts) == 4 else api_feeder
    return FeedDisturbance(feeder, start, duration, magnitude)


def diversion_windows(result: FlowsheetResult,
                      limits: DiversionParameters) -> list[tuple[float, float]]:
    """Windows [s] where the true potency is outside the limits, padded by ``pad_s``."""
    bad = pad_mask(out_of_spec_mask(result.potency_pct, limits.lower_pct, limits.upper_pct),
                   int(np.ceil(limits.pad_s / result.step_s)))
    return mask_windows(result.time_s, bad, result.step_s)


@dataclass(frozen=True)
class TwinSimulation:
    """A flowsheet simulation: its traces, summary, diversion limits and windows [s]."""

    result: FlowsheetResult
    summary: SimulationSummary
    limits: DiversionParameters
    windows: list[tuple[float, float]]


def simulate_twin(params: TwinParameters, hours: float, seed: int,
                  upsets: Sequence[FeedDisturbance] = (), *,
                  start_empty: bool = False) -> TwinSimulation:
    """Simulate the line (feeders -> blender -> press) for ``hours`` [h] on its 1-s grid.

    Raises
    ------
    rxtwin.errors.UserInputError
        ``hours`` not in (0, :data:`MAX_SIMULATED_H`].
    """
    if not 0 < hours <= MAX_SIMULATED_H:
        raise UserInputError(f"--hours={hours}: must be > 0 and <= {MAX_SIMULATED_H:g} (one "
                             "week at 1-s steps; split longer studies)")
    result = Flowsheet.from_parameters(params).simulate(
        hours * 3600.0, np.random.default_rng(seed), list(upsets), start_empty=start_empty)
    return TwinSimulation(result, summarize(result, params.diversion), params.diversion,
                          diversion_windows(result, params.diversion))


def fit_rtd(path: Path, kind: str, model: str = "auto") -> RtdModelSelection:
    """Fit RTD models to the tracer CSV at ``path`` (``pulse`` or ``step``); ``model`` is
    ``auto`` (every family, selected by AICc) or one family."""
    if kind not in ("pulse", "step"):
        raise UserInputError(f"--kind={kind!r}: must be 'pulse' or 'step'")
    if model != "auto" and model not in RTD_FAMILIES:
        raise UserInputError(f"--model={model!r}: must be auto or one of "
                             f"{', '.join(RTD_FAMILIES)}")
    time_s, signal = read_tracer_csv(path)
    candidates = tuple(RTD_FAMILIES) if model == "auto" else (model,)
    return select_rtd_model(time_s, signal, kind, candidates)  # type: ignore[arg-type]


@dataclass(frozen=True)
class NirReplay:
    """An NIR log replayed: the log, the replay and, when the log has the true potency, how
    the two diversion rules compare with it."""

    log: ReplayData
    replay: ReplayResult
    comparison: DiversionComparison | None


def replay_nir(path: Path, params: TwinParameters) -> NirReplay:
    """Replay the NIR log at ``path`` through the Kalman filter with ``params``."""
    log = read_replay_csv(path)
    replay = replay_readings(log.time_s, log.nir_potency_pct, params.pat, params.estimator,
                             params.diversion, params.throughput_kg_per_h)
    comparison = compare_diversion(replay, log.true_potency_pct) if log.has_truth else None
    return NirReplay(log, replay, comparison)


def twin_losses(*, campaign_h: float, rate_per_h: float | None = None,
                magnitude: float | None = None,
                duration_s: float | None = None) -> ContinuousLossParameters:
    """Expected diverted fraction and start-up / shut-down losses of a ``campaign_h`` [h]
    campaign, with the bundled upset overridden where given (rate [1/h], magnitude [-],
    duration [s])."""
    params = load_twin_defaults()
    d = params.disturbance
    upset = _validated(
        DisturbanceParameters,
        magnitude_fraction=d.magnitude_fraction if magnitude is None else magnitude,
        duration_s=d.duration_s if duration_s is None else duration_s,
        rate_per_h=d.rate_per_h if rate_per_h is None else rate_per_h,
    )
    params = params.model_copy(update={"disturbance": upset})
    if not campaign_h > 0:
        raise UserInputError(f"--campaign-h={campaign_h}: must be > 0")
    return continuous_loss_parameters(params, upset.rate_per_h, campaign_h)


# ------------------------------------------------------------ the twin.simulate run kind
class TwinSimulateParams(RunParams):
    """A flowsheet simulation of the twin with its bundled default parameters."""

    hours: Real = Field(1.0, gt=0, le=8, description="simulated time [h]")
    seed: WholeNumber = Field(0, ge=0, le=2**63 - 1, description="seed of the feeder noise")
    upset: bool = Field(True, description="add the default API-feeder upset at mid-run")


def run_twin_simulation(scenario: Scenario, params: TwinSimulateParams, store: Store,
                        run_id: str, progress: ProgressCallback) -> None:
    """The ``twin.simulate`` kind's work: simulate with the bundled defaults (and the default
    API-feeder upset at mid-run when ``params.upset``), store the trace and summary."""
    twin = load_twin_defaults()
    duration_s = params.hours * 3600.0
    upsets = ([FeedDisturbance(twin.api_feeder.name, duration_s / 2.0,
                               twin.disturbance.duration_s, twin.disturbance.magnitude_fraction)]
              if params.upset else [])
    simulation = simulate_twin(twin, params.hours, params.seed, upsets)
    result, summary = simulation.result, simulation.summary
    store.put_array(run_id, "trace", result.to_frame())
    store.put_summary(run_id, "twin_summary", pd.DataFrame([vars(summary)]))
    store.put_summary(run_id, "twin_state", pd.DataFrame([{
        "step_s": result.step_s, "initial_api_holdup_kg": result.initial_api_holdup_kg,
        "initial_total_holdup_kg": result.initial_total_holdup_kg,
        "target_api_fraction": result.target_api_fraction,
        "lower_pct": twin.diversion.lower_pct, "upper_pct": twin.diversion.upper_pct,
        "pad_s": twin.diversion.pad_s,
    }]))
    store.record_chunk(run_id, 0, {"tablets_made": summary.tablets_made})
    progress(1, 1)


def twin_figures(store: Store, run_id: str, scenario: Scenario,
                 params: TwinSimulateParams) -> dict[str, go.Figure]:
    """The stored trace with its diversion windows (``twin_traces``)."""
    frame = store.get_array(run_id, "trace")
    state = store.get_summary(run_id, "twin_state").iloc[0]
    feeds = {c.removeprefix("feed_").removesuffix("_kg_per_h"): frame[c].to_numpy(float)
             for c in frame.columns if c.startswith("feed_")}
    arrays = {c: frame[c].to_numpy(float) for c in frame.columns if not c.startswith("feed_")}
    result = FlowsheetResult(
        feed_kg_per_h=feeds, step_s=float(state["step_s"]),
        initial_api_holdup_kg=float(state["initial_api_holdup_kg"]),
        initial_total_holdup_kg=float(state["initial_total_holdup_kg"]),
        target_api_fraction=float(state["target_api_fraction"]), **arrays)
    windows = diversion_windows(result, DiversionParameters(
        lower_pct=float(state["lower_pct"]), upper_pct=float(state["upper_pct"]),
        pad_s=float(state["pad_s"])))
    return {"twin_traces": simulation_figure(result, float(state["lower_pct"]),
                                             float(state["upper_pct"]), windows)}
