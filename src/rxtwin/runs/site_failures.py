"""From a line's failure modes to its site's outage modes: one failure model, two views.

A failure mode of a scenario acts on a line (the line simulator: rejected lots, holds,
stops) and, through its ``escalations``, on the site that runs the line (the supply
simulator: recalls, OAI inspections, warning letters... that stop the site). The line and
supply engines never import each other, so this orchestration module joins them: it reads
the line's occurrence counts from the line adapter (:mod:`rxtwin.line.from_scenario`) and
hands the derived :class:`rxtwin.model.disruption.OutageMode`\\ s to
:func:`rxtwin.supply.disruption_inputs.supply_inputs_from_scenario` through its
``extra_site_outage_modes`` argument. See docs/supply_simulation.md, "From line failures
to site outages".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rxtwin.line.from_scenario import (
    combined_intervention_effects,
    line_plan,
    select_interventions,
)
from rxtwin.model import FailureEffect, Scenario
from rxtwin.model.disruption import DisruptionDefaults, OutageMode, SiteInspections
from rxtwin.model.units import HOURS_PER_DAY
from rxtwin.supply.disruption_inputs import SupplyEngineInputs, supply_inputs_from_scenario

__all__ = [
    "INSPECTION_ROOT",
    "LineFailureOccurrence",
    "escalation_rate_per_yr",
    "escaped_defects_per_yr",
    "line_failure_occurrences",
    "line_release_days",
    "oai_probability",
    "site_outage_modes_from_lines",
    "supply_inputs_with_lines",
]

#: Effects that happen once per lot with ``probability_per_event``.
PER_LOT_EFFECTS = frozenset({FailureEffect.reject_batch, FailureEffect.qa_hold,
                             FailureEffect.input_reject, FailureEffect.recall})
#: Effects of a defective product (per lot or after a changeover): what escapes of them sets
#: a site's quality state for its inspections.
DEFECT_EFFECTS = PER_LOT_EFFECTS | {FailureEffect.contamination_after_changeover}
#: Root named in the outage mode of OAI inspections (``"oai_inspection<-inspection"``).
INSPECTION_ROOT = "inspection"


@dataclass(frozen=True)
class LineFailureOccurrence:
    """How often a failure mode occurs on a line and how much of it the line catches.

    Attributes
    ----------
    line_id, site_id, failure_mode_id : str
    occurrences_per_yr : float
        Expected occurrences per year [1/yr], detected or not.
    detection_probability : float
        Chance the line catches one occurrence before release [-].
    """

    line_id: str
    site_id: str
    failure_mode_id: str
    occurrences_per_yr: float
    detection_probability: float

    @property
    def escaped_per_yr(self) -> float:
        """Occurrences per year that escape the line, ``occurrences x (1 - detection)``
        [1/yr]."""
        return self.occurrences_per_yr * (1.0 - self.detection_probability)


def escalation_rate_per_yr(occurrences_per_yr: float, detection_probability: float,
                           escalation_probability: float) -> float:
    """Arrival rate of a site outage caused by escalations of escaped failures.

    Parameters
    ----------
    occurrences_per_yr : float
        Occurrences of the failure mode on the line :math:`\\lambda` [1/yr].
    detection_probability : float
        Chance the line catches one occurrence :math:`d` [-].
    escalation_probability : float
        Chance one escaped occurrence becomes the escalation :math:`q` [-].

    Returns
    -------
    float
        :math:`\\lambda (1 - d) q` [1/yr].

    Notes
    -----
    Independent thinning of a Poisson process (each occurrence escapes with probability
    :math:`1-d`, each escaped one escalates with probability :math:`q`) is a Poisson
    process of rate :math:`\\lambda(1-d)q` (Ross, *Stochastic Processes*, 2nd ed., 1996,
    Prop. 2.3.2). Per-lot occurrences are Bernoulli per lot; over the many lots of a year
    the Poisson approximation of their count is the modelling assumption here.

    Examples
    --------
    >>> escalation_rate_per_yr(10.0, 0.9, 0.5)
    0.4999999999999999
    """
    return occurrences_per_yr * (1.0 - detection_probability) * escalation_probability


def _lots_per_yr(scenario: Scenario, line_id: str, technology) -> float:
    """Expected lots per year of a line [1/yr]: demand / good units per lot."""
    line = scenario.line(line_id)
    units_per_lot = technology.batch_size_units * technology.process_yield_fraction
    return sum(scenario.product(p).demand_units_per_yr for p in line.product_ids) \
        / units_per_lot


def line_failure_occurrences(scenario: Scenario, line_id: str,
                             intervention_ids: Sequence[str] = (), *,
                             only_escalating: bool = True,
                             as_incumbent: bool = False) -> list[LineFailureOccurrence]:
    """Occurrences per year and detection of the failure modes acting on a line.

    Parameters
    ----------
    scenario : Scenario
    line_id : str
    intervention_ids : sequence of str
        Interventions applied; those whose ``line_ids`` excludes the line do not act
        (:func:`rxtwin.line.from_scenario.select_interventions`).
    only_escalating : bool
        Keep only the modes with ``escalations`` (the default; the others cannot reach
        the site, and skipping them skips the campaign plan when no mode escalates).
    as_incumbent : bool
        Rates and detection as if the line ran the incumbent technology (no effect-matrix
        multiplier, the mode's own ``detection_probability``) with no intervention, on the
        same campaign plan: the reference of a site's quality state
        (:func:`oai_probability`).

    Returns
    -------
    list of LineFailureOccurrence
        In the order of ``scenario.failure_modes``, for the modes that cover a dosage form
        of the line's products.

    Notes
    -----
    With the line's technology :math:`k`, the effect-matrix multiplier :math:`m_k` and the
    interventions' rate multiplier :math:`m_i` (the same as the line adapter uses,
    :mod:`rxtwin.line.from_scenario`):

    * per-lot effects: :math:`\\lambda = p\\, m_k m_i\\, D / (B y)` with :math:`D` the
      line's total demand [units/yr], :math:`B` the batch (release-lot) size [units] and
      :math:`y` the process yield [-] (good units per lot);
    * contamination after changeover: :math:`\\lambda = p\\, m_k m_i \\sum_j n_j` with
      :math:`n_j` the campaign plan's setups per year of product :math:`j`
      (:func:`rxtwin.line.from_scenario.line_plan`);
    * time-based effects: :math:`\\lambda = r\\, m_k m_i` [1/yr].

    These are plan expectations, not simulated counts: lots lost and remade, or the
    run-out policy's campaigns, are not counted.
    """
    line = scenario.line(line_id)
    tech = scenario.technology(line.technology_id)
    effects = combined_intervention_effects(
        [] if as_incumbent else select_interventions(scenario, line_id, intervention_ids))
    forms = {scenario.product(p).dosage_form for p in line.product_ids}
    setups_per_yr: list[float] = []  # the plan's, computed once when a mode needs it
    found = []
    for mode in scenario.failure_modes:
        if not any(form in forms for form in mode.dosage_forms):
            continue
        if only_escalating and not mode.escalations:
            continue
        multiplier = (1.0 if as_incumbent else mode.multiplier_for(tech.kind)) \
            * effects.failure_modes.rate(mode.id)
        if mode.effect in PER_LOT_EFFECTS:
            occurrences = mode.probability_per_event * multiplier \
                * _lots_per_yr(scenario, line_id, tech)
        elif mode.effect == FailureEffect.contamination_after_changeover:
            if not setups_per_yr:
                setups_per_yr.append(
                    float(sum(line_plan(scenario, line_id, tech).setups_per_yr)))
            occurrences = mode.probability_per_event * multiplier * setups_per_yr[0]
        else:
            occurrences = mode.rate_per_yr * multiplier
        detection = mode.detection_probability if as_incumbent \
            else effects.failure_modes.detection(mode, tech.kind)
        found.append(LineFailureOccurrence(line_id, line.site_id, mode.id, occurrences,
                                           detection))
    return found


def escaped_defects_per_yr(scenario: Scenario, line_id: str,
                           intervention_ids: Sequence[str] = (), *,
                           as_incumbent: bool = False) -> float:
    """Defects a line lets escape per year: :math:`E = \\sum_f \\lambda_f (1 - d_f)` over
    its failure modes with a defect effect (per-lot rejects, holds, recalls, input rejects,
    contamination after a changeover) [1/yr].

    Parameters as :func:`line_failure_occurrences` (every mode counts, escalating or not).
    """
    return sum(o.escaped_per_yr for o in line_failure_occurrences(
        scenario, line_id, intervention_ids, only_escalating=False, as_incumbent=as_incumbent)
        if scenario.failure_mode(o.failure_mode_id).effect in DEFECT_EFFECTS)


def oai_probability(inspections: SiteInspections, escaped_per_yr: float,
                    escaped_incumbent_per_yr: float) -> float:
    """Probability that one inspection of a site is OAI, from its quality state.

    Parameters
    ----------
    inspections : SiteInspections
        :math:`p_0` (``oai_probability``) and :math:`s` (``quality_driven_share``).
    escaped_per_yr : float
        Defects the site's lines let escape :math:`E` [1/yr].
    escaped_incumbent_per_yr : float
        The same lines run as the incumbent :math:`E_0` [1/yr] (as_incumbent).

    Returns
    -------
    float
        :math:`\\min\\{1, p_0 [(1 - s) + s E / E_0]\\}` [-]; :math:`p_0` when
        :math:`E_0 = 0` (nothing escapes the incumbent either, so nothing to compare).

    Examples
    --------
    >>> from rxtwin.model.disruption import SiteInspections
    >>> from rxtwin.model.distributions import Fixed
    >>> i = SiteInspections(0.161, 0.0729, 0.5, Fixed(dist="fixed", value=180.0), ())
    >>> oai_probability(i, 1.0, 1.0), round(oai_probability(i, 0.0, 1.0), 5)
    (0.0729, 0.03645)
    """
    if escaped_incumbent_per_yr <= 0.0:
        return inspections.oai_probability
    s = inspections.quality_driven_share
    return min(1.0, inspections.oai_probability
               * ((1.0 - s) + s * escaped_per_yr / escaped_incumbent_per_yr))


def line_release_days(scenario: Scenario, line_id: str,
                      intervention_ids: Sequence[str] = ()) -> float:
    """Release time of a line's lots [d]: the technology's ``qc_release_h`` or the
    shortest override of the interventions acting on the line (a rapid sterility test,
    real-time release), / 24 (the rule of :mod:`rxtwin.line.from_scenario`)."""
    line = scenario.line(line_id)
    effects = combined_intervention_effects(
        select_interventions(scenario, line_id, intervention_ids))
    release_h = effects.qc_release_h if effects.qc_release_h is not None \
        else scenario.technology(line.technology_id).qc_release_h
    return release_h / HOURS_PER_DAY


def site_outage_modes_from_lines(scenario: Scenario, intervention_ids: Sequence[str] = (),
                                 inspections: SiteInspections | None = None,
                                 ) -> dict[str, tuple[OutageMode, ...]]:
    """Site outage modes implied by the lines a site runs: escalations and inspections.

    Parameters
    ----------
    scenario : Scenario
    intervention_ids : sequence of str
        Interventions applied (they change occurrences, detection and release time as on
        the line).
    inspections : SiteInspections or None
        The inspection process (``site_inspections`` of ``disruption_defaults.yaml``);
        None derives escalations only.

    Returns
    -------
    dict of str to tuple of OutageMode
        Site id -> derived modes, for sites that run a line with an escalating failure
        mode (a scenario opts in by giving ``escalations``; without any the result is
        empty, which leaves the supply inputs unchanged to the bit). Per site:

        * one mode per escalation kind and root failure mode, named
          ``"<kind><-<failure mode id>"`` (e.g. ``"recall<-oos-batch-reject"``), category
          = the kind, rate :func:`escalation_rate_per_yr` summed over the site's lines;
          modes of zero rate are left out;
        * with ``inspections``, ``"oai_inspection<-inspection"``: rate
          :math:`r\\, p_{OAI}` with :func:`oai_probability` of the site's escaped
          defects summed over its lines (:func:`escaped_defects_per_yr`), duration
          ``inspections.duration``.

        Every derived mode adds the release time of the site's lines
        (:func:`line_release_days`, the longest if several) to each outage: lots under
        release when a site is stopped for quality are quarantined with it, and the first
        lot made after the restart waits a full release cycle before it can ship
        (assumption; so a faster release shortens quality outages, docs/
        supply_simulation.md).

    Notes
    -----
    Pass the result to :func:`rxtwin.supply.disruption_inputs.supply_inputs_from_scenario`
    as ``extra_site_outage_modes`` with ``replaced_categories =
    inspections.line_explained_categories`` (:func:`supply_inputs_with_lines` does both),
    so a site's own regulatory-action and QA-lapse modes, which the derived modes explain,
    are not counted twice.

    Examples
    --------
    >>> from rxtwin.data.scenarios import load_scenario
    >>> modes = site_outage_modes_from_lines(load_scenario("generic_oral_solid"))
    >>> sorted(m.name for m in modes["fdf-plant"])
    ['recall<-nitrosamine-impurity', 'recall<-oos-batch-reject']
    """
    escalating_lines = [
        line for line in scenario.lines
        if line_failure_occurrences(scenario, line.id, intervention_ids)]
    rates: dict[str, dict[str, float]] = {}
    escalation_of: dict[tuple[str, str], object] = {}
    release_days: dict[str, float] = {}
    escaped: dict[str, list[float]] = {}
    for line in escalating_lines:
        site = line.site_id
        release_days[site] = max(release_days.get(site, 0.0),
                                 line_release_days(scenario, line.id, intervention_ids))
        rates.setdefault(site, {})
        for found in line_failure_occurrences(scenario, line.id, intervention_ids):
            for escalation in scenario.failure_mode(found.failure_mode_id).escalations:
                rate = escalation_rate_per_yr(found.occurrences_per_yr,
                                              found.detection_probability,
                                              escalation.probability)
                if rate <= 0.0:
                    continue
                name = f"{escalation.kind.value}<-{found.failure_mode_id}"
                rates[site][name] = rates[site].get(name, 0.0) + rate
                escalation_of[(site, name)] = escalation
        if inspections is not None:
            now, before = escaped.setdefault(site, [0.0, 0.0])
            escaped[site] = [
                now + escaped_defects_per_yr(scenario, line.id, intervention_ids),
                before + escaped_defects_per_yr(scenario, line.id, as_incumbent=True)]
    out = {}
    for site, by_name in rates.items():
        modes = [OutageMode(name, rate, escalation_of[(site, name)].duration_days, 1.0,
                            category=escalation_of[(site, name)].kind.value,
                            added_days=release_days[site])
                 for name, rate in by_name.items()]
        if inspections is not None:
            rate = inspections.rate_per_yr * oai_probability(inspections, *escaped[site])
            if rate > 0.0:
                modes.append(OutageMode(f"oai_inspection<-{INSPECTION_ROOT}", rate,
                                        inspections.duration, 1.0, category="oai_inspection",
                                        added_days=release_days[site]))
        if modes:
            out[site] = tuple(modes)
    return out


def supply_inputs_with_lines(scenario: Scenario, intervention_ids: Sequence[str],
                             defaults: DisruptionDefaults) -> SupplyEngineInputs:
    """Supply-simulator inputs of a scenario whose sites' quality outages come from the
    lines they run (:func:`site_outage_modes_from_lines` with the defaults'
    ``site_inspections``), replacing the sites' own modes of the line-explained
    categories; every other site keeps its modes."""
    inspections = defaults.site_inspections
    return supply_inputs_from_scenario(
        scenario, list(intervention_ids), defaults=defaults,
        extra_site_outage_modes=site_outage_modes_from_lines(scenario, intervention_ids,
                                                             inspections),
        replaced_categories=() if inspections is None
        else inspections.line_explained_categories)
