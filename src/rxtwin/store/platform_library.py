"""The twin's platform library in the run store.

Each save is a finished run of kind ``twin.platform`` whose parameters are the library's
JSON form (fitted RTD parameters per equipment configuration, each with its provenance:
data hash, fit statistics, date). Loading takes the newest saved library, so the history
of every version stays in the store.
"""

from __future__ import annotations

import time

from rxtwin.store._store import Store
from rxtwin.twin.platform import PlatformLibrary

PLATFORM_RUN_KIND = "twin.platform"


def save_platform_library(store: Store, library: PlatformLibrary) -> str:
    """Store ``library`` as a new version; return the run id that holds it."""
    started = time.perf_counter()
    run_id = store.create_run(PLATFORM_RUN_KIND, None, library.to_json_dict(), None)
    store.start_run(run_id)
    store.finish_run(run_id, time.perf_counter() - started)
    return run_id


def load_platform_library(store: Store) -> PlatformLibrary:
    """The newest stored platform library (an empty one when none was saved)."""
    runs = store.list_runs(kind=PLATFORM_RUN_KIND, status="done", limit=1)
    if not runs:
        return PlatformLibrary()
    return PlatformLibrary.from_json_dict(runs[0].parameters)
