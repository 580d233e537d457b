"""Headline tables of comparisons, and numbers formatted for people.

A comparison run (``resilience.compare``, ``econ.options``) stores tidy tables with one row
per option and columns named with their units (``shortage_days_avoided_per_yr``,
``firm_npv_usd``). A reader wants the answer first: what changes, by how much, with its
interval, in the units they expect (shortage-days per year, OEE in %, NPV in million USD).
:func:`resilience_headline` and :func:`options_headline` turn those tables into a
:class:`Headline` of formatted text cells, shown above the figures on the run page and in
the HTML report; :func:`human_number` is the one formatter (no ``1.2999999999999998``, no
``-4.52935e+06``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Real

import pandas as pd

__all__ = ["Headline", "human_number", "options_headline", "resilience_headline"]


@dataclass(frozen=True)
class Headline:
    """A table of formatted cells: ``columns`` (header texts with units), ``rows`` (one list
    of texts per option) and ``notes`` (how to read it)."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


def human_number(value: object, significant: int = 3) -> str:
    """A number as a person writes it: ``significant`` significant figures, thousands
    separated, no exponent; NaN as an em dash, infinity as ``never`` (e.g. a payback).

    >>> human_number(1.2999999999999998)
    '1.3'
    >>> human_number(-4529350.0)
    '-4,530,000'
    >>> human_number(0.000123456)
    '0.000123'
    >>> human_number(24)
    '24'
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        return str(value)
    x = float(value)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "never" if x > 0 else "-∞"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    rounded = round(x, significant - 1 - magnitude)
    decimals = max(0, min(9, significant - 1 - magnitude))
    text = f"{rounded:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _plus_minus(mean: float, half_width: float, scale: float = 1.0, significant: int = 3
                ) -> str:
    if half_width is None or not math.isfinite(half_width) or half_width == 0:
        return human_number(mean * scale, significant)
    return f"{human_number(mean * scale, significant)} ± {human_number(half_width * scale, 2)}"


def _million(value: float) -> str:
    return human_number(value / 1e6)


def resilience_headline(options: pd.DataFrame) -> Headline:
    """What each option of a ``resilience.compare`` run changes against the incumbent.

    Parameters
    ----------
    options : pandas.DataFrame
        The run's ``resilience_options`` table: ``option``, ``kind``, ``oee``,
        ``oee_ci95``, ``rejected_lots_per_yr``, ``shortage_days_per_yr``,
        ``shortage_days_avoided_per_yr`` and ``shortage_days_avoided_per_yr_ci95``
        (half-widths of 95 % intervals).
    """
    rows = []
    for _, row in options.iterrows():
        rows.append([
            str(row["option"]),
            {"incumbent": "today's line", "technology": "technology on the line",
             "intervention": "measure on the incumbent"}.get(str(row["kind"]), str(row["kind"])),
            _plus_minus(float(row["shortage_days_avoided_per_yr"]),
                        float(row["shortage_days_avoided_per_yr_ci95"])),
            human_number(float(row["shortage_days_per_yr"])),
            _plus_minus(float(row["oee"]), float(row["oee_ci95"]), scale=100.0),
            human_number(float(row["rejected_lots_per_yr"]), 2),
        ])
    return Headline(
        title="What each option changes against today's line",
        columns=["option", "what it is", "shortage-days avoided per year [d/yr] ± 95 %",
                 "shortage-days per year [d/yr]", "OEE of the line [%] ± 95 %",
                 "rejected lots per year"],
        rows=rows,
        notes=["Shortage-days are summed over the scenario's products; the ± is the half-"
               "width of a paired 95 % interval (every option runs on the same random "
               "numbers), so an interval that contains 0 means no difference shown.",
               "A measure on the incumbent leaves the line's OEE as it is today."])


def options_headline(options: pd.DataFrame, resilience: pd.DataFrame | None = None
                     ) -> Headline:
    """Each option of an ``econ.options`` run priced for the firm and for society.

    Parameters
    ----------
    options : pandas.DataFrame
        The run's ``econ_options`` table: ``option``, ``kind``, ``capex_usd``,
        ``shortage_days_avoided_per_yr``, ``firm_npv_usd``, ``irr``, ``payback_yr``,
        ``social_npv_usd``, ``social_npv_sim_low_usd`` and ``social_npv_sim_high_usd`` (or
        ``social_npv_low_usd`` and ``social_npv_high_usd``: the 90 % interval), ``verdict``.
    resilience : pandas.DataFrame, optional
        The run's ``resilience_options`` table, for the intervals of the shortage-days
        avoided and the OEE of each option.
    """
    by_option = ({} if resilience is None else
                 {str(r["option"]): r for _, r in resilience.iterrows()})
    both = {"social_npv_sim_low_usd", "social_npv_sim_high_usd"} <= set(options.columns)
    low, high = (("social_npv_sim_low_usd", "social_npv_sim_high_usd") if both
                 else ("social_npv_low_usd", "social_npv_high_usd"))
    rows = []
    for _, row in options.iterrows():
        sim = by_option.get(str(row["option"]))
        avoided = float(row["shortage_days_avoided_per_yr"])
        avoided_text = (human_number(avoided) if sim is None else
                        _plus_minus(avoided, float(sim["shortage_days_avoided_per_yr_ci95"])))
        oee = "—" if sim is None else _plus_minus(float(sim["oee"]), float(sim["oee_ci95"]),
                                                  scale=100.0)
        irr = float(row["irr"]) if pd.notna(row["irr"]) else math.nan
        rows.append([
            str(row["option"]),
            "technology on the line" if row["kind"] == "technology" else "measure",
            _million(float(row["capex_usd"])),
            avoided_text,
            oee,
            _million(float(row["firm_npv_usd"])),
            "—" if math.isnan(irr) else f"{human_number(100 * irr)} %",
            human_number(float(row["payback_yr"]) if pd.notna(row["payback_yr"])
                         else math.inf, 2),
            f"{_million(float(row['social_npv_usd']))} "
            f"[{_million(float(row[low]))}, {_million(float(row[high]))}]",
            str(row["verdict"]),
        ])
    return Headline(
        title="Each option for the firm and for society",
        columns=["option", "what it is", "capex [million USD]",
                 "shortage-days avoided per year [d/yr] ± 95 %", "OEE of the line [%] ± 95 %",
                 "firm NPV at its hurdle rate [million USD]", "IRR [%/yr]", "payback [yr]",
                 "social NPV [million USD] [90 % interval]", "verdict"],
        rows=rows,
        notes=["Firm NPV: the firm's cash flows at its hurdle rate against staying as it "
               "is. Social NPV: the shortages avoided, valued, less the resources used, at "
               "the social discount rate; the bracket is its 90 % interval over the cost of a "
               "shortage-day and the simulated shortages avoided.",
               "Payback 'never': the option does not pay back within the horizon."])
