"""Read and write supply networks as CSV files, and read the supply-analysis defaults.

Two CSV files describe a network without a full scenario: :func:`read_network_csv` reads
them into model parts (:class:`rxtwin.model.supply.SupplyNetworkParts`), which
:func:`rxtwin.supply.network.network_from_parts` assembles into a graph;
:func:`network_to_csv` writes any network, e.g. a scenario's, in this layout.

``sites.csv`` (one row per site)
    ``site_id`` (required, unique), ``country_code`` (required, ISO 3166-1 alpha-2, e.g.
    ``IN``), ``owner`` (required), ``name`` (optional, defaults to the id),
    ``inventory_days`` (optional, >= 0, default 0: site stock, the stock the site holds of
    every input it receives, in days of its normal use of that input; e.g. API at a
    finished-dose site. Time-to-survive counts it: :func:`rxtwin.supply.tts.flow_model`).
``edges.csv`` (one row per supplier, customer and item)
    ``supplier_site_id`` (required, a site), ``customer_site_id`` (a site, or blank or
    ``market`` for delivery to the market), ``item_id`` (required), ``item_kind``
    (required: ``ksm``, ``api``, ``excipient``, ``component`` or ``product``), ``share``
    (required, in (0, 1]; the shares of the suppliers of one item to one customer sum to
    1), and optional ``capacity_units_per_yr`` (> 0), ``lead_time_days`` (>= 0, default 0),
    ``qualification_lag_days`` (>= 0, default 0), ``used_for`` (``;``-separated product
    ids an input goes into at its customer; blank = every product made there), and on
    product rows (equal on every row of one product; needed only by TTS):
    ``demand_units_per_yr`` (> 0), ``inventory_days`` (finished-goods stock in the
    channel, >= 0, default 0: none known) and ``criticality`` (in [0, 1], default 1:
    every product weighs alike in the risk ranking).

Bad files raise :class:`rxtwin.errors.InputError` naming the file, the line (1 = header),
the column and the value.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import ValidationError

from rxtwin.data.documents import (
    bundled_data_file,
    file_problem,
    read_csv_rows,
    read_data_file,
    sourced_values,
)
from rxtwin.errors import NO_VALUE, UserInputError
from rxtwin.model import MaterialKind, Site, SupplyEdge
from rxtwin.model.supply import MARKET, ItemInfo, SupplyNetworkParts

__all__ = ["EDGE_COLUMNS", "SITE_COLUMNS", "load_supply_defaults", "network_to_csv",
           "read_network_csv"]

SITE_COLUMNS = {"required": ("site_id", "country_code", "owner"),
                "optional": ("name", "inventory_days")}
EDGE_COLUMNS = {
    "required": ("supplier_site_id", "customer_site_id", "item_id", "item_kind", "share"),
    "optional": ("capacity_units_per_yr", "lead_time_days", "qualification_lag_days",
                 "used_for", "demand_units_per_yr", "inventory_days", "criticality"),
}
ITEM_KINDS = tuple(k.value for k in MaterialKind) + ("product",)
SHARE_TOLERANCE = 1e-6
_PRODUCT_COLUMNS = (
    ("demand_units_per_yr", "must be > 0", lambda v: v > 0),
    ("inventory_days", "must be >= 0", lambda v: v >= 0),
    ("criticality", "must be in [0, 1]", lambda v: 0 <= v <= 1),
)


def _read_rows(path: Path, columns: dict[str, tuple[str, ...]]) -> list[tuple[int, dict]]:
    all_rows = read_csv_rows(path)
    header = [h.strip() for h in (all_rows[0] if all_rows else [])]
    if not header:
        raise file_problem(path, "line 1", NO_VALUE, "empty file: expected a header row")
    missing = [c for c in columns["required"] if c not in header]
    if missing:
        raise file_problem(path, "line 1", header,
                           f"missing column(s) {', '.join(missing)}; required: "
                           f"{', '.join(columns['required'])}")
    known = set(columns["required"]) | set(columns["optional"])
    unknown = [c for c in header if c not in known]
    if unknown:
        raise file_problem(path, "line 1", unknown,
                           f"unknown column(s); allowed: {', '.join(sorted(known))}")
    rows = []
    for line, cells in enumerate(all_rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise file_problem(path, f"line {line}", cells,
                               f"row has {len(cells)} cells, the header has {len(header)}")
        rows.append((line, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    if not rows:
        raise file_problem(path, "", NO_VALUE, "no data rows")
    return rows


def _number(path: Path, line: int, column: str, text: str, default: float | None,
            rule: str, ok) -> float | None:
    if text == "":
        if default is None and column in EDGE_COLUMNS["required"]:
            raise file_problem(path, f"line {line}, column {column}", text,
                               "required value is blank")
        return default
    try:
        value = float(text)
    except ValueError:
        raise file_problem(path, f"line {line}, column {column}", text, "not a number") from None
    if not math.isfinite(value) or not ok(value):
        raise file_problem(path, f"line {line}, column {column}", text, rule)
    return value


def _validated(path: Path, line: int, model, **values: Any):
    try:
        return model(**values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        column = ".".join(str(x) for x in first["loc"]) or "row"
        column = {"id": "site_id", "material_id": "item_id"}.get(column, column)
        raise file_problem(path, f"line {line}, column {column}", first.get("input", NO_VALUE),
                           first["msg"].removeprefix("Value error, ")) from None


def read_network_csv(sites_csv: Path | str, edges_csv: Path | str) -> SupplyNetworkParts:
    """Read a supply network from a sites file and an edges file (see module docstring).

    Returns
    -------
    SupplyNetworkParts
        The sites (in file order), the edges (in file order), every item named by an edge
        and each site's ``inventory_days``; :func:`rxtwin.supply.network.network_from_parts`
        assembles the graph.

    Raises
    ------
    rxtwin.errors.InputError
        Naming the file, line, column and value of the first problem found.
    """
    sites_path, edges_path = Path(sites_csv), Path(edges_csv)
    sites: dict[str, Site] = {}
    site_inventory_days: dict[str, float] = {}
    for line, row in _read_rows(sites_path, SITE_COLUMNS):
        site_id = row["site_id"]
        if site_id in sites:
            raise file_problem(sites_path, f"line {line}, column site_id", site_id,
                               "site id is used twice; ids must be unique")
        sites[site_id] = _validated(sites_path, line, Site, id=site_id,
                                    name=row.get("name") or site_id,
                                    country_code=row["country_code"], owner=row["owner"])
        site_inventory_days[site_id] = _number(
            sites_path, line, "inventory_days", row.get("inventory_days", ""), 0.0,
            "must be >= 0", lambda v: v >= 0)

    kinds: dict[str, tuple[str, int]] = {}
    product_values: dict[tuple[str, str], tuple[float, int]] = {}
    seen_edges: dict[tuple[str, str, str], int] = {}
    used_for: dict[tuple[str, str], list[str]] = {}
    edges: list[SupplyEdge] = []
    share_sums: dict[tuple[str, str], list] = defaultdict(lambda: [0.0, 0])
    for line, row in _read_rows(edges_path, EDGE_COLUMNS):
        where = f"line {line}, column "
        for column in ("supplier_site_id", "customer_site_id"):
            value = row[column]
            if column == "customer_site_id" and value in ("", MARKET):
                continue
            if value not in sites:
                raise file_problem(edges_path, where + column, value,
                                   f"not a site_id of {sites_path.name}")
        kind = row["item_kind"]
        if kind not in ITEM_KINDS:
            raise file_problem(edges_path, where + "item_kind", kind,
                               f"must be one of {', '.join(ITEM_KINDS)}")
        item = row["item_id"]
        if item in kinds and kinds[item][0] != kind:
            raise file_problem(edges_path, where + "item_kind", kind,
                               f"item '{item}' was a {kinds[item][0]} on line {kinds[item][1]}")
        kinds.setdefault(item, (kind, line))
        customer = row["customer_site_id"] or MARKET
        first = seen_edges.setdefault((row["supplier_site_id"], customer, item), line)
        if first != line:
            raise file_problem(edges_path, where + "item_id", item,
                               f"'{row['supplier_site_id']}' already supplies it to "
                               f"'{customer}' on line {first}; give one row per supplier, "
                               "customer and item")
        if (customer == MARKET) != (kind == "product"):
            raise file_problem(edges_path, where + "customer_site_id", row["customer_site_id"],
                               "products go to the market (blank or 'market') and only products do")
        share = _number(edges_path, line, "share", row["share"], None, "must be in (0, 1]",
                        lambda v: 0 < v <= 1)
        capacity = _number(edges_path, line, "capacity_units_per_yr",
                           row.get("capacity_units_per_yr", ""), None, "must be > 0",
                           lambda v: v > 0)
        lead = _number(edges_path, line, "lead_time_days", row.get("lead_time_days", ""), 0.0,
                       "must be >= 0", lambda v: v >= 0)
        lag = _number(edges_path, line, "qualification_lag_days",
                      row.get("qualification_lag_days", ""), 0.0, "must be >= 0",
                      lambda v: v >= 0)
        for column, rule, ok in _PRODUCT_COLUMNS:
            value = _number(edges_path, line, column, row.get(column, ""), None, rule, ok)
            if value is None:
                continue
            if kind != "product":
                raise file_problem(edges_path, where + column, value, "given on product rows only")
            seen = product_values.setdefault((item, column), (value, line))
            if seen[0] != value:
                raise file_problem(edges_path, where + column, value,
                                   f"product '{item}' has {column} {seen[0]} on line {seen[1]}")
        if row.get("used_for"):
            used_for[(customer, item)] = [p.strip() for p in row["used_for"].split(";")
                                          if p.strip()]
        edges.append(_validated(
            edges_path, line, SupplyEdge, supplier_site_id=row["supplier_site_id"],
            customer_site_id=None if customer == MARKET else customer, material_id=item,
            share=share, capacity_units_per_yr=capacity, lead_time_days=lead,
            qualification_lag_days=lag))
        total = share_sums[(customer, item)]
        total[0] += share
        total[1] = total[1] or line
    for (customer, item), (total, line) in share_sums.items():
        if abs(total - 1.0) > SHARE_TOLERANCE:
            who = "the market" if customer == MARKET else f"site '{customer}'"
            raise file_problem(edges_path, f"line {line}, column share", round(total, 9),
                               f"shares of '{item}' to {who} sum to {total:.6g}, must be 1")

    items = _items_from_rows(edges_path, edges, kinds, product_values, used_for)
    return SupplyNetworkParts(sites=tuple(sites.values()), edges=tuple(edges), items=items,
                              site_inventory_days=site_inventory_days)


def _items_from_rows(path, edges, kinds, values, used_for) -> dict[str, ItemInfo]:
    products = {i for i, (k, _) in kinds.items() if k == "product"}
    makers: dict[str, set[str]] = defaultdict(set)  # site -> products it delivers
    for edge in edges:
        if edge.customer_site_id is None:
            makers[edge.supplier_site_id].add(edge.material_id)
    inputs: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        customer, item = edge.customer_site_id, edge.material_id
        if customer is None or kinds[item][0] not in ("api", "component", "excipient"):
            continue
        targets = used_for.get((customer, item), sorted(makers[customer]))
        for product in targets:
            if product not in products:
                raise file_problem(path, f"line {kinds[item][1]}, column used_for", product,
                                   "not a product of this file")
            if item not in inputs[product]:
                inputs[product].append(item)
    items = {i: ItemInfo(id=i, kind=k, name=i) for i, (k, _) in kinds.items() if k != "product"}
    for product in products:
        items[product] = ItemInfo(
            id=product, kind="product", name=product, input_ids=tuple(inputs[product]),
            demand_units_per_yr=values.get((product, "demand_units_per_yr"), (math.nan,))[0],
            inventory_days=values.get((product, "inventory_days"), (0.0,))[0],
            criticality=values.get((product, "criticality"), (1.0,))[0],
        )
    return items


def _cell(value: float | None) -> str:
    """A number as the reader reads it back exactly (``repr``); blank for none or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


