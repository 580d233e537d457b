"""Yearly after-tax cash flows of a manufacturing-technology investment.

:class:`CashFlowInputs` gathers the inputs (validated, frozen); :func:`build_cash_flows`
turns them into a tidy table, one row per year ``0..horizon_yr``, one column per cash-flow
line (USD, inflows positive) plus ``net_cash_flow_usd`` and a few non-cash memo columns.
:data:`cash_flow_lines` and :data:`memo_columns` document every column; ``docs/econ.md``
gives the equations with their sources.

Timeline (end-of-year convention, see :mod:`rxtwin.econ.metrics`)::

    year 0 .. install_yr          capex (by schedule), grant; training and regulatory
                                  filings in year install_yr (the year before operation)
    year install_yr + 1           first operating year: asset placed in service,
                                  depreciation starts, investment tax credit received
    ...                           revenue and operating costs (ramp-up profile applies)
    year horizon_yr               last operating year: salvage sale, tax on the gain,
                                  working capital recovered

The project is appraised as an increment to a profitable firm: a negative taxable income
in a year yields a tax saving that year (the firm's other profits absorb it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from rxtwin.econ.depreciation import (
    DepreciationMethod,
    depreciation_schedule_usd,
    macrs_lives_yr,
)
from rxtwin.errors import UserInputError

__all__ = [
    "CashFlowInputs",
    "build_cash_flows",
    "cash_flow_lines",
    "incremental_cash_flows",
    "memo_columns",
    "net_cash_flows_usd",
]


def _tuple_if_array(value: Any) -> Any:
    """Let numpy arrays and pandas Series through as plain tuples of floats."""
    if isinstance(value, np.ndarray | pd.Series):
        return tuple(float(x) for x in np.asarray(value, dtype=float).ravel())
    if isinstance(value, list):
        return tuple(value)
    return value


YearlyAmount = Annotated[float | tuple[float, ...], BeforeValidator(_tuple_if_array)]
"""A yearly amount: one float (same every operating year) or one value per operating year."""

FloatTuple = Annotated[tuple[float, ...], BeforeValidator(_tuple_if_array)]


#: Volume-driven yearly inputs: multiplied by the ramp-up fraction of the operating year.
_RAMPED_COSTS = (
    ("materials_usd", "materials_usd_per_yr"),
    ("energy_usd", "energy_usd_per_yr"),
    ("qc_usd", "qc_usd_per_yr"),
    ("waste_usd", "waste_usd_per_yr"),
    ("inventory_carrying_usd", "inventory_carrying_usd_per_yr"),
    ("rejected_batches_usd", "rejected_batches_usd_per_yr"),
)

_YEARLY_FIELDS = (
    "output_units_per_yr",
    "revenue_usd_per_yr",
    "labour_usd_per_yr",
    "working_capital_usd",
    *(field for _, field in _RAMPED_COSTS),
)


class CashFlowInputs(BaseModel):
    """Inputs of the yearly cash-flow model of one investment option.

    Yearly amounts (``*_per_yr``, ``working_capital_usd``) are either one number, used in
    every operating year, or a sequence with exactly one value per operating year
    (operating years are ``install_yr + 1 .. horizon_yr``). Costs are given as positive
    numbers; the output table shows them negative. Volume-driven lines (units, revenue,
    materials, energy, QC, waste, inventory carrying, rejected batches) are the full-rate
    values and are multiplied by the ramp-up fraction; labour and working capital are not.

    Two inputs are tax data rather than project data, ``macrs_rates_pct`` (IRS Publication
    946 Table A-1) and ``itc_basis_reduction_fraction`` (26 U.S.C. 50(c)(1)); the bundled
    values are ``cash_flow_defaults()`` of the data layer (``data/econ_defaults.py``), e.g.
    ``CashFlowInputs(**cash_flow_defaults(), horizon_yr=10, ...)``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_yr: int = Field(
        ge=1, description="Last year of the analysis [yr]; years 0..horizon_yr."
    )
    install_yr: int = Field(
        default=0,
        ge=0,
        description="Years after year 0 spent installing, before the first operating year "
        "install_yr + 1 [yr].",
    )
    capex_usd_by_yr: FloatTuple = Field(
        min_length=1,
        description="Capital expenditure in years 0, 1, ... [USD]; all of it must be spent by "
        "year install_yr.",
    )
    ramp_up_fraction: FloatTuple = Field(
        default=(),
        description="Output as a fraction of full rate in operating years 1, 2, ... [-]; "
        "full rate (1.0) after the profile ends.",
    )
    training_usd: float = Field(
        default=0.0, ge=0, description="Staff training, expensed in year install_yr [USD]."
    )
    regulatory_filing_usd_per_product: float = Field(
        default=0.0,
        ge=0,
        description="Cost of one regulatory filing (e.g. a prior-approval supplement) to move "
        "one product onto the new line [USD/product].",
    )
    products_moved: int = Field(
        default=0, ge=0, description="Number of products moved onto the line [product]."
    )
    output_units_per_yr: YearlyAmount = Field(
        default=0.0, description="Full-rate output [unit/yr] (ramped)."
    )
    revenue_usd_per_yr: YearlyAmount = Field(
        default=0.0, description="Full-rate sales revenue [USD/yr] (ramped)."
    )
    materials_usd_per_yr: YearlyAmount = Field(
        default=0.0, description="API, excipients, packaging [USD/yr] (ramped)."
    )
    labour_usd_per_yr: YearlyAmount = Field(
        default=0.0, description="Operating labour [USD/yr] (not ramped)."
    )
    energy_usd_per_yr: YearlyAmount = Field(
        default=0.0, description="Energy and utilities [USD/yr] (ramped)."
    )
    qc_usd_per_yr: YearlyAmount = Field(
        default=0.0, description="Quality control testing and release [USD/yr] (ramped)."
    )
    waste_usd_per_yr: YearlyAmount = Field(
        default=0.0, description="Waste treatment and disposal [USD/yr] (ramped)."
    )
    inventory_carrying_usd_per_yr: YearlyAmount = Field(
        default=0.0, description="Cost of carrying inventory [USD/yr] (ramped)."
    )
    rejected_batches_usd_per_yr: YearlyAmount = Field(
        default=0.0, description="Value of rejected or diverted product [USD/yr] (ramped)."
    )
    working_capital_usd: YearlyAmount = Field(
        default=0.0,
        description="Working capital tied up during each operating year [USD] (a level, not "
        "a flow; recovered in full at horizon_yr).",
    )
    tax_rate: float = Field(ge=0, lt=1, description="Income tax rate on profit [-].")
    depreciation_method: DepreciationMethod = Field(description="Tax depreciation method.")
    depreciation_life_yr: int = Field(ge=1, description="Recovery period [yr].")
    macrs_rates_pct: Mapping[int, tuple[float, ...]] = Field(
        description="MACRS GDS half-year percentages by recovery period [yr -> % of basis "
        "in recovery years 1..life+1], used by depreciation_method 'macrs_gds_half_year' "
        "(bundled: IRS Publication 946 Table A-1, macrs_rates_pct() in "
        "data/econ_defaults.py).",
    )
    salvage_value_usd: float = Field(
        default=0.0, ge=0, description="Market value of the equipment sold at horizon_yr [USD]."
    )
    capex_grant_fraction: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of capex paid by a grant, received with the capex [-]; not taxed, "
        "reduces the depreciable basis.",
    )
    itc_fraction: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Investment tax credit as a share of the qualified basis (capex less "
        "grant) [-], e.g. 0.25 for 26 U.S.C. 48D as enacted in 2022.",
    )
    itc_basis_reduction_fraction: float = Field(
        ge=0,
        le=1,
        description="Share of the credit deducted from the depreciable basis [-] "
        "(bundled: 1.0, 26 U.S.C. 50(c)(1), subsidies.yaml).",
    )
    purchase_commitment_usd_per_unit: float = Field(
        default=0.0,
        ge=0,
        description="Premium paid per unit produced under a purchase commitment, on top of "
        "revenue, taxed as income [USD/unit].",
    )

    @property
    def first_operating_year(self) -> int:
        """Year the asset is placed in service and production starts [yr]."""
        return self.install_yr + 1

    @property
    def n_operating_yr(self) -> int:
        """Number of operating years, install_yr + 1 .. horizon_yr [yr]."""
        return self.horizon_yr - self.install_yr

    @model_validator(mode="after")
    def _check_timeline(self) -> CashFlowInputs:
        if self.install_yr >= self.horizon_yr:
            raise ValueError(
                f"install_yr = {self.install_yr} leaves no operating year within "
                f"horizon_yr = {self.horizon_yr}; install_yr must be < horizon_yr"
            )
        if len(self.capex_usd_by_yr) > self.install_yr + 1:
            raise ValueError(
                f"capex_usd_by_yr has {len(self.capex_usd_by_yr)} years (0.."
                f"{len(self.capex_usd_by_yr) - 1}) but install_yr = {self.install_yr}; capex "
                f"must be spent in years 0..{self.install_yr}, before operation starts"
            )
        for i, value in enumerate(self.capex_usd_by_yr):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"capex_usd_by_yr[{i}] = {value} must be finite and >= 0")
        if len(self.ramp_up_fraction) > self.n_operating_yr:
            raise ValueError(
                f"ramp_up_fraction has {len(self.ramp_up_fraction)} years but there are only "
                f"{self.n_operating_yr} operating years (horizon_yr - install_yr)"
            )
        for i, value in enumerate(self.ramp_up_fraction):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"ramp_up_fraction[{i}] = {value} must be within [0, 1]")
        for name in _YEARLY_FIELDS:
            value = getattr(self, name)
            values = (value,) if isinstance(value, float | int) else value
            if not isinstance(value, float | int) and len(values) != self.n_operating_yr:
                raise ValueError(
                    f"{name} has {len(values)} values; give one number or exactly "
                    f"{self.n_operating_yr} (one per operating year "
                    f"{self.first_operating_year}..{self.horizon_yr})"
                )
            for i, v in enumerate(values):
                if not (math.isfinite(v) and v >= 0):
                    raise ValueError(f"{name}[{i}] = {v} must be finite and >= 0")
        if (
            self.depreciation_method is DepreciationMethod.MACRS_GDS_HALF_YEAR
            and self.depreciation_life_yr not in macrs_lives_yr(self.macrs_rates_pct)
        ):
            raise ValueError(
                f"depreciation_life_yr = {self.depreciation_life_yr} is not a MACRS GDS "
                f"recovery period; with depreciation_method = 'macrs_gds_half_year' it must "
                f"be one of {list(macrs_lives_yr(self.macrs_rates_pct))} (the keys of "
                f"macrs_rates_pct)"
            )
        return self


