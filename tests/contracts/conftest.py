"""Fixtures of the contract suite: the engine cases and one shared Dask cluster.

See the package docstring (``tests/contracts/__init__.py``) for how an engine joins.
"""

from __future__ import annotations

import logging

import pytest

from .engines import ENGINES


@pytest.fixture(params=ENGINES, ids=str)
def engine(request):
    """Each registered :class:`~.engines.EngineCase` in turn."""
    return request.param


@pytest.fixture(scope="package")
def dask_address():
    """A 2-worker local Dask cluster shared by every engine (start-up costs seconds)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                      silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address
