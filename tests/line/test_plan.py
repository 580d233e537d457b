"""Campaign planning (ELSP): closed forms, a second implementation, errors, glue.

Reference values here are hand-worked (each computation is written out in the test) or
come from an independent computation (numerical minimisation, enumeration of packings).
The published benchmark, Bomberger's (1966) ten-product problem, is in
``tests/validation/test_line_elsp_bomberger_axsater.py``.
"""

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from rxtwin.errors import UserInputError
from rxtwin.line.plan import (
    DAYS_PER_YR,
    ROUNDY_FIXED_BASE_RATIO,
    ROUNDY_OPTIMAL_BASE_RATIO,
    ElspProblem,
    InfeasiblePlanError,
    base_period_loads_days,
    capacity_lower_bound,
    common_cycle_length_days,
    common_cycle_plan,
    elsp_problem_from_line,
    epq_cycle_days,
    epq_lot_size_units,
    evaluate_power_of_two_schedule,
    independent_solution_lower_bound,
    minimum_base_period_days,
    minimum_common_cycle_days,
    optimal_base_period_days,
    pack_base_periods,
    power_of_two_plan,
    rotation_plan,
    round_to_power_of_two,
    setup_cost_usd,
    setup_time_days,
)


def three_products(setup_time_days=(0.5, 0.25, 0.25)) -> ElspProblem:
    """The hand-worked 3-product line used below.

    d = (100, 50, 20) unit/day, p = (500, 200, 400) unit/day -> d/p = (0.2, 0.25, 0.05),
    rho = 0.5; A = (200, 100, 150) USD; h = (0.01, 0.02, 0.05) USD/(unit day).
    g_i = h_i d_i (1 - d_i/p_i) / 2 = (0.01*100*0.8/2, 0.02*50*0.75/2, 0.05*20*0.95/2)
        = (0.4, 0.375, 0.475) USD/day^2;  sum A = 450, sum g = 1.25.
    """
    return ElspProblem(
        demand_units_per_day=[100.0, 50.0, 20.0],
        production_rate_units_per_day=[500.0, 200.0, 400.0],
        setup_time_days=list(setup_time_days),
        setup_cost_usd=[200.0, 100.0, 150.0],
        holding_cost_usd_per_unit_day=[0.01, 0.02, 0.05],
        product_ids=("a", "b", "c"),
    )


# ----------------------------------------------------------------- closed forms


def test_epq_single_product_matches_closed_form():
    # EPQ: Q* = sqrt(2 d K / (h (1 - d/p))) = sqrt(2*10*300 / (0.05*0.75)) = sqrt(160000)
    # = 400 units, T* = Q*/d = 40 days, cost = sqrt(2 K h d (1 - d/p)) = sqrt(225) = 15.
    assert epq_lot_size_units(300.0, 0.05, 10.0, 40.0) == pytest.approx(400.0, rel=1e-14)
    assert epq_cycle_days(300.0, 0.05, 10.0, 40.0) == pytest.approx(40.0, rel=1e-14)
    problem = ElspProblem([10.0], [40.0], [1.0], [300.0], [0.05])
    for plan in (independent_solution_lower_bound(problem), common_cycle_plan(problem),
                 power_of_two_plan(problem)):
        assert plan.lot_size_units[0] == pytest.approx(400.0, rel=1e-12)
        assert plan.cycle_days[0] == pytest.approx(40.0, rel=1e-12)
        assert plan.campaign_days[0] == pytest.approx(10.0, rel=1e-12)  # 400 / 40
        assert plan.total_cost_usd_per_day == pytest.approx(15.0, rel=1e-12)
        assert plan.setups_per_yr[0] == pytest.approx(DAYS_PER_YR / 40.0, rel=1e-12)


