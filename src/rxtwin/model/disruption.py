"""Typed inputs of the disruption simulator that come from data files or scenarios.

:class:`DisruptionDefaults` is what :func:`rxtwin.data.disruption_defaults.
load_disruption_defaults` parses ``disruption_defaults.yaml`` into; :class:`OutageMode` and
:class:`DemandShock` are the events the simulator draws (per site and per product). The
supply engine (:mod:`rxtwin.supply.disruption_inputs`) consumes them; this module holds
data only, so that the data layer can build them without importing an engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from rxtwin.model.distributions import Distribution
from rxtwin.model.units import DAYS_PER_YEAR

__all__ = ["DemandShock", "DisruptionDefaults", "OutageMode", "SiteInspections"]


@dataclass(frozen=True)
class OutageMode:
    """One way a site stops: Poisson arrivals, a random duration.

    Attributes
    ----------
    name : str
        Category or failure-mode id (for reports).
    rate_per_yr : float
        Arrival rate [1/yr].
    duration : Distribution
        A :mod:`rxtwin.model.distributions` duration, in units of ``duration_unit_days``.
    duration_unit_days : float
        Days per unit of ``duration`` [d] (1 for days, 1/24 for hours).
    category : str
        Failure category (``regulatory_action``...), "" when unknown; calibrated
        durations (:attr:`DisruptionDefaults.calibrated_durations`) are looked up by it.
    added_days : float
        Days added to every drawn duration [d], after the unit conversion: an outage lasts
        ``duration x duration_unit_days + added_days`` days. Quality outages of a site that
        runs a line add the line's release time (the first lot made after the restart
        waits a full release cycle; :mod:`rxtwin.runs.site_failures`); 0 otherwise.
    """

    name: str
    rate_per_yr: float
    duration: Distribution
    duration_unit_days: float = 1.0
    category: str = ""
    added_days: float = 0.0


@dataclass(frozen=True)
class DemandShock:
    """Demand of a product times ``demand_multiplier`` for a random duration.

    Attributes
    ----------
    name : str
    rate_per_yr : float
        Arrival rate [1/yr].
    duration : Distribution
        Duration in units of ``duration_unit_days``.
    demand_multiplier : float
        Demand factor while the shock lasts [-]; overlapping shocks take the largest.
    duration_unit_days : float
        Days per unit of ``duration`` [d].
    """

    name: str
    rate_per_yr: float
    duration: Distribution
    demand_multiplier: float
    duration_unit_days: float = 1.0


@dataclass(frozen=True)
class SiteInspections:
    """Regulatory inspections of a site that runs a line, and what makes one OAI.

    Inspections arrive as a Poisson process; each is classified Official Action Indicated
    (OAI, the site stops until it has remediated) with a probability that depends on how
    many defects the site's lines let escape, relative to the same lines run as the
    incumbent (conventional batch, no measures):

    .. math::

        p_{OAI} = \\min\\{1,\\ p_0 [(1 - s) + s E / E_0]\\}, \\qquad
        \\lambda_{OAI} = r\\, p_{OAI}

    so the OAI share equals :math:`p_0` (the FDA's pooled share) for the incumbent, and
    falls, at most to :math:`p_0 (1 - s)`, as technologies and measures let fewer defects
    escape (:func:`rxtwin.runs.site_failures.oai_probability`).

    Attributes
    ----------
    rate_per_yr : float
        Inspections per site-year :math:`r` [1/yr].
    oai_probability : float
        Share of inspections classified OAI for the incumbent :math:`p_0` [-].
    quality_driven_share : float
        Share :math:`s` of the OAI probability that scales with escaped defects [-]; the
        rest (facilities, laboratory data, procedures) is taken as independent of them.
    duration : Distribution
        Outage of one OAI, in days [d].
    line_explained_categories : tuple of str
        Outage-mode categories of a site's own modes (scenario or default) that the
        line-derived processes replace at a site that runs a line with escalating failure
        modes, so that a quality outage is not counted twice.
    """

    rate_per_yr: float
    oai_probability: float
    quality_driven_share: float
    duration: Distribution
    line_explained_categories: tuple[str, ...]


@dataclass(frozen=True)
class DisruptionDefaults:
    """Values the scenario does not give (from ``data/disruption_defaults.yaml``).

    Attributes
    ----------
    site_outage_modes : tuple of OutageMode
        Modes of supplier sites, and of finished-dose sites without scenario modes.
    input_cover_days : float
        Stock of each input tier in days of mean demand [d].
    supplier_headroom_fraction : float
        Output above a supplier's share of mean demand allowed without surge [-].
    surge_capacity_fraction_of_demand : float
        Surge capacity of a supplier as a fraction of the product's mean demand [-].
    initial_stock_age_fraction : float
        Age of the initial stock as a fraction of its cover days [-].
    scenario_year_days : int
        Days in one scenario-year [d].
    warmup_years : int
        Unrecorded scenario-years at the start of every chunk [-].
    episode_gap_days : int
        Days without shortage that still leave two short spells one episode [d].
    calibrated_durations : mapping of str to Distribution
        Outage duration in days per failure category (``regulatory_action``...), fitted
        to the FDA shortage episodes (:mod:`rxtwin.supply.calibration`); replaces the
        duration of every site outage mode of that category, scenario modes included.
    site_inspections : SiteInspections or None
        Inspections of sites that run a line (used by the orchestration layer, not by
        the supply engine); None when the file gives none.
    input_value_fraction_of_material_cost : mapping of str to float
        Value of the stock of an input tier per finished-dose unit, as a share of the
        product's ``material_cost_usd_per_unit``, by tier kind (``"api"``, ``"ksm"``,
        ``"component"``) [-]; a kind not given holds stock of no value (no holding cost).
    """

    site_outage_modes: tuple[OutageMode, ...]
    input_cover_days: float
    supplier_headroom_fraction: float
    surge_capacity_fraction_of_demand: float
    initial_stock_age_fraction: float
    scenario_year_days: int = int(DAYS_PER_YEAR)
    warmup_years: int = 0
    episode_gap_days: int = 0
    calibrated_durations: Mapping[str, Distribution] = field(default_factory=dict)
    site_inspections: SiteInspections | None = None
    input_value_fraction_of_material_cost: Mapping[str, float] = field(default_factory=dict)

    def input_unit_value_usd(self, tier_kind: str, material_cost_usd_per_unit: float) -> float:
        """Value of one finished-dose unit's worth of an input in stock [USD/unit]:
        ``fraction(tier_kind) x material_cost_usd_per_unit`` (0 for a kind without a
        fraction)."""
        return self.input_value_fraction_of_material_cost.get(tier_kind, 0.0) \
            * material_cost_usd_per_unit

    def outage_mode(self, mode: OutageMode, duration_multiplier: float = 1.0) -> OutageMode:
        """``mode`` with its duration replaced by the calibrated one of its category, if
        any (in days, times ``duration_multiplier``: an intervention's change of the
        mode's duration still applies)."""
        duration = self.calibrated_durations.get(mode.category)
        if duration is None:
            return mode
        return dataclasses.replace(mode, duration=duration,
                                   duration_unit_days=float(duration_multiplier))
