"""Ranking and budgeted portfolios of a scenario: the rows explain themselves, the portfolio
respects its budget, the run kinds store their tables and resume to the same."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params
from rxtwin.runs.priority import (
    CHECK_TABLE,
    CHOICE_TABLE,
    FRONTIER_TABLE,
    MEASURES_TABLE,
    PORTFOLIO_RUN_KIND,
    RANK_RUN_KIND,
    RANKING_TABLE,
    Objective,
    plan_portfolio,
    portfolio_candidates,
    prioritize,
)
from rxtwin.store import Store

SMALL = {"n_years": 200, "chunk_size": 50, "entropy": 3}


@pytest.fixture(scope="module")
def sterile():
    return load_scenario("sterile_injectable")


@pytest.fixture(scope="module")
def ranked(sterile):
    return prioritize(sterile, n_draws=50, **SMALL)


def test_every_product_is_ranked_once_with_its_dominant_cause(ranked, sterile):
    table = ranked.ranking
    assert sorted(table["product_id"]) == sorted(p.id for p in sterile.products)
    assert table["rank"].min() == 1 and table["rank"].is_monotonic_increasing
    risk = ranked.study.risk.set_index("product_id")
    for row in table.itertuples():
        assert row.dominant_cause == (risk.loc[row.product_id, "dominant_category"] or "none")


def test_each_score_is_the_product_of_its_printed_sub_scores(ranked):
    table = ranked.ranking
    assert np.allclose(table["score"],
                       table["criticality"] * table["vulnerability"] * table["risk"],
                       rtol=1e-12)


def test_the_best_measure_addresses_the_dominant_cause_when_one_does(ranked):
    effects = ranked.study.effects
    for row in ranked.ranking.itertuples():
        mine = effects[effects["product_id"] == row.product_id]
        addressing = mine[mine["addresses_dominant_cause"]]
        pool = addressing if len(addressing) else mine
        assert row.best_measure == pool.loc[pool["social_npv_usd"].idxmax(), "measure_id"]


def test_harm_benefit_is_criticality_times_shortage_days_avoided(ranked):
    candidates = portfolio_candidates(ranked, Objective.harm)
    criticality = ranked.ranking.set_index("product_id")["criticality"]
    effects = ranked.study.effects
    assert np.allclose(candidates["benefit"],
                       effects["shortage_days_avoided_per_yr"].to_numpy()
                       * criticality.loc[effects["product_id"]].to_numpy())
    social = portfolio_candidates(ranked, Objective.social_npv)
    assert np.allclose(social["benefit"], effects["social_npv_usd"])


@pytest.mark.parametrize("budget_usd", [0.0, 1e5, 1e9])
def test_the_portfolio_keeps_to_its_budget_and_one_measure_per_product(ranked, sterile,
                                                                       budget_usd):
    plan = plan_portfolio(sterile, ranked, budget_usd=budget_usd, n_budgets=4,
                          resimulate=False)
    assert plan.cost_usd <= budget_usd + 1e-6
    assert not plan.choice["product_id"].duplicated().any()
    assert (plan.choice["benefit"] > 0).all()


def test_a_larger_budget_never_avoids_less(ranked, sterile):
    small = plan_portfolio(sterile, ranked, budget_usd=1e5, n_budgets=3, resimulate=False)
    large = plan_portfolio(sterile, ranked, budget_usd=2e5, n_budgets=3, resimulate=False)
    assert large.benefit >= small.benefit - 1e-9
    assert small.frontier["benefit"].is_monotonic_increasing


def test_the_re_simulated_portfolio_is_reported_beside_its_additive_estimate(ranked, sterile):
    plan = plan_portfolio(sterile, ranked, budget_usd=1e9, n_budgets=2)
    table = plan.check.by_product
    chosen = set(plan.choice["product_id"])
    assert set(table.loc[table["additive_shortage_days_avoided_per_yr"] != 0,
                         "product_id"]) <= chosen
    assert np.isfinite(plan.check.simulated_total_ci95)


def test_the_run_kinds_store_their_tables_and_resume_to_the_same(tmp_path, sterile):
    raw = {"n_years": 100, "chunk_size": 25, "seed": 9, "n_draws": 20,
           "measures": ["rapid-sterility-test", "buffer-stock-90d"], "budget_usd": 1e6}
    params = parse_params(PORTFOLIO_RUN_KIND, sterile, raw)
    kind = RUN_KINDS[PORTFOLIO_RUN_KIND]
    assert kind.n_chunks(params) == 4  # no measure, two measures, the re-simulation

    def launch(store: Store) -> str:
        return store.create_run(PORTFOLIO_RUN_KIND,
                                store.put_scenario(sterile.document(), sterile.name),
                                params.model_dump(mode="json"), params.seed,
                                n_chunks=kind.n_chunks(params))

    names = (RANKING_TABLE, MEASURES_TABLE, CHOICE_TABLE, FRONTIER_TABLE, CHECK_TABLE)
    with Store.open(tmp_path / "p.sqlite") as store:
        run_id = launch(store)
        execute_run(store, run_id)
        first = {name: store.get_summary(run_id, name) for name in names}
        figures = kind.figures(store, run_id, sterile, params)
        assert {"ranking", "frontier", "measures_map"} <= set(figures)
        again = launch(store)
        store.start_run(again)
        store.record_chunk(again, 0, store.chunk_summaries(run_id)[0])
        store.fail_run(again, "killed")
        execute_run(store, again)
        for name, frame in first.items():
            assert store.get_summary(again, name).equals(frame), name


def test_the_rank_kind_refuses_unknown_measures(sterile):
    from rxtwin.errors import InputError

    with pytest.raises(InputError, match="no such intervention"):
        parse_params(RANK_RUN_KIND, sterile, {"measures": ["teleportation"]})


def test_a_combination_and_one_of_its_measures_are_never_both_chosen(sterile):
    both = "buffer-stock-90d+rapid-sterility-test"
    ranked = prioritize(sterile, combinations=[both.split("+")], n_draws=20, **SMALL)
    plan = plan_portfolio(sterile, ranked, budget_usd=1e9, max_options_per_product=2,
                          n_budgets=2)
    for product_id, rows in plan.choice.groupby("product_id"):
        members = [m for text in rows["members"] for m in text.split("+")]
        assert len(members) == len(set(members)), product_id
    assert plan.check is not None


def test_a_bad_combination_is_refused_by_name(sterile):
    from rxtwin.errors import InputError

    with pytest.raises(InputError, match="join two or more"):
        parse_params(RANK_RUN_KIND, sterile, {"combinations": ["buffer-stock-90d+nope"]})
