"""Results of the line simulator: mergeable per-statistic summaries and a tidy table.

A :class:`LineSummary` holds the moments of every output column over replications (built
on :class:`rxtwin.stats.summaries.MomentSummary`). Summaries of chunks merge, and merging
them in chunk-index order (:func:`rxtwin.stats.summaries.merge_all`) makes a run
bit-identical on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from rxtwin.errors import UnknownIdError, UserInputError
from rxtwin.stats.summaries import MomentSummary

#: Columns of :meth:`LineResults.table` and their units. ``"label"``: text, no unit;
#: ``"row unit"``: the unit named in the row's ``unit`` column (the statistic's unit,
#: docs/line.md); ``"-"``: dimensionless.
TABLE_COLUMNS: dict[str, str] = {
    "statistic": "label",
    "product": "label",
    "unit": "label",
    "mean": "row unit",
    "ci95_low": "row unit",
    "ci95_high": "row unit",
    "std_error": "row unit",
    "n": "-",
}


@dataclass(frozen=True, eq=False)
class LineSummary:
    """Moments of every statistic over replications, mergeable, NaN-aware.

    A ratio is undefined (NaN) in a replication where its denominator is 0 (e.g. fill rate
    of a product without demand). Two :class:`rxtwin.stats.summaries.MomentSummary`
    objects keep it exact and mergeable: ``values`` summarises the statistics with NaN
    replaced by 0, ``defined`` the 0/1 indicator of a defined value. The mean over the
    replications where a statistic is defined follows from both (see :attr:`mean`).

    Attributes
    ----------
    values : MomentSummary
    defined : MomentSummary
    """

    values: MomentSummary
    defined: MomentSummary

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> LineSummary:
        """Summarise replication rows (shape (n, n_statistics))."""
        finite = np.isfinite(rows)
        return cls(values=MomentSummary.from_samples(np.where(finite, rows, 0.0)),
                   defined=MomentSummary.from_samples(finite.astype(float)))

    @classmethod
    def empty(cls, n_statistics: int) -> LineSummary:
        return cls(MomentSummary.empty(n_statistics), MomentSummary.empty(n_statistics))

    def merge(self, other: LineSummary) -> LineSummary:
        """The summary of both sets of replications (Chan et al. 1979 update)."""
        return LineSummary(self.values.merge(other.values), self.defined.merge(other.defined))

    def equals(self, other: LineSummary) -> bool:
        """Bit-for-bit equality."""
        return self.values.equals(other.values) and self.defined.equals(other.defined)

    def to_dict(self) -> dict:
        return {"kind": "line", "values": self.values.to_dict(),
                "defined": self.defined.to_dict()}

    @classmethod
    def from_dict(cls, data) -> LineSummary:
        if data.get("kind") != "line":
            raise UserInputError(f"kind = {data.get('kind')!r}, expected 'line'")
        return cls(MomentSummary.from_dict(data["values"]),
                   MomentSummary.from_dict(data["defined"]))

    @property
    def n_replications(self) -> int:
        return int(self.values.count)

    @property
    def count(self) -> np.ndarray:
        """Replications with a defined value, per statistic."""
        return np.rint(self.defined.mean * self.values.count).astype(np.int64)

    @property
    def mean(self) -> np.ndarray:
        """Mean over the replications where the statistic is defined (NaN if none)."""
        n = self.count
        total = self.values.mean * self.values.count
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, total / np.maximum(n, 1), np.nan)

    @property
    def std(self) -> np.ndarray:
        """Sample standard deviation over the defined values (n - 1 denominator).

        Notes
        -----
        With all N replications (undefined ones counted as 0): sum of squares
        ``S2 = m2 + N mean_0^2``; over the n defined ones,
        ``var = (S2 - n mean^2) / (n - 1)``.
        """
        big_n = float(self.values.count)
        n = self.count.astype(float)
        sum_sq = self.values.m2 + big_n * self.values.mean**2
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (sum_sq - n * self.mean**2) / (n - 1.0)
            exact = self.values.m2 / max(big_n - 1.0, 1.0)  # all defined: no cancellation
        var = np.where(n == big_n, exact, var)
        return np.sqrt(np.where(n > 1, np.maximum(var, 0.0), np.nan))

    @property
    def std_error(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.std / np.sqrt(self.count)


@dataclass(frozen=True)
class LineResults:
    """Everything one simulation run returns.

    Attributes
    ----------
    catalogue : list of (statistic, product or None, unit)
        One entry per output column (:func:`rxtwin.line.engine.statistic_catalogue`).
    summary : LineSummary
    n_replications : int
    seed_entropy : int
        Entropy of the root ``SeedSequence`` (store it with the run to reproduce it).
    chunk_size : int
        Replications per chunk (part of the seed contract: other chunk sizes draw other
        streams).
    replications : numpy.ndarray or None
        The per-replication rows (n_replications, n_statistics) when asked for.
    """

    catalogue: list[tuple[str, str | None, str]]
    summary: LineSummary
    n_replications: int
    seed_entropy: int
    chunk_size: int
    replications: np.ndarray | None = None

    def _index(self, statistic: str, product: str | None) -> int:
        for i, (name, prod, _) in enumerate(self.catalogue):
            if name == statistic and prod == product:
                return i
        raise UnknownIdError(f"no statistic '{statistic}' for product {product!r}")

    def mean(self, statistic: str, product: str | None = None) -> float:
        """Mean over replications of one statistic (line level when product is None)."""
        return float(self.summary.mean[self._index(statistic, product)])

    def std_error(self, statistic: str, product: str | None = None) -> float:
        return float(self.summary.std_error[self._index(statistic, product)])

    def table(self) -> pd.DataFrame:
        """Tidy summary, one row per statistic (and product).

        Columns: ``statistic`` (name, see docs/line.md), ``product`` (product name, or
        None for line-level statistics and failure-mode counts), ``unit``, ``mean``,
        ``ci95_low`` and ``ci95_high`` (Student-t 95 % confidence interval of the mean over
        replications), ``std_error`` and ``n`` (replications with a defined value);
        :data:`TABLE_COLUMNS` gives their units.
        """
        s = self.summary
        n = s.count
        half = np.full(len(n), np.nan)
        ok = n > 1
        half[ok] = stats.t.ppf(0.975, n[ok] - 1) * s.std_error[ok]
        mean = s.mean
        return pd.DataFrame({
            "statistic": [c[0] for c in self.catalogue],
            "product": [c[1] for c in self.catalogue],
            "unit": [c[2] for c in self.catalogue],
            "mean": mean,
            "ci95_low": mean - half,
            "ci95_high": mean + half,
            "std_error": s.std_error,
            "n": n,
        }, columns=list(TABLE_COLUMNS))

    def replications_frame(self) -> pd.DataFrame:
        """Per-replication values in long form (replication, statistic, product, value);
        only when the run kept them."""
        if self.replications is None:
            raise UserInputError("this run did not keep replications (keep_replications=False)")
        rows = self.replications
        n_rep, n_stat = rows.shape
        return pd.DataFrame({
            "replication": np.repeat(np.arange(n_rep), n_stat),
            "statistic": [c[0] for c in self.catalogue] * n_rep,
            "product": [c[1] for c in self.catalogue] * n_rep,
            "value": rows.reshape(-1),
        })
