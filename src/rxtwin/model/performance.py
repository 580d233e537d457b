"""A line's yearly operating performance in money and units: the currency between the line
simulator and the economics.

:class:`LinePerformance` is pure data. The line package fills it from simulator results
(:func:`rxtwin.line.performance.line_performance_from_results`); the econ package turns it
into cash flows (:func:`rxtwin.econ.switch.technology_switch_cash_flows`). Neither imports
the other. :data:`PerformancesAt` is the shape of the callback through which an engine that
needs performances of scenario variants (break-even, uncertainty) asks its caller for them
without running the simulator itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rxtwin.model.scenario import Scenario

__all__ = ["LinePerformance", "PerformancesAt"]


@dataclass(frozen=True)
class LinePerformance:
    """Mean yearly performance of one line run with one technology.

    All money in USD per year, units per year, means over simulator replications.

    Attributes
    ----------
    units_good : float
        Good units sent to QC [unit/yr].
    waste_units : float
        Units wasted: rejected lot units, yield loss, start-up/shut-down scrap [unit/yr].
    units_sold : float
        Units shipped to customers [unit/yr].
    revenue_usd : float
        Price x units sold [USD/yr].
    materials_usd : float
        Material cost of all output, including scrap and rejects [USD/yr].
    labour_usd : float
        Operating labour over the staffed hours [USD/yr].
    energy_usd : float
        Energy of all output [USD/yr].
    qc_usd : float
        QC testing of completed lots [USD/yr].
    cleaning_usd : float
        Cleaning cost of the changeovers [USD/yr].
    overhead_usd : float
        Fixed line overhead and maintenance [USD/yr].
    rejected_value_usd : float
        Material value of wasted units (rejected lots, yield loss, scrap) [USD/yr]; a part
        of ``materials_usd``, shown separately, not an extra cost.
    inventory_carrying_usd : float
        Mean inventory valued at material cost x the firm's carrying rate [USD/yr].
    inventory_build_usd : float
        Material value of the stock built in the year (final - initial inventory) [USD/yr];
        a part of ``materials_usd``, negative when stock is drawn down.
    fill_rate : float
        Demand shipped on the day it arose / demand [-].
    oee : float
        Overall equipment effectiveness (Nakajima) [-]; a memo, not money.
    """

    units_good: float
    waste_units: float
    units_sold: float
    revenue_usd: float
    materials_usd: float
    labour_usd: float
    energy_usd: float
    qc_usd: float
    cleaning_usd: float
    overhead_usd: float
    rejected_value_usd: float
    inventory_carrying_usd: float
    inventory_build_usd: float
    fill_rate: float
    oee: float = float("nan")

    @property
    def production_cost_usd(self) -> float:
        """Materials + labour + energy + QC + cleaning + overhead [USD/yr]: the simulator's
        ``cost_total_usd`` per year."""
        return (self.materials_usd + self.labour_usd + self.energy_usd + self.qc_usd
                + self.cleaning_usd + self.overhead_usd)

    @property
    def operating_profit_usd(self) -> float:
        """Revenue - production cost - inventory carrying [USD/yr] (before depreciation and
        tax)."""
        return self.revenue_usd - self.production_cost_usd - self.inventory_carrying_usd


PerformancesAt = Callable[[Scenario, Sequence[str]], dict[str, LinePerformance]]
"""``performances_at(scenario, technology_ids) -> {technology_id: LinePerformance}``: the
line's yearly performance with each technology in a scenario (or a variant of one), all
simulated with the same entropy (common random numbers). The caller decides how (which
line, how many replications, which seed, where the chunks run); a technology whose campaign
plan cannot make the demand may be left out of the result, if the callback says so."""
