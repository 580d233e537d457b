"""The scenario: the whole study in one validated document."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from rxtwin.errors import UnknownIdError
from rxtwin.model.base import Identifier, RxModel, WholeNumber
from rxtwin.model.failure import FailureMode
from rxtwin.model.finance import FirmFinance
from rxtwin.model.intervention import Intervention
from rxtwin.model.paths import PathError, expand_path, resolve_path
from rxtwin.model.product import Material, MaterialKind, Product
from rxtwin.model.site import Line, Site
from rxtwin.model.supply import SupplyEdge
from rxtwin.model.technology import NewLineCosts, Technology
from rxtwin.model.uncertainty import UncertainParameter

SCHEMA_VERSION = 1
SHARE_TOLERANCE = 1e-6
PROVENANCE_PREFIXES = ("source:", "assumption:")


class Scenario(RxModel):
    """A study: portfolio, materials, sites, technologies, lines, failure modes,
    interventions, supply network, firm finance and uncertain parameters.

    ``sources`` maps a field path (see :mod:`rxtwin.model.paths`) to its provenance,
    a text starting with ``source:`` (a citation) or ``assumption:`` (the reasoning).
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    name: Identifier
    title: str = Field(min_length=1)
    description: str = ""
    currency_year: WholeNumber = Field(ge=1990, le=2100, description="USD of this year (real terms)")
    horizon_yr: WholeNumber = Field(ge=1, le=50, description="appraisal horizon")
    firm: FirmFinance
    products: list[Product] = Field(min_length=1)
    materials: list[Material] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    technologies: list[Technology] = Field(min_length=1)
    lines: list[Line] = Field(default_factory=list)
    failure_modes: list[FailureMode] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    supply_edges: list[SupplyEdge] = Field(default_factory=list)
    uncertain: list[UncertainParameter] = Field(default_factory=list)
    new_lines: dict[Identifier, NewLineCosts] = Field(
        default_factory=dict,
        description="costs of a technology built as a new line, by technology id (greenfield "
        "appraisal, rxtwin.econ.greenfield); a technology not listed uses its own capex, "
        "installation, ramp-up, training and filing figures")
    sources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        errors = list(_cross_reference_errors(self))
        if errors:
            raise ValidationError.from_exception_data("Scenario", errors)
        return self

    # -- lookups ---------------------------------------------------------------------
    def product(self, product_id: str) -> Product:
        return _by_id(self.products, product_id, "product")

    def technology(self, technology_id: str) -> Technology:
        return _by_id(self.technologies, technology_id, "technology")

    def line(self, line_id: str) -> Line:
        return _by_id(self.lines, line_id, "line")

    def site(self, site_id: str) -> Site:
        return _by_id(self.sites, site_id, "site")

    def material(self, material_id: str) -> Material:
        return _by_id(self.materials, material_id, "material")

    def failure_mode(self, failure_mode_id: str) -> FailureMode:
        return _by_id(self.failure_modes, failure_mode_id, "failure mode")

    def document(self) -> dict:
        """The scenario as a plain JSON-compatible dict (the canonical form)."""
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON (sorted keys, no whitespace)."""
        return canonical_hash(self.document())


def canonical_json(document: dict) -> str:
    """Canonical JSON text: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_hash(document: dict) -> str:
    """SHA-256 hex digest of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _by_id(items, item_id: str, what: str):
    for item in items:
        if item.id == item_id:
            return item
    known = ", ".join(item.id for item in items) or "none"
    raise UnknownIdError(f"no {what} with id '{item_id}' (known: {known})")


# -- the scenario's interventions by id (shared by the line and supply adapters) ----------

def unknown_intervention_ids(scenario: Scenario,
                             intervention_ids: Sequence[str]) -> list[str]:
    """The ids of ``intervention_ids`` that are not interventions of ``scenario``, each
    once, in the order given (the check behind :func:`interventions_by_id`, also used by
    the CLI and the web to name the bad option or form field)."""
    known = {i.id for i in scenario.interventions}
    return list(dict.fromkeys(i for i in intervention_ids if i not in known))


def interventions_by_id(scenario: Scenario,
                        intervention_ids: Sequence[str]) -> list[Intervention]:
    """The scenario's interventions with the given ids, in the order given.

    Parameters
    ----------
    scenario : Scenario
    intervention_ids : sequence of str
        Ids of ``scenario.interventions``. An id given twice gives its intervention twice
        (its multipliers then count twice in
        :func:`rxtwin.model.intervention.failure_mode_multipliers`).

    Returns
    -------
    list of Intervention

    Raises
    ------
    rxtwin.errors.UnknownIdError
        When an id is not in the scenario; the message names every unknown id, the
        scenario and the known ids.

    Examples
    --------
    >>> from rxtwin.data.scenarios import load_scenario
    >>> [i.id for i in interventions_by_id(load_scenario("metformin"), ["ebr"])]
    ['ebr']
    """
    by_id = {i.id: i for i in scenario.interventions}
    unknown = unknown_intervention_ids(scenario, intervention_ids)
    if unknown:
        names = ", ".join(f"'{i}'" for i in unknown)
        raise UnknownIdError(
            f"no intervention{'s' if len(unknown) > 1 else ''} {names} in scenario "
            f"'{scenario.name}' (known: {', '.join(sorted(by_id)) or 'none'})")
    return [by_id[i] for i in intervention_ids]


def _error(loc: tuple, value: object, kind: str, message: str) -> InitErrorDetails:
    # Braces in user values must not be read as format fields.
    safe = message.replace("{", "{{").replace("}", "}}")
    return InitErrorDetails(type=PydanticCustomError(kind, safe), loc=loc, input=value)


def _cross_reference_errors(s: Scenario):
    """Yield every cross-field problem: duplicate ids, dangling references, share sums,
    unresolvable paths and provenance texts."""
    collections = {
        "products": s.products, "materials": s.materials, "sites": s.sites,
        "technologies": s.technologies, "lines": s.lines, "failure_modes": s.failure_modes,
        "interventions": s.interventions,
    }
    ids: dict[str, set[str]] = {}
    for field, items in collections.items():
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.id in seen:
                yield _error((field, index, "id"), item.id, "duplicate_id",
                             f"id '{item.id}' is used twice in {field}; ids must be unique")
            seen.add(item.id)
        ids[field] = seen

    for technology_id in s.new_lines:
        if technology_id not in ids["technologies"]:
            yield _error(("new_lines", technology_id), technology_id, "dangling_reference",
                         f"new_lines names technology '{technology_id}', which is not in "
                         f"technologies ({', '.join(sorted(ids['technologies']))})")

    materials_by_id = {m.id: m for m in s.materials}
    for index, product in enumerate(s.products):
        if product.api_id is not None:
            material = materials_by_id.get(product.api_id)
            if material is None:
                yield _error(("products", index, "api_id"), product.api_id, "dangling_reference",
                             f"product '{product.id}' names API '{product.api_id}', which is "
                             "not in materials")
            elif material.kind != MaterialKind.api:
                yield _error(("products", index, "api_id"), product.api_id, "wrong_kind",
                             f"material '{product.api_id}' is a {material.kind.value}, "
                             "not an api")
        for j, component in enumerate(product.component_ids):
            if component not in materials_by_id:
                yield _error(("products", index, "component_ids", j), component,
                             "dangling_reference",
                             f"product '{product.id}' names component '{component}', which is "
                             "not in materials")

    technologies_by_id = {t.id: t for t in s.technologies}
    products_by_id = {p.id: p for p in s.products}
    for index, line in enumerate(s.lines):
        technology = technologies_by_id.get(line.technology_id)
        if technology is not None and technology.operating_mode == "continuous":
            for pid in line.product_ids:
                product = products_by_id.get(pid)
                if product is not None and not product.continuous_amenable:
                    yield _error(("lines", index, "product_ids"), pid, "not_amenable",
                                 f"line '{line.id}' runs technology '{technology.id}' "
                                 "(operating_mode continuous) but product "
                                 f"'{pid}' has continuous_amenable = false; a product "
                                 "not amenable to continuous processing stays on a batch "
                                 "line")
        if line.site_id not in ids["sites"]:
            yield _error(("lines", index, "site_id"), line.site_id, "dangling_reference",
                         f"line '{line.id}' is at site '{line.site_id}', which is not in sites")
        if line.technology_id not in ids["technologies"]:
            yield _error(("lines", index, "technology_id"), line.technology_id,
                         "dangling_reference",
                         f"line '{line.id}' uses technology '{line.technology_id}', which is "
                         "not in technologies")
        for j, pid in enumerate(line.product_ids):
            if pid not in ids["products"]:
                yield _error(("lines", index, "product_ids", j), pid, "dangling_reference",
                             f"line '{line.id}' makes product '{pid}', which is not in products")

    for index, intervention in enumerate(s.interventions):
        for j, change in enumerate(intervention.failure_mode_changes):
            if change.failure_mode_id not in ids["failure_modes"]:
                yield _error(("interventions", index, "failure_mode_changes", j,
                              "failure_mode_id"), change.failure_mode_id, "dangling_reference",
                             f"intervention '{intervention.id}' changes failure mode "
                             f"'{change.failure_mode_id}', which is not in failure_modes")
        for j, lid in enumerate(intervention.line_ids):
            if lid not in ids["lines"]:
                yield _error(("interventions", index, "line_ids", j), lid, "dangling_reference",
                             f"intervention '{intervention.id}' names line '{lid}', which is "
                             "not in lines")
        for j, pid in enumerate(intervention.product_ids):
            if pid not in ids["products"]:
                yield _error(("interventions", index, "product_ids", j), pid,
                             "dangling_reference",
                             f"intervention '{intervention.id}' names product '{pid}', which "
                             "is not in products")

    shares: dict[tuple[str | None, str], float] = defaultdict(float)
    first_edge: dict[tuple[str | None, str], int] = {}
    for index, edge in enumerate(s.supply_edges):
        if edge.supplier_site_id not in ids["sites"]:
            yield _error(("supply_edges", index, "supplier_site_id"), edge.supplier_site_id,
                         "dangling_reference",
                         f"supplier site '{edge.supplier_site_id}' is not in sites")
        if edge.customer_site_id is not None and edge.customer_site_id not in ids["sites"]:
            yield _error(("supply_edges", index, "customer_site_id"), edge.customer_site_id,
                         "dangling_reference",
                         f"customer site '{edge.customer_site_id}' is not in sites")
        if edge.material_id not in ids["materials"] and edge.material_id not in ids["products"]:
            yield _error(("supply_edges", index, "material_id"), edge.material_id,
                         "dangling_reference",
                         f"'{edge.material_id}' is neither a material nor a product")
        key = (edge.customer_site_id, edge.material_id)
        shares[key] += edge.share
        first_edge.setdefault(key, index)
    for (customer, material), total in shares.items():
        if abs(total - 1.0) > SHARE_TOLERANCE:
            who = f"site '{customer}'" if customer else "the market"
            yield _error(("supply_edges", first_edge[(customer, material)], "share"),
                         round(total, 9), "share_sum",
                         f"supply shares of '{material}' to {who} sum to {total:.6g}, "
                         "must be 1.0")

    document = s.model_dump(mode="json", exclude={"sources"})
    for index, parameter in enumerate(s.uncertain):
        try:
            value = resolve_path(document, parameter.path)
        except PathError as exc:
            yield _error(("uncertain", index, "path"), parameter.path, "bad_path",
                         f"path does not resolve: {exc}")
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            yield _error(("uncertain", index, "path"), parameter.path, "bad_path",
                         "path must name a number")
    for path, text in s.sources.items():
        try:
            expand_path(document, path)
        except PathError as exc:
            yield _error(("sources", path), path, "bad_path",
                         f"provenance for a field that does not exist: {exc}")
        if not text.lower().startswith(PROVENANCE_PREFIXES):
            yield _error(("sources", path), text, "bad_provenance",
                         "provenance must start with 'source:' or 'assumption:'")
