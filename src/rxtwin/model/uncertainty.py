"""Uncertain parameters: a scenario field path with a distribution."""

from __future__ import annotations

from pydantic import Field

from rxtwin.model.base import RxModel
from rxtwin.model.distributions import Distribution


class UncertainParameter(RxModel):
    """A scenario value drawn from a distribution in uncertainty studies.

    ``path`` names the field, lists indexed by id: ``technologies.cm.capex_usd``.
    """

    path: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    distribution: Distribution
