"""Which medicines first, which measures, for how much: ranking and budgeted portfolios.

:func:`prioritize` ranks the products of a scenario by criticality x vulnerability x
simulated risk (:func:`rxtwin.priority.scoring.priority_scores` on the criteria of
:func:`rxtwin.priority.criteria.criteria_from_facts`), with each product's dominant cause
and the best of the measures that address it, from the measures study
(:func:`rxtwin.runs.priority_measures.study_measures`: every measure on every product,
shortage-days avoided on common random numbers, firm NPV, social NPV, public cost).

:func:`plan_portfolio` chooses measures for products under a public budget
(:func:`rxtwin.priority.portfolio.select_portfolio`, a MILP on HiGHS), maximising
criticality-weighted shortage-days avoided or social NPV, traces the efficient frontier and
re-simulates the chosen portfolio as a whole beside the MILP's additive estimate.

The run kinds ``priority.rank`` and ``priority.portfolio`` store the tables and draw the
figures; each network run is one recorded chunk, so a run resumes where it stopped.
docs/priority.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field

from rxtwin.data.criteria_scales import load_criteria_scales
from rxtwin.data.priority_weights import load_priority_weights
from rxtwin.data.shortage_costs import load_shortage_costs
from rxtwin.errors import Problem
from rxtwin.model.base import WholeNumber
from rxtwin.model.priority import PriorityWeights
from rxtwin.model.scenario import Scenario
from rxtwin.priority.criteria import criteria_from_facts
from rxtwin.priority.facts import priority_facts
from rxtwin.priority.measures import RunDigest
from rxtwin.priority.portfolio import efficient_frontier, frontier_budgets, select_portfolio
from rxtwin.priority.scoring import priority_scores
from rxtwin.report.figures import frontier_figure
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.econ import store_econ_table
from rxtwin.runs.params import ProgressCallback, RunParams, fresh_seed
from rxtwin.runs.priority_measures import (
    MeasureStudy,
    PortfolioCheck,
    portfolio_check,
    portfolio_run,
    study_measures,
)
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.store import Store
from rxtwin.supply.network import build_network

__all__ = [
    "PORTFOLIO_RUN_KIND",
    "RANK_RUN_KIND",
    "Objective",
    "PortfolioParams",
    "PortfolioPlan",
    "Prioritisation",
    "PriorityParams",
    "check_portfolio_params",
    "check_priority_params",
    "plan_portfolio",
    "portfolio_candidates",
    "portfolio_figures",
    "portfolio_n_chunks",
    "prioritize",
    "priority_figures",
    "priority_n_chunks",
    "run_portfolio",
    "run_priority",
]

RANK_RUN_KIND = "priority.rank"
PORTFOLIO_RUN_KIND = "priority.portfolio"
RANKING_TABLE = "priority_ranking"
WEIGHTS_TABLE = "priority_weights"
MEASURES_TABLE = "priority_measures"
CHOICE_TABLE = "portfolio_choice"
FRONTIER_TABLE = "portfolio_frontier"
CHECK_TABLE = "portfolio_check"


class Objective(StrEnum):
    """What a portfolio maximises."""

    harm = "harm"
    social_npv = "social-npv"


#: Columns of the best measure added to each ranked product.
BEST_MEASURE_COLUMNS = ("best_measure", "best_measure_addresses_cause",
                        "best_shortage_days_avoided_per_yr", "best_firm_npv_usd",
                        "best_social_npv_usd", "best_public_cost_usd", "best_verdict")


@dataclass(frozen=True)
class Prioritisation:
    """A scenario's products ranked, with the measures study behind them.

    Attributes
    ----------
    ranking : pandas.DataFrame
        :func:`rxtwin.priority.scoring.priority_scores`'s table (rank, score, sub-scores,
        criteria, explanation, ``dominant_cause``) with the product's simulated
        ``shortage_days_per_yr`` and :data:`BEST_MEASURE_COLUMNS`: among the measures
        that address its dominant cause, the one with the largest social NPV (else, when
        none addresses it, the largest social NPV of all; empty without measures).
    weights : pandas.DataFrame
        The weights used, with their sources.
    study : MeasureStudy
    """

    ranking: pd.DataFrame
    weights: pd.DataFrame
    study: MeasureStudy


def _best_measures(effects: pd.DataFrame) -> pd.DataFrame:
    """Per product, the measure of largest social NPV among those that address its dominant
    cause, else among all."""
    if effects.empty:
        return pd.DataFrame(columns=["product_id", *BEST_MEASURE_COLUMNS])
    ordered = effects.sort_values(["product_id", "addresses_dominant_cause", "social_npv_usd"],
                                  ascending=[True, False, False], kind="stable")
    best = ordered.groupby("product_id", sort=False).head(1)
    return pd.DataFrame({
        "product_id": best["product_id"].to_numpy(),
        "best_measure": best["measure_id"].to_numpy(),
        "best_measure_addresses_cause": best["addresses_dominant_cause"].to_numpy(),
        "best_shortage_days_avoided_per_yr": best["shortage_days_avoided_per_yr"].to_numpy(),
        "best_firm_npv_usd": best["firm_npv_usd"].to_numpy(),
        "best_social_npv_usd": best["social_npv_usd"].to_numpy(),
        "best_public_cost_usd": best["public_cost_usd"].to_numpy(),
        "best_verdict": best["verdict"].to_numpy(),
    })


def rank_study(scenario: Scenario, study: MeasureStudy,
               weights: PriorityWeights | None = None) -> Prioritisation:
    """Rank the products of a finished measures study (:func:`prioritize` without the
    simulation)."""
    weights = weights or load_priority_weights()
    risk = study.risk.set_index("product_id")
    facts = priority_facts(scenario, build_network(scenario), load_shortage_costs(),
                           risk["shortage_days_per_yr"].to_dict())
    criteria = criteria_from_facts(facts, load_criteria_scales())
    criteria["dominant_cause"] = [risk.loc[pid, "dominant_category"] or "none"
                                  for pid in criteria["product_id"]]
    scores = priority_scores(criteria, weights)
    ranking = scores.table.merge(
        risk[["shortage_days_per_yr", "shortage_days_per_yr_ci95", "dominant_cause_group",
              "matched_measures"]].reset_index(), on="product_id", how="left")
    ranking = ranking.merge(_best_measures(study.effects), on="product_id", how="left")
    return Prioritisation(ranking, scores.weights, study)


def prioritize(scenario: Scenario, *, entropy: int, n_years: int = 1000,
               chunk_size: int = 100, n_draws: int = 200,
               measure_ids: Sequence[str] | None = None,
               combinations: Sequence[Sequence[str]] = (),
               weights: PriorityWeights | None = None, map_chunks: ChunkMapper = map_serial,
               on_run_done: Callable[[int, RunDigest], None] | None = None,
               done: Mapping[int, RunDigest] | None = None) -> Prioritisation:
    """Simulate every measure (:func:`rxtwin.runs.priority_measures.study_measures`, same
    arguments) and rank the products (:func:`rank_study`)."""
    study = study_measures(scenario, entropy=entropy, measure_ids=measure_ids,
                           combinations=combinations, n_years=n_years, chunk_size=chunk_size, n_draws=n_draws,
                           map_chunks=map_chunks, on_run_done=on_run_done, done=done)
    return rank_study(scenario, study, weights)


def portfolio_candidates(prioritisation: Prioritisation, objective: Objective) -> pd.DataFrame:
    """The MILP's candidate rows: one per (product, measure) of the study.

    Columns ``product_id``, ``option_id``, ``members`` (the measures of a simulated
    combination, "+"-joined: the MILP buys each measure at most once per product),
    ``public_cost_usd`` (the subsidy that brings the firm to its hurdle, 0 when it acts on
    its own [USD]) and ``benefit``: with
    ``objective`` harm, criticality x shortage-days avoided a year [d/yr] (the product's
    criticality sub-score of the ranking); with social-npv, the social NPV [USD]. Rows
    whose benefit is not above 0 are kept: the MILP never chooses them.
    """
    effects = prioritisation.study.effects
    criticality = prioritisation.ranking.set_index("product_id")["criticality"]
    if objective == Objective.harm:
        benefit = (effects["shortage_days_avoided_per_yr"].to_numpy()
                   * criticality.loc[effects["product_id"]].to_numpy())
    else:
        benefit = effects["social_npv_usd"].to_numpy()
    return pd.DataFrame({"product_id": effects["product_id"].to_numpy(),
                         "option_id": effects["measure_id"].to_numpy(),
                         "members": effects["members"].to_numpy(),
                         "public_cost_usd": effects["public_cost_usd"].to_numpy(dtype=float),
                         "benefit": np.asarray(benefit, dtype=float)})


@dataclass(frozen=True)
class PortfolioPlan:
    """A budgeted portfolio, its frontier and its re-simulation.

    Attributes
    ----------
    choice : pandas.DataFrame
        The chosen (product, measure) rows with ``public_cost_usd`` and ``benefit``.
    benefit : float
        The MILP's objective [d/yr of criticality-weighted shortage-days avoided, or USD].
    cost_usd : float
        Public cost of the choice [USD].
    frontier : pandas.DataFrame
        :func:`rxtwin.priority.portfolio.efficient_frontier` at ``n_budgets`` budgets.
    check : PortfolioCheck or None
        The chosen portfolio simulated as a whole (None when not asked).
    objective : Objective
    budget_usd : float
    """

    choice: pd.DataFrame
    benefit: float
    cost_usd: float
    frontier: pd.DataFrame
    check: PortfolioCheck | None
    objective: Objective
    budget_usd: float


@contextlib.contextmanager
def _solver_stdout_silenced() -> Iterator[None]:
    """Send what the solver's C code prints to the standard output (file descriptor 1)
    nowhere while the block runs.

    HiGHS 1.16, bundled with SciPy and in highspy, prints a debugging line
    (``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``) with
    ``printf`` on some MILPs whatever its output options say; it would corrupt the CLI's
    tables and a benchmark's JSON. Python's own ``sys.stdout`` is flushed first and the C
    library's buffers before the descriptor is put back.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 1)
            try:
                yield
            finally:
                _flush_c_stdio()
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to flush (not a POSIX platform)
        pass


