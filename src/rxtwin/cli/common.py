"""Shared CLI plumbing: consoles, one-line errors with exit code 2, scenario loading."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from rxtwin.errors import InputError

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

EXIT_BAD_INPUT = 2

F = TypeVar("F", bound=Callable)


def fail(message: str) -> typer.Exit:
    """Print one error line to stderr and return the Exit(2) to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(EXIT_BAD_INPUT)


def report_problems(error: InputError) -> typer.Exit:
    """Print every problem of an :class:`InputError`, one per line; return Exit(2)."""
    for problem in error.problems:
        err_console.print(f"[bold red]error:[/] {_escape(problem.line())}", highlight=False)
    return typer.Exit(EXIT_BAD_INPUT)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def user_errors(func: F) -> F:
    """Turn user-input exceptions into one-line messages and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise report_problems(exc) from None
        except (KeyError, ValueError, FileNotFoundError, PermissionError) as exc:
            message = exc.args[0] if exc.args else type(exc).__name__
            raise fail(_escape(str(message))) from None
        except Exception as exc:  # noqa: BLE001 - a store error or similar user-facing error
            if type(exc).__name__ in {"StoreError", "InfeasiblePlanError", "PathError"}:
                raise fail(_escape(str(exc))) from None
            raise

    return wrapper  # type: ignore[return-value]
