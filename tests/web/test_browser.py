"""Browser tests: Playwright drives Debian's Chromium against a server started by the test.

The browser is ``chromium`` (or ``chromium-browser``) on the PATH, or the executable named by
``RXTWIN_CHROMIUM``. Without one the tests skip and say why, except under ``CI=true``, where
they fail: CI installs Chromium (``.ci/run``) and must run them.

The user's path: open the home page, upload a bundled scenario file, submit an invalid form
and see the message, launch a run, watch the progress bar reach done, find the break-even
figure drawn (a Plotly SVG with data), download the report. A member of the consortium logs
in, uploads a submission file and finds it listed beside a released table whose suppressed
cell gives its reason. In the demo consortium a researcher reads every release and the
study's prior, and a member firm sees its own submissions only. Screenshots go to
``test-artifacts/``; with ``RXTWIN_UPDATE_DOC_IMAGES=1`` the two documentation screenshots
are also written to ``docs/img/`` (off by default, so that a test run leaves the checkout
clean: the pictures change by a few pixels from run to run).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from requirements import CHROMIUM_ENV, chromium_executable, missing

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
README_IMAGES = ROOT / "docs" / "img"
SCENARIO = ROOT / "src" / "rxtwin" / "data" / "scenarios" / "generic_oral_solid.yaml"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(db: Path | str, users: bool = False):
    """Start the app on ``db`` in a process of its own (users mode: logins asked) and yield
    its address once it answers; stop it afterwards."""
    port = _free_port()
    auth = ", auth=AuthConfig(mode='users')" if users else ""
    code = ("import uvicorn; from rxtwin.web.app import create_app; "
            "from rxtwin.web.auth import AuthConfig; "
            f"uvicorn.run(create_app({str(db)!r}{auth}), host='127.0.0.1', port={port}, "
            "log_level='warning')")
    process = subprocess.Popen([sys.executable, "-c", code])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the test server did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Path of the Chromium executable; skip (fail under CI=true) when there is none."""
    found = chromium_executable()
    if found is None:
        given = os.environ.get(CHROMIUM_ENV)
        missing(f"{CHROMIUM_ENV}={given!r} is not an executable" if given else
                "no Chromium browser: neither chromium nor chromium-browser is on the PATH "
                f"(install Debian's chromium, or set {CHROMIUM_ENV} to a Chromium executable)")
    return found


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "runs.sqlite"
    yield from _serve(db)


@pytest.fixture(scope="module")
def page(server, chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


def _shot(page, name: str, readme: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if readme and os.environ.get("RXTWIN_UPDATE_DOC_IMAGES") == "1":
        README_IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_IMAGES / f"{name}.png"))


def test_upload_launch_progress_figure_report_and_validation(server, page):
    page.goto(server + "/")
    assert page.locator("#upload-form").is_visible()
    _shot(page, "01-home")

    page.set_input_files("#upload-file", str(SCENARIO))
    page.click("#upload-submit")
    page.wait_for_url("**/scenarios/*")
    assert "Generic oral-solid line" in page.locator("h1").inner_text()
    page.locator("#launch-econ-breakeven").scroll_into_view_if_needed()
    _shot(page, "web-scenario", readme=True)

    form = page.locator("#launch-econ-breakeven")
    form.locator("input[name=param_values]").fill("1, 99")
    form.locator("button").click()
    message = page.locator("#problems-econ-breakeven")
    message.wait_for()
    assert "products_per_line must be a whole number within 1..24" in message.inner_text()
    _shot(page, "02-invalid-form")

    form = page.locator("#launch-econ-breakeven")
    form.locator("input[name=param_values]").fill("")  # the default grid of 6 points
    form.locator("details.advanced summary").click()  # the seed is under "Advanced"
    form.locator("input[name=seed]").fill("1")  # the map of docs/web.md, same screenshot
    form.locator("button").click()
    page.wait_for_url("**/runs/*")
    progress = page.locator("#progress")
    assert progress.is_visible()
    page.wait_for_function(
        "() => document.getElementById('run-status').dataset.status === 'done' && "
        "document.getElementById('progress').value === 1")
    assert "done" in page.locator("#status-text").inner_text()

    figure = page.locator("#figure-breakeven")
    figure.locator("svg.main-svg").first.wait_for()
    n_traces = page.evaluate("() => document.getElementById('figure-breakeven').data.length")
    z_rows = page.evaluate(
        "() => document.getElementById('figure-breakeven')._fullData[0].z.length")
    assert n_traces == 2 and z_rows == 6  # heatmap + contour; one row per volume scale
    assert figure.locator("svg.main-svg g.hm image").count() == 1  # the drawn heat map
    figure.scroll_into_view_if_needed()
    _shot(page, "03-results")
    page.evaluate("() => document.getElementById('figure-breakeven').scrollIntoView()")
    _shot(page, "web-results", readme=True)

    with page.expect_download() as info:
        page.click("#download-report")
    download = info.value
    target = ARTIFACTS / "report.html"
    download.save_as(str(target))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and 'id="figure-breakeven"' in text
    assert len(text) > 1_000_000  # plotly.js is inlined


