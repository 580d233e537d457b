"""Users, tokens and logins in the store, on SQLite and PostgreSQL: hashes only, expiry
compared in UTC, revocation and role changes at once, a new password ends the logins,
purging deletes only what ended before the cutoff, runs and scenarios listed per
organisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from rxtwin.runs.accounts import (
    Purged,
    add_user,
    authenticate_password,
    authenticate_token,
    close_login,
    issue_token,
    login_principal,
    open_login,
    purge,
    revoke_token,
    set_password,
    set_role,
)
from rxtwin.runs.consortium import register_organisation
from rxtwin.store import StoreInputError, UnknownItemError
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


def test_role_changes_and_password_changes_end_logins(store_target: StoreTarget) -> None:
    with store_target.open() as store:
        register_organisation(store, "acme")
        add_user(store, "alice", "acme", "admin", "a long enough password")
        token = issue_token(store, "alice").token
        cookie = open_login(store, authenticate_password(store, "alice",
                                                         "a long enough password"))
        assert set_role(store, "alice", "researcher") == "admin"
        assert authenticate_token(store, token).scopes == {"read"}
        assert login_principal(store, cookie).scopes == {"read"}
        with pytest.raises(StoreInputError, match="role 'boss' is not one of"):
            set_role(store, "alice", "boss")
        with pytest.raises(UnknownItemError, match="no user 'nobody'"):
            set_role(store, "nobody", "admin")
        assert set_password(store, "alice", "a new long password") == 1
        assert login_principal(store, cookie) is None


def test_purge_deletes_only_what_ended_before_the_cutoff(store_target: StoreTarget) -> None:
    with store_target.open() as store:
        register_organisation(store, "acme")
        add_user(store, "alice", "acme", "member", "a long enough password")
        principal = authenticate_password(store, "alice", "a long enough password")
        live_login = open_login(store, principal, valid_for=timedelta(days=30))
        old_login = open_login(store, principal, valid_for=timedelta(seconds=1))
        live = issue_token(store, "alice")
        expired = issue_token(store, "alice", valid_for=timedelta(seconds=1))
        revoked = issue_token(store, "alice")
        revoke_token(store, revoked.prefix)
        later = datetime.now(UTC) + timedelta(days=10)
        assert purge(store, timedelta(days=11), now=later) == Purged(0, 0, later - timedelta(days=11))
        done = purge(store, timedelta(days=9), now=later)
        assert (done.logins, done.tokens) == (1, 2)
        accounts = Accounts(store)
        assert [t.prefix for t in accounts.list_tokens()] == [live.prefix]
        assert accounts.get_token(expired.prefix) is None
        assert login_principal(store, live_login) is not None
        assert login_principal(store, old_login) is None
        with pytest.raises(StoreInputError, match="must not be negative"):
            purge(store, timedelta(days=-1))
