"""Scenario variants: a scenario with one thing changed, validated again.

Each function edits the scenario's canonical document and returns a new, validated
:class:`~rxtwin.model.Scenario`; the original is not touched (scenarios are immutable). The
break-even studies (:mod:`rxtwin.econ.technology_breakeven`) move along these axes.
"""

from __future__ import annotations

import math

from rxtwin.errors import UserInputError
from rxtwin.model.scenario import Scenario

__all__ = ["with_capex_scale", "with_demand_scale", "with_first_products", "with_line_technology",
           "with_measures_on_products"]


def with_first_products(scenario: Scenario, line_id: str, n_products: int) -> Scenario:
    """The scenario with ``line_id`` making only its first ``n_products`` products.

    Parameters
    ----------
    scenario : Scenario
    line_id : str
    n_products : int
        Products kept [-], within 1 .. the line's product count.

    Returns
    -------
    Scenario
        ``lines[line_id].product_ids`` cut to its first ``n_products`` entries.
    """
    line = scenario.line(line_id)
    if not 1 <= n_products <= len(line.product_ids):
        raise UserInputError(f"products_per_line = {n_products} must be within 1.."
                             f"{len(line.product_ids)} (the products of line '{line_id}')")
    document = scenario.document()
    for entry in document["lines"]:
        if entry["id"] == line_id:
            entry["product_ids"] = entry["product_ids"][:n_products]
    return Scenario.model_validate(document)


def with_line_technology(scenario: Scenario, line_id: str, technology_id: str) -> Scenario:
    """The scenario with ``line_id`` run on ``technology_id``.

    Everything that reads the line's technology follows: the line simulator, the failure
    modes' effect-matrix multipliers and detection, the site's derived outages and release
    time (:mod:`rxtwin.runs.site_failures`) and the supply adapter's site-outage
    multipliers.

    Raises
    ------
    rxtwin.errors.UnknownIdError
        For a line or technology id that the scenario does not have.
    """
    scenario.line(line_id)
    scenario.technology(technology_id)
    document = scenario.document()
    for entry in document["lines"]:
        if entry["id"] == line_id:
            entry["technology_id"] = technology_id
    return Scenario.model_validate(document)


def with_demand_scale(scenario: Scenario, line_id: str, scale: float) -> Scenario:
    """The scenario with every product of ``line_id`` at ``scale`` x its yearly demand.

    Parameters
    ----------
    scenario : Scenario
    line_id : str
    scale : float
        Demand multiplier [-], finite and > 0.

    Returns
    -------
    Scenario
        ``demand_units_per_yr`` of the line's products multiplied by ``scale``.
    """
    if not (math.isfinite(scale) and scale > 0):
        raise UserInputError(f"volume_scale = {scale} must be finite and > 0")
    on_line = set(scenario.line(line_id).product_ids)
    document = scenario.document()
    for entry in document["products"]:
        if entry["id"] in on_line:
            entry["demand_units_per_yr"] = entry["demand_units_per_yr"] * scale
    return Scenario.model_validate(document)


def with_capex_scale(scenario: Scenario, technology_id: str, scale: float) -> Scenario:
    """The scenario with technology ``technology_id`` at ``scale`` x its capex.

    Parameters
    ----------
    scenario : Scenario
    technology_id : str
    scale : float
        Capex multiplier [-] (the scenario's validation rejects a negative capex).

    Returns
    -------
    Scenario
        ``technologies[technology_id].capex_usd`` multiplied by ``scale``.
    """
    scenario.technology(technology_id)
    document = scenario.document()
    for entry in document["technologies"]:
        if entry["id"] == technology_id:
            entry["capex_usd"] = entry["capex_usd"] * scale
    return Scenario.model_validate(document)


def with_measures_on_products(scenario: Scenario,
                              assignment: dict[str, list[str]]) -> Scenario:
    """The scenario with each intervention of ``assignment`` acting only on its products.

    Parameters
    ----------
    scenario : Scenario
    assignment : dict of str to list of str
        Intervention id -> the product ids it acts on (a non-empty list, each a product of
        the scenario). Interventions not named keep their own ``product_ids``.

    Raises
    ------
    rxtwin.errors.UserInputError
        For an unknown intervention or product id, or an empty product list.
    """
    known_products = {p.id for p in scenario.products}
    known_measures = {i.id for i in scenario.interventions}
    for measure_id, product_ids in assignment.items():
        if measure_id not in known_measures:
            raise UserInputError(f"no intervention '{measure_id}' in the scenario")
        unknown = sorted(set(product_ids) - known_products)
        if unknown or not product_ids:
            raise UserInputError(f"intervention '{measure_id}': product ids {unknown or '[]'} "
                                 f"are not products of the scenario (need at least one)")
    document = scenario.document()
    for entry in document["interventions"]:
        if entry["id"] in assignment:
            entry["product_ids"] = list(dict.fromkeys(assignment[entry["id"]]))
    return Scenario.model_validate(document)
