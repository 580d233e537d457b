"""Logging in and out of the pages (``users`` mode): a user name and password give a
login cookie (HttpOnly, SameSite=Lax, Secure beyond the loopback interface); repeated
failures from one client for one user name answer 429 for a while, counted in the store
(:class:`rxtwin.web.auth.LoginLimiter`), so by every process of the app together."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from rxtwin.runs.accounts import LOGIN_HOURS, authenticate_password, close_login, open_login
from rxtwin.web.auth import LOGIN_COOKIE, AuthConfig, LoginLimiter, login_cookie_header

router = APIRouter(include_in_schema=False)


def _local_path(target: str) -> str:
    """Where to go after logging in: a path of this site, else the start page."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _page(request: Request, status: int = 200, message: str = "", user: str = "",
          next_url: str = "/") -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "login.html", {"message": message, "user": user, "next": next_url},
        status_code=status)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if request.app.state.auth.mode == "local":
        return RedirectResponse("/", status_code=303)
    return _page(request, next_url=_local_path(next))


@router.post("/login")
async def login(request: Request) -> Response:
    auth: AuthConfig = request.app.state.auth
    if auth.mode == "local":
        return RedirectResponse("/", status_code=303)
    form = await request.form()
    user = str(form.get("user", "")).strip()[:100]
    password = str(form.get("password", ""))
    next_url = _local_path(str(form.get("next", "/")))
    limiter: LoginLimiter = request.app.state.login_limiter
    key = (request.client.host if request.client else "", user.lower())
    wait_s = await run_in_threadpool(limiter.retry_after_s, key)
    if wait_s is not None:
        raise HTTPException(429, f"too many failed logins for {user!r}; try again in "
                                 f"{wait_s:.0f} s", headers={"Retry-After": f"{wait_s:.0f}"})
    store = request.app.state.store
    principal = await run_in_threadpool(authenticate_password, store, user, password)
    if principal is None:
        await run_in_threadpool(limiter.failed, key)
        return _page(request, 401, "wrong user name or password", user, next_url)
    await run_in_threadpool(limiter.succeeded, key)
    cookie = await run_in_threadpool(open_login, store, principal)
    response = RedirectResponse(next_url, status_code=303)
    response.headers.append("set-cookie", login_cookie_header(
        cookie, secure=auth.secure_cookies, max_age_s=int(LOGIN_HOURS * 3600)))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    cookie = request.cookies.get(LOGIN_COOKIE)
    if cookie:
        await run_in_threadpool(close_login, request.app.state.store, cookie)
    response = RedirectResponse("/login" if request.app.state.auth.mode == "users" else "/",
                                status_code=303)
    response.headers.append("set-cookie", login_cookie_header(
        "", secure=request.app.state.auth.secure_cookies, max_age_s=0))
    return response
