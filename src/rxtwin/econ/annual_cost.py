"""Deterministic annual cost of a line per technology (PLACEHOLDER until the line simulator
feeds econ).

This is a first-order screening model built only from the fields of a
:class:`rxtwin.model.Technology` and the firm's finance. It ignores failures, ramp-up,
capacity limits, yield losses and inventory: the line simulator will replace it as the
source of operating quantities. It exists so that a break-even map ("which technology
wins where") can be drawn now, and it says so wherever its results are shown.
"""

from __future__ import annotations

import math

from rxtwin.econ.metrics import capital_recovery_factor
from rxtwin.errors import UserInputError
from rxtwin.model.finance import FirmFinance
from rxtwin.model.technology import Technology

__all__ = ["annual_cost_usd_per_yr", "lots_per_yr"]


def lots_per_yr(technology: Technology, products_per_line: int,
                volume_units_per_yr: float) -> float:
    """Released lots per year when the volume is spread evenly over the products.

    Parameters
    ----------
    technology : Technology
        The line's technology.
    products_per_line : int
        Products made on the line, one campaign each per year [-] (>= 1).
    volume_units_per_yr : float
        Total units made per year [units/yr] (>= 0).

    Returns
    -------
    float
        ``P * ceil(V / (P * lot_size))`` lots, with ``lot_size`` the technology's
        ``batch_size_units`` (a batch in batch mode, a release lot in continuous mode).

    Notes
    -----
    Assumption (placeholder model): each product runs one campaign a year and releases
    whole lots; the volume is spread evenly over the products.
    """
    if products_per_line < 1:
        raise UserInputError(f"products_per_line = {products_per_line} must be >= 1")
    if not volume_units_per_yr >= 0:
        raise UserInputError(f"volume_units_per_yr = {volume_units_per_yr} must be >= 0")
    per_product = volume_units_per_yr / products_per_line
    return float(products_per_line * math.ceil(per_product / technology.batch_size_units))


def annual_cost_usd_per_yr(technology: Technology, firm: FirmFinance, products_per_line: int,
                           volume_units_per_yr: float) -> float:
    """Equivalent annual cost of running a line on a technology [USD/yr] (placeholder).

    Parameters
    ----------
    technology : Technology
        Capex, labour, energy, QC, cleaning, maintenance, filing and training fields are used.
    firm : FirmFinance
        Hurdle rate [1/yr], labour cost [USD/FTE/yr] and energy price [USD/kWh].
    products_per_line : int
        Products on the line, one campaign (one changeover) each per year [-].
    volume_units_per_yr : float
        Units made per year over all products [units/yr].

    Returns
    -------
    float
        Annual cost [USD/yr].

    Notes
    -----
    .. math::
        C = (K + T + P F)\\,CRF(r, L) + n_{FTE} w + \\frac{V}{1000} e\\,p_e
            + n_{lots} c_{QC} + P c_{clean} + M

    with capex :math:`K`, training :math:`T`, filing cost per product :math:`F`, the
    capital recovery factor :math:`CRF(r, L) = r / (1 - (1+r)^{-L})` at the hurdle rate
    over the useful life :math:`L`, :math:`n_{lots}` from :func:`lots_per_yr`, cleaning
    cost per changeover :math:`c_{clean}` and maintenance :math:`M`. One-off costs are
    annualised as an equivalent annuity (Brealey, Myers & Allen, ch. 6). Assumption: the
    whole line cost is carried by these products; no failures, ramp-up or capacity limit.

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 6 (equivalent annual cost).
    """
    one_off_usd = (technology.capex_usd + technology.training_usd
                   + products_per_line * technology.filing_cost_usd_per_product)
    crf = capital_recovery_factor(firm.hurdle_rate, max(1, round(technology.useful_life_yr)))
    labour = technology.labour_fte * firm.labour_usd_per_fte_yr
    energy = (volume_units_per_yr / 1000.0 * technology.energy_kwh_per_1000_units
              * firm.energy_usd_per_kwh)
    qc = lots_per_yr(technology, products_per_line, volume_units_per_yr) \
        * technology.qc_cost_usd_per_lot
    cleaning = products_per_line * technology.cleaning_cost_usd_per_changeover
    return float(one_off_usd * crf + labour + energy + qc + cleaning
                 + technology.maintenance_usd_per_yr)
