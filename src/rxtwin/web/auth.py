"""Who may do what in the web app: one dependency, :func:`authorise`, on the whole app.

Two modes (:class:`AuthConfig`):

* ``local``: no login; every request acts as the one local user
  (:data:`rxtwin.runs.accounts.LOCAL_PRINCIPAL`, organisation ``local``). ``rxtwin serve``
  allows it on the loopback interface only.
* ``users``: a request names its user by a bearer token (``Authorization: Bearer rxt_...``,
  the API's way) or by the login cookie that ``POST /login`` sets (the pages' way).

Every route but :data:`PUBLIC` needs a principal; the method sets the scope it needs
(GET/HEAD ``read``, DELETE ``admin``, any other ``write``), except the few routes of
:data:`SCOPE_OVERRIDES`. A run or scenario named in the
path (``run_id``, ``scenario_hash``) must belong to the principal's organisation: another's
answers the same 404, with the same message, as one that does not exist.

Cross-site requests, for state-changing requests authenticated by a cookie (a login, or
the local mode, which needs none): a page form must carry the CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``) equal to the ``rxtwin_csrf`` cookie (double
submit; the cookie is ``SameSite=Strict``); an API call must carry it too when it comes from
a browser page (it names an ``Origin``), and is refused when its ``Origin`` (or
``Sec-Fetch-Site``) names another site; a script's call (no ``Origin``) needs none. A
bearer token is never sent by a browser on its own, so it needs neither.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rxtwin.runs.accounts import (
    LOCAL_PRINCIPAL,
    Principal,
    authenticate_token,
    login_principal,
    same_secret,
)
from rxtwin.store import Store
from rxtwin.store.login_failures import LoginFailures

LOGIN_COOKIE = "rxtwin_login"
CSRF_COOKIE = "rxtwin_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

PUBLIC: frozenset[tuple[str, str]] = frozenset({
    ("GET", "/api/health"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
    ("GET", "/docs"), ("GET", "/static/plotly.min.js"),
})
"""(method, route path) that answer without a principal (the static files, mounted, and
``/openapi.json`` are outside the routes' dependencies and public too). Their forms
(log in, log out) still need the CSRF token."""


@dataclass(frozen=True)
class AuthConfig:
    """How an app authenticates: ``mode`` (``local`` or ``users``), whether its cookies are
    ``Secure`` (served beyond the loopback interface), and the limit on failed logins:
    ``login_attempts`` per user and client within ``login_window_s`` [s], then 429."""

    mode: Literal["local", "users"] = "local"
    secure_cookies: bool = False
    login_attempts: int = 5
    login_window_s: float = 300.0
    allowed_hosts: tuple[str, ...] | None = None
    """Host names a request may be addressed to (its ``Host`` header, without the port);
    None: any. ``rxtwin serve`` sets :data:`LOOPBACK_NAMES` in local mode, so that a web
    page whose own name resolves to 127.0.0.1 (DNS rebinding) cannot use the app."""


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is the loopback interface only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class LoginRequired(Exception):
    """A page asked without a principal: the handler redirects to the login page."""

    def __init__(self, next_url: str):
        self.next_url = next_url


class LoginLimiter:
    """Failed logins per key (client address and user name) in a sliding window of
    ``window_s`` [s]; a key with ``attempts`` failures in the window is refused (429) until
    its oldest failure leaves it. Kept in the store (:mod:`rxtwin.store.login_failures`,
    the key as a SHA-256), so every process of the app on one store shares the count and a
    restart does not reset it; each call is one short query (call it off the event loop)."""

    def __init__(self, store: Store, attempts: int, window_s: float):
        self.failures = LoginFailures(store)
        self.attempts = attempts
        self.window_s = window_s

    @staticmethod
    def _hash(key: tuple[str, str]) -> str:
        address, user = key
        return hashlib.sha256(f"{address}\n{user}".encode()).hexdigest()

    def retry_after_s(self, key: tuple[str, str]) -> float | None:
        """Seconds to wait before this key may try again, or None if it may now."""
        now = datetime.now(UTC)
        recent = self.failures.recent(self._hash(key), now - timedelta(seconds=self.window_s))
        if recent.count < self.attempts or recent.oldest is None:
            return None
        return max(1.0, self.window_s - (now - recent.oldest).total_seconds())

    def failed(self, key: tuple[str, str]) -> None:
        """Count a failure of this key now (and forget every key's that left the window)."""
        now = datetime.now(UTC)
        self.failures.record(self._hash(key), now,
                             forget_before=now - timedelta(seconds=self.window_s))

    def succeeded(self, key: tuple[str, str]) -> None:
        """Forget this key's failures."""
        self.failures.clear(self._hash(key))


class CsrfCookie:
    """ASGI middleware: give every browser a random CSRF token in the ``rxtwin_csrf``
    cookie (``SameSite=Strict``, ``HttpOnly``; pages put it in their forms), and make it
    ``request.state.csrf_token``."""

    def __init__(self, app: ASGIApp, secure: bool):
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # a malformed cookie header: as if none
            jar = SimpleCookie()
        given = jar[CSRF_COOKIE].value if CSRF_COOKIE in jar else ""
        fresh = not (20 <= len(given) <= 100 and given.replace("-", "").replace("_", "")
                     .isalnum())
        token = secrets.token_urlsafe(32) if fresh else given
        scope.setdefault("state", {})["csrf_token"] = token
        scope["state"]["csrf_from_cookie"] = "" if fresh else given

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                cookie = (f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
                          + ("; Secure" if self.secure else ""))
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", cookie.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def login_cookie_header(value: str, *, secure: bool, max_age_s: int | None) -> str:
    """A ``Set-Cookie`` value for the login: HttpOnly, SameSite=Lax, Secure off the
    loopback interface; ``max_age_s`` 0 deletes it."""
    age = "" if max_age_s is None else f"; Max-Age={max_age_s}"
    return (f"{LOGIN_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{age}"
            + ("; Secure" if secure else ""))


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _unauthenticated(request: Request, message: str) -> Exception:
    if request.url.path.startswith("/api"):
        return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
    if request.method in SAFE_METHODS:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return LoginRequired(target)
    return HTTPException(401, message)


def _identify(store: Store, request: Request) -> tuple[Principal | None, bool, str | None]:
    """(principal, authenticated by an ambient credential (cookie), what was wrong)."""
    auth: AuthConfig = request.app.state.auth
    token = _bearer(request)
    if token is not None:
        principal = authenticate_token(store, token)
        return principal, False, (None if principal else
                                  "the bearer token is unknown, revoked or expired")
    if request.headers.get("authorization"):
        return None, False, "the Authorization header must be 'Bearer <token>'"
    if auth.mode == "local":
        return LOCAL_PRINCIPAL, True, None
    cookie = request.cookies.get(LOGIN_COOKIE)
    if cookie:
        principal = login_principal(store, cookie)
        return principal, True, (None if principal else
                                 "the login has expired or ended; log in again")
    return None, True, ("authentication required: send 'Authorization: Bearer <token>' "
                        "(rxtwin users token) or log in at /login")


async def check_csrf(request: Request) -> None:
    """403 unless the request carries the CSRF token of its cookie (form field or header)
    and, if it names an origin, it is this site."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        here = urlsplit(str(request.base_url))
        there = urlsplit(origin)
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):
            raise HTTPException(403, f"cross-site request refused (Origin {origin})")
    elif origin == "null" or request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPException(403, "cross-site request refused")
    expected = str(request.state.csrf_from_cookie or "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and not request.url.path.startswith("/api"):
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded",
                                    "multipart/form-data")):
            given = str((await request.form()).get(CSRF_FIELD) or "")
    if request.url.path.startswith("/api") and not given and not origin:
        return  # not from a browser page (no Origin on a state-changing request): a script
    if not expected or not given or not same_secret(expected, given):
        raise HTTPException(403, "the form's CSRF token is missing or does not match; "
                                 "reload the page and send the form again")


SCOPE_OVERRIDES: dict[tuple[str, str], str] = {
    ("POST", "/api/consortium/queries"): "read",
    ("POST", "/consortium/queries"): "read",
}
"""(method, route path) that need another scope than their method's. A private query of the
consortium's pool is a POST (it spends privacy budget and stores its answer) but it reads:
a researcher may ask it."""


def _needed_scope(method: str, path: str) -> str:
    if (method, path) in SCOPE_OVERRIDES:
        return SCOPE_OVERRIDES[(method, path)]
    if method in SAFE_METHODS:
        return "read"
    return "admin" if method == "DELETE" else "write"


async def authorise(request: Request) -> Principal | None:
    """The app's one authorisation dependency: the principal of the request, or None on a
    public route. Raises 401 (or a redirect to the login page), 403 or 404 as the module
    says."""
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    method = "GET" if request.method == "HEAD" else request.method
    allowed = request.app.state.auth.allowed_hosts
    if allowed is not None and (request.url.hostname or "").lower() not in allowed:
        raise HTTPException(403, f"this server answers requests addressed to "
                                 f"{', '.join(allowed)} only, not {request.url.hostname!r}")
    if (method, path) in PUBLIC:
        if method not in SAFE_METHODS:
            await check_csrf(request)
        return None
    store: Store = request.app.state.store
    principal, ambient, problem = await run_in_threadpool(_identify, store, request)
    if principal is None:
        raise _unauthenticated(request, problem or "authentication required")
    if ambient and method not in SAFE_METHODS:
        await check_csrf(request)
    need = _needed_scope(method, path)
    if need not in principal.scopes:
        have = ", ".join(sorted(principal.scopes)) or "none"
        raise HTTPException(403, f"{method} {path} needs the {need!r} scope; user "
                                 f"{principal.user_id!r} ({principal.role}) has {have} here")
    await run_in_threadpool(_check_owner, store, request.path_params, principal)
    request.state.principal = principal
    return principal


def _check_owner(store: Store, params: dict[str, Any], principal: Principal) -> None:
    """404 for a run or scenario of the path that is not the principal's organisation's,
    said as for one that does not exist (one query either way)."""
    from rxtwin.web.service import WebError

    run_id = params.get("run_id")
    if run_id is not None and store.run_organisation(str(run_id)) != principal.organisation_id:
        raise WebError(404, f"no run with id {run_id!r}")
    scenario_hash = params.get("scenario_hash")
    if scenario_hash is not None and not store.scenario_owned(str(scenario_hash),
                                                              principal.organisation_id):
        raise WebError(404, f"no scenario with hash {scenario_hash!r}")


PrincipalDep = Annotated[Principal, Depends(authorise)]


def login_url(next_url: str) -> str:
    """The login page, coming back to ``next_url`` (a local path) afterwards."""
    return f"/login?next={quote(next_url, safe='/')}"