def plan_portfolio(scenario: Scenario, prioritisation: Prioritisation, *, budget_usd: float,
                   objective: Objective = Objective.harm, max_options_per_product: int = 1,
                   n_budgets: int = 20, resimulate: bool = True,
                   map_chunks: ChunkMapper = map_serial,
                   resimulated: RunDigest | None = None,
                   on_resimulated: Callable[[RunDigest | None], None] | None = None,
                   ) -> PortfolioPlan:
    """Choose measures under ``budget_usd`` [USD], trace the frontier and re-simulate.

    The re-simulation puts every chosen measure on its chosen products in one network run,
    paired with the study's run without measures; its per-product shortage-days avoided
    stand beside the sum of the separate runs' (the MILP's additive estimate).
    ``resimulated`` is that run from before (a resumed run); ``on_resimulated(run)`` is
    called after a new one (None for an empty portfolio).
    """
    candidates = portfolio_candidates(prioritisation, Objective(objective))
    with _solver_stdout_silenced():
        choice = select_portfolio(candidates, budget_usd,
                                  max_options_per_product=max_options_per_product)
        budgets = frontier_budgets(candidates, n_budgets,
                                   max_options_per_product=max_options_per_product)
        frontier = efficient_frontier(candidates, budgets,
                                      max_options_per_product=max_options_per_product)
    check = None
    if resimulate:
        study = prioritisation.study
        assignment: dict[str, list[str]] = {}
        for row in choice.chosen.itertuples():
            for member in str(row.members).split("+"):
                assignment.setdefault(member, []).append(row.product_id)
        effects = study.effects.set_index(["product_id", "measure_id"])
        additive: dict[str, float] = {}
        for row in choice.chosen.itertuples():
            additive[row.product_id] = additive.get(row.product_id, 0.0) + float(
                effects.loc[(row.product_id, row.option_id), "shortage_days_avoided_per_yr"])
        run = resimulated
        if run is None:
            run = portfolio_run(scenario, assignment, entropy=study.entropy,
                                n_years=study.n_years, chunk_size=study.chunk_size,
                                map_chunks=map_chunks)
            if on_resimulated is not None:
                on_resimulated(run)
        check = portfolio_check(study.base, run, additive)
    return PortfolioPlan(choice.chosen, choice.benefit, choice.cost_usd, frontier, check,
                         Objective(objective), float(budget_usd))


