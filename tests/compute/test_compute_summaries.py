"""Mergeable summaries: closed forms against numpy/scipy, exact merges, storage."""

import json
import math

import numpy as np
import pytest
from scipy import stats

from rxtwin.stats.summaries import ExactSum, HistogramSummary, MomentSummary, merge_all


@pytest.fixture
def samples():
    return np.random.default_rng(11).normal([1.0, -5.0, 100.0], [1.0, 0.1, 30.0],
                                            size=(500, 3))


def test_moments_match_numpy(samples):
    s = MomentSummary.from_samples(samples)
    assert s.count == 500 and s.n_stats == 3
    np.testing.assert_allclose(s.mean, samples.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(s.variance(), samples.var(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_array_equal(s.minimum, samples.min(axis=0))
    np.testing.assert_array_equal(s.maximum, samples.max(axis=0))


def test_ci_half_width_matches_scipy_t_interval(samples):
    s = MomentSummary.from_samples(samples)
    for level in (0.95, 0.99):
        lo, hi = stats.t.interval(level, 499, loc=samples.mean(axis=0),
                                  scale=stats.sem(samples, axis=0))
        np.testing.assert_allclose(s.ci_half_width(level), (hi - lo) / 2, rtol=1e-10)


def test_ci_covers_the_true_mean(samples):
    # 99 % intervals of three known means; fixed seed, so this is a sanity check of scale
    s = MomentSummary.from_samples(samples)
    assert np.all(np.abs(s.mean - [1.0, -5.0, 100.0]) <= s.ci_half_width(0.99))


def test_merge_of_parts_equals_whole(samples):
    parts = [MomentSummary.from_samples(samples[i:i + 70]) for i in range(0, 500, 70)]
    merged = merge_all(parts)
    whole = MomentSummary.from_samples(samples)
    assert merged.count == whole.count
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-13)
    np.testing.assert_allclose(merged.m2, whole.m2, rtol=1e-12)
    np.testing.assert_array_equal(merged.minimum, whole.minimum)
    np.testing.assert_array_equal(merged.maximum, whole.maximum)


def test_merge_is_numerically_stable_with_a_large_offset():
    # mean 1e9, std 1: a naive sum of squares would lose every digit of the variance
    x = 1e9 + np.random.default_rng(3).normal(size=(2000, 1))
    merged = merge_all(MomentSummary.from_samples(x[i:i + 100]) for i in range(0, 2000, 100))
    np.testing.assert_allclose(merged.variance(), x.var(ddof=1), rtol=1e-6)


def test_merge_is_commutative_bit_for_bit(samples):
    a = MomentSummary.from_samples(samples[:123])
    b = MomentSummary.from_samples(samples[123:])
    assert a.merge(b).equals(b.merge(a))


def test_empty_is_the_identity(samples):
    s = MomentSummary.from_samples(samples)
    e = MomentSummary.empty(3)
    assert s.merge(e).equals(s) and e.merge(s).equals(s)
    assert MomentSummary.from_samples(np.empty((0, 3))).equals(e)
    assert np.isnan(e.variance()).all() and np.isnan(e.ci_half_width(0.95)).all()


def test_one_dimensional_samples_are_one_statistic():
    s = MomentSummary.from_samples([1.0, 2.0, 3.0, 4.0])
    assert s.n_stats == 1 and s.mean[0] == 2.5 and s.variance()[0] == pytest.approx(5 / 3)


def test_to_dict_round_trips_bit_for_bit_through_strict_json(samples):
    for s in (MomentSummary.from_samples(samples), MomentSummary.empty(2)):
        text = json.dumps(s.to_dict(), allow_nan=False)
        assert MomentSummary.from_dict(json.loads(text)).equals(s)


def test_bad_samples_are_reported():
    with pytest.raises(ValueError, match=r"samples\[1, 0\] = nan"):
        MomentSummary.from_samples([[1.0], [np.nan]])
    with pytest.raises(ValueError, match="cannot merge summaries of 2 and 3"):
        MomentSummary.empty(2).merge(MomentSummary.empty(3))
    with pytest.raises(ValueError, match="confidence = 1.5"):
        MomentSummary.empty(1).ci_half_width(1.5)


# ---------------------------------------------------------------------- histograms


def test_histogram_matches_numpy(samples):
    edges = np.linspace(-6.0, 130.0, 35)
    h = HistogramSummary.from_samples(samples, edges)
    for j in range(3):
        inside = samples[:, j][(samples[:, j] >= edges[0]) & (samples[:, j] <= edges[-1])]
        np.testing.assert_array_equal(h.counts[j], np.histogram(inside, edges)[0])
        assert h.underflow[j] == np.sum(samples[:, j] < edges[0])
        assert h.overflow[j] == np.sum(samples[:, j] > edges[-1])
    np.testing.assert_array_equal(h.total, [500, 500, 500])


def test_histogram_edge_values_follow_numpy_convention():
    h = HistogramSummary.from_samples([0.0, 1.0, 2.0, 2.0, -0.1, 2.1], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(h.counts, [[1, 3]])
    assert h.underflow[0] == 1 and h.overflow[0] == 1


def test_histogram_merge_is_exact(samples):
    edges = np.linspace(-10, 200, 50)
    parts = [HistogramSummary.from_samples(samples[i:i + 60], edges) for i in range(0, 500, 60)]
    assert merge_all(parts).equals(HistogramSummary.from_samples(samples, edges))
    assert merge_all(parts[::-1]).equals(merge_all(parts))
    with pytest.raises(ValueError, match="different edges"):
        parts[0].merge(HistogramSummary.empty(np.linspace(0, 1, 5), 3))


def test_histogram_quantile_of_uniform_data():
    # 10 000 evenly spread values on [0, 10): the quantile is q * 10 within one bin width
    x = (np.arange(10_000) + 0.5) / 1000.0
    h = HistogramSummary.from_samples(x, np.linspace(0.0, 10.0, 101))
    for q in (0.1, 0.5, 0.9):
        assert h.quantile(q)[0] == pytest.approx(10 * q, abs=0.1)


def test_histogram_round_trips_through_json():
    h = HistogramSummary.from_samples(np.arange(12.0).reshape(6, 2), [0.0, 3.0, 6.0, 9.0])
    assert HistogramSummary.from_dict(json.loads(json.dumps(h.to_dict()))).equals(h)


def test_merge_all_merges_dicts_keywise(samples):
    edges = np.linspace(-10, 200, 20)
    chunks = [{"m": MomentSummary.from_samples(samples[i:i + 100]),
               "h": HistogramSummary.from_samples(samples[i:i + 100], edges)}
              for i in range(0, 500, 100)]
    merged = merge_all(chunks)
    assert merged["m"].count == 500 and int(merged["h"].total[0]) == 500
    with pytest.raises(ValueError, match="keys"):
        merge_all([chunks[0], {"m": chunks[1]["m"]}])
    with pytest.raises(ValueError, match="at least one"):
        merge_all([])


# ------------------------------------------------------------------ exact sums


def mixed_magnitudes(seed: int, shape) -> np.ndarray:
    """Amounts from 1e-9 to 1e12, both signs: floating-point sums of them depend on the
    order of addition."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-9, 12, size=shape)


def test_exact_sum_is_the_correctly_rounded_sum_in_any_order():
    # Second computation: math.fsum is the correctly rounded sum of all values; the exact
    # sum rounded once must be it, bit for bit, whatever the order and grouping of merges.
    chunks = [mixed_magnitudes(seed, (4, 3)) for seed in range(12)]
    parts = [ExactSum.from_values(c) for c in chunks]
    expected = np.array([[math.fsum(c[i, j] for c in chunks) for j in range(3)]
                         for i in range(4)])
    forward = merge_all(parts)
    backward = merge_all(parts[::-1])
    shuffled = merge_all([parts[i] for i in np.random.default_rng(0).permutation(12)])
    tree = merge_all([merge_all(parts[:5]), merge_all(parts[5:])])
    for merged in (forward, backward, shuffled, tree):
        assert merged.equals(forward)
        np.testing.assert_array_equal(merged.value(), expected)
    # floating-point addition in the same orders does not agree with itself
    plain = [sum(chunks), sum(chunks[::-1])]
    assert not np.array_equal(plain[0], plain[1])


def test_exact_sum_round_trips_through_json_and_checks_its_input():
    s = ExactSum.from_values(mixed_magnitudes(1, (2, 5))).merge(
        ExactSum.from_values(mixed_magnitudes(2, (2, 5))))
    back = ExactSum.from_dict(json.loads(json.dumps(s.to_dict())))
    assert back.equals(s)
    np.testing.assert_array_equal(back.value(), s.value())
    assert ExactSum.from_values(np.zeros((0, 3))).value().shape == (0, 3)
    assert ExactSum.from_values([2.0**60, 3.0]).value().tolist() == [2.0**60, 3.0]
    with pytest.raises(ValueError, match="finite"):
        ExactSum.from_values([1.0, np.inf])
    with pytest.raises(ValueError, match="shapes"):
        s.merge(ExactSum.from_values([1.0]))
    with pytest.raises(ValueError, match="expected 'exact_sum'"):
        ExactSum.from_dict({"kind": "moments"})


def test_summaries_docstring_examples():
    import doctest

    import rxtwin.stats.summaries as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
