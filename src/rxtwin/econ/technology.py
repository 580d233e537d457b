"""Technology appraisal: should the firm switch a line from its incumbent technology to
another?

An econ engine: it takes the line's yearly performance with each technology as typed
:class:`~rxtwin.model.performance.LinePerformance` values (the line package makes them from
simulator results, :func:`rxtwin.line.performance.line_performance_from_results`) and the
terms that come from data as an :class:`AppraisalTerms`. It never runs the simulator and
reads no file; :mod:`rxtwin.runs.econ` simulates, loads the bundled terms and passes both in.

* :func:`appraise_technology` -- cash flows and NPV/IRR/payback of the switch against the
  firm's hurdle rate and payback limit (:class:`TechnologyAppraisal`);
* :func:`appraisal_table` -- several appraisals as one table;
* :func:`required_subsidy` -- the capex-grant or ITC share at which the NPV is zero;
* :func:`switch_npv_usd`, :func:`subsidy_outcomes` -- the same for a scenario variant, as
  the model functions of the uncertainty studies (:mod:`rxtwin.uq.technology`).

The break-even of a switch along a scenario axis is in
:mod:`rxtwin.econ.technology_breakeven`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from rxtwin.econ.appraisal import Appraisal, appraise
from rxtwin.econ.breakeven import solve_breakeven
from rxtwin.econ.depreciation import MacrsRatesPct
from rxtwin.econ.switch import SwitchCashFlows, technology_switch_cash_flows
from rxtwin.errors import UserInputError
from rxtwin.model.finance import FirmProfile
from rxtwin.model.performance import LinePerformance
from rxtwin.model.scenario import Scenario

__all__ = [
    "APPRAISAL_COLUMNS",
    "AppraisalTerms",
    "SubsidyKind",
    "TechnologyAppraisal",
    "appraisal_table",
    "appraise_technology",
    "firm_profile_of",
    "required_subsidy",
    "subsidy_outcomes",
    "switch_npv_usd",
]


@dataclass(frozen=True)
class AppraisalTerms:
    """The terms of a technology appraisal that come from data, not from the scenario.

    The bundled values are ``technology_appraisal.yaml`` (method, life, salvage, waste
    disposal; :func:`rxtwin.data.appraisal_defaults.load_appraisal_defaults`) and
    ``cash_flow_defaults()`` of :mod:`rxtwin.data.econ_defaults` (MACRS table, ITC basis
    reduction); :func:`rxtwin.runs.econ.bundled_appraisal_terms` gathers them.

    Attributes
    ----------
    depreciation_method : str
        A :class:`rxtwin.econ.depreciation.DepreciationMethod` value.
    depreciation_life_yr : int
        Recovery period of the line's equipment [yr].
    salvage_value_fraction : float
        Sale value at the horizon as a share of capex [-].
    waste_disposal_usd_per_unit : float
        Disposal cost of a wasted unit [USD/unit].
    macrs_rates_pct : MacrsRatesPct
        MACRS percentages by recovery period [yr -> %].
    itc_basis_reduction_fraction : float
        Share of an investment tax credit deducted from the depreciable basis [-].
    """

    depreciation_method: str
    depreciation_life_yr: int
    salvage_value_fraction: float
    waste_disposal_usd_per_unit: float
    macrs_rates_pct: MacrsRatesPct
    itc_basis_reduction_fraction: float


def firm_profile_of(scenario: Scenario) -> FirmProfile:
    """The scenario firm's hurdle rate, payback limit and tax rate as a FirmProfile,
    labelled ``"<kind> firm (<scenario name>)"``."""
    firm = scenario.firm
    return firm.criteria(f"{firm.profile} firm ({scenario.name})")


@dataclass(frozen=True)
class TechnologyAppraisal:
    """Result of :func:`appraise_technology`.

    Attributes
    ----------
    option, baseline : str
        Technology ids: the candidate and the incumbent.
    cash_flows : SwitchCashFlows
        Option, baseline and incremental cash-flow tables (USD by year).
    appraisal : Appraisal
        Metrics of the incremental net cash flow at the firm's hurdle rate.
    option_performance, baseline_performance : LinePerformance
        Full-rate yearly line performance of both technologies.
    products_moved : int
        Products on the line, one regulatory filing each.
    terms : AppraisalTerms
        The data-borne terms the cash flows were built with.
    """

    option: str
    baseline: str
    cash_flows: SwitchCashFlows
    appraisal: Appraisal
    option_performance: LinePerformance
    baseline_performance: LinePerformance
    products_moved: int
    terms: AppraisalTerms

    @property
    def incremental(self) -> pd.DataFrame:
        """Incremental cash-flow table (option - baseline) [USD]."""
        return self.cash_flows.incremental

    @property
    def npv_usd(self) -> float:
        """Incremental NPV at the hurdle rate [USD]."""
        return self.appraisal.npv_usd

    @property
    def verdict(self) -> str:
        """The firm's verdict on switching."""
        return f"{self.option} vs {self.baseline}: {self.appraisal.verdict}"