# ------------------------------------------------------------------------------------------
# The run kinds
# ------------------------------------------------------------------------------------------

_MAX_YEARS = 100_000


class PriorityParams(RunParams):
    """Products ranked with their dominant cause and best measure (``priority.rank``)."""

    measures: list[str] | None = Field(
        None, description="intervention ids to study (empty = every intervention of the "
        "scenario)")
    combinations: list[str] = Field(
        default_factory=list, description="measures simulated together, each as one more "
        "option: ids joined by '+' (e.g. 'buffer-stock-90d+rapid-sterility-test')")
    n_years: WholeNumber = Field(1000, ge=2, le=_MAX_YEARS,
                                 description="network scenario-years per run [-]")
    chunk_size: WholeNumber = Field(100, ge=1, le=_MAX_YEARS,
                                    description="scenario-years per chunk; intervals are "
                                    "taken over chunks [-]")
    n_draws: WholeNumber = Field(200, ge=2, le=100_000,
                                 description="draws of the shortage-day cost per priced "
                                 "pair [-]")
    seed: WholeNumber = Field(default_factory=fresh_seed, ge=0,
                              description="seed of every run (the same: common random "
                              "numbers)")


class PortfolioParams(PriorityParams):
    """Measures chosen for products under a public budget (``priority.portfolio``)."""

    budget_usd: float = Field(50e6, ge=0.0, le=1e13, description="public budget [USD]")
    objective: Objective = Field(Objective.harm, description="harm: criticality-weighted "
                                 "shortage-days avoided; social-npv: social NPV")
    max_options_per_product: WholeNumber = Field(1, ge=1, le=20,
                                                 description="measures per product [-]")
    n_budgets: WholeNumber = Field(20, ge=2, le=200,
                                   description="budgets on the frontier [-]")


