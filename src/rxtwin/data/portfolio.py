"""Seeded synthetic portfolio generator: N products, M lines, K sites.

Draws each product's demand, price, material cost, shelf life and criticality from the
documented distributions in ``portfolio_ranges.yaml`` (each with its source or
assumption), names products after common generics (``generic_oral_solids.csv``), gives
each product its own API made at one of K API sites whose countries follow FDA's 2019
split of API facilities, and assigns products to M lines round-robin.

The result is a *fragment* of a scenario document (plain dicts: ``products``,
``materials``, ``sites``, ``lines``, ``supply_edges``) to merge into a full scenario.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from typing import Literal

import numpy as np
import yaml

from rxtwin.errors import UserInputError
from rxtwin.model import Distribution
from rxtwin.stats.sampling import sample

ISO_FOR_REGION = {"US": "US", "EU": "DE", "IN": "IN", "CN": "CN", "ROW": "CH"}


@lru_cache(maxsize=1)
def portfolio_ranges() -> dict:
    """The generator's distributions and their provenance (``portfolio_ranges.yaml``)."""
    text = resources.files("rxtwin.data").joinpath("portfolio_ranges.yaml").read_text()
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def generic_names() -> tuple[tuple[str, str], ...]:
    """(name, ATC code) of common oral-solid generics."""
    text = resources.files("rxtwin.data").joinpath("generic_oral_solids.csv").read_text()
    return tuple((row["name"], row["atc_code"]) for row in csv.DictReader(text.splitlines()))


def _draw(entry: dict, rng: np.random.Generator, size: int) -> np.ndarray:
    from pydantic import TypeAdapter

    dist = TypeAdapter(Distribution).validate_python(entry["distribution"])
    return sample(dist, rng, size)


def generate_portfolio(
    n_products: int,
    n_lines: int,
    n_sites: int,
    rng: np.random.Generator,
    *,
    dosage_form: Literal["oral_solid", "sterile_injectable"] = "oral_solid",
    technology_id: str = "batch",
    available_h_per_yr: float = 6000.0,
    id_prefix: str = "",
) -> dict:
    """Generate a synthetic portfolio as a scenario-document fragment.

    Parameters
    ----------
    n_products, n_lines, n_sites : int
        Number of products [-], lines [-] and API sites [-] (K >= 1). Lines sit at one
        finished-dose site ``fdf-site``.
    rng : numpy.random.Generator
        Source of randomness (same generator state -> same portfolio).
    dosage_form : {'oral_solid', 'sterile_injectable'}
        Which block of ``portfolio_ranges.yaml`` to draw from.
    technology_id : str
        Technology every generated line runs (must exist in the scenario it goes into).
    available_h_per_yr : float
        Staffed hours per line per year [h/yr].

    Returns
    -------
    dict
        ``products``, ``materials``, ``sites``, ``lines`` and ``supply_edges`` lists.
    """
    if n_products < 1 or n_lines < 1 or n_sites < 1:
        raise UserInputError(f"need n_products, n_lines, n_sites >= 1 "
                             f"(got {n_products}, {n_lines}, {n_sites})")
    if n_lines > n_products:
        raise UserInputError(f"n_lines ({n_lines}) cannot exceed n_products ({n_products})")
    ranges = portfolio_ranges()[dosage_form]
    demand = _draw(ranges["demand_units_per_yr"], rng, n_products)
    cv = _draw(ranges["demand_cv"], rng, n_products)
    price = _draw(ranges["price_usd_per_unit"], rng, n_products)
    material_share = _draw(ranges["material_cost_share_of_price"], rng, n_products)
    shelf = _draw(ranges["shelf_life_days"], rng, n_products)
    api_shelf = _draw(ranges["api_shelf_life_days"], rng, n_products)
    criticality = _draw(ranges["criticality"], rng, n_products)
    inventory = _draw(ranges["initial_inventory_days"], rng, n_products)

    shares = portfolio_ranges()["site_country_shares"]["distribution"]
    regions = list(shares)
    region_of_site = rng.choice(regions, size=n_sites, p=np.array(list(shares.values())))
    site_of_api = rng.integers(0, n_sites, size=n_products)

    names = generic_names()
    products, materials, edges = [], [], []
    for i in range(n_products):
        name, atc = names[i % len(names)]
        suffix = "" if i < len(names) else f"-{i // len(names) + 1}"
        pid = f"{id_prefix}{name}{suffix}"
        api_id = f"{pid}-api"
        materials.append({
            "id": api_id, "name": f"{name} API", "kind": "api",
            "shelf_life_days": round(float(api_shelf[i]), 1),
        })
        products.append({
            "id": pid, "name": f"{name}{suffix}", "dosage_form": dosage_form,
            "api_id": api_id, "atc_code": atc,
            "demand_units_per_yr": round(float(demand[i]), -3),
            "demand_cv": round(float(cv[i]), 3),
            "price_usd_per_unit": round(float(price[i]), 4),
            "material_cost_usd_per_unit": round(float(price[i] * material_share[i]), 4),
            "shelf_life_days": round(float(shelf[i]), 0),
            "initial_inventory_days": round(float(inventory[i]), 1),
            "criticality": round(float(criticality[i]), 3),
        })
        edges.append({
            "supplier_site_id": f"{id_prefix}api-site-{int(site_of_api[i]) + 1}",
            "customer_site_id": f"{id_prefix}fdf-site",
            "material_id": api_id, "share": 1.0, "lead_time_days": 60.0,
        })
    sites = [{"id": f"{id_prefix}fdf-site", "name": "Finished-dose site", "country_code": "US",
              "owner": "the firm"}]
    sites += [{
        "id": f"{id_prefix}api-site-{k + 1}", "name": f"API site {k + 1}",
        "country_code": ISO_FOR_REGION[str(region_of_site[k])], "owner": f"API maker {k + 1}",
    } for k in range(n_sites)]
    lines = [{
        "id": f"{id_prefix}line-{m + 1}", "name": f"Line {m + 1}", "site_id": f"{id_prefix}fdf-site",
        "technology_id": technology_id,
        "product_ids": [p["id"] for p in products[m::n_lines]],
        "available_h_per_yr": available_h_per_yr,
    } for m in range(n_lines)]
    return {"products": products, "materials": materials, "sites": sites, "lines": lines,
            "supply_edges": edges}
