"""Small, mergeable summaries of Monte Carlo output.

A chunk of replications is reduced to a summary; summaries of chunks merge into the
summary of the run. Three kinds:

:class:`MomentSummary`
    count, mean, sum of squared deviations (``m2``), min and max of a vector of
    statistics, merged with the pairwise update of Chan, Golub and LeVeque (1979).
:class:`HistogramSummary`
    counts in fixed bins (plus under- and overflow), merged by adding counts.
:class:`ExactSum`
    sums of floating-point amounts kept as exact binary fractions, merged by adding them.

Exactness (what is bit-for-bit, what is not):

* ``count``, ``min``, ``max``, all histogram counts and exact sums merge exactly: the
  merge is associative and commutative bit for bit.
* ``MomentSummary.merge`` is commutative bit for bit (``a.merge(b)`` equals
  ``b.merge(a)``), but only associative up to rounding (relative ~1e-15): floating-point
  addition is not associative.
* Within a chunk, sums use :func:`math.fsum` (correctly rounded), so a chunk's summary
  does not depend on the CPU's vector instructions or numpy's summation order.
* Hence runs are bit-identical across backends because :func:`merge_all` is always a left
  fold in chunk-index order, whatever order the chunks finished in.

References
----------
Chan, T. F., Golub, G. H., LeVeque, R. J. (1979). Updating formulae and a pairwise
algorithm for computing sample variances. Technical Report STAN-CS-79-773, Stanford
University (the pairwise update).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from rxtwin.errors import UserInputError

__all__ = ["ExactSum", "HistogramSummary", "MomentSummary", "merge_all"]


def _as_samples(x) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise UserInputError(
            f"samples must have shape (n_obs,) or (n_obs, n_stats), got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        row, col = np.argwhere(~np.isfinite(arr))[0]
        raise UserInputError(
            f"samples[{row}, {col}] = {float(arr[row, col])!r}; statistics must be finite"
        )
    return arr


def _read_only(*arrays: np.ndarray) -> None:
    for arr in arrays:
        arr.flags.writeable = False


def _floats_or_none(arr: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in arr.tolist()]


def _from_floats(values, fill: float) -> np.ndarray:
    return np.array([fill if v is None else float(v) for v in values], dtype=float)


@dataclass(frozen=True, eq=False)
class MomentSummary:
    """Running moments of ``n_stats`` statistics over replications.

    Attributes
    ----------
    count : int
        Replications summarised.
    mean : ndarray, shape (n_stats,)
        Sample mean per statistic.
    m2 : ndarray, shape (n_stats,)
        Sum of squared deviations from the mean per statistic.
    minimum, maximum : ndarray, shape (n_stats,)
        Extremes (``+inf`` / ``-inf`` when ``count == 0``).
    """

    count: int
    mean: np.ndarray
    m2: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray

    def __post_init__(self) -> None:
        _read_only(self.mean, self.m2, self.minimum, self.maximum)

    # ---------------------------------------------------------------- construction

    @classmethod
    def empty(cls, n_stats: int) -> MomentSummary:
        """The summary of no replications (the identity of :meth:`merge`)."""
        return cls(0, np.zeros(n_stats), np.zeros(n_stats), np.full(n_stats, np.inf),
                   np.full(n_stats, -np.inf))

    @classmethod
    def from_samples(cls, samples) -> MomentSummary:
        """Summarise replications.

        Parameters
        ----------
        samples : array_like, shape (n_obs, n_stats) or (n_obs,)
            One row per replication; a 1-D array is one statistic. Must be finite.

        Returns
        -------
        MomentSummary

        Notes
        -----
        ``mean_j = fsum(x_j) / n``, ``m2_j = fsum((x_j - mean_j)**2)``: two passes with
        correctly rounded sums, so the result is independent of summation order.
        """
        x = _as_samples(samples)
        n, k = x.shape
        if n == 0:
            return cls.empty(k)
        mean = np.array([math.fsum(x[:, j]) for j in range(k)]) / n
        dev2 = (x - mean) ** 2
        m2 = np.array([math.fsum(dev2[:, j]) for j in range(k)])
        return cls(n, mean, m2, x.min(axis=0), x.max(axis=0))

    # --------------------------------------------------------------------- merging

    def merge(self, other: MomentSummary) -> MomentSummary:
        """Summary of the union of two sets of replications.

        Notes
        -----
        Chan et al. (1979), pairwise update: with ``n = n_a + n_b`` and
        ``delta = mean_b - mean_a``::

            mean = (n_a mean_a + n_b mean_b) / n
            m2   = m2_a + m2_b + delta**2 n_a n_b / n

        Written symmetrically so that the merge is commutative bit for bit.
        """
        if self.n_stats != other.n_stats:
            raise UserInputError(
                f"cannot merge summaries of {self.n_stats} and {other.n_stats} statistics"
            )
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        na, nb = float(self.count), float(other.count)
        n = na + nb
        delta = other.mean - self.mean
        mean = (na * self.mean + nb * other.mean) / n
        m2 = (self.m2 + other.m2) + delta * delta * (na * nb / n)
        return MomentSummary(
            self.count + other.count, mean, m2,
            np.minimum(self.minimum, other.minimum), np.maximum(self.maximum, other.maximum),
        )

    # ----------------------------------------------------------------- statistics

    @property
    def n_stats(self) -> int:
        """Number of statistics summarised [-]."""
        return int(self.mean.shape[0])

    def variance(self) -> np.ndarray:
        """Sample variance (``ddof=1``); NaN when ``count < 2``."""
        if self.count < 2:
            return np.full(self.n_stats, np.nan)
        return self.m2 / (self.count - 1)

    def std(self) -> np.ndarray:
        """Sample standard deviation (``ddof=1``); NaN when ``count < 2``."""
        return np.sqrt(self.variance())

    def ci_half_width(self, confidence: float) -> np.ndarray:
        """Half-width of the Student-t confidence interval of the mean.

        Parameters
        ----------
        confidence : float
            Two-sided confidence level, e.g. 0.95 or 0.99 [-], in (0, 1).

        Returns
        -------
        ndarray, shape (n_stats,)
            ``t_{(1+c)/2, n-1} s / sqrt(n)``; NaN when ``count < 2``.
        """
        if not 0.0 < confidence < 1.0:
            raise UserInputError(f"confidence = {confidence!r}, must be in (0, 1)")
        if self.count < 2:
            return np.full(self.n_stats, np.nan)
        from scipy import stats  # lazy: keeps worker start-up (which imports this) fast

        t = stats.t.ppf(0.5 + confidence / 2.0, self.count - 1)
        return t * self.std() / math.sqrt(self.count)

    # ------------------------------------------------------------------- storage

    def to_dict(self) -> dict:
        """JSON-safe dict; ``from_dict(to_dict())`` round-trips bit for bit."""
        return {
            "kind": "moments",
            "count": int(self.count),
            "mean": [float(v) for v in self.mean.tolist()],
            "m2": [float(v) for v in self.m2.tolist()],
            "min": _floats_or_none(self.minimum),
            "max": _floats_or_none(self.maximum),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> MomentSummary:
        """Inverse of :meth:`to_dict`."""
        if data.get("kind") != "moments":
            raise UserInputError(f"kind = {data.get('kind')!r}, expected 'moments'")
        return cls(
            int(data["count"]),
            np.array(data["mean"], dtype=float),
            np.array(data["m2"], dtype=float),
            _from_floats(data["min"], np.inf),
            _from_floats(data["max"], -np.inf),
        )

    def equals(self, other: MomentSummary) -> bool:
        """Bit-for-bit equality of every field."""
        return self.count == other.count and all(
            np.array_equal(a, b)
            for a, b in ((self.mean, other.mean), (self.m2, other.m2),
                         (self.minimum, other.minimum), (self.maximum, other.maximum))
        )


@dataclass(frozen=True, eq=False)
class HistogramSummary:
    """Counts of ``n_stats`` statistics in shared fixed bins.

    Attributes
    ----------
    edges : ndarray, shape (n_bins + 1,)
        Increasing bin edges. Bins are ``[e_j, e_{j+1})``, the last one closed
        (numpy.histogram's convention).
    counts : ndarray of int64, shape (n_stats, n_bins)
    underflow, overflow : ndarray of int64, shape (n_stats,)
        Values below ``edges[0]`` / above ``edges[-1]``.
    """

    edges: np.ndarray
    counts: np.ndarray
    underflow: np.ndarray
    overflow: np.ndarray

    def __post_init__(self) -> None:
        _read_only(self.edges, self.counts, self.underflow, self.overflow)

    @staticmethod
    def _check_edges(edges) -> np.ndarray:
        e = np.asarray(edges, dtype=float)
        if e.ndim != 1 or e.shape[0] < 2 or not np.isfinite(e).all() or np.any(np.diff(e) <= 0):
            raise UserInputError(
                f"edges = {e!r} must be at least 2 finite, strictly increasing values"
            )
        return e.copy()

    @classmethod
    def empty(cls, edges, n_stats: int) -> HistogramSummary:
        """No observations in the given bins."""
        e = cls._check_edges(edges)
        zeros = np.zeros(n_stats, dtype=np.int64)
        return cls(e, np.zeros((n_stats, e.shape[0] - 1), dtype=np.int64), zeros, zeros.copy())

    @classmethod
    def from_samples(cls, samples, edges) -> HistogramSummary:
        """Count replications into bins.

        Parameters
        ----------
        samples : array_like, shape (n_obs, n_stats) or (n_obs,)
        edges : array_like, shape (n_bins + 1,)
        """
        x = _as_samples(samples)
        e = cls._check_edges(edges)
        n_bins = e.shape[0] - 1
        idx = np.searchsorted(e, x, side="right") - 1
        idx[x == e[-1]] = n_bins - 1
        counts = np.zeros((x.shape[1], n_bins), dtype=np.int64)
        for j in range(x.shape[1]):
            inside = (idx[:, j] >= 0) & (idx[:, j] < n_bins)
            counts[j] = np.bincount(idx[inside, j], minlength=n_bins)
        under = (idx < 0).sum(axis=0).astype(np.int64)
        over = (idx >= n_bins).sum(axis=0).astype(np.int64)
        return cls(e, counts, under, over)

    def merge(self, other: HistogramSummary) -> HistogramSummary:
        """Add counts; exact, associative and commutative. Edges must be identical."""
        if not np.array_equal(self.edges, other.edges) or self.counts.shape != other.counts.shape:
            raise UserInputError("cannot merge histograms with different edges or statistics")
        return HistogramSummary(self.edges, self.counts + other.counts,
                                self.underflow + other.underflow, self.overflow + other.overflow)

    @property
    def total(self) -> np.ndarray:
        """Observations per statistic, out-of-range ones included."""
        return self.counts.sum(axis=1) + self.underflow + self.overflow

    def quantile(self, q: float) -> np.ndarray:
        """Quantile per statistic, linear within a bin; NaN if it falls out of range.

        Parameters
        ----------
        q : float
            Probability in [0, 1].
        """
        if not 0.0 <= q <= 1.0:
            raise UserInputError(f"q = {q!r}, must be in [0, 1]")
        out = np.full(self.counts.shape[0], np.nan)
        for j in range(self.counts.shape[0]):
            n = int(self.total[j])
            if n == 0:
                continue
            target = q * n - int(self.underflow[j])
            cum = np.cumsum(self.counts[j])
            if target < 0 or target > cum[-1]:
                continue
            b = int(np.searchsorted(cum, target, side="left"))
            before = cum[b - 1] if b > 0 else 0
            frac = (target - before) / self.counts[j, b] if self.counts[j, b] else 0.0
            out[j] = self.edges[b] + frac * (self.edges[b + 1] - self.edges[b])
        return out

    def to_dict(self) -> dict:
        """JSON-safe dict; round-trips exactly through :meth:`from_dict`."""
        return {
            "kind": "histogram",
            "edges": [float(v) for v in self.edges.tolist()],
            "counts": self.counts.tolist(),
            "underflow": self.underflow.tolist(),
            "overflow": self.overflow.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> HistogramSummary:
        """Inverse of :meth:`to_dict`."""
        if data.get("kind") != "histogram":
            raise UserInputError(f"kind = {data.get('kind')!r}, expected 'histogram'")
        return cls(
            cls._check_edges(data["edges"]),
            np.array(data["counts"], dtype=np.int64),
            np.array(data["underflow"], dtype=np.int64),
            np.array(data["overflow"], dtype=np.int64),
        )

    def equals(self, other: HistogramSummary) -> bool:
        """Exact equality of edges and counts."""
        return all(np.array_equal(a, b) for a, b in (
            (self.edges, other.edges), (self.counts, other.counts),
            (self.underflow, other.underflow), (self.overflow, other.overflow)))


@dataclass(frozen=True, eq=False)
class ExactSum:
    """Sums of floating-point amounts, kept exactly, so that they merge exactly in any
    order and grouping.

    Attributes
    ----------
    numerators : ndarray of object (Python int), any shape
        Entry ``i`` of the sum is ``numerators[i] x 2**exponent``.
    exponent : int
        The power of two shared by every entry: the smallest of the values summed.

    Notes
    -----
    A finite float is a binary fraction ``n 2**k`` (integers ``n``, ``k``;
    ``float.as_integer_ratio``), and so is a sum of floats. Written over the smallest
    ``k`` met so far, sums are integers, added without rounding in Python's unbounded
    integers: merging is exact, associative and commutative. :meth:`value` rounds once,
    so it equals :func:`math.fsum` of every value summed (correctly rounded), whatever
    the order of the merges. The numerators grow by the span of the values' binary
    exponents (about 120 bits for amounts from 1e-9 to 1e12).

    Examples
    --------
    >>> a, b, c = (ExactSum.from_values([x]) for x in (1e16, 1.0, -1e16))
    >>> float(a.merge(b).merge(c).value()[0]), float(a.merge(c).merge(b).value()[0])
    (1.0, 1.0)
    >>> (1e16 + 1.0) - 1e16  # floating-point addition, for comparison
    0.0
    """

    numerators: np.ndarray
    exponent: int

    def __post_init__(self) -> None:
        _read_only(self.numerators)

    @classmethod
    def from_values(cls, values) -> ExactSum:
        """The exact sum of one set of values (each entry its own value).

        Parameters
        ----------
        values : array_like of float
            Finite amounts, any shape.
        """
        x = np.asarray(values, dtype=float)
        if not np.isfinite(x).all():
            raise UserInputError(f"values = {x!r}; an exact sum needs finite values")
        ratios = [v.as_integer_ratio() for v in x.ravel().tolist()]
        # the denominator of a float's ratio is a power of two, 2**(bit_length - 1)
        powers = [1 - denominator.bit_length() for _, denominator in ratios]
        exponent = min(powers, default=0)
        numerators = [numerator << (power - exponent)
                      for (numerator, _), power in zip(ratios, powers, strict=True)]
        return cls(_integers(numerators, x.shape), exponent)

    def merge(self, other: ExactSum) -> ExactSum:
        """Entry-wise sum of two exact sums of the same shape; exact."""
        if self.numerators.shape != other.numerators.shape:
            raise UserInputError(f"cannot merge exact sums of shapes {self.numerators.shape} "
                                 f"and {other.numerators.shape}")
        exponent = min(self.exponent, other.exponent)
        mine, theirs = self.exponent - exponent, other.exponent - exponent
        numerators = [(a << mine) + (b << theirs) for a, b in zip(
            self.numerators.ravel().tolist(), other.numerators.ravel().tolist(), strict=True)]
        return ExactSum(_integers(numerators, self.numerators.shape), exponent)

    def value(self) -> np.ndarray:
        """The sums as floats, each rounded once to the nearest float."""
        if self.exponent >= 0:
            values = [float(n << self.exponent) for n in self.numerators.ravel().tolist()]
        else:  # integer true division is correctly rounded
            scale = 1 << -self.exponent
            values = [n / scale for n in self.numerators.ravel().tolist()]
        return np.array(values, dtype=float).reshape(self.numerators.shape)

    def to_dict(self) -> dict:
        """JSON-safe dict (integers of any size); round-trips exactly."""
        return {"kind": "exact_sum", "shape": list(self.numerators.shape),
                "exponent": int(self.exponent),
                "numerators": [int(n) for n in self.numerators.ravel().tolist()]}

    @classmethod
    def from_dict(cls, data: Mapping) -> ExactSum:
        """Inverse of :meth:`to_dict`."""
        if data.get("kind") != "exact_sum":
            raise UserInputError(f"kind = {data.get('kind')!r}, expected 'exact_sum'")
        return cls(_integers([int(n) for n in data["numerators"]], tuple(data["shape"])),
                   int(data["exponent"]))

    def equals(self, other: ExactSum) -> bool:
        """Exact equality of the sums' representation."""
        return (self.exponent == other.exponent
                and self.numerators.shape == other.numerators.shape
                and self.numerators.ravel().tolist() == other.numerators.ravel().tolist())


def _integers(values: list[int], shape) -> np.ndarray:
    """An object array of Python integers (a plain ``np.array`` would turn small ones into
    int64 and refuse large ones)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out.reshape(shape)


def merge_all(summaries: Iterable):
    """Merge chunk summaries as a left fold in the given (chunk-index) order.

    Parameters
    ----------
    summaries : iterable
        Objects with a ``merge`` method, or dicts of them with the same keys (a chunk
        that returns several summaries).

    Returns
    -------
    The merged summary (or dict of merged summaries).

    Notes
    -----
    Always folding in chunk-index order is what makes a run bit-identical on every
    backend: ``((s0 + s1) + s2) + ...`` regardless of which chunk finished first.
    """
    items = list(summaries)
    if not items:
        raise UserInputError("merge_all needs at least one summary")
    first = items[0]
    if isinstance(first, Mapping):
        keys = set(first)
        for i, item in enumerate(items):
            if not isinstance(item, Mapping) or set(item) != keys:
                raise UserInputError(f"summary {i} does not have the keys {sorted(keys)}")
        return {key: merge_all(item[key] for item in items) for key in first}
    result = first
    for item in items[1:]:
        result = result.merge(item)
    return result
