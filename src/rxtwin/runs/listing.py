"""How a run is named in a list (the web app's runs page, ``rxtwin runs list``): its key
parameters in one short line, so that a person can tell runs apart without their ids.

>>> parameter_summary({"param": "products_per_line", "n_replications": 100, "seed": 7,
...                    "technologies": ["continuous", "modular"], "line_id": None})
'param=products_per_line, technologies=continuous+modular, n_replications=100'
"""

from __future__ import annotations

from typing import Any

__all__ = ["parameter_summary"]

# Parameters that tell nothing about what was asked (a seed, the version that ran, paths).
HIDDEN = frozenset({"seed", "rxtwin_version", "defaults", "points"})
MAX_LIST_ITEMS = 3  # a longer list is shown as its length
# What a person asked for first: the map's axes, the options compared, the scenario-years,
# the time-to-recover, the selections; any other parameter follows by name.
FIRST = ("param", "param2", "technologies", "intervention_ids", "n_years", "ttr_days",
         "site_ids", "product_ids", "detail", "n_replications")


def _shown(value: Any) -> str | None:
    """A parameter value in a few characters, or None when it says nothing (empty)."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            return f"{len(value)} values"
        return "+".join(_shown(item) or "?" for item in value)
    if isinstance(value, dict):
        return None
    return str(value)


def parameter_summary(parameters: dict[str, Any], limit: int = 4, width: int = 100) -> str:
    """The first ``limit`` informative parameters (those of :data:`FIRST` in its order, then
    the others by name) as ``name=value`` pairs cut to ``width`` characters; seeds,
    versions and empty values are left out."""
    order = [name for name in FIRST if name in parameters]
    order += sorted(name for name in parameters if name not in FIRST)
    pairs = []
    for name in order:
        shown = None if name in HIDDEN else _shown(parameters[name])
        if shown is not None:
            pairs.append(f"{name}={shown}")
    text = ", ".join(pairs[:limit])
    return text if len(text) <= width else text[: width - 1] + "…"