cash_flow_lines: Mapping[str, str] = MappingProxyType(
    {
        "capex_usd": "Capital expenditure, -capex_usd_by_yr[t] in years 0..install_yr [USD].",
        "capex_grant_usd": "Capex grant, +capex_grant_fraction * capex_usd_by_yr[t], received "
        "with the capex; not taxed [USD].",
        "training_usd": "Staff training, -training_usd in year install_yr; tax-deductible [USD].",
        "regulatory_filing_usd": "Regulatory filings, -regulatory_filing_usd_per_product * "
        "products_moved in year install_yr; tax-deductible [USD].",
        "revenue_usd": "Sales, +ramp[t] * revenue_usd_per_yr [USD].",
        "purchase_commitment_usd": "Purchase-commitment premium, "
        "+purchase_commitment_usd_per_unit * output_units [USD].",
        "materials_usd": "Materials, -ramp[t] * materials_usd_per_yr [USD].",
        "labour_usd": "Labour, -labour_usd_per_yr in every operating year [USD].",
        "energy_usd": "Energy, -ramp[t] * energy_usd_per_yr [USD].",
        "qc_usd": "Quality control, -ramp[t] * qc_usd_per_yr [USD].",
        "waste_usd": "Waste, -ramp[t] * waste_usd_per_yr [USD].",
        "inventory_carrying_usd": "Inventory carrying, -ramp[t] * "
        "inventory_carrying_usd_per_yr [USD].",
        "rejected_batches_usd": "Rejected batches, -ramp[t] * rejected_batches_usd_per_yr [USD].",
        "working_capital_usd": "Working capital, -(W[t] - W[t-1]) with W = 0 outside operating "
        "years; +W[horizon] recovered in the last year [USD].",
        "income_tax_usd": "Income tax, -tax_rate * taxable_income_usd (positive = tax saving "
        "when taxable income is negative) [USD].",
        "investment_tax_credit_usd": "Investment tax credit, +itc_fraction * (capex - grant) "
        "in the first operating year [USD].",
        "salvage_usd": "Sale of the equipment, +salvage_value_usd in year horizon_yr [USD].",
        "salvage_tax_usd": "Tax on the sale, -tax_rate * (salvage_value_usd - book value) in "
        "year horizon_yr (positive on a loss) [USD].",
    }
)
"""Cash-flow columns of :func:`build_cash_flows` (USD, inflows positive): their sum over a
row is ``net_cash_flow_usd``."""

