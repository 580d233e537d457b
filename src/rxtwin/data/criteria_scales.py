"""Load ``criteria_scales.yaml``: the scales that turn raw facts into priority criteria.

Each entry is ``{value, source|assumption}`` (checked by
:func:`rxtwin.data.documents.sourced_values`) and validated into :class:`CriteriaScales`,
which :func:`rxtwin.priority.criteria.criteria_from_facts` takes as an argument.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rxtwin.data.documents import (
    bundled_data_file,
    parse_sourced_model,
    read_data_text,
)
from rxtwin.model.base import BoundedPositive, RxModel

__all__ = ["CriteriaScales", "load_criteria_scales", "parse_criteria_scales"]


class CriteriaScales(RxModel):
    """Scales of the criteria computed from raw facts (units in the names)."""

    long_shelf_life_days: BoundedPositive
    price_erosion_window_yr: BoundedPositive
    shortage_history_saturation_episodes: BoundedPositive
    quality_history_saturation_actions: BoundedPositive
    provenance: dict[str, str]


def load_criteria_scales(path: Path | None = None) -> CriteriaScales:
    """Read the scales (the bundled file unless ``path`` is given); errors name the file,
    the key and the rule."""
    if path is None:
        return _bundled()
    return parse_criteria_scales(read_data_text(Path(path)), str(path))


@lru_cache(maxsize=1)
def _bundled() -> CriteriaScales:
    path = bundled_data_file("criteria_scales.yaml")
    return parse_criteria_scales(read_data_text(path), str(path))


def parse_criteria_scales(text: str, where: str = "<text>") -> CriteriaScales:
    """The scales from the text of a scales file (``where`` names it in messages)."""
    return parse_sourced_model(CriteriaScales, text, where)
