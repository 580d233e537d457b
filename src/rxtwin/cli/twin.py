"""``rxtwin twin``: the process digital twin of a continuous direct-compression line.

Thin commands: parse, call the twin library, print with rich, draw with
:mod:`rxtwin.report.twin_figures` to the HTML file given by ``--out``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from rxtwin.cli.common import console, fail, user_errors
from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.data.twin_io import read_replay_csv, read_tracer_csv
from rxtwin.errors import UserInputError
from rxtwin.report import twin_figures
from rxtwin.twin.diversion import mask_windows, out_of_spec_mask, pad_mask
from rxtwin.twin.estimation import compare_diversion, replay_readings
from rxtwin.twin.feeders import FeedDisturbance
from rxtwin.twin.flowsheet import Flowsheet, summarize
from rxtwin.twin.handoff import continuous_loss_parameters
from rxtwin.twin.parameters import DisturbanceParameters, DiversionParameters, TwinParameters
from rxtwin.twin.rtd_fit import RTD_FAMILIES, select_rtd_model

MAX_SIMULATED_H = 168.0  # a compute limit, not a model parameter: 604,800 1-s steps

app = typer.Typer(
    help="Process twin of a continuous direct-compression line: simulate, fit RTDs, replay "
    "NIR data with a Kalman filter, expected losses.",
    no_args_is_help=True,
)

_OUT_HELP = "Write an interactive Plotly figure to this HTML file."


def _with_limits(params: TwinParameters, lower: float | None, upper: float | None,
                 pad_s: float | None) -> TwinParameters:
    d = params.diversion
    limits = _validated(
        DiversionParameters,
        lower_pct=d.lower_pct if lower is None else lower,
        upper_pct=d.upper_pct if upper is None else upper,
        pad_s=d.pad_s if pad_s is None else pad_s,
    )
    return params.model_copy(update={"diversion": limits})


def _validated(model, **values):
    """Build a parameter object; a validation error becomes one line and exit 2."""
    try:
        return model(**values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        got = f" (got {first['input']!r})" if where else ""
        raise fail(escape(f"{where + ': ' if where else ''}{message}{got}")) from None


def _parse_upset(text: str, api_name: str) -> FeedDisturbance:
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise UserInputError(f"--upset '{text}': expected START_S:DURATION_S:MAGNITUDE[:FEEDER]")
    try:
        start, duration, magnitude = (float(p) for p in parts[:3])
    except ValueError:
        raise UserInputError(f"--upset '{text}': START_S, DURATION_S and MAGNITUDE must be "
                             "numbers") from None
    feeder = parts[3] if len(parts) == 4 else api_name
    return FeedDisturbance(feeder, start, duration, magnitude)


def _write(fig, out: Path | None) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.write_html(str(out), include_plotlyjs=True, full_html=True)
        console.print(f"figure written to {out}")


def _table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(escape(name), escape(value))
    return table


@app.command("simulate")
@user_errors
def simulate_command(
    hours: float = typer.Option(8.0, "--hours", help="Simulated time [h] (> 0, at most a "
                                "week)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the feeder noise."),
    upset: list[str] = typer.Option(
        [], "--upset", help="Feeder upset START_S:DURATION_S:MAGNITUDE[:FEEDER] (API feeder "
        "by default); repeat for several, e.g. --upset 3600:120:-0.3"),
    start_empty: bool = typer.Option(False, "--start-empty",
                                     help="Start with an empty blender and ramping feeders."),
    lower: float | None = typer.Option(None, "--lower", help="Lower potency limit [% LC]."),
    upper: float | None = typer.Option(None, "--upper", help="Upper potency limit [% LC]."),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Simulate the line (feeders -> blender -> press) on the default 1 s grid."""
    if not 0 < hours <= MAX_SIMULATED_H:
        raise fail(f"--hours={hours}: must be > 0 and <= {MAX_SIMULATED_H:g} (one week at "
                   "1-s steps; split longer studies)")
    params = _with_limits(load_twin_defaults(), lower, upper, None)
    upsets = [_parse_upset(u, params.api_feeder.name) for u in upset]
    flowsheet = Flowsheet.from_parameters(params)
    result = flowsheet.simulate(hours * 3600.0, np.random.default_rng(seed), upsets,
                                start_empty=start_empty)
    s = summarize(result, params.diversion)
    lim = params.diversion
    bad = pad_mask(out_of_spec_mask(result.potency_pct, lim.lower_pct, lim.upper_pct),
                   int(np.ceil(lim.pad_s / result.step_s)))
    windows = mask_windows(result.time_s, bad, result.step_s)
    console.print(_table("Line simulation", [
        ("simulated time [h]", f"{s.duration_h:.2f}"),
        ("blend to press [kg]", f"{s.blend_made_kg:.2f}"),
        ("tablets made", f"{s.tablets_made:,.0f}"),
        ("potency mean / min / max [% LC]",
         f"{s.mean_potency_pct:.2f} / {s.min_potency_pct:.2f} / {s.max_potency_pct:.2f}"),
        (f"time outside {lim.lower_pct:g}-{lim.upper_pct:g} % [%]",
         f"{100 * s.out_of_spec_time_fraction:.2f}"),
        ("expected out-of-spec tablets", f"{s.expected_out_of_spec_tablets:,.0f}"),
        ("diversion windows (true potency, padded)", str(len(windows))),
        ("mass balance relative error", f"{s.mass_balance_relative_error:.1e}"),
    ]))
    _write(twin_figures.simulation_figure(result, lim.lower_pct, lim.upper_pct, windows), out)