def network_to_csv(graph: nx.DiGraph, sites_csv: Path | str, edges_csv: Path | str) -> None:
    """Write a supply network as the two CSV files :func:`read_network_csv` reads.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`rxtwin.supply.network.build_network` or
        :func:`rxtwin.supply.network.network_from_parts`.
    sites_csv, edges_csv : pathlib.Path or str
        Files to write (overwritten), in the layout of the module docstring.

    Raises
    ------
    rxtwin.errors.UserInputError
        A material is delivered to a site that makes products but is an input of none of
        them: ``used_for`` cannot say "no product" (a blank cell means every product).

    Notes
    -----
    Reading the files back gives the same sites (with their ``inventory_days``), flows
    (share, capacity, lead time, qualification lag), products (demand, channel stock,
    criticality) and bill of materials, hence the same exposure and time-to-survive
    results. Numbers are written with ``repr``, so they read back exactly. The CSV layout
    has no material names and no inspection status: materials read back named by their
    id and sites as not inspected.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from rxtwin.data.scenarios import load_scenario
    >>> from rxtwin.supply.network import build_network, network_from_parts
    >>> folder = Path(tempfile.mkdtemp())
    >>> network_to_csv(build_network(load_scenario("metformin")),
    ...                folder / "sites.csv", folder / "edges.csv")
    >>> again = network_from_parts(read_network_csv(folder / "sites.csv",
    ...                                             folder / "edges.csv"))
    >>> sorted(again.predecessors("fdf-site"))
    ['api-site-cn', 'api-site-in']
    """
    items: Mapping[str, Any] = graph.graph["items"]
    site_ids = sorted(n for n, data in graph.nodes(data=True) if data["kind"] == "site")
    makers: dict[str, list[str]] = defaultdict(list)  # site -> products it delivers
    for supplier, _, flows in graph.in_edges(MARKET, data="items"):
        makers[supplier] += sorted(flows)
    site_rows = [["site_id", "name", "country_code", "owner", "inventory_days"]]
    for site_id in site_ids:
        node = graph.nodes[site_id]
        site_rows.append([site_id, node["name"], node["country_code"], node["owner"],
                          _cell(node.get("inventory_days", 0.0))])
    edge_rows = [list(EDGE_COLUMNS["required"]) + list(EDGE_COLUMNS["optional"])]
    for supplier, customer, flows in sorted(graph.edges(data="items")):
        for item_id in sorted(flows):
            flow, info = flows[item_id], items[item_id]
            used_for = ""
            if info.kind in ("api", "component", "excipient"):
                made = makers.get(customer, [])
                users = [p for p in made if item_id in items[p].input_ids]
                if made and not users:
                    raise UserInputError(
                        f"'{item_id}' is delivered to site '{customer}' but is an input of none "
                        f"of its products ({', '.join(made)}); used_for cannot say so")
                used_for = "" if users == made else ";".join(users)
            product = info.is_product
            edge_rows.append([
                supplier, customer, item_id, "product" if product else info.kind,
                _cell(flow["share"]), _cell(flow["capacity_units_per_yr"]),
                _cell(flow["lead_time_days"]), _cell(flow["qualification_lag_days"]), used_for,
                _cell(info.demand_units_per_yr) if product else "",
                _cell(info.inventory_days) if product else "",
                _cell(info.criticality) if product else "",
            ])
    for path, rows in ((Path(sites_csv), site_rows), (Path(edges_csv), edge_rows)):
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)


def load_supply_defaults(path: Path | None = None) -> dict[str, float]:
    """Values of ``supply_defaults.yaml`` (each leaf carries exactly one source or
    assumption, checked by :func:`rxtwin.data.documents.sourced_values`).

    Parameters
    ----------
    path : pathlib.Path, optional
        A file in the same layout; the bundled one when omitted.

    Returns
    -------
    dict of str to float
        ``tts_horizon_days`` [days] and ``highly_concentrated_hhi`` [-].
    """
    path = bundled_data_file("supply_defaults.yaml") if path is None else Path(path)
    values = sourced_values(read_data_file(path), str(path))
    return {key: float(entry.value) for key, entry in values.items()}
