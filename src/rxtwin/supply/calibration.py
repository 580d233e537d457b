"""Fit an outage mode's duration distribution to the FDA shortage-episode durations.

The disruption simulator's shortage episodes (spells of short days, length-biased as yearly
FDA snapshots see them: :func:`rxtwin.supply.disruption.shortage_duration_comparison`) are
compared with the FDA episodes of a dosage-form class by Kaplan-Meier quantiles, for one or
several targets (a scenario and its class; distances add). This module searches a grid of log-normal durations (mean, coefficient of variation) for one
failure category (``regulatory_action`` by default: remediation after an OAI inspection,
whose length no bundled data gives) and returns the grid point whose simulated quantiles are
closest to the FDA ones:

.. math::  J(\\mu, c) = \\sum_{targets} \\sum_{q \\in Q} \\left(\\ln \\hat t^{sim}_q(\\mu, c)
           - \\ln \\hat t^{FDA}_q\\right)^2

over the quantile levels ``Q`` where both quantiles exist (a missing simulated quantile
costs ``MISSING_QUANTILE_PENALTY``). Every grid point is simulated on the same random
numbers (one entropy), so the comparison between grid points is not blurred by Monte
Carlo noise (common random numbers; Law 2015, Simulation Modeling and Analysis, 5th ed.,
sec. 11.2). The arrival rate of the mode is not fitted: it comes from the OAI base rate
(``data/disruption_defaults.yaml``).

Engines here are free of I/O; the CLI (``rxtwin supply calibrate``) prints and stores.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rxtwin.errors import UserInputError
from rxtwin.model.disruption import DisruptionDefaults
from rxtwin.model.distributions import LogNormal
from rxtwin.model.failure import FailureCategory
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.supply.disruption import shortage_duration_comparison, simulate_disruptions
from rxtwin.supply.disruption_inputs import SupplyEngineInputs

__all__ = [
    "DEFAULT_CV_GRID",
    "DEFAULT_MEAN_GRID_DAYS",
    "DEFAULT_QUANTILES",
    "MISSING_QUANTILE_PENALTY",
    "CalibrationTarget",
    "DurationCalibration",
    "calibrate_outage_duration",
    "quantile_distance",
]

# Grid: assumption, remediation from three months to twelve years, spread from narrow to wide.
DEFAULT_MEAN_GRID_DAYS = (90.0, 180.0, 365.0, 730.0, 1095.0, 1460.0, 2190.0, 2920.0, 4380.0)
DEFAULT_CV_GRID = (0.5, 1.0, 1.5)
# Median and upper quartile: the FDA 90th percentile is hidden by censoring, and the lower
# quantiles of yearly snapshots are thin (length-biased sampling).
DEFAULT_QUANTILES = (0.5, 0.75)
MISSING_QUANTILE_PENALTY = 4.0  # (ln 7.4)^2: as bad as a factor of e^2 on a quantile


def quantile_distance(simulated_days: Sequence[float], target_days: Sequence[float]) -> float:
    """Sum of squared log ratios of quantiles, :math:`\\sum_q (\\ln s_q - \\ln t_q)^2`.

    Parameters
    ----------
    simulated_days, target_days : sequence of float
        Quantiles at the same levels [d]; NaN where not reached.

    Returns
    -------
    float
        Levels whose target is NaN are skipped; a NaN or non-positive simulated quantile
        against a finite target costs :data:`MISSING_QUANTILE_PENALTY`.
    """
    total = 0.0
    for sim, target in zip(simulated_days, target_days, strict=True):
        if not np.isfinite(target) or target <= 0:
            continue
        if not np.isfinite(sim) or sim <= 0:
            total += MISSING_QUANTILE_PENALTY
            continue
        total += float(np.log(sim / target) ** 2)
    return total


@dataclass(frozen=True)
class CalibrationTarget:
    """One comparison the fit is scored on: a supply model and the FDA class it is held
    against.

    Attributes
    ----------
    name : str
        Label (e.g. the scenario name); unique among the targets.
    build_inputs : callable
        ``build_inputs(defaults) -> SupplyEngineInputs``, e.g.
        ``lambda d: supply_inputs_from_scenario(scenario, defaults=d)``.
    dosage_form_class : str
        Class compared: simulated products and FDA episodes of this class.
    """

    name: str
    build_inputs: Callable[[DisruptionDefaults], SupplyEngineInputs]
    dosage_form_class: str


@dataclass(frozen=True)
class DurationCalibration:
    """Result of :func:`calibrate_outage_duration`.

    Attributes
    ----------
    category : str
    targets : tuple of str
        Target names, in order.
    best_mean_days, best_cv : float
        Grid point with the smallest total distance.
    best_distance : float
        Sum over targets of :func:`quantile_distance` at the best point.
    grid : pandas.DataFrame
        One row per grid point: ``mean_days``, ``cv``, ``distance`` (total), and per
        target ``distance_<name>`` and its simulated quantiles ``<name>_q50``...
    comparisons : dict of str to pandas.DataFrame
        Per target, :func:`shortage_duration_comparison` at the best point (five levels).
    at_grid_edge : bool
        True when the best mean is the smallest or largest on the grid: the optimum may
        lie outside it, or the model cannot reach the target.
    n_years, entropy : int
        Scenario-years per grid point and target, and the entropy they all share.
    """

    category: str
    targets: tuple[str, ...]
    best_mean_days: float
    best_cv: float
    best_distance: float
    grid: pd.DataFrame
    comparisons: dict[str, pd.DataFrame]
    at_grid_edge: bool
    n_years: int
    entropy: int


def calibrate_outage_duration(
    targets: Sequence[CalibrationTarget],
    defaults: DisruptionDefaults,
    episodes: pd.DataFrame,
    *,
    category: str = "regulatory_action",
    mean_grid_days: Sequence[float] = DEFAULT_MEAN_GRID_DAYS,
    cv_grid: Sequence[float] = DEFAULT_CV_GRID,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    n_years: int = 1000,
    entropy: int = 1,
    chunk_size: int = 250,
    map_chunks: ChunkMapper = map_serial,
    on_point_done: Callable[[int, int], None] | None = None,
) -> DurationCalibration:
    """Grid search for the log-normal duration of one failure category (module docstring).

    Parameters
    ----------
    targets : sequence of CalibrationTarget
        Comparisons scored; their distances add (a joint fit over classes).
    defaults : DisruptionDefaults
        Each grid point sets ``defaults.calibrated_durations[category]``.
    episodes : pandas.DataFrame
        Target episodes (``dosage_form_class``, ``duration_days``, ``censored``), e.g.
        :func:`rxtwin.data.public_tables.shortage_episodes`.
    category : str
        Failure category whose duration is fitted.
    mean_grid_days, cv_grid : sequence of float
        Grid of means [d] (> 0) and coefficients of variation [-] (> 0).
    quantiles : sequence of float
        Levels in (0, 1) the distance is taken over.
    n_years, entropy, chunk_size, map_chunks
        Simulation of every grid point and target (as :func:`simulate_disruptions`; one
        entropy for all).
    on_point_done : callable, optional
        ``on_point_done(done, total)`` after each grid point (progress bars).

    Returns
    -------
    DurationCalibration

    Raises
    ------
    rxtwin.errors.UserInputError
        On an unknown category, an empty or non-positive grid, no or duplicate targets, a
        target without a site outage mode of the category or without a simulated product
        of its class.
    """
    means = [float(m) for m in mean_grid_days]
    cvs = [float(c) for c in cv_grid]
    if not means or not cvs or min(means) <= 0 or min(cvs) <= 0:
        raise UserInputError(f"mean_grid_days {means} and cv_grid {cvs} must be non-empty and "
                             "> 0")
    if category not in set(FailureCategory):
        raise UserInputError(f"category '{category}' is not a failure category; choose one of "
                             f"{', '.join(c.value for c in FailureCategory)}")
    names = [t.name for t in targets]
    if not names or len(set(names)) != len(names):
        raise UserInputError(f"targets {names}: give at least one, with unique names")
    points = list(itertools.product(means, cvs))
    rows = []
    tables: dict[tuple[float, float], dict[str, pd.DataFrame]] = {}
    for k, (mean, cv) in enumerate(points):
        trial = dataclasses.replace(defaults, calibrated_durations={
            **defaults.calibrated_durations,
            category: LogNormal(dist="lognormal", mean=mean, cv=cv)})
        row = {"mean_days": mean, "cv": cv, "distance": 0.0}
        tables[(mean, cv)] = {}
        for target in targets:
            inputs = target.build_inputs(trial)
            if k == 0 and not any(m.category == category
                                  for modes in inputs.site_outage_modes for m in modes):
                raise UserInputError(
                    f"target '{target.name}': no site outage mode of category '{category}'; "
                    "fitting its duration would change nothing")
            if target.dosage_form_class not in inputs.dosage_form_classes:
                raise UserInputError(
                    f"target '{target.name}': no simulated product of class "
                    f"'{target.dosage_form_class}' (classes: "
                    f"{sorted(set(inputs.dosage_form_classes))})")
            run = simulate_disruptions(inputs, n_years, entropy=entropy,
                                       chunk_size=chunk_size, map_chunks=map_chunks)
            table = shortage_duration_comparison(run.summary, inputs.dosage_form_classes,
                                                 episodes, target.dosage_form_class)
            picked = shortage_duration_comparison(run.summary, inputs.dosage_form_classes,
                                                  episodes, target.dosage_form_class,
                                                  probabilities=quantiles)
            distance = quantile_distance(picked["simulated_days"], picked["fda_days"])
            row["distance"] += distance
            row[f"distance_{target.name}"] = distance
            for q, value in zip(quantiles, picked["simulated_days"], strict=True):
                row[f"{target.name}_q{round(100 * q)}"] = value
            tables[(mean, cv)][target.name] = table
        rows.append(row)
        if on_point_done is not None:
            on_point_done(k + 1, len(points))
    grid = pd.DataFrame(rows)
    best = grid.loc[grid["distance"].idxmin()]
    key = (float(best["mean_days"]), float(best["cv"]))
    return DurationCalibration(
        category=category, targets=tuple(names),
        best_mean_days=key[0], best_cv=key[1], best_distance=float(best["distance"]),
        grid=grid, comparisons=tables[key],
        at_grid_edge=key[0] in (min(means), max(means)) and len(means) > 1,
        n_years=n_years, entropy=entropy)
