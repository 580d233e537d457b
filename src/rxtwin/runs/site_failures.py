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
from rxtwin.model.disruption import OutageMode

__all__ = [
    "LineFailureOccurrence",
    "escalation_rate_per_yr",
    "line_failure_occurrences",
    "site_outage_modes_from_lines",
]

#: Effects that happen once per lot with ``probability_per_event``.
PER_LOT_EFFECTS = frozenset({FailureEffect.reject_batch, FailureEffect.qa_hold,
                             FailureEffect.input_reject, FailureEffect.recall})


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
                             only_escalating: bool = True) -> list[LineFailureOccurrence]:
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
        select_interventions(scenario, line_id, intervention_ids))
    forms = {scenario.product(p).dosage_form for p in line.product_ids}
    setups_per_yr: list[float] = []  # the plan's, computed once when a mode needs it
    found = []
    for mode in scenario.failure_modes:
        if not any(form in forms for form in mode.dosage_forms):
            continue
        if only_escalating and not mode.escalations:
            continue
        multiplier = mode.multiplier_for(tech.kind) * effects.failure_modes.rate(mode.id)
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
        found.append(LineFailureOccurrence(line_id, line.site_id, mode.id, occurrences,
                                           effects.failure_modes.detection(mode, tech.kind)))
    return found


def site_outage_modes_from_lines(scenario: Scenario, intervention_ids: Sequence[str] = ()
                                 ) -> dict[str, tuple[OutageMode, ...]]:
    """Site outage modes implied by the escalations of the failure modes of every line.

    Parameters
    ----------
    scenario : Scenario
    intervention_ids : sequence of str
        Interventions applied (they change occurrences and detection as on the line).

    Returns
    -------
    dict of str to tuple of OutageMode
        Site id -> derived modes, for sites running a line with an escalating failure
        mode; empty when no failure mode has ``escalations`` (every scenario bundled
        today), which leaves the supply inputs unchanged to the bit. Each mode is named
        ``"<escalation kind><-<failure mode id>"`` (e.g. ``"recall<-qa-lapse"``, so
        shortage-days can later be attributed to the root cause), has ``category`` = the
        escalation kind, the escalation's ``duration_days`` in days, and the rate
        :func:`escalation_rate_per_yr` summed over the site's lines [1/yr]. Modes of zero
        rate (detection 1, probability 0) are left out.

    Notes
    -----
    Pass the result to :func:`rxtwin.supply.disruption_inputs.supply_inputs_from_scenario`
    as ``extra_site_outage_modes``: the derived modes add to the site's own outage modes
    (scenario ``site_outage`` modes or the category defaults). Modelling assumption: the
    default modes' rates are not reduced for the share already explained by the lines,
    so a scenario that adds escalations should check it does not count a regulatory
    outage twice.

    Examples
    --------
    >>> from rxtwin.data.scenarios import load_scenario
    >>> site_outage_modes_from_lines(load_scenario("generic_oral_solid"))
    {}
    """
    rates: dict[str, dict[str, float]] = {}
    escalation_of: dict[tuple[str, str], object] = {}
    modes_by_id = {m.id: m for m in scenario.failure_modes}
    for line in scenario.lines:
        for found in line_failure_occurrences(scenario, line.id, intervention_ids):
            for escalation in modes_by_id[found.failure_mode_id].escalations:
                rate = escalation_rate_per_yr(found.occurrences_per_yr,
                                              found.detection_probability,
                                              escalation.probability)
                if rate <= 0.0:
                    continue
                name = f"{escalation.kind.value}<-{found.failure_mode_id}"
                site = rates.setdefault(found.site_id, {})
                site[name] = site.get(name, 0.0) + rate
                escalation_of[(found.site_id, name)] = escalation
    return {
        site_id: tuple(
            OutageMode(name, rate, escalation_of[(site_id, name)].duration_days, 1.0,
                       category=escalation_of[(site_id, name)].kind.value)
            for name, rate in by_name.items())
        for site_id, by_name in rates.items()
    }
