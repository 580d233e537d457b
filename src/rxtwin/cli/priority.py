"""``rxtwin prioritize`` and ``rxtwin portfolio``: which medicines first, which measures,
for how much (the ``priority.rank`` and ``priority.portfolio`` run kinds).

Thin: load the scenario, check and store the run's parameters, execute the run with a
progress bar (one step per network run), print the ranked products with their dominant
cause and best measure, or the chosen portfolio, its re-simulation and the frontier; print
the run id.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from rxtwin.cli.common import console, load_study_scenario, user_errors
from rxtwin.cli.compute_options import (
    BACKEND_OPTION,
    SCHEDULER_OPTION,
    WORKERS_OPTION,
    compute_setting,
)
from rxtwin.cli.supply_simulate import DB_HELP, _chunk_progress
from rxtwin.store import Store, default_db_url

if TYPE_CHECKING:
    from rxtwin.runs.compute_setting import ComputeSetting

_SCENARIO = typer.Argument(..., help="Scenario file or bundled scenario name.",
                           show_default=False)
# Options both commands take (one definition, the same help).
_MEASURE = typer.Option(None, "--measure", help="Intervention ids to study, comma-separated "
                        "(default: every intervention).")
_YEARS = typer.Option(1000, "--years", min=2, max=100_000,
                      help="Network scenario-years per run.")
_CHUNK_SIZE = typer.Option(100, "--chunk-size", min=1, max=100_000,
                           help="Scenario-years per chunk (intervals over chunks).")
_DRAWS = typer.Option(200, "--draws", min=2, max=100_000,
                      help="Draws of the shortage-day cost per priced pair.")
_SEED = typer.Option(None, "--seed", min=0, help="Seed of every run (default: fresh entropy, "
                     "printed and stored with the run).")
_DB = typer.Option(None, "--db", help=DB_HELP)


def _money(usd: float) -> str:
    if usd is None or not math.isfinite(usd):
        return "-"
    return f"{usd / 1e6:,.2f} M"


def print_ranking(ranking, top: int, title: str) -> None:
    """The ``top`` ranked products: score and sub-scores, simulated shortage-days, the
    dominant cause, the best measure that addresses it with its effect, firm NPV, social
    NPV and public cost."""
    table = Table(title=title, title_justify="left")
    for label in ("rank", "product", "score", "C", "V", "R", "short d/yr", "dominant cause",
                  "best measure", "avoided d/yr", "firm NPV USD", "social NPV USD",
                  "public cost USD"):
        table.add_column(label, justify="left" if label in ("product", "dominant cause",
                                                            "best measure") else "right")
    for row in ranking.nsmallest(top, "rank").itertuples(index=False):
        measure = row.best_measure if isinstance(row.best_measure, str) else "-"
        if isinstance(row.best_measure, str) and not row.best_measure_addresses_cause:
            measure += " (other cause)"
        table.add_row(str(row.rank), str(row.name), f"{row.score:.3f}",
                      f"{row.criticality:.2f}", f"{row.vulnerability:.2f}", f"{row.risk:.2f}",
                      f"{row.shortage_days_per_yr:,.1f}", str(row.dominant_cause), measure,
                      f"{row.best_shortage_days_avoided_per_yr:,.1f}",
                      _money(row.best_firm_npv_usd), _money(row.best_social_npv_usd),
                      _money(row.best_public_cost_usd))
    console.print(table)


def _raw(years: int, chunk_size: int, draws: int, seed: int | None, measure: str | None,
         combination: str | None = None) -> dict:
    from rxtwin.runs.params import fresh_seed

    return {"measures": None if measure is None else [m for m in measure.split(",") if m],
            "combinations": [c for c in (combination or "").split(",") if c],
            "n_years": years, "chunk_size": chunk_size, "n_draws": draws,
            "seed": fresh_seed() if seed is None else seed}


def _execute(kind_name: str, loaded, raw: dict, db: str | None, tables: tuple[str, ...],
             compute: ComputeSetting):
    from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params

    params = parse_params(kind_name, loaded, raw)  # fails before the store opens
    kind = RUN_KINDS[kind_name]
    with Store.open(db or default_db_url()) as store, _chunk_progress("network runs") as bar:
        run_id = store.create_run(kind_name, store.put_scenario(loaded.document(), loaded.name),
                                  params.model_dump(mode="json"), params.seed,
                                  n_chunks=kind.n_chunks(params))
        execute_run(store, run_id, bar, compute=compute)
        frames = {name: store.get_summary(run_id, name) for name in tables
                  if name in store.list_summaries(run_id)}
    return run_id, params, frames


@user_errors
def prioritize(
    scenario: str = _SCENARIO,
    measure: str = _MEASURE,
    top: int = typer.Option(10, "--top", min=1, help="Products to print."),
    years: int = _YEARS,
    chunk_size: int = _CHUNK_SIZE,
    draws: int = _DRAWS,
    seed: int = _SEED,
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = _DB,
) -> None:
    """Rank the scenario's medicines by criticality x vulnerability x simulated risk; print
    each one's dominant cause of shortage and the best measure that addresses it, with the
    shortage-days it avoids, the firm's NPV, the social NPV and the public cost; store the
    run (every table in `rxtwin report RUN`).

    Example: rxtwin prioritize sterile_injectable --years 1000 --seed 1 --top 8
    """
    from rxtwin.runs.priority import RANK_RUN_KIND, RANKING_TABLE

    compute = compute_setting(backend, workers, scheduler)
    loaded = load_study_scenario(scenario, db)
    run_id, params, frames = _execute(RANK_RUN_KIND, loaded,
                                      _raw(years, chunk_size, draws, seed, measure), db,
                                      (RANKING_TABLE,), compute)
    print_ranking(frames[RANKING_TABLE], top,
                  f"{scenario}: the first {top} medicines ({years} scenario-years, seed "
                  f"{params.seed}); C, V, R = criticality, vulnerability, risk; hover the "
                  "report's figure for each row's explanation")
    console.print(f"run: {run_id}", highlight=False)


def print_portfolio(choice, check, frontier, objective: str, budget_usd: float,
                    max_rows: int = 20) -> None:
    """The chosen measures (by product, or counted by measure when more than ``max_rows``
    products are chosen), the re-simulated total beside the additive estimate, and the
    frontier; the benefit is criticality-weighted shortage-days avoided a year (objective
    harm) or the social NPV [USD]."""
    unit = ("weighted d/yr avoided" if objective == "harm" else "social NPV USD")
    title = (f"Portfolio under a public budget of {budget_usd / 1e6:,.1f} M USD (objective: "
             f"{objective}): {len(choice)} measures, {_money(choice['public_cost_usd'].sum())}"
             " USD")
    table = Table(title=title, title_justify="left")
    if len(choice) <= max_rows:
        for label in ("product", "measure", "public cost USD", unit):
            table.add_column(label, justify="left" if label in ("product", "measure")
                             else "right")
        for row in choice.itertuples(index=False):
            table.add_row(str(row.product_id), str(row.option_id),
                          _money(row.public_cost_usd), f"{row.benefit:,.3g}")
    else:
        for label in ("measure", "products", "public cost USD", unit):
            table.add_column(label, justify="left" if label == "measure" else "right")
        grouped = choice.groupby("option_id").agg(
            products=("product_id", "size"), cost=("public_cost_usd", "sum"),
            benefit=("benefit", "sum")).sort_values("benefit", ascending=False)
        for measure, row in grouped.iterrows():
            table.add_row(str(measure), str(int(row["products"])), _money(row["cost"]),
                          f"{row['benefit']:,.3g}")
    console.print(table)
    if check is not None:
        additive = check["additive_shortage_days_avoided_per_yr"].sum()
        simulated = check["simulated_shortage_days_avoided_per_yr"].sum()
        console.print(f"Shortage-days avoided a year by the portfolio (not weighted): "
                      f"{additive:,.1f} added up from the separate runs, {simulated:,.1f} "
                      "when simulated as a whole (same seed).", highlight=False)
    frontier_table = Table(title="Efficient frontier: the best portfolio at each public "
                                 "budget", title_justify="left")
    for label in ("budget USD", unit, "spent USD", "measures"):
        frontier_table.add_column(label, justify="right")
    for row in frontier.itertuples(index=False):
        frontier_table.add_row(_money(row.budget_usd), f"{row.benefit:,.3g}",
                               _money(row.cost_usd), str(row.n_chosen))
    console.print(frontier_table)


@user_errors
def portfolio(
    scenario: str = _SCENARIO,
    budget_usd: float = typer.Option(50e6, "--budget-usd", min=0.0, help="Public budget "
                                     "[USD]."),
    objective: str = typer.Option("harm", "--objective", help="harm: criticality-weighted "
                                  "shortage-days avoided; social-npv: social NPV."),
    per_product: int = typer.Option(1, "--per-product", min=1, max=20,
                                    help="Measures per product at most."),
    budgets: int = typer.Option(20, "--budgets", min=2, max=200,
                                help="Budgets on the frontier."),
    measure: str = _MEASURE,
    combination: str = typer.Option(None, "--combination", help="Measures simulated "
                                    "together as one option, ids joined by '+', several "
                                    "comma-separated (e.g. 'buffer-stock-90d+rapid-sterility"
                                    "-test')."),
    years: int = _YEARS,
    chunk_size: int = _CHUNK_SIZE,
    draws: int = _DRAWS,
    seed: int = _SEED,
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = _DB,
) -> None:
    """Choose measures for medicines under a public budget (a MILP on HiGHS), maximising
    criticality-weighted shortage-days avoided or social NPV; re-simulate the chosen
    portfolio as a whole beside the additive estimate; print the frontier of budget against
    benefit; store the run.

    Example: rxtwin portfolio sterile_injectable --budget-usd 3e5 --per-product 2 --combination
    buffer-stock-90d+rapid-sterility-test --seed 1
    """
    from rxtwin.runs.priority import (
        CHECK_TABLE,
        CHOICE_TABLE,
        FRONTIER_TABLE,
        PORTFOLIO_RUN_KIND,
    )

    compute = compute_setting(backend, workers, scheduler)
    loaded = load_study_scenario(scenario, db)
    raw = {**_raw(years, chunk_size, draws, seed, measure, combination),
           "budget_usd": budget_usd,
           "objective": objective, "max_options_per_product": per_product,
           "n_budgets": budgets}
    run_id, params, frames = _execute(PORTFOLIO_RUN_KIND, loaded, raw, db,
                                      (CHOICE_TABLE, FRONTIER_TABLE, CHECK_TABLE), compute)
    print_portfolio(frames[CHOICE_TABLE], frames.get(CHECK_TABLE), frames[FRONTIER_TABLE],
                    objective, budget_usd)
    console.print(f"run: {run_id}", highlight=False)