memo_columns: Mapping[str, str] = MappingProxyType(
    {
        "year": "Year index t, 0 = decision date [yr].",
        "operating_fraction": "Output as a fraction of full rate: 0 before operation, the "
        "ramp-up profile, then 1 [-].",
        "output_units": "Units produced, ramp[t] * output_units_per_yr [unit].",
        "depreciation_deduction_usd": "Tax depreciation deducted (non-cash, positive) [USD].",
        "taxable_income_usd": "Revenue + premium - operating costs - training - filings - "
        "depreciation (salvage gain excluded, see salvage_tax_usd) [USD].",
        "book_value_usd": "Tax book value at year end: cost paid so far less grants before "
        "service; depreciable basis less accumulated depreciation after [USD].",
    }
)
"""Non-cash columns of :func:`build_cash_flows` (not part of ``net_cash_flow_usd``)."""


def _per_operating_year(value: float | tuple[float, ...], n_operating_yr: int) -> np.ndarray:
    if isinstance(value, float | int):
        return np.full(n_operating_yr, float(value))
    return np.asarray(value, dtype=float)


def _negated(values: np.ndarray) -> np.ndarray:
    """Outflow sign: ``0.0 - values`` (avoids printing -0.0 for zero lines)."""
    return 0.0 - values


def _cash_flow_columns(inputs: CashFlowInputs) -> dict[str, np.ndarray]:
    """The columns of :func:`build_cash_flows` as numpy arrays, in order."""
    n_years = inputs.horizon_yr + 1
    first_op = inputs.first_operating_year
    n_op = inputs.n_operating_yr
    years = np.arange(n_years)
    operating = slice(first_op, n_years)

    def zeros() -> np.ndarray:
        return np.zeros(n_years)

    ramp = zeros()
    ramp[operating] = 1.0
    ramp[first_op : first_op + len(inputs.ramp_up_fraction)] = inputs.ramp_up_fraction

    def yearly(value: float | tuple[float, ...], ramped: bool) -> np.ndarray:
        out = zeros()
        out[operating] = _per_operating_year(value, n_op)
        return out * ramp if ramped else out

    lines: dict[str, np.ndarray] = {}

    capex = zeros()
    capex[: len(inputs.capex_usd_by_yr)] = inputs.capex_usd_by_yr
    lines["capex_usd"] = _negated(capex)
    lines["capex_grant_usd"] = inputs.capex_grant_fraction * capex

    pre_operation = inputs.install_yr
    lines["training_usd"] = zeros()
    lines["training_usd"][pre_operation] = 0.0 - inputs.training_usd
    lines["regulatory_filing_usd"] = zeros()
    lines["regulatory_filing_usd"][pre_operation] = 0.0 - (
        inputs.regulatory_filing_usd_per_product * inputs.products_moved
    )

    output_units = yearly(inputs.output_units_per_yr, ramped=True)
    lines["revenue_usd"] = yearly(inputs.revenue_usd_per_yr, ramped=True)
    lines["purchase_commitment_usd"] = inputs.purchase_commitment_usd_per_unit * output_units
    lines["materials_usd"] = _negated(yearly(inputs.materials_usd_per_yr, ramped=True))
    lines["labour_usd"] = _negated(yearly(inputs.labour_usd_per_yr, ramped=False))
    for column, field in _RAMPED_COSTS[1:]:
        lines[column] = _negated(yearly(getattr(inputs, field), ramped=True))

    level = yearly(inputs.working_capital_usd, ramped=False)
    working_capital = _negated(np.diff(level, prepend=0.0))
    working_capital[-1] += level[-1]
    lines["working_capital_usd"] = working_capital

    total_capex = float(capex.sum())
    grant = inputs.capex_grant_fraction * total_capex
    credit = inputs.itc_fraction * (total_capex - grant)
    basis = total_capex - grant - inputs.itc_basis_reduction_fraction * credit
    depreciation = zeros()
    depreciation[operating] = depreciation_schedule_usd(
        basis, inputs.depreciation_method, inputs.depreciation_life_yr, n_op,
        macrs_rates_pct=inputs.macrs_rates_pct,
    )

    taxable_income = (
        lines["revenue_usd"]
        + lines["purchase_commitment_usd"]
        + lines["training_usd"]
        + lines["regulatory_filing_usd"]
        + lines["materials_usd"]
        + lines["labour_usd"]
        + sum(lines[column] for column, _ in _RAMPED_COSTS[1:])
        - depreciation
    )
    lines["income_tax_usd"] = _negated(inputs.tax_rate * taxable_income)

    lines["investment_tax_credit_usd"] = zeros()
    lines["investment_tax_credit_usd"][first_op] = credit

    book_value = np.cumsum(capex) * (1.0 - inputs.capex_grant_fraction)
    book_value[operating] = basis - np.cumsum(depreciation[operating])
    lines["salvage_usd"] = zeros()
    lines["salvage_usd"][-1] = inputs.salvage_value_usd
    lines["salvage_tax_usd"] = zeros()
    lines["salvage_tax_usd"][-1] = 0.0 - inputs.tax_rate * (
        inputs.salvage_value_usd - book_value[-1]
    )

    columns: dict[str, np.ndarray] = {
        "year": years,
        "operating_fraction": ramp,
        "output_units": output_units,
        "depreciation_deduction_usd": depreciation,
        "taxable_income_usd": taxable_income,
        "book_value_usd": book_value,
    }
    columns.update((column, lines[column]) for column in cash_flow_lines)
    columns["net_cash_flow_usd"] = np.sum([lines[column] for column in cash_flow_lines], axis=0)
    return columns