def test_independent_lower_bound_hand_worked():
    # T_i* = sqrt(A_i/g_i) = (sqrt(500), sqrt(266.67), sqrt(315.79)) = (22.361, 16.330, 17.770)
    # cost = sum 2 sqrt(A_i g_i) = 2 (sqrt(80) + sqrt(37.5) + sqrt(71.25))
    #      = 2 (8.94427 + 6.12372 + 8.44097) = 47.0179 USD/day
    lb = independent_solution_lower_bound(three_products())
    np.testing.assert_allclose(lb.cycle_days, [22.36068, 16.32993, 17.77047], rtol=1e-6)
    expected = 2 * (math.sqrt(80.0) + math.sqrt(37.5) + math.sqrt(71.25))
    assert lb.total_cost_usd_per_day == pytest.approx(expected, rel=1e-13)
    assert not lb.feasible and "lower bound" in lb.reason
    assert np.isnan(lb.start_day).all()


def test_common_cycle_hand_worked_unconstrained():
    # T* = sqrt(sum A / sum g) = sqrt(450 / 1.25) = sqrt(360) = 6 sqrt(10) = 18.9737 days;
    # T_min = sum s / (1 - rho) = 1.0 / 0.5 = 2 days, not binding.
    # cost = sum A / T + T sum g = 2 sqrt(450 * 1.25) = 15 sqrt(10) = 47.4342 USD/day.
    problem = three_products()
    assert minimum_common_cycle_days(problem) == pytest.approx(2.0, rel=1e-14)
    plan = common_cycle_plan(problem)
    np.testing.assert_allclose(plan.cycle_days, 6 * math.sqrt(10), rtol=1e-14)
    assert plan.total_cost_usd_per_day == pytest.approx(15 * math.sqrt(10), rel=1e-14)
    # lots d_i T and campaigns (d_i/p_i) T
    np.testing.assert_allclose(plan.lot_size_units, np.array([100, 50, 20]) * 6 * math.sqrt(10))
    np.testing.assert_allclose(plan.campaign_days, np.array([0.2, 0.25, 0.05]) * 6 * math.sqrt(10))
    # changeover share = sum s / T = 1 / 18.9737 = 0.052705; idle = 1 - 0.5 - 0.052705
    assert plan.utilisation_run == pytest.approx(0.5)
    assert plan.utilisation_changeover == pytest.approx(1 / (6 * math.sqrt(10)), rel=1e-14)
    assert plan.utilisation_idle == pytest.approx(0.5 - 1 / (6 * math.sqrt(10)), rel=1e-14)
    # campaigns back to back in index order: a at 0, b after s_a + 0.2 T, c after that
    t = 6 * math.sqrt(10)
    np.testing.assert_allclose(plan.start_day, [0.0, 0.5 + 0.2 * t, 0.75 + 0.45 * t])
    assert plan.feasible and plan.reason == ""


def test_common_cycle_hand_worked_setup_time_binding():
    # s = (5, 2.5, 2.5): T_min = 10 / (1 - 0.5) = 20 > T* = 18.97, so T = 20 and
    # cost = 450/20 + 20 * 1.25 = 22.5 + 25 = 47.5 USD/day; no idle time is left.
    problem = three_products(setup_time_days=(5.0, 2.5, 2.5))
    plan = common_cycle_plan(problem)
    np.testing.assert_allclose(plan.cycle_days, 20.0, rtol=1e-14)
    assert plan.total_cost_usd_per_day == pytest.approx(47.5, rel=1e-14)
    assert plan.utilisation_changeover == pytest.approx(0.5, rel=1e-14)
    assert plan.utilisation_idle == pytest.approx(0.0, abs=1e-14)


