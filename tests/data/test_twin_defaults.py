"""Twin defaults: every value has a source or an assumption; typed, frozen, strict."""

import pytest
import yaml
from pydantic import ValidationError

from rxtwin.data.twin_defaults import load_twin_defaults, twin_defaults_provenance
from rxtwin.model.twin import TwinParameters
from rxtwin.twin.rtd import axial_dispersion_moments, tanks_in_series_moments


def _leaves(node, path=""):
    if isinstance(node, dict) and "value" in node:
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, f"{path}[{i}]")


def test_defaults_load_typed_and_frozen():
    p = load_twin_defaults()
    assert isinstance(p, TwinParameters)
    assert p.throughput_kg_per_h == 20.0 and p.target_api_fraction == pytest.approx(0.1)
    assert (p.diversion.lower_pct, p.diversion.upper_pct) == (95.0, 105.0)
    with pytest.raises(ValidationError):
        p.blender.mean_residence_time_s = 1.0


def test_every_value_has_provenance():
    from importlib import resources

    raw = yaml.safe_load(resources.files("rxtwin.data").joinpath("twin_defaults.yaml")
                         .read_text())
    leaves = list(_leaves(raw))
    provenance = twin_defaults_provenance()
    assert len(leaves) == len(provenance) > 30
    for path, _leaf in leaves:
        assert provenance[path].split(":")[0] in ("source", "assumption"), path


def test_default_peclet_matches_default_tank_number():
    # the YAML says Pe = 7.66 gives the same dimensionless variance as 4 tanks
    p = load_twin_defaults().blender
    tis = tanks_in_series_moments(p.mean_residence_time_s, p.n_tanks).dimensionless_variance
    ad = axial_dispersion_moments(p.mean_residence_time_s, p.peclet).dimensionless_variance
    assert ad == pytest.approx(tis, rel=1e-3)


def _write(tmp_path, mutate):
    from importlib import resources

    raw = yaml.safe_load(resources.files("rxtwin.data").joinpath("twin_defaults.yaml")
                         .read_text())
    mutate(raw)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_leaf_without_provenance_is_rejected(tmp_path):
    path = _write(tmp_path, lambda r: r["blender"]["n_tanks"].pop("assumption"))
    with pytest.raises(ValueError, match="blender.n_tanks"):
        load_twin_defaults(path)


def test_unknown_and_invalid_values_are_rejected(tmp_path):
    path = _write(tmp_path, lambda r: r["press"].update(
        {"colour": {"value": 1, "assumption": "x"}}))
    with pytest.raises(ValidationError, match="colour"):
        load_twin_defaults(path)
    path = _write(tmp_path, lambda r: r["diversion"]["lower_pct"].update({"value": 101.0}))
    with pytest.raises(ValidationError, match="lower_pct=101.0"):
        load_twin_defaults(path)
    path = _write(tmp_path, lambda r: r["feeders"][1]["is_api"].update({"value": True}))
    with pytest.raises(ValidationError, match="exactly one feeder"):
        load_twin_defaults(path)
