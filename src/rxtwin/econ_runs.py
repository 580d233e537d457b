"""Econ runs: the tables ``rxtwin econ|breakeven|sensitivity --db`` store, and the
break-even map of the web's ``econ.breakeven`` run kind, row by row (resumable).

The CLI and the web app call these functions, so a run of either stores the same table
for the same inputs (and the web draws the same figures from it). The engines
(:mod:`rxtwin.appraisal`) stay free of I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from rxtwin.appraisal import BreakevenParam, breakeven_map_2d
from rxtwin.model import Scenario
from rxtwin.store import Store

__all__ = [
    "BREAKEVEN_MAP_TABLE",
    "BREAKEVEN_RUN_KIND",
    "BREAKEVEN_TABLE",
    "MAP_RANGES",
    "default_grid",
    "record_econ_table_run",
    "run_breakeven_map",
    "store_econ_table",
]

BREAKEVEN_RUN_KIND = "econ.breakeven"
BREAKEVEN_TABLE = "breakeven"
"""Table of a 1-D break-even run (``rxtwin breakeven --param X``)."""
BREAKEVEN_MAP_TABLE = "breakeven_map"
"""Table of a break-even map (``rxtwin breakeven --param X --param2 Y``, web
``econ.breakeven``): the frame of :func:`rxtwin.appraisal.breakeven_map_2d`."""

#: Default grid of each break-even parameter for maps: (low, high); products use 1..n.
#: Assumption: wide enough to show a winner change on the bundled scenarios (a quarter to
#: twice today's volume, half to twice the price, no to full subsidy, a quarter to twice
#: the capex); narrow the range with explicit values for a sharper map.
MAP_RANGES = {"volume_scale": (0.25, 2.0), "price_scale": (0.5, 2.0), "capex_grant": (0.0, 1.0),
              "itc": (0.0, 1.0), "capex_scale": (0.25, 2.0)}

Progress = Callable[[int, int], None]
"""progress(done_rows, total_rows) of a break-even map."""


def default_grid(param: BreakevenParam | str, scenario: Scenario, line_id: str,
                 points: int) -> list[float]:
    """``points`` evenly spaced values of a break-even parameter (``rxtwin breakeven
    --points``).

    Parameters
    ----------
    param : BreakevenParam or str
    scenario : Scenario
    line_id : str
        Line whose products ``products_per_line`` counts.
    points : int
        Values wanted [-] (>= 2).

    Returns
    -------
    list of float
        ``products_per_line``: the distinct integers of ``min(points, n)`` values evenly
        spaced over 1..n (n = products of the line; ints); any other parameter: ``points``
        values evenly spaced over its :data:`MAP_RANGES` range.
    """
    param = BreakevenParam(param).value
    if param == "products_per_line":
        n = len(scenario.line(line_id).product_ids)
        return sorted({int(round(v)) for v in np.linspace(1, n, min(points, n))})
    low, high = MAP_RANGES[param]
    return [float(v) for v in np.linspace(low, high, points)]


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Infinite values (payback never reached) as NaN for the JSON store."""
    out = frame.copy()
    for column in out.select_dtypes(include="number").columns:
        out[column] = out[column].replace([np.inf, -np.inf], np.nan)
    return out


def store_econ_table(store: Store, run_id: str, name: str, frame: pd.DataFrame) -> None:
    """Write an econ result table to a run (infinite values as NaN), as the CLI and the web
    app both do."""
    store.put_summary(run_id, name, _storable(frame))


def record_econ_table_run(store: Store, scenario: Scenario, kind: str, params: dict,
                          entropy: int | None, name: str, frame: pd.DataFrame,
                          wall_s: float) -> str:
    """Keep one econ table as a new finished run (what ``--db`` of ``rxtwin econ``,
    ``rxtwin breakeven`` and ``rxtwin sensitivity`` does).

    Parameters
    ----------
    store : Store
    scenario : Scenario
        Stored with the run.
    kind : str
        ``econ.appraise``, :data:`BREAKEVEN_RUN_KIND` or ``econ.sensitivity``.
    params : dict
        The run's parameters, stored as given.
    entropy : int or None
        Root seed of the run.
    name : str
        Table name (``appraisal``, :data:`BREAKEVEN_TABLE`, :data:`BREAKEVEN_MAP_TABLE`,
        ``sensitivity``).
    frame : pandas.DataFrame
    wall_s : float
        Wall time of the work [s].

    Returns
    -------
    str
        The run id. The run has no chunks.
    """
    digest = store.put_scenario(scenario.document(), scenario.name)
    run_id = store.create_run(kind, digest, params, entropy)
    store.start_run(run_id)
    store_econ_table(store, run_id, name, frame)
    store.finish_run(run_id, wall_s)
    return run_id


