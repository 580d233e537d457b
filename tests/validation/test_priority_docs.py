"""The figures docs/priority.md quotes for the bundled sterile scenario are recomputed here:
the first three ranked products and the portfolio's additive and re-simulated shortage-days
avoided (seed 1, 1,000 scenario-years per run), so the page cannot go stale.

Compared: the rounded figures as the page prints them (score to 3 decimals, sub-scores to 2,
shortage-days to 1, money in million USD to 2) — the page's own precision."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.runs.priority import plan_portfolio, prioritize

DOC = Path(__file__).resolve().parents[2] / "docs" / "priority.md"


@pytest.fixture(scope="module")
def study():
    scenario = load_scenario("sterile_injectable")
    ranked = prioritize(scenario, entropy=1, n_years=1000, chunk_size=100)
    plan = plan_portfolio(scenario, ranked, budget_usd=3e5, max_options_per_product=2,
                          n_budgets=5)
    return ranked, plan


def _money(usd: float) -> str:
    return f"{usd / 1e6:.2f} M".replace("-", "−")


def test_the_ranked_rows_on_the_page_are_recomputed(study):
    ranked, _ = study
    text = DOC.read_text()
    for row in ranked.ranking.nsmallest(3, "rank").itertuples():
        line = (f"| {row.rank} | {row.name} | {row.score:.3f} | {row.criticality:.2f} | "
                f"{row.vulnerability:.2f} | {row.risk:.2f} | {row.shortage_days_per_yr:.1f} | "
                f"{row.dominant_cause} | {row.best_measure} | "
                f"{row.best_shortage_days_avoided_per_yr:.1f} | {_money(row.best_firm_npv_usd)} | "
                f"{_money(row.best_social_npv_usd)} | {_money(row.best_public_cost_usd)} |")
        assert line in text, line


def test_the_portfolio_figures_on_the_page_are_recomputed(study):
    _, plan = study
    text = DOC.read_text()
    additive = f"{plan.check.additive_total:.1f}"
    simulated = f"{plan.check.simulated_total:.1f}"
    assert re.search(rf"add up to\s+{re.escape(additive)} shortage-days", text), additive
    assert re.search(rf"whole the portfolio avoids {re.escape(simulated)}", text), simulated
    rapid = plan.choice[plan.choice["option_id"] == "rapid-sterility-test"]
    buffers = plan.choice[plan.choice["option_id"] == "buffer-stock-90d"]
    assert len(buffers) == 8 and (buffers["public_cost_usd"] == 0).all()
    assert f"rapid sterility test for {['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'][len(rapid)]} of them " \
           f"({rapid['public_cost_usd'].sum() / 1e6:.2f} M USD)" in " ".join(text.split())
