"""Sensitivity wiring and closed forms: evaluation agrees across model styles and backends;
Sobol' indices of a linear model with non-uniform inputs match c_i^2 Var_i / Var Y (so the
ppf mapping honours the distributions); Morris effects of a linear model are exact; tornado
swings of a linear model are |c_i| (q95 - q5)."""

from __future__ import annotations

import functools
import operator

import numpy as np
import pandas as pd
import pytest

from rxtwin.compute import chunk_mapper
from rxtwin.model import Gamma, Normal, Triangular, Uniform
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.stats.sampling import ppf
from rxtwin.uq.sensitivity import (
    MORRIS_COLUMNS,
    SOBOL_COLUMNS,
    TORNADO_COLUMNS,
    evaluate,
    morris_screening,
    sobol_indices,
    tornado,
)

PARAMETERS = [
    UncertainParameter(path="a", distribution=Normal(dist="normal", mean=1.0, sd=2.0)),
    UncertainParameter(path="b", distribution=Uniform(dist="uniform", low=0.0, high=6.0)),
    UncertainParameter(path="c", distribution=Triangular(dist="triangular", low=0, mode=1,
                                                         high=4)),
    UncertainParameter(path="d", distribution=Gamma(dist="gamma", mean=2.0, cv=0.5)),
]
COEF = np.array([1.5, -1.0, 2.0, 0.0])
VARIANCE = np.array([4.0, 36 / 12, (0 + 1 + 16 - 0 - 0 - 4) / 18, 1.0])  # closed forms


def linear_array(x):
    return 10.0 + x @ COEF


def linear_dict(values):
    return 10.0 + sum(c * values[p.path] for c, p in zip(COEF, PARAMETERS, strict=True))


def test_evaluate_dict_and_vectorised_agree():
    x = pd.DataFrame(np.random.default_rng(0).random((50, 4)), columns=list("abcd"))
    y_dict = evaluate(linear_dict, x, chunk_size=7)
    y_vec = evaluate(linear_array, x, vectorised=True, chunk_size=16)
    np.testing.assert_allclose(y_dict, y_vec, rtol=1e-14)
    np.testing.assert_allclose(y_vec, 10 + x.to_numpy() @ COEF, rtol=1e-14)
    np.testing.assert_array_equal(evaluate(linear_array, x.to_numpy(), vectorised=True), y_vec)
    with pytest.raises(ValueError, match="array without parameter paths"):
        evaluate(linear_dict, x.to_numpy())


def test_evaluate_on_process_pool_matches_serial():
    # Library callables pickle by reference, so they run in worker processes.
    # One pool only (start-up costs seconds on the shared machine).
    x = pd.DataFrame(np.random.default_rng(1).random((40, 3)), columns=["p", "q", "r"])
    row_sum = functools.partial(np.sum, axis=1)
    np.testing.assert_array_equal(evaluate(row_sum, x, vectorised=True, chunk_size=6),
                                  x.to_numpy().sum(axis=1))
    picked = evaluate(operator.itemgetter("q"), x, map_chunks=chunk_mapper("processes", workers=2),
                      chunk_size=9)
    np.testing.assert_array_equal(picked, x["q"].to_numpy())


def test_evaluate_reports_non_finite_output_and_wrong_shape():
    x = pd.DataFrame({"u": [1.0, 0.0, 2.0]})
    with pytest.raises(ValueError, match=r"returned inf for sample row 1 \(u = 0.0\)"):
        evaluate(lambda v: 1.0 / v["u"] if v["u"] else float("inf"), x, chunk_size=2)
    with pytest.raises(ValueError, match=r"returned shape \(3, 1\)"):
        evaluate(lambda a: a, x, vectorised=True)
    with pytest.raises(ValueError, match="chunk_size = 0"):
        evaluate(linear_dict, x, chunk_size=0)


def test_sobol_linear_model_with_non_uniform_inputs_matches_closed_form():
    # Y = c0 + sum c_i X_i, independent X_i: S1_i = ST_i = c_i^2 Var_i / sum_j c_j^2 Var_j
    # (Saltelli et al. 2008, sec. 1.2.3). Var of normal sd^2, uniform (b-a)^2/12,
    # triangular (a^2+b^2+c^2-ab-ac-bc)/18, gamma (mean cv)^2: shares 0.604, 0.201, 0.194,
    # 0. Had the unit points reached the model without the ppf (all variances 1/12) the
    # shares would be 0.31, 0.14, 0.55, 0 -- off by > 0.3. Tolerance: the larger of 3
    # bootstrap 95 % half-widths (~6 standard errors) and 0.02 (far above the QMC error
    # at N = 4096, far below the 0.3 a wrong mapping would cause).
    result = sobol_indices(linear_array, PARAMETERS, 4096, np.random.default_rng(7),
                           vectorised=True)
    assert list(result.columns) == list(SOBOL_COLUMNS)
    assert list(result.index) == list("abcd")
    share = COEF**2 * VARIANCE / np.sum(COEF**2 * VARIANCE)
    for key in ("S1", "ST"):
        tol = np.maximum(3 * result[f"{key}_conf"].to_numpy(), 0.02)
        assert np.all(np.abs(result[key].to_numpy() - share) <= tol), (key, result, share)
    assert result.loc["d", "ST"] == pytest.approx(0.0, abs=1e-12)  # coefficient 0: exact
    assert result.attrs["n_evaluations"] == 4096 * (4 + 2)


