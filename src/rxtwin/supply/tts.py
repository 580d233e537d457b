"""Time-to-survive (TTS), performance impact for a time-to-recover (TTR), risk exposure.

After Simchi-Levi, Schmidt and Wei (2014) and Simchi-Levi et al. (2015): when a site is
down, the *time-to-survive* is the longest time the network can meet all demand from
inventory at every tier plus the capacity of the surviving suppliers, rerouted; the
*performance impact* of an outage of given *time-to-recover* is the least demand lost
over that time. A site whose TTS is shorter than its TTR is *exposed*.

The flow model (what both linear programs share)
-------------------------------------------------
Built from the chains of every product (:func:`rxtwin.supply.network.product_chain`):

* **arcs** *a* = (supplier *j*, customer *k* or market, item *m*), flow :math:`x_a` over
  the window [units], capacity :math:`c_a` [units/day]: the edge's
  ``capacity_units_per_yr`` / 365, or, when not given, its normal flow (share x the
  customer's need): *no surge capacity unless stated*;
* **stages** *s* = (site *k*, item *i*) that make an item, output :math:`y_s` [units];
* **pools** *q* = (site *k*, item *m*): the stock :math:`I_q` [units] of *m* at *k*, fed
  by production and receipts, drawn by shipments and by consumption as an input (one
  unit of each input per unit of output, product-equivalent units, see
  :mod:`rxtwin.supply.network`). A site's own stock of its inputs is its
  ``inventory_days`` times its normal receipts of each input,
  :math:`I_{k,m} = D_k \\sum_{a \\text{ into } (k, m)} \\bar x_a`;
* **market**: product *p* has demand :math:`d_p` [units/day] and finished-goods stock
  :math:`I_p = d_p \\cdot` ``initial_inventory_days`` held in the distribution channel,
  which no site outage touches.

Assumptions (stated, conservative): qualification lags are ignored, and so is in-transit
stock unless passed as stock (:func:`in_transit_stock_units`); a site that is down neither
ships, makes, nor releases its stock; a site's capacity is the sum of its edges'
capacities.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from rxtwin.errors import UserInputError
from rxtwin.model import FailureEffect, Scenario
from rxtwin.model.supply import ItemInfo
from rxtwin.model.units import DAYS_PER_YEAR, HOURS_PER_DAY
from rxtwin.supply.network import MARKET, inputs_of, product_chain

__all__ = [
    "FlowModel",
    "flow_model",
    "in_transit_stock_units",
    "lost_demand",
    "risk_exposure",
    "site_outage_ttr_days",
    "time_to_survive_days",
    "time_to_survive_table",
]

# Relative tolerance on TTS vs TTR: HiGHS meets constraints to ~1e-7, so a TTS equal to the
# TTR may come back a hair short of it.
_DAYS_TOLERANCE = 1e-6
_NO_STOCK: Mapping[tuple[str, str], float] = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class FlowModel:
    """The linear flow model of a supply network (see the module docstring).

    Attributes
    ----------
    product_ids : tuple of str
        Products delivered to the market.
    demand_units_per_day : numpy.ndarray
        Mean demand per product [units/day].
    channel_stock_units : numpy.ndarray
        Finished-goods stock in the distribution channel per product [units].
    criticality : numpy.ndarray
        Clinical criticality per product [-].
    pools : tuple of (str, str)
        (site, item) stock points.
    pool_stock_units : numpy.ndarray
        Stock in each pool at the start of the outage [units]: the site's own stock
        (its ``inventory_days`` x normal receipts) plus any ``stock_units`` given.
    stages : tuple of (str, str)
        (site, item) production stages.
    stage_output_pool : tuple of int
        Pool each stage's output goes to.
    stage_input_pools : tuple of tuple of int
        Pools each stage draws one unit from per unit made.
    arcs : tuple of (str, str, str)
        (supplier site, customer site or market, item).
    arc_from_pool : tuple of int
        Pool each arc ships from.
    arc_to : tuple of int
        Pool each arc delivers to, or ``-1 - product index`` for a market arc.
    arc_capacity_units_per_day : numpy.ndarray
        Capacity of each arc [units/day].
    arc_normal_flow_units_per_day : numpy.ndarray
        Flow on each arc in normal operation [units/day].
    sites : dict of str to dict
        ``tier`` and ``country_code`` of every site of the model.
    """

    product_ids: tuple[str, ...]
    demand_units_per_day: np.ndarray
    channel_stock_units: np.ndarray
    criticality: np.ndarray
    pools: tuple[tuple[str, str], ...]
    pool_stock_units: np.ndarray
    stages: tuple[tuple[str, str], ...]
    stage_output_pool: tuple[int, ...]
    stage_input_pools: tuple[tuple[int, ...], ...]
    arcs: tuple[tuple[str, str, str], ...]
    arc_from_pool: tuple[int, ...]
    arc_to: tuple[int, ...]
    arc_capacity_units_per_day: np.ndarray
    arc_normal_flow_units_per_day: np.ndarray
    sites: dict[str, dict[str, str]]


def flow_model(
    graph: nx.DiGraph,
    stock_units: Mapping[tuple[str, str], float] = _NO_STOCK,
) -> FlowModel:
    """Build the flow model of a supply network.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`rxtwin.supply.network.build_network`; every product delivered to the
        market needs a finite ``demand_units_per_yr``.
    stock_units : mapping of (site id, item id) to float, optional
        Stock of an item held at a site at the start of an outage [units], in addition to
        the site's own stock of its inputs (``inventory_days`` of the site node): input
        stock at a customer, finished stock at a supplier, or stock in transit
        (:func:`in_transit_stock_units`). Default: none.

    Returns
    -------
    FlowModel

    Raises
    ------
    rxtwin.errors.UserInputError
        A product lacks demand, a stock names an unknown pool or is negative, or the chain
        has a cycle.

    Notes
    -----
    The stock of pool *q* = (site *k*, item *m*) at the start of an outage is

    .. math:: I_q = D_k \\sum_{a \\text{ into } q} \\bar x_a + S_q ,

    with :math:`D_k` the site's ``inventory_days`` [days], :math:`\\bar x_a` the normal
    flow of the arcs delivering *m* to *k* [units/day] (its normal use of *m*) and
    :math:`S_q` the given ``stock_units`` [units]; the products' channel stock is
    :math:`d_p` x ``inventory_days`` of the product.
    """
    items: Mapping[str, ItemInfo] = graph.graph["items"]
    product_ids = tuple(sorted({i for _, _, f in graph.in_edges(MARKET, data="items")
                                for i in f}))
    demand = np.array([items[p].demand_units_per_yr for p in product_ids]) / DAYS_PER_YEAR
    for p, d in zip(product_ids, demand, strict=True):
        if not (math.isfinite(d) and d > 0):
            raise UserInputError(f"product '{p}' has no positive demand_units_per_yr; TTS needs "
                                 "the demand of every product delivered to the market")
    channel = demand * np.array([items[p].inventory_days for p in product_ids])
    criticality = np.array([items[p].criticality for p in product_ids])

    arcs = sorted({(a.supplier_site_id, a.customer, a.item_id)
                   for p in product_ids for a in product_chain(graph, p)})
    stages = sorted({(s, i) for s, _, i in arcs})
    pool_index: dict[tuple[str, str], int] = {}

    def pool(key: tuple[str, str]) -> int:
        return pool_index.setdefault(key, len(pool_index))

    stage_output = tuple(pool(s) for s in stages)
    stage_inputs = tuple(tuple(pool((k, m)) for m in inputs_of(graph, k, i)) for k, i in stages)
    product_index = {p: n for n, p in enumerate(product_ids)}
    arc_from = tuple(pool((s, i)) for s, _, i in arcs)
    arc_to = tuple(-1 - product_index[i] if c == MARKET else pool((c, i)) for _, c, i in arcs)
    pools = tuple(sorted(pool_index, key=pool_index.get))

    normal = _normal_flows(graph, arcs, stages, stage_inputs, stage_output, arc_to, demand)
    capacity = np.empty(len(arcs))
    for n, (s, c, i) in enumerate(arcs):
        given = graph.edges[s, c]["items"][i]["capacity_units_per_yr"]
        capacity[n] = normal[n] if given is None else given / DAYS_PER_YEAR

    stock = np.zeros(len(pools))
    for n, to in enumerate(arc_to):  # each site's own stock of its inputs
        if to >= 0:
            stock[to] += graph.nodes[pools[to][0]].get("inventory_days", 0.0) * normal[n]
    for key, units in stock_units.items():
        if key not in pool_index:
            raise UserInputError(f"stock_units names {key}, which is not a (site, item) on any "
                                 "product's chain")
        if not (math.isfinite(units) and units >= 0):
            raise UserInputError(f"stock_units{key} = {units} must be finite and >= 0")
        stock[pool_index[key]] += units

    sites = {}
    for site_id in sorted({k for k, _ in pools}):
        node = graph.nodes[site_id]
        sites[site_id] = {"tier": node["tier"], "country_code": node["country_code"]}
    return FlowModel(
        product_ids=product_ids, demand_units_per_day=demand, channel_stock_units=channel,
        criticality=criticality, pools=pools, pool_stock_units=stock, stages=tuple(stages),
        stage_output_pool=stage_output, stage_input_pools=stage_inputs, arcs=tuple(arcs),
        arc_from_pool=arc_from, arc_to=arc_to, arc_capacity_units_per_day=capacity,
        arc_normal_flow_units_per_day=normal, sites=sites,
    )


def in_transit_stock_units(graph: nx.DiGraph) -> dict[tuple[str, str], float]:
    """Stock on its way to each customer in normal operation (pipeline inventory).

    Pass it, alone or added to other stock, as ``stock_units`` of :func:`flow_model`: goods
    already shipped reach the customer even if their supplier goes down.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`rxtwin.supply.network.build_network`.

    Returns
    -------
    dict of (site id, item id) to float
        Units in transit to each (customer site, item) [units]; market deliveries excluded.

    Notes
    -----
    Little's law, per arc in steady state: in-transit units = flow rate x lead time,

    .. math:: W_{k,m} = \\sum_{a = (j, k, m)} \\bar{x}_a \\, L_a ,

    with :math:`\\bar{x}_a` the normal flow of the arc [units/day] and :math:`L_a` its
    ``lead_time_days``. Counting it as stock at the customer from time 0 overstates the
    stock available in the first days of an outage (it arrives spread over the lead time)
    but never the cumulative total.

    References
    ----------
    Little, J. D. C. (1961). A proof for the queuing formula L = lambda W. *Operations
    Research* 9(3), 383-387.
    """
    model = flow_model(graph)
    pipeline: dict[tuple[str, str], float] = defaultdict(float)
    for (supplier, customer, item), flow in zip(model.arcs, model.arc_normal_flow_units_per_day,
                                                strict=True):
        if customer == MARKET:
            continue
        lead_time_days = graph.edges[supplier, customer]["items"][item]["lead_time_days"]
        if lead_time_days > 0:
            pipeline[(customer, item)] += float(flow) * lead_time_days
    return dict(pipeline)


def _normal_flows(graph, arcs, stages, stage_inputs, stage_output, arc_to, demand):
    """Arc flows in normal operation [units/day]: market arcs carry share x demand; an arc
    into a site carries share x the site's consumption of the item."""
    stage_number = {stage: n for n, stage in enumerate(stages)}
    arcs_from_pool: dict[int, list[int]] = defaultdict(list)
    for n, (s, _, i) in enumerate(arcs):
        arcs_from_pool[stage_output[stage_number[(s, i)]]].append(n)
    consumers: dict[int, list[int]] = defaultdict(list)
    for n, inputs in enumerate(stage_inputs):
        for q in inputs:
            consumers[q].append(n)
    flows: dict[int, float] = {}
    visiting: set[int] = set()

    def stage_rate(n: int) -> float:
        return sum(arc_flow(a) for a in arcs_from_pool[stage_output[n]])

    def arc_flow(a: int) -> float:
        if a in flows:
            return flows[a]
        if a in visiting:
            raise UserInputError(f"the supply chain has a cycle through {arcs[a]}")
        visiting.add(a)
        s, c, i = arcs[a]
        share = graph.edges[s, c]["items"][i]["share"]
        if arc_to[a] < 0:
            value = share * demand[-1 - arc_to[a]]
        else:
            value = share * sum(stage_rate(n) for n in consumers[arc_to[a]])
        visiting.discard(a)
        flows[a] = value
        return value

    return np.array([arc_flow(a) for a in range(len(arcs))])


