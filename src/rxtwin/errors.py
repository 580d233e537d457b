"""User-facing input errors.

A :class:`Problem` names the file, the field path, the offending value and the rule it
breaks; :class:`InputError` carries every problem found at once so that ``rxtwin validate``
can report them together. :class:`UserInputError` (and :class:`UnknownIdError` for an
unknown id) rejects one argument or value on purpose. The CLI prints one line per problem
and exits with code 2; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

_MAX_VALUE_CHARS = 60
MAX_PROBLEMS = 100
"""At most this many problems of one validation are listed; one more line counts the rest."""


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


class _Preview(reprlib.Repr):
    """A repr that looks at a bounded part of a value: a few items of the first levels, the
    start of a string, the size of a huge integer. It never builds the full repr of a large
    (for example alias-expanded) value before cutting it."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 4
        self.maxdeque = self.maxarray = self.maxdict = 4
        self.maxstring = self.maxother = self.maxlong = _MAX_VALUE_CHARS

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 200:  # about 60 digits; repr of a 5,000-digit int even raises
            return f"<an integer of about {int(x.bit_length() * 0.30103) + 1} digits>"
        return super().repr_int(x, level)


_PREVIEW = _Preview()


def _short(value: object) -> str:
    """A preview of ``value`` of at most ``_MAX_VALUE_CHARS`` characters."""
    try:
        text = _PREVIEW.repr(value)
    except Exception:  # a value whose repr fails must not hide the problem
        text = f"<{type(value).__name__}>"
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


class InputError(Exception):
    """Bad user input: one or more :class:`Problem` records."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.line() for p in self.problems))


class LimitExceededError(InputError):
    """A document breaks one of the reading limits (bytes, nesting depth, values after
    expanding aliases, integer digits, string length, time): rejected input, as any
    :class:`InputError`; the web app answers 413 for it instead of 422."""


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
    items = error.errors(include_url=False)
    for item in items[:MAX_PROBLEMS]:
        rule = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            rule = "unknown field (check the spelling; see docs/scenarios.md for valid fields)"
        elif item["type"] == "missing":
            rule = "required field is missing"
        value = item.get("input", _NO_VALUE) if item["type"] != "missing" else _NO_VALUE
        if isinstance(value, dict) and item["type"] not in {"model_type", "dict_type"}:
            value = _NO_VALUE
        problems.append(Problem(file=file, path=format_loc(item["loc"]), value=value, rule=rule))
    if len(items) > MAX_PROBLEMS:
        problems.append(Problem(file=file, path="", value=_NO_VALUE,
                                rule=f"and {len(items) - MAX_PROBLEMS} more problems (the "
                                     f"first {MAX_PROBLEMS} are listed)"))
    return problems
