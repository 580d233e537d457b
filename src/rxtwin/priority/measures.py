"""Measures matched to the causes of a medicine's shortages, and their effect per product.

Pure functions over the supply simulator's summaries (no simulation, no file):

* :func:`dominant_causes`: per product, the outage category with the most simulated
  shortage-days and the cause group it belongs to;
* :func:`product_effects`: per product, the shortage-days, unmet units and holding cost a
  measure changes, from paired chunks of two network runs on common random numbers;
* :func:`matching_measures`: which of the available measures address a product's dominant
  cause (the rules of ``measure_matching.yaml``);
* :func:`price_measure_on_product`: one measure on one product priced for the firm and for
  society by :func:`rxtwin.econ.options.price_option`.

docs/priority.md, "Matching measures to causes".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from rxtwin.data.measure_matching import MeasureMatching
from rxtwin.econ.options import OptionCosts, OptionPricing, SupplyEffects, price_option
from rxtwin.econ.technology import AppraisalTerms
from rxtwin.errors import UserInputError
from rxtwin.model.finance import FirmProfile
from rxtwin.model.performance import LinePerformance
from rxtwin.model.product import Product
from rxtwin.model.shortage_cost import ShortageCostParameters
from rxtwin.supply.disruption import DisruptionSummary

__all__ = [
    "DOMINANT_CAUSE_COLUMNS",
    "RunDigest",
    "batch_means_half_width",
    "combined_costs",
    "dominant_causes",
    "market_year",
    "matching_measures",
    "per_product_costs",
    "price_measure_on_product",
    "product_effects",
]

#: Columns of :func:`dominant_causes` (units in the names; shares in [0, 1]).
DOMINANT_CAUSE_COLUMNS = ("product_id", "shortage_days_per_yr", "shortage_days_per_yr_ci95",
                          "dominant_category", "dominant_cause_group", "dominant_share")


@dataclass(frozen=True)
class RunDigest:
    """What the measures study keeps of one network run: per chunk and product, the means
    the paired comparisons need, and the shortage-days by cause summed over the run.

    Attributes
    ----------
    product_ids : tuple of str, (P,)
    chunk_years : ndarray (k,)
        Scenario-years of each chunk [-].
    shortage_days, unmet_units, holding_cost_usd : ndarray (k, P)
        Per chunk, the mean per scenario-year of each product [d/yr], [units/yr],
        [USD/yr].
    causes, categories : tuple of str, (C,)
        Cause labels and their categories (the supply summary's codes).
    cause_shortage_days : ndarray (P, C)
        Shortage-days attributed to each cause, summed over the run [d].

    Notes
    -----
    A chunk's full summary holds per-product histograms of episode lengths (hundreds of
    bins); the digest keeps the few numbers per product the study reads, so a national
    study keeps kilobytes per run rather than hundreds of megabytes.
    """

    product_ids: tuple[str, ...]
    chunk_years: np.ndarray
    shortage_days: np.ndarray
    unmet_units: np.ndarray
    holding_cost_usd: np.ndarray
    causes: tuple[str, ...]
    categories: tuple[str, ...]
    cause_shortage_days: np.ndarray

    @classmethod
    def from_chunks(cls, chunks: Sequence[DisruptionSummary]) -> RunDigest:
        """The digest of a run's chunk summaries (in chunk order)."""
        if not chunks:
            raise UserInputError("a run needs at least one chunk")
        if any(chunk.causes is None for chunk in chunks):
            raise UserInputError("the network run has no shortage-days by cause; simulate "
                                 "it again")
        first = chunks[0]
        return cls(first.product_ids,
                   np.array([c.scenario_years for c in chunks], dtype=float),
                   _by_chunk(chunks, "shortage_days"), _by_chunk(chunks, "unmet_units"),
                   _by_chunk(chunks, "holding_cost_usd"), first.causes.labels,
                   first.causes.categories,
                   np.sum([c.causes.shortage_days for c in chunks], axis=0).astype(float))

    def to_dict(self) -> dict:
        """JSON-safe dict (round-trips through :meth:`from_dict`)."""
        return {"product_ids": list(self.product_ids),
                "chunk_years": self.chunk_years.tolist(),
                "shortage_days": self.shortage_days.tolist(),
                "unmet_units": self.unmet_units.tolist(),
                "holding_cost_usd": self.holding_cost_usd.tolist(),
                "causes": list(self.causes), "categories": list(self.categories),
                "cause_shortage_days": self.cause_shortage_days.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping) -> RunDigest:
        """Inverse of :meth:`to_dict`."""
        n = len(data["product_ids"])
        table = functools.partial(_matrix, columns=n)
        return cls(tuple(data["product_ids"]), np.asarray(data["chunk_years"], dtype=float),
                   table(data["shortage_days"]), table(data["unmet_units"]),
                   table(data["holding_cost_usd"]), tuple(data["causes"]),
                   tuple(data["categories"]),
                   _matrix(data["cause_shortage_days"], columns=len(data["causes"])))


def _matrix(values, columns: int) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(-1, columns)


