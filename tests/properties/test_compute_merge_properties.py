"""Summary merges: associative (moments to rounding, histograms exactly), commutative.

Tolerance for moments: merging in a different grouping changes only rounding, so means
agree to 1e-12 relative to the data's magnitude and m2 to 1e-9 relative to its scale.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rxtwin.stats.summaries import HistogramSummary, MomentSummary, merge_all

values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def blocks(n_stats):
    return hnp.arrays(np.float64, st.tuples(st.integers(0, 20), st.just(n_stats)),
                      elements=values)


three_parts = st.integers(1, 4).flatmap(lambda k: st.tuples(blocks(k), blocks(k), blocks(k)))


def _close(a: MomentSummary, b: MomentSummary, scale: float) -> None:
    assert a.count == b.count
    np.testing.assert_array_equal(a.minimum, b.minimum)
    np.testing.assert_array_equal(a.maximum, b.maximum)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(a.m2, b.m2, rtol=1e-9, atol=1e-9 * scale**2 * max(a.count, 1))


@given(three_parts)
def test_moment_merge_is_associative_and_matches_the_whole(parts):
    x, y, z = (MomentSummary.from_samples(p) for p in parts)
    scale = max(1.0, max(float(np.abs(p).max()) if p.size else 0.0 for p in parts))
    left = x.merge(y).merge(z)
    right = x.merge(y.merge(z))
    _close(left, right, scale)
    _close(left, MomentSummary.from_samples(np.concatenate(parts)), scale)


@given(three_parts)
def test_moment_merge_is_commutative_bit_for_bit(parts):
    x, y, _ = (MomentSummary.from_samples(p) for p in parts)
    assert x.merge(y).equals(y.merge(x))


@settings(max_examples=50)
@given(three_parts, st.permutations([0, 1, 2]))
def test_merge_all_in_fixed_order_is_reproducible(parts, order):
    # the executor's contract: the same list merged in the same order is bit-identical,
    # however the parts were produced; a different order agrees to rounding
    summaries = [MomentSummary.from_samples(p) for p in parts]
    again = [MomentSummary.from_dict(s.to_dict()) for s in summaries]
    assert merge_all(summaries).equals(merge_all(again))
    scale = max(1.0, max(float(np.abs(p).max()) if p.size else 0.0 for p in parts))
    _close(merge_all(summaries), merge_all([summaries[i] for i in order]), scale)


@given(three_parts, st.permutations([0, 1, 2]))
def test_histogram_merge_is_exact_in_any_order(parts, order):
    edges = np.linspace(-1e6, 1e6, 17)
    hs = [HistogramSummary.from_samples(p, edges) for p in parts]
    reference = HistogramSummary.from_samples(np.concatenate(parts), edges)
    assert merge_all(hs).equals(reference)
    assert merge_all([hs[i] for i in order]).equals(reference)
    assert hs[0].merge(hs[1].merge(hs[2])).equals(hs[0].merge(hs[1]).merge(hs[2]))
