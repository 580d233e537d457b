"""Plotly figures of the process twin: typed twin results in, ``plotly.graph_objects.Figure`` out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from plotly.subplots import make_subplots

from rxtwin.twin.estimation import ReplayResult
from rxtwin.twin.flowsheet import FlowsheetResult
from rxtwin.twin.handoff import ContinuousLossParameters
from rxtwin.twin.rtd_fit import RtdModelSelection

_DIVERT_ESTIMATOR = "rgba(214, 39, 40, 0.18)"
_DIVERT_RAW = "rgba(255, 127, 14, 0.25)"


def _limit_lines(fig: go.Figure, lower: float, upper: float, row: int, col: int = 1) -> None:
    for y, name in ((lower, "lower limit"), (upper, "upper limit")):
        fig.add_hline(y=y, line_dash="dash", line_color="grey", row=row, col=col,
                      annotation_text=f"{name} {y:g} %", annotation_position="top left")


def _windows(fig: go.Figure, windows: Sequence[tuple[float, float]], color: str, row: int,
             scale: float = 1.0) -> None:
    for start, end in windows:
        fig.add_vrect(x0=start / scale, x1=end / scale, fillcolor=color, line_width=0,
                      row=row, col=1)


def simulation_figure(
    result: FlowsheetResult, lower_pct: float, upper_pct: float,
    divert_windows_s: Sequence[tuple[float, float]] = (),
) -> go.Figure:
    """Potency at the press, blender flows and hold-up over time.

    Parameters
    ----------
    result : FlowsheetResult
        Flowsheet simulation.
    lower_pct, upper_pct : float
        Potency limits drawn as dashed lines [% LC].
    divert_windows_s : list of (float, float)
        Windows to shade as diverted [s].
    """
    t_min = result.time_s / 60.0
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=("Tablet potency at the press", "Mass flows",
                                        "Blender hold-up"))
    fig.add_trace(go.Scatter(x=t_min, y=result.potency_pct, name="potency [% LC]",
                             line={"color": "#1f77b4"}), row=1, col=1)
    _limit_lines(fig, lower_pct, upper_pct, row=1)
    _windows(fig, list(divert_windows_s), _DIVERT_ESTIMATOR, row=1, scale=60.0)
    for name, flow in result.feed_kg_per_h.items():
        fig.add_trace(go.Scatter(x=t_min, y=flow, name=f"feeder {name} [kg/h]",
                                 line={"width": 1}), row=2, col=1)
    fig.add_trace(go.Scatter(x=t_min, y=result.total_out_kg_per_h, name="blend to press [kg/h]",
                             line={"color": "black"}), row=2, col=1)
    fig.add_trace(go.Scatter(x=t_min, y=result.total_holdup_kg, name="hold-up [kg]",
                             line={"color": "#2ca02c"}), row=3, col=1)
    fig.update_yaxes(title_text="% label claim", row=1, col=1)
    fig.update_yaxes(title_text="kg/h", row=2, col=1)
    fig.update_yaxes(title_text="kg", row=3, col=1)
    fig.update_xaxes(title_text="time [min]", row=3, col=1)
    fig.update_layout(title="Continuous DC line: simulation", height=850)
    return fig


def rtd_fit_figure(selection: RtdModelSelection) -> go.Figure:
    """Tracer data with each candidate model's fitted curve and the residuals."""
    best = selection.best
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3],
                        vertical_spacing=0.06, subplot_titles=(
                            f"RTD fit ({best.kind} tracer); best: {best.model_name}",
                            "Residuals"))
    fig.add_trace(go.Scatter(x=best.time_s, y=best.signal, mode="markers", name="data",
                             marker={"size": 5, "color": "black"}), row=1, col=1)
    for fit, weight in zip(selection.fits, selection.akaike_weights, strict=True):
        label = (f"{fit.model_name}: mean {fit.estimates[0]:.1f} s, "
                 f"{fit.parameter_names[1]} {fit.estimates[1]:.2f} (Akaike w {weight:.2f})")
        fig.add_trace(go.Scatter(x=fit.time_s, y=fit.fitted, name=label), row=1, col=1)
        fig.add_trace(go.Scatter(x=fit.time_s, y=fit.signal - fit.fitted, mode="markers",
                                 name=f"residual {fit.model_name}", marker={"size": 4}),
                      row=2, col=1)
    fig.update_xaxes(title_text="time [s]", row=2, col=1)
    fig.update_yaxes(title_text="signal", row=1, col=1)
    fig.update_layout(height=700)
    return fig


