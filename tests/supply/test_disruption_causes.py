"""Shortage-days by cause: cause labels, the attribution rule on hand-made calendars, closed
forms, the invariants of the kernel's cause output, and the mergeable summary and its table
(docs/supply_simulation.md, "Shortage-days by cause")."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import UserInputError
from rxtwin.model.disruption import OutageMode
from rxtwin.model.distributions import Exponential, Fixed
from rxtwin.stats import merge_all, plan_chunks
from rxtwin.supply.disruption import (
    CAUSE_STATISTICS,
    CAUSE_TABLE_COLUMNS,
    N_EPISODE_BINS,
    STATISTICS,
    DisruptionSummary,
    _product_args,
    disruption_chunk_task,
    simulate_disruptions,
    site_down_calendar,
    trace_product,
)
from rxtwin.supply.disruption_inputs import (
    DEFAULT_ATTRIBUTION_WINDOW_DAYS,
    MARKET_PARENT,
    MAX_OUTAGE_CAUSES,
    NO_OUTAGE_CAUSE,
    chain_inputs,
    supply_inputs_from_scenario,
)
from rxtwin.supply.disruption_kernel import BALANCE, N_STATISTICS, simulate_product

BIG = 1e12  # a supplier that refills any gap in one day
DAYS = CAUSE_STATISTICS.index("shortage_days")
UNMET = CAUSE_STATISTICS.index("unmet_units")
EPISODES = CAUSE_STATISTICS.index("episodes_count")


def exponential(mean_days: float) -> Exponential:
    return Exponential(dist="exponential", mean=mean_days)


# ------------------------------------------------------------------ cause labels


def test_causes_are_mode_names_in_first_seen_order_with_their_category():
    modes = [[OutageMode("flood", 0.1, exponential(30.0), category="natural_disaster"),
              OutageMode("recall<-oos-batch-reject", 0.2, exponential(60.0),
                         category="recall")],
             [],
             [OutageMode("audit", 0.3, exponential(5.0), category="regulatory_action"),
              OutageMode("flood", 0.5, exponential(9.0), category="other")]]
    inputs = chain_inputs([single_tier_product(sites=(0, 2))], ["a", "b", "c"], modes)
    causes = inputs.causes
    assert causes.labels == (NO_OUTAGE_CAUSE, "flood", "recall<-oos-batch-reject", "audit")
    # a name's category is that of its first mode
    assert causes.categories == ("demand", "natural_disaster", "recall", "regulatory_action")
    assert [c.tolist() for c in causes.site_mode_codes] == [[1, 2], [], [3, 1]]
    assert causes.n_causes == 4


def test_more_than_254_cause_names_are_refused():
    many = [[OutageMode(f"mode-{k}", 0.1, exponential(1.0)) for k in range(MAX_OUTAGE_CAUSES)]]
    inputs = chain_inputs([single_tier_product()], ["a"], many)
    assert inputs.causes.n_causes == MAX_OUTAGE_CAUSES + 1
    many[0].append(OutageMode("one-more", 0.1, exponential(1.0)))
    with pytest.raises(UserInputError, match="255 distinct names; .* at most 254"):
        chain_inputs([single_tier_product()], ["a"], many)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "30"])
def test_attribution_window_is_validated_like_the_other_day_counts(bad):
    with pytest.raises(UserInputError, match=f"attribution_window_days = {bad!r}, must be an "
                       "integer >= 0"):
        chain_inputs([single_tier_product()], ["a"], [[]], attribution_window_days=bad)
    assert chain_inputs([single_tier_product()], ["a"], [[]]).attribution_window_days == \
        DEFAULT_ATTRIBUTION_WINDOW_DAYS == 365


def test_calendar_holds_the_cause_code_and_the_same_down_days_as_before():
    # one site with modes A and B: the calendar paints each outage with its cause's code;
    # down (nonzero) days are those of the outage draws, whatever the codes
    inputs = chain_inputs([single_tier_product()], ["plant"],
                          [[OutageMode("A", 3.0, exponential(20.0)),
                            OutageMode("B", 6.0, exponential(5.0))]])
    down = site_down_calendar(inputs, np.random.SeedSequence(3), 20)
    assert set(np.unique(down).tolist()) == {0, 1, 2}
    renamed = dataclasses.replace(inputs, site_outage_modes=(
        (OutageMode("A", 3.0, exponential(20.0)), OutageMode("A", 6.0, exponential(5.0))),))
    same = site_down_calendar(renamed, np.random.SeedSequence(3), 20)
    np.testing.assert_array_equal(down != 0, same != 0)
    assert set(np.unique(same).tolist()) == {0, 1}


# ------------------------------------------------------------------ the rule, by hand


def single_tier_product(buffer_days: int = 2, demand: float = 100.0, sites=(0,), cv=0.0):
    """One FDF tier, base stock (buffer + 1) days of demand; the first site supplies it
    all and refills any gap in a day, every other site is a zero-share backup that can
    deliver nothing (it is a site of the chain, and so a possible cause)."""
    suppliers = [{"site": sites[0], "share": 1.0, "normal_units_per_day": BIG}]
    suppliers += [{"site": s, "share": 0.0, "normal_units_per_day": 0.0} for s in sites[1:]]
    return {"id": "p", "demand_units_per_day": demand, "demand_cv": cv,
            "tiers": [{"label": "fdf", "parent": MARKET_PARENT,
                       "base_stock_units": (buffer_days + 1) * demand,
                       "shelf_life_days": 100_000, "suppliers": suppliers}]}


# Two sites; site 0 has modes A and C, site 1 mode B: codes A = 1, C = 2, B = 3.
A, C, B = 1, 2, 3
TWO_SITE_MODES = [[OutageMode("A", 0.0, exponential(1.0), category="cat-a"),
                   OutageMode("C", 0.0, exponential(1.0))],
                  [OutageMode("B", 0.0, exponential(1.0))]]


def two_sites(buffer_days: int, **keywords):
    return chain_inputs([single_tier_product(buffer_days, sites=(0, 1))], ["s0", "s1"],
                        TWO_SITE_MODES, **keywords)


def kernel_on(inputs, outages, n_years=1, warmup_years=0, demand_spikes=()):
    """The kernel of product 0 on a hand-made calendar.

    ``outages``: ``(site, first day, last day, code)``, days counted from the start of the
    history; ``demand_spikes``: ``(day, factor)`` multiplying that day's mean demand.
    Returns the per-year statistics and the per-cause output.
    """
    n_total = warmup_years + n_years
    down = np.zeros((inputs.n_sites, n_total * 365), dtype=np.uint8)
    for site, first, last, code in outages:
        down[site, first:last + 1] = code
    demand = np.full(n_total * 365, inputs.demand_units_per_day[0])
    for day, factor in demand_spikes:
        demand[day] *= factor
    year_stats = np.zeros((n_years, N_STATISTICS))
    causes = np.zeros((inputs.causes.n_causes, len(CAUSE_STATISTICS)))
    simulate_product(*_product_args(inputs, 0), down.reshape(inputs.n_sites, n_total, 365),
                     demand.reshape(n_total, 365), 0.0, warmup_years, inputs.episode_gap_days,
                     inputs.attribution_window_days, year_stats,
                     np.zeros(N_EPISODE_BINS, dtype=np.int64),
                     np.zeros(N_EPISODE_BINS, dtype=np.int64),
                     np.zeros((inputs.tier_parent.shape[1], len(BALANCE))), causes)
    return year_stats, causes


def days_by_cause(causes) -> dict[int, int]:
    return {int(c): int(causes[c, DAYS]) for c in np.flatnonzero(causes[:, DAYS])}


@pytest.mark.parametrize(("window_days", "spike_cause"), [(90, 0), (91, A), (365, A)])
def test_an_outage_ended_longer_ago_than_the_window_is_not_the_cause(window_days, spike_cause):
    # By hand: buffer 2 days. A on site 0, days 100..109: short days 102..109 (8), one
    # episode starting on 102 while A is under way -> A. On day 200 demand is 5x the mean:
    # 3 days of stock cannot meet it, one short day, an episode starting 200 - 109 = 91
    # days after A's last day: A when the window is >= 91 days, else cause 0 (demand).
    inputs = two_sites(2, attribution_window_days=window_days)
    year, causes = kernel_on(inputs, [(0, 100, 109, A)], demand_spikes=[(200, 5.0)])
    assert year[0, STATISTICS.index("shortage_days")] == 9
    expected = {A: 8}
    expected[spike_cause] = expected.get(spike_cause, 0) + 1
    assert days_by_cause(causes) == expected
    assert causes[spike_cause, EPISODES] == (2 if spike_cause == A else 1)
    # unmet on day 200: 5 x 100 wanted, 300 on hand
    assert causes[0, UNMET] == (200.0 if spike_cause == 0 else 0.0)


def test_the_outage_with_the_most_down_days_in_the_window_is_the_cause():
    # By hand: buffer 30 days. A on site 0 from day 100 to 199; B on site 1 (a backup that
    # delivers nothing) from day 120 to 125. The market is short from day 130 (100 + 30)
    # on, 70 days; at day 130 A has 31 down days in the window (100..130), B 6 (120..125):
    # the whole episode is A's, although B started later. With a window of 4 days B no
    # longer qualifies at all: A again.
    year, causes = kernel_on(two_sites(30), [(0, 100, 199, A), (1, 120, 125, B)])
    assert days_by_cause(causes) == {A: 70}
    assert year[0, STATISTICS.index("shortage_days")] == 70
    _, causes = kernel_on(two_sites(30, attribution_window_days=4),
                          [(0, 100, 199, A), (1, 120, 125, B)])
    assert days_by_cause(causes) == {A: 70}
    # B from day 95 on site 1 has 36 down days by day 130 against A's 31: B, although A
    # set the episode's start; B from day 105 has 26: A
    _, causes = kernel_on(two_sites(30), [(0, 100, 199, A), (1, 95, 199, B)])
    assert days_by_cause(causes) == {B: 70}
    _, causes = kernel_on(two_sites(30), [(0, 100, 199, A), (1, 105, 199, B)])
    assert days_by_cause(causes) == {A: 70}
    # a window of 20 days counts A and B from day 110 alike (21 days each): the later
    # start wins, B
    _, causes = kernel_on(two_sites(30, attribution_window_days=20),
                          [(0, 100, 199, A), (1, 105, 199, B)])
    assert days_by_cause(causes) == {B: 70}


def test_back_to_back_outages_of_one_cause_read_as_one_and_of_two_causes_as_two():
    # Site 0 down from day 100 to 199 in two halves (100..149, 150..199); site 1 (B) down
    # on days 120..125; buffer 55 days: the episode starts on day 155. If the halves have
    # one cause they are one outage with 56 down days by then (B: 6): cause A. If the
    # second half has another cause (C), site 0's latest outage is C with 6 days (150..155),
    # as many as B's, and started later: cause C.
    same = [(0, 100, 149, A), (0, 150, 199, A), (1, 120, 125, B)]
    other = [(0, 100, 149, A), (0, 150, 199, C), (1, 120, 125, B)]
    assert days_by_cause(kernel_on(two_sites(55), same)[1]) == {A: 45}
    assert days_by_cause(kernel_on(two_sites(55), other)[1]) == {C: 45}


def test_a_tie_on_the_first_day_goes_to_the_lower_site_index():
    # Both sites go down on day 100 (site 0 until 149, site 1 until 139); the episode
    # starts on day 102: the outage of site 0 wins whatever its code.
    first = kernel_on(two_sites(2), [(0, 100, 149, A), (1, 100, 139, B)])[1]
    swapped = kernel_on(two_sites(2), [(0, 100, 149, B), (1, 100, 139, A)])[1]
    assert days_by_cause(first) == {A: 48}
    assert days_by_cause(swapped) == {B: 48}


def test_an_episode_started_in_the_warmup_keeps_its_cause():
    # Buffer 7 days, A on days 300..399 with year 0 as warm-up: the episode starts on day
    # 307 (warm-up) and its 35 days in the recorded year (365..399) are A's; the episode
    # is not counted (it started in an unrecorded year), as episodes_count does.
    year, causes = kernel_on(two_sites(7), [(0, 300, 399, A)], warmup_years=1)
    assert year[0, STATISTICS.index("shortage_days")] == 35
    assert days_by_cause(causes) == {A: 35}
    assert causes[:, EPISODES].sum() == 0 == year[0, STATISTICS.index("episodes_count")]


def test_short_days_of_one_episode_all_go_to_its_first_days_cause():
    # Buffer 2 days; site 0 down for A on days 10..21 and for B on days 27..38: short days
    # 12..21 and 29..38, seven days apart (the episode test of test_disruption.py). With an
    # episode gap of 7 days they are one episode starting on day 12: all 20 days are A's,
    # although B stopped the site for the second run. With a gap of 6 days they are two
    # episodes, the second starting on day 29 while B is under way: 10 days each.
    calendar = [(0, 10, 21, A), (0, 27, 38, B)]
    one = kernel_on(two_sites(2, episode_gap_days=7), calendar)[1]
    two = kernel_on(two_sites(2, episode_gap_days=6), calendar)[1]
    assert days_by_cause(one) == {A: 20} and one[:, EPISODES].sum() == 1
    assert days_by_cause(two) == {A: 10, B: 10} and two[:, EPISODES].tolist() == [0, 1, 0, 1]


# ------------------------------------------------------------------ closed forms


def test_two_modes_share_shortage_days_in_proportion_to_rate_times_painted_length():
    # Closed form: one site with two Poisson modes (A: r_A = 0.5/yr, exponential mean 20 d;
    # B: r_B = 1/yr, mean 5 d), no stock beyond the day (base stock = one day's demand,
    # constant demand, a supplier refilling any gap the same day): the market is short
    # exactly on the site's down days, and with episode gap 0 each outage's days form an
    # episode that starts on its first day, while it is under way: the outage's cause.
    # Arrivals during an outage are ignored, but both modes' arrivals see the site in the
    # same state (Poisson arrivals see time averages), so accepted outages come at rates
    # in the ratio r_A : r_B, each painting K = ceil(X) days, E[K] = 1 / (1 - exp(-1/m)).
    # Hence share_A = r_A E[K_A] / (r_A E[K_A] + r_B E[K_B]) = 0.650.
    # What the formula ignores: an outage starting on the very day the previous one ends
    # continues its episode and goes to the previous cause. To first order that moves
    # r_A r_B / 365 (E[K_B] - E[K_A]) days a year towards A, a share of -0.0013, allowed on
    # top of the Monte Carlo band (a 99 % interval of the ratio estimator over the chunk
    # sums, delta method, 80 chunks of 1,000 years: about +-0.005, narrow enough to tell
    # the painted length E[K] = m + ~0.5 from the mean m, which would give 0.667).
    rate_a, mean_a, rate_b, mean_b = 0.5, 20.0, 1.0, 5.0
    inputs = chain_inputs([single_tier_product(0)], ["plant"],
                          [[OutageMode("A", rate_a, exponential(mean_a)),
                            OutageMode("B", rate_b, exponential(mean_b))]])
    chunks = {}
    run = simulate_disruptions(inputs, 80_000, entropy=20261208, chunk_size=1_000,
                               on_chunk_done=chunks.__setitem__)
    days = np.array([chunks[k].causes.shortage_days[0] for k in sorted(chunks)], float)
    assert days[:, 0].sum() == 0  # no shortage without an outage
    a, total = days[:, 1], days.sum(axis=1)
    share = a.sum() / total.sum()
    k = len(a)
    # delta method for a ratio of means over independent chunks
    se = np.std(a - share * total, ddof=1) / math.sqrt(k) / total.mean()
    half = stats.t.ppf(0.995, k - 1) * se
    k_a, k_b = (1.0 / (1.0 - math.exp(-1.0 / m)) for m in (mean_a, mean_b))
    exact = rate_a * k_a / (rate_a * k_a + rate_b * k_b)
    back_to_back = rate_a * rate_b / 365.0 * (k_b - k_a) / (rate_a * k_a + rate_b * k_b)
    assert abs(share - exact) < half + abs(back_to_back), (share, exact, half)
    assert half < 0.008, half
    # the band tells the rule from crediting by rate alone or by the unrounded mean
    for wrong in (rate_a / (rate_a + rate_b),
                  rate_a * mean_a / (rate_a * mean_a + rate_b * mean_b)):
        assert abs(share - wrong) > half + abs(back_to_back), wrong
    # the summary's per-cause days add up to the product's shortage-days, to the bit
    assert run.summary.causes.shortage_days[0].sum() == total.sum()


def test_demand_noise_without_outages_is_cause_zero_on_every_day():
    # No outage ever (the site's only mode has rate 0), stock of one day's mean demand and
    # log-normal noise (cv 0.3): the market is short whenever demand beats the stock, and
    # every such day belongs to cause 0.
    inputs = chain_inputs([single_tier_product(0, cv=0.3)], ["plant"],
                          [[OutageMode("never", 0.0, exponential(10.0))]])
    trace = trace_product(inputs, 0, 20, np.random.SeedSequence(5))
    short = trace.stats[:, STATISTICS.index("shortage_days")].sum()
    assert short > 1000
    assert trace.cause_stats[0, DAYS] == short
    assert trace.cause_stats[1].tolist() == [0.0, 0.0, 0.0]
    assert trace.cause_stats[0, EPISODES] == trace.stats[
        :, STATISTICS.index("episodes_count")].sum()


# ------------------------------------------------------------------ invariants


def three_tier_inputs(window_days: int = DEFAULT_ATTRIBUTION_WINDOW_DAYS):
    """KSM -> API -> FDF with two API suppliers, noisy demand and five outage causes."""
    d = 50.0
    tiers = [
        {"label": "ksm", "parent": 1, "base_stock_units": 40 * d, "shelf_life_days": 90,
         "initial_age_days": 30,
         "suppliers": [{"site": 0, "share": 1.0, "normal_units_per_day": 1.2 * d,
                        "capacity_units_per_day": 2 * d, "lead_days": 10, "lag_days": 5}]},
        {"label": "api", "parent": 2, "base_stock_units": 50 * d, "shelf_life_days": 60,
         "suppliers": [{"site": 1, "share": 0.6, "normal_units_per_day": 0.7 * d,
                        "capacity_units_per_day": 1.2 * d, "lead_days": 20, "lag_days": 15},
                       {"site": 2, "share": 0.4, "normal_units_per_day": 0.5 * d,
                        "capacity_units_per_day": d, "lead_days": 7}]},
        {"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 6 * d,
         "shelf_life_days": 45,
         "suppliers": [{"site": 3, "share": 1.0, "normal_units_per_day": 1.3 * d}]},
    ]
    modes = [[OutageMode("ksm-fire", 0.5, exponential(40.0))],
             [OutageMode("quality", 2.0, exponential(20.0)),
              OutageMode("audit", 0.3, Fixed(dist="fixed", value=90.0))],
             [OutageMode("quality", 1.0, exponential(10.0))],
             [OutageMode("line-break", 3.0, exponential(3.0)),
              OutageMode("recall<-oos", 0.2, exponential(30.0), category="recall")]]
    return chain_inputs([{"id": "p", "demand_units_per_day": d, "demand_cv": 0.4,
                          "tiers": tiers}], ["k", "a1", "a2", "f"], modes,
                        warmup_years=1, episode_gap_days=10, attribution_window_days=window_days)


@pytest.mark.parametrize("window_days", [0, 30, 365])
def test_causes_add_up_to_the_per_year_statistics(window_days):
    # Invariants: shortage days and episodes by cause sum exactly to the per-year sums;
    # unmet units to rounding (the same days' amounts added in another grouping).
    trace = trace_product(three_tier_inputs(window_days), 0, 150, np.random.SeedSequence(8))
    by_cause, per_year = trace.cause_stats, trace.stats
    for cause_column, year_column in (("shortage_days", "shortage_days"),
                                      ("episodes_count", "episodes_count")):
        assert by_cause[:, CAUSE_STATISTICS.index(cause_column)].sum() == \
            per_year[:, STATISTICS.index(year_column)].sum()
    assert by_cause[:, UNMET].sum() == pytest.approx(
        per_year[:, STATISTICS.index("unmet_units")].sum(), rel=1e-9)
    assert np.count_nonzero(by_cause[:, DAYS]) >= 3  # several causes are credited
    assert by_cause[:, DAYS].sum() > 100
    if window_days == 0:
        assert by_cause[0, DAYS] > 0  # shortages outliving their outage: cause 0


# ------------------------------------------------------------------ summary and table


def test_chunk_summaries_merge_and_round_trip_with_their_causes():
    inputs = three_tier_inputs()
    run = simulate_disruptions(inputs, 60, entropy=4, chunk_size=20)
    _, chunks = plan_chunks(60, 20, 4)
    parts = [disruption_chunk_task(inputs, c) for c in chunks]
    merged = merge_all(parts)
    assert merged.equals(run.summary)
    causes = run.summary.causes
    assert causes.labels == inputs.causes.labels
    np.testing.assert_array_equal(causes.shortage_days,
                                  sum(p.causes.shortage_days for p in parts))
    assert causes.shortage_days.dtype == np.int64 == causes.episodes_count.dtype
    assert causes.chunk_means.count == 3
    back = DisruptionSummary.from_dict(run.summary.to_dict())
    assert back.equals(run.summary)
    # a summary without causes is another summary
    older = dataclasses.replace(run.summary, causes=None)
    assert not older.equals(run.summary) and not run.summary.equals(older)
    with pytest.raises(UserInputError, match="stored before cause attribution"):
        run.summary.merge(older)


def test_a_summary_stored_before_cause_attribution_loads_and_says_so():
    run = simulate_disruptions(three_tier_inputs(), 40, entropy=2, chunk_size=20)
    stored = run.summary.to_dict()
    del stored["causes"]  # what runs stored before cause attribution hold
    old = DisruptionSummary.from_dict(stored)
    assert old.causes is None
    assert old.merge(old).causes is None
    assert old.table().equals(run.summary.table())
    with pytest.raises(UserInputError, match="this run predates cause attribution"):
        old.cause_table()


def test_cause_table_columns_rows_and_sums():
    inputs = three_tier_inputs()
    summary = simulate_disruptions(inputs, 200, entropy=6, chunk_size=50).summary
    table = summary.cause_table()
    assert list(table.columns) == list(CAUSE_TABLE_COLUMNS)
    assert (table["shortage_days_per_yr"] > 0).all()  # only causes with shortage-days
    assert set(table["cause"]) <= set(inputs.causes.labels)
    categories = dict(zip(inputs.causes.labels, inputs.causes.categories, strict=True))
    assert table["category"].tolist() == [categories[c] for c in table["cause"]]
    roots = dict(zip(table["cause"], table["root_failure_mode"], strict=True))
    assert roots.get("recall<-oos", "oos") == "oos"
    assert all(v == "" for c, v in roots.items() if "<-" not in c)
    assert table["share_of_shortage_days"].sum() == pytest.approx(1.0, rel=1e-12)
    per_product = summary.table().iloc[0]
    assert table["shortage_days_per_yr"].sum() == pytest.approx(
        per_product["shortage_days_per_yr"], rel=1e-12)
    assert table["episodes_per_yr"].sum() == pytest.approx(per_product["episodes_per_yr"],
                                                           rel=1e-12)
    assert table["unmet_units_per_yr"].sum() == pytest.approx(
        per_product["unmet_units_per_yr"], rel=1e-9)
    # the half-width is batch means over the chunks' per-cause means
    row = table.iloc[int(np.argmax(table["shortage_days_per_yr"].to_numpy()))]
    code = inputs.causes.labels.index(row["cause"])
    _, chunks = plan_chunks(200, 50, 6)
    means = np.array([disruption_chunk_task(inputs, c).causes.shortage_days[0, code] / 50
                      for c in chunks])
    assert row["shortage_days_per_yr_ci95"] == pytest.approx(
        stats.t.ppf(0.975, 3) * means.std(ddof=1) / 2.0, rel=1e-12)


def test_bundled_scenario_cause_table_covers_its_products():
    inputs = supply_inputs_from_scenario(load_scenario("sterile_injectable"),
                                         defaults=load_disruption_defaults())
    summary = simulate_disruptions(inputs, 100, entropy=1, chunk_size=50).summary
    table = summary.cause_table()
    shares = table.groupby("product_id")["share_of_shortage_days"].sum()
    short = summary.table().set_index("product_id")["shortage_days_per_yr"]
    assert set(shares.index) == set(short[short > 0].index)
    np.testing.assert_allclose(shares.to_numpy(), 1.0, rtol=1e-12)
