"""The limit on failed logins is kept in the store: two apps on one store (as two uvicorn
workers are) count the same failures, and a new app on the store (a restart) still refuses,
on SQLite and PostgreSQL. A success forgets the failures of its key."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from page_client import PageClient

from rxtwin.runs.accounts import add_user
from rxtwin.runs.consortium import register_organisation
from rxtwin.store import Store
from rxtwin.web.app import create_app
from rxtwin.web.auth import AuthConfig

PASSWORD = "a long enough password"
ATTEMPTS = 3
AUTH = AuthConfig(mode="users", login_attempts=ATTEMPTS, login_window_s=60)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def open_store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Callable[[], Store]]:
    """Opens a new Store on one database each call (one per app, as each process opens
    its own), with a user ``alice`` and ``bob`` of ``acme``; closes them at the end."""
    if request.param == "sqlite":
        url, options = str(tmp_path / "runs.sqlite"), {}
    else:
        url = request.getfixturevalue("pg_url")
        options = {"schema": request.getfixturevalue("pg_schema"),
                   "artifacts_dir": tmp_path / "artifacts"}
    opened: list[Store] = []

    def opener() -> Store:
        opened.append(Store.open(url, **options))
        return opened[-1]

    with Store.open(url, **options) as store:
        register_organisation(store, "acme")
        for user in ("alice", "bob"):
            add_user(store, user, "acme", "member", PASSWORD)
    yield opener
    for store in opened:
        store.close()


def _client(store: Store) -> PageClient:
    app = create_app("", store=store, start_workers=False, auth=AUTH)
    return PageClient(app, raise_server_exceptions=False, follow_redirects=False)


def _log_in(client: PageClient, user: str, password: str) -> int:
    return client.post("/login", data={"user": user, "password": password}).status_code


def test_two_apps_on_one_store_share_the_limit_and_a_restart_keeps_it(open_store) -> None:
    first, second = _client(open_store()), _client(open_store())
    assert _log_in(first, "alice", "wrong guess 1") == 401
    assert _log_in(second, "alice", "wrong guess 2") == 401
    assert _log_in(first, "alice", "wrong guess 3") == 401
    # The third failure was counted by the first app; the second refuses the right password.
    refused = second.post("/login", data={"user": "alice", "password": PASSWORD})
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    assert _log_in(_client(open_store()), "alice", PASSWORD) == 429  # a restarted app too
    assert _log_in(second, "bob", PASSWORD) == 303  # another user name is not held up


def test_a_success_forgets_the_failures_in_every_app(open_store) -> None:
    first, second = _client(open_store()), _client(open_store())
    for _ in range(ATTEMPTS - 1):
        assert _log_in(first, "alice", "wrong guess") == 401
    assert _log_in(second, "alice", PASSWORD) == 303
    for _ in range(ATTEMPTS - 1):  # counting starts again from none
        assert _log_in(first, "alice", "wrong guess") == 401
    assert _log_in(second, "alice", PASSWORD) == 303
