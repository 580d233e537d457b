"""The one base class and shared field types of the domain model."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


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

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
"""A probability or share in [0, 1]."""

NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]

# A sane ceiling for money and counts: rejects typos such as 1e300 that would overflow
# downstream arithmetic, while allowing any real-world figure (world GDP is ~1e14 USD).
MAX_MAGNITUDE = 1e15
BoundedNonNegative = Annotated[float, Field(ge=0.0, le=MAX_MAGNITUDE)]
BoundedPositive = Annotated[float, Field(gt=0.0, le=MAX_MAGNITUDE)]
