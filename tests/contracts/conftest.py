"""Fixtures of the contract suite: the engine cases (the Dask cluster is the suite-wide
``dask_address`` of tests/conftest.py).

See the package docstring (``tests/contracts/__init__.py``) for how an engine joins.
"""

from __future__ import annotations

import pytest

from .engines import ENGINES


@pytest.fixture(params=ENGINES, ids=str)
def engine(request):
    """Each registered :class:`~.engines.EngineCase` in turn."""
    return request.param

