"""rxtwin.compute: seeded chunks, mergeable summaries, serial / process / Dask executors.

See docs/compute.md for the seeding tree, determinism guarantees and resume.
"""

from rxtwin.compute.executors import BACKENDS, run_chunks
from rxtwin.compute.seeding import (
    ChunkSpec,
    chunk_rng,
    chunk_seeds,
    plan_chunks,
    split_replications,
)
from rxtwin.compute.summaries import HistogramSummary, MomentSummary, merge_all

__all__ = [
    "BACKENDS",
    "ChunkSpec",
    "HistogramSummary",
    "MomentSummary",
    "chunk_rng",
    "chunk_seeds",
    "merge_all",
    "plan_chunks",
    "run_chunks",
    "split_replications",
]
