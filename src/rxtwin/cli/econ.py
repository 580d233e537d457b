"""``rxtwin econ|breakeven|sensitivity``: technology appraisal, break-even, sensitivity.

Thin: parse, call one function of :mod:`rxtwin.runs.econ` per command (it simulates,
appraises and stores the run -- kinds ``econ.appraise``, ``econ.breakeven``,
``econ.sensitivity`` -- with its table), show a rich table.
"""

from __future__ import annotations

import functools
import math

import typer
from rich.table import Table

from rxtwin.cli.common import console, progress_bar, user_errors
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.runs import backend_for
from rxtwin.store import Store, default_db_url

app = typer.Typer(help="Investment appraisal of line technologies: NPV, break-even, "
                  "sensitivity.", no_args_is_help=True, rich_markup_mode=None)

SCENARIO = typer.Argument(..., help="Scenario file or bundled scenario name.",
                          show_default=False)
DB = typer.Option(None, "--db", help="Run store (path or URL; default RXTWIN_DB or "
                  "./rxtwin.sqlite).")
WORKERS = typer.Option(None, "--workers", min=1, help="Local workers (threads with more "
                       "than one: the compiled engine releases the GIL).")
LINE = typer.Option(None, "--line", help="Line id (default: the scenario's first line).")
BASELINE = typer.Option(None, "--baseline", help="Incumbent technology (default: the "
                        "line's own technology).")


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


def _fmt_years(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:.2f}"


def _tech_list(tech: str | None) -> list[str]:
    return [t for t in tech.split(",") if t] if tech else []


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
    from rxtwin.runs.econ import (
        candidate_technologies,
        line_and_baseline,
        run_appraisal_table,
    )

    subsidies = _parse_subsidy(subsidy)
    loaded = load_scenario(scenario)
    line_id, baseline = line_and_baseline(loaded, line, baseline)
    techs = candidate_technologies(loaded, _tech_list(tech), baseline)
    with Store.open(db or default_db_url()) as store, progress_bar() as bar:
        def progress_for(tid):
            task = bar.add_task(tid, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        result = run_appraisal_table(
            store, loaded, line_id=line_id, baseline_tech_id=baseline, technology_ids=techs,
            n_replications=reps, entropy=seed, subsidies=subsidies,
            backend=backend_for(workers), workers=workers, progress=progress_for)
    table = Table(title=f"{loaded.name}, {line_id}: switching from {baseline} "
                  f"(hurdle {loaded.firm.hurdle_rate:.0%}, payback limit "
                  f"{loaded.firm.payback_limit_yr:g} yr)", title_justify="left")
    for column in ("technology", "NPV [USD]", "IRR", "payback [yr]", "disc. payback [yr]",
                   "PI", "meets hurdle", "meets payback"):
        table.add_column(column, justify="left" if column == "technology" else "right")
    for _, row in result.table.iterrows():
        table.add_row(row["technology"], f"{row['npv_usd']:,.0f}",
                      "n/a" if math.isnan(row["irr"]) else f"{row['irr']:.1%}",
                      _fmt_years(row["payback_yr"]), _fmt_years(row["discounted_payback_yr"]),
                      f"{row['profitability_index']:.2f}",
                      "yes" if row["meets_hurdle"] else "no",
                      "yes" if row["meets_payback"] else "no")
    console.print(table)
    console.print(f"run: {result.run_id}", highlight=False)


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
    from rxtwin.runs.econ import (
        BREAKEVEN_PARAMS,
        candidate_technologies,
        line_and_baseline,
        run_breakeven_table,
    )

    loaded = load_scenario(scenario)
    line_id, baseline = line_and_baseline(loaded, line, baseline)
    techs = candidate_technologies(loaded, _tech_list(tech), baseline)
    for flag, value in (("--param", param), ("--param2", param2)):
        if value is not None and value not in BREAKEVEN_PARAMS:
            raise UserInputError(f"{flag} {value!r}: must be one of "
                                 f"{', '.join(BREAKEVEN_PARAMS)}")
    with Store.open(db or default_db_url()) as store:
        work = functools.partial(
            run_breakeven_table, store, loaded, param=param, param2=param2, line_id=line_id,
            baseline_tech_id=baseline, technology_ids=techs, n_replications=reps,
            entropy=seed, points=points, backend=backend_for(workers), workers=workers)
        if param2 is None:
            with console.status("solving break-even ..."):
                result = work()
        else:
            with progress_bar() as bar:
                task = bar.add_task("map points", total=None)
                result = work(progress=lambda done, total: bar.update(task, completed=done,
                                                                      total=total))
    frame = result.table
    if param2 is None:
        table = Table(title=f"Break-even {param} vs {baseline} (incremental NPV = 0 at the "
                      "hurdle)",
                      title_justify="left")
        for column in ("technology", param, "note"):
            table.add_column(column)
        for _, row in frame.iterrows():
            table.add_row(row["technology"],
                          "none in range" if math.isnan(row["breakeven"])
                          else f"{row['breakeven']:.4g}", row["note"][:100])
    else:
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
    console.print(f"run: {result.run_id}", highlight=False)


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
    from rxtwin.runs.econ import (
        SENSITIVITY_METHODS,
        candidate_technologies,
        line_and_baseline,
        run_sensitivity_table,
    )

    if method not in SENSITIVITY_METHODS:
        raise UserInputError(f"--method {method!r}: must be sobol, morris or tornado")
    loaded = load_scenario(scenario)
    line_id, baseline = line_and_baseline(loaded, line, baseline)
    candidate_technologies(loaded, _tech_list(tech), baseline)
    with Store.open(db or default_db_url()) as store, \
            console.status(f"{method}: simulating and appraising ..."):
        result = run_sensitivity_table(
            store, loaded, method=method, option_tech_id=tech, baseline_tech_id=baseline,
            line_id=line_id, n=n, n_replications=reps, seed=seed,
            backend=backend_for(workers), workers=workers)
    frame = result.table
    table = Table(title=f"{method} sensitivity of the NPV of {tech} vs {baseline} [USD]",
                  title_justify="left")
    for column in frame.columns:
        table.add_column(str(column))
    for _, row in frame.iterrows():
        table.add_row(*[f"{v:,.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)
    console.print(f"run: {result.run_id}", highlight=False)