def test_available_fraction_enters_the_minimum_cycle():
    # a = 0.6: T_min = sum s / (a - rho) = 10 / (0.6 - 0.5) = 100 days
    base = three_products(setup_time_days=(5.0, 2.5, 2.5))
    problem = ElspProblem(base.demand_units_per_day, base.production_rate_units_per_day,
                          base.setup_time_days, base.setup_cost_usd,
                          base.holding_cost_usd_per_unit_day, available_fraction=0.6)
    plan = common_cycle_plan(problem)
    np.testing.assert_allclose(plan.cycle_days, 100.0, rtol=1e-13)
    assert plan.utilisation_unavailable == pytest.approx(0.4)
    assert plan.utilisation_idle == pytest.approx(0.0, abs=1e-13)
    total = (plan.utilisation_run + plan.utilisation_changeover + plan.utilisation_idle
             + plan.utilisation_unavailable)
    assert total == pytest.approx(1.0, abs=1e-14)


# ------------------------------------------------- second, independent implementation


@pytest.mark.parametrize("setups", [(0.5, 0.25, 0.25), (5.0, 2.5, 2.5)])
def test_common_cycle_matches_numerical_minimisation(setups):
    problem = three_products(setups)
    t_min = minimum_common_cycle_days(problem)

    def cost(t):
        return sum(problem.setup_cost_usd) / t + t * sum(problem.holding_slope_usd_per_day2)

    res = minimize_scalar(cost, bounds=(t_min, 1e4), method="bounded",
                          options={"xatol": 1e-10})
    assert common_cycle_length_days(problem) == pytest.approx(res.x, rel=1e-6)
    # bounded Brent stops within xatol of a binding bound: compare costs to 1e-8
    assert common_cycle_plan(problem).total_cost_usd_per_day == pytest.approx(res.fun, rel=1e-8)


def test_capacity_lower_bound_matches_slsqp():
    # Tight line: the independent cycles would need sum s/T* = 10 * (1/22.4 + ...) > 0.5.
    problem = three_products(setup_time_days=(5.0, 2.5, 2.5))
    clb = capacity_lower_bound(problem)
    a_cost, g, s = (problem.setup_cost_usd, problem.holding_slope_usd_per_day2,
                    problem.setup_time_days)
    res = minimize(
        lambda t: float(np.sum(a_cost / t + g * t)),
        x0=np.full(3, 40.0),
        constraints=[{"type": "ineq", "fun": lambda t: 0.5 - float(np.sum(s / t))}],
        bounds=[(1e-3, 1e4)] * 3,
        method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 500},
    )
    assert res.success
    np.testing.assert_allclose(clb.cycle_days, res.x, rtol=1e-4)
    assert clb.total_cost_usd_per_day == pytest.approx(res.fun, rel=1e-7)
    # the constraint binds, and the bound sits between the independent bound and the plans
    assert float(np.sum(s / clb.cycle_days)) == pytest.approx(0.5, rel=1e-10)
    lb = independent_solution_lower_bound(problem).total_cost_usd_per_day
    assert lb < clb.total_cost_usd_per_day <= common_cycle_plan(problem).total_cost_usd_per_day


# ------------------------------------------------------------------ power of two


def test_round_to_power_of_two_keeps_ratio_within_sqrt2():
    cycles = np.array([1.0, 1.41, 1.42, 2.9, 5.7, 100.0, 0.3])
    m = round_to_power_of_two(cycles, 1.0)
    np.testing.assert_array_equal(m, [0, 0, 1, 2, 3, 7, -2])
    ratio = 2.0 ** m / cycles
    assert np.all(ratio >= 1 / math.sqrt(2)) and np.all(ratio < math.sqrt(2))


