"""Markdown reference of the scenario format, generated from the domain model and the
bundled reference scenario (so the docs cannot drift from the code)."""

from __future__ import annotations

import types
import typing

from pydantic import BaseModel

from rxtwin.model import (
    FailureMode,
    FirmFinance,
    Intervention,
    Line,
    Material,
    Product,
    Scenario,
    Site,
    SupplyEdge,
    Technology,
    UncertainParameter,
)
from rxtwin.model.intervention import FailureModeChange

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Scenario (top level)", Scenario), ("firm", FirmFinance), ("products", Product),
    ("materials", Material), ("sites", Site), ("lines", Line), ("technologies", Technology),
    ("failure_modes", FailureMode), ("interventions", Intervention),
    ("interventions.*.failure_mode_changes", FailureModeChange),
    ("supply_edges", SupplyEdge), ("uncertain", UncertainParameter),
]

UNIT_SUFFIXES = [("units_per_patient_day", "units/patient-day"),
                 ("qaly_lost_per_affected_patient_day", "QALY/patient-day"),
                 ("_share", "fraction"), ("_usd_per_unit", "USD/unit"), ("_usd_per_fte_yr", "USD/(FTE·yr)"),
                 ("_usd_per_kwh", "USD/kWh"), ("_usd_per_yr", "USD/yr"),
                 ("_usd_per_product", "USD/product"), ("_usd_per_changeover", "USD/changeover"),
                 ("_usd_per_lot", "USD/lot"), ("_usd_per_kg", "USD/kg"), ("_usd", "USD"),
                 ("_units_per_yr", "units/yr"), ("_units_per_h", "units/h"), ("_units", "units"),
                 ("_kwh_per_1000_units", "kWh/1000 units"), ("_h_per_yr", "h/yr"), ("_h", "h"),
                 ("_days", "d"), ("_months", "months"), ("_yr", "yr"), ("_per_yr", "1/yr"),
                 ("_rate", "1/yr (fraction)"), ("_fraction", "fraction"), ("_fte", "FTE"),
                 ("_cv", "- (sd/mean)")]


def unit_of(name: str) -> str:
    """The unit a field name declares by its suffix ('' when dimensionless or not numeric)."""
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return ""


def _bounds(metadata: typing.Iterable[object]) -> str:
    """Bounds of a constrained number (``>= 0``, ``in [0, 1]``), from pydantic metadata."""
    found: dict[str, float] = {}
    for item in metadata:
        for inner in getattr(item, "metadata", [item]):
            for name in ("ge", "gt", "le", "lt"):
                value = getattr(inner, name, None)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    found[name] = value
    low = (">=", found["ge"]) if "ge" in found else (">", found["gt"]) if "gt" in found else None
    high = ("<=", found["le"]) if "le" in found else ("<", found["lt"]) if "lt" in found else None
    if low and high and (low[0], high[0]) == (">=", "<="):
        return f" in [{low[1]:g}, {high[1]:g}]"
    parts = [f"{bound[0]} {bound[1]:g}" for bound in (low, high) if bound]
    return (" " + ", ".join(parts)) if parts else ""


def _type_name(annotation) -> str:
    """A field's type as a reader sees it: ``float >= 0``, ``list[Product]``,
    ``float or None``; the union of distributions is ``distribution``."""
    text = str(annotation)
    if "DurationDistribution" in text or "Fixed" in text and "Uniform" in text:
        return "distribution"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0]) + _bounds(args[1:])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join('...' if a is Ellipsis else _type_name(a) for a in args)}]"
    if annotation is type(None):
        return "None"
    return annotation.__name__ if isinstance(annotation, type) else text


def field_table(model: type[BaseModel]) -> str:
    """A markdown table: field, unit, type, default, description."""
    rows = ["| field | unit | type | default | description |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        default = "required" if field.is_required() else repr(
            field.get_default(call_default_factory=True))
        if len(default) > 40:
            default = default[:37] + "..."
        description = (field.description or "").replace("|", "/").replace("\n", " ")
        type_name, bounds = _type_name(field.annotation), _bounds(field.metadata)
        if type_name.endswith(" or None"):
            type_name = type_name.removesuffix(" or None") + bounds + " or None"
        else:
            type_name += bounds
        type_name = type_name.replace("|", "or")
        rows.append(f"| `{name}` | {unit_of(name)} | {type_name} | {default} | {description} |")
    return "\n".join(rows)


def provenance_table(scenario: Scenario) -> str:
    """A markdown table of the scenario's provenance map."""
    rows = ["| field path | provenance |", "|---|---|"]
    for path, text in scenario.sources.items():
        rows.append(f"| `{path}` | {' '.join(text.split()).replace('|', '/')} |")
    return "\n".join(rows)


def scenario_reference_markdown(reference: Scenario) -> str:
    """The generated part of docs/scenarios.md."""
    parts = ["<!-- generated by rxtwin.report.scenario_docs; do not edit below -->", ""]
    for title, model in SECTIONS:
        parts += [f"### {title}", "", (model.__doc__ or "").strip().split("\n\n")[0], "",
                  field_table(model), ""]
    parts += [f"## Defaults and their sources: `{reference.name}`", "",
              "Every number in the bundled reference scenario is covered by one of these "
              "entries (a path covers its sub-fields; `*` matches every item).", "",
              provenance_table(reference), ""]
    return "\n".join(parts)
