"""A toy chunk task, used by the docs' worked example and the tests.

It stands in for an engine: draw ``chunk.n_reps`` replications from the chunk's own
stream, reduce each to a few statistics, summarise.
"""

from __future__ import annotations

import numpy as np

from rxtwin.stats.seeding import ChunkSpec, chunk_rng
from rxtwin.stats.summaries import HistogramSummary, MomentSummary

__all__ = ["normal_statistics_task", "normal_summaries_task"]


def _replications(chunk: ChunkSpec, loc: float, scale: float, draws_per_rep: int) -> np.ndarray:
    rng = chunk_rng(chunk)
    x = rng.normal(loc, scale, size=(chunk.n_reps, draws_per_rep))
    # statistics per replication: sample mean, sample max, fraction above loc
    return np.column_stack([x.mean(axis=1), x.max(axis=1), (x > loc).mean(axis=1)])


def normal_statistics_task(
    chunk: ChunkSpec, loc: float = 0.0, scale: float = 1.0, draws_per_rep: int = 50
) -> MomentSummary:
    """Moments of three statistics of ``draws_per_rep`` normal draws per replication.

    Parameters
    ----------
    chunk : ChunkSpec
        Replications and stream of the chunk.
    loc, scale : float
        Mean and standard deviation of the draws [-].
    draws_per_rep : int
        Draws per replication [-].

    Returns
    -------
    MomentSummary
        Statistics (columns): sample mean (expected ``loc``), sample max, fraction of
        draws above ``loc`` (expected 0.5).
    """
    return MomentSummary.from_samples(_replications(chunk, loc, scale, draws_per_rep))


def normal_summaries_task(chunk: ChunkSpec) -> dict:
    """Moments and a histogram (``edges = -1 .. 1`` in 0.1 steps) of the same statistics."""
    stats = _replications(chunk, 0.0, 1.0, 50)
    return {
        "moments": MomentSummary.from_samples(stats),
        "histogram": HistogramSummary.from_samples(stats, np.linspace(-1.0, 1.0, 21)),
    }
