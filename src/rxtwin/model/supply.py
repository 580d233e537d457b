"""Supply edges of the network KSM -> API -> FDF -> market, and the parts a network is
assembled from (:class:`ItemInfo`, :class:`SupplyNetworkParts`).

The parts are plain typed data: :mod:`rxtwin.data.supply_io` parses CSV files into
:class:`SupplyNetworkParts`, and the supply engine assembles the graph from them
(:func:`rxtwin.supply.network.network_from_parts`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import Field, model_validator

from rxtwin.model.base import BoundedNonNegative, BoundedPositive, Identifier, Real, RxModel
from rxtwin.model.site import Site

__all__ = ["MARKET", "ItemInfo", "SupplyEdge", "SupplyNetworkParts"]

MARKET = "market"
"""Id of the market, the customer of every product delivery: the key of the market node of
a supply-network graph and the ``customer_site_id`` keyword of an edges file. No site may
use it."""


class SupplyEdge(RxModel):
    """A supplier site delivering a material (or product) to a customer site.

    ``customer_site_id`` None means the edge delivers to the market. For every
    (customer, material) the shares of its suppliers sum to 1.
    """

    supplier_site_id: Identifier
    customer_site_id: Identifier | None = None
    material_id: Identifier = Field(description="a material id or a product id")
    share: Real = Field(gt=0.0, le=1.0, description="share of the customer's need")
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


@dataclass(frozen=True)
class ItemInfo:
    """A material or product as the network sees it.

    Attributes
    ----------
    id : str
        Material or product id.
    kind : str
        ``"product"`` or a material kind (``ksm``, ``api``, ``excipient``, ``component``).
    name : str
        Display name.
    input_ids : tuple of str
        For a product: its API and components (bill of materials); empty otherwise.
    demand_units_per_yr : float
        Mean market demand of a product [units/yr]; NaN for materials or when unknown.
    criticality : float
        Clinical criticality in [0, 1] of a product [-]; NaN for materials.
    inventory_days : float
        Finished-goods stock of a product in the distribution channel, in days of mean
        demand [days]; 0 for materials.
    """

    id: str
    kind: str
    name: str
    input_ids: tuple[str, ...] = ()
    demand_units_per_yr: float = math.nan
    criticality: float = math.nan
    inventory_days: float = 0.0

    @property
    def is_product(self) -> bool:
        return self.kind == "product"


@dataclass(frozen=True)
class SupplyNetworkParts:
    """A supply network as validated parts, before it is assembled into a graph.

    Attributes
    ----------
    sites : tuple of Site
        The sites (ids unique).
    edges : tuple of SupplyEdge
        Supply edges; ``customer_site_id=None`` delivers to the market.
    items : mapping of str to ItemInfo
        Every material and product named by an edge, by id.
    site_inventory_days : mapping of str to float
        Stock each site holds of every input it receives, in days of its normal use of that
        input [days], >= 0; a site not named holds none.
    """

    sites: tuple[Site, ...]
    edges: tuple[SupplyEdge, ...]
    items: Mapping[str, ItemInfo]
    site_inventory_days: Mapping[str, float] = field(default_factory=dict)
