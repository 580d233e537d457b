"""Load the default disclosure rules (``disclosure_defaults.yaml``) with their provenance.

Every entry of the YAML file is ``{value: ..., source: "..."}`` or
``{value: ..., assumption: "..."}``; :func:`load_disclosure_rules` returns the values as a
frozen :class:`rxtwin.model.consortium.DisclosureRules` and
:func:`disclosure_rules_provenance` the provenance text of each value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rxtwin.data.documents import bundled_data_file, provenance_line, read_data_file
from rxtwin.errors import UserInputError, problems_from_validation_error
from rxtwin.model.consortium import DisclosureRules

__all__ = ["disclosure_rules_provenance", "load_disclosure_rules"]


def _read(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    document = read_data_file(path)
    if not isinstance(document, dict):
        raise UserInputError(f"{path}: must be a mapping of rule name to "
                             "{value, source or assumption}")
    values: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    for key, leaf in document.items():
        provenance[str(key)] = provenance_line(leaf, str(path), str(key))
        values[str(key)] = leaf["value"]
    return values, provenance


def load_disclosure_rules(path: Path | None = None) -> DisclosureRules:
    """The disclosure rules of a YAML file, by default the bundled ``disclosure_defaults.yaml``.

    Parameters
    ----------
    path : pathlib.Path, optional
        A file in the layout of ``disclosure_defaults.yaml``; the bundled file when omitted.

    Returns
    -------
    DisclosureRules
        Threshold (default 5 organisations, assumption), (n, k) dominance (default n = 2,
        k = 85 %, ESSnet Handbook on SDC), p % rule (default off) and safety fraction
        (default 0.10, assumption).

    Raises
    ------
    rxtwin.errors.UserInputError
        The file cannot be read, an entry lacks its source or assumption, or a value breaks
        its rule (the message names the file, the key, the value and the rule).
    """
    where = path or bundled_data_file("disclosure_defaults.yaml")
    values, _ = _read(where)
    try:
        return DisclosureRules.model_validate(values)
    except ValidationError as error:
        lines = [p.line() for p in problems_from_validation_error(error, str(where))]
        raise UserInputError("; ".join(lines)) from None


def disclosure_rules_provenance(path: Path | None = None) -> dict[str, str]:
    """Provenance (``"source: ..."`` or ``"assumption: ..."``) of each rule value by name."""
    _, provenance = _read(path or bundled_data_file("disclosure_defaults.yaml"))
    return provenance