def check_priority_params(scenario: Scenario, params: PriorityParams) -> list[Problem]:
    """Measures the scenario lacks, a scenario without measures, and too few chunks."""
    known = [i.id for i in scenario.interventions]
    problems = [Problem("<params>", "measures", mid, "no such intervention; choose from "
                        f"{', '.join(known) or '(none in this scenario)'}")
                for mid in params.measures or [] if mid not in known]
    if not known:
        problems.append(Problem("<params>", "measures", None,
                                f"scenario '{scenario.name}' has no interventions to study"))
    for text in params.combinations:
        members = [m.strip() for m in text.split("+")]
        if len(set(members)) < 2 or any(m not in known for m in members):
            problems.append(Problem("<params>", "combinations", text,
                                    "join two or more different interventions with '+'; "
                                    f"choose from {', '.join(known) or '(none)'}"))
    if -(-params.n_years // params.chunk_size) < 2:
        problems.append(Problem("<params>", "chunk_size", params.chunk_size,
                                "must leave at least 2 chunks of n_years for the paired "
                                "intervals"))
    return problems


def check_portfolio_params(scenario: Scenario, params: PortfolioParams) -> list[Problem]:
    """As :func:`check_priority_params`."""
    return check_priority_params(scenario, params)


def _measure_ids(scenario: Scenario, params: PriorityParams) -> list[str]:
    return list(params.measures) if params.measures else [i.id for i in scenario.interventions]


def priority_n_chunks(params: PriorityParams) -> int:
    """Recorded chunks: one network run without measures, one per measure and one per
    combination (the measures resolved from the scenario by :func:`resolve_priority`)."""
    return 1 + len(params.measures or []) + len(params.combinations)


def portfolio_n_chunks(params: PortfolioParams) -> int:
    """As :func:`priority_n_chunks`, plus the portfolio's re-simulation."""
    return priority_n_chunks(params) + 1


def resolve_priority(scenario: Scenario, params: PriorityParams) -> PriorityParams:
    """The measures worked out from the scenario, so the stored parameters name them."""
    return type(params).model_validate({**params.model_dump(),
                                        "measures": _measure_ids(scenario, params)})


def _recorded(store: Store, run_id: str, total: int, progress: ProgressCallback
              ) -> tuple[dict[int, RunDigest], Callable[[int, RunDigest], None]]:
    done = {i: RunDigest.from_dict(d) for i, d in store.chunk_summaries(run_id).items()
            if "portfolio_run" not in d}

    def record(index: int, digest: RunDigest) -> None:
        store.record_chunk(run_id, index, digest.to_dict())
        progress(len(store.done_chunk_indices(run_id)), total)

    return done, record


def _prioritised(scenario: Scenario, params: PriorityParams, store: Store, run_id: str,
                 progress: ProgressCallback, total: int,
                 map_chunks: ChunkMapper) -> Prioritisation:
    done, record = _recorded(store, run_id, total, progress)
    result = prioritize(scenario, entropy=params.seed, n_years=params.n_years,
                        chunk_size=params.chunk_size, n_draws=params.n_draws,
                        measure_ids=params.measures,
                        combinations=[[m.strip() for m in c.split("+")]
                                      for c in params.combinations],
                        map_chunks=map_chunks, on_run_done=record, done=done)
    for name, frame in ((RANKING_TABLE, result.ranking), (WEIGHTS_TABLE, result.weights),
                        (MEASURES_TABLE, result.study.effects)):
        store_econ_table(store, run_id, name, frame)
    return result


def run_priority(scenario: Scenario, params: PriorityParams, store: Store, run_id: str,
                 progress: ProgressCallback, *, compute: ComputeSetting = SERIAL) -> None:
    """One recorded chunk per network run (skipped when recorded: a resumed run), each
    run's chunks where ``compute`` says, then the ranking, the weights and the measures
    tables."""
    params = resolve_priority(scenario, params)
    _prioritised(scenario, params, store, run_id, progress, priority_n_chunks(params),
                 compute.map_chunks())


def run_portfolio(scenario: Scenario, params: PortfolioParams, store: Store, run_id: str,
                  progress: ProgressCallback, *, compute: ComputeSetting = SERIAL) -> None:
    """The ranking's runs and tables, then the portfolio, its frontier and its
    re-simulation (the last recorded step); every network run's chunks where ``compute``
    says."""
    params = resolve_priority(scenario, params)
    total = portfolio_n_chunks(params)
    map_chunks = compute.map_chunks()
    result = _prioritised(scenario, params, store, run_id, progress, total, map_chunks)
    index = total - 1
    recorded = store.chunk_summaries(run_id).get(index)

    def record(run: RunDigest | None) -> None:
        store.record_chunk(run_id, index, {"portfolio_run": None if run is None
                                           else run.to_dict()})
        progress(len(store.done_chunk_indices(run_id)), total)

    plan = plan_portfolio(scenario, result, budget_usd=params.budget_usd,
                          objective=params.objective,
                          max_options_per_product=params.max_options_per_product,
                          n_budgets=params.n_budgets, map_chunks=map_chunks,
                          resimulated=None if recorded is None or recorded["portfolio_run"]
                          is None else RunDigest.from_dict(recorded["portfolio_run"]),
                          on_resimulated=record if recorded is None else None)
    store_econ_table(store, run_id, CHOICE_TABLE, plan.choice)
    store_econ_table(store, run_id, FRONTIER_TABLE, plan.frontier)
    if plan.check is not None:
        store_econ_table(store, run_id, CHECK_TABLE, plan.check.by_product)


def ranking_figure(ranking: pd.DataFrame, top: int = 30) -> go.Figure:
    """The ``top`` products by score as horizontal bars split into nothing but the score,
    the explanation on hover."""
    shown = ranking.nsmallest(top, "rank").iloc[::-1]
    figure = go.Figure(go.Bar(
        x=shown["score"], y=[f"{r} {n}" for r, n in zip(shown["rank"], shown["name"],
                                                         strict=True)],
        orientation="h", customdata=np.stack([shown["explanation"],
                                              shown["dominant_cause"],
                                              shown["best_measure"].fillna("")], axis=1),
        hovertemplate="score %{x:.3f}<br>dominant cause: %{customdata[1]}<br>best measure: "
                      "%{customdata[2]}<br>%{customdata[0]}<extra></extra>"))
    figure.update_layout(title=f"The {len(shown)} first products: score = criticality x "
                               "vulnerability x simulated risk (hover for why)",
                         xaxis_title="priority score [-], 1 = most critical, vulnerable and "
                                     "at risk",
                         yaxis_title="rank and product", height=max(400, 22 * len(shown)))
    return figure


def priority_figures(store: Store, run_id: str, scenario: Scenario | None,
                     params: PriorityParams) -> dict[str, go.Figure]:
    """The ranked products with their explanation on hover."""
    if RANKING_TABLE not in store.list_summaries(run_id):
        return {}
    return {"ranking": ranking_figure(store.get_summary(run_id, RANKING_TABLE))}


def measures_map_figure(choice: pd.DataFrame, effects: pd.DataFrame) -> go.Figure:
    """Products x measures: shortage-days avoided a year by each pair, the chosen ones
    marked."""
    table = effects.pivot_table(index="product_id", columns="measure_id",
                                values="shortage_days_avoided_per_yr", aggfunc="first")
    figure = go.Figure(go.Heatmap(z=table.to_numpy(), x=list(table.columns),
                                  y=list(table.index), colorscale="Viridis",
                                  colorbar={"title": "shortage-days avoided [d/yr]"}))
    figure.add_scatter(x=choice["option_id"], y=choice["product_id"], mode="markers",
                       marker={"symbol": "x", "color": "red", "size": 10}, name="chosen")
    figure.update_layout(title="Measures by product: shortage-days avoided a year, the "
                               "chosen portfolio marked",
                         xaxis_title="measure", yaxis_title="product",
                         height=max(400, 14 * len(table)))
    return figure


def portfolio_figures(store: Store, run_id: str, scenario: Scenario | None,
                      params: PortfolioParams) -> dict[str, go.Figure]:
    """The ranking, the frontier and the map of the chosen measures."""
    names = store.list_summaries(run_id)
    figures = priority_figures(store, run_id, scenario, params)
    if FRONTIER_TABLE in names:
        label = ("criticality-weighted shortage-days avoided a year [d/yr]"
                 if Objective(params.objective) == Objective.harm else "social NPV [USD]")
        figures["frontier"] = frontier_figure(store.get_summary(run_id, FRONTIER_TABLE),
                                              label)
    if CHOICE_TABLE in names and MEASURES_TABLE in names:
        figures["measures_map"] = measures_map_figure(store.get_summary(run_id, CHOICE_TABLE),
                                                      store.get_summary(run_id,
                                                                        MEASURES_TABLE))
    return figures


