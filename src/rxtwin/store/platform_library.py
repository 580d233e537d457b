"""The twin's platform library in the run store, as a plain JSON record.

Each save is a finished run of kind ``twin.platform`` whose parameters are the library's
JSON form (fitted RTD parameters per equipment configuration, each with its provenance:
data hash, fit statistics, date). Loading gives the newest saved record, so the history of
every version stays in the store.

The store keeps the record as given and does not interpret it, so that it depends on no
engine; the twin converts both ways
(:meth:`rxtwin.twin.platform.PlatformLibrary.to_json_dict` and ``from_json_dict``, which
checks the schema version)::

    run_id = save_platform_library_json(store, library.to_json_dict())
    record = load_platform_library_json(store)
    library = PlatformLibrary() if record is None else PlatformLibrary.from_json_dict(record)
"""

from __future__ import annotations

import time
from typing import Any

from rxtwin.store._store import Store

__all__ = ["PLATFORM_RUN_KIND", "load_platform_library_json", "save_platform_library_json"]

PLATFORM_RUN_KIND = "twin.platform"


def save_platform_library_json(store: Store, library_json: dict[str, Any]) -> str:
    """Store a platform library's JSON record as a new version.

    Parameters
    ----------
    store : Store
    library_json : dict
        JSON-compatible record of the library (``PlatformLibrary.to_json_dict()``).

    Returns
    -------
    str
        Id of the finished run that holds it.

    Raises
    ------
    rxtwin.store.StoreInputError
        When ``library_json`` is not a dict or not JSON-compatible.
    """
    started = time.perf_counter()
    run_id = store.create_run(PLATFORM_RUN_KIND, None, library_json, None)
    store.start_run(run_id)
    store.finish_run(run_id, time.perf_counter() - started)
    return run_id


def load_platform_library_json(store: Store) -> dict[str, Any] | None:
    """The newest stored platform-library record, or None when none was saved."""
    runs = store.list_runs(kind=PLATFORM_RUN_KIND, status="done", limit=1)
    if not runs:
        return None
    return runs[0].parameters