def appraise_technology(
    scenario: Scenario,
    line_id: str,
    option_tech_id: str,
    baseline_tech_id: str,
    performances: Mapping[str, LinePerformance],
    terms: AppraisalTerms,
    *,
    capex_grant_fraction: float = 0.0,
    itc_fraction: float = 0.0,
    profile: FirmProfile | None = None,
) -> TechnologyAppraisal:
    """Appraise switching a line from the incumbent technology to another.

    Parameters
    ----------
    scenario : Scenario
        The technologies' capex, installation, ramp-up, training and filing costs, the
        horizon and the firm.
    line_id : str
        The line; every product on it is moved (one filing each).
    option_tech_id : str
        Candidate technology.
    baseline_tech_id : str
        Incumbent technology; its capex is sunk.
    performances : mapping of str to LinePerformance
        Full-rate yearly performance of the line by technology id; must hold both
        technologies, simulated with the same entropy (common random numbers) [USD/yr,
        unit/yr].
    terms : AppraisalTerms
        Tax depreciation, salvage, waste disposal, MACRS table and ITC basis rule.
    capex_grant_fraction, itc_fraction : float
        Subsidies [-].
    profile : FirmProfile, optional
        Criteria; default the scenario's firm (:func:`firm_profile_of`).

    Returns
    -------
    TechnologyAppraisal

    Raises
    ------
    UserInputError
        Unknown line or technology, or ``performances`` lacks one of the two technologies.

    Notes
    -----
    Rules (``docs/econ.md``, "Technology appraisal"):

    1. Incumbent keeps running during installation: the new line runs from year
       ``ceil(install_time_months / 12) + 1`` (assumption).
    2. Ramp-up: linear over ``ramp_up_months``; the incumbent covers the shortfall
       (assumption; :func:`rxtwin.econ.switch.blend_performance`).
    3. Capex = technology ``capex_usd`` in equal parts at the start of each install year
       (assumption: even spending).
    4. Training = ``training_usd``, filings = ``filing_cost_usd_per_product`` x products on
       the line (FDA approves product by product: Wosińska et al. 2023, Session 3), both
       expensed in the last install year.
    5. Operating flows = option - baseline line performance, simulated with the same seed.
    6. Tax at ``firm.tax_rate`` on incremental profit; depreciation MACRS GDS 5-yr
       half-year (IRS Pub. 946 Table B-2, asset class 28.0; ``technology_appraisal.yaml``).
    7. Horizon ``scenario.horizon_yr``; salvage 0 (assumption, same file).
    8. Verdict: incremental NPV at the hurdle rate >= 0 and simple payback <= limit.

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 6 (incremental cash flows; sunk costs are ignored).
    """
    profile = profile or firm_profile_of(scenario)
    line = scenario.line(line_id)
    option = scenario.technology(option_tech_id)
    scenario.technology(baseline_tech_id)
    if not {option_tech_id, baseline_tech_id} <= set(performances):
        missing = sorted({option_tech_id, baseline_tech_id} - set(performances))
        raise UserInputError(f"performances lack technologies {missing}; simulate them with the "
                             "same seed as the others")
    products = len(line.product_ids)
    flows = technology_switch_cash_flows(
        performances[option_tech_id], performances[baseline_tech_id],
        horizon_yr=scenario.horizon_yr,
        install_time_months=option.install_time_months,
        ramp_up_months=option.ramp_up_months,
        capex_usd=option.capex_usd,
        training_usd=option.training_usd,
        filing_cost_usd_per_product=option.filing_cost_usd_per_product,
        products_moved=products,
        tax_rate=profile.tax_rate,
        depreciation_method=terms.depreciation_method,
        depreciation_life_yr=terms.depreciation_life_yr,
        macrs_rates_pct=terms.macrs_rates_pct,
        itc_basis_reduction_fraction=terms.itc_basis_reduction_fraction,
        salvage_value_usd=terms.salvage_value_fraction * option.capex_usd,
        waste_disposal_usd_per_unit=terms.waste_disposal_usd_per_unit,
        capex_grant_fraction=capex_grant_fraction,
        itc_fraction=itc_fraction,
    )
    result = appraise(flows.incremental["net_cash_flow_usd"].to_numpy(), profile)
    return TechnologyAppraisal(
        option=option_tech_id, baseline=baseline_tech_id, cash_flows=flows, appraisal=result,
        option_performance=performances[option_tech_id],
        baseline_performance=performances[baseline_tech_id], products_moved=products,
        terms=terms)


