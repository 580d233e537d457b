"""``rxtwin appraise``: every technology and intervention of a line priced for the firm and
for society (the ``econ.options`` run kind).

Thin: load the scenario, check and store the run's parameters, execute the run with a
progress bar (one step per option), print the options table and the run id.
"""

from __future__ import annotations

import math

import typer
from rich.table import Table

from rxtwin.cli.common import console, load_study_scenario, user_errors
from rxtwin.cli.compute_options import (
    BACKEND_OPTION,
    SCHEDULER_OPTION,
    WORKERS_OPTION,
    compute_setting,
)
from rxtwin.cli.supply_compare import (
    INTERVENTION_OPTION,
    LINE_OPTION,
    REPS_OPTION,
    SCENARIO_ARGUMENT,
    SEED_OPTION,
    TECHNOLOGY_OPTION,
    YEARS_OPTION,
)
from rxtwin.cli.supply_simulate import DB_HELP, _chunk_progress
from rxtwin.store import Store, default_db_url


def _musd(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value / 1e6:,.2f}"


def _share(value: float) -> str:
    return "none" if value is None or not math.isfinite(value) else f"{value:.0%}"


def _premium(share: float) -> str:
    """A price premium as a share of the price, in words when it cannot be reached."""
    if share is None or not math.isfinite(share):
        return "none suffices"
    return "-" if share == 0.0 else f"{share:.1%} of price"


