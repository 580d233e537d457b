"""Sites and manufacturing lines."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator

from rxtwin.model.base import Identifier, Real, RxModel, WholeNumber
from rxtwin.model.units import HOURS_PER_YEAR


class InspectionStatus(StrEnum):
    """Outcome of the last FDA inspection (FDA Data Dashboard classifications)."""

    NAI = "NAI"  # no action indicated
    VAI = "VAI"  # voluntary action indicated
    OAI = "OAI"  # official action indicated
    not_inspected = "not_inspected"


class Site(RxModel):
    """A manufacturing site of some owner in some country."""

    id: Identifier
    name: str = Field(min_length=1)
    country_code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    owner: str = Field(min_length=1)
    inspection_status: InspectionStatus = InspectionStatus.not_inspected
    last_inspection_year: WholeNumber | None = Field(None, ge=1950, le=2100)




class Line(RxModel):
    """A production line at a site, running one technology over a set of products."""

    id: Identifier
    name: str = Field(min_length=1)
    site_id: Identifier
    technology_id: Identifier
    product_ids: list[Identifier] = Field(min_length=1)
    available_h_per_yr: Real = Field(
        gt=0, le=HOURS_PER_YEAR, description="staffed hours per year the line can run"
    )
    campaign_policy: Literal["fixed_rotation", "run_out"] = "fixed_rotation"

    @field_validator("product_ids")
    @classmethod
    def _unique(cls, ids: list[str]) -> list[str]:
        seen: set[str] = set()
        for pid in ids:
            if pid in seen:
                raise ValueError(f"product '{pid}' is listed twice")
            seen.add(pid)
        return ids
