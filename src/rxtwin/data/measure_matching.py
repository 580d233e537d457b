"""Load ``measure_matching.yaml``: which measures address which dominant shortage cause.

The file maps cause groups (outage categories of the supply simulator) to the intervention
kinds that act on them, and gives the thresholds of two exceptions (short shelf life: no
stockpile proposed; long release: a rapid release test proposed). The engine that applies
it is :func:`rxtwin.priority.measures.matching_measures`; docs/priority.md, "Matching
measures to causes".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError

from rxtwin.data.documents import (
    bundled_data_file,
    parse_data_text,
    provenance_line,
    read_data_text,
)
from rxtwin.errors import UserInputError, problems_from_validation_error
from rxtwin.model.base import BoundedNonNegative, Identifier, RxModel
from rxtwin.model.intervention import InterventionKind
from rxtwin.model.product import DosageForm

__all__ = ["CauseGroup", "MeasureMatching", "load_measure_matching"]

_TOP_KEYS = ("cause_groups", "stock_measures", "short_shelf_life_days", "long_release_days",
             "default_release_days")


class CauseGroup(RxModel):
    """Outage categories and the measure kinds that address them."""

    categories: list[Identifier] = Field(min_length=1)
    measures: list[InterventionKind] = Field(min_length=1)


class MeasureMatching(RxModel):
    """The matching rules, every entry with its provenance (``provenance`` by key path)."""

    cause_groups: dict[Identifier, CauseGroup] = Field(min_length=1)
    stock_measures: list[InterventionKind]
    short_shelf_life_days: BoundedNonNegative
    long_release_days: BoundedNonNegative
    default_release_days: dict[DosageForm, BoundedNonNegative]
    provenance: dict[str, str]

    def group_of(self, category: str) -> str | None:
        """Name of the cause group holding outage ``category``, None if no group does."""
        return next((name for name, group in self.cause_groups.items()
                     if category in group.categories), None)


def load_measure_matching(path: Path | None = None) -> MeasureMatching:
    """Read the matching rules (the bundled file unless ``path`` is given).

    Raises
    ------
    rxtwin.errors.UserInputError
        Naming the file, the key path and the rule: a missing or unknown key, an entry
        without exactly one ``source:``/``assumption:``, an unknown measure kind, a
        category in two groups.
    """
    if path is None:
        return _bundled()
    return parse_measure_matching(read_data_text(Path(path)), str(path))


@lru_cache(maxsize=1)
def _bundled() -> MeasureMatching:
    path = bundled_data_file("measure_matching.yaml")
    return parse_measure_matching(read_data_text(path), str(path))


def parse_measure_matching(text: str, where: str = "<text>") -> MeasureMatching:
    """The rules from the text of a matching file (``where`` names it in messages)."""
    raw = parse_data_text(text, where)
    if not isinstance(raw, dict) or sorted(raw) != sorted(_TOP_KEYS):
        got = sorted(map(str, raw)) if isinstance(raw, dict) else type(raw).__name__
        raise UserInputError(f"{where}: the keys are {list(_TOP_KEYS)} (got {got})")
    provenance: dict[str, str] = {}
    groups = raw["cause_groups"]
    if not isinstance(groups, dict):
        raise UserInputError(f"{where}: cause_groups: must be a mapping of groups")
    document: dict = {"cause_groups": {}}
    for name, leaf in groups.items():
        key = f"cause_groups.{name}"
        provenance[key] = provenance_line(leaf, where, key, data_keys=("categories", "measures"))
        document["cause_groups"][name] = {k: leaf[k] for k in ("categories", "measures")}
    for key in _TOP_KEYS[1:]:
        provenance[key] = provenance_line(raw[key], where, key)
        document[key] = raw[key]["value"]
    seen: dict[str, str] = {}
    for name, group in document["cause_groups"].items():
        for category in group["categories"] if isinstance(group["categories"], list) else ():
            if category in seen:
                raise UserInputError(f"{where}: cause_groups.{name}.categories: category "
                                     f"'{category}' is also in group '{seen[category]}'; a "
                                     f"category belongs to one group")
            seen[category] = name
    try:
        return MeasureMatching.model_validate({**document, "provenance": provenance})
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, where)
        raise UserInputError("; ".join(p.line() for p in problems)) from None