def test_power_of_two_within_roundy_two_percent_when_capacity_is_loose():
    # Zero setup times and tiny run shares: every rounding packs, so the base-optimised
    # PoT plan must be within 1/(sqrt2 ln2) = 1.0201 of the independent bound (Roundy 1989).
    rng = np.random.default_rng(20240601)
    n = 12
    problem = ElspProblem(
        demand_units_per_day=rng.uniform(1, 100, n),
        production_rate_units_per_day=rng.uniform(1e4, 1e5, n),
        setup_time_days=np.zeros(n),
        setup_cost_usd=rng.lognormal(6, 1.5, n),
        holding_cost_usd_per_unit_day=rng.lognormal(-3, 1, n),
    )
    lb = independent_solution_lower_bound(problem).total_cost_usd_per_day
    pot = power_of_two_plan(problem)
    assert lb <= pot.total_cost_usd_per_day <= ROUNDY_OPTIMAL_BASE_RATIO * lb
    assert pot.total_cost_usd_per_day < common_cycle_plan(problem).total_cost_usd_per_day
    k = pot.cycle_days / pot.base_period_days
    np.testing.assert_allclose(k, 2.0 ** np.round(np.log2(k)), rtol=1e-12)
    assert ROUNDY_FIXED_BASE_RATIO == pytest.approx(1.0607, abs=1e-4)


def test_power_of_two_schedule_fits_every_base_period():
    # A line where products differ by two orders of magnitude in cycle and capacity binds.
    problem = ElspProblem(
        demand_units_per_day=[400.0, 5.0, 60.0, 1.0, 120.0, 30.0],
        production_rate_units_per_day=[3000.0, 800.0, 1500.0, 400.0, 2000.0, 900.0],
        setup_time_days=[0.5, 0.25, 0.5, 0.25, 0.75, 0.5],
        setup_cost_usd=[2000.0, 4000.0, 3000.0, 5000.0, 2500.0, 3500.0],
        holding_cost_usd_per_unit_day=[0.02, 0.05, 0.01, 0.2, 0.02, 0.03],
        available_fraction=0.85,
    )
    pot = power_of_two_plan(problem)
    k = np.rint(pot.cycle_days / pot.base_period_days).astype(np.int64)
    offsets = np.floor(pot.start_day / pot.base_period_days + 1e-9).astype(np.int64)
    loads = base_period_loads_days(problem, k, offsets, pot.base_period_days)
    assert loads.max() <= problem.available_fraction * pot.base_period_days * (1 + 1e-9)
    assert pot.schedule_length_days == pytest.approx(k.max() * pot.base_period_days)
    assert len(set(k.tolist())) > 1  # genuinely not a common cycle
    clb = capacity_lower_bound(problem).total_cost_usd_per_day
    assert clb <= pot.total_cost_usd_per_day <= common_cycle_plan(problem).total_cost_usd_per_day


def test_pack_base_periods_balances_two_equal_products():
    # two identical products every 2 periods go to different periods
    problem = ElspProblem([10.0, 10.0], [100.0, 100.0], [1.0, 1.0], [100.0, 100.0], [1.0, 1.0])
    offsets, periods = pack_base_periods(problem, [2, 2], 10.0)
    assert sorted(offsets.tolist()) == [0, 1]
    assert sorted(map(len, periods)) == [1, 1]


def greedy_trap() -> ElspProblem:
    """A line whose greedy packing at B = 10 days overflows although a packing fits.

    With k = (1, 2, 2, 4, 4): s = (3, 1, 1, 2, 2) days, (d/p) k = (0.15, 0.25, 0.10, 0.25,
    0.25), a = 1, so the loads s + (d/p) k B at B = 10 are (4.5, 3.5, 2, 4.5, 4.5) days.
    Greedy (by k, larger load first): product 0 in every period (4.5); 1 in the even
    periods (8), 2 in the odd ones (6.5); 3 and 4 then go to the odd periods 1 and 3
    (6.5 + 4.5 = 11 > 10). The packing that fits puts 1 and 2 together (4.5 + 3.5 + 2 = 10)
    and 3, 4 in the two other periods (4.5 + 4.5 = 9); splitting 1 and 2 leaves 8 and 6.5,
    and each of 3, 4 overflows either. So it is the only one, up to rotation.
    """
    k = np.array([1, 2, 2, 4, 4])
    share = np.array([0.15, 0.25, 0.10, 0.25, 0.25]) / k
    return ElspProblem(np.full(5, 10.0), 10.0 / share, [3.0, 1.0, 1.0, 2.0, 2.0],
                       [100.0] * 5, [1.0] * 5)


