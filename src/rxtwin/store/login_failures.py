"""Failed browser logins of the web app, in the store (schema version 4).

:class:`LoginFailures` wraps an open :class:`~rxtwin.store.Store` and keeps one row per
failed login: the SHA-256 of who tried (made by the caller from the client's address and
the user name, :mod:`rxtwin.web.auth`; never either in clear) and when. Every process of the
web app on one store reads and writes the same rows, so they share one limit, and a
restart forgets nothing. Rows older than the counting window are deleted whenever a
failure is recorded, so the table holds at most the failures of one window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from rxtwin.store._schema import login_failures
from rxtwin.store._store import Store
from rxtwin.store.errors import StoreInputError

__all__ = ["LoginFailures", "RecentFailures"]


@dataclass(frozen=True)
class RecentFailures:
    """The failures of one key since some time: how many, and when the oldest was (None:
    none)."""

    count: int
    oldest: datetime | None


def _check_key(key_hash: str) -> str:
    if len(key_hash) != 64 or not all(c in "0123456789abcdef" for c in key_hash):
        raise StoreInputError(f"login failure key {key_hash[:80]!r} is not a SHA-256 in hex")
    return key_hash


class LoginFailures:
    """Failed logins of one store, by key hash."""

    def __init__(self, store: Store):
        self.store = store

    def recent(self, key_hash: str, since: datetime) -> RecentFailures:
        """The failures of ``key_hash`` after ``since`` (one query)."""
        query = select(func.count(), func.min(login_failures.c.failed_at)).where(
            login_failures.c.key_hash == _check_key(key_hash),
            login_failures.c.failed_at > since)
        with self.store._read() as conn:
            count, oldest = conn.execute(query).one()  # min() keeps the column's type
        return RecentFailures(int(count), oldest)

    def record(self, key_hash: str, at: datetime, *, forget_before: datetime) -> None:
        """Record a failure of ``key_hash`` at ``at``, and delete every key's failures at
        or before ``forget_before`` (they no longer count), in one transaction."""
        _check_key(key_hash)

        def work(conn: Connection) -> None:
            conn.execute(login_failures.delete().where(
                login_failures.c.failed_at <= forget_before))
            conn.execute(login_failures.insert().values(key_hash=key_hash, failed_at=at))

        self.store._write(work)

    def clear(self, key_hash: str) -> None:
        """Forget the failures of ``key_hash`` (its login succeeded)."""
        _check_key(key_hash)
        self.store._write(lambda conn: conn.execute(login_failures.delete().where(
            login_failures.c.key_hash == key_hash)))

    def count_all(self) -> int:
        """How many failures the store holds, of every key."""
        with self.store._read() as conn:
            return int(conn.execute(select(func.count()).select_from(login_failures)).scalar()
                       or 0)

