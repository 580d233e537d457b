"""Loaders for the bundled economic default data (with provenance).

The files live beside this module:

* ``macrs_gds_half_year.yaml`` -- MACRS GDS half-year-convention percentages
  (IRS Publication 946, Appendix A, Table A-1).
* ``firm_profiles.yaml`` -- hurdle rate, payback limit and tax rate of a brand, a generic
  and a contract manufacturer.
* ``subsidies.yaml`` -- default subsidy parameters (26 U.S.C. 48D rate, 50(c) basis rule).

The ``load_*`` functions return plain Python values with their provenance and are cached:
the package data are read once per process. The files are read, parsed and their
provenance checked by :mod:`rxtwin.data.documents`. The econ engines read no file; the
functions below hand them these values:

* :func:`cash_flow_defaults` -- the MACRS table and the ITC basis-reduction share, the
  inputs of :class:`rxtwin.econ.cashflow.CashFlowInputs` (and of
  :func:`rxtwin.econ.switch.technology_switch_cash_flows`) that come from data;
* :func:`macrs_rates_pct` -- the MACRS table alone, for
  :func:`rxtwin.econ.depreciation.depreciation_schedule_usd`;
* :func:`default_firm_profiles`, :func:`firm_profile` -- the bundled profiles as
  :class:`rxtwin.model.finance.FirmProfile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rxtwin.data.documents import (
    SourcedValue,
    bundled_data_file,
    provenance_line,
    read_data_file,
    sourced_values,
)
from rxtwin.errors import UserInputError
from rxtwin.model.finance import FirmProfile

__all__ = [
    "MacrsClass",
    "MacrsTable",
    "SourcedValue",
    "cash_flow_defaults",
    "default_firm_profiles",
    "firm_profile",
    "load_firm_profiles",
    "load_macrs_gds_half_year",
    "load_subsidy_defaults",
    "macrs_rates_pct",
]

_FIRM_PROFILE_VALUES = ("hurdle_rate", "payback_limit_yr", "tax_rate")


def _read(filename: str) -> tuple[dict[Any, Any], str]:
    """The parsed bundled file and its path (for messages)."""
    path = bundled_data_file(filename)
    return read_data_file(path), str(path)


@dataclass(frozen=True)
class MacrsClass:
    """One recovery class of the MACRS GDS half-year table.

    Attributes
    ----------
    life_yr : int
        Recovery period [yr].
    declining_balance_factor : float
        200 % (2.0) or 150 % (1.5) declining balance [-].
    rates_pct : tuple of float
        Published percentage of basis deducted in recovery years 1..life_yr+1 [%].
    """

    life_yr: int
    declining_balance_factor: float
    rates_pct: tuple[float, ...]


@dataclass(frozen=True)
class MacrsTable:
    """The MACRS GDS half-year table with its provenance."""

    classes: dict[int, MacrsClass]
    source: str
    method_source: str

    @property
    def rates_pct_by_life_yr(self) -> dict[int, tuple[float, ...]]:
        """Published percentages by recovery period, ``{life_yr: rates_pct}`` [yr -> %]
        (the table :mod:`rxtwin.econ.depreciation` takes); a new dict on each call."""
        return {life: cls.rates_pct for life, cls in sorted(self.classes.items())}


@lru_cache(maxsize=1)
def load_macrs_gds_half_year() -> MacrsTable:
    """Load IRS Publication 946 Table A-1 (MACRS GDS, half-year convention).

    Returns
    -------
    MacrsTable
        Percentages by recovery class (3, 5, 7, 10, 15, 20 yr) with the source text.
    """
    raw, file = _read("macrs_gds_half_year.yaml")
    # the table is one value with one source for all of it
    provenance_line(raw, file, "", data_keys=("method_source", "units", "classes"))
    classes = {
        int(life): MacrsClass(
            life_yr=int(life),
            declining_balance_factor=float(row["declining_balance_factor"]),
            rates_pct=tuple(float(x) for x in row["rates_pct"]),
        )
        for life, row in raw["classes"].items()
    }
    for life, cls in classes.items():
        if len(cls.rates_pct) != life + 1:
            raise UserInputError(
                f"{file}: classes.{life}.rates_pct: {len(cls.rates_pct)} rates, must be "
                f"life_yr + 1 = {life + 1} (half-year convention)"
            )
    return MacrsTable(
        classes=classes,
        source=str(raw["source"]).strip(),
        method_source=str(raw["method_source"]).strip(),
    )


@lru_cache(maxsize=1)
def load_firm_profiles() -> dict[str, dict[str, SourcedValue]]:
    """Load the default firm profiles (brand, generic, contract_manufacturer).

    Returns
    -------
    dict
        ``{kind: {"name": SourcedValue, "hurdle_rate": SourcedValue,
        "payback_limit_yr": SourcedValue, "tax_rate": SourcedValue}}``.
    """
    raw, file = _read("firm_profiles.yaml")
    out: dict[str, dict[str, SourcedValue]] = {}
    for kind, row in raw["profiles"].items():
        fields = {"name": SourcedValue(str(row["name"]), "source: firm_profiles.yaml")}
        for key in _FIRM_PROFILE_VALUES:
            entry = row[key]
            provenance = provenance_line(entry, file, f"profiles.{kind}.{key}")
            fields[key] = SourcedValue(float(entry["value"]), provenance)
        out[str(kind)] = fields
    return out


@lru_cache(maxsize=1)
def load_subsidy_defaults() -> dict[str, SourcedValue]:
    """Load the default subsidy parameters (``chips_48d_itc_fraction``, ...).

    Returns
    -------
    dict
        ``{name: SourcedValue}``.
    """
    raw, file = _read("subsidies.yaml")
    return {
        key: SourcedValue(float(entry.value), entry.provenance)
        for key, entry in sourced_values(raw, file).items()
    }


def macrs_rates_pct() -> dict[int, tuple[float, ...]]:
    """The bundled MACRS GDS half-year table as the econ engines take it:
    ``{life_yr: percentages of basis in recovery years 1..life_yr+1}`` [yr -> %]
    (IRS Publication 946, Table A-1)."""
    return load_macrs_gds_half_year().rates_pct_by_life_yr


def cash_flow_defaults() -> dict[str, Any]:
    """The inputs of the cash-flow model that come from bundled data.

    Returns
    -------
    dict
        ``macrs_rates_pct`` (:func:`macrs_rates_pct`, IRS Publication 946 Table A-1) and
        ``itc_basis_reduction_fraction`` [-] (``subsidies.yaml``, 26 U.S.C. 50(c)(1)):
        keyword arguments of :class:`rxtwin.econ.cashflow.CashFlowInputs`,
        :func:`rxtwin.econ.switch.technology_switch_cash_flows` and
        :func:`rxtwin.uq.examples.technology_switch_npv_usd`, e.g.
        ``CashFlowInputs(**cash_flow_defaults(), horizon_yr=10, ...)``.
    """
    return {
        "macrs_rates_pct": macrs_rates_pct(),
        "itc_basis_reduction_fraction": float(
            load_subsidy_defaults()["itc_basis_reduction_fraction"].value),
    }


def default_firm_profiles() -> dict[str, FirmProfile]:
    """The bundled profiles: ``brand``, ``generic``, ``contract_manufacturer``.

    Values and their ``source:``/``assumption:`` lines are in
    ``rxtwin/data/firm_profiles.yaml`` (:func:`load_firm_profiles`; see ``docs/econ.md``).
    """
    return {
        kind: FirmProfile(**{key: entry.value for key, entry in fields.items()})
        for kind, fields in load_firm_profiles().items()
    }


def firm_profile(kind: str) -> FirmProfile:
    """One bundled profile by kind (``brand``, ``generic`` or ``contract_manufacturer``)."""
    profiles = default_firm_profiles()
    if kind not in profiles:
        raise UserInputError(f"firm kind {kind!r} is unknown; must be one of {sorted(profiles)}")
    return profiles[kind]
