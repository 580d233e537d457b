"""Global and local sensitivity: Sobol' indices, Morris screening, tornado.

Model functions
---------------
A model function maps one set of parameter values to one output (a float):

* ``vectorised=False`` (default): ``model_fn(values: dict[str, float]) -> float`` with
  ``values`` keyed by parameter path (``"technologies.continuous.capex_usd"``);
* ``vectorised=True``: ``model_fn(x: ndarray of shape (m, d)) -> ndarray of shape (m,)``,
  column ``j`` holding parameter ``j`` of ``parameters`` (their order). Use this for
  closed-form models: one call per block instead of one per sample.

:func:`evaluate` runs a model over a table of samples in blocks of ``chunk_size`` rows
through the caller's chunk mapper (``map_chunks=``, serial by default;
:func:`rxtwin.compute.chunk_mapper` gives a process pool or a Dask cluster for expensive
models); the model function must then be picklable (a module-level
function or a ``functools.partial`` of one). Evaluation is deterministic, so every
backend returns the same outputs.

Distributions
-------------
SALib works in the unit hypercube here: every parameter gets the SALib bounds [0, 1] and
the unit points are mapped through the parameter's inverse CDF
(:func:`rxtwin.stats.sampling.ppf`) before the model sees them. Because ``ppf`` is strictly
increasing, ``E[Y | U_i] = E[Y | X_i]``, so the Sobol' indices computed in ``U`` are the
indices of ``Y`` with respect to the real (normal, log-normal, triangular, ...) inputs.
Parameters are assumed independent.

Seeds
-----
SALib takes integer seeds. Each call draws them from the ``rng`` argument with
:func:`rxtwin.uq.design.salib_seed` (one for the sampler, one for the bootstrap of the
confidence intervals), so the same generator state gives identical results.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from SALib.analyze import morris as salib_morris_analyze
from SALib.analyze import sobol as salib_sobol_analyze
from SALib.sample import morris as salib_morris_sample
from SALib.sample import sobol as salib_sobol_sample

from rxtwin.errors import UserInputError
from rxtwin.model.uncertainty import UncertainParameter
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.stats.sampling import ppf
from rxtwin.uq.design import open_unit, parameter_paths, salib_seed, values_from_unit

__all__ = [
    "MORRIS_COLUMNS",
    "SOBOL_COLUMNS",
    "TORNADO_COLUMNS",
    "evaluate",
    "morris_screening",
    "morris_unit_levels",
    "sobol_indices",
    "tornado",
]

# Column constants map each column to its unit: "-" dimensionless, "label" text, "output"
# the model output's unit, "input" the parameter's own unit.

#: Columns of :func:`sobol_indices` and their units (index: parameter path).
SOBOL_COLUMNS: dict[str, str] = {"S1": "-", "S1_conf": "-", "ST": "-", "ST_conf": "-"}
#: Columns of :func:`morris_screening` and their units (index: parameter path): output
#: units per unit of grid coordinate (see :func:`morris_screening`).
MORRIS_COLUMNS: dict[str, str] = {
    "mu": "output/grid", "mu_star": "output/grid", "mu_star_conf": "output/grid",
    "sigma": "output/grid",
}
#: Columns of :func:`tornado` and their units.
TORNADO_COLUMNS: dict[str, str] = {
    "parameter": "label", "low_value": "input", "high_value": "input",
    "output_base": "output", "output_low": "output", "output_high": "output",
    "swing": "output",
}

ModelFn = Callable[..., object]


# ------------------------------------------------------------------------- evaluation


def _evaluate_block(
    model_fn: ModelFn, names: tuple[str, ...], vectorised: bool, block: tuple[int, np.ndarray]
) -> np.ndarray:
    """Outputs of one block of rows (a chunk task for the chunk mapper)."""
    first_row, x = block
    if vectorised:
        y = np.asarray(model_fn(x), dtype=float)
        if y.shape != (x.shape[0],):
            raise UserInputError(f"vectorised model_fn returned shape {y.shape} for {x.shape[0]} "
                                 f"rows; it must return shape ({x.shape[0]},)")
    else:
        y = np.array([float(model_fn(dict(zip(names, row.tolist(), strict=True))))
                      for row in x])
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        i = int(bad[0])
        inputs = ", ".join(f"{n} = {v!r}" for n, v in zip(names, x[i].tolist(), strict=True))
        raise UserInputError(f"model_fn returned {y[i]} for sample row {first_row + i} ({inputs}); "
                             "outputs must be finite")
    return y


def _evaluate_array(
    model_fn: ModelFn,
    x: np.ndarray,
    names: Sequence[str],
    *,
    vectorised: bool,
    map_chunks: ChunkMapper,
    chunk_size: int,
    done: Mapping[int, np.ndarray] | None = None,
    on_chunk_done: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise UserInputError(f"chunk_size = {chunk_size!r}, must be an integer >= 1")
    blocks = [(start, x[start:start + chunk_size]) for start in range(0, x.shape[0], chunk_size)]
    task = functools.partial(_evaluate_block, model_fn, tuple(names), vectorised)
    results = map_chunks(task, blocks, done=done, on_chunk_done=on_chunk_done)
    return np.concatenate(results) if results else np.empty(0)


def evaluate(
    model_fn: ModelFn,
    samples: pd.DataFrame | np.ndarray,
    *,
    vectorised: bool = False,
    map_chunks: ChunkMapper = map_serial,
    chunk_size: int = 1024,
    done: Mapping[int, np.ndarray] | None = None,
    on_chunk_done: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    """Evaluate a model at every row of a samples table.

    Parameters
    ----------
    model_fn : callable
        See the module docstring (dict in, float out; or array in, array out when
        ``vectorised``).
    samples : pandas.DataFrame or ndarray, shape (n, d)
        One row per sample; a DataFrame names the parameter paths in its columns. A plain
        array is accepted only with ``vectorised=True``.
    vectorised : bool
        Whether ``model_fn`` takes a whole ``(m, d)`` block.
    map_chunks : ChunkMapper
        Runs the blocks (:mod:`rxtwin.stats.chunks`); serial by default.
    chunk_size : int
        Rows per chunk [-].
    done, on_chunk_done
        As :class:`rxtwin.stats.chunks.ChunkMapper` (resume; progress): a chunk's result
        is the output array of its rows.

    Returns
    -------
    ndarray, shape (n,)
        Output per row, in row order.

    Raises
    ------
    ValueError
        When the model returns a non-finite output (the row and its inputs are named) or
        a vectorised model returns the wrong shape.
    """
    if isinstance(samples, pd.DataFrame):
        names = [str(c) for c in samples.columns]
        x = samples.to_numpy(dtype=float)
    else:
        x = np.asarray(samples, dtype=float)
        if x.ndim != 2:
            raise UserInputError(f"samples has shape {x.shape}; give a 2-D (n, d) array")
        if not vectorised:
            raise UserInputError("samples is an array without parameter paths; pass a DataFrame "
                                 "(columns = paths) for a dict model, or vectorised=True")
        names = [f"x{j}" for j in range(x.shape[1])]
    return _evaluate_array(model_fn, x, names, vectorised=vectorised, map_chunks=map_chunks,
                           chunk_size=chunk_size, done=done, on_chunk_done=on_chunk_done)


def _unit_problem(paths: Sequence[str]) -> dict:
    return {"num_vars": len(paths), "names": list(paths), "bounds": [[0.0, 1.0]] * len(paths)}


# ------------------------------------------------------------------------------ Sobol'


def sobol_indices(
    model_fn: ModelFn,
    parameters: Sequence[UncertainParameter],
    n_base_samples: int,
    rng: np.random.Generator,
    *,
    calc_second_order: bool = False,
    vectorised: bool = False,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    map_chunks: ChunkMapper = map_serial,
    chunk_size: int = 4096,
    done: Mapping[int, np.ndarray] | None = None,
    on_chunk_done: Callable[[int, np.ndarray], None] | None = None,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of a model output.

    Parameters
    ----------
    model_fn : callable
        The model, see the module docstring.
    parameters : sequence of UncertainParameter
        The ``d`` independent uncertain inputs (paths unique).
    n_base_samples : int
        Base sample size ``N`` [-], a power of two. The model is evaluated
        ``N (d + 2)`` times (``N (2d + 2)`` with second-order indices).
    rng : numpy.random.Generator
        Source of the two SALib seeds (sampler scrambling, bootstrap).
    calc_second_order : bool
        Also estimate second-order indices (returned in ``result.attrs["S2"]`` and
        ``result.attrs["S2_conf"]``, DataFrames indexed by path on both axes).
    vectorised : bool
        Whether ``model_fn`` takes a whole ``(m, d)`` array.
    num_resamples : int
        Bootstrap resamples for the confidence intervals [-].
    conf_level : float
        Confidence level of the ``*_conf`` half-widths [-].
    map_chunks, chunk_size, done, on_chunk_done
        Passed to :func:`evaluate` (``done`` resumes a run made with the same ``rng``
        state and ``chunk_size``).

    Returns
    -------
    pandas.DataFrame
        Index: parameter path (name ``"parameter"``); columns ``S1``, ``S1_conf``,
        ``ST``, ``ST_conf`` [-]: estimates and bootstrap confidence half-widths.

    Notes
    -----
    With ``V = Var[Y]``, the first-order index ``S_i = Var[E[Y | X_i]] / V`` and the
    total index ``S_Ti = E[Var[Y | X_~i]] / V = 1 - Var[E[Y | X_~i]] / V`` (Saltelli et al.
    2008, eqs. 1.24 and 4.28; Homma & Saltelli 1996). Estimated from the radial
    ``A, B, A_B^(i)`` design (Saltelli 2002) on a scrambled Sobol' sequence with
    ``S_i ~ mean(f(B) (f(A_B^i) - f(A))) / V`` (Saltelli et al. 2010, eq. b) and
    ``S_Ti ~ mean((f(A) - f(A_B^i))^2) / (2V)`` (Jansen 1999), as implemented in
    ``SALib.analyze.sobol`` (Herman & Usher 2017; Iwanaga, Usher & Herman 2022). Unit
    points are mapped through each parameter's ppf (module docstring).

    References
    ----------
    Saltelli, A., Ratto, M., Andres, T., Campolongo, F., Cariboni, J., Gatelli, D.,
    Saisana, M., Tarantola, S. (2008). Global Sensitivity Analysis: The Primer. Wiley.

    Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S. (2010).
    Variance based sensitivity analysis of model output. Design and estimator for the total
    sensitivity index. Computer Physics Communications 181(2), 259-270.

    Homma, T., Saltelli, A. (1996). Importance measures in global sensitivity analysis of
    nonlinear models. Reliability Engineering & System Safety 52(1), 1-17.

    Iwanaga, T., Usher, W., Herman, J. (2022). Toward SALib 2.0: Advancing the
    accessibility and interpretability of global sensitivity analyses. Socio-Environmental
    Systems Modelling 4, 18155.
    """
    paths = parameter_paths(parameters)
    n = int(n_base_samples)
    if isinstance(n_base_samples, bool) or n < 2 or n & (n - 1):
        raise UserInputError(f"n_base_samples = {n_base_samples!r}, must be a power of two >= 2 "
                             "(the Saltelli design is built on a Sobol' sequence)")
    problem = _unit_problem(paths)
    unit = salib_sobol_sample.sample(problem, n, calc_second_order=calc_second_order,
                                     scramble=True, seed=salib_seed(rng))
    x = values_from_unit(parameters, open_unit(unit))
    y = _evaluate_array(model_fn, x, paths, vectorised=vectorised, map_chunks=map_chunks,
                        chunk_size=chunk_size, done=done, on_chunk_done=on_chunk_done)
    si = salib_sobol_analyze.analyze(problem, y, calc_second_order=calc_second_order,
                                     num_resamples=num_resamples, conf_level=conf_level,
                                     print_to_console=False, seed=salib_seed(rng))
    index = pd.Index(paths, name="parameter")
    result = pd.DataFrame({k: np.asarray(si[k], dtype=float) for k in SOBOL_COLUMNS},
                          index=index)
    if calc_second_order:
        result.attrs["S2"] = pd.DataFrame(si["S2"], index=index, columns=paths)
        result.attrs["S2_conf"] = pd.DataFrame(si["S2_conf"], index=index, columns=paths)
    result.attrs["n_evaluations"] = int(y.shape[0])
    return result


