"""Probability distributions as data.

A distribution in a scenario is a tagged mapping, e.g. ``{dist: triangular, low: 2,
mode: 4, high: 8}``. These classes only describe and validate; sampling lives in
:mod:`rxtwin.stats.sampling`.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from rxtwin.model.base import BoundedNonNegative, BoundedPositive, Real, RxModel

_BOUND = 1e15


class Fixed(RxModel):
    """A fixed value (no uncertainty)."""

    dist: Literal["fixed"] = "fixed"
    value: Real = Field(ge=-_BOUND, le=_BOUND)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def support_low(self) -> float:
        return self.value


class Uniform(RxModel):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: Real = Field(ge=-_BOUND, le=_BOUND)
    high: Real = Field(ge=-_BOUND, le=_BOUND)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def support_low(self) -> float:
        return self.low


class Triangular(RxModel):
    """Triangular on [low, high] with the given mode."""

    dist: Literal["triangular"]
    low: Real = Field(ge=-_BOUND, le=_BOUND)
    mode: Real = Field(ge=-_BOUND, le=_BOUND)
    high: Real = Field(ge=-_BOUND, le=_BOUND)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"need low <= mode <= high and low < high (got low={self.low}, "
                f"mode={self.mode}, high={self.high})"
            )
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    @property
    def support_low(self) -> float:
        return self.low


class Normal(RxModel):
    """Normal with mean and standard deviation (may go negative: not for durations)."""

    dist: Literal["normal"]
    mean: Real = Field(ge=-_BOUND, le=_BOUND)
    sd: BoundedNonNegative

    @property
    def support_low(self) -> float:
        return -math.inf if self.sd > 0 else self.mean


class LogNormal(RxModel):
    """Log-normal given by its mean and coefficient of variation (sd / mean)."""

    dist: Literal["lognormal"]
    mean: BoundedPositive
    cv: Real = Field(ge=0.0, le=100.0)

    @property
    def support_low(self) -> float:
        return 0.0


class Gamma(RxModel):
    """Gamma given by its mean and coefficient of variation (shape = 1 / cv^2)."""

    dist: Literal["gamma"]
    mean: BoundedPositive
    cv: Real = Field(gt=0.0, le=100.0)

    @property
    def support_low(self) -> float:
        return 0.0


class Exponential(RxModel):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean: BoundedPositive

    @property
    def support_low(self) -> float:
        return 0.0


Distribution = Annotated[
    Fixed | Uniform | Triangular | Normal | LogNormal | Gamma | Exponential,
    Field(discriminator="dist"),
]
"""Any distribution, tagged by ``dist``."""


def _require_positive_support(dist: RxModel) -> RxModel:
    if isinstance(dist, Normal):
        raise ValueError("a duration cannot use a normal distribution (it can go negative); "
                         "use lognormal, gamma, triangular, uniform, exponential or fixed")
    if dist.support_low < 0:
        raise ValueError(f"a duration must be >= 0 everywhere (lowest value {dist.support_low})")
    if isinstance(dist, Fixed) and dist.value <= 0:
        raise ValueError(f"a fixed duration must be > 0 (got {dist.value})")
    return dist


DurationDistribution = Annotated[
    Fixed | Uniform | Triangular | LogNormal | Gamma | Exponential,
    Field(discriminator="dist"),
    AfterValidator(_require_positive_support),
]
"""A distribution of a duration: non-negative support, fixed values > 0."""
