"""Fixture: small hand-made supply networks for the supply tests."""

from __future__ import annotations

import pytest

from rxtwin.model import Site, SupplyEdge
from rxtwin.model.supply import ItemInfo
from rxtwin.supply.network import assemble_network


def build_toy(sites, edges, products, materials=None):
    """Build a network from compact specs.

    sites: {site_id: (country_code, owner)}
    edges: [(supplier, customer or None, item, share[, capacity_units_per_yr])]
    products: {product_id: (input_ids, demand_units_per_yr, inventory_days, criticality)}
    materials: {material_id: kind}
    """
    site_objs = [Site(id=s, name=s, country_code=c, owner=o) for s, (c, o) in sites.items()]
    edge_objs = []
    for spec in edges:
        supplier, customer, item, share, *rest = spec
        edge_objs.append(SupplyEdge(supplier_site_id=supplier, customer_site_id=customer,
                                    material_id=item, share=share,
                                    capacity_units_per_yr=rest[0] if rest else None))
    items = {m: ItemInfo(id=m, kind=k, name=m) for m, k in (materials or {}).items()}
    for p, (inputs, demand, inventory_days, criticality) in products.items():
        items[p] = ItemInfo(id=p, kind="product", name=p, input_ids=tuple(inputs),
                            demand_units_per_yr=demand, inventory_days=inventory_days,
                            criticality=criticality)
    return assemble_network(site_objs, edge_objs, items)


@pytest.fixture
def toy():
    """The :func:`build_toy` builder."""
    return build_toy
