"""Load ``shortage_costs.yaml``: the parameters of the social cost of a shortage-day.

The file is read (UTF-8), parsed (YAML) and the provenance of each entry checked by
:mod:`rxtwin.data.documents`; this module parses the file's structure and validates the
values into a :class:`rxtwin.model.shortage_cost.ShortageCostParameters`, which the engine
(:mod:`rxtwin.econ.social`) takes as an argument.

Layout: the ranged entries (``hospital_labour_usd_per_yr``,
``substitute_purchases_usd_per_yr``, ``active_national_shortages``, ``wtp_usd_per_qaly``,
``high_harm_qaly_lost_per_affected_patient_day`` and the three entries of each dosage form
under ``harm_by_dosage_form``) are
``{value, low, high, source|assumption}``; ``social_discount_rate`` and
``social_discount_rate_alternatives`` are ``{value, source|assumption}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rxtwin.data.documents import (
    bundled_data_file,
    parse_data_text,
    provenance_line,
    read_data_text,
    require_keys,
)
from rxtwin.errors import UserInputError, problems_from_validation_error
from rxtwin.model.product import DosageForm
from rxtwin.model.shortage_cost import HarmParameters, ShortageCostParameters

__all__ = ["bundled_shortage_costs_path", "load_shortage_costs", "parse_shortage_costs"]

_RANGED_KEYS = ("hospital_labour_usd_per_yr", "substitute_purchases_usd_per_yr",
                "active_national_shortages", "wtp_usd_per_qaly",
                "high_harm_qaly_lost_per_affected_patient_day")
_PLAIN_KEYS = ("social_discount_rate", "social_discount_rate_alternatives")
_HARM_SECTION = "harm_by_dosage_form"
_TOP_KEYS = (*_RANGED_KEYS, _HARM_SECTION, *_PLAIN_KEYS)
_RANGE_DATA_KEYS = ("value", "low", "high")


def bundled_shortage_costs_path() -> Path:
    """Path of the bundled ``shortage_costs.yaml``."""
    return bundled_data_file("shortage_costs.yaml")


def load_shortage_costs(path: Path | None = None) -> ShortageCostParameters:
    """Read the parameters of the social cost of a shortage-day (bundled file unless
    ``path`` is given).

    Returns
    -------
    ShortageCostParameters
        Every value validated, with its ``source:``/``assumption:`` line in
        ``provenance`` by dotted key path.

    Raises
    ------
    rxtwin.errors.UserInputError
        When the file cannot be read or is not UTF-8 text or YAML (naming the line), a key
        is missing or unknown, an entry lacks exactly one ``source:``/``assumption:``, or a
        value breaks its rule (``low <= value <= high``, a share in [0, 1], a count > 0,
        money >= 0); the message names the file, the dotted key path and the rule.
    """
    path = bundled_shortage_costs_path() if path is None else Path(path)
    return parse_shortage_costs(read_data_text(path), str(path))


def parse_shortage_costs(text: str, where: str = "<text>") -> ShortageCostParameters:
    """The parameters from the text of a shortage-cost file (as :func:`load_shortage_costs`;
    ``where`` names the file in error messages)."""
    raw = parse_data_text(text, where)
    provenance: dict[str, str] = {}
    require_keys(raw, _TOP_KEYS, where, "")
    document: dict[str, Any] = {key: _ranged(raw[key], where, key, provenance)
                                for key in _RANGED_KEYS}
    document[_HARM_SECTION] = _harm_section(raw[_HARM_SECTION], where, provenance)
    for key in _PLAIN_KEYS:
        provenance[key] = provenance_line(raw[key], where, key)
        document[key] = raw[key]["value"]
    try:
        return ShortageCostParameters.model_validate({**document, "provenance": provenance})
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, where)
        raise UserInputError("; ".join(p.line() for p in problems)) from None


def _ranged(leaf: Any, file: str, key_path: str, provenance: dict[str, str]) -> dict:
    """A ``{value, low, high}`` entry, its provenance recorded under ``key_path``."""
    provenance[key_path] = provenance_line(leaf, file, key_path, data_keys=_RANGE_DATA_KEYS)
    return {k: leaf[k] for k in _RANGE_DATA_KEYS}


def _harm_section(section: Any, file: str, provenance: dict[str, str]) -> dict:
    forms = tuple(form.value for form in DosageForm)
    require_keys(section, forms, file, _HARM_SECTION)
    names = tuple(HarmParameters.model_fields)
    harm = {}
    for form in forms:
        where = f"{_HARM_SECTION}.{form}"
        require_keys(section[form], names, file, where)
        harm[form] = {name: _ranged(section[form][name], file, f"{where}.{name}", provenance)
                      for name in names}
    return harm