def dominant_causes(run: RunDigest, matching: MeasureMatching) -> pd.DataFrame:
    """Each product's simulated shortage-days and the category that causes most of them.

    Parameters
    ----------
    run : RunDigest
        A network run (:meth:`RunDigest.from_chunks`).
    matching : MeasureMatching
        Cause groups (:func:`rxtwin.data.measure_matching.load_measure_matching`).

    Returns
    -------
    pandas.DataFrame
        :data:`DOMINANT_CAUSE_COLUMNS`, one row per product in the run's order:
        ``shortage_days_per_yr`` [d/yr] with its batch-means 95 % half-width (Student-t
        over the chunk means), ``dominant_category`` (the category with the largest share
        of the product's shortage-days; ties to the first in code order; "" for a product
        never short), ``dominant_cause_group`` (its group in ``matching``, "" if none) and
        ``dominant_share`` [-].

    Notes
    -----
    With :math:`D_{p,c}` the shortage-days of product :math:`p` attributed to cause
    :math:`c` and :math:`g(c)` the cause's category, the dominant category is
    :math:`\\arg\\max_k \\sum_{c: g(c) = k} D_{p,c}` and its share that sum over
    :math:`\\sum_c D_{p,c}`.
    """
    categories = list(dict.fromkeys(run.categories))
    column_of = {c: j for j, c in enumerate(categories)}
    by_category = np.zeros((len(run.product_ids), len(categories)))
    for code, category in enumerate(run.categories):
        by_category[:, column_of[category]] += run.cause_shortage_days[:, code]
    total = by_category.sum(axis=1)
    top = by_category.argmax(axis=1)
    days = run.shortage_days.T @ run.chunk_years / run.chunk_years.sum()
    dominant = [categories[j] if total[p] > 0 else "" for p, j in enumerate(top)]
    return pd.DataFrame({
        "product_id": list(run.product_ids),
        "shortage_days_per_yr": days,
        "shortage_days_per_yr_ci95": batch_means_half_width(run.shortage_days),
        "dominant_category": dominant,
        "dominant_cause_group": [matching.group_of(c) or "" if c else "" for c in dominant],
        "dominant_share": np.divide(by_category[np.arange(len(top)), top], total,
                                    out=np.zeros_like(total), where=total > 0),
    }, columns=list(DOMINANT_CAUSE_COLUMNS))


def batch_means_half_width(by_chunk: np.ndarray) -> np.ndarray:
    """95 % half-width of the mean over chunks, per column: Student's
    :math:`t_{0.975,k-1} s / \\sqrt{k}` over the ``k`` rows (batch means; NaN with one
    chunk)."""
    k = by_chunk.shape[0]
    if k < 2:
        return np.full(by_chunk.shape[1:], np.nan)
    return stats.t.ppf(0.975, k - 1) * by_chunk.std(axis=0, ddof=1) / math.sqrt(k)


def _by_chunk(chunks: Sequence[DisruptionSummary], statistic: str) -> np.ndarray:
    return np.array([chunk.statistic(statistic)[0] for chunk in chunks])


def product_effects(base: RunDigest, option: RunDigest) -> SupplyEffects:
    """What a measure changes per product, from paired chunks of two network runs.

    Parameters
    ----------
    base, option : RunDigest
        The runs without and with the measure, from the same chunk plan (common random
        numbers: chunk ``i`` of both drew the same outages and demand).

    Returns
    -------
    SupplyEffects
        Means over chunks of the per-scenario-year differences ``base - option`` of
        shortage-days and unmet units, ``option - base`` of the holding cost, and the
        paired chunk differences themselves.

    Notes
    -----
    :math:`\\Delta_p = \\frac{1}{k} \\sum_i (D^{base}_{i,p} - D^{opt}_{i,p})`, each
    :math:`D_{i,p}` a mean over the scenario-years of chunk :math:`i` (batch means).
    Chunks are weighted equally.
    """
    if not np.array_equal(base.chunk_years, option.chunk_years):
        raise UserInputError(f"paired runs need the same chunks: {len(base.chunk_years)} and "
                             f"{len(option.chunk_years)}")
    if base.product_ids != option.product_ids:
        raise UserInputError("paired runs must simulate the same products")
    days = base.shortage_days - option.shortage_days
    unmet = base.unmet_units - option.unmet_units
    holding = option.holding_cost_usd - base.holding_cost_usd
    return SupplyEffects(base.product_ids, days.mean(axis=0), unmet.mean(axis=0),
                         holding.mean(axis=0), days, unmet)