def test_docs_page_draws_the_api_offline(server, page):
    """/docs draws every operation from the app's own files: with every request off the
    server refused (and recorded), Swagger UI still renders the operations."""
    refused: list[str] = []

    def only_the_server(route) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    # A context of its own (the browser of the page fixture), with every request routed.
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.route("**/*", only_the_server)
        docs = context.new_page()
        docs.set_default_timeout(30_000)
        docs.goto(server + "/docs")
        launch = docs.locator("#operations-api-launch_api_runs_post")
        launch.wait_for(state="visible")
        assert "/api/runs" in launch.inner_text()
        assert docs.locator(".opblock").count() >= 15  # every operation of the API
        _shot(docs, "04-api-docs")
        context.set_offline(True)  # the page keeps working once loaded: expand one
        launch.locator(".opblock-summary").first.click()
        docs.locator("#operations-api-launch_api_runs_post .opblock-body").wait_for()
    finally:
        context.close()
    assert refused == []


def test_analyst_compares_technologies_edits_the_hurdle_and_reads_a_refusal(
        server, page, tmp_path_factory):
    """The analyst's afternoon on the bundled generic scenario: three technologies and one
    measure picked from the scenario's lists, the comparison launched, its headline table
    and labelled figure read; the hurdle rate edited in % and its provenance marked
    changed; the scenario downloaded as YAML; a refused launch read at the top of the page.
    Screenshots go to the pytest temporary directory."""
    import yaml

    shots = tmp_path_factory.mktemp("analyst-screenshots")

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    page.goto(server + "/")
    page.select_option("#bundled-name", "generic_oral_solid")
    page.click("#bundled-form button")
    page.wait_for_url("**/scenarios/*")
    scenario_url = page.url

    form = page.locator("#launch-resilience-compare")
    for technology in ("advanced_batch", "continuous", "modular"):
        form.locator(f"input[name=technologies][value={technology}]").check()
    form.locator("input[name=interventions][value=ebr]").check()
    assert "electronic batch records" in form.inner_text()  # names beside the ids
    form.locator("input[name=n_years]").fill("200")
    form.locator("input[name=line_replications]").fill("10")
    form.locator("details.advanced summary").click()
    assert "random seed (same seed, same numbers" in form.locator("details").inner_text()
    form.locator("input[name=seed]").fill("5")
    form.scroll_into_view_if_needed()
    shot("01-pickers")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/runs/*")
    page.wait_for_function(
        "() => document.getElementById('run-status').dataset.status === 'done'",
        timeout=180_000)
    headline = page.locator("#headline")
    headline.wait_for()
    rows = headline.locator("tr")
    assert rows.count() == 1 + 5  # header, today's line, three technologies, one measure
    header = rows.nth(0).inner_text()
    assert "shortage-days avoided per year [d/yr] ± 95 %" in header and "OEE" in header
    assert "continuous" in headline.inner_text() and "±" in headline.inner_text()
    figure = page.locator("#figure-avoided_by_cause")
    figure.locator("svg.main-svg").first.wait_for()
    y_title = figure.locator("text.ytitle").text_content() or ""
    x_title = figure.locator("text.xtitle").text_content() or ""
    assert "[d/yr]" in y_title and "_" not in x_title
    shot("02-comparison")

    page.goto(scenario_url)
    hurdle = page.locator("#edit-form input[name='firm.hurdle_rate']")
    assert hurdle.input_value() == "15"  # shown in %
    hurdle.fill("12")
    page.click("#edit-form button[type=submit]")
    page.wait_for_url("**/scenarios/*")
    assert page.url != scenario_url
    changes = page.locator("#changes-table").inner_text()
    assert "15 %" in changes and "12 %" in changes
    source = page.locator("#sources tr.changed").first.inner_text()
    assert "assumption: changed by the user (was 0.15; before: assumption: 15 % real" in source
    shot("03-provenance")

    with page.expect_download() as info:
        page.click("#download-yaml")
    target = shots / "scenario.yaml"
    info.value.save_as(str(target))
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert document["firm"]["hurdle_rate"] == 0.12
    assert document["sources"]["firm.hurdle_rate"].startswith(
        "assumption: changed by the user (was 0.15;")

    form = page.locator("#launch-resilience-compare")
    form.locator("input[name=technologies][value=continuous]").check()
    form.locator("input[name=n_years]").fill("200")
    form.locator("details.advanced summary").click()
    form.locator("input[name=seed]").fill("-1")
    form.locator("button[type=submit]").click()
    banner = page.locator("#error-banner")
    banner.wait_for()
    assert "random seed" in banner.inner_text()
    assert "greater than or equal to 0" in banner.inner_text()
    top = page.evaluate("() => document.getElementById('error-banner')"
                        ".getBoundingClientRect().top")
    assert -5 <= top < 900  # in view, without scrolling
    kept = page.locator("#launch-resilience-compare input[name=technologies][value=continuous]")
    assert kept.is_checked()
    assert page.locator("#launch-resilience-compare input[name=n_years]").input_value() == "200"
    page.screenshot(path=str(shots / "04-refused-launch.png"))  # the viewport the user sees
    print(f"analyst screenshots in {shots}")


@pytest.fixture(scope="module")
def users_server(chromium, tmp_path_factory):
    """A server that asks for logins (users mode), with one user of organisation acme."""
    from rxtwin.runs.accounts import add_user
    from rxtwin.runs.consortium import register_organisation
    from rxtwin.store import Store

    db = tmp_path_factory.mktemp("browser-users") / "runs.sqlite"
    with Store.open(str(db)) as store:
        register_organisation(store, "acme")
        add_user(store, "alice", "acme", "member", "a long enough password")
    yield from _serve(db, users=True)


def test_log_in_work_and_log_out(users_server, page):
    context = page.context.browser.new_context()  # the same browser, cookies of its own
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(users_server + "/runs")  # not logged in: the login page, then back here
        page.wait_for_url("**/login?next=/runs")
        page.fill("input[name=user]", "alice")
        page.fill("input[name=password]", "not the password")
        page.click("#login-form button")
        assert "wrong user name or password" in page.locator("#error-message").inner_text()
        page.fill("input[name=password]", "a long enough password")
        page.click("#login-form button")
        page.wait_for_url("**/runs")
        assert "alice (acme)" in page.locator("header").inner_text()
        page.goto(users_server + "/")
        page.click("#bundled-form button")  # a form post: carries the page's CSRF token
        page.wait_for_url("**/scenarios/*")
        page.click("#logout")
        page.wait_for_url("**/login")
        page.goto(users_server + "/runs")
        page.wait_for_url("**/login?next=/runs")  # the login cookie no longer works
        _shot(page, "03-login")
    finally:
        context.close()


