"""The portfolio MILP agrees with enumeration on any small options table, and a larger
budget never buys less.

Tables hold at most 12 rows (4,096 subsets). Costs and benefits lie on a grid of 0.1: not
exact in binary, so sums carry rounding that the limit and tie tolerances must absorb,
while portfolios of different benefit still differ by at least 0.1, far above HiGHS's
optimality tolerance (1e-6 of the largest benefit); the MILP is expected to match
enumeration exactly: benefit and cost to 1e-9, and the same rows where the optimum is
unique.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from portfolio_tables import check_feasible, n_optimal_portfolios

from rxtwin.priority.portfolio import brute_force_portfolio, efficient_frontier, select_portfolio

BASE_OPTIONS = ("buffer_90d", "second_api_source", "pat", "ebr")
PRODUCTS = ("amoxicillin", "cisplatin", "heparin", "lidocaine")


@st.composite
def options_tables(draw, max_rows: int = 12) -> pd.DataFrame:
    n = draw(st.integers(0, max_rows))
    products = draw(st.lists(st.sampled_from(PRODUCTS), min_size=n, max_size=n))
    members = draw(st.lists(st.lists(st.sampled_from(BASE_OPTIONS), min_size=1, max_size=2,
                                     unique=True), min_size=n, max_size=n))
    costs = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    benefits = draw(st.lists(st.integers(-20, 60), min_size=n, max_size=n))
    return pd.DataFrame({
        "product_id": products,
        # Unique per row; a combination's id lists its base options, as in real tables.
        "option_id": [("combo:" if len(m) > 1 else "") + "+".join(m) + f"#{k}"
                      for k, m in enumerate(members)],
        "public_cost_usd": [c / 10 for c in costs],
        "benefit": [b / 10 for b in benefits],
        "members": ["+".join(m) for m in members],
    })


@st.composite
def instances(draw):
    table = draw(options_tables())
    budget = draw(st.one_of(st.just(math.inf), st.integers(0, 200).map(lambda v: v / 10)))
    rules = {"max_options_per_product": draw(st.integers(1, 3))}
    present = sorted(set(table["product_id"]))
    caps = draw(st.one_of(
        st.none(),
        st.integers(0, 80).map(lambda v: v / 10),
        st.dictionaries(st.sampled_from(present), st.integers(0, 80).map(lambda v: v / 10))
        if present else st.none()))
    if caps is not None:
        rules["product_budget_usd"] = caps
    return table, budget, rules


@given(instances())
def test_milp_matches_enumeration(instance):
    table, budget, rules = instance
    milp = select_portfolio(table, budget, **rules)
    brute = brute_force_portfolio(table, budget, **rules)
    assert abs(milp.benefit - brute.benefit) <= 1e-9
    assert abs(milp.cost_usd - brute.cost_usd) <= 1e-9
    assert milp.status == "optimal"
    check_feasible(milp.chosen, budget, rules["max_options_per_product"],
                   rules.get("product_budget_usd"))
    assert (milp.chosen["benefit"] > 0).all()
    if n_optimal_portfolios(table, budget, **rules) == 1:
        pairs = set(zip(milp.chosen["product_id"], milp.chosen["option_id"], strict=True))
        assert pairs == set(zip(brute.chosen["product_id"], brute.chosen["option_id"],
                                strict=True))


@given(options_tables(), st.lists(st.integers(0, 200), min_size=1, max_size=6),
       st.integers(1, 2))
def test_more_budget_never_buys_less(table, budgets_tenths, max_options):
    budgets = np.sort(np.array(budgets_tenths) / 10)
    frontier = efficient_frontier(table, np.r_[budgets, 2 * budgets],
                                  max_options_per_product=max_options)
    benefit = frontier["benefit"].to_numpy()
    n = len(budgets)
    assert np.all(np.diff(benefit[:n]) >= -1e-9)
    assert np.all(benefit[n:] >= benefit[:n] - 1e-9)
    assert np.all(frontier["cost_usd"] <= frontier["budget_usd"] * (1 + 1e-9))
