"""Flowsheet of the continuous direct-compression line: LIW feeders -> blender -> press.

:class:`Flowsheet` only composes the unit-operation functions of ``feeders``, ``blender``,
``rtd`` and ``press``; it holds no science of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rxtwin.errors import UserInputError
from rxtwin.model.twin import (
    BlenderParameters,
    DiversionParameters,
    FeederParameters,
    PressParameters,
    TwinParameters,
)
from rxtwin.model.units import SECONDS_PER_HOUR
from rxtwin.twin.blender import blend
from rxtwin.twin.feeders import FeedDisturbance, feed_rate_kg_per_h, first_order_ramp
from rxtwin.twin.press import out_of_spec_tablet_fraction, tablet_potency_pct, tablet_rate_per_s
from rxtwin.twin.rtd import (
    AxialDispersion,
    DiscreteRtd,
    FloatArray,
    RtdModel,
    TanksInSeries,
    discrete_rtd_kernel,
)

S_PER_H = SECONDS_PER_HOUR

RTD_MODEL_FACTORIES: dict[str, Callable[[BlenderParameters], RtdModel]] = {
    "tanks_in_series": lambda b: TanksInSeries(b.mean_residence_time_s, b.n_tanks),
    "axial_dispersion": lambda b: AxialDispersion(b.mean_residence_time_s, b.peclet),
}
"""Blender parameters -> RTD model object, by ``BlenderParameters.rtd_model``."""


def rtd_model_from_parameters(blender: BlenderParameters) -> RtdModel:
    """The RTD model object named by ``blender.rtd_model`` with its parameters."""
    return RTD_MODEL_FACTORIES[blender.rtd_model](blender)


@dataclass(frozen=True, eq=False)
class FlowsheetResult:
    """Time series of one flowsheet simulation (all arrays have one entry per step).

    Attributes
    ----------
    time_s : numpy.ndarray
        Start of each step [s].
    step_s : float
        Step [s].
    feed_kg_per_h : dict of str to numpy.ndarray
        Delivered flow of each feeder [kg/h].
    api_in_kg_per_h, total_in_kg_per_h : numpy.ndarray
        Blender inlet flows [kg/h].
    api_out_kg_per_h, total_out_kg_per_h : numpy.ndarray
        Blender outlet = press inlet flows [kg/h].
    api_fraction : numpy.ndarray
        API mass fraction of the blend reaching the press [-] (NaN while none arrives).
    potency_pct : numpy.ndarray
        Potency of a target-weight tablet [% label claim] (NaN while none is made).
    tablets_per_step : numpy.ndarray
        Tablets made in each step [-].
    out_of_spec_tablet_fraction : numpy.ndarray
        Expected share of tablets outside the diversion limits, weight spread included [-].
    api_holdup_kg, total_holdup_kg : numpy.ndarray
        Blender hold-up at the end of each step [kg].
    initial_api_holdup_kg, initial_total_holdup_kg : float
        Hold-up before the first step [kg].
    target_api_fraction : float
        Nominal API fraction [-].
    """

    time_s: FloatArray
    step_s: float
    feed_kg_per_h: dict[str, FloatArray]
    api_in_kg_per_h: FloatArray
    total_in_kg_per_h: FloatArray
    api_out_kg_per_h: FloatArray
    total_out_kg_per_h: FloatArray
    api_fraction: FloatArray
    potency_pct: FloatArray
    tablets_per_step: FloatArray
    out_of_spec_tablet_fraction: FloatArray
    api_holdup_kg: FloatArray
    total_holdup_kg: FloatArray
    initial_api_holdup_kg: float
    initial_total_holdup_kg: float
    target_api_fraction: float
    disturbances: tuple[FeedDisturbance, ...] = field(default=())

    def mass_balance_residual_kg(self) -> tuple[float, float]:
        """(total, API) residual: initial hold-up + fed - delivered - final hold-up [kg]."""
        h = self.step_s / S_PER_H
        total = (self.initial_total_holdup_kg + h * self.total_in_kg_per_h.sum()
                 - h * self.total_out_kg_per_h.sum() - self.total_holdup_kg[-1])
        api = (self.initial_api_holdup_kg + h * self.api_in_kg_per_h.sum()
               - h * self.api_out_kg_per_h.sum() - self.api_holdup_kg[-1])
        return float(total), float(api)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, one row per step; columns are the array attributes' names
        (feeder flows as ``feed_<name>_kg_per_h``)."""
        cols: dict[str, FloatArray] = {"time_s": self.time_s}
        for name, flow in self.feed_kg_per_h.items():
            cols[f"feed_{name}_kg_per_h"] = flow
        for name in ("api_in_kg_per_h", "total_in_kg_per_h", "api_out_kg_per_h",
                     "total_out_kg_per_h", "api_fraction", "potency_pct", "tablets_per_step",
                     "out_of_spec_tablet_fraction", "api_holdup_kg", "total_holdup_kg"):
            cols[name] = getattr(self, name)
        return pd.DataFrame(cols)


