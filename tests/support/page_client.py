"""A test client that submits the pages' forms as a browser does: with the CSRF token the
pages put in every form (the ``rxtwin_csrf`` cookie's value, set on the first page seen).

Only form posts to the pages get the token (``data=`` or ``files=``, not under ``/api``);
a test that wants to see a form refused without it uses a plain ``TestClient``.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

CSRF_COOKIE = "rxtwin_csrf"


class PageClient(TestClient):
    """``TestClient`` whose form posts carry the page's CSRF token."""

    def csrf_token(self) -> str:
        """The token the pages put in their forms (fetched with a page if none yet)."""
        if CSRF_COOKIE not in self.cookies:
            self.get("/login")
        return self.cookies[CSRF_COOKIE]

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        is_form = kwargs.get("data") is not None or kwargs.get("files") is not None
        if method.upper() == "POST" and is_form and not str(url).startswith("/api"):
            data = kwargs.get("data")
            data = dict(data) if isinstance(data, dict) else {}
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().request(method, url, *args, **kwargs)