@dataclass(frozen=True)
class _Lp:
    a_ub: sparse.csr_matrix
    b_ub: np.ndarray
    n_arcs: int
    n_stages: int
    n_products: int


def _constraints(model: FlowModel, down: frozenset[str], with_loss: bool) -> _Lp:
    """Rows: pool balances, arc capacities, market demand. Columns: t, x, y, [l]."""
    n_arcs, n_stages, n_prod = len(model.arcs), len(model.stages), len(model.product_ids)
    x0, y0, l0 = 1, 1 + n_arcs, 1 + n_arcs + n_stages
    rows, cols, vals = [], [], []
    b: list[float] = []

    def add(row: int, col: int, value: float) -> None:
        rows.append(row)
        cols.append(col)
        vals.append(value)

    # Pool balance: consumption + shipments - production - receipts <= stock.
    for q, (site, _) in enumerate(model.pools):
        b.append(0.0 if site in down else float(model.pool_stock_units[q]))
    for n, inputs in enumerate(model.stage_input_pools):
        for q in inputs:
            add(q, y0 + n, 1.0)
        add(model.stage_output_pool[n], y0 + n, -1.0)
    for a in range(n_arcs):
        add(model.arc_from_pool[a], x0 + a, 1.0)
        if model.arc_to[a] >= 0:
            add(model.arc_to[a], x0 + a, -1.0)
    row = len(model.pools)
    # Capacity: x_a - c_a t <= 0.
    for a in range(n_arcs):
        add(row, x0 + a, 1.0)
        add(row, 0, -float(model.arc_capacity_units_per_day[a]))
        b.append(0.0)
        row += 1
    # Demand: d_p t - sum_f x_(f, market, p) [- l_p] <= channel stock.
    for p in range(n_prod):
        add(row + p, 0, float(model.demand_units_per_day[p]))
        if with_loss:
            add(row + p, l0 + p, -1.0)
        b.append(float(model.channel_stock_units[p]))
    for a in range(n_arcs):
        if model.arc_to[a] < 0:
            add(row - 1 - model.arc_to[a], x0 + a, -1.0)
    n_cols = 1 + n_arcs + n_stages + (n_prod if with_loss else 0)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(b), n_cols))
    return _Lp(matrix, np.array(b), n_arcs, n_stages, n_prod)


