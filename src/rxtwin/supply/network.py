"""The supply network KSM -> API -> FDF -> market as a :class:`networkx.DiGraph`.

Graph layout (what every function of :mod:`rxtwin.supply` reads)
-----------------------------------------------------------------
Nodes
    * one node per **site**, keyed by the site id, with attributes ``kind="site"``,
      ``name``, ``country_code`` (ISO 3166-1 alpha-2), ``owner``, ``inspection_status``,
      ``items`` (sorted ids of what the site supplies), ``tiers`` (sorted tiers of those
      items), ``tier`` (the most downstream of them, see :data:`TIER_ORDER`; ``"none"``
      for a site that supplies nothing) and ``inventory_days`` (stock of each input the
      site receives, in days of its normal use of that input [days]; 0 unless given);
    * one **market** node, keyed :data:`MARKET`, ``kind="market"``.
Edges
    supplier site -> customer site (or -> market). Several materials can flow between the
    same two sites, so each edge carries ``items``: a dict ``item_id -> {share,
    capacity_units_per_yr, lead_time_days, qualification_lag_days}``, where ``share`` is
    the supplier's share of the customer's need of that item [-] and a capacity of
    ``None`` means "not given".
Graph attributes
    ``graph.graph["items"]``: ``item_id -> ItemInfo`` (:class:`rxtwin.model.supply.ItemInfo`)
    for every material and product
    (kind, name, inputs, demand, criticality, finished-goods stock). Materials and
    products are labels of the flows, not nodes, so that paths and cuts in the graph are
    paths and cuts of *sites*, which is what an outage removes.

Tiers are inferred from what a site supplies: a site delivering a product to the market
(or running a line that makes it) is ``fdf``; one delivering an API is ``api``; then
``component``/``excipient`` and ``ksm``.

Bill of materials (the model has no quantities)
-----------------------------------------------
* A product made at site *k* uses its API (``Product.api_id``) and its
  ``component_ids`` that are delivered to *k*; one unit of each per unit of product.
* An API made at site *k* uses every KSM delivered to *k* (the model has no API recipe);
  quantities are counted in product-equivalent units.
* A product without market edges in the scenario is delivered to the market by the sites
  of the lines that make it, in equal shares (assumption: no split is given).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx
import pandas as pd

from rxtwin.errors import UnknownIdError, UserInputError
from rxtwin.model import Scenario, Site, SupplyEdge
from rxtwin.model.supply import MARKET, ItemInfo, SupplyNetworkParts

__all__ = [
    "MARKET",
    "PRODUCT_TIER",
    "TIER_ORDER",
    "ChainArc",
    "assemble_network",
    "build_network",
    "inputs_of",
    "item_info",
    "network_from_parts",
    "product_chain",
    "site_table",
    "tier_of_item",
]

PRODUCT_TIER = "fdf"
TIER_ORDER = ("ksm", "excipient", "component", "api", PRODUCT_TIER)
"""Tiers from upstream to downstream; a site's ``tier`` is the last of its tiers here."""


@dataclass(frozen=True)
class ChainArc:
    """One supply edge on the chain of a product, reached through a path to the market.

    Attributes
    ----------
    product_id : str
        The product whose chain this is.
    item_id : str
        Material (or the product itself) flowing on the edge.
    supplier_site_id, customer : str
        The edge; ``customer`` is a site id or :data:`MARKET`.
    weight : float
        Fraction of the product's supply that flows through this edge along this path:
        the product of the shares from the market back to this edge [-].
    downstream : tuple of str
        Sites from the customer down to the market, market included.
    """

    product_id: str
    item_id: str
    supplier_site_id: str
    customer: str
    weight: float
    downstream: tuple[str, ...] = field(default=())


def tier_of_item(info: ItemInfo) -> str:
    """Tier label of an item: ``"fdf"`` for a product, else the material kind."""
    return PRODUCT_TIER if info.is_product else info.kind


def _tier_rank(tier: str) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else -1


