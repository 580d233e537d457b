"""The ``econ.breakeven`` run kind: a break-even map stored as a resumable run.

Its parameters (:class:`BreakevenParams`), their checks against the scenario, the defaults
worked out from it (:func:`resolve_breakeven`), the work (:func:`run_breakeven`, one chunk per
map row) and the figures (:func:`breakeven_figures`). Registered in :mod:`rxtwin.runs.kinds`.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from pydantic import Field, model_validator

from rxtwin.econ.technology_breakeven import BreakevenParam
from rxtwin.errors import Problem
from rxtwin.model.base import Real, WholeNumber
from rxtwin.model.scenario import Scenario
from rxtwin.report import figures as fig
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.params import ProgressCallback, RunParams, fresh_seed
from rxtwin.store import Store

__all__ = ["BreakevenParams", "breakeven_figures", "check_breakeven", "resolve_breakeven",
           "run_breakeven"]

# Engineering bounds of the web form: 50 x 50 points at 200 replications is the largest map
# docs/econ.md times (about half an hour on 2 cores), already past the queue's default job
# timeout; 10,000 replications per point is 50 x the CLI's default of 200.
_MAX_MAP_POINTS = 50
_MAX_MAP_REPLICATIONS = 10_000


class BreakevenParams(RunParams):
    """Break-even map of switching a line from its incumbent technology (``econ.breakeven``).

    The incremental NPV at the firm's hurdle rate of every candidate technology against the
    incumbent, from line simulations, over a grid of two
    :class:`rxtwin.econ.technology_breakeven.BreakevenParam` parameters: the map of ``rxtwin
    breakeven SCENARIO --param X --param2 Y --db``, which stores the same table for the same
    inputs.
    Empty fields are worked out from the scenario when the run is launched (see
    :func:`resolve_breakeven`), so the stored parameters name the grid that ran.
    """

    param: BreakevenParam = Field(
        BreakevenParam.PRODUCTS_PER_LINE,
        description="x parameter, one map row (a chunk) per value: products_per_line, "
        "volume_scale, price_scale, capex_grant, itc or capex_scale")
    param_values: list[Real] = Field(
        default_factory=list, max_length=_MAX_MAP_POINTS,
        description="x values (empty = `points` values over the default range: "
        "products 1..n of the line, volume_scale 0.25-2, price_scale 0.5-2, capex_grant "
        "and itc 0-1, capex_scale 0.25-2)")
    param2: BreakevenParam = Field(BreakevenParam.VOLUME_SCALE,
                                   description="y parameter (same choices)")
    param2_values: list[Real] = Field(
        default_factory=list, max_length=_MAX_MAP_POINTS,
        description="y values (empty = `points` values over the default range)")
    points: WholeNumber = Field(6, ge=2, le=_MAX_MAP_POINTS,
                        description="grid points of an axis whose values are empty [-] "
                        "(as `rxtwin breakeven --points`)")
    technologies: list[str] = Field(
        default_factory=list,
        description="candidate technology ids (empty = every technology but the baseline)")
    baseline: str | None = Field(None, description="incumbent technology id (empty = the "
                                 "line's own technology)")
    line_id: str | None = Field(None, description="line id (empty = the scenario's first line)")
    n_replications: WholeNumber = Field(100, ge=1, le=_MAX_MAP_REPLICATIONS,
                                description="replication-years per technology and grid point")
    seed: WholeNumber = Field(default_factory=fresh_seed, ge=0,
                      description="root seed entropy of every simulation (the same at every "
                      "point: common random numbers)")

    @model_validator(mode="after")
    def _distinct(self) -> BreakevenParams:
        if self.param == self.param2:
            raise ValueError(f"param and param2 are both {self.param.value!r}; map two "
                             "different parameters")
        for name in ("param_values", "param2_values"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} = {values} repeats a value; give each grid value "
                                 "once")
        return self


def _grid_rule(param: BreakevenParam, value: float, n_products: int) -> str | None:
    """Why ``value`` cannot be a grid value of ``param`` (None if it can), after the
    variants of :mod:`rxtwin.model.variants`: the first k products, a demand, price or capex
    factor, a subsidy share."""
    if not math.isfinite(value):
        return "must be a finite number"
    if param is BreakevenParam.PRODUCTS_PER_LINE:
        if not (value.is_integer() and 1 <= value <= n_products):
            return (f"products_per_line must be a whole number within 1..{n_products} (the "
                    "products of the line)")
    elif param in (BreakevenParam.CAPEX_GRANT, BreakevenParam.ITC):
        if not 0.0 <= value <= 1.0:
            return f"{param.value} is a share of the capex: must be within [0, 1]"
    elif value <= 0.0:
        return f"{param.value} multiplies today's value: must be > 0"
    return None


def check_breakeven(scenario: Scenario, params: BreakevenParams) -> list[Problem]:
    if not scenario.lines:
        return [Problem("<params>", "line_id", params.line_id,
                        f"scenario '{scenario.name}' has no lines")]
    lines = [line.id for line in scenario.lines]
    if params.line_id is not None and params.line_id not in lines:
        return [Problem("<params>", "line_id", params.line_id,
                        f"no such line; choose one of {', '.join(lines)}")]
    line = scenario.line(params.line_id or lines[0])
    known = [t.id for t in scenario.technologies]
    baseline = params.baseline or line.technology_id
    problems = []
    if baseline not in known:
        problems.append(Problem("<params>", "baseline", baseline,
                                f"no such technology; choose one of {', '.join(known)}"))
    for tid in params.technologies:
        if tid not in known:
            problems.append(Problem("<params>", "technologies", tid,
                                    f"no such technology; choose from {', '.join(known)}"))
        elif tid == baseline:
            problems.append(Problem("<params>", "technologies", tid,
                                    "is the baseline; list the technologies to compare with "
                                    "it"))
    if not params.technologies and known == [baseline]:
        problems.append(Problem("<params>", "technologies", [], f"the scenario has no "
                                f"technology but the baseline '{baseline}' to compare with"))
    for field, param in (("param_values", params.param), ("param2_values", params.param2)):
        for value in getattr(params, field):
            rule = _grid_rule(param, value, len(line.product_ids))
            if rule is not None:
                problems.append(Problem("<params>", field, value, rule))
    return problems


def resolve_breakeven(scenario: Scenario, params: BreakevenParams) -> BreakevenParams:
    """Checked parameters with every empty field worked out from the scenario: the line
    (its first), the baseline (the line's technology), the candidates (every other
    technology) and each empty grid (:func:`rxtwin.runs.econ.default_grid` of ``points``)."""
    from rxtwin.runs.econ import default_grid

    line_id = params.line_id or scenario.lines[0].id
    baseline = params.baseline or scenario.line(line_id).technology_id
    return BreakevenParams.model_validate({
        **params.model_dump(), "line_id": line_id, "baseline": baseline,
        "technologies": params.technologies or [t.id for t in scenario.technologies
                                                if t.id != baseline],
        "param_values": params.param_values or default_grid(params.param, scenario,
                                                            line_id, params.points),
        "param2_values": params.param2_values or default_grid(params.param2, scenario,
                                                              line_id, params.points),
    })


def run_breakeven(scenario: Scenario, params: BreakevenParams, store: Store, run_id: str,
                  progress: ProgressCallback, *, compute: ComputeSetting = SERIAL) -> None:
    """The map into a started run, one recorded row per x value, the rows run where
    ``compute`` says (:func:`rxtwin.runs.econ.run_breakeven_map`)."""
    from rxtwin.runs.econ import run_breakeven_map

    grid = resolve_breakeven(scenario, params)
    run_breakeven_map(store, run_id, scenario, grid.param, grid.param_values, grid.param2,
                      grid.param2_values, line_id=grid.line_id,
                      technology_ids=grid.technologies, baseline_tech_id=grid.baseline,
                      n_replications=grid.n_replications, entropy=grid.seed,
                      progress=progress, compute=compute)


def breakeven_figures(store: Store, run_id: str, scenario: Scenario | None,
                       params: BreakevenParams) -> dict[str, go.Figure]:
    """The best option's NPV and the winner over the map; none for a 1-D break-even
    (``rxtwin breakeven --param X --db`` stores the kind with one value per technology)."""
    from rxtwin.runs.econ import BREAKEVEN_MAP_TABLE

    if BREAKEVEN_MAP_TABLE not in store.list_summaries(run_id):
        return {}
    table = store.get_summary(run_id, BREAKEVEN_MAP_TABLE)
    x_name, y_name = table.columns[:2]  # the two parameters (rxtwin.runs.econ.breakeven_map_2d)
    best = (table.groupby([x_name, y_name], as_index=False)["npv_usd"].max()
            .rename(columns={"npv_usd": "best_npv_usd"}))
    incumbent = params.baseline or "the incumbent"  # runs stored without a baseline lack it
    breakeven = fig.breakeven_map_figure(
        best, x_name, y_name, "best_npv_usd",
        title=f"Incremental NPV of the best option vs {incumbent} at the hurdle rate [USD] "
              "(green: switching pays; blank: no technology can make the demand)")
    cells = table.drop_duplicates([x_name, y_name])
    winner = fig.winner_map_figure(
        pd.DataFrame({"technology": cells["winner"], x_name: cells[x_name],
                      y_name: cells[y_name], "cell": 0.0}), x_name, y_name, "cell")
    winner.update_traces(colorbar_title_text="winner")
    winner.update_layout(title="Which technology wins where: the highest incremental NPV if "
                               f">= 0, else {incumbent}")
    return {"breakeven": breakeven, "winner": winner}
