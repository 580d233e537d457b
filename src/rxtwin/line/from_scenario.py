"""From a validated scenario to the line simulator's inputs (the scenario adapter).

:func:`line_inputs_from_scenario` maps one line of a :class:`rxtwin.model.Scenario`, run
with one technology (its own or another, to compare), to :class:`LineEngineInputs`. Every
number comes from the scenario; the rules of the mapping are:

* **Campaigns** come from the planner: the common-cycle ELSP solution
  (:func:`rxtwin.line.plan.common_cycle_plan`, Hanssmann 1962) with setup time = mean
  changeover, setup cost = cleaning cost per changeover plus the output scrapped at start-up
  and shut-down (valued at material cost), and holding cost = material cost x the firm's
  inventory carrying rate. Lost contribution during changeovers is taken as 0 (the line has
  spare capacity when the plan is feasible). Campaign units = lot size of the plan; the
  rotation runs the line's products in their listed order every cycle.
* **Initial stock** is the plan's steady state: each product starts with enough to last
  until its first campaign of the rotation is made and released (start day + setup +
  campaign + QC release lead time, in days of mean demand) plus its safety level
  ``target_inventory_days`` (and any buffer-stock intervention's ``extra_stock_days``), so the simulated
  year is a typical year of the plan, not a start-up transient. The product's
  ``initial_inventory_days`` is for supply studies and is not used here.
* **Run-out policy**: a product is considered when its days of supply fall below
  ``target_inventory_days`` (the product's safety level) and is made up to that level plus
  one plan cycle of demand (an (s, S) rule with S - s the cycle stock).
* **Failure modes** apply to the line when they cover one of its products' dosage forms.
  Per-event effects keep their probability x the technology's effect-matrix multiplier x
  the interventions' rate multipliers; ``recall`` is counted as a rejected lot. Time-based
  ``breakdown`` and ``site_outage`` become breakdowns whose mean run hours between failures
  is the line's expected run hours per year / (rate x multipliers): the engine's failure
  clock runs while the line makes product, so this keeps the yearly count of stops equal to
  the scenario's rate; repair times are staffed hours, while a site outage's duration is
  calendar time (entered as duration x staffed fraction, which the engine stretches back).
  Only occurrences the line detects act on it: a per-event probability is further
  multiplied by the mode's detection probability (technology's value, or the best an
  intervention sets; :meth:`rxtwin.model.intervention.FailureModeMultipliers.detection`);
  the rest escape and may escalate at the site (:mod:`rxtwin.runs.site_failures`).
  Time-based stops happen on the line whatever the detection (a stop is always seen).
  A probability that the multipliers push above 1 is an error, not clipped. A contamination after a changeover adds a re-clean drawn from the
  technology's changeover distribution. ``demand_change`` modes become demand events of
  every product (rate per product per year, multiplier, duration).
* **Costs**: labour = FTE x loaded cost / staffed hours [USD per staffed h]; energy =
  kWh per 1000 units x price of energy; overhead = the firm's line overhead + the
  technology's maintenance.
* **Interventions** (by id; an unknown id is an error,
  :func:`rxtwin.model.scenario.interventions_by_id`) act on the line when their
  ``line_ids`` is empty or names it; ``product_ids`` is not used here (an intervention
  restricted to products acts on the whole line). Their ``failure_mode_changes`` multiply
  per failure mode (:func:`rxtwin.model.intervention.failure_mode_multipliers`) into the
  mode's rate or probability (with the technology's multiplier) and its duration; the
  shortest ``qc_release_h`` replaces the QC release lead time; the ``extra_stock_days`` of
  ``buffer_stock`` interventions add up and go to initial stock and to the safety level
  (an ``api_reserve`` is API held upstream, outside the line model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rxtwin.errors import UserInputError
from rxtwin.line import inputs as li
from rxtwin.line.plan import CampaignPlan, common_cycle_plan, elsp_problem_from_line
from rxtwin.model import (
    Exponential,
    FailureEffect,
    FailureMode,
    Fixed,
    Gamma,
    LogNormal,
    Scenario,
    Technology,
    Triangular,
    Uniform,
)
from rxtwin.model.intervention import (
    FailureModeMultipliers,
    Intervention,
    InterventionKind,
    failure_mode_multipliers,
)
from rxtwin.model.scenario import interventions_by_id
from rxtwin.model.units import DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR

_PER_EVENT_CODES = {
    FailureEffect.reject_batch: li.FailureEffectCode.REJECT_BATCH,
    FailureEffect.recall: li.FailureEffectCode.REJECT_BATCH,
    FailureEffect.qa_hold: li.FailureEffectCode.QA_HOLD,
    FailureEffect.contamination_after_changeover:
        li.FailureEffectCode.CONTAMINATION_AFTER_CHANGEOVER,
    FailureEffect.input_reject: li.FailureEffectCode.INPUT_REJECT,
}
_STOPS = (FailureEffect.breakdown, FailureEffect.site_outage)


def engine_duration(dist, scale: float = 1.0) -> li.Duration:
    """The engine's :class:`~rxtwin.line.inputs.Duration` for a scenario distribution,
    with every time parameter multiplied by ``scale`` (cv unchanged).

    Not a sampler: it encodes the distribution as the kind code and parameters that the
    compiled engine's own draw (:func:`rxtwin.line.engine._draw_duration`) reads.
    """
    match dist:
        case Fixed(value=value):
            return li.fixed(value * scale)
        case Uniform(low=low, high=high):
            return li.uniform(low * scale, high * scale)
        case Triangular(low=low, mode=mode, high=high):
            return li.triangular(low * scale, mode * scale, high * scale)
        case LogNormal(mean=mean, cv=cv):
            return li.lognormal(mean * scale, cv)
        case Gamma(mean=mean, cv=cv):
            return li.gamma(mean * scale, cv)
        case Exponential(mean=mean):
            return li.exponential(mean * scale)
    raise TypeError(f"{dist!r} cannot be a duration")


@dataclass(frozen=True)
class InterventionEffects:
    """The combined effect of a set of interventions on one line.

    Attributes
    ----------
    failure_modes : FailureModeMultipliers
        Rate and duration multipliers per failure mode
        (:func:`rxtwin.model.intervention.failure_mode_multipliers`).
    qc_release_h : float or None
        QC release lead time replacing the technology's [h]; None keeps the technology's.
    extra_stock_days : float
        Days of demand added to initial stock and to the safety level [d].
    """

    failure_modes: FailureModeMultipliers
    qc_release_h: float | None
    extra_stock_days: float


def combined_intervention_effects(interventions: Sequence[Intervention]) -> InterventionEffects:
    """Multiply rate and duration changes per failure mode; the shortest QC release
    override wins; the extra stock days of ``buffer_stock`` interventions add up (an
    ``api_reserve`` is held upstream, as API, which the line does not model; the supply
    simulator places it at the API tier)."""
    releases = [i.qc_release_h for i in interventions if i.qc_release_h is not None]
    extra_days = 0.0
    # left to right: sum() of floats is compensated from Python 3.12 and may round otherwise
    for intervention in interventions:
        if intervention.kind == InterventionKind.buffer_stock:
            extra_days += intervention.extra_stock_days
    return InterventionEffects(failure_mode_multipliers(interventions),
                               min(releases) if releases else None, extra_days)


def select_interventions(scenario: Scenario, line_id: str,
                         intervention_ids: Sequence[str]) -> list[Intervention]:
    """The named interventions that act on ``line_id``: those whose ``line_ids`` is empty
    or names the line (``product_ids`` is not used: an intervention restricted to products
    acts on the whole line). Unknown ids raise :class:`rxtwin.errors.UnknownIdError`
    (:func:`rxtwin.model.scenario.interventions_by_id`)."""
    return [i for i in interventions_by_id(scenario, intervention_ids)
            if i.applies_to_line(line_id)]


def line_plan(scenario: Scenario, line_id: str, technology: Technology) -> CampaignPlan:
    """The common-cycle campaign plan of a line run with ``technology`` (rules above).

    Raises :class:`rxtwin.line.plan.InfeasiblePlanError` when the line cannot make its
    demand in its available hours.
    """
    line = scenario.line(line_id)
    products = [scenario.product(pid) for pid in line.product_ids]
    n = len(products)
    material = np.array([p.material_cost_usd_per_unit for p in products])
    rate = technology.throughput_units_per_h * technology.speed_fraction \
        * technology.process_yield_fraction
    scrap_units = technology.throughput_units_per_h * (technology.startup_loss_h
                                                        + technology.shutdown_loss_h)
    return common_cycle_plan(elsp_problem_from_line(
        product_ids=[p.id for p in products],
        demand_units_per_yr=[p.demand_units_per_yr for p in products],
        production_rate_units_per_h=np.full(n, rate),
        changeover_h=technology.changeover_h.mean,
        lost_contribution_usd_per_h=0.0,
        cleaning_cost_usd=technology.cleaning_cost_usd_per_changeover,
        scrap_units_per_changeover=scrap_units,
        unit_cost_usd=material,
        holding_rate_per_yr=scenario.firm.inventory_carrying_rate_per_yr,
        available_h_per_yr=line.available_h_per_yr,
    ))


def _applies(mode: FailureMode, forms: set) -> bool:
    return any(form in forms for form in mode.dosage_forms)


def continuous_refusal(scenario: Scenario, line_id: str, technology: Technology) -> str | None:
    """Why ``technology`` may not run line ``line_id``, or None.

    A technology whose ``operating_mode`` is continuous is refused for a line holding a
    product with ``continuous_amenable = False``: the line simulator runs every product of
    a line on its one technology, so the product cannot stay on batch equipment within the
    same simulated line; the honest answer is to refuse the option and say why (move the
    product to a batch line of its own to appraise the rest).
    """
    if technology.operating_mode != "continuous":
        return None
    line = scenario.line(line_id)
    refused = [pid for pid in line.product_ids
               if not scenario.product(pid).continuous_amenable]
    if not refused:
        return None
    return (f"technology '{technology.id}' (operating_mode continuous) is refused for line "
            f"'{line_id}': product(s) {', '.join(refused)} have continuous_amenable = "
            "false and would have to run on it; move them to a batch line of their own")


def line_inputs_from_scenario(
    scenario: Scenario,
    line_id: str,
    *,
    technology_id: str | None = None,
    policy: str | None = None,
    intervention_ids: Sequence[str] = (),
    horizon_days: int = int(DAYS_PER_YEAR),
) -> li.LineEngineInputs:
    """Engine inputs for ``line_id`` run with ``technology_id`` (default: the line's own).

    Parameters
    ----------
    scenario : Scenario
    line_id : str
    technology_id : str, optional
        Another technology of the scenario, to compare technologies on the same line.
    policy : {'fixed_rotation', 'run_out'}, optional
        Campaign policy (default: the line's).
    intervention_ids : sequence of str
        Interventions applied to the line.
    horizon_days : int
        Simulated horizon [d] (default one year).
    """
    line = scenario.line(line_id)
    tech = scenario.technology(technology_id or line.technology_id)
    refusal = continuous_refusal(scenario, line_id, tech)
    if refusal is not None:
        raise UserInputError(refusal)
    products = [scenario.product(pid) for pid in line.product_ids]
    n = len(products)
    effects = combined_intervention_effects(
        select_interventions(scenario, line_id, intervention_ids))
    plan = line_plan(scenario, line_id, tech)

    demand_per_day = np.array([p.demand_units_per_yr for p in products]) / DAYS_PER_YEAR
    safety_days = np.array([p.target_inventory_days for p in products]) \
        + effects.extra_stock_days
    cycle_days = float(plan.cycle_days[0])
    qc_release_h = effects.qc_release_h if effects.qc_release_h is not None \
        else tech.qc_release_h
    staffed_fraction = line.available_h_per_yr / HOURS_PER_YEAR
    # plan times are line-days (staffed time); QC release runs on the calendar
    first_release_day = ((plan.start_day + plan.setup_days + plan.campaign_days)
                         / staffed_fraction + qc_release_h / HOURS_PER_DAY)
    run_h_per_yr = sum(p.demand_units_per_yr for p in products) / (
        tech.throughput_units_per_h * tech.speed_fraction * tech.process_yield_fraction)
    forms = {p.dosage_form for p in products}

    failures, demand_kinds = [], []
    for mode in scenario.failure_modes:
        if not _applies(mode, forms):
            continue
        multiplier = mode.multiplier_for(tech.kind) * effects.failure_modes.rate(mode.id)
        scale = effects.failure_modes.duration(mode.id)
        if mode.effect in _STOPS:
            if multiplier * mode.rate_per_yr == 0:
                continue
            # repairs are staffed (operating) hours, which the engine stretches by
            # 1 / staffed_fraction; a site outage lasts calendar hours, so it enters as
            # duration x staffed_fraction to come out at its calendar length
            if mode.effect == FailureEffect.site_outage:
                scale *= staffed_fraction
            failures.append(dict(name=mode.id, effect=li.FailureEffectCode.BREAKDOWN,
                                 mtbf_h=run_h_per_yr / (mode.rate_per_yr * multiplier),
                                 duration=engine_duration(mode.duration_h, scale)))
        elif mode.effect == FailureEffect.demand_change:
            demand_kinds.append(dict(name=mode.id, rate_per_yr=mode.rate_per_yr * multiplier,
                                     multiplier=mode.demand_multiplier,
                                     duration=engine_duration(mode.duration_h, scale)))
        else:
            if mode.effect == FailureEffect.contamination_after_changeover:
                duration = engine_duration(tech.changeover_h, scale)
            elif mode.duration_h is not None:
                duration = engine_duration(mode.duration_h, scale)
            else:
                duration = li.fixed(0.0)
            probability = mode.probability_per_event * multiplier
            if probability > 1.0:
                raise UserInputError(
                    f"failure mode '{mode.id}': probability {mode.probability_per_event} x "
                    f"multiplier {multiplier:g} (technology and interventions) = "
                    f"{probability:g} exceeds 1")
            # only occurrences caught on the line act on it; x 1.0 (the default) is exact
            detected = probability * effects.failure_modes.detection(mode, tech.kind)
            failures.append(dict(name=mode.id, effect=_PER_EVENT_CODES[mode.effect],
                                 probability=detected,
                                 duration=duration, loss_fraction=mode.loss_fraction))

    return li.LineEngineInputs(
        product_names=tuple(p.id for p in products),
        demand_units_per_day=demand_per_day,
        demand_cv=np.array([p.demand_cv for p in products]),
        price_usd_per_unit=np.array([p.price_usd_per_unit for p in products]),
        material_cost_usd_per_unit=np.array([p.material_cost_usd_per_unit for p in products]),
        initial_inventory_units=demand_per_day * (first_release_day + safety_days),
        reorder_days_of_supply=safety_days,
        target_days_of_supply=safety_days + cycle_days,
        campaign_units=plan.lot_size_units,
        operating_mode=li.OperatingMode(("batch", "continuous").index(tech.operating_mode)),
        lot_size_units=tech.batch_size_units,
        lot_cycle_h=tech.batch_cycle_h,
        speed_fraction=tech.speed_fraction,
        process_yield_fraction=tech.process_yield_fraction,
        changeover=engine_duration(tech.changeover_h),
        startup_loss_h=tech.startup_loss_h,
        shutdown_loss_h=tech.shutdown_loss_h,
        qc_release_h=qc_release_h,
        staffed_fraction=staffed_fraction,
        labour_usd_per_h=tech.labour_fte * scenario.firm.labour_usd_per_fte_yr
        / line.available_h_per_yr,
        energy_usd_per_unit=tech.energy_kwh_per_1000_units / 1000.0
        * scenario.firm.energy_usd_per_kwh,
        qc_usd_per_lot=tech.qc_cost_usd_per_lot,
        cleaning_usd_per_changeover=tech.cleaning_cost_usd_per_changeover,
        overhead_usd_per_yr=scenario.firm.overhead_usd_per_yr + tech.maintenance_usd_per_yr,
        policy=li.CampaignPolicy(("fixed_rotation", "run_out").index(
            policy or line.campaign_policy)),
        rotation=np.arange(n),
        cycle_length_days=cycle_days,
        horizon_days=horizon_days,
        failures=li.failure_modes(*failures),
        demand_events=li.demand_events(n, *demand_kinds),
    )


def with_twin_losses(inputs: li.LineEngineInputs, losses) -> li.LineEngineInputs:
    """The continuous line's inputs with its losses taken from the digital twin.

    The twin (:func:`rxtwin.twin.handoff.continuous_loss_parameters`) gives, for the
    scenario's disturbance rate, the expected diverted fraction of steady-state output and
    the start-up and shut-down losses per campaign in hours of production. They replace the
    technology's own figures:

    .. math:: y' = y \\, (1 - f_{div}), \\qquad t_{su}' = t_{su}^{twin},
              \\qquad t_{sd}' = t_{sd}^{twin}

    Parameters
    ----------
    inputs : LineEngineInputs
        Inputs of a continuous-mode line (from :func:`line_inputs_from_scenario`).
    losses : rxtwin.twin.handoff.ContinuousLossParameters

    Raises
    ------
    ValueError
        For a batch-mode line (diversion applies to continuous lines only).
    """
    if inputs.operating_mode != li.OperatingMode.CONTINUOUS:
        raise UserInputError("twin losses apply to continuous-mode lines only "
                             f"(this line runs in {inputs.operating_mode.name.lower()} mode)")
    return inputs.replace(
        process_yield_fraction=inputs.process_yield_fraction * (1.0 - losses.diverted_fraction),
        startup_loss_h=losses.startup_loss_h,
        shutdown_loss_h=losses.shutdown_loss_h,
    )
