"""Measures matched to the dominant cause of each product, their effects on paired chunks,
and their price for the firm and for society."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.measure_matching import load_measure_matching, parse_measure_matching
from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.options import OptionCosts
from rxtwin.errors import UserInputError
from rxtwin.model import Scenario
from rxtwin.priority.measures import (
    RunDigest,
    combined_costs,
    dominant_causes,
    matching_measures,
    per_product_costs,
    product_effects,
)
from rxtwin.runs.priority_measures import (
    network_run,
    simulate_portfolio,
    study_measures,
)
from rxtwin.runs.site_failures import supply_inputs_with_lines
from rxtwin.stats.seeding import plan_chunks
from rxtwin.supply.disruption import disruption_chunk_task

SMALL = {"n_years": 200, "chunk_size": 50, "entropy": 5}


def with_noop(name: str) -> Scenario:
    """A bundled scenario with an intervention that changes nothing."""
    doc = load_scenario(name).model_dump(mode="json")
    doc["interventions"].append({"id": "noop", "name": "No effect",
                                 "kind": "workforce_training", "failure_mode_changes": []})
    return Scenario.model_validate(doc)


@pytest.fixture(scope="module")
def sterile_study():
    return study_measures(with_noop("sterile_injectable"), n_draws=50, **SMALL)


@pytest.fixture(scope="module")
def base_chunks():
    scenario = load_scenario("sterile_injectable")
    inputs = supply_inputs_with_lines(scenario, (), load_disruption_defaults())
    return network_run(inputs, **SMALL)


def test_dominant_category_is_the_one_with_most_shortage_days():
    scenario = load_scenario("sterile_injectable")
    inputs = supply_inputs_with_lines(scenario, (), load_disruption_defaults())
    chunks = [disruption_chunk_task(inputs, c)
              for c in plan_chunks(SMALL["n_years"], SMALL["chunk_size"], SMALL["entropy"])[1]]
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged.merge(chunk)
    table = dominant_causes(RunDigest.from_chunks(chunks), load_measure_matching())
    by_category = merged.cause_table().groupby(["product_id", "category"])[
        "shortage_days_per_yr"].sum()
    for row in table.itertuples():
        shares = by_category.loc[row.product_id]
        assert row.dominant_category == shares.idxmax()
        assert row.dominant_share == pytest.approx(shares.max() / shares.sum(), rel=1e-9)
        assert row.shortage_days_per_yr == pytest.approx(shares.sum(), rel=1e-9)
    days, _ = merged.statistic("shortage_days")
    assert np.allclose(table["shortage_days_per_yr"], days, rtol=1e-12)


def test_a_run_paired_with_itself_changes_nothing(base_chunks):
    effects = product_effects(base_chunks, base_chunks)
    assert np.all(effects.shortage_days_avoided_per_yr == 0.0)
    assert np.all(effects.holding_cost_change_usd_per_yr == 0.0)


def test_paired_runs_must_have_the_same_chunks(base_chunks):
    shorter = RunDigest.from_dict({**base_chunks.to_dict(),
                                   "chunk_years": base_chunks.chunk_years[:-1].tolist(),
                                   "shortage_days": base_chunks.shortage_days[:-1].tolist(),
                                   "unmet_units": base_chunks.unmet_units[:-1].tolist(),
                                   "holding_cost_usd": base_chunks.holding_cost_usd[:-1].tolist()})
    with pytest.raises(UserInputError, match="same chunks"):
        product_effects(base_chunks, shorter)


def test_a_digest_round_trips_through_its_dict(base_chunks):
    again = RunDigest.from_dict(base_chunks.to_dict())
    assert again.product_ids == base_chunks.product_ids
    for name in ("chunk_years", "shortage_days", "unmet_units", "holding_cost_usd",
                 "cause_shortage_days"):
        assert np.array_equal(getattr(again, name), getattr(base_chunks, name))


def test_matching_follows_the_cause_group_and_its_two_exceptions():
    rules = load_measure_matching()
    kinds = {"pat": "pat_sensors", "buffer": "buffer_stock", "rapid": "rapid_sterility_test",
             "second": "dual_sourcing", "contract": "long_term_contract"}
    quality = matching_measures("qa_lapse", shelf_life_days=1000, release_days=14,
                                measure_kinds=kinds, matching=rules)
    assert quality == ["pat", "rapid"]
    assert "rapid" not in matching_measures("qa_lapse", shelf_life_days=1000, release_days=3,
                                            measure_kinds=kinds, matching=rules)
    inputs = matching_measures("substandard_input", shelf_life_days=1000, release_days=3,
                               measure_kinds=kinds, matching=rules)
    assert inputs == ["buffer", "second"]
    short_lived = matching_measures("substandard_input", shelf_life_days=365, release_days=3,
                                    measure_kinds=kinds, matching=rules)
    assert short_lived == ["second"]
    assert matching_measures("", shelf_life_days=1000, release_days=3, measure_kinds=kinds,
                             matching=rules) == []


def test_a_category_in_two_groups_is_refused():
    text = """
cause_groups:
  a: {categories: [qa_lapse], measures: [pat_sensors], assumption: x}
  b: {categories: [qa_lapse], measures: [buffer_stock], assumption: y}
