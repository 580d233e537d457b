"""Every option of a line priced for the firm and for society (the ``econ.options`` run kind).

The options are those of the resilience comparison (:mod:`rxtwin.runs.resilience`): the
incumbent, each other technology on the line, each intervention on the incumbent, all
simulated from one seed on the line and in the network. This module prices each one
against the incumbent (:func:`rxtwin.econ.options.price_option`): the line year in money
from the line run, the shortage-days, unmet units and holding cost per product from the
network's paired chunks, the firm's criteria from the scenario, the appraisal terms and the
shortage-day costs from the bundled data.

:func:`price_outcomes` prices simulated outcomes; :func:`appraise_options` simulates and
prices; the run kind stores one recorded chunk per option (the resilience comparison's own
chunks: the run resumes where it stopped) and the options table. docs/econ.md, "Every
option, for the firm and for society".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field

from rxtwin.data.generic_competition import load_generic_competition
from rxtwin.data.shortage_costs import load_shortage_costs
from rxtwin.econ.market import market_table
from rxtwin.econ.options import (
    OptionPricing,
    SupplyEffects,
    intervention_costs,
    options_table,
    price_option,
    technology_costs,
)
from rxtwin.econ.technology import AppraisalTerms, firm_profile_of
from rxtwin.errors import Problem, UserInputError
from rxtwin.model.base import Real, WholeNumber
from rxtwin.model.finance import FirmProfile
from rxtwin.model.scenario import Scenario
from rxtwin.model.shortage_cost import ShortageCostParameters
from rxtwin.report.figures import options_quadrant_figure
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.econ import bundled_appraisal_terms, store_econ_table
from rxtwin.runs.params import ProgressCallback
from rxtwin.runs.resilience import (
    OptionOutcome,
    ResilienceParams,
    ResilienceTables,
    check_resilience_params,
    compare_resilience,
    recorded_options,
    resilience_n_chunks,
    resilience_summaries,
    resolve_resilience,
)
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.store import Store

__all__ = [
    "OPTIONS_RUN_KIND",
    "OPTIONS_TABLE",
    "SOCIAL_DRAWS_SPAWN_KEY",
    "OptionsAppraisal",
    "OptionsParams",
    "appraise_options",
    "check_options_params",
    "options_figures",
    "options_n_chunks",
    "price_outcomes",
    "resolve_options",
    "run_options",
    "supply_effects",
]

OPTIONS_RUN_KIND = "econ.options"
OPTIONS_TABLE = "econ_options"
MARKET_TABLE = "econ_market"
"""Summary of an ``econ.options`` run: each option's cost per unit against the market price,
the margin left and the makers a price erosion sustains (:func:`rxtwin.econ.market.market_table`
with the bundled ``generic_competition.yaml``)."""
#: Spawn key of the stream of the shortage-day cost draws and the chunk resampling, apart
#: from the chunks' own streams (spawn keys 0, 1, ... of the same entropy).
SOCIAL_DRAWS_SPAWN_KEY = 1_000_003


def supply_effects(incumbent: OptionOutcome, option: OptionOutcome) -> SupplyEffects:
    """The option's effects on the network against the incumbent, per product, from their
    paired chunks (the same chunk plan and seeds: common random numbers).

    Notes
    -----
    Per chunk :math:`c` and product :math:`p`: shortage-days avoided
    :math:`D_{cp} = D^{inc}_{cp} - D^{opt}_{cp}`, unmet units avoided likewise, holding
    cost change :math:`H^{opt}_{cp} - H^{inc}_{cp}` (all per scenario-year); the effects
    are their means over chunks, as ``by_product`` of the resilience tables.
    """
    if option.product_ids != incumbent.product_ids or not np.array_equal(
            option.chunk_years, incumbent.chunk_years):
        raise UserInputError(f"option '{option.option.label}' was not simulated on the "
                             "incumbent's products and chunk plan")
    days = incumbent.product_shortage_days - option.product_shortage_days
    unmet = incumbent.product_unmet_units - option.product_unmet_units
    holding = option.product_holding_cost - incumbent.product_holding_cost
    return SupplyEffects(option.product_ids, days.mean(axis=0), unmet.mean(axis=0),
                         holding.mean(axis=0), days, unmet)


@dataclass(frozen=True)
class OptionsAppraisal:
    """Result of :func:`price_outcomes` and :func:`appraise_options`.

    Attributes
    ----------
    table : pandas.DataFrame
        :func:`rxtwin.econ.options.options_table`, one row per option but the incumbent.
    pricings : list of OptionPricing
        The same options in full (cash-flow tables, appraisal).
    resilience : ResilienceTables or None
        The comparison the prices come from (None when outcomes were given).
    """

    table: pd.DataFrame
    pricings: list[OptionPricing]
    resilience: ResilienceTables | None = None


def price_outcomes(scenario: Scenario, line_id: str, outcomes: Sequence[OptionOutcome], *,
                   entropy: int, n_draws: int = 2000, profile: FirmProfile | None = None,
                   terms: AppraisalTerms | None = None,
                   shortage_costs: ShortageCostParameters | None = None,
                   level: float = 0.90, commitment_share: float = 1.0) -> OptionsAppraisal:
    """Price every option of simulated outcomes (the incumbent first, as
    :func:`rxtwin.runs.resilience.compare_resilience` makes them) against the incumbent.

    Parameters
    ----------
    scenario : Scenario
    line_id : str
    outcomes : sequence of OptionOutcome
    entropy : int
        Root of the draws' stream (spawn key :data:`SOCIAL_DRAWS_SPAWN_KEY`); every option
        gets the same draws (common random numbers across options).
    n_draws : int
        Draws of the shortage-day cost and of the chunk resampling [-].
    profile : FirmProfile, optional
        Default the scenario's firm.
    terms : AppraisalTerms, optional
        Default :func:`rxtwin.runs.econ.bundled_appraisal_terms`.
    shortage_costs : ShortageCostParameters, optional
        Default the bundled ``shortage_costs.yaml``.
    level : float
        Probability of the intervals [-].
    commitment_share : float
        Share of an option's line output a purchase commitment covers, once the option acts
        [-] (:func:`rxtwin.econ.options.price_option`).
    """
    if not outcomes or outcomes[0].option.kind != "incumbent":
        raise UserInputError("the first outcome must be the incumbent's")
    profile = profile or firm_profile_of(scenario)
    terms = terms or bundled_appraisal_terms()
    shortage_costs = shortage_costs or load_shortage_costs()
    line = scenario.line(line_id)
    products = [scenario.product(pid) for pid in outcomes[0].product_ids]
    firm = scenario.firm
    base = outcomes[0]
    pricings = []
    for outcome in outcomes[1:]:
        o = outcome.option
        freed = terms.salvage_value_fraction * scenario.technology(line.technology_id).capex_usd
        costs = (technology_costs(scenario.technology(o.technology_id),
                                  len(line.product_ids), freed) if o.kind == "technology"
                 else intervention_costs(next(i for i in scenario.interventions
                                              if i.id == o.intervention_ids[0])))
        tech = scenario.technology(o.technology_id)
        rng = np.random.default_rng(np.random.SeedSequence(
            entropy, spawn_key=(SOCIAL_DRAWS_SPAWN_KEY,)))
        pricings.append(price_option(
            costs, outcome.performance, base.performance, supply_effects(base, outcome),
            products, horizon_yr=scenario.horizon_yr, profile=profile, terms=terms,
            energy_usd_per_unit=tech.energy_kwh_per_1000_units / 1000.0
            * firm.energy_usd_per_kwh,
            shortage_costs=shortage_costs, n_draws=n_draws, rng=rng, level=level,
            commitment_share=commitment_share))
    return OptionsAppraisal(options_table(pricings), pricings)


def appraise_options(scenario: Scenario, *, line_id: str | None = None,
                     technology_ids: Sequence[str] | None = None,
                     intervention_ids: Sequence[str] | None = None, n_years: int = 2000,
                     chunk_size: int = 100, entropy: int, line_replications: int = 100,
                     n_draws: int = 2000, commitment_share: float = 1.0,
                     on_option_done: Callable[[int, OptionOutcome], None] | None = None,
                     done: dict[int, OptionOutcome] | None = None,
                     map_chunks: ChunkMapper = map_serial) -> OptionsAppraisal:
    """Simulate the options of a line (:func:`rxtwin.runs.resilience.compare_resilience`,
    same arguments; ``map_chunks`` runs the options) and price them
    (:func:`price_outcomes`, ``n_draws``, ``commitment_share``)."""
    line_id = line_id or scenario.lines[0].id
    outcomes: dict[int, OptionOutcome] = dict(done or {})

    def keep(index: int, outcome: OptionOutcome) -> None:
        outcomes[index] = outcome
        if on_option_done is not None:
            on_option_done(index, outcome)

    tables = compare_resilience(
        scenario, line_id=line_id, technology_ids=technology_ids,
        intervention_ids=intervention_ids, n_years=n_years, chunk_size=chunk_size,
        entropy=entropy, line_replications=line_replications, on_option_done=keep,
        done=done, map_chunks=map_chunks)
    priced = price_outcomes(scenario, line_id, [outcomes[i] for i in sorted(outcomes)],
                            entropy=entropy, n_draws=n_draws,
                            commitment_share=commitment_share)
    return OptionsAppraisal(priced.table, priced.pricings, tables)


# ------------------------------------------------------------------------------------------
# The run kind
# ------------------------------------------------------------------------------------------


class OptionsParams(ResilienceParams):
    """Every technology and intervention of one line priced for the firm and for society
    (``econ.options``): the resilience comparison's parameters and the draws."""

    n_draws: WholeNumber = Field(2000, ge=2, le=1_000_000,
                         description="draws of the shortage-day cost and of the paired "
                         "chunks, for the social NPV's intervals [-]")
    commitment_share: Real = Field(1.0, gt=0.0, le=1.0,
                                   description="share of the line's output a purchase "
                                   "commitment covers once the option acts [-] (default 1: "
                                   "every unit)")
    market_price_usd_per_unit: Real | None = Field(
        None, gt=0.0, le=1e6, description="price the line must match in the market table, "
        "e.g. an import price [USD/unit] (default: the incumbent's revenue per unit)")


