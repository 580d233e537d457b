"""The consortium pool's orchestration: submissions from files, tenants who never see each
other's raw rows, releases under the disclosure rules or differential privacy stored by
version, and scenarios whose priors come from released statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from rxtwin.consortium import PrivacyBudgetExceededError
from rxtwin.data.scenarios import read_scenario_document, resolve_scenario_path
from rxtwin.errors import InputError, UserInputError
from rxtwin.model.paths import set_path
from rxtwin.runs.consortium import (
    list_own_submissions,
    load_scenario_with_priors,
    priors_of_run,
    read_own_submission,
    register_organisation,
    release_statistic,
    submit_file,
    verify_audit,
)
from rxtwin.runs.econ import record_econ_table_run
from rxtwin.store import ConsortiumPool, Store, UnknownItemError

EUROPE = [12.0, 14.0, 16.0, 18.0, 20.0, 22.0]  # six organisations: passes the threshold (5)
ASIA = [30.0, 35.0, 40.0]  # three organisations: suppressed by the threshold rule


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        with Store.open(tmp_path / "pool.sqlite") as opened:
            yield opened
        return
    url = request.getfixturevalue("pg_url")
    schema = request.getfixturevalue("pg_schema")
    with Store.open(url, schema=schema, artifacts_dir=tmp_path / "art") as opened:
        yield opened


def _write_submission(folder: Path, org: str, value: float, region: str,
                      suffix: str = ".yaml", **extra: object) -> Path:
    document = {"schema_version": 1, "organisation_id": org, "unit_kind": "line",
                "unit_id": "L1", "period_yr": 2024, "dosage_form": "oral_solid",
                "region": region, "changeover_h": value, **extra}
    path = folder / f"{org}{suffix}"
    path.write_text(json.dumps(document) if suffix == ".json" else yaml.safe_dump(document))
    return path


@pytest.fixture
def pooled(store: Store, tmp_path: Path) -> Store:
    """Six European and three south-Asian organisations, one line each."""
    for region, values in (("europe", EUROPE), ("south_asia", ASIA)):
        for i, value in enumerate(values):
            org = f"{region[:2]}{i}"
            register_organisation(store, org, epsilon_total=1.0)
            submit_file(store, _write_submission(tmp_path, org, value, region), org)
    return store


# ---------------------------------------------------------------- submissions
def test_submit_validates_versions_and_keeps_the_old_version(store: Store,
                                                             tmp_path: Path) -> None:
    register_organisation(store, "acme")
    first = submit_file(store, _write_submission(tmp_path, "acme", 10.0, "europe"), "acme")
    again = submit_file(store, _write_submission(tmp_path, "acme", 10.0, "europe"), "acme")
    edited = submit_file(store, _write_submission(tmp_path, "acme", 11.5, "europe",
                                                  suffix=".json"), "acme")
    assert (first.version, first.new) == (1, True)
    assert (again.version, again.new) == (1, False)
    assert (edited.version, edited.new) == (2, True)
    versions = [(r.version, r.submission.changeover_h) for r in
                list_own_submissions(store, "acme")]
    assert versions == [(1, 10.0), (2, 11.5)]
    assert read_own_submission(store, "acme", first.key, 1).submission.changeover_h == 10.0


def test_bad_submission_names_file_field_value_and_rule(store: Store, tmp_path: Path) -> None:
    register_organisation(store, "acme")
    path = _write_submission(tmp_path, "acme", 9000.0, "europe", oee=1.5)
    with pytest.raises(InputError) as error:
        submit_file(store, path, "acme")
    lines = [p.line() for p in error.value.problems]
    assert any(str(path) in line and "changeover_h" in line and "9000" in line
               and "8760" in line for line in lines), lines
    assert any("oee" in line and "1.5" in line for line in lines), lines
    other = _write_submission(tmp_path, "rival", 5.0, "europe")
    with pytest.raises(InputError, match=r"organisation_id: must be the submitting "
                                         r"organisation 'acme'.*got 'rival'"):
        submit_file(store, other, "acme")
    assert ConsortiumPool(store).pool_submissions() == []


def test_one_organisation_never_sees_anothers_raw_submissions(pooled: Store) -> None:
    mine = list_own_submissions(pooled, "eu0")
    assert [r.submission.organisation_id for r in mine] == ["eu0"]
    for other in ("eu1", "so0"):
        key = f"{other}/line/L1/2024"
        with pytest.raises(UnknownItemError, match="has no submission"):
            read_own_submission(pooled, "eu0", key)
        with pytest.raises(UnknownItemError, match="has no submission"):
            read_own_submission(pooled, "eu0", key, version=1)
    # every organisation's list holds its own rows only
    everyone = ConsortiumPool(pooled).list_organisations()
    for org in everyone:
        assert {r.submission.organisation_id for r in list_own_submissions(pooled, org)} \
            == {org}


# ---------------------------------------------------------------- releases
def test_release_applies_the_rules_and_stores_versions(pooled: Store, tmp_path: Path) -> None:
    released = release_statistic(pooled, "median", "changeover_h", ["region"])
    assert released.name == "changeover_h.median.by.region" and released.version == 1
    cells = {c["group"]["region"]: c for c in released.body["cells"]}
    assert cells["europe"]["value"] == pytest.approx(float(np.median(EUROPE)))
    assert cells["south_asia"]["value"] is None and not cells["south_asia"]["released"]
    assert released.suppressed == [{"group": {"region": "south_asia"},
                                    "reason": "threshold rule: 3 organisations contribute, "
                                              "at least 5 are needed"}]
    assert released.body["rules"]["min_organisations"] == 5
    # a new submission version moves the next release; the first version stays
    submit_file(pooled, _write_submission(tmp_path, "eu0", 40.0, "europe"), "eu0")
    again = release_statistic(pooled, "median", "changeover_h", ["region"])
    assert again.version == 2
    moved = [40.0, *EUROPE[1:]]
    assert again.body["cells"][0]["value"] == pytest.approx(float(np.median(moved)))
    first = ConsortiumPool(pooled).get_release(released.name, 1)
    assert first.body["cells"][0]["value"] == pytest.approx(float(np.median(EUROPE)))


def test_triangular_release_is_a_distribution_of_the_pools_quantiles(pooled: Store) -> None:
    released = release_statistic(pooled, "triangular", "changeover_h", ["region"])
    europe = released.body["cells"][0]
    low, mode, high = np.quantile(EUROPE, [0.1, 0.5, 0.9])
    assert europe["distribution"] == {"dist": "triangular", "low": pytest.approx(low),
                                      "mode": pytest.approx(mode),
                                      "high": pytest.approx(high)}
    assert released.body["cells"][1]["distribution"] is None


def test_differencing_guard_works_across_stored_releases(pooled: Store, tmp_path: Path) -> None:
    # the sum over Europe is released; a seventh organisation joins; the sum again would
    # reveal the newcomer's figure (one organisation between them)
    first = release_statistic(pooled, "sum", "changeover_h", ["region"])
    assert first.body["cells"][0]["released"]
    register_organisation(pooled, "eu9")
    submit_file(pooled, _write_submission(tmp_path, "eu9", 21.0, "europe"), "eu9")
    second = release_statistic(pooled, "sum", "changeover_h", ["region"])
    europe = second.body["cells"][0]
    assert not europe["released"] and europe["reason"].startswith("differencing")


def test_dp_release_charges_the_asking_organisation(pooled: Store) -> None:
    released = release_statistic(pooled, "sum", "changeover_h", ["region"], dp_epsilon=0.6,
                                 organisation_id="eu0", bounds=(0.0, 50.0))
    assert released.body["method"] == "dp" and released.body["suppression"] == []
    assert len(released.body["cells"]) == 6  # every declared region, present or not
    pool = ConsortiumPool(pooled)
    spent = sum(e["epsilon"] for e in pool.get_privacy_ledger("eu0")["entries"])
    assert spent == pytest.approx(0.6, rel=1e-6)
    assert pool.get_privacy_ledger("eu1")["entries"] == []
    with pytest.raises(PrivacyBudgetExceededError, match="'eu0' exceeded"):
        release_statistic(pooled, "sum", "changeover_h", ["region"], dp_epsilon=0.6,
                          organisation_id="eu0", bounds=(0.0, 50.0))
    with pytest.raises(UserInputError, match="declare the bounds"):
        release_statistic(pooled, "sum", "changeover_h", [], dp_epsilon=0.1,
                          organisation_id="eu1")


def test_release_errors_name_the_value(pooled: Store) -> None:
    with pytest.raises(UserInputError, match="'changeover_min' is not a pooled figure"):
        release_statistic(pooled, "median", "changeover_min", [])
    with pytest.raises(UserInputError, match="group column 'country'"):
        release_statistic(pooled, "median", "changeover_h", ["country"])
    with pytest.raises(UserInputError, match="'count' cannot be a rule-based release"):
        release_statistic(pooled, "count", "changeover_h", [])


def test_audit_log_covers_the_work_and_verifies(pooled: Store) -> None:
    release_statistic(pooled, "median", "changeover_h", ["region"])
    check = verify_audit(pooled)
    assert check.ok and check.n_entries == len(ConsortiumPool(pooled).audit_entries())
    actions = {e.action for e in ConsortiumPool(pooled).audit_entries()}
    assert {"organisation.add", "submission.write", "pool.read", "release.write"} <= actions


# ---------------------------------------------------------------- priors from the pool
def _scenario_with(tmp_path: Path, path: str, reference: dict, name: str = "s") -> Path:
    document = read_scenario_document(resolve_scenario_path("generic_oral_solid"))
    document = set_path(document, path, reference)
    target = tmp_path / f"{name}.yaml"
    target.write_text(yaml.safe_dump(document, sort_keys=False))
    return target


def test_a_field_takes_the_released_value_and_versions_differ(pooled: Store,
                                                              tmp_path: Path) -> None:
    release_statistic(pooled, "median", "changeover_h", ["region"])
    submit_file(pooled, _write_submission(tmp_path, "eu0", 40.0, "europe"), "eu0")
    release_statistic(pooled, "median", "changeover_h", ["region"])
    values = {}
    for version in (1, 2):
        reference = {"consortium": f"changeover_h.median.by.region@{version}",
                     "cell": {"region": "europe"}}
        file = _scenario_with(tmp_path, "technologies.batch.changeover_h.mode", reference,
                              name=f"v{version}")
        loaded = load_scenario_with_priors(file, pooled)
        changeover = loaded.scenario.technology("batch").changeover_h
        values[version] = changeover.mode
        path = "technologies.batch.changeover_h.mode"
        assert loaded.scenario.sources[path] == \
            f"source: consortium:changeover_h.median.by.region@{version} (region=europe)"
        assert [p.to_dict() for p in loaded.priors] == [
            {"path": path, "statistic": "changeover_h.median.by.region", "version": version,
             "cell": {"region": "europe"}}]
    assert values[1] == pytest.approx(float(np.median(EUROPE)))
    assert values[2] == pytest.approx(float(np.median([40.0, *EUROPE[1:]])))
    assert values[1] != values[2]


def test_an_uncertain_parameter_takes_a_released_distribution(pooled: Store,
                                                              tmp_path: Path) -> None:
    release_statistic(pooled, "triangular", "changeover_h", ["region"])
    file = tmp_path / "study.yaml"
    file.write_text(yaml.safe_dump({
        "extends": "generic_oral_solid",
        "uncertain": [{"path": "technologies.batch.changeover_h.mode",
                       "distribution": {"consortium": "changeover_h.triangular.by.region@1",
                                        "cell": {"region": "europe"}}}]}))
    loaded = load_scenario_with_priors(file, pooled)
    (parameter,) = loaded.scenario.uncertain
    low, mode, high = np.quantile(EUROPE, [0.1, 0.5, 0.9])
    assert (parameter.distribution.dist, parameter.distribution.low,
            parameter.distribution.mode, parameter.distribution.high) == (
        "triangular", pytest.approx(low), pytest.approx(mode), pytest.approx(high))
    assert loaded.scenario.sources["uncertain.0.distribution"].startswith(
        "source: consortium:changeover_h.triangular.by.region@1")


def test_the_run_records_the_statistic_and_its_version(pooled: Store, tmp_path: Path) -> None:
    release_statistic(pooled, "median", "changeover_h", ["region"])
    reference = {"consortium": "changeover_h.median.by.region@1", "cell": {"region": "europe"}}
    file = _scenario_with(tmp_path, "technologies.batch.changeover_h.mode", reference)
    loaded = load_scenario_with_priors(file, pooled)
    run_id = record_econ_table_run(pooled, loaded.scenario, "econ.appraise",
                                   {"consortium_priors": [p.to_dict() for p in loaded.priors]},
                                   None, "appraisal", pd.DataFrame({"npv_usd": [1.0]}), 0.1)
    assert priors_of_run(pooled, run_id) == [
        {"path": "technologies.batch.changeover_h.mode",
         "statistic": "changeover_h.median.by.region", "version": 1}]
    assert pooled.get_run(run_id).parameters["consortium_priors"][0]["version"] == 1


def test_suppressed_missing_and_unpinned_statistics_are_refused(pooled: Store,
                                                                tmp_path: Path) -> None:
    release_statistic(pooled, "median", "changeover_h", ["region"])
    path = "technologies.batch.changeover_h.mode"
    cases = [
        ({"consortium": "changeover_h.median.by.region@1", "cell": {"region": "south_asia"}},
         r"suppressed this cell: threshold rule: 3 organisations contribute"),
        ({"consortium": "changeover_h.median.by.region@4", "cell": {"region": "europe"}},
         r"no released statistic 'changeover_h.median.by.region@4'.*versions.*: 1"),
        ({"consortium": "nothing.released@1"}, r"no statistic of that name"),
        ({"consortium": "changeover_h.median.by.region"}, r"must be NAME@VERSION"),
        ({"consortium": "changeover_h.median.by.region@1", "cell": {"region": "mars"}},
         r"has no such cell \(cells: region=europe; region=south_asia\)"),
        ({"consortium": "changeover_h.median.by.region@1"}, r"is grouped by region"),
    ]
    for i, (reference, message) in enumerate(cases):
        file = _scenario_with(tmp_path, path, reference, name=f"bad{i}")
        with pytest.raises(InputError, match=message) as error:
            load_scenario_with_priors(file, pooled)
        assert error.value.problems[0].file == str(file)
        assert error.value.problems[0].path.startswith(path)


def test_an_uncertain_parameter_refuses_a_single_value(pooled: Store, tmp_path: Path) -> None:
    release_statistic(pooled, "median", "changeover_h", ["region"])
    file = tmp_path / "study.yaml"
    file.write_text(yaml.safe_dump({
        "extends": "generic_oral_solid",
        "uncertain": [{"path": "technologies.batch.changeover_h.mode",
                       "distribution": {"consortium": "changeover_h.median.by.region@1",
                                        "cell": {"region": "europe"}}}]}))
    with pytest.raises(InputError, match="needs a distribution.*single value"):
        load_scenario_with_priors(file, pooled)
