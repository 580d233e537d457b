"""Compiled (numba) discrete-event engine of the multi-product line.

One replication is one loop over events with the state in small arrays; the process and
its fixed order of simultaneous events are described in ``docs/line.md`` and mirrored,
readably, by :mod:`rxtwin.line.reference_simpy`.

Randomness: every function takes a ``numpy.random.Generator``; numba draws from the same
bit generator (its state advances as in NumPy), so a given Generator state gives the same
replications in any process. No global seed is used.

Layout of one replication's output row (``n_statistics`` floats): the line statistics
``LINE_STATISTICS`` first, then ``PRODUCT_STATISTICS`` for product 0, product 1, ...,
then one count per failure mode (``failure_events``). :func:`statistic_catalogue` names
every column.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from rxtwin.errors import UserInputError
from rxtwin.line.inputs import LineEngineInputs
from rxtwin.model.units import HOURS_PER_DAY, HOURS_PER_YEAR

# --- line statistics: (name, unit, description) -- order = column order -------------------
LINE_STATISTICS: tuple[tuple[str, str, str], ...] = (
    ("units_made", "units", "all output: lots plus start-up/shut-down/restart scrap"),
    ("units_good", "units", "good units sent to QC release"),
    ("units_sold", "units", "units shipped to customers"),
    ("waste_units", "units", "rejected lot units, yield loss and start-up/shut-down scrap"),
    ("demand_units", "units", "customer demand over the horizon"),
    ("lots_completed", "lots", "lots (batches or continuous lots) finished"),
    ("rejected_lots", "lots", "lots with a rejecting failure (any cause)"),
    ("qa_holds", "events", "QA holds (deviations) on lots"),
    ("changeovers", "events", "product changeovers started"),
    ("breakdowns", "events", "equipment breakdowns"),
    ("run_h", "h", "lot processing time [operating h]"),
    ("startup_shutdown_h", "h", "start-up, shut-down and restart time [operating h]"),
    ("changeover_h", "h", "changeover time incl. re-cleans [operating h]"),
    ("repair_h", "h", "repair time after breakdowns [operating h]"),
    ("idle_h", "h", "planned idle time (policy waits) [operating h]"),
    ("availability", "-", "run time / planned time"),
    ("performance", "-", "output / (run time x ideal rate)"),
    ("quality", "-", "good units / output"),
    ("oee", "-", "availability x performance x quality"),
    ("utilisation", "-", "planned (non-idle) time / staffed time"),
    ("fill_rate", "-", "demand filled from stock on the day it arose / demand"),
    ("unmet_demand_product_days", "days", "sum over products of days ending with a backorder"),
    ("avg_inventory_units", "units", "mean end-of-day sellable stock, summed over products"),
    ("avg_backlog_units", "units", "mean end-of-day backorders, summed over products"),
    ("cost_materials_usd_per_unit", "USD/unit", "materials of all output per good unit"),
    ("cost_labour_usd_per_unit", "USD/unit", "staffed labour per good unit"),
    ("cost_energy_usd_per_unit", "USD/unit", "energy per good unit"),
    ("cost_qc_usd_per_unit", "USD/unit", "QC testing per good unit"),
    ("cost_overhead_usd_per_unit", "USD/unit", "overhead and cleaning per good unit"),
    ("cost_total_usd_per_unit", "USD/unit", "sum of the five components"),
    ("cost_total_usd", "USD", "total production cost"),
    ("revenue_usd", "USD", "price x units sold"),
    ("final_inventory_units", "units", "sellable + in-QC stock at the end"),
    ("events", "events", "events processed (day closes, demand events, line activities)"),
)
PRODUCT_STATISTICS: tuple[tuple[str, str, str], ...] = (
    ("units_made", "units", "all output of the product incl. scrap"),
    ("units_good", "units", "good units sent to QC release"),
    ("waste_units", "units", "rejected, yield-loss and scrap units"),
    ("demand_units", "units", "customer demand"),
    ("units_sold", "units", "units shipped"),
    ("fill_rate", "-", "demand filled from stock on its day / demand"),
    ("unmet_demand_days", "days", "days ending with a backorder"),
    ("avg_inventory_units", "units", "mean end-of-day sellable stock"),
    ("avg_backlog_units", "units", "mean end-of-day backorders"),
    ("final_inventory_units", "units", "sellable + in-QC stock at the end"),
    ("campaigns", "campaigns", "campaigns started"),
)

# column indices (compile-time constants for numba)
(L_MADE, L_GOOD, L_SOLD, L_WASTE, L_DEMAND, L_LOTS, L_REJECTED, L_QA_HOLDS, L_CHANGEOVERS,
 L_BREAKDOWNS, L_RUN_H, L_STARTUP_H, L_CHANGEOVER_H, L_REPAIR_H, L_IDLE_H, L_AVAILABILITY,
 L_PERFORMANCE, L_QUALITY, L_OEE, L_UTILISATION, L_FILL_RATE, L_UNMET_DAYS, L_AVG_INV,
 L_AVG_BACKLOG, L_C_MAT, L_C_LAB, L_C_ENERGY, L_C_QC, L_C_OVERHEAD, L_C_TOTAL,
 L_COST_USD, L_REVENUE, L_FINAL_INV, L_EVENTS) = range(len(LINE_STATISTICS))
N_LINE = len(LINE_STATISTICS)
(P_MADE, P_GOOD, P_WASTE, P_DEMAND, P_SOLD, P_FILL, P_UNMET_DAYS, P_AVG_INV, P_AVG_BACKLOG,
 P_FINAL_INV, P_CAMPAIGNS) = range(len(PRODUCT_STATISTICS))
N_PRODUCT = len(PRODUCT_STATISTICS)

# per-product parameter columns (packed by _pack)
(Q_DEMAND, Q_CV, Q_PRICE, Q_MATERIAL, Q_INIT_INV, Q_TARGET_DAYS, Q_REORDER_DAYS, Q_SIGMA,
 Q_HALF_SIGMA2) = range(9)
N_Q = 9
# demand-event kind parameter columns
(G_MULT, G_KIND, G_A, G_B, G_C) = range(5)
# line parameter slots
(K_HORIZON_H, K_LOT_UNITS, K_LOT_H, K_SPEED, K_YIELD, K_STARTUP_H, K_SHUTDOWN_H, K_QC_H,
 K_STAFFED, K_CYCLE_H, K_MODE, K_POLICY, K_CO_KIND, K_CO_A, K_CO_B, K_CO_C, K_LABOUR,
 K_ENERGY, K_QC_COST, K_CLEAN_COST, K_OVERHEAD) = range(21)
N_K = 21
# per-product state columns
(S_RELEASED, S_QUARANTINE, S_BACKLOG) = range(3)
N_S = 3
# pending-release buffer columns
(R_RELEASE_T, R_DONE_T, R_PRODUCT, R_UNITS) = range(4)
# duration kinds and effect codes (mirror rxtwin.line.inputs enums)
D_FIXED, D_UNIFORM, D_TRIANGULAR, D_LOGNORMAL, D_GAMMA, D_EXPONENTIAL = range(6)
E_REJECT, E_QA_HOLD, E_CONTAMINATION, E_BREAKDOWN, E_INPUT_REJECT = range(5)
MODE_CONTINUOUS = 1
POLICY_RUN_OUT = 1
# trace: daily columns and segment activities
T_DEMAND, T_RELEASED, T_QUARANTINE, T_BACKLOG = range(4)
A_RUN, A_STARTUP, A_SHUTDOWN, A_CHANGEOVER, A_REPAIR, A_IDLE = range(6)
ACTIVITY_NAMES = ("run", "startup", "shutdown", "changeover", "repair", "idle")


def n_statistics(inputs: LineEngineInputs) -> int:
    """Number of columns of one replication's output row."""
    return N_LINE + N_PRODUCT * inputs.n_products + len(inputs.failures)