_MAP_COLUMNS = ("technology", "npv_usd", "winner")


def _row_record(frame: pd.DataFrame, param_y: str) -> dict:
    """One map row (the cells of one x value) as a JSON-safe chunk summary (NaN as null)."""
    return {param_y: [float(v) for v in frame[param_y]],
            "technology": [str(v) for v in frame["technology"]],
            "npv_usd": [None if math.isnan(v) else float(v) for v in frame["npv_usd"]],
            "winner": [str(v) for v in frame["winner"]]}


def _row_frame(record: dict, param_x: str, x: float, param_y: str) -> pd.DataFrame:
    """Inverse of :func:`_row_record`."""
    npv = [math.nan if v is None else float(v) for v in record["npv_usd"]]
    return pd.DataFrame({param_x: [float(x)] * len(npv), param_y: record[param_y],
                         "technology": record["technology"], "npv_usd": npv,
                         "winner": record["winner"]},
                        columns=[param_x, param_y, *_MAP_COLUMNS])


def run_breakeven_map(
    store: Store,
    run_id: str,
    scenario: Scenario,
    param_x: BreakevenParam | str,
    values_x: Sequence[float],
    param_y: BreakevenParam | str,
    values_y: Sequence[float],
    *,
    line_id: str,
    technology_ids: Sequence[str],
    baseline_tech_id: str,
    n_replications: int,
    entropy: int,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Compute a break-even map into a started run, one recorded chunk per x value.

    Chunk ``i`` is row ``values_x[i]`` of the map, computed by
    :func:`rxtwin.appraisal.breakeven_map_2d` over ``[values_x[i]] x values_y`` with the
    same ``entropy`` (the simulations of a point do not depend on the other points), and
    recorded with ``store.record_chunk`` as it finishes; chunks already recorded are
    skipped, so an interrupted run resumes. The rows are then assembled in x order and
    stored as :data:`BREAKEVEN_MAP_TABLE` (the table ``rxtwin breakeven --param X
    --param2 Y --db`` stores for the same inputs). The run's life cycle (start, finish)
    is the caller's.

    Parameters
    ----------
    store : Store
    run_id : str
        A ``running`` run.
    scenario : Scenario
    param_x, param_y : BreakevenParam or str
        Distinct parameters.
    values_x, values_y : sequence of float
        Grid values.
    line_id : str
    technology_ids : sequence of str
        Candidate technologies.
    baseline_tech_id : str
        The incumbent.
    n_replications : int
        Replication-years per technology and grid point.
    entropy : int
        Root seed of every simulation.
    progress : callable, optional
        ``progress(done_rows, total_rows)`` after each row (may raise to stop the run).

    Returns
    -------
    pandas.DataFrame
        The map, equal to ``breakeven_map_2d`` over the whole grid.
    """
    px, py = BreakevenParam(param_x).value, BreakevenParam(param_y).value
    total = len(values_x)
    done = store.done_chunk_indices(run_id)
    for index, x in enumerate(values_x):
        if index in done:
            continue
        row = breakeven_map_2d(scenario, px, [x], py, values_y, line_id=line_id,
                               technology_ids=technology_ids,
                               baseline_tech_id=baseline_tech_id,
                               n_replications=n_replications, entropy=entropy)
        store.record_chunk(run_id, index, _row_record(row, py))
        if progress is not None:
            progress(len(store.done_chunk_indices(run_id)), total)
    records = store.chunk_summaries(run_id)
    frame = pd.concat([_row_frame(records[index], px, x, py)
                       for index, x in enumerate(values_x)], ignore_index=True)
    store_econ_table(store, run_id, BREAKEVEN_MAP_TABLE, frame)
    return frame