class Flowsheet:
    """Feeders -> blender (RTD) -> press, on a uniform time grid.

    Parameters
    ----------
    feeders : sequence of FeederParameters
        Feeders (exactly one with ``is_api``).
    rtd : RtdModel
        Blender residence-time distribution.
    press : PressParameters
        Tablet press.
    limits : DiversionParameters
        Potency limits used for the out-of-spec tablet share.
    step_s : float
        Time step [s].
    """

    def __init__(
        self,
        feeders: Sequence[FeederParameters],
        rtd: RtdModel,
        press: PressParameters,
        limits: DiversionParameters,
        step_s: float,
    ) -> None:
        if sum(f.is_api for f in feeders) != 1:
            raise UserInputError("Flowsheet: exactly one feeder must have is_api=True")
        self.feeders = tuple(feeders)
        self.rtd = rtd
        self.press = press
        self.limits = limits
        self.step_s = float(step_s)
        self.kernel: DiscreteRtd = discrete_rtd_kernel(rtd, self.step_s)

    @classmethod
    def from_parameters(cls, params: TwinParameters) -> Flowsheet:
        """Flowsheet with the blender RTD named in ``params.blender``."""
        return cls(params.feeders, rtd_model_from_parameters(params.blender), params.press,
                   params.diversion, params.simulation.step_s)

    @property
    def throughput_kg_per_h(self) -> float:
        """Nominal throughput [kg/h]."""
        return float(sum(f.setpoint_kg_per_h for f in self.feeders))

    @property
    def target_api_fraction(self) -> float:
        """Nominal API fraction [-]."""
        api = next(f for f in self.feeders if f.is_api)
        return api.setpoint_kg_per_h / self.throughput_kg_per_h

    def simulate(
        self,
        duration_s: float,
        rng: np.random.Generator,
        disturbances: Sequence[FeedDisturbance] = (),
        start_empty: bool = False,
        feeders_stop_s: float = np.inf,
    ) -> FlowsheetResult:
        """Simulate the line.

        Parameters
        ----------
        duration_s : float
            Simulated time [s].
        rng : numpy.random.Generator
            Random stream (feeders draw from it in their listed order).
        disturbances : sequence of FeedDisturbance
            Feeder upsets.
        start_empty : bool
            False: the line runs at steady state from t = 0 (blender full at the nominal
            blend). True: feeders start at t = 0 with first-order ramps, blender empty.
        feeders_stop_s : float
            Time at which all feeders are stopped (they ramp down) [s].

        Returns
        -------
        FlowsheetResult
        """
        names = {f.name for f in self.feeders}
        unknown = sorted({d.feeder for d in disturbances} - names)
        if unknown:
            raise UserInputError(f"disturbance feeder(s) {unknown} not in flowsheet feeders "
                                 f"{sorted(names)}")
        n_steps = int(round(duration_s / self.step_s))
        time_s = np.arange(n_steps) * self.step_s
        flows: dict[str, FloatArray] = {}
        for feeder in self.feeders:
            if start_empty or np.isfinite(feeders_stop_s):
                start = 0.0 if start_empty else -np.inf
                ramp = first_order_ramp(time_s + 0.5 * self.step_s, start, feeders_stop_s,
                                        feeder.ramp_time_constant_s)
            else:
                ramp = np.ones(n_steps)
            flows[feeder.name] = feed_rate_kg_per_h(time_s, feeder, disturbances, rng, ramp)
        api_name = next(f.name for f in self.feeders if f.is_api)
        api_in = flows[api_name]
        total_in = np.sum(list(flows.values()), axis=0) if flows else np.zeros(n_steps)
        history_api = 0.0 if start_empty else self.target_api_fraction * self.throughput_kg_per_h
        history_total = 0.0 if start_empty else self.throughput_kg_per_h
        outlet = blend(self.kernel, api_in, total_in, history_api, history_total)
        potency = tablet_potency_pct(outlet.api_fraction, self.target_api_fraction)
        tablets = tablet_rate_per_s(outlet.total_kg_per_h, self.press.tablet_weight_mg)
        oos = out_of_spec_tablet_fraction(potency, self.press.tablet_weight_cv,
                                          self.limits.lower_pct, self.limits.upper_pct)
        mrt_h = self.kernel.mean_residence_time_s / S_PER_H
        return FlowsheetResult(
            time_s=time_s,
            step_s=self.step_s,
            feed_kg_per_h=flows,
            api_in_kg_per_h=api_in,
            total_in_kg_per_h=total_in,
            api_out_kg_per_h=outlet.api_kg_per_h,
            total_out_kg_per_h=outlet.total_kg_per_h,
            api_fraction=outlet.api_fraction,
            potency_pct=potency,
            tablets_per_step=tablets * self.step_s,
            out_of_spec_tablet_fraction=oos,
            api_holdup_kg=outlet.api_holdup_kg,
            total_holdup_kg=outlet.total_holdup_kg,
            initial_api_holdup_kg=history_api * mrt_h,
            initial_total_holdup_kg=history_total * mrt_h,
            target_api_fraction=self.target_api_fraction,
            disturbances=tuple(disturbances),
        )


