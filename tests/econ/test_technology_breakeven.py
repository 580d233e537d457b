"""Break-even of a technology switch (rxtwin.econ.technology_breakeven): Brent's method
checked against a brute-force grid, and the performances callback contract.

The line performances of each point come from rxtwin.runs.econ.LinePerformances (the
simulator, one entropy everywhere) or, for the contract, from a recording fake.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.breakeven import BreakevenBracketError
from rxtwin.econ.technology import required_subsidy
from rxtwin.econ.technology_breakeven import (
    BreakevenParam,
    BreakevenStudy,
    breakeven_1d,
    breakeven_map_2d,
    point_npvs,
)
from rxtwin.runs.econ import LinePerformances, appraise_technology, bundled_appraisal_terms

REPS = 60
SEED = 11


@pytest.fixture(scope="module")
def hv():
    return load_scenario("high_volume_single_product")


@pytest.fixture(scope="module")
def terms():
    return bundled_appraisal_terms()


def _simulator(n_replications=REPS):
    return LinePerformances("line-1", n_replications, SEED, skip_infeasible=True)


def _grid_crossing(f, grid):
    """Brute force: the grid interval where f changes sign."""
    values = [f(x) for x in grid]
    for a, b, fa, fb in zip(grid[:-1], grid[1:], values[:-1], values[1:], strict=True):
        if np.sign(fa) != np.sign(fb):
            return a, b
    raise AssertionError(f"no sign change on the grid: {values}")


@pytest.mark.parametrize(("name", "tech", "param", "grid"), [
    ("high_volume_single_product", "continuous", "capex_scale", np.linspace(0.0, 1.0, 26)),
    ("high_volume_single_product", "continuous", "capex_grant", np.linspace(0.0, 1.0, 41)),
    ("generic_oral_solid", "advanced_batch", "price_scale", np.linspace(0.05, 1.0, 20)),
])
def test_breakeven_lies_in_the_grid_interval_where_npv_changes_sign(name, tech, param, grid,
                                                                    terms):
    scenario = load_scenario(name)
    study = BreakevenStudy(scenario, "line-1", (tech,), "batch", _simulator(), terms)
    cache: dict = {}

    def npv(x):
        return point_npvs(study, {BreakevenParam(param): x}, cache)[tech]

    lo, hi = _grid_crossing(npv, list(grid))
    root = breakeven_1d(scenario, param, _simulator(), terms, option_tech_id=tech,
                        lo=grid[0], hi=grid[-1])
    assert lo <= root <= hi
    assert abs(npv(root)) < 1.0


def test_grant_breakeven_equals_required_subsidy(hv, terms):
    base = appraise_technology(hv, "line-1", "continuous", n_replications=REPS, entropy=SEED)
    assert breakeven_1d(hv, "capex_grant", _simulator(), terms,
                        option_tech_id="continuous") == pytest.approx(
        required_subsidy(base, hv, "line-1"), abs=1e-6)


def test_volume_breakeven_with_simulations_matches_the_grid(hv, terms):
    # PAT on the single product: the simulated NPV (common random numbers) crosses 0 as the
    # volume grows. Each volume re-plans the campaigns, so the NPV is piecewise smooth with
    # jumps of Monte Carlo size and may cross 0 more than once; the grid brackets the
    # crossings and Brent's result must be a sign change of the NPV (within 1e-5)
    study = BreakevenStudy(hv, "line-1", ("advanced_batch",), "batch", _simulator(), terms)
    cache: dict = {}

    def npv(x):
        return point_npvs(study, {BreakevenParam.VOLUME_SCALE: x}, cache)["advanced_batch"]

    grid = np.round(np.linspace(0.25, 0.75, 11), 10)
    values = np.array([npv(x) for x in grid])
    crossings = [(a, b) for a, b, fa, fb in zip(grid[:-1], grid[1:], values[:-1], values[1:],
                                                  strict=True) if np.sign(fa) != np.sign(fb)]
    assert crossings
    root = breakeven_1d(hv, "volume_scale", _simulator(), terms,
                        option_tech_id="advanced_batch", lo=0.25, hi=0.75)
    assert crossings[0][0] <= root <= crossings[-1][1] or min(
        abs(root - a) for a, _ in crossings) < 0.05
    left, right = npv(root - 1e-5), npv(root + 1e-5)
    assert np.sign(left) != np.sign(right) or abs(npv(root)) < 1.0


def test_over_capacity_points_are_nan(hv, terms):
    study = BreakevenStudy(hv, "line-1", ("hybrid",), "batch", _simulator(), terms)
    # +25 % volume: the batch line is over capacity (its plan is infeasible)
    assert np.isnan(point_npvs(study, {BreakevenParam.VOLUME_SCALE: 1.25})["hybrid"])


class _Recording:
    """A fake performances_at: the baseline's performances for every technology it is asked
    for except those in ``cannot``; records each call's (products, demand, technologies)."""

    def __init__(self, performances, cannot=()):
        self.performances, self.cannot, self.calls = performances, set(cannot), []

    def __call__(self, scenario, technology_ids):
        line = scenario.line("line-1")
        demand = sum(scenario.product(p).demand_units_per_yr for p in line.product_ids)
        self.calls.append((len(line.product_ids), demand, tuple(technology_ids)))
        return {t: self.performances["batch"] for t in technology_ids if t not in self.cannot}