def matching_measures(dominant_category: str, *, shelf_life_days: float,
                      release_days: float, measure_kinds: Mapping[str, str],
                      matching: MeasureMatching) -> list[str]:
    """The measures (by id) that address a product's dominant cause.

    Parameters
    ----------
    dominant_category : str
        The product's dominant outage category (:func:`dominant_causes`; "" when never
        short: nothing matches).
    shelf_life_days : float
        The product's shelf life [d].
    release_days : float
        Its quality release time [d].
    measure_kinds : mapping of str to str
        Available measure id -> its intervention kind, in the order to return them.
    matching : MeasureMatching

    Returns
    -------
    list of str
        The ids whose kind is in the dominant category's group, except (1) stock measures
        when ``shelf_life_days < matching.short_shelf_life_days`` (capacity rather than
        stockpile) and (2) ``rapid_sterility_test`` unless ``release_days >
        matching.long_release_days``.
    """
    group = matching.group_of(dominant_category) if dominant_category else None
    if group is None:
        return []
    kinds = set(matching.cause_groups[group].measures)
    if shelf_life_days < matching.short_shelf_life_days:
        kinds -= set(matching.stock_measures)
    if release_days <= matching.long_release_days:
        kinds.discard("rapid_sterility_test")
    return [mid for mid, kind in measure_kinds.items() if kind in kinds]


def per_product_costs(costs: OptionCosts, n_products: int) -> OptionCosts:
    """A measure's costs shared equally by the ``n_products`` products it acts on
    (capex, opex, training and filings divided; implementation time unchanged).
    Assumption: a site-wide or line-wide measure's cost is shared evenly."""
    if n_products < 1:
        raise UserInputError(f"measure '{costs.label}' acts on no product")
    return replace(costs, capex_usd=costs.capex_usd / n_products,
                   opex_usd_per_yr=costs.opex_usd_per_yr / n_products,
                   training_usd=costs.training_usd / n_products,
                   products_moved=min(costs.products_moved, 1))


def combined_costs(label: str, parts: Sequence[OptionCosts]) -> OptionCosts:
    """The costs of measures taken together as one option.

    Capex, opex, training and filing costs add up; the option acts when the slowest part
    acts (the largest implementation and ramp-up months). Assumption: the parts share no
    cost (two measures bought together cost what they cost apart) and the capex of all
    parts is spent over the slowest part's implementation years.
    """
    if not parts:
        raise UserInputError(f"combination '{label}' has no measure")
    return OptionCosts(
        label, "intervention", sum(p.capex_usd for p in parts),
        sum(p.opex_usd_per_yr for p in parts), max(p.implementation_months for p in parts),
        ramp_up_months=max(p.ramp_up_months for p in parts),
        training_usd=sum(p.training_usd for p in parts),
        filing_cost_usd_per_product=sum(p.filing_cost_usd_per_product for p in parts),
        products_moved=max(p.products_moved for p in parts),
        line_year_of_incumbent=all(p.line_year_of_incumbent for p in parts))


def market_year(product: Product, holding_cost_usd_per_yr: float) -> LinePerformance:
    """The product's year in the market as a line year: its whole demand sold at its price,
    its material cost, the holding cost of its stock in every tier without the measure
    [USD/yr] (from the network run); no line costs (a network measure does not change
    them) [USD/yr, units/yr]."""
    units = product.demand_units_per_yr
    zero = dict.fromkeys(LinePerformance.__dataclass_fields__, 0.0)
    return LinePerformance(**{**zero, "units_good": units, "units_sold": units,
                              "revenue_usd": units * product.price_usd_per_unit,
                              "materials_usd": units * product.material_cost_usd_per_unit,
                              "inventory_carrying_usd": holding_cost_usd_per_yr,
                              "fill_rate": 1.0})


def _one_product(effects: SupplyEffects, index: int) -> SupplyEffects:
    keep = slice(index, index + 1)
    return SupplyEffects((effects.product_ids[index],),
                         effects.shortage_days_avoided_per_yr[keep],
                         effects.unmet_units_avoided_per_yr[keep],
                         effects.holding_cost_change_usd_per_yr[keep],
                         effects.shortage_days_avoided_by_chunk[:, keep],
                         effects.unmet_units_avoided_by_chunk[:, keep])


def price_measure_on_product(costs: OptionCosts, effects: SupplyEffects, product: Product, *,
                             holding_cost_usd_per_yr: float, horizon_yr: int, profile: FirmProfile, terms: AppraisalTerms,
                             shortage_costs: ShortageCostParameters, n_draws: int,
                             rng: np.random.Generator, level: float = 0.90,
                             ) -> OptionPricing:
    """One measure on one product, for the firm that makes it and for society.

    :func:`rxtwin.econ.options.price_option` with the product's market year
    (:func:`market_year`, with the product's holding cost without the measure
    ``holding_cost_usd_per_yr`` [USD/yr]) as both the incumbent's and the option's line
    year (a network
    measure changes no line), the product's column of ``effects`` and ``costs`` already
    per product (:func:`per_product_costs`). The firm gains the margin of the sales no
    longer lost and pays the measure and the change of the holding cost.
    """
    index = effects.product_ids.index(product.id) if product.id in effects.product_ids \
        else None
    if index is None:
        raise UserInputError(f"product '{product.id}' is not in the measure's effects")
    year = market_year(product, holding_cost_usd_per_yr)
    return price_option(replace(costs, line_year_of_incumbent=True), year, year,
                        _one_product(effects, index), [product], horizon_yr=horizon_yr,
                        profile=profile, terms=terms, energy_usd_per_unit=0.0,
                        shortage_costs=shortage_costs, n_draws=n_draws, rng=rng, level=level)