APPRAISAL_COLUMNS = ("technology", "baseline", "npv_usd", "irr", "payback_yr",
                     "discounted_payback_yr", "profitability_index", "meets_hurdle",
                     "meets_payback", "accept")


def appraisal_table(appraisals: Sequence[TechnologyAppraisal]) -> pd.DataFrame:
    """One row per appraisal, columns :data:`APPRAISAL_COLUMNS` (NPV in USD, IRR per yr,
    paybacks in yr, ``inf`` when never)."""
    return pd.DataFrame([{
        "technology": a.option, "baseline": a.baseline, "npv_usd": a.appraisal.npv_usd,
        "irr": a.appraisal.irr, "payback_yr": a.appraisal.payback_yr,
        "discounted_payback_yr": a.appraisal.discounted_payback_yr,
        "profitability_index": a.appraisal.profitability_index,
        "meets_hurdle": a.appraisal.meets_hurdle, "meets_payback": a.appraisal.meets_payback,
        "accept": a.appraisal.accept} for a in appraisals], columns=list(APPRAISAL_COLUMNS))


class SubsidyKind(StrEnum):
    """Subsidy solved for by :func:`required_subsidy`."""

    CAPEX_GRANT = "capex_grant_fraction"
    ITC = "itc_fraction"


def required_subsidy(appraisal: TechnologyAppraisal, scenario: Scenario, line_id: str,
                     kind: SubsidyKind | str = SubsidyKind.CAPEX_GRANT) -> float:
    """Smallest capex-grant or ITC share at which the incremental NPV at the hurdle is 0.

    Parameters
    ----------
    appraisal : TechnologyAppraisal
        Unsubsidised appraisal (its performances, terms and criteria are reused).
    scenario : Scenario
        The scenario it was made from.
    line_id : str
    kind : {"capex_grant_fraction", "itc_fraction"}

    Returns
    -------
    float
        The share [-]; 0.0 if the NPV is already >= 0; ``inf`` if even a share of 1 leaves
        the NPV negative (no capex subsidy can pay for a yearly operating loss).

    Notes
    -----
    NPV rises monotonically with either share (``rxtwin.econ.breakeven``); solved with
    :func:`rxtwin.econ.breakeven.solve_breakeven` on [0, 1].
    """
    kind = SubsidyKind(kind)
    profile = appraisal.appraisal.profile
    perf = {appraisal.option: appraisal.option_performance,
            appraisal.baseline: appraisal.baseline_performance}

    def npv(fraction: float) -> float:
        return appraise_technology(scenario, line_id, appraisal.option, appraisal.baseline,
                                   perf, appraisal.terms, profile=profile,
                                   **{kind.value: fraction}).npv_usd

    if npv(0.0) >= 0.0:
        return 0.0
    if npv(1.0) < 0.0:
        return math.inf
    return solve_breakeven(npv, 0.0, 1.0, xtol=1e-9)


def switch_npv_usd(scenario: Scenario, performances: Mapping[str, LinePerformance], *,
                   line_id: str, option_tech_id: str, baseline_tech_id: str,
                   terms: AppraisalTerms) -> float:
    """Unsubsidised incremental NPV of the switch at the scenario firm's hurdle rate [USD]
    (:func:`appraise_technology`): the output of an NPV sensitivity study, as
    ``functools.partial(switch_npv_usd, line_id=..., ...)(variant, performances)``."""
    return appraise_technology(scenario, line_id, option_tech_id, baseline_tech_id,
                               performances, terms).npv_usd


def subsidy_outcomes(scenario: Scenario, performances: Mapping[str, LinePerformance], *,
                     line_id: str, option_tech_id: str, baseline_tech_id: str,
                     terms: AppraisalTerms) -> dict[str, float]:
    """What it takes to make the switch break even, in one scenario (variant).

    Returns
    -------
    dict
        ``npv_usd`` (unsubsidised incremental NPV at the scenario firm's hurdle rate [USD]),
        ``subsidy_pv_usd`` (``max(0, -npv_usd)``: the untaxed lump sum at year 0 that makes
        the NPV zero, always finite [USD]), ``capex_grant_fraction`` and ``itc_fraction``
        (:func:`required_subsidy` [-]; ``inf`` where even a share of 1 cannot make the NPV
        zero).
    """
    base = appraise_technology(scenario, line_id, option_tech_id, baseline_tech_id,
                               performances, terms)
    return {"npv_usd": base.npv_usd,
            "subsidy_pv_usd": max(0.0, -base.npv_usd),
            "capex_grant_fraction": required_subsidy(base, scenario, line_id,
                                                     SubsidyKind.CAPEX_GRANT),
            "itc_fraction": required_subsidy(base, scenario, line_id, SubsidyKind.ITC)}