# ------------------------------------------------------------------------------ Morris


def morris_unit_levels(grid: np.ndarray, num_levels: int) -> np.ndarray:
    """Map Morris grid coordinates ``{0, 1/(p-1), ..., 1}`` to probabilities.

    Level ``k`` (grid value ``k/(p-1)``) becomes ``(k + 1/2) / p``, the midpoint of the
    ``k``-th of ``p`` equal-probability strata; this keeps unbounded distributions finite
    (ppf(0) = -inf for a normal) and spreads the levels evenly in probability.
    """
    return (np.asarray(grid, dtype=float) * (num_levels - 1) + 0.5) / num_levels


def morris_screening(
    model_fn: ModelFn,
    parameters: Sequence[UncertainParameter],
    n_trajectories: int,
    rng: np.random.Generator,
    *,
    num_levels: int = 4,
    vectorised: bool = False,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    map_chunks: ChunkMapper = map_serial,
    chunk_size: int = 4096,
    done: Mapping[int, np.ndarray] | None = None,
    on_chunk_done: Callable[[int, np.ndarray], None] | None = None,
) -> pd.DataFrame:
    """Morris elementary-effects screening.

    Parameters
    ----------
    model_fn : callable
        The model, see the module docstring.
    parameters : sequence of UncertainParameter
        The ``d`` uncertain inputs (paths unique).
    n_trajectories : int
        Number of one-at-a-time trajectories ``r`` [-]; the model is evaluated
        ``r (d + 1)`` times.
    rng : numpy.random.Generator
        Source of the two SALib seeds (trajectories, bootstrap).
    num_levels : int
        Grid levels ``p`` per input [-] (even; 4 is Morris' and the Primer's usual choice).
    vectorised : bool
        Whether ``model_fn`` takes a whole ``(m, d)`` array.
    num_resamples : int
        Bootstrap resamples for ``mu_star_conf`` [-].
    conf_level : float
        Confidence level of ``mu_star_conf`` [-].
    map_chunks, chunk_size, done, on_chunk_done
        Passed to :func:`evaluate` (``done`` resumes a run made with the same ``rng``
        state and ``chunk_size``).

    Returns
    -------
    pandas.DataFrame
        Index: parameter path (name ``"parameter"``); columns ``mu`` (mean elementary
        effect), ``mu_star`` (mean absolute effect), ``mu_star_conf`` (bootstrap
        half-width), ``sigma`` (standard deviation of the effects), in output units per
        unit of the grid coordinate. Rank inputs by ``mu_star``; a large ``sigma``
        relative to ``mu_star`` signals interactions or non-linearity.

    Notes
    -----
    The elementary effect of input ``i`` along a trajectory is
    ``EE_i = [f(x_1, .., x_i + Delta, .., x_d) - f(x)] / Delta`` with
    ``Delta = p / (2 (p - 1))`` on the grid ``{0, 1/(p-1), .., 1}`` (Morris 1991);
    ``mu*_i = mean |EE_i|`` (Campolongo, Cariboni & Saltelli 2007). Grid coordinates are
    mapped to probabilities by :func:`morris_unit_levels` and then through each input's
    ppf, so effects are per step in probability, comparable across inputs of any units.

    References
    ----------
    Morris, M. D. (1991). Factorial sampling plans for preliminary computational
    experiments. Technometrics 33(2), 161-174.

    Campolongo, F., Cariboni, J., Saltelli, A. (2007). An effective screening design for
    sensitivity analysis of large models. Environmental Modelling & Software 22(10),
    1509-1518.

    Saltelli, A. et al. (2008). Global Sensitivity Analysis: The Primer. Wiley, ch. 3.
    """
    paths = parameter_paths(parameters)
    if isinstance(n_trajectories, bool) or not isinstance(n_trajectories, int) \
            or n_trajectories < 2:
        raise UserInputError(f"n_trajectories = {n_trajectories!r}, must be an integer >= 2")
    if isinstance(num_levels, bool) or not isinstance(num_levels, int) or num_levels < 2 \
            or num_levels % 2:
        raise UserInputError(f"num_levels = {num_levels!r}, must be an even integer >= 2")
    problem = _unit_problem(paths)
    grid = salib_morris_sample.sample(problem, n_trajectories, num_levels=num_levels,
                                      seed=salib_seed(rng))
    x = values_from_unit(parameters, morris_unit_levels(grid, num_levels))
    y = _evaluate_array(model_fn, x, paths, vectorised=vectorised, map_chunks=map_chunks,
                        chunk_size=chunk_size, done=done, on_chunk_done=on_chunk_done)
    si = salib_morris_analyze.analyze(problem, grid, y, num_resamples=num_resamples,
                                      conf_level=conf_level, print_to_console=False,
                                      num_levels=num_levels, seed=salib_seed(rng))
    result = pd.DataFrame({k: np.asarray(si[k], dtype=float) for k in MORRIS_COLUMNS},
                          index=pd.Index(paths, name="parameter"))
    result.attrs["n_evaluations"] = int(y.shape[0])
    return result


