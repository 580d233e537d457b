"""rxtwin.stats: the statistical ground floor shared by every engine.

The seed tree of a chunked Monte Carlo run (:mod:`~rxtwin.stats.seeding`), summaries that
merge exactly (:mod:`~rxtwin.stats.summaries`) and the chunk-mapper protocol through which
an engine hands its chunks to an executor (:mod:`~rxtwin.stats.chunks`), re-exported here.
The one copy of each statistical method the layers above share, imported from its module
(they load scipy.stats): the inverse CDF and sampler of the scenario distributions
(:mod:`~rxtwin.stats.sampling`), the Kaplan-Meier estimate (:mod:`~rxtwin.stats.survival`)
and the Wilson interval (:mod:`~rxtwin.stats.proportions`). Pure functions and values over
NumPy/SciPy: no I/O, no knowledge of any engine; imports only ``rxtwin.errors`` (the
sampler reads a distribution by its ``dist`` tag, so ``stats`` and ``model`` stay
independent). Executors that run chunks on threads, processes or Dask live one floor
up, in :mod:`rxtwin.compute`, and are passed to engines as arguments (docs/design.md).
"""

from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.stats.seeding import (
    ChunkSpec,
    chunk_rng,
    chunk_seeds,
    plan_chunks,
    split_replications,
)
from rxtwin.stats.summaries import ExactSum, HistogramSummary, MomentSummary, merge_all

__all__ = [
    "ChunkMapper",
    "ChunkSpec",
    "ExactSum",
    "HistogramSummary",
    "MomentSummary",
    "chunk_rng",
    "chunk_seeds",
    "map_serial",
    "merge_all",
    "plan_chunks",
    "split_replications",
]
