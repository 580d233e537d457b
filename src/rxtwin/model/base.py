"""The one base class and shared field types of the domain model.

Numbers are strict (pydantic ``Strict()``): a number field takes an integer or a decimal,
never ``true``/``false`` and never text, so ``horizon_yr: true`` or ``"hours": "2"`` is
refused instead of read as 1 or 2. A decimal field (:data:`Real` and the ranges built on it)
still takes an integer (``shelf_life_days: 1095``); a whole-number field
(:data:`WholeNumber`) takes integers only. Text read from CSV tables and web forms is turned
into numbers for the fields that want them before validation
(:func:`rxtwin.data.documents.numbers_from_text`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints


class RxModel(BaseModel):
    """Base of every domain type: unknown fields rejected, immutable, no NaN/inf."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        allow_inf_nan=False,
        validate_default=True,
        use_enum_values=False,
    )


Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"),
]
"""An id: letters, digits and ``_ . : -``, starting with a letter or digit, at most 64 chars."""

Real = Annotated[float, Strict()]
"""A number: an integer or a decimal; ``true``/``false`` and text are refused."""

WholeNumber = Annotated[int, Strict()]
"""A whole number: an integer; ``true``/``false``, decimals and text are refused."""

Fraction = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
"""A probability or share in [0, 1]."""

NonNegative = Annotated[float, Strict(), Field(ge=0.0)]
Positive = Annotated[float, Strict(), Field(gt=0.0)]

# A sane ceiling for money and counts: rejects typos such as 1e300 that would overflow
# downstream arithmetic, while allowing any real-world figure (world GDP is ~1e14 USD).
MAX_MAGNITUDE = 1e15
BoundedNonNegative = Annotated[float, Strict(), Field(ge=0.0, le=MAX_MAGNITUDE)]
BoundedPositive = Annotated[float, Strict(), Field(gt=0.0, le=MAX_MAGNITUDE)]
