"""Tax depreciation schedules: MACRS GDS (half-year convention) and straight line.

The MACRS percentages are data (``macrs_gds_half_year.yaml``, IRS Publication 946,
Appendix A, Table A-1), passed in as a :data:`MacrsRatesPct` table -- the bundled one is
``macrs_rates_pct()`` of the data layer (``data/econ_defaults.py``) -- and reproduced in the
tests by an independent computation, :func:`macrs_declining_balance_rates`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum

import numpy as np

from rxtwin.errors import UserInputError

MacrsRatesPct = Mapping[int, Sequence[float]]
"""A MACRS percentage table: recovery period [yr] -> percent of the unadjusted basis
deducted in recovery years 1..life_yr+1 [%] (IRS Publication 946, Table A-1; bundled,
loaded by ``macrs_rates_pct()`` in ``data/econ_defaults.py``)."""

__all__ = [
    "DepreciationMethod",
    "MacrsRatesPct",
    "depreciation_schedule_usd",
    "macrs_declining_balance_rates",
    "macrs_gds_half_year_rates",
    "macrs_lives_yr",
    "straight_line_rates",
]


class DepreciationMethod(StrEnum):
    """Tax depreciation method.

    ``macrs_gds_half_year``: MACRS General Depreciation System, half-year convention,
    IRS Publication 946 Table A-1 (3, 5, 7, 10, 15, 20-year property).
    ``straight_line``: equal deductions of basis / life over ``life_yr`` full years,
    starting in the year placed in service (no convention, no salvage in the basis).
    """

    MACRS_GDS_HALF_YEAR = "macrs_gds_half_year"
    STRAIGHT_LINE = "straight_line"


def macrs_lives_yr(macrs_rates_pct: MacrsRatesPct) -> tuple[int, ...]:
    """Recovery periods of a MACRS table [yr], ascending (3, 5, 7, 10, 15, 20 in Table A-1).

    Examples
    --------
    >>> macrs_lives_yr({5: [20.0, 32.0, 19.2, 11.52, 11.52, 5.76], 3: [33.33, 44.45, 14.81, 7.41]})
    (3, 5)
    """
    return tuple(sorted(macrs_rates_pct))


def macrs_gds_half_year_rates(life_yr: int, macrs_rates_pct: MacrsRatesPct) -> np.ndarray:
    """Published MACRS GDS half-year-convention rates for one recovery period.

    Parameters
    ----------
    life_yr : int
        Recovery period [yr]: one of the table's, 3, 5, 7, 10, 15 or 20 in Table A-1.
    macrs_rates_pct : MacrsRatesPct
        The published table, ``{life_yr: percentages}`` [yr -> %]; the bundled one is
        ``macrs_rates_pct()`` in ``data/econ_defaults.py``.

    Returns
    -------
    numpy.ndarray
        Fraction of the unadjusted basis deducted in recovery years 1..life_yr+1 [-]
        (the published percentages / 100; they sum to 1).

    References
    ----------
    Internal Revenue Service, Publication 946 (2023), *How To Depreciate Property*,
    Appendix A, Table A-1.

    Examples
    --------
    The 5-year column of Table A-1:

    >>> table = {5: (20.00, 32.00, 19.20, 11.52, 11.52, 5.76)}
    >>> macrs_gds_half_year_rates(5, table).tolist()
    [0.2, 0.32, 0.192, 0.1152, 0.1152, 0.0576]
    """
    if life_yr not in macrs_rates_pct:
        raise UserInputError(
            f"life_yr = {life_yr} is not a MACRS GDS recovery period; "
            f"must be one of {sorted(macrs_rates_pct)}"
        )
    return np.asarray(macrs_rates_pct[life_yr], dtype=float) / 100.0


def macrs_declining_balance_rates(life_yr: int, declining_balance_factor: float) -> np.ndarray:
    """MACRS rates computed from first principles (unrounded), half-year convention.

    Parameters
    ----------
    life_yr : int
        Recovery period L [yr], >= 1.
    declining_balance_factor : float
        2.0 for 200 % declining balance (3, 5, 7, 10-year property), 1.5 for 150 %
        (15, 20-year property) [-].

    Returns
    -------
    numpy.ndarray
        Fraction of basis deducted in recovery years 1..L+1 [-]; sums to 1.

    Notes
    -----
    With remaining (undepreciated) fraction :math:`B_y` at the start of recovery year
    :math:`y` and the half-year convention (the asset is treated as placed in service at
    mid-year, so year 1 and year L+1 are half years):

    .. math::
        D_y^{DB} = B_y \\frac{f}{L} h_y, \\qquad
        D_y^{SL} = B_y \\frac{h_y}{L + 1.5 - y}\\ (y \\ge 2),\\ D_1^{SL} = \\frac{h_1}{L},
        \\qquad D_y = \\max(D_y^{DB}, D_y^{SL})

    with :math:`h_1 = 1/2`, :math:`h_y = 1` otherwise, and :math:`D_{L+1} = B_{L+1}`
    (no deduction exceeds :math:`B_y`). The
    switch to straight line happens in the first year where it gives the larger deduction
    (26 U.S.C. 168(b)(1)(B)).

    References
    ----------
    26 U.S.C. 168(b) and 168(d)(1); Internal Revenue Service, Publication 946 (2023),
    ch. 4 "Figuring Depreciation Under MACRS".
    """
    life = int(life_yr)
    if life < 1:
        raise UserInputError(f"life_yr = {life_yr} must be at least 1")
    if not declining_balance_factor > 0:
        raise UserInputError(
            f"declining_balance_factor = {declining_balance_factor} must be positive"
        )
    remaining = 1.0
    rates = np.empty(life + 1)
    for year in range(1, life + 2):
        if year == life + 1:
            deduction = remaining
        else:
            half = 0.5 if year == 1 else 1.0
            declining = remaining * declining_balance_factor / life * half
            years_left = life if year == 1 else life + 1.5 - year
            straight = remaining / years_left * half
            deduction = min(max(declining, straight), remaining)
        rates[year - 1] = deduction
        remaining -= deduction
    return rates


def straight_line_rates(life_yr: int) -> np.ndarray:
    """Straight-line rates: ``1 / life_yr`` in each of ``life_yr`` years [-]."""
    life = int(life_yr)
    if life < 1 or life != life_yr:
        raise UserInputError(f"life_yr = {life_yr} must be a whole number of years >= 1")
    return np.full(life, 1.0 / life)


_RATES = {
    DepreciationMethod.MACRS_GDS_HALF_YEAR: macrs_gds_half_year_rates,
    DepreciationMethod.STRAIGHT_LINE: lambda life_yr, _table: straight_line_rates(life_yr),
}


def depreciation_schedule_usd(
    basis_usd: float,
    method: DepreciationMethod | str,
    life_yr: int,
    horizon_yr: int,
    *,
    macrs_rates_pct: MacrsRatesPct,
) -> np.ndarray:
    """Yearly tax depreciation of one asset over a horizon.

    Parameters
    ----------
    basis_usd : float
        Depreciable basis [USD], >= 0 (cost less any basis reductions).
    method : DepreciationMethod or str
        ``"macrs_gds_half_year"`` or ``"straight_line"``.
    life_yr : int
        Recovery period [yr] (MACRS: a period of ``macrs_rates_pct``, 3, 5, 7, 10, 15 or
        20 in Table A-1).
    horizon_yr : int
        Number of years to return, starting with the year placed in service [yr], >= 0.
    macrs_rates_pct : MacrsRatesPct
        MACRS percentages by recovery period [yr -> %], used by ``macrs_gds_half_year``
        (straight line ignores it); the bundled IRS Publication 946 Table A-1 is
        ``macrs_rates_pct()`` in ``data/econ_defaults.py``.

    Returns
    -------
    numpy.ndarray
        Depreciation deduction in years 1..horizon_yr after placing in service [USD].
        Truncated if the horizon ends before the asset is fully depreciated (the remaining
        book value is then set against the salvage value, see ``rxtwin.econ.cashflow``);
        zero-padded after.

    Notes
    -----
    :math:`D_y = \\text{basis} \\times \\text{rate}_y`. In the year of disposal the
    full-year table rate is used (the half-year convention would allow half of it); the
    difference only moves deductions between the last year and the salvage gain, a small
    timing effect documented in ``docs/econ.md``.

    Examples
    --------
    3-year property, Table A-1 percentages 33.33, 44.45, 14.81, 7.41:

    >>> table = {3: (33.33, 44.45, 14.81, 7.41)}
    >>> depreciation_schedule_usd(1000.0, "macrs_gds_half_year", 3, 5,
    ...                           macrs_rates_pct=table).round(2).tolist()
    [333.3, 444.5, 148.1, 74.1, 0.0]
    """
    try:
        method_enum = DepreciationMethod(method)
    except ValueError:
        raise UserInputError(
            f"method = {method!r} is not a depreciation method; "
            f"must be one of {[m.value for m in DepreciationMethod]}"
        ) from None
    if not (math.isfinite(basis_usd) and basis_usd >= 0.0):
        raise UserInputError(f"basis_usd = {basis_usd} must be finite and >= 0")
    horizon = int(horizon_yr)
    if horizon < 0 or horizon != horizon_yr:
        raise UserInputError(f"horizon_yr = {horizon_yr} must be a whole number >= 0")
    rates = _RATES[method_enum](life_yr, macrs_rates_pct)
    schedule = np.zeros(horizon)
    n = min(horizon, rates.size)
    schedule[:n] = basis_usd * rates[:n]
    return schedule
