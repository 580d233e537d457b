"""Slow, independent pure-Python implementation of the disruption simulator's daily model
for one product chain, written from docs/supply_simulation.md ("One day k, in this fixed
order", "A chunk is one continuous history", "Shortage episodes", "Lots, and when a tier does
without them", Outputs, "Shortage-days by cause"), not from the compiled kernel.

It exists to cross-check :func:`rxtwin.supply.disruption_kernel.simulate_product`
(tests/supply/test_disruption_reference.py). It takes the same arrays and returns the same
outputs, but keeps everything as plainly as the text describes it:

* a tier's stock on hand **is** its lots: a Python list of ``(expiry_day, units)`` pairs kept
  sorted by expiry (:func:`bisect.insort`); on-hand is their sum, every lot is kept (the
  kernel's "no lots" shortcut is not taken: the document says it changes no output);
* a tier's pipeline is a list of shipments ``(arrival_day, expiry_day, units)``; in transit
  is their sum;
* days are counted on one timeline ``day = year x horizon + day_of_year`` from the start of
  the history, with plain loops;
* a site's outages are read off its whole calendar first, as a list of
  ``(first day, last day, cause)`` runs (:func:`outages_of`), and an episode's cause is
  chosen among them when it starts (:func:`episode_cause`), instead of being tracked day by
  day.

Taken from the kernel rather than the document: the argument layout (shapes, ``parent ==
-2`` for unused tiers, ``site < 0`` for unused supplier slots, the STATISTICS and BALANCE
column orders, ``longest_episode_days`` = longest episode ended in the year or open at its
end), and three choices the document leaves open:

* a need, a shortfall or unmet demand of at most ``1e-9 x mean demand`` is rounding, not a
  shortage, and unmet demand that small is not counted (``ROUNDING_FRACTION``);
* surge fills the shortfall supplier by supplier in slot order, none beyond the need;
* when the input tiers' stock caps a tier's output, every supplier's part shrinks in
  proportion.
"""

from __future__ import annotations

import bisect

import numpy as np

UNUSED_TIER = -2
MARKET = -1
# Episode-length histogram (docs, "Shortage episodes"): one bin per day below 730 d, one per
# week above, up to 15 years; the last bin takes every longer episode (1,409 bins).
DAILY_BINS_DAYS = 730
WEEK_DAYS = 7
N_BINS = 1409
# Quantities below this fraction of mean demand are rounding [-] (see module docstring).
ROUNDING_FRACTION = 1e-9
# Columns, in the kernel's order.
STATISTICS = ("any_shortage", "shortage_days", "unmet_units", "demand_units",
              "expired_units", "mean_on_hand_units", "holding_cost_usd", "episodes_count",
              "longest_episode_days")
BALANCE = ("initial_units", "produced_units", "delivered_units", "expired_units",
           "final_units")
CAUSE_STATISTICS = ("shortage_days", "unmet_units", "episodes_count")


