"""The consortium's pool through the API (``/api/consortium``): submissions stored for the
caller's organisation only and read back by it only (another's key answers as a missing
one), uploads refused with each problem named, released statistics without their private
records, private queries charged to the organisation's budget until it is spent, and the
audit log naming the user who acted."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from hostile_documents import DEPTH_REASON, MAX_NODES_REASON, _deep_block, _laughs

from rxtwin.errors import InputError
from rxtwin.runs.accounts import add_user, issue_token
from rxtwin.runs.consortium import register_organisation, release_statistic, submit_file
from rxtwin.store import ConsortiumPool, Store
from rxtwin.web.app import create_app
from rxtwin.web.auth import AuthConfig

USERS = {"alice": ("acme", "member"), "rita": ("acme", "researcher"),
         "bob": ("globex", "member"), "nina": ("nobudget", "member")}
YAML = {"content-type": "application/yaml"}
QUERY = {"statistic": "mean", "field": "changeover_h", "group_by": ["region"],
         "epsilon": 0.4, "bounds": [0, 48]}


def document(organisation: str, unit_id: str = "L1", changeover_h: float = 12.0,
             region: str = "europe") -> dict:
    return {"schema_version": 1, "organisation_id": organisation, "unit_kind": "line",
            "unit_id": unit_id, "period_yr": 2024, "dosage_form": "oral_solid",
            "region": region, "changeover_h": changeover_h}


def yaml_text(data: dict) -> bytes:
    return "".join(f"{k}: {v}\n" for k, v in data.items()).encode()


@dataclass
class Pool:
    store: Store
    clients: dict[str, TestClient]
    path: str


@pytest.fixture
def pool(tmp_path):
    path = tmp_path / "runs.sqlite"
    store = Store.open(str(path))
    register_organisation(store, "acme", epsilon_total=1.0)
    register_organisation(store, "globex", epsilon_total=1.0)
    register_organisation(store, "nobudget")
    tokens = {}
    for user, (org, role) in USERS.items():
        add_user(store, user, org, role)
        tokens[user] = issue_token(store, user).token
    app = create_app(str(path), store=store, auth=AuthConfig(mode="users"))
    clients = {user: TestClient(app, raise_server_exceptions=False,
                                headers={"Authorization": f"Bearer {token}"})
               for user, token in tokens.items()}
    with clients["alice"]:
        yield Pool(store, clients, str(tmp_path))
    store.close()


def test_a_member_submits_yaml_or_json_and_reads_every_version_back(pool):
    alice = pool.clients["alice"]
    first = alice.post("/api/consortium/submissions", content=yaml_text(document("acme")),
                       headers=YAML)
    assert first.status_code == 201
    assert first.json() == {"key": "acme/line/L1/2024", "version": 1, "new": True}
    again = alice.post("/api/consortium/submissions", json=document("acme"))
    assert again.json() == {"key": "acme/line/L1/2024", "version": 1, "new": False}
    changed = alice.post("/api/consortium/submissions", json=document("acme", changeover_h=13))
    assert changed.status_code == 201 and changed.json()["version"] == 2

    listed = alice.get("/api/consortium/submissions").json()
    assert [(s["key"], s["version"], s["figures"]) for s in listed] == [
        ("acme/line/L1/2024", 1, {"changeover_h": 12.0}),
        ("acme/line/L1/2024", 2, {"changeover_h": 13.0})]
    latest = alice.get("/api/consortium/submissions/acme/line/L1/2024").json()
    assert latest["version"] == 2 and latest["submission"]["region"] == "europe"
    old = alice.get("/api/consortium/submissions/acme/line/L1/2024", params={"version": 1})
    assert old.json()["figures"] == {"changeover_h": 12.0}
    # a researcher of the organisation reads its submissions too, but cannot submit
    rita = pool.clients["rita"]
    assert len(rita.get("/api/consortium/submissions").json()) == 2
    refused = rita.post("/api/consortium/submissions", json=document("acme", "L2"))
    assert refused.status_code == 403 and "'write' scope" in refused.json()["error"]["message"]


def test_a_document_of_another_organisation_is_refused_with_the_clis_words(pool, tmp_path):
    bob = pool.clients["bob"]
    bob.post("/api/consortium/submissions", json=document("globex"))
    answer = bob.post("/api/consortium/submissions", json=document("acme", changeover_h=99))
    assert answer.status_code == 422
    error = answer.json()["error"]
    file = tmp_path / "acme.yaml"
    file.write_bytes(yaml_text(document("acme", changeover_h=99)))
    with pytest.raises(InputError) as cli:
        submit_file(pool.store, file, "globex")
    [problem] = cli.value.problems
    assert error["message"] == problem.line().replace(str(file), "<request body>")
    assert error["problems"] == [{"path": "organisation_id", "rule": problem.rule,
                                  "message": error["message"]}]
    assert "must be the submitting organisation 'globex'" in error["message"]
    # the attempt is in the audit log, by the user; nothing was written for either
    refused = [e for e in ConsortiumPool(pool.store).audit_entries()
               if e.action == "submission.write.refused"]
    assert [(e.actor, e.target) for e in refused][0] == ("globex/bob", "acme/line/L1/2024")
    assert ConsortiumPool(pool.store).list_submissions("acme") == []
    assert [r.key for r in ConsortiumPool(pool.store).list_submissions("globex")] == [
        "globex/line/L1/2024"]


def test_each_problem_of_an_upload_is_named_with_its_field_value_and_rule(pool):
    bad = {**document("acme"), "period_yr": 1800, "changeover_h": True, "oee_pct": 80}
    answer = pool.clients["alice"].post("/api/consortium/submissions", json=bad)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["message"] == "invalid submission <request body>: 3 problem(s)"
    by_path = {p["path"]: p for p in error["problems"]}
    assert set(by_path) == {"period_yr", "changeover_h", "oee_pct"}
    assert "greater than or equal to 1990" in by_path["period_yr"]["rule"]
    assert "(got 1800)" in by_path["period_yr"]["message"]
    assert "(got True)" in by_path["changeover_h"]["message"]
    # the reader's limits are the scenario upload's: a broken limit answers 413
    bomb = pool.clients["alice"].post("/api/consortium/submissions", content=_laughs(6),
                                      headers=YAML)
    assert bomb.status_code == 413 and MAX_NODES_REASON in bomb.json()["error"]["message"]
    deep = pool.clients["alice"].post("/api/consortium/submissions",
                                      content=_deep_block(100), headers=YAML)
    assert deep.status_code == 413 and DEPTH_REASON in deep.json()["error"]["message"]
    duplicate = pool.clients["alice"].post(
        "/api/consortium/submissions", content=b'{"unit_id": "L1", "unit_id": "L2"}',
        headers={"content-type": "application/json"})
    assert duplicate.status_code == 422 and "unit_id" in duplicate.json()["error"]["message"]
    listing = pool.clients["alice"].post("/api/consortium/submissions", content=b"- 1\n- 2\n",
                                         headers=YAML)
    assert listing.status_code == 422
    assert ConsortiumPool(pool.store).list_submissions("acme") == []


def test_firms_cannot_list_read_or_overwrite_each_others_submissions(pool):
    alice, bob = pool.clients["alice"], pool.clients["bob"]
    assert alice.post("/api/consortium/submissions", json=document("acme")).status_code == 201
    assert bob.post("/api/consortium/submissions", json=document("globex", changeover_h=40)
                    ).status_code == 201
    # listing: only one's own
    assert [s["key"] for s in bob.get("/api/consortium/submissions").json()] == [
        "globex/line/L1/2024"]
    assert "acme" not in bob.get("/api/consortium/submissions").text
    # reading: another's key answers exactly as a key that does not exist
    theirs = bob.get("/api/consortium/submissions/acme/line/L1/2024")
    missing = bob.get("/api/consortium/submissions/acme/line/L7/2024")
    malformed = bob.get("/api/consortium/submissions/acme/line/L1")
    assert theirs.status_code == missing.status_code == malformed.status_code == 404
    assert theirs.json()["error"]["message"] == \
        "organisation 'globex' has no submission 'acme/line/L1/2024'"
    assert theirs.text.replace("L1/2024", "L7/2024") == missing.text
    assert "12" not in theirs.text
    versioned = bob.get("/api/consortium/submissions/acme/line/L1/2024", params={"version": 1})
    assert versioned.json()["error"]["message"].endswith("'acme/line/L1/2024' version 1")
    # overwriting: a document naming acme is refused, acme's submission stays as it was
    assert bob.post("/api/consortium/submissions",
                    json=document("acme", changeover_h=99)).status_code == 422
    assert bob.post("/api/consortium/submissions", content=yaml_text(document("acme", "L1", 99)),
                    headers=YAML).status_code == 422
    mine = alice.get("/api/consortium/submissions").json()
    assert [(s["version"], s["figures"]) for s in mine] == [(1, {"changeover_h": 12.0})]


def test_releases_are_public_cells_with_reasons_and_never_the_private_records(pool):
    pool.clients["alice"].post("/api/consortium/submissions", json=document("acme"))
    pool.clients["bob"].post("/api/consortium/submissions", json=document("globex"))
    release_statistic(pool.store, "sum", "changeover_h", ["region"])
    rita = pool.clients["rita"]
    listed = rita.get("/api/consortium/releases").json()
    assert [(r["name"], r["version"], r["mode"], r["group_by"]) for r in listed] == [
        ("changeover_h.sum.by.region", 1, "rules", ["region"])]
    answer = rita.get("/api/consortium/releases/changeover_h.sum.by.region/1")
    assert answer.status_code == 200
    [cell] = answer.json()["cells"]
    assert cell["group"] == {"region": "europe"} and cell["released"] is False
    assert cell["value"] is None
    assert cell["reason"].startswith(
        "threshold rule: 2 organisations contribute, at least 5 are needed; (2, 85) dominance")
    text = answer.text
    for private in ("records", "submission_keys", "organisation_ids", "acme", "globex"):
        assert private not in text
    # a version that does not exist names the versions there are; a bad version is 422
    gone = rita.get("/api/consortium/releases/changeover_h.sum.by.region/7")
    assert gone.status_code == 404 and "versions of 'changeover_h.sum.by.region': 1" in \
        gone.json()["error"]["message"]
    assert rita.get("/api/consortium/releases/nothing.here/1").status_code == 404
    assert rita.get("/api/consortium/releases/changeover_h.sum.by.region/one"
                    ).status_code == 422


def test_a_researcher_asks_private_queries_until_the_budget_is_spent(pool):
    for user, org in (("alice", "acme"), ("bob", "globex")):
        pool.clients[user].post("/api/consortium/submissions", json=document(org))
    rita = pool.clients["rita"]
    for version in (1, 2):
        answer = rita.post("/api/consortium/queries", json=QUERY)
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["release"]["name"] == "changeover_h.mean.by.region.dp"
        assert body["release"]["version"] == version and body["release"]["mode"] == "dp"
        assert len(body["release"]["cells"]) == 6  # every declared region
        assert "charged_to" not in body["release"]["rules"]
    assert body["ledger"]["epsilon_remaining"] == pytest.approx(0.2)
    over = rita.post("/api/consortium/queries", json=QUERY)
    assert over.status_code == 409
    message = over.json()["error"]["message"]
    assert "privacy budget of tenant 'acme' exceeded" in message
    assert "needs epsilon 0.4, 0.2 of 1 is left" in message
    assert over.json()["error"]["problems"][0]["path"] == "epsilon"
    ledger = rita.get("/api/consortium/ledger").json()
    assert ledger["epsilon_total"] == 1.0 and ledger["epsilon_spent"] == pytest.approx(0.8)
    assert len(ledger["queries"]) == 12  # 2 queries x 6 regions, nothing for the refusal
    # a smaller query still fits; the other organisation's budget is untouched
    small = rita.post("/api/consortium/queries", json={**QUERY, "epsilon": 0.2})
    assert small.status_code == 201
    assert pool.clients["bob"].get("/api/consortium/ledger").json()["epsilon_spent"] == 0.0


@pytest.mark.parametrize(("change", "path", "words"), [
    ({"field": "oee_pct"}, "field", "not a pooled figure"),
    ({"group_by": ["period_yr"]}, "group_by.0", "Input should be"),
    ({"statistic": "median"}, "statistic", "Input should be"),
    ({"epsilon": 0}, "epsilon", "greater than or equal to 0.001"),
    ({"epsilon": True}, "epsilon", "valid number"),
    ({"epsilon": "0.1"}, "epsilon", "valid number"),
    ({"bounds": [48, 0]}, "bounds", "LOW < HIGH"),
    ({"bounds": [0]}, "bounds", "at least 2"),
    ({"bounds": [0, 1e300]}, "bounds.1", "less than or equal to"),
    ({"extra": 1}, "extra", "Extra inputs"),
])
def test_a_bad_query_is_refused_naming_its_field_and_charges_nothing(pool, change, path, words):
    pool.clients["alice"].post("/api/consortium/submissions", json=document("acme"))
    answer = pool.clients["alice"].post("/api/consortium/queries", json={**QUERY, **change})
    assert answer.status_code == 422
    problems = answer.json()["error"]["problems"]
    assert [p["path"] for p in problems] == [path]
    assert words in problems[0]["rule"]
    assert pool.clients["alice"].get("/api/consortium/ledger").json()["epsilon_spent"] == 0.0


def test_an_organisation_without_a_budget_reads_its_ledger_and_cannot_ask(pool):
    nina = pool.clients["nina"]
    pool.clients["alice"].post("/api/consortium/submissions", json=document("acme"))
    assert nina.get("/api/consortium/ledger").json() == {
        "organisation_id": "nobudget", "epsilon_total": None, "epsilon_spent": 0.0,
        "epsilon_remaining": 0.0, "queries": []}
    refused = nina.post("/api/consortium/queries", json=QUERY)
    assert refused.status_code == 409 and "no privacy budget" in refused.json()["error"]["message"]


def test_every_read_and_write_is_audited_with_the_user_as_actor(pool):
    alice, bob, rita = (pool.clients[u] for u in ("alice", "bob", "rita"))
    alice.post("/api/consortium/submissions", json=document("acme"))
    bob.post("/api/consortium/submissions", json=document("globex"))
    alice.get("/api/consortium/submissions")
    bob.get("/api/consortium/submissions/acme/line/L1/2024")
    rita.post("/api/consortium/queries", json=QUERY)
    rita.get("/api/consortium/releases/changeover_h.mean.by.region.dp/1")
    pool_ = ConsortiumPool(pool.store)
    entries = [(e.actor, e.action, e.target) for e in pool_.audit_entries()
               if e.actor != "consortium"]
    assert entries[:4] == [
        ("acme/alice", "submission.write", "acme/line/L1/2024"),
        ("globex/bob", "submission.write", "globex/line/L1/2024"),
        ("acme/alice", "submission.list", "acme"),
        ("globex/bob", "submission.read", "acme/line/L1/2024")]
    actions = [(actor, action) for actor, action, _ in entries[4:]]
    assert actions == [("acme/rita", "privacy.spend"), ("acme/rita", "release.write"),
                       ("acme/rita", "release.read"), ("acme/rita", "release.read")]
    assert pool_.verify_audit_log().ok


def test_an_organisation_outside_the_pool_reads_releases_but_gets_403_elsewhere(tmp_path):
    # local mode: the organisation 'local' is not registered until the operator does it
    app = create_app(str(tmp_path / "runs.sqlite"))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/consortium/releases").json() == []
        for method, url, kwargs in [
                ("GET", "/api/consortium/submissions", {}),
                ("GET", "/api/consortium/submissions/local/line/L1/2024", {}),
                ("GET", "/api/consortium/ledger", {}),
                ("POST", "/api/consortium/submissions", {"json": document("local")}),
                ("POST", "/api/consortium/queries", {"json": QUERY})]:
            answer = client.request(method, url, **kwargs)
            assert answer.status_code == 403, (url, answer.text)
            assert answer.json()["error"]["message"] == (
                "organisation 'local' is not registered in the consortium pool; the "
                "consortium's operator registers it (rxtwin consortium register local)")
        register_organisation(app.state.store, "local")
        stored = client.post("/api/consortium/submissions", json=document("local"))
        assert stored.status_code == 201 and json.loads(stored.text)["version"] == 1