def statistic_catalogue(inputs: LineEngineInputs) -> list[tuple[str, str | None, str]]:
    """(statistic, product or None, unit) for every output column, in column order.

    Failure-mode columns are named ``failure_events:<mode name>``: rejections for
    rejecting modes, holds for QA holds, contaminated changeovers, breakdowns.
    """
    rows: list[tuple[str, str | None, str]] = [(n, None, u) for n, u, _ in LINE_STATISTICS]
    for product in inputs.product_names:
        rows.extend((n, product, u) for n, u, _ in PRODUCT_STATISTICS)
    rows.extend((f"failure_events:{name}", None, "events") for name in inputs.failures.names)
    return rows


def _pack(x: LineEngineInputs):
    """Arrays the kernel reads (numba takes plain arrays, not dataclasses)."""
    q = np.empty((x.n_products, N_Q))
    q[:, Q_DEMAND] = x.demand_units_per_day
    q[:, Q_CV] = x.demand_cv
    # log-normal daily demand: sigma^2 = ln(1 + cv^2), computed once per run, not per day
    sigma2 = np.log1p(x.demand_cv * x.demand_cv)
    q[:, Q_SIGMA] = np.sqrt(sigma2)
    q[:, Q_HALF_SIGMA2] = 0.5 * sigma2
    q[:, Q_PRICE] = x.price_usd_per_unit
    q[:, Q_MATERIAL] = x.material_cost_usd_per_unit
    q[:, Q_INIT_INV] = x.initial_inventory_units
    q[:, Q_TARGET_DAYS] = x.target_days_of_supply
    q[:, Q_REORDER_DAYS] = x.reorder_days_of_supply
    k = np.empty(N_K)
    k[K_HORIZON_H] = x.horizon_h
    k[K_LOT_UNITS] = x.lot_size_units
    k[K_LOT_H] = x.lot_cycle_h
    k[K_SPEED] = x.speed_fraction
    k[K_YIELD] = x.process_yield_fraction
    k[K_STARTUP_H] = x.startup_loss_h
    k[K_SHUTDOWN_H] = x.shutdown_loss_h
    k[K_QC_H] = x.qc_release_h
    k[K_STAFFED] = x.staffed_fraction
    k[K_CYCLE_H] = x.cycle_length_days * HOURS_PER_DAY
    k[K_MODE] = float(int(x.operating_mode))
    k[K_POLICY] = float(int(x.policy))
    k[K_CO_KIND] = float(int(x.changeover.kind))
    k[K_CO_A], k[K_CO_B], k[K_CO_C] = x.changeover.params()
    k[K_LABOUR] = x.labour_usd_per_h
    k[K_ENERGY] = x.energy_usd_per_unit
    k[K_QC_COST] = x.qc_usd_per_lot
    k[K_CLEAN_COST] = x.cleaning_usd_per_changeover
    k[K_OVERHEAD] = x.overhead_usd_per_yr
    f = x.failures
    fm = np.zeros((len(f), 8))
    for i in range(len(f)):
        fm[i, 0] = f.effect[i]
        fm[i, 1] = f.probability[i]
        fm[i, 2] = f.mtbf_h[i]
        fm[i, 3] = int(f.duration[i].kind)
        fm[i, 4], fm[i, 5], fm[i, 6] = f.duration[i].params()
        fm[i, 7] = f.loss_fraction[i]
    d = x.demand_events
    ev_rate = np.zeros((x.n_products, len(d)))
    if len(d):
        ev_rate[:, :] = d.rate_per_yr
    ev_par = np.zeros((len(d), 5))
    for g in range(len(d)):
        ev_par[g, G_MULT] = d.multiplier[g]
        ev_par[g, G_KIND] = int(d.duration[g].kind)
        ev_par[g, G_A], ev_par[g, G_B], ev_par[g, G_C] = d.duration[g].params()
    lots_capacity = int(x.horizon_h / x.lot_cycle_h) + 2
    return q, k, fm, ev_rate, ev_par, x.rotation, x.campaign_lots(), lots_capacity


