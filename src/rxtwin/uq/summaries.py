"""Model outputs as distributions: direct summaries and a chunked, mergeable path.

:func:`distribution_summary` summarises a vector of outputs held in memory (e.g. one NPV
per sampled scenario). For chunked runs (:mod:`rxtwin.compute`), each chunk reduces its
outputs with :func:`output_chunk_summary` to a :class:`~rxtwin.stats.MomentSummary` of
``[x, 1{x > 0}]`` and a :class:`~rxtwin.stats.HistogramSummary` of ``x``; chunks merge
with :func:`rxtwin.stats.merge_all` and :func:`summary_from_merged` turns the merged
summary into the same keys.

Exactness of the merged path: ``n``, ``mean``, ``sd`` and ``prob_positive`` (the mean of
the indicator) equal the direct values up to floating-point rounding; the quantiles are
interpolated within histogram bins, so they are exact only to the bin width, and NaN when
the quantile falls outside the edges. Choose edges that cover the outputs.
"""

from __future__ import annotations

import math

import numpy as np

from rxtwin.errors import UserInputError
from rxtwin.stats.summaries import HistogramSummary, MomentSummary

__all__ = [
    "SUMMARY_KEYS",
    "distribution_summary",
    "output_chunk_summary",
    "summary_from_merged",
]

#: Keys of the dict returned by :func:`distribution_summary` and :func:`summary_from_merged`.
SUMMARY_KEYS = ("n", "mean", "sd", "p5", "p50", "p95", "prob_positive")

_QUANTILES = {"p5": 0.05, "p50": 0.50, "p95": 0.95}


def _finite_vector(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise UserInputError(f"values has shape {x.shape}; give a non-empty 1-D array")
    if not np.isfinite(x).all():
        first = int(np.flatnonzero(~np.isfinite(x))[0])
        raise UserInputError(f"values[{first}] = {x[first]} is not finite; outputs must be finite")
    return x


def distribution_summary(values) -> dict[str, float]:
    """Summary statistics of a sample of a model output.

    Parameters
    ----------
    values : array_like, shape (n,)
        Finite output values, one per sample, in the output's units (e.g. [USD]).

    Returns
    -------
    dict
        ``n`` [-]; ``mean``; ``sd`` (sample standard deviation, ``ddof=1``; 0 when
        ``n == 1``); ``p5``, ``p50``, ``p95`` (quantiles, numpy's default linear
        interpolation between order statistics, Hyndman & Fan 1996 definition 7), all in
        the output's units; ``prob_positive`` = fraction of values strictly above 0 [-]
        (e.g. P(NPV > 0)).

    References
    ----------
    Hyndman, R. J., Fan, Y. (1996). Sample quantiles in statistical packages. The American
    Statistician 50(4), 361-365.
    """
    x = _finite_vector(values)
    n = x.size
    mean = math.fsum(x) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2) / (n - 1)) if n > 1 else 0.0
    out = {"n": float(n), "mean": mean, "sd": sd}
    for key, q in _QUANTILES.items():
        out[key] = float(np.quantile(x, q))
    out["prob_positive"] = float(np.count_nonzero(x > 0)) / n
    return out


def output_chunk_summary(values, edges) -> dict[str, MomentSummary | HistogramSummary]:
    """Reduce one chunk's outputs to summaries that merge exactly across chunks.

    Parameters
    ----------
    values : array_like, shape (n,)
        Finite outputs of the chunk.
    edges : array_like, shape (n_bins + 1,)
        Histogram edges in the output's units, identical for every chunk.

    Returns
    -------
    dict
        ``"moments"``: MomentSummary of the two statistics ``[x, 1{x > 0}]``;
        ``"histogram"``: HistogramSummary of ``x``. Merge with
        :func:`rxtwin.stats.merge_all`.
    """
    x = _finite_vector(values)
    return {
        "moments": MomentSummary.from_samples(np.column_stack([x, (x > 0).astype(float)])),
        "histogram": HistogramSummary.from_samples(x, edges),
    }


def summary_from_merged(merged: dict) -> dict[str, float]:
    """The :func:`distribution_summary` keys from merged chunk summaries.

    Parameters
    ----------
    merged : dict
        ``merge_all`` of :func:`output_chunk_summary` results.

    Returns
    -------
    dict
        Same keys as :func:`distribution_summary`. Quantiles are interpolated within
        histogram bins (exact to one bin width) and NaN outside the edges.
    """
    moments: MomentSummary = merged["moments"]
    histogram: HistogramSummary = merged["histogram"]
    n = moments.count
    if n == 0:
        raise UserInputError("the merged summary holds no values")
    sd = float(moments.std()[0]) if n > 1 else 0.0
    out = {"n": float(n), "mean": float(moments.mean[0]), "sd": sd}
    for key, q in _QUANTILES.items():
        out[key] = float(histogram.quantile(q)[0])
    out["prob_positive"] = float(moments.mean[1])
    return out
