"""The analyst's path without a browser: pickers built from the scenario, % fields converted
exactly, refused launches and edits explained at the top and beside the field, the
comparison's headline table, provenance of edited values, the diff against the original
and the scenario as YAML."""

from __future__ import annotations

import re
import time

import pytest
import yaml

from rxtwin.data.scenarios import load_scenario, scenario_from_yaml
from rxtwin.report.headline import human_number
from rxtwin.runs.forms import ID_FIELDS, id_choices, rough_run_time_s
from rxtwin.runs.kinds import RUN_KINDS
from rxtwin.web import service

SMALL_COMPARE = {"kind": "resilience.compare", "n_years": "200", "chunk_size": "100",
                 "line_replications": "10", "seed": "3"}


def _launch_form(html: str, kind: str) -> str:
    start = html.index(f'id="launch-{kind.replace(".", "-")}"')
    return html[start:html.index("</form>", start)]


def test_every_id_parameter_of_every_run_kind_is_a_picker(client, scenario_hash):
    """Each parameter naming scenario ids offers exactly the scenario's ids."""
    scenario = load_scenario("generic_oral_solid")
    html = client.get(f"/scenarios/{scenario_hash}").text
    seen = 0
    for kind in RUN_KINDS.values():
        form = _launch_form(html, kind.name)
        for name in kind.params_model.model_fields:
            if name not in ID_FIELDS:
                continue
            seen += 1
            ids = [i for i, _ in id_choices(scenario, ID_FIELDS[name].collection)]
            offered = re.findall(rf'name="{name}" value="([^"]*)"', form) or re.findall(
                r'<option value="([^"]+)"', form[form.index(f'name="{name}"'):].split(
                    "</select>")[0])
            assert offered == ids, (kind.name, name)
            assert f'<input type="text" step="any" name="{name}"' not in form
    assert seen >= 10


def test_picker_labels_are_names_and_the_seed_is_under_advanced(client, scenario_hash):
    form = _launch_form(client.get(f"/scenarios/{scenario_hash}").text, "resilience.compare")
    assert "electronic batch records" in form  # an intervention's name beside its id
    advanced = form[form.index("<details"):form.index("</details>")]
    assert "random seed (same seed, same numbers" in advanced
    assert 'name="chunk_size"' in advanced
    assert "root seed entropy" not in form and "seed contract" not in form
    assert "Rough run time" in form


def test_rough_run_time_grows_with_the_work():
    scenario = load_scenario("generic_oral_solid")
    small = rough_run_time_s("resilience.compare", scenario, {"n_years": 200})
    large = rough_run_time_s("resilience.compare", scenario, {"n_years": 20000})
    fewer = rough_run_time_s("resilience.compare", scenario,
                             {"n_years": 20000, "technologies": ["continuous"],
                              "interventions": ["ebr"]})
    assert 0 < small < large and fewer < large
    assert rough_run_time_s("twin.simulate", scenario, {}) is None


@pytest.mark.parametrize("typed, stored", [("12", 0.12), ("7.5", 0.075), ("14.1", 0.141),
                                           ("0", 0.0), ("100", 1.0)])
def test_percent_fields_convert_exactly(client, scenario_hash, typed, stored):
    response = client.post(f"/scenarios/{scenario_hash}/edit",
                           data={"firm.hurdle_rate": typed}, follow_redirects=False)
    assert response.status_code == 303
    new_hash = response.headers["location"].rsplit("/", 1)[1]
    assert client.get(f"/api/scenarios/{new_hash}").json()["firm"]["hurdle_rate"] == stored
    assert service.percent_text(stored) == typed


