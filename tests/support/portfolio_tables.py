"""Options tables for the budgeted-portfolio tests, and checks written apart from the engine.

The checks here recompute spend, counts and shared base options straight from the chosen
rows, so a test does not trust the engine's own bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rxtwin.priority.portfolio import TIE_RTOL, enumerate_portfolios


def random_options_table(rng: np.random.Generator, n_rows: int, *,
                         decimals: int = 3) -> pd.DataFrame:
    """A table of about ``n_rows`` rows: 1-4 products, base options and combinations.

    Costs [USD] and benefits are rounded to ``decimals`` places: portfolios of different
    benefit then differ by at least about 10**-decimals, far above HiGHS's optimality
    tolerance (1e-6 of the largest benefit), so the solver is expected to be exact.
    About one row in six has a benefit <= 0, and one in ten costs nothing.
    """
    records = []
    n_products = int(rng.integers(1, 5))
    for row in range(n_rows):
        product = f"P{int(rng.integers(n_products))}"
        base = ["buffer_90d", "second_api_source", "pat", "ebr"]
        if rng.random() < 0.3:
            members = sorted(rng.choice(base, size=2, replace=False).tolist())
            option = "combo:" + "+".join(members)
        else:
            members = [str(rng.choice(base))]
            option = members[0]
        cost = 0.0 if rng.random() < 0.1 else round(float(rng.uniform(0.5, 10.0)), decimals)
        benefit = round(float(rng.uniform(-2.0, 10.0)), decimals)
        records.append((product, f"{option}#{row}", cost, benefit, "+".join(members)))
    return pd.DataFrame(records, columns=["product_id", "option_id", "public_cost_usd",
                                          "benefit", "members"])


def check_feasible(chosen: pd.DataFrame, budget_usd: float, max_options_per_product: int,
                   product_budget_usd: Mapping[str, float] | float | None) -> None:
    """Assert the chosen rows respect the budget, counts, caps and shared base options."""
    slack = 1e-9
    assert chosen["public_cost_usd"].sum() <= budget_usd * (1 + slack)
    for product, rows in chosen.groupby("product_id"):
        assert len(rows) <= max_options_per_product
        if isinstance(product_budget_usd, Mapping):
            cap = product_budget_usd.get(product, np.inf)
        else:
            cap = np.inf if product_budget_usd is None else product_budget_usd
        assert rows["public_cost_usd"].sum() <= cap * (1 + slack)
        if "members" in rows:
            members = [m for text in rows["members"] for m in str(text).split("+")]
            assert len(members) == len(set(members)), f"a base option bought twice: {members}"


def n_optimal_portfolios(table: pd.DataFrame, budget_usd: float, **rules) -> int:
    """How many feasible portfolios of rows with a positive benefit share the best benefit
    and, among those, the lowest cost (ties within ``TIE_RTOL`` of the largest benefit and
    cost). Rows of benefit <= 0 are never chosen, so portfolios holding one do not count
    as alternatives."""
    found = enumerate_portfolios(table, budget_usd, **rules)
    useless = table["benefit"].to_numpy() <= 0.0
    keep = ~found.chosen[:, useless].any(axis=1)
    found = type(found)(chosen=found.chosen[keep], benefit=found.benefit[keep],
                        cost_usd=found.cost_usd[keep])
    benefit_tol = TIE_RTOL * np.abs(table["benefit"].to_numpy(float)).max(initial=1e-300)
    cost_tol = TIE_RTOL * table["public_cost_usd"].to_numpy(float).max(initial=1e-300)
    best = found.benefit >= found.benefit.max() - benefit_tol
    cheapest = best & (found.cost_usd <= found.cost_usd[best].min() + cost_tol)
    return int(cheapest.sum())
