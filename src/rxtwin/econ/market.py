"""Market structure: prices by number of makers, an import price, exits, a premium for
reliability, and why the market does not reward resilience.

Small pure functions on top of the FDA (2019) price erosion of
:func:`rxtwin.econ.market_entry.price_share_of_brand` and the priced options of
:func:`rxtwin.econ.options.price_option`:

* :func:`price_usd_per_unit` -- the generic price with ``n`` makers;
* :func:`margin_share` -- a line's margin per unit at a price, as a share of it;
* :func:`exit_year` -- the year a maker leaves a product whose margin stays low;
* :func:`makers_sustained` -- how many makers a price erosion leaves in the market;
* :func:`firm_npv_at_premium_usd` -- an option's firm NPV if buyers paid a premium;
* :func:`market_table` -- per option of a line: its cost per unit, the margin left at the
  market (or import) price, whether the maker would leave, the makers an erosion leaves,
  the firm NPV at the buyers' premium and the premium it would need.

Parameters (``generic_competition.yaml``): ``exit_margin_share``, ``exit_after_yr`` and
``reliability_premium_share`` (0 today, FDA 2019). docs/econ.md, "Why the market does not
reward resilience".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rxtwin.econ.market_entry import price_share_of_brand
from rxtwin.econ.options import OptionPricing
from rxtwin.errors import UserInputError

__all__ = [
    "MARKET_COLUMNS",
    "OPERATING_COST_LINES",
    "exit_year",
    "firm_npv_at_premium_usd",
    "makers_sustained",
    "margin_share",
    "market_table",
    "price_usd_per_unit",
    "unit_cost_usd_per_unit",
]

#: Cash-flow lines of an operating year that make a line's cost per unit (before capital,
#: tax and working capital).
OPERATING_COST_LINES = ("materials_usd", "labour_usd", "cleaning_usd", "overhead_usd",
                        "energy_usd", "qc_usd", "waste_usd", "inventory_carrying_usd",
                        "rejected_batches_usd")


def price_usd_per_unit(n_makers: np.ndarray | float, brand_price_usd_per_unit: float,
                       table: Mapping[int, float]) -> np.ndarray:
    """Generic price with ``n_makers`` makers [USD/unit]: :math:`P_n = s(n) P_b`.

    Parameters
    ----------
    n_makers : array_like
        Makers on the market [-], >= 1.
    brand_price_usd_per_unit : float
        The brand's price before generic entry [USD/unit].
    table : mapping of int to float
        :math:`s(n)` [-] (``generic_competition.yaml``, FDA 2019).

    Examples
    --------
    >>> float(price_usd_per_unit(4, 1.0, {1: 0.61, 2: 0.46, 4: 0.21, 6: 0.05}))
    0.21
    """
    return brand_price_usd_per_unit * price_share_of_brand(n_makers, table)


def margin_share(price_usd_per_unit: np.ndarray | float,
                 unit_cost_usd_per_unit: np.ndarray | float) -> np.ndarray:
    """Margin per unit as a share of the price [-]: :math:`(P - c) / P`.

    Examples
    --------
    >>> float(margin_share(0.012, 0.009))
    0.25
    """
    price = np.asarray(price_usd_per_unit, dtype=float)
    if np.any(price <= 0.0):
        raise UserInputError(f"price_usd_per_unit = {price_usd_per_unit!r}, must be > 0")
    return (price - np.asarray(unit_cost_usd_per_unit, dtype=float)) / price


def exit_year(margin_share_by_yr: Sequence[float], *, exit_margin_share: float,
              exit_after_yr: int) -> float:
    """The year a maker leaves a product [yr]: the last of the first ``exit_after_yr``
    years in a row with a margin share below ``exit_margin_share``; ``inf`` if never.

    Parameters
    ----------
    margin_share_by_yr : sequence of float
        Margin share in years 0, 1, ... [-] (:func:`margin_share`).
    exit_margin_share : float
        Threshold [-] (``generic_competition.yaml``, an assumption).
    exit_after_yr : int
        Years in a row below it before the maker leaves [yr], >= 1.

    Examples
    --------
    >>> exit_year([0.3, 0.05, 0.2, 0.05, 0.0, 0.0], exit_margin_share=0.1, exit_after_yr=2)
    4.0
    >>> exit_year([0.3, 0.05], exit_margin_share=0.1, exit_after_yr=2)
    inf
    """
    if exit_after_yr < 1:
        raise UserInputError(f"exit_after_yr = {exit_after_yr}, must be >= 1")
    run = 0
    for year, share in enumerate(margin_share_by_yr):
        run = run + 1 if share < exit_margin_share else 0
        if run >= exit_after_yr:
            return float(year)
    return math.inf


def makers_sustained(brand_price_usd_per_unit: float, unit_cost_usd_per_unit: float,
                     table: Mapping[int, float], *, exit_margin_share: float,
                     max_makers: int = 20) -> int:
    """Makers of equal cost that a price erosion leaves on the market [-].

    Notes
    -----
    .. math:: n^* = \\max\\{n \\le n_{max} : (s(n) P_b - c) / (s(n) P_b) \\ge m\\}

    (0 if even one maker's margin share is below :math:`m`): with more makers the price
    :math:`s(n) P_b` falls (FDA 2019) until every maker's margin share is below the exit
    threshold :math:`m`, and makers leave (:func:`exit_year`) until the price is back
    above it. Assumption: makers have the same cost per unit :math:`c`.

    Examples
    --------
    >>> makers_sustained(1.0, 0.15, {1: 0.61, 2: 0.46, 4: 0.21, 6: 0.05},
    ...                  exit_margin_share=0.1)
    3
    """
    n = np.arange(1, max_makers + 1)
    ok = margin_share(price_usd_per_unit(n, brand_price_usd_per_unit, table),
                      unit_cost_usd_per_unit) >= exit_margin_share
    return int(n[ok].max()) if ok.any() else 0


def firm_npv_at_premium_usd(firm_npv_usd: float, premium_npv_gain_usd: float,
                            premium_share: float) -> float:
    """Firm NPV at its hurdle if buyers paid ``premium_share`` on the option's price [USD]:
    :math:`NPV(q) = NPV(0) + q (1 - \\tau) PV_h(\\phi_t R)` (``premium_npv_gain_usd`` of
    :class:`rxtwin.econ.options.OptionPricing`; the cash flows are linear in revenue)."""
    return firm_npv_usd + premium_share * premium_npv_gain_usd


def unit_cost_usd_per_unit(cash_flows: pd.DataFrame) -> float:
    """Operating cost per unit made in the last year of a cash-flow table [USD/unit]:
    :math:`-\\sum` :data:`OPERATING_COST_LINES` / ``output_units`` (full rate, before
    capital, tax and working capital)."""
    last = cash_flows.iloc[-1]
    units = float(last["output_units"])
    if units <= 0.0:
        raise UserInputError("output_units = 0 in the last year: no cost per unit")
    return -float(sum(last[c] for c in OPERATING_COST_LINES)) / units


#: Columns of :func:`market_table`, in order.
MARKET_COLUMNS = ("option", "price_usd_per_unit", "unit_cost_usd_per_unit",
                  "margin_usd_per_unit", "margin_share", "exits", "makers_sustained",
                  "exits_from_erosion", "firm_npv_usd", "firm_npv_at_premium_usd",
                  "required_price_premium_share")


def market_table(pricings: Sequence[OptionPricing], *, table: Mapping[int, float],
                 exit_margin_share: float, reliability_premium_share: float,
                 price_usd_per_unit: float | None = None, makers_entering: int = 6,
                 ) -> pd.DataFrame:
    """Why the market does not reward resilience, per option of one line.

    Parameters
    ----------
    pricings : sequence of OptionPricing
        The options of one line, priced against the same incumbent.
    table : mapping of int to float
        Price share of the brand by makers [-] (FDA 2019).
    exit_margin_share : float
        Exit threshold [-].
    reliability_premium_share : float
        Premium buyers pay a reliable supplier [-] (0 today).
    price_usd_per_unit : float, optional
        The market price the line must match [USD/unit], e.g. an import price; default the
        incumbent's revenue per unit (the scenario's prices).
    makers_entering : int
        Makers an erosion path brings in [-] (6: the FDA table's last count, > 95 % off).

    Returns
    -------
    pandas.DataFrame
        :data:`MARKET_COLUMNS`, the incumbent first (``option = "incumbent"``, no NPV).

    Notes
    -----
    Per option: cost per unit :math:`c` (:func:`unit_cost_usd_per_unit` of its
    full-rate year), margin :math:`P - c` and share :math:`(P - c)/P` at the price
    :math:`P`; ``exits`` if the share is below the threshold (held every year, the maker
    leaves after ``exit_after_yr`` years); ``makers_sustained`` :math:`n^*`
    (:func:`makers_sustained`) with the brand price :math:`P_b = P / s(1)` (assumption:
    :math:`P` is the price with one maker, the highest generic price, so :math:`n^*` is an
    upper bound) and ``exits_from_erosion`` :math:`\\max(0, n_{in} - n^*)`; the firm NPV at
    the buyers' premium (:func:`firm_npv_at_premium_usd`) beside the premium it needs.
    """
    if not pricings:
        raise UserInputError("no priced option for the market table")
    baseline = pricings[0].cash_flows.baseline
    last = baseline.iloc[-1]
    if price_usd_per_unit is None:
        price_usd_per_unit = float(last["revenue_usd"]) / float(last["output_units"])
    brand = price_usd_per_unit / float(price_share_of_brand(1, table))
    rows = []
    for label, flows, pricing in (("incumbent", baseline, None),
                                  *((p.costs.label, p.cash_flows.option, p)
                                    for p in pricings)):
        cost = unit_cost_usd_per_unit(flows)
        share = float(margin_share(price_usd_per_unit, cost))
        n_star = makers_sustained(brand, cost, table, exit_margin_share=exit_margin_share)
        npv = math.nan if pricing is None else pricing.firm_npv_usd
        rows.append({
            "option": label, "price_usd_per_unit": price_usd_per_unit,
            "unit_cost_usd_per_unit": cost, "margin_usd_per_unit": price_usd_per_unit - cost,
            "margin_share": share, "exits": share < exit_margin_share,
            "makers_sustained": n_star,
            "exits_from_erosion": max(0, makers_entering - n_star),
            "firm_npv_usd": npv,
            "firm_npv_at_premium_usd": math.nan if pricing is None else
            firm_npv_at_premium_usd(npv, pricing.premium_npv_gain_usd,
                                    reliability_premium_share),
            "required_price_premium_share": math.nan if pricing is None
            else pricing.required_price_premium_share})
    return pd.DataFrame(rows, columns=list(MARKET_COLUMNS))