def _bounds(model: FlowModel, down: frozenset[str], t_bounds: tuple[float, float],
            with_loss: bool) -> list[tuple[float, float | None]]:
    bounds: list[tuple[float, float | None]] = [t_bounds]
    for supplier, customer, _ in model.arcs:
        blocked = supplier in down or customer in down
        bounds.append((0.0, 0.0) if blocked else (0.0, None))
    for site, _ in model.stages:
        bounds.append((0.0, 0.0) if site in down else (0.0, None))
    if with_loss:
        bounds.extend((0.0, None) for _ in model.product_ids)
    return bounds


def _check_down(model: FlowModel, down_site_ids: Iterable[str]) -> frozenset[str]:
    down = frozenset(down_site_ids)
    unknown = sorted(down - set(model.sites))
    if unknown:
        raise UserInputError(f"site(s) {unknown} are not on any product's chain; known sites: "
                             f"{sorted(model.sites)}")
    return down


def time_to_survive_days(model: FlowModel, down_site_ids: Iterable[str],
                         horizon_days: float) -> float:
    """Time-to-survive with some sites down: the longest time all demand is met.

    Parameters
    ----------
    model : FlowModel
        From :func:`flow_model`.
    down_site_ids : iterable of str
        Sites that are down from time 0 (usually one).
    horizon_days : float
        Cap on the answer [days]; a network that survives indefinitely returns it.

    Returns
    -------
    float
        TTS [days], in [0, horizon_days]; never ``-0.0``.

    Notes
    -----
    The TTS linear program of Simchi-Levi et al. (2015) and Simchi-Levi, Wang and Wei
    (2018), written on the flow model of this module; variables
    :math:`t, x_a, y_s \\ge 0`:

    .. math::
        \\max t \\quad \\text{s.t.} \\quad
        \\sum_{s \\ni q} y_s + \\sum_{a \\text{ from } q} x_a
          - y_{s(q)} - \\sum_{a \\text{ into } q} x_a \\le I_q \\;\\forall q, \\qquad
        x_a \\le c_a t, \\qquad
        \\sum_{a: (f, \\text{market}, p)} x_a + I_p \\ge d_p t \\;\\forall p,

    with :math:`x_a = y_s = 0` and :math:`I_q = 0` at the sites that are down, and
    :math:`t \\le` ``horizon_days``. The first set is flow conservation at each stock
    point (consumption as an input plus shipments cannot exceed stock plus production
    plus receipts). Solved with HiGHS (``scipy.optimize.linprog(method="highs")``).

    References
    ----------
    Simchi-Levi, D., Schmidt, W. and Wei, Y. (2014). From superstorms to factory fires:
    managing unpredictable supply-chain disruptions. *Harvard Business Review* 92(1-2),
    96-101.
    Simchi-Levi, D., Schmidt, W., Wei, Y., Zhang, P. Y., Combs, K., Ge, Y., Gusikhin, O.,
    Sanders, M. and Zhang, D. (2015). Identifying risks and mitigating disruptions in the
    automotive supply chain. *Interfaces* 45(5), 375-390.
    Simchi-Levi, D., Wang, H. and Wei, Y. (2018). Increasing supply chain robustness
    through process flexibility and inventory. *Production and Operations Management*
    27(10).
    """
    if not (math.isfinite(horizon_days) and horizon_days > 0):
        raise UserInputError(f"horizon_days = {horizon_days} must be a positive number")
    down = _check_down(model, down_site_ids)
    lp = _constraints(model, down, with_loss=False)
    cost = np.zeros(lp.a_ub.shape[1])
    cost[0] = -1.0
    result = linprog(cost, A_ub=lp.a_ub, b_ub=lp.b_ub,
                     bounds=_bounds(model, down, (0.0, horizon_days), False), method="highs")
    if result.status != 0:  # pragma: no cover - t = 0, x = y = 0 is always feasible
        raise RuntimeError(f"TTS linear program failed: {result.message}")
    tts_days = min(float(result.x[0]), horizon_days)
    # HiGHS can return t = -0.0 (shown as "-0.0"); every t <= 0 is a TTS of +0.0.
    return tts_days if tts_days > 0.0 else 0.0


