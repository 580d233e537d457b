"""Break-even of a technology switch along one scenario axis, and maps over two.

Where does switching a line from the incumbent to another technology start to pay: at how
many products per line, what volume, price, capex or subsidy? The NPV at each point is
:func:`rxtwin.econ.technology.appraise_technology`. Two axes change what the line makes
(``products_per_line``, ``volume_scale``), so each of their points needs the line's
performance in a scenario variant (:mod:`rxtwin.model.variants`); this module asks the
caller for it through a ``performances_at(variant, technology_ids)`` callback
(:data:`rxtwin.model.performance.PerformancesAt`) and never runs the simulator.
:mod:`rxtwin.runs.econ` passes one that simulates with a fixed entropy.

* :class:`BreakevenParam` -- the axes;
* :func:`point_npvs` -- incremental NPV of every option at one point;
* :func:`breakeven_1d` -- the value of one axis at which the NPV is zero;
* :func:`breakeven_map_2d` -- NPVs and the winning technology over a 2-D grid.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from rxtwin.econ.breakeven import BreakevenBracketError, solve_breakeven
from rxtwin.econ.technology import AppraisalTerms, appraise_technology
from rxtwin.errors import UserInputError
from rxtwin.model.performance import LinePerformance, PerformancesAt
from rxtwin.model.scenario import Scenario
from rxtwin.model.variants import with_capex_scale, with_demand_scale, with_first_products
from rxtwin.stats.chunks import ChunkMapper, map_serial

__all__ = [
    "SIMULATED_PARAMS",
    "BreakevenParam",
    "BreakevenStudy",
    "breakeven_1d",
    "breakeven_map_2d",
    "point_npvs",
]


class BreakevenParam(StrEnum):
    """Parameters :func:`breakeven_1d` and :func:`breakeven_map_2d` can vary.

    ``products_per_line`` (first k products, integer; new line performances),
    ``volume_scale`` (every product's demand x s; new line performances), ``price_scale``
    (every price x s; revenue x s, exact because prices do not enter the simulator's
    decisions), ``capex_grant`` and ``itc`` (subsidy shares) and ``capex_scale`` (option
    capex x s) -- the same line performances.
    """

    PRODUCTS_PER_LINE = "products_per_line"
    VOLUME_SCALE = "volume_scale"
    PRICE_SCALE = "price_scale"
    CAPEX_GRANT = "capex_grant"
    ITC = "itc"
    CAPEX_SCALE = "capex_scale"


#: Parameters whose points need the line's performance in a scenario variant.
SIMULATED_PARAMS = frozenset({BreakevenParam.PRODUCTS_PER_LINE, BreakevenParam.VOLUME_SCALE})


@dataclass(frozen=True)
class BreakevenStudy:
    """What every point of a break-even study shares.

    Attributes
    ----------
    scenario : Scenario
        The base scenario.
    line_id : str
        The line switched.
    technology_ids : tuple of str
        Candidate technologies.
    baseline : str
        The incumbent technology.
    performances_at : PerformancesAt
        ``performances_at(variant, technology_ids)``: the line's yearly performance with
        each technology in a scenario variant, the same entropy everywhere; technologies
        that cannot make the variant's demand are left out (their NPV is NaN). Picklable
        when :func:`breakeven_map_2d` runs rows in other processes.
    terms : AppraisalTerms
        Data-borne terms of the appraisal.
    """

    scenario: Scenario
    line_id: str
    technology_ids: tuple[str, ...]
    baseline: str
    performances_at: PerformancesAt
    terms: AppraisalTerms


def _scale_revenue(perf: LinePerformance, scale: float) -> LinePerformance:
    return replace(perf, revenue_usd=perf.revenue_usd * scale)


def point_npvs(study: BreakevenStudy, values: Mapping[BreakevenParam, float],
               cache: dict | None = None) -> dict[str, float]:
    """Incremental NPV of every option at one point of the parameter space.

    Parameters
    ----------
    study : BreakevenStudy
    values : mapping of BreakevenParam to float
        The point; parameters not given keep the scenario's value (scales 1, subsidies 0).
    cache : dict, optional
        Variants and performances by simulated coordinates, shared between calls that
        revisit them (the caller bounds its size).

    Returns
    -------
    dict of str to float
        ``{technology_id: incremental NPV at the firm's hurdle rate [USD]}``; NaN where the
        option or the baseline cannot make the demand.

    Notes
    -----
    ``products_per_line = k`` keeps the line's first ``k`` products
    (:func:`rxtwin.model.variants.with_first_products`, ``k`` rounded to an integer) and
    ``volume_scale = s`` multiplies their demand (:func:`~rxtwin.model.variants.
    with_demand_scale`), in that order; the performances of that variant come from
    ``study.performances_at``, the baseline first (no option is asked for when it cannot
    make the demand). ``price_scale`` multiplies every performance's revenue,
    ``capex_scale`` the option's capex (:func:`~rxtwin.model.variants.with_capex_scale`),
    and ``capex_grant``, ``itc`` are the subsidy shares of
    :func:`rxtwin.econ.technology.appraise_technology`.
    """
    cache = {} if cache is None else cache
    scenario = study.scenario
    sim_key = tuple(sorted((p.value, float(v)) for p, v in values.items()
                           if p in SIMULATED_PARAMS))
    if sim_key not in cache:
        variant = scenario
        for param, value in values.items():
            if param is BreakevenParam.PRODUCTS_PER_LINE:
                variant = with_first_products(variant, study.line_id, int(round(value)))
        for param, value in values.items():
            if param is BreakevenParam.VOLUME_SCALE:
                variant = with_demand_scale(variant, study.line_id, value)
        perf = dict(study.performances_at(variant, [study.baseline]))
        if study.baseline in perf:
            perf.update(study.performances_at(variant, list(study.technology_ids)))
        cache[sim_key] = (variant, perf)
    variant, perf = cache[sim_key]
    price = values.get(BreakevenParam.PRICE_SCALE, 1.0)
    perf = {tid: _scale_revenue(p, price) for tid, p in perf.items()}
    capex_scale = values.get(BreakevenParam.CAPEX_SCALE, 1.0)
    out = {}
    for tid in study.technology_ids:
        if tid not in perf or study.baseline not in perf:
            out[tid] = math.nan
            continue
        option_variant = variant
        if capex_scale != 1.0:
            option_variant = with_capex_scale(variant, tid, capex_scale)
        out[tid] = appraise_technology(
            option_variant, study.line_id, tid, study.baseline, perf, study.terms,
            capex_grant_fraction=values.get(BreakevenParam.CAPEX_GRANT, 0.0),
            itc_fraction=values.get(BreakevenParam.ITC, 0.0)).npv_usd
    return out


def breakeven_1d(
    scenario: Scenario,
    param: BreakevenParam | str,
    performances_at: PerformancesAt,
    terms: AppraisalTerms,
    *,
    line_id: str | None = None,
    option_tech_id: str = "continuous",
    baseline_tech_id: str = "batch",
    lo: float | None = None,
    hi: float | None = None,
) -> float:
    """Value of ``param`` at which switching to ``option_tech_id`` breaks even.

    Parameters
    ----------
    scenario : Scenario
    param : BreakevenParam or str
        See :class:`BreakevenParam`.
    performances_at : PerformancesAt
        Line performances of a scenario variant (see :class:`BreakevenStudy`); asked once
        per distinct point of a simulated parameter, once in all for the others.
    terms : AppraisalTerms
        Data-borne terms of the appraisal.
    line_id : str, optional
        Default: the scenario's first line.
    option_tech_id, baseline_tech_id : str
        Candidate and incumbent technologies.
    lo, hi : float, optional
        Bracket (default: [1, n products] for products_per_line, [0, 1] for subsidies,
        [0.25, 4] for the scales).

    Returns
    -------
    float
        The break-even value: incremental NPV at the firm's hurdle rate = 0, i.e. the
        option just meets the hurdle *and* just equals the incumbent (the two conditions
        coincide because the incumbent's capex is sunk: NPV(option) - NPV(baseline) is the
        incremental NPV). For ``products_per_line`` the smallest or largest integer k at
        which the sign changes (the NPV is evaluated only at integers).

    Raises
    ------
    BreakevenBracketError
        No sign change of the NPV in the bracket.

    Notes
    -----
    :func:`rxtwin.econ.breakeven.solve_breakeven` (Brent) on the incremental NPV, which is
    monotone in the subsidies, capex and price; for the simulated parameters the same
    entropy at every point (common random numbers) keeps the NPV a smooth function up to
    Monte Carlo noise.
    """
    param = BreakevenParam(param)
    line_id = line_id or scenario.lines[0].id
    n_products = len(scenario.line(line_id).product_ids)
    default_bracket = {
        BreakevenParam.PRODUCTS_PER_LINE: (1.0, float(n_products)),
        BreakevenParam.CAPEX_GRANT: (0.0, 1.0), BreakevenParam.ITC: (0.0, 1.0),
    }.get(param, (0.25, 4.0))
    lo = default_bracket[0] if lo is None else lo
    hi = default_bracket[1] if hi is None else hi
    study = BreakevenStudy(scenario, line_id, (option_tech_id,), baseline_tech_id,
                           performances_at, terms)
    cache: dict = {}

    def npv(x: float) -> float:
        return point_npvs(study, {param: x}, cache)[option_tech_id]

    if param is BreakevenParam.PRODUCTS_PER_LINE:
        ks = list(range(int(math.ceil(lo)), int(math.floor(hi)) + 1))
        values = [npv(float(k)) for k in ks]
        for k, a, b in zip(ks[1:], values[:-1], values[1:], strict=True):
            if np.sign(a) != np.sign(b):
                return float(k if b >= 0 else k - 1)
        raise BreakevenBracketError(
            f"no break-even for products_per_line in [{ks[0]}, {ks[-1]}]: incremental NPV "
            f"{values[0]:,.0f} USD at {ks[0]} and {values[-1]:,.0f} USD at {ks[-1]}, no sign "
            "change between")
    return solve_breakeven(npv, lo, hi, xtol=1e-6, rtol=1e-8)


def breakeven_map_2d(
    scenario: Scenario,
    param_x: BreakevenParam | str,
    values_x: Sequence[float],
    param_y: BreakevenParam | str,
    values_y: Sequence[float],
    performances_at: PerformancesAt,
    terms: AppraisalTerms,
    *,
    line_id: str | None = None,
    technology_ids: Sequence[str] | None = None,
    baseline_tech_id: str = "batch",
    map_chunks: ChunkMapper = map_serial,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Incremental NPV of every technology over a 2-D grid, and the winner per cell.

    Parameters
    ----------
    scenario : Scenario
    param_x, param_y : BreakevenParam or str
        Distinct parameters (see :class:`BreakevenParam`).
    values_x, values_y : sequence of float
        Grid values.
    performances_at : PerformancesAt
        Line performances of a scenario variant (see :class:`BreakevenStudy`). It runs
        inside the row tasks: with a ``map_chunks`` that uses other processes it must be
        picklable, and it should run its own simulations serially.
    terms : AppraisalTerms
        Data-borne terms of the appraisal.
    line_id : str, optional
    technology_ids : sequence of str, optional
        Candidates (default every technology but the baseline).
    baseline_tech_id : str
    map_chunks : ChunkMapper
        Runs the map's rows (:mod:`rxtwin.stats.chunks`; serial by default), one task per
        x value.
    progress : callable, optional
        ``progress(done_points, total_points)``, called as rows finish.

    Returns
    -------
    pandas.DataFrame
        One row per (x, y, technology): columns ``param_x`` value, ``param_y`` value,
        ``technology``, ``npv_usd`` (incremental NPV at the hurdle rate vs the baseline;
        NaN where the option or the baseline cannot make the demand, i.e. its campaign plan
        is infeasible), ``winner`` (the technology with the
        highest NPV in the cell, or the baseline when no option has NPV >= 0;
        ``"infeasible"`` when no value exists).
    """
    px, py = BreakevenParam(param_x), BreakevenParam(param_y)
    if px is py:
        raise UserInputError(f"param_x and param_y are both '{px.value}'; give two parameters")
    line_id = line_id or scenario.lines[0].id
    techs = tuple(technology_ids or [t.id for t in scenario.technologies
                                     if t.id != baseline_tech_id])
    # each map row (one x value) is a task; the chunk mapper parallelises over rows (a
    # 200-replication simulation is a single chunk and would not parallelise itself)
    study = BreakevenStudy(scenario, line_id, techs, baseline_tech_id, performances_at, terms)
    task = functools.partial(_map_row, study, px, py, tuple(float(y) for y in values_y))
    total = len(values_x)

    def on_row_done(index: int, _rows) -> None:
        if progress:
            on_row_done.done += 1
            progress(on_row_done.done * len(values_y), total * len(values_y))

    on_row_done.done = 0
    row_blocks = map_chunks(task, [float(x) for x in values_x], on_chunk_done=on_row_done)
    rows = [row for block in row_blocks for row in block]
    return pd.DataFrame(rows, columns=[px.value, py.value, "technology", "npv_usd", "winner"])


def _map_row(study: BreakevenStudy, px: BreakevenParam, py: BreakevenParam,
             values_y: tuple[float, ...], x: float) -> list[dict]:
    """The cells of one map row (module level: picklable for process pools)."""
    cache: dict = {}
    rows = []
    for y in values_y:
        npvs = point_npvs(study, {px: x, py: y}, cache)
        finite = {t: v for t, v in npvs.items() if math.isfinite(v)}
        if not finite:
            winner = "infeasible"
        else:
            best = max(finite, key=finite.get)
            winner = best if finite[best] >= 0 else study.baseline
        rows.extend({px.value: x, py.value: y, "technology": t, "npv_usd": v,
                     "winner": winner} for t, v in npvs.items())
        if len(cache) > 4:  # keep memory flat on long rows
            cache.pop(next(iter(cache)))
    return rows
