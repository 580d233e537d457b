"""Technologies and measures compared on one seed, line and network together: the options,
the paired tables, the run kind and its resume."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.model import Scenario
from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params
from rxtwin.runs.resilience import (
    RESILIENCE_CATEGORIES_TABLE,
    RESILIENCE_CAUSES_TABLE,
    RESILIENCE_OPTIONS_TABLE,
    RESILIENCE_PRODUCTS_TABLE,
    RESILIENCE_RUN_KIND,
    compare_resilience,
    resilience_options,
)
from rxtwin.store import Store

SMALL = {"n_years": 200, "chunk_size": 20, "line_replications": 5, "entropy": 11}


def with_noop(name: str) -> Scenario:
    """A bundled scenario with an intervention that changes nothing."""
    doc = load_scenario(name).model_dump(mode="json")
    doc["interventions"].append({"id": "noop", "name": "No effect",
                                 "kind": "workforce_training", "failure_mode_changes": []})
    return Scenario.model_validate(doc)


def test_options_are_the_incumbent_then_technologies_then_interventions():
    generic = load_scenario("generic_oral_solid")
    options = resilience_options(generic, "line-1")
    assert options[0].kind == "incumbent" and options[0].technology_id == "batch"
    assert [o.technology_id for o in options if o.kind == "technology"] \
        == [t.id for t in generic.technologies if t.id != "batch"]
    assert [o.intervention_ids for o in options if o.kind == "intervention"] \
        == [(i.id,) for i in generic.interventions]
    with pytest.raises(UserInputError, match="no intervention 'nope'"):
        resilience_options(generic, "line-1", [], ["nope"])


@pytest.fixture(scope="module")
def generic_tables():
    return compare_resilience(with_noop("generic_oral_solid"), technology_ids=["continuous"],
                              intervention_ids=["ebr", "noop", "buffer-stock-60d"], **SMALL)


def test_the_incumbent_avoids_nothing_and_causes_add_up(generic_tables):
    options, by_cause, by_category, by_product = generic_tables
    incumbent = options.iloc[0]
    assert incumbent["kind"] == "incumbent"
    assert incumbent["shortage_days_avoided_per_yr"] == 0.0
    assert incumbent["shortage_days_avoided_per_yr_ci95"] == 0.0
    for _, row in options.iterrows():
        rows = by_cause[by_cause["option"] == row["option"]]
        assert rows["shortage_days_per_yr"].sum() == pytest.approx(
            row["shortage_days_per_yr"], rel=1e-12)
        assert rows["shortage_days_avoided_per_yr"].sum() == pytest.approx(
            row["shortage_days_avoided_per_yr"], rel=1e-9, abs=1e-9)
        products = by_product[by_product["option"] == row["option"]]
        assert products["shortage_days_per_yr"].sum() == pytest.approx(
            row["shortage_days_per_yr"], rel=1e-9)
        assert products["shortage_days_avoided_per_yr"].sum() == pytest.approx(
            row["shortage_days_avoided_per_yr"], rel=1e-9, abs=1e-9)
        groups = by_category[by_category["option"] == row["option"]]
        assert groups["shortage_days_avoided_per_yr"].sum() == pytest.approx(
            row["shortage_days_avoided_per_yr"], rel=1e-9, abs=1e-9)
        assert 0.0 <= row["quality_shortage_days_per_yr"] <= row["shortage_days_per_yr"]


def test_an_intervention_without_effect_changes_no_number(generic_tables):
    options, by_cause, _, _ = generic_tables
    incumbent = options.iloc[0]
    noop = options.set_index("option").loc["noop"]
    for column in ("oee", "rejected_lots_per_yr", "line_fill_rate", "shortage_days_per_yr"):
        assert noop[column] == incumbent[column]
    rows = by_cause[by_cause["option"] == "noop"]
    assert (rows["shortage_days_avoided_per_yr"] == 0.0).all()


def test_more_stock_avoids_shortage_days_of_every_kind_of_cause(generic_tables):
    options = generic_tables.options
    buffer = options.set_index("option").loc["buffer-stock-60d"]
    assert buffer["shortage_days_avoided_per_yr"] \
        > buffer["shortage_days_avoided_per_yr_ci95"] > 0


def test_ebr_and_continuous_remove_quality_caused_shortage_days_only_where_they_act(
        generic_tables):
    table = generic_tables.by_cause.set_index(["option", "cause"])
    # EBR lowers the OAI rate (fewer deviations escape) and leaves recalls alone
    assert table.loc[("ebr", "recall<-oos-batch-reject"), "shortage_days_avoided_per_yr"] \
        == 0.0
    ebr_oai = table.loc[("ebr", "oai_inspection<-inspection"), "shortage_days_avoided_per_yr"]
    assert ebr_oai >= 0.0
    # a continuous line lets fewer out-of-spec lots escape: fewer of their recalls
    assert table.loc[("continuous", "recall<-oos-batch-reject"),
                     "shortage_days_per_yr"] <= table.loc[
        ("batch (incumbent)", "recall<-oos-batch-reject"), "shortage_days_per_yr"]


def test_the_run_kind_stores_the_tables_and_resumes_to_the_same(tmp_path):
    kind = RUN_KINDS[RESILIENCE_RUN_KIND]
    sterile = load_scenario("sterile_injectable")
    raw = {"n_years": 100, "chunk_size": 25, "line_replications": 3, "seed": 5,
           "technologies": [], "interventions": ["rapid-sterility-test"]}
    params = parse_params(RESILIENCE_RUN_KIND, sterile, raw)
    assert kind.n_chunks(params) == 2

    def launch(store: Store) -> str:
        scenario_hash = store.put_scenario(sterile.document(), sterile.name)
        return store.create_run(RESILIENCE_RUN_KIND, scenario_hash,
                                params.model_dump(mode="json"), params.seed,
                                n_chunks=kind.n_chunks(params))

    names = (RESILIENCE_OPTIONS_TABLE, RESILIENCE_CAUSES_TABLE, RESILIENCE_CATEGORIES_TABLE,
             RESILIENCE_PRODUCTS_TABLE)
    with Store.open(tmp_path / "a.sqlite") as store:
        run_id = launch(store)
        execute_run(store, run_id)
        first = {name: store.get_summary(run_id, name) for name in names}
        assert "avoided_by_cause" in kind.figures(store, run_id, sterile, params)
        # a run killed after its first option resumes from it and writes the same tables
        again = launch(store)
        store.start_run(again)
        store.record_chunk(again, 0, store.chunk_summaries(run_id)[0])
        store.fail_run(again, "killed")
        execute_run(store, again)
        for name, frame in first.items():
            assert store.get_summary(again, name).equals(frame)
    rapid = first[RESILIENCE_OPTIONS_TABLE].set_index("option").loc["rapid-sterility-test"]
    assert np.isfinite(rapid["shortage_days_avoided_per_yr_ci95"])
