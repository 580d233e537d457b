"""Inputs of the line simulator: a frozen bundle of numpy arrays, independent of pydantic.

:class:`LineEngineInputs` describes **one line** (one technology) making several products over
a horizon. The compiled engine (:mod:`rxtwin.line.engine`) and the SimPy reference model
(:mod:`rxtwin.line.reference_simpy`) both read it. The scenario adapter (written with the
domain model) fills it from a validated :class:`rxtwin.model.Scenario`; tests build it
directly. No default parameter values live here: every number comes from the caller.

Units: time in hours ``_h`` (line activities in *staffed operating* hours, see
``staffed_fraction``; QC release, demand events and the horizon in calendar hours/days),
quantities in units ``_units``, money in USD ``_usd``. The process these numbers drive is
described in ``docs/line.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from rxtwin.errors import InputError, Problem
from rxtwin.model.units import HOURS_PER_DAY

_WHERE = "<LineEngineInputs>"


class OperatingMode(IntEnum):
    """How the line makes product.

    ``BATCH``: discrete batches of ``lot_size_units`` taking ``lot_cycle_h``; a breakdown
    pauses the batch, which resumes after repair. ``CONTINUOUS``: a steady rate, released in
    time-based lots of ``lot_cycle_h`` (rate × lot hours units); after every breakdown the line
    repeats its start-up (``startup_loss_h`` of scrap) to regain steady state.
    """

    BATCH = 0
    CONTINUOUS = 1


class CampaignPolicy(IntEnum):
    """Which product the line makes next.

    ``FIXED_ROTATION``: the planner's rotation, ``campaign_units`` per product, one cycle
    every ``cycle_length_days`` (the line idles if a cycle finishes early; a late cycle starts
    the next at once). ``RUN_OUT``: the product with the fewest days of supply among those
    below ``reorder_days_of_supply``, made up to ``target_days_of_supply``; idle to the next
    day's close when none is below its reorder level.
    """

    FIXED_ROTATION = 0
    RUN_OUT = 1


class FailureEffectCode(IntEnum):
    """What a failure mode does to the line (the scenario adapter maps
    :class:`rxtwin.model.FailureEffect` strings to these codes).

    ``REJECT_BATCH``
        per lot, probability ``failure_probability``: ``failure_loss_fraction`` of the lot is
        destroyed (cause of rejection).
    ``QA_HOLD``
        per lot, probability ``failure_probability``: a deviation delays the lot's release by
        a draw of the mode's duration [calendar h].
    ``CONTAMINATION_AFTER_CHANGEOVER``
        per changeover, probability ``failure_probability``: a re-clean (a draw of the mode's
        duration, [operating h]) is added to the changeover and the first lot of the campaign
        is rejected (``failure_loss_fraction`` of it).
    ``BREAKDOWN``
        time-based: exponential time between failures with mean ``failure_mtbf_h`` counted in
        run hours; repair time a draw of the mode's duration [operating h].
    ``INPUT_REJECT``
        per lot, probability ``failure_probability``: the input lot fails, the lot and its
        material are lost (``failure_loss_fraction`` of it).
    """

    REJECT_BATCH = 0
    QA_HOLD = 1
    CONTAMINATION_AFTER_CHANGEOVER = 2
    BREAKDOWN = 3
    INPUT_REJECT = 4


class DurationKind(IntEnum):
    """A duration distribution and the meaning of its three parameters ``(a, b, c)``.

    ``FIXED`` (value, -, -); ``UNIFORM`` (low, high, -); ``TRIANGULAR`` (low, mode, high);
    ``LOGNORMAL`` (mean, cv, -); ``GAMMA`` (mean, cv, -); ``EXPONENTIAL`` (mean, -, -).
    These mirror :mod:`rxtwin.model.distributions` (lognormal and gamma given by mean and
    coefficient of variation).
    """

    FIXED = 0
    UNIFORM = 1
    TRIANGULAR = 2
    LOGNORMAL = 3
    GAMMA = 4
    EXPONENTIAL = 5


@dataclass(frozen=True)
class Duration:
    """A duration distribution: ``kind`` and parameters ``(a, b, c)`` (see DurationKind)."""

    kind: DurationKind
    a: float
    b: float = 0.0
    c: float = 0.0

    @property
    def mean_h(self) -> float:
        """Mean of the distribution [h]."""
        if self.kind == DurationKind.UNIFORM:
            return 0.5 * (self.a + self.b)
        if self.kind == DurationKind.TRIANGULAR:
            return (self.a + self.b + self.c) / 3.0
        return self.a

    def params(self) -> tuple[float, float, float]:
        return (float(self.a), float(self.b), float(self.c))


def fixed(value_h: float) -> Duration:
    """A fixed duration [h]."""
    return Duration(DurationKind.FIXED, value_h)


def lognormal(mean_h: float, cv: float) -> Duration:
    """A log-normal duration by mean [h] and coefficient of variation [-]."""
    return Duration(DurationKind.LOGNORMAL, mean_h, cv)


def gamma(mean_h: float, cv: float) -> Duration:
    """A gamma duration by mean [h] and coefficient of variation [-] (cv > 0)."""
    return Duration(DurationKind.GAMMA, mean_h, cv)


def exponential(mean_h: float) -> Duration:
    """An exponential duration by mean [h]."""
    return Duration(DurationKind.EXPONENTIAL, mean_h)


def uniform(low_h: float, high_h: float) -> Duration:
    """A uniform duration on [low, high] [h]."""
    return Duration(DurationKind.UNIFORM, low_h, high_h)


def triangular(low_h: float, mode_h: float, high_h: float) -> Duration:
    """A triangular duration [h]."""
    return Duration(DurationKind.TRIANGULAR, low_h, mode_h, high_h)


@dataclass(frozen=True)
class FailureModes:
    """Failure modes of the line as parallel arrays (length F, possibly 0).

    Attributes
    ----------
    names : tuple of str
        Labels used in the outputs (``failure_events:<name>``).
    effect : int array
        :class:`FailureEffectCode` per mode.
    probability : float array [-]
        Per-lot (or per-changeover) probability; ignored for ``BREAKDOWN``.
    mtbf_h : float array [run h]
        Mean run time between failures for ``BREAKDOWN``; ignored otherwise.
    duration : tuple of Duration
        QA-hold delay [calendar h], re-clean time or repair time [operating h]; ignored for
        ``REJECT_BATCH`` and ``INPUT_REJECT``.
    loss_fraction : float array [-]
        Share of the lot destroyed by a rejecting mode.
    """

    names: tuple[str, ...] = ()
    effect: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    probability: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mtbf_h: np.ndarray = field(default_factory=lambda: np.zeros(0))
    duration: tuple[Duration, ...] = ()
    loss_fraction: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        object.__setattr__(self, "effect", np.asarray(self.effect, dtype=np.int64))
        for name in ("probability", "mtbf_h", "loss_fraction"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.float64))

    def __len__(self) -> int:
        return len(self.names)


def failure_modes(*modes: dict) -> FailureModes:
    """Build :class:`FailureModes` from dicts with keys ``name``, ``effect`` and the
    parameters the effect needs (``probability``, ``mtbf_h``, ``duration``,
    ``loss_fraction`` — default 1.0)."""
    return FailureModes(
        names=tuple(m["name"] for m in modes),
        effect=np.array([int(m["effect"]) for m in modes], dtype=np.int64),
        probability=np.array([float(m.get("probability", 0.0)) for m in modes]),
        mtbf_h=np.array([float(m.get("mtbf_h", math.inf)) for m in modes]),
        duration=tuple(m.get("duration", fixed(0.0)) for m in modes),
        loss_fraction=np.array([float(m.get("loss_fraction", 1.0)) for m in modes]),
    )


@dataclass(frozen=True)
class DemandEvents:
    """Demand events (contract wins and losses, demand shocks) as parallel arrays.

    Each event kind ``g`` arrives for product ``p`` as a Poisson process at
    ``rate_per_yr[p, g]``; an arrival multiplies the product's demand by ``multiplier[g]``
    for a draw of ``duration[g]`` [calendar h]. An arrival while the same kind is active
    extends it (end = max(old end, arrival + duration)); kinds that overlap multiply.

    Attributes
    ----------
    names : tuple of str
    rate_per_yr : float array, shape (P, G) [1/yr]
    multiplier : float array, shape (G,) [-] (> 1 a win or surge, < 1 a loss)
    duration : tuple of Duration [calendar h]
    """

    names: tuple[str, ...] = ()
    rate_per_yr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    multiplier: np.ndarray = field(default_factory=lambda: np.zeros(0))
    duration: tuple[Duration, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate_per_yr", np.asarray(self.rate_per_yr, dtype=np.float64))
        object.__setattr__(self, "multiplier", np.asarray(self.multiplier, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.names)


def demand_events(n_products: int, *kinds: dict) -> DemandEvents:
    """Build :class:`DemandEvents` from dicts with ``name``, ``rate_per_yr`` (a number for
    every product, or one per product), ``multiplier`` and ``duration``."""
    rates = np.zeros((n_products, len(kinds)))
    for g, kind in enumerate(kinds):
        rates[:, g] = np.broadcast_to(np.asarray(kind["rate_per_yr"], dtype=float),
                                      (n_products,))
    return DemandEvents(names=tuple(k["name"] for k in kinds), rate_per_yr=rates,
                        multiplier=np.array([float(k["multiplier"]) for k in kinds]),
                        duration=tuple(k["duration"] for k in kinds))


_PRODUCT_ARRAYS = (
    "demand_units_per_day", "demand_cv", "price_usd_per_unit", "material_cost_usd_per_unit",
    "initial_inventory_units", "reorder_days_of_supply", "target_days_of_supply",
    "campaign_units",
)


@dataclass(frozen=True)
class LineEngineInputs:
    """Everything the line simulator needs for one line, as numpy arrays and scalars.

    Per product (arrays of length P, products indexed 0..P-1):

    Attributes
    ----------
    product_names : tuple of str
    demand_units_per_day : [units/day] mean daily demand at the start.
    demand_cv : [-] coefficient of variation of daily demand (log-normal; 0 = fixed).
    price_usd_per_unit, material_cost_usd_per_unit : [USD/unit] (material per unit of
        output, good or not).
    initial_inventory_units : [units] sellable stock at time 0.
    reorder_days_of_supply : [day] the run-out policy considers a product once its days of
        supply fall below this.
    target_days_of_supply : [day] order-up-to level of the run-out policy.
    campaign_units : [units] good units per campaign (fixed rotation; rounded up to whole
        lots of ``lot_size_units × process_yield_fraction``).
    demand_events : :class:`DemandEvents`, contract wins/losses and demand shocks.

    The line (one technology):

    operating_mode : :class:`OperatingMode`.
    lot_size_units : [units] batch size, or continuous rate × lot hours.
    lot_cycle_h : [operating h] batch cycle time at ideal speed, or continuous lot length.
        Ideal rate = lot_size_units / lot_cycle_h [units/h].
    speed_fraction : [-] actual / ideal speed while running (minor stops, reduced speed:
        the performance loss).
    process_yield_fraction : [-] good / output of a lot when nothing fails.
    changeover : :class:`Duration` [operating h] of a product changeover.
    startup_loss_h, shutdown_loss_h : [operating h] run time at a campaign's start / end whose
        output (at the ideal rate) is scrap.
    qc_release_h : [calendar h] QC release lead time from lot completion to sellable stock.
    staffed_fraction : [-] staffed hours / calendar hours; line activities are in staffed
        operating hours, so they last 1 / staffed_fraction times longer in calendar time.
    labour_usd_per_h : [USD per staffed h]; energy_usd_per_unit : [USD per unit of output];
    qc_usd_per_lot : [USD per completed lot]; cleaning_usd_per_changeover : [USD];
    overhead_usd_per_yr : [USD/yr] fixed overhead.

    Planning:

    policy : :class:`CampaignPolicy`.
    rotation : int array, product indices in the order the fixed rotation runs them.
    cycle_length_days : [day] rotation cycle length (0 = start each cycle at once).
    horizon_days : [day] simulated horizon (whole days).
    failures : :class:`FailureModes`.
    """

    product_names: tuple[str, ...]
    demand_units_per_day: np.ndarray
    demand_cv: np.ndarray
    price_usd_per_unit: np.ndarray
    material_cost_usd_per_unit: np.ndarray
    initial_inventory_units: np.ndarray
    reorder_days_of_supply: np.ndarray
    target_days_of_supply: np.ndarray
    campaign_units: np.ndarray
    operating_mode: OperatingMode
    lot_size_units: float
    lot_cycle_h: float
    speed_fraction: float
    process_yield_fraction: float
    changeover: Duration
    startup_loss_h: float
    shutdown_loss_h: float
    qc_release_h: float
    staffed_fraction: float
    labour_usd_per_h: float
    energy_usd_per_unit: float
    qc_usd_per_lot: float
    cleaning_usd_per_changeover: float
    overhead_usd_per_yr: float
    policy: CampaignPolicy
    rotation: np.ndarray
    cycle_length_days: float
    horizon_days: int
    failures: FailureModes = field(default_factory=FailureModes)
    demand_events: DemandEvents = field(default_factory=DemandEvents)

    def __post_init__(self) -> None:
        for name in _PRODUCT_ARRAYS:
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.float64))
        object.__setattr__(self, "rotation", np.asarray(self.rotation, dtype=np.int64))
        object.__setattr__(self, "operating_mode", OperatingMode(self.operating_mode))
        object.__setattr__(self, "policy", CampaignPolicy(self.policy))
        problems = list(_problems(self))
        if problems:
            raise InputError(problems)

    # -- derived quantities ---------------------------------------------------------------
    @property
    def n_products(self) -> int:
        return len(self.product_names)

    @property
    def ideal_rate_units_per_h(self) -> float:
        """Ideal output rate while running [units per operating h]."""
        return self.lot_size_units / self.lot_cycle_h

    @property
    def horizon_h(self) -> float:
        """Horizon [calendar h]."""
        return HOURS_PER_DAY * self.horizon_days

    @property
    def capacity_units(self) -> float:
        """Output if the line ran at the ideal rate for every staffed hour [units]."""
        return self.ideal_rate_units_per_h * self.horizon_h * self.staffed_fraction

    def campaign_lots(self) -> np.ndarray:
        """Lots per fixed-rotation campaign on average: campaign_units / good units per lot
        [-] (fractional).

        The rotation makes whole lots by balanced rounding: product p carries a running
        balance b_p (0.5 at the start); at each of its campaigns b_p += lots_p, the campaign
        makes floor(b_p) lots and b_p -= floor(b_p). Over C campaigns it makes
        floor(C lots_p + 0.5) lots, so output tracks the plan's demand instead of drifting
        up (rounding every campaign up) or down; a campaign of 0 lots is skipped, changeover
        included (the product runs every other cycle).
        """
        good_per_lot = self.lot_size_units * self.process_yield_fraction
        return np.asarray(self.campaign_units / good_per_lot, dtype=np.float64)

    def replace(self, **changes) -> LineEngineInputs:
        """A copy with some fields changed (validated again)."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return LineEngineInputs(**values)


