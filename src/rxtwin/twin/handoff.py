"""Hand-off to the economics: loss parameters of the continuous technology from the twin.

:func:`continuous_loss_parameters` turns a scenario's feeder-upset rate into the expected
diverted share of steady-state production and the start-up / shut-down losses per
campaign. The line simulator uses these as the continuous technology's loss parameters
(computed, not copied numbers).

References
----------
.. [1] Hall, P. (1988). *Introduction to the Theory of Coverage Processes*. Wiley, New York.
       Ch. 2 (one-dimensional Boolean model: covered share 1 - exp(-lambda E[L])).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rxtwin.errors import UserInputError
from rxtwin.model.twin import TwinParameters
from rxtwin.model.units import SECONDS_PER_HOUR
from rxtwin.twin.diversion import diverted_time_per_upset_s
from rxtwin.twin.flowsheet import rtd_model_from_parameters
from rxtwin.twin.losses import campaign_losses
from rxtwin.twin.rtd import discrete_rtd_kernel

S_PER_H = SECONDS_PER_HOUR


def expected_diverted_fraction(rate_per_h: float, diverted_time_per_upset_s: float) -> float:
    """Share of operating time diverted when upsets arrive as a Poisson process.

    Parameters
    ----------
    rate_per_h : float
        Upset rate [1/h].
    diverted_time_per_upset_s : float
        Diverted time caused by one isolated upset [s].

    Returns
    -------
    float
        :math:`1 - e^{-\\lambda w}` [-].

    Notes
    -----
    Each upset diverts an interval of length w; with Poisson arrivals the intervals form a
    one-dimensional Boolean model and a given instant is covered with probability
    :math:`1 - \\exp(-\\lambda w)` (Hall 1988, Ch. 2); overlapping windows are not counted
    twice.

    Examples
    --------
    >>> round(expected_diverted_fraction(1.0, 36.0), 6)
    0.00995
    """
    if rate_per_h < 0 or diverted_time_per_upset_s < 0:
        raise UserInputError(
            f"rate_per_h={rate_per_h}, diverted_time_per_upset_s={diverted_time_per_upset_s}:"
            " both must be >= 0"
        )
    return float(-np.expm1(-rate_per_h * diverted_time_per_upset_s / S_PER_H))


@dataclass(frozen=True)
class ContinuousLossParameters:
    """Loss parameters of the continuous technology for the line simulator.

    Attributes
    ----------
    diverted_fraction : float
        Expected share of steady-state production diverted for feeder upsets [-].
    startup_loss_kg, shutdown_loss_kg : float
        Blend lost at each campaign start and end [kg/campaign].
    startup_loss_h, shutdown_loss_h : float
        The same losses as hours of nominal production [h/campaign].
    campaign_loss_fraction : float
        (start-up + shut-down loss) / production of a campaign of the given length [-].
    diverted_time_per_upset_s : float
        Diverted time per isolated upset, margins included [s].
    disturbance_rate_per_h : float
        Upset rate used [1/h].
    throughput_kg_per_h : float
        Nominal throughput [kg/h].
    """

    diverted_fraction: float
    startup_loss_kg: float
    shutdown_loss_kg: float
    startup_loss_h: float
    shutdown_loss_h: float
    campaign_loss_fraction: float
    diverted_time_per_upset_s: float
    disturbance_rate_per_h: float
    throughput_kg_per_h: float


def continuous_loss_parameters(
    params: TwinParameters, disturbance_rate_per_h: float, campaign_length_h: float
) -> ContinuousLossParameters:
    """Expected diverted fraction and campaign losses of the continuous line for a scenario.

    Parameters
    ----------
    params : TwinParameters
        Twin parameters; ``params.disturbance`` gives the size and duration of a typical
        API-feeder upset, ``params.diversion`` the limits and margin.
    disturbance_rate_per_h : float
        The scenario's upset rate [1/h] (``params.disturbance.rate_per_h`` is the default).
    campaign_length_h : float
        Operating hours of one campaign [h] (> 0).

    Returns
    -------
    ContinuousLossParameters

    Notes
    -----
    :math:`f_{div} = 1 - e^{-\\lambda w}` with w from the RTD funnel
    (:func:`rxtwin.twin.diversion.diverted_time_per_upset_s`); start-up and shut-down losses
    from :func:`rxtwin.twin.losses.campaign_losses`;
    campaign loss fraction :math:`= (L_{su} + L_{sd}) / (\\dot m\\,T_{campaign})`.
    """
    if campaign_length_h <= 0:
        raise UserInputError(f"campaign_length_h={campaign_length_h}: must be > 0")
    kernel = discrete_rtd_kernel(rtd_model_from_parameters(params.blender),
                                 params.simulation.step_s)
    d = params.disturbance
    w = diverted_time_per_upset_s(kernel, params.target_api_fraction, d.duration_s,
                                  d.magnitude_fraction, params.diversion.lower_pct,
                                  params.diversion.upper_pct, params.diversion.pad_s)
    losses = campaign_losses(params)
    rate = params.throughput_kg_per_h
    return ContinuousLossParameters(
        diverted_fraction=expected_diverted_fraction(disturbance_rate_per_h, w),
        startup_loss_kg=losses.startup_loss_kg,
        shutdown_loss_kg=losses.shutdown_loss_kg,
        startup_loss_h=losses.startup_loss_kg / rate,
        shutdown_loss_h=losses.shutdown_loss_kg / rate,
        campaign_loss_fraction=losses.total_kg / (rate * campaign_length_h),
        diverted_time_per_upset_s=w,
        disturbance_rate_per_h=float(disturbance_rate_per_h),
        throughput_kg_per_h=rate,
    )
