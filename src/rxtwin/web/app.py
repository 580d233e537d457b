"""The rxtwin web app: server-rendered pages and a REST API under ``/api``.

:func:`create_app` builds a FastAPI app on a store given by URL or path (no globals): a
bounded background run queue, request size limits, JSON errors under ``/api`` and HTML
error pages elsewhere, never a stack trace to the client.

>>> app = create_app("runs.sqlite")                        # doctest: +SKIP
>>> import uvicorn; uvicorn.run(app, port=8000)           # doctest: +SKIP
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rxtwin import __version__
from rxtwin.errors import format_loc
from rxtwin.report.headline import human_number
from rxtwin.store import Store, StoreError, StoreInputError, UnknownItemError, UnknownRunError
from rxtwin.web.auth import (
    AuthConfig,
    CsrfCookie,
    LoginLimiter,
    LoginRequired,
    authorise,
    login_url,
)
from rxtwin.web.dependencies import Settings
from rxtwin.web.jobs import JobQueue
from rxtwin.web.service import FigureCache, TableCache, WebError

__all__ = ["create_app"]

HERE = Path(__file__).parent
LOG = logging.getLogger("rxtwin.web")

# Swagger UI, served from the package (static/swagger-ui/, PROVENANCE.md there), so that
# /docs works without a network connection.
SWAGGER_UI = "/static/swagger-ui"


class BodyLimit:
    """ASGI middleware: refuse request bodies above ``max_bytes`` with 413.

    Checks ``Content-Length`` up front and counts the bytes of bodies sent without it
    (chunked), so no handler ever reads more than the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = True
            if too_big:
                await _too_large(scope, send, self.max_bytes)
                return
        seen = 0
        response_started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused, response_started
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    if not response_started:
                        response_started = True
                        await _too_large(scope, send, self.max_bytes)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return  # the 413 has been sent; drop what the app answers to the disconnect
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise


async def _too_large(scope: Scope, send: Send, max_bytes: int) -> None:
    message = f"request body larger than {max_bytes} bytes"
    if scope["path"].startswith("/api"):
        response: Response = _json_error(413, message)
    else:
        response = HTMLResponse(f"<h1>413</h1><p>{message}</p>", status_code=413)
    await response(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _json_error(status: int, message: str, problems: list[dict[str, str]] | None = None
                ) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message,
                                   "problems": problems or []}}, status_code=status)


