"""The HTML report is one self-contained file: Plotly inlined once, every scenario source,
result tables and figures, and no reference to anything on the network."""

from __future__ import annotations

import re

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.report.html import MAX_TABLE_ROWS
from rxtwin.runs import kinds
from rxtwin.runs.report import run_report_html
from rxtwin.store import Store, UnknownRunError


@pytest.fixture(scope="module")
def done_run(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("report") / "runs.sqlite")
    scenario = load_scenario("generic_oral_solid")
    scenario_hash = store.put_scenario(scenario.document(), scenario.name)
    # price x subsidy: one line simulation per technology and row, so it is quick
    params = kinds.parse_params("econ.breakeven", scenario, {
        "param": "price_scale", "param2": "capex_grant", "points": 8,
        "technologies": ["advanced_batch", "continuous"], "n_replications": 10, "seed": 1})
    run_id = store.create_run("econ.breakeven", scenario_hash, params.model_dump(mode="json"),
                              params.seed, n_chunks=8)
    kinds.execute_run(store, run_id)
    yield store, run_id, scenario
    store.close()


def test_report_is_self_contained_and_lists_every_source(done_run):
    store, run_id, scenario = done_run
    text = run_report_html(store, run_id)
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    # plotly.js inlined exactly once, no script or stylesheet fetched from elsewhere
    assert text.count("plotly.js v") >= 1
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    for path in scenario.sources:
        assert path in text
    assert scenario.title in text
    assert 'id="figure-breakeven"' in text and 'id="figure-winner"' in text
    # breakeven_map has 8 x 8 x 2 technologies rows, more than shown: the report says so
    n_rows = len(store.get_summary(run_id, "breakeven_map"))
    assert n_rows > MAX_TABLE_ROWS
    assert f"First {MAX_TABLE_ROWS} of {n_rows} rows" in text


def test_report_of_unknown_run_raises(done_run):
    store, _, _ = done_run
    with pytest.raises(UnknownRunError):
        run_report_html(store, "0" * 32)
