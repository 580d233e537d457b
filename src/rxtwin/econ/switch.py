"""The cash flows of switching a running line to another technology.

The line's yearly performance with each technology arrives as a
:class:`rxtwin.model.performance.LinePerformance` (filled by the line package; this module
knows nothing of the simulator). The helpers here turn a technology's installation and
ramp-up times into the yearly timeline of :class:`rxtwin.econ.cashflow.CashFlowInputs`:

* :func:`install_years` -- whole years of installation, ``ceil(months / 12)``;
* :func:`even_capex_by_yr` -- capex spread evenly over the installation years;
* :func:`ramp_up_fractions` -- mean output fraction of each operating year under a linear
  ramp-up;
* :func:`blend_performance` -- the yearly performance while the new line ramps up and the
  incumbent covers the rest;
* :func:`technology_switch_cash_flows` -- the option, baseline and incremental cash-flow
  tables of the switch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from rxtwin.econ.depreciation import MacrsRatesPct
from rxtwin.errors import UserInputError
from rxtwin.model.performance import LinePerformance

__all__ = [
    "MONTHS_PER_YR",
    "SwitchCashFlows",
    "blend_performance",
    "even_capex_by_yr",
    "install_years",
    "ramp_up_fractions",
    "technology_switch_cash_flows",
]

MONTHS_PER_YR = 12


def install_years(install_time_months: float) -> int:
    """Whole years from the decision to the first operating year of a new line [yr].

    Parameters
    ----------
    install_time_months : float
        Months from decision to first GMP batch [month], >= 0.

    Returns
    -------
    int
        ``ceil(install_time_months / 12)``: the line starts operating at the start of the
        next whole year (a year partly spent installing produces nothing new).

    Examples
    --------
    >>> install_years(0.0), install_years(12.0), install_years(18.0), install_years(36.0)
    (0, 1, 2, 3)
    """
    if not (math.isfinite(install_time_months) and install_time_months >= 0):
        raise UserInputError(f"install_time_months = {install_time_months} must be finite and >= 0")
    return math.ceil(install_time_months / MONTHS_PER_YR - 1e-12)


def even_capex_by_yr(capex_usd: float, install_yr: int) -> tuple[float, ...]:
    """Capex spent in equal parts at the start of each installation year [USD].

    Parameters
    ----------
    capex_usd : float
        Total capital expenditure [USD].
    install_yr : int
        Whole installation years ``k`` (:func:`install_years`) [yr], >= 0.

    Returns
    -------
    tuple of float
        ``capex_usd / k`` in each of years ``0 .. k - 1``; all of it in year 0 when
        ``k = 0`` (the start of an installation year is the end of the year before, in the
        end-of-year convention). Even spending is an assumption (docs/econ.md).

    Examples
    --------
    >>> even_capex_by_yr(3.0e6, 0), even_capex_by_yr(3.0e6, 2)
    ((3000000.0,), (1500000.0, 1500000.0))
    """
    return (capex_usd,) if install_yr == 0 else (capex_usd / install_yr,) * install_yr


def ramp_up_fractions(ramp_up_months: float, n_operating_yr: int) -> np.ndarray:
    """Mean output fraction of each operating year under a linear ramp-up [-].

    Parameters
    ----------
    ramp_up_months : float
        Months from the first operating day to full rate [month], >= 0.
    n_operating_yr : int
        Operating years [yr], >= 1.

    Returns
    -------
    numpy.ndarray
        ``phi_j`` for operating years ``j = 1 .. n_operating_yr``.

    Notes
    -----
    With ramp length :math:`R` months the output fraction at month :math:`m` after start is
    :math:`\\min(1, m / R)`; year :math:`j` covers months :math:`[a, b] = [12(j-1), 12j]`
    and :math:`\\phi_j = \\frac{1}{12}\\int_a^b \\min(1, m/R)\\,dm`. For :math:`R = 0`,
    :math:`\\phi_j = 1`. Linear ramp: the definition of ``Technology.ramp_up_months``.

    Examples
    --------
    >>> ramp_up_fractions(12.0, 3).tolist()
    [0.5, 1.0, 1.0]
    >>> ramp_up_fractions(3.0, 2).tolist()
    [0.875, 1.0]
    """
    if not (math.isfinite(ramp_up_months) and ramp_up_months >= 0):
        raise UserInputError(f"ramp_up_months = {ramp_up_months} must be finite and >= 0")
    if n_operating_yr < 1:
        raise UserInputError(f"n_operating_yr = {n_operating_yr} must be >= 1")
    if ramp_up_months == 0:
        return np.ones(n_operating_yr)

    def integral(m: np.ndarray) -> np.ndarray:
        # integral of min(1, s / R) ds from 0 to m
        r = ramp_up_months
        ramping = np.minimum(m, r)
        return ramping * (ramping / (2.0 * r)) + (m - ramping)

    a = MONTHS_PER_YR * np.arange(n_operating_yr, dtype=float)
    # clip: rounding can put a full year a few ulps above 1
    return np.clip((integral(a + MONTHS_PER_YR) - integral(a)) / MONTHS_PER_YR, 0.0, 1.0)


def blend_performance(new: LinePerformance, incumbent: LinePerformance,
                      fraction: float) -> LinePerformance:
    """Yearly performance while the new line makes ``fraction`` of its full-rate output and
    the incumbent the rest.

    Parameters
    ----------
    new, incumbent : LinePerformance
        Full-rate performance of the new technology and of the incumbent.
    fraction : float
        Output fraction of the new line in the year [-], within [0, 1].

    Returns
    -------
    LinePerformance
        Every field ``fraction * new + (1 - fraction) * incumbent``.

    Notes
    -----
    Assumption: during ramp-up the incumbent keeps running for the share of demand the new
    line cannot yet make (the firm does not give up sales to commission a line), so every
    flow -- units, revenue and each cost -- is the output-weighted mix of the two.
    """
    if not 0.0 <= fraction <= 1.0:
        raise UserInputError(f"fraction = {fraction} must be within [0, 1]")
    return LinePerformance(**{
        f.name: fraction * getattr(new, f.name) + (1.0 - fraction) * getattr(incumbent, f.name)
        for f in fields(LinePerformance)
    })


@dataclass(frozen=True)
class SwitchCashFlows:
    """Cash-flow tables of replacing an incumbent line technology by a new one.

    Attributes
    ----------
    option : pandas.DataFrame
        The line if the firm switches: incumbent performance until the new line runs, the
        ramp-up mix, then the new technology; with its capex, training and filings.
    baseline : pandas.DataFrame
        The line if the firm keeps the incumbent (its capex is sunk).
    incremental : pandas.DataFrame
        ``option - baseline`` line by line (:func:`rxtwin.econ.incremental_cash_flows`).
    install_yr : int
        Years of installation; the new line's first operating year is ``install_yr + 1``.
    ramp_up_fraction : numpy.ndarray
        Output share of the new line in operating years 1, 2, ... [-].
    """

    option: object
    baseline: object
    incremental: object
    install_yr: int
    ramp_up_fraction: np.ndarray


def _materials_of_units_sold(p: LinePerformance) -> float:
    """materials - rejected value - stock build [USD/yr], >= 0 up to rounding."""
    value = p.materials_usd - p.rejected_value_usd - p.inventory_build_usd
    if value < -1e-9 * max(1.0, p.materials_usd):
        raise UserInputError(
            f"materials_usd = {p.materials_usd} is less than rejected_value_usd "
            f"({p.rejected_value_usd}) + inventory_build_usd ({p.inventory_build_usd}); both "
            "are parts of materials_usd")
    return max(0.0, value)


def _operating_sequences(performances: list[LinePerformance],
                         waste_disposal_usd_per_unit: float) -> dict[str, tuple[float, ...]]:
    """CashFlowInputs yearly fields from one LinePerformance per operating year."""
    def seq(fn) -> tuple[float, ...]:
        return tuple(float(fn(p)) for p in performances)

    return {
        "output_units_per_yr": seq(lambda p: p.units_good),
        "revenue_usd_per_yr": seq(lambda p: p.revenue_usd),
        # materials of the units sold: the stock built in a simulated year is a change of
        # working capital that cannot recur every year of a steady state (see the docs)
        "materials_usd_per_yr": seq(_materials_of_units_sold),
        "rejected_batches_usd_per_yr": seq(lambda p: p.rejected_value_usd),
        # labour + cleaning + overhead go through the tax computation together and are
        # split into three columns afterwards (CashFlowInputs has one fixed-cost line)
        "labour_usd_per_yr": seq(lambda p: p.labour_usd + p.cleaning_usd + p.overhead_usd),
        "energy_usd_per_yr": seq(lambda p: p.energy_usd),
        "qc_usd_per_yr": seq(lambda p: p.qc_usd),
        "waste_usd_per_yr": seq(lambda p: waste_disposal_usd_per_unit * p.waste_units),
        "inventory_carrying_usd_per_yr": seq(lambda p: p.inventory_carrying_usd),
    }


def _split_fixed_costs(table, performances: list[LinePerformance], first_op: int):
    """Split the lumped ``labour_usd`` column into labour, cleaning and overhead."""
    import pandas as pd

    n = len(table)
    cleaning, overhead = np.zeros(n), np.zeros(n)
    cleaning[first_op:] = [p.cleaning_usd for p in performances]
    overhead[first_op:] = [p.overhead_usd for p in performances]
    out = table.copy()
    out["labour_usd"] = out["labour_usd"].to_numpy() + cleaning + overhead
    position = list(out.columns).index("labour_usd") + 1
    out.insert(position, "cleaning_usd", 0.0 - cleaning)
    out.insert(position + 1, "overhead_usd", 0.0 - overhead)
    return pd.DataFrame(out)


def technology_switch_cash_flows(
    new: LinePerformance,
    incumbent: LinePerformance,
    *,
    horizon_yr: int,
    install_time_months: float,
    ramp_up_months: float,
    capex_usd: float,
    training_usd: float,
    filing_cost_usd_per_product: float,
    products_moved: int,
    tax_rate: float,
    depreciation_method: str,
    depreciation_life_yr: int,
    macrs_rates_pct: MacrsRatesPct,
    itc_basis_reduction_fraction: float,
    salvage_value_usd: float = 0.0,
    waste_disposal_usd_per_unit: float = 0.0,
    capex_grant_fraction: float = 0.0,
    itc_fraction: float = 0.0,
    purchase_commitment_usd_per_unit: float = 0.0,
    freed_equipment_value_usd: float = 0.0,
) -> SwitchCashFlows:
    """Yearly after-tax cash flows of switching a running line to a new technology.

    Parameters
    ----------
    new, incumbent : LinePerformance
        Full-rate yearly performance of the line with the new technology and with the
        incumbent (same products, same random numbers) [USD/yr, unit/yr].
    horizon_yr : int
        Last year of the appraisal [yr].
    install_time_months, ramp_up_months : float
        Installation time (decision to first GMP batch) and linear ramp-up to full rate of
        the new technology [month].
    capex_usd : float
        Equipment, installation and validation of the new line [USD], paid in equal parts at
        the start of each installation year (years ``0 .. install_yr - 1``; year 0 when
        ``install_yr = 0``).
    training_usd : float
        Staff training [USD], expensed in year ``install_yr``.
    filing_cost_usd_per_product : float
        Regulatory filing per product moved [USD/product], expensed in year ``install_yr``.
    products_moved : int
        Products moved onto the new line [product] (all the line's products).
    tax_rate : float
        Income tax rate [-].
    depreciation_method : str
        A :class:`rxtwin.econ.depreciation.DepreciationMethod` value.
    depreciation_life_yr : int
        Recovery period [yr].
    macrs_rates_pct : MacrsRatesPct
        MACRS percentages by recovery period [yr -> %].
    itc_basis_reduction_fraction : float
        Share of an investment tax credit deducted from the depreciable basis [-]. Both
        are tax data, as in :class:`rxtwin.econ.cashflow.CashFlowInputs`; the bundled
        values are ``cash_flow_defaults()`` of the data layer (``data/econ_defaults.py``).
    salvage_value_usd : float
        Sale value of the new equipment at the horizon [USD].
    waste_disposal_usd_per_unit : float
        Disposal cost per wasted unit [USD/unit].
    capex_grant_fraction, itc_fraction : float
        Subsidies [-] (see :class:`rxtwin.econ.cashflow.CashFlowInputs`).
    purchase_commitment_usd_per_unit : float
        Premium per unit made on the switched line from its first operating year, on top
        of revenue, taxed as income [USD/unit]; the kept line gets none, so the increment
        holds all of it (see :class:`rxtwin.econ.cashflow.CashFlowInputs`).
    freed_equipment_value_usd : float
        Redeployment or sale value of the incumbent's equipment once the products leave
        it [USD], received in the new line's first operating year ``k + 1`` (booked in
        ``salvage_usd``) and taxed in full in ``salvage_tax_usd`` (assumption: the
        incumbent's capex is sunk and fully depreciated, book value 0).

    Returns
    -------
    SwitchCashFlows

    Notes
    -----
    Install years :math:`k = \\lceil m_{inst} / 12 \\rceil` (:func:`install_years`);
    operating years of the new line :math:`t = k+1 .. H` with output share
    :math:`\\phi_j` (:func:`ramp_up_fractions`). In operating year :math:`t = k + j` the
    switched line performs as :math:`\\phi_j P_{new} + (1 - \\phi_j) P_{inc}` (the
    incumbent covers the shortfall, :func:`blend_performance`); the kept line as
    :math:`P_{inc}` every year. In years :math:`1..k` both are the incumbent, so their
    operating flows cancel in the increment and both tables leave them out (rows are 0).
    Each table is :func:`rxtwin.econ.build_cash_flows` with ``install_yr = k``, so tax
    :math:`= -\\tau\\,TI_t` on the table's own taxable income and depreciation of the new
    equipment from year :math:`k + 1`. Yearly operating lines:
    revenue; materials of the units sold (materials - rejected value - stock build, so the
    stock a simulated year builds or draws is not repeated every year); rejected value
    (material of wasted units); labour; cleaning; overhead (firm overhead + maintenance);
    energy; QC; waste disposal; inventory carrying. The incumbent's capex is sunk (0).

    References
    ----------
    Brealey, R. A., Myers, S. C. and Allen, F., *Principles of Corporate Finance*, 13th ed.,
    McGraw-Hill, 2020, ch. 6 (incremental cash flows; sunk costs are ignored).
    """
    from rxtwin.econ.cashflow import CashFlowInputs, build_cash_flows, incremental_cash_flows

    k = install_years(install_time_months)
    if k >= horizon_yr:
        raise UserInputError(f"install_time_months = {install_time_months} gives {k} install "
                             f"years, leaving no operating year within horizon_yr = {horizon_yr}")
    n_op = horizon_yr - k
    ramp = ramp_up_fractions(ramp_up_months, n_op)
    switched = [blend_performance(new, incumbent, float(phi)) for phi in ramp]
    kept = [incumbent] * n_op
    capex_by_yr = even_capex_by_yr(capex_usd, k)
    common = dict(horizon_yr=horizon_yr, install_yr=k, tax_rate=tax_rate,
                  depreciation_method=depreciation_method,
                  depreciation_life_yr=depreciation_life_yr, macrs_rates_pct=macrs_rates_pct,
                  itc_basis_reduction_fraction=itc_basis_reduction_fraction)
    option_inputs = CashFlowInputs(
        capex_usd_by_yr=capex_by_yr, training_usd=training_usd,
        regulatory_filing_usd_per_product=filing_cost_usd_per_product,
        products_moved=products_moved, salvage_value_usd=salvage_value_usd,
        capex_grant_fraction=capex_grant_fraction, itc_fraction=itc_fraction,
        purchase_commitment_usd_per_unit=purchase_commitment_usd_per_unit, **common, **_operating_sequences(switched, waste_disposal_usd_per_unit))
    baseline_inputs = CashFlowInputs(
        capex_usd_by_yr=(0.0,), **common,
        **_operating_sequences(kept, waste_disposal_usd_per_unit))
    option = _split_fixed_costs(build_cash_flows(option_inputs), switched, k + 1)
    if freed_equipment_value_usd < 0.0:
        raise UserInputError(f"freed_equipment_value_usd = {freed_equipment_value_usd}, "
                             "must be >= 0")
    if freed_equipment_value_usd > 0.0:
        option.loc[k + 1, "salvage_usd"] += freed_equipment_value_usd
        option.loc[k + 1, "salvage_tax_usd"] -= tax_rate * freed_equipment_value_usd
        option.loc[k + 1, "net_cash_flow_usd"] += (1.0 - tax_rate) * freed_equipment_value_usd
    baseline = _split_fixed_costs(build_cash_flows(baseline_inputs), kept, k + 1)
    return SwitchCashFlows(option=option, baseline=baseline,
                           incremental=incremental_cash_flows(option, baseline),
                           install_yr=k, ramp_up_fraction=ramp)
