"""The compiled line engine against hand counts and closed forms.

Order: build (validation), solve deterministic cases exactly, compare Monte Carlo with
closed forms through confidence intervals, then the balances (mass, time).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from rxtwin.errors import InputError
from rxtwin.line import inputs as li
from rxtwin.line.engine import (
    L_AVAILABILITY,
    N_LINE,
    N_PRODUCT,
    P_DEMAND,
    P_FINAL_INV,
    P_GOOD,
    P_MADE,
    P_SOLD,
    P_WASTE,
    simulate_replications,
    statistic_catalogue,
)
from rxtwin.line.simulate import simulate, trace

Z99 = stats.norm.ppf(0.995)


def column(x, statistic, product=None):
    return [(n, p) for n, p, _ in statistic_catalogue(x)].index((statistic, product))


def single_product(build, **overrides) -> li.LineEngineInputs:
    """One product, no failures, no demand events, fixed demand: a line you can count."""
    values = dict(
        demand_cv=[0.0], demand_events=li.DemandEvents(), demand_units_per_day=[1000.0],
        initial_inventory_units=[0.0],
        campaign_units=[7000.0], speed_fraction=1.0, process_yield_fraction=1.0,
        startup_loss_h=0.0, shutdown_loss_h=0.0, staffed_fraction=1.0, lot_size_units=7000.0,
        lot_cycle_h=7.0, qc_release_h=24.0, cycle_length_days=0.0, horizon_days=10,
        failures=li.FailureModes(),
    )
    values.update(overrides)
    return build.make_line(1, **values)


# -- build ------------------------------------------------------------------------------------
def test_inputs_reject_wrong_shapes_and_values_naming_the_field(build):
    with pytest.raises(InputError, match="demand_cv"):
        build.make_line(3, demand_cv=[0.1, 0.2])
    with pytest.raises(InputError, match="speed_fraction"):
        build.make_line(3, speed_fraction=1.5)
    with pytest.raises(InputError, match="rotation"):
        build.make_line(3, rotation=[0, 3])
    with pytest.raises(InputError, match="reorder_days_of_supply"):
        build.make_line(3, reorder_days_of_supply=[30.0, 30.0, 30.0])
    with pytest.raises(InputError, match="probability"):
        build.make_line(3, failures=li.failure_modes(
            dict(name="x", effect=li.FailureEffectCode.REJECT_BATCH, probability=1.2)))
    with pytest.raises(InputError, match="changeover"):
        build.make_line(3, changeover=li.gamma(5.0, 0.0))


def test_campaign_lots_are_fractional_lots_of_good_units(build):
    x = build.make_line(2, campaign_units=[6000.0 * 0.97 * 2, 6000.0 * 0.97 * 2.5])
    assert x.campaign_lots() == pytest.approx([2.0, 2.5])


def test_balanced_rounding_makes_the_planned_lots_over_many_cycles(build):
    """A rotation of one product planned at 2.5 lots a campaign alternates 3, 2, 3, 2...
    (balance starts at 0.5): after C campaigns, floor(2.5 C + 0.5) lots. Hand count with
    no failures, lots of 10 h, cycle 30 h, horizon 10 days = 240 h: campaigns start at
    0, 30, 60, ... h while the line keeps up; 8 cycles fit (the 8th starts at 210 h)."""
    x = build.make_line(1, campaign_units=[6000.0 * 0.97 * 2.5], failures=li.FailureModes(),
                        demand_events=li.DemandEvents(), changeover=li.fixed(0.0),
                        startup_loss_h=0.0, shutdown_loss_h=0.0, speed_fraction=1.0,
                        staffed_fraction=1.0, cycle_length_days=30.0 / 24.0,
                        horizon_days=10, demand_cv=[0.0])
    row = simulate_replications(x, np.random.default_rng(0), 1)[0]
    # campaigns of 3, 2, 3, 2, 3, 2, 3, 2 lots (30 h, 20 h, ...) end by 210 + 20 = 230 h
    assert row[column(x, "lots_completed")] == 20


# -- solve: deterministic cases counted by hand -------------------------------------------------
def test_single_product_line_matches_hand_count(build):
    # 240 h, lots of 7 h back to back: 34 complete (238 h), the 35th is cut by the horizon.
    x = single_product(build)
    row = simulate_replications(x, np.random.default_rng(0), 1)[0]
    assert row[column(x, "lots_completed")] == 34
    assert row[column(x, "units_made")] == 34 * 7000.0
    assert row[column(x, "run_h")] == pytest.approx(240.0)
    assert row[column(x, "availability")] == pytest.approx(1.0)
    assert row[column(x, "performance")] == pytest.approx(34 * 7 / 240)
    assert row[column(x, "quality")] == 1.0
    assert row[column(x, "changeovers")] == 0


def test_daily_books_follow_the_qc_release_lead_time(build):
    # Lot k ends at 7k h and is sellable from 7k + 24 h; the close of day m (T = 24m) ships
    # 1000 units. Sellable stock at the close of day m = 7000 * #{k: 7k + 24 <= T} - shipped.
    x = single_product(build)
    tr = trace(x, np.random.default_rng(0))
    daily = tr.daily.sort_values("day")
    released = 0.0
    backlog = 0.0
    for m in range(1, 11):
        big_t = 24.0 * m
        released_total = 7000.0 * math.floor((big_t - 24.0) / 7.0 + 1e-12)
        demand_total = 1000.0 * m
        shipped = min(released_total, demand_total)
        released = released_total - shipped
        backlog = demand_total - shipped
        row = daily.iloc[m - 1]
        assert row["sellable_units"] == pytest.approx(released)
        assert row["backlog_units"] == pytest.approx(backlog)
    assert tr.statistics[("unmet_demand_days", "P0")] == 1  # day 1: nothing released yet


def test_staffed_fraction_stretches_line_time_in_the_calendar(build):
    # Half the hours staffed: each 7-h lot takes 14 calendar hours -> 17 lots in 240 h.
    x = single_product(build, staffed_fraction=0.5)
    row = simulate_replications(x, np.random.default_rng(0), 1)[0]
    assert row[column(x, "lots_completed")] == 17
    assert row[column(x, "run_h")] == pytest.approx(120.0)


def test_run_out_policy_starts_with_the_product_with_fewest_days_of_supply(build):
    x = build.make_line(3, policy=li.CampaignPolicy.RUN_OUT, failures=li.FailureModes(),
                  demand_cv=[0.0] * 3, initial_inventory_units=[8000.0, 2000.0, 4000.0],
                  demand_units_per_day=[800.0, 500.0, 100.0])
    # days of supply 10, 4, 40: P2 is above its reorder level (10 d), P1 is the lowest.
    segments = trace(x, np.random.default_rng(1)).segments
    products = segments[segments["activity"] == "run"]["product"]
    assert products.iloc[0] == "P1"


def test_fixed_rotation_idles_until_the_next_cycle(build):
    x = build.failure_free(build.make_line(2, cycle_length_days=30.0, horizon_days=60,
                               campaign_units=[6000.0, 6000.0]))
    segments = trace(x, np.random.default_rng(2)).segments
    idle = segments[segments["activity"] == "idle"]
    assert idle["end_h"].round(9).tolist() == [720.0, 1440.0]


# -- compare: Monte Carlo against closed forms ---------------------------------------------------
def test_availability_matches_alternating_renewal_with_one_breakdown_mode(build):
    # Run clock: exponential TBF (mean 50 run h), fixed 10 h repair; lots back to back, no
    # changeovers. Renewal-reward: availability -> MTBF / (MTBF + MTTR) = 5/6. Horizon
    # 3650 d makes the end effect (< one cycle of 60 h in 87600 h) far below the CI width.
    x = single_product(build, horizon_days=3650, failures=li.failure_modes(
        dict(name="bd", effect=li.FailureEffectCode.BREAKDOWN, mtbf_h=50.0,
             duration=li.fixed(10.0))))
    rows = simulate_replications(x, np.random.default_rng(3), 200)
    a = rows[:, L_AVAILABILITY]
    half = Z99 * a.std(ddof=1) / np.sqrt(len(a))
    assert abs(a.mean() - 50.0 / 60.0) <= half + 2e-4  # 2e-4 bounds the end effect


def test_rejection_causes_follow_the_order_of_the_failure_modes(build):
    # Two rejecting modes checked in order: P(mode 1) = p1, P(mode 2) = (1 - p1) p2 per lot.
    p1, p2 = 0.1, 0.2
    x = single_product(build, horizon_days=365, failures=li.failure_modes(
        dict(name="first", effect=li.FailureEffectCode.REJECT_BATCH, probability=p1),
        dict(name="second", effect=li.FailureEffectCode.INPUT_REJECT, probability=p2)))
    rows = simulate_replications(x, np.random.default_rng(4), 50)
    lots = rows[:, column(x, "lots_completed")].sum()
    for name, p in (("first", p1), ("second", (1 - p1) * p2)):
        k = rows[:, column(x, f"failure_events:{name}")].sum()
        sd = math.sqrt(lots * p * (1 - p))
        assert abs(k - lots * p) <= Z99 * sd
    assert rows[:, column(x, "rejected_lots")].sum() == \
        rows[:, column(x, "failure_events:first")].sum() + \
        rows[:, column(x, "failure_events:second")].sum()


def test_demand_events_raise_demand_as_an_infinite_server_queue(build):
    # Arrivals of a kind (rate lam) with durations D form an M/G/inf queue: the number of
    # active episodes at T is Poisson with mean lam * int_0^T P(D > u) du, so the kind is
    # active with p(T) = 1 - exp(-that). Kinds are independent, so
    # E[demand of day j] = d * prod_g (1 + (m_g - 1) p_g(24 j)).
    # Fixed D = L: int = min(T, L); exponential D (mean mu): int = mu (1 - exp(-T / mu)).
    d, days, hours_per_yr = 1000.0, 180, 8760.0
    win = dict(name="win", rate_per_yr=3.0, multiplier=1.5, duration=li.exponential(40 * 24.0))
    surge = dict(name="surge", rate_per_yr=6.0, multiplier=2.0, duration=li.fixed(20 * 24.0))
    x = single_product(build, horizon_days=days, demand_cv=[0.3],
                       demand_events=li.demand_events(1, win, surge))
    rows = simulate_replications(x, np.random.default_rng(5), 4000)
    demand = rows[:, column(x, "demand_units")]

    def p_active(rate_per_yr, integral_h):
        return 1.0 - math.exp(-rate_per_yr * integral_h / hours_per_yr)

    expected = 0.0
    for j in range(1, days + 1):
        big_t = 24.0 * j
        mu = 40 * 24.0
        p_win = p_active(3.0, mu * (1.0 - math.exp(-big_t / mu)))
        p_surge = p_active(6.0, min(big_t, 20 * 24.0))
        expected += d * (1 + 0.5 * p_win) * (1 + 1.0 * p_surge)
    assert abs(demand.mean() - expected) <= Z99 * demand.std(ddof=1) / math.sqrt(len(demand))


# -- balances ---------------------------------------------------------------------------------
@pytest.mark.parametrize("policy", list(li.CampaignPolicy))
@pytest.mark.parametrize("mode", list(li.OperatingMode))
def test_mass_and_time_balance_every_replication(policy, mode, build):
    x = build.make_line(3, policy=policy, operating_mode=mode, failures=build.all_failures(2.0))
    rows = simulate_replications(x, np.random.default_rng(7), 200)
    for p in range(3):
        base = N_LINE + p * N_PRODUCT
        lhs = x.initial_inventory_units[p] + rows[:, base + P_MADE]
        rhs = rows[:, base + P_SOLD] + rows[:, base + P_FINAL_INV] + rows[:, base + P_WASTE]
        np.testing.assert_allclose(lhs, rhs, rtol=1e-9)
        assert np.all(rows[:, base + P_GOOD] <= rows[:, base + P_MADE] + 1e-9)
        assert np.all(rows[:, base + P_SOLD] <= rows[:, base + P_DEMAND] + 1e-6)
    hours = sum(rows[:, column(x, name)] for name in
                ("run_h", "startup_shutdown_h", "changeover_h", "repair_h", "idle_h"))
    np.testing.assert_allclose(hours, x.horizon_h * x.staffed_fraction, rtol=1e-9)
    oee = rows[:, column(x, "oee")]
    product = (rows[:, column(x, "availability")] * rows[:, column(x, "performance")]
               * rows[:, column(x, "quality")])
    np.testing.assert_allclose(oee, product, rtol=1e-9)


def test_costs_add_up(build):
    x = build.make_line(3)
    rows = simulate_replications(x, np.random.default_rng(8), 20)
    parts = sum(rows[:, column(x, f"cost_{c}_usd_per_unit")]
                for c in ("materials", "labour", "energy", "qc", "overhead"))
    np.testing.assert_allclose(parts, rows[:, column(x, "cost_total_usd_per_unit")], rtol=1e-12)
    np.testing.assert_allclose(rows[:, column(x, "cost_total_usd_per_unit")]
                               * rows[:, column(x, "units_good")],
                               rows[:, column(x, "cost_total_usd")], rtol=1e-9)


# -- results plumbing ---------------------------------------------------------------------------
def test_trace_agrees_with_the_replication_statistics(build):
    x = build.make_line(3)
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    tr = trace(x, rng_a)
    row = simulate_replications(x, rng_b, 1)[0]
    assert tr.statistics[("units_good", None)] == row[column(x, "units_good")]
    for p in x.product_names:
        day_sum = tr.daily.loc[tr.daily["product"] == p, "demand_units"].sum()
        assert day_sum == pytest.approx(tr.statistics[("demand_units", p)], rel=1e-12)
    run = tr.segments[tr.segments["activity"] == "run"]
    run_h = ((run["end_h"] - run["start_h"]) * x.staffed_fraction).sum()
    assert run_h == pytest.approx(tr.statistics[("run_h", None)], rel=1e-9)


def test_table_has_documented_columns_and_intervals_around_the_mean(build):
    x = build.make_line(3)
    res = simulate(x, 60, entropy=11, chunk_size=25, keep_replications=True)
    table = res.table()
    assert list(table.columns) == ["statistic", "product", "unit", "mean", "ci95_low",
                                   "ci95_high", "std_error", "n"]
    assert len(table) == len(statistic_catalogue(x))
    ok = table["n"] > 1
    assert (table.loc[ok, "ci95_low"] <= table.loc[ok, "mean"] + 1e-12).all()
    assert (table.loc[ok, "mean"] <= table.loc[ok, "ci95_high"] + 1e-12).all()
    # the merged chunk summary equals a direct summary of all kept rows
    rows = res.replications
    np.testing.assert_allclose(res.summary.mean, np.nanmean(rows, axis=0), rtol=1e-12)
    np.testing.assert_allclose(res.summary.std, np.nanstd(rows, axis=0, ddof=1), rtol=1e-7,
                               atol=1e-9)
    assert res.mean("units_good") == pytest.approx(np.mean(rows[:, column(x, "units_good")]))


def test_same_seed_same_summary_and_chunking_is_part_of_the_seed(build):
    x = build.make_line(3)
    a = simulate(x, 30, entropy=12, chunk_size=10)
    b = simulate(x, 30, entropy=12, chunk_size=10)
    c = simulate(x, 30, entropy=13, chunk_size=10)
    assert a.summary.equals(b.summary)
    assert not a.summary.equals(c.summary)
    assert a.seed_entropy == 12
