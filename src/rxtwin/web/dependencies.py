"""FastAPI dependencies: the store, the run queue and the settings of the running app.

Everything is taken from ``request.app.state`` (set by :func:`rxtwin.web.app.create_app`),
never from module globals, so every app (and every test) has its own storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from rxtwin.store import Store
from rxtwin.web.jobs import JobQueue


@dataclass(frozen=True)
class Settings:
    """Limits of one app: request body size [bytes], queue and job limits, the time
    bound on reading and checking one uploaded document [s], and how long a run may go
    without progress before the app calls it interrupted [s]."""

    max_body_bytes: int
    queue_size: int
    workers: int
    job_timeout_s: float
    document_timeout_s: float = 10.0
    stale_after_s: float = 600.0


async def get_store(request: Request) -> Store:
    """The app's store."""
    return request.app.state.store


async def get_queue(request: Request) -> JobQueue:
    """The app's run queue."""
    return request.app.state.queue


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
