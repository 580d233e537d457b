"""``rxtwin demo``: run the bundled demo and write its outputs to a folder."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from rxtwin.cli.appraise import print_options
from rxtwin.cli.common import console, progress_bar, user_errors
from rxtwin.cli.priority import print_portfolio, print_ranking
from rxtwin.cli.supply_compare import print_resilience
from rxtwin.data.scenarios import scenario_to_yaml
from rxtwin.errors import UserInputError


def frame_table(title: str, frame, formats: dict[str, str]) -> Table:
    """A rich table of a DataFrame, numbers formatted by column."""
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(column, justify="right" if column in formats else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[format(value, formats[column]) if column in formats else str(value)
                        for column, value in zip(frame.columns, row, strict=True)])
    return table


@user_errors
def demo(
    out: Path = typer.Option(Path("rxtwin-demo"), "--out", "-o",
                             help="Folder for the demo's outputs (created if missing)."),
    reps: int = typer.Option(200, "--reps", min=10, max=100_000,
                             help="Replication-years per technology on the reference line."),
    supply_years: int = typer.Option(1000, "--supply-years", min=40, max=1_000_000,
                                     help="Network scenario-years per option of the "
                                     "technology and intervention comparisons."),
    consortium: bool = typer.Option(False, "--consortium",
                                    help="Run the consortium demo instead: twelve synthetic "
                                    "firms pool their line figures, the consortium releases "
                                    "disclosure-controlled statistics, and a scenario takes "
                                    "its priors from them (store: consortium.sqlite)."),
) -> None:
    """Run the bundled demo: the reference generic line under every technology, their
    appraisal for the firm and a break-even map, the most exposed products and sites,
    every technology and intervention of the generic, sterile and metformin scenarios
    compared on the line and in the network (shortage-days avoided by cause) and priced for
    the firm and for society, the ten first medicines of a national network of the WHO
    essential-medicines list with their dominant cause and best measure and the frontier of
    a public budget, and the continuous line's losses from the twin.

    Outputs (CSV tables, scenarios as YAML, the run store rxtwin.sqlite) go to --out.

    With --consortium, the consortium demo alone (about 10 s): synthetic submissions of
    twelve firms, releases under the disclosure rules (one cell suppressed by the threshold
    rule, one by dominance), a differentially private count, and the batch line simulated
    with the bundled changeover assumption and with the consortium's released prior. It
    adds two logins for `rxtwin serve --db OUT/consortium.sqlite`.

    Example: rxtwin demo --out rxtwin-demo --reps 200 --supply-years 1000
    """
    if consortium:
        _consortium_demo(out, reps)
        return

    from rxtwin.cli.line import print_comparison
    from rxtwin.runs.demo import DEMO_BUDGET_USD, run_demo
    from rxtwin.store import Store

    out.mkdir(parents=True, exist_ok=True)
    console.print("Simulating the 24-product generic line under every technology "
                  f"({reps} replication-years each; the first run compiles the engine)...")
    with Store.open(out / "rxtwin.sqlite") as store, progress_bar(32) as bar:
        def progress(tid):
            task = bar.add_task(tid, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        result = run_demo(store, n_replications=reps, n_supply_years=supply_years,
                          progress=progress)
    console.print(frame_table("Bundled scenarios", result.tables["scenarios"],
                              {"products": "d", "technologies": "d", "lines": "d",
                               "failure_modes": "d", "demand_units_per_yr": ",.0f"}))
    print_comparison(result.tables["line_comparison"])
    products = result.tables["exposed_products"][
        ["scenario", "product_id", "single_sourced", "max_hhi_supplier", "min_independent_paths"]]
    console.print(frame_table("Most exposed products (single-sourced inputs, supplier HHI)",
                              products, {"single_sourced": "d", "max_hhi_supplier": ".2f",
                                         "min_independent_paths": "d"}))
    sites = result.tables["exposed_sites"][
        ["scenario", "rank", "site_id", "country_code", "tts_days", "ttr_days",
         "weighted_lost_days"]]
    console.print(frame_table("Most exposed sites (time-to-survive vs time-to-recover)",
                              sites, {"rank": "d", "tts_days": ",.0f", "ttr_days": ",.0f",
                                      "weighted_lost_days": ",.1f"}))
    ranking = result.tables["technology_ranking"][
        ["rank", "technology", "npv_usd", "irr", "payback_yr", "discounted_payback_yr",
         "meets_hurdle", "meets_payback"]]
    print_resilience(result.tables["resilience_options"],
                     result.tables["resilience_by_category"])
    console.print("By cause (root failure mode) in resilience_by_cause.csv.")
    print_options(result.tables["options_priced"])
    console.print(frame_table("Technologies vs the incumbent batch line, for the firm "
                              "(NPV at its hurdle rate)", ranking,
                              {"rank": "d", "npv_usd": ",.0f", "irr": ".3f",
                               "payback_yr": ".2f", "discounted_payback_yr": ".2f"}))
    console.print(frame_table("Break-even: which technology wins (generic line, products "
                              "per line x volume scale)", result.tables["breakeven_winners"],
                              {"products_per_line": ".0f", "volume_scale": ".2f",
                               "best_npv_usd": ",.0f"}))
    print_ranking(result.tables["priority_ranking"], 10,
                  "National network of the WHO essential medicines: the ten first (score = "
                  "criticality x vulnerability x simulated risk; why: priority_top.csv)")
    print_portfolio(result.tables["portfolio_choice"], result.tables["portfolio_check"],
                    result.tables["portfolio_frontier"], "harm", DEMO_BUDGET_USD)
    console.print(frame_table("Continuous line losses from the digital twin",
                              result.tables["twin_losses"], {"value": ".4g"}))
    for name, frame in result.tables.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    scenario_dir = out / "scenarios"
    scenario_dir.mkdir(exist_ok=True)
    for scenario in result.scenarios:
        (scenario_dir / f"{scenario.name}.yaml").write_text(scenario_to_yaml(scenario))
    console.print(f"\nOutputs written to {out.resolve()} (tables as CSV, scenarios as YAML, "
                  "runs in rxtwin.sqlite: try `rxtwin runs list --db "
                  f"{out / 'rxtwin.sqlite'}`)", highlight=False)


def _consortium_demo(out: Path, reps: int) -> None:
    from rxtwin.runs.consortium_demo import run_consortium_demo
    from rxtwin.store import Store

    out.mkdir(parents=True, exist_ok=True)
    db = out / "consortium.sqlite"
    if db.exists():
        raise UserInputError(f"{db} exists: the consortium demo starts from an empty store "
                             "(remove it, or give another --out)")
    console.print("Consortium demo: every figure is synthetic.")
    with Store.open(db) as store:
        result = run_consortium_demo(store, out, n_replications=reps,
                                     progress=lambda step: console.print(f"  {step}..."))
    releases = result.tables["consortium_releases"]
    shown = releases.assign(**{"value, or why suppressed": releases["value"].where(
        releases["released"], "suppressed: " + releases["reason"])})
    console.print(frame_table("Released statistics", shown[["statistic", "cell",
                                                            "value, or why suppressed"]], {}))
    priors = ", ".join(sorted({f"{p['statistic']}@{p['version']}" for p in result.priors}))
    console.print(f"Scenario {result.scenario_file.name} takes {len(result.priors)} "
                  f"values from {priors}; the batch line on both scenarios "
                  f"({reps} replication-years, one seed):", highlight=False)
    console.print(frame_table("Batch line: bundled assumption vs consortium prior",
                              result.tables["consortium_line"],
                              {"mean": ",.4g", "ci95_low": ",.4g", "ci95_high": ",.4g"}))
    for name, frame in result.tables.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    console.print(f"Submission files in {out / 'consortium' / 'submissions'}; the store is "
                  f"{db}. Log in to `rxtwin serve --db {db}` as:", highlight=False)
    for login in result.logins:
        console.print(f"  {login.user_id} ({login.role} of {login.organisation_id}), "
                      f"password {login.password}", highlight=False)
