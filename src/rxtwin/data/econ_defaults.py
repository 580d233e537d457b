"""Loaders for the bundled economic default data (with provenance).

The files live beside this module:

* ``macrs_gds_half_year.yaml`` -- MACRS GDS half-year-convention percentages
  (IRS Publication 946, Appendix A, Table A-1).
* ``firm_profiles.yaml`` -- hurdle rate, payback limit and tax rate of a brand, a generic
  and a contract manufacturer.
* ``subsidies.yaml`` -- default subsidy parameters (26 U.S.C. 48D rate, 50(c) basis rule).

Each loader returns plain Python values (no rxtwin.econ types, so this module imports no
engine) and is cached: the package data are read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from rxtwin.errors import UserInputError

_PACKAGE = "rxtwin.data"


def _read_yaml(filename: str) -> dict[str, Any]:
    text = resources.files(_PACKAGE).joinpath(filename).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _provenance(entry: dict[str, Any], where: str) -> str:
    """Return the ``source:`` or ``assumption:`` text of a data entry; fail if it has none."""
    for key in ("source", "assumption"):
        if key in entry:
            return f"{key}: {str(entry[key]).strip()}"
    raise UserInputError(
        f"{where} has neither 'source:' nor 'assumption:'; every default needs one"
    )


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


@lru_cache(maxsize=1)
def load_macrs_gds_half_year() -> MacrsTable:
    """Load IRS Publication 946 Table A-1 (MACRS GDS, half-year convention).

    Returns
    -------
    MacrsTable
        Percentages by recovery class (3, 5, 7, 10, 15, 20 yr) with the source text.
    """
    raw = _read_yaml("macrs_gds_half_year.yaml")
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
                f"macrs_gds_half_year.yaml class {life}: {len(cls.rates_pct)} rates, "
                f"must be life_yr + 1 = {life + 1} (half-year convention)"
            )
    return MacrsTable(
        classes=classes,
        source=str(raw["source"]).strip(),
        method_source=str(raw["method_source"]).strip(),
    )


@dataclass(frozen=True)
class SourcedValue:
    """A default value with its provenance line (``source: ...`` or ``assumption: ...``)."""

    value: Any
    provenance: str


@lru_cache(maxsize=1)
def load_firm_profiles() -> dict[str, dict[str, SourcedValue]]:
    """Load the default firm profiles (brand, generic, contract_manufacturer).

    Returns
    -------
    dict
        ``{kind: {"name": SourcedValue, "hurdle_rate": SourcedValue,
        "payback_limit_yr": SourcedValue, "tax_rate": SourcedValue}}``.
    """
    raw = _read_yaml("firm_profiles.yaml")
    out: dict[str, dict[str, SourcedValue]] = {}
    for kind, row in raw["profiles"].items():
        fields = {"name": SourcedValue(str(row["name"]), "source: firm_profiles.yaml")}
        for key in ("hurdle_rate", "payback_limit_yr", "tax_rate"):
            entry = row[key]
            fields[key] = SourcedValue(
                float(entry["value"]), _provenance(entry, f"firm_profiles.yaml {kind}.{key}")
            )
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
    raw = _read_yaml("subsidies.yaml")
    return {
        str(key): SourcedValue(float(entry["value"]), _provenance(entry, f"subsidies.yaml {key}"))
        for key, entry in raw.items()
    }
