"""Every option of a line priced twice: for the firm and for society.

An option is a technology run on the line instead of the incumbent, or an intervention
applied to the incumbent. Both are priced the same way, from three inputs the caller
simulates (this module runs no simulator and reads no file):

* the line's simulated year with the option and with the incumbent, as
  :class:`~rxtwin.model.performance.LinePerformance` (same random numbers);
* the option's effects on the supply network per product, as :class:`SupplyEffects`:
  shortage-days and unmet units avoided and the change of the holding cost, means of
  paired chunk differences, and the paired chunk differences themselves;
* the option's own costs, as :class:`OptionCosts` (:func:`technology_costs`,
  :func:`intervention_costs`).

For the **firm** (:func:`option_cash_flows`, :func:`price_option`): the option's line year
plus the margin of the sales it no longer loses, the change of the holding cost and its
running cost, through the technology-switch cash flows
(:func:`rxtwin.econ.switch.technology_switch_cash_flows`: capex over the implementation
years, nothing before the option acts, tax, MACRS depreciation), appraised at the firm's
hurdle rate and payback limit (:func:`rxtwin.econ.appraisal.appraise`). For **society**:
the value of the shortages avoided, product by product (:mod:`rxtwin.econ.social`), less
the resources the option uses (the pre-tax cost lines of the same incremental cash flows,
without revenue, taxes or subsidies, which are transfers). Between the two: the capex grant
that brings the firm to its hurdle, the public cost per shortage-day avoided, and a verdict.
Equations, sources and a worked example: ``docs/econ.md``, "Every option, for the firm and
for society".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from rxtwin.econ.appraisal import Appraisal, appraise
from rxtwin.econ.breakeven import solve_breakeven
from rxtwin.econ.metrics import npv_usd
from rxtwin.econ.social import (
    SocialOption,
    sample_shortage_day_costs,
    shortage_day_cost,
    social_npv,
    social_value_of_avoided,
)
from rxtwin.econ.switch import (
    SwitchCashFlows,
    install_years,
    ramp_up_fractions,
    technology_switch_cash_flows,
)
from rxtwin.econ.technology import AppraisalTerms
from rxtwin.errors import UserInputError
from rxtwin.model.finance import FirmProfile
from rxtwin.model.intervention import Intervention
from rxtwin.model.performance import LinePerformance
from rxtwin.model.product import Product
from rxtwin.model.shortage_cost import ShortageCostParameters
from rxtwin.model.technology import Technology

__all__ = [
    "INSTRUMENT_LINES",
    "OPTIONS_COLUMNS",
    "RESOURCE_COLUMNS",
    "OptionCosts",
    "OptionPricing",
    "SupplyEffects",
    "Verdict",
    "fiscal_cost_usd",
    "intervention_costs",
    "option_cash_flows",
    "option_verdict",
    "options_table",
    "price_option",
    "resource_cost_usd_by_yr",
    "technology_costs",
    "with_supply_effects",
]

#: Pre-tax cost lines of an incremental cash-flow table that are resources society uses
#: (capital, labour, materials, energy, testing, stock); revenue, subsidies and taxes are
#: transfers and are left out. Salvage (0 by default) is a resource recovered.
RESOURCE_COLUMNS = ("capex_usd", "training_usd", "regulatory_filing_usd", "materials_usd",
                    "labour_usd", "cleaning_usd", "overhead_usd", "energy_usd", "qc_usd",
                    "waste_usd", "inventory_carrying_usd", "rejected_batches_usd",
                    "working_capital_usd", "salvage_usd")


class Verdict(StrEnum):
    """Public beside private (:func:`option_verdict`)."""

    FIRM_ALONE = "firm does it on its own"
    FIRM_GAINS_SOCIETY_LOSES = "firm gains, society loses"
    SUBSIDISE = "worth subsidising"
    NOT_WORTH_IT = "not worth it"


def option_verdict(firm_npv_usd: float, social_npv_usd: float) -> Verdict:
    """The quadrant of (firm NPV at its hurdle, social NPV): ``firm does it on its own``
    if both are >= 0; ``firm gains, society loses`` if only the firm's is; ``worth
    subsidising`` if only society's is; ``not worth it`` if neither.

    Examples
    --------
    >>> [option_verdict(f, s).value
    ...  for f, s in ((1.0, 2.0), (1.0, -5.0), (-1.0, 0.0), (-1.0, -1.0))]
    ['firm does it on its own', 'firm gains, society loses', 'worth subsidising', 'not worth it']
    """
    if firm_npv_usd >= 0.0:
        return Verdict.FIRM_ALONE if social_npv_usd >= 0.0 \
            else Verdict.FIRM_GAINS_SOCIETY_LOSES
    return Verdict.SUBSIDISE if social_npv_usd >= 0.0 else Verdict.NOT_WORTH_IT


@dataclass(frozen=True)
class OptionCosts:
    """What an option costs before its effects.

    Attributes
    ----------
    label : str
        The option's id (technology or intervention).
    kind : str
        ``"technology"`` or ``"intervention"``.
    capex_usd : float
        Set-up cost [USD], spent evenly over the implementation years.
    opex_usd_per_yr : float
        Running cost of the measure in each year it acts [USD/yr] (a technology's running
        costs are in its simulated line year: 0 here).
    implementation_months : float
        Decision to first effect [month] (a technology's installation time).
    ramp_up_months : float
        Linear ramp to full effect [month] (0 for an intervention).
    training_usd, filing_cost_usd_per_product : float
        One-off costs in the last implementation year [USD], [USD/product].
    products_moved : int
        Products needing a filing [product].
    freed_equipment_value_usd : float
        Redeployment or sale value of the incumbent's equipment when the products leave
        it for the option's line [USD], received in the first year the option acts, taxed
        in full (:func:`rxtwin.econ.switch.technology_switch_cash_flows`); 0 for an
        intervention.
    line_year_of_incumbent : bool
        Price the option from the network alone: its line year is the incumbent's. True
        for an intervention that holds stock (``extra_stock_days > 0``): the line model's
        trace of a buffer is the same finished-goods stock the network holds, so pricing
        both would count the stock and the sales it protects twice.
    """

    label: str
    kind: str
    capex_usd: float
    opex_usd_per_yr: float
    implementation_months: float
    ramp_up_months: float = 0.0
    training_usd: float = 0.0
    filing_cost_usd_per_product: float = 0.0
    products_moved: int = 0
    line_year_of_incumbent: bool = False
    freed_equipment_value_usd: float = 0.0


def technology_costs(technology: Technology, products_moved: int,
                     freed_equipment_value_usd: float = 0.0) -> OptionCosts:
    """A technology's costs: capex, installation, ramp-up, training and one filing per
    product moved (as :func:`rxtwin.econ.technology.appraise_technology`), and the
    redeployment or sale value of the incumbent's equipment the products leave [USD]
    (``salvage_value_fraction x`` the incumbent's capex in :mod:`rxtwin.runs.appraise`)."""
    return OptionCosts(technology.id, "technology", technology.capex_usd, 0.0,
                       technology.install_time_months, technology.ramp_up_months,
                       technology.training_usd, technology.filing_cost_usd_per_product,
                       products_moved, freed_equipment_value_usd=freed_equipment_value_usd)


def intervention_costs(intervention: Intervention) -> OptionCosts:
    """An intervention's costs: ``capex_usd``, ``opex_usd_per_yr``,
    ``implementation_months``; no ramp-up, training or filing (none is in its schema); one
    that holds stock is priced from the network alone (``line_year_of_incumbent``)."""
    return OptionCosts(intervention.id, "intervention", intervention.capex_usd,
                       intervention.opex_usd_per_yr, intervention.implementation_months,
                       line_year_of_incumbent=intervention.extra_stock_days > 0.0)


@dataclass(frozen=True)
class SupplyEffects:
    """What an option changes in the supply network, per product, against the incumbent.

    Attributes
    ----------
    product_ids : tuple of str, (P,)
    shortage_days_avoided_per_yr : ndarray (P,)
        National product-shortage-days avoided [d/yr] (mean of paired chunk differences).
    unmet_units_avoided_per_yr : ndarray (P,)
        Units of demand no longer lost [units/yr].
    holding_cost_change_usd_per_yr : ndarray (P,)
        Option - incumbent holding cost of the product's stock in every tier [USD/yr].
    shortage_days_avoided_by_chunk, unmet_units_avoided_by_chunk : ndarray (k, P)
        The paired chunk differences (incumbent - option) whose means the two fields
        above are; resampled to carry the simulation's own uncertainty into the social
        NPV (:func:`price_option`).
    """

    product_ids: tuple[str, ...]
    shortage_days_avoided_per_yr: np.ndarray
    unmet_units_avoided_per_yr: np.ndarray
    holding_cost_change_usd_per_yr: np.ndarray
    shortage_days_avoided_by_chunk: np.ndarray
    unmet_units_avoided_by_chunk: np.ndarray


def with_supply_effects(performance: LinePerformance, effects: SupplyEffects,
                        products: Sequence[Product], *, energy_usd_per_unit: float,
                        opex_usd_per_yr: float) -> LinePerformance:
    """The option's line year with its effects on supply and its running cost added.

    Parameters
    ----------
    performance : LinePerformance
        The line's simulated year with the option [USD/yr, units/yr].
    effects : SupplyEffects
    products : sequence of Product
        The products of ``effects.product_ids``, in that order (price, material cost).
    energy_usd_per_unit : float
        Energy per unit made on the line [USD/unit].
    opex_usd_per_yr : float
        Running cost of the measure [USD/yr], booked as overhead (a fixed cost).

    Returns
    -------
    LinePerformance

    Notes
    -----
    With :math:`U_p` the unmet units avoided, :math:`P_p` the price, :math:`m_p` the
    material cost, :math:`e` the energy per unit and :math:`\\Delta H_p` the holding-cost
    change of product :math:`p`:

    .. math:: R' = R + \\sum_p P_p U_p, \\quad M' = M + \\sum_p m_p U_p, \\quad
              E' = E + e \\sum_p U_p, \\quad C' = C + \\sum_p \\Delta H_p, \\quad
              O' = O + opex

    so the operating profit gains the lost-sales margin
    :math:`\\sum_p (P_p - m_p - e) U_p` less the holding-cost change and the opex.
    Assumption: the units the network no longer leaves unmet are sold by the firm (the
    option changes only the firm's line, site or inputs).
    """
    by_id = {p.id: p for p in products}
    missing = [pid for pid in effects.product_ids if pid not in by_id]
    if missing:
        raise UserInputError(f"products {missing} of the supply effects are not given")
    chosen = [by_id[pid] for pid in effects.product_ids]
    units = np.asarray(effects.unmet_units_avoided_per_yr, dtype=float)
    price = np.array([p.price_usd_per_unit for p in chosen])
    material = np.array([p.material_cost_usd_per_unit for p in chosen])
    return replace(
        performance,
        units_good=performance.units_good + float(units.sum()),
        units_sold=performance.units_sold + float(units.sum()),
        revenue_usd=performance.revenue_usd + float(price @ units),
        materials_usd=performance.materials_usd + float(material @ units),
        energy_usd=performance.energy_usd + energy_usd_per_unit * float(units.sum()),
        overhead_usd=performance.overhead_usd + opex_usd_per_yr,
        inventory_carrying_usd=performance.inventory_carrying_usd
        + float(np.sum(effects.holding_cost_change_usd_per_yr)))


def option_cash_flows(costs: OptionCosts, option: LinePerformance,
                      incumbent: LinePerformance, *, horizon_yr: int, tax_rate: float,
                      terms: AppraisalTerms, capex_grant_fraction: float = 0.0,
                      itc_fraction: float = 0.0,
                      purchase_commitment_usd_per_unit: float = 0.0) -> SwitchCashFlows:
    """The option's option, baseline and incremental cash-flow tables [USD by year].

    :func:`rxtwin.econ.switch.technology_switch_cash_flows` with the option's costs: capex
    in equal parts in years ``0 .. k-1`` (``k = ceil(implementation_months / 12)``;
    year 0 if ``k = 0``), training and filings in year ``k``, nothing in years ``1..k``
    (the option does not act yet), the option's year (``option``, e.g. from
    :func:`with_supply_effects`) from year ``k + 1`` ramped in over ``ramp_up_months``,
    tax at ``tax_rate`` and depreciation of the capex by ``terms`` (MACRS GDS 5-year,
    half-year convention, asset class 28.0, as every equipment of the technology
    appraisal), salvage ``terms.salvage_value_fraction x capex``; the subsidies
    ``capex_grant_fraction`` and ``itc_fraction`` [-] and a purchase-commitment premium
    ``purchase_commitment_usd_per_unit`` on every unit the option's line makes once it
    acts [USD/unit] (:class:`rxtwin.econ.cashflow.CashFlowInputs`).
    """
    return technology_switch_cash_flows(
        option, incumbent, horizon_yr=horizon_yr,
        install_time_months=costs.implementation_months,
        ramp_up_months=costs.ramp_up_months, capex_usd=costs.capex_usd,
        training_usd=costs.training_usd,
        filing_cost_usd_per_product=costs.filing_cost_usd_per_product,
        products_moved=costs.products_moved, tax_rate=tax_rate,
        depreciation_method=terms.depreciation_method,
        depreciation_life_yr=terms.depreciation_life_yr,
        macrs_rates_pct=terms.macrs_rates_pct,
        itc_basis_reduction_fraction=terms.itc_basis_reduction_fraction,
        salvage_value_usd=terms.salvage_value_fraction * costs.capex_usd,
        waste_disposal_usd_per_unit=terms.waste_disposal_usd_per_unit,
        capex_grant_fraction=capex_grant_fraction, itc_fraction=itc_fraction,
        purchase_commitment_usd_per_unit=purchase_commitment_usd_per_unit,
        freed_equipment_value_usd=costs.freed_equipment_value_usd)


#: The public instruments :func:`price_option` prices, by the cash-flow line that pays them.
INSTRUMENT_LINES = {"capex grant": "capex_grant_usd",
                    "investment tax credit": "investment_tax_credit_usd",
                    "purchase commitment": "purchase_commitment_usd"}


def fiscal_cost_usd(subsidised: SwitchCashFlows, plain: SwitchCashFlows, line: str,
                    rate: float) -> float:
    """Net cost of a subsidy to the public purse, discounted at ``rate`` [USD].

    Parameters
    ----------
    subsidised, plain : SwitchCashFlows
        The option's cash flows with and without the subsidy.
    line : str
        The cash-flow line that pays it (:data:`INSTRUMENT_LINES`).
    rate : float
        Social discount rate [1/yr].

    Notes
    -----
    .. math:: F = PV_r\\left[S_t - (T^{s}_t - T^{0}_t)\\right]

    with :math:`S_t` the subsidy paid in year :math:`t` (the line's incremental value) and
    :math:`T_t` the income and salvage tax the firm pays on the increment, with (:math:`s`)
    and without (:math:`0`) the subsidy: a purchase-commitment premium is taxed as income;
    a grant and a credit lower the depreciable basis and so raise later taxes (26 U.S.C.
    50(c)(1)). Each instrument is thus compared by what the Treasury is out of pocket.
    """
    def taxes_paid(table) -> np.ndarray:
        return -(table["income_tax_usd"].to_numpy(dtype=float)
                 + table["salvage_tax_usd"].to_numpy(dtype=float))

    paid = subsidised.incremental[line].to_numpy(dtype=float)
    more_tax = taxes_paid(subsidised.incremental) - taxes_paid(plain.incremental)
    return npv_usd(rate, paid - more_tax)


def resource_cost_usd_by_yr(incremental: pd.DataFrame) -> np.ndarray:
    """Resources the option uses in each year [USD] (positive: a cost):
    ``-sum`` of the :data:`RESOURCE_COLUMNS` of an unsubsidised incremental table."""
    return -incremental[list(RESOURCE_COLUMNS)].sum(axis=1).to_numpy(dtype=float)


@dataclass(frozen=True)
class OptionPricing:
    """One option priced for the firm and for society (:func:`price_option`).

    Attributes
    ----------
    costs : OptionCosts
    cash_flows : SwitchCashFlows
        Unsubsidised option, baseline and incremental tables [USD by year].
    appraisal : Appraisal
        The incremental net cash flow at the firm's hurdle rate and payback limit.
    operating_profit_change_usd_per_yr : float
        Full-rate yearly change of the line's operating profit, before tax and
        depreciation [USD/yr]: revenue - operating costs, option - incumbent, effects on
        supply and running cost included.
    lost_sales_margin_usd_per_yr : float
        Of which the margin of sales no longer lost in the network [USD/yr].
    holding_cost_change_usd_per_yr : float
        Of which (as a cost) the network's holding-cost change [USD/yr].
    required_capex_grant_fraction : float
        Capex-grant share that brings the firm's NPV at its hurdle to 0 [-]; 0 if it is
        already >= 0, ``inf`` if even a grant of all the capex does not.
    public_cost_usd : float
        What it costs the public purse to have it done, discounted at the social rate
        [USD]: the grant at the required share (finite), else the untaxed year-0 sum
        ``-firm NPV`` (a grant of capex cannot reach the hurdle), 0 if the firm does it.
    shortage_days_avoided_per_yr : float
        Shortage-days avoided a year at full effect, all products [d/yr].
    pv_shortage_days_avoided : float
        Shortage-days avoided over the horizon, all products, discounted at the social
        rate [d].
    public_cost_usd_per_shortage_day_avoided : float
        ``public_cost_usd / pv_shortage_days_avoided`` [USD/d]; NaN when no shortage-day
        is avoided.
    required_price_premium_share : float
        Share of its price that buyers would have to pay the firm on top, on the option's
        sales once it acts, to bring the firm's NPV at its hurdle to 0 [-]: 0 if the NPV is
        already >= 0, ``inf`` if the option sells nothing (another instrument than a capex
        grant, priced by the same cash flows).
    premium_cost_usd : float
        What that premium costs the buyers, discounted at the social rate [USD].
    premium_npv_gain_usd : float
        Firm NPV at its hurdle gained per unit of premium share,
        :math:`(1 - \\tau) PV_h(\\phi_t R)` [USD]: the NPV at a premium :math:`q` is
        ``firm_npv_usd + q * premium_npv_gain_usd``.
    grant_fiscal_cost_usd : float
        Net cost to the public purse of the required capex grant (:func:`fiscal_cost_usd`)
        [USD]; 0 if none is needed, ``inf`` if no share suffices.
    required_itc_fraction : float
        Investment-tax-credit share of the capex (the credit of 26 U.S.C. 48D, received in
        the first operating year, lowering the basis) that brings the firm's NPV at its
        hurdle to 0 [-]; 0 if none is needed, ``inf`` if even 1 does not suffice.
    itc_fiscal_cost_usd : float
        Its net cost to the public purse [USD] (``inf`` when none suffices).
    commitment_share : float
        Share of the option's line output, once it acts, covered by the purchase
        commitment [-].
    required_commitment_usd_per_unit : float
        Premium per committed unit that brings the firm's NPV at its hurdle to 0
        [USD/unit]; 0 if none is needed, ``inf`` if the line makes nothing.
    commitment_fiscal_cost_usd : float
        Its net cost to the public purse, the tax on the premium deducted [USD].
    cheapest_instrument : str
        The instrument of :data:`INSTRUMENT_LINES` with the lowest finite net cost to the
        public purse; ``"none needed"`` if the firm does it alone, ``"none suffices"`` if
        none is finite.
    pv_value_usd : float
        Value of the shortages avoided at the base-case costs [USD].
    pv_resource_cost_usd : float
        Resources used, discounted at the social rate [USD].
    social_npv_usd : float
        ``pv_value_usd - pv_resource_cost_usd`` [USD].
    social_npv_mean_usd : float
        Mean over the draws of the shortage-day cost [USD].
    social_npv_low_usd, social_npv_high_usd : float
        Equal-tailed interval of ``level`` over the cost draws, the avoided shortages at
        their means [USD].
    social_npv_sim_low_usd, social_npv_sim_high_usd : float
        The same with the avoided shortages resampled too (chunk bootstrap) [USD].
    level : float
        Probability of the intervals [-].
    social_discount_rate : float
        [1/yr].
    verdict : Verdict
    """

    costs: OptionCosts
    cash_flows: SwitchCashFlows
    appraisal: Appraisal
    operating_profit_change_usd_per_yr: float
    lost_sales_margin_usd_per_yr: float
    holding_cost_change_usd_per_yr: float
    required_capex_grant_fraction: float
    public_cost_usd: float
    shortage_days_avoided_per_yr: float
    pv_shortage_days_avoided: float
    public_cost_usd_per_shortage_day_avoided: float
    required_price_premium_share: float
    premium_cost_usd: float
    premium_npv_gain_usd: float
    grant_fiscal_cost_usd: float
    required_itc_fraction: float
    itc_fiscal_cost_usd: float
    commitment_share: float
    required_commitment_usd_per_unit: float
    commitment_fiscal_cost_usd: float
    cheapest_instrument: str
    pv_value_usd: float
    pv_resource_cost_usd: float
    social_npv_usd: float
    social_npv_mean_usd: float
    social_npv_low_usd: float
    social_npv_high_usd: float
    social_npv_sim_low_usd: float
    social_npv_sim_high_usd: float
    level: float
    social_discount_rate: float
    verdict: Verdict

    @property
    def firm_npv_usd(self) -> float:
        """Incremental NPV at the firm's hurdle rate [USD]."""
        return self.appraisal.npv_usd


def _operating_profit_usd(p: LinePerformance, waste_disposal_usd_per_unit: float) -> float:
    """Revenue - materials of units sold - rejects - fixed and variable costs [USD/yr], the
    yearly operating lines of the switch cash flows."""
    materials = p.materials_usd - p.inventory_build_usd  # rejects are a part of materials
    return (p.revenue_usd - materials - p.labour_usd - p.cleaning_usd - p.overhead_usd
            - p.energy_usd - p.qc_usd - p.inventory_carrying_usd
            - waste_disposal_usd_per_unit * p.waste_units)


def _effect_years(costs: OptionCosts, horizon_yr: int) -> np.ndarray:
    """Share of full effect in each year ``0..horizon_yr`` [-]: 0 until the option acts,
    then the ramp-up fractions."""
    k = install_years(costs.implementation_months)
    if k >= horizon_yr:
        raise UserInputError(f"option '{costs.label}': implementation_months = "
                             f"{costs.implementation_months} leaves no year of effect within "
                             f"horizon_yr = {horizon_yr}")
    share = np.zeros(horizon_yr + 1)
    share[k + 1:] = ramp_up_fractions(costs.ramp_up_months, horizon_yr - k)
    return share


def price_option(costs: OptionCosts, option: LinePerformance, incumbent: LinePerformance,
                 effects: SupplyEffects, products: Sequence[Product], *, horizon_yr: int,
                 profile: FirmProfile, terms: AppraisalTerms, energy_usd_per_unit: float,
                 shortage_costs: ShortageCostParameters, n_draws: int,
                 rng: np.random.Generator, level: float = 0.90,
                 commitment_share: float = 1.0) -> OptionPricing:
    """Price one option for the firm and for society.

    Parameters
    ----------
    costs : OptionCosts
    option, incumbent : LinePerformance
        The line's simulated year with the option and with the incumbent, same random
        numbers [USD/yr, units/yr] (``option`` is not used when
        ``costs.line_year_of_incumbent``).
    effects : SupplyEffects
    products : sequence of Product
        At least the products of ``effects``.
    horizon_yr : int
        Last year [yr].
    profile : FirmProfile
        The firm's hurdle rate, payback limit and tax rate.
    terms : AppraisalTerms
        Depreciation, salvage, waste disposal, MACRS table, ITC basis rule.
    energy_usd_per_unit : float
        Energy per unit made [USD/unit] (variable cost of a unit sold, with its material).
    shortage_costs : ShortageCostParameters
        The cost of a shortage-day and the social discount rate
        (``rxtwin.data.shortage_costs.load_shortage_costs()``).
    n_draws : int
        Monte Carlo draws of the shortage-day cost [-], >= 2.
    rng : numpy.random.Generator
        The stream of the draws and of the chunk resampling.
    level : float
        Probability of the intervals [-].
    commitment_share : float
        Share of the option line's output, once the option acts, that a public buyer
        commits to buy at a premium [-], in (0, 1]; 1 (default, assumption: the
        commitment covers every unit the line sells, as a buyer who wants the line kept
        running would write it).

    Returns
    -------
    OptionPricing

    Notes
    -----
    **Firm.** :func:`option_cash_flows` of ``with_supply_effects(option, effects, ...)``
    against ``incumbent``; NPV, IRR, payback and accept/reject from
    :func:`rxtwin.econ.appraisal.appraise` at ``profile``. The required capex grant
    solves :math:`NPV_{firm}(g) = 0` with :func:`rxtwin.econ.breakeven.solve_breakeven`
    on :math:`[0, 1]` (the NPV rises with :math:`g`).

    **Society.** With :math:`\\phi_t` the share of full effect in year :math:`t`
    (0 until the option acts, then the ramp-up), :math:`r` the social discount rate,
    :math:`D_p, U_p` the shortage-days and unmet units avoided of product :math:`p` and
    :math:`c_{L,p}, c_{S,p}, h_p` its shortage-day cost parts
    (:func:`rxtwin.econ.social.shortage_day_cost`):

    .. math:: NPV_{soc} = \\sum_p PV_r\\!\\left[\\phi_t \\big((c_{L,p} + c_{S,p}) D_p
              + h_p U_p\\big)\\right] - PV_r\\!\\left[K_t + O_t\\right]

    the first sum from :func:`rxtwin.econ.social.social_npv` product by product, the
    resource cost :math:`K_t + O_t` = :func:`resource_cost_usd_by_yr` of the unsubsidised
    incremental table (capex, training, filings and every pre-tax operating cost line,
    option - incumbent; revenue, taxes and subsidies are transfers). An option that
    avoids nothing has exactly :math:`-PV_r(K + O)`.

    **Intervals.** (1) The shortage-day cost drawn ``n_draws`` times
    (:func:`rxtwin.econ.social.sample_shortage_day_costs`), every product from the same
    restarted stream, so the national parameters (hospital labour, substitutes, active
    shortages, willingness to pay) are one draw shared by all products; the avoided
    shortages at their means. (2) The same draws with the avoided shortages resampled:
    each draw takes a bootstrap sample of the paired chunks (the same chunks for every
    product, keeping their correlation) and uses its mean differences. The resource cost
    stays at its mean in both. Percentiles: ``numpy.quantile`` (linear).

    **Public cost.** :math:`G = PV_r(g^* K_t)` at the required share :math:`g^*`; if no
    share <= 1 suffices, the untaxed year-0 sum :math:`-NPV_{firm}` (an upper bound on
    what a well-designed subsidy needs); 0 if the firm does it alone. Per shortage-day:
    :math:`G / \\sum_p PV_r(\\phi_t D_p)`.

    **Price premium.** Buyers paying a premium :math:`q` on the option's revenue
    :math:`R` (its line year with the effects on supply) while it acts add
    :math:`q (1 - \\tau) \\sum_t \\phi_t R (1 + h)^{-t}` to the firm's NPV (the premium is
    taxed as income, :math:`\\tau` the tax rate, :math:`h` the hurdle rate; the cash flows
    are linear in revenue), so :math:`q^* = -NPV_{firm} / [(1 - \\tau) PV_h(\\phi_t R)]`;
    the buyers pay :math:`PV_r(q^* \\phi_t R)`.

    **Public instruments** (:data:`INSTRUMENT_LINES`), each at the level that brings
    :math:`NPV_{firm}` to 0 and each costed net of the taxes it returns
    (:func:`fiscal_cost_usd`): the capex grant :math:`g^*` (above); an investment tax
    credit share :math:`c^*` of the capex, solved on :math:`[0, 1]` as the grant (the
    credit :math:`c K` arrives in the first operating year and lowers the basis by as
    much, so the NPV rises with :math:`c`); a purchase commitment, a premium :math:`u`
    per committed unit on a share :math:`s` of the line's output :math:`Q_t` once the
    option acts, taxed as income, so that
    :math:`u^* = -NPV_{firm} / [(1 - \\tau)\\, s\\, PV_h(Q_t)]`. The cheapest is the one
    with the lowest net public cost. Subsidies are transfers: the social NPV and the
    verdict do not depend on them.
    """
    if not 0.0 < level < 1.0:
        raise UserInputError(f"level = {level!r}, must lie strictly between 0 and 1")
    if not 0.0 < commitment_share <= 1.0:
        raise UserInputError(f"commitment_share = {commitment_share!r}, must lie in (0, 1] "
                             "(the share of the line's output a buyer commits to)")
    by_id = {p.id: p for p in products}
    chosen = [by_id[pid] for pid in effects.product_ids]
    priced = with_supply_effects(
        incumbent if costs.line_year_of_incumbent else option, effects, products,
        energy_usd_per_unit=energy_usd_per_unit, opex_usd_per_yr=costs.opex_usd_per_yr)

    def flows(grant: float = 0.0, itc: float = 0.0, commitment: float = 0.0
              ) -> SwitchCashFlows:
        return option_cash_flows(costs, priced, incumbent, horizon_yr=horizon_yr,
                                 tax_rate=profile.tax_rate, terms=terms,
                                 capex_grant_fraction=grant, itc_fraction=itc,
                                 purchase_commitment_usd_per_unit=commitment)

    cash = flows()
    firm = appraise(cash.incremental["net_cash_flow_usd"].to_numpy(), profile)

    def share_to_hurdle(subsidy: str) -> float:
        """The share in [0, 1] of a capex subsidy that brings the NPV to 0."""
        def npv_at(share: float) -> float:
            return npv_usd(profile.hurdle_rate,
                           flows(**{subsidy: share}).incremental["net_cash_flow_usd"])

        if firm.npv_usd >= 0.0:
            return 0.0
        if costs.capex_usd <= 0.0 or npv_at(1.0) < 0.0:
            return math.inf
        return solve_breakeven(npv_at, 0.0, 1.0, xtol=1e-12)

    grant = share_to_hurdle("grant")
    itc = share_to_hurdle("itc")

    waste = terms.waste_disposal_usd_per_unit
    units = np.asarray(effects.unmet_units_avoided_per_yr, dtype=float)
    margin = float(sum((p.price_usd_per_unit - p.material_cost_usd_per_unit
                        - energy_usd_per_unit) * u for p, u in zip(chosen, units,
                                                                    strict=True)))
    holding = float(np.sum(effects.holding_cost_change_usd_per_yr))

    # ---- society
    rate = shortage_costs.social_discount_rate
    share = _effect_years(costs, horizon_yr)
    effect_share = share[install_years(costs.implementation_months) + 1:]
    resources = resource_cost_usd_by_yr(cash.incremental)
    pv_resources = npv_usd(rate, resources)
    annuity = npv_usd(rate, share)  # PV of one unit a year of full effect [yr]
    pv_value = 0.0
    base_costs = []
    for p, product in enumerate(chosen):
        cost = shortage_day_cost(product, shortage_costs)
        base_costs.append(cost)
        value = social_npv(SocialOption(
            capex_usd=0.0, implementation_months=costs.implementation_months,
            shortage_days_avoided_per_yr=tuple(effect_share
                                               * effects.shortage_days_avoided_per_yr[p]),
            unmet_units_avoided_per_yr=tuple(effect_share
                                             * effects.unmet_units_avoided_per_yr[p])),
            cost, social_discount_rate=rate, horizon_yr=horizon_yr)
        pv_value += float(value.pv_value_usd)
    social = pv_value - pv_resources

    state = rng.bit_generator.state
    draws_cost = []
    for product in chosen:
        rng.bit_generator.state = state  # same stream for every product: shared draws
        draws_cost.append(sample_shortage_day_costs(product, shortage_costs,
                                                    n_draws=n_draws, rng=rng))
    chunks = effects.shortage_days_avoided_by_chunk.shape[0]
    if chunks < 2:
        raise UserInputError(f"option '{costs.label}': {chunks} paired chunk(s); need >= 2 "
                             "to resample the simulation's uncertainty")
    picks = rng.integers(0, chunks, size=(n_draws, chunks))
    fixed = np.zeros(n_draws)
    resampled = np.zeros(n_draws)
    for p, cost in enumerate(draws_cost):
        fixed += social_value_of_avoided(effects.shortage_days_avoided_per_yr[p],
                                         effects.unmet_units_avoided_per_yr[p],
                                         cost).total_usd_per_yr
        days = effects.shortage_days_avoided_by_chunk[:, p][picks].mean(axis=1)
        unmet = effects.unmet_units_avoided_by_chunk[:, p][picks].mean(axis=1)
        resampled += social_value_of_avoided(days, unmet, cost).total_usd_per_yr
    fixed_npv = annuity * fixed - pv_resources
    sim_npv = annuity * resampled - pv_resources
    q = [(1.0 - level) / 2.0, (1.0 + level) / 2.0]
    low, high = np.quantile(fixed_npv, q)
    sim_low, sim_high = np.quantile(sim_npv, q)

    # ---- public beside private
    pv_days = annuity * float(np.sum(effects.shortage_days_avoided_per_yr))
    if grant == 0.0:
        public = 0.0
    elif math.isfinite(grant):
        capex_by_yr = -cash.incremental["capex_usd"].to_numpy(dtype=float)
        public = grant * npv_usd(rate, capex_by_yr)
    else:
        public = -firm.npv_usd
    per_day = public / pv_days if pv_days > 0.0 else math.nan

    premium_base_usd = npv_usd(profile.hurdle_rate, share * priced.revenue_usd)
    if firm.npv_usd >= 0.0:
        premium = 0.0
    elif premium_base_usd > 0.0:
        premium = -firm.npv_usd / ((1.0 - profile.tax_rate) * premium_base_usd)
    else:
        premium = math.inf
    premium_cost = (premium * npv_usd(rate, share * priced.revenue_usd)
                    if math.isfinite(premium) else math.inf)

    # ---- public instruments, each at its level and net of the taxes it returns
    units_by_yr = cash.option["output_units"].to_numpy(dtype=float)
    commitment_base = ((1.0 - profile.tax_rate) * commitment_share
                       * npv_usd(profile.hurdle_rate, units_by_yr))
    if firm.npv_usd >= 0.0:
        commitment = 0.0
    elif commitment_base > 0.0:
        commitment = -firm.npv_usd / commitment_base
    else:
        commitment = math.inf
    levels = {"capex grant": dict(grant=grant), "investment tax credit": dict(itc=itc),
              "purchase commitment": dict(commitment=commitment_share * commitment)}
    fiscal = {}
    for name, level_of in levels.items():
        value = next(iter(level_of.values()))
        fiscal[name] = (0.0 if value == 0.0 else math.inf if not math.isfinite(value)
                        else fiscal_cost_usd(flows(**level_of), cash, INSTRUMENT_LINES[name],
                                             rate))
    finite = {name: cost for name, cost in fiscal.items() if math.isfinite(cost)}
    cheapest = ("none needed" if firm.npv_usd >= 0.0 else
                min(finite, key=finite.__getitem__) if finite else "none suffices")

    profit = (_operating_profit_usd(priced, waste) - _operating_profit_usd(incumbent, waste))
    return OptionPricing(
        costs=costs, cash_flows=cash, appraisal=firm,
        operating_profit_change_usd_per_yr=profit, lost_sales_margin_usd_per_yr=margin,
        holding_cost_change_usd_per_yr=holding, required_capex_grant_fraction=grant,
        public_cost_usd=public,
        shortage_days_avoided_per_yr=float(np.sum(effects.shortage_days_avoided_per_yr)),
        pv_shortage_days_avoided=pv_days,
        public_cost_usd_per_shortage_day_avoided=per_day,
        required_price_premium_share=premium, premium_cost_usd=premium_cost,
        premium_npv_gain_usd=(1.0 - profile.tax_rate) * premium_base_usd,
        grant_fiscal_cost_usd=fiscal["capex grant"], required_itc_fraction=itc,
        itc_fiscal_cost_usd=fiscal["investment tax credit"],
        commitment_share=float(commitment_share),
        required_commitment_usd_per_unit=commitment,
        commitment_fiscal_cost_usd=fiscal["purchase commitment"],
        cheapest_instrument=cheapest,
        pv_value_usd=pv_value,
        pv_resource_cost_usd=pv_resources, social_npv_usd=social,
        social_npv_mean_usd=float(fixed_npv.mean()), social_npv_low_usd=float(low),
        social_npv_high_usd=float(high), social_npv_sim_low_usd=float(sim_low),
        social_npv_sim_high_usd=float(sim_high), level=float(level),
        social_discount_rate=float(rate),
        verdict=option_verdict(firm.npv_usd, social))


#: Columns of :func:`options_table`, in order.
OPTIONS_COLUMNS = (
    "option", "kind", "capex_usd", "opex_usd_per_yr", "implementation_months",
    "operating_profit_change_usd_per_yr", "lost_sales_margin_usd_per_yr",
    "holding_cost_change_usd_per_yr", "firm_npv_usd", "irr", "payback_yr", "accept",
    "firm_verdict", "shortage_days_avoided_per_yr", "pv_value_usd", "pv_resource_cost_usd",
    "social_npv_usd", "social_npv_mean_usd", "social_npv_low_usd", "social_npv_high_usd",
    "social_npv_sim_low_usd", "social_npv_sim_high_usd", "required_capex_grant_fraction",
    "public_cost_usd", "public_cost_usd_per_shortage_day_avoided",
    "required_price_premium_share", "premium_cost_usd", "premium_npv_gain_usd",
    "grant_fiscal_cost_usd", "required_itc_fraction", "itc_fiscal_cost_usd",
    "commitment_share", "required_commitment_usd_per_unit", "commitment_fiscal_cost_usd",
    "cheapest_instrument", "verdict")


def options_table(pricings: Sequence[OptionPricing]) -> pd.DataFrame:
    """One row per priced option, columns :data:`OPTIONS_COLUMNS` (USD, USD/yr, months,
    yr, d/yr as named; ``inf`` payback or grant share when never reached)."""
    rows = []
    for pricing in pricings:
        c, a = pricing.costs, pricing.appraisal
        rows.append({
            "option": c.label, "kind": c.kind, "capex_usd": c.capex_usd,
            "opex_usd_per_yr": c.opex_usd_per_yr,
            "implementation_months": c.implementation_months,
            **{f.name: getattr(pricing, f.name) for f in fields(pricing)
               if f.name in OPTIONS_COLUMNS},
            "firm_npv_usd": a.npv_usd, "irr": a.irr, "payback_yr": a.payback_yr,
            "accept": a.accept, "firm_verdict": a.verdict,
            "verdict": pricing.verdict.value})
    return pd.DataFrame(rows, columns=list(OPTIONS_COLUMNS))