TRAP_K = [1, 2, 2, 4, 4]


def test_pack_base_periods_finds_the_packing_the_greedy_misses():
    problem = greedy_trap()
    offsets, periods = pack_base_periods(problem, TRAP_K, 10.0)
    loads = base_period_loads_days(problem, TRAP_K, offsets, 10.0)
    assert loads.max() <= 10.0 * (1 + 1e-12)
    assert offsets[1] == offsets[2]  # 1 and 2 together ...
    assert {int(offsets[3]), int(offsets[4])} == {1 - offsets[1], 3 - offsets[1]}  # ... 3, 4 apart
    np.testing.assert_allclose(sorted(loads), [9.0, 9.0, 10.0, 10.0])
    assert sorted(i for p in periods for i in p) == sorted([0] * 4 + [1, 1, 2, 2, 3, 4])


def _min_base_by_enumeration(problem, k):
    """min over all offset vectors of max_j S_j / (a - R_j), written out independently."""
    a = problem.available_fraction
    best = math.inf
    for offsets in itertools.product(*(range(ki) for ki in k)):
        setups, runs = np.zeros(max(k)), np.zeros(max(k))
        for i, o in enumerate(offsets):
            setups[o::k[i]] += problem.setup_time_days[i]
            runs[o::k[i]] += problem.run_share[i] * k[i]
        if runs.max() < a:
            best = min(best, float(np.max(setups / (a - runs))))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_minimum_base_period_matches_enumeration(seed):
    # random small lines: every packing enumerated (at most 1 * 2 * 4 * 4 * 8 * 8 = 2048);
    # the search resolves the base to 1e-4 relative
    rng = np.random.default_rng(seed)
    k = sorted(rng.choice([1, 2, 4, 8], size=6).tolist())
    k[0] = 1
    share = rng.uniform(0.01, 0.15, 6) / np.array(k)
    problem = ElspProblem(np.full(6, 10.0), 10.0 / share, rng.uniform(0.0, 2.0, 6),
                          np.full(6, 50.0), np.full(6, 0.1), available_fraction=0.9)
    expected = _min_base_by_enumeration(problem, k)
    assert minimum_base_period_days(problem, k) == pytest.approx(expected, rel=1e-4)
    assert minimum_base_period_days(problem, k) >= expected * (1 - 1e-12)


def test_minimum_base_period_of_the_greedy_trap():
    # enumeration: the fitting packing above has S = (3 + 1 + 1, 3 + 2) = (5, 5) and
    # R = (0.15 + 0.25 + 0.10, 0.15 + 0.25) = (0.5, 0.4): B_min = max(5/0.5, 5/0.6) = 10
    assert _min_base_by_enumeration(greedy_trap(), TRAP_K) == pytest.approx(10.0)
    assert minimum_base_period_days(greedy_trap(), TRAP_K) == pytest.approx(10.0, rel=1e-4)
    # three products with (d/p) k = 0.6 each and k = 2: two share a period in every
    # packing, run share 1.2 >= a = 1 -> no base fits
    three = ElspProblem([30.0] * 3, [100.0] * 3, [0.1] * 3, [10.0] * 3, [1.0] * 3)
    assert minimum_base_period_days(three, [2, 2, 2]) == math.inf