def build_cash_flows(inputs: CashFlowInputs) -> pd.DataFrame:
    """Build the yearly after-tax cash-flow table of one investment option.

    Parameters
    ----------
    inputs : CashFlowInputs
        Validated inputs.

    Returns
    -------
    pandas.DataFrame
        One row per year ``0..horizon_yr``; the columns of :data:`memo_columns` and
        :data:`cash_flow_lines` (USD, inflows positive), then ``net_cash_flow_usd``, the
        row sum of the cash-flow lines.

    Notes
    -----
    With total capex :math:`C`, grant :math:`G = g C`, investment tax credit
    :math:`I = c (C - G)` and basis-reduction share :math:`\\beta`
    (26 U.S.C. 50(c)(1): :math:`\\beta = 1`), the depreciable basis is
    :math:`B = C - G - \\beta I`. In year :math:`t`:

    .. math::
        TI_t = R_t + P_t - O_t - T^{train}_t - F_t - D_t, \\qquad
        \\text{tax}_t = -\\tau\\, TI_t

    and at the horizon the sale yields :math:`S - \\tau (S - BV_H)` with
    :math:`BV_H = B - \\sum_t D_t`. The grant is assumed untaxed and deducted from the basis
    (cost-reduction treatment); see ``docs/econ.md`` for the alternatives.

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 6 (taxes, depreciation, working capital and salvage in project
    cash flows). 26 U.S.C. 48D (advanced manufacturing investment credit), 50(c) (basis
    adjustment), 168 (MACRS); Internal Revenue Service, Publication 946 (2023).

    Examples
    --------
    >>> inputs = CashFlowInputs(horizon_yr=2, capex_usd_by_yr=(1000.0,),
    ...     revenue_usd_per_yr=800.0, tax_rate=0.0,
    ...     depreciation_method="straight_line", depreciation_life_yr=2,
    ...     macrs_rates_pct={}, itc_basis_reduction_fraction=1.0)
    >>> build_cash_flows(inputs)["net_cash_flow_usd"].tolist()
    [-1000.0, 800.0, 800.0]
    """
    return pd.DataFrame(_cash_flow_columns(inputs))