# --- random draws -------------------------------------------------------------------------
@numba.njit(cache=True, nogil=True)
def _draw_duration(rng, kind, a, b, c):
    """One draw of a duration distribution (kinds and parameters as DurationKind).

    The one Python sampler is :func:`rxtwin.stats.sampling.sample`; this compiled copy stays
    because it runs inside the numba event loop, where scipy's inverse CDFs cannot be called
    (the gamma has no closed-form inverse), and because the line engine's seeded results
    are defined by these draws (normal and gamma variates from the generator, not inverse
    CDFs of uniforms). ``tests/line/test_engine_duration_draws.py`` checks that every kind
    follows the distribution that ``rxtwin.stats.sampling`` samples.
    """
    if kind == D_FIXED:
        return a
    if kind == D_UNIFORM:
        return a + (b - a) * rng.random()
    if kind == D_TRIANGULAR:
        u = rng.random()
        split = (b - a) / (c - a)
        if u < split:
            return a + math.sqrt(u * (c - a) * (b - a))
        return c - math.sqrt((1.0 - u) * (c - a) * (c - b))
    if kind == D_LOGNORMAL:
        if b == 0.0:
            return a
        s2 = math.log1p(b * b)
        return math.exp(math.log(a) - 0.5 * s2 + math.sqrt(s2) * rng.standard_normal())
    if kind == D_GAMMA:
        variance_ratio = b * b  # cv^2; 0 (underflow) means no spread
        if variance_ratio == 0.0:
            return a
        return rng.gamma(1.0 / variance_ratio, a * variance_ratio)
    return rng.exponential(a)