@pytest.mark.parametrize("k", [[1, 1, 1], [1, 2, 4], [4, 1, 2], [8, 2, 1]])
def test_optimal_base_period_matches_numerical_minimisation(k):
    # closed form B* = sqrt(sum(A_i/k_i) / sum(g_i k_i)) vs bounded Brent on the cost
    # C(B) = sum A_i/(k_i B) + B sum g_i k_i. At a smooth minimum C is flat to second
    # order, so Brent pins B only to ~sqrt(machine eps) = 1.5e-8 relative: compare B to
    # 1e-6 and the cost to 1e-12.
    problem = three_products()
    kk = np.array(k, dtype=float)

    def cost(b):
        return float(np.sum(problem.setup_cost_usd / (kk * b))
                     + b * np.sum(problem.holding_slope_usd_per_day2 * kk))

    res = minimize_scalar(cost, bounds=(1e-3, 1e3), method="bounded", options={"xatol": 1e-10})
    assert optimal_base_period_days(problem, k) == pytest.approx(res.x, rel=1e-6)
    # and the evaluated cost there is the minimum
    evaluation = evaluate_power_of_two_schedule(problem, k, optimal_base_period_days(problem, k))
    assert evaluation.total_cost_usd_per_day == pytest.approx(res.fun, rel=1e-12)


def test_evaluate_power_of_two_schedule_hand_worked():
    # k = (1, 2, 1), B = 10: T = (10, 20, 10) days; A = (200, 100, 150), g = (0.4, 0.375, 0.475)
    # setup 200/10 + 100/20 + 150/10 = 40 USD/day; holding 4 + 7.5 + 4.75 = 16.25 USD/day
    # changeover share 0.5/10 + 0.25/20 + 0.25/10 = 0.0875; loads s + (d/p) k B:
    # a: 0.5 + 2 = 2.5, b: 0.25 + 5 = 5.25, c: 0.25 + 0.5 = 0.75 -> periods 8.5 and 3.25
    evaluation = evaluate_power_of_two_schedule(three_products(), [1, 2, 1], 10.0)
    assert evaluation.total_cost_usd_per_day == pytest.approx(56.25, rel=1e-14)
    assert evaluation.setup_cost_usd_per_yr == pytest.approx(40.0 * DAYS_PER_YR, rel=1e-14)
    assert evaluation.holding_cost_usd_per_yr == pytest.approx(16.25 * DAYS_PER_YR, rel=1e-14)
    assert evaluation.total_cost_usd_per_yr == pytest.approx(56.25 * DAYS_PER_YR, rel=1e-14)
    assert evaluation.utilisation_changeover == pytest.approx(0.0875, rel=1e-14)
    np.testing.assert_allclose(evaluation.cycle_days, [10.0, 20.0, 10.0])
    np.testing.assert_allclose(sorted(evaluation.period_loads_days), [3.25, 8.5])
    assert evaluation.period_capacity_days == 10.0
    assert evaluation.feasible and evaluation.capacity_feasible and evaluation.packing_feasible
    assert evaluation.product_ids == ("a", "b", "c") and evaluation.reason == ""
    with pytest.raises(ValueError):
        evaluation.multipliers[0] = 2


def test_evaluate_reports_capacity_and_packing_separately():
    # capacity: k = 1, B = 0.5 day -> changeover sum s / B = 1 / 0.5 = 2, plus rho 0.5 > 1
    short = evaluate_power_of_two_schedule(three_products(), [1, 1, 1], 0.5)
    assert not short.capacity_feasible and not short.packing_feasible and not short.feasible
    assert "2.5" in short.reason and "available_fraction = 1" in short.reason
    # packing: three products each (d/p) k = 0.6 of a period, k = 2 -> two share one of
    # the K = 2 periods (1.2 B > B), though on average they fit (rho = 0.9 < 1)
    three = ElspProblem([30.0] * 3, [100.0] * 3, [0.0] * 3, [10.0] * 3, [1.0] * 3)
    crowded = evaluate_power_of_two_schedule(three, [2, 2, 2], 10.0)
    assert crowded.capacity_feasible and not crowded.packing_feasible and not crowded.feasible
    assert crowded.reason.startswith("no assignment of campaigns to base periods fits")
    assert crowded.period_loads_days.max() == pytest.approx(12.0)
    # the greedy trap fits at B = 10 only through the exact packing
    assert evaluate_power_of_two_schedule(greedy_trap(), TRAP_K, 10.0).feasible
    assert not evaluate_power_of_two_schedule(greedy_trap(), TRAP_K, 9.99).packing_feasible


