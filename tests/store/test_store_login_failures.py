"""Failed logins in the store, on SQLite and PostgreSQL: counted per key within a window,
shared by every Store opened on the same database (as the web app's processes are), kept
across reopening, and bounded (failures that left the window are deleted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from rxtwin.store import StoreInputError
from rxtwin.store.login_failures import LoginFailures, RecentFailures

if TYPE_CHECKING:
    from conftest import StoreTarget

KEY = "a" * 64
OTHER = "b" * 64
WINDOW = timedelta(minutes=5)


def test_failures_are_counted_per_key_within_the_window(store_target: StoreTarget) -> None:
    now = datetime.now(UTC)
    with store_target.open() as store:
        failures = LoginFailures(store)
        for ago_s in (400, 200, 100, 10):  # the first one is outside a 5-minute window
            failures.record(KEY, now - timedelta(seconds=ago_s), forget_before=now - 2 * WINDOW)
        failures.record(OTHER, now, forget_before=now - 2 * WINDOW)
        recent = failures.recent(KEY, now - WINDOW)
        assert recent.count == 3
        assert recent.oldest == now - timedelta(seconds=200)
        assert recent.oldest.tzinfo is not None
        assert failures.recent(OTHER, now - WINDOW).count == 1
        failures.clear(KEY)
        assert failures.recent(KEY, now - WINDOW) == RecentFailures(0, None)
        assert failures.recent(OTHER, now - WINDOW).count == 1


def test_two_stores_on_one_database_share_the_failures_and_reopening_keeps_them(
    store_target: StoreTarget,
) -> None:
    now = datetime.now(UTC)
    with store_target.open() as first, store_target.open() as second:
        LoginFailures(first).record(KEY, now - timedelta(seconds=2), forget_before=now - WINDOW)
        LoginFailures(second).record(KEY, now - timedelta(seconds=1), forget_before=now - WINDOW)
        assert LoginFailures(first).recent(KEY, now - WINDOW).count == 2
        assert LoginFailures(second).recent(KEY, now - WINDOW).count == 2
    with store_target.open() as reopened:
        assert LoginFailures(reopened).recent(KEY, now - WINDOW).count == 2


def test_recording_deletes_every_keys_failures_that_left_the_window(
    store_target: StoreTarget,
) -> None:
    now = datetime.now(UTC)
    with store_target.open() as store:
        failures = LoginFailures(store)
        for k in range(50):  # many keys, an hour ago (recorded by an app with a longer window)
            failures.record(f"{k:064x}", now - timedelta(hours=1),
                            forget_before=now - timedelta(hours=2))
        assert failures.count_all() == 50
        failures.record(KEY, now, forget_before=now - WINDOW)
        assert failures.count_all() == 1


def test_a_key_that_is_not_a_sha256_is_refused(store_target: StoreTarget) -> None:
    with store_target.open() as store, pytest.raises(StoreInputError, match="not a SHA-256"):
        LoginFailures(store).record("10.0.0.1\nalice", datetime.now(UTC),
                                    forget_before=datetime.now(UTC))
