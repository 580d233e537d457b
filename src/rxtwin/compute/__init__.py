"""rxtwin.compute: executors that run an engine's chunks serially, on threads, on a local
process pool or on a Dask cluster.

Engines never import this package: they take a chunk mapper (``map_chunks``) as an
argument, and :func:`chunk_mapper` builds one for a backend. The seed tree and the
mergeable summaries the engines use live on the ground floor, in :mod:`rxtwin.stats`.
See docs/compute.md for the seeding tree, determinism guarantees and resume.
"""

from rxtwin.compute.executors import BACKENDS, backend_for, chunk_mapper, run_chunks

__all__ = ["BACKENDS", "backend_for", "chunk_mapper", "run_chunks"]
