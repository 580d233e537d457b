"""Budgeted portfolio: the table is checked at the door; hand cases with known optima; the
MILP agrees with enumeration on seeded random tables; the efficient frontier behaves as an
optimum of a growing budget must."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from portfolio_tables import check_feasible, n_optimal_portfolios, random_options_table

from rxtwin.errors import UnknownIdError, UserInputError
from rxtwin.priority import portfolio
from rxtwin.priority.portfolio import (
    FRONTIER_COLUMNS,
    brute_force_portfolio,
    efficient_frontier,
    enumerate_portfolios,
    frontier_budgets,
    select_portfolio,
)


def options(rows, members=None) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["product_id", "option_id", "public_cost_usd",
                                        "benefit"])
    if members is not None:
        table["members"] = members
    return table


def chosen_pairs(choice) -> set[tuple[str, str]]:
    return set(zip(choice.chosen["product_id"], choice.chosen["option_id"], strict=True))


# ---------------------------------------------------------------------------- build
VALID = options([("A", "buffer_90d", 1.0, 2.0), ("A", "pat", 2.0, 3.0),
                 ("B", "buffer_90d", 1.5, 1.0)])


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("public_cost_usd", -5.0, r"'public_cost_usd' must be finite and >= 0; row 1 "
                              r"\(product 'A', option 'pat'\) has -5\.0"),
    ("public_cost_usd", math.nan, r"'public_cost_usd' must be finite and >= 0; row 1 .* nan"),
    ("public_cost_usd", math.inf, r"'public_cost_usd' must be finite and >= 0; row 1 .* inf"),
    ("benefit", math.nan, r"'benefit' must be finite \(not NaN or infinite\); row 1 .* nan"),
    ("benefit", -math.inf, r"'benefit' must be finite .* -inf"),
    ("public_cost_usd", "lots", r"'public_cost_usd' must hold numbers; row 1 .* 'lots'"),
    ("option_id", None, r"'option_id' must not be empty; rows 1"),
])
def test_a_bad_value_is_rejected_naming_column_row_and_rule(column, value, expected):
    table = VALID.astype({column: object}) if isinstance(value, str | None) else VALID.copy()
    table.loc[1, column] = value
    with pytest.raises(UserInputError, match=expected):
        select_portfolio(table, 10.0)


def test_a_repeated_product_option_pair_is_rejected():
    table = pd.concat([VALID, VALID.iloc[[1]]], ignore_index=True)
    with pytest.raises(UserInputError, match=r"each \(product_id, option_id\) once; row 3 "
                                             r"\(product 'A', option 'pat'\)"):
        select_portfolio(table, 10.0)


def test_a_missing_column_is_named():
    with pytest.raises(UserInputError, match="missing benefit"):
        select_portfolio(VALID.drop(columns="benefit"), 10.0)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"budget_usd": -1.0}, r"budget_usd = -1\.0 must be >= 0"),
    ({"budget_usd": math.nan}, r"budget_usd = nan must be >= 0"),
    ({"budget_usd": "1e6"}, r"budget_usd must be a number"),
    ({"budget_usd": 5.0, "max_options_per_product": 0}, r"max_options_per_product = 0"),
    ({"budget_usd": 5.0, "product_budget_usd": -2.0}, r"product_budget_usd = -2\.0 must"),
    ({"budget_usd": 5.0, "product_budget_usd": {"A": math.nan}},
     r"product_budget_usd\['A'\] = nan must be >= 0"),
    ({"budget_usd": 5.0, "mip_rel_gap": 1.5}, r"mip_rel_gap = 1\.5"),
])
def test_bad_arguments_are_rejected_with_their_value(kwargs, expected):
    with pytest.raises(UserInputError, match=expected):
        select_portfolio(VALID, **kwargs)


def test_a_cap_for_an_unknown_product_is_an_unknown_id():
    with pytest.raises(UnknownIdError, match="not in the options table: 'Z'"):
        select_portfolio(VALID, 5.0, product_budget_usd={"A": 1.0, "Z": 1.0})


def test_members_must_name_a_base_option():
    table = VALID.assign(members=["buffer_90d", "", None])
    with pytest.raises(UserInputError, match="'members' of option 'pat' must name"):
        select_portfolio(table, 5.0)


def test_docstring_examples_run():
    result = doctest.testmod(portfolio, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------------------- solve
def test_textbook_knapsack_with_one_option_per_product():
    # 0-1 knapsack, capacity 10, (cost, benefit) = (5, 10), (4, 40), (6, 30), (3, 50).
    # By hand: all three-item sets weigh >= 12 > 10; of the pairs within 10,
    # {2, 4} (weight 7, value 90) beats {3, 4} (9, 80), {2, 3} (10, 70), {1, 4} (8, 60),
    # {1, 2} (9, 50); so the optimum is items 2 and 4, value 90, cost 7.
    table = options([("i1", "x", 5.0, 10.0), ("i2", "x", 4.0, 40.0),
                     ("i3", "x", 6.0, 30.0), ("i4", "x", 3.0, 50.0)])
    choice = select_portfolio(table, 10.0)
    assert chosen_pairs(choice) == {("i2", "x"), ("i4", "x")}
    assert choice.benefit == 90.0
    assert choice.cost_usd == 7.0
    assert choice.status == "optimal"
    assert choice.mip_gap == pytest.approx(0.0, abs=1e-9)
    assert choice.budget_usd == 10.0


def test_one_option_per_product_picks_the_combination_when_it_pays():
    # Product A: buffer (cost 2, benefit 5), PAT (3, 4), both as a combination (5, 11);
    # product B: buffer (4, 6). Budget 9: A-combo + B-buffer costs 9 and gives 17; any
    # other choice gives at most 5 + 6 = 11 (A-buffer + B) or 11 (combo alone).
    table = options([("A", "buffer_90d", 2.0, 5.0), ("A", "pat", 3.0, 4.0),
                     ("A", "combo:buffer_90d+pat", 5.0, 11.0),
                     ("B", "buffer_90d", 4.0, 6.0)],
                    members=["buffer_90d", "pat", "buffer_90d+pat", "buffer_90d"])
    choice = select_portfolio(table, 9.0)
    assert chosen_pairs(choice) == {("A", "combo:buffer_90d+pat"), ("B", "buffer_90d")}
    assert choice.benefit == 17.0
    # Budget 8: the combination no longer fits beside B; A-buffer + B (cost 6, benefit 11)
    # ties with the combination alone (cost 5, benefit 11): the cheaper wins.
    choice = select_portfolio(table, 8.0)
    assert chosen_pairs(choice) == {("A", "combo:buffer_90d+pat")}


def test_a_combination_and_its_part_are_never_bought_together():
    # Two options per product allowed: buffer + PAT separately (2 + 3, benefit 5 + 4) and
    # the combination (5, benefit 11). Without the member rule the combination plus the
    # buffer (cost 7, benefit 16) would win: the buffer would be bought twice.
    table = options([("A", "buffer_90d", 2.0, 5.0), ("A", "pat", 3.0, 4.0),
                     ("A", "combo:buffer_90d+pat", 5.0, 11.0)],
                    members=["buffer_90d", "pat", ["buffer_90d", "pat"]])
    choice = select_portfolio(table, 100.0, max_options_per_product=2)
    assert chosen_pairs(choice) == {("A", "combo:buffer_90d+pat")}
    check_feasible(choice.chosen.assign(members=["buffer_90d+pat"]), 100.0, 2, None)


def test_of_two_portfolios_with_the_same_benefit_the_cheaper_is_chosen():
    # Only one of the two fits the budget of 7; both give 5. Listed expensive first so
    # that table order cannot pick the right answer by accident.
    table = options([("A", "second_api_source", 6.0, 5.0), ("B", "buffer_90d", 4.0, 5.0),
                     ("C", "pat", 3.0, 2.5), ("D", "ebr", 3.5, 2.5)])
    choice = select_portfolio(table, 7.0)
    # {B} (4, 5) and {C, D} (6.5, 5) and {A} (6, 5) tie at 5; {B, C} (7, 7.5) beats them.
    assert chosen_pairs(choice) == {("B", "buffer_90d"), ("C", "pat")}
    choice = select_portfolio(table, 6.9)
    # Now {B, C} does not fit: five-valued portfolios tie; {B} is the cheapest.
    assert chosen_pairs(choice) == {("B", "buffer_90d")}
    assert choice.cost_usd == 4.0


def test_an_option_with_no_effect_is_never_chosen_even_when_free():
    table = options([("A", "buffer_90d", 0.0, 0.0), ("A", "pat", 0.0, -1.0),
                     ("B", "buffer_90d", 0.0, 0.0), ("C", "ebr", 1.0, 3.0)])
    choice = select_portfolio(table, math.inf, max_options_per_product=3)
    assert chosen_pairs(choice) == {("C", "ebr")}
    assert choice.n_candidates == 1


def test_edge_cases_empty_zero_budget_all_negative():
    empty = select_portfolio(options([]), 1e6)
    assert (empty.benefit, empty.cost_usd, len(empty.chosen), empty.status) == \
        (0.0, 0.0, 0, "optimal")
    assert list(empty.chosen.columns) == ["product_id", "option_id", "public_cost_usd",
                                          "benefit"]
    table = options([("A", "grant", 0.0, 1.0), ("A", "pat", 1.0, 5.0),
                     ("B", "buffer_90d", 2.0, 4.0)])
    zero = select_portfolio(table, 0.0)
    assert chosen_pairs(zero) == {("A", "grant")}
    negative = select_portfolio(table.assign(benefit=-table["benefit"]), 1e6)
    assert (negative.benefit, len(negative.chosen)) == (0.0, 0)


def test_product_caps_as_mapping_and_as_one_number():
    table = options([("A", "cheap", 1.0, 2.0), ("A", "dear", 5.0, 6.0),
                     ("B", "cheap", 1.0, 1.0), ("B", "dear", 4.0, 3.0)])
    assert chosen_pairs(select_portfolio(table, 100.0)) == {("A", "dear"), ("B", "dear")}
    capped = select_portfolio(table, 100.0, product_budget_usd={"A": 3.0})
    assert chosen_pairs(capped) == {("A", "cheap"), ("B", "dear")}
    both = select_portfolio(table, 100.0, product_budget_usd=3.0)
    assert chosen_pairs(both) == {("A", "cheap"), ("B", "cheap")}
    # Two per product within a cap of 5.5 on A: cheap + dear costs 6 > 5.5, so A buys dear.
    two = select_portfolio(table, 100.0, max_options_per_product=2,
                           product_budget_usd={"A": 5.5})
    assert chosen_pairs(two) == {("A", "dear"), ("B", "cheap"), ("B", "dear")}


def test_the_chosen_rows_keep_their_columns_and_index_labels():
    table = VALID.assign(note=["x", "y", "z"]).set_axis([10, 20, 30])
    # Budget 3.5: pat on A (2, 3) and the buffer on B (1.5, 1) give 4; nothing else does.
    choice = select_portfolio(table, 3.5)
    assert list(choice.chosen.index) == [20, 30]
    assert list(choice.chosen["note"]) == ["y", "z"]
    assert choice.benefit == pytest.approx(choice.chosen["benefit"].sum(), abs=0.0)


# ---------------------------------------------------------------------------- reference
def test_milp_matches_enumeration_on_seeded_tables():
    rng = np.random.default_rng(20240611)
    unique = 0
    n_cases = 150
    for case in range(n_cases):
        table = random_options_table(rng, int(rng.integers(1, 13)))
        rules = {"max_options_per_product": int(rng.integers(1, 4))}
        if case % 3 == 1:
            rules["product_budget_usd"] = float(rng.uniform(0.0, 15.0))
        elif case % 3 == 2:
            rules["product_budget_usd"] = {"P0": float(rng.uniform(0.0, 15.0))} \
                if "P0" in set(table["product_id"]) else None
        budget = float(rng.choice([0.0, rng.uniform(0.0, 30.0), math.inf]))
        milp = select_portfolio(table, budget, **rules)
        brute = brute_force_portfolio(table, budget, **rules)
        assert milp.benefit == pytest.approx(brute.benefit, abs=1e-9), case
        assert milp.cost_usd == pytest.approx(brute.cost_usd, abs=1e-9), case
        check_feasible(milp.chosen, budget, rules["max_options_per_product"],
                       rules.get("product_budget_usd"))
        assert (milp.chosen["benefit"] > 0).all()
        if n_optimal_portfolios(table, budget, **rules) == 1:
            unique += 1
            assert chosen_pairs(milp) == chosen_pairs(brute), case
    # The set comparison must have bitten on most cases, not been skipped.
    assert unique >= 0.8 * n_cases


def test_ties_go_to_the_cheaper_portfolio_as_in_enumeration():
    # Small whole-number benefits make portfolios of equal benefit and different cost
    # common; the cost must still match the enumeration's cheapest tied portfolio.
    rng = np.random.default_rng(3)
    n_tied = 0
    for case in range(120):
        table = random_options_table(rng, int(rng.integers(2, 13)), decimals=0)
        table["benefit"] = rng.integers(-1, 4, size=len(table)).astype(float)
        budget = float(rng.integers(0, 25))
        milp = select_portfolio(table, budget, max_options_per_product=2)
        found = enumerate_portfolios(table, budget, max_options_per_product=2)
        best = found.benefit == found.benefit.max()
        n_tied += int(len(np.unique(found.cost_usd[best])) > 1)
        assert milp.benefit == found.benefit.max(), case
        assert milp.cost_usd == found.cost_usd[best].min(), case
    assert n_tied >= 40  # the tie rule decided a good part of the cases


def test_enumeration_lists_every_feasible_subset_of_a_small_table():
    # Two products, one option each allowed, budget 3: subsets {}, {a1}, {a2}, {b1}, {a1, b1}
    # ({a2, b1} costs 4 > 3; {a1, a2} breaks one-per-product).
    table = options([("A", "a1", 1.0, 1.0), ("A", "a2", 2.0, 2.0), ("B", "b1", 2.0, 4.0)])
    found = enumerate_portfolios(table, 3.0)
    subsets = {tuple(row) for row in found.chosen.astype(int)}
    assert subsets == {(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1)}
    with pytest.raises(UserInputError, match="at most 18 rows"):
        enumerate_portfolios(options([(f"P{k}", "x", 1.0, 1.0) for k in range(19)]), 1.0)


# ---------------------------------------------------------------------------- frontier
def test_frontier_is_monotone_and_reaches_the_sum_of_best_options():
    rng = np.random.default_rng(7)
    table = pd.concat([random_options_table(rng, 40) for _ in range(3)], ignore_index=True)
    table["product_id"] = [f"{p}-{k // 40}" for k, p in enumerate(table["product_id"])]
    table["option_id"] = [f"{o}-{k}" for k, o in enumerate(table["option_id"])]
    positive = table[table["benefit"] > 0]
    top = positive["public_cost_usd"].sum()
    budgets = np.r_[np.linspace(0.0, top / 2, 15), top]
    frontier = efficient_frontier(table, budgets)
    assert list(frontier.columns) == list(FRONTIER_COLUMNS)
    assert list(frontier["budget_usd"]) == list(budgets)
    assert np.all(np.diff(frontier["benefit"]) >= -1e-9)
    assert np.all(frontier["cost_usd"] <= frontier["budget_usd"] * (1 + 1e-9))
    # Doubling the budget never lowers the benefit.
    doubled = efficient_frontier(table, 2 * budgets[:-1])
    assert np.all(doubled["benefit"].to_numpy() >= frontier["benefit"].to_numpy()[:-1] - 1e-9)
    # With money for everything and one option per product: each product's best option.
    assert frontier["benefit"].iloc[-1] == pytest.approx(
        positive.groupby("product_id")["benefit"].max().sum(), rel=1e-12)
    # The compact text names exactly the chosen options.
    last = select_portfolio(table, top)
    assert frontier["chosen_options"].iloc[-1] == "; ".join(
        f"{p}: {o}" for p, o in zip(last.chosen["product_id"], last.chosen["option_id"],
                                    strict=True))
    assert frontier["n_chosen"].iloc[-1] == len(last.chosen)


def test_frontier_budgets_run_from_zero_to_the_cost_of_the_unconstrained_optimum():
    table = options([("A", "a1", 1.0, 1.0), ("A", "a2", 3.0, 5.0), ("A", "a3", 4.0, 5.0),
                     ("B", "b1", 2.0, 4.0), ("C", "c1", 9.0, -1.0)])
    budgets = frontier_budgets(table, 5)
    # Unconstrained optimum: a2 (a3 ties at higher cost) + b1 = cost 5; c1 never.
    np.testing.assert_allclose(budgets, [0.0, 1.25, 2.5, 3.75, 5.0])
    frontier = efficient_frontier(table, budgets)
    assert frontier["benefit"].iloc[-1] == 9.0
    assert frontier["benefit"].iloc[0] == 0.0
    with pytest.raises(UserInputError, match="n = 1 must be"):
        frontier_budgets(table, 1)


def test_national_size_instance_has_the_known_optimum():
    # 300 products x 10 options, every option costing 1: with budget k and one option per
    # product, the optimum buys the best option of the k products whose best is largest.
    # Costs are equal, so the tie rule cannot help; the check is on the benefit.
    rng = np.random.default_rng(11)
    n_products, n_options = 300, 10
    table = options([(f"P{p:03d}", f"o{o}", 1.0, round(float(rng.lognormal(0.0, 1.0)), 6))
                     for p in range(n_products) for o in range(n_options)])
    best = np.sort(table.groupby("product_id")["benefit"].max().to_numpy())[::-1]
    frontier = efficient_frontier(table, [0.0, 37.0, 150.0, 300.0])
    np.testing.assert_allclose(frontier["benefit"], [0.0, best[:37].sum(), best[:150].sum(),
                                                     best.sum()], rtol=1e-12)
    assert list(frontier["n_chosen"]) == [0, 37, 150, 300]
    assert set(frontier["status"]) == {"optimal"}
