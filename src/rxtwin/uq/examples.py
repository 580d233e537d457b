"""A small econ model for the docs' worked example and the tests (an illustration).

This illustration does not run the line simulator, so the yearly operating benefit of a
technology switch is not computed here; :func:`technology_switch_npv_usd` takes it as an
explicit argument (:mod:`rxtwin.uq.technology` propagates uncertainty through the simulator). What the function does take from the scenario -- capex, installation time,
training, filing cost per product, horizon, tax rate and hurdle rate -- is exactly what
``scenario.uncertain`` varies in the bundled generic oral-solid scenario, so the example
shows how uncertainty in those inputs propagates to NPV. Do not read its NPV as a verdict
on the technology.
"""

from __future__ import annotations

import math

from rxtwin.econ.cashflow import CashFlowInputs, net_cash_flows_usd
from rxtwin.econ.depreciation import DepreciationMethod, MacrsRatesPct
from rxtwin.econ.metrics import npv_usd
from rxtwin.model.scenario import Scenario

__all__ = ["technology_switch_npv_usd"]

_MONTHS_PER_YR = 12


def technology_switch_npv_usd(
    scenario: Scenario,
    *,
    technology_id: str,
    products_moved: int,
    net_benefit_usd_per_yr: float,
    depreciation_life_yr: int,
    macrs_rates_pct: MacrsRatesPct,
    itc_basis_reduction_fraction: float,
) -> float:
    """NPV of installing one line of a technology and moving products onto it.

    Parameters
    ----------
    scenario : Scenario
        Supplies the technology's ``capex_usd``, ``install_time_months``,
        ``training_usd`` and ``filing_cost_usd_per_product``, and ``horizon_yr``,
        ``firm.tax_rate`` and ``firm.hurdle_rate``.
    technology_id : str
        The technology installed (e.g. ``"continuous"``).
    products_moved : int
        Products moved onto the new line, one regulatory filing each [product].
    net_benefit_usd_per_yr : float
        Yearly operating benefit at full rate, before tax [USD/yr] -- an input of the
        illustration, not a result of rxtwin (see the module docstring).
    depreciation_life_yr : int
        MACRS GDS recovery period [yr].
    macrs_rates_pct : MacrsRatesPct
        MACRS percentages by recovery period [yr -> %].
    itc_basis_reduction_fraction : float
        Share of an investment tax credit deducted from the depreciable basis [-] (no
        credit here, so it has no effect). Both are tax data; the bundled values are
        ``cash_flow_defaults()`` of the data layer (``data/econ_defaults.py``).

    Returns
    -------
    float
        NPV at the firm's hurdle rate [USD], year 0 = decision.

    Notes
    -----
    Capex is spent in year 0; installation takes ``ceil(install_time_months / 12)`` years,
    when training and filings are expensed; the benefit is booked as the
    ``revenue_usd_per_yr`` line of :func:`rxtwin.econ.build_cash_flows` from the next
    year to ``horizon_yr``. ``NPV = sum_t CF_t (1 + r)^-t`` with ``r`` the hurdle rate
    (:func:`rxtwin.econ.npv_usd`).
    """
    technology = scenario.technology(technology_id)
    install_yr = math.ceil(technology.install_time_months / _MONTHS_PER_YR)
    inputs = CashFlowInputs(
        horizon_yr=scenario.horizon_yr,
        install_yr=install_yr,
        capex_usd_by_yr=(technology.capex_usd,),
        training_usd=technology.training_usd,
        regulatory_filing_usd_per_product=technology.filing_cost_usd_per_product,
        products_moved=products_moved,
        revenue_usd_per_yr=net_benefit_usd_per_yr,
        tax_rate=scenario.firm.tax_rate,
        depreciation_method=DepreciationMethod.MACRS_GDS_HALF_YEAR,
        depreciation_life_yr=depreciation_life_yr,
        macrs_rates_pct=macrs_rates_pct,
        itc_basis_reduction_fraction=itc_basis_reduction_fraction,
    )
    return npv_usd(scenario.firm.hurdle_rate, net_cash_flows_usd(inputs))
