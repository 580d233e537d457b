"""User-facing input errors.

A :class:`Problem` names the file, the field path, the offending value and the rule it
breaks; :class:`InputError` carries every problem found at once so that ``rxtwin validate``
can report them together. :class:`UserInputError` (and :class:`UnknownIdError` for an
unknown id) rejects one argument or value on purpose. The CLI prints one line per problem
and exits with code 2; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

_MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One problem with user input.

    Attributes
    ----------
    file : str
        The file the input came from (``"<input>"`` when it did not come from a file).
    path : str
        Dotted field path inside the document, e.g. ``products.3.demand_units_per_yr``.
    value : object
        The offending value (shown truncated).
    rule : str
        The rule it breaks, in words a user can act on.
    """

    file: str
    path: str
    value: object
    rule: str

    def line(self) -> str:
        """Return the problem as one human-readable line."""
        location = f"{self.file}: {self.path}" if self.path else self.file
        if self.value is _NO_VALUE:
            return f"{location}: {self.rule}"
        return f"{location}: {self.rule} (got {_short(self.value)})"


class _NoValue:
    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return "<no value>"


_NO_VALUE = _NoValue()
NO_VALUE = _NO_VALUE


def _short(value: object) -> str:
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


class InputError(Exception):
    """Bad user input: one or more :class:`Problem` records."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.line() for p in self.problems))


class UserInputError(ValueError):
    """An argument or input rxtwin rejects on purpose; the message names the value and rule.

    The CLI prints the message as one line and exits with code 2. A bare ``ValueError`` is
    not rejected input but a bug, and keeps its traceback. Subclassing ``ValueError`` keeps
    ``except ValueError`` and ``pytest.raises(ValueError)`` working.
    """


class UnknownIdError(UserInputError, KeyError):
    """No item with the given id or name; the message names it (and the known ones).

    Also a ``KeyError``, so ``except KeyError`` keeps working; ``str()`` is the message
    itself, without the quotes ``KeyError`` adds.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


def format_loc(loc: Iterable[object]) -> str:
    """Join a pydantic error location into a dotted path, dropping union-tag noise."""
    parts = []
    for item in loc:
        text = str(item)
        # Discriminated unions add the tag (e.g. 'lognormal') or a function name to loc.
        if text.startswith("function-") or text in {"fixed", "uniform", "triangular",
                                                    "normal", "lognormal", "gamma",
                                                    "exponential"}:
            continue
        parts.append(text)
    return ".".join(parts)


def problems_from_validation_error(error: ValidationError, file: str) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into :class:`Problem` records.

    Parameters
    ----------
    error : pydantic.ValidationError
        The error raised while validating a document.
    file : str
        The file name to report.
    """
    problems = []
    for item in error.errors(include_url=False):
        rule = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            rule = "unknown field (check the spelling; see docs/scenarios.md for valid fields)"
        elif item["type"] == "missing":
            rule = "required field is missing"
        value = item.get("input", _NO_VALUE) if item["type"] != "missing" else _NO_VALUE
        if isinstance(value, dict) and item["type"] not in {"model_type", "dict_type"}:
            value = _NO_VALUE
        problems.append(Problem(file=file, path=format_loc(item["loc"]), value=value, rule=rule))
    return problems
