"""Interventions: the lookup by id and the per-failure-mode product of multipliers that the
line and the supply adapters share, and how each adapter restricts interventions."""

from __future__ import annotations

import pytest

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.scenarios import load_scenario, scenario_from_document
from rxtwin.errors import UnknownIdError, UserInputError
from rxtwin.line.from_scenario import line_inputs_from_scenario
from rxtwin.model import Intervention
from rxtwin.model.intervention import failure_mode_multipliers
from rxtwin.model.scenario import interventions_by_id, unknown_intervention_ids
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario


def _intervention(iid: str, *changes: tuple[str, float, float], **fields) -> Intervention:
    return Intervention(id=iid, name=iid, kind=fields.pop("kind", "pat_sensors"),
                        failure_mode_changes=[
                            {"failure_mode_id": mode, "rate_multiplier": rate,
                             "duration_multiplier": duration}
                            for mode, rate, duration in changes], **fields)


# ----------------------------------------------------------------- failure_mode_multipliers

def test_multipliers_multiply_per_failure_mode_and_default_to_one():
    a = _intervention("a", ("jam", 0.5, 2.0), ("fire", 0.8, 1.0))
    b = _intervention("b", ("jam", 0.4, 0.25))
    c = _intervention("c")  # no changes: acts on stock or QC only
    m = failure_mode_multipliers([a, b, c])
    assert m.rate("jam") == 0.5 * 0.4 and m.duration("jam") == 2.0 * 0.25
    assert m.rate("fire") == 0.8 and m.duration("fire") == 1.0
    assert m.rate("flood") == 1.0 and m.duration("flood") == 1.0
    assert set(m.rate_multiplier) == set(m.duration_multiplier) == {"jam", "fire"}
    empty = failure_mode_multipliers([])
    assert empty.rate("jam") == 1.0 and dict(empty.rate_multiplier) == {}


def test_multipliers_count_a_repeated_intervention_and_repeated_changes_each_time():
    a = _intervention("a", ("jam", 0.5, 3.0), ("jam", 0.5, 1.0))
    m = failure_mode_multipliers([a, a])
    assert m.rate("jam") == 0.5 ** 4 and m.duration("jam") == 3.0 ** 2


def test_multipliers_are_formed_left_to_right_from_one():
    # rounding depends on the order; the product is ((1 x r1) x r2) x r3, in the order given
    rates = (0.1, 0.7, 0.3)
    interventions = [_intervention(f"i{k}", ("jam", r, r)) for k, r in enumerate(rates)]
    expected = ((1.0 * rates[0]) * rates[1]) * rates[2]
    m = failure_mode_multipliers(interventions)
    assert m.rate("jam") == expected and m.duration("jam") == expected


# ----------------------------------------------------------------- interventions_by_id

def test_lookup_keeps_the_order_and_repeats_of_the_ids():
    scenario = load_scenario("generic_oral_solid")
    ids = [i.id for i in scenario.interventions]
    asked = [ids[-1], ids[0], ids[-1]]
    assert [i.id for i in interventions_by_id(scenario, asked)] == asked
    assert interventions_by_id(scenario, []) == []


def test_unknown_ids_are_one_error_naming_them_the_scenario_and_the_known_ids():
    scenario = load_scenario("generic_oral_solid")
    known = sorted(i.id for i in scenario.interventions)
    with pytest.raises(UnknownIdError) as caught:
        interventions_by_id(scenario, [known[0], "nope", "zzz", "nope"])
    message = str(caught.value)
    assert message == (f"no interventions 'nope', 'zzz' in scenario '{scenario.name}' "
                       f"(known: {', '.join(known)})")
    assert isinstance(caught.value, UserInputError) and isinstance(caught.value, KeyError)
    with pytest.raises(UnknownIdError, match=r"^no intervention 'nope' in scenario"):
        interventions_by_id(scenario, ["nope"])


def test_both_adapters_refuse_unknown_ids_with_the_same_message():
    scenario = load_scenario("generic_oral_solid")
    with pytest.raises(UnknownIdError) as line_error:
        line_inputs_from_scenario(scenario, "line-1", intervention_ids=["nope"])
    with pytest.raises(UnknownIdError) as supply_error:
        supply_inputs_from_scenario(scenario, ["nope"], defaults=load_disruption_defaults())
    assert str(line_error.value) == str(supply_error.value)


