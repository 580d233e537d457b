"""Users, API tokens and web logins of the web app, in the store (schema version 3).

:class:`Accounts` wraps an open :class:`~rxtwin.store.Store` and keeps rows only: the
hashes it stores are made by the caller (``rxtwin.runs.accounts``: argon2 for passwords and
tokens, SHA-256 for login cookies); nothing here sees a secret in clear.

A user belongs to one organisation of the consortium pool (``rxtwin consortium register``)
and has one role (:data:`ROLES`). A token is found by its public ``prefix`` and carries its
scopes, expiry and revocation time; a login by the hash of its cookie.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from rxtwin.store._schema import (
    ROLES,
    api_tokens,
    consortium_organisations,
    users,
    web_logins,
)
from rxtwin.store._store import Store, _check_name, _now
from rxtwin.store.errors import StoreInputError, UnknownItemError

__all__ = ["ROLES", "Accounts", "TokenRecord", "UserRecord"]


@dataclass(frozen=True)
class UserRecord:
    """A user: id, organisation, role, argon2 password hash (None: no browser login)."""

    id: str
    organisation_id: str
    role: str
    password_hash: str | None
    created_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    """An API token as stored: its public prefix, its user, the argon2 hash of the whole
    token, its scopes, when it was made, expires and was revoked (None: not revoked)."""

    prefix: str
    user_id: str
    secret_hash: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class Accounts:
    """Users, tokens and logins of one store."""

    def __init__(self, store: Store):
        self.store = store

    # ------------------------------------------------------------------ users
    def add_user(self, user_id: str, organisation_id: str, role: str,
                 password_hash: str | None = None) -> None:
        """Add a user to a registered organisation.

        Raises
        ------
        StoreInputError
            A bad id or role, an unregistered organisation, or a user of that id already.
        """
        _check_name(user_id, "user id")
        _check_name(organisation_id, "organisation id")
        if role not in ROLES:
            raise StoreInputError(f"role {role!r} is not one of {', '.join(ROLES)}")

        def work(conn: Connection) -> None:
            if conn.execute(select(consortium_organisations.c.id).where(
                    consortium_organisations.c.id == organisation_id)).first() is None:
                raise StoreInputError(
                    f"organisation {organisation_id!r} is not registered; register it first "
                    f"(rxtwin consortium register {organisation_id})")
            if conn.execute(select(users.c.id).where(users.c.id == user_id)).first():
                raise StoreInputError(f"user {user_id!r} exists already")
            conn.execute(users.insert().values(
                id=user_id, organisation_id=organisation_id, role=role,
                password_hash=password_hash, created_at=_now()))

        self.store._write(work)

    def get_user(self, user_id: str) -> UserRecord | None:
        """A user, or None."""
        with self.store._read() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
        return None if row is None else _user(row)

    def list_users(self) -> list[UserRecord]:
        """Every user, by organisation and id."""
        with self.store._read() as conn:
            rows = conn.execute(select(users).order_by(users.c.organisation_id, users.c.id)
                                ).mappings().all()
        return [_user(row) for row in rows]

    def count_users(self) -> int:
        """How many users the store holds."""
        return len(self.list_users())

    def set_password_hash(self, user_id: str, password_hash: str | None, *,
                          end_logins: bool = False) -> int:
        """Replace a user's password hash (None: no browser login); with ``end_logins``
        end the user's browser logins in the same transaction. Returns the number of
        logins ended."""
        def work(conn: Connection) -> int:
            if conn.execute(users.update().where(users.c.id == user_id).values(
                    password_hash=password_hash)).rowcount != 1:
                raise UnknownItemError(f"no user {user_id!r}")
            if not end_logins:
                return 0
            return conn.execute(web_logins.delete().where(
                web_logins.c.user_id == user_id)).rowcount

        return self.store._write(work)

    def set_role(self, user_id: str, role: str) -> str:
        """Give a user another role; return the role it had.

        Raises
        ------
        StoreInputError
            A role not in :data:`ROLES`.
        UnknownItemError
            No such user.
        """
        if role not in ROLES:
            raise StoreInputError(f"role {role!r} is not one of {', '.join(ROLES)}")

        def work(conn: Connection) -> str:
            before = conn.execute(select(users.c.role).where(users.c.id == user_id)
                                  .with_for_update()).scalar()
            if before is None:
                raise UnknownItemError(f"no user {user_id!r}")
            conn.execute(users.update().where(users.c.id == user_id).values(role=role))
            return str(before)

        return self.store._write(work)

    # ------------------------------------------------------------------ tokens
    def add_token(self, prefix: str, user_id: str, secret_hash: str,
                  scopes: tuple[str, ...], expires_at: datetime) -> None:
        """Record a new token of a user."""
        def work(conn: Connection) -> None:
            if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
                raise UnknownItemError(f"no user {user_id!r}")
            conn.execute(api_tokens.insert().values(
                prefix=prefix, user_id=user_id, secret_hash=secret_hash,
                scopes=",".join(scopes), created_at=_now(), expires_at=expires_at))

        self.store._write(work)

    def get_token(self, prefix: str) -> TokenRecord | None:
        """The token of that prefix, or None."""
        with self.store._read() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.prefix == prefix)
                               ).mappings().first()
        return None if row is None else _token(row)

    def get_token_and_user(self, prefix: str) -> tuple[TokenRecord, UserRecord] | None:
        """The token of that prefix and its user, in one query (a bearer token is looked up
        on every request), or None."""
        query = select(api_tokens, *_USER_COLUMNS).join(
            users, users.c.id == api_tokens.c.user_id).where(api_tokens.c.prefix == prefix)
        with self.store._read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else (_token(row), _user(_unlabelled(row)))

    def list_tokens(self, user_id: str | None = None) -> list[TokenRecord]:
        """Every token (of one user), oldest first."""
        query = select(api_tokens).order_by(api_tokens.c.created_at)
        if user_id is not None:
            query = query.where(api_tokens.c.user_id == user_id)
        with self.store._read() as conn:
            return [_token(row) for row in conn.execute(query).mappings()]

    def revoke_token(self, prefix: str) -> bool:
        """Revoke a token now; False if it was revoked already. Raises
        :class:`UnknownItemError` for an unknown prefix."""
        def work(conn: Connection) -> bool:
            row = conn.execute(select(api_tokens.c.revoked_at).where(
                api_tokens.c.prefix == prefix)).first()
            if row is None:
                raise UnknownItemError(f"no token with prefix {prefix!r}")
            if row[0] is not None:
                return False
            conn.execute(api_tokens.update().where(api_tokens.c.prefix == prefix).values(
                revoked_at=_now()))
            return True

        return self.store._write(work)

    # ------------------------------------------------------------------ logins
    def add_login(self, token_hash: str, user_id: str, expires_at: datetime) -> None:
        """Record a browser login (the SHA-256 of its cookie)."""
        self.store._write(lambda conn: conn.execute(web_logins.insert().values(
            token_hash=token_hash, user_id=user_id, created_at=_now(),
            expires_at=expires_at)))

    def get_login(self, token_hash: str) -> tuple[str, datetime] | None:
        """``(user id, expiry)`` of a login, or None."""
        with self.store._read() as conn:
            row = conn.execute(select(web_logins.c.user_id, web_logins.c.expires_at).where(
                web_logins.c.token_hash == token_hash)).first()
        return None if row is None else (row[0], row[1])

    def get_login_and_user(self, token_hash: str) -> tuple[datetime, UserRecord] | None:
        """``(expiry, user)`` of a login, in one query (a login is looked up on every
        request of the pages), or None."""
        query = select(web_logins.c.expires_at, *_USER_COLUMNS).join(
            users, users.c.id == web_logins.c.user_id).where(
            web_logins.c.token_hash == token_hash)
        with self.store._read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else (row["expires_at"], _user(_unlabelled(row)))

    def delete_login(self, token_hash: str) -> None:
        """End a login (nothing if it does not exist)."""
        self.store._write(lambda conn: conn.execute(web_logins.delete().where(
            web_logins.c.token_hash == token_hash)))

    # ------------------------------------------------------------------ upkeep
    def purge(self, ended_before: datetime) -> tuple[int, int]:
        """Delete the logins that expired, and the tokens that expired or were revoked, at
        or before ``ended_before``, in one transaction. Returns (logins, tokens) deleted."""
        def work(conn: Connection) -> tuple[int, int]:
            logins = conn.execute(web_logins.delete().where(
                web_logins.c.expires_at <= ended_before)).rowcount
            tokens = conn.execute(api_tokens.delete().where(or_(
                api_tokens.c.expires_at <= ended_before,
                and_(api_tokens.c.revoked_at.is_not(None),
                     api_tokens.c.revoked_at <= ended_before)))).rowcount
            return logins, tokens

        return self.store._write(work)


_USER_COLUMNS = tuple(column.label(f"u_{column.name}") for column in users.c)
"""The user's columns, labelled ``u_<name>`` so that they do not clash with a joined
table's (``created_at``)."""


def _unlabelled(row: Mapping[str, Any]) -> dict[str, Any]:
    """The user's columns of a joined row, by their own names."""
    return {key[2:]: value for key, value in row.items() if key.startswith("u_")}


def _user(row: Mapping[str, Any]) -> UserRecord:
    return UserRecord(row["id"], row["organisation_id"], row["role"], row["password_hash"],
                      row["created_at"])


def _token(row: Mapping[str, Any]) -> TokenRecord:
    return TokenRecord(row["prefix"], row["user_id"], row["secret_hash"],
                       tuple(s for s in row["scopes"].split(",") if s), row["created_at"],
                       row["expires_at"], row["revoked_at"])
