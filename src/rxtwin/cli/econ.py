"""``rxtwin econ|breakeven|sensitivity``: technology appraisal, break-even, sensitivity.

Thin: parse, call one function of :mod:`rxtwin.appraisal`, show a rich table, store the
run (kinds ``econ.appraise``, ``econ.breakeven``, ``econ.sensitivity``) with its table.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rxtwin.cli.common import console, user_errors
from rxtwin.compute.executors import chunk_mapper
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.store import Store, default_db_url

app = typer.Typer(help="Investment appraisal of line technologies: NPV, break-even, "
                  "sensitivity.", no_args_is_help=True, rich_markup_mode=None)

APPRAISE_KIND = "econ.appraise"
BREAKEVEN_KIND = "econ.breakeven"
SENSITIVITY_KIND = "econ.sensitivity"

SCENARIO = typer.Argument(..., help="Scenario file or bundled scenario name.",
                          show_default=False)
DB = typer.Option(None, "--db", help="Run store (path or URL; default RXTWIN_DB or "
                  "./rxtwin.sqlite).")
WORKERS = typer.Option(None, "--workers", min=1, help="Local worker processes.")
LINE = typer.Option(None, "--line", help="Line id (default: the scenario's first line).")
BASELINE = typer.Option(None, "--baseline", help="Incumbent technology (default: the "
                        "line's own technology).")


def _line_and_baseline(loaded, line: str | None, baseline: str | None) -> tuple[str, str]:
    """The line to study and its incumbent technology, checked against the scenario."""
    if not loaded.lines:
        raise UserInputError(f"scenario '{loaded.name}' has no lines")
    chosen = loaded.line(line) if line is not None else loaded.lines[0]
    incumbent = baseline or chosen.technology_id
    loaded.technology(incumbent)
    return chosen.id, incumbent

def _progress_bar() -> Progress:
    return Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _backend(workers: int | None) -> str:
    return "processes" if workers and workers > 1 else "serial"


def _parse_subsidy(subsidy: str) -> dict[str, float]:
    """``grant=0.3`` or ``itc=0.25`` (or both, comma-separated) -> keyword arguments."""
    names = {"grant": "capex_grant_fraction", "itc": "itc_fraction"}
    out: dict[str, float] = {}
    for part in [p.strip() for p in subsidy.split(",") if p.strip()]:
        key, _, value = part.partition("=")
        if key not in names or not value:
            raise UserInputError(f"--subsidy {part!r}: give grant=SHARE or itc=SHARE "
                                 "(e.g. grant=0.3), comma-separated")
        try:
            share = float(value)
        except ValueError:
            raise UserInputError(f"--subsidy {part!r}: share {value!r} is not a number") from None
        if not 0.0 <= share <= 1.0:
            raise UserInputError(f"--subsidy {part!r}: share {share} must be within [0, 1]")
        out[names[key]] = share
    return out


def _store_run(db: str | None, scenario, kind: str, params: dict, entropy: int | None,
               name: str, frame: pd.DataFrame, wall_s: float) -> str:
    from rxtwin.econ_runs import record_econ_table_run

    with Store.open(db or default_db_url()) as store:
        return record_econ_table_run(store, scenario, kind, params, entropy, name, frame,
                                     wall_s)


def _fmt_years(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:.2f}"


def _techs(scenario, tech: str | None, baseline: str) -> list[str]:
    techs = [t for t in tech.split(",") if t] if tech else [
        t.id for t in scenario.technologies if t.id != baseline]
    for tid in (baseline, *techs):
        scenario.technology(tid)
    return techs


@app.command("econ")
@user_errors
def econ(
    scenario: str = SCENARIO,
    tech: str = typer.Option(None, "--tech", help="Candidate technology ids, comma-separated "
                             "(default: every technology but the baseline)."),
    baseline: str = BASELINE,
    line: str = LINE,
    reps: int = typer.Option(400, "--reps", min=1, max=10_000_000,
                             help="Replication-years per technology."),
    seed: int = typer.Option(None, "--seed", min=0, help="Root seed (default: fresh "
                             "entropy, stored with the run)."),
    workers: int = WORKERS,
    db: str = DB,
    subsidy: str = typer.Option("", "--subsidy", help="grant=SHARE and/or itc=SHARE of "
                                "capex, e.g. grant=0.3."),
) -> None:
    """Rank technologies against the incumbent: NPV at the firm's hurdle, IRR, payback.

    Example: rxtwin econ generic_oral_solid --tech advanced_batch,continuous --reps 400
    """
    from rxtwin.appraisal import appraisal_table, appraise_technology
    from rxtwin.line.from_scenario import line_inputs_from_scenario
    from rxtwin.line.performance import line_performance_from_results
    from rxtwin.runs.line import run_line_simulation

    subsidies = _parse_subsidy(subsidy)
    loaded = load_scenario(scenario)
    line_id, baseline = _line_and_baseline(loaded, line, baseline)
    techs = _techs(loaded, tech, baseline)
    start = time.perf_counter()
    with Store.open(db or default_db_url()) as store, _progress_bar() as bar:
        def progress_for(tid):
            task = bar.add_task(tid, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        runs = run_line_simulation(store, loaded, line_id=line_id,
                                   technology_ids=[baseline, *techs], n_replications=reps,
                                   entropy=seed, backend=_backend(workers), workers=workers,
                                   progress=progress_for)
    entropy = runs[0].results.seed_entropy
    carrying = loaded.firm.inventory_carrying_rate_per_yr
    performances = {
        run.technology_id: line_performance_from_results(
            run.results, line_inputs_from_scenario(loaded, line_id,
                                                   technology_id=run.technology_id), carrying)
        for run in runs}
    appraisals = [appraise_technology(loaded, line_id, tid, baseline, performances=performances,
                                      **subsidies) for tid in techs]
    frame = appraisal_table(appraisals)
    table = Table(title=f"{loaded.name}, {line_id}: switching from {baseline} "
                  f"(hurdle {loaded.firm.hurdle_rate:.0%}, payback limit "
                  f"{loaded.firm.payback_limit_yr:g} yr)", title_justify="left")
    for column in ("technology", "NPV [USD]", "IRR", "payback [yr]", "disc. payback [yr]",
                   "PI", "meets hurdle", "meets payback"):
        table.add_column(column, justify="left" if column == "technology" else "right")
    for _, row in frame.iterrows():
        table.add_row(row["technology"], f"{row['npv_usd']:,.0f}",
                      "n/a" if math.isnan(row["irr"]) else f"{row['irr']:.1%}",
                      _fmt_years(row["payback_yr"]), _fmt_years(row["discounted_payback_yr"]),
                      f"{row['profitability_index']:.2f}",
                      "yes" if row["meets_hurdle"] else "no",
                      "yes" if row["meets_payback"] else "no")
    console.print(table)
    run_id = _store_run(db, loaded, APPRAISE_KIND,
                        {"line_id": line_id, "baseline": baseline, "technologies": techs,
                         "n_replications": reps, **subsidies,
                         "line_runs": [r.run_id for r in runs]},
                        entropy, "appraisal", frame, time.perf_counter() - start)
    console.print(f"run: {run_id}", highlight=False)


@app.command("breakeven")
@user_errors
def breakeven(
    scenario: str = SCENARIO,
    param: str = typer.Option("products_per_line", "--param", help="products_per_line, "
                              "volume_scale, price_scale, capex_grant, itc or capex_scale."),
    param2: str = typer.Option(None, "--param2", help="Second parameter: draw a 2-D map."),
    tech: str = typer.Option(None, "--tech", help="Candidate technology ids, comma-separated "
                             "(default: every technology but the baseline)."),
    baseline: str = BASELINE,
    line: str = LINE,
    reps: int = typer.Option(200, "--reps", min=1, max=1_000_000,
                             help="Replication-years per technology and point."),
    workers: int = WORKERS,
    db: str = DB,
    points: int = typer.Option(8, "--points", min=2, max=200, help="Grid points per axis "
                               "of a map."),
    seed: int = typer.Option(0, "--seed", min=0, help="Root seed of every simulation."),
) -> None:
    """Break-even of switching from the incumbent: one parameter, or a map over two.

    Example: rxtwin breakeven generic_oral_solid --param products_per_line
    --param2 volume_scale --tech advanced_batch,continuous --reps 200 --workers 2
    """
    from rxtwin.appraisal import BreakevenParam, breakeven_1d, breakeven_map_2d
    from rxtwin.econ.breakeven import BreakevenBracketError
    from rxtwin.econ_runs import BREAKEVEN_MAP_TABLE, BREAKEVEN_TABLE, default_grid

    loaded = load_scenario(scenario)
    line_id, baseline = _line_and_baseline(loaded, line, baseline)
    techs = _techs(loaded, tech, baseline)
    known = [p.value for p in BreakevenParam]
    for flag, value in (("--param", param), ("--param2", param2)):
        if value is not None and value not in known:
            raise UserInputError(f"{flag} {value!r}: must be one of {', '.join(known)}")
    start = time.perf_counter()
    if param2 is None:
        rows = []
        with console.status("solving break-even ..."):
            for tid in techs:
                try:
                    value = breakeven_1d(loaded, param, line_id=line_id, option_tech_id=tid,
                                         baseline_tech_id=baseline,
                                         n_replications=reps, entropy=seed,
                                         map_chunks=chunk_mapper(_backend(workers), workers))
                    note = ""
                except BreakevenBracketError as error:
                    value, note = math.nan, str(error)
                rows.append({"technology": tid, "param": param, "breakeven": value,
                             "note": note})
        frame = pd.DataFrame(rows, columns=["technology", "param", "breakeven", "note"])
        table = Table(title=f"Break-even {param} vs {baseline} (incremental NPV = 0 at the "
                      "hurdle)",
                      title_justify="left")
        for column in ("technology", param, "note"):
            table.add_column(column)
        for _, row in frame.iterrows():
            table.add_row(row["technology"],
                          "none in range" if math.isnan(row["breakeven"])
                          else f"{row['breakeven']:.4g}", row["note"][:100])
        console.print(table)
        name = BREAKEVEN_TABLE
    else:
        xs = default_grid(param, loaded, line_id, points)
        ys = default_grid(param2, loaded, line_id, points)
        with _progress_bar() as bar:
            task = bar.add_task("map points", total=len(xs) * len(ys))
            frame = breakeven_map_2d(
                loaded, param, xs, param2, ys, line_id=line_id, technology_ids=techs,
                baseline_tech_id=baseline,
                n_replications=reps, entropy=seed,
                map_chunks=chunk_mapper(_backend(workers), workers), progress=lambda done, total: bar.update(task, completed=done))
        cells = frame.drop_duplicates([param, param2]).pivot(index=param, columns=param2,
                                                               values="winner")
        table = Table(title=f"Winning technology ({param} rows, {param2} columns)",
                      title_justify="left")
        table.add_column(param)
        for y in cells.columns:
            table.add_column(f"{y:.3g}")
        for x, row in cells.iterrows():
            table.add_row(f"{x:.3g}", *[str(v) for v in row])
        console.print(table)
        name = BREAKEVEN_MAP_TABLE
    run_id = _store_run(db, loaded, BREAKEVEN_KIND,
                        {"line_id": line_id, "baseline": baseline, "param": param,
                         "param2": param2, "technologies": techs, "n_replications": reps,
                         "points": points},
                        seed, name, frame, time.perf_counter() - start)
    console.print(f"run: {run_id}", highlight=False)


@app.command("sensitivity")
@user_errors
def sensitivity(
    scenario: str = SCENARIO,
    tech: str = typer.Option("continuous", "--tech", help="Candidate technology."),
    baseline: str = BASELINE,
    line: str = LINE,
    method: str = typer.Option("tornado", "--method", help="sobol, morris or tornado."),
    n: int = typer.Option(16, "--n", min=1, help="Sobol base samples (a power of two) or "
                          "Morris trajectories; unused by tornado."),
    reps: int = typer.Option(200, "--reps", min=1, max=1_000_000,
                             help="Replication-years per line simulation."),
    workers: int = WORKERS,
    db: str = DB,
    seed: int = typer.Option(0, "--seed", min=0, help="Root seed (sampling and simulation)."),
) -> None:
    """Sensitivity of the NPV of switching to TECH to the scenario's uncertain parameters.

    Example: rxtwin sensitivity generic_oral_solid --tech continuous --method morris --n 8
    """
    from rxtwin.appraisal import npv_sensitivity

    if method not in ("sobol", "morris", "tornado"):
        raise UserInputError(f"--method {method!r}: must be sobol, morris or tornado")
    loaded = load_scenario(scenario)
    line_id, baseline = _line_and_baseline(loaded, line, baseline)
    _techs(loaded, tech, baseline)
    start = time.perf_counter()
    with console.status(f"{method}: simulating and appraising ..."):
        frame = npv_sensitivity(loaded, method, line_id=line_id, option_tech_id=tech,
                                baseline_tech_id=baseline, n=n,
                                rng=np.random.default_rng(seed), n_replications=reps,
                                entropy=seed, map_chunks=chunk_mapper(_backend(workers), workers))
    table = Table(title=f"{method} sensitivity of the NPV of {tech} vs {baseline} [USD]",
                  title_justify="left")
    for column in frame.columns:
        table.add_column(str(column))
    for _, row in frame.iterrows():
        table.add_row(*[f"{v:,.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)
    run_id = _store_run(db, loaded, SENSITIVITY_KIND,
                        {"technology": tech, "baseline": baseline, "line_id": line_id,
                         "method": method, "n": n, "n_replications": reps},
                        seed, "sensitivity", frame, time.perf_counter() - start)
    console.print(f"run: {run_id}", highlight=False)