def episode_bin(length_days: int) -> int:
    """Histogram bin of an episode of ``length_days`` days [d] (daily below two years,
    weekly above, the last bin open-ended)."""
    if length_days < DAILY_BINS_DAYS:
        return length_days
    return min(DAILY_BINS_DAYS + (length_days - DAILY_BINS_DAYS) // WEEK_DAYS, N_BINS - 1)


def _units(lots) -> float:
    """Units held in a list of ``(expiry_day, units)`` lots, or of shipments whose last
    element is the units."""
    return sum(lot[-1] for lot in lots)


def _take_fefo(lots: list, units: float) -> None:
    """Remove ``units`` from ``lots`` (sorted by expiry), earliest expiry first."""
    while units > 0.0 and lots:
        expiry, held = lots[0]
        if held > units:
            lots[0] = (expiry, held - units)
            return
        units -= held
        lots.pop(0)


def outages_of(calendar) -> list[tuple[int, int, int]]:
    """The outages on one site's calendar (a sequence of cause codes over the history, 0 =
    up): ``(first day, last day, cause)`` of every run of days with one nonzero code. Two
    outages of one cause back to back are one run, as the document says they read."""
    outages = []
    previous = 0
    for day, code in enumerate(int(c) for c in calendar):
        if code != 0 and code != previous:
            outages.append([day, day, code])
        elif code != 0:
            outages[-1][1] = day
        previous = code
    return [tuple(o) for o in outages]


def episode_cause(outages_by_site: dict[int, list], day: int, window_days: int) -> int:
    """Cause of an episode that starts on ``day``: per chain site (``outages_by_site``:
    site index -> its outages), its latest outage that started on or before ``day``; of
    those, the one with the most down days in the window ``[day - window_days, day]``
    (under way: counted to ``day``), at least one; then the later first day; then the
    lower site index; 0 if none."""
    candidates = []
    for site, outages in outages_by_site.items():
        started = [o for o in outages if o[0] <= day]
        if not started:
            continue
        first, last, cause = started[-1]
        days_in_window = min(last, day) - max(first, day - window_days) + 1
        if days_in_window >= 1:
            candidates.append((days_in_window, first, -site, cause))
    return max(candidates)[3] if candidates else 0


def simulate_product_reference(parent, base_stock, init_on_hand, init_age, shelf_life,
                               unit_value, sup_site, sup_share, sup_normal, sup_cap, sup_lead,
                               sup_lag, mean_demand, site_down, demand, holding_rate_per_yr,
                               warmup_years, episode_gap_days, attribution_window_days,
                               n_causes):
    """One product's chain over one continuous history, day by day as documented.

    Parameters
    ----------
    parent : int array (T,)
        Tier fed by each tier; -1 the market (the finished-dose tier), -2 unused slot.
    base_stock, init_on_hand : float arrays (T,)
        Base stock ``S_t`` (target of on hand + in transit) and start stock [units].
    init_age, shelf_life : int arrays (T,)
        Age of the start stock and shelf life [d]; a lot made on day ``m`` expires at the
        start of day ``m + shelf_life``.
    unit_value : float array (T,)
        Value of a unit held [USD/unit].
    sup_site : int array (T, S)
        Site of each supplier; < 0 an unused slot.
    sup_share, sup_normal, sup_cap : float arrays (T, S)
        Share of the tier's need [-], normal rate and surge capacity [units/d].
    sup_lead, sup_lag : int arrays (T, S)
        Lead time and qualification lag [d].
    mean_demand : float
        Mean daily demand ``dbar`` [units/d] (start pipelines, rounding scale).
    site_down : uint8 array (n_sites, n_total_years, horizon)
        0 where the site is up; the cause code (>= 1) of its outage where it produces
        nothing that day.
    demand : float array (n_total_years, horizon)
        Daily demand [units].
    holding_rate_per_yr : float
        Carrying rate [1/yr].
    warmup_years : int
        Leading years simulated but not recorded [-].
    episode_gap_days : int
        Most days without shortage inside one episode [d].
    attribution_window_days : int
        How long after its last day an outage can still be an episode's cause [d].
    n_causes : int
        Cause codes, 0 (no outage) included [-].

    Returns
    -------
    stats : float array (n_years, 9)
        Per recorded year, the columns of ``STATISTICS``.
    hist_done, hist_censored : int64 arrays (N_BINS,)
        Episodes by length (first to last short day): ended in a recorded year; open when
        the history ends.
    balance : float array (T, 5)
        Per tier over the recorded years, the columns of ``BALANCE``.
    cause_stats : float array (n_causes, 3)
        Per cause code over the recorded years, the columns of ``CAUSE_STATISTICS``.

    Notes
    -----
    Day ``k`` of the history, in this order (docs/supply_simulation.md):

    1. shipments due today join the tier's lots (expiry = made day + shelf life);
    2. lots with expiry ``<= k`` are discarded (``expired_units``);
    3. tiers produce, upstream first: ``need = S - (on hand + in transit)``; each supplier
       that is up gives ``g = min(share x need, normal)``; if ``sum g < need`` the tier
       counts one more consecutive day of shortfall ``n`` (else ``n = 0``) and each up
       supplier with ``n > lag`` adds up to ``cap - g`` (never more than the need left);
       the total is capped by the on-hand stock of every input tier, taken from them FEFO,
       and each supplier ships its part of it (``g x capped / total``) with its lead time
       (lead 0: into stock today);
    4. the market takes ``min(D_k, on hand FDF)`` FEFO; unmet demand is lost and makes a
       shortage day.

    Start (day 0): every tier holds one lot of its start stock, aged ``init_age``; every
    supplier's pipeline holds ``share x dbar`` made on each of the days ``-L .. -1``.

    Each episode takes the cause :func:`episode_cause` gives on its first day, over the
    sites of every supplier slot of the used tiers; its recorded short days and unmet
    demand, and the episode itself when it starts in a recorded year, go to that cause.
    """
    n_total, horizon = demand.shape
    n_years = n_total - warmup_years
    n_slots = len(parent)
    tiers = [t for t in range(n_slots) if parent[t] != UNUSED_TIER]
    fdf = next(t for t in tiers if parent[t] == MARKET)
    inputs_of = {t: [c for c in tiers if parent[c] == t] for t in tiers}
    suppliers_of = {t: [s for s in range(sup_site.shape[1]) if sup_site[t, s] >= 0]
                    for t in tiers}
    rounding = ROUNDING_FRACTION * mean_demand

    stats = np.zeros((n_years, len(STATISTICS)))
    hist_done = np.zeros(N_BINS, dtype=np.int64)
    hist_censored = np.zeros(N_BINS, dtype=np.int64)
    balance = np.zeros((n_slots, len(BALANCE)))
    cause_stats = np.zeros((n_causes, len(CAUSE_STATISTICS)))
    chain_sites = {int(sup_site[t, s]) for t in tiers for s in suppliers_of[t]}
    outages_by_site = {i: outages_of(site_down[i].reshape(-1)) for i in chain_sites}
    cause = 0  # of the open episode

    # ---- start state
    lots = {t: [] for t in tiers}  # (expiry_day, units), sorted by expiry
    pipeline = {t: [] for t in tiers}  # (arrival_day, expiry_day, units)
    for t in tiers:
        if init_on_hand[t] > 0.0:
            lots[t].append((int(shelf_life[t]) - int(init_age[t]), float(init_on_hand[t])))
        for s in suppliers_of[t]:
            lead = int(sup_lead[t, s])
            for made in range(-lead, 0):
                pipeline[t].append((made + lead, made + int(shelf_life[t]),
                                    float(sup_share[t, s] * mean_demand)))
    shortfall_days = {t: 0 for t in tiers}  # n_t
    episode_first = episode_last = None  # first and last short day of the open episode

    for year in range(n_total):
        recording = year >= warmup_years
        if year == warmup_years:
            for t in tiers:
                balance[t, 0] = _units(lots[t]) + _units(pipeline[t])
        shortage_days = 0
        episodes = 0
        longest = 0
        unmet_total = demand_total = expired_total = 0.0
        on_hand_day_sum = value_day_sum = 0.0
        for day_of_year in range(horizon):
            day = year * horizon + day_of_year

            # (1) deliveries due today join the stock as lots
            for t in tiers:
                still_moving = []
                for arrival, expiry, units in pipeline[t]:
                    if arrival == day:
                        bisect.insort(lots[t], (expiry, units))
                    else:
                        still_moving.append((arrival, expiry, units))
                pipeline[t] = still_moving

            # (2) lots with expiry <= day are discarded
            for t in tiers:
                while lots[t] and lots[t][0][0] <= day:
                    _, units = lots[t].pop(0)
                    expired_total += units
                    if recording:
                        balance[t, 3] += units

            # (3) production, upstream first (a tier's inputs have smaller indices)
            for t in tiers:
                need = base_stock[t] - (_units(lots[t]) + _units(pipeline[t]))
                if need <= rounding:
                    shortfall_days[t] = 0
                    continue
                up = [s for s in suppliers_of[t] if site_down[sup_site[t, s], year,
                                                              day_of_year] == 0]
                give = {s: min(sup_share[t, s] * need, sup_normal[t, s]) for s in up}
                if sum(give.values()) < need - rounding:
                    shortfall_days[t] += 1
                    for s in up:
                        left = need - sum(give.values())
                        if shortfall_days[t] > sup_lag[t, s] and left > rounding:
                            give[s] += max(min(sup_cap[t, s] - give[s], left), 0.0)
                else:
                    shortfall_days[t] = 0
                total = sum(give.values())
                if total <= 0.0:
                    continue
                made = min([total] + [_units(lots[c]) for c in inputs_of[t]])
                if made <= 0.0:
                    continue
                for c in inputs_of[t]:
                    _take_fefo(lots[c], made)
                    if recording:
                        balance[c, 2] += made
                if recording:
                    balance[t, 1] += made
                expiry = day + int(shelf_life[t])
                for s in up:
                    units = give[s] * made / total
                    if units <= 0.0:
                        continue
                    if sup_lead[t, s] == 0:
                        bisect.insort(lots[t], (expiry, units))
                    else:
                        pipeline[t].append((day + int(sup_lead[t, s]), expiry, units))

            # (4) the market
            wanted = float(demand[year, day_of_year])
            served = min(wanted, _units(lots[fdf]))
            _take_fefo(lots[fdf], served)
            if recording:
                balance[fdf, 2] += served
            unmet = wanted - served
            demand_total += wanted
            if unmet > rounding:
                unmet_total += unmet
                shortage_days += 1
                if episode_first is None:
                    episode_first = day
                    episodes += 1
                    cause = episode_cause(outages_by_site, day, attribution_window_days)
                    if recording:
                        cause_stats[cause, 2] += 1
                if recording:
                    cause_stats[cause, 0] += 1
                    cause_stats[cause, 1] += unmet
                episode_last = day
            elif episode_first is not None and day - episode_last > episode_gap_days:
                length = episode_last - episode_first + 1
                if recording:
                    hist_done[episode_bin(length)] += 1
                longest = max(longest, length)
                episode_first = episode_last = None

            for t in tiers:
                held = _units(lots[t])
                on_hand_day_sum += held
                value_day_sum += held * unit_value[t]

        if episode_first is not None:
            longest = max(longest, episode_last - episode_first + 1)
        if recording:
            stats[year - warmup_years] = (
                1.0 if shortage_days > 0 else 0.0, shortage_days, unmet_total, demand_total,
                expired_total, on_hand_day_sum / horizon,
                value_day_sum * holding_rate_per_yr / 365.0, episodes, longest)

    if episode_first is not None and n_years > 0:
        hist_censored[episode_bin(episode_last - episode_first + 1)] += 1
    for t in tiers:
        balance[t, 4] = _units(lots[t]) + _units(pipeline[t])
    return stats, hist_done, hist_censored, balance, cause_stats
