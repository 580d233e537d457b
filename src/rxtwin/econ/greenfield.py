"""Greenfield appraisal: a new line, or a new product, where every arm pays its capex.

The retrofit appraisal (:mod:`rxtwin.econ.technology`) asks whether a running line should
switch technology; the incumbent's capex is sunk and it keeps running while the new line is
installed. Here there is no line yet: each arm (a new batch train, a new continuous line,
...) pays its own capex, training and filings, earns nothing until its line is installed
(and, for a new product, until the product is developed on it), then ramps up to its
simulated full-rate performance. Each arm is appraised alone at the firm's hurdle rate,
and against a reference arm (by default the batch train) on the increment.

An econ engine: it takes each arm's simulated full-rate year as a
:class:`~rxtwin.model.performance.LinePerformance` and the data-borne terms as an
:class:`~rxtwin.econ.technology.AppraisalTerms`; it never simulates and reads no file
(:mod:`rxtwin.runs.greenfield` binds the simulator and the bundled terms).

* :func:`new_line_arm` -- an arm's one-off costs and lead times from the scenario;
* :func:`lead_time_months` -- months from the decision to the arm's first GMP batch;
* :func:`operating_profit_usd_per_yr` -- full-rate yearly operating profit before tax;
* :func:`greenfield_cash_flows` -- an arm's yearly after-tax cash-flow table
  (:func:`rxtwin.econ.cashflow.build_cash_flows`);
* :func:`appraise_greenfield` -- every arm alone and against the reference
  (:class:`GreenfieldAppraisal`, its :meth:`~GreenfieldAppraisal.table`);
* :func:`greenfield_npv_usd` -- the incremental NPV of one arm, the model function of a
  sensitivity study (:func:`rxtwin.uq.technology.npv_sensitivity`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from rxtwin.econ.appraisal import Appraisal, appraise
from rxtwin.econ.cashflow import CashFlowInputs, build_cash_flows, incremental_cash_flows
from rxtwin.econ.switch import (
    _operating_sequences,
    _split_fixed_costs,
    even_capex_by_yr,
    install_years,
    ramp_up_fractions,
)
from rxtwin.econ.technology import AppraisalTerms, firm_profile_of
from rxtwin.errors import UserInputError
from rxtwin.model.finance import FirmProfile
from rxtwin.model.performance import LinePerformance
from rxtwin.model.scenario import Scenario

__all__ = [
    "GREENFIELD_COLUMNS",
    "GreenfieldAppraisal",
    "GreenfieldArm",
    "GreenfieldCase",
    "NewLineArm",
    "appraise_greenfield",
    "greenfield_cash_flows",
    "greenfield_npv_usd",
    "lead_time_months",
    "new_line_arm",
    "operating_profit_usd_per_yr",
]


class GreenfieldCase(StrEnum):
    """What is new: the line only, or the product too."""

    NEW_LINE = "new_line"
    """A new line for a product the firm already has approved: the line's installation
    decides when it sells."""
    NEW_PRODUCT = "new_product"
    """A new product on a new line: it sells once both the line is installed and the
    product is developed on that technology (development and installation in parallel)."""


@dataclass(frozen=True)
class NewLineArm:
    """One arm of a greenfield appraisal: what its new line costs and how long it takes.

    Attributes
    ----------
    technology_id : str
        The technology the new line runs.
    capex_usd : float
        Equipment, installation and validation of the whole line [USD].
    install_time_months : float
        Decision to first GMP batch [month].
    ramp_up_months : float
        Linear ramp-up to full rate after installation [month].
    training_usd : float
        Staff training, expensed in the last year before operation [USD].
    filing_cost_usd_per_product : float
        Regulatory cost per product made on the line [USD/product].
    development_months : float
        Mean product development time on this technology [month] (used for a new product).
    """

    technology_id: str
    capex_usd: float
    install_time_months: float
    ramp_up_months: float
    training_usd: float
    filing_cost_usd_per_product: float
    development_months: float


def new_line_arm(scenario: Scenario, technology_id: str) -> NewLineArm:
    """The arm of ``technology_id``: the scenario's ``new_lines`` entry for it, else the
    technology's own figures.

    Parameters
    ----------
    scenario : Scenario
    technology_id : str

    Returns
    -------
    NewLineArm
        Capex, installation, ramp-up, training and filing from
        ``scenario.new_lines[technology_id]`` when the scenario lists it (e.g. a new batch
        train, whose retrofit figures are zero because the incumbent line exists), else the
        technology's ``capex_usd``, ``install_time_months``, ``ramp_up_months``,
        ``training_usd`` and ``filing_cost_usd_per_product`` (taken as those of a whole new
        line). ``development_months`` is the mean of the technology's distribution.

    Raises
    ------
    rxtwin.errors.UnknownIdError
        ``technology_id`` is not a technology of the scenario.
    """
    technology = scenario.technology(technology_id)
    costs = scenario.new_lines.get(technology_id, technology)
    return NewLineArm(
        technology_id=technology_id, capex_usd=float(costs.capex_usd),
        install_time_months=float(costs.install_time_months),
        ramp_up_months=float(costs.ramp_up_months), training_usd=float(costs.training_usd),
        filing_cost_usd_per_product=float(costs.filing_cost_usd_per_product),
        development_months=float(technology.development_months.mean))


def lead_time_months(arm: NewLineArm, case: GreenfieldCase | str) -> float:
    """Months from the decision to the arm's first GMP batch [month].

    Parameters
    ----------
    arm : NewLineArm
    case : GreenfieldCase or str
        ``new_line`` or ``new_product``.

    Returns
    -------
    float
        :math:`L = m_{inst}` for a new line; :math:`L = \\max(m_{inst}, m_{dev})` for a new
        product (assumption: development on the chosen technology runs in parallel with the
        installation, and the product sells once both are done; the workshop's development
        times are 6-9 months with CM against 16-24 with batch, Wosińska et al. 2023,
        Session 4).

    Examples
    --------
    >>> arm = NewLineArm("cm", 5e6, 36.0, 12.0, 5e5, 4e5, 7.5)
    >>> lead_time_months(arm, "new_line"), lead_time_months(arm, "new_product")
    (36.0, 36.0)
    """
    case = GreenfieldCase(case)
    if case is GreenfieldCase.NEW_PRODUCT:
        return max(arm.install_time_months, arm.development_months)
    return arm.install_time_months


def operating_profit_usd_per_yr(performance: LinePerformance,
                                waste_disposal_usd_per_unit: float) -> float:
    """Full-rate yearly operating profit before tax and depreciation [USD/yr].

    Parameters
    ----------
    performance : LinePerformance
        The arm's simulated full-rate year.
    waste_disposal_usd_per_unit : float
        Disposal cost of a wasted unit [USD/unit].

    Returns
    -------
    float
        Revenue less every operating cash-flow line of
        :func:`greenfield_cash_flows` at full rate: materials of the units sold, rejected
        value, labour, cleaning, overhead, energy, QC, waste disposal and inventory carrying.
    """
    sequences = _operating_sequences([performance], waste_disposal_usd_per_unit)
    costs = sum(sequences[name][0] for name in (
        "materials_usd_per_yr", "rejected_batches_usd_per_yr", "labour_usd_per_yr",
        "energy_usd_per_yr", "qc_usd_per_yr", "waste_usd_per_yr",
        "inventory_carrying_usd_per_yr"))
    return sequences["revenue_usd_per_yr"][0] - costs


def greenfield_cash_flows(
    performance: LinePerformance,
    arm: NewLineArm,
    *,
    case: GreenfieldCase | str,
    horizon_yr: int,
    products: int,
    tax_rate: float,
    terms: AppraisalTerms,
    capex_grant_fraction: float = 0.0,
    itc_fraction: float = 0.0,
) -> pd.DataFrame:
    """Yearly after-tax cash flows of building and running one arm's new line.

    Parameters
    ----------
    performance : LinePerformance
        Full-rate yearly performance of the line on the arm's technology [USD/yr, unit/yr].
    arm : NewLineArm
        Capex, installation, ramp-up, training, filing and development time.
    case : GreenfieldCase or str
        ``new_line`` or ``new_product`` (:func:`lead_time_months`).
    horizon_yr : int
        Last year of the appraisal [yr]; years ``0..horizon_yr``.
    products : int
        Products made on the line, one filing each [product].
    tax_rate : float
        Income tax rate [-].
    terms : AppraisalTerms
        Depreciation method and life, salvage share of capex, waste disposal cost, MACRS
        table, ITC basis reduction.
    capex_grant_fraction, itc_fraction : float
        Subsidies [-] (:class:`rxtwin.econ.cashflow.CashFlowInputs`).

    Returns
    -------
    pandas.DataFrame
        The table of :func:`rxtwin.econ.cashflow.build_cash_flows` (one row per year, USD,
        inflows positive) with its ``labour_usd`` split into labour, ``cleaning_usd`` and
        ``overhead_usd`` as in :func:`rxtwin.econ.switch.technology_switch_cash_flows`.

    Raises
    ------
    UserInputError
        The lead time leaves no operating year within ``horizon_yr``.

    Notes
    -----
    Lead years :math:`k = \\lceil L / 12 \\rceil` (:func:`lead_time_months`,
    :func:`rxtwin.econ.switch.install_years`). Capex :math:`C` in equal parts
    :math:`C / k_i` in years :math:`k - k_i .. k - 1` with :math:`k_i` the installation's
    own years (assumption: the installation is timed to end with the lead time, so a new
    product still in development does not pay for its line early; all of :math:`C` in
    year :math:`k` when :math:`k_i = 0`); training :math:`T` and filings
    :math:`F = f \\cdot n_{prod}` in year :math:`k`; operating years :math:`t = k + j`,
    :math:`j = 1 .. H - k`, with output share :math:`\\phi_j`
    (:func:`rxtwin.econ.switch.ramp_up_fractions`). There is no incumbent: a year at
    :math:`\\phi_j < 1` sells :math:`\\phi_j` of the full-rate output, so revenue and the
    volume-driven costs are :math:`\\phi_j` times their full-rate values while labour,
    cleaning and overhead are paid in full. Tax :math:`-\\tau\\,TI_t`, depreciation of
    :math:`C` from year :math:`k + 1`, salvage :math:`s C` at :math:`H` with tax on the gain
    over book value: all as :func:`rxtwin.econ.cashflow.build_cash_flows`.

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 6 (project cash flows: capex, working of taxes and depreciation).
    """
    k = install_years(lead_time_months(arm, case))
    if k >= horizon_yr:
        raise UserInputError(
            f"{arm.technology_id}: lead time {lead_time_months(arm, case):g} months gives "
            f"{k} years before the first sale, leaving no operating year within horizon_yr = "
            f"{horizon_yr}; horizon_yr must be > {k}")
    n_op = horizon_yr - k
    ramp = ramp_up_fractions(arm.ramp_up_months, n_op)
    k_install = install_years(arm.install_time_months)
    # installation timed to end with the lead time (a new product still in development
    # does not need its line earlier); capex evenly over the installation's own years
    capex_by_yr = (0.0,) * (k - k_install) + even_capex_by_yr(arm.capex_usd, k_install)
    performances = [performance] * n_op
    inputs = CashFlowInputs(
        horizon_yr=horizon_yr, install_yr=k, capex_usd_by_yr=capex_by_yr,
        ramp_up_fraction=ramp, training_usd=arm.training_usd,
        regulatory_filing_usd_per_product=arm.filing_cost_usd_per_product,
        products_moved=products, tax_rate=tax_rate,
        depreciation_method=terms.depreciation_method,
        depreciation_life_yr=terms.depreciation_life_yr,
        macrs_rates_pct=terms.macrs_rates_pct,
        itc_basis_reduction_fraction=terms.itc_basis_reduction_fraction,
        salvage_value_usd=terms.salvage_value_fraction * arm.capex_usd,
        capex_grant_fraction=capex_grant_fraction, itc_fraction=itc_fraction,
        **_operating_sequences(performances, terms.waste_disposal_usd_per_unit))
    return _split_fixed_costs(build_cash_flows(inputs), performances, k + 1)


@dataclass(frozen=True)
class GreenfieldArm:
    """One arm appraised alone (:func:`appraise_greenfield`).

    Attributes
    ----------
    arm : NewLineArm
        Its costs and lead times.
    lead_time_months : float
        Decision to first GMP batch [month] (:func:`lead_time_months`).
    first_operating_yr : int
        First year with output [yr].
    operating_profit_usd_per_yr : float
        Full-rate operating profit before tax [USD/yr] (:func:`operating_profit_usd_per_yr`).
    cash_flows : pandas.DataFrame
        :func:`greenfield_cash_flows` [USD by year].
    appraisal : Appraisal
        NPV, IRR, paybacks and verdict of ``cash_flows`` at the firm's criteria.
    performance : LinePerformance
        Full-rate yearly performance.
    """

    arm: NewLineArm
    lead_time_months: float
    first_operating_yr: int
    operating_profit_usd_per_yr: float
    cash_flows: pd.DataFrame
    appraisal: Appraisal
    performance: LinePerformance

    @property
    def npv_usd(self) -> float:
        """NPV of the arm at the hurdle rate [USD]."""
        return self.appraisal.npv_usd


GREENFIELD_COLUMNS = (
    "technology", "reference", "capex_usd", "lead_time_months", "first_operating_yr",
    "operating_profit_usd_per_yr", "npv_usd", "irr", "payback_yr", "meets_hurdle",
    "meets_payback", "accept", "incremental_npv_usd", "incremental_irr",
    "incremental_payback_yr", "incremental_accept")
"""Columns of :meth:`GreenfieldAppraisal.table`: the arm's technology and the reference's;
capex [USD]; lead time [month]; first operating year [yr]; full-rate operating profit before
tax [USD/yr]; the arm alone -- NPV at the hurdle [USD], IRR [1/yr] (NaN if not unique),
simple payback [yr] (``inf`` if never), whether it meets the hurdle, the payback limit and
both (``accept``); and the arm against the reference -- incremental NPV [USD], IRR [1/yr],
payback [yr] and verdict (NaN/False on the reference's own row)."""


@dataclass(frozen=True)
class GreenfieldAppraisal:
    """Result of :func:`appraise_greenfield`.

    Attributes
    ----------
    reference : str
        Technology id of the reference arm.
    case : GreenfieldCase
    horizon_yr : int
        Last year appraised [yr].
    profile : FirmProfile
        Criteria applied.
    products : int
        Products on the line (one filing each per arm).
    arms : dict of str to GreenfieldArm
        Every arm, the reference first.
    incremental : dict of str to Appraisal
        Each other arm's cash flows less the reference's, appraised.
    """

    reference: str
    case: GreenfieldCase
    horizon_yr: int
    profile: FirmProfile
    products: int
    arms: dict[str, GreenfieldArm]
    incremental: dict[str, Appraisal]

    def incremental_cash_flows(self, technology_id: str) -> pd.DataFrame:
        """Arm ``technology_id`` less the reference, line by line [USD by year]."""
        return incremental_cash_flows(self.arms[technology_id].cash_flows,
                                      self.arms[self.reference].cash_flows)

    def incremental_npv_usd(self, technology_id: str) -> float:
        """NPV of the arm's cash flows less the reference's at the hurdle [USD]; 0.0 for the
        reference itself."""
        if technology_id == self.reference:
            return 0.0
        return self.incremental[technology_id].npv_usd

    def table(self) -> pd.DataFrame:
        """One row per arm, reference first, columns :data:`GREENFIELD_COLUMNS`."""
        rows = []
        for tid, arm in self.arms.items():
            a = arm.appraisal
            inc = self.incremental.get(tid)
            rows.append({
                "technology": tid, "reference": self.reference,
                "capex_usd": arm.arm.capex_usd, "lead_time_months": arm.lead_time_months,
                "first_operating_yr": arm.first_operating_yr,
                "operating_profit_usd_per_yr": arm.operating_profit_usd_per_yr,
                "npv_usd": a.npv_usd, "irr": a.irr, "payback_yr": a.payback_yr,
                "meets_hurdle": a.meets_hurdle, "meets_payback": a.meets_payback,
                "accept": a.accept,
                "incremental_npv_usd": 0.0 if inc is None else inc.npv_usd,
                "incremental_irr": np.nan if inc is None else inc.irr,
                "incremental_payback_yr": np.nan if inc is None else inc.payback_yr,
                "incremental_accept": False if inc is None else inc.accept})
        return pd.DataFrame(rows, columns=list(GREENFIELD_COLUMNS))


def appraise_greenfield(
    scenario: Scenario,
    line_id: str,
    technology_ids: Sequence[str],
    performances: Mapping[str, LinePerformance],
    terms: AppraisalTerms,
    *,
    reference_tech_id: str = "batch",
    case: GreenfieldCase | str = GreenfieldCase.NEW_LINE,
    horizon_yr: int | None = None,
    profile: FirmProfile | None = None,
    capex_grant_fraction: float = 0.0,
    itc_fraction: float = 0.0,
) -> GreenfieldAppraisal:
    """Appraise building the line anew with each technology, alone and against a reference.

    Parameters
    ----------
    scenario : Scenario
        The line, the technologies, ``new_lines`` (:func:`new_line_arm`), the horizon and
        the firm.
    line_id : str
        The line whose products the new line makes (one filing per product and arm).
    technology_ids : sequence of str
        The arms; the reference is added first when missing; duplicates are dropped.
    performances : mapping of str to LinePerformance
        Full-rate yearly performance of the line by technology id, simulated with the same
        entropy (common random numbers) [USD/yr, unit/yr]; must hold every arm.
    terms : AppraisalTerms
        Tax depreciation, salvage, waste disposal, MACRS table, ITC basis rule.
    reference_tech_id : str
        The arm the others are compared with (default ``batch``: a new batch train).
    case : GreenfieldCase or str
        ``new_line`` (default) or ``new_product``.
    horizon_yr : int, optional
        Last year appraised [yr]; default ``scenario.horizon_yr``.
    profile : FirmProfile, optional
        Criteria; default the scenario's firm
        (:func:`rxtwin.econ.technology.firm_profile_of`).
    capex_grant_fraction, itc_fraction : float
        Subsidies of every arm [-].

    Returns
    -------
    GreenfieldAppraisal

    Raises
    ------
    UserInputError
        ``performances`` lacks an arm, ``horizon_yr`` < 1, or an arm's lead time leaves no
        operating year.

    Notes
    -----
    Each arm :math:`a` has cash flows :math:`CF^a_t` (:func:`greenfield_cash_flows`) and
    :math:`NPV_a = \\sum_{t=0}^{H} CF^a_t / (1 + r_h)^t` at the hurdle rate :math:`r_h`;
    its verdict is :func:`rxtwin.econ.appraisal.appraise` of :math:`CF^a`. The choice
    between two arms is appraised on the increment :math:`CF^a - CF^{ref}` (mutually
    exclusive projects: Brealey, Myers and Allen, ch. 5), so
    :math:`\\Delta NPV_a = NPV_a - NPV_{ref}` by linearity while the incremental IRR and
    payback are those of the difference. Unlike the retrofit appraisal no capex is sunk and
    no line runs during installation.
    """
    profile = profile or firm_profile_of(scenario)
    horizon = scenario.horizon_yr if horizon_yr is None else int(horizon_yr)
    if horizon < 1:
        raise UserInputError(f"horizon_yr = {horizon} must be >= 1")
    case = GreenfieldCase(case)
    line = scenario.line(line_id)
    ids = list(dict.fromkeys([reference_tech_id, *technology_ids]))
    for tid in ids:
        scenario.technology(tid)
    missing = [tid for tid in ids if tid not in performances]
    if missing:
        raise UserInputError(f"performances lack technologies {missing}; simulate every arm "
                             "with the same seed")
    products = len(line.product_ids)
    arms: dict[str, GreenfieldArm] = {}
    for tid in ids:
        arm = new_line_arm(scenario, tid)
        flows = greenfield_cash_flows(
            performances[tid], arm, case=case, horizon_yr=horizon, products=products,
            tax_rate=profile.tax_rate, terms=terms, capex_grant_fraction=capex_grant_fraction,
            itc_fraction=itc_fraction)
        lead = lead_time_months(arm, case)
        arms[tid] = GreenfieldArm(
            arm=arm, lead_time_months=lead, first_operating_yr=install_years(lead) + 1,
            operating_profit_usd_per_yr=operating_profit_usd_per_yr(
                performances[tid], terms.waste_disposal_usd_per_unit),
            cash_flows=flows, appraisal=appraise(flows["net_cash_flow_usd"].to_numpy(),
                                                 profile),
            performance=performances[tid])
    reference_flows = arms[reference_tech_id].cash_flows
    incremental = {
        tid: appraise(incremental_cash_flows(arm.cash_flows, reference_flows)
                      ["net_cash_flow_usd"].to_numpy(), profile)
        for tid, arm in arms.items() if tid != reference_tech_id}
    return GreenfieldAppraisal(reference=reference_tech_id, case=case, horizon_yr=horizon,
                               profile=profile, products=products, arms=arms,
                               incremental=incremental)


def greenfield_npv_usd(scenario: Scenario, performances: Mapping[str, LinePerformance], *,
                       line_id: str, option_tech_id: str, reference_tech_id: str,
                       terms: AppraisalTerms,
                       case: GreenfieldCase | str = GreenfieldCase.NEW_LINE) -> float:
    """Incremental NPV of building ``option_tech_id`` instead of ``reference_tech_id`` at
    the scenario firm's hurdle rate [USD] (:func:`appraise_greenfield`): the output of a
    sensitivity study, as ``functools.partial(greenfield_npv_usd, line_id=...,
    ...)(variant, performances)``."""
    return appraise_greenfield(
        scenario, line_id, [option_tech_id], performances, terms,
        reference_tech_id=reference_tech_id, case=case).incremental_npv_usd(option_tech_id)