@numba.njit(cache=True, nogil=True)
def _exp_gap_h(rng, rate_per_yr):
    """Time to the next event of a Poisson process [h]; inf when the rate is 0."""
    if rate_per_yr <= 0.0:
        return np.inf
    return rng.exponential(HOURS_PER_YEAR / rate_per_yr)


@numba.njit(cache=True, nogil=True)
def _demand_rate(q, ev_par, ev_until, p, t):
    """Mean demand of product p at time t [units/day]: base x multipliers of the active
    demand events."""
    rate = q[p, Q_DEMAND]
    for g in range(ev_par.shape[0]):
        if t < ev_until[p, g]:
            rate *= ev_par[g, G_MULT]
    return rate


# --- calendar: demand events and day closes --------------------------------------------------
@numba.njit(cache=True, nogil=True)
def _apply_demand_events(rng, t, ev_rate, ev_par, ev_next, ev_until, acc):
    """Apply demand-event arrivals at times <= t: each sets its kind active until
    max(current end, arrival + duration draw). Arrivals of different products and kinds
    touch different state, so their order does not matter."""
    for p in range(ev_rate.shape[0]):
        for g in range(ev_rate.shape[1]):
            while ev_next[p, g] <= t:
                length = _draw_duration(rng, int(ev_par[g, G_KIND]), ev_par[g, G_A],
                                        ev_par[g, G_B], ev_par[g, G_C])
                ev_until[p, g] = max(ev_until[p, g], ev_next[p, g] + length)
                ev_next[p, g] += _exp_gap_h(rng, ev_rate[p, g])
                acc[L_EVENTS] += 1.0


@numba.njit(cache=True, nogil=True)
def _close_day(rng, day, q, s, ev_rate, ev_par, ev_next, ev_until, acc, pacc, pending,
               n_pending, trace_on, daily):
    """Close day ``day`` at T = 24 (day + 1): demand events, releases, demand, books.

    Order at T: (1) demand events with time <= T, (2) release of lots whose release time
    <= T and that finished strictly before T, (3) each product in index order: demand drawn,
    old backorders served first, then the new demand, (4) end-of-day books.
    Returns the new number of pending lots.
    """
    big_t = HOURS_PER_DAY * (day + 1)
    _apply_demand_events(rng, big_t, ev_rate, ev_par, ev_next, ev_until, acc)
    kept = 0
    for i in range(n_pending):
        if pending[i, R_RELEASE_T] <= big_t and pending[i, R_DONE_T] < big_t:
            p = int(pending[i, R_PRODUCT])
            s[p, S_RELEASED] += pending[i, R_UNITS]
            s[p, S_QUARANTINE] -= pending[i, R_UNITS]
        else:
            for j in range(4):
                pending[kept, j] = pending[i, j]
            kept += 1
    for p in range(q.shape[0]):
        mean = _demand_rate(q, ev_par, ev_until, p, big_t)
        # log-normal with this mean and cv: sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2/2
        if q[p, Q_SIGMA] > 0.0 and mean > 0.0:
            demand = mean * math.exp(q[p, Q_SIGMA] * rng.standard_normal() - q[p, Q_HALF_SIGMA2])
        else:
            demand = mean
        stock = s[p, S_RELEASED]
        old = min(stock, s[p, S_BACKLOG])
        stock -= old
        new = min(stock, demand)
        stock -= new
        s[p, S_RELEASED] = stock
        s[p, S_BACKLOG] = s[p, S_BACKLOG] - old + (demand - new)
        pacc[p, P_DEMAND] += demand
        pacc[p, P_SOLD] += old + new
        pacc[p, P_FILL] += new  # filled on the day; divided by demand at the end
        if s[p, S_BACKLOG] > 0.0:
            pacc[p, P_UNMET_DAYS] += 1.0
        pacc[p, P_AVG_INV] += stock
        pacc[p, P_AVG_BACKLOG] += s[p, S_BACKLOG]
        if trace_on:
            daily[day, p, T_DEMAND] = demand
            daily[day, p, T_RELEASED] = stock
            daily[day, p, T_QUARANTINE] = s[p, S_QUARANTINE]
            daily[day, p, T_BACKLOG] = s[p, S_BACKLOG]
    acc[L_EVENTS] += 1.0
    return kept