def create_app(
    store_url: str,
    *,
    workers: int = 1,
    queue_size: int = 16,
    job_timeout_s: float = 600.0,
    max_body_bytes: int = 2_000_000,
    document_timeout_s: float = 10.0,
    resume_interrupted: bool = False,
    stale_after_s: float = 600.0,
    start_workers: bool = True,
    store: Store | None = None,
    auth: AuthConfig | None = None,
) -> FastAPI:
    """Build the web app on a store.

    Parameters
    ----------
    store_url : str
        SQLite path or PostgreSQL URL (see :meth:`rxtwin.store.Store.open`).
    workers : int
        Runs executed at once (threads).
    queue_size : int
        Runs waiting at most; beyond, launching answers 429.
    job_timeout_s : float
        Wall-clock limit of a run [s].
    max_body_bytes : int
        Largest request body accepted [bytes]; larger answers 413.
    document_timeout_s : float
        Time bound on reading and checking one uploaded scenario or API body [s], done in a
        worker thread so that other requests keep being answered; longer answers 413.
    resume_interrupted : bool
        Queue interrupted runs again by themselves (on start-up, and as slots free up);
        ``rxtwin serve`` does, unless ``--no-resume-interrupted``.
    stale_after_s : float
        A run shown as ``running`` that no worker of this app executes and that has
        recorded nothing for this long [s] is marked ``interrupted`` when it is looked at
        (its server stopped or lost it); the default is the job timeout's.
    start_workers : bool
        Start the worker threads (tests of the queue limit pass False).
    store : Store, optional
        An already open store to use instead of opening ``store_url``.
    auth : AuthConfig, optional
        How requests are authenticated (:mod:`rxtwin.web.auth`); default: the local mode
        (no login, everything belongs to the organisation ``local``), which ``rxtwin serve``
        allows on the loopback interface only.

    Notes
    -----
    On start-up, runs left ``running`` by a dead process are marked ``interrupted``
    (resumed by themselves with ``resume_interrupted``, else from their page or
    ``POST /api/runs/{id}/resume``), and runs still ``queued`` are queued again, oldest
    first; those beyond ``queue_size`` wait in the store and are queued as runs end.
    """
    opened = store or Store.open(store_url)
    jobs = JobQueue(opened, workers=workers, queue_size=queue_size,
                    job_timeout_s=job_timeout_s,
                    backlog_statuses=("queued", "interrupted") if resume_interrupted
                    else ("queued",))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened.mark_interrupted_runs()
        jobs.fill_from_store()
        if start_workers:
            jobs.start()
        try:
            yield
        finally:
            jobs.stop()
            if store is None:
                opened.close()

    auth = auth or AuthConfig()
    app = FastAPI(
        title="rxtwin", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
        dependencies=[Depends(authorise)],
        description="Scenarios, runs, figures and reports of rxtwin. Errors are JSON: "
        '{"error": {"status", "message", "problems": [{"path", "rule", "message"}]}}.',
    )
    app.state.store = opened
    app.state.queue = jobs
    app.state.figures = FigureCache()
    app.state.tables = TableCache()
    app.state.settings = Settings(max_body_bytes=max_body_bytes, queue_size=queue_size,
                                  workers=workers, job_timeout_s=job_timeout_s,
                                  document_timeout_s=document_timeout_s,
                                  stale_after_s=stale_after_s)
    app.state.auth = auth
    app.state.login_limiter = LoginLimiter(opened, auth.login_attempts, auth.login_window_s)
    app.state.templates = Jinja2Templates(directory=HERE / "templates",
                                          context_processors=[_page_context])
    app.state.templates.env.filters["human"] = _human
    app.add_middleware(CsrfCookie, secure=auth.secure_cookies)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)

    from rxtwin.web.routers import api, consortium, consortium_pages, login, pages

    app.include_router(api.router)
    app.include_router(consortium.router)
    app.include_router(consortium_pages.router)
    app.include_router(login.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _install_docs(app)
    _install_error_handlers(app)
    app.openapi = functools.partial(_openapi, app)  # type: ignore[method-assign]
    return app


def _page_context(request: Request) -> dict[str, Any]:
    """What every page template may use: the CSRF token for its forms, who is signed in
    and whether the app has logins at all."""
    return {"csrf_token": getattr(request.state, "csrf_token", ""),
            "principal": getattr(request.state, "principal", None),
            "auth_mode": request.app.state.auth.mode}


def _human(value: Any) -> str:
    """A value for people: numbers with a few significant figures (no
    ``1.2999999999999998``), lists comma-separated."""
    if isinstance(value, list | tuple):
        return ", ".join(_human(v) for v in value) if value else "(none)"
    if isinstance(value, float):
        return human_number(value, 6)
    return str(value)


_FRAMEWORK_422 = "#/components/schemas/HTTPValidationError"


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema, true to the error bodies: FastAPI declares its own 422 body
    (``HTTPValidationError``) on every route with parameters, but this app answers every
    error, 422 included, as ``ErrorResponse``; the schema says so. Every operation but
    ``/api/health`` asks for a bearer token (users mode)."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version,
                             description=app.description, routes=app.routes)
        for operation in (op for path in schema["paths"].values() for op in path.values()):
            answer = operation.get("responses", {}).get("422", {})
            content = answer.get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("$ref") == _FRAMEWORK_422:
                answer["description"] = "The request is not valid; each problem with its path."
                content["schema"] = {"$ref": "#/components/schemas/ErrorResponse"}
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        schema.setdefault("components", {})["securitySchemes"] = {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "An API token (rxtwin users token); not needed in local mode."}}
        schema["security"] = [{"bearer": []}]
        schema["paths"]["/api/health"]["get"]["security"] = []
        app.openapi_schema = schema
    return app.openapi_schema


def _install_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the package's own files (no CDN, no validator badge)."""

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title="rxtwin API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _error_page(request: Request, status: int, message: str,
                problems: list[dict[str, str]] | None = None) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message,
                                "problems": problems or []}, status_code=status)


def _respond(request: Request, status: int, message: str,
             problems: list[dict[str, str]] | None = None) -> Response:
    if _wants_json(request):
        return _json_error(status, message, problems)
    return _error_page(request, status, message, problems)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (the router's own 405 names only the
    methods of the first route that matched the path): each method is tried on every
    route, included routers too."""
    return [method for method in _METHODS
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
                   for route in request.app.router.routes)]


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def web_error(request: Request, error: WebError) -> Response:
        return _respond(request, error.status, error.message, error.problems)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, error: LoginRequired) -> Response:
        return RedirectResponse(login_url(error.next_url), status_code=303)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        problems = []
        for item in error.errors():
            loc = item.get("loc", ())
            path = format_loc(loc[1:] if loc and loc[0] in ("body", "query", "path") else loc)
            problems.append({"path": path, "rule": str(item.get("msg", "")),
                             "message": f"{path}: {item.get('msg', '')}"})
        return _respond(request, 422, "the request is not valid", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        response = _respond(request, error.status_code, str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        if error.status_code == 405 and (allowed := _allowed_methods(request)):
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.exception_handler(UnknownRunError)
    async def unknown_run(request: Request, error: UnknownRunError) -> Response:
        return _respond(request, 404, "no such run")

    @app.exception_handler(UnknownItemError)
    async def unknown_item(request: Request, error: UnknownItemError) -> Response:
        return _respond(request, 404, str(error).strip("'\""))

    @app.exception_handler(StoreInputError)
    async def store_input(request: Request, error: StoreInputError) -> Response:
        return _respond(request, 422, str(error))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, error: StoreError) -> Response:
        LOG.warning("store error on %s: %s", request.url.path, error)
        return _respond(request, 409, str(error).splitlines()[0])

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        LOG.exception("unexpected error on %s", request.url.path)
        return _respond(request, 500, "internal error; the server log has the details")