def test_sobol_same_seed_same_result_and_second_order_shape():
    kwargs = {"vectorised": True, "calc_second_order": True}
    a = sobol_indices(linear_array, PARAMETERS, 256, np.random.default_rng(3), **kwargs)
    b = sobol_indices(linear_array, PARAMETERS, 256, np.random.default_rng(3), **kwargs)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["S2"].shape == (4, 4)
    assert a.attrs["n_evaluations"] == 256 * (2 * 4 + 2)


def test_sobol_dict_model_equals_vectorised_model():
    a = sobol_indices(linear_dict, PARAMETERS, 64, np.random.default_rng(3))
    b = sobol_indices(linear_array, PARAMETERS, 64, np.random.default_rng(3), vectorised=True)
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def test_sobol_size_must_be_power_of_two():
    with pytest.raises(ValueError, match="n_base_samples = 1000, must be a power of two"):
        sobol_indices(linear_array, PARAMETERS, 1000, np.random.default_rng(0))


def test_morris_effects_of_linear_model_are_exact():
    # Grid step Delta = p / (2(p-1)) = 2/3 for p = 4 moves the probability by
    # Delta (p-1)/p = 1/2; for a uniform input on [lo, hi] that is (hi - lo)/2, so
    # EE = c (hi - lo) / 2 / (2/3) = 0.75 c (hi - lo) on every trajectory: mu* = 0.75 |c|
    # (hi - lo), sigma = 0.
    params = [UncertainParameter(path=f"x{i}", distribution=Uniform(dist="uniform", low=0,
                                                                     high=w))
              for i, w in enumerate([1.0, 2.0, 4.0])]
    coef = np.array([3.0, -1.0, 0.5])
    result = morris_screening(lambda x: x @ coef, params, 10, np.random.default_rng(2),
                              vectorised=True)
    assert list(result.columns) == list(MORRIS_COLUMNS)
    np.testing.assert_allclose(result["mu_star"], 0.75 * np.abs(coef) * [1, 2, 4], rtol=1e-12)
    np.testing.assert_allclose(result["mu"], 0.75 * coef * [1, 2, 4], rtol=1e-12)
    np.testing.assert_allclose(result["sigma"], 0.0, atol=1e-12)
    assert result.attrs["n_evaluations"] == 10 * (3 + 1)


def test_morris_same_seed_same_result_and_bad_arguments():
    a = morris_screening(linear_dict, PARAMETERS, 5, np.random.default_rng(8))
    b = morris_screening(linear_array, PARAMETERS, 5, np.random.default_rng(8), vectorised=True)
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    with pytest.raises(ValueError, match="num_levels = 3"):
        morris_screening(linear_dict, PARAMETERS, 5, np.random.default_rng(8), num_levels=3)
    with pytest.raises(ValueError, match="n_trajectories = 1"):
        morris_screening(linear_dict, PARAMETERS, 1, np.random.default_rng(8))


def test_tornado_linear_swings_are_coefficient_times_quantile_range():
    base = {"a": 1.0, "b": 3.0, "c": 1.5, "d": 2.0}
    table = tornado(linear_dict, base, PARAMETERS)
    assert list(table.columns) == list(TORNADO_COLUMNS)
    q5 = np.array([ppf(p.distribution, np.array([0.05]))[0] for p in PARAMETERS])
    q95 = np.array([ppf(p.distribution, np.array([0.95]))[0] for p in PARAMETERS])
    expected = dict(zip("abcd", np.abs(COEF) * (q95 - q5), strict=True))
    for row in table.itertuples():
        assert row.swing == pytest.approx(expected[row.parameter], rel=1e-12, abs=1e-12)
    assert list(table["swing"]) == sorted(table["swing"], reverse=True)
    assert table["parameter"].tolist()[-1] == "d"  # coefficient 0, swing 0
    assert np.all(table["output_base"] == linear_dict(base))
    vec = tornado(linear_array, base, PARAMETERS, vectorised=True)
    pd.testing.assert_frame_equal(table, vec, rtol=1e-12)


def test_tornado_bad_input():
    with pytest.raises(ValueError, match=r"base_values has no value for \['d'\]"):
        tornado(linear_dict, {"a": 0, "b": 0, "c": 0}, PARAMETERS)
    with pytest.raises(ValueError, match="low_q = 0.6, high_q = 0.4"):
        tornado(linear_dict, {"a": 0, "b": 0, "c": 0, "d": 0}, PARAMETERS, 0.6, 0.4)
