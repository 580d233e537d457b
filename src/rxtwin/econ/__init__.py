"""rxtwin.econ: cash flows, NPV/IRR/payback, depreciation, break-even solvers, subsidies,
and the value to society of avoided shortages (``social.py``).

Pure functions and small typed inputs; see ``docs/econ.md`` for every equation and source.
No module here reads a file: the bundled defaults (MACRS table, ITC basis reduction, firm
profiles) come from the data layer, ``cash_flow_defaults()``, ``macrs_rates_pct()`` and
``firm_profile(kind)`` in ``data/econ_defaults.py``. The firm's criteria are a
:class:`rxtwin.model.finance.FirmProfile`; a line's simulated year is a
:class:`rxtwin.model.performance.LinePerformance`.
"""

from rxtwin.econ.appraisal import Appraisal, appraise
from rxtwin.econ.breakeven import (
    BreakevenBracketError,
    Subsidy,
    breakeven_map,
    required_subsidy_fraction,
    solve_breakeven,
)
from rxtwin.econ.cashflow import (
    CashFlowInputs,
    build_cash_flows,
    cash_flow_lines,
    incremental_cash_flows,
    memo_columns,
    net_cash_flows_usd,
)
from rxtwin.econ.depreciation import DepreciationMethod, MacrsRatesPct, depreciation_schedule_usd
from rxtwin.econ.metrics import (
    IrrFlag,
    IrrResult,
    discounted_payback_yr,
    equivalent_annual_value_usd,
    irr,
    levelised_unit_cost_usd_per_unit,
    npv_usd,
    payback_yr,
    profitability_index,
)
from rxtwin.econ.social import (
    AvoidedShortageValue,
    ShortageDayCost,
    SocialNpv,
    SocialNpvUncertainty,
    SocialOption,
    sample_shortage_day_costs,
    shortage_cost_sensitivity,
    shortage_day_cost,
    social_npv,
    social_npv_uncertainty,
    social_value_of_avoided,
)

__all__ = [
    "Appraisal",
    "AvoidedShortageValue",
    "BreakevenBracketError",
    "CashFlowInputs",
    "DepreciationMethod",
    "IrrFlag",
    "IrrResult",
    "MacrsRatesPct",
    "ShortageDayCost",
    "SocialNpv",
    "SocialNpvUncertainty",
    "SocialOption",
    "Subsidy",
    "appraise",
    "breakeven_map",
    "build_cash_flows",
    "cash_flow_lines",
    "depreciation_schedule_usd",
    "discounted_payback_yr",
    "equivalent_annual_value_usd",
    "incremental_cash_flows",
    "irr",
    "levelised_unit_cost_usd_per_unit",
    "memo_columns",
    "net_cash_flows_usd",
    "npv_usd",
    "payback_yr",
    "profitability_index",
    "required_subsidy_fraction",
    "sample_shortage_day_costs",
    "shortage_cost_sensitivity",
    "shortage_day_cost",
    "social_npv",
    "social_npv_uncertainty",
    "social_value_of_avoided",
    "solve_breakeven",
]
