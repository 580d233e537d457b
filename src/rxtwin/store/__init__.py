"""rxtwin.store: the run registry (SQLite by default, PostgreSQL by URL) and Parquet artifacts.

>>> from rxtwin.store import Store
>>> with Store.open("runs.sqlite") as store:            # doctest: +SKIP
...     scenario = store.put_scenario({"products": 24}, name="base")
...     run_id = store.create_run("line.simulate", scenario, {"reps": 100}, 1234, n_chunks=4)

See ``docs/store.md`` for what is stored, the schema and how a killed run resumes;
:mod:`rxtwin.store.pool` keeps the consortium's pool (organisations, versioned submissions,
released statistics, privacy ledgers, the hash-chained audit log);
:mod:`rxtwin.store.accounts` the web app's users, API tokens and logins;
:mod:`rxtwin.store.login_failures` its failed logins.
"""

from rxtwin.store._schema import LOCAL_ORGANISATION, ROLES, RUN_STATUSES, SCHEMA_VERSION
from rxtwin.store._store import (
    RunRecord,
    ScenarioInfo,
    Store,
    default_db_url,
)
from rxtwin.store.errors import (
    StoreError,
    StoreInputError,
    UnknownItemError,
    UnknownRunError,
    UnknownScenarioError,
)
from rxtwin.store.pool import (
    AuditCheck,
    AuditEntry,
    ConsortiumPool,
    ReleaseRecord,
    SubmissionRecord,
)

__all__ = [
    "LOCAL_ORGANISATION",
    "ROLES",
    "RUN_STATUSES",
    "AuditCheck",
    "AuditEntry",
    "ConsortiumPool",
    "ReleaseRecord",
    "SubmissionRecord",
    "SCHEMA_VERSION",
    "RunRecord",
    "ScenarioInfo",
    "Store",
    "StoreError",
    "StoreInputError",
    "UnknownItemError",
    "UnknownRunError",
    "UnknownScenarioError",
    "default_db_url",
]