def _problem(path: str, value: object, rule: str) -> Problem:
    return Problem(file=_WHERE, path=path, value=value, rule=rule)


def _problems(x: LineEngineInputs):
    n = len(x.product_names)
    if n == 0:
        yield _problem("product_names", x.product_names, "at least one product is needed")
        return
    shapes_ok = True
    for name in _PRODUCT_ARRAYS:
        arr = getattr(x, name)
        if arr.shape != (n,):
            shapes_ok = False
            yield _problem(name, arr.shape, f"must have one value per product ({n})")
        elif not np.all(np.isfinite(arr)) or np.any(arr < 0):
            yield _problem(name, arr.tolist(), "values must be finite and >= 0")
    positive = {
        "lot_size_units": x.lot_size_units, "lot_cycle_h": x.lot_cycle_h,
        "speed_fraction": x.speed_fraction, "process_yield_fraction": x.process_yield_fraction,
        "staffed_fraction": x.staffed_fraction,
    }
    for name, value in positive.items():
        if not (math.isfinite(value) and value > 0):
            yield _problem(name, value, "must be finite and > 0")
    for name in ("speed_fraction", "process_yield_fraction", "staffed_fraction"):
        if getattr(x, name) > 1:
            yield _problem(name, getattr(x, name), "is a fraction and must be <= 1")
    for name in ("startup_loss_h", "shutdown_loss_h", "qc_release_h", "labour_usd_per_h",
                 "energy_usd_per_unit", "qc_usd_per_lot", "cleaning_usd_per_changeover",
                 "overhead_usd_per_yr", "cycle_length_days"):
        value = getattr(x, name)
        if not (math.isfinite(value) and value >= 0):
            yield _problem(name, value, "must be finite and >= 0")
    if not (isinstance(x.horizon_days, int | np.integer) and x.horizon_days >= 1):
        yield _problem("horizon_days", x.horizon_days, "must be a whole number of days >= 1")
    yield from _duration_problems("changeover", x.changeover)
    if x.rotation.ndim != 1 or len(x.rotation) == 0:
        yield _problem("rotation", x.rotation.tolist(), "must list at least one product index")
    elif np.any(x.rotation < 0) or np.any(x.rotation >= n):
        yield _problem("rotation", x.rotation.tolist(), f"product indices must be in 0..{n - 1}")
    if shapes_ok:
        if np.any(x.reorder_days_of_supply > x.target_days_of_supply):
            yield _problem("reorder_days_of_supply", x.reorder_days_of_supply.tolist(),
                           "must not exceed target_days_of_supply")
        if np.any(x.campaign_units <= 0):
            yield _problem("campaign_units", x.campaign_units.tolist(), "must be > 0")
    yield from _failure_problems(x.failures)
    yield from _demand_event_problems(x.demand_events, n)