@dataclass(frozen=True)
class SimulationSummary:
    """Headline numbers of a flowsheet simulation.

    Attributes
    ----------
    duration_h : float
        Simulated time [h].
    blend_made_kg : float
        Blend delivered to the press [kg].
    tablets_made : float
        Tablets pressed [-].
    mean_potency_pct, min_potency_pct, max_potency_pct : float
        Potency statistics over steps with material [% LC].
    out_of_spec_time_fraction : float
        Share of time the blend potency is outside the limits [-].
    expected_out_of_spec_tablets : float
        Expected tablets outside the limits, tablet weight spread included [-].
    mass_balance_relative_error : float
        |total residual| / mass fed [-].
    """

    duration_h: float
    blend_made_kg: float
    tablets_made: float
    mean_potency_pct: float
    min_potency_pct: float
    max_potency_pct: float
    out_of_spec_time_fraction: float
    expected_out_of_spec_tablets: float
    mass_balance_relative_error: float


def summarize(result: FlowsheetResult, limits: DiversionParameters) -> SimulationSummary:
    """Headline numbers of a simulation against the given limits."""
    p = result.potency_pct
    has = np.isfinite(p)
    oos = has & ((p < limits.lower_pct) | (p > limits.upper_pct))
    fed = (result.initial_total_holdup_kg
           + result.total_in_kg_per_h.sum() * result.step_s / S_PER_H)
    residual, _ = result.mass_balance_residual_kg()
    return SimulationSummary(
        duration_h=float(result.time_s.size * result.step_s / S_PER_H),
        blend_made_kg=float(result.total_out_kg_per_h.sum() * result.step_s / S_PER_H),
        tablets_made=float(result.tablets_per_step.sum()),
        mean_potency_pct=float(np.mean(p[has])) if has.any() else float("nan"),
        min_potency_pct=float(np.min(p[has])) if has.any() else float("nan"),
        max_potency_pct=float(np.max(p[has])) if has.any() else float("nan"),
        out_of_spec_time_fraction=float(oos.sum() / max(has.sum(), 1)),
        expected_out_of_spec_tablets=float(
            np.nansum(result.out_of_spec_tablet_fraction * result.tablets_per_step)),
        mass_balance_relative_error=abs(residual) / fed if fed > 0 else 0.0,
    )