stock_measures: {value: [buffer_stock], assumption: z}
short_shelf_life_days: {value: 1, assumption: z}
long_release_days: {value: 1, assumption: z}
default_release_days: {value: {oral_solid: 1, sterile_injectable: 1, other: 1}, assumption: z}
"""
    with pytest.raises(UserInputError, match="'qa_lapse' is also in group 'a'"):
        parse_measure_matching(text, "rules.yaml")


def test_costs_are_shared_evenly_by_the_products_a_measure_acts_on():
    costs = OptionCosts("m", "intervention", 800.0, 80.0, 6.0, training_usd=40.0)
    shared = per_product_costs(costs, 8)
    assert (shared.capex_usd, shared.opex_usd_per_yr, shared.training_usd) == (100.0, 10.0, 5.0)
    assert shared.implementation_months == 6.0


def test_the_study_has_a_row_per_measure_and_product_it_acts_on(sterile_study):
    scenario = with_noop("sterile_injectable")
    expected = sum(sum(i.applies_to_product(p.id) for p in scenario.products)
                   for i in scenario.interventions)
    assert len(sterile_study.effects) == expected
    assert set(sterile_study.risk["product_id"]) == {p.id for p in scenario.products}


def test_a_measure_without_effect_avoids_nothing_and_costs_society_its_resources(sterile_study):
    noop = sterile_study.effects[sterile_study.effects["measure_id"] == "noop"]
    assert np.all(noop["shortage_days_avoided_per_yr"] == 0.0)
    assert np.all(noop["social_npv_usd"] <= 0.0)


def test_addresses_dominant_cause_agrees_with_the_risk_table(sterile_study):
    matched = dict(zip(sterile_study.risk["product_id"],
                       sterile_study.risk["matched_measures"].str.split(";"), strict=True))
    for row in sterile_study.effects.itertuples():
        assert row.addresses_dominant_cause == (row.measure_id in matched[row.product_id])


def test_a_single_measure_re_simulated_equals_its_separate_run(sterile_study, base_chunks):
    scenario = load_scenario("sterile_injectable")
    row = sterile_study.effects[sterile_study.effects["measure_id"] == "buffer-stock-90d"]
    everyone = list(row["product_id"])
    additive = dict(zip(row["product_id"], row["shortage_days_avoided_per_yr"], strict=True))
    check = simulate_portfolio(scenario, {"buffer-stock-90d": everyone}, additive,
                               base=base_chunks, **SMALL)
    assert check.simulated_total == pytest.approx(check.additive_total, rel=1e-12)


def test_an_empty_portfolio_avoids_nothing(base_chunks):
    check = simulate_portfolio(load_scenario("sterile_injectable"), {}, {}, base=base_chunks,
                               **SMALL)
    assert check.simulated_total == 0.0 and check.additive_total == 0.0


def test_combined_costs_add_up_and_wait_for_the_slowest_part():
    a = OptionCosts("a", "intervention", 100.0, 10.0, 6.0, training_usd=1.0,
                    line_year_of_incumbent=True)
    b = OptionCosts("b", "intervention", 50.0, 5.0, 18.0, ramp_up_months=3.0)
    both = combined_costs("a+b", [a, b])
    assert (both.capex_usd, both.opex_usd_per_yr, both.training_usd) == (150.0, 15.0, 1.0)
    assert (both.implementation_months, both.ramp_up_months) == (18.0, 3.0)
    assert not both.line_year_of_incumbent


def test_a_combination_is_simulated_as_one_more_run():
    scenario = load_scenario("sterile_injectable")
    study = study_measures(scenario, measure_ids=["buffer-stock-90d", "rapid-sterility-test"],
                           combinations=[["buffer-stock-90d", "rapid-sterility-test"]],
                           n_draws=20, **SMALL)
    combo = study.effects[study.effects["measure_kind"] == "combination"]
    assert set(combo["measure_id"]) == {"buffer-stock-90d+rapid-sterility-test"}
    assert len(combo) == len(scenario.products)
    single = study.effects.set_index(["product_id", "measure_id"])
    for row in combo.itertuples():
        parts = [single.loc[(row.product_id, m)] for m in row.members.split("+")]
        assert row.capex_usd == pytest.approx(sum(p["capex_usd"] for p in parts))
        assert row.addresses_dominant_cause == any(p["addresses_dominant_cause"]
                                                   for p in parts)
    # the combination's effect is its own run's, not the sum of its parts
    total = combo["shortage_days_avoided_per_yr"].sum()
    summed = sum(single.xs(m, level="measure_id")["shortage_days_avoided_per_yr"].sum()
                 for m in ("buffer-stock-90d", "rapid-sterility-test"))
    assert total > 0 and total != pytest.approx(summed, rel=1e-12)


def test_a_combination_needs_two_known_measures():
    scenario = load_scenario("sterile_injectable")
    with pytest.raises(UserInputError, match="at least two"):
        study_measures(scenario, combinations=[["buffer-stock-90d"]], **SMALL)
    with pytest.raises(UserInputError, match="teleport"):
        study_measures(scenario, combinations=[["buffer-stock-90d", "teleport"]], **SMALL)


def test_the_study_gives_the_same_numbers_on_threads_as_serially():
    from rxtwin.compute import chunk_mapper

    scenario = load_scenario("sterile_injectable")
    serial = study_measures(scenario, measure_ids=["buffer-stock-90d"], n_draws=20, **SMALL)
    threaded = study_measures(scenario, measure_ids=["buffer-stock-90d"], n_draws=20,
                              map_chunks=chunk_mapper("threads", workers=2), **SMALL)
    assert serial.effects.equals(threaded.effects)
    assert serial.risk.equals(threaded.risk)
