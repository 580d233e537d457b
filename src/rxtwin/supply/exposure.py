"""Exposure metrics of a supply network: concentration, single sources, independent paths.

Every function takes the graph of :func:`rxtwin.supply.network.build_network` and returns
a tidy :class:`pandas.DataFrame` with the columns listed in its docstring. Rows are per
product, per *input*: the product itself at the ``fdf`` tier (who delivers it to the
market), then each recorded material of its chain (its API and components, the API's
KSMs) at the material's tier.

Effective shares
----------------
The share of supplier site *j* in the supply of item *m* for product *p* is the sum, over
the paths from *j* to the market through the chain of *p*, of the product of the edge
shares along the path (:func:`rxtwin.supply.network.product_chain`):

.. math:: s_{j} = \\frac{1}{C} \\sum_{\\text{paths } j \\to \\text{market}}
          \\prod_{e \\in \\text{path}} \\text{share}_e ,

where :math:`C` (``covered_share``) is the sum of the unnormalised shares over all
suppliers of *m*: the fraction of the product's supply whose chain records item *m*
(1 when every upstream site reports its suppliers of *m*). Shares of a supplier *owner*
or a *country* are sums of its sites' shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np
import pandas as pd

from rxtwin.errors import UserInputError
from rxtwin.model.supply import ItemInfo
from rxtwin.supply.network import MARKET, TIER_ORDER, product_chain, tier_of_item

__all__ = [
    "SHARE_COLUMNS",
    "concentration",
    "country_shares",
    "exposure_summary",
    "flag_concentration",
    "herfindahl_hirschman_index",
    "independent_paths",
    "shared_upstream_sites",
    "single_source_points",
    "supplier_shares",
]

SHARE_COLUMNS = ["product_id", "tier", "item_id", "supplier_site_id", "owner", "country_code",
                 "share", "covered_share"]
_KEY = ["product_id", "tier", "item_id"]
_SOURCE = ("__source__",)  # a tuple: cannot collide with a site id (a str)


def herfindahl_hirschman_index(shares: Sequence[float] | np.ndarray) -> float:
    """Herfindahl–Hirschman index of a set of shares.

    Parameters
    ----------
    shares : sequence of float
        Shares of the suppliers (or countries) of one market, each in [0, 1] and summing
        to 1 [-].

    Returns
    -------
    float
        HHI in [1/n, 1] for n suppliers [-] (1 = a single source). Multiply by 10,000 to
        compare with the antitrust scale on percentages.

    Notes
    -----
    .. math:: HHI = \\sum_i s_i^2

    The US merger guidelines call a market with HHI above 1,800 (0.18 on this scale)
    *highly concentrated* (2023 Merger Guidelines, Guideline 1, §2.1); the 2010
    Horizontal Merger Guidelines (§5.3) used 1,500 and 2,500 as the bounds of
    *moderately* concentrated. The threshold rxtwin uses is in
    ``src/rxtwin/data/supply_defaults.yaml``.

    References
    ----------
    U.S. Department of Justice and Federal Trade Commission, *Merger Guidelines*,
    18 December 2023, §2.1 (Guideline 1) and §4.4.
    U.S. Department of Justice and Federal Trade Commission, *Horizontal Merger
    Guidelines*, 19 August 2010, §5.3.

    Examples
    --------
    >>> round(herfindahl_hirschman_index([0.6, 0.4]), 6)  # 0.36 + 0.16
    0.52
    """
    values = np.asarray(shares, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise UserInputError(f"shares must be a non-empty 1-D sequence, got shape {values.shape}")
    if not np.all(np.isfinite(values)) or np.any(values < 0.0) or np.any(values > 1.0):
        raise UserInputError(f"shares must be finite and in [0, 1], got {values.tolist()}")
    return float(np.sum(values**2))


def supplier_shares(graph: nx.DiGraph) -> pd.DataFrame:
    """Effective share of each supplier site in each input of each product.

    Returns
    -------
    pandas.DataFrame
        One row per (product, input item, supplier site), columns
        ``product_id``, ``tier`` (``fdf``, ``api``, ``component``, ``excipient``, ``ksm``),
        ``item_id``, ``supplier_site_id``, ``owner``, ``country_code``,
        ``share`` (normalised within the product and item, sums to 1) [-] and
        ``covered_share`` (:math:`C` of the module docstring) [-].
    """
    items: dict[str, ItemInfo] = graph.graph["items"]
    weights: dict[tuple[str, str, str], float] = defaultdict(float)
    for product_id in _products(graph):
        for arc in product_chain(graph, product_id):
            weights[(product_id, arc.item_id, arc.supplier_site_id)] += arc.weight
    rows = []
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for (product_id, item_id, _), weight in weights.items():
        totals[(product_id, item_id)] += weight
    for (product_id, item_id, site_id), weight in weights.items():
        site = graph.nodes[site_id]
        covered = totals[(product_id, item_id)]
        rows.append({
            "product_id": product_id, "tier": tier_of_item(items[item_id]), "item_id": item_id,
            "supplier_site_id": site_id, "owner": site["owner"],
            "country_code": site["country_code"], "share": weight / covered,
            "covered_share": covered,
        })
    frame = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    return frame.sort_values(_KEY + ["supplier_site_id"]).reset_index(drop=True)


def _products(graph: nx.DiGraph) -> list[str]:
    """Products delivered to the market, sorted."""
    return sorted({item for _, _, flows in graph.in_edges(MARKET, data="items")
                   for item in flows})


def concentration(graph: nx.DiGraph) -> pd.DataFrame:
    """Concentration of every input of every product: counts and HHIs.

    Returns
    -------
    pandas.DataFrame
        One row per (product, tier, item), columns ``product_id``, ``tier``, ``item_id``,
        ``n_sites``, ``n_suppliers`` (distinct owners), ``n_countries``,
        ``hhi_site``, ``hhi_supplier`` (on owners' shares), ``hhi_country`` [-],
        ``top_country``, ``top_country_share`` [-], ``covered_share`` [-].

    Notes
    -----
    HHI as in :func:`herfindahl_hirschman_index`, on the effective shares of the module
    docstring summed by site, by owner and by country.
    """
    shares = supplier_shares(graph)
    rows = []
    # Plain dict sums: a pandas groupby per (product, item) costs ~1 ms each.
    for key, group in shares.groupby(_KEY, sort=True):
        site_shares = group["share"].to_numpy()
        by_owner = _sum_by(group["owner"], site_shares)
        by_country = _sum_by(group["country_code"], site_shares)
        top_country = min(by_country, key=lambda c: (-by_country[c], c))  # ties: A-Z
        rows.append({
            **dict(zip(_KEY, key, strict=True)),
            "n_sites": len(group),
            "n_suppliers": len(by_owner),
            "n_countries": len(by_country),
            "hhi_site": herfindahl_hirschman_index(_clip(site_shares)),
            "hhi_supplier": herfindahl_hirschman_index(_clip(by_owner.values())),
            "hhi_country": herfindahl_hirschman_index(_clip(by_country.values())),
            "top_country": top_country,
            "top_country_share": float(by_country[top_country]),
            "covered_share": float(group["covered_share"].iloc[0]),
        })
    columns = _KEY + ["n_sites", "n_suppliers", "n_countries", "hhi_site", "hhi_supplier",
                      "hhi_country", "top_country", "top_country_share", "covered_share"]
    return pd.DataFrame(rows, columns=columns)


def _sum_by(keys: pd.Series, values: np.ndarray) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for key, value in zip(keys, values, strict=True):
        totals[key] += float(value)
    return dict(totals)


def _clip(values: Iterable[float]) -> np.ndarray:
    # Normalised shares may exceed 1 by a rounding error.
    return np.clip(np.asarray(list(values), dtype=float), 0.0, 1.0)


def flag_concentration(table: pd.DataFrame, highly_concentrated_hhi: float) -> pd.DataFrame:
    """Add ``highly_concentrated``: ``hhi_supplier`` above a threshold.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`concentration`.
    highly_concentrated_hhi : float
        Threshold on the [0, 1] scale [-]; rxtwin's default (0.18, the 2023 Merger
        Guidelines' 1,800) is in ``src/rxtwin/data/supply_defaults.yaml``.

    Returns
    -------
    pandas.DataFrame
        A copy with a boolean column ``highly_concentrated``.
    """
    if not 0.0 < highly_concentrated_hhi <= 1.0:
        raise UserInputError(f"highly_concentrated_hhi = {highly_concentrated_hhi} must be in "
                             "(0, 1] (the HHI on shares, not percentages)")
    return table.assign(highly_concentrated=table["hhi_supplier"] > highly_concentrated_hhi)


def country_shares(graph: nx.DiGraph) -> pd.DataFrame:
    """Share of each country in each input of each product.

    Returns
    -------
    pandas.DataFrame
        Columns ``product_id``, ``tier``, ``item_id``, ``country_code``, ``share`` [-]
        (sums to 1 per product and item), largest share first within each group.
    """
    shares = supplier_shares(graph)
    frame = shares.groupby(_KEY + ["country_code"], as_index=False)["share"].sum()
    return frame.sort_values(_KEY + ["share", "country_code"],
                             ascending=[True, True, True, False, True]).reset_index(drop=True)


def single_source_points(graph: nx.DiGraph) -> pd.DataFrame:
    """Inputs of a product that come from one site only, at every tier.

    Returns
    -------
    pandas.DataFrame
        Columns ``product_id``, ``tier``, ``item_id``, ``supplier_site_id``, ``owner``,
        ``country_code``: one row per single-sourced (product, item).
    """
    shares = supplier_shares(graph)
    counts = shares.groupby(_KEY)["supplier_site_id"].transform("count")
    single = shares[counts == 1]
    return single[_KEY + ["supplier_site_id", "owner", "country_code"]].reset_index(drop=True)


def independent_paths(graph: nx.DiGraph) -> pd.DataFrame:
    """Number of node-independent supply paths from the suppliers of each input to market.

    Returns
    -------
    pandas.DataFrame
        Columns ``product_id``, ``tier``, ``item_id``, ``independent_paths`` (count) and
        ``product_min_paths`` (the smallest count over the product's inputs: the number of
        site outages the product's supply survives is ``product_min_paths - 1``).

    Notes
    -----
    For product *p* and input *m*, let :math:`H` be the union of the site paths
    supplier-of-*m* -> ... -> market along the chain of *p*, and add a source joined to
    every supplier of *m*. The count is the local node connectivity :math:`\\kappa(s,
    \\text{market})` of :math:`H`: by Menger's theorem, the largest number of paths from
    the source to the market that share no site, equal to the fewest sites whose outage
    cuts every path (computed by ``networkx`` with maximum flow on the node-split graph).

    References
    ----------
    Menger, K. (1927). Zur allgemeinen Kurventheorie. *Fundamenta Mathematicae* 10,
    96-115.
    Even, S. (1979). *Graph Algorithms*. Computer Science Press, §6 (vertex connectivity by
    maximum flow), as implemented in ``networkx.algorithms.connectivity``.
    """
    items: dict[str, ItemInfo] = graph.graph["items"]
    rows = []
    for product_id in _products(graph):
        paths: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for arc in product_chain(graph, product_id):
            paths[arc.item_id].add((arc.supplier_site_id, *arc.downstream))
        for item_id in sorted(paths):
            rows.append({"product_id": product_id, "tier": tier_of_item(items[item_id]),
                         "item_id": item_id,
                         "independent_paths": _connectivity(paths[item_id])})
    frame = pd.DataFrame(rows, columns=_KEY + ["independent_paths"])
    frame["product_min_paths"] = frame.groupby("product_id")["independent_paths"].transform(
        "min")
    return frame.sort_values(_KEY).reset_index(drop=True)


def _connectivity(paths: set[tuple[str, ...]]) -> int:
    sub = nx.DiGraph()
    for path in paths:
        sub.add_edge(_SOURCE, path[0])
        nx.add_path(sub, path)
    return int(nx.algorithms.connectivity.local_node_connectivity(sub, _SOURCE, MARKET))


def shared_upstream_sites(graph: nx.DiGraph) -> pd.DataFrame:
    """Sites on the chain of two or more products (a common cause of multiple shortages).

    Returns
    -------
    pandas.DataFrame
        Columns ``site_id``, ``tier``, ``country_code``, ``n_products``, ``product_ids``
        (``;``-joined) and ``mean_share``: the mean over those products of the site's
        largest effective share in any of their inputs [-]. Most shared first.
    """
    shares = supplier_shares(graph)
    rows = []
    for site_id, group in shares.groupby("supplier_site_id"):
        per_product = group.groupby("product_id")["share"].max()
        if len(per_product) < 2:
            continue
        node = graph.nodes[site_id]
        rows.append({"site_id": site_id, "tier": node["tier"],
                     "country_code": node["country_code"], "n_products": len(per_product),
                     "product_ids": ";".join(sorted(per_product.index)),
                     "mean_share": float(per_product.mean())})
    frame = pd.DataFrame(rows, columns=["site_id", "tier", "country_code", "n_products",
                                        "product_ids", "mean_share"])
    return frame.sort_values(["n_products", "site_id"], ascending=[False, True]).reset_index(
        drop=True)


def exposure_summary(graph: nx.DiGraph, highly_concentrated_hhi: float) -> pd.DataFrame:
    """One row per product gathering the metrics above.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`rxtwin.supply.network.build_network`.
    highly_concentrated_hhi : float
        Threshold for :func:`flag_concentration` [-].

    Returns
    -------
    pandas.DataFrame
        Columns ``product_id``, ``n_inputs`` (the product and its recorded materials),
        ``single_sourced`` (how many of them come from one site), ``highly_concentrated``
        (how many have ``hhi_supplier`` above the threshold), ``max_hhi_supplier`` [-],
        ``most_concentrated`` (the item with that HHI; the most upstream on ties),
        ``min_independent_paths`` and ``api_top_country`` / ``api_top_country_share`` [-]
        (empty / NaN when no API supplier is recorded). Fewest paths, then highest HHI,
        first.
    """
    table = flag_concentration(concentration(graph), highly_concentrated_hhi)
    paths = independent_paths(graph).set_index(_KEY)["independent_paths"]
    table = table.join(paths, on=_KEY)
    rows = []
    for product_id, group in table.groupby("product_id", sort=True):
        upstream_first = group.assign(_rank=group["tier"].map(TIER_ORDER.index))
        worst = upstream_first.sort_values(["hhi_supplier", "_rank"], ascending=[False, True],
                                           kind="stable").iloc[0]
        api = group[group["tier"] == "api"].sort_values("top_country_share", ascending=False)
        rows.append({
            "product_id": product_id,
            "n_inputs": len(group),
            "single_sourced": int((group["n_sites"] == 1).sum()),
            "highly_concentrated": int(group["highly_concentrated"].sum()),
            "max_hhi_supplier": float(worst["hhi_supplier"]),
            "most_concentrated": worst["item_id"],
            "min_independent_paths": int(group["independent_paths"].min()),
            "api_top_country": api["top_country"].iloc[0] if len(api) else "",
            "api_top_country_share": float(api["top_country_share"].iloc[0]) if len(api)
            else float("nan"),
        })
    frame = pd.DataFrame(rows, columns=["product_id", "n_inputs", "single_sourced",
                                        "highly_concentrated", "max_hhi_supplier",
                                        "most_concentrated", "min_independent_paths",
                                        "api_top_country", "api_top_country_share"])
    return frame.sort_values(["min_independent_paths", "max_hhi_supplier", "product_id"],
                             ascending=[True, False, True]).reset_index(drop=True)
