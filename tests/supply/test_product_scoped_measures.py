"""A measure restricted to products changes the plants that make them, and only those."""

from __future__ import annotations

import pandas as pd
import pytest

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.national import national_scenario
from rxtwin.model import Scenario
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario

MEDICINES = pd.DataFrame({
    "name": ["amoxicillin", "metformin", "atorvastatin", "amlodipine", "losartan",
             "omeprazole", "levothyroxine", "simvastatin", "lisinopril", "sertraline",
             "furosemide", "gabapentin", "warfarin", "prednisone", "ibuprofen",
             "paracetamol"],
    "atc_codes": [[] for _ in range(16)]})


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return national_scenario(3, medicines=MEDICINES, n_fdf_sites=4, sterile_injectable_share=0.0)


def rates_by_site(scenario: Scenario, interventions: list[str]) -> dict[str, dict[str, float]]:
    inputs = supply_inputs_from_scenario(scenario, interventions,
                                         defaults=load_disruption_defaults())
    return {site: {mode.name: mode.rate_per_yr for mode in modes}
            for site, modes in zip(inputs.site_ids, inputs.site_outage_modes, strict=True)}


def restricted(scenario: Scenario, measure_id: str, product_ids: list[str]) -> Scenario:
    doc = scenario.document()
    for entry in doc["interventions"]:
        if entry["id"] == measure_id:
            entry["product_ids"] = product_ids
    return Scenario.model_validate(doc)


def makers(scenario: Scenario, product_id: str) -> set[str]:
    return {e.supplier_site_id for e in scenario.supply_edges
            if e.customer_site_id is None and e.material_id == product_id}


def test_a_restricted_quality_measure_acts_at_its_products_plants_only(scenario):
    pat = next(i for i in scenario.interventions if i.id == "advanced-batch-pat")
    plants = set().union(*(makers(scenario, pid) for pid in pat.product_ids))
    product = next(pid for pid in pat.product_ids if makers(scenario, pid) != plants)
    at = makers(scenario, product)
    others = plants - at
    assert at and others, "the test needs an oral plant that does not make the product"
    base = rates_by_site(scenario, [])
    everywhere = rates_by_site(scenario, ["advanced-batch-pat"])
    only = rates_by_site(restricted(scenario, "advanced-batch-pat", [product]),
                         ["advanced-batch-pat"])
    for site in at:
        assert only[site] == everywhere[site] and only[site] != base[site]
    for site in others:
        assert only[site] == base[site] and everywhere[site] != base[site]


def test_an_unrestricted_measure_is_unchanged_by_the_rule(scenario):
    """Every product named is the same as none named: the same plants, the same rates."""
    every = [p.id for p in scenario.products]
    named = rates_by_site(restricted(scenario, "advanced-batch-pat", every),
                          ["advanced-batch-pat"])
    assert named == rates_by_site(scenario, ["advanced-batch-pat"])