def lost_demand(model: FlowModel, down_site_ids: Iterable[str], ttr_days: float) -> pd.DataFrame:
    """Least demand lost while some sites are down for ``ttr_days`` (performance impact).

    Parameters
    ----------
    model : FlowModel
        From :func:`flow_model`.
    down_site_ids : iterable of str
        Sites down from time 0.
    ttr_days : float
        Time-to-recover: how long they stay down [days].

    Returns
    -------
    pandas.DataFrame
        One row per product: ``product_id``, ``demand_units`` (over the TTR) [units],
        ``lost_units`` [units], ``lost_days`` (lost units / daily demand) [days],
        ``criticality`` [-].

    Notes
    -----
    The TTS program with :math:`t` fixed at the TTR and an unmet-demand variable
    :math:`l_p \\ge 0` added to each market row,
    :math:`\\sum_a x_a + I_p + l_p \\ge d_p \\, TTR`, minimising
    :math:`\\sum_p l_p / d_p`: unmet demand counted in days of each product's demand, so
    that products sold in different units weigh alike (Simchi-Levi et al. 2015 weigh
    lost units by profit margin; rxtwin ranks by clinical criticality afterwards, see
    :func:`risk_exposure`).

    References
    ----------
    Simchi-Levi, D. et al. (2015). *Interfaces* 45(5), 375-390 (performance-impact model);
    see :func:`time_to_survive_days`.
    """
    if not (math.isfinite(ttr_days) and ttr_days >= 0):
        raise UserInputError(f"ttr_days = {ttr_days} must be a number >= 0")
    down = _check_down(model, down_site_ids)
    lp = _constraints(model, down, with_loss=True)
    cost = np.zeros(lp.a_ub.shape[1])
    cost[1 + lp.n_arcs + lp.n_stages:] = 1.0 / model.demand_units_per_day
    result = linprog(cost, A_ub=lp.a_ub, b_ub=lp.b_ub,
                     bounds=_bounds(model, down, (ttr_days, ttr_days), True), method="highs")
    if result.status != 0:  # pragma: no cover - l = d t, x = y = 0 is always feasible
        raise RuntimeError(f"performance-impact linear program failed: {result.message}")
    lost = np.maximum(result.x[1 + lp.n_arcs + lp.n_stages:], 0.0)
    demand = model.demand_units_per_day * ttr_days
    return pd.DataFrame({
        "product_id": list(model.product_ids),
        "demand_units": demand,
        "lost_units": np.minimum(lost, demand),
        "lost_days": np.minimum(lost, demand) / model.demand_units_per_day,
        "criticality": model.criticality,
    })


