"""Who may do what, checked from the app's route table: every route (``app.routes``, so a
new route is covered by itself) for every role, tenants kept apart (another organisation's
run answers as one that does not exist, in words and in time), tokens that expire or are
revoked, logins rate-limited, CSRF tokens on forms, hostile ids never a 500. The consortium's
routes are among them: another organisation's submission key answers as a missing one."""

from __future__ import annotations

import re
import secrets
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from page_client import PageClient

from rxtwin.runs.accounts import add_user, issue_token, revoke_token
from rxtwin.runs.consortium import (
    register_organisation,
    release_statistic,
    submit_file,
)
from rxtwin.store import Store
from rxtwin.web.app import create_app
from rxtwin.web.auth import AuthConfig

from .conftest import SMALL_BREAKEVEN, wait_done

PASSWORD = "a long enough password"
LOGIN_ATTEMPTS = 3
# Routes anyone may call (the test's own list: making a route public fails this test until
# the list says so on purpose).
PUBLIC = {("GET", "/api/health"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
          ("GET", "/docs"), ("GET", "/static/plotly.min.js")}
NEEDS = {"GET": "read", "POST": "write", "DELETE": "admin"}
# Routes whose scope is not their method's (the test's own list, as for PUBLIC): a private
# query of the consortium's pool is a POST that reads.
READS = {("POST", "/api/consortium/queries"), ("POST", "/consortium/queries")}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")  # {name} or {name:path}
QUERY = {"statistic": "count", "field": "changeover_h", "group_by": [], "epsilon": 0.01,
         "bounds": [0, 48]}
ROLE_SCOPES = {"member": {"read", "write"}, "researcher": {"read"},
               "admin": {"read", "write", "admin"}}
USERS = {  # user: (organisation, role)
    "alice": ("acme", "member"), "rita": ("acme", "researcher"), "ada": ("acme", "admin"),
    "bob": ("globex", "member"), "bea": ("globex", "admin"),
}
OWNERS = ("alice", "rita", "ada")


@dataclass
class World:
    app: object
    store: Store
    tokens: dict[str, str]
    run_id: str
    scenario_hash: str
    names: dict[str, str]
    submission_key: str


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "runs.sqlite"
    store = Store.open(str(path))
    for org in ("acme", "globex"):
        register_organisation(store, org, epsilon_total=100.0)
    document = tmp_path_factory.mktemp("pool") / "acme.yaml"
    document.write_text(_submission_text("acme"), encoding="utf-8")
    submission_key = submit_file(store, document, "acme").key
    release = release_statistic(store, "median", "changeover_h", ["region"])
    tokens = {}
    for user, (org, role) in USERS.items():
        add_user(store, user, org, role, PASSWORD)
        tokens[user] = issue_token(store, user).token
    app = create_app(str(path), store=store, max_body_bytes=200_000,
                     auth=AuthConfig(mode="users", login_attempts=LOGIN_ATTEMPTS,
                                     login_window_s=60))
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {"Authorization": f"Bearer {tokens['alice']}"}
        # Content of acme's own (scenarios are content-addressed: another organisation
        # storing the same content owns it too).
        document = {"extends": "generic_oral_solid", "name": f"acme-{secrets.token_hex(4)}"}
        scenario_hash = client.post("/api/scenarios", headers=headers,
                                    json={"document": document}).json()["hash"]
        run_id = client.post("/api/runs", headers=headers, json={
            "kind": "econ.breakeven", "scenario_hash": scenario_hash,
            "params": SMALL_BREAKEVEN}).json()["id"]
        client.headers.update(headers)
        assert wait_done(client, run_id)["status"] == "done"
        names = {part: client.get(f"/api/runs/{run_id}/{part}", headers=headers).json()
                 for part in ("summaries", "arrays", "figures")}
        yield World(app, store, tokens, run_id, scenario_hash,
                    {"bundled": "generic_oral_solid", "releases": release.name,
                     **{part: (found[0] if found else "none") for part, found in names.items()}},
                    submission_key)
    store.close()


def _submission_text(organisation: str, unit_id: str = "L1") -> str:
    return (f"schema_version: 1\norganisation_id: {organisation}\nunit_kind: line\n"
            f"unit_id: {unit_id}\nperiod_yr: 2024\ndosage_form: oral_solid\n"
            "region: europe\nchangeover_h: 12.0\n")


def needs(method: str, template: str) -> str:
    return "read" if (method, template) in READS else NEEDS[method]


def _routes(routes, prefix: str = ""):
    """Every endpoint route, included routers opened (whatever way the framework keeps
    them)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _routes(included.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def operations(app) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app."""
    return sorted((method, path) for path, route in _routes(app.routes)
                  for method in route.methods if method != "HEAD")


def fill(world: World, method: str, template: str, run_id: str | None = None,
         scenario_hash: str | None = None, key: str | None = None) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "run_id":
            return run_id or world.run_id
        if name == "scenario_hash":
            return scenario_hash or world.scenario_hash
        if name == "key":
            return key or world.submission_key
        if name == "version":
            return "1"
        if name == "name":
            part = template[:match.start()].rstrip("/").rsplit("/", 1)[-1]
            return world.names[part]
        raise AssertionError(f"{method} {template}: no test value for {{{name}}}; add one")

    return PARAM.sub(value, template)


def request_kwargs(world: World, method: str, template: str, scenario_hash: str | None = None,
                   organisation: str = "acme") -> dict:
    """A plausible body for the routes that take one (a submission of ``organisation``, the
    caller's)."""
    scenario_hash = scenario_hash or world.scenario_hash
    submission = _submission_text(organisation, unit_id=f"L{secrets.token_hex(2)}").encode()
    bodies = {
        ("POST", "/api/runs"): {"json": {"kind": "econ.breakeven", "scenario_hash": scenario_hash,
                                         "params": SMALL_BREAKEVEN}},
        ("POST", "/api/scenarios"): {"json": {"document": {"extends": "generic_oral_solid"}}},
        ("POST", "/scenarios/bundled"): {"data": {"name": "generic_oral_solid"}},
        ("POST", "/scenarios/upload"): {"files": {"file": ("s.yaml",
                                                           b"extends: generic_oral_solid\n")}},
        ("POST", "/scenarios/{scenario_hash}/edit"): {"data": {"firm.hurdle_rate": "11"}},
        ("POST", "/scenarios/{scenario_hash}/runs"): {"data": {"kind": "econ.npv"}},
        ("POST", "/login"): {"data": {"user": "nobody", "password": "x"}},
        ("POST", "/logout"): {"data": {}},
        ("POST", "/runs/{run_id}/resume"): {"data": {}},
        ("POST", "/api/consortium/submissions"): {
            "content": submission, "headers": {"content-type": "application/yaml"}},
        ("POST", "/api/consortium/queries"): {"json": QUERY},
        ("POST", "/consortium/submissions"): {"files": {"file": ("s.yaml", submission)}},
        ("POST", "/consortium/queries"): {"data": {
            "statistic": "count", "field": "changeover_h", "epsilon": "0.01",
            "bound_low": "0", "bound_high": "48"}},
    }
    return bodies.get((method, template), {})


def client_as(world: World, user: str | None, api: bool) -> PageClient:
    client = PageClient(world.app, raise_server_exceptions=False, follow_redirects=False)
    if user is None:
        return client
    if api:
        client.headers["Authorization"] = f"Bearer {world.tokens[user]}"
    else:
        logged_in = client.post("/login", data={"user": user, "password": PASSWORD})
        assert logged_in.status_code == 303, logged_in.text
    return client


def sacrificial_run(world: World, organisation: str) -> str:
    return world.store.create_run("econ.breakeven", None, {}, None, organisation_id=organisation)


def call(world: World, user: str | None, method: str, template: str,
         run_id: str | None = None) -> tuple[int, str, dict]:
    api = template.startswith("/api")
    client = client_as(world, user, api)
    if method == "DELETE" and run_id is None:
        run_id = sacrificial_run(world, "acme")
    url = fill(world, method, template, run_id=run_id)
    organisation = USERS[user][0] if user else "acme"
    answer = client.request(method, url, **request_kwargs(world, method, template,
                                                          organisation=organisation))
    return answer.status_code, answer.text, dict(answer.headers)


def _names_a_resource(method: str, template: str) -> bool:
    return ("{run_id}" in template or "{scenario_hash}" in template or "{key" in template
            or (method, template) == ("POST", "/api/runs"))


def test_the_route_table_is_what_this_test_covers(world):
    listed = operations(world.app)
    assert len(listed) >= 25 and set(PUBLIC) <= set(listed)
    assert ("DELETE", "/api/runs/{run_id}") in listed


def test_anonymous_requests_get_only_the_public_routes(world):
    wrong = []
    for method, template in operations(world.app):
        status, text, headers = call(world, None, method, template)
        if (method, template) in PUBLIC:
            ok = (status != 403 and "authentication required" not in text
                  and "/login?next=" not in headers.get("location", ""))
        elif template.startswith("/api"):
            ok = status == 401 and headers.get("www-authenticate") == "Bearer"
        elif method == "GET":
            ok = status == 303 and headers["location"].startswith("/login?next=")
        else:
            ok = status == 401
        if not ok:
            wrong.append((method, template, status, text[:120]))
    assert wrong == []


@pytest.mark.parametrize("user", OWNERS)
def test_each_role_of_the_owning_organisation_gets_what_its_scopes_allow(world, user):
    scopes = ROLE_SCOPES[USERS[user][1]]
    wrong = []
    for method, template in operations(world.app):
        status, text, _ = call(world, user, method, template)
        if (method, template) in PUBLIC:
            continue
        if needs(method, template) not in scopes:
            ok = status == 403 and "scope" in text
        else:
            ok = status not in (401, 403) and not (
                status == 404 and ("no run with id" in text or "no scenario with hash" in text
                                   or "has no submission" in text))
        if not ok:
            wrong.append((method, template, status, text[:160]))
    assert wrong == []


@pytest.mark.parametrize("user", ["bob", "bea"])
def test_another_organisation_cannot_reach_the_runs_and_scenarios_of_the_first(world, user):
    scopes = ROLE_SCOPES[USERS[user][1]]
    ghost_run, ghost_hash = secrets.token_hex(16), secrets.token_hex(32)
    ghost_key = f"acme/line/L{secrets.token_hex(4)}/2024"
    wrong = []
    for method, template in operations(world.app):
        if (method, template) in PUBLIC:
            continue
        mine = sacrificial_run(world, "acme") if method == "DELETE" else world.run_id
        status, text, _ = call(world, user, method, template, mine)
        if needs(method, template) not in scopes:
            ok = status == 403
        elif _names_a_resource(method, template):
            # The same answer as for a run, a scenario, a submission that do not exist.
            client = client_as(world, user, template.startswith("/api"))
            ghost = client.request(
                method, fill(world, method, template, ghost_run, ghost_hash, ghost_key),
                **request_kwargs(world, method, template, ghost_hash))
            ok = status == ghost.status_code == 404 and text.replace(
                mine, ghost_run).replace(world.scenario_hash, ghost_hash).replace(
                world.submission_key, ghost_key) == ghost.text
        else:
            ok = status not in (401, 403, 404)
        if not ok:
            wrong.append((method, template, status, text[:160]))
    assert wrong == []
    # ... and nothing of the first organisation is listed.
    api, pages = client_as(world, user, True), client_as(world, user, False)
    listed = [api.get("/api/runs").text, api.get("/api/scenarios").text,
              api.get("/api/consortium/submissions").text,
              pages.get("/runs").text, pages.get("/").text, pages.get("/consortium").text]
    assert not any(world.run_id in text or world.scenario_hash in text
                   or world.submission_key in text for text in listed)
    assert world.store.get_run(world.run_id).status == "done"  # still there, untouched


def test_another_organisations_run_takes_as_long_to_refuse_as_a_missing_one(world):
    client = client_as(world, "bob", True)
    ghost = secrets.token_hex(16)
    times: dict[str, list[float]] = {"theirs": [], "missing": []}
    for _ in range(3):  # warm up
        client.get(f"/api/runs/{world.run_id}")
        client.get(f"/api/runs/{ghost}")
    for _ in range(40):
        for what, run_id in (("theirs", world.run_id), ("missing", ghost)):
            started = time.perf_counter()
            assert client.get(f"/api/runs/{run_id}").status_code == 404
            times[what].append(time.perf_counter() - started)
    theirs, missing = (statistics.median(times[k]) for k in ("theirs", "missing"))
    # Generous: the medians within 2 ms or a factor of 1.5 of each other (a lookup that
    # fetched or checked the run would add the cost of reading it).
    assert abs(theirs - missing) < max(0.002, 0.5 * min(theirs, missing)), (theirs, missing)


def test_a_token_stops_working_when_it_expires_or_is_revoked(world):
    client = TestClient(world.app, raise_server_exceptions=False)
    short = issue_token(world.store, "alice", valid_for=timedelta(seconds=1.5)).token
    kept = issue_token(world.store, "alice")
    for token in (short, kept.token):
        assert client.get("/api/runs", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 200
    time.sleep(1.6)
    expired = client.get("/api/runs", headers={"Authorization": f"Bearer {short}"})
    assert expired.status_code == 401 and "revoked or expired" in expired.json()["error"]["message"]
    assert revoke_token(world.store, kept.prefix) is True
    revoked = client.get("/api/runs", headers={"Authorization": f"Bearer {kept.token}"})
    assert revoked.status_code == 401
    forged = kept.token[:-4] + "AAAA"
    assert client.get("/api/runs", headers={"Authorization": f"Bearer {forged}"}
                      ).status_code == 401


def test_a_read_only_token_cannot_write(world):
    client = TestClient(world.app, raise_server_exceptions=False)
    token = issue_token(world.store, "alice", ("read",)).token
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/runs", headers=headers).status_code == 200
    refused = client.post("/api/scenarios/bundled/metformin", headers=headers)
    assert refused.status_code == 403 and "'write' scope" in refused.json()["error"]["message"]


def test_a_token_beyond_the_role_is_not_issued(world):
    with pytest.raises(ValueError, match="beyond the role 'researcher'"):
        issue_token(world.store, "rita", ("write",))


def test_repeated_failed_logins_are_refused_for_a_while(world):
    client = PageClient(world.app, raise_server_exceptions=False, follow_redirects=False)
    for _ in range(LOGIN_ATTEMPTS):
        failed = client.post("/login", data={"user": "rita", "password": "wrong guess 123"})
        assert failed.status_code == 401 and "wrong user name or password" in failed.text
    limited = client.post("/login", data={"user": "rita", "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    other = client.post("/login", data={"user": "ada", "password": PASSWORD})
    assert other.status_code == 303  # another user from the same client is not held up


def test_the_login_cookie_is_httponly_lax_and_a_form_needs_its_csrf_token(world):
    client = client_as(world, "alice", False)
    login = PageClient(world.app, follow_redirects=False).post(
        "/login", data={"user": "alice", "password": PASSWORD})
    set_cookie = login.headers["set-cookie"]
    assert "rxtwin_login=" in set_cookie and "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie and "Secure" not in set_cookie  # loopback test app
    url = f"/scenarios/{world.scenario_hash}/edit"
    bare = TestClient(world.app, raise_server_exceptions=False, cookies=client.cookies)
    missing = bare.post(url, data={"firm.hurdle_rate": "13"})
    wrong = bare.post(url, data={"firm.hurdle_rate": "13", "csrf_token": "x" * 43})
    assert missing.status_code == wrong.status_code == 403
    assert "CSRF token" in missing.text
    cross = client.post(url, data={"firm.hurdle_rate": "13"},
                        headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert client.post(url, data={"firm.hurdle_rate": "13"}).status_code == 303


def test_cookies_are_secure_off_the_loopback_interface(tmp_path):
    store = Store.open(str(tmp_path / "s.sqlite"))
    register_organisation(store, "acme")
    add_user(store, "alice", "acme", "member", PASSWORD)
    app = create_app("", store=store, auth=AuthConfig(mode="users", secure_cookies=True))
    with PageClient(app, base_url="https://testserver", follow_redirects=False) as client:
        login = client.post("/login", data={"user": "alice", "password": PASSWORD})
    assert login.status_code == 303
    assert all("Secure" in v for v in login.headers.get_list("set-cookie"))
    store.close()


def test_a_form_post_without_the_csrf_token_is_refused_in_local_mode_too(client):
    bare = TestClient(client.app, raise_server_exceptions=False)
    assert bare.get("/").status_code == 200
    refused = bare.post("/scenarios/bundled", data={"name": "metformin"})
    assert refused.status_code == 403
    cross = bare.post("/api/scenarios/bundled/metformin",
                      headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403  # a page elsewhere cannot drive the local API
    assert client.post("/scenarios/bundled", data={"name": "metformin"}).status_code == 200


HOSTILE_IDS = ["' OR '1'='1", "1; DROP TABLE runs; --", "../../../etc/passwd",
               "..\\..\\windows\\win.ini", "%00", "\x00", "a" * 3000, "😀"]


def test_hostile_ids_answer_404_or_422_never_500(world):
    api, pages = client_as(world, "ada", True), client_as(world, "ada", False)
    wrong = []
    for method, template in operations(world.app):
        if "{" not in template:
            continue
        for hostile in HOSTILE_IDS:
            text = quote(hostile, safe="")
            url = PARAM.sub(text, template)
            client = api if template.startswith("/api") else pages
            answer = client.request(method, url, **request_kwargs(world, method, template))
            if answer.status_code not in (404, 422):
                wrong.append((method, template, hostile[:20], answer.status_code))
    assert wrong == []
    assert world.store.get_run(world.run_id).status == "done"  # no table was harmed


def test_local_mode_answers_only_requests_addressed_to_the_loopback_names(tmp_path):
    # A page whose own name resolves to 127.0.0.1 (DNS rebinding) sends its own name as
    # Host and Origin: same-origin in the browser's eyes, refused here.
    app = create_app(str(tmp_path / "s.sqlite"),
                     auth=AuthConfig(mode="local", allowed_hosts=("127.0.0.1", "localhost")))
    with TestClient(app, base_url="http://127.0.0.1:8000") as local:
        assert local.get("/api/runs").status_code == 200
    with TestClient(app, base_url="http://rebound.example:8000") as rebound:
        refused = rebound.get("/api/runs")
        assert refused.status_code == 403 and "rebound.example" in refused.json()["error"]["message"]
        assert rebound.get("/").status_code == 403
        assert rebound.get("/api/health").status_code == 403  # public routes too
