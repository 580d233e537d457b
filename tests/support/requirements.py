"""What a test needs from the machine: skip outside CI, fail under CI=true.

A developer's machine may lack a PostgreSQL server or a browser; those tests then skip and
say why (``-ra`` prints the reason). CI must run everything, so under ``CI=true`` the same
absence fails the test instead of hiding it.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ENV = "RXTWIN_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser")


def in_ci() -> bool:
    """True when the environment variable ``CI`` is ``true`` (any case)."""
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip the test with ``reason``, or fail it with ``reason`` under ``CI=true``."""
    if in_ci():
        pytest.fail(f"CI=true requires it: {reason}")
    pytest.skip(reason)


def chromium_executable() -> str | None:
    """The Chromium to drive: ``RXTWIN_CHROMIUM`` if set, else ``chromium`` or
    ``chromium-browser`` on the PATH; None when there is none."""
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        return given if shutil.which(given) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None
