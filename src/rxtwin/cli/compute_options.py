"""``--backend``, ``--workers`` and ``--scheduler``: where a command's chunks run.

One definition (the same names, bounds and help) for every command that simulates, and the
one function that turns the three into a :class:`rxtwin.runs.compute_setting.ComputeSetting`.
Where chunks run changes no result and is not stored with a run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rxtwin.runs.compute_setting import ComputeSetting

__all__ = ["BACKEND_OPTION", "SCHEDULER_OPTION", "WORKERS_OPTION", "compute_setting"]

BACKEND_OPTION = typer.Option(
    None, "--backend", help="Where chunks run: serial, threads, processes or dask (default: "
    "dask with --scheduler, threads with --workers > 1, else serial); the results are the "
    "same on every backend.")
WORKERS_OPTION = typer.Option(
    None, "--workers", min=1, help="Local workers: threads, processes or Dask worker "
    "processes (default: the CPU count for those backends); more than 1 without --backend "
    "runs on threads (the compiled engines release the GIL).")
SCHEDULER_OPTION = typer.Option(
    None, "--scheduler", help="Address of a running Dask scheduler (tcp://host:8786): run "
    "the chunks on its cluster.")


def compute_setting(backend: str | None, workers: int | None,
                    scheduler: str | None) -> ComputeSetting:
    """The setting of ``--backend``, ``--workers`` and ``--scheduler``
    (:meth:`rxtwin.runs.compute_setting.ComputeSetting.choose`).

    Raises
    ------
    rxtwin.errors.UserInputError
        An unknown backend, or a scheduler with a backend other than dask (one line on
        stderr, exit 2, under :func:`rxtwin.cli.common.user_errors`).
    """
    from rxtwin.errors import UserInputError
    from rxtwin.runs.compute_setting import ComputeSetting

    if scheduler is not None and backend not in (None, "dask"):
        raise UserInputError(f"--scheduler {scheduler}: runs the chunks on a Dask cluster, "
                             f"not with --backend {backend}; leave out one of the two")
    return ComputeSetting.choose(backend, workers, scheduler)
