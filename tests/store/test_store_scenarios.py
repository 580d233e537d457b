"""Scenarios: content hashing, versions per name, and refusal of bodies JSON cannot hold."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from rxtwin.data.scenarios import bundled_scenario_names, load_scenario
from rxtwin.model import canonical_hash
from rxtwin.store import Store, StoreInputError, UnknownScenarioError

BODY = {"line": {"products": 24, "run_days": [3, 10]}, "name": "généric", "hurdle": 0.12}


def test_hash_is_sha256_of_canonical_json_written_out_by_hand(store: Store) -> None:
    # Independent check: the canonical form spelled out literally (sorted keys, no spaces,
    # UTF-8 kept as is), hashed with hashlib.
    canonical = '{"hurdle":0.12,"line":{"products":24,"run_days":[3,10]},"name":"généric"}'
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert store.put_scenario(BODY, "base") == expected
    assert canonical_hash(BODY) == expected


def test_bundled_scenario_keeps_its_model_content_hash(store: Store) -> None:
    # The store and rxtwin.model hash the same canonical form: a Scenario's content_hash()
    # is its key in the store, and the stored document validates back to an equal Scenario.
    scenario = load_scenario(bundled_scenario_names()[0])
    digest = store.put_scenario(scenario.document(), "bundled")
    assert digest == scenario.content_hash()
    assert type(scenario).model_validate(store.get_scenario(digest)) == scenario


def test_body_round_trips_unchanged(store: Store) -> None:
    digest = store.put_scenario(BODY, "base")
    assert store.get_scenario(digest) == BODY


def test_key_order_does_not_change_the_hash(store: Store) -> None:
    reordered = {"name": "généric", "hurdle": 0.12, "line": {"run_days": [3, 10], "products": 24}}
    assert store.put_scenario(BODY, "base") == store.put_scenario(reordered, "base")
    assert len(store.list_scenarios()) == 1


def test_edited_scenario_under_same_name_gets_version_2(store: Store) -> None:
    first = store.put_scenario(BODY, "base")
    edited = store.put_scenario({**BODY, "hurdle": 0.15}, "base")
    assert edited != first
    versions = {info.hash: (info.name, info.version) for info in store.list_scenarios()}
    assert versions == {first: ("base", 1), edited: ("base", 2)}


def test_storing_identical_content_again_is_a_no_op(store: Store) -> None:
    first = store.put_scenario(BODY, "base")
    store.put_scenario({**BODY, "hurdle": 0.15}, "base")
    # the original content again (a revert) returns the original hash, no version 3
    assert store.put_scenario(dict(BODY), "base") == first
    assert [info.version for info in store.list_scenarios()] == [1, 2]


def test_versions_count_per_name(store: Store) -> None:
    store.put_scenario({"a": 1}, "alpha")
    store.put_scenario({"a": 2}, "alpha")
    store.put_scenario({"b": 1}, "beta")
    listed = [(info.name, info.version) for info in store.list_scenarios()]
    assert listed == [("alpha", 1), ("alpha", 2), ("beta", 1)]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"a": (1, 2)}, "unchanged"),  # a tuple would come back as a list
        ({1: "a"}, "unchanged"),  # an int key would come back as "1"
        ({"x": float("nan")}, "not plain JSON"),
        ({"x": float("-inf")}, "not plain JSON"),
        ({"x": np.int64(3)}, "not plain JSON"),
        ({"x": {1, 2}}, "not plain JSON"),
    ],
)
def test_body_that_json_cannot_hold_is_refused(store: Store, body: dict, needle: str) -> None:
    with pytest.raises(StoreInputError, match=needle):
        store.put_scenario(body, "bad")
    assert store.list_scenarios() == []


def test_non_dict_body_and_empty_name_are_refused(store: Store) -> None:
    with pytest.raises(StoreInputError, match="must be a dict"):
        store.put_scenario([1, 2], "x")  # type: ignore[arg-type]
    with pytest.raises(StoreInputError, match="scenario name"):
        store.put_scenario({"a": 1}, "  ")


def test_unknown_hash_raises_key_error(store: Store) -> None:
    with pytest.raises(UnknownScenarioError, match="no scenario with hash 'abc'"):
        store.get_scenario("abc")
    with pytest.raises(KeyError):
        store.get_scenario("abc")
