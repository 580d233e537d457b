"""The ``rxtwin supply calibrate`` command."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.data.disruption_defaults import load_disruption_defaults

runner = CliRunner()


def test_calibrate_prints_the_grid_and_writes_loadable_defaults(tmp_path):
    out = tmp_path / "calibrated.yaml"
    result = runner.invoke(app, ["supply", "calibrate", "sterile_injectable",
                                 "--means", "365,2920", "--cvs", "1", "--years", "40",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Grid: regulatory_action" in result.output
    assert "FDA" in result.output
    document = yaml.safe_load(out.read_text())
    fitted = document["calibrated_outage_durations"]["regulatory_action"]
    assert fitted["duration_days"]["mean"] in (365.0, 2920.0)
    assert "supply calibrate sterile_injectable" in fitted["source"]
    defaults = load_disruption_defaults(out)  # the written file is a valid defaults file
    assert defaults.calibrated_durations["regulatory_action"].mean == \
        fitted["duration_days"]["mean"]


def test_bad_class_and_bad_grid_exit_2_with_one_line():
    result = runner.invoke(app, ["supply", "calibrate", "sterile_injectable:pills",
                                 "--years", "10"])
    assert result.exit_code == 2
    assert "pills" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["supply", "calibrate", "sterile_injectable",
                                 "--means", "a,b", "--years", "10"])
    assert result.exit_code == 2
    assert "--means" in result.output
