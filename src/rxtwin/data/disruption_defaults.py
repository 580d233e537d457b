"""Load ``disruption_defaults.yaml``: defaults of the disruption simulator, with provenance.

The file is read (UTF-8), parsed (YAML) and each entry's provenance checked by
:mod:`rxtwin.data.documents`; this module parses the file's structure (outage modes,
calibrated durations, plain values).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter

from rxtwin.data.documents import (
    bundled_data_file,
    parse_data_text,
    provenance_line,
    read_data_text,
    sourced_values,
)
from rxtwin.errors import UserInputError
from rxtwin.model.disruption import DisruptionDefaults, OutageMode, SiteInspections
from rxtwin.model.distributions import DurationDistribution

__all__ = ["bundled_defaults_path", "load_disruption_defaults", "parse_disruption_defaults"]

_DURATION = TypeAdapter(DurationDistribution)
_MODE_KEYS = ("category", "rate_per_yr", "duration_days")
_VALUE_KEYS = ("input_cover_days", "supplier_headroom_fraction",
               "surge_capacity_fraction_of_demand", "initial_stock_age_fraction",
               "scenario_year_days", "warmup_years", "episode_gap_days")


def bundled_defaults_path() -> Path:
    """Path of the bundled ``disruption_defaults.yaml``."""
    return bundled_data_file("disruption_defaults.yaml")


def load_disruption_defaults(path: Path | None = None, *,
                             fda_calibrated: bool = False) -> DisruptionDefaults:
    """Read the simulator defaults (bundled file unless ``path`` is given).

    With ``fda_calibrated``, the file's ``fda_calibrated_outage_durations`` (outage
    durations fitted to the FDA shortage episodes, opt-in) are applied on top of its
    ``calibrated_outage_durations``.

    Returns
    -------
    DisruptionDefaults

    Raises
    ------
    rxtwin.errors.UserInputError
        When the file cannot be read or is not UTF-8 text or YAML (naming the line), a value
        lacks exactly one ``source:``/``assumption:`` or a field is unknown (naming the
        dotted key path); the message names the file.
    """
    path = bundled_defaults_path() if path is None else Path(path)
    return parse_disruption_defaults(read_data_text(path), str(path),
                                     fda_calibrated=fda_calibrated)


def parse_disruption_defaults(text: str, where: str = "<text>", *,
                              fda_calibrated: bool = False) -> DisruptionDefaults:
    """The simulator defaults from the text of a defaults file (as
    :func:`load_disruption_defaults`; ``where`` names the file in error messages)."""
    raw = parse_data_text(text, where)
    try:
        return _parse(raw, where, fda_calibrated)
    except UserInputError:
        raise  # already names the file, the key path and the rule
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        detail = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        if isinstance(exc, KeyError):
            detail = f"missing key {detail!r}"
        raise UserInputError(f"{where}: {detail}") from None


def _durations(section: dict | None, name: str, file: str) -> dict:
    durations = {}
    for category, leaf in (section or {}).items():
        provenance_line(leaf, file, f"{name}.{category}", data_keys=("duration_days",))
        durations[str(category)] = _DURATION.validate_python(leaf["duration_days"])
    return durations


_INSPECTION_KEYS = ("rate_per_yr", "oai_probability", "quality_driven_share", "duration_days",
                    "line_explained_categories")


def _fraction(value, file: str, where: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise UserInputError(f"{file}: {where}: must be between 0 and 1 (got {value!r})")
    return number


def _site_inspections(section: dict | None, file: str) -> SiteInspections | None:
    """The ``site_inspections`` section (None when absent)."""
    if section is None:
        return None
    name = "site_inspections"
    if not isinstance(section, dict) or set(section) != set(_INSPECTION_KEYS):
        found = sorted(section) if isinstance(section, dict) else type(section).__name__
        raise UserInputError(f"{file}: {name}: keys {found} differ from "
                             f"{sorted(_INSPECTION_KEYS)}")
    duration_leaf = section.pop("duration_days")
    provenance_line(duration_leaf, file, f"{name}.duration_days", data_keys=("duration_days",))
    values = {k: e.value for k, e in sourced_values(section, file, name).items()}
    rate = float(values["rate_per_yr"])
    if not rate >= 0.0:
        raise UserInputError(f"{file}: {name}.rate_per_yr: must be >= 0 (got {rate})")
    categories = values["line_explained_categories"]
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise UserInputError(f"{file}: {name}.line_explained_categories: must be a list of "
                             f"category names (got {categories!r})")
    return SiteInspections(
        rate_per_yr=rate,
        oai_probability=_fraction(values["oai_probability"], file, f"{name}.oai_probability"),
        quality_driven_share=_fraction(values["quality_driven_share"], file,
                                       f"{name}.quality_driven_share"),
        duration=_DURATION.validate_python(duration_leaf["duration_days"]),
        line_explained_categories=tuple(categories),
    )


_INPUT_TIERS = ("api", "ksm", "component")


def _input_value_fractions(section: dict | None, file: str) -> dict[str, float]:
    """The ``input_value_fraction_of_material_cost`` section (empty when absent: input
    stock then has no value and no holding cost)."""
    if section is None:
        return {}
    name = "input_value_fraction_of_material_cost"
    values = {k: e.value for k, e in sourced_values(section, file, name).items()}
    unknown = sorted(set(values) - set(_INPUT_TIERS))
    if unknown:
        raise UserInputError(f"{file}: {name}: unknown input tier(s) {unknown}; known: "
                             f"{list(_INPUT_TIERS)}")
    return {tier: _fraction(value, file, f"{name}.{tier}") for tier, value in values.items()}


def _parse(raw: dict, file: str, fda_calibrated: bool) -> DisruptionDefaults:
    modes = []
    for k, leaf in enumerate(raw.pop("site_outage_modes")):
        where = f"site_outage_modes.{k}"
        provenance_line(leaf, file, where, data_keys=_MODE_KEYS)
        rate = float(leaf["rate_per_yr"])
        if not rate >= 0:
            raise UserInputError(f"{file}: {where}.rate_per_yr: must be >= 0 (got {rate})")
        category = str(leaf["category"])
        modes.append(OutageMode(category, rate,
                                _DURATION.validate_python(leaf["duration_days"]), 1.0,
                                category=category))
    calibrated = _durations(raw.pop("calibrated_outage_durations", None),
                            "calibrated_outage_durations", file)
    fda = _durations(raw.pop("fda_calibrated_outage_durations", None),
                     "fda_calibrated_outage_durations", file)
    if fda_calibrated:
        if not fda:
            raise UserInputError(f"{file}: fda_calibrated: the file has no "
                                 "fda_calibrated_outage_durations")
        calibrated = {**calibrated, **fda}
    inspections = _site_inspections(raw.pop("site_inspections", None), file)
    input_values = _input_value_fractions(raw.pop("input_value_fraction_of_material_cost",
                                                  None), file)
    values = {key: entry.value for key, entry in sourced_values(raw, file).items()}
    if set(values) != set(_VALUE_KEYS):
        raise UserInputError(f"{file}: keys {sorted(values)} differ from "
                             f"{sorted(_VALUE_KEYS)}")
    return DisruptionDefaults(
        site_outage_modes=tuple(modes),
        input_cover_days=float(values["input_cover_days"]),
        supplier_headroom_fraction=float(values["supplier_headroom_fraction"]),
        surge_capacity_fraction_of_demand=float(values["surge_capacity_fraction_of_demand"]),
        initial_stock_age_fraction=float(values["initial_stock_age_fraction"]),
        scenario_year_days=int(values["scenario_year_days"]),
        warmup_years=int(values["warmup_years"]),
        episode_gap_days=int(values["episode_gap_days"]),
        calibrated_durations=calibrated,
        site_inspections=inspections,
        input_value_fraction_of_material_cost=input_values,
    )
