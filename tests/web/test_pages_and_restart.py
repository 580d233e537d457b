"""Server-rendered pages (forms, validation messages, error pages without stack traces) and
runs surviving a server restart: an in-flight run is marked interrupted and resumes to the
same result; a queued run is queued again."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
from page_client import PageClient

from rxtwin.data.scenarios import load_scenario
from rxtwin.runs import kinds
from rxtwin.store import Store
from rxtwin.web.app import create_app

from .conftest import SMALL_BREAKEVEN, wait_done

SCENARIOS = Path(__file__).resolve().parents[2] / "src" / "rxtwin" / "data" / "scenarios"


def test_home_lists_bundled_scenarios_and_opens_one(client):
    home = client.get("/")
    assert home.status_code == 200 and "generic_oral_solid" in home.text
    page = client.post("/scenarios/bundled", data={"name": "metformin"})
    assert page.status_code == 200 and str(page.url).split("/")[-2] == "scenarios"
    assert "Launch a run" in page.text and "Assumptions and sources" in page.text


def test_upload_valid_and_invalid_files(client):
    text = (SCENARIOS / "high_volume_single_product.yaml").read_text()
    ok = client.post("/scenarios/upload",
                     files={"file": ("hv.yaml", text.encode(), "application/yaml")})
    assert ok.status_code == 200 and "Launch a run" in ok.text
    bad = client.post("/scenarios/upload",
                      files={"file": ("bad.yaml", b"name: [unclosed", "application/yaml")})
    assert bad.status_code == 422 and "bad.yaml: malformed YAML at line" in bad.text
    wrong = client.post("/scenarios/upload",
                        files={"file": ("w.yaml", b"name: x\nhorizon_yr: -3\n", "text/plain")})
    assert wrong.status_code == 422 and "horizon_yr" in wrong.text
    assert "Traceback" not in bad.text + wrong.text
    missing = client.post("/scenarios/upload", data={})
    assert missing.status_code == 422 and "choose a scenario file" in missing.text


def test_invalid_run_form_shows_the_message_and_keeps_values(client, scenario_hash):
    page = client.post(f"/scenarios/{scenario_hash}/runs",
                       data={"kind": "econ.breakeven", "param_values": "1, 99",
                             "technologies": "continuous"})
    assert page.status_code == 422
    assert "products_per_line must be a whole number within 1..24" in page.text
    assert 'id="problems-econ-breakeven"' in page.text and 'value="1, 99"' in page.text
    assert 'name="technologies" value="continuous"' in page.text
    typed = client.post(f"/scenarios/{scenario_hash}/runs",
                        data={"kind": "econ.breakeven", "points": "lots"})
    assert typed.status_code == 422 and "points" in typed.text


def _form_inputs(page: str, form_id: str) -> dict[str, str]:
    """Name -> value of the text and number inputs and the pickers of one launch form, as
    a browser would post it (a select's selected option, else its first; ticked boxes)."""
    form = page[page.index(f'id="{form_id}"'):]
    form = form[:form.index("</form>")]
    shown = dict(re.findall(r'<input type="(?:text|number)" step="[^"]*" name="([^"]+)" '
                            r'value="([^"]*)"', form))
    for name, options in re.findall(r'<select name="([^"]+)">(.*?)</select>', form, re.S):
        values = re.findall(r'<option value="([^"]*)"( selected)?', options)
        shown[name] = next((v for v, chosen in values if chosen), values[0][0])
    for name, value in re.findall(r'<input type="checkbox" name="([^"]+)" value="([^"]*)" '
                                  r'checked', form):
        shown[name] = value
    return shown


def test_breakeven_form_shows_the_defaults_and_launches_as_shown(client, scenario_hash):
    # The defaults a user sees: products per line x volume scale on 6 points each (the
    # grid itself worked out from the scenario, so the value lists start empty), 100
    # replications, a fresh seed per run; posting the form as shown launches the run.
    page = client.get(f"/scenarios/{scenario_hash}").text
    shown = _form_inputs(page, "launch-econ-breakeven")
    assert shown == {"param": "products_per_line", "param_values": "",
                     "param2": "volume_scale", "param2_values": "", "points": "6",
                     "baseline": "", "line_id": "",
                     "n_replications": "100", "seed": ""}  # no technology ticked: every one
    assert "placeholder" not in page.lower()
    launched = client.post(f"/scenarios/{scenario_hash}/runs",
                           data={"kind": "econ.breakeven", **shown})
    assert launched.status_code == 200 and 'id="progress"' in launched.text
    run_id = str(launched.url).rsplit("/", 1)[-1]
    run = wait_done(client, run_id, timeout_s=120)
    assert run["status"] == "done", run["error"]
    assert run["chunks_done"] == 6 and run["parameters"]["baseline"] == "batch"
    assert run["parameters"]["param_values"] == [1, 6, 10, 15, 19, 24]
    done = client.get(f"/runs/{run_id}").text
    assert 'id="figure-breakeven"' in done and 'id="figure-winner"' in done
    assert 'id="download-report"' in done and "/summaries/breakeven_map" in done
    assert "placeholder" not in done.lower()
    assert "/static/plotly.min.js" in done
    assert client.get("/static/plotly.min.js").status_code == 200
    assert run_id[:12] in client.get("/runs").text


def test_breakeven_runs_stored_by_the_cli_show_their_figures(client, tmp_path):
    """`rxtwin breakeven --db` stores its runs under the kind the web launches: a map is
    drawn like a web run's, a 1-D break-even shows its table and no figure."""
    from typer.testing import CliRunner

    from rxtwin.cli import app

    db = str(tmp_path / "runs.sqlite")
    ids = []
    for args in (["--param", "price_scale", "--param2", "capex_grant", "--points", "2"],
                 ["--param", "capex_grant"]):
        result = CliRunner().invoke(app, ["breakeven", "high_volume_single_product", *args,
                                          "--tech", "continuous", "--reps", "10", "--db", db])
        assert result.exit_code == 0, result.output
        ids.append(result.stdout.split("run: ")[1].split()[0])
    two_d, one_d = (client.get(f"/runs/{run_id}") for run_id in ids)
    assert two_d.status_code == 200 and 'id="figure-breakeven"' in two_d.text
    assert 'id="figure-winner"' in two_d.text
    assert one_d.status_code == 200 and "/summaries/breakeven?" in one_d.text
    assert 'id="figure-' not in one_d.text


def test_edit_scenario_makes_a_new_version_or_shows_messages(client, scenario_hash):
    bad = client.post(f"/scenarios/{scenario_hash}/edit",
                      data={"firm.hurdle_rate": "abc", "horizon_yr": "2.5"})
    assert bad.status_code == 422
    assert "hurdle rate must be a number (12 for 12 %); got &#39;abc&#39;" in bad.text
    assert "must be a whole number" in bad.text
    out_of_range = client.post(f"/scenarios/{scenario_hash}/edit",
                               data={"firm.hurdle_rate": "300"})  # in %: 3.0 as a fraction
    assert out_of_range.status_code == 422
    assert "you entered 300 %" in out_of_range.text and "12 % is 0.12" in out_of_range.text
    good = client.post(f"/scenarios/{scenario_hash}/edit", data={"firm.hurdle_rate": "8"})
    assert good.status_code == 200
    new_hash = str(good.url).rsplit("/", 1)[-1]
    assert new_hash != scenario_hash
    assert client.get(f"/api/scenarios/{new_hash}").json()["firm"]["hurdle_rate"] == 0.08
    versions = [s["version"] for s in client.get("/api/scenarios").json()]
    assert sorted(versions) == [1, 2]


def test_error_pages_are_html_without_stack_traces(client):
    for path in ("/runs/" + "0" * 32, "/scenarios/" + "f" * 64, "/no/such/page"):
        page = client.get(path)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "Traceback" not in page.text and 'id="error-message"' in page.text
    too_big = client.post("/scenarios/upload",
                          files={"file": ("x.yaml", b"a" * 300_000, "text/plain")})
    assert too_big.status_code == 413


def _kill_mid_run(db: Path, run_id: str) -> None:
    """Execute ``run_id`` in a child process that dies after 3 chunks (no clean-up)."""
    code = textwrap.dedent(f"""
        import os
        from rxtwin.runs import kinds
        from rxtwin.store import Store
        store = Store.open({str(db)!r})
        def progress(done, total):
            if done == 3:
                os._exit(0)
        kinds.execute_run(store, {run_id!r}, progress)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_run_killed_mid_flight_is_interrupted_on_restart_and_resumes_identically(tmp_path):
    db = tmp_path / "restart.sqlite"
    scenario = load_scenario("generic_oral_solid")
    params = kinds.parse_params("econ.breakeven", scenario, SMALL_BREAKEVEN).model_dump()
    with Store.open(db) as store:
        scenario_hash = store.put_scenario(scenario.document(), scenario.name)
        killed = store.create_run("econ.breakeven", scenario_hash, params, None, n_chunks=8)
        reference = store.create_run("econ.breakeven", scenario_hash, params, None, n_chunks=8)
        kinds.execute_run(store, reference)
        waiting = store.create_run("econ.breakeven", scenario_hash, params, None, n_chunks=8)
    _kill_mid_run(db, killed)
    with Store.open(db) as store:
        assert store.get_run(killed).status == "running"  # its process is gone
        assert store.done_chunk_indices(killed) == {0, 1, 2}

    with PageClient(create_app(str(db)), raise_server_exceptions=False) as client:
        run = client.get(f"/api/runs/{killed}").json()
        assert run["status"] == "interrupted" and run["resumable"]
        assert "Resume" in client.get(f"/runs/{killed}").text
        assert wait_done(client, waiting)["status"] == "done"  # queued run was queued again
        assert client.post(f"/api/runs/{killed}/resume").status_code == 202
        assert wait_done(client, killed)["status"] == "done"
        resumed = client.get(f"/api/runs/{killed}/summaries/breakeven_map").json()
        expected = client.get(f"/api/runs/{reference}/summaries/breakeven_map").json()
    pd.testing.assert_frame_equal(pd.DataFrame(resumed), pd.DataFrame(expected))


def test_list_and_fresh_seed_fields_start_empty_and_lists_are_comma_separated(
        client, scenario_hash):
    # A list parameter is one text input (comma-separated) and a per-run default (a fresh
    # seed) starts empty: the page must not show pydantic's "undefined" marker, and
    # posting the form as shown must launch the run.
    page = client.get(f"/scenarios/{scenario_hash}").text
    assert "PydanticUndefined" not in page
    launched = client.post(f"/scenarios/{scenario_hash}/runs",
                           data={"kind": "supply.simulate", "intervention_ids": "",
                                 "n_years": "20", "chunk_size": "10", "seed": ""})
    assert launched.status_code == 200, launched.text[:500]
    run_id = str(launched.url).rsplit("/", 1)[-1]
    assert wait_done(client, run_id)["status"] == "done"
    assert 'id="figure-shortage_risk"' in client.get(f"/runs/{run_id}").text
    bad = client.post(f"/scenarios/{scenario_hash}/runs",
                      data={"kind": "supply.simulate", "n_years": "20",
                            "intervention_ids": "buffer-stock-60d, nope"})
    assert bad.status_code == 422
    # The picks are kept, the unknown one shown ticked and marked.
    assert 'name="intervention_ids" value="buffer-stock-60d" checked' in bad.text
    assert 'name="intervention_ids" value="nope" checked' in bad.text
    assert "nope <span class=\"hint\">— not in this scenario" in bad.text


def test_supply_exposure_and_tts_forms_launch_runs_that_show_their_figures(
        client, scenario_hash, tmp_path):
    # The optional TTR starts empty (worked out from the scenario), not as "None"; the
    # defaults from supply_defaults.yaml are shown; posting the form as shown launches.
    page = client.get(f"/scenarios/{scenario_hash}").text
    assert 'id="launch-supply-exposure"' in page and 'id="launch-supply-tts"' in page
    assert 'name="ttr_days" value=""' in page and 'name="horizon_days" value="365.0"' in page
    assert 'name="highly_concentrated_hhi" value="0.18"' in page and 'value="None"' not in page
    launched = client.post(f"/scenarios/{scenario_hash}/runs",
                           data={"kind": "supply.tts", "ttr_days": "", "horizon_days": "365",
                                 "site_ids": ""})
    assert launched.status_code == 200, launched.text[:500]
    run_id = str(launched.url).rsplit("/", 1)[-1]
    assert wait_done(client, run_id)["status"] == "done"
    done = client.get(f"/runs/{run_id}").text
    assert 'id="figure-site_exposure"' in done and 'id="figure-tts_vs_ttr"' in done
    assert "/summaries/risk_exposure?format=csv" in done
    exposure = client.post(f"/scenarios/{scenario_hash}/runs",
                           data={"kind": "supply.exposure", "detail": "on",
                                 "highly_concentrated_hhi": "0.18", "product_ids": ""})
    exposure_id = str(exposure.url).rsplit("/", 1)[-1]
    assert wait_done(client, exposure_id)["status"] == "done"
    shown = client.get(f"/runs/{exposure_id}").text
    assert 'id="figure-concentration"' in shown and "/summaries/exposure_detail" in shown
    bad = client.post(f"/scenarios/{scenario_hash}/runs",
                      data={"kind": "supply.tts", "site_ids": "fdf-site, atlantis"})
    assert bad.status_code == 422 and 'id="problems-supply-tts"' in bad.text
    assert 'name="site_ids" value="fdf-site" checked' in bad.text
    assert 'name="site_ids" value="atlantis" checked' in bad.text

    # A run `rxtwin supply tts --sites --edges --db` stored (no scenario) is shown too.
    from typer.testing import CliRunner

    from rxtwin.cli import app

    (tmp_path / "s.csv").write_text("site_id,country_code,owner\nF,US,firm\nA1,IN,a1\n")
    (tmp_path / "e.csv").write_text(
        "supplier_site_id,customer_site_id,item_id,item_kind,share,demand_units_per_yr,"
        "inventory_days\nA1,F,x-api,api,1.0,,\nF,,x,product,1.0,365000,45\n")
    result = CliRunner().invoke(app, [
        "supply", "tts", "--sites", str(tmp_path / "s.csv"), "--edges",
        str(tmp_path / "e.csv"), "--ttr-days", "30", "--db", str(tmp_path / "runs.sqlite")])
    assert result.exit_code == 0, result.output
    cli_id = result.stdout.split("run: ")[1].split()[0]
    cli_page = client.get(f"/runs/{cli_id}")
    assert cli_page.status_code == 200 and "with no stored scenario" in cli_page.text
    assert "s.csv + e.csv" in cli_page.text and 'id="figure-tts_vs_ttr"' in cli_page.text
    assert "Supply: time-to-survive vs time-to-recover" in cli_page.text
    assert 'id="download-report"' not in cli_page.text  # a report needs a scenario
    assert client.get(f"/api/runs/{cli_id}/report").status_code == 409