# --- one replication -----------------------------------------------------------------------
@numba.njit(cache=True, nogil=True)
def _log(segments, n_seg, start, end, activity, product):
    if n_seg[0] < segments.shape[0]:
        i = n_seg[0]
        segments[i, 0] = start
        segments[i, 1] = end
        segments[i, 2] = activity
        segments[i, 3] = product
        n_seg[0] += 1


@numba.njit(cache=True, nogil=True)
def _spend(acc, slot, t, dur, stretch, staffed, horizon, trace_on, segments, n_seg, act, who):
    """Spend ``dur`` operating hours on activity ``act`` from calendar time ``t``.

    Books the hours in ``acc[slot]``, logs the segment when tracing and counts an event; an
    activity cut by the horizon books only the staffed hours up to it. Returns the new
    calendar time and whether the horizon was reached.
    """
    end = t + dur * stretch
    if end > horizon:
        acc[slot] += (horizon - t) * staffed
        if trace_on:
            _log(segments, n_seg, t, horizon, act, who)
        return horizon, True
    acc[slot] += dur
    if trace_on:
        _log(segments, n_seg, t, end, act, who)
    acc[L_EVENTS] += 1.0
    return end, False


@numba.njit(cache=True, nogil=True)
def _replicate(rng, q, k, fm, ev_rate, ev_par, rotation, campaign_lots, pending, row,
               trace_on, daily, segments, n_seg):
    """Simulate one replication and write its statistics into ``row``."""
    n_products = q.shape[0]
    n_modes = fm.shape[0]
    horizon = k[K_HORIZON_H]
    staffed = k[K_STAFFED]
    stretch = 1.0 / staffed  # calendar h per operating h
    n_days = int(round(horizon / HOURS_PER_DAY))
    lot_units = k[K_LOT_UNITS]
    ideal_rate = lot_units / k[K_LOT_H]
    lot_run_h = k[K_LOT_H] / k[K_SPEED]
    continuous = int(k[K_MODE]) == MODE_CONTINUOUS
    run_out = int(k[K_POLICY]) == POLICY_RUN_OUT
    good_per_lot = lot_units * k[K_YIELD]

    acc = np.zeros(N_LINE)
    pacc = np.zeros((n_products, N_PRODUCT))
    events = np.zeros(n_modes)
    s = np.zeros((n_products, N_S))
    ev_next = np.empty(ev_rate.shape)  # next arrival per product and event kind [h]
    ev_until = np.full(ev_rate.shape, -1.0)  # end of the active episode [h]
    for p in range(n_products):
        s[p, S_RELEASED] = q[p, Q_INIT_INV]
        for g in range(ev_rate.shape[1]):
            ev_next[p, g] = _exp_gap_h(rng, ev_rate[p, g])
    owed = np.full(n_products, 0.5)  # balanced rounding of campaign lots (inputs.campaign_lots)
    ttf = np.full(n_modes, np.inf)  # run hours to the next breakdown, per mode
    for m in range(n_modes):
        if int(fm[m, 0]) == E_BREAKDOWN and np.isfinite(fm[m, 2]):
            ttf[m] = rng.exponential(fm[m, 2])

    n_pending = 0
    next_day = 0
    t = 0.0
    prev = -1
    k_rot = 0
    cycles = 0
    over = False
    while not over:
        # the decision at t sees every day close at T <= t and every demand event <= t
        while next_day < n_days and HOURS_PER_DAY * (next_day + 1) <= t:
            n_pending = _close_day(rng, next_day, q, s, ev_rate, ev_par, ev_next, ev_until,
                                   acc, pacc, pending, n_pending, trace_on, daily)
            next_day += 1
        _apply_demand_events(rng, t, ev_rate, ev_par, ev_next, ev_until, acc)
        if t >= horizon:
            break
        # -- choose the next campaign (product p, n_lots) or idle until wake
        p = -1
        n_lots = 0
        wake = t
        if run_out:
            best = np.inf
            for i in range(n_products):
                rate = _demand_rate(q, ev_par, ev_until, i, t)
                if rate <= 0.0:
                    continue
                position = s[i, S_RELEASED] + s[i, S_QUARANTINE] - s[i, S_BACKLOG]
                days_of_supply = position / rate
                if days_of_supply < q[i, Q_REORDER_DAYS] and days_of_supply < best:
                    best = days_of_supply
                    p = i
            if p >= 0:
                rate = _demand_rate(q, ev_par, ev_until, p, t)
                position = s[p, S_RELEASED] + s[p, S_QUARANTINE] - s[p, S_BACKLOG]
                wanted = q[p, Q_TARGET_DAYS] * rate - position
                n_lots = max(1, int(math.ceil(wanted / good_per_lot)))
            else:
                wake = HOURS_PER_DAY * (math.floor(t / HOURS_PER_DAY) + 1.0)
        else:
            due = cycles * k[K_CYCLE_H]
            if k_rot == 0 and t < due:
                wake = due
            else:
                if k_rot == 0:
                    cycles += 1
                p = rotation[k_rot]
                owed[p] += campaign_lots[p]
                n_lots = int(math.floor(owed[p]))
                owed[p] -= n_lots
                k_rot = (k_rot + 1) % rotation.shape[0]
                if n_lots == 0:  # skip this product in this cycle, changeover included
                    p = -1
                    wake = t
        if p < 0:
            end = min(wake, horizon)
            if end > t:  # a skipped campaign takes no time and is not an event
                acc[L_IDLE_H] += (end - t) * staffed
                if trace_on:
                    _log(segments, n_seg, t, end, A_IDLE, -1)
                acc[L_EVENTS] += 1.0
            t = end
            continue

        pacc[p, P_CAMPAIGNS] += 1.0
        contaminated_by = -1
        # -- transition: shut-down of prev, changeover (+ contamination), start-up of p
        if prev != p:
            steps = 3 if prev >= 0 else 1
            for step in range(3 - steps, 3):
                if step == 0:
                    dur, slot, act, who = k[K_SHUTDOWN_H], L_STARTUP_H, A_SHUTDOWN, prev
                elif step == 1:
                    dur = _draw_duration(rng, int(k[K_CO_KIND]), k[K_CO_A], k[K_CO_B],
                                         k[K_CO_C])
                    for m in range(n_modes):
                        if int(fm[m, 0]) == E_CONTAMINATION and rng.random() < fm[m, 1]:
                            contaminated_by = m
                            events[m] += 1.0
                            dur += _draw_duration(rng, int(fm[m, 3]), fm[m, 4], fm[m, 5],
                                                  fm[m, 6])
                            break
                    slot, act, who = L_CHANGEOVER_H, A_CHANGEOVER, p
                    acc[L_CHANGEOVERS] += 1.0
                else:
                    dur, slot, act, who = k[K_STARTUP_H], L_STARTUP_H, A_STARTUP, p
                if dur <= 0.0:
                    continue
                t, over = _spend(acc, slot, t, dur, stretch, staffed, horizon, trace_on,
                                 segments, n_seg, act, who)
                if over:
                    break
                if step != 1:  # start-up / shut-down output is scrap at the ideal rate
                    scrap = ideal_rate * dur
                    pacc[who, P_MADE] += scrap
                    pacc[who, P_WASTE] += scrap
            if over:
                break
        prev = p

        # -- the lots of the campaign
        for j in range(n_lots):
            remaining = lot_run_h
            while True:
                first = -1
                soonest = np.inf
                for m in range(n_modes):
                    if ttf[m] < soonest:
                        soonest = ttf[m]
                        first = m
                broke = first >= 0 and soonest < remaining
                run = soonest if broke else remaining
                t, over = _spend(acc, L_RUN_H, t, run, stretch, staffed, horizon, trace_on,
                                 segments, n_seg, A_RUN, p)
                if over:
                    break
                for m in range(n_modes):
                    ttf[m] -= run
                remaining -= run
                if broke:
                    # a breakdown: repair, then (continuous) restart with start-up scrap
                    acc[L_BREAKDOWNS] += 1.0
                    events[first] += 1.0
                    ttf[first] = rng.exponential(fm[first, 2])
                    repair = _draw_duration(rng, int(fm[first, 3]), fm[first, 4],
                                            fm[first, 5], fm[first, 6])
                    t, over = _spend(acc, L_REPAIR_H, t, repair, stretch, staffed, horizon,
                                     trace_on, segments, n_seg, A_REPAIR, p)
                    if over:
                        break
                    if continuous and k[K_STARTUP_H] > 0.0:
                        t, over = _spend(acc, L_STARTUP_H, t, k[K_STARTUP_H], stretch,
                                         staffed, horizon, trace_on, segments, n_seg,
                                         A_STARTUP, p)
                        if over:
                            break
                        scrap = ideal_rate * k[K_STARTUP_H]
                        pacc[p, P_MADE] += scrap
                        pacc[p, P_WASTE] += scrap
                    continue
                break
            if over:
                break
            # -- lot complete at t: rejection cause, yield, QA holds, into QC
            acc[L_LOTS] += 1.0
            pacc[p, P_MADE] += lot_units
            cause = -1
            if j == 0 and contaminated_by >= 0:
                cause = contaminated_by
            else:
                for m in range(n_modes):
                    effect = int(fm[m, 0])
                    if (effect == E_REJECT or effect == E_INPUT_REJECT) and \
                            rng.random() < fm[m, 1]:
                        cause = m
                        events[m] += 1.0
                        break
            lost = 0.0
            if cause >= 0:
                acc[L_REJECTED] += 1.0
                lost = lot_units * fm[cause, 7]
            good = (lot_units - lost) * k[K_YIELD]
            pacc[p, P_WASTE] += lot_units - good
            pacc[p, P_GOOD] += good
            if good > 0.0:
                hold = 0.0
                for m in range(n_modes):
                    if int(fm[m, 0]) == E_QA_HOLD and rng.random() < fm[m, 1]:
                        events[m] += 1.0
                        acc[L_QA_HOLDS] += 1.0
                        hold += _draw_duration(rng, int(fm[m, 3]), fm[m, 4], fm[m, 5],
                                               fm[m, 6])
                pending[n_pending, R_RELEASE_T] = t + k[K_QC_H] + hold
                pending[n_pending, R_DONE_T] = t
                pending[n_pending, R_PRODUCT] = p
                pending[n_pending, R_UNITS] = good
                n_pending += 1
                s[p, S_QUARANTINE] += good

    while next_day < n_days:
        n_pending = _close_day(rng, next_day, q, s, ev_rate, ev_par, ev_next, ev_until, acc,
                               pacc, pending, n_pending, trace_on, daily)
        next_day += 1
    _finish(q, k, acc, pacc, s, events, n_days, row)