def time_to_survive_table(model: FlowModel, horizon_days: float) -> pd.DataFrame:
    """TTS of the network with each site of the model down, one at a time.

    Returns
    -------
    pandas.DataFrame
        Columns ``site_id``, ``tier``, ``country_code``, ``tts_days`` [days] and
        ``at_horizon`` (the network survives the whole horizon), shortest TTS first.
    """
    rows = []
    for site_id, info in model.sites.items():
        tts = time_to_survive_days(model, [site_id], horizon_days)
        rows.append({"site_id": site_id, **info, "tts_days": tts,
                     "at_horizon": tts >= horizon_days * (1 - 1e-9)})
    frame = pd.DataFrame(rows, columns=["site_id", "tier", "country_code", "tts_days",
                                        "at_horizon"])
    return frame.sort_values(["tts_days", "site_id"]).reset_index(drop=True)


def risk_exposure(model: FlowModel, ttr_days_by_site: Mapping[str, float],
                  horizon_days: float) -> pd.DataFrame:
    """Rank sites by criticality-weighted demand lost if each is down for its TTR.

    Parameters
    ----------
    model : FlowModel
        From :func:`flow_model`.
    ttr_days_by_site : mapping of str to float
        Time-to-recover of each site of the model [days] (every site must be given).
    horizon_days : float
        Cap on the TTS [days].

    Returns
    -------
    pandas.DataFrame
        One row per site: ``rank`` (1 = most exposed), ``site_id``, ``tier``,
        ``country_code``, ``tts_days``, ``ttr_days`` [days], ``exposed`` (TTS < TTR, by
        more than 1e-6 relative: the solver's tolerance),
        ``lost_units`` (all products) [units], ``lost_days`` (sum over products) [days],
        ``weighted_lost_days`` [days] and ``products_hit`` (``;``-joined).

    Notes
    -----
    .. math:: \\text{weighted\\_lost\\_days}_j = \\sum_p \\kappa_p \\, l_{p,j} / d_p

    with :math:`\\kappa_p` the product's criticality and :math:`l_{p,j}` the lost units
    of :func:`lost_demand` with site *j* down for its TTR: criticality-weighted
    shortage-days, the exposure index of Simchi-Levi et al. (2015) with clinical
    criticality in place of profit margin. Ties are broken by shorter TTS, then site id.
    """
    missing = sorted(set(model.sites) - set(ttr_days_by_site))
    if missing:
        raise UserInputError(f"ttr_days_by_site lacks site(s) {missing}")
    rows = []
    for site_id, info in model.sites.items():
        ttr = float(ttr_days_by_site[site_id])
        tts = time_to_survive_days(model, [site_id], horizon_days)
        lost = lost_demand(model, [site_id], ttr)
        hit = lost.loc[lost["lost_units"] > 0, "product_id"]
        rows.append({
            "site_id": site_id, **info, "tts_days": tts, "ttr_days": ttr,
            "exposed": tts < ttr - _DAYS_TOLERANCE * max(1.0, ttr),
            "lost_units": float(lost["lost_units"].sum()),
            "lost_days": float(lost["lost_days"].sum()),
            "weighted_lost_days": float((lost["lost_days"] * lost["criticality"]).sum()),
            "products_hit": ";".join(hit),
        })
    frame = pd.DataFrame(rows, columns=["site_id", "tier", "country_code", "tts_days",
                                        "ttr_days", "exposed", "lost_units", "lost_days",
                                        "weighted_lost_days", "products_hit"])
    frame = frame.sort_values(["weighted_lost_days", "tts_days", "site_id"],
                              ascending=[False, True, True]).reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def site_outage_ttr_days(scenario: Scenario) -> float:
    """A default time-to-recover from the scenario's site-outage failure modes.

    Returns
    -------
    float
        The arrival-rate-weighted mean of the mean durations of the failure modes with
        effect ``site_outage`` [days].

    Notes
    -----
    .. math:: TTR = \\frac{\\sum_k \\lambda_k \\, E[D_k]}{\\sum_k \\lambda_k} / 24

    the mean duration of a site outage drawn from the superposed Poisson processes.

    Raises
    ------
    ValueError
        The scenario has no site-outage failure mode with a positive rate.
    """
    modes = [f for f in scenario.failure_modes
             if f.effect == FailureEffect.site_outage and (f.rate_per_yr or 0.0) > 0]
    if not modes:
        raise UserInputError(f"scenario '{scenario.name}' has no failure mode with effect "
                             "'site_outage' and a positive rate_per_yr: give the TTR explicitly")
    rates = np.array([f.rate_per_yr for f in modes])
    means_h = np.array([f.duration_h.mean for f in modes])
    return float(np.sum(rates * means_h) / np.sum(rates) / HOURS_PER_DAY)