def test_a_refused_edit_says_what_to_do_in_a_banner_and_beside_the_field(client,
                                                                         scenario_hash):
    response = client.post(f"/scenarios/{scenario_hash}/edit",
                           data={"firm.hurdle_rate": "500", "firm.tax_rate": "21"})
    assert response.status_code == 422
    html = response.text
    banner = html[html.index('id="error-banner"'):html.index("</div>",
                                                              html.index('id="error-banner"'))]
    assert "you entered 500 %" in banner and "12 % is 0.12" in banner
    assert html.index('id="error-banner"') < html.index("<h1>")
    edit = html[html.index('id="edit-form"'):html.index("</form>", html.index('id="edit-form"'))]
    assert 'class="field-error">hurdle rate must be' in edit
    assert 'name="firm.hurdle_rate" value="500"' in edit  # kept as typed


def test_a_refused_launch_keeps_the_picks_and_names_the_field_in_words(client,
                                                                       scenario_hash):
    data = {**SMALL_COMPARE, "technologies": ["advanced_batch", "continuous"],
            "seed": "-1"}
    response = client.post(f"/scenarios/{scenario_hash}/runs", data=data)
    assert response.status_code == 422
    html = response.text
    assert html.index('id="error-banner"') < html.index("<h1>")
    banner = html[html.index('id="error-banner"'):html.index("</ul>",
                                                              html.index('id="error-banner"'))]
    assert "random seed" in banner and "greater than or equal to 0" in banner
    form = _launch_form(html, "resilience.compare")
    assert 'value="advanced_batch" checked' in form and 'value="continuous" checked' in form
    assert 'value="modular" checked' not in form
    assert 'name="n_years" value="200"' in form
    assert "<details class=\"advanced\" open>" in form  # the seed's error is shown