# ----------------------------------------------------------------------------- tornado


def tornado(
    model_fn: ModelFn,
    base_values: Mapping[str, float],
    parameters: Sequence[UncertainParameter],
    low_q: float = 0.05,
    high_q: float = 0.95,
    *,
    vectorised: bool = False,
) -> pd.DataFrame:
    """One-at-a-time swings of the output between two quantiles of each input.

    Parameters
    ----------
    model_fn : callable
        The model, see the module docstring.
    base_values : mapping of str to float
        The base point: a value for every parameter path (e.g.
        :func:`rxtwin.uq.scenario_sampling.base_values`).
    parameters : sequence of UncertainParameter
        The inputs to swing (paths unique).
    low_q, high_q : float
        Quantiles of each input's distribution for the low and high ends [-],
        ``0 < low_q < high_q < 1``.
    vectorised : bool
        Whether ``model_fn`` takes a whole ``(m, d)`` array.

    Returns
    -------
    pandas.DataFrame
        One row per parameter, sorted by ``swing`` (largest first; ties keep the
        parameters' order): ``parameter`` (path), ``low_value``, ``high_value`` (the
        input's ``low_q`` / ``high_q`` quantiles, input units), ``output_base`` (output at
        the base point), ``output_low``, ``output_high`` (output with only this input
        moved), ``swing`` = ``|output_high - output_low|`` (output units).

    Notes
    -----
    For a linear model ``y = c_0 + sum_i c_i x_i`` the swing of input ``i`` is
    ``|c_i| (F_i^{-1}(high_q) - F_i^{-1}(low_q))``. A tornado ignores interactions;
    use :func:`sobol_indices` for those (Saltelli et al. 2008, ch. 1).

    References
    ----------
    Eschenbach, T. G. (1992). Spiderplots versus tornado diagrams for sensitivity
    analysis. Interfaces 22(6), 40-46.
    """
    paths = parameter_paths(parameters)
    if not 0.0 < low_q < high_q < 1.0:
        raise UserInputError(f"low_q = {low_q!r}, high_q = {high_q!r}; need 0 < low_q < high_q < 1")
    missing = [p for p in paths if p not in base_values]
    if missing:
        raise UserInputError(f"base_values has no value for {missing}; give one for every "
                             "parameter path")
    d = len(paths)
    base = np.array([float(base_values[p]) for p in paths])
    lows = np.array([float(ppf(p.distribution, np.array([low_q]))[0]) for p in parameters])
    highs = np.array([float(ppf(p.distribution, np.array([high_q]))[0]) for p in parameters])
    x = np.tile(base, (2 * d + 1, 1))
    for j in range(d):
        x[1 + 2 * j, j] = lows[j]
        x[2 + 2 * j, j] = highs[j]
    y = _evaluate_array(model_fn, x, paths, vectorised=vectorised, map_chunks=map_serial,
                        chunk_size=x.shape[0])
    out_low, out_high = y[1::2], y[2::2]
    table = pd.DataFrame({
        "parameter": paths,
        "low_value": lows,
        "high_value": highs,
        "output_base": np.full(d, y[0]),
        "output_low": out_low,
        "output_high": out_high,
        "swing": np.abs(out_high - out_low),
    })
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