def _demand_event_problems(d: DemandEvents, n_products: int):
    g = len(d.names)
    if d.rate_per_yr.shape != (n_products, g) and not (g == 0 and d.rate_per_yr.size == 0):
        yield _problem("demand_events.rate_per_yr", d.rate_per_yr.shape,
                       f"must have shape (products, event kinds) = ({n_products}, {g})")
        return
    if d.multiplier.shape != (g,) or len(d.duration) != g:
        yield _problem("demand_events", (d.multiplier.shape, len(d.duration)),
                       f"multiplier and duration need one value per event kind ({g})")
        return
    if not np.all(np.isfinite(d.rate_per_yr)) or np.any(d.rate_per_yr < 0):
        yield _problem("demand_events.rate_per_yr", d.rate_per_yr.tolist(),
                       "rates must be finite and >= 0")
    if not np.all(np.isfinite(d.multiplier)) or np.any(d.multiplier <= 0):
        yield _problem("demand_events.multiplier", d.multiplier.tolist(),
                       "multipliers must be finite and > 0")
    for i in range(g):
        yield from _duration_problems(f"demand_events[{i}] ({d.names[i]}).duration",
                                      d.duration[i])


def _duration_problems(path: str, d: Duration):
    if not isinstance(d, Duration):
        yield _problem(path, d, "must be a Duration (see rxtwin.line.inputs)")
        return
    a, b, c = d.params()
    if not all(math.isfinite(v) for v in (a, b, c)):
        yield _problem(path, d, "parameters must be finite")
        return
    kind = DurationKind(d.kind)
    ok = {
        DurationKind.FIXED: a >= 0,
        DurationKind.UNIFORM: 0 <= a <= b,
        DurationKind.TRIANGULAR: 0 <= a <= b <= c and a < c,
        DurationKind.LOGNORMAL: a > 0 and b >= 0,
        DurationKind.GAMMA: a > 0 and b > 0,
        DurationKind.EXPONENTIAL: a > 0,
    }[kind]
    if not ok:
        yield _problem(path, d, f"invalid {kind.name.lower()} parameters (see DurationKind)")


