"""The national network generator: seeded, three tiers, shared sites, cited country mix,
priority facts from the FDA data, user lists, measures the supply adapter applies, YAML."""

from __future__ import annotations

import re
import statistics
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import yaml

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.national import (
    _class_flags,
    essential_medicines,
    medicines_from_csv,
    national_document,
    national_measures,
    national_network_parameters,
    national_scenario,
)
from rxtwin.data.portfolio import ISO_FOR_REGION, portfolio_ranges
from rxtwin.data.public_tables import generic_name_key, shortage_episodes, shortage_presentations
from rxtwin.data.scenarios import scenario_from_document, scenario_from_yaml, scenario_to_yaml
from rxtwin.errors import UserInputError
from rxtwin.stats.proportions import wilson_interval
from rxtwin.supply.disruption_inputs import UNUSED_TIER, supply_inputs_from_scenario

CUTOFF = pd.Timestamp("2021-12-31")
# 99.9 % Wilson intervals: with a handful of regions per test, a correct generator fails
# one of them by chance well under 1 % of the time, for any seed.
CONFIDENCE = 0.999


@pytest.fixture(scope="module")
def scenario():
    return national_scenario(7)


@pytest.fixture(scope="module")
def inputs(scenario):
    return supply_inputs_from_scenario(scenario, defaults=load_disruption_defaults())


def _fake_medicines(n: int) -> pd.DataFrame:
    """Names no FDA listing or keyword rule recognises, so their dosage form is drawn."""
    return pd.DataFrame({"name": [f"zzmedicine {k}" for k in range(n)], "atc_codes": ""})


# ------------------------------------------------------------------------------ build

def test_default_list_gives_one_product_per_distinct_essential_medicine(scenario):
    names = essential_medicines()["name"]
    assert len(scenario.products) == len(names) == names.str.casefold().nunique()
    assert [p.name for p in scenario.products] == list(names)
    assert all(p.priority.on_essential_list for p in scenario.products)


def test_same_seed_same_scenario_and_another_seed_differs():
    a, b = national_document(11), national_document(11)
    c = national_document(12)
    assert a == b
    assert a != c
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    assert national_document(rng_a) == national_document(rng_b)


def test_every_product_has_ksm_api_and_finished_dose_tiers(scenario, inputs):
    assert inputs.n_products == len(scenario.products)
    used = (inputs.tier_parent != UNUSED_TIER).sum(axis=1)
    assert used.min() >= 3
    for labels in inputs.tier_labels:
        assert labels[0].startswith("ksm->api:") and labels[1].startswith("api:")
        assert labels[-1] == "fdf"


def test_sites_are_shared_between_products(scenario):
    api_of = {p.api_id: p.id for p in scenario.products}
    fdf_products = Counter(e.supplier_site_id for e in scenario.supply_edges
                           if e.customer_site_id is None)
    per_api_site = Counter()
    for site, _product in {(e.supplier_site_id, api_of[e.material_id])
                          for e in scenario.supply_edges if e.material_id in api_of}:
        per_api_site[site] += 1
    assert statistics.median(per_api_site.values()) > 1
    assert statistics.median(fdf_products.values()) > 1
    # and some products have a second API source or maker, as the cited shares say
    sources = Counter(api_of[e.material_id] for e in scenario.supply_edges
                      if e.material_id in api_of)
    assert any(count > 1 for count in sources.values())


def test_api_site_countries_follow_the_cited_split():
    shares = portfolio_ranges()["site_country_shares"]["distribution"]
    n_sites = 3000
    scenario = national_scenario(3, medicines=_fake_medicines(40), n_api_sites=n_sites)
    countries = Counter(s.country_code for s in scenario.sites if s.id.startswith("api-site-"))
    assert sum(countries.values()) == n_sites
    for region, share in shares.items():
        low, high = wilson_interval(countries[ISO_FOR_REGION[region]], n_sites, CONFIDENCE)
        assert low <= share <= high, (region, countries)


def test_unknown_dosage_forms_are_drawn_with_the_cited_sterile_share():
    n = 1500
    scenario = national_scenario(4, medicines=_fake_medicines(n))
    sterile = sum(p.dosage_form.value == "sterile_injectable" for p in scenario.products)
    share = national_network_parameters()["sterile_injectable_share"].value
    low, high = wilson_interval(sterile, n, CONFIDENCE)
    assert low <= share <= high


# ------------------------------------------------------------- facts from the FDA data

