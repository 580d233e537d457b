"""Time to market of a new generic: launch month, prices by number of makers, exclusivity.

A firm develops a generic (faster on some technologies: the scenarios' ``development_months``,
6-9 months for continuous manufacturing against 16-24 for batch, Wosińska, Conti and
Reynolds, Brookings/MIT 2023, Session 4), files it and waits for approval; competitors
enter at given months. Each month the generic price is a share of the brand's price that
falls with the number of makers (FDA 2019), and the firm sells an equal share of the
generic volume. The first generic to file may hold 180 days of exclusivity. The functions
are monthly and pure; :func:`launch_value_usd` gives the present value of a launch and
:func:`expected_launch_value_usd` averages it over an approval delay.

docs/econ.md, "Time to market".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rxtwin.errors import UserInputError

__all__ = [
    "approval_routes",
    "expected_launch_value_usd",
    "launch_month",
    "launch_value_usd",
    "makers_by_month",
    "monthly_margin_usd",
    "price_share_of_brand",
]


def price_share_of_brand(n_makers: np.ndarray | float,
                         table: Mapping[int, float]) -> np.ndarray:
    """Generic price as a share of the brand's pre-entry price, by number of makers.

    Parameters
    ----------
    n_makers : array_like
        Generic makers on the market [-], >= 1.
    table : mapping of int to float
        Share [-] at given counts (``generic_competition.yaml``, FDA 2019).

    Returns
    -------
    numpy.ndarray
        Linear interpolation between the table's counts; the last share beyond the largest
        count.

    Examples
    --------
    >>> float(price_share_of_brand(3, {1: 0.61, 2: 0.46, 4: 0.21, 6: 0.05}))
    0.335
    """
    counts = np.array(sorted(table), dtype=float)
    shares = np.array([table[int(c)] for c in counts])
    n = np.asarray(n_makers, dtype=float)
    if np.any(n < 1):
        raise UserInputError(f"n_makers must be >= 1 (got {n_makers!r})")
    return np.interp(n, counts, shares)


def launch_month(development_months: float, review_months: float) -> float:
    """Month of first sale after the start of development [month]: development, then the
    regulator's review (``t = d + r``)."""
    if development_months < 0 or review_months < 0:
        raise UserInputError(f"development_months = {development_months} and review_months "
                             f"= {review_months} must be >= 0")
    return development_months + review_months


def makers_by_month(launch: float, competitor_entry_months: Sequence[float],
                    horizon_months: int, *, exclusivity_months: float = 0.0) -> np.ndarray:
    """Generic makers on the market in each month ``0 .. horizon_months - 1``, the firm
    included once it has launched (0 before).

    Parameters
    ----------
    launch : float
        The firm's first month of sale [month].
    competitor_entry_months : sequence of float
        Each competitor's first month of sale [month].
    horizon_months : int
        Months to return [-].
    exclusivity_months : float
        If > 0 the firm is the first filer: no competitor enters before ``launch +
        exclusivity_months`` (a competitor due earlier enters then) [month].

    Notes
    -----
    A maker counts in month :math:`m` from the first whole month at or after its entry
    (:math:`m \\ge \\lceil t \\rceil`).
    """
    months = np.arange(horizon_months)
    entries = np.asarray(competitor_entry_months, dtype=float)
    if exclusivity_months > 0:
        entries = np.maximum(entries, launch + exclusivity_months)
    firm = months >= math.ceil(launch)
    others = (months[:, None] >= np.ceil(entries)[None, :]).sum(axis=1) if entries.size \
        else np.zeros(horizon_months, dtype=int)
    return np.where(firm, others + 1, 0)


def monthly_margin_usd(makers: np.ndarray, *, brand_price_usd_per_unit: float,
                       generic_units_per_month: float,
                       variable_cost_usd_per_unit: float,
                       table: Mapping[int, float]) -> np.ndarray:
    """The firm's margin in each month [USD/month].

    .. math:: M_m = \\frac{Q}{n_m} \\left(s(n_m) P_b - c\\right) \\quad (n_m \\ge 1),
              \\qquad M_m = 0 \\quad (n_m = 0)

    with :math:`Q` the generic volume a month [units], :math:`n_m` the makers (the firm
    included), :math:`s` :func:`price_share_of_brand`, :math:`P_b` the brand's pre-entry
    price and :math:`c` the variable cost per unit. Assumption: makers split the volume
    equally, the generic volume does not depend on the number of makers.
    """
    n = np.asarray(makers)
    selling = n >= 1
    safe = np.where(selling, n, 1)
    share = price_share_of_brand(safe, table)
    margin = generic_units_per_month / safe * (share * brand_price_usd_per_unit
                                               - variable_cost_usd_per_unit)
    return np.where(selling, margin, 0.0)