@app.command("fit-rtd")
@user_errors
def fit_rtd_command(
    data: Path = typer.Argument(..., help="CSV with columns time_s, signal."),
    kind: str = typer.Option("pulse", "--kind", help="Tracer experiment: pulse or step."),
    model: str = typer.Option("auto", "--model",
                              help="auto (select by AICc), tanks_in_series or axial_dispersion."),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Fit RTD models to tracer data, with 95 % intervals and model selection."""
    if kind not in ("pulse", "step"):
        raise fail(f"--kind={kind!r}: must be 'pulse' or 'step'")
    if model != "auto" and model not in RTD_FAMILIES:
        raise fail(f"--model={model!r}: must be auto or one of {', '.join(RTD_FAMILIES)}")
    time_s, signal = read_tracer_csv(data)
    candidates = tuple(RTD_FAMILIES) if model == "auto" else (model,)
    selection = select_rtd_model(time_s, signal, kind, candidates)  # type: ignore[arg-type]
    table = Table(title=f"RTD fit of {data.name} ({kind}); selected: {selection.best.model_name}")
    for col in ("model", "parameter", "estimate", "95 % interval", "R²", "RMSE", "AICc",
                "Akaike weight"):
        table.add_column(col)
    for fit, weight in zip(selection.fits, selection.akaike_weights, strict=True):
        for i, name in enumerate(fit.parameter_names):
            first = i == 0
            table.add_row(
                fit.model_name if first else "", name, f"{fit.estimates[i]:.4g}",
                f"[{fit.ci95_low[i]:.4g}, {fit.ci95_high[i]:.4g}]",
                f"{fit.r_squared:.4f}" if first else "", f"{fit.rmse:.3g}" if first else "",
                f"{fit.aicc:.1f}" if first else "", f"{weight:.3f}" if first else "")
    console.print(table)
    _write(twin_figures.rtd_fit_figure(selection), out)


@app.command("replay")
@user_errors
def replay_command(
    data: Path = typer.Argument(..., help="CSV with time_s, nir_potency_pct "
                                "[, true_potency_pct]."),
    lower: float | None = typer.Option(None, "--lower", help="Lower potency limit [% LC]."),
    upper: float | None = typer.Option(None, "--upper", help="Upper potency limit [% LC]."),
    pad_s: float | None = typer.Option(None, "--pad-s", help="Margin around windows [s]."),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Replay an NIR log through the Kalman filter and flag diversion windows."""
    params = _with_limits(load_twin_defaults(), lower, upper, pad_s)
    log = read_replay_csv(data)
    replay = replay_readings(log.time_s, log.nir_potency_pct, params.pat, params.estimator,
                             params.diversion, params.throughput_kg_per_h)
    table = Table(title=escape(f"Diversion windows of {data.name} (material time [s])"))
    for col in ("rule", "windows", "diverted [kg]"):
        table.add_column(escape(col))
    for rule, windows, kg in (
        ("Kalman estimate", replay.estimator_windows, replay.estimator_diverted_kg),
        ("raw threshold", replay.raw_windows, replay.raw_diverted_kg),
    ):
        shown = ", ".join(f"{a:.0f}-{b:.0f}" for a, b in windows[:8])
        more = f" (+{len(windows) - 8} more)" if len(windows) > 8 else ""
        table.add_row(rule, (shown + more) or "none", f"{kg:.2f}")
    console.print(table)
    if log.has_truth:
        c = compare_diversion(replay, log.true_potency_pct)
        console.print(_table("Against the true potency in the file", [
            ("RMSE raw / estimate [% LC]", f"{c.raw_rmse_pct:.2f} / {c.estimator_rmse_pct:.2f}"),
            ("out-of-spec material [kg]", f"{c.estimator.bad_kg:.2f}"),
            ("caught: raw / estimator [%]", f"{100 * c.raw.bad_caught_fraction:.1f} / "
             f"{100 * c.estimator.bad_caught_fraction:.1f}"),
            ("good material diverted: raw / estimator [kg]",
             f"{c.raw.good_diverted_kg:.2f} / {c.estimator.good_diverted_kg:.2f}"),
        ]))
    _write(twin_figures.replay_figure(replay, log.true_potency_pct), out)


@app.command("losses")
@user_errors
def losses_command(
    rate_per_h: float | None = typer.Option(None, "--rate-per-h",
                                            help="API-feeder upsets per operating hour."),
    magnitude: float | None = typer.Option(None, "--magnitude",
                                           help="Relative API flow change of an upset."),
    duration_s: float | None = typer.Option(None, "--duration-s", help="Upset duration [s]."),
    campaign_h: float = typer.Option(72.0, "--campaign-h", help="Campaign length [h]."),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Expected diverted fraction and start-up / shut-down losses per campaign."""
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
        raise fail(f"--campaign-h={campaign_h}: must be > 0")
    losses = continuous_loss_parameters(params, upset.rate_per_h, campaign_h)
    console.print(_table(f"Continuous line losses ({campaign_h:g} h campaign)", [
        ("upsets per hour", f"{losses.disturbance_rate_per_h:g}"),
        ("diverted time per upset [s]", f"{losses.diverted_time_per_upset_s:.0f}"),
        ("expected diverted fraction [%]", f"{100 * losses.diverted_fraction:.3f}"),
        ("start-up loss [kg / campaign]", f"{losses.startup_loss_kg:.3f}"),
        ("shut-down loss [kg / campaign]", f"{losses.shutdown_loss_kg:.3f}"),
        ("start-up + shut-down share of campaign [%]",
         f"{100 * losses.campaign_loss_fraction:.4f}"),
    ]))
    _write(twin_figures.losses_figure(losses, campaign_h), out)