def _atropine_rows(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype(str).map(generic_name_key).str.match(r"atropine\b")


def test_priority_facts_of_atropine_come_from_the_fda_shortage_data(scenario):
    episodes = shortage_episodes()
    matched = episodes[[any(generic_name_key(n).startswith("atropine") for n in names)
                        for names in episodes["generic_names"]]]
    expected_episodes = int((matched["first_seen_date"] <= CUTOFF).sum())
    rows = shortage_presentations()
    rows = rows[rows["generic_name"].notna() & _atropine_rows(rows, "generic_name")]
    companies = rows.loc[rows["snapshot_date"] <= CUTOFF, "company"].dropna()
    # companies compared in lower case without punctuation (the documented rule)
    expected_makers = len({" ".join(re.sub(r"[^a-z0-9]+", " ", c.casefold()).split())
                           for c in companies})
    assert expected_episodes > 0 and expected_makers > 0
    atropine = scenario.product("atropine")
    assert atropine.priority.past_shortage_episodes == expected_episodes
    assert atropine.priority.market_makers == expected_makers
    assert atropine.dosage_form.value == rows["dosage_form_class"].astype(str).mode()[0]
    assert atropine.priority.quality_actions == 0
    # an earlier cut-off leaves out the episodes first seen after it
    early = pd.Timestamp("2019-12-01")
    expected_early = int((matched["first_seen_date"] <= early).sum())
    assert expected_early < expected_episodes
    earlier = national_scenario(7, shortage_cutoff_date=str(early.date())).product("atropine")
    assert earlier.priority.past_shortage_episodes == expected_early


def test_a_medicine_without_fda_history_takes_its_makers_from_the_network():
    scenario = national_scenario(9, medicines=_fake_medicines(30))
    makers = Counter(e.material_id for e in scenario.supply_edges if e.customer_site_id is None)
    for product in scenario.products:
        assert product.priority.past_shortage_episodes == 0
        assert product.priority.market_makers == makers[product.id]


def test_class_flags_come_from_the_cited_medicine_classes(scenario):
    assert _class_flags("gentamicin", ["J01GB03"])["antibacterial"] is True
    assert _class_flags("levothyroxine", ["H03AA01"])["narrow_therapeutic_index"] is True
    by_name = {p.name: p.priority for p in scenario.products}
    assert by_name["gentamicin"].antibacterial
    assert not by_name["gentamicin"].narrow_therapeutic_index
    assert sum(p.priority.antibacterial for p in scenario.products) > 10


# ------------------------------------------------------------------------ user lists

def test_a_user_csv_list_gives_its_medicines(tmp_path):
    path = tmp_path / "my_list.csv"
    path.write_text("name,atc_codes,note\natropine,A03BA01,x\nMetformin,A10BA02;A10BD07,\n"
                    "my new medicine,,\n", encoding="utf-8")
    scenario = national_scenario(1, medicines=medicines_from_csv(path))
    assert [p.id for p in scenario.products] == ["atropine", "metformin", "my-new-medicine"]
    assert scenario.product("metformin").atc_code == "A10BA02"
    assert scenario.product("atropine").priority.past_shortage_episodes > 0


@pytest.mark.parametrize(("text", "message"), [
    ("medicine,atc_codes\natropine,A03BA01\n", "missing columns ['name']"),
    ("name,atc_codes\natropine,A03BA01\nmetformin,metformin-tablets\n",
     "row 3, column atc_codes"),
    ("name,atc_codes\natropine,A03BA01\n ,A10BA02\n", "row 3, column name"),
    ("name,atc_codes\nmetformin,A10BA02\nMetformin,A10BA02\n", "row 3, column name"),
])
def test_a_bad_csv_list_is_refused_naming_column_and_value(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserInputError) as caught:
        medicines_from_csv(path)
    assert "bad.csv" in str(caught.value) and message in str(caught.value)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_api_sites": 1}, "n_api_sites = 1 must be an integer >= 2"),
    ({"sterile_injectable_share": 1.5}, "sterile_injectable_share = 1.5"),
    ({"medicines": pd.DataFrame({"name": ["a"]})}, "missing column(s) atc_codes"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(UserInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        national_scenario(1, **kwargs)


# -------------------------------------------------------------------------- measures

def test_measures_carry_provenance_and_act_on_the_products_of_their_dosage_forms(scenario):
    measures = national_measures()
    assert len(measures) >= 8
    assert all(m.provenance.startswith(("source:", "assumption:")) for m in measures)
    assert {i.id for i in scenario.interventions} == {m.id for m in measures}
    forms = {p.id: p.dosage_form.value for p in scenario.products}
    present = set(forms.values())
    for measure in measures:
        intervention = next(i for i in scenario.interventions if i.id == measure.id)
        acts_on = set(measure.dosage_forms) & present
        if acts_on == present:
            assert not intervention.product_ids
        else:
            assert {forms[pid] for pid in intervention.product_ids} == acts_on
            assert len(intervention.product_ids) == sum(f in acts_on for f in forms.values())
    for intervention in scenario.interventions:
        assert scenario.sources[f"interventions.{intervention.id}"].startswith(
            ("source:", "assumption:"))


def test_per_site_costs_scale_with_the_sites_the_measure_acts_on(scenario):
    per_site = {m.id: m for m in national_measures() if m.cost_basis == "per_site"}
    oral_sites = sum(s.id.startswith("fdf-oral_solid-") for s in scenario.sites)
    pat = scenario.interventions[[i.id for i in scenario.interventions].index(
        "advanced-batch-pat")]
    assert pat.capex_usd == per_site["advanced-batch-pat"].capex_usd * oral_sites


def test_per_product_costs_scale_with_the_products_the_measure_acts_on(scenario):
    per_product = {m.id: m for m in national_measures() if m.cost_basis == "per_product"}
    for intervention in scenario.interventions:
        if intervention.id in per_product:
            covered = len(intervention.product_ids) or len(scenario.products)
            assert intervention.capex_usd == pytest.approx(
                per_product[intervention.id].capex_usd * covered, rel=1e-12)


def test_stock_and_quality_measures_change_the_engine_inputs(scenario, inputs):
    defaults = load_disruption_defaults()
    buffered = supply_inputs_from_scenario(scenario, ["buffer-stock-180d"], defaults=defaults)
    fdf = np.array([len(labels) - 1 for labels in inputs.tier_labels])
    rows = np.arange(inputs.n_products)
    added = buffered.base_stock_units[rows, fdf] - inputs.base_stock_units[rows, fdf]
    assert np.allclose(added, 180.0 * inputs.demand_units_per_day)
    reserve = supply_inputs_from_scenario(scenario, ["api-reserve-180d"], defaults=defaults)
    assert np.allclose(reserve.base_stock_units[:, 1] - inputs.base_stock_units[:, 1],
                       180.0 * inputs.demand_units_per_day)
    dual = supply_inputs_from_scenario(scenario, ["second-api-source"], defaults=defaults)
    single = (inputs.supplier_site[:, 1, :] >= 0).sum(axis=1) == 1
    assert single.any()
    assert ((dual.supplier_site[single, 1, :] >= 0).sum(axis=1) == 2).all()

    pat = supply_inputs_from_scenario(scenario, ["advanced-batch-pat"], defaults=defaults)

    def qa_rate(engine_inputs, site_id):
        modes = engine_inputs.site_outage_modes[engine_inputs.site_ids.index(site_id)]
        return next(m.rate_per_yr for m in modes if m.category == "qa_lapse")

    oral = next(s.id for s in scenario.sites if s.id.startswith("fdf-oral_solid-"))
    sterile = next(s.id for s in scenario.sites if s.id.startswith("fdf-sterile_injectable-"))
    assert qa_rate(pat, oral) < qa_rate(inputs, oral)
    assert qa_rate(pat, sterile) == qa_rate(inputs, sterile)


def test_finished_dose_sites_keep_the_default_outage_rates(scenario, inputs):
    """The sites' modes are the defaults written as failure modes: same rates, categories."""
    defaults = {m.category: m.rate_per_yr for m in load_disruption_defaults().site_outage_modes}
    for site_id, modes in zip(inputs.site_ids, inputs.site_outage_modes, strict=True):
        assert {m.category: m.rate_per_yr for m in modes} == defaults, site_id


# ------------------------------------------------------------------------------ YAML

def test_scenario_round_trips_through_yaml(scenario):
    again = scenario_from_yaml(scenario_to_yaml(scenario))
    assert again == scenario and again.content_hash() == scenario.content_hash()
    document = national_document(7)
    assert scenario_from_document(yaml.safe_load(yaml.safe_dump(document))) == scenario


def test_docstring_examples_run():
    import doctest

    import rxtwin.data.national as module

    assert doctest.testmod(module).failed == 0