@pytest.mark.parametrize(
    ("multipliers", "base", "pattern"),
    [
        ([1, 3, 1], 10.0, r"multipliers\[1\] = 3.0, must be a power of two between 1 and 1024"),
        ([1, 2048, 1], 10.0, r"multipliers\[1\] = 2048.0"),
        ([1, 0.5, 1], 10.0, r"multipliers\[1\] = 0.5"),
        ([1, 2], 10.0, r"multipliers has shape \(2,\), must have one value per product \(3\)"),
        ([1, 2, 1], 0.0, r"base_period_days = 0.0, must be finite and > 0"),
        ([1, 2, 1], float("nan"), r"base_period_days = nan"),
    ],
)
def test_schedule_functions_reject_bad_input(multipliers, base, pattern):
    with pytest.raises(UserInputError, match=pattern):
        evaluate_power_of_two_schedule(three_products(), multipliers, base)
    if base > 0:
        with pytest.raises(UserInputError, match=pattern):
            optimal_base_period_days(three_products(), multipliers)
        with pytest.raises(UserInputError, match=pattern):
            minimum_base_period_days(three_products(), multipliers)


def test_power_of_two_rejects_bad_max_multiplier():
    with pytest.raises(ValueError, match="max_multiplier = 3"):
        power_of_two_plan(three_products(), max_multiplier=3)


# ---------------------------------------------------------------------- rotation


def test_rotation_plan_orders_campaigns_and_costs_like_a_common_cycle():
    problem = three_products()
    plan = rotation_plan(problem, order=[2, 0, 1], cycle_days=30.0)
    # c at 0; a after s_c + 0.05*30 = 0.25 + 1.5 = 1.75; b after 1.75 + 0.5 + 0.2*30 = 8.25
    np.testing.assert_allclose(plan.start_day, [1.75, 8.25, 0.0])
    # cost = 450 / 30 + 30 * 1.25 = 15 + 37.5 = 52.5
    assert plan.total_cost_usd_per_day == pytest.approx(52.5, rel=1e-14)
    assert plan.method == "rotation" and plan.feasible


def test_rotation_too_short_is_reported():
    problem = three_products(setup_time_days=(5.0, 2.5, 2.5))  # T_min = 20 days
    with pytest.raises(InfeasiblePlanError, match=r"cycle_days = 19.*20"):
        rotation_plan(problem, order=[0, 1, 2], cycle_days=19.0)


def test_rotation_order_must_be_a_permutation():
    with pytest.raises(ValueError, match="exactly once"):
        rotation_plan(three_products(), order=[0, 0, 1], cycle_days=30.0)


# ------------------------------------------------------------------- bad input


def overloaded() -> ElspProblem:
    # d/p = 0.6 + 0.5 = 1.1 > 1
    return ElspProblem([60.0, 50.0], [100.0, 100.0], [0.1, 0.1], [10.0, 10.0], [1.0, 1.0])


@pytest.mark.parametrize(
    "planner",
    [independent_solution_lower_bound, capacity_lower_bound, common_cycle_plan,
     power_of_two_plan, lambda p: rotation_plan(p, [0, 1], 10.0)],
)
def test_over_capacity_is_reported_not_scheduled(planner):
    with pytest.raises(InfeasiblePlanError) as info:
        planner(overloaded())
    message = str(info.value)
    assert "1.1" in message and "sum d_i/p_i" in message and "available_fraction" in message
    assert info.value.utilisation_run == pytest.approx(1.1)
    assert isinstance(info.value, ValueError)