def _failure_problems(f: FailureModes):
    n = len(f.names)
    for name in ("effect", "probability", "mtbf_h", "loss_fraction"):
        if getattr(f, name).shape != (n,):
            yield _problem(f"failures.{name}", getattr(f, name).shape,
                           f"must have one value per failure mode ({n})")
            return
    if len(f.duration) != n:
        yield _problem("failures.duration", len(f.duration),
                       f"must have one value per failure mode ({n})")
        return
    codes = {int(c) for c in FailureEffectCode}
    for i in range(n):
        label = f"failures[{i}] ({f.names[i]})"
        if int(f.effect[i]) not in codes:
            yield _problem(f"{label}.effect", int(f.effect[i]),
                           f"must be a FailureEffectCode {sorted(codes)}")
            continue
        effect = FailureEffectCode(int(f.effect[i]))
        if effect == FailureEffectCode.BREAKDOWN:
            if not f.mtbf_h[i] > 0:
                yield _problem(f"{label}.mtbf_h", float(f.mtbf_h[i]), "must be > 0 (inf = never)")
        elif not 0 <= f.probability[i] <= 1:
            yield _problem(f"{label}.probability", float(f.probability[i]), "must be in [0, 1]")
        if not 0 <= f.loss_fraction[i] <= 1:
            yield _problem(f"{label}.loss_fraction", float(f.loss_fraction[i]),
                           "must be in [0, 1]")
        yield from _duration_problems(f"{label}.duration", f.duration[i])
