"""The firm's finance: hurdle rate, payback limit, tax and cost rates."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from rxtwin.model.base import BoundedNonNegative, RxModel


class FirmProfile(StrEnum):
    generic = "generic"
    brand = "brand"
    contract_manufacturer = "contract_manufacturer"


class FirmFinance(RxModel):
    """What a firm asks of an investment, and the cost rates it pays."""

    profile: FirmProfile
    hurdle_rate: float = Field(ge=0.0, le=1.0, description="real discount rate per year [-]")
    payback_limit_yr: float = Field(gt=0.0, le=50.0)
    tax_rate: float = Field(ge=0.0, lt=1.0)
    labour_usd_per_fte_yr: BoundedNonNegative
    energy_usd_per_kwh: BoundedNonNegative
    inventory_carrying_rate_per_yr: float = Field(ge=0.0, le=1.0)
    overhead_usd_per_yr: BoundedNonNegative = 0.0
