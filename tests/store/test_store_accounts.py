"""Users, tokens and logins in the store, on SQLite and PostgreSQL: hashes only, expiry
compared in UTC, revocation at once, runs and scenarios listed per organisation."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from rxtwin.runs.accounts import (
    add_user,
    authenticate_password,
    authenticate_token,
    close_login,
    issue_token,
    login_principal,
    open_login,
    revoke_token,
)
from rxtwin.runs.consortium import register_organisation
from rxtwin.store import StoreInputError
from rxtwin.store.accounts import Accounts

if TYPE_CHECKING:
    from conftest import StoreTarget


def test_users_tokens_and_logins_round_trip(store_target: StoreTarget) -> None:
    with store_target.open() as store:
        register_organisation(store, "acme")
        add_user(store, "alice", "acme", "admin", "a long enough password")
        with pytest.raises(StoreInputError, match="exists already"):
            add_user(store, "alice", "acme")
        issued = issue_token(store, "alice", ("read", "admin"))
        record = Accounts(store).get_token(issued.prefix)
        assert record is not None and record.scopes == ("read", "admin")
        assert issued.token not in record.secret_hash and record.secret_hash.startswith("$argon2id$")
        assert record.expires_at.tzinfo is not None
        principal = authenticate_token(store, issued.token)
        assert principal is not None and principal.scopes == {"read", "admin"}
        assert authenticate_token(store, issued.token, now=issued.expires_at) is None
        assert authenticate_password(store, "alice", "a long enough password") == \
            principal.__class__("alice", "acme", "admin", frozenset({"read", "write", "admin"}))
        cookie = open_login(store, principal)
        assert login_principal(store, cookie) is not None
        close_login(store, cookie)
        assert login_principal(store, cookie) is None
        assert revoke_token(store, issued.token) is True
        assert revoke_token(store, issued.prefix) is False
        assert authenticate_token(store, issued.token) is None
        expired = issue_token(store, "alice", valid_for=timedelta(microseconds=1))
        assert authenticate_token(store, expired.token) is None


def test_runs_and_scenarios_are_listed_per_organisation(store_target: StoreTarget) -> None:
    with store_target.open() as store:
        mine = store.put_scenario({"products": 24}, "base", organisation_id="acme")
        theirs = store.put_scenario({"products": 25}, "base", organisation_id="globex")
        shared = store.put_scenario({"products": 24}, "base", organisation_id="globex")
        assert shared == mine  # same content: both own it
        assert {s.hash for s in store.list_scenarios(organisation_id="acme")} == {mine}
        assert {s.hash for s in store.list_scenarios(organisation_id="globex")} == {mine, theirs}
        run = store.create_run("line.simulate", mine, {}, 1, organisation_id="acme")
        assert store.run_organisation(run) == "acme"
        assert store.list_runs(organisation_id="globex") == []
        assert [r.id for r in store.list_runs(organisation_id="acme")] == [run]
        store.delete_run(run)
        assert store.run_organisation(run) is None