def replay_figure(replay: ReplayResult, true_potency_pct: ArrayLike = ()) -> go.Figure:
    """NIR readings, Kalman estimate (+/- 2 SD) and the diversion windows of both rules.

    Parameters
    ----------
    replay : ReplayResult
        Output of :func:`rxtwin.twin.estimation.replay_readings`.
    true_potency_pct : array_like
        True potency per reading, drawn when given (synthetic data) [% LC].
    """
    t_min = replay.material_time_s / 60.0
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25],
                        vertical_spacing=0.06, subplot_titles=(
                            "Blend potency: NIR readings and Kalman estimate",
                            "Diversion windows (red: estimator rule, orange: raw rule)"))
    fig.add_trace(go.Scatter(x=t_min, y=replay.reading_pct, mode="markers", name="NIR reading",
                             marker={"size": 3, "color": "#7f7f7f"}), row=1, col=1)
    upper = replay.estimate_pct + 2 * replay.estimate_sd_pct
    lower = replay.estimate_pct - 2 * replay.estimate_sd_pct
    fig.add_trace(go.Scatter(x=np.concatenate((t_min, t_min[::-1])),
                             y=np.concatenate((upper, lower[::-1])), fill="toself",
                             fillcolor="rgba(31,119,180,0.2)", line={"width": 0},
                             name="estimate +/- 2 SD", hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(x=t_min, y=replay.estimate_pct, name="Kalman estimate",
                             line={"color": "#1f77b4"}), row=1, col=1)
    truth = np.asarray(true_potency_pct, dtype=float)
    if truth.size == t_min.size and truth.size:
        fig.add_trace(go.Scatter(x=t_min, y=truth, name="true potency",
                                 line={"color": "black", "dash": "dot"}), row=1, col=1)
    _limit_lines(fig, replay.lower_pct, replay.upper_pct, row=1)
    _windows(fig, replay.estimator_windows, _DIVERT_ESTIMATOR, row=1, scale=60.0)
    fig.add_trace(go.Scatter(x=t_min, y=replay.estimator_divert.astype(float) + 0.02,
                             name="diverted (estimator)", line={"color": "#d62728", "shape": "hv"}),
                  row=2, col=1)
    fig.add_trace(go.Scatter(x=t_min, y=replay.raw_divert.astype(float) - 0.02,
                             name="diverted (raw threshold)",
                             line={"color": "#ff7f0e", "shape": "hv"}), row=2, col=1)
    fig.update_yaxes(title_text="% label claim", row=1, col=1)
    fig.update_yaxes(title_text="diverted", tickvals=[0, 1], ticktext=["no", "yes"], row=2, col=1)
    fig.update_xaxes(title_text="material time [min]", row=2, col=1)
    fig.update_layout(
        title=(f"Replay: estimator diverts {replay.estimator_diverted_kg:.2f} kg, raw threshold "
               f"{replay.raw_diverted_kg:.2f} kg"),
        height=750,
    )
    return fig


def losses_figure(losses: ContinuousLossParameters, campaign_length_h: float) -> go.Figure:
    """Bar chart of one campaign's expected losses (start-up, shut-down, diversion) [kg]."""
    diverted_kg = losses.diverted_fraction * losses.throughput_kg_per_h * campaign_length_h
    names = ["start-up", "shut-down", "diverted (upsets)"]
    values = [losses.startup_loss_kg, losses.shutdown_loss_kg, diverted_kg]
    fig = go.Figure(go.Bar(x=names, y=values, text=[f"{v:.2f} kg" for v in values],
                           textposition="auto"))
    fig.update_layout(
        title=(f"Expected losses per {campaign_length_h:g} h campaign at "
               f"{losses.disturbance_rate_per_h:g} upsets/h"),
        yaxis_title="kg per campaign",
    )
    return fig
