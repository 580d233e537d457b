"""The API answers as its OpenAPI schema says: schemathesis generates requests for every
operation from ``/openapi.json`` and checks each answer's status code (declared for that
operation), its body (valid against the declared schema), its content type and headers,
and that no answer is a 500. Bounded: a few examples per operation, derandomised under
``CI=true`` (the suite's Hypothesis profile). The app asks for logins (``users`` mode);
every generated request carries an admin's bearer token, so it reaches every operation."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rxtwin.runs.accounts import add_user, issue_token
from rxtwin.runs.consortium import register_organisation, release_statistic
from rxtwin.store import Store
from rxtwin.web.app import create_app
from rxtwin.web.auth import AuthConfig
from rxtwin.web.routers import api, consortium

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance,
          content_type_conformance, response_headers_conformance]
# 25 operations x this many examples: about a minute on 2 cores.
EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def admin_token(tmp_path_factory):
    """A store with an organisation (in the consortium's pool, with a privacy budget that
    the generated queries cannot spend in full) and its admin; the admin's token (every
    scope)."""
    path = tmp_path_factory.mktemp("schema") / "runs.sqlite"
    with Store.open(str(path)) as store:
        register_organisation(store, "acme", epsilon_total=1e6)
        add_user(store, "ada", "acme", "admin")
        return str(path), issue_token(store, "ada").token


@pytest.fixture(scope="module")
def auth_headers(admin_token):
    return {"Authorization": f"Bearer {admin_token[1]}"}


@pytest.fixture(scope="module")
def web_app(admin_token, auth_headers):
    """An app on a fresh store holding one bundled scenario, one submission to the pool and
    one released statistic; no workers, so a run the
    generator manages to launch stays queued (and a full queue answers 429)."""
    app = create_app(admin_token[0], start_workers=False, queue_size=4,
                     max_body_bytes=200_000, auth=AuthConfig(mode="users"))
    with TestClient(app, headers=auth_headers) as client:
        assert client.post("/api/scenarios/bundled/generic_oral_solid").status_code == 201
        submitted = client.post("/api/consortium/submissions", json={
            "schema_version": 1, "organisation_id": "acme", "unit_kind": "line",
            "unit_id": "L1", "period_yr": 2024, "dosage_form": "oral_solid",
            "region": "europe", "changeover_h": 12.0})
        assert submitted.status_code == 201
        release_statistic(app.state.store, "median", "changeover_h", ["region"])
        yield app


@pytest.fixture(scope="module")
def api_schema(web_app):
    return schemathesis.openapi.from_asgi("/openapi.json", web_app)


# Every operation of the API, named as the schema names it (one test each).
OPERATIONS = sorted((method, route.path.replace(":path}", "}"))
                    for router in (api.router, consortium.router) for route in router.routes
                    if isinstance(route, APIRoute) for method in route.methods)


def test_the_schema_lists_every_operation(api_schema):
    listed = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert listed == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_answer_is_declared_in_the_schema(api_schema, auth_headers, method, path):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=auth_headers, checks=CHECKS)

    check()


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PUT", "/api/runs", {"GET", "POST"}),
    ("PUT", "/api/health", {"GET"}),
    ("GET", "/api/runs/" + "0" * 32 + "/resume", {"POST"}),
    ("PATCH", "/runs", {"GET"}),
])
def test_a_wrong_method_answers_405_with_the_allowed_ones(web_app, auth_headers, method, path,
                                                          allowed):
    with TestClient(web_app, headers=auth_headers) as client:
        answer = client.request(method, path)
    assert answer.status_code == 405
    assert set(answer.headers["allow"].replace(" ", "").split(",")) == allowed
    if path.startswith("/api"):
        assert answer.json()["error"]["status"] == 405
    else:
        assert answer.headers["content-type"].startswith("text/html")