def _monthly_rate(rate_per_yr: float) -> float:
    if rate_per_yr <= -1:
        raise UserInputError(f"rate_per_yr = {rate_per_yr} must be > -1")
    return (1.0 + rate_per_yr) ** (1.0 / 12.0) - 1.0


def launch_value_usd(launch: float, competitor_entry_months: Sequence[float], *,
                     horizon_months: int, rate_per_yr: float,
                     brand_price_usd_per_unit: float, generic_units_per_month: float,
                     variable_cost_usd_per_unit: float, table: Mapping[int, float],
                     exclusivity_months: float = 0.0) -> float:
    """Present value at month 0 of the firm's margins from a launch [USD].

    .. math:: V = \\sum_{m=0}^{H-1} M_m (1 + r_m)^{-(m + 1)}, \\quad
              r_m = (1 + r)^{1/12} - 1

    (end-of-month convention) with :math:`M_m` from :func:`monthly_margin_usd` and the
    makers from :func:`makers_by_month`.
    """
    makers = makers_by_month(launch, competitor_entry_months, horizon_months,
                             exclusivity_months=exclusivity_months)
    margin = monthly_margin_usd(makers, brand_price_usd_per_unit=brand_price_usd_per_unit,
                                generic_units_per_month=generic_units_per_month,
                                variable_cost_usd_per_unit=variable_cost_usd_per_unit,
                                table=table)
    discount = (1.0 + _monthly_rate(rate_per_yr)) ** -(np.arange(horizon_months) + 1.0)
    return float(margin @ discount)


def expected_launch_value_usd(development_months: float, competitor_entry_months:
                              Sequence[float], *, review_months: float,
                              delay_probability: float, delay_months: float,
                              **value_arguments) -> float:
    """Expected present value of a launch with a possible approval delay [USD].

    .. math:: E[V] = (1 - p)\\, V(d + r) + p\\, V(d + r + \\delta)

    with :math:`d` the development months, :math:`r` the review, :math:`p` the probability
    that approval takes another cycle of :math:`\\delta` months, and :math:`V`
    :func:`launch_value_usd` (``value_arguments``).
    """
    if not 0.0 <= delay_probability <= 1.0:
        raise UserInputError(f"delay_probability = {delay_probability} must lie in [0, 1]")
    on_time = launch_month(development_months, review_months)
    return ((1.0 - delay_probability)
            * launch_value_usd(on_time, competitor_entry_months, **value_arguments)
            + delay_probability
            * launch_value_usd(on_time + delay_months, competitor_entry_months,
                               **value_arguments))


def approval_routes(n_products: int, *, filing_fee_usd: float, review_months: float,
                    platform_filing_cost_usd: float, platform_review_months: float,
                    supplement_fee_usd: float, supplement_review_months: float,
                    delay_probability: float, delay_months: float) -> pd.DataFrame:
    """Filing cost and time to approval of ``n_products`` new generics, product by product
    or on a platform.

    Parameters
    ----------
    n_products : int
        Products to file [-], >= 1.
    filing_fee_usd, review_months : float
        One application per product, reviewed in parallel [USD, month].
    platform_filing_cost_usd, platform_review_months : float
        The first product's application with its platform [USD, month].
    supplement_fee_usd, supplement_review_months : float
        Each later product as a supplement, all filed together once the platform is
        approved [USD, month].
    delay_probability, delay_months : float
        Chance that a full application (a product's, or the platform's) needs a second
        review cycle, and its length [-, month]; supplements are not delayed.

    Returns
    -------
    pandas.DataFrame
        One row per route (``product by product``, ``platform``): ``filing_cost_usd``,
        ``mean_months_to_approval`` and ``months_to_last_approval`` (expected values).

    Notes
    -----
    With :math:`E = r + p \\delta` the expected months of a full review:
    product by product, cost :math:`n F` and every product at :math:`E`; on a platform,
    cost :math:`F_P + (n - 1) F_S`, the first product at :math:`E_P` and product
    :math:`k \\ge 2` at :math:`E_P + r_S`. The platform is cheaper from
    :math:`n > (F_P - F_S) / (F - F_S)` products when :math:`F > F_S`.
    """
    if n_products < 1:
        raise UserInputError(f"n_products = {n_products} must be >= 1")
    if not 0.0 <= delay_probability <= 1.0:
        raise UserInputError(f"delay_probability = {delay_probability} must lie in [0, 1]")
    full = review_months + delay_probability * delay_months
    platform = platform_review_months + delay_probability * delay_months
    later = np.full(n_products - 1, platform + supplement_review_months)
    platform_months = np.concatenate([[platform], later])
    return pd.DataFrame({
        "route": ["product by product", "platform"],
        "filing_cost_usd": [n_products * filing_fee_usd,
                            platform_filing_cost_usd + (n_products - 1) * supplement_fee_usd],
        "mean_months_to_approval": [full, float(platform_months.mean())],
        "months_to_last_approval": [full, float(platform_months.max())],
    })
