"""Appraise a cash-flow vector the way a firm does: hurdle rate and payback limit.

The workshop report (Wosińska et al. 2023, Session 3, "Economic barriers") says each company "sets a hurdle rate
and payback period" and that generic and contract manufacturers judge investments more
strictly than brands because of thin margins and variable demand.
:class:`rxtwin.model.finance.FirmProfile` holds those two criteria (plus the tax rate used
to build the cash flows). The bundled profiles of a brand, a generic and a contract
manufacturer are data (``firm_profiles.yaml``, with their sources and assumptions); the
data layer loads them (``default_firm_profiles()`` and ``firm_profile(kind)`` in
``data/econ_defaults.py``) and this module takes them as arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rxtwin.econ.metrics import (
    FloatSeq,
    IrrFlag,
    discounted_payback_yr,
    equivalent_annual_value_usd,
    irr,
    npv_usd,
    payback_yr,
    profitability_index,
)
from rxtwin.model.finance import FirmProfile

__all__ = ["Appraisal", "appraise"]


@dataclass(frozen=True)
class Appraisal:
    """Result of :func:`appraise`.

    Attributes
    ----------
    profile : FirmProfile
        The criteria applied.
    npv_usd : float
        NPV at the hurdle rate [USD].
    irr : float
        Internal rate of return [1/yr], NaN when not unique (see ``irr_flag``).
    irr_flag : IrrFlag
        Why the IRR is or is not defined.
    payback_yr : float
        Simple payback [yr], ``inf`` if never.
    discounted_payback_yr : float
        Payback of flows discounted at the hurdle rate [yr], ``inf`` if never.
    profitability_index : float
        PV of inflows / PV of outlays at the hurdle rate [-].
    equivalent_annual_value_usd : float
        NPV spread as a level annuity over years 1..n at the hurdle rate [USD/yr].
    meets_hurdle : bool
        ``npv_usd >= 0`` at the hurdle rate.
    meets_payback : bool
        ``payback_yr <= payback_limit_yr``.
    verdict : str
        One-paragraph explanation.
    """

    profile: FirmProfile
    npv_usd: float
    irr: float
    irr_flag: IrrFlag
    payback_yr: float
    discounted_payback_yr: float
    profitability_index: float
    equivalent_annual_value_usd: float
    meets_hurdle: bool
    meets_payback: bool
    verdict: str

    @property
    def accept(self) -> bool:
        """True when the investment passes both the hurdle rate and the payback limit."""
        return self.meets_hurdle and self.meets_payback


def _years(value: float) -> str:
    return "never within the horizon" if math.isinf(value) else f"{value:.2f} yr"


def appraise(cash_flows_usd: FloatSeq, profile: FirmProfile) -> Appraisal:
    """Apply a firm's hurdle rate and payback limit to a net cash-flow vector.

    Parameters
    ----------
    cash_flows_usd : sequence of float
        Net cash flow of years 0..n [USD], e.g. ``build_cash_flows(inputs)["net_cash_flow_usd"]``
        or the net column of ``incremental_cash_flows``.
    profile : FirmProfile
        Hurdle rate and payback limit.

    Returns
    -------
    Appraisal
        Metrics, the two tests and a verdict.

    Notes
    -----
    The hurdle test is :math:`NPV(r_h) \\ge 0`, not :math:`IRR \\ge r_h`: the two agree for a
    conventional project (outlays, then inflows) but the NPV test also holds when the IRR
    is not unique. The payback test uses the simple payback period, the form firms report
    using most (Graham, J. R. and Harvey, C. R. (2001), "The theory and practice of
    corporate finance: evidence from the field", *Journal of Financial Economics* 60,
    187-243); the discounted payback is reported alongside.

    Examples
    --------
    >>> from rxtwin.model.finance import FirmProfile
    >>> profile = FirmProfile(name="demo", hurdle_rate=0.10, payback_limit_yr=2.0,
    ...                       tax_rate=0.21)
    >>> result = appraise([-100.0, 60.0, 60.0], profile)
    >>> result.meets_hurdle, result.meets_payback, round(result.payback_yr, 4)
    (True, True, 1.6667)
    """
    rate = profile.hurdle_rate
    npv = npv_usd(rate, cash_flows_usd)
    irr_result = irr(cash_flows_usd)
    simple = payback_yr(cash_flows_usd)
    discounted = discounted_payback_yr(rate, cash_flows_usd)
    meets_hurdle = npv >= 0.0
    meets_payback = simple <= profile.payback_limit_yr
    accept = meets_hurdle and meets_payback
    irr_text = (
        f"IRR {irr_result.irr:.1%}/yr"
        if irr_result.is_defined
        else f"IRR undefined ({irr_result.flag.value})"
    )
    verdict = (
        f"{profile.name}: {'invest' if accept else 'do not invest'}. "
        f"NPV at the {rate:.1%}/yr hurdle rate is {npv:,.0f} USD "
        f"({'meets' if meets_hurdle else 'fails'} the hurdle; {irr_text}). "
        f"Payback {_years(simple)} against a limit of {profile.payback_limit_yr:.1f} yr "
        f"({'meets' if meets_payback else 'fails'}); discounted payback {_years(discounted)}."
    )
    return Appraisal(
        profile=profile,
        npv_usd=npv,
        irr=irr_result.irr,
        irr_flag=irr_result.flag,
        payback_yr=simple,
        discounted_payback_yr=discounted,
        profitability_index=profitability_index(rate, cash_flows_usd),
        equivalent_annual_value_usd=equivalent_annual_value_usd(rate, cash_flows_usd),
        meets_hurdle=meets_hurdle,
        meets_payback=meets_payback,
        verdict=verdict,
    )
