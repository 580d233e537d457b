"""What a launch form needs to know about a run kind's parameters beyond their schema:
which parameters name ids of the scenario (so a form offers a picker of what exists, with
names), and a rough run time.

The run kinds' parameter models name ids by field (``technologies``, ``line_id``,
``interventions``, ``product_ids``, ``site_ids``, ...). :data:`ID_FIELDS` maps each such
field name to the scenario collection it picks from; :func:`id_choices` lists that
collection's ids with a readable name. :func:`rough_run_time_s` scales a per-kind cost
measured on the shared 2-core development machine (serial) by the size of the request: a
rough guide for the form, not a promise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rxtwin.model.scenario import Scenario

__all__ = ["ID_FIELDS", "IdField", "id_choices", "rough_run_time_s"]


@dataclass(frozen=True)
class IdField:
    """A parameter that names scenario ids: the collection (``technologies``, ``lines``,
    ``interventions``, ``products``, ``sites``) and whether it takes several."""

    collection: str
    multiple: bool


ID_FIELDS: dict[str, IdField] = {
    "technologies": IdField("technologies", True),
    "technology_id": IdField("technologies", False),
    "baseline": IdField("technologies", False),
    "reference": IdField("technologies", False),
    "line_id": IdField("lines", False),
    "interventions": IdField("interventions", True),
    "intervention_ids": IdField("interventions", True),
    "measures": IdField("interventions", True),
    "product_ids": IdField("products", True),
    "site_ids": IdField("sites", True),
}
"""Parameter name -> the scenario ids it names (the same name means the same thing in every
run kind)."""


def _name(item: Any) -> str:
    name = getattr(item, "name", None) or getattr(item, "description", None) or ""
    return str(name)


def id_choices(scenario: Scenario, collection: str) -> list[tuple[str, str]]:
    """``(id, readable name)`` of every item of a scenario collection (in the scenario's
    order); a line's name says which technology it runs today.

    >>> from rxtwin.data.scenarios import load_scenario
    >>> id_choices(load_scenario("generic_oral_solid"), "lines")
    [('line-1', 'Line 1 (batch today)')]
    """
    items = getattr(scenario, collection)
    if collection == "lines":
        return [(line.id, f"{line.name or line.id} ({line.technology_id} today)")
                for line in items]
    return [(item.id, _name(item)) for item in items]


# Seconds per unit of work, measured serially on the shared 2-core development machine
# (generic_oral_solid: 24 products); rough by design.
_NETWORK_S_PER_PRODUCT_YEAR = 2.5e-5
_LINE_S_PER_REPLICATION = 3.0e-4
_STARTUP_S = 0.5


def _count(value: Any, default: int) -> int:
    return len(value) if isinstance(value, list | tuple) and value else default


def rough_run_time_s(kind: str, scenario: Scenario, params: Mapping[str, Any]
                     ) -> float | None:
    """A rough run time [s] of a run of ``kind`` with these (raw, possibly partial)
    parameters, or None when none can be given cheaply.

    Network runs scale with scenario-years x products x options, line runs with
    replication-years x options (or grid points); empty id lists count as the scenario's
    whole collection, as the run kinds resolve them.
    """
    def number(name: str, default: float) -> float:
        try:
            return float(params.get(name) or default)
        except (TypeError, ValueError):
            return default

    n_products = len(scenario.products)
    n_tech = len(scenario.technologies)
    if kind in ("resilience.compare", "econ.options"):
        options = 1 + _count(params.get("technologies"), n_tech - 1) + _count(
            params.get("interventions"), len(scenario.interventions))
        per_option = (number("n_years", 2000) * n_products * _NETWORK_S_PER_PRODUCT_YEAR
                      + number("line_replications", 100) * _LINE_S_PER_REPLICATION)
        return _STARTUP_S + options * per_option
    if kind == "supply.simulate":
        return _STARTUP_S + number("n_years", 1000) * n_products * _NETWORK_S_PER_PRODUCT_YEAR
    if kind == "line.simulate":
        return _STARTUP_S + number("n_replications", 500) * _LINE_S_PER_REPLICATION
    if kind == "econ.breakeven":
        points = number("points", 6)
        cells = (_count(params.get("param_values"), int(points))
                 * _count(params.get("param2_values"), int(points)))
        options = 1 + _count(params.get("technologies"), n_tech - 1)
        return _STARTUP_S + cells * options * number("n_replications", 100) * (
            _LINE_S_PER_REPLICATION)
    if kind == "econ.greenfield":
        arms = _count(params.get("technologies"), n_tech)
        return _STARTUP_S + arms * number("n_replications", 400) * _LINE_S_PER_REPLICATION
    return None
