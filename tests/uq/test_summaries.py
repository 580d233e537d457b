"""Output summaries: closed-form values on a known sample, and the chunked path agrees with
the direct one (exactly for counts, to rounding for moments, to a bin for quantiles)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rxtwin.stats import merge_all
from rxtwin.uq.summaries import (
    SUMMARY_KEYS,
    distribution_summary,
    output_chunk_summary,
    summary_from_merged,
)


def test_summary_of_integers_matches_closed_form():
    # 1..100: mean 50.5, sd sqrt(n(n+1)/12) = sqrt(841.666..), linear quantiles
    # at (n-1)q + 1: p5 = 5.95, p50 = 50.5, p95 = 95.05; 100 of 100 positive.
    x = np.arange(1, 101, dtype=float)
    s = distribution_summary(x)
    assert tuple(s) == SUMMARY_KEYS
    assert s["n"] == 100 and s["mean"] == 50.5
    assert s["sd"] == pytest.approx(math.sqrt(100 * 101 / 12), rel=1e-14)
    assert s["p5"] == pytest.approx(5.95) and s["p50"] == 50.5 and s["p95"] == pytest.approx(95.05)
    assert s["prob_positive"] == 1.0


def test_prob_positive_counts_strictly_positive_values():
    s = distribution_summary([-2.0, 0.0, 0.0, 3.0])
    assert s["prob_positive"] == 0.25
    assert distribution_summary([5.0])["sd"] == 0.0


def test_non_finite_or_empty_values_rejected():
    with pytest.raises(ValueError, match=r"values\[1\] = nan is not finite"):
        distribution_summary([1.0, float("nan")])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        distribution_summary([])


def test_chunked_summary_agrees_with_direct():
    rng = np.random.default_rng(4)
    x = rng.normal(1.0e6, 2.0e6, 10_000)  # e.g. NPV [USD]
    edges = np.linspace(-1.0e7, 1.2e7, 2201)  # bin width 1e4 USD
    width = edges[1] - edges[0]
    merged = merge_all([output_chunk_summary(chunk, edges) for chunk in np.array_split(x, 7)])
    chunked = summary_from_merged(merged)
    direct = distribution_summary(x)
    assert chunked["n"] == direct["n"]
    assert chunked["mean"] == pytest.approx(direct["mean"], rel=1e-12)
    assert chunked["sd"] == pytest.approx(direct["sd"], rel=1e-12)
    assert chunked["prob_positive"] == pytest.approx(direct["prob_positive"], abs=1e-15)
    for key in ("p5", "p50", "p95"):
        assert abs(chunked[key] - direct[key]) <= width


def test_quantile_outside_edges_is_nan():
    merged = merge_all([output_chunk_summary(np.arange(10.0), [5.0, 6.0, 20.0])])
    assert math.isnan(summary_from_merged(merged)["p5"])
