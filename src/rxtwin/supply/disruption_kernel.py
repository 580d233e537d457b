"""Compiled (numba) kernels of the disruption simulator: daily steps of one product chain.

Called by :mod:`rxtwin.supply.disruption`; see there and docs/supply_simulation.md for the
model. Kernels take arrays only and draw no random numbers: every random input (site
outage calendars, demand paths) is drawn beforehand from the chunk's seed tree.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from rxtwin.model.units import DAYS_PER_YEAR

# Per scenario-year statistics of a product, in this order (columns of the kernel output).
STATISTICS = (
    "any_shortage",  # 1 if some day had unmet demand [-]
    "shortage_days",  # days with unmet demand [d]
    "unmet_units",  # demand not served (lost) [units]
    "demand_units",  # demand [units]
    "expired_units",  # units discarded at expiry, all tiers [units]
    "mean_on_hand_units",  # end-of-day stock on hand, all tiers, mean over days [units]
    "holding_cost_usd",  # mean on-hand value x carrying rate x year fraction [USD]
    "episodes_count",  # shortage episodes started in the year [-]
    "longest_episode_days",  # longest episode ended in the year or open at its end [d]
)
N_STATISTICS = len(STATISTICS)
# Columns of the per-tier flow balance.
BALANCE = ("initial_units", "produced_units", "delivered_units", "expired_units",
           "final_units")
# Per cause, over the recorded scenario-years (columns of the kernel's cause output).
CAUSE_STATISTICS = (
    "shortage_days",  # shortage days of the episodes attributed to the cause [d]
    "unmet_units",  # demand not served on those days [units]
    "episodes_count",  # episodes attributed to the cause, counted in their first year [-]
)
_TINY = 1e-9


@numba.njit(cache=True, nogil=True)
def paint_outages(years, start_days, duration_days, causes, horizon_days, down):
    """Mark the down days of one site on its whole timeline with the cause code of their
    outage; events must be sorted by (year, start).

    ``down`` is the site's calendar as one row of ``n_years x horizon_days`` consecutive
    days (scenario-year ``y``, day ``k`` is entry ``y x horizon + k``), so an outage runs on
    into the next year: 0 where the site is up, ``causes[k] >= 1`` on the days of event
    ``k``. An arrival while the site is already down is ignored (the site is already
    stopped); an outage starting at ``t`` lasting ``x`` days stops days ``floor(t)`` to
    ``floor(t) + ceil(x) - 1``.
    """
    total = down.shape[0]
    busy_until = 0
    for k in range(years.shape[0]):
        start = years[k] * horizon_days + int(math.floor(start_days[k]))
        if start < busy_until:
            continue
        length = max(1, int(math.ceil(duration_days[k] - 1e-12)))
        end = min(total, start + length)
        code = causes[k]
        for day in range(start, end):
            down[day] = code
        busy_until = start + length
    return down


@numba.njit(cache=True, nogil=True)
def paint_shocks(years, start_days, duration_days, multipliers, horizon_days, factor):
    """Set each day's demand factor to the largest multiplier of the shocks active that day,
    in place (``factor``: the product's whole timeline, laid out as in
    :func:`paint_outages`, initially a negative "no shock" mark the caller turns into 1
    afterwards, so that a shock below 1 (a lost contract) lowers demand; a shock runs on
    into the next year)."""
    total = factor.shape[0]
    for k in range(years.shape[0]):
        start = years[k] * horizon_days + int(math.floor(start_days[k]))
        length = max(1, int(math.ceil(duration_days[k] - 1e-12)))
        for day in range(start, min(total, start + length)):
            if multipliers[k] > factor[day]:
                factor[day] = multipliers[k]
    return factor


@numba.njit(cache=True, nogil=True)
def fill_standard_normal(rng, out):
    """Fill the 1-D array ``out`` with ``rng.standard_normal()`` draws, in order, and
    return it.

    The same numbers as ``rng.standard_normal(out.size)`` (numba's ``Generator`` runs
    NumPy's ziggurat on the same bit generator; tested), about 3x faster on the
    development machine: numba compiles the bit generator's step into the loop, where
    NumPy calls it through a function pointer for every draw (benchmarks/supply.py
    prints the demand-path time). ``rng`` is a ``numpy.random.Generator``; its state
    advances as with NumPy.
    """
    for i in range(out.shape[0]):
        out[i] = rng.standard_normal()
    return out


# Episode-length bins: one per day below EPISODE_DAILY_BINS_DAYS, then one per
# EPISODE_COARSE_BIN_DAYS (a week: quantile resolution of a week beyond two years).
EPISODE_DAILY_BINS_DAYS = 730
EPISODE_COARSE_BIN_DAYS = 7


@numba.njit(cache=True, nogil=True, inline="always")
def episode_bin(length_days):
    """Histogram bin of an episode of ``length_days`` days (see the constants above)."""
    if length_days < EPISODE_DAILY_BINS_DAYS:
        return length_days
    return EPISODE_DAILY_BINS_DAYS + (length_days - EPISODE_DAILY_BINS_DAYS) \
        // EPISODE_COARSE_BIN_DAYS


# Lots are kept per tier in a ring of buckets keyed by expiry day (bucket ``e & mask`` holds
# the stock that expires at the start of day ``e``; lots with one expiry day are one lot):
# inserting a lot is one addition whatever the order of arrival, expiry empties the buckets
# of the day, and first-expired-first-out takes from the earliest non-empty bucket onwards.
# The bookkeeping is written out in simulate_product rather than in helper functions:
# passing the bucket array to a helper, even one inlined by numba, costs an NRT
# incref/decref pair per call (a third of the run time of the daily loop).


@numba.njit(cache=True, nogil=True, error_model="numpy")
def simulate_product(parent, base_stock, init_on_hand, init_age, shelf_life, unit_value,
                     sup_site, sup_share, sup_normal, sup_cap, sup_lead, sup_lag,
                     mean_demand, site_down, demand, holding_rate_per_yr, warmup_years,
                     episode_gap_days, attribution_window_days, stats, hist_done,
                     hist_censored, balance, cause_stats):
    """Simulate one product's chain over one continuous history of scenario-years.

    Parameters (arrays of one product; see SupplyEngineInputs for meanings and units)
    ----------
    site_down : uint8 (n_sites, n_total, horizon)
        0 where the site is up; the cause code ``c >= 1`` of its outage where it produces
        nothing that day; ``n_total = warmup_years + n_years``.
    demand : float64 (n_total, horizon)
        Daily demand [units].
    warmup_years : int
        Leading scenario-years simulated but not recorded [-].
    episode_gap_days : int
        Shortage days separated by at most this many days without shortage belong to one
        episode [d] (0: every run of consecutive short days is an episode).
    attribution_window_days : int
        An episode is attributed to the outage of a chain site with the most down days in
        the window of this many days before its first day [d] (Notes).
    stats : float64 (n_years, N_STATISTICS), output
        One row per recorded scenario-year.
    hist_done, hist_censored : int64 (n_bins,), output, accumulated
        Counts of shortage episodes by length in days, from first to last short day
        (``hist_done``: ended in a recorded year; ``hist_censored``: still open when the
        history ends), in the bins of :func:`episode_bin` (the last bin takes every longer
        episode).
    balance : float64 (n_tiers, 5), output
        Columns of :data:`BALANCE` per tier, over the recorded years.
    cause_stats : float64 (n_causes, 3), output
        Columns of :data:`CAUSE_STATISTICS` per cause code (row 0: no outage; every code
        painted on ``site_down`` must be a row), over the recorded years: the short days
        and unmet units of each episode go to its cause, and the episode itself counts in
        the year it starts.

    Notes
    -----
    The chain starts on day 0 of the first year from its start state (every stock at its
    start level, the pipelines full with ``share x mean demand`` per day) and carries its
    state (stocks, lots, pipelines, shortfall counters, an open shortage episode) from one
    scenario-year into the next. Day ``k`` runs in this fixed order: (1) pipeline arrivals
    join stock as lots sorted by expiry; (2) lots with expiry <= k are discarded; (3) tiers
    produce, upstream first: need = base stock - (on hand + in transit); each supplier that
    is up delivers ``min(share x need, normal rate)``; if that leaves a shortfall for more
    than ``lag`` consecutive days, up suppliers add up to their surge capacity; the total
    is capped by the stock of every child tier, taken from those FEFO, and shipped with
    the supplier's lead time (lot expiry = production day + shelf life); (4) the market
    demand is served from finished goods FEFO; what is not served is lost. A tier none of
    whose lots can expire within the whole history keeps no lots (its stock is ``onhand``
    alone): FEFO order then changes no output, and the statistics are the same bits.

    Attribution (docs/supply_simulation.md, "Shortage-days by cause"). The chain's sites
    are the distinct sites of the supplier slots of its used tiers, in increasing index. An
    outage of a site starts on a down day whose previous day (day -1: up) was up or had
    another code, so back-to-back outages of one cause read as one. Each day, before
    production, a chain site whose code changed updates its latest outage start ``s_i``
    and code ``c_i`` (an outage starts) or its last down day ``e_i`` (one ended
    yesterday); a site down on day ``k`` has ``e_i = k``. Writing only on a change keeps
    the daily step to one read and one comparison per chain site (the kernel runs 5-8 %
    longer than without attribution; docs/supply_simulation.md, Performance). An episode
    starting on day ``k`` gets ``c_i`` of the site whose latest outage has the most down
    days in the window, ``n_i = e_i - max(s_i, k - W) + 1`` with ``W =
    attribution_window_days`` (``e_i = k``: under way), among those with ``n_i >= 1``;
    then the later ``s_i``, then the lower site index; 0 if no site qualifies. All its
    short days, unmet units and its count go to that cause, also when it started in the
    warm-up. Only a site's latest outage is considered (an earlier one of the same site is
    not, however long: a limit, docs).
    """
    n_total, horizon = demand.shape
    n_years = n_total - warmup_years
    total_days = n_total * horizon
    last_bin = hist_done.shape[0] - 1
    n_tiers = parent.shape[0]
    n_sup = sup_site.shape[1]
    used = 0
    for t in range(n_tiers):
        if parent[t] != -2:
            used = t + 1
    fdf = used - 1
    max_lead = 0
    for t in range(used):
        for s in range(n_sup):
            if sup_site[t, s] >= 0 and sup_lead[t, s] > max_lead:
                max_lead = sup_lead[t, s]
    width = max_lead + 1
    n_used_sup = np.zeros(used, dtype=np.int64)  # suppliers are packed first in each tier
    children = np.full((used, used), -1, dtype=np.int64)
    n_children = np.zeros(used, dtype=np.int64)
    # A tier needs its lots only if some lot can expire within the history: every lot
    # expires on or after min(shelf life - initial age, shelf life - longest lead) (made on
    # day -lead or later); otherwise FEFO order changes no output and on-hand is one number.
    use_lots = np.zeros(used, dtype=np.bool_)
    ring = 1  # buckets per tier: a power of two above every span of live expiry days
    for t in range(used):
        tier_lead = 0
        for s in range(n_sup):
            if sup_site[t, s] >= 0:
                n_used_sup[t] = s + 1
                if sup_lead[t, s] > tier_lead:
                    tier_lead = sup_lead[t, s]
        if parent[t] >= 0:
            children[parent[t], n_children[parent[t]]] = t
            n_children[parent[t]] += 1
        use_lots[t] = shelf_life[t] - max(init_age[t], tier_lead) < total_days
        # On day d a tier holds lots expiring on day d + 1 to d + shelf life, and receives
        # lots expiring from d - lead + shelf life on: span <= shelf life + lead + 1.
        while use_lots[t] and ring < shelf_life[t] + tier_lead + 2:
            ring *= 2
    mask = ring - 1
    # the chain's distinct sites, in increasing index (ties go to the lower index)
    chain_site = np.empty(max(used * n_sup, 1), dtype=np.int64)
    n_chain = 0
    for t in range(used):
        for s in range(n_sup):
            site = sup_site[t, s]
            if site < 0:
                continue
            known = False
            for j in range(n_chain):
                if chain_site[j] == site:
                    known = True
            if known:
                continue
            j = n_chain
            while j > 0 and chain_site[j - 1] > site:
                chain_site[j] = chain_site[j - 1]
                j -= 1
            chain_site[j] = site
            n_chain += 1
    site_code = np.zeros(n_chain, dtype=np.int64)  # the site's code yesterday (0 = up)
    outage_first = np.full(n_chain, -1, dtype=np.int64)  # first day of its latest outage
    outage_last = np.full(n_chain, -1, dtype=np.int64)  # last day of its latest ended one
    outage_cause = np.zeros(n_chain, dtype=np.int64)  # the code of its latest outage
    cause_stats[:, :] = 0.0
    episode_cause = 0
    bucket = np.zeros((used, ring))  # stock of each tier by expiry day (key & mask)
    first = np.zeros(used, dtype=np.int64)  # every bucket keyed below first is empty
    last = np.full(used, -1, dtype=np.int64)  # ... and every bucket keyed above last
    pipe = np.zeros((used, n_sup, width))
    transit = np.zeros(used)
    onhand = np.zeros(used)
    short_days = np.zeros(used, dtype=np.int64)
    give = np.zeros(n_sup)  # per supplier of the tier producing; < 0: supplier down
    tier_on_hand_sum = np.zeros(used)
    tiny = _TINY * max(mean_demand, 1e-300)

    # ---- start state
    for t in range(used):
        if init_on_hand[t] > 0.0:
            if use_lots[t]:
                # the start lot; one already past its expiry goes on day 0 like any other
                le = max(shelf_life[t] - init_age[t], 0)
                bucket[t, le & mask] = init_on_hand[t]
                first[t] = le
                last[t] = le
            onhand[t] = init_on_hand[t]
        for s in range(n_used_sup[t]):
            if sup_site[t, s] < 0:
                continue
            # steady flow share x mean demand already in transit (made days -L..-1)
            for k in range(sup_lead[t, s]):
                q = sup_share[t, s] * mean_demand
                pipe[t, s, k % width] += q
                transit[t] += q

    in_episode = False
    episode_days = 0  # first to last short day of the open episode
    gap = 0  # days without shortage since its last short day
    slot = width - 1
    day = -1  # days since the start of the history
    for y in range(n_total):
        recording = y >= warmup_years
        if y == warmup_years:
            for t in range(used):
                balance[t, 0] = onhand[t] + transit[t]
                balance[t, 1] = 0.0
                balance[t, 2] = 0.0
                balance[t, 3] = 0.0
        unmet_total = 0.0
        demand_total = 0.0
        expired_total = 0.0
        for t in range(used):
            tier_on_hand_sum[t] = 0.0
        shortage_days = 0
        episodes = 0
        longest = 0
        for k_day in range(horizon):
            day += 1
            slot += 1  # = day % width, without a division
            if slot == width:
                slot = 0
            # outages of the chain's sites, for attribution: written only when a site
            # changes code (an outage starts, or one ends: its last day was yesterday)
            for j in range(n_chain):
                code = site_down[chain_site[j], y, k_day]
                if code != site_code[j]:
                    if code != 0:
                        outage_first[j] = day
                        outage_cause[j] = code
                    else:
                        outage_last[j] = day - 1
                    site_code[j] = code
            # (1) arrivals and (2) expiry
            for t in range(used):
                lots = use_lots[t]
                f = first[t]
                n = last[t]
                oh = onhand[t]
                tr = transit[t]
                for s in range(n_used_sup[t]):
                    q = pipe[t, s, slot]
                    if q > 0.0:
                        pipe[t, s, slot] = 0.0
                        tr -= q
                        if lots:
                            # the lot expires at made + shelf life
                            le = day - sup_lead[t, s] + shelf_life[t]
                            bucket[t, le & mask] += q
                            if le < f:
                                f = le
                            if le > n:
                                n = le
                        oh += q
                if lots:
                    while f <= day and f <= n:
                        q = bucket[t, f & mask]
                        if q != 0.0:
                            bucket[t, f & mask] = 0.0
                            oh -= q
                            expired_total += q
                            balance[t, 3] += q
                        f += 1
                    if f <= day:  # no stock left: nothing keyed before tomorrow is live
                        f = day + 1
                    first[t] = f
                    last[t] = n
                onhand[t] = oh
                transit[t] = tr
            # (3) production, upstream tiers first
            for t in range(used):
                need = base_stock[t] - onhand[t] - transit[t]
                if need <= tiny:
                    short_days[t] = 0
                    continue
                ns = n_used_sup[t]
                total = 0.0
                for s in range(ns):  # give < 0 marks a supplier that is down
                    site = sup_site[t, s]
                    if site < 0 or site_down[site, y, k_day] != 0:
                        give[s] = -1.0
                    else:
                        g = min(sup_share[t, s] * need, sup_normal[t, s])
                        give[s] = g
                        total += g
                if total < need - tiny:
                    sd = short_days[t] + 1
                    short_days[t] = sd
                    for s in range(ns):
                        g = give[s]
                        if g < 0.0:
                            continue
                        if sd > sup_lag[t, s] and total < need - tiny:
                            extra = min(sup_cap[t, s] - g, need - total)
                            if extra > 0.0:
                                give[s] = g + extra
                                total += extra
                else:
                    short_days[t] = 0
                if total <= 0.0:
                    continue
                # inputs: every child tier must hold the units
                avail = total
                for k in range(n_children[t]):
                    c = children[t, k]
                    if onhand[c] < avail:
                        avail = max(onhand[c], 0.0)
                if avail <= 0.0:
                    continue
                scale = avail / total
                for k in range(n_children[t]):
                    c = children[t, k]
                    if use_lots[c]:
                        # take avail from the child's earliest-expiring lots (FEFO)
                        left = avail
                        f = first[c]
                        n = last[c]
                        while left > 0.0 and f <= n:
                            q = bucket[c, f & mask]
                            if q > left:
                                bucket[c, f & mask] = q - left
                                left = 0.0
                            else:
                                left -= q
                                bucket[c, f & mask] = 0.0
                                f += 1
                        first[c] = f
                    onhand[c] -= avail
                    balance[c, 2] += avail
                balance[t, 1] += avail
                for s in range(ns):
                    q = give[s] * scale
                    if q <= 0.0:
                        continue
                    if sup_lead[t, s] == 0:
                        if use_lots[t]:
                            le = day + shelf_life[t]  # the latest expiry in store
                            bucket[t, le & mask] += q
                            if le < first[t]:
                                first[t] = le
                            last[t] = le
                        onhand[t] += q
                    else:
                        arrive = slot + sup_lead[t, s]
                        if arrive >= width:
                            arrive -= width
                        pipe[t, s, arrive] += q
                        transit[t] += q
            # (4) market demand from finished goods
            want = demand[y, k_day]
            served = min(want, max(onhand[fdf], 0.0))
            if use_lots[fdf]:
                # take served from the earliest-expiring lots (FEFO)
                left = served
                f = first[fdf]
                n = last[fdf]
                while left > 0.0 and f <= n:
                    q = bucket[fdf, f & mask]
                    if q > left:
                        bucket[fdf, f & mask] = q - left
                        left = 0.0
                    else:
                        left -= q
                        bucket[fdf, f & mask] = 0.0
                        f += 1
                first[fdf] = f
            onhand[fdf] -= served
            balance[fdf, 2] += served
            unmet = want - served
            demand_total += want
            if unmet > tiny:
                unmet_total += unmet
                shortage_days += 1
                if not in_episode:
                    in_episode = True
                    episode_days = 0
                    gap = 0
                    episodes += 1
                    # the outage with the most down days in the window; then the later
                    # start; strict > keeps the lower site index on a full tie
                    episode_cause = 0
                    most_days = 0
                    latest = -1
                    window_first = day - attribution_window_days
                    for j in range(n_chain):
                        if outage_first[j] < 0:
                            continue
                        # a site down today has its outage under way (last day: today)
                        ended = day if site_code[j] != 0 else outage_last[j]
                        days_in = ended - max(outage_first[j], window_first) + 1
                        if days_in > most_days or (days_in == most_days and days_in > 0
                                                   and outage_first[j] > latest):
                            most_days = days_in
                            latest = outage_first[j]
                            episode_cause = outage_cause[j]
                    if recording:
                        cause_stats[episode_cause, 2] += 1.0
                if recording:
                    cause_stats[episode_cause, 0] += 1.0
                    cause_stats[episode_cause, 1] += unmet
                episode_days += gap + 1
                gap = 0
            elif in_episode:
                gap += 1
                if gap > episode_gap_days:
                    in_episode = False
                    if recording:
                        hist_done[min(episode_bin(episode_days), last_bin)] += 1
                    if episode_days > longest:
                        longest = episode_days
            for t in range(used):
                tier_on_hand_sum[t] += onhand[t]
        if in_episode and episode_days > longest:
            longest = episode_days
        if not recording:
            continue
        r = y - warmup_years
        on_hand_sum = 0.0
        value_sum = 0.0
        for t in range(used):
            on_hand_sum += tier_on_hand_sum[t]
            value_sum += tier_on_hand_sum[t] * unit_value[t]
        stats[r, 0] = 1.0 if shortage_days > 0 else 0.0
        stats[r, 1] = shortage_days
        stats[r, 2] = unmet_total
        stats[r, 3] = demand_total
        stats[r, 4] = expired_total
        stats[r, 5] = on_hand_sum / horizon
        # mean value held x carrying rate x (horizon / 365 d) = value_sum x rate / 365
        stats[r, 6] = value_sum * holding_rate_per_yr / DAYS_PER_YEAR
        stats[r, 7] = episodes
        stats[r, 8] = longest
    if in_episode and n_years > 0:
        hist_censored[min(episode_bin(episode_days), last_bin)] += 1
    for t in range(used):
        balance[t, 4] = onhand[t] + transit[t]
