"""Platform library: fitted RTDs per equipment configuration, JSON round trip, reuse."""

import json

import numpy as np
import pytest
from pydantic import ValidationError

from rxtwin.twin.platform import (
    EquipmentConfiguration,
    PlatformLibrary,
    data_sha256,
    platform_entry_from_fit,
)
from rxtwin.twin.rtd import TanksInSeries
from rxtwin.twin.rtd_fit import fit_rtd


def _entry(speed_rpm, throughput, mean_s, product="metformin-500"):
    t = np.arange(0, 600, 3.0)
    y = 100 * TanksInSeries(mean_s, 4.0).exit_age_per_s(t)
    y = y + 0.01 * y.max() * np.random.default_rng(int(speed_rpm)).standard_normal(t.size)
    fit = fit_rtd(t, y, "pulse", "tanks_in_series")
    config = EquipmentConfiguration(equipment_id="blender-A", impeller_speed_rpm=speed_rpm,
                                    throughput_kg_per_h=throughput)
    return platform_entry_from_fit(fit, config, product, "2026-01-15T10:00:00Z", "0.1.0",
                                   notes="NIR tracer study")


@pytest.fixture(scope="module")
def library():
    lib = PlatformLibrary()
    for speed, rate, mean in ((250, 20, 90.0), (500, 20, 60.0), (250, 40, 70.0)):
        lib = lib.with_entry(_entry(speed, rate, mean))
    return lib


def test_json_round_trip_is_exact(library):
    text = json.dumps(library.to_json_dict())
    back = PlatformLibrary.from_json_dict(json.loads(text))
    assert back == library
    assert back.entries[0].provenance.source_data_sha256 == library.entries[0].provenance.source_data_sha256


def test_lookup_and_reuse_for_a_new_product(library):
    config = EquipmentConfiguration(equipment_id="blender-A", impeller_speed_rpm=500,
                                    throughput_kg_per_h=20)
    entry = library.lookup(config)
    assert entry.fit.mean_residence_time_s == pytest.approx(60.0, rel=0.03)
    # a new product at 480 rpm, 22 kg/h reuses the nearest characterised operating point
    near = library.nearest(EquipmentConfiguration(equipment_id="blender-A",
                                                  impeller_speed_rpm=480,
                                                  throughput_kg_per_h=22))
    assert near.configuration.key == config.key
    rtd = near.fit.rtd()
    assert rtd.moments().mean_residence_time_s == near.fit.mean_residence_time_s


def test_missing_configuration_errors_name_it(library):
    other = EquipmentConfiguration(equipment_id="blender-B", impeller_speed_rpm=250,
                                   throughput_kg_per_h=20)
    with pytest.raises(KeyError, match="blender-B"):
        library.lookup(other)
    with pytest.raises(KeyError, match="blender-B"):
        library.nearest(other)


def test_replacing_and_duplicates(library):
    again = library.with_entry(_entry(250, 20, 95.0, product="new"))
    assert len(again.entries) == len(library.entries)
    assert any(e.provenance.product_id == "new" for e in again.entries)
    with pytest.raises(ValidationError, match="duplicate"):
        PlatformLibrary(entries=(library.entries[0], library.entries[0]))


def test_schema_version_and_bad_fields_rejected(library):
    data = library.to_json_dict()
    with pytest.raises(ValueError, match="schema_version=99"):
        PlatformLibrary.from_json_dict({**data, "schema_version": 99})
    data["entries"][0]["fit"]["colour"] = "red"
    with pytest.raises(ValidationError, match="colour"):
        PlatformLibrary.from_json_dict(data)


def test_data_hash_depends_on_data():
    assert data_sha256([1.0, 2.0], [3.0, 4.0]) != data_sha256([1.0, 2.0], [3.0, 4.5])
    assert len(data_sha256([1.0], [2.0])) == 64
