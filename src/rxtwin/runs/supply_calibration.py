"""Calibration of an outage mode's duration against the FDA shortage episodes, as
``rxtwin supply calibrate`` runs it: targets built from scenarios, the bundled episodes, the
grid search of :func:`rxtwin.supply.calibration.calibrate_outage_duration` on the chosen
backend, and the defaults file with the fitted duration."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from rxtwin.compute.executors import backend_for, chunk_mapper
from rxtwin.data.disruption_defaults import bundled_defaults_path, load_disruption_defaults
from rxtwin.data.documents import parse_data_text, read_data_text
from rxtwin.data.public_tables import DOSAGE_FORM_CLASSES, shortage_episodes
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.supply.calibration import (
    DEFAULT_CV_GRID,
    DEFAULT_MEAN_GRID_DAYS,
    DEFAULT_QUANTILES,
    CalibrationTarget,
    DurationCalibration,
    calibrate_outage_duration,
)
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario

__all__ = [
    "DEFAULT_CV_GRID",
    "DEFAULT_MEAN_GRID_DAYS",
    "CalibrationRun",
    "calibration_target",
    "defaults_document",
    "run_calibration",
]


def calibration_target(spec: str) -> CalibrationTarget:
    """``SCENARIO:CLASS`` (or ``SCENARIO``: the class most of its products have)."""
    name, _, dosage_form_class = spec.partition(":")
    scenario = load_scenario(name)
    if not dosage_form_class:
        classes = [p.dosage_form.value for p in scenario.products]
        dosage_form_class = max(sorted(set(classes)), key=classes.count)
    if dosage_form_class not in DOSAGE_FORM_CLASSES:
        raise UserInputError(f"target {spec!r}: class {dosage_form_class!r} must be one of "
                             f"{list(DOSAGE_FORM_CLASSES)}")
    return CalibrationTarget(spec, lambda d: supply_inputs_from_scenario(scenario, defaults=d),
                             dosage_form_class)


@dataclass(frozen=True)
class CalibrationRun:
    """A finished calibration: the fit, its targets and how many FDA episodes of the
    targets' classes it was scored against."""

    result: DurationCalibration
    targets: tuple[CalibrationTarget, ...]
    n_fda_episodes: int


def run_calibration(target_specs: Sequence[str], *, category: str,
                    mean_grid_days: Sequence[float], cv_grid: Sequence[float], n_years: int,
                    entropy: int, workers: int | None = None,
                    on_point_done: Callable[[int, int], None] | None = None) -> CalibrationRun:
    """Fit ``category``'s log-normal duration on the targets ``SCENARIO[:CLASS]`` against the
    bundled FDA shortage episodes (grid search, common random numbers; chunks on threads when
    ``workers`` > 1)."""
    chosen = tuple(calibration_target(spec) for spec in target_specs)
    episodes: pd.DataFrame = shortage_episodes()
    result = calibrate_outage_duration(
        chosen, load_disruption_defaults(), episodes, category=category,
        mean_grid_days=mean_grid_days, cv_grid=cv_grid, n_years=n_years, entropy=entropy,
        map_chunks=chunk_mapper(backend_for(workers), workers), on_point_done=on_point_done)
    classes = {t.dosage_form_class for t in chosen}
    n_fda = int(episodes["dosage_form_class"].astype(str).isin(classes).sum())
    return CalibrationRun(result, chosen, n_fda)


def defaults_document(result: DurationCalibration, command: str, n_fda_episodes: int,
                      defaults_path: Path | None = None) -> str:
    """The defaults file text with the fitted duration added (YAML)."""
    if defaults_path is None:
        defaults_path = bundled_defaults_path()
    document = parse_data_text(read_data_text(defaults_path), str(defaults_path))
    levels = ", ".join(f"{q:g}" for q in DEFAULT_QUANTILES)
    section = document.setdefault("calibrated_outage_durations", {}) or {}
    section[result.category] = {
        "duration_days": {"dist": "lognormal", "mean": result.best_mean_days,
                          "cv": result.best_cv},
        "source": (f"calibrated with `{command}` against {n_fda_episodes} FDA "
                   f"shortage episodes of the targets' classes (bundled snapshots "
                   f"2019-2025; Kaplan-Meier quantiles at {levels}, length-biased as "
                   f"yearly snapshots see them); distance {result.best_distance:.3f}"
                   + ("; best point on the grid edge" if result.at_grid_edge else "")),
    }
    document["calibrated_outage_durations"] = section
    header = ("# Disruption-simulator defaults with a calibrated outage duration, written by "
              "`rxtwin supply calibrate`.\n")
    return header + yaml.safe_dump(document, sort_keys=False, width=92)
