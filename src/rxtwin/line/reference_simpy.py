"""SimPy reference model of the multi-product line, kept simple and readable.

It simulates the same process as the compiled engine (:mod:`rxtwin.line.engine`), written
independently as SimPy processes, and exists only to cross-check the engine (tests) and to
measure its speed-up (``benchmarks/line.py``). The process, its order of simultaneous events
and the output definitions are in ``docs/line.md``.

Processes
---------
* ``day_clock``: closes each day at T = 24, 48, ... h: releases lots whose QC release time
  has come, draws each product's demand, ships (old backorders first), keeps the books.
  Day closes are scheduled with SimPy's URGENT priority, so they run before any production
  event at the same instant (the engine's order of simultaneous events).
* ``demand_events``: per product and event kind, Poisson arrivals that make the kind
  active (demand x its multiplier) until arrival + a duration draw (extending, not
  stacking, an episode of the same kind).
* ``line``: campaigns chosen by the policy; each campaign is shut-down of the previous
  product, changeover (maybe contaminated), start-up, then its lots; breakdowns interrupt
  lots (fresh exponential draws per lot segment: the same law as the engine's running
  clocks, by memorylessness).
"""

from __future__ import annotations

import math

import numpy as np
import simpy
from simpy.core import URGENT

from rxtwin.line.engine import (
    LINE_STATISTICS,
    N_LINE,
    N_PRODUCT,
    PRODUCT_STATISTICS,
    n_statistics,
)
from rxtwin.line.inputs import (
    CampaignPolicy,
    Duration,
    DurationKind,
    FailureEffectCode,
    LineEngineInputs,
    OperatingMode,
)
from rxtwin.model.units import HOURS_PER_DAY, HOURS_PER_YEAR


def draw_duration(rng: np.random.Generator, d: Duration) -> float:
    """One draw from a :class:`Duration` [h], with NumPy's samplers."""
    kind = DurationKind(d.kind)
    if kind == DurationKind.FIXED:
        return d.a
    if kind == DurationKind.UNIFORM:
        return rng.uniform(d.a, d.b)
    if kind == DurationKind.TRIANGULAR:
        return rng.triangular(d.a, d.b, d.c)
    if kind == DurationKind.LOGNORMAL:
        if d.b == 0:
            return d.a
        sigma2 = math.log(1.0 + d.b**2)  # mean m, cv c: sigma^2 = ln(1 + c^2)
        return rng.lognormal(math.log(d.a) - sigma2 / 2.0, math.sqrt(sigma2))
    if kind == DurationKind.GAMMA:
        if d.b**2 == 0:
            return d.a
        shape = 1.0 / d.b**2
        return rng.gamma(shape, d.a / shape)
    return rng.exponential(d.a)


def _day_close_event(env: simpy.Environment, delay_h: float) -> simpy.Event:
    """A timeout with URGENT priority (built as SimPy's own ``run(until=...)`` does)."""
    event = simpy.Event(env)
    event._ok = True
    event._value = None
    env.schedule(event, URGENT, delay_h)
    return event


