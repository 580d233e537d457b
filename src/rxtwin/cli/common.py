"""Shared CLI plumbing: consoles, one-line errors with exit code 2, scenario loading."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from rxtwin.errors import InputError, UserInputError, problems_from_validation_error

if TYPE_CHECKING:
    from rich.progress import Progress

    from rxtwin.model import Scenario

console = Console()
err_console = Console(stderr=True, soft_wrap=True, emoji=False)  # ":b:" in a value stays text

EXIT_BAD_INPUT = 2

F = TypeVar("F", bound=Callable)


def progress_bar(label_width: int = 16) -> Progress:
    """The progress bar of every long command: label, bar, done/total, elapsed time."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(TextColumn(f"{{task.description:<{label_width}}}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                    transient=False)


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


# Errors of other modules that are rejected input, named (not imported) so that the CLI
# starts without importing the store or the planner; a subclass counts too.
_NAMED_USER_ERRORS = frozenset({"StoreError", "InfeasiblePlanError", "PathError"})

# Files a user named that cannot be opened: one line, not a traceback.
_FILE_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc) or type(exc).__name__


def user_errors(func: F) -> F:
    """Turn rejected user input into one-line messages and exit code 2 (no traceback).

    Rejected input is an :class:`~rxtwin.errors.InputError`, a
    :class:`~rxtwin.errors.UserInputError` (with :class:`~rxtwin.errors.UnknownIdError`), a
    pydantic ``ValidationError`` (one line per error), a file that cannot be opened, or a
    store, plan or path error. Anything else, a bare ``ValueError`` or ``KeyError``
    included, is a bug and propagates with its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise report_problems(exc) from None
        except ValidationError as exc:
            problems = problems_from_validation_error(exc, "<input>")
            raise report_problems(InputError(problems)) from None
        except (UserInputError, *_FILE_ERRORS) as exc:
            raise fail(_escape(_message(exc))) from None
        except Exception as exc:
            if any(cls.__module__.startswith("rxtwin.") and cls.__name__ in _NAMED_USER_ERRORS
                   for cls in type(exc).__mro__):
                raise fail(_escape(_message(exc))) from None
            raise

    return wrapper  # type: ignore[return-value]


def load_study_scenario(name_or_path: str, db: str | None) -> Scenario:
    """The scenario a command studies (bundled name or file).

    A scenario whose values reference released consortium statistics
    (``{consortium: NAME@VERSION, cell: {...}}``) is resolved from the pool of the store
    named by ``--db`` (default: env ``RXTWIN_DB``, else ``./rxtwin.sqlite``), which must
    exist; each resolved place is printed on stderr with its statistic and version, and the
    provenance goes into the scenario's ``sources``, so every run stored with it records
    what it used (``rxtwin runs show``).
    """
    from rxtwin.data.prior_references import find_references
    from rxtwin.data.scenarios import (
        load_scenario,
        read_scenario_document,
        resolve_scenario_path,
        scenario_from_document,
    )

    path = resolve_scenario_path(name_or_path)
    if not path.exists():
        return load_scenario(name_or_path)  # raises, naming the bundled scenarios
    document = read_scenario_document(path)  # read once, whether or not it has priors
    if next(find_references(document), None) is None:
        return scenario_from_document(document, str(path))
    from rxtwin.runs.consortium import resolve_consortium_priors
    from rxtwin.store import Store, StoreError, default_db_url

    try:
        store = Store.open(db or default_db_url(), create=False)
    except StoreError as error:
        raise UserInputError(f"{name_or_path}: takes priors from released consortium "
                             f"statistics, read from the pool of a store: {error} (name the "
                             "store holding the pool with --db)") from None
    with store:
        document, priors = resolve_consortium_priors(document, store, str(path))
    for prior in priors:
        err_console.print(f"prior {prior.path}: {prior.provenance}", highlight=False,
                          markup=False)
    return scenario_from_document(document, str(path))
