"""Chunk tasks that report on the worker running them, for the executor tests.

tests/support is on the test path (pyproject: ``pythonpath``), and worker processes get the
parent's path, so pool and Dask workers can unpickle these by reference.
"""

from __future__ import annotations

import os

from rxtwin.stats.seeding import ChunkSpec


def worker_pid(chunk: ChunkSpec) -> int:
    """The id of the process that ran the chunk."""
    return os.getpid()


def exit_on_chunk_one(chunk: ChunkSpec) -> int:
    """Kill the worker running chunk 1 (as a crash would); other chunks return the pid."""
    if chunk.index == 1:
        os._exit(3)
    return os.getpid()