@pytest.fixture(scope="module")
def pool_server(chromium, tmp_path_factory):
    """A server that asks for logins, whose consortium pool holds three organisations'
    submissions and one released table (too few organisations per region: suppressed)."""
    from rxtwin.runs.accounts import add_user
    from rxtwin.runs.consortium import register_organisation, release_statistic, submit_file
    from rxtwin.store import Store

    folder = tmp_path_factory.mktemp("browser-pool")
    db = folder / "runs.sqlite"
    with Store.open(str(db)) as store:
        for org in ("acme", "globex", "initech"):
            register_organisation(store, org, epsilon_total=1.0)
        for org in ("globex", "initech"):
            file = folder / f"{org}.yaml"
            file.write_text(POOL_SUBMISSION.replace("acme", org), encoding="utf-8")
            submit_file(store, file, org)
        release_statistic(store, "median", "changeover_h", ["region"])
        add_user(store, "alice", "acme", "member", "a long enough password")
    yield from _serve(db, users=True)


POOL_SUBMISSION = ("schema_version: 1\norganisation_id: acme\nunit_kind: line\nunit_id: L1\n"
                   "period_yr: 2024\ndosage_form: oral_solid\nregion: europe\n"
                   "changeover_h: 12.5\n")


def test_a_member_uploads_a_submission_and_reads_a_suppressed_release(
        pool_server, page, tmp_path):
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(pool_server + "/consortium")
        page.wait_for_url("**/login?next=/consortium")
        page.fill("input[name=user]", "alice")
        page.fill("input[name=password]", "a long enough password")
        page.click("#login-form button")
        page.wait_for_url("**/consortium")
        assert page.locator("nav a[href='/consortium']").is_visible()

        release = page.locator("#release-changeover_h-median-by-region")
        reason = release.locator("tr.suppressed td.reason")
        assert reason.inner_text() == ("suppressed: threshold rule: 2 organisations "
                                       "contribute, at least 5 are needed")
        assert "None yet." in page.locator("#submissions-table").inner_text()

        file = tmp_path / "acme-2024.yaml"
        file.write_text(POOL_SUBMISSION, encoding="utf-8")
        page.set_input_files("#submission-file", str(file))
        page.click("#submission-submit")
        page.wait_for_url(re.compile(r".*/consortium\?stored=acme/line/L1/2024&version=1"))
        assert page.locator("#notice").inner_text() == \
            "acme/line/L1/2024: stored as version 1"
        listed = page.locator("#submissions-table").inner_text()
        assert "acme/line/L1/2024" in listed and "changeover_h=12.5" in listed
        assert "globex" not in listed and "initech" not in listed
        _shot(page, "05-consortium")
    finally:
        context.close()


