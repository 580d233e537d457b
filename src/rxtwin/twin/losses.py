"""Start-up and shut-down losses of one campaign on the continuous line.

Deterministic (noise-free feeders): the expected loss of a start-up and a shut-down, from
the feeder ramps, the blender RTD and the press's minimum flow.

Rules (assumptions, stated in docs/twin.md):

* start-up: feeders ramp up from zero (first order, each its own time constant), the blender
  starts empty; everything the press receives until the blend is in spec *and* the flow has
  reached ``press.min_flow_fraction`` of nominal - and stays so - is diverted, plus
  ``press.startup_scrap_tablets`` settling tablets;
* shut-down: feeders ramp down together; from the first instant the blend leaves spec or
  the flow falls below the press minimum, everything still to come (including what remains
  in the blender) is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rxtwin.model.twin import TwinParameters
from rxtwin.model.units import SECONDS_PER_HOUR
from rxtwin.twin.diversion import out_of_spec_mask
from rxtwin.twin.flowsheet import Flowsheet, rtd_model_from_parameters
from rxtwin.twin.press import MG_PER_KG

S_PER_H = SECONDS_PER_HOUR


@dataclass(frozen=True)
class CampaignLosses:
    """Expected material lost at the start and end of one campaign.

    Attributes
    ----------
    startup_loss_kg : float
        Blend diverted at start-up, settling tablets included [kg].
    shutdown_loss_kg : float
        Blend lost at shut-down [kg].
    startup_duration_s : float
        Time from feeder start until the press output is good [s].
    shutdown_duration_s : float
        Time from the feeder stop command until the press output turns bad [s].
    throughput_kg_per_h : float
        Nominal throughput [kg/h].
    """

    startup_loss_kg: float
    shutdown_loss_kg: float
    startup_duration_s: float
    shutdown_duration_s: float
    throughput_kg_per_h: float

    @property
    def total_kg(self) -> float:
        """Start-up plus shut-down loss [kg]."""
        return self.startup_loss_kg + self.shutdown_loss_kg

    @property
    def equivalent_time_h(self) -> float:
        """Loss expressed as hours of nominal production [h]."""
        return self.total_kg / self.throughput_kg_per_h


class _NoRandomness:
    """Stands in for a Generator where the result must not depend on randomness."""

    def __getattr__(self, name: str):
        raise RuntimeError(f"a noise-free simulation asked for random numbers ({name})")


def noise_free(params: TwinParameters) -> TwinParameters:
    """Copy of the parameters with feeder noise, refill error and drift switched off."""
    feeders = tuple(
        f.model_copy(update={"noise_cv": 0.0, "refill_deviation_fraction": 0.0,
                             "drift_fraction_per_h": 0.0})
        for f in params.feeders
    )
    return params.model_copy(update={"feeders": feeders})


def _good(flowsheet: Flowsheet, potency: np.ndarray, flow: np.ndarray, params: TwinParameters):
    limits = params.diversion
    enough = flow >= params.press.min_flow_fraction * flowsheet.throughput_kg_per_h
    return enough & ~out_of_spec_mask(potency, limits.lower_pct, limits.upper_pct) & np.isfinite(
        potency
    )


def campaign_losses(params: TwinParameters) -> CampaignLosses:
    """Expected start-up and shut-down losses of one campaign.

    Parameters
    ----------
    params : TwinParameters
        Twin parameters (feeder ramps, blender RTD, press minimum flow and settling
        tablets, diversion limits). Feeder noise is switched off.

    Returns
    -------
    CampaignLosses

    Notes
    -----
    Start-up loss :math:`= \\int_0^{t_s} \\dot m_{out}\\,dt + n_{scrap} w_{tab}`, with
    :math:`t_s` the last instant the press output is bad; shut-down loss
    :math:`= \\int_{t_b}^{\\infty} \\dot m_{out}\\,dt` with :math:`t_b` the first bad
    instant after the stop command. Both integrals use the flowsheet simulation, so they
    inherit its exact mass balance.
    """
    quiet = noise_free(params)
    flowsheet = Flowsheet(quiet.feeders, rtd_model_from_parameters(quiet.blender), quiet.press,
                          quiet.diversion, quiet.simulation.step_s)
    step_h = flowsheet.step_s / S_PER_H
    slowest_ramp_s = max(f.ramp_time_constant_s for f in quiet.feeders)
    settle_s = flowsheet.kernel.weights.size * flowsheet.step_s + 40.0 * slowest_ramp_s
    rng = _NoRandomness()  # noise-free feeders draw nothing; any draw would raise

    up = flowsheet.simulate(settle_s, rng, start_empty=True)
    good = _good(flowsheet, up.potency_pct, up.total_out_kg_per_h, quiet)
    bad_idx = np.flatnonzero(~good)
    last_bad = int(bad_idx[-1]) if bad_idx.size else -1
    scrap_kg = quiet.press.startup_scrap_tablets * quiet.press.tablet_weight_mg / MG_PER_KG
    startup_kg = float(up.total_out_kg_per_h[: last_bad + 1].sum() * step_h) + scrap_kg

    stop_s = 10.0 * flowsheet.step_s
    down = flowsheet.simulate(stop_s + settle_s, rng, feeders_stop_s=stop_s)
    good = _good(flowsheet, down.potency_pct, down.total_out_kg_per_h, quiet)
    after = np.flatnonzero(~good & (down.time_s >= stop_s))
    first_bad = int(after[0]) if after.size else down.time_s.size
    shutdown_kg = float(down.total_out_kg_per_h[first_bad:].sum() * step_h
                        + down.total_holdup_kg[-1])
    return CampaignLosses(
        startup_loss_kg=startup_kg,
        shutdown_loss_kg=shutdown_kg,
        startup_duration_s=float((last_bad + 1) * flowsheet.step_s),
        shutdown_duration_s=float(first_bad * flowsheet.step_s - stop_s),
        throughput_kg_per_h=flowsheet.throughput_kg_per_h,
    )
