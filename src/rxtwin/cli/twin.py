"""``rxtwin twin``: the process digital twin of a continuous direct-compression line.

Thin commands: parse, call :mod:`rxtwin.runs.twin`, print with rich, draw with
:mod:`rxtwin.report.twin_figures` to the HTML file given by ``--out``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from rxtwin.cli.common import console, user_errors
from rxtwin.report import twin_figures
from rxtwin.runs import twin as twin_runs

app = typer.Typer(
    help="Process twin of a continuous direct-compression line: simulate, fit RTDs, replay "
    "NIR data with a Kalman filter, expected losses.",
    no_args_is_help=True,
)

_OUT_HELP = "Write an interactive Plotly figure to this HTML file."


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
    params = twin_runs.twin_parameters(lower_pct=lower, upper_pct=upper)
    upsets = [twin_runs.parse_upset(u, params.api_feeder.name) for u in upset]
    simulation = twin_runs.simulate_twin(params, hours, seed, upsets, start_empty=start_empty)
    result, s, lim, windows = (simulation.result, simulation.summary, simulation.limits,
                               simulation.windows)
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
    selection = twin_runs.fit_rtd(data, kind, model)
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
    replayed = twin_runs.replay_nir(
        data, twin_runs.twin_parameters(lower_pct=lower, upper_pct=upper, pad_s=pad_s))
    log, replay = replayed.log, replayed.replay
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
    if replayed.comparison is not None:
        c = replayed.comparison
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
    losses = twin_runs.twin_losses(campaign_h=campaign_h, rate_per_h=rate_per_h,
                                   magnitude=magnitude, duration_s=duration_s)
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
