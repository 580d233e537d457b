"""Supply edges of the network KSM -> API -> FDF -> market."""

from __future__ import annotations

from pydantic import Field, model_validator

from rxtwin.model.base import BoundedNonNegative, BoundedPositive, Identifier, RxModel


class SupplyEdge(RxModel):
    """A supplier site delivering a material (or product) to a customer site.

    ``customer_site_id`` None means the edge delivers to the market. For every
    (customer, material) the shares of its suppliers sum to 1.
    """

    supplier_site_id: Identifier
    customer_site_id: Identifier | None = None
    material_id: Identifier = Field(description="a material id or a product id")
    share: float = Field(gt=0.0, le=1.0, description="share of the customer's need")
    capacity_units_per_yr: BoundedPositive | None = None
    lead_time_days: BoundedNonNegative = 0.0
    qualification_lag_days: BoundedNonNegative = Field(
        0.0, description="time before this supplier can surge when another fails"
    )

    @model_validator(mode="after")
    def _not_self(self) -> SupplyEdge:
        if self.customer_site_id == self.supplier_site_id:
            raise ValueError(
                f"site '{self.supplier_site_id}' cannot supply itself "
                f"(material '{self.material_id}')"
            )
        return self
