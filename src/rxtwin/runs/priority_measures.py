"""Every measure of a scenario on every product: shortage-days avoided, firm and society.

The study behind ``rxtwin prioritize`` and ``rxtwin portfolio``. The scenario's network is
simulated once without measures and once with each measure acting on every product it
applies to, all from one root entropy and one chunk plan (common random numbers: the same
outages and demand in chunk ``i`` of every run). Because a measure acts on all its
products in one run, its effect on each product is read from that run; the additive
estimate this gives for a portfolio of measures on different products is checked by
:func:`simulate_portfolio`, which re-simulates the chosen portfolio as a whole (measures
interact through shared upstream sites). Each (product, measure) is priced for the firm
that makes the product and for society
(:func:`rxtwin.priority.measures.price_measure_on_product`).

docs/priority.md, "Matching measures to causes".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.measure_matching import MeasureMatching, load_measure_matching
from rxtwin.data.shortage_costs import load_shortage_costs
from rxtwin.econ.options import intervention_costs
from rxtwin.econ.technology import firm_profile_of
from rxtwin.errors import UserInputError
from rxtwin.model.disruption import DisruptionDefaults
from rxtwin.model.scenario import Scenario
from rxtwin.model.variants import with_measures_on_products
from rxtwin.priority.measures import (
    RunDigest,
    batch_means_half_width,
    combined_costs,
    dominant_causes,
    matching_measures,
    per_product_costs,
    price_measure_on_product,
    product_effects,
)
from rxtwin.runs.econ import bundled_appraisal_terms
from rxtwin.runs.site_failures import line_release_days, supply_inputs_with_lines
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.stats.seeding import plan_chunks
from rxtwin.supply.disruption import disruption_chunk_task
from rxtwin.supply.disruption_inputs import SupplyEngineInputs

__all__ = [
    "EFFECT_COLUMNS",
    "MEASURE_DRAWS_SPAWN_KEY",
    "MeasureStudy",
    "PortfolioCheck",
    "network_run",
    "portfolio_check",
    "portfolio_run",
    "product_release_days",
    "simulate_portfolio",
    "study_measures",
]

#: Spawn key of the stream of the shortage-day cost draws, apart from the chunks' streams.
MEASURE_DRAWS_SPAWN_KEY = 1_000_005

#: Columns of :attr:`MeasureStudy.effects`, one row per (product, measure) the measure acts
#: on (units in the names).
EFFECT_COLUMNS = (
    "product_id", "measure_id", "members", "measure_kind", "addresses_dominant_cause",
    "shortage_days_avoided_per_yr", "shortage_days_avoided_per_yr_ci95",
    "unmet_units_avoided_per_yr", "holding_cost_change_usd_per_yr", "capex_usd",
    "opex_usd_per_yr", "firm_npv_usd", "firm_accepts", "social_npv_usd",
    "social_npv_low_usd", "social_npv_high_usd", "public_cost_usd",
    "public_cost_usd_per_shortage_day_avoided", "required_price_premium_share", "verdict")


@dataclass(frozen=True)
class MeasureStudy:
    """The measures of a scenario, product by product.

    Attributes
    ----------
    risk : pandas.DataFrame
        One row per product, without measures: ``product_id``, ``name``, ``dosage_form``,
        ``shortage_days_per_yr`` [d/yr] and ``_ci95``, ``dominant_category``,
        ``dominant_cause_group``, ``dominant_share`` [-], ``release_days`` [d],
        ``matched_measures`` (ids, ";"-joined).
    effects : pandas.DataFrame
        :data:`EFFECT_COLUMNS`; ``shortage_days_avoided_per_yr_ci95`` is the paired
        batch-means 95 % half-width; ``members`` the measures of the row ("+"-joined: one
        for a single measure, several for a simulated combination, whose
        ``measure_kind`` is ``combination``).
    n_years, chunk_size, entropy : int
        The chunk plan every run shared.
    base : RunDigest
        The run without measures (a portfolio's re-simulation is paired with it).
    """

    risk: pd.DataFrame
    effects: pd.DataFrame
    n_years: int
    chunk_size: int
    entropy: int
    base: RunDigest


def network_run(inputs: SupplyEngineInputs, *, n_years: int, chunk_size: int, entropy: int,
                map_chunks: ChunkMapper = map_serial) -> RunDigest:
    """One network run, digested per chunk (not merged: pairs of runs are compared chunk
    by chunk). The chunk plan, so every chunk's seed, depends only on ``n_years``,
    ``chunk_size`` and ``entropy``."""
    _, chunks = plan_chunks(n_years, chunk_size, entropy)
    summaries = map_chunks(functools.partial(disruption_chunk_task, inputs), chunks)
    return RunDigest.from_chunks(summaries)


def product_release_days(scenario: Scenario, matching: MeasureMatching) -> dict[str, float]:
    """Quality release time of each product [d]: the longest of the lines that make it
    (:func:`rxtwin.runs.site_failures.line_release_days`), else the dosage form's default
    in ``measure_matching.yaml``."""
    days = {p.id: matching.default_release_days[p.dosage_form] for p in scenario.products}
    on_line: dict[str, float] = {}
    for line in scenario.lines:
        release = line_release_days(scenario, line.id)
        for pid in line.product_ids:
            on_line[pid] = max(on_line.get(pid, 0.0), release)
    return {**days, **on_line}


def _product_scope(scenario: Scenario, measure_id: str) -> list[str]:
    intervention = next(i for i in scenario.interventions if i.id == measure_id)
    return [p.id for p in scenario.products if intervention.applies_to_product(p.id)]


def study_measures(scenario: Scenario, *, entropy: int, measure_ids: Sequence[str] | None = None,
                   combinations: Sequence[Sequence[str]] = (), n_years: int = 1000, chunk_size: int = 100, n_draws: int = 200,
                   level: float = 0.90, map_chunks: ChunkMapper = map_serial,
                   defaults: DisruptionDefaults | None = None,
                   matching: MeasureMatching | None = None,
                   on_run_done: Callable[[int, RunDigest], None] | None = None,
                   done: Mapping[int, RunDigest] | None = None,
                   ) -> MeasureStudy:
    """Simulate and price every measure of ``scenario`` on every product it acts on.

    Parameters
    ----------
    scenario : Scenario
    entropy : int
        Root entropy of every run's chunk plan and of the cost draws.
    measure_ids : sequence of str, optional
        Interventions to study (default: all of the scenario's).
    combinations : sequence of sequence of str
        Measures simulated together, each combination as one more run (its effect is
        simulated, not added up), priced with :func:`rxtwin.priority.measures.combined_costs`
        on the products every member acts on.
    n_years, chunk_size : int
        Scenario-years per run and per chunk [-].
    n_draws : int
        Draws of the shortage-day cost per priced pair [-].
    level : float
        Probability of the social NPV interval [-].
    map_chunks : ChunkMapper
        Where chunks run (:func:`rxtwin.compute.chunk_mapper`).
    defaults, matching : optional
        Disruption defaults and matching rules (bundled by default).
    on_run_done : callable, optional
        ``on_run_done(index, digest)`` after run ``index`` (0 = no measure, ``k`` = the
        ``k``-th measure, then the combinations in order) is simulated: a caller records
        it to resume.
    done : mapping, optional
        Runs simulated before (same indices): not simulated again.

    Returns
    -------
    MeasureStudy
    """
    defaults = defaults or load_disruption_defaults()
    matching = matching or load_measure_matching()
    ids = list(measure_ids) if measure_ids is not None else [i.id for i in scenario.interventions]
    known = {i.id: i for i in scenario.interventions}
    combos = [tuple(dict.fromkeys(c)) for c in combinations]
    unknown = sorted({mid for mid in (*ids, *(m for c in combos for m in c))
                      if mid not in known})
    if unknown:
        raise UserInputError(f"measures {unknown} are not interventions of the scenario "
                             f"(it has {sorted(known)})")
    short = [c for c in combos if len(c) < 2]
    if short:
        raise UserInputError(f"combinations {[list(c) for c in short]} need at least two "
                             "different measures")
    options = [*((mid,) for mid in ids), *combos]
    runs: dict[int, RunDigest] = dict(done or {})
    for index, measure_ids_of_run in enumerate([(), *options]):
        if index in runs:
            continue
        inputs = supply_inputs_with_lines(scenario, measure_ids_of_run, defaults)
        runs[index] = network_run(inputs, n_years=n_years, chunk_size=chunk_size,
                                  entropy=entropy, map_chunks=map_chunks)
        if on_run_done is not None:
            on_run_done(index, runs[index])
    risk = dominant_causes(runs[0], matching)
    products = {p.id: p for p in scenario.products}
    release = product_release_days(scenario, matching)
    kinds = {mid: known[mid].kind.value for mid in ids}
    matched = {pid: matching_measures(
        row.dominant_category, shelf_life_days=products[pid].shelf_life_days,
        release_days=release[pid], measure_kinds=kinds, matching=matching)
        for pid, row in zip(risk["product_id"], risk.itertuples(), strict=True)}
    risk.insert(1, "name", [products[pid].name for pid in risk["product_id"]])
    risk.insert(2, "dosage_form", [products[pid].dosage_form.value for pid in risk["product_id"]])
    risk["release_days"] = [release[pid] for pid in risk["product_id"]]
    risk["matched_measures"] = [";".join(matched[pid]) for pid in risk["product_id"]]
    effects = _priced_effects(scenario, options, runs, matched, entropy=entropy,
                              n_draws=n_draws, level=level)
    return MeasureStudy(risk, effects, n_years, chunk_size, entropy, runs[0])


def _priced_effects(scenario: Scenario, options: Sequence[tuple[str, ...]],
                    runs: Mapping[int, RunDigest], matched: Mapping[str, list[str]],
                    *, entropy: int, n_draws: int, level: float) -> pd.DataFrame:
    profile = firm_profile_of(scenario)
    terms = bundled_appraisal_terms()
    shortage_costs = load_shortage_costs()
    products = {p.id: p for p in scenario.products}
    base_holding = dict(zip(runs[0].product_ids, runs[0].holding_cost_usd.mean(axis=0),
                            strict=True))
    rows = []
    by_id = {i.id: i for i in scenario.interventions}
    for index, members in enumerate(options, start=1):
        measure_id = "+".join(members)
        scopes = {mid: _product_scope(scenario, mid) for mid in members}
        scope = [pid for pid in scopes[members[0]]
                 if all(pid in scopes[m] for m in members[1:])]
        effects = product_effects(runs[0], runs[index])
        half = batch_means_half_width(effects.shortage_days_avoided_by_chunk)
        parts = [per_product_costs(intervention_costs(by_id[mid]), max(len(scopes[mid]), 1))
                 for mid in members]
        costs = parts[0] if len(parts) == 1 else combined_costs(measure_id, parts)
        kind = by_id[members[0]].kind.value if len(members) == 1 else "combination"
        column = {pid: j for j, pid in enumerate(effects.product_ids)}
        for pid in scope:
            rng = np.random.default_rng(np.random.SeedSequence(
                entropy, spawn_key=(MEASURE_DRAWS_SPAWN_KEY,)))
            pricing = price_measure_on_product(
                costs, effects, products[pid], holding_cost_usd_per_yr=base_holding[pid],
                horizon_yr=scenario.horizon_yr,
                profile=profile, terms=terms, shortage_costs=shortage_costs,
                n_draws=n_draws, rng=rng, level=level)
            j = column[pid]
            rows.append({
                "product_id": pid, "measure_id": measure_id, "members": measure_id,
                "measure_kind": kind,
                "addresses_dominant_cause": any(m in matched[pid] for m in members),
                "shortage_days_avoided_per_yr": float(effects.shortage_days_avoided_per_yr[j]),
                "shortage_days_avoided_per_yr_ci95": float(half[j]),
                "unmet_units_avoided_per_yr": float(effects.unmet_units_avoided_per_yr[j]),
                "holding_cost_change_usd_per_yr":
                    float(effects.holding_cost_change_usd_per_yr[j]),
                "capex_usd": costs.capex_usd, "opex_usd_per_yr": costs.opex_usd_per_yr,
                "firm_npv_usd": pricing.firm_npv_usd,
                "firm_accepts": bool(pricing.appraisal.accept),
                "social_npv_usd": pricing.social_npv_usd,
                "social_npv_low_usd": pricing.social_npv_low_usd,
                "social_npv_high_usd": pricing.social_npv_high_usd,
                "public_cost_usd": pricing.public_cost_usd,
                "public_cost_usd_per_shortage_day_avoided":
                    pricing.public_cost_usd_per_shortage_day_avoided,
                "required_price_premium_share": pricing.required_price_premium_share,
                "verdict": pricing.verdict.value,
            })
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


@dataclass(frozen=True)
class PortfolioCheck:
    """A portfolio re-simulated as a whole beside its additive estimate.

    Attributes
    ----------
    by_product : pandas.DataFrame
        ``product_id``, ``additive_shortage_days_avoided_per_yr`` (the sum of the chosen
        measures' separate effects), ``simulated_shortage_days_avoided_per_yr`` and
        ``_ci95`` (paired batch means, the whole portfolio against no measure) [d/yr].
    additive_total, simulated_total, simulated_total_ci95 : float
        Over all products [d/yr].
    """

    by_product: pd.DataFrame
    additive_total: float
    simulated_total: float
    simulated_total_ci95: float


def portfolio_run(scenario: Scenario, assignment: Mapping[str, Sequence[str]], *,
                  entropy: int, n_years: int, chunk_size: int,
                  map_chunks: ChunkMapper = map_serial,
                  defaults: DisruptionDefaults | None = None) -> RunDigest | None:
    """The network run with every chosen measure on its chosen products at once (None for
    an empty portfolio: it is the run without measures).

    Parameters
    ----------
    scenario : Scenario
    assignment : mapping of str to sequence of str
        Measure id -> the products it is chosen for.
    entropy, n_years, chunk_size : int
        The chunk plan of the study (so the run is paired with its run without measures).
    """
    defaults = defaults or load_disruption_defaults()
    chosen = {mid: list(pids) for mid, pids in assignment.items() if pids}
    if not chosen:
        return None
    variant = with_measures_on_products(scenario, chosen)
    inputs = supply_inputs_with_lines(variant, tuple(chosen), defaults)
    return network_run(inputs, n_years=n_years, chunk_size=chunk_size, entropy=entropy,
                       map_chunks=map_chunks)


def portfolio_check(base: RunDigest, run: RunDigest | None,
                    additive: Mapping[str, float]) -> PortfolioCheck:
    """The portfolio's run (:func:`portfolio_run`) paired with the run without measures.

    Parameters
    ----------
    base : RunDigest
        The study's run without measures.
    run : RunDigest or None
        The portfolio's run (None: the empty portfolio, nothing avoided).
    additive : mapping of str to float
        Product id -> the shortage-days avoided a year that the separate runs add up to
        for its chosen measures [d/yr].
    """
    effects = product_effects(base, base if run is None else run)
    by_chunk = effects.shortage_days_avoided_by_chunk
    half = batch_means_half_width(by_chunk)
    total_half = float(batch_means_half_width(by_chunk.sum(axis=1, keepdims=True))[0])
    table = pd.DataFrame({
        "product_id": list(effects.product_ids),
        "additive_shortage_days_avoided_per_yr": [float(additive.get(pid, 0.0))
                                                  for pid in effects.product_ids],
        "simulated_shortage_days_avoided_per_yr": effects.shortage_days_avoided_per_yr,
        "simulated_shortage_days_avoided_per_yr_ci95": half,
    })
    return PortfolioCheck(table, float(table["additive_shortage_days_avoided_per_yr"].sum()),
                          float(effects.shortage_days_avoided_per_yr.sum()), total_half)


def simulate_portfolio(scenario: Scenario, assignment: Mapping[str, Sequence[str]],
                       additive: Mapping[str, float], *, entropy: int, n_years: int,
                       chunk_size: int, base: RunDigest | None = None,
                       map_chunks: ChunkMapper = map_serial,
                       defaults: DisruptionDefaults | None = None) -> PortfolioCheck:
    """Re-simulate a portfolio as a whole (:func:`portfolio_run`) and set it beside its
    additive estimate (:func:`portfolio_check`); ``base`` is simulated when not given."""
    defaults = defaults or load_disruption_defaults()
    if base is None:
        base = network_run(supply_inputs_with_lines(scenario, (), defaults),
                           n_years=n_years, chunk_size=chunk_size, entropy=entropy,
                           map_chunks=map_chunks)
    run = portfolio_run(scenario, assignment, entropy=entropy, n_years=n_years,
                        chunk_size=chunk_size, map_chunks=map_chunks, defaults=defaults)
    return portfolio_check(base, run, additive)
