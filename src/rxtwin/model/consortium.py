"""Domain types of the consortium: a confidential baseline submission and the disclosure rules.

A generic manufacturer submits, per organisation and per line or product and per calendar
year, baseline figures that the consortium pools (``docs/consortium.md``, "What is pooled").
Every figure is optional: an organisation submits what it has. Units are in the names;
rates are fractions of batches, money is USD. Only aggregates that pass the disclosure rules
(:class:`DisclosureRules`, applied by :mod:`rxtwin.consortium.disclosure`) leave the pool.

The bundled default rules live in ``rxtwin/data/disclosure_defaults.yaml`` with their
sources and are loaded by :func:`rxtwin.data.disclosure_defaults.load_disclosure_rules`.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, model_validator

from rxtwin.model.base import (
    BoundedNonNegative,
    Fraction,
    Identifier,
    Real,
    RxModel,
    WholeNumber,
)
from rxtwin.model.failure import FailureCategory
from rxtwin.model.product import DosageForm
from rxtwin.model.technology import TechnologyKind

__all__ = [
    "SUBMISSION_SCHEMA_VERSION",
    "CostComponent",
    "DisclosureRules",
    "Region",
    "Submission",
    "pooled_fields",
    "submission_json_schema",
    "submission_values",
]

SUBMISSION_SCHEMA_VERSION = 1
"""Version of the submission layout; a submission states the version it was written for."""


class Region(StrEnum):
    """Broad region of the submitting site, the grouping used in pharma benchmarking studies
    (assumption: coarse on purpose, so that groups gather enough organisations)."""

    north_america = "north_america"
    europe = "europe"
    south_asia = "south_asia"
    east_asia = "east_asia"
    latin_america = "latin_america"
    other = "other"


class CostComponent(StrEnum):
    """Parts of the unit cost of a finished dose."""

    api = "api"
    excipients = "excipients"
    packaging = "packaging"
    labour = "labour"
    quality_control = "quality_control"
    overhead = "overhead"
    other = "other"


Hours = Annotated[float, Strict(), Field(ge=0.0, le=8760.0)]
"""A duration within one year [h]."""
Days = Annotated[float, Strict(), Field(ge=0.0, le=3660.0)]
"""A duration within ten years [d]."""


class Submission(RxModel):
    """One organisation's confidential baseline for one line or product and one year.

    Attributes
    ----------
    schema_version : int
        The submission layout version; must be :data:`SUBMISSION_SCHEMA_VERSION`.
    organisation_id : str
        The submitting organisation (the unit that disclosure control protects).
    unit_kind : {"line", "product"}
        Whether the figures describe a production line or a product.
    unit_id : str
        The line's or product's id inside the organisation.
    period_yr : int
        Calendar year the figures describe [yr].
    dosage_form, region : DosageForm, Region
        Grouping attributes of released statistics.
    changeovers_per_yr : float, optional
        Product changeovers on the line per year [1/yr].
    changeover_h : float, optional
        Mean duration of one changeover, cleaning included [h].
    batch_failure_rate_by_cause : dict, optional
        Fraction of batches lost or rejected, by failure cause [-]; each in [0, 1], their sum
        at most 1 (a failed batch is attributed to one cause).
    qc_release_days : float, optional
        Mean time from end of manufacture to QC release [d].
    oee : float, optional
        Overall equipment effectiveness [-], in [0, 1].
    unit_cost_usd_by_component : dict, optional
        Cost of one unit (tablet, vial) by component [USD/unit].
    adopted_technology_capex_usd : dict, optional
        Capital spent on each adopted manufacturing technology [USD].
    shortages_count : int, optional
        Shortages of the unit's products the organisation experienced in the year [-].
    shortage_days : float, optional
        Days of shortage experienced in the year, summed over those shortages [d].
    """

    schema_version: Literal[1] = Field(
        description="Layout version of the submission; 1 is the current version.")
    organisation_id: Identifier = Field(description="Submitting organisation.")
    unit_kind: Literal["line", "product"] = Field(description="Line or product.")
    unit_id: Identifier = Field(description="Line or product id within the organisation.")
    period_yr: WholeNumber = Field(ge=1990, le=2100, description="Calendar year [yr].")
    dosage_form: DosageForm = Field(description="Dosage form (grouping attribute).")
    region: Region = Field(description="Region of the site (grouping attribute).")
    changeovers_per_yr: Annotated[Real, Field(ge=0.0, le=8760.0)] | None = Field(
        default=None, description="Product changeovers per year [1/yr].")
    changeover_h: Hours | None = Field(
        default=None, description="Mean duration of one changeover, cleaning included [h].")
    batch_failure_rate_by_cause: dict[FailureCategory, Fraction] | None = Field(
        default=None, description="Fraction of batches failed, by cause [-].")
    qc_release_days: Days | None = Field(
        default=None, description="Mean time from end of manufacture to QC release [d].")
    oee: Fraction | None = Field(
        default=None, description="Overall equipment effectiveness [-].")
    unit_cost_usd_by_component: dict[CostComponent, BoundedNonNegative] | None = Field(
        default=None, description="Unit cost by component [USD/unit].")
    adopted_technology_capex_usd: dict[TechnologyKind, BoundedNonNegative] | None = Field(
        default=None, description="Capital spent on each adopted technology [USD].")
    shortages_count: Annotated[WholeNumber, Field(ge=0, le=10_000)] | None = Field(
        default=None, description="Shortages experienced in the year [-].")
    shortage_days: Days | None = Field(
        default=None, description="Days of shortage experienced in the year [d].")

    @model_validator(mode="after")
    def _consistent(self) -> Submission:
        rates = self.batch_failure_rate_by_cause
        if rates and math.fsum(rates.values()) > 1.0 + 1e-9:
            total = math.fsum(rates.values())
            raise ValueError(
                f"batch_failure_rate_by_cause sums to {total:.6g} over "
                f"{sorted(str(k) for k in rates)}, must be at most 1 (each failed batch has "
                "one cause)")
        if self.shortages_count == 0 and self.shortage_days not in (None, 0.0):
            raise ValueError(
                f"shortage_days is {self.shortage_days} while shortages_count is 0: days of "
                "shortage need at least one shortage")
        if self.shortages_count is not None and self.shortages_count > 0 \
                and self.shortage_days == 0.0:
            raise ValueError(
                f"shortages_count is {self.shortages_count} while shortage_days is 0: each "
                "shortage lasts more than zero days")
        return self

    @property
    def key(self) -> str:
        """``organisation_id/unit_kind/unit_id/period_yr``: the submission's identity."""
        return f"{self.organisation_id}/{self.unit_kind}/{self.unit_id}/{self.period_yr}"


