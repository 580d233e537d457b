"""Load ``disruption_defaults.yaml``: defaults of the disruption simulator, with provenance."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from rxtwin.errors import UserInputError
from rxtwin.model.distributions import DurationDistribution
from rxtwin.supply.disruption_inputs import DisruptionDefaults, OutageMode

__all__ = ["bundled_defaults_path", "load_disruption_defaults", "parse_disruption_defaults"]

_PROVENANCE = ("source", "assumption")
_DURATION = TypeAdapter(DurationDistribution)


def _provenance(where: str, leaf: dict) -> None:
    given = [k for k in _PROVENANCE if k in leaf]
    if len(given) != 1 or not str(leaf[given[0]]).strip():
        raise UserInputError(f"disruption defaults '{where}': give exactly one of 'source' or "
                             f"'assumption' (got keys {sorted(leaf)})")


def bundled_defaults_path() -> Path:
    """Path of the bundled ``disruption_defaults.yaml``."""
    return Path(str(resources.files("rxtwin.data").joinpath("disruption_defaults.yaml")))


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
        When the file is not UTF-8 text, a value lacks its ``source:``/``assumption:`` or a
        field is unknown; the message names the file.
    """
    path = bundled_defaults_path() if path is None else Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserInputError(f"{path}: line {line}: not UTF-8 text (byte {raw[exc.start]:#04x} "
                             f"at position {exc.start}); save the file as UTF-8") from None
    return parse_disruption_defaults(text, str(path), fda_calibrated=fda_calibrated)


def parse_disruption_defaults(text: str, where: str = "<text>", *,
                              fda_calibrated: bool = False) -> DisruptionDefaults:
    """The simulator defaults from the text of a defaults file (as
    :func:`load_disruption_defaults`; ``where`` names the file in error messages)."""
    try:
        return _parse(text, fda_calibrated)
    except (KeyError, TypeError, AttributeError, ValueError, yaml.YAMLError) as exc:
        detail = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        if isinstance(exc, KeyError):
            detail = f"missing key {detail!r}"
        raise UserInputError(f"{where}: {detail}") from None


def _durations(section: dict | None, name: str) -> dict:
    durations = {}
    for category, leaf in (section or {}).items():
        where = f"{name}.{category}"
        _provenance(where, leaf)
        extra = set(leaf) - {"duration_days", *_PROVENANCE}
        if extra:
            raise UserInputError(f"disruption defaults '{where}': unknown keys {sorted(extra)}")
        durations[str(category)] = _DURATION.validate_python(leaf["duration_days"])
    return durations


def _parse(text: str, fda_calibrated: bool) -> DisruptionDefaults:
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise UserInputError("a defaults file is a YAML mapping")
    modes = []
    for k, leaf in enumerate(raw.pop("site_outage_modes")):
        where = f"site_outage_modes.{k}"
        _provenance(where, leaf)
        extra = set(leaf) - {"category", "rate_per_yr", "duration_days", *_PROVENANCE}
        if extra:
            raise UserInputError(f"disruption defaults '{where}': unknown keys {sorted(extra)}")
        rate = float(leaf["rate_per_yr"])
        if not rate >= 0:
            raise UserInputError(
                f"disruption defaults '{where}.rate_per_yr' = {rate}, must be >= 0"
            )
        category = str(leaf["category"])
        modes.append(OutageMode(category, rate,
                                _DURATION.validate_python(leaf["duration_days"]), 1.0,
                                category=category))
    calibrated = _durations(raw.pop("calibrated_outage_durations", None),
                            "calibrated_outage_durations")
    fda = _durations(raw.pop("fda_calibrated_outage_durations", None),
                     "fda_calibrated_outage_durations")
    if fda_calibrated:
        if not fda:
            raise UserInputError("fda_calibrated: the file has no fda_calibrated_outage_durations")
        calibrated = {**calibrated, **fda}
    values = {}
    for key, leaf in raw.items():
        _provenance(key, leaf)
        if set(leaf) - {"value", *_PROVENANCE}:
            raise UserInputError(f"disruption defaults '{key}': unknown keys {sorted(leaf)}")
        values[key] = leaf["value"]
    known = {"input_cover_days", "supplier_headroom_fraction",
             "surge_capacity_fraction_of_demand", "initial_stock_age_fraction",
             "scenario_year_days", "warmup_years", "episode_gap_days"}
    if set(values) != known:
        raise UserInputError(f"disruption defaults: keys {sorted(values)} differ from "
                             f"{sorted(known)}")
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
    )
