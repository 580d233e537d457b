"""Break-even of a technology switch: Brent's method checked against a brute-force grid."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.appraisal import (
    BreakevenParam,
    _point_npvs,
    _Study,
    appraise_technology,
    breakeven_1d,
    breakeven_map_2d,
    required_subsidy,
    with_demand_scale,
    with_first_products,
)
from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.breakeven import BreakevenBracketError
from rxtwin.stats import map_serial

REPS = 60
SEED = 11


@pytest.fixture(scope="module")
def hv():
    return load_scenario("high_volume_single_product")


def _grid_crossing(f, grid):
    """Brute force: the grid interval where f changes sign."""
    values = [f(x) for x in grid]
    for a, b, fa, fb in zip(grid[:-1], grid[1:], values[:-1], values[1:], strict=True):
        if np.sign(fa) != np.sign(fb):
            return a, b
    raise AssertionError(f"no sign change on the grid: {values}")


@pytest.mark.parametrize(("name", "tech", "param", "grid"), [
    ("high_volume_single_product", "continuous", "capex_scale", np.linspace(0.0, 0.5, 26)),
    ("high_volume_single_product", "continuous", "capex_grant", np.linspace(0.0, 1.0, 41)),
    ("generic_oral_solid", "advanced_batch", "price_scale", np.linspace(0.05, 1.0, 20)),
])
def test_breakeven_lies_in_the_grid_interval_where_npv_changes_sign(name, tech, param, grid):
    scenario = load_scenario(name)
    study = _Study(scenario, "line-1", (tech,), "batch", REPS, SEED, map_serial)
    cache: dict = {}

    def npv(x):
        return _point_npvs(study, {BreakevenParam(param): x}, cache)[tech]

    lo, hi = _grid_crossing(npv, list(grid))
    root = breakeven_1d(scenario, param, option_tech_id=tech, lo=grid[0], hi=grid[-1],
                        n_replications=REPS, entropy=SEED)
    assert lo <= root <= hi
    assert abs(npv(root)) < 1.0


def test_grant_breakeven_equals_required_subsidy(hv):
    base = appraise_technology(hv, "line-1", "continuous", n_replications=REPS, entropy=SEED)
    assert breakeven_1d(hv, "capex_grant", option_tech_id="continuous", n_replications=REPS,
                        entropy=SEED) == pytest.approx(required_subsidy(base, hv, "line-1"),
                                                       abs=1e-6)


def test_volume_breakeven_with_simulations_matches_the_grid(hv):
    # PAT on the single product: the simulated NPV (common random numbers) crosses 0 as the
    # volume grows. Each volume re-plans the campaigns, so the NPV is piecewise smooth with
    # jumps of Monte Carlo size and may cross 0 more than once; the grid brackets the
    # crossings and Brent's result must be a sign change of the NPV (within 1e-5)
    study = _Study(hv, "line-1", ("advanced_batch",), "batch", REPS, SEED, map_serial)
    cache: dict = {}

    def npv(x):
        return _point_npvs(study, {BreakevenParam.VOLUME_SCALE: x}, cache)["advanced_batch"]

    grid = np.round(np.linspace(0.25, 0.75, 11), 10)
    values = np.array([npv(x) for x in grid])
    crossings = [(a, b) for a, b, fa, fb in zip(grid[:-1], grid[1:], values[:-1], values[1:],
                                                  strict=True) if np.sign(fa) != np.sign(fb)]
    assert crossings
    root = breakeven_1d(hv, "volume_scale", option_tech_id="advanced_batch", lo=0.25, hi=0.75,
                        n_replications=REPS, entropy=SEED)
    assert crossings[0][0] <= root <= crossings[-1][1] or min(
        abs(root - a) for a, _ in crossings) < 0.05
    left, right = npv(root - 1e-5), npv(root + 1e-5)
    assert np.sign(left) != np.sign(right) or abs(npv(root)) < 1.0


def test_over_capacity_points_are_nan(hv):
    study = _Study(hv, "line-1", ("hybrid",), "batch", REPS, SEED, map_serial)
    # +25 % volume: the batch line is over capacity (its plan is infeasible)
    assert np.isnan(_point_npvs(study, {BreakevenParam.VOLUME_SCALE: 1.25}, {})["hybrid"])


def test_products_per_line_breakeven_is_an_integer_sign_change():
    scenario = load_scenario("generic_oral_solid")
    with pytest.raises(BreakevenBracketError, match="products_per_line"):
        # CM never breaks even on 1..4 products of the generic line at these settings
        breakeven_1d(scenario, "products_per_line", option_tech_id="continuous", lo=1, hi=4,
                     n_replications=20, entropy=SEED)


def test_variants_change_what_they_say(hv):
    scenario = load_scenario("generic_oral_solid")
    three = with_first_products(scenario, "line-1", 3)
    assert three.line("line-1").product_ids == scenario.line("line-1").product_ids[:3]
    doubled = with_demand_scale(hv, "line-1", 2.0)
    pid = hv.line("line-1").product_ids[0]
    assert doubled.product(pid).demand_units_per_yr == 2 * hv.product(pid).demand_units_per_yr
    with pytest.raises(ValueError, match="products_per_line"):
        with_first_products(scenario, "line-1", 0)


def test_map_has_every_cell_and_technology_and_a_consistent_winner(hv):
    frame = breakeven_map_2d(hv, "price_scale", [0.8, 1.5], "capex_grant", [0.0, 0.5],
                             technology_ids=["advanced_batch", "hybrid"], n_replications=REPS,
                             entropy=SEED)
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
        breakeven_map_2d(hv, "itc", [0.1], "itc", [0.2])