def net_cash_flows_usd(inputs: CashFlowInputs) -> np.ndarray:
    """Net cash flow of years 0..horizon_yr [USD], the ``net_cash_flow_usd`` column of
    :func:`build_cash_flows` without building the table (for solvers that call it often)."""
    return _cash_flow_columns(inputs)["net_cash_flow_usd"]


def incremental_cash_flows(option: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """Cash flows of choosing ``option`` instead of ``baseline``, line by line.

    Parameters
    ----------
    option, baseline : pandas.DataFrame
        Tables from :func:`build_cash_flows` over the same years.

    Returns
    -------
    pandas.DataFrame
        Same columns; ``year`` kept, every other column is ``option - baseline`` (memo
        columns too, e.g. the extra depreciation). Appraise ``net_cash_flow_usd`` of it to
        decide whether switching pays.

    Notes
    -----
    NPV is linear in the cash flows, so ``npv(incremental) = npv(option) - npv(baseline)``;
    IRR and payback are not, which is why mutually exclusive options are compared on the
    increment (Brealey, Myers & Allen, *Principles of Corporate Finance*, 13th ed., ch. 5).
    """
    for name, table in (("option", option), ("baseline", baseline)):
        missing = [c for c in ("year", *cash_flow_lines, "net_cash_flow_usd") if c not in table]
        if missing:
            raise UserInputError(
                f"{name} lacks cash-flow columns {missing}; build it with build_cash_flows"
            )
    if list(option.columns) != list(baseline.columns):
        raise UserInputError(
            f"option columns {list(option.columns)} differ from baseline columns "
            f"{list(baseline.columns)}"
        )
    option_years = option["year"].to_numpy()
    baseline_years = baseline["year"].to_numpy()
    if option_years.shape != baseline_years.shape or not np.array_equal(
        option_years, baseline_years
    ):
        raise UserInputError(
            f"option covers years {option_years.min()}..{option_years.max()} and baseline "
            f"{baseline_years.min()}..{baseline_years.max()}; use the same horizon_yr for both"
        )
    values = option.drop(columns="year").reset_index(drop=True) - baseline.drop(
        columns="year"
    ).reset_index(drop=True)
    values.insert(0, "year", option_years)
    return values