def assemble_network(
    sites: Iterable[Site],
    edges: Iterable[SupplyEdge],
    items: Mapping[str, ItemInfo],
    line_sites_by_product: Mapping[str, Iterable[str]] = MappingProxyType({}),
    site_inventory_days: Mapping[str, float] = MappingProxyType({}),
) -> nx.DiGraph:
    """Build the supply-network graph from validated parts.

    Parameters
    ----------
    sites : iterable of Site
        Sites (ids unique).
    edges : iterable of SupplyEdge
        Supply edges; ``customer_site_id=None`` delivers to the market.
    items : mapping of str to ItemInfo
        Every material and product named by an edge.
    line_sites_by_product : mapping of str to iterable of str, optional
        Sites of the lines that make each product; used, in equal shares, for products
        with no market edge. Default: none.
    site_inventory_days : mapping of str to float, optional
        Stock each site holds of every input it receives, in days of its normal use of
        that input [days], >= 0 (e.g. API at a finished-dose site). Sites not named hold
        none (0). The time-to-survive model turns it into units
        (:func:`rxtwin.supply.tts.flow_model`).

    Returns
    -------
    networkx.DiGraph
        The graph described in the module docstring.

    Raises
    ------
    rxtwin.errors.UserInputError
        An edge names a site or item that is not given, or a site inventory names an
        unknown site or is not a finite number >= 0.
    """
    graph = nx.DiGraph(items=dict(items))
    for site in sites:
        graph.add_node(site.id, kind="site", name=site.name, country_code=site.country_code,
                       owner=site.owner, inspection_status=str(site.inspection_status.value),
                       inventory_days=0.0)
    if MARKET in graph:
        raise UserInputError(f"site id '{MARKET}' is reserved for the market node")
    for site_id, days in site_inventory_days.items():
        if site_id not in graph or site_id == MARKET:
            raise UserInputError(f"site_inventory_days names '{site_id}', which is not a site")
        if not (math.isfinite(days) and days >= 0):
            raise UserInputError(f"site_inventory_days of '{site_id}' = {days}: must be a "
                                 "number of days >= 0")
        graph.nodes[site_id]["inventory_days"] = float(days)
    graph.add_node(MARKET, kind="market", name="market")

    market_products: set[str] = set()
    for index, edge in enumerate(edges):
        customer = MARKET if edge.customer_site_id is None else edge.customer_site_id
        for role, site_id in (("supplier_site_id", edge.supplier_site_id),
                              ("customer_site_id", customer)):
            if site_id not in graph:
                raise UserInputError(f"supply edge {index}: {role} '{site_id}' is not a site")
        if edge.material_id not in items:
            raise UserInputError(f"supply edge {index}: item '{edge.material_id}' is neither a "
                                 "material nor a product")
        _add_flow(graph, edge.supplier_site_id, customer, edge.material_id, edge.share,
                  edge.capacity_units_per_yr, edge.lead_time_days, edge.qualification_lag_days)
        if customer == MARKET:
            market_products.add(edge.material_id)

    for product_id, site_ids in line_sites_by_product.items():
        if product_id in market_products:
            continue
        unique = sorted(set(site_ids))
        for site_id in unique:
            if site_id not in graph:
                raise UserInputError(f"a line making '{product_id}' is at unknown site '{site_id}'")
            _add_flow(graph, site_id, MARKET, product_id, 1.0 / len(unique), None, 0.0, 0.0)

    _label_tiers(graph)
    return graph


def network_from_parts(parts: SupplyNetworkParts) -> nx.DiGraph:
    """The supply-network graph of parts read from files
    (:func:`rxtwin.data.supply_io.read_network_csv`): :func:`assemble_network` of its
    sites, edges, items and site inventories, with no lines (every product has market
    edges).

    Returns
    -------
    networkx.DiGraph
        The graph described in the module docstring.
    """
    return assemble_network(parts.sites, parts.edges, parts.items,
                            site_inventory_days=parts.site_inventory_days)


def _add_flow(graph: nx.DiGraph, supplier: str, customer: str, item_id: str, share: float,
              capacity_units_per_yr: float | None, lead_time_days: float,
              qualification_lag_days: float) -> None:
    if not graph.has_edge(supplier, customer):
        graph.add_edge(supplier, customer, items={})
    flows = graph.edges[supplier, customer]["items"]
    if item_id in flows:
        raise UserInputError(f"site '{supplier}' supplies '{item_id}' to '{customer}' twice")
    flows[item_id] = {
        "share": float(share),
        "capacity_units_per_yr": capacity_units_per_yr,
        "lead_time_days": float(lead_time_days),
        "qualification_lag_days": float(qualification_lag_days),
    }


def _label_tiers(graph: nx.DiGraph) -> None:
    items: Mapping[str, ItemInfo] = graph.graph["items"]
    for node, data in graph.nodes(data=True):
        if data["kind"] != "site":
            continue
        supplied = sorted({item for _, _, flows in graph.out_edges(node, data="items")
                           for item in flows})
        tiers = sorted({tier_of_item(items[i]) for i in supplied}, key=_tier_rank)
        data["items"] = supplied
        data["tiers"] = tiers
        data["tier"] = tiers[-1] if tiers else "none"


def build_network(scenario: Scenario) -> nx.DiGraph:
    """The supply network of a scenario: sites, market and the flows between them.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (its supply edges, sites, materials, products and lines).

    Returns
    -------
    networkx.DiGraph
        Sites and a market node; edges labelled by the items they carry (see the module
        docstring for attributes).

    Examples
    --------
    >>> from rxtwin.data.scenarios import load_scenario
    >>> g = build_network(load_scenario("metformin"))
    >>> sorted(g.predecessors("fdf-site")), g.nodes["api-site-in"]["tier"]
    (['api-site-cn', 'api-site-in'], 'api')
    """
    return assemble_network(
        scenario.sites,
        scenario.supply_edges,
        item_info(scenario),
        _line_sites_by_product(scenario),
    )