def test_exactly_full_line_is_infeasible():
    problem = ElspProblem([50.0, 50.0], [100.0, 100.0], [0.0, 0.0], [10.0, 10.0], [1.0, 1.0])
    with pytest.raises(InfeasiblePlanError):
        common_cycle_plan(problem)


@pytest.mark.parametrize(
    ("field", "value", "pattern"),
    [
        ("demand_units_per_day", [10.0, -1.0], r"demand_units_per_day\[1\] = -1.0, must be"),
        ("setup_time_days", [0.1, float("nan")], r"setup_time_days\[1\] = nan"),
        ("setup_cost_usd", [0.0, 1.0], r"setup_cost_usd\[0\] = 0.0, must be finite and > 0"),
        ("holding_cost_usd_per_unit_day", [1.0], r"has 1 values but"),
        ("available_fraction", 1.2, r"available_fraction = 1.2, must be in \(0, 1\]"),
        ("product_ids", ("x",), r"product_ids has 1 names"),
    ],
)
def test_bad_input_names_field_value_and_rule(field, value, pattern):
    kwargs = dict(
        demand_units_per_day=[10.0, 20.0],
        production_rate_units_per_day=[100.0, 100.0],
        setup_time_days=[0.1, 0.1],
        setup_cost_usd=[10.0, 10.0],
        holding_cost_usd_per_unit_day=[1.0, 1.0],
    )
    kwargs[field] = value
    with pytest.raises(ValueError, match=pattern):
        ElspProblem(**kwargs)


def test_problem_arrays_are_read_only():
    problem = three_products()
    with pytest.raises(ValueError):
        problem.demand_units_per_day[0] = 1.0
    assert problem.product_ids == ("a", "b", "c")
    assert ElspProblem([1.0], [2.0], [0.0], [1.0], [1.0]).product_ids == ("product_0",)


# ------------------------------------------------------------------------- glue


def test_setup_from_technology():
    # 8 h clean at 1500 USD/h lost contribution + 4000 USD cleaning, no scrap:
    # cost = 8*1500 + 4000 = 16000 USD; time = 8/24 day.
    assert setup_cost_usd(8.0, 1500.0, 4000.0, 0.0, 2.0) == pytest.approx(16000.0)
    assert setup_time_days(8.0) == pytest.approx(1 / 3)
    # continuous: 2 h start-up/shut-down, idle line (no lost contribution), 5000 units
    # scrapped at 0.8 USD: cost = 0 + 500 + 4000 = 4500 USD
    assert setup_cost_usd(2.0, 0.0, 500.0, 5000.0, 0.8) == pytest.approx(4500.0)


def test_elsp_problem_from_line_converts_units():
    problem = elsp_problem_from_line(
        product_ids=["x", "y"],
        demand_units_per_yr=[3.65e6, 7.3e5],
        production_rate_units_per_h=[1000.0, 500.0],
        changeover_h=[12.0, 6.0],
        lost_contribution_usd_per_h=0.0,
        cleaning_cost_usd=5000.0,
        scrap_units_per_changeover=0.0,
        unit_cost_usd=[0.5, 2.0],
        holding_rate_per_yr=0.2,
        available_h_per_yr=0.8 * 8760.0,
    )
    np.testing.assert_allclose(problem.demand_units_per_day, [10000.0, 2000.0])
    np.testing.assert_allclose(problem.production_rate_units_per_day, [24000.0, 12000.0])
    np.testing.assert_allclose(problem.setup_time_days, [0.5, 0.25])
    np.testing.assert_allclose(problem.setup_cost_usd, [5000.0, 5000.0])
    np.testing.assert_allclose(problem.holding_cost_usd_per_unit_day,
                               [0.5 * 0.2 / 365.0, 2.0 * 0.2 / 365.0])
    assert problem.available_fraction == pytest.approx(0.8)
    assert problem.product_ids == ("x", "y")
    assert common_cycle_plan(problem).feasible
