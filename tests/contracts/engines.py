"""The engines under contract: one :class:`EngineCase` each, collected in :data:`ENGINES`.

A case adapts one Monte Carlo engine to the common signature the checks call::

    run(inputs, n, *, entropy, chunk_size, map_chunks, done=None, on_chunk_done=None)

where ``n`` is the engine's run size (replications, scenario-years, base samples...).
Inputs are tiny (a run takes milliseconds once numba's cache is warm) and are test
fixtures chosen to exercise the engine, not descriptions of a real line or chain.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rxtwin.line import inputs as li
from rxtwin.line.results import TABLE_COLUMNS as LINE_TABLE_COLUMNS
from rxtwin.line.results import LineResults
from rxtwin.line.simulate import simulate
from rxtwin.model import Normal, Triangular, Uniform
from rxtwin.model.disruption import DemandShock, OutageMode
from rxtwin.model.distributions import Exponential, LogNormal
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.supply.disruption import TABLE_COLUMNS as SUPPLY_TABLE_COLUMNS
from rxtwin.supply.disruption import DisruptionRun, simulate_disruptions
from rxtwin.supply.disruption_inputs import MARKET_PARENT, chain_inputs
from rxtwin.uq.sensitivity import MORRIS_COLUMNS, SOBOL_COLUMNS, morris_screening, sobol_indices
from rxtwin.uq.summaries import output_chunk_summary

__all__ = ["ENGINES", "BadInput", "EngineCase"]


@dataclass(frozen=True)
class BadInput:
    """An argument ``run`` must reject with a ``UserInputError``.

    Attributes
    ----------
    field : str
        The name the error message must contain (the engine's own argument name).
    changes : mapping
        Keyword arguments of :attr:`EngineCase.run` to replace (``n``, ``entropy``,
        ``chunk_size``, ``done``).
    shows : str or None
        Text of the offending value the message must contain; by default the ``repr`` of
        the single changed value.
    """

    field: str
    changes: Mapping[str, Any]
    shows: str | None = None

    def value_text(self) -> str:
        if self.shows is not None:
            return self.shows
        (value,) = self.changes.values()
        return repr(value)


def _identity(x):
    return x


@dataclass(frozen=True)
class EngineCase:
    """One engine under contract.

    Attributes
    ----------
    name : str
        Test id.
    build : callable
        ``build() -> inputs``: tiny engine inputs, built fresh on every call.
    run : callable
        ``run(inputs, n, *, entropy, chunk_size, map_chunks, done=None,
        on_chunk_done=None) -> result``.
    n, chunk_size, other_chunk_size : int
        Run size and the two chunk sizes the checks use; ``n`` must give at least three
        chunks of ``chunk_size``.
    table : callable
        ``table(result) -> DataFrame``, the engine's tidy result table.
    columns : mapping of str to str
        The engine's documented ``{column: unit}`` constant.
    docs : (str, str)
        Docs page (relative to the repository) and the start of the heading under which a
        ``| column | unit | meaning |`` table documents ``columns``.
    bad_inputs : tuple of BadInput
    chunk_streams : bool
        True when chunk ``i`` draws from its own stream ``SeedSequence(entropy,
        spawn_key=(i,))`` (another chunk size gives other numbers); False when the engine
        draws its randomness before chunking (any chunk size gives the same bits).
    summary : callable or None
        ``summary(result)``: the run's merged summary (None when the result is not one).
    chunk_summary : callable
        ``chunk_summary(chunk_result)``: the mergeable summary of one chunk's result.
    estimates : callable or None
        ``estimates(result) -> (mean, std_error, dof)`` arrays of every statistic, for the
        statistical chunk-size check (required when ``chunk_streams``).
    names_column : str or None
        For long tables: the column whose values (statistic names) must each be named on
        the docs page.
    """

    name: str
    build: Callable[[], Any]
    run: Callable[..., Any]
    n: int
    chunk_size: int
    other_chunk_size: int
    table: Callable[[Any], pd.DataFrame]
    columns: Mapping[str, str]
    docs: tuple[str, str]
    bad_inputs: tuple[BadInput, ...]
    chunk_streams: bool = True
    summary: Callable[[Any], Any] | None = None
    chunk_summary: Callable[[Any], Any] = _identity
    estimates: Callable[[Any], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
    names_column: str | None = None

    def __str__(self) -> str:
        return self.name


def _common_bad_inputs(n_field: str) -> tuple[BadInput, ...]:
    """Bad run arguments every chunked engine rejects."""
    return (
        BadInput(n_field, {"n": 0}),
        BadInput(n_field, {"n": -3}),
        BadInput(n_field, {"n": True}),
        BadInput("chunk_size", {"chunk_size": 0}),
        BadInput("chunk_size", {"chunk_size": 2.5}),
        BadInput("done", {"done": {99: None}}, shows="99"),
    )


_ENTROPY_BAD_INPUTS = (
    BadInput("entropy", {"entropy": -1}),
    BadInput("entropy", {"entropy": 1.5}),
)


# ------------------------------------------------------------------------------ line


def tiny_line() -> li.LineEngineInputs:
    """Two products on a batch line for 45 days, with breakdowns and rejected batches."""
    demand = np.array([800.0, 500.0])
    return li.LineEngineInputs(
        product_names=("A", "B"), demand_units_per_day=demand, demand_cv=[0.4, 0.3],
        price_usd_per_unit=[0.5, 0.7], material_cost_usd_per_unit=[0.1, 0.2],
        initial_inventory_units=demand * 10.0, reorder_days_of_supply=[10.0, 10.0],
        target_days_of_supply=[25.0, 25.0], campaign_units=demand * 15.0,
        operating_mode=li.OperatingMode.BATCH, lot_size_units=6000.0, lot_cycle_h=10.0,
        speed_fraction=0.9, process_yield_fraction=0.97, changeover=li.lognormal(16.0, 0.5),
        startup_loss_h=1.5, shutdown_loss_h=1.0, qc_release_h=120.0, staffed_fraction=0.75,
        labour_usd_per_h=400.0, energy_usd_per_unit=0.005, qc_usd_per_lot=3000.0,
        cleaning_usd_per_changeover=2000.0, overhead_usd_per_yr=500_000.0,
        policy=li.CampaignPolicy.FIXED_ROTATION, rotation=[0, 1], cycle_length_days=14.0,
        horizon_days=45,
        failures=li.failure_modes(
            dict(name="press", effect=li.FailureEffectCode.BREAKDOWN, mtbf_h=150.0,
                 duration=li.gamma(6.0, 0.8)),
            dict(name="batch_reject", effect=li.FailureEffectCode.REJECT_BATCH,
                 probability=0.05, loss_fraction=1.0)),
        demand_events=li.demand_events(
            2, dict(name="surge", rate_per_yr=4.0, multiplier=1.5,
                    duration=li.exponential(10 * 24.0))),
    )


def run_line(inputs, n, *, entropy, chunk_size, map_chunks, done=None, on_chunk_done=None):
    return simulate(inputs, n, entropy=entropy, chunk_size=chunk_size, map_chunks=map_chunks,
                    done=done, on_chunk_done=on_chunk_done)


def line_estimates(result: LineResults):
    s = result.summary
    return s.mean, s.std_error, s.count - 1.0


LINE = EngineCase(
    name="line",
    build=tiny_line,
    run=run_line,
    n=60, chunk_size=10, other_chunk_size=15,
    table=LineResults.table,
    columns=LINE_TABLE_COLUMNS,
    docs=("docs/line.md", "### `LineResults.table()` columns"),
    bad_inputs=_common_bad_inputs("n_replications") + _ENTROPY_BAD_INPUTS,
    summary=lambda result: result.summary,
    chunk_summary=lambda chunk: chunk.summary,
    estimates=line_estimates,
    names_column="statistic",
)


# ---------------------------------------------------------------------------- supply


def tiny_supply_chain():
    """Two products, three sites: an API tier and a dual-sourced FDF tier with a slow
    backup, demand noise and shocks, expiry, one warm-up year."""
    def exponential(mean_days):
        return Exponential(dist="exponential", mean=mean_days)

    products = [
        {"id": "a", "demand_units_per_day": 100.0, "demand_cv": 0.2,
         "shocks": [DemandShock("surge", 1.0, exponential(20.0), 1.5)],
         "tiers": [
             {"label": "api", "parent": 1, "base_stock_units": 3000.0, "shelf_life_days": 400,
              "suppliers": [{"site": 0, "share": 1.0, "normal_units_per_day": 100.0,
                             "capacity_units_per_day": 150.0, "lead_days": 5}]},
             {"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 1000.0,
              "shelf_life_days": 200, "unit_value_usd": 2.0,
              "suppliers": [{"site": 1, "share": 0.6, "normal_units_per_day": 60.0,
                             "capacity_units_per_day": 120.0, "lead_days": 3},
                            {"site": 2, "share": 0.4, "normal_units_per_day": 40.0,
                             "capacity_units_per_day": 80.0, "lead_days": 3,
                             "lag_days": 30}]}]},
        {"id": "b", "demand_units_per_day": 50.0,
         "tiers": [{"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 400.0,
                    "shelf_life_days": 1000,
                    "suppliers": [{"site": 1, "share": 1.0, "normal_units_per_day": 50.0,
                                   "capacity_units_per_day": 60.0}]}]},
    ]
    outages = [
        [OutageMode("inspection", 0.5, exponential(30.0))],
        [OutageMode("breakdown", 1.0, LogNormal(dist="lognormal", mean=20.0, cv=1.0))],
        [OutageMode("breakdown", 0.5, exponential(10.0))],
    ]
    return chain_inputs(products, ["s0", "s1", "s2"], outages, holding_rate_per_yr=0.2,
                        warmup_years=1, episode_gap_days=3)


def run_supply(inputs, n, *, entropy, chunk_size, map_chunks, done=None, on_chunk_done=None):
    return simulate_disruptions(inputs, n, entropy=entropy, chunk_size=chunk_size,
                                map_chunks=map_chunks, done=done, on_chunk_done=on_chunk_done)


def supply_estimates(result: DisruptionRun):
    # Years of one chunk are one history (correlated); chunks are independent: the standard
    # error is that of the chunk means (batch means, as DisruptionSummary.statistic).
    s = result.summary
    k = s.chunk_means.count
    return s.moments.mean, s.chunk_means.std() / np.sqrt(k), np.full(s.moments.n_stats, k - 1.0)


SUPPLY = EngineCase(
    name="supply.disruption",
    build=tiny_supply_chain,
    run=run_supply,
    n=96, chunk_size=4, other_chunk_size=6,
    table=lambda result: result.summary.table(),
    columns=SUPPLY_TABLE_COLUMNS,
    docs=("docs/supply_simulation.md", "## Outputs (per product"),
    bad_inputs=_common_bad_inputs("n_years") + _ENTROPY_BAD_INPUTS,
    summary=lambda result: result.summary,
    estimates=supply_estimates,
)


# -------------------------------------------------------------------------------- uq

UQ_PARAMETERS = (
    UncertainParameter(path="x", distribution=Uniform(dist="uniform", low=1.0, high=2.0)),
    UncertainParameter(path="y", distribution=Triangular(dist="triangular", low=0.5, mode=1.0,
                                                         high=3.0)),
    UncertainParameter(path="z", distribution=Normal(dist="normal", mean=2.0, sd=0.3)),
)
# y = x * y * z: interactions, so S1 < ST; a library callable, so it pickles by reference
# into worker processes.
UQ_MODEL = functools.partial(np.prod, axis=1)
# Bins of the chunk summaries [output units]; y lies in about (0, 12).
UQ_EDGES = np.linspace(0.0, 16.0, 33)


def tiny_uq():
    return UQ_MODEL, UQ_PARAMETERS


def run_sobol(inputs, n, *, entropy, chunk_size, map_chunks, done=None, on_chunk_done=None):
    model, parameters = inputs
    return sobol_indices(model, parameters, n, np.random.default_rng(entropy),
                         vectorised=True, num_resamples=50, map_chunks=map_chunks,
                         chunk_size=chunk_size, done=done, on_chunk_done=on_chunk_done)


def run_morris(inputs, n, *, entropy, chunk_size, map_chunks, done=None, on_chunk_done=None):
    model, parameters = inputs
    return morris_screening(model, parameters, n, np.random.default_rng(entropy),
                            vectorised=True, num_resamples=50, map_chunks=map_chunks,
                            chunk_size=chunk_size, done=done, on_chunk_done=on_chunk_done)


def uq_chunk_summary(outputs: np.ndarray):
    """A chunk of model outputs as rxtwin.uq's mergeable summaries (docs/uq.md)."""
    return output_chunk_summary(outputs, UQ_EDGES)


_UQ_COMMON = dict(
    build=tiny_uq,
    table=_identity,
    chunk_streams=False,
    chunk_summary=uq_chunk_summary,
)

SOBOL = EngineCase(
    name="uq.sobol",
    run=run_sobol,
    n=16, chunk_size=16, other_chunk_size=24,  # 80 rows: 5 chunks of 16
    columns=SOBOL_COLUMNS,
    docs=("docs/uq.md", "## Sobol' indices"),
    bad_inputs=(
        BadInput("n_base_samples", {"n": 6}),
        BadInput("n_base_samples", {"n": True}),
        BadInput("chunk_size", {"chunk_size": 0}),
        BadInput("done", {"done": {99: None}}, shows="99"),
    ),
    **_UQ_COMMON,
)

MORRIS = EngineCase(
    name="uq.morris",
    run=run_morris,
    n=6, chunk_size=5, other_chunk_size=7,  # 24 rows: 5 chunks of 5
    columns=MORRIS_COLUMNS,
    docs=("docs/uq.md", "## Morris screening"),
    bad_inputs=(
        BadInput("n_trajectories", {"n": 1}),
        BadInput("n_trajectories", {"n": 2.0}),
        BadInput("chunk_size", {"chunk_size": 0}),
        BadInput("done", {"done": {99: None}}, shows="99"),
    ),
    **_UQ_COMMON,
)

#: Every engine under contract.
ENGINES: tuple[EngineCase, ...] = (LINE, SUPPLY, SOBOL, MORRIS)
