"""``rxtwin supply compare``: technologies and interventions compared on one seed, line
and network together (the ``resilience.compare`` run kind).

Thin: load the scenario, check and store the run's parameters, execute the run with a
progress bar (one step per option), print each option's outcomes and the shortage-days it
avoids by cause category, and the run id.
"""

from __future__ import annotations

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


def _plus_minus(value: float, half_width: float) -> str:
    return f"{value:,.1f} ± {half_width:,.1f}"


def print_resilience(options, by_category) -> None:
    """Per scenario, each option's line and network outcomes and the shortage-days it
    avoids against the incumbent, in total and by cause category, with 95 % intervals
    (frames with a ``scenario`` column, as the demo writes them)."""
    for scenario, rows in options.groupby("scenario", sort=False):
        table = Table(
            title=f"{scenario}: each technology on the line and each intervention on the "
                  "incumbent, from one seed; shortage-days per year summed over products, "
                  "avoided against the incumbent ± 95 % (paired)",
            title_justify="left")
        groups = by_category[by_category["scenario"] == scenario]
        categories = list(dict.fromkeys(groups["category"]))
        for label in ("option", "OEE", "rejected lots/yr", "short d/yr", "avoided d/yr",
                      *[f"avoided: {c.replace('_', ' ')}" for c in categories]):
            table.add_column(label, justify="left" if label == "option" else "right")
        for row in rows.itertuples(index=False):
            cells = [row.option, f"{row.oee:.3f}", f"{row.rejected_lots_per_yr:.1f}",
                     f"{row.shortage_days_per_yr:,.1f}",
                     _plus_minus(row.shortage_days_avoided_per_yr,
                                 row.shortage_days_avoided_per_yr_ci95)]
            mine = groups[groups["option"] == row.option].set_index("category")
            for category in categories:
                cells.append("-" if category not in mine.index else _plus_minus(
                    mine.loc[category, "shortage_days_avoided_per_yr"],
                    mine.loc[category, "shortage_days_avoided_per_yr_ci95"]))
            table.add_row(*cells)
        console.print(table)


# Options shared with `rxtwin appraise`, which compares the same options and prices them.
SCENARIO_ARGUMENT = typer.Argument(..., help="Scenario file or bundled scenario name.",
                                   show_default=False)
LINE_OPTION = typer.Option(None, "--line", help="Line id (default: the first line).")
TECHNOLOGY_OPTION = typer.Option(None, "--technology", help="Technology ids to run on the "
                                 "line, comma-separated (default: every other technology; "
                                 "'' for none).")
INTERVENTION_OPTION = typer.Option(None, "--intervention", help="Intervention ids, each "
                                   "applied alone to the incumbent, comma-separated "
                                   "(default: every intervention; '' for none).")
YEARS_OPTION = typer.Option(2000, "--years", min=2, max=100_000,
                            help="Network scenario-years per option.")
REPS_OPTION = typer.Option(100, "--reps", min=2, max=10_000,
                           help="Line replication-years per option.")
SEED_OPTION = typer.Option(None, "--seed", min=0, help="Seed of every option (default: "
                           "fresh entropy, printed and stored with the run).")


@user_errors
def compare(
    scenario: str = SCENARIO_ARGUMENT,
    line: str = LINE_OPTION,
    technology: str = TECHNOLOGY_OPTION,
    intervention: str = INTERVENTION_OPTION,
    years: int = YEARS_OPTION,
    chunk_size: int = typer.Option(100, "--chunk-size", min=1, max=100_000,
                                   help="Scenario-years per chunk (the paired intervals "
                                   "are taken over chunks)."),
    reps: int = REPS_OPTION,
    seed: int = SEED_OPTION,
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Compare technologies and interventions on one seed, line and network together;
    store the run; print each option's OEE, rejected lots and shortage-days, and the
    shortage-days it avoids against the incumbent by cause category with 95 % intervals.

    Example: rxtwin supply compare sterile_injectable --years 2000 --reps 100 --seed 1
    --workers 2
    """
    from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params
    from rxtwin.runs.params import fresh_seed
    from rxtwin.runs.resilience import (
        RESILIENCE_CATEGORIES_TABLE,
        RESILIENCE_CAUSES_TABLE,
        RESILIENCE_OPTIONS_TABLE,
        RESILIENCE_RUN_KIND,
    )

    def ids(text: str | None) -> list[str] | None:
        return None if text is None else [i for i in text.split(",") if i]

    compute = compute_setting(backend, workers, scheduler)
    loaded = load_study_scenario(scenario, db)
    raw = {"line_id": line, "technologies": ids(technology),
           "interventions": ids(intervention), "n_years": years, "chunk_size": chunk_size,
           "line_replications": reps, "seed": fresh_seed() if seed is None else seed}
    params = parse_params(RESILIENCE_RUN_KIND, loaded, raw)  # fails before the store opens
    kind = RUN_KINDS[RESILIENCE_RUN_KIND]
    with Store.open(db or default_db_url()) as store, _chunk_progress("options") as progress:
        run_id = store.create_run(RESILIENCE_RUN_KIND,
                                  store.put_scenario(loaded.document(), loaded.name),
                                  params.model_dump(mode="json"), params.seed,
                                  n_chunks=kind.n_chunks(params))
        execute_run(store, run_id, progress, compute=compute)
        tables = [store.get_summary(run_id, name) for name in (
            RESILIENCE_OPTIONS_TABLE, RESILIENCE_CATEGORIES_TABLE, RESILIENCE_CAUSES_TABLE)]
    for frame in tables:
        frame.insert(0, "scenario", f"{scenario} ({years} scenario-years, seed {params.seed})")
    print_resilience(tables[0], tables[1])
    console.print(f"By cause (root failure mode): the run's '{RESILIENCE_CAUSES_TABLE}' "
                  f"table, in `rxtwin report {run_id}`.", highlight=False)
    console.print(f"run: {run_id}", highlight=False)
