"""The twin's platform library lives in the run store with its provenance, as a plain JSON
record the twin converts: saved versions round-trip exactly, the newest wins, and a new
product reuses a fit."""

from __future__ import annotations

import numpy as np

from rxtwin.store import Store
from rxtwin.store.platform_library import (
    load_platform_library_json,
    save_platform_library_json,
)
from rxtwin.twin.platform import EquipmentConfiguration, PlatformLibrary, platform_entry_from_fit
from rxtwin.twin.rtd import TanksInSeries
from rxtwin.twin.rtd_fit import fit_rtd


def _entry(speed_rpm: float, mean_s: float):
    t = np.arange(0, 600, 3.0)
    y = 100 * TanksInSeries(mean_s, 4.0).exit_age_per_s(t)
    y = y + 0.01 * y.max() * np.random.default_rng(int(speed_rpm)).standard_normal(t.size)
    fit = fit_rtd(t, y, "pulse", "tanks_in_series")
    config = EquipmentConfiguration(equipment_id="blender-A", impeller_speed_rpm=speed_rpm,
                                    throughput_kg_per_h=20.0)
    return platform_entry_from_fit(fit, config, "metformin-500", "2026-01-15T10:00:00Z",
                                   "0.1.0", notes="NIR tracer study")


def _load(store: Store) -> PlatformLibrary:
    record = load_platform_library_json(store)
    return PlatformLibrary() if record is None else PlatformLibrary.from_json_dict(record)


def test_platform_library_round_trips_through_the_store(tmp_path):
    with Store.open(tmp_path / "runs.sqlite") as store:
        assert load_platform_library_json(store) is None
        first = PlatformLibrary().with_entry(_entry(250, 90.0))
        save_platform_library_json(store, first.to_json_dict())
        second = first.with_entry(_entry(500, 60.0))
        run_id = save_platform_library_json(store, second.to_json_dict())
        assert load_platform_library_json(store) == second.to_json_dict()
        loaded = _load(store)
        assert loaded == second
        assert store.get_run(run_id).kind == "twin.platform"
        reused = loaded.nearest(EquipmentConfiguration(
            equipment_id="blender-A", impeller_speed_rpm=480, throughput_kg_per_h=22.0))
        assert reused.configuration.impeller_speed_rpm == 500
        assert reused.provenance.product_id == "metformin-500"
    with Store.open(tmp_path / "runs.sqlite") as store:  # survives reopening
        assert _load(store) == second
