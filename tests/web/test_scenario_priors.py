"""A scenario uploaded to the web app (API or page) with references to released consortium
statistics takes them from the app's pool; a reference that cannot be resolved is a 422
naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from page_client import PageClient

from rxtwin.runs.consortium_demo import run_consortium_demo
from rxtwin.store import Store
from rxtwin.web.app import create_app

REFERENCE = "changeover_h.triangular.by.dosage_form@1"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    out = tmp_path_factory.mktemp("web-priors")
    db = out / "pool.sqlite"
    with Store.open(db) as store:
        demo = run_consortium_demo(store, out, n_replications=10, with_logins=False)
    released = next(c for c in demo.releases[0].body["cells"]
                    if c["group"] == {"dosage_form": "oral_solid"})["distribution"]
    return db, yaml.safe_load(demo.scenario_file.read_text()), released


@pytest.fixture
def client(seeded):
    app = create_app(str(seeded[0]), max_body_bytes=2_000_000)
    with PageClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_api_stores_the_scenario_with_its_priors_resolved(client, seeded) -> None:
    _, document, released = seeded
    response = client.post("/api/scenarios", json={"document": document})
    assert response.status_code == 201, response.text
    stored = client.get(f"/api/scenarios/{response.json()['hash']}").json()
    batch = next(t for t in stored["technologies"] if t["id"] == "batch")
    assert batch["changeover_h"] == released
    assert stored["sources"]["technologies.batch.changeover_h"] == (
        f"source: consortium:{REFERENCE} (dosage_form=oral_solid)")


def test_an_unknown_version_is_a_422_that_names_the_reference(client, seeded) -> None:
    _, document, _ = seeded
    text = yaml.safe_dump(document).replace(REFERENCE, REFERENCE[:-1] + "7")
    response = client.post("/api/scenarios", json={"document": yaml.safe_load(text)})
    assert response.status_code == 422
    error = response.json()["error"]
    assert any(REFERENCE[:-1] + "7" in str(p) for p in error["problems"]), error
    page = client.post("/scenarios/upload",
                       files={"file": ("pooled.yaml", text.encode(), "application/yaml")})
    assert page.status_code == 422 and REFERENCE[:-1] + "7" in page.text
    assert "Traceback" not in page.text + response.text


def test_the_page_upload_resolves_the_priors(client, seeded) -> None:
    _, document, _ = seeded
    page = client.post("/scenarios/upload", files={
        "file": ("pooled.yaml", yaml.safe_dump(document).encode(), "application/yaml")})
    assert page.status_code == 200 and "Launch a run" in page.text
    assert f"consortium:{REFERENCE}" in page.text  # the provenance, under the sources


def test_the_run_page_lists_the_priors_of_its_scenario(client, seeded, tmp_path) -> None:
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.runs.consortium import load_scenario_with_priors
    from rxtwin.runs.line import run_line_simulation

    db, document, _ = seeded
    path = tmp_path / "pooled.yaml"
    path.write_text(yaml.safe_dump(document))
    with Store.open(db) as store:  # runs of the local user, whom the client acts as
        pooled = load_scenario_with_priors(path, store).scenario
        [with_priors] = run_line_simulation(store, pooled, line_id=pooled.lines[0].id,
                                            technology_ids=["batch"], n_replications=5,
                                            entropy=1)
        bundled = load_scenario("generic_oral_solid")
        [without] = run_line_simulation(store, bundled, line_id=bundled.lines[0].id,
                                        technology_ids=["batch"], n_replications=5,
                                        entropy=1)
    page = client.get(f"/runs/{with_priors.run_id}")
    assert page.status_code == 200
    assert 'id="priors"' in page.text and f"{REFERENCE}" in page.text
    assert "<code>technologies.batch.changeover_h</code>" in page.text
    plain = client.get(f"/runs/{without.run_id}")
    assert plain.status_code == 200 and 'id="priors"' not in plain.text
