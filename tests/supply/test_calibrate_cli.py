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


def test_unknown_or_unused_category_exits_2_instead_of_fitting_nothing():
    # An unknown category, or one no site outage mode has, would leave every grid point
    # the same simulation (a flat grid and an arbitrary "best" point).
    result = runner.invoke(app, ["supply", "calibrate", "generic_oral_solid", "--category",
                                 "nope", "--means", "30", "--cvs", "1", "--years", "10"])
    assert result.exit_code == 2, result.output
    assert "'nope' is not a failure category" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["supply", "calibrate", "generic_oral_solid", "--category",
                                 "labelling_error", "--means", "30", "--cvs", "1",
                                 "--years", "10"])
    assert result.exit_code == 2, result.output
    assert "no site outage mode of category 'labelling_error'" in result.output


def test_simulate_with_a_calibrated_defaults_file_stores_and_resumes_with_it(tmp_path):
    # a defaults file from `calibrate --out` drives `simulate --defaults`; the run keeps
    # the file's text, so its inputs fingerprint (checked on resume) is the calibrated one
    from rxtwin.runs.supply import SUPPLY_RUN_KIND
    from rxtwin.store import Store

    out = tmp_path / "calibrated.yaml"
    assert runner.invoke(app, ["supply", "calibrate", "sterile_injectable", "--means",
                               "730", "--cvs", "1", "--years", "20",
                               "--out", str(out)]).exit_code == 0
    db = tmp_path / "runs.sqlite"
    result = runner.invoke(app, ["supply", "simulate", "sterile_injectable", "--years",
                                 "20", "--seed", "1", "--db", str(db),
                                 "--defaults", str(out)])
    assert result.exit_code == 0, result.output
    with Store.open(str(db), create=False) as store:
        (record,) = store.list_runs(kind=SUPPLY_RUN_KIND)
        assert record.parameters["defaults_yaml"] == out.read_text()
        assert "mean: 730.0" in record.parameters["defaults_yaml"]


def test_bad_defaults_file_exits_2_naming_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("site_outage_modes: []\ninput_cover_days: {value: 30}\n")
    result = runner.invoke(app, ["supply", "simulate", "sterile_injectable", "--years", "5",
                                 "--db", str(tmp_path / "r.sqlite"), "--defaults", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r.sqlite").exists()
    missing = runner.invoke(app, ["supply", "simulate", "sterile_injectable", "--years", "5",
                                  "--defaults", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2


def test_fda_calibrated_flag_is_applied_and_kept_with_the_run(tmp_path):
    from rxtwin.runs.supply import SUPPLY_RUN_KIND, SUPPLY_TABLE
    from rxtwin.store import Store

    db = str(tmp_path / "runs.sqlite")
    tables = {}
    for flag in ([], ["--fda-calibrated"]):
        result = runner.invoke(app, ["supply", "simulate", "sterile_injectable", "--years",
                                     "40", "--seed", "2", "--db", db, *flag])
        assert result.exit_code == 0, result.output
    with Store.open(db, create=False) as store:
        for record in store.list_runs(kind=SUPPLY_RUN_KIND):
            tables[record.parameters["fda_calibrated"]] = store.get_summary(record.id,
                                                                            SUPPLY_TABLE)
    assert set(tables) == {False, True}
    # six-year remediation instead of six months: more shortage on the same random numbers
    assert tables[True]["shortage_days_per_yr"].mean() > \
        tables[False]["shortage_days_per_yr"].mean()
