"""The consortium's page (``/consortium``): released tables with suppressed cells and their
reasons, the organisation's own submissions, an upload form for members only, the privacy
ledger and a private-query form; refusals shown in a banner on the page."""

from __future__ import annotations

import re

import pytest
from page_client import PageClient

from rxtwin.runs.accounts import add_user
from rxtwin.runs.consortium import register_organisation, release_statistic, submit_file
from rxtwin.store import Store
from rxtwin.web.app import create_app
from rxtwin.web.auth import AuthConfig

PASSWORD = "a long enough password"
SUBMISSION = (b"schema_version: 1\norganisation_id: acme\nunit_kind: line\nunit_id: L1\n"
              b"period_yr: 2024\ndosage_form: oral_solid\nregion: europe\nchangeover_h: 12.0\n")
QUERY_FORM = {"statistic": "sum", "field": "changeover_h", "group_by": "region",
              "epsilon": "0.6", "bound_low": "0", "bound_high": "48"}


@pytest.fixture
def app(tmp_path):
    store = Store.open(str(tmp_path / "runs.sqlite"))
    register_organisation(store, "acme", epsilon_total=1.0)
    register_organisation(store, "globex")
    for user, org, role in (("alice", "acme", "member"), ("rita", "acme", "researcher"),
                            ("bob", "globex", "member")):
        add_user(store, user, org, role, PASSWORD)
    other = tmp_path / "globex.yaml"
    other.write_bytes(SUBMISSION.replace(b"acme", b"globex").replace(b"12.0", b"17.5"))
    submit_file(store, other, "globex")
    release_statistic(store, "median", "changeover_h", ["region"])
    yield create_app("", store=store, auth=AuthConfig(mode="users"))
    store.close()


def login(app, user: str) -> PageClient:
    client = PageClient(app, raise_server_exceptions=False)
    assert client.post("/login", data={"user": user, "password": PASSWORD}).status_code == 200
    return client


def banner(text: str) -> str:
    found = re.search(r'<div class="banner" id="error-banner".*?</div>', text, re.S)
    assert found, "no error banner on the page"
    return re.sub(r"<[^>]+>", "", found.group(0)).replace("&#39;", "'")


def test_a_member_sees_releases_uploads_a_file_and_finds_it_listed(app):
    client = login(app, "alice")
    page = client.get("/consortium")
    assert page.status_code == 200 and 'href="/consortium"' in page.text
    assert 'id="upload-form"' in page.text and 'id="query-form"' in page.text
    assert "suppressed: threshold rule: 1 organisation contributes, at least 5 are needed" \
        in page.text
    assert "globex" not in page.text.replace("globex/", "")  # not another's submissions
    assert "17.5" not in page.text

    stored = client.post("/consortium/submissions", files={"file": ("acme.yaml", SUBMISSION)})
    assert stored.status_code == 200 and "/consortium?stored=" in str(stored.url)
    assert "acme/line/L1/2024: stored as version 1" in stored.text
    assert re.search(r"<code>acme/line/L1/2024</code></td><td>1</td>", stored.text)
    assert "changeover_h=12" in stored.text
    again = client.post("/consortium/submissions", files={"file": ("acme.yaml", SUBMISSION)})
    assert "acme/line/L1/2024: unchanged, still version 1" in again.text


def test_a_refused_upload_is_shown_in_a_banner_and_stores_nothing(app):
    client = login(app, "alice")
    bad = client.post("/consortium/submissions", files={"file": (
        "bad.yaml", SUBMISSION.replace(b"12.0", b"-3").replace(b"2024", b"1800"))})
    assert bad.status_code == 422
    words = banner(bad.text)
    assert "The submission was not stored (error 422)" in words
    assert "bad.yaml: period_yr: Input should be greater than or equal to 1990 (got 1800)" \
        in words
    assert "bad.yaml: changeover_h: Input should be greater than or equal to 0 (got -3)" in words
    theirs = client.post("/consortium/submissions", files={"file": (
        "g.yaml", SUBMISSION.replace(b"acme", b"globex"))})
    assert theirs.status_code == 422
    assert "g.yaml: organisation_id: must be the submitting organisation 'acme'" in \
        banner(theirs.text)
    empty = client.post("/consortium/submissions", data={})
    assert empty.status_code == 422 and "choose a submission file" in banner(empty.text)
    assert "None yet." in client.get("/consortium").text


def test_a_researcher_has_no_upload_form_but_asks_a_query_until_the_budget_is_spent(app):
    client = login(app, "rita")
    page = client.get("/consortium")
    assert 'id="upload-form"' not in page.text and 'id="query-form"' in page.text
    refused = client.post("/consortium/submissions", files={"file": ("a.yaml", SUBMISSION)})
    assert refused.status_code == 403 and "scope" in refused.text

    answered = client.post("/consortium/queries", data=QUERY_FORM)
    assert answered.status_code == 200 and "answer=changeover_h.sum.by.region.dp@1" in \
        str(answered.url)
    assert 'class="card release answer" id="release-changeover_h-sum-by-region-dp"' in \
        answered.text
    assert 'id="epsilon-remaining">epsilon 0.4<' in answered.text
    over = client.post("/consortium/queries", data=QUERY_FORM)
    assert over.status_code == 409
    words = banner(over.text)
    assert "The query was not answered (error 409)" in words
    assert "needs epsilon 0.6, 0.4 of 1 is left" in words
    assert 'value="0.6"' in over.text  # the form keeps what was typed
    bad = client.post("/consortium/queries", data={**QUERY_FORM, "epsilon": "lots"})
    assert bad.status_code == 422
    assert "epsilon: Input should be a valid number (you entered 'lots')" in banner(bad.text)


def test_a_crafted_link_cannot_put_words_on_the_page(app):
    client = login(app, "alice")
    page = client.get("/consortium", params={"stored": "You won a prize", "version": "1",
                                             "new": "1", "answer": "bogus@1"})
    assert "You won a prize" not in page.text and 'id="notice"' not in page.text
    assert "release answer" not in page.text


def test_an_organisation_outside_the_pool_sees_the_releases_only(tmp_path):
    app = create_app(str(tmp_path / "runs.sqlite"))  # local mode: 'local' not registered
    with PageClient(app, raise_server_exceptions=False) as client:
        page = client.get("/consortium")
        assert page.status_code == 200 and 'id="not-member"' in page.text
        assert 'id="upload-form"' not in page.text and 'id="query-form"' not in page.text
        refused = client.post("/consortium/submissions",
                              files={"file": ("a.yaml", SUBMISSION)})
        assert refused.status_code == 403
        assert "rxtwin consortium register local" in banner(refused.text)