class ReferenceLine:
    """One replication of the line as SimPy processes."""

    def __init__(self, inputs: LineEngineInputs, rng: np.random.Generator):
        self.x = inputs
        self.rng = rng
        self.env = simpy.Environment()
        n = inputs.n_products
        self.horizon_h = inputs.horizon_h
        # books per product
        self.released = [float(v) for v in inputs.initial_inventory_units]
        self.in_qc = [0.0] * n
        self.backlog = [0.0] * n
        self.qc_queue: list[tuple[float, int, float]] = []  # (release time, product, units)
        self.event_until = [[-1.0] * len(inputs.demand_events) for _ in range(n)]
        # outputs per product
        self.made = [0.0] * n
        self.good = [0.0] * n
        self.waste = [0.0] * n
        self.demand = [0.0] * n
        self.sold = [0.0] * n
        self.filled_same_day = [0.0] * n
        self.unmet_days = [0.0] * n
        self.inventory_sum = [0.0] * n
        self.backlog_sum = [0.0] * n
        self.campaigns = [0.0] * n
        # outputs of the line
        self.hours = {"run": 0.0, "startup_shutdown": 0.0, "changeover": 0.0, "repair": 0.0,
                      "idle": 0.0}
        self.current: tuple[str, float] | None = None  # activity in progress, its start
        self.lots = 0
        self.rejected_lots = 0
        self.qa_holds = 0
        self.changeovers = 0
        self.breakdowns = 0
        self.mode_events = [0.0] * len(inputs.failures)
        self.events = 0
        self.previous: int | None = None
        self.day_closed = self.env.event()
        # plain Python copies of the inputs this model reads often (faster than numpy scalars)
        self.base_demand = inputs.demand_units_per_day.tolist()
        self.demand_cv = inputs.demand_cv.tolist()
        self.event_multiplier = inputs.demand_events.multiplier.tolist()
        self.probability = inputs.failures.probability.tolist()
        self.mtbf_h = inputs.failures.mtbf_h.tolist()
        effects = [FailureEffectCode(int(e)) for e in inputs.failures.effect]
        self.modes = {e: [m for m, effect in enumerate(effects) if effect == e]
                      for e in FailureEffectCode}

    # -- demand side -----------------------------------------------------------------------
    def demand_rate(self, p: int) -> float:
        """Mean demand of product p now [units/day]."""
        rate = self.base_demand[p]
        for g, until in enumerate(self.event_until[p]):
            if self.env.now < until:
                rate *= self.event_multiplier[g]
        return rate

    def demand_events(self, p: int, g: int, rate_per_yr: float):
        """Arrivals of demand-event kind g for product p (contract win/loss, shock)."""
        while True:
            yield self.env.timeout(self.rng.exponential(HOURS_PER_YEAR / rate_per_yr))
            end = self.env.now + draw_duration(self.rng, self.x.demand_events.duration[g])
            self.event_until[p][g] = max(self.event_until[p][g], end)
            self.events += 1

    def day_clock(self):
        for _ in range(self.x.horizon_days):
            yield _day_close_event(self.env, HOURS_PER_DAY)
            self.close_day()
            self.events += 1
            self.day_closed.succeed()
            self.day_closed = self.env.event()

    def close_day(self):
        now = self.env.now
        waiting = []
        for release_h, p, units in self.qc_queue:
            if release_h <= now:
                self.released[p] += units
                self.in_qc[p] -= units
            else:
                waiting.append((release_h, p, units))
        self.qc_queue = waiting
        for p in range(self.x.n_products):
            mean = self.demand_rate(p)
            sigma2 = math.log(1.0 + self.demand_cv[p] ** 2)  # log-normal, this mean and cv
            if sigma2 > 0 and mean > 0:
                demand = self.rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2))
            else:
                demand = mean
            to_backlog = min(self.released[p], self.backlog[p])
            self.released[p] -= to_backlog
            today = min(self.released[p], demand)
            self.released[p] -= today
            self.backlog[p] += demand - today - to_backlog
            self.demand[p] += demand
            self.sold[p] += to_backlog + today
            self.filled_same_day[p] += today
            if self.backlog[p] > 0:
                self.unmet_days[p] += 1
            self.inventory_sum[p] += self.released[p]
            self.backlog_sum[p] += self.backlog[p]

    # -- line side -------------------------------------------------------------------------
    def occupy(self, activity: str, operating_h: float):
        """Spend operating hours on an activity (calendar time = operating / staffed)."""
        self.current = (activity, self.env.now)
        yield self.env.timeout(operating_h / self.x.staffed_fraction)
        self.current = None
        self.hours[activity] += operating_h
        self.events += 1

    def scrap_run(self, product: int, operating_h: float):
        """Start-up or shut-down: run time whose output, at the ideal rate, is scrap."""
        if operating_h > 0:
            yield from self.occupy("startup_shutdown", operating_h)
            scrap = self.x.ideal_rate_units_per_h * operating_h
            self.made[product] += scrap
            self.waste[product] += scrap

    def idle_until(self, wake_h: float):
        self.current = ("idle", self.env.now)
        yield self.env.timeout(wake_h - self.env.now)
        self.hours["idle"] += (wake_h - self.current[1]) * self.x.staffed_fraction
        self.current = None
        self.events += 1

    def wait_for_next_day_close(self):
        self.current = ("idle", self.env.now)
        yield self.day_closed
        self.hours["idle"] += (self.env.now - self.current[1]) * self.x.staffed_fraction
        self.current = None
        self.events += 1

    def changeover(self):
        """Clean and set up; returns the contaminating failure mode or None."""
        duration = draw_duration(self.rng, self.x.changeover)
        self.changeovers += 1
        contamination = None
        for m in self.modes[FailureEffectCode.CONTAMINATION_AFTER_CHANGEOVER]:
            if self.rng.random() < self.probability[m]:
                contamination = m
                self.mode_events[m] += 1
                duration += draw_duration(self.rng, self.x.failures.duration[m])  # re-clean
                break
        if duration > 0:
            yield from self.occupy("changeover", duration)
        return contamination

    def make_lot(self, product: int):
        """Run one lot; breakdowns (exponential run time to failure) interrupt it."""
        remaining = self.x.lot_cycle_h / self.x.speed_fraction
        breakdown_modes = [m for m in self.modes[FailureEffectCode.BREAKDOWN]
                           if math.isfinite(self.mtbf_h[m])]
        while True:
            draws = [(self.rng.exponential(self.mtbf_h[m]), m) for m in breakdown_modes]
            time_to_failure, mode = min(draws) if draws else (math.inf, None)
            if time_to_failure >= remaining:
                yield from self.occupy("run", remaining)
                return
            yield from self.occupy("run", time_to_failure)
            remaining -= time_to_failure
            self.breakdowns += 1
            self.mode_events[mode] += 1
            yield from self.occupy("repair", draw_duration(self.rng,
                                                           self.x.failures.duration[mode]))
            if self.x.operating_mode == OperatingMode.CONTINUOUS:
                yield from self.scrap_run(product, self.x.startup_loss_h)

    def finish_lot(self, product: int, contamination: int | None):
        """Book a finished lot: rejection, yield loss, QA holds, into QC release."""
        f = self.x.failures
        units = self.x.lot_size_units
        self.lots += 1
        self.made[product] += units
        cause = contamination
        if cause is None:
            rejecting = sorted(self.modes[FailureEffectCode.REJECT_BATCH]
                               + self.modes[FailureEffectCode.INPUT_REJECT])
            for m in rejecting:  # in the order of the failure-mode arrays
                if self.rng.random() < self.probability[m]:
                    cause = m
                    self.mode_events[m] += 1
                    break
        lost = 0.0
        if cause is not None:
            self.rejected_lots += 1
            lost = units * f.loss_fraction[cause]
        good = (units - lost) * self.x.process_yield_fraction
        self.good[product] += good
        self.waste[product] += units - good
        if good > 0:
            hold_h = 0.0
            for m in self.modes[FailureEffectCode.QA_HOLD]:
                if self.rng.random() < self.probability[m]:
                    self.mode_events[m] += 1
                    self.qa_holds += 1
                    hold_h += draw_duration(self.rng, f.duration[m])
            release_h = self.env.now + self.x.qc_release_h + hold_h
            self.qc_queue.append((release_h, product, good))
            self.in_qc[product] += good

    def campaign(self, product: int, n_lots: int):
        self.campaigns[product] += 1
        contamination = None
        if product != self.previous:
            if self.previous is not None:
                yield from self.scrap_run(self.previous, self.x.shutdown_loss_h)
                contamination = yield from self.changeover()
            yield from self.scrap_run(product, self.x.startup_loss_h)
        self.previous = product
        for lot in range(n_lots):
            yield from self.make_lot(product)
            self.finish_lot(product, contamination if lot == 0 else None)

    def fixed_rotation(self):
        lots = self.x.campaign_lots()
        owed = [0.5] * self.x.n_products  # balanced rounding, see LineEngineInputs
        cycle_h = HOURS_PER_DAY * self.x.cycle_length_days
        cycle = 0
        while True:
            if self.env.now < cycle * cycle_h:
                yield from self.idle_until(cycle * cycle_h)
            for product in self.x.rotation:
                if self.env.now >= self.horizon_h:  # nothing starts at the horizon
                    return
                product = int(product)
                owed[product] += lots[product]
                n_lots = math.floor(owed[product])
                owed[product] -= n_lots
                if n_lots > 0:
                    yield from self.campaign(product, n_lots)
            cycle += 1

    def run_out(self):
        good_per_lot = self.x.lot_size_units * self.x.process_yield_fraction
        while self.env.now < self.horizon_h:
            position, days_of_supply = {}, {}
            for p in range(self.x.n_products):
                if self.demand_rate(p) > 0:
                    position[p] = self.released[p] + self.in_qc[p] - self.backlog[p]
                    days_of_supply[p] = position[p] / self.demand_rate(p)
            due = [p for p, d in days_of_supply.items()
                   if d < self.x.reorder_days_of_supply[p]]
            if not due:
                yield from self.wait_for_next_day_close()
                continue
            product = min(due, key=lambda p: (days_of_supply[p], p))
            wanted = (self.x.target_days_of_supply[product] * self.demand_rate(product)
                      - position[product])
            yield from self.campaign(product, max(1, math.ceil(wanted / good_per_lot)))

    # -- run -------------------------------------------------------------------------------
    def run(self) -> dict:
        x = self.x
        for p in range(x.n_products):
            for g in range(len(x.demand_events)):
                rate_per_yr = float(x.demand_events.rate_per_yr[p, g])
                if rate_per_yr > 0:
                    self.env.process(self.demand_events(p, g, rate_per_yr))
        days = self.env.process(self.day_clock())
        policy = {CampaignPolicy.FIXED_ROTATION: self.fixed_rotation,
                  CampaignPolicy.RUN_OUT: self.run_out}[x.policy]
        self.env.process(policy())
        self.env.run(until=days)
        if self.current is not None:  # the activity the horizon cut short
            activity, start = self.current
            self.hours[activity] += (self.horizon_h - start) * x.staffed_fraction
        return self.statistics()

    def statistics(self) -> dict:
        """Line and per-product statistics (definitions in docs/line.md)."""
        x = self.x
        n_days = x.horizon_days
        staffed_h = x.horizon_h * x.staffed_fraction
        made, good = sum(self.made), sum(self.good)
        planned_h = staffed_h - self.hours["idle"]
        run_h = self.hours["run"] + self.hours["startup_shutdown"]
        demand = sum(self.demand)

        def ratio(a: float, b: float) -> float:
            return a / b if b > 0 else math.nan

        materials = sum(c * m for c, m in zip(x.material_cost_usd_per_unit, self.made,
                                              strict=True))
        costs = {
            "materials": materials,
            "labour": x.labour_usd_per_h * staffed_h,
            "energy": x.energy_usd_per_unit * made,
            "qc": x.qc_usd_per_lot * self.lots,
            "overhead": x.overhead_usd_per_yr * x.horizon_h / HOURS_PER_YEAR
            + x.cleaning_usd_per_changeover * self.changeovers,
        }
        total_cost = sum(costs.values())
        line = {
            "units_made": made, "units_good": good, "units_sold": sum(self.sold),
            "waste_units": sum(self.waste), "demand_units": demand,
            "lots_completed": self.lots, "rejected_lots": self.rejected_lots,
            "qa_holds": self.qa_holds, "changeovers": self.changeovers,
            "breakdowns": self.breakdowns, "run_h": self.hours["run"],
            "startup_shutdown_h": self.hours["startup_shutdown"],
            "changeover_h": self.hours["changeover"], "repair_h": self.hours["repair"],
            "idle_h": self.hours["idle"],
            "availability": ratio(run_h, planned_h),
            "performance": ratio(made, run_h * x.ideal_rate_units_per_h),
            "quality": ratio(good, made),
            "oee": ratio(good, planned_h * x.ideal_rate_units_per_h),
            "utilisation": planned_h / staffed_h,
            "fill_rate": ratio(sum(self.filled_same_day), demand),
            "unmet_demand_product_days": sum(self.unmet_days),
            "avg_inventory_units": sum(self.inventory_sum) / n_days,
            "avg_backlog_units": sum(self.backlog_sum) / n_days,
            "cost_materials_usd_per_unit": ratio(costs["materials"], good),
            "cost_labour_usd_per_unit": ratio(costs["labour"], good),
            "cost_energy_usd_per_unit": ratio(costs["energy"], good),
            "cost_qc_usd_per_unit": ratio(costs["qc"], good),
            "cost_overhead_usd_per_unit": ratio(costs["overhead"], good),
            "cost_total_usd_per_unit": ratio(total_cost, good),
            "cost_total_usd": total_cost,
            "revenue_usd": sum(p * s for p, s in zip(x.price_usd_per_unit, self.sold,
                                                     strict=True)),
            "final_inventory_units": sum(self.released) + sum(self.in_qc),
            "events": self.events,
        }
        products = [
            {
                "units_made": self.made[p], "units_good": self.good[p],
                "waste_units": self.waste[p], "demand_units": self.demand[p],
                "units_sold": self.sold[p],
                "fill_rate": ratio(self.filled_same_day[p], self.demand[p]),
                "unmet_demand_days": self.unmet_days[p],
                "avg_inventory_units": self.inventory_sum[p] / n_days,
                "avg_backlog_units": self.backlog_sum[p] / n_days,
                "final_inventory_units": self.released[p] + self.in_qc[p],
                "campaigns": self.campaigns[p],
            }
            for p in range(x.n_products)
        ]
        return {"line": line, "products": products, "failure_events": list(self.mode_events)}


def reference_replications(inputs: LineEngineInputs, rng: np.random.Generator,
                           n_replications: int) -> np.ndarray:
    """Simulate replications with the SimPy model; rows laid out as the engine's
    (:func:`rxtwin.line.engine.statistic_catalogue`)."""
    out = np.empty((n_replications, n_statistics(inputs)))
    for r in range(n_replications):
        stats = ReferenceLine(inputs, rng).run()
        out[r, :N_LINE] = [stats["line"][name] for name, _, _ in LINE_STATISTICS]
        for p, product in enumerate(stats["products"]):
            start = N_LINE + p * N_PRODUCT
            out[r, start:start + N_PRODUCT] = [product[name] for name, _, _ in
                                               PRODUCT_STATISTICS]
        out[r, N_LINE + N_PRODUCT * inputs.n_products:] = stats["failure_events"]
    return out
