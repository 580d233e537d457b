"""Run the line simulator: replications in chunks with independent random streams.

The run's entropy seeds ``numpy.random.SeedSequence(entropy).spawn(n_chunks)``
(:func:`rxtwin.stats.seeding.plan_chunks`); chunk *i* draws only from its own
``Generator(PCG64(child_i))`` and returns a :class:`~rxtwin.line.results.LineSummary`.
the caller's chunk mapper (:mod:`rxtwin.stats.chunks`; serial by default,
:func:`rxtwin.compute.chunk_mapper` for threads, a process pool or a Dask cluster) returns
them in chunk order; :func:`rxtwin.stats.summaries.merge_all`
folds them in that order. Hence the same (entropy, n_replications, chunk_size) gives
bit-identical summaries on every backend.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rxtwin.errors import UserInputError
from rxtwin.line.engine import (
    ACTIVITY_NAMES,
    simulate_replications,
    statistic_catalogue,
    trace_replication,
)
from rxtwin.line.inputs import LineEngineInputs
from rxtwin.line.results import LineResults, LineSummary
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.stats.seeding import ChunkSpec, chunk_rng, plan_chunks
from rxtwin.stats.summaries import merge_all

DEFAULT_CHUNK_SIZE = 250  # compute setting, not a model parameter; part of the seed contract


@dataclass(frozen=True)
class LineChunk:
    """What one chunk returns: its summary and, on request, its replication rows."""

    summary: LineSummary
    rows: np.ndarray | None = None


def line_chunk_task(inputs: LineEngineInputs, chunk: ChunkSpec,
                    keep_rows: bool = False) -> LineChunk:
    """Simulate one chunk from its own stream and summarise it (picklable with
    ``functools.partial(line_chunk_task, inputs)``)."""
    rows = simulate_replications(inputs, chunk_rng(chunk), chunk.n_reps)
    return LineChunk(summary=LineSummary.from_rows(rows), rows=rows if keep_rows else None)


def simulate(inputs: LineEngineInputs, n_replications: int, *, entropy: int | None,
             chunk_size: int = DEFAULT_CHUNK_SIZE, map_chunks: ChunkMapper = map_serial,
             keep_replications: bool = False, done: Mapping[int, LineChunk] | None = None,
             on_chunk_done: Callable[[int, LineChunk], None] | None = None) -> LineResults:
    """Simulate the line over its horizon, ``n_replications`` times.

    Parameters
    ----------
    inputs : LineEngineInputs
        The line, its products, failure modes and policy.
    n_replications : int
        Independent replications [-], >= 1.
    entropy : int or None
        Root entropy of the seed tree; None draws fresh entropy (returned in the results
        as ``seed_entropy`` so the run can be repeated).
    chunk_size : int
        Replications per chunk; part of the seed contract (other sizes, other streams).
    map_chunks : ChunkMapper
        Runs the chunks (:mod:`rxtwin.stats.chunks`): serially by default;
        :func:`rxtwin.compute.chunk_mapper` gives threads, processes or Dask.
    done, on_chunk_done
        As :class:`rxtwin.stats.chunks.ChunkMapper` (resume; progress).
    keep_replications : bool
        Keep every replication's row (memory: n_replications x n_statistics floats).

    Returns
    -------
    LineResults

    Raises
    ------
    UserInputError
        If ``n_replications`` is not an integer >= 1, or ``entropy``, ``chunk_size`` or
        ``done`` is invalid (:func:`rxtwin.stats.seeding.plan_chunks`).
    """
    if isinstance(n_replications, bool) or not isinstance(n_replications, int | np.integer) \
            or n_replications < 1:
        raise UserInputError(f"n_replications = {n_replications!r}, must be an integer >= 1")
    entropy, chunks = plan_chunks(n_replications, chunk_size, entropy)
    task = functools.partial(line_chunk_task, inputs, keep_rows=keep_replications)
    results = map_chunks(task, chunks, done=done, on_chunk_done=on_chunk_done)
    summary = merge_all([r.summary for r in results])
    rows = np.concatenate([r.rows for r in results]) if keep_replications else None
    return LineResults(catalogue=statistic_catalogue(inputs), summary=summary,
                       n_replications=n_replications, seed_entropy=entropy,
                       chunk_size=chunk_size, replications=rows)


@dataclass(frozen=True)
class LineTrace:
    """One replication traced in full.

    Attributes
    ----------
    statistics : dict
        (statistic, product) -> value for that replication.
    daily : pandas.DataFrame
        Columns ``day``, ``product``, ``demand_units``, ``sellable_units``,
        ``in_qc_units``, ``backlog_units`` (at each day's close).
    segments : pandas.DataFrame
        Columns ``start_h``, ``end_h`` (calendar), ``activity`` (run, startup, shutdown,
        changeover, repair, idle), ``product`` (None for idle).
    """

    statistics: dict
    daily: pd.DataFrame
    segments: pd.DataFrame


def trace(inputs: LineEngineInputs, rng: np.random.Generator) -> LineTrace:
    """Simulate one replication and return its daily books and line activities."""
    row, daily, segments = trace_replication(inputs, rng)
    catalogue = statistic_catalogue(inputs)
    names = inputs.product_names
    days, products = np.meshgrid(np.arange(inputs.horizon_days), np.arange(inputs.n_products),
                                 indexing="ij")
    daily_frame = pd.DataFrame({
        "day": days.reshape(-1),
        "product": [names[i] for i in products.reshape(-1)],
        "demand_units": daily[:, :, 0].reshape(-1),
        "sellable_units": daily[:, :, 1].reshape(-1),
        "in_qc_units": daily[:, :, 2].reshape(-1),
        "backlog_units": daily[:, :, 3].reshape(-1),
    })
    segment_frame = pd.DataFrame({
        "start_h": segments[:, 0],
        "end_h": segments[:, 1],
        "activity": [ACTIVITY_NAMES[int(a)] for a in segments[:, 2]],
        "product": [names[int(p)] if p >= 0 else None for p in segments[:, 3]],
    })
    stats = {(name, product): float(value)
             for (name, product, _), value in zip(catalogue, row, strict=True)}
    return LineTrace(statistics=stats, daily=daily_frame, segments=segment_frame)