@pytest.fixture(scope="module")
def batch_perf():
    scenario = load_scenario("generic_oral_solid")
    return _simulator(20)(scenario, ["batch"])


def test_a_point_asks_for_the_variants_performances_baseline_first(batch_perf, terms):
    scenario = load_scenario("generic_oral_solid")
    fake = _Recording(batch_perf)
    study = BreakevenStudy(scenario, "line-1", ("continuous", "hybrid"), "batch", fake, terms)
    demand = sum(scenario.product(p).demand_units_per_yr
                 for p in scenario.line("line-1").product_ids[:3])
    cache: dict = {}
    npvs = point_npvs(study, {BreakevenParam.PRODUCTS_PER_LINE: 3,
                              BreakevenParam.VOLUME_SCALE: 2.0}, cache)
    assert fake.calls == [(3, pytest.approx(2 * demand), ("batch",)),
                          (3, pytest.approx(2 * demand), ("continuous", "hybrid"))]
    assert set(npvs) == {"continuous", "hybrid"} and all(map(math.isfinite, npvs.values()))
    # a price or subsidy at the same simulated point reuses the cached performances
    point_npvs(study, {BreakevenParam.PRODUCTS_PER_LINE: 3, BreakevenParam.VOLUME_SCALE: 2.0,
                       BreakevenParam.ITC: 0.5}, cache)
    assert len(fake.calls) == 2


def test_a_technology_left_out_has_no_npv_and_a_missing_baseline_stops_the_point(batch_perf,
                                                                                 terms):
    scenario = load_scenario("generic_oral_solid")
    option_out = _Recording(batch_perf, cannot={"hybrid"})
    study = BreakevenStudy(scenario, "line-1", ("continuous", "hybrid"), "batch", option_out,
                           terms)
    npvs = point_npvs(study, {BreakevenParam.PRICE_SCALE: 1.0})
    assert math.isfinite(npvs["continuous"]) and math.isnan(npvs["hybrid"])
    baseline_out = _Recording(batch_perf, cannot={"batch"})
    study = BreakevenStudy(scenario, "line-1", ("continuous", "hybrid"), "batch",
                           baseline_out, terms)
    npvs = point_npvs(study, {BreakevenParam.PRICE_SCALE: 1.0})
    assert all(map(math.isnan, npvs.values()))
    assert [call[2] for call in baseline_out.calls] == [("batch",)]  # no option asked for


def test_products_per_line_breakeven_is_an_integer_sign_change(terms):
    scenario = load_scenario("generic_oral_solid")
    with pytest.raises(BreakevenBracketError, match="products_per_line"):
        # CM never breaks even on 1..4 products of the generic line at these settings
        breakeven_1d(scenario, "products_per_line", _simulator(20), terms,
                     option_tech_id="continuous", lo=1, hi=4)


def test_map_has_every_cell_and_technology_and_a_consistent_winner(hv, terms):
    frame = breakeven_map_2d(hv, "price_scale", [0.8, 1.5], "capex_grant", [0.0, 0.5],
                             _simulator(), terms, technology_ids=["advanced_batch", "hybrid"])
    assert list(frame.columns) == ["price_scale", "capex_grant", "technology", "npv_usd",
                                   "winner"]
    assert len(frame) == 2 * 2 * 2
    for _, cell in frame.groupby(["price_scale", "capex_grant"]):
        best = cell.loc[cell["npv_usd"].idxmax()]
        expected = best["technology"] if best["npv_usd"] >= 0 else "batch"
        assert (cell["winner"] == expected).all()
    # NPV rises with the grant at fixed price (monotone in the subsidy)
    hybrid = frame[frame["technology"] == "hybrid"].set_index(["price_scale", "capex_grant"])
    assert hybrid.loc[(0.8, 0.5), "npv_usd"] > hybrid.loc[(0.8, 0.0), "npv_usd"]
    with pytest.raises(ValueError, match="two parameters"):
        breakeven_map_2d(hv, "itc", [0.1], "itc", [0.2], _simulator(), terms)