@numba.njit(cache=True, nogil=True)
def _finish(q, k, acc, pacc, s, events, n_days, row):
    """Turn the accumulators into the output row (ratios, averages, costs)."""
    n_products = q.shape[0]
    staffed_h = k[K_HORIZON_H] * k[K_STAFFED]
    ideal_rate = k[K_LOT_UNITS] / k[K_LOT_H]
    materials = 0.0
    revenue = 0.0
    for p in range(n_products):
        acc[L_MADE] += pacc[p, P_MADE]
        acc[L_GOOD] += pacc[p, P_GOOD]
        acc[L_SOLD] += pacc[p, P_SOLD]
        acc[L_WASTE] += pacc[p, P_WASTE]
        acc[L_DEMAND] += pacc[p, P_DEMAND]
        acc[L_FILL_RATE] += pacc[p, P_FILL]
        acc[L_UNMET_DAYS] += pacc[p, P_UNMET_DAYS]
        pacc[p, P_FILL] = pacc[p, P_FILL] / pacc[p, P_DEMAND] if pacc[p, P_DEMAND] > 0 \
            else np.nan
        pacc[p, P_AVG_INV] /= n_days
        pacc[p, P_AVG_BACKLOG] /= n_days
        acc[L_AVG_INV] += pacc[p, P_AVG_INV]
        acc[L_AVG_BACKLOG] += pacc[p, P_AVG_BACKLOG]
        pacc[p, P_FINAL_INV] = s[p, S_RELEASED] + s[p, S_QUARANTINE]
        acc[L_FINAL_INV] += pacc[p, P_FINAL_INV]
        materials += q[p, Q_MATERIAL] * pacc[p, P_MADE]
        revenue += q[p, Q_PRICE] * pacc[p, P_SOLD]
    acc[L_FILL_RATE] = acc[L_FILL_RATE] / acc[L_DEMAND] if acc[L_DEMAND] > 0 else np.nan
    planned = staffed_h - acc[L_IDLE_H]
    run_time = acc[L_RUN_H] + acc[L_STARTUP_H]
    acc[L_AVAILABILITY] = run_time / planned if planned > 0 else np.nan
    acc[L_PERFORMANCE] = acc[L_MADE] / (run_time * ideal_rate) if run_time > 0 else np.nan
    acc[L_QUALITY] = acc[L_GOOD] / acc[L_MADE] if acc[L_MADE] > 0 else np.nan
    acc[L_OEE] = acc[L_GOOD] / (planned * ideal_rate) if planned > 0 else np.nan
    acc[L_UTILISATION] = planned / staffed_h
    labour = k[K_LABOUR] * staffed_h
    energy = k[K_ENERGY] * acc[L_MADE]
    qc = k[K_QC_COST] * acc[L_LOTS]
    overhead = k[K_OVERHEAD] * (k[K_HORIZON_H] / HOURS_PER_YEAR) \
        + k[K_CLEAN_COST] * acc[L_CHANGEOVERS]
    total = materials + labour + energy + qc + overhead
    acc[L_COST_USD] = total
    acc[L_REVENUE] = revenue
    good = acc[L_GOOD]
    parts = (materials, labour, energy, qc, overhead, total)
    slots = (L_C_MAT, L_C_LAB, L_C_ENERGY, L_C_QC, L_C_OVERHEAD, L_C_TOTAL)
    for i in range(6):
        acc[slots[i]] = parts[i] / good if good > 0 else np.nan
    for i in range(N_LINE):
        row[i] = acc[i]
    for p in range(n_products):
        for i in range(N_PRODUCT):
            row[N_LINE + p * N_PRODUCT + i] = pacc[p, i]
    base = N_LINE + n_products * N_PRODUCT
    for m in range(events.shape[0]):
        row[base + m] = events[m]


