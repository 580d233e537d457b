"""Users, API tokens and browser logins of the web app: who may do what.

A user belongs to an organisation of the consortium pool and has a role; the role bounds
the scopes of the user's tokens and logins:

========== =====================
role       scopes
========== =====================
researcher read
member     read, write
admin      read, write, admin
========== =====================

``read`` lets a request read (GET), ``write`` create and resume (POST), ``admin`` delete
(DELETE), always within the user's own organisation. A token's effective scopes are its
own scopes within the role's, worked out on every request (a lowered role takes effect at
once).

Secrets are kept as hashes only: API tokens (``rxt_<prefix>_<secret>``, the secret from
``secrets.token_urlsafe(32)``) and passwords as argon2id hashes (``argon2-cffi``), found by
the token's public prefix or the user's id; login cookies (256 random bits) as SHA-256.

>>> token = issue_token(store, "alice").token                # doctest: +SKIP
>>> authenticate_token(store, token).organisation_id         # doctest: +SKIP
'acme'
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rxtwin.store import LOCAL_ORGANISATION, ROLES, Store, StoreInputError
from rxtwin.store.accounts import Accounts, TokenRecord, UserRecord

__all__ = ["LOCAL_ORGANISATION", "LOCAL_PRINCIPAL", "PURGE_AFTER_DAYS", "ROLES", "ROLE_SCOPES",
           "SCOPES", "IssuedToken", "Principal", "Purged", "add_user", "authenticate_password",
           "authenticate_token", "close_login", "get_user", "has_users", "issue_token", "list_tokens",
           "list_users", "login_principal", "open_login", "purge", "revoke_token",
           "set_password", "set_role"]

SCOPES = ("read", "write", "admin")
ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    "researcher": ("read",), "member": ("read", "write"), "admin": ("read", "write", "admin")}
TOKEN_PREFIX = "rxt"
TOKEN_DAYS = 90
"""Default life of a token [days] (assumption: a quarter, so a lost token dies by itself;
``--days`` changes it)."""
LOGIN_HOURS = 12.0
"""Life of a browser login [h] (assumption: one working day)."""
MIN_PASSWORD_CHARS = 12

_HASHER = PasswordHasher()  # argon2id, the library's defaults (RFC 9106 low-memory profile)
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

ARGON2_AT_ONCE = max(1, (os.cpu_count() or 1) // 2)
"""argon2 verifications run at once per process, at most (assumption: half the cores; one
takes about 0.15 s of CPU and 64 MB, on ``parallelism`` = 4 threads, so a burst of logins
or of new tokens left unbounded takes every core and stalls every other request; bounded,
they wait their turn and the other requests keep being answered)."""
_ARGON2_SLOTS = threading.BoundedSemaphore(ARGON2_AT_ONCE)


def _verify(stored_hash: str, secret: str) -> bool:
    """Whether ``secret`` matches its argon2 hash, in one of the :data:`ARGON2_AT_ONCE`
    slots."""
    with _ARGON2_SLOTS:
        try:
            return _HASHER.verify(stored_hash, secret)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class Principal:
    """Who is asking: user, organisation, role and the scopes granted to this request."""

    user_id: str
    organisation_id: str
    role: str
    scopes: frozenset[str]


LOCAL_PRINCIPAL = Principal("local", LOCAL_ORGANISATION, "admin", frozenset(SCOPES))
"""The one user of the web app's local mode (no login, on the loopback interface)."""


@dataclass(frozen=True)
class IssuedToken:
    """A new token: shown once (only its hash is stored)."""

    token: str
    prefix: str
    user_id: str
    scopes: tuple[str, ...]
    expires_at: datetime


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise StoreInputError(f"password has {len(password)} characters; use at least "
                              f"{MIN_PASSWORD_CHARS}")


def add_user(store: Store, user_id: str, organisation_id: str, role: str = "member",
             password: str | None = None) -> None:
    """Add a user to a registered organisation, with a password for the browser if given
    (stored as an argon2 hash)."""
    if password is not None:
        _check_password(password)
    Accounts(store).add_user(user_id, organisation_id, role,
                             None if password is None else _HASHER.hash(password))


def set_password(store: Store, user_id: str, password: str | None) -> int:
    """Set (or with None remove) a user's browser password, and end the user's browser
    logins (whoever logged in with the old password must log in again). Returns the number
    of logins ended."""
    if password is not None:
        _check_password(password)
    return Accounts(store).set_password_hash(
        user_id, None if password is None else _HASHER.hash(password), end_logins=True)


def set_role(store: Store, user_id: str, role: str) -> str:
    """Give a user another role; return the one it had. It takes effect on the next
    request of each of the user's tokens and logins: their scopes are cut to the new
    role's. A token keeps the scopes it was issued with, so a raised role shows in new
    tokens (and in logins, which have all the role's scopes) only."""
    return Accounts(store).set_role(user_id, role)


@dataclass(frozen=True)
class Purged:
    """What :func:`purge` deleted: logins and tokens that ended before ``ended_before``."""

    logins: int
    tokens: int
    ended_before: datetime


PURGE_AFTER_DAYS = 30
"""Default age [days] past which ended logins and tokens are deleted (assumption: a month
of expired and revoked tokens stays in ``rxtwin users list`` to look back on)."""


def purge(store: Store, older_than: timedelta = timedelta(days=PURGE_AFTER_DAYS), *,
          now: datetime | None = None) -> Purged:
    """Delete the browser logins that expired, and the tokens that expired or were
    revoked, more than ``older_than`` ago (zero: every ended one)."""
    if older_than < timedelta(0):
        raise StoreInputError(f"the age of what to delete must not be negative, got "
                              f"{older_than}")
    cutoff = (now or datetime.now(UTC)) - older_than
    logins, tokens = Accounts(store).purge(cutoff)
    return Purged(logins, tokens, cutoff)


