"""A simulated line year in money and units: line results as a
:class:`~rxtwin.model.performance.LinePerformance`.

The line package owns this conversion because it reads :class:`LineResults` and
:class:`LineEngineInputs`; the econ package consumes the :class:`LinePerformance` it
returns and never sees the simulator.
"""

from __future__ import annotations

import numpy as np

from rxtwin.line.inputs import LineEngineInputs
from rxtwin.line.results import LineResults
from rxtwin.model.performance import LinePerformance
from rxtwin.model.units import DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR

__all__ = ["line_performance_from_results"]


def line_performance_from_results(results: LineResults, inputs: LineEngineInputs,
                                  carrying_rate: float) -> LinePerformance:
    """Mean yearly performance of a simulated line in USD and units.

    Parameters
    ----------
    results : LineResults
        Simulator output for ``inputs``.
    inputs : LineEngineInputs
        The simulated line (cost rates, material costs, horizon).
    carrying_rate : float
        Firm's inventory carrying rate [1/yr].

    Returns
    -------
    LinePerformance
        Means over replications, scaled to one year by ``365 / horizon_days``.

    Notes
    -----
    Mappings (``y = 365 / horizon_days``; ``E[.]`` = mean over replications; ``m_p`` the
    material cost of product ``p``; each is the simulator's own cost rule, ``docs/line.md``,
    applied to means, which is exact because every rule is linear in the statistics):

    * ``units_good``, ``waste_units``, ``units_sold``, ``revenue_usd``, ``fill_rate``,
      ``oee`` = ``E[statistic]`` (x ``y`` for the extensive ones);
    * ``materials_usd`` = ``y sum_p m_p E[units_made_p]`` (all output consumes material);
    * ``labour_usd`` = ``y labour_usd_per_h x 24 horizon_days x staffed_fraction``;
    * ``energy_usd`` = ``y energy_usd_per_unit E[units_made]``;
    * ``qc_usd`` = ``y qc_usd_per_lot E[lots_completed]``;
    * ``cleaning_usd`` = ``y cleaning_usd_per_changeover E[changeovers]``;
    * ``overhead_usd`` = ``overhead_usd_per_yr`` (firm overhead + maintenance);
    * ``rejected_value_usd`` = ``y sum_p m_p E[waste_units_p]`` (part of materials);
    * ``inventory_carrying_usd`` = ``carrying_rate sum_p m_p E[avg_inventory_units_p]``
      (a level: not scaled);
    * ``inventory_build_usd`` = ``y sum_p m_p (E[final_inventory_units_p] - initial_p)``
      (part of materials; the cash flows expense materials net of it, see
      :func:`rxtwin.econ.switch.technology_switch_cash_flows`).

    Money balance: materials + labour + energy + QC + cleaning + overhead =
    ``y E[cost_total_usd]`` (tested).
    """
    horizon_days = inputs.horizon_days
    per_yr = DAYS_PER_YEAR / horizon_days
    names = inputs.product_names
    material = np.asarray(inputs.material_cost_usd_per_unit, dtype=float)

    def by_product(statistic: str) -> np.ndarray:
        return np.array([results.mean(statistic, name) for name in names])

    horizon_h = HOURS_PER_DAY * horizon_days
    initial = np.asarray(inputs.initial_inventory_units, dtype=float)
    return LinePerformance(
        units_good=per_yr * results.mean("units_good"),
        waste_units=per_yr * results.mean("waste_units"),
        units_sold=per_yr * results.mean("units_sold"),
        revenue_usd=per_yr * results.mean("revenue_usd"),
        materials_usd=per_yr * float(material @ by_product("units_made")),
        labour_usd=per_yr * inputs.labour_usd_per_h * horizon_h * inputs.staffed_fraction,
        energy_usd=per_yr * inputs.energy_usd_per_unit * results.mean("units_made"),
        qc_usd=per_yr * inputs.qc_usd_per_lot * results.mean("lots_completed"),
        cleaning_usd=per_yr * inputs.cleaning_usd_per_changeover * results.mean("changeovers"),
        overhead_usd=per_yr * inputs.overhead_usd_per_yr * horizon_h / HOURS_PER_YEAR,
        rejected_value_usd=per_yr * float(material @ by_product("waste_units")),
        inventory_carrying_usd=carrying_rate * float(
            material @ by_product("avg_inventory_units")),
        inventory_build_usd=per_yr * float(
            material @ (by_product("final_inventory_units") - initial)),
        fill_rate=results.mean("fill_rate"),
        oee=results.mean("oee"),
    )