@numba.njit(cache=True, nogil=True)
def _replicate_many(rng, n_replications, q, k, fm, ev_rate, ev_par, rotation, campaign_lots,
                    lots_capacity, out):
    pending = np.empty((lots_capacity, 4))
    daily = np.empty((1, 1, 4))
    segments = np.empty((1, 4))
    n_seg = np.zeros(1, dtype=np.int64)
    for r in range(n_replications):
        _replicate(rng, q, k, fm, ev_rate, ev_par, rotation, campaign_lots, pending, out[r],
                   False, daily, segments, n_seg)


def simulate_replications(inputs: LineEngineInputs, rng: np.random.Generator,
                          n_replications: int) -> np.ndarray:
    """Simulate replications one after another from ``rng``.

    Parameters
    ----------
    inputs : LineEngineInputs
    rng : numpy.random.Generator
        Advanced in place; the same state gives the same rows.
    n_replications : int
        Number of independent replications [-].

    Returns
    -------
    numpy.ndarray
        Shape (n_replications, n_statistics); columns as :func:`statistic_catalogue`.
    """
    if n_replications < 0:
        raise UserInputError(f"n_replications = {n_replications} must be >= 0")
    q, k, fm, ev_rate, ev_par, rotation, lots, capacity = _pack(inputs)
    out = np.empty((n_replications, n_statistics(inputs)))
    _replicate_many(rng, n_replications, q, k, fm, ev_rate, ev_par, rotation, lots, capacity,
                    out)
    return out


def trace_replication(inputs: LineEngineInputs, rng: np.random.Generator,
                      max_segments: int = 200_000):
    """One replication with its trace.

    Returns
    -------
    row : numpy.ndarray
        The replication's statistics (as one row of :func:`simulate_replications`).
    daily : numpy.ndarray
        Shape (horizon_days, n_products, 4): demand, sellable stock, in-QC stock and
        backorders at each day's close [units].
    segments : numpy.ndarray
        Shape (n, 4): start [h], end [h], activity code (``ACTIVITY_NAMES``), product index
        (-1 for idle) of every line activity, at most ``max_segments`` rows.
    """
    q, k, fm, ev_rate, ev_par, rotation, lots, capacity = _pack(inputs)
    row = np.empty(n_statistics(inputs))
    pending = np.empty((capacity, 4))
    daily = np.zeros((inputs.horizon_days, inputs.n_products, 4))
    segments = np.empty((max_segments, 4))
    n_seg = np.zeros(1, dtype=np.int64)
    _replicate(rng, q, k, fm, ev_rate, ev_par, rotation, lots, pending, row, True, daily,
               segments, n_seg)
    return row, daily, segments[: n_seg[0]].copy()