def get_user(store: Store, user_id: str) -> UserRecord | None:
    """A user (never a secret in clear), or None."""
    return Accounts(store).get_user(user_id)


def list_users(store: Store) -> list[UserRecord]:
    """Every user, by organisation and id."""
    return Accounts(store).list_users()


def list_tokens(store: Store) -> list[TokenRecord]:
    """Every token (its hash, never the token), oldest first."""
    return Accounts(store).list_tokens()


def has_users(store: Store) -> bool:
    """Whether the store holds any user (the web app then needs a login)."""
    return Accounts(store).count_users() > 0


def issue_token(store: Store, user_id: str, scopes: tuple[str, ...] | None = None, *,
                valid_for: timedelta = timedelta(days=TOKEN_DAYS)) -> IssuedToken:
    """Make an API token for a user; return it (the only time it is seen in clear).

    Parameters
    ----------
    scopes : tuple of str, optional
        Within the user's role (:data:`ROLE_SCOPES`); default: all of the role's.
    valid_for : timedelta
        Life of the token (positive).
    """
    accounts = Accounts(store)
    user = accounts.get_user(user_id)
    if user is None:
        raise StoreInputError(f"no user {user_id!r}; add one with rxtwin users add")
    allowed = ROLE_SCOPES[user.role]
    wanted = tuple(dict.fromkeys(scopes)) if scopes else allowed
    beyond = [s for s in wanted if s not in allowed]
    if beyond:
        raise StoreInputError(f"scope {', '.join(beyond)} is beyond the role {user.role!r} of "
                              f"{user_id!r}, which allows {', '.join(allowed)}")
    if valid_for <= timedelta(0):
        raise StoreInputError(f"a token must be valid for a positive time, got {valid_for}")
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = datetime.now(UTC) + valid_for
    accounts.add_token(prefix, user_id, _HASHER.hash(token), wanted, expires_at)
    return IssuedToken(token, prefix, user_id, wanted, expires_at)


def revoke_token(store: Store, prefix_or_token: str) -> bool:
    """Revoke a token, named by its prefix or given whole; False if revoked already."""
    prefix = _prefix(prefix_or_token) or prefix_or_token
    return Accounts(store).revoke_token(prefix)


def _prefix(token: str) -> str | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


class _Verified:
    """Tokens already verified against their argon2 hash (by SHA-256 of the token), so a
    client's every request does not pay argon2's cost; revocation and expiry are checked
    on the stored row each time, before this."""

    def __init__(self, max_items: int = 1024):
        self._items: OrderedDict[tuple[str, str], bool] = OrderedDict()
        self._max = max_items
        self._lock = threading.Lock()

    def seen(self, key: tuple[str, str]) -> bool:
        with self._lock:
            return key in self._items

    def add(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._items[key] = True
            while len(self._items) > self._max:
                self._items.popitem(last=False)


_VERIFIED = _Verified()


def _principal(user: UserRecord, scopes: tuple[str, ...]) -> Principal:
    allowed = ROLE_SCOPES.get(user.role, ())
    return Principal(user.id, user.organisation_id, user.role,
                     frozenset(s for s in scopes if s in allowed))


def token_record(store: Store, token: str) -> TokenRecord | None:
    """The stored row of a token given whole (not checked), or None."""
    prefix = _prefix(token)
    return None if prefix is None else Accounts(store).get_token(prefix)


def authenticate_token(store: Store, token: str, *, now: datetime | None = None
                       ) -> Principal | None:
    """The principal of a bearer token, or None if it is unknown, wrong, revoked or
    expired. One query (the token's row with its user's); argon2 only the first time a
    process sees the token."""
    prefix = _prefix(token)
    if prefix is None or len(token) > 200:
        return None
    found = Accounts(store).get_token_and_user(prefix)
    now = now or datetime.now(UTC)
    if found is None:
        return None
    record, user = found
    if record.revoked_at is not None or record.expires_at <= now:
        return None
    key = (prefix, hashlib.sha256(token.encode("utf-8")).hexdigest())
    if not _VERIFIED.seen(key):
        if not _verify(record.secret_hash, token):
            return None
        _VERIFIED.add(key)
    return _principal(user, record.scopes)


def authenticate_password(store: Store, user_id: str, password: str) -> Principal | None:
    """The principal of a user and password, or None. An unknown user costs the same
    argon2 verification as a wrong password."""
    user = Accounts(store).get_user(user_id) if len(user_id) <= 100 else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    if not _verify(stored, password[:1000]):
        return None
    if user is None or not user.password_hash:
        return None
    return _principal(user, ROLE_SCOPES[user.role])


def _login_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


def open_login(store: Store, principal: Principal, *,
                 valid_for: timedelta = timedelta(hours=LOGIN_HOURS)) -> str:
    """Start a browser login for a user; return the cookie value (256 random bits)."""
    cookie = secrets.token_urlsafe(32)
    Accounts(store).add_login(_login_hash(cookie), principal.user_id,
                                datetime.now(UTC) + valid_for)
    return cookie


def login_principal(store: Store, cookie: str) -> Principal | None:
    """The principal of a login cookie, or None if unknown or expired: its SHA-256 and one
    query (the login's row with its user's)."""
    if not cookie or len(cookie) > 200:
        return None
    found = Accounts(store).get_login_and_user(_login_hash(cookie))
    if found is None or found[0] <= datetime.now(UTC):
        return None
    return _principal(found[1], ROLE_SCOPES[found[1].role])


def close_login(store: Store, cookie: str) -> None:
    """End a browser login."""
    Accounts(store).delete_login(_login_hash(cookie))


def same_secret(a: str, b: str) -> bool:
    """Constant-time equality of two secrets."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
