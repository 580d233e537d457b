"""The ``twin.simulate`` run kind: a flowsheet simulation of the continuous line's digital
twin with its bundled defaults, stored with its trace and figures. Registered in
:mod:`rxtwin.runs.kinds`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field

from rxtwin.model.scenario import Scenario
from rxtwin.runs.params import ProgressCallback, RunParams
from rxtwin.store import Store

__all__ = ["TWIN_RUN_KIND", "TwinSimulateParams", "run_twin_simulation", "twin_figures"]

TWIN_RUN_KIND = "twin.simulate"

class TwinSimulateParams(RunParams):
    """A flowsheet simulation of the twin with its bundled default parameters."""

    hours: float = Field(1.0, gt=0, le=8, description="simulated time [h]")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the feeder noise")
    upset: bool = Field(True, description="add the default API-feeder upset at mid-run")


def run_twin_simulation(scenario: Scenario, params: TwinSimulateParams, store: Store, run_id: str,
              progress: ProgressCallback) -> None:
    from rxtwin.data.twin_defaults import load_twin_defaults
    from rxtwin.twin.feeders import FeedDisturbance
    from rxtwin.twin.flowsheet import Flowsheet, summarize

    twin = load_twin_defaults()
    duration_s = params.hours * 3600.0
    upsets = ([FeedDisturbance(twin.api_feeder.name, duration_s / 2.0,
                               twin.disturbance.duration_s, twin.disturbance.magnitude_fraction)]
              if params.upset else [])
    result = Flowsheet.from_parameters(twin).simulate(
        duration_s, np.random.default_rng(params.seed), upsets)
    summary = summarize(result, twin.diversion)
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
    from rxtwin.report.twin_figures import simulation_figure
    from rxtwin.twin.diversion import mask_windows, out_of_spec_mask, pad_mask
    from rxtwin.twin.flowsheet import FlowsheetResult

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
    bad = pad_mask(out_of_spec_mask(result.potency_pct, state["lower_pct"], state["upper_pct"]),
                   int(np.ceil(state["pad_s"] / result.step_s)))
    windows = mask_windows(result.time_s, bad, result.step_s)
    return {"twin_traces": simulation_figure(result, float(state["lower_pct"]),
                                             float(state["upper_pct"]), windows)}