@pytest.fixture(scope="module")
def demo_server(chromium, tmp_path_factory):
    """The demo consortium (``rxtwin demo --consortium``) served in users mode, with the
    demo's two logins."""
    from rxtwin.runs.consortium_demo import run_consortium_demo
    from rxtwin.store import Store

    folder = tmp_path_factory.mktemp("browser-demo-consortium")
    db = folder / "consortium.sqlite"
    with Store.open(str(db)) as store:
        demo = run_consortium_demo(store, folder, n_replications=20)
    logins = {login.user_id: login.password for login in demo.logins}
    for url in _serve(db, users=True):
        yield url, logins


def _log_in(browser, url: str, user: str, password: str, target: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url + target)
    page.wait_for_url(f"**/login?next={target}")
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", password)
    page.click("#login-form button")
    page.wait_for_url(f"**{target}")
    return context, page


def test_the_demo_consortium_after_logging_in(demo_server, page):
    """A researcher reads the demo's releases (each suppression with its reason), finds the
    study's run and the released statistic its scenario took its prior from; a member firm
    sees its own submissions and nobody else's."""
    url, logins = demo_server
    context, researcher = _log_in(page.context.browser, url, "analyst", logins["analyst"],
                                  "/consortium")
    try:
        assert "analyst (research)" in researcher.locator("header").inner_text()
        prior = researcher.locator("#release-changeover_h-triangular-by-dosage_form")
        assert re.search(r"low [\d.]+, mode [\d.]+, high [\d.]+ \(triangular\)",
                         prior.inner_text())
        oee = researcher.locator("#release-oee-median-by-region")
        assert oee.locator("tr.suppressed td.reason").inner_text() == (
            "suppressed: threshold rule: 2 organisations contribute, at least 5 are needed")
        shortage = researcher.locator("#release-shortage_days-sum-by-dosage_form")
        assert "dominance" in shortage.locator("tr.suppressed td.reason").inner_text()
        table = researcher.locator("#release-changeovers_per_yr-table-by-region")
        reasons = table.locator("tr.suppressed td.reason").all_inner_texts()
        assert any("cannot be derived from the totals" in r for r in reasons)
        assert researcher.locator("#release-changeovers_per_yr-count-dp").is_visible()
        assert researcher.locator("#upload-form").count() == 0  # a researcher reads only
        _shot(researcher, "06-demo-consortium")

        researcher.goto(url + "/runs")
        links = researcher.locator("a[href^='/runs/']")
        hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
        pooled = []
        for href in sorted(h for h in hrefs if h.count("/") == 2):
            researcher.goto(url + href)
            if researcher.locator("#priors").count():
                pooled.append(href)
        assert len(pooled) == 1
        researcher.goto(url + pooled[0])
        priors = researcher.locator("#priors").inner_text()
        assert "technologies.batch.changeover_h" in priors
        assert "changeover_h.triangular.by.dosage_form@1" in priors
    finally:
        context.close()

    context, member = _log_in(page.context.browser, url, "firm01-member",
                              logins["firm01-member"], "/consortium")
    try:
        listed = member.locator("#submissions-table").inner_text()
        assert "firm01/line/L1/2025" in listed and "firm01/line/L2/2025" in listed
        assert "firm02" not in listed and "firm12" not in listed
        assert member.locator("#upload-form").is_visible()
        member.goto(url + "/runs")
        assert member.locator("a[href^='/runs/0']").count() == 0  # the study is research's
    finally:
        context.close()