def _per_unit(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "none suffices"
    return "-" if value == 0.0 else f"{value:.4g}"


def _level_and_cost(level: str, cost: float) -> str:
    """An instrument's level with its net public cost in MUSD."""
    if cost is None or not math.isfinite(cost):
        return level
    return "-" if cost == 0.0 else f"{level} ({_musd(cost)})"


def print_options(options) -> None:
    """Per scenario, three tables: each option for the firm (cash, NPV at its hurdle, IRR,
    payback, accept); for society (shortage-days avoided, social NPV with its intervals,
    the public cost per shortage-day avoided, the verdict); and what brings the firm to
    its hurdle (capex grant, investment tax credit, purchase commitment, each with its net
    public cost, the buyers' price premium, the cheapest public instrument); a frame with
    a ``scenario`` column, as the demo writes it. A frame without the instrument columns
    (stored before they existed) prints the first two."""
    for scenario, rows in options.groupby("scenario", sort=False):
        widest = max(len(str(o)) for o in rows["option"])
        firm = Table(title=f"{scenario}: for the firm, against the incumbent (MUSD, "
                           "NPV at the firm's hurdle rate)", title_justify="left")
        firm.add_column("option", no_wrap=True, min_width=widest)
        for label in ("kind", "capex", "opex/yr", "profit/yr", "NPV", "IRR", "payback yr",
                      "accept"):
            firm.add_column(label, justify="left" if label == "kind" else "right")
        for row in rows.itertuples(index=False):
            firm.add_row(
                row.option, row.kind, _musd(row.capex_usd), _musd(row.opex_usd_per_yr),
                _musd(row.operating_profit_change_usd_per_yr), _musd(row.firm_npv_usd),
                "n/a" if not math.isfinite(row.irr) else f"{row.irr:.0%}",
                "never" if not math.isfinite(row.payback_yr) else f"{row.payback_yr:.1f}",
                "yes" if row.accept else "no")
        console.print(firm)
        society = Table(
            title=f"{scenario}: for society (MUSD at the social rate; 90 % interval over "
                  "the shortage-day cost, then with the simulation's own uncertainty)",
            title_justify="left")
        society.add_column("option", no_wrap=True, min_width=widest)
        for label in ("short-d/yr avoided", "social NPV", "interval", "with simulation",
                      "USD/short-d", "verdict"):
            society.add_column(label, justify="left" if label == "verdict" else "right")
        for row in rows.itertuples(index=False):
            per_day = row.public_cost_usd_per_shortage_day_avoided
            society.add_row(
                row.option, f"{row.shortage_days_avoided_per_yr:,.1f}",
                _musd(row.social_npv_usd),
                f"{_musd(row.social_npv_low_usd)} to {_musd(row.social_npv_high_usd)}",
                f"{_musd(row.social_npv_sim_low_usd)} to "
                f"{_musd(row.social_npv_sim_high_usd)}",
                "n/a" if not math.isfinite(per_day) else f"{per_day:,.0f}", row.verdict)
        console.print(society)
        if "cheapest_instrument" not in rows:
            continue
        public = Table(
            title=f"{scenario}: what brings the firm to its hurdle (level, then its net "
                  "public cost in MUSD at the social rate, taxes returned deducted)",
            title_justify="left")
        public.add_column("option", no_wrap=True, min_width=widest)
        for label in ("capex grant", "tax credit", "commitment USD/unit", "buyers' premium",
                      "cheapest for the public purse"):
            public.add_column(label, justify="left" if label.startswith("cheapest")
                              else "right")
        for row in rows.itertuples(index=False):
            public.add_row(
                row.option,
                _level_and_cost(_share(row.required_capex_grant_fraction),
                                row.grant_fiscal_cost_usd),
                _level_and_cost(_share(row.required_itc_fraction), row.itc_fiscal_cost_usd),
                _level_and_cost(_per_unit(row.required_commitment_usd_per_unit),
                                row.commitment_fiscal_cost_usd),
                _premium(row.required_price_premium_share), row.cheapest_instrument)
        console.print(public)


def print_market(market, scenario: str) -> None:
    """The market table (:func:`rxtwin.econ.market.market_table`): per option, the price it
    must match, its cost per unit, the margin share left, whether its maker would leave,
    the makers a price erosion sustains and the exits on a path to six makers."""
    table = Table(title=f"{scenario}: in the market (price and cost in USD/unit; makers "
                        "an erosion of the price sustains, FDA 2019 price by makers)",
                  title_justify="left")
    for label in ("option", "price", "cost/unit", "margin", "maker exits", "makers sustained",
                  "exits to 6 makers", "premium needed"):
        table.add_column(label, justify="left" if label == "option" else "right")
    for row in market.itertuples(index=False):
        premium = row.required_price_premium_share
        table.add_row(str(row.option), f"{row.price_usd_per_unit:.4f}",
                      f"{row.unit_cost_usd_per_unit:.4f}", f"{row.margin_share:.0%}",
                      "yes" if row.exits else "no", str(row.makers_sustained),
                      str(row.exits_from_erosion),
                      "-" if not math.isfinite(premium) else f"{premium:.1%}")
    console.print(table)


@user_errors
def appraise(
    scenario: str = SCENARIO_ARGUMENT,
    line: str = LINE_OPTION,
    technology: str = TECHNOLOGY_OPTION,
    intervention: str = INTERVENTION_OPTION,
    years: int = YEARS_OPTION,
    chunk_size: int = typer.Option(100, "--chunk-size", min=1, max=100_000,
                                   help="Scenario-years per chunk (paired intervals and "
                                   "the resampling of the simulation are over chunks)."),
    reps: int = REPS_OPTION,
    draws: int = typer.Option(2000, "--draws", min=2, max=1_000_000,
                              help="Draws of the shortage-day cost for the intervals."),
    market_price: float = typer.Option(
        None, "--market-price-usd", help="Price per unit the line must match in the market "
        "table, e.g. an import price [USD/unit] (default: the incumbent's revenue per "
        "unit)."),
    commitment_share: float = typer.Option(
        1.0, "--commitment-share", help="Share of the line's output a purchase commitment "
        "covers once the option acts, in (0, 1]: the premium per committed unit that brings "
        "the firm to its hurdle grows as the share shrinks."),
    seed: int = SEED_OPTION,
    workers: int = WORKERS_OPTION,
    scheduler: str = SCHEDULER_OPTION,
    backend: str = BACKEND_OPTION,
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Price every technology and intervention of a line for the firm and for society;
    store the run; print each option's firm NPV, IRR, payback, social NPV with its
    intervals, the capex grant that brings the firm to its hurdle, the public cost per
    shortage-day avoided and the verdict; then each option in the market (its cost per
    unit against the price, the margin left, the makers a price erosion sustains).

    Example: rxtwin appraise sterile_injectable --years 2000 --reps 100 --seed 1
    """
    from rxtwin.runs.appraise import MARKET_TABLE, OPTIONS_RUN_KIND, OPTIONS_TABLE
    from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params
    from rxtwin.runs.params import fresh_seed

    def ids(text: str | None) -> list[str] | None:
        return None if text is None else [i for i in text.split(",") if i]

    compute = compute_setting(backend, workers, scheduler)
    loaded = load_study_scenario(scenario, db)
    raw = {"line_id": line, "technologies": ids(technology),
           "interventions": ids(intervention), "n_years": years, "chunk_size": chunk_size,
           "line_replications": reps, "n_draws": draws, "commitment_share": commitment_share,
           "market_price_usd_per_unit": market_price,
           "seed": fresh_seed() if seed is None else seed}
    params = parse_params(OPTIONS_RUN_KIND, loaded, raw)  # fails before the store opens
    kind = RUN_KINDS[OPTIONS_RUN_KIND]
    with Store.open(db or default_db_url()) as store, _chunk_progress("options") as progress:
        run_id = store.create_run(OPTIONS_RUN_KIND,
                                  store.put_scenario(loaded.document(), loaded.name),
                                  params.model_dump(mode="json"), params.seed,
                                  n_chunks=kind.n_chunks(params))
        execute_run(store, run_id, progress, compute=compute)
        table = store.get_summary(run_id, OPTIONS_TABLE)
        market = store.get_summary(run_id, MARKET_TABLE)
    table.insert(0, "scenario", f"{scenario} ({years} scenario-years, seed {params.seed})")
    print_options(table)
    print_market(market, scenario)
    console.print(f"Cash flows, verdicts and the quadrant figure: `rxtwin report {run_id}`.",
                  highlight=False)
    console.print(f"run: {run_id}", highlight=False)
