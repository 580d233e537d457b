"""Anything JSON-like put in the SQLite store reads back unchanged.

* Scenario bodies: arbitrary nested dicts/lists of str, int (any size), finite float, bool and
  None round-trip through put_scenario/get_scenario, keep their types, and get a hash that
  does not depend on key order.
* Summary tables: arbitrary DataFrames of int, float (NaN and infinities included), str and
  bool columns round-trip through put_summary/get_summary with values and dtypes intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes
from pandas.testing import assert_frame_equal

from rxtwin.store import Store

text = st.text(max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | text
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=20,
)
bodies = st.dictionaries(text, json_values, max_size=6)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("store-properties") / "runs.sqlite"
    with Store.open(path) as opened:
        yield opened


@pytest.fixture(scope="module")
def run_id(store: Store) -> str:
    return store.create_run("test.properties", None, {}, None)


def _typed(value: object) -> object:
    """A view of a JSON value that tells 1, 1.0 and True apart (== does not)."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)


@settings(max_examples=60)
@given(body=bodies, name=st.sampled_from(["base", "alt"]))
def test_scenario_body_round_trips_unchanged(store: Store, body: dict, name: str) -> None:
    digest = store.put_scenario(body, name)
    back = store.get_scenario(digest)
    assert back == body
    assert _typed(back) == _typed(body)
    reversed_keys = json.loads(json.dumps(body), object_pairs_hook=lambda p: dict(p[::-1]))
    assert store.put_scenario(reversed_keys, name) == digest


frames = data_frames(
    columns=[
        column("count", dtype=np.int64),
        column("small", dtype=np.int32),
        column("value", dtype=np.float64),  # hypothesis draws NaN and +-inf too
        column("label", elements=st.text(max_size=8), dtype=object),
        column("flag", dtype=bool),
    ],
    index=range_indexes(max_size=15),
)


@settings(max_examples=40)
@given(frame=frames)
def test_summary_frame_round_trips_with_dtypes(
    store: Store, run_id: str, frame: pd.DataFrame
) -> None:
    store.put_summary(run_id, "table", frame)
    back = store.get_summary(run_id, "table")
    assert_frame_equal(back, frame, check_exact=True)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