def item_info(scenario: Scenario) -> dict[str, ItemInfo]:
    """The :class:`ItemInfo` of every material and product of a scenario."""
    items = {
        m.id: ItemInfo(id=m.id, kind=m.kind.value, name=m.name) for m in scenario.materials
    }
    for p in scenario.products:
        if p.id in items:
            raise UserInputError(f"id '{p.id}' is both a material and a product; supply edges "
                                 "could not tell them apart")
        inputs = ((p.api_id,) if p.api_id else ()) + tuple(p.component_ids)
        items[p.id] = ItemInfo(
            id=p.id, kind="product", name=p.name, input_ids=inputs,
            demand_units_per_yr=p.demand_units_per_yr, criticality=p.criticality,
            inventory_days=p.initial_inventory_days,
        )
    return items


def _line_sites_by_product(scenario: Scenario) -> dict[str, list[str]]:
    sites: dict[str, list[str]] = defaultdict(list)
    for line in scenario.lines:
        for product_id in line.product_ids:
            sites[product_id].append(line.site_id)
    return dict(sites)


def _delivered_to(graph: nx.DiGraph, site_id: str) -> dict[str, list[tuple[str, dict]]]:
    """item -> [(supplier, flow attributes)] of everything delivered to ``site_id``."""
    delivered: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for supplier, _, flows in graph.in_edges(site_id, data="items"):
        for item_id, flow in flows.items():
            delivered[item_id].append((supplier, flow))
    return delivered


def inputs_of(graph: nx.DiGraph, site_id: str, item_id: str) -> tuple[str, ...]:
    """Recorded inputs of ``item_id`` made at ``site_id`` (see the bill-of-materials rules).

    A product uses its API and components that are delivered to the site; an API uses
    every KSM delivered to the site; other materials have no recorded inputs.
    """
    items: Mapping[str, ItemInfo] = graph.graph["items"]
    info = items[item_id]
    delivered = _delivered_to(graph, site_id)
    if info.is_product:
        return tuple(m for m in info.input_ids if m in delivered)
    if info.kind == "api":
        return tuple(sorted(m for m in delivered if items[m].kind == "ksm"))
    return ()


def product_chain(graph: nx.DiGraph, product_id: str) -> Iterator[ChainArc]:
    """Every supply edge on the chain of a product, once per path to the market.

    Starts at the market edges of the product and walks upstream through the recorded
    inputs of each supplying site (:func:`inputs_of`). The weight of an arc is the product
    of the shares along its path, so the weights of the arcs carrying one item sum to the
    fraction of the product's supply whose chain records that item.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`build_network` or :func:`assemble_network`.
    product_id : str
        A product delivered to the market.

    Yields
    ------
    ChainArc
    """
    if product_id not in graph.graph["items"]:
        raise UnknownIdError(f"no product with id '{product_id}' in the network")
    stack: list[tuple[str, str, float, tuple[str, ...]]] = []
    for supplier, _, flows in graph.in_edges(MARKET, data="items"):
        if product_id in flows:
            stack.append((product_id, supplier, flows[product_id]["share"], (MARKET,)))
    # Depth-first; an item's inputs are strictly upstream (product > api > ksm), so the
    # walk ends. The visited set guards against a malformed cycle all the same.
    while stack:
        item_id, supplier, weight, downstream = stack.pop()
        yield ChainArc(product_id, item_id, supplier, downstream[0], weight, downstream)
        if supplier in downstream:
            continue
        path = (supplier, *downstream)
        delivered = _delivered_to(graph, supplier)
        for input_id in inputs_of(graph, supplier, item_id):
            for upstream, flow in delivered[input_id]:
                if upstream not in path:
                    stack.append((input_id, upstream, weight * flow["share"], path))


def site_table(graph: nx.DiGraph) -> pd.DataFrame:
    """Sites as a tidy DataFrame, downstream tiers first.

    Returns
    -------
    pandas.DataFrame
        Columns ``site_id``, ``name``, ``tier``, ``country_code``, ``owner``, ``items``
        (``;``-joined ids supplied), ``customers`` (``;``-joined customer sites or market),
        ``inventory_days`` (stock of each input the site receives, in days of its normal
        use [days]).
    """
    rows = []
    for node, data in graph.nodes(data=True):
        if data["kind"] != "site":
            continue
        rows.append({
            "site_id": node, "name": data["name"], "tier": data["tier"],
            "country_code": data["country_code"], "owner": data["owner"],
            "items": ";".join(data["items"]),
            "customers": ";".join(sorted(graph.successors(node))),
            "inventory_days": float(data.get("inventory_days", 0.0)),
        })
    frame = pd.DataFrame(rows, columns=["site_id", "name", "tier", "country_code", "owner",
                                        "items", "customers", "inventory_days"])
    order = frame["tier"].map(lambda t: -_tier_rank(t))
    return frame.assign(_o=order).sort_values(["_o", "site_id"]).drop(columns="_o").reset_index(
        drop=True)
