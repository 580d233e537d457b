"""Supply-disruption simulator: many scenario-years of every product's supply chain.

A chunk of scenario-years is one continuous history of every product's chain
(:func:`rxtwin.supply.disruption_kernel.simulate_product`): it starts with every site up and
every stock at its start level, runs ``warmup_years`` unrecorded years, then records its
scenario-years one after another, carrying stocks, pipelines, outages under way and open
shortage episodes from one year into the next (an outage or a shortage can last years).
Each day: site outages (random arrivals and durations per site, shared by every product the
site supplies), demand shocks and day-to-day demand noise, inventories at each tier aged in
lots (first-expired-first-out, expiry losses counted), base-stock replenishment, and surge
of surviving suppliers after their qualification lag. Stockpiles (API reserve,
finished-goods buffer) are larger base stocks, with their holding cost. Every shortage
episode is credited to a cause: the outage of the product's chain with the most down days
in the window before it began, or none (demand)
(:meth:`DisruptionSummary.cause_table`).

Random numbers come only from the chunk's :class:`numpy.random.SeedSequence`. Within a
chunk, each site draws from ``SeedSequence(entropy, spawn_key=chunk_key + (0, key))`` and
each product from ``chunk_key + (1, key, 0|1)`` (demand noise | shocks), where ``key`` is
the CRC-32 of the id: a site keeps its outage history in every variant of a scenario (more
stock, an added supplier), so variants are compared on common random numbers.

Model, equations and assumptions: docs/supply_simulation.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rxtwin.errors import UserInputError
from rxtwin.model.disruption import OutageMode
from rxtwin.model.units import DAYS_PER_YEAR
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.stats.sampling import lognormal_mu_sigma, sample
from rxtwin.stats.seeding import ChunkSpec, plan_chunks
from rxtwin.stats.summaries import ExactSum, HistogramSummary, MomentSummary, merge_all
from rxtwin.stats.survival import kaplan_meier, kaplan_meier_from_counts
from rxtwin.supply.disruption_inputs import SupplyEngineInputs, root_failure_mode
from rxtwin.supply.disruption_kernel import (
    BALANCE,
    CAUSE_STATISTICS,
    EPISODE_COARSE_BIN_DAYS,
    EPISODE_DAILY_BINS_DAYS,
    N_STATISTICS,
    STATISTICS,
    fill_standard_normal,
    paint_outages,
    paint_shocks,
    simulate_product,
)

__all__ = [
    "BALANCE",
    "CAUSE_STATISTICS",
    "CAUSE_TABLE_COLUMNS",
    "DEFAULT_CHUNK_SIZE",
    "EPISODE_HISTOGRAM_DAYS",
    "N_EPISODE_BINS",
    "STATISTICS",
    "TABLE_COLUMNS",
    "CauseSummary",
    "DisruptionRun",
    "DisruptionSummary",
    "ProductTrace",
    "disruption_chunk_task",
    "shortage_duration_comparison",
    "simulate_disruptions",
    "episode_bin_edges_days",
    "trace_product",
]

DEFAULT_CHUNK_SIZE = 250  # compute setting (memory per chunk), part of the seed contract
# Episode-length histograms reach this length; longer episodes are counted in the last bin
# (the longest FDA episode in the bundled snapshots lasts 4,304 days).
EPISODE_HISTOGRAM_DAYS = 15 * int(DAYS_PER_YEAR)


def episode_bin_edges_days() -> np.ndarray:
    """Edges of the episode-length bins [d]: daily below two years, weekly above, to
    :data:`EPISODE_HISTOGRAM_DAYS` (bin ``k`` holds lengths ``[edges[k], edges[k+1])``;
    the kernel's :func:`~rxtwin.supply.disruption_kernel.episode_bin`)."""
    daily = np.arange(EPISODE_DAILY_BINS_DAYS, dtype=float)
    stop = EPISODE_HISTOGRAM_DAYS + 2 * EPISODE_COARSE_BIN_DAYS
    weekly = np.arange(EPISODE_DAILY_BINS_DAYS, stop, EPISODE_COARSE_BIN_DAYS, dtype=float)
    return np.concatenate([daily, weekly])


N_EPISODE_BINS = episode_bin_edges_days().size - 1

#: Columns of :meth:`DisruptionSummary.table` in order, with their units (``"label"``:
#: text; ``"-"``: dimensionless); docs/supply_simulation.md, "Outputs".
TABLE_COLUMNS: dict[str, str] = {
    "product_id": "label",
    "scenario_years": "yr",
    "shortage_probability_per_yr": "-",
    "shortage_probability_per_yr_ci95": "-",
    "shortage_days_per_yr": "d/yr",
    "shortage_days_per_yr_ci95": "d/yr",
    "unmet_units_per_yr": "units/yr",
    "fill_rate": "-",
    "expired_units_per_yr": "units/yr",
    "mean_on_hand_units": "units",
    "holding_cost_usd_per_yr": "USD/yr",
    "episodes_per_yr": "1/yr",
    "ttr_median_days": "d",
    "ttr_p90_days": "d",
}
#: Columns of :meth:`DisruptionSummary.cause_table` in order, with their units;
#: docs/supply_simulation.md, "Shortage-days by cause".
CAUSE_TABLE_COLUMNS: dict[str, str] = {
    "product_id": "label",
    "cause": "label",
    "category": "label",
    "root_failure_mode": "label",
    "shortage_days_per_yr": "d/yr",
    "shortage_days_per_yr_ci95": "d/yr",
    "episodes_per_yr": "1/yr",
    "unmet_units_per_yr": "units/yr",
    "share_of_shortage_days": "-",
}
_SITE_STREAM = 0
_PRODUCT_STREAM = 1
_NOISE, _SHOCKS = 0, 1
_NO_SHOCK = -1.0  # demand factor of a day without a shock, before it becomes 1


# ------------------------------------------------------------------------------------------
# Random inputs of a chunk
# ------------------------------------------------------------------------------------------


def _child(seed: np.random.SeedSequence, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(
        seed.entropy, spawn_key=tuple(seed.spawn_key) + tuple(int(k) for k in key)))


def _events(rng: np.random.Generator, modes, n_years: int, horizon_days: int):
    """Arrivals of every mode over ``n_years`` years: (year, start day, duration days,
    mode index), sorted by year then start. Draw order: per mode, counts, starts,
    durations."""
    years, starts, durations, which = [], [], [], []
    for k, mode in enumerate(modes):
        counts = rng.poisson(mode.rate_per_yr * horizon_days / DAYS_PER_YEAR, n_years)
        total = int(counts.sum())
        years.append(np.repeat(np.arange(n_years), counts))
        starts.append(rng.uniform(0.0, horizon_days, total))
        # an outage mode may add fixed days (a release cycle); a demand shock adds none
        added_days = mode.added_days if isinstance(mode, OutageMode) else 0.0
        durations.append(sample(mode.duration, rng, total) * mode.duration_unit_days
                         + added_days if total else np.zeros(0))
        which.append(np.full(total, k))
    if not years:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty, empty.astype(np.int64)
    y = np.concatenate(years).astype(np.int64)
    t = np.concatenate(starts)
    d = np.concatenate(durations).astype(float)
    m = np.concatenate(which).astype(np.int64)
    order = np.lexsort((t, y))
    return y[order], t[order], d[order], m[order]


def site_down_calendar(inputs: SupplyEngineInputs, seed: np.random.SeedSequence,
                       n_years: int) -> np.ndarray:
    """Down days of every site and their cause: uint8 array (n_sites, n_years, horizon),
    0 = up, ``c >= 1`` = down because of an outage of cause ``c``
    (``inputs.causes.labels[c]``).

    Parameters
    ----------
    inputs : SupplyEngineInputs
    seed : numpy.random.SeedSequence
        The chunk's seed; each site draws from its own child stream (module docstring).
    n_years : int
        Scenario-years of the history, warm-up included [-]; an outage runs on into the
        next year.
    """
    horizon = inputs.scenario_year_days
    down = np.zeros((inputs.n_sites, n_years, horizon), dtype=np.uint8)
    codes = inputs.causes.site_mode_codes
    for i, modes in enumerate(inputs.site_outage_modes):
        rng = _child(seed, _SITE_STREAM, inputs.site_stream_keys[i])
        years, starts, durations, which = _events(rng, modes, n_years, horizon)
        paint_outages(years, starts, durations, codes[i][which], horizon,
                      down[i].reshape(-1))
    return down


def demand_paths(inputs: SupplyEngineInputs, product: int, seed: np.random.SeedSequence,
                 n_years: int) -> np.ndarray:
    """Daily demand of one product [units], shape (n_years, horizon); a demand shock runs
    on into the next year.

    Notes
    -----
    ``demand = mean x shock x exp(sigma z - sigma^2 / 2)`` with ``z ~ N(0, 1)`` i.i.d. per
    day and ``sigma^2 = ln(1 + cv^2)``, so the daily demand is log-normal with the
    product's mean and coefficient of variation; ``shock`` is the largest multiplier of
    the demand shocks active that day (1 when none).
    """
    horizon = inputs.scenario_year_days
    key = inputs.product_stream_keys[product]
    shocks = inputs.product_demand_shocks[product]
    factor = None
    if shocks:
        factor = np.full((n_years, horizon), _NO_SHOCK)
        rng = _child(seed, _PRODUCT_STREAM, key, _SHOCKS)
        years, starts, durations, which = _events(rng, shocks, n_years, horizon)
        multipliers = np.array([s.demand_multiplier for s in shocks])[which] if which.size \
            else np.zeros(0)
        paint_shocks(years, starts, durations, multipliers, horizon, factor.reshape(-1))
        factor[factor == _NO_SHOCK] = 1.0
    mean = float(inputs.demand_units_per_day[product])
    cv = float(inputs.demand_cv[product])
    if cv <= 0.0:
        return mean * (factor if factor is not None else np.ones((n_years, horizon)))
    # In place, in the order of mean x (shock x exp(sigma z - sigma^2 / 2)): same bits.
    _, sigma = lognormal_mu_sigma(1.0, cv)
    path = fill_standard_normal(_child(seed, _PRODUCT_STREAM, key, _NOISE),
                                np.empty(n_years * horizon)).reshape(n_years, horizon)
    path *= sigma
    path -= 0.5 * sigma * sigma
    np.exp(path, out=path)
    if factor is not None:
        path *= factor
    path *= mean
    return path


def _product_args(inputs: SupplyEngineInputs, p: int):
    return (inputs.tier_parent[p], inputs.base_stock_units[p], inputs.initial_on_hand_units[p],
            inputs.initial_age_days[p], inputs.shelf_life_days[p], inputs.unit_value_usd[p],
            inputs.supplier_site[p], inputs.supplier_share[p],
            inputs.supplier_normal_units_per_day[p], inputs.supplier_capacity_units_per_day[p],
            inputs.supplier_lead_days[p], inputs.supplier_lag_days[p],
            float(inputs.demand_units_per_day[p]))


# ------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CauseSummary:
    """Mergeable shortage-days, unmet demand and episodes per product and cause
    (docs/supply_simulation.md, "Shortage-days by cause").

    Attributes
    ----------
    labels : tuple of str, (C,)
        Cause of each code (``SupplyEngineInputs.causes``): 0 = no site outage, then the
        outage-mode names.
    categories : tuple of str, (C,)
        Category of each cause.
    shortage_days : ndarray of int64 (P, C)
        Shortage-days of the episodes attributed to each cause, summed over the recorded
        scenario-years [d].
    unmet_units : ExactSum (P, C)
        Demand not served on those days, summed exactly [units] (``.value()`` rounds it
        once).
    episodes_count : ndarray of int64 (P, C)
        Episodes attributed to each cause, counted in the year they start [-].
    chunk_means : MomentSummary
        Per chunk, the three sums divided by the chunk's scenario-years, one sample per
        chunk (batch means, as :attr:`DisruptionSummary.chunk_means`); column
        ``(p C + c) 3 + j`` is statistic ``j`` of :data:`CAUSE_STATISTICS` for product
        ``p`` and cause ``c``.

    Notes
    -----
    The sums merge exactly, in any order and grouping: counts as integers, unmet units as
    exact binary fractions (:class:`~rxtwin.stats.summaries.ExactSum`); ``chunk_means``
    merges as any :class:`~rxtwin.stats.summaries.MomentSummary` (commutative bit for
    bit, associative up to rounding).
    """

    labels: tuple[str, ...]
    categories: tuple[str, ...]
    shortage_days: np.ndarray
    unmet_units: ExactSum
    episodes_count: np.ndarray
    chunk_means: MomentSummary

    def __post_init__(self) -> None:
        for name in ("shortage_days", "episodes_count"):
            getattr(self, name).flags.writeable = False

    @classmethod
    def from_chunk(cls, labels: Sequence[str], categories: Sequence[str],
                   cause_stats: np.ndarray, n_years: int) -> CauseSummary:
        """Summary of one chunk.

        Parameters
        ----------
        labels, categories : sequence of str
            Per cause code.
        cause_stats : ndarray (P, C, len(CAUSE_STATISTICS))
            The kernel's per-cause sums of each product over the chunk's recorded years.
        n_years : int
            Recorded scenario-years of the chunk [-].
        """
        return cls(tuple(labels), tuple(categories),
                   cause_stats[:, :, 0].astype(np.int64),
                   ExactSum.from_values(cause_stats[:, :, 1]),
                   cause_stats[:, :, 2].astype(np.int64),
                   MomentSummary.from_samples((cause_stats / n_years).reshape(1, -1)))

    def merge(self, other: CauseSummary) -> CauseSummary:
        """Union of two sets of scenario-years of the same products and causes."""
        if self.labels != other.labels:
            raise UserInputError("cannot merge cause summaries of different causes: "
                                 f"{self.labels} and {other.labels}")
        return CauseSummary(self.labels, self.categories,
                            self.shortage_days + other.shortage_days,
                            self.unmet_units.merge(other.unmet_units),
                            self.episodes_count + other.episodes_count,
                            self.chunk_means.merge(other.chunk_means))

    def to_dict(self) -> dict:
        """JSON-safe dict (round-trips bit for bit through :meth:`from_dict`)."""
        return {"labels": list(self.labels), "categories": list(self.categories),
                "shortage_days": self.shortage_days.tolist(),
                "unmet_units": self.unmet_units.to_dict(),
                "episodes_count": self.episodes_count.tolist(),
                "chunk_means": self.chunk_means.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping) -> CauseSummary:
        """Inverse of :meth:`to_dict`."""
        n_causes = len(data["labels"])

        def table(name: str, dtype) -> np.ndarray:
            return np.array(data[name], dtype=dtype).reshape(-1, n_causes)

        return cls(tuple(data["labels"]), tuple(data["categories"]),
                   table("shortage_days", np.int64), ExactSum.from_dict(data["unmet_units"]),
                   table("episodes_count", np.int64),
                   MomentSummary.from_dict(data["chunk_means"]))

    def equals(self, other: CauseSummary) -> bool:
        """Bit-for-bit equality."""
        return (self.labels == other.labels and self.categories == other.categories
                and np.array_equal(self.shortage_days, other.shortage_days)
                and self.unmet_units.equals(other.unmet_units)
                and np.array_equal(self.episodes_count, other.episodes_count)
                and self.chunk_means.equals(other.chunk_means))


@dataclass(frozen=True, eq=False)
class DisruptionSummary:
    """Mergeable summary of scenario-years, per product.

    Attributes
    ----------
    product_ids : tuple of str
    moments : MomentSummary
        ``n_products x len(STATISTICS)`` statistics per scenario-year, product-major
        (statistic ``j`` of product ``p`` is column ``p * len(STATISTICS) + j``).
    episodes_ended : HistogramSummary
        Per product, shortage episodes that ended within their year, by length [d]
        (bins ``[k, k + 1)``; an episode of ``k`` days falls in bin ``k``).
    episodes_open : HistogramSummary
        Per product, episodes still open when their chunk's history ends
        (right-censored), by length so far.
    chunk_means : MomentSummary
        The same statistics averaged over each chunk, one sample per chunk: chunks are
        independent histories while the years of one chunk are not, so confidence
        intervals are taken over chunk means (batch means; Law 2015, Simulation Modeling
        and Analysis, 5th ed., sec. 9.5.3).
    causes : CauseSummary or None
        Shortage-days, unmet demand and episodes per product and cause; None in a summary
        stored before shortages were attributed to causes (:meth:`cause_table` then
        refuses).

    Notes
    -----
    Episode-length bins are those of :func:`episode_bin_edges_days` (a day wide below two
    years, a week above; the last bin takes every longer episode).
    """

    product_ids: tuple[str, ...]
    moments: MomentSummary
    episodes_ended: HistogramSummary
    episodes_open: HistogramSummary
    chunk_means: MomentSummary
    causes: CauseSummary | None = None

    def merge(self, other: DisruptionSummary) -> DisruptionSummary:
        """Union of two sets of scenario-years (exact for counts and histograms)."""
        if self.product_ids != other.product_ids:
            raise UserInputError("cannot merge summaries of different products")
        if (self.causes is None) != (other.causes is None):
            raise UserInputError("cannot merge a summary with shortage-days by cause and one "
                                 "stored before cause attribution")
        causes = None if self.causes is None else self.causes.merge(other.causes)
        return DisruptionSummary(self.product_ids, self.moments.merge(other.moments),
                                 self.episodes_ended.merge(other.episodes_ended),
                                 self.episodes_open.merge(other.episodes_open),
                                 self.chunk_means.merge(other.chunk_means), causes)

    @property
    def scenario_years(self) -> int:
        """Scenario-years summarised [-]."""
        return int(self.moments.count)

    def statistic(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Mean per product of one statistic and the 95 % CI half-width.

        Parameters
        ----------
        name : str
            One of :data:`STATISTICS`.

        Notes
        -----
        The mean is over scenario-years; the half-width is Student's
        :math:`t_{0.975,k-1} s_c / \\sqrt{k}` over the ``k`` chunk means (batch means),
        NaN with a single chunk. Chunks of unequal length (the last one may be shorter)
        are weighted equally: an approximation when one chunk is much shorter.
        """
        j = STATISTICS.index(name)
        n = len(STATISTICS)
        cols = np.arange(len(self.product_ids)) * n + j
        return self.moments.mean[cols], self.chunk_means.ci_half_width(0.95)[cols]

    def table(self) -> pd.DataFrame:
        """Outputs per product.

        Returns
        -------
        pandas.DataFrame
            One row per product (:data:`TABLE_COLUMNS` lists the columns with their
            units): ``product_id``, ``scenario_years``,
            ``shortage_probability_per_yr`` [-] and ``_ci95`` (half-width),
            ``shortage_days_per_yr`` [d/yr] and ``_ci95``, ``unmet_units_per_yr``
            [units/yr], ``fill_rate`` [-] = 1 - mean unmet / mean demand,
            ``expired_units_per_yr``, ``mean_on_hand_units``, ``holding_cost_usd_per_yr``,
            ``episodes_per_yr``, ``ttr_median_days`` and ``ttr_p90_days`` [d]
            (Kaplan-Meier quantiles of shortage-episode length, open episodes censored;
            NaN when not reached).
        """
        out = {"product_id": list(self.product_ids),
               "scenario_years": self.scenario_years}
        for name, column in (("any_shortage", "shortage_probability_per_yr"),
                             ("shortage_days", "shortage_days_per_yr")):
            mean, half = self.statistic(name)
            out[column] = mean
            out[column + "_ci95"] = half
        unmet, _ = self.statistic("unmet_units")
        demand, _ = self.statistic("demand_units")
        out["unmet_units_per_yr"] = unmet
        out["fill_rate"] = np.where(demand > 0, 1.0 - unmet / np.where(demand > 0, demand, 1),
                                    np.nan)
        for name, column in (("expired_units", "expired_units_per_yr"),
                             ("mean_on_hand_units", "mean_on_hand_units"),
                             ("holding_cost_usd", "holding_cost_usd_per_yr"),
                             ("episodes_count", "episodes_per_yr")):
            out[column] = self.statistic(name)[0]
        lengths = self.episodes_ended.edges[:-1]
        q = np.array([kaplan_meier_from_counts(
            lengths, self.episodes_ended.counts[p], self.episodes_open.counts[p]).quantiles(
                (0.5, 0.9)) for p in range(len(self.product_ids))]).reshape(-1, 2)
        out["ttr_median_days"] = q[:, 0]
        out["ttr_p90_days"] = q[:, 1]
        return pd.DataFrame(out)

    def cause_table(self) -> pd.DataFrame:
        """Shortage-days, episodes and unmet demand per product and cause.

        Returns
        -------
        pandas.DataFrame
            One row per product and cause with at least one shortage-day in the recorded
            scenario-years, products in their order, causes in code order (a product
            never short has no row). Columns (:data:`CAUSE_TABLE_COLUMNS`, with units):
            ``product_id``; ``cause`` (outage-mode name, or ``"none (demand)"``);
            ``category``; ``root_failure_mode`` (the failure mode after ``"<-"`` in a
            cause derived from a line's failure mode, else ""); ``shortage_days_per_yr``
            [d/yr] and ``_ci95`` (batch-means half-width, as :meth:`statistic`);
            ``episodes_per_yr`` [1/yr]; ``unmet_units_per_yr`` [units/yr];
            ``share_of_shortage_days`` [-], the cause's shortage-days over all of the
            product's.

        Raises
        ------
        rxtwin.errors.UserInputError
            The summary was stored before shortages were attributed to causes.

        Notes
        -----
        Per scenario-year values are sums over the recorded scenario-years divided by
        their number ``n``: ``shortage_days_per_yr[p, c] = D[p, c] / n``; summed over the
        causes of a product they give its ``shortage_days_per_yr`` of :meth:`table` (to
        rounding). The attribution rule is in docs/supply_simulation.md, "Shortage-days by
        cause".
        """
        causes = self.causes
        if causes is None:
            raise UserInputError("this run predates cause attribution: its stored summary "
                                 "has no shortage-days by cause; simulate it again for the "
                                 "cause table")
        n_causes = len(causes.labels)
        years = float(self.scenario_years)
        half = causes.chunk_means.ci_half_width(0.95).reshape(
            len(self.product_ids), n_causes, len(CAUSE_STATISTICS))
        products, codes = np.nonzero(causes.shortage_days > 0)
        days = causes.shortage_days[products, codes]
        total = causes.shortage_days.sum(axis=1)[products]
        return pd.DataFrame({
            "product_id": [self.product_ids[p] for p in products],
            "cause": [causes.labels[c] for c in codes],
            "category": [causes.categories[c] for c in codes],
            "root_failure_mode": [root_failure_mode(causes.labels[c]) for c in codes],
            "shortage_days_per_yr": days / years,
            "shortage_days_per_yr_ci95": half[products, codes, 0],
            "episodes_per_yr": causes.episodes_count[products, codes] / years,
            "unmet_units_per_yr": causes.unmet_units.value()[products, codes] / years,
            "share_of_shortage_days": days / total,
        }, columns=list(CAUSE_TABLE_COLUMNS))

    def to_dict(self) -> dict:
        """JSON-safe dict (round-trips through :meth:`from_dict`)."""
        data = {"kind": "disruption", "product_ids": list(self.product_ids),
                "moments": self.moments.to_dict(),
                "episodes_ended": self.episodes_ended.to_dict(),
                "episodes_open": self.episodes_open.to_dict(),
                "chunk_means": self.chunk_means.to_dict()}
        if self.causes is not None:
            data["causes"] = self.causes.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> DisruptionSummary:
        """Inverse of :meth:`to_dict`; a dict stored before cause attribution (no
        ``"causes"``) gives ``causes = None``."""
        if data.get("kind") != "disruption":
            raise UserInputError(f"kind = {data.get('kind')!r}, expected 'disruption'")
        causes = CauseSummary.from_dict(data["causes"]) if "causes" in data else None
        return cls(tuple(data["product_ids"]), MomentSummary.from_dict(data["moments"]),
                   HistogramSummary.from_dict(data["episodes_ended"]),
                   HistogramSummary.from_dict(data["episodes_open"]),
                   MomentSummary.from_dict(data["chunk_means"]), causes)

    def equals(self, other: DisruptionSummary) -> bool:
        """Bit-for-bit equality."""
        same_causes = (self.causes is None and other.causes is None) or (
            self.causes is not None and other.causes is not None
            and self.causes.equals(other.causes))
        return (self.product_ids == other.product_ids and self.moments.equals(other.moments)
                and self.episodes_ended.equals(other.episodes_ended)
                and self.episodes_open.equals(other.episodes_open)
                and self.chunk_means.equals(other.chunk_means) and same_causes)


@dataclass(frozen=True)
class DisruptionRun:
    """A finished run: the entropy that reproduces it and the merged summary."""

    entropy: int
    n_years: int
    chunk_size: int
    summary: DisruptionSummary


@dataclass(frozen=True)
class ProductTrace:
    """Per-year rows and the flow balance of one product (for checks).

    Attributes
    ----------
    stats : ndarray (n_years, len(STATISTICS))
    balance : ndarray (n_tiers, len(BALANCE))
        Summed over years; per tier ``initial + produced = delivered + expired + final``.
    episodes_ended, episodes_open : ndarray of int64 (N_EPISODE_BINS,)
        Episode counts in the bins of :func:`episode_bin_edges_days`.
    cause_stats : ndarray (n_causes, len(CAUSE_STATISTICS))
        Per cause code (``inputs.causes.labels``), shortage-days, unmet units and episodes
        over the recorded years.
    """

    stats: np.ndarray
    balance: np.ndarray
    episodes_ended: np.ndarray
    episodes_open: np.ndarray
    cause_stats: np.ndarray


# ------------------------------------------------------------------------------------------
# Chunks
# ------------------------------------------------------------------------------------------


def _run_chunk(inputs: SupplyEngineInputs, seed: np.random.SeedSequence, n_years: int,
               products: Sequence[int]):
    """One history of ``inputs.warmup_years + n_years`` years; ``n_years`` recorded."""
    n_total = inputs.warmup_years + n_years
    down = site_down_calendar(inputs, seed, n_total)
    out = []
    for p in products:
        stats = np.zeros((n_years, N_STATISTICS))
        ended = np.zeros(N_EPISODE_BINS, dtype=np.int64)
        open_ = np.zeros(N_EPISODE_BINS, dtype=np.int64)
        balance = np.zeros((inputs.tier_parent.shape[1], len(BALANCE)))
        causes = np.zeros((inputs.causes.n_causes, len(CAUSE_STATISTICS)))
        demand = demand_paths(inputs, p, seed, n_total)
        simulate_product(*_product_args(inputs, p), down, demand, inputs.holding_rate_per_yr,
                         inputs.warmup_years, inputs.episode_gap_days,
                         inputs.attribution_window_days, stats, ended, open_, balance, causes)
        out.append(ProductTrace(stats, balance, ended, open_, causes))
    return out


def disruption_chunk_task(inputs: SupplyEngineInputs, chunk: ChunkSpec) -> DisruptionSummary:
    """Simulate one chunk of scenario-years from its own seed and summarise it.

    Picklable as ``functools.partial(disruption_chunk_task, inputs)``.
    """
    traces = _run_chunk(inputs, chunk.seed, chunk.n_reps, range(inputs.n_products))
    rows = np.concatenate([t.stats for t in traces], axis=1)
    edges = episode_bin_edges_days()
    zeros = np.zeros(inputs.n_products, dtype=np.int64)
    ended = np.stack([t.episodes_ended for t in traces])
    open_ = np.stack([t.episodes_open for t in traces])
    causes = CauseSummary.from_chunk(inputs.causes.labels, inputs.causes.categories,
                                     np.stack([t.cause_stats for t in traces]), chunk.n_reps)
    return DisruptionSummary(
        inputs.product_ids, MomentSummary.from_samples(rows),
        HistogramSummary(edges, ended, zeros, zeros.copy()),
        HistogramSummary(edges.copy(), open_, zeros.copy(), zeros.copy()),
        MomentSummary.from_samples(rows.mean(axis=0, keepdims=True)), causes)


def simulate_disruptions(
    inputs: SupplyEngineInputs,
    n_years: int,
    *,
    entropy: int | None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    map_chunks: ChunkMapper = map_serial,
    done: Mapping[int, DisruptionSummary] | None = None,
    on_chunk_done: Callable[[int, DisruptionSummary], None] | None = None,
) -> DisruptionRun:
    """Simulate ``n_years`` scenario-years of every product, in chunks that are
    independent histories of ``chunk_size`` consecutive years (module docstring).

    Parameters
    ----------
    inputs : SupplyEngineInputs
    n_years : int
        Scenario-years [-], >= 1.
    entropy : int or None
        Root entropy of the seed tree; None draws fresh entropy (returned in the run).
    chunk_size : int
        Scenario-years per chunk [-]; part of the seed contract (same entropy and chunk
        size give bit-identical results on every backend).
    map_chunks : ChunkMapper
        Runs the chunks: serially by default; :func:`rxtwin.compute.chunk_mapper` gives
        threads, processes or Dask.
    done, on_chunk_done
        As :class:`rxtwin.stats.chunks.ChunkMapper` (resume; progress).

    Returns
    -------
    DisruptionRun
    """
    if isinstance(n_years, bool) or not isinstance(n_years, int) or n_years < 1:
        raise UserInputError(f"n_years = {n_years!r}, must be an integer >= 1")
    entropy, chunks = plan_chunks(n_years, chunk_size, entropy)
    task = functools.partial(disruption_chunk_task, inputs)
    results = map_chunks(task, chunks, done=done, on_chunk_done=on_chunk_done)
    return DisruptionRun(entropy, n_years, chunk_size, merge_all(results))


def trace_product(inputs: SupplyEngineInputs, product: int, n_years: int,
                  seed: np.random.SeedSequence) -> ProductTrace:
    """Per-year statistics and flow balance of one product, drawn from ``seed`` as a chunk
    of ``n_years`` recorded years would be (same streams and warm-up as
    :func:`disruption_chunk_task`)."""
    return _run_chunk(inputs, seed, n_years, [product])[0]


# ------------------------------------------------------------------------------------------
# Shortage durations against the FDA episodes
# ------------------------------------------------------------------------------------------


def shortage_duration_comparison(
    summary: DisruptionSummary,
    product_classes: Sequence[str],
    episodes: pd.DataFrame,
    dosage_form_class: str,
    probabilities: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
    snapshot_interval_days: float | None = DAYS_PER_YEAR,
) -> pd.DataFrame:
    """Quantiles of simulated shortage-episode lengths beside the FDA episodes' durations.

    Parameters
    ----------
    summary : DisruptionSummary
    product_classes : sequence of str
        Dosage-form class of each product of ``summary`` (``inputs.dosage_form_classes``).
    episodes : pandas.DataFrame
        FDA shortage episodes with ``dosage_form_class``, ``duration_days`` and
        ``censored`` (:func:`rxtwin.data.public_tables.shortage_episodes`).
    dosage_form_class : str
        The class compared: simulated products of this class, pooled, against FDA episodes
        of this class.
    probabilities : sequence of float
        Quantile levels in (0, 1).
    snapshot_interval_days : float or None
        Days between the FDA snapshots the episodes were read from [d]; simulated
        episodes are weighted by the chance that such a snapshot sees them (Notes). None
        compares all simulated episodes unweighted.

    Returns
    -------
    pandas.DataFrame
        One row per probability: ``probability``, ``simulated_days``, ``fda_days`` (both
        Kaplan-Meier quantiles, NaN when censoring hides them), ``ratio`` = simulated /
        FDA; ``attrs`` holds the episode and censoring counts of both samples and the
        simulated episodes a snapshot would see (``simulated_observed``, a weight sum).

    Notes
    -----
    The FDA episodes come from yearly snapshots of the shortage list
    (:func:`rxtwin.data.public_tables.episodes_from_presentations`): a shortage is seen
    only if it is listed on a snapshot day, so an episode of ``L`` days enters the data
    with probability ``min(1, L / snapshot_interval_days)`` (snapshot day uniform over
    the interval; length-biased sampling, Cox 1969, "Some sampling problems in
    technology"). The same observation is applied to the simulated episodes as weights
    on their Kaplan-Meier counts. Simulated episodes still open when a chunk's history
    ends are right-censored there, as FDA episodes still listed at the last snapshot are.
    Episodes are spells of short days with gaps of at most ``episode_gap_days``
    (inputs); simulated quantiles are the left edges of the episode-length bins (a day
    below two years, a week above). No verdict is drawn here; the table is the fit.
    """
    chosen = [i for i, c in enumerate(product_classes) if c == dosage_form_class]
    if len(product_classes) != len(summary.product_ids):
        raise UserInputError(f"product_classes has {len(product_classes)} entries, the summary "
                             f"{len(summary.product_ids)} products")
    lengths = summary.episodes_ended.edges[:-1]
    ended = summary.episodes_ended.counts[chosen].sum(axis=0)
    open_ = summary.episodes_open.counts[chosen].sum(axis=0)
    seen = np.ones_like(lengths)
    if snapshot_interval_days is not None:
        if not snapshot_interval_days > 0:
            raise UserInputError(f"snapshot_interval_days = {snapshot_interval_days!r}, must "
                                 "be > 0 or None")
        seen = np.minimum(1.0, lengths / snapshot_interval_days)
    sim = kaplan_meier_from_counts(lengths, ended * seen, open_ * seen).quantiles(probabilities)
    fda = episodes[episodes["dosage_form_class"].astype(str) == dosage_form_class]
    cens = fda["censored"].to_numpy(dtype=bool)
    fda_q = kaplan_meier(fda["duration_days"].to_numpy(dtype=float), cens).quantiles(
        probabilities)
    table = pd.DataFrame({"probability": np.asarray(probabilities, float),
                          "simulated_days": sim, "fda_days": fda_q})
    with np.errstate(divide="ignore", invalid="ignore"):
        table["ratio"] = table["simulated_days"] / table["fda_days"]
    table.attrs.update({
        "dosage_form_class": dosage_form_class,
        "simulated_products": len(chosen),
        "simulated_episodes": int(ended.sum() + open_.sum()),
        "simulated_censored": int(open_.sum()),
        "simulated_observed": float(((ended + open_) * seen).sum()),
        "snapshot_interval_days": snapshot_interval_days,
        "fda_episodes": int(len(fda)),
        "fda_censored": int(cens.sum()),
    })
    return table

