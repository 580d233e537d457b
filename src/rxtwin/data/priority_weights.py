"""Load ``priority_weights.yaml``: the weight of each criterion of the priority score.

Layout (every criterion of :data:`rxtwin.model.priority.CRITERIA_BY_GROUP`, exactly once,
under its group)::

    criticality:
      on_essential_list: {weight: 1.0, cite: "WHO EML 2023", source|assumption: ...}
      ...
    vulnerability: {...}
    risk: {...}

The file is read and parsed by :mod:`rxtwin.data.documents`; this module checks the layout
and validates the values into a :class:`rxtwin.model.priority.PriorityWeights`, which the
engine (:mod:`rxtwin.priority.scoring`) takes as an argument.
"""

from __future__ import annotations

from functools import lru_cache
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
from rxtwin.model.priority import CRITERIA_BY_GROUP, GROUPS, PriorityWeights

__all__ = ["bundled_priority_weights_path", "load_priority_weights", "parse_priority_weights"]

_DATA_KEYS = ("weight", "cite")
_MAX_WEIGHT = 1.0e6  # weights are relative; anything larger is a typo


def bundled_priority_weights_path() -> Path:
    """Path of the bundled ``priority_weights.yaml``."""
    return bundled_data_file("priority_weights.yaml")


def load_priority_weights(path: Path | str | None = None) -> PriorityWeights:
    """Read the weights of the priority score (the bundled file unless ``path`` is given).

    Returns
    -------
    PriorityWeights
        One :class:`~rxtwin.model.priority.CriterionWeight` per criterion, in the file's
        order, each with its ``cite`` and provenance line.

    Raises
    ------
    rxtwin.errors.UserInputError
        The file cannot be read or parsed; a group or criterion is missing, unknown or in
        the wrong group; an entry lacks exactly one ``source:``/``assumption:``; a weight is
        not a number >= 0; or a group has no positive weight. The message names the file,
        the dotted key path and the rule.
    """
    if path is None:
        return _bundled()
    return parse_priority_weights(read_data_text(Path(path)), str(path))


@lru_cache(maxsize=1)
def _bundled() -> PriorityWeights:
    path = bundled_priority_weights_path()
    return parse_priority_weights(read_data_text(path), str(path))


def parse_priority_weights(text: str, where: str = "<text>") -> PriorityWeights:
    """The weights from the text of a file in the ``priority_weights.yaml`` layout (as
    :func:`load_priority_weights`; ``where`` names the file in messages)."""
    raw = parse_data_text(text, where)
    require_keys(raw, GROUPS, where, "")
    entries: list[dict[str, Any]] = []
    for group in GROUPS:
        require_keys(raw[group], CRITERIA_BY_GROUP[group], where, group)
        for criterion, leaf in raw[group].items():
            key_path = f"{group}.{criterion}"
            provenance = provenance_line(leaf, where, key_path, data_keys=_DATA_KEYS)
            weight = leaf["weight"]
            if (isinstance(weight, bool) or not isinstance(weight, int | float)
                    or not 0.0 <= weight <= _MAX_WEIGHT):
                raise UserInputError(f"{where}: {key_path}.weight: must be a number in "
                                     f"[0, {_MAX_WEIGHT:g}] (got {weight!r})")
            entries.append({"criterion": criterion, "group": group, "weight": float(weight),
                            "cite": str(leaf["cite"]).strip(), "provenance": provenance})
    try:
        return PriorityWeights.model_validate({"criteria": entries})
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, where)
        raise UserInputError("; ".join(p.line() for p in problems)) from None