def _run(client, scenario_hash, data) -> str:
    response = client.post(f"/scenarios/{scenario_hash}/runs", data=data,
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    run_id = response.headers["location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 120
    while client.get(f"/api/runs/{run_id}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert client.get(f"/api/runs/{run_id}").json()["status"] == "done"
    return run_id


def test_comparison_headline_matches_the_stored_table(client, scenario_hash):
    """The picked technologies are what ran, and the headline shows their numbers."""
    run_id = _run(client, scenario_hash, {
        **SMALL_COMPARE, "technologies": ["advanced_batch", "continuous", "modular"],
        "interventions": ["ebr"]})
    run = client.get(f"/api/runs/{run_id}").json()
    assert run["parameters"]["technologies"] == ["advanced_batch", "continuous", "modular"]
    assert run["parameters"]["interventions"] == ["ebr"]
    table = client.get(f"/api/runs/{run_id}/summaries/resilience_options").json()
    html = client.get(f"/runs/{run_id}").text
    headline = html[html.index('id="headline"'):html.index("</table>",
                                                           html.index('id="headline"'))]
    assert "shortage-days avoided per year [d/yr] ± 95 %" in headline
    for row in table:
        cell = (f"{human_number(row['shortage_days_avoided_per_yr'])} ± "
                f"{human_number(row['shortage_days_avoided_per_yr_ci95'], 2)}"
                if row["shortage_days_avoided_per_yr_ci95"] else
                human_number(row["shortage_days_avoided_per_yr"]))
        assert f">{row['option']}<" in headline and f">{cell}<" in headline
        assert f">{human_number(100 * row['oee'])} ± " in headline
    assert not re.search(r"\d\.\d{7,}|\de[+-]\d", headline)  # numbers for people
    figure = client.get(f"/api/runs/{run_id}/figures/avoided_by_cause").json()
    assert "[d/yr]" in figure["layout"]["yaxis"]["title"]["text"]
    assert "_" not in figure["layout"]["xaxis"]["title"]["text"]


def test_options_headline_in_million_usd(client, scenario_hash):
    run_id = _run(client, scenario_hash, {
        **SMALL_COMPARE, "kind": "econ.options", "n_draws": "50",
        "technologies": ["continuous"], "interventions": ["ebr"]})
    table = client.get(f"/api/runs/{run_id}/summaries/econ_options").json()
    html = client.get(f"/runs/{run_id}").text
    headline = html[html.index('id="headline"'):html.index("</table>",
                                                           html.index('id="headline"'))]
    assert "firm NPV at its hurdle rate [million USD]" in headline
    for row in table:
        assert f">{human_number(row['firm_npv_usd'] / 1e6)}<" in headline
        assert f">{row['verdict']}<" in headline


def test_edit_marks_provenance_diff_and_original_link(client, scenario_hash):
    before = client.get(f"/api/scenarios/{scenario_hash}").json()
    first = client.post(f"/scenarios/{scenario_hash}/edit", data={"firm.hurdle_rate": "12"},
                        follow_redirects=False).headers["location"].rsplit("/", 1)[1]
    second = client.post(f"/scenarios/{first}/edit", data={"firm.hurdle_rate": "10"},
                         follow_redirects=False).headers["location"].rsplit("/", 1)[1]
    sources = client.get(f"/api/scenarios/{second}").json()["sources"]
    old = before["sources"]["firm.hurdle_rate"]
    assert sources["firm.hurdle_rate"] == (
        "assumption: changed by the user (was 0.12; before: assumption: changed by the "
        f"user (was 0.15; before: {old}))")
    assert sources["firm.tax_rate"] == before["sources"]["firm.tax_rate"]  # untouched
    html = client.get(f"/scenarios/{second}").text
    changes = html[html.index('id="changes-table"'):html.index("</table>",
                                                               html.index('id="changes-table"'))]
    assert "15 % → 12 %" in changes and "<strong>10 %</strong>" in changes
    assert f'href="/scenarios/{scenario_hash}" id="original-link"' in html
    assert "15 % real" not in html.split('id="sources"')[1].split("changed by the user")[0]
    # Saving the same values again stores nothing new.
    again = client.post(f"/scenarios/{second}/edit", data={"firm.hurdle_rate": "10"},
                        follow_redirects=False)
    assert again.headers["location"].endswith(second)


def test_report_of_a_run_on_an_edited_scenario_prints_the_changed_provenance(
        client, scenario_hash):
    edited = client.post(f"/scenarios/{scenario_hash}/edit", data={"firm.hurdle_rate": "12"},
                         follow_redirects=False).headers["location"].rsplit("/", 1)[1]
    response = client.post("/api/runs", json={"kind": "supply.exposure",
                                               "scenario_hash": edited, "params": {}})
    run_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/runs/{run_id}").json()["status"] != "done":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    report = client.get(f"/api/runs/{run_id}/report").text
    assert "assumption: changed by the user (was 0.15; before: assumption: 15 % real" in report


def test_scenario_yaml_reads_back_equal_and_unknown_hash_is_404(client, scenario_hash):
    edited = client.post(f"/scenarios/{scenario_hash}/edit", data={"firm.tax_rate": "25"},
                         follow_redirects=False).headers["location"].rsplit("/", 1)[1]
    response = client.get(f"/api/scenarios/{edited}/yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert "attachment" in response.headers["content-disposition"]
    scenario = scenario_from_yaml(response.text)
    assert scenario.content_hash() == edited
    assert yaml.safe_load(response.text)["firm"]["tax_rate"] == 0.25
    assert f'href="/api/scenarios/{edited}/yaml"' in client.get(f"/scenarios/{edited}").text
    missing = client.get(f"/api/scenarios/{'0' * 64}/yaml")
    assert missing.status_code == 404 and "no scenario" in missing.json()["error"]["message"]
    operation = client.get("/openapi.json").json()["paths"]["/api/scenarios/{scenario_hash}/yaml"]
    assert {"200", "404"} <= set(operation["get"]["responses"])


def test_run_parameters_are_shown_for_people(client, scenario_hash):
    response = client.post("/api/runs", json={
        "kind": "econ.breakeven", "scenario_hash": scenario_hash,
        "params": {"param2_values": [0.25, 1.2999999999999998], "param_values": [1, 2],
                   "technologies": ["continuous"], "n_replications": 2, "seed": 1}})
    html = client.get(f"/runs/{response.json()['id']}").text
    parameters = html[html.index('id="parameters"'):html.index("</table>",
                                                               html.index('id="parameters"'))]
    assert "0.25, 1.3<" in parameters and "1.2999999999999998" not in parameters