_SCALAR_FIELDS: dict[str, str] = {
    "changeovers_per_yr": "1/yr",
    "changeover_h": "h",
    "qc_release_days": "d",
    "oee": "-",
    "shortages_count": "-",
    "shortage_days": "d",
}
_MAPPING_FIELDS: dict[str, tuple[type[StrEnum], str]] = {
    "batch_failure_rate_by_cause": (FailureCategory, "-"),
    "unit_cost_usd_by_component": (CostComponent, "USD/unit"),
    "adopted_technology_capex_usd": (TechnologyKind, "USD"),
}


def pooled_fields() -> dict[str, str]:
    """Every pooled figure by its field path, with its unit.

    A mapping field gives one path per key, ``field.key`` (e.g.
    ``batch_failure_rate_by_cause.equipment``). Released statistics name a field by this path.

    Returns
    -------
    dict of str to str
        Field path -> unit (``"-"`` for fractions and counts).
    """
    fields = dict(_SCALAR_FIELDS)
    for name, (keys, unit) in _MAPPING_FIELDS.items():
        fields.update({f"{name}.{key.value}": unit for key in keys})
    return fields


def submission_values(submission: Submission) -> dict[str, float]:
    """The figures a submission gives, by field path (see :func:`pooled_fields`).

    Figures the submission leaves out are absent, never zero.
    """
    values: dict[str, float] = {}
    for name in _SCALAR_FIELDS:
        value = getattr(submission, name)
        if value is not None:
            values[name] = float(value)
    for name in _MAPPING_FIELDS:
        mapping = getattr(submission, name) or {}
        values.update({f"{name}.{key.value}": float(v) for key, v in mapping.items()})
    return values


def submission_json_schema() -> dict[str, Any]:
    """The JSON schema of :class:`Submission` (for documentation and for submitters' tools)."""
    return Submission.model_json_schema()


class DisclosureRules(RxModel):
    """The primary disclosure rules and the protection they ask for.

    Attributes
    ----------
    min_organisations : int
        Threshold rule: a released cell needs at least this many distinct organisations.
    dominance_n : int
        (n, k) dominance: number of largest contributors considered.
    dominance_k_percent : float
        (n, k) dominance: a cell is sensitive when its ``dominance_n`` largest organisations
        hold more than this percentage of the cell total [%].
    p_percent : float or None
        p % rule: a cell is sensitive when the second largest organisation could estimate
        the largest one's contribution to within this percentage [%]; None switches it off.
    safety_fraction : float
        Protection asked for any primary-suppressed cell, as a fraction of its value [-]:
        the interval an outsider can narrow the cell to by arithmetic on released cells must
        reach at least this far on either side (the rules may ask for more).
    """

    min_organisations: WholeNumber = Field(ge=1, le=1000)
    dominance_n: WholeNumber = Field(ge=1, le=100)
    dominance_k_percent: Real = Field(gt=0.0, le=100.0)
    p_percent: Real | None = Field(gt=0.0, le=100.0)
    safety_fraction: Real = Field(ge=0.0, le=1.0)
