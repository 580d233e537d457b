"""``rxtwin supply calibrate``: fit an outage mode's duration to the FDA shortage episodes.

Thin: run :func:`rxtwin.runs.supply_calibration.run_calibration` with a progress bar, print
the grid and the fit, and optionally write a defaults file with the fitted duration (the
bundled defaults plus a ``calibrated_outage_durations`` section) for
``rxtwin supply simulate --defaults``.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table

from rxtwin.cli.common import console, progress_bar, user_errors
from rxtwin.errors import UserInputError
from rxtwin.runs.supply_calibration import (
    DEFAULT_CV_GRID,
    DEFAULT_MEAN_GRID_DAYS,
    calibration_target,
    defaults_document,
    run_calibration,
)


def _floats(text: str, option: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise UserInputError(f"{option} = {text!r}: give numbers separated by commas") from None
    if not values:
        raise UserInputError(f"{option} = {text!r}: give at least one number")
    return values


def _days(value: float) -> str:
    return "-" if isinstance(value, float) and math.isnan(value) else f"{value:,.0f}"


@user_errors
def calibrate(
    targets: list[str] = typer.Argument(..., help="Scenarios to fit on, each as "
                                        "SCENARIO:CLASS (class oral_solid, "
                                        "sterile_injectable or other; default: the class of "
                                        "most of its products); distances add.",
                                        show_default=False),
    category: str = typer.Option("regulatory_action", "--category", help="Failure "
                                 "category whose duration is fitted."),
    means: str = typer.Option(",".join(f"{m:g}" for m in DEFAULT_MEAN_GRID_DAYS), "--means",
                              help="Grid of mean durations [d], comma-separated."),
    cvs: str = typer.Option(",".join(f"{c:g}" for c in DEFAULT_CV_GRID), "--cvs",
                            help="Grid of coefficients of variation, comma-separated."),
    years: int = typer.Option(1000, "--years", min=10, max=10_000_000,
                              help="Scenario-years per grid point and target."),
    seed: int = typer.Option(1, "--seed", min=0, help="Entropy shared by every grid point "
                             "(common random numbers)."),
    workers: int = typer.Option(None, "--workers", min=1, help="Local worker threads."),
    out: Path = typer.Option(None, "--out", help="Write the defaults with the fitted "
                             "duration to this YAML file (for `supply simulate --defaults`)."),
) -> None:
    """Fit the duration of one outage category to the FDA shortage-episode durations.

    Example: rxtwin supply calibrate generic_oral_solid:oral_solid
    sterile_injectable:sterile_injectable --years 1000 --workers 2 --out calibrated.yaml
    """
    mean_grid = _floats(means, "--means")
    cv_grid = _floats(cvs, "--cvs")
    for spec in targets:  # bad targets fail before a progress bar is drawn
        calibration_target(spec)
    with progress_bar(12) as bar:
        task = bar.add_task("grid points", total=len(mean_grid) * len(cv_grid))
        calibration = run_calibration(
            targets, category=category, mean_grid_days=mean_grid, cv_grid=cv_grid,
            n_years=years, entropy=seed, workers=workers,
            on_point_done=lambda done, total: bar.update(task, completed=done))
    result = calibration.result
    grid = Table(title=f"Grid: {category} duration vs FDA episodes ({years} scenario-years "
                 f"per point and target, seed {seed})", title_justify="left")
    extra = [c for c in result.grid.columns if c not in ("mean_days", "cv", "distance")]
    for name in ("mean [d]", "cv", "distance", *extra):
        grid.add_column(name, justify="right")
    best = (result.best_mean_days, result.best_cv)
    for row in result.grid.to_dict("records"):
        mark = " *" if (row["mean_days"], row["cv"]) == best else ""
        grid.add_row(f"{row['mean_days']:,.0f}{mark}", f"{row['cv']:g}",
                     f"{row['distance']:.3f}",
                     *(f"{row[c]:.3f}" if c.startswith("distance_") else _days(row[c])
                       for c in extra))
    console.print(grid)
    for name, comparison in result.comparisons.items():
        fit = Table(title=f"{name}: fit at mean {result.best_mean_days:,.0f} d, cv "
                    f"{result.best_cv:g}", title_justify="left")
        for column in ("quantile", "simulated [d]", "FDA [d]", "ratio"):
            fit.add_column(column, justify="right")
        for row in comparison.itertuples(index=False):
            fit.add_row(f"{row.probability:g}", _days(row.simulated_days),
                        _days(row.fda_days),
                        "-" if math.isnan(row.ratio) else f"{row.ratio:.2f}")
        console.print(fit)
    if result.at_grid_edge:
        console.print("[yellow]note:[/] the best mean is on the edge of the grid: widen "
                      "--means, or the model cannot reach the FDA durations.")
    if out is not None:
        command = (f"rxtwin supply calibrate {' '.join(targets)} --category {category} "
                   f"--years {years} --seed {seed}")
        out.write_text(defaults_document(result, command, calibration.n_fda_episodes),
                       encoding="utf-8")
        console.print(f"wrote {out}")
