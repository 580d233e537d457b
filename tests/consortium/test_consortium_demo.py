"""The demo consortium: twelve synthetic firms, releases under the disclosure rules, a
private count charged to a budget, and a scenario that takes its priors from a release,
simulated beside the bundled scenario. Each check recomputes what it checks from the
submission files the demo wrote, not from the demo's own tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from rxtwin.data.scenarios import load_scenario
from rxtwin.runs.consortium import priors_of_run
from rxtwin.runs.consortium_demo import (
    DEMO_FIRMS,
    RESEARCH_EPSILON_TOTAL,
    RESEARCH_ORGANISATION,
    run_consortium_demo,
    synthetic_submissions,
)
from rxtwin.store import ConsortiumPool, Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("consortium-demo")
    store = Store.open(out / "consortium.sqlite")
    result = run_consortium_demo(store, out, n_replications=30)
    yield store, result
    store.close()


def _submitted(result) -> list[dict]:
    return [yaml.safe_load(Path(path).read_text()) for path in result.submission_files]


def _cell(release, **group):
    return next(c for c in release.body["cells"] if c["group"] == group)


def test_twelve_firms_submit_their_own_lines(demo) -> None:
    store, result = demo
    documents = _submitted(result)
    assert {d["organisation_id"] for d in documents} == set(DEMO_FIRMS)
    assert len(DEMO_FIRMS) == 12
    assert len(documents) == sum(len(forms) for _, forms in DEMO_FIRMS.values())
    pool = ConsortiumPool(store)
    assert len(pool.list_submissions("firm01")) == 2
    assert all(r.submission.organisation_id == "firm01" for r in pool.list_submissions("firm01"))
    assert pool.list_submissions(RESEARCH_ORGANISATION) == []


def test_same_seed_same_figures_and_another_seed_others() -> None:
    assert synthetic_submissions(7) == synthetic_submissions(7)
    assert synthetic_submissions(7) != synthetic_submissions(8)


def test_a_region_of_two_firms_is_suppressed_by_the_threshold_rule(demo) -> None:
    _, result = demo
    oee = next(r for r in result.releases if r.name == "oee.median.by.region")
    north_america = _cell(oee, region="north_america")
    assert not north_america["released"] and north_america["value"] is None
    assert "threshold rule: 2 organisations" in north_america["reason"]
    europe = [d["oee"] for d in _submitted(result) if d["region"] == "europe"]
    by_firm = {}
    for d in _submitted(result):
        if d["region"] == "europe":
            by_firm.setdefault(d["organisation_id"], []).append(d["oee"])
    assert len(by_firm) == 5 and len(europe) == 8
    assert _cell(oee, region="europe")["released"]


def test_the_sterile_shortage_sum_fails_dominance_as_recomputed(demo) -> None:
    _, result = demo
    totals: dict[str, float] = {}
    for d in _submitted(result):
        if d["dosage_form"] == "sterile_injectable":
            totals[d["organisation_id"]] = totals.get(d["organisation_id"], 0.0) + \
                d["shortage_days"]
    top_two = sum(sorted(totals.values())[-2:]) / sum(totals.values())
    assert top_two > 0.85 and len(totals) >= 5  # dominance, not the threshold, decides
    release = next(r for r in result.releases if r.name == "shortage_days.sum.by.dosage_form")
    sterile = _cell(release, dosage_form="sterile_injectable")
    assert not sterile["released"]
    assert f"{100 * top_two:.1f} %" in sterile["reason"] and "dominance" in sterile["reason"]
    oral = sum(d["shortage_days"] for d in _submitted(result)
               if d["dosage_form"] == "oral_solid")
    assert _cell(release, dosage_form="oral_solid")["value"] == pytest.approx(oral)


def test_the_released_changeover_prior_is_the_pools_quantiles(demo) -> None:
    _, result = demo
    oral = [d["changeover_h"] for d in _submitted(result) if d["dosage_form"] == "oral_solid"]
    release = result.releases[0]
    distribution = _cell(release, dosage_form="oral_solid")["distribution"]
    assert distribution["dist"] == "triangular"
    assert distribution["mode"] == pytest.approx(float(np.median(oral)))
    assert distribution["low"] < distribution["mode"] < distribution["high"]
    assert min(oral) <= distribution["low"] and distribution["high"] <= max(oral)


def test_the_private_count_is_charged_to_the_researchers_budget(demo) -> None:
    store, result = demo
    ledger = ConsortiumPool(store).get_privacy_ledger(RESEARCH_ORGANISATION)
    spent = sum(q["epsilon"] for q in ledger["entries"])
    assert spent == pytest.approx(0.5)
    assert ledger["epsilon_total"] == RESEARCH_EPSILON_TOTAL
    cell = result.private_answer.body["cells"][0]
    assert cell["mechanism"].startswith("discrete Laplace") or "Laplace" in cell["mechanism"]
    assert cell["scales"][0] == pytest.approx(2.0, rel=0.05)


def test_the_pooled_scenario_carries_the_release_and_its_run_records_it(demo) -> None:
    store, result = demo
    pooled_run = result.run_ids["consortium prior"]
    bundled_run = result.run_ids["bundled assumption"]
    recorded = priors_of_run(store, pooled_run)
    assert {(p["path"], p["statistic"], p["version"]) for p in recorded} >= {
        ("technologies.batch.changeover_h", "changeover_h.triangular.by.dosage_form", 1)}
    assert priors_of_run(store, bundled_run) == []
    assert store.run_organisation(pooled_run) == RESEARCH_ORGANISATION
    stored = store.get_scenario(store.get_run(pooled_run).scenario_hash)
    batch = next(t for t in stored["technologies"] if t["id"] == "batch")
    released = _cell(result.releases[0], dosage_form="oral_solid")["distribution"]
    assert batch["changeover_h"]["mode"] == pytest.approx(released["mode"])


def test_shorter_released_changeovers_mean_fewer_changeover_hours(demo) -> None:
    """The released mode (synthetic) lies below the bundled assumption's, so the pooled
    line spends fewer hours a year changing over, by about the ratio of the means."""
    store, result = demo
    line = result.tables["consortium_line"].set_index(["scenario", "statistic"])
    bundled = load_scenario("generic_oral_solid").technology("batch").changeover_h
    released = _cell(result.releases[0], dosage_form="oral_solid")["distribution"]
    mean_bundled = (bundled.low + bundled.mode + bundled.high) / 3
    mean_released = (released["low"] + released["mode"] + released["high"]) / 3
    hours = line["mean"]
    ratio = hours[("consortium prior", "changeover_h")] / \
        hours[("bundled assumption", "changeover_h")]
    assert mean_released < mean_bundled
    assert ratio == pytest.approx(mean_released / mean_bundled, rel=0.1)


def test_the_logins_work_for_their_organisations(demo) -> None:
    from rxtwin.runs.accounts import authenticate_password

    store, result = demo
    assert {(lg.user_id, lg.role) for lg in result.logins} == {
        ("analyst", "researcher"), ("firm01-member", "member")}
    for login in result.logins:
        principal = authenticate_password(store, login.user_id, login.password)
        assert principal is not None and principal.organisation_id == login.organisation_id
        assert authenticate_password(store, login.user_id, login.password + "x") is None


def test_the_regional_table_hides_a_second_region_so_its_total_gives_nothing_away(demo):
    _, result = demo
    table = next(r for r in result.releases if r.body["statistic"] == "table")
    cells = {c["group"]["region"]: c for c in table.body["cells"]}
    assert cells["north_america"]["suppression"] == "primary"
    hidden = [r for r, c in cells.items() if c["suppression"] == "complementary"]
    assert len(hidden) == 1
    by_region: dict[str, float] = {}
    for d in _submitted(result):
        by_region[d["region"]] = by_region.get(d["region"], 0.0) + d["changeovers_per_yr"]
    assert cells["Total"]["value"] == pytest.approx(sum(by_region.values()))
    shown = [r for r, c in cells.items() if c["released"] and r != "Total"]
    assert len(shown) == 1  # one region and the total: the other two stay a sum
    assert cells[shown[0]]["value"] == pytest.approx(by_region[shown[0]])
