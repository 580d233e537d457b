"""``rxtwin supply`` sub-app: wiring, output and exit code 2 on bad input."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rxtwin.cli.supply import app

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


def invoke(*args):
    return runner.invoke(app, list(args), env=WIDE)


def test_map_lists_sites_by_tier():
    result = invoke("map", "sterile_injectable")
    assert result.exit_code == 0, result.output
    for text in ("fdf-site", "vial-maker", "component", "Glass vial plant"):
        assert text in result.output


def test_exposure_summary_and_detail():
    result = invoke("exposure", "metformin")
    assert result.exit_code == 0, result.output
    assert "metformin-500" in result.output and "IN" in result.output
    detail = invoke("exposure", "metformin", "--detail")
    assert detail.exit_code == 0, detail.output
    assert "0.52" in detail.output  # HHI of the 60/40 India/China API split


def test_tts_ranks_sites_with_default_and_given_ttr():
    result = invoke("tts", "high_volume_single_product", "--ttr-days", "50")
    assert result.exit_code == 0, result.output
    # TTS: fdf 30, India API 42.86, Germany API 100 days; TTR 50 -> two exposed.
    assert "42.86" in result.output and "TTR 50 days" in result.output
    pipeline = invoke("tts", "high_volume_single_product", "--in-transit")
    assert pipeline.exit_code == 0, pipeline.output
    assert "115.7" in pipeline.output  # (30 + 51) / 0.7, see tests/supply/test_tts.py
    default = invoke("tts", "sterile_injectable")
    assert default.exit_code == 0, default.output
    assert "TTR 182.5 days" in default.output


SITES = "site_id,country_code,owner\nF,US,firm\nA1,IN,a1\nA2,CN,a2\n"
EDGES = """supplier_site_id,customer_site_id,item_id,item_kind,share,demand_units_per_yr,inventory_days
A1,F,x-api,api,0.6,,
A2,F,x-api,api,0.4,,
F,,x,product,1.0,365000,45
"""


def test_commands_read_a_network_from_csv(tmp_path):
    (tmp_path / "s.csv").write_text(SITES)
    (tmp_path / "e.csv").write_text(EDGES)
    files = ("--sites", str(tmp_path / "s.csv"), "--edges", str(tmp_path / "e.csv"))
    assert "A2" in invoke("map", *files).output
    assert "0.52" in invoke("exposure", *files, "--detail").output
    # A1 (60 %) down, no surge: 45 / 0.4 = 112.5 days.
    result = invoke("tts", *files, "--ttr-days", "30")
    assert result.exit_code == 0, result.output
    assert "112.5" in result.output
    missing_ttr = invoke("tts", *files)
    assert missing_ttr.exit_code == 2
    assert "--ttr-days is required" in missing_ttr.output
    bad = invoke("map", "--sites", str(tmp_path / "s.csv"), "--edges",
                 str(tmp_path / "nope.csv"))
    assert bad.exit_code == 2 and "nope.csv: file not found" in bad.output


def test_site_stock_from_the_sites_file(tmp_path):
    # F holds 15 days of its API use: A1 (60 %) down, no surge -> (45 + 15) / 0.4 = 150 days.
    (tmp_path / "s.csv").write_text(SITES.replace("owner\n", "owner,inventory_days\n")
                                    .replace("F,US,firm\n", "F,US,firm,15\n")
                                    .replace(",a1\n", ",a1,\n").replace(",a2\n", ",a2,\n"))
    (tmp_path / "e.csv").write_text(EDGES)
    files = ("--sites", str(tmp_path / "s.csv"), "--edges", str(tmp_path / "e.csv"))
    shown = invoke("map", *files)
    assert shown.exit_code == 0 and "inventory_days" in shown.output
    result = invoke("tts", *files, "--ttr-days", "30")
    assert result.exit_code == 0, result.output
    assert "150" in result.output and "112.5" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("map",), "give a scenario, or both --sites and --edges"),
        (("map", "metformin", "--sites", "x.csv"), "not both"),
        (("map", "no-such-scenario"), "no such file or bundled scenario"),
        (("tts", "metformin", "--ttr-days", "-1"), "ttr_days = -1.0 must be"),
        (("tts", "metformin", "--horizon-days", "0"), "horizon_days = 0.0 must be"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_exposure_and_tts_keep_their_tables_in_the_store(tmp_path):
    from rxtwin.store import Store

    db = str(tmp_path / "runs.sqlite")
    first = invoke("exposure", "metformin", "--db", db)
    second = invoke("tts", "sterile_injectable", "--ttr-days", "90", "--db", db)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    with Store.open(db, create=False) as store:
        kinds = {r.kind: r for r in store.list_runs()}
        assert set(kinds) == {"supply.exposure", "supply.tts"}
        assert all(r.status == "done" for r in kinds.values())
        tts = store.get_summary(kinds["supply.tts"].id, "risk_exposure")
        exposure = store.get_summary(kinds["supply.exposure"].id, "exposure_summary")
    assert kinds["supply.tts"].parameters["ttr_days"] == 90
    assert len(tts) > 0 and len(exposure) > 0
    assert kinds["supply.tts"].id in second.output