# ----------------------------------------------------------------- restrictions

def test_empty_line_and_product_lists_mean_every_line_and_product():
    free = _intervention("free")
    assert free.applies_to_line("any-line") and free.applies_to_product("any-product")
    bound = _intervention("bound", line_ids=["l1"], product_ids=["p1"])
    assert bound.applies_to_line("l1") and not bound.applies_to_line("l2")
    assert bound.applies_to_product("p1") and not bound.applies_to_product("p2")


@pytest.fixture(scope="module")
def restricted():
    """generic_oral_solid with a second line and interventions that halve deviation holds
    and demand surges, restricted to line-2, to one product, or not at all."""
    document = load_scenario("generic_oral_solid").document()
    second = dict(document["lines"][0], id="line-2",
                  product_ids=document["lines"][0]["product_ids"][:1])
    document["lines"].append(second)
    changes = [{"failure_mode_id": "deviation-qa-hold", "rate_multiplier": 0.5},
               {"failure_mode_id": "demand-surge", "rate_multiplier": 0.5}]
    product = document["products"][-1]["id"]
    document["interventions"] += [
        {"id": "on-line-2", "name": "x", "kind": "pat_sensors", "line_ids": ["line-2"],
         "failure_mode_changes": changes},
        {"id": "on-product", "name": "x", "kind": "buffer_stock", "product_ids": [product],
         "failure_mode_changes": changes, "extra_stock_days": 10.0},
    ]
    return scenario_from_document(document), product


def _hold_probability(scenario, line_id, ids):
    inputs = line_inputs_from_scenario(scenario, line_id, intervention_ids=ids)
    return inputs.failures.probability[list(inputs.failures.names).index("deviation-qa-hold")]


def test_line_adapter_honours_line_ids_and_ignores_product_ids(restricted):
    scenario, _ = restricted
    base = _hold_probability(scenario, "line-1", [])
    # restricted to another line: no effect on line-1, full effect on line-2
    assert _hold_probability(scenario, "line-1", ["on-line-2"]) == base
    assert _hold_probability(scenario, "line-2", ["on-line-2"]) == base * 0.5
    # restricted to a product: the line adapter still applies it to the whole line
    assert _hold_probability(scenario, "line-1", ["on-product"]) == base * 0.5
    plain = line_inputs_from_scenario(scenario, "line-1")
    buffered = line_inputs_from_scenario(scenario, "line-1", intervention_ids=["on-product"])
    assert (buffered.reorder_days_of_supply - plain.reorder_days_of_supply == 10.0).all()


def test_supply_adapter_applies_demand_changes_to_the_intervention_products(restricted):
    scenario, product = restricted
    defaults = load_disruption_defaults()

    def surge_rates(ids):
        inputs = supply_inputs_from_scenario(scenario, ids, defaults=defaults)
        return {pid: next(s.rate_per_yr for s in shocks if s.name == "demand-surge")
                for pid, shocks in zip(inputs.product_ids, inputs.product_demand_shocks,
                                       strict=True)}, inputs

    base, plain = surge_rates([])
    rates, _ = surge_rates(["on-line-2"])  # line_ids are not used by the supply adapter
    assert rates == {pid: rate * 0.5 for pid, rate in base.items()}
    rates, inputs = surge_rates(["on-product"])  # product_ids restrict the demand change
    assert rates == {pid: rate * (0.5 if pid == product else 1.0)
                     for pid, rate in base.items()}
    k = list(inputs.product_ids).index(product)
    fdf = (plain.tier_parent[k] == -1).argmax()
    extra = inputs.base_stock_units - plain.base_stock_units
    assert extra[k, fdf] == pytest.approx(10.0 * plain.demand_units_per_day[k])
    extra[k, fdf] = 0.0
    assert (extra == 0.0).all()  # the buffer stock goes to that product only


def test_unknown_ids_are_listed_once_in_the_order_given_for_cli_and_web_messages():
    scenario = load_scenario("metformin")
    assert unknown_intervention_ids(scenario, ["zz", "ebr", "aa", "zz"]) == ["zz", "aa"]
    assert unknown_intervention_ids(scenario, ["ebr"]) == []
