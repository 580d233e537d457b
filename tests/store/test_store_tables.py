"""Summary tables (JSON in the database) and Parquet artifacts (files beside it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from rxtwin.store import Store, StoreInputError, UnknownItemError


@pytest.fixture
def run_id(store: Store) -> str:
    return store.create_run("line.simulate", None, {}, 1)


def _mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product": ["metformin", "lisinopril", "café"],
            "batches": np.array([12, 0, -3], dtype=np.int64),
            "small": np.array([1, 2, 3], dtype=np.int32),
            "big": np.array([0, 1, 2**64 - 1], dtype=np.uint64),
            "oee": [0.1 + 0.2, np.nan, -np.inf],  # 0.30000000000000004 must survive exactly
            "oee32": np.array([0.5, 1e-30, 3.4e38], dtype=np.float32),
            "short": [True, False, True],
            "n_sites": pd.array([1, None, 3], dtype="Int64"),
            "note": pd.array(["a", None, "c"], dtype="string"),
            "flag": pd.array([None, True, False], dtype="boolean"),
            "day": pd.to_datetime(["2024-01-01", None, "2024-02-29"]),
            "when": pd.to_datetime(["2024-01-01 08:00", "2024-06-01 00:00", None]).tz_localize(
                "UTC"
            ),
            "down": pd.to_timedelta([1.5, None, 0], unit="h"),
        },
        index=pd.Index(["p1", "p2", "p3"], name="product_id"),
    )


def test_summary_round_trips_values_dtypes_and_index(store: Store, run_id: str) -> None:
    frame = _mixed_frame()
    store.put_summary(run_id, "kpi", frame)
    back = store.get_summary(run_id, "kpi")
    assert_frame_equal(back, frame, check_exact=True)
    assert list(back.dtypes.astype(str)) == list(frame.dtypes.astype(str))
    assert back["oee"].iloc[0] == 0.1 + 0.2


def test_summary_round_trips_empty_and_multiindex_frames(store: Store, run_id: str) -> None:
    empty = pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="bool")})
    store.put_summary(run_id, "empty", empty)
    assert_frame_equal(store.get_summary(run_id, "empty"), empty)
    multi = pd.DataFrame(
        {"site": ["a", "a", "b"], "year": [2024, 2025, 2024], "units": [1.0, 2.0, 3.0]}
    ).set_index(["site", "year"])
    store.put_summary(run_id, "multi", multi)
    assert_frame_equal(store.get_summary(run_id, "multi"), multi, check_exact=True)
    ranged = pd.DataFrame({"a": [1, 2]}, index=pd.RangeIndex(10, 14, 2, name="rep"))
    store.put_summary(run_id, "ranged", ranged)
    assert_frame_equal(store.get_summary(run_id, "ranged"), ranged, check_index_type=True)


def test_put_summary_replaces_and_lists(store: Store, run_id: str) -> None:
    store.put_summary(run_id, "kpi", pd.DataFrame({"a": [1]}))
    store.put_summary(run_id, "kpi", pd.DataFrame({"a": [2]}))
    store.put_summary(run_id, "costs", pd.DataFrame({"usd": [1.0]}))
    assert store.get_summary(run_id, "kpi")["a"].tolist() == [2]
    assert store.list_summaries(run_id) == ["costs", "kpi"]


def test_summary_errors_name_the_problem(store: Store, run_id: str) -> None:
    with pytest.raises(UnknownItemError, match="no summary named 'missing'"):
        store.get_summary(run_id, "missing")
    with pytest.raises(StoreInputError, match=r"column 'x' \(dtype object\) holds 1"):
        store.put_summary(run_id, "bad", pd.DataFrame({"x": ["a", 1]}))
    with pytest.raises(StoreInputError, match="dtype category"):
        store.put_summary(run_id, "bad", pd.DataFrame({"x": pd.Categorical(["a"])}))
    with pytest.raises(StoreInputError, match="column labels must be str"):
        store.put_summary(run_id, "bad", pd.DataFrame({0: [1]}))
    with pytest.raises(StoreInputError, match="summary name '../x' is not allowed"):
        store.put_summary(run_id, "../x", pd.DataFrame({"a": [1]}))
    assert store.list_summaries(run_id) == []


def test_artifact_dataframe_round_trips_through_parquet(store: Store, run_id: str) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "t_h": np.arange(1000) * 0.25,
            "mass_kg": rng.normal(size=1000),
            "state": rng.choice(["run", "clean", "down"], size=1000),
            "ok": rng.random(1000) < 0.9,
            "batch": np.arange(1000, dtype="int32"),
        }
    )
    path = store.put_array(run_id, "trace", frame)
    assert path == store.artifacts_dir / run_id / "trace.parquet"
    assert path.is_file() and not list(path.parent.glob(".*partial"))
    assert_frame_equal(store.get_array(run_id, "trace"), frame, check_exact=True)
    assert store.array_path(run_id, "trace") == path


def test_artifact_arrow_table_round_trips(store: Store, run_id: str) -> None:
    table = pa.table({"x": pa.array([1, 2, None], type=pa.int16()), "y": ["a", "b", "c"]})
    store.put_array(run_id, "raw", table)
    assert store.get_table(run_id, "raw").equals(table)
    store.put_array(run_id, "raw", pa.table({"x": [9]}))  # replaces
    assert store.get_table(run_id, "raw").column("x").to_pylist() == [9]
    assert store.list_arrays(run_id) == ["raw"]


def test_artifact_errors(store: Store, run_id: str) -> None:
    with pytest.raises(UnknownItemError, match="no artifact named 'nope'"):
        store.get_array(run_id, "nope")
    with pytest.raises(StoreInputError, match="DataFrame or a pyarrow Table"):
        store.put_array(run_id, "x", np.zeros(3))  # type: ignore[arg-type]
    with pytest.raises(StoreInputError, match="artifact name"):
        store.put_array(run_id, "a/b", pd.DataFrame({"a": [1]}))


def test_sqlite_artifacts_live_beside_the_database(tmp_path: Path) -> None:
    with Store.open(tmp_path / "runs.sqlite") as store:
        run_id = store.create_run("line.simulate", None, {}, 1)
        path = store.put_array(run_id, "trace", pd.DataFrame({"a": [1]}))
    assert path == tmp_path / "runs.sqlite.artifacts" / run_id / "trace.parquet"
    assert path.is_file()


@pytest.mark.postgres
def test_postgres_artifacts_dir_comes_from_env(
    pg_url: str, pg_schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RXTWIN_ARTIFACTS_DIR", str(tmp_path / "from-env"))
    with Store.open(pg_url, schema=pg_schema) as store:
        assert store.artifacts_dir == tmp_path / "from-env"
    monkeypatch.delenv("RXTWIN_ARTIFACTS_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    with Store.open(pg_url, schema=pg_schema) as store:
        assert store.artifacts_dir == tmp_path / ".rxtwin" / "artifacts"
