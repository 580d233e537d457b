"""Uncertainty of a technology switch: the scenario's ``uncertain`` parameters propagated
through line performances to an outcome of the switch (its NPV, the subsidy it needs).

A sample of ``scenario.uncertain`` is a scenario variant (:func:`rxtwin.uq.apply_sample`).
Its line performances come from the caller's ``performances_at(variant, technology_ids)``
callback (:data:`rxtwin.model.performance.PerformancesAt`), asked only for the technologies
whose *line* the sample changes (:func:`technologies_touched`); the others keep the base
scenario's performances. The outcome of a variant is another callback,
``outcome(variant, performances)`` -- :func:`rxtwin.econ.technology.subsidy_outcomes` or
:func:`~rxtwin.econ.technology.switch_npv_usd` bound to a line and two technologies -- so
this module runs neither the simulator nor the appraisal itself; :mod:`rxtwin.runs.econ`
binds both.

* :func:`subsidy_distribution` -- the outcome over Latin-hypercube samples;
* :func:`npv_sensitivity` -- Sobol' indices, Morris screening or a tornado of the outcome.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rxtwin.errors import UserInputError
from rxtwin.model.performance import LinePerformance, PerformancesAt
from rxtwin.model.scenario import Scenario
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.uq.design import sample_parameters
from rxtwin.uq.scenario_sampling import apply_sample, base_values
from rxtwin.uq.sensitivity import morris_screening, sobol_indices, tornado

__all__ = [
    "ECON_ONLY_FIELDS",
    "SENSITIVITY_METHODS",
    "npv_sensitivity",
    "sample_performances",
    "subsidy_distribution",
    "technologies_touched",
]

#: Scenario fields that only the cash-flow model reads (no line simulation needed).
ECON_ONLY_FIELDS = frozenset({
    "capex_usd", "install_time_months", "ramp_up_months", "filing_cost_usd_per_product",
    "training_usd", "useful_life_yr", "development_months",
    "hurdle_rate", "payback_limit_yr", "tax_rate",
})

#: Methods of :func:`npv_sensitivity`.
SENSITIVITY_METHODS = ("sobol", "morris", "tornado")

Outcome = Callable[[Scenario, Mapping[str, LinePerformance]], Any]
"""``outcome(variant, performances)``: a float, or a mapping of column name to float."""


def technologies_touched(path: str) -> set[str] | None:
    """Technologies whose line simulation a scenario field path changes.

    Parameters
    ----------
    path : str
        A field path (:mod:`rxtwin.model.paths`), e.g. ``technologies.batch.changeover_h.mode``.

    Returns
    -------
    set of str or None
        ``set()`` for a path only the cash-flow model reads (``horizon_yr``, ``new_lines``
        (the costs of a technology built as a new line), a firm or
        technology field in :data:`ECON_ONLY_FIELDS`), ``{tid}`` for any other field of
        technology ``tid``, ``None`` for anything else (every technology's line).
    """
    parts = path.split(".")
    if parts[0] in ("horizon_yr", "new_lines"):
        return set()
    if parts[0] == "firm" and len(parts) > 1 and parts[1] in ECON_ONLY_FIELDS:
        return set()
    if parts[0] == "technologies" and len(parts) > 2:
        return set() if parts[2] in ECON_ONLY_FIELDS else {parts[1]}
    return None


def sample_performances(
    scenario: Scenario,
    values: Mapping[str, float],
    base_performances: Mapping[str, LinePerformance],
    performances_at: PerformancesAt,
    technology_ids: Sequence[str],
) -> tuple[Scenario, dict[str, LinePerformance]]:
    """The variant of one sample and the line performances of its technologies.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    values : mapping of str to float
        The sample: field path -> value.
    base_performances : mapping of str to LinePerformance
        Performances of ``technology_ids`` in the base scenario.
    performances_at : PerformancesAt
        Asked for the technologies whose line the sample changes
        (:func:`technologies_touched`, sorted), in the variant.
    technology_ids : sequence of str
        The technologies of the study.

    Returns
    -------
    tuple
        ``(variant, performances)``: the base performances with the touched technologies'
        replaced.
    """
    variant = apply_sample(scenario, dict(values))
    studied = set(technology_ids)
    touched: set[str] = set()
    for path in values:
        hit = technologies_touched(path)
        touched |= studied if hit is None else hit
    touched &= studied
    perf = dict(base_performances)
    if touched:
        perf.update(performances_at(variant, sorted(touched)))
    return variant, perf


def _sample_outcome(scenario: Scenario, base_performances: Mapping[str, LinePerformance],
                    performances_at: PerformancesAt, technology_ids: tuple[str, ...],
                    outcome: Outcome, values: Mapping[str, float]) -> Any:
    """The outcome of one sample (module level: picklable for process pools)."""
    variant, perf = sample_performances(scenario, values, base_performances, performances_at,
                                        technology_ids)
    return outcome(variant, perf)


def subsidy_distribution(
    scenario: Scenario,
    performances_at: PerformancesAt,
    outcome: Outcome,
    *,
    technology_ids: Sequence[str],
    n_samples: int = 64,
    rng: np.random.Generator,
    map_chunks: ChunkMapper = map_serial,
) -> pd.DataFrame:
    """An outcome of the switch (the subsidy it needs) over Latin-hypercube samples of
    ``scenario.uncertain``.

    Parameters
    ----------
    scenario : Scenario
        Its ``uncertain`` list is sampled.
    performances_at : PerformancesAt
        Line performances of a variant: once for ``technology_ids`` in the base scenario,
        then per sample as :func:`sample_performances` says.
    outcome : callable
        ``outcome(variant, performances) -> mapping of column to float``, e.g.
        ``functools.partial(rxtwin.econ.technology.subsidy_outcomes, line_id=...,
        option_tech_id=..., baseline_tech_id=..., terms=...)``.
    technology_ids : sequence of str
        The baseline and the option.
    n_samples : int
        Samples [-].
    rng : numpy.random.Generator
        Draws the Latin hypercube (:func:`rxtwin.uq.sample_parameters`).
    map_chunks : ChunkMapper
        Runs the samples, one task each (serial by default); with other processes,
        ``performances_at`` and ``outcome`` must be picklable.

    Returns
    -------
    pandas.DataFrame
        One row per sample: the sampled values (one column per path), then the outcome's
        columns (for :func:`~rxtwin.econ.technology.subsidy_outcomes`: ``npv_usd``,
        ``subsidy_pv_usd``, ``capex_grant_fraction``, ``itc_fraction``).

    Notes
    -----
    Line performances are computed once per technology for the base scenario and again, for
    a sample, only for the technologies whose line parameters the sample changes (paths in
    :data:`ECON_ONLY_FIELDS` never re-simulate; a technology's other fields re-simulate
    that technology; anything else re-simulates all of them).
    """
    samples = sample_parameters(scenario.uncertain, n_samples, "lhs", rng)
    technology_ids = tuple(technology_ids)
    base = performances_at(scenario, list(technology_ids))
    task = functools.partial(_sample_outcome, scenario, base, performances_at, technology_ids,
                             outcome)
    rows = [row.to_dict() for _, row in samples.iterrows()]
    outcomes = map_chunks(task, rows)
    return pd.DataFrame([{**row, **dict(result)}
                         for row, result in zip(rows, outcomes, strict=True)])


def npv_sensitivity(
    scenario: Scenario,
    method: str,
    performances_at: PerformancesAt,
    outcome: Outcome,
    *,
    technology_ids: Sequence[str],
    n: int = 64,
    rng: np.random.Generator,
    map_chunks: ChunkMapper = map_serial,
) -> pd.DataFrame:
    """Sensitivity of an outcome of the switch (its NPV) to ``scenario.uncertain``.

    Parameters
    ----------
    scenario : Scenario
        Its ``uncertain`` list are the inputs.
    method : {"sobol", "morris", "tornado"}
        :func:`rxtwin.uq.sobol_indices` (``n`` base samples, a power of two),
        :func:`rxtwin.uq.morris_screening` (``n`` trajectories) or
        :func:`rxtwin.uq.tornado` (5 % / 95 % quantiles; ``n`` unused).
    performances_at : PerformancesAt
        As in :func:`subsidy_distribution`.
    outcome : callable
        ``outcome(variant, performances) -> float``, e.g.
        ``functools.partial(rxtwin.econ.technology.switch_npv_usd, line_id=..., ...)``.
    technology_ids : sequence of str
        The baseline and the option.
    n : int
        See ``method``.
    rng : numpy.random.Generator
        SALib seeds (sobol, morris).
    map_chunks : ChunkMapper
        Runs the model evaluations of sobol and morris, one task each (serial by
        default; the tornado's ``2d + 1`` run serially); with other processes,
        ``performances_at`` and ``outcome`` must be picklable.

    Returns
    -------
    pandas.DataFrame
        The uq function's table.

    Notes
    -----
    Re-simulation rules as in :func:`subsidy_distribution`.
    """
    if not scenario.uncertain:
        raise UserInputError(f"scenario '{scenario.name}' has no 'uncertain' parameters")
    if method not in SENSITIVITY_METHODS:
        raise UserInputError(f"method = {method!r} is unknown; must be sobol, morris or tornado")
    technology_ids = tuple(technology_ids)
    base = performances_at(scenario, list(technology_ids))
    model = functools.partial(_sample_outcome, scenario, base, performances_at, technology_ids,
                              outcome)
    if method == "sobol":
        return sobol_indices(model, scenario.uncertain, n, rng, map_chunks=map_chunks,
                             chunk_size=1)
    if method == "morris":
        return morris_screening(model, scenario.uncertain, n, rng, map_chunks=map_chunks,
                                chunk_size=1)
    return tornado(model, base_values(scenario, scenario.uncertain), scenario.uncertain)
