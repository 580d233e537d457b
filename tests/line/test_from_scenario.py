"""The scenario adapter: every bundled line builds for every technology, and the mapping
rules of rxtwin.line.from_scenario hold (hand-checked against the scenario's numbers)."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.scenarios import bundled_scenario_names, load_scenario, scenario_from_document
from rxtwin.line import inputs as li
from rxtwin.line.from_scenario import line_inputs_from_scenario, line_plan
from rxtwin.line.plan import InfeasiblePlanError


@pytest.mark.parametrize("name", bundled_scenario_names())
def test_every_bundled_line_builds_for_every_technology(name):
    scenario = load_scenario(name)
    for line in scenario.lines:
        for tech in scenario.technologies:
            for policy in ("fixed_rotation", "run_out"):
                x = line_inputs_from_scenario(scenario, line.id, technology_id=tech.id,
                                              policy=policy)
                assert x.n_products == len(line.product_ids)
                assert x.lot_cycle_h == pytest.approx(tech.batch_size_units
                                                      / tech.throughput_units_per_h)


def test_mapping_rules_on_the_generic_line():
    s = load_scenario("generic_oral_solid")
    tech = s.technology("continuous")
    x = line_inputs_from_scenario(s, "line-1", technology_id="continuous")
    products = [s.product(p) for p in s.lines[0].product_ids]
    run_h = sum(p.demand_units_per_yr for p in products) / (
        tech.throughput_units_per_h * tech.speed_fraction * tech.process_yield_fraction)
    names = list(x.failures.names)
    breakdown = s.failure_modes[[m.id for m in s.failure_modes].index("equipment-breakdown")]
    i = names.index("equipment-breakdown")
    # mean run hours between stops = expected run hours / (rate x effect-matrix multiplier)
    assert x.failures.mtbf_h[i] == pytest.approx(run_h / (breakdown.rate_per_yr * 1.3))
    # a site outage is calendar time: entered x staffed fraction, stretched back by the engine
    k = names.index("regulatory-action")
    assert x.failures.duration[k].mean_h * (8760.0 / 7000.0) == pytest.approx(4380.0)
    assert x.failures.duration[i].mean_h == pytest.approx(8.0)  # repairs: staffed hours
    j = names.index("oos-batch-reject")
    # occurrence x effect-matrix multiplier x the continuous line's detection (PAT)
    assert x.failures.probability[j] == pytest.approx(0.0111111 * 0.5 * 0.99)
    assert x.failures.effect[names.index("labelling-recall")] == li.FailureEffectCode.REJECT_BATCH
    assert set(x.demand_events.names) == {"demand-surge", "contract-loss", "contract-win"}
    assert x.labour_usd_per_h == pytest.approx(12.0 * 90000.0 / 7000.0)
    assert x.energy_usd_per_unit == pytest.approx(2.5 / 1000 * 0.08)
    assert x.overhead_usd_per_yr == pytest.approx(1e6 + 250000.0)
    assert x.staffed_fraction == pytest.approx(7000.0 / 8760.0)
    plan = line_plan(s, "line-1", tech)
    assert np.allclose(x.campaign_units, plan.lot_size_units)
    assert np.allclose(x.target_days_of_supply - x.reorder_days_of_supply, plan.cycle_days[0])


def test_interventions_change_release_stock_and_rates():
    s = load_scenario("sterile_injectable")
    base = line_inputs_from_scenario(s, "line-1")
    rapid = line_inputs_from_scenario(s, "line-1", intervention_ids=["rapid-sterility-test"])
    assert base.qc_release_h == 408.0 and rapid.qc_release_h == 73.0
    buffer = line_inputs_from_scenario(s, "line-1", intervention_ids=["buffer-stock-90d"])
    assert np.allclose(buffer.reorder_days_of_supply - base.reorder_days_of_supply, 90.0)
    g = load_scenario("generic_oral_solid")
    plain = line_inputs_from_scenario(g, "line-1")
    ebr = line_inputs_from_scenario(g, "line-1", intervention_ids=["ebr"])
    k = list(plain.failures.names).index("deviation-qa-hold")
    # 40 % fewer deviations, and review by exception catches 99 % of them instead of 90 %
    assert ebr.failures.probability[k] == pytest.approx(
        0.6 * plain.failures.probability[k] / 0.9 * 0.99)
    with pytest.raises(KeyError, match="no intervention 'nope'"):
        line_inputs_from_scenario(g, "line-1", intervention_ids=["nope"])


def test_an_api_reserve_is_not_finished_goods_stock_of_the_line():
    # An API reserve is held upstream (the supply simulator puts it at the API tier); only a
    # buffer-stock intervention raises the line's finished-goods safety level.
    document = load_scenario("metformin").document()
    document["interventions"] += [
        {"id": "api-30d", "name": "API reserve", "kind": "api_reserve",
         "extra_stock_days": 30.0},
        {"id": "fg-30d", "name": "FG buffer", "kind": "buffer_stock", "extra_stock_days": 30.0}]
    s = scenario_from_document(document)
    line = s.lines[0].id
    base = line_inputs_from_scenario(s, line)
    api = line_inputs_from_scenario(s, line, intervention_ids=["api-30d"])
    both = line_inputs_from_scenario(s, line, intervention_ids=["api-30d", "fg-30d"])
    assert np.array_equal(api.reorder_days_of_supply, base.reorder_days_of_supply)
    assert np.allclose(both.reorder_days_of_supply - base.reorder_days_of_supply, 30.0)


def test_failure_modes_only_apply_to_their_dosage_forms():
    document = load_scenario("generic_oral_solid").document()
    document["failure_modes"][0]["dosage_forms"] = ["sterile_injectable"]
    s = scenario_from_document(document)
    x = line_inputs_from_scenario(s, "line-1")
    assert document["failure_modes"][0]["id"] not in x.failures.names


def test_overloaded_line_is_reported_not_scheduled():
    document = load_scenario("generic_oral_solid").document()
    for product in document["products"]:
        product["demand_units_per_yr"] *= 3
    s = scenario_from_document(document)
    with pytest.raises(InfeasiblePlanError):
        line_inputs_from_scenario(s, "line-1")


def test_twin_losses_become_the_continuous_line_loss_parameters():
    """The twin's diverted fraction and campaign losses feed the continuous line."""
    from rxtwin.data.twin_defaults import load_twin_defaults
    from rxtwin.line.from_scenario import with_twin_losses
    from rxtwin.twin.handoff import continuous_loss_parameters

    s = load_scenario("generic_oral_solid")
    x = line_inputs_from_scenario(s, "line-1", technology_id="continuous")
    params = load_twin_defaults()
    losses = continuous_loss_parameters(params, params.disturbance.rate_per_h, 72.0)
    y = with_twin_losses(x, losses)
    assert y.process_yield_fraction == pytest.approx(
        x.process_yield_fraction * (1 - losses.diverted_fraction))
    assert y.startup_loss_h == losses.startup_loss_h
    assert y.shutdown_loss_h == losses.shutdown_loss_h
    more = continuous_loss_parameters(params, 4 * params.disturbance.rate_per_h, 72.0)
    assert with_twin_losses(x, more).process_yield_fraction < y.process_yield_fraction
    with pytest.raises(ValueError, match="continuous-mode"):
        with_twin_losses(line_inputs_from_scenario(s, "line-1"), losses)
