"""``rxtwin econ|breakeven|sensitivity``: technology appraisal, break-even, sensitivity.

Thin: parse, call one function of :mod:`rxtwin.runs.econ` (or, with ``--greenfield``,
:mod:`rxtwin.runs.greenfield`) per command (it simulates, appraises and stores the run --
kinds ``econ.appraise``, ``econ.greenfield``, ``econ.breakeven``, ``econ.sensitivity`` --
with its table), show a rich table.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from rxtwin.cli.common import console, load_study_scenario, progress_bar, user_errors
from rxtwin.cli.compute_options import (
    BACKEND_OPTION,
    SCHEDULER_OPTION,
    WORKERS_OPTION,
    compute_setting,
)
from rxtwin.errors import UserInputError
from rxtwin.store import Store, default_db_url

if TYPE_CHECKING:
    from rxtwin.runs.compute_setting import ComputeSetting

app = typer.Typer(help="Investment appraisal of line technologies: NPV, break-even, "
                  "sensitivity.", no_args_is_help=True, rich_markup_mode=None)

SCENARIO = typer.Argument(..., help="Scenario file or bundled scenario name.",
                          show_default=False)
DB = typer.Option(None, "--db", help="Run store (path or URL; default RXTWIN_DB or "
                  "./rxtwin.sqlite).")
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
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = DB,
    subsidy: str = typer.Option("", "--subsidy", help="grant=SHARE and/or itc=SHARE of "
                                "capex, e.g. grant=0.3."),
    greenfield: bool = typer.Option(False, "--greenfield", help="Appraise a new line: every "
                                    "technology pays its capex; compare with --baseline "
                                    "(default batch)."),
    new_product: bool = typer.Option(False, "--new-product", help="With --greenfield: the "
                                     "product is new too (it sells once developed and the "
                                     "line installed)."),
    horizon: int = typer.Option(None, "--horizon", min=1, max=50, help="With --greenfield: "
                                "last year appraised [yr] (default: the scenario's)."),
) -> None:
    """Rank technologies against the incumbent: NPV at the firm's hurdle, IRR, payback.

    With --greenfield the line is new: each technology builds it and pays its own capex,
    training and filings (the scenario's new_lines, else the technology's own figures);
    each arm is appraised alone and against the reference arm (--baseline, default batch).

    Example: rxtwin econ generic_oral_solid --tech advanced_batch,continuous --reps 400

    Example: rxtwin econ high_volume_single_product --greenfield --reps 400 --seed 20230601
    """
    from rxtwin.runs.econ import (
        candidate_technologies,
        line_and_baseline,
        run_appraisal_table,
    )

    compute = compute_setting(backend, workers, scheduler)
    if greenfield:
        if subsidy:
            raise UserInputError(f"--subsidy {subsidy!r}: not available with --greenfield")
        _greenfield(scenario, tech, baseline, line, reps, seed, db, new_product, horizon,
                    compute)
        return
    if new_product or horizon is not None:
        raise UserInputError("--new-product and --horizon need --greenfield (the retrofit "
                             "appraisal uses the scenario's horizon)")
    subsidies = _parse_subsidy(subsidy)
    loaded = load_study_scenario(scenario, db)
    line_id, baseline = line_and_baseline(loaded, line, baseline)
    techs = candidate_technologies(loaded, _tech_list(tech), baseline)
    with Store.open(db or default_db_url()) as store, progress_bar() as bar:
        def progress_for(tid):
            task = bar.add_task(tid, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        result = run_appraisal_table(
            store, loaded, line_id=line_id, baseline_tech_id=baseline, technology_ids=techs,
            n_replications=reps, entropy=seed, subsidies=subsidies,
            compute=compute, progress=progress_for)
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


def _greenfield(scenario: str, tech: str | None, baseline: str | None, line: str | None,
                reps: int, seed: int | None, db: str | None, new_product: bool,
                horizon: int | None, compute: ComputeSetting) -> None:
    """``rxtwin econ --greenfield``: run :func:`rxtwin.runs.greenfield.run_greenfield_table`
    (its arms where ``compute`` says) and print its table."""
    from rxtwin.runs.greenfield import GreenfieldParams, run_greenfield_table

    loaded = load_study_scenario(scenario, db)
    params = GreenfieldParams(
        line_id=line, technologies=_tech_list(tech), reference=baseline or "batch",
        case="new_product" if new_product else "new_line", horizon_yr=horizon,
        n_replications=reps, **({} if seed is None else {"seed": seed}))
    with Store.open(db or default_db_url()) as store, progress_bar() as bar:
        task = bar.add_task("arms", total=None)
        result = run_greenfield_table(
            store, loaded, params,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            compute=compute)
    p = result.params
    table = Table(title=f"{loaded.name}, {p.line_id}: a new line ({p.case.value}), every arm "
                  f"paying its capex, against {p.reference} (hurdle "
                  f"{loaded.firm.hurdle_rate:.0%}, payback limit "
                  f"{loaded.firm.payback_limit_yr:g} yr, {p.horizon_yr} yr)",
                  title_justify="left")
    for column in ("arm", "capex [USD]", "first sale [yr]", "op. profit [USD/yr]",
                   "NPV [USD]", "IRR", "payback [yr]", "accept", f"NPV vs {p.reference}"):
        table.add_column(column, justify="left" if column == "arm" else "right")
    for _, row in result.table.iterrows():
        table.add_row(row["technology"], f"{row['capex_usd']:,.0f}",
                      f"{int(row['first_operating_yr'])}",
                      f"{row['operating_profit_usd_per_yr']:,.0f}", f"{row['npv_usd']:,.0f}",
                      "n/a" if math.isnan(row["irr"]) else f"{row['irr']:.1%}",
                      "never" if math.isnan(row["payback_yr"]) else f"{row['payback_yr']:.2f}",
                      "yes" if row["accept"] else "no",
                      "reference" if row["technology"] == p.reference
                      else f"{row['incremental_npv_usd']:,.0f}")
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
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
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

    compute = compute_setting(backend, workers, scheduler)
    loaded = load_study_scenario(scenario, db)
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
            entropy=seed, points=points, compute=compute)
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
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = DB,
    seed: int = typer.Option(0, "--seed", min=0, help="Root seed (sampling and simulation)."),
    greenfield: bool = typer.Option(False, "--greenfield", help="The NPV of building a new "
                                    "line with TECH instead of --baseline (default batch), "
                                    "every arm paying its capex."),
    new_product: bool = typer.Option(False, "--new-product", help="With --greenfield: the "
                                     "product is new too."),
) -> None:
    """Sensitivity of the NPV of switching to TECH to the scenario's uncertain parameters.

    With --greenfield, of the NPV of building the line anew with TECH instead of the
    reference (--baseline, default batch).

    Example: rxtwin sensitivity generic_oral_solid --tech continuous --method morris --n 8

    Example: rxtwin sensitivity high_volume_single_product --greenfield --tech continuous
    --reps 400 --seed 20230601
    """
    from rxtwin.runs.econ import (
        SENSITIVITY_METHODS,
        candidate_technologies,
        line_and_baseline,
        run_sensitivity_table,
    )
    from rxtwin.runs.greenfield import run_greenfield_sensitivity_table

    if method not in SENSITIVITY_METHODS:
        raise UserInputError(f"--method {method!r}: must be sobol, morris or tornado")
    if new_product and not greenfield:
        raise UserInputError("--new-product needs --greenfield")
    compute = compute_setting(backend, workers, scheduler)
    loaded = load_study_scenario(scenario, db)
    if greenfield:
        baseline = baseline or "batch"
    line_id, baseline = line_and_baseline(loaded, line, baseline)
    candidate_technologies(loaded, _tech_list(tech), baseline)
    with Store.open(db or default_db_url()) as store, \
            console.status(f"{method}: simulating and appraising ..."):
        if greenfield:
            result = run_greenfield_sensitivity_table(
                store, loaded, method=method, option_tech_id=tech,
                reference_tech_id=baseline, line_id=line_id,
                case="new_product" if new_product else "new_line", n=n,
                n_replications=reps, seed=seed, compute=compute)
        else:
            result = run_sensitivity_table(
                store, loaded, method=method, option_tech_id=tech, baseline_tech_id=baseline,
                line_id=line_id, n=n, n_replications=reps, seed=seed, compute=compute)
    frame = result.table
    what = "building a new line with" if greenfield else "switching to"
    table = Table(title=f"{method} sensitivity of the NPV of {what} {tech} vs {baseline} "
                  "[USD]", title_justify="left")
    for column in frame.columns:
        table.add_column(str(column))
    for _, row in frame.iterrows():
        table.add_row(*[f"{v:,.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)
    console.print(f"run: {result.run_id}", highlight=False)