def check_options_params(scenario: Scenario, params: OptionsParams) -> list[Problem]:
    """As the resilience comparison (:func:`rxtwin.runs.resilience.check_resilience_params`)."""
    return check_resilience_params(scenario, params)


def resolve_options(scenario: Scenario, params: OptionsParams) -> OptionsParams:
    """The line, technologies and interventions worked out from the scenario
    (:func:`rxtwin.runs.resilience.resolve_resilience`), the draws kept."""
    resolved = resolve_resilience(scenario, ResilienceParams.model_validate(
        params.model_dump(exclude={"n_draws", "commitment_share",
                                   "market_price_usd_per_unit"})))
    return OptionsParams.model_validate({
        **resolved.model_dump(), "n_draws": params.n_draws,
        "commitment_share": params.commitment_share,
        "market_price_usd_per_unit": params.market_price_usd_per_unit})


def options_n_chunks(params: OptionsParams) -> int:
    """One recorded chunk per option, the incumbent included."""
    return resilience_n_chunks(params)


def run_options(scenario: Scenario, params: OptionsParams, store: Store, run_id: str,
                progress: ProgressCallback, *, compute: ComputeSetting = SERIAL) -> None:
    """One recorded chunk per option (skipped when recorded: a resumed run), run where
    ``compute`` says, then the resilience tables, the options table
    (:data:`OPTIONS_TABLE`) and the market table (:data:`MARKET_TABLE`)."""
    params = resolve_options(scenario, params)
    done, record = recorded_options(store, run_id, options_n_chunks(params), progress)
    result = appraise_options(
        scenario, line_id=params.line_id, technology_ids=params.technologies,
        intervention_ids=params.interventions, n_years=params.n_years,
        chunk_size=params.chunk_size, entropy=params.seed,
        line_replications=params.line_replications, n_draws=params.n_draws,
        commitment_share=params.commitment_share, on_option_done=record, done=done,
        map_chunks=compute.map_chunks())
    competition = load_generic_competition()
    market = market_table(result.pricings, table=competition.price_share_of_brand_by_makers,
                          exit_margin_share=competition.exit_margin_share,
                          reliability_premium_share=competition.reliability_premium_share,
                          price_usd_per_unit=params.market_price_usd_per_unit)
    for name, frame in (*resilience_summaries(result.resilience),
                        (OPTIONS_TABLE, result.table), (MARKET_TABLE, market)):
        store_econ_table(store, run_id, name, frame)


def options_figures(store: Store, run_id: str, scenario: Scenario | None,
                    params: OptionsParams) -> dict[str, go.Figure]:
    """The quadrant of firm NPV against social NPV
    (:func:`rxtwin.report.figures.options_quadrant_figure`)."""
    if OPTIONS_TABLE not in store.list_summaries(run_id):
        return {}
    return {"options_quadrant": options_quadrant_figure(store.get_summary(run_id,
                                                                          OPTIONS_TABLE))}
