"""Continuous blender as a linear residence-time-distribution (RTD) unit.

The blender is modelled as a linear time-invariant system: every component's outlet flow is
its inlet flow convolved with the blender's RTD (Levenspiel 1999, Ch. 11; Engisch & Muzzio
2016). Mass is conserved exactly because the discrete kernel sums to one
(:func:`rxtwin.twin.rtd.discrete_rtd_kernel`) and the hold-up is the not-yet-exited part
of past inflow.

Assumption: the RTD does not change with the fill level or the flow rate (constant
impeller speed and throughput), the usual assumption of RTD-based flowsheet models
(Garcia-Munoz et al. 2018).

References
----------
.. [1] Levenspiel, O. (1999). *Chemical Reaction Engineering*, 3rd ed. Wiley. Ch. 11.
.. [2] Engisch, W., Muzzio, F. (2016). Using residence time distributions (RTDs) to address
       the traceability of raw materials in continuous pharmaceutical manufacturing.
       *J. Pharm. Innov.* 11, 64-81. doi:10.1007/s12247-015-9238-1
.. [3] Garcia-Munoz, S. et al. (2018). A flowsheet model for the development of a continuous
       process for pharmaceutical tablets: an industrial perspective. *AIChE J.* 64(2),
       511-525.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import expm
from scipy.signal import fftconvolve

from rxtwin.errors import UserInputError
from rxtwin.twin.rtd import DiscreteRtd, FloatArray


def rtd_outflow(kernel: DiscreteRtd, inflow: ArrayLike, history_rate: float = 0.0) -> FloatArray:
    """Outlet flow of an RTD unit for a step-wise constant inlet flow.

    Parameters
    ----------
    kernel : DiscreteRtd
        Discrete RTD kernel on the same time step as ``inflow``.
    inflow : array_like
        Inlet flow in each step, any mass-per-time unit (e.g. [kg/h]).
    history_rate : float
        Constant inlet flow before the first step, same unit (0 = the unit starts empty;
        the nominal rate = the unit starts full at steady state).

    Returns
    -------
    numpy.ndarray
        Mean outlet flow in each step, same unit and length as ``inflow``.

    Notes
    -----
    :math:`q_{out,n} = \\sum_{j\\ge0} h_j\\, q_{in,n-j}` with :math:`q_{in,k} =`
    ``history_rate`` for k < 0 (discrete convolution of Levenspiel 1999, Ch. 11, Eq. 6).
    Computed with an FFT.
    """
    q = np.asarray(inflow, dtype=float)
    w = kernel.weights
    out = fftconvolve(q, w)[: q.size] if q.size else q.copy()
    if history_rate != 0.0:
        # inflow before t = 0 reaches step n through weights j > n: history * survival[n]
        survival = np.concatenate((kernel.survival, np.zeros(max(q.size - w.size, 0))))
        out = out + history_rate * survival[: q.size]
    return out


def rtd_holdup(
    kernel: DiscreteRtd, inflow: ArrayLike, step_s: float, history_rate: float = 0.0
) -> FloatArray:
    """Mass held in an RTD unit at the end of each step.

    Parameters
    ----------
    kernel : DiscreteRtd
        Discrete RTD kernel.
    inflow : array_like
        Inlet flow in each step [mass/s].
    step_s : float
        Time step [s].
    history_rate : float
        Constant inlet flow before the first step [mass/s].

    Returns
    -------
    numpy.ndarray
        Hold-up at the end of each step [mass].

    Notes
    -----
    Computed independently of the outflow, from the share of each past step's feed that has
    not yet left: :math:`M_n = \\Delta t\\sum_{k\\le n} q_{in,k}\\,S_{n-k}` with
    :math:`S_j = 1 - \\sum_{i\\le j} h_i`, plus the part of the pre-start history still
    inside. The mass balance :math:`M_n = M_{-1} + \\Delta t\\sum_{k\\le n}(q_{in,k} -
    q_{out,k})` is then a check, not an identity.
    """
    q = np.asarray(inflow, dtype=float)
    survival = kernel.survival
    held = fftconvolve(q, survival)[: q.size] * step_s if q.size else q.copy()
    if history_rate != 0.0:
        # history step k = -m (m >= 1) still inside at the end of step n: S[n + m]
        tail = np.concatenate((np.cumsum(survival[::-1])[::-1], [0.0]))
        idx = np.minimum(np.arange(q.size) + 1, tail.size - 1)
        held = held + history_rate * step_s * tail[idx]
    return held


def steady_state_holdup(kernel: DiscreteRtd, rate: float, step_s: float) -> float:
    """Hold-up of an RTD unit fed at a constant rate for ever [mass].

    Notes
    -----
    :math:`M = q\\,\\Delta t \\sum_j S_j = q\\,\\Delta t\\sum_j j h_j = q\\,\\bar t`
    (Little's law) for the exact kernel, whose mean is :math:`\\bar t`.
    """
    return float(rate * step_s * np.sum(kernel.survival))


@dataclass(frozen=True, eq=False)
class BlenderOutlet:
    """Blender outlet streams on the simulation grid.

    Attributes
    ----------
    api_kg_per_h, total_kg_per_h : numpy.ndarray
        API and total outlet mass flow, mean over each step [kg/h].
    api_fraction : numpy.ndarray
        API mass fraction of the outlet blend [-] (NaN while nothing leaves).
    api_holdup_kg, total_holdup_kg : numpy.ndarray
        API and total mass inside at the end of each step [kg].
    """

    api_kg_per_h: FloatArray
    total_kg_per_h: FloatArray
    api_fraction: FloatArray
    api_holdup_kg: FloatArray
    total_holdup_kg: FloatArray


def blend(
    kernel: DiscreteRtd,
    api_in_kg_per_h: ArrayLike,
    total_in_kg_per_h: ArrayLike,
    history_api_kg_per_h: float = 0.0,
    history_total_kg_per_h: float = 0.0,
) -> BlenderOutlet:
    """Pass API and total inlet flows through the blender RTD.

    Parameters
    ----------
    kernel : DiscreteRtd
        Blender RTD kernel on the simulation step.
    api_in_kg_per_h, total_in_kg_per_h : array_like
        Inlet API and total flows per step [kg/h].
    history_api_kg_per_h, history_total_kg_per_h : float
        Flows before the first step [kg/h]; 0 = empty blender at t = 0.

    Returns
    -------
    BlenderOutlet
        Outlet flows, concentration and hold-ups.

    Notes
    -----
    All components share one RTD (no segregation), so the outlet API fraction is
    :math:`x = (E * \\dot m_{API}) / (E * \\dot m_{tot})`.
    """
    api_in = np.asarray(api_in_kg_per_h, dtype=float)
    total_in = np.asarray(total_in_kg_per_h, dtype=float)
    api_out = rtd_outflow(kernel, api_in, history_api_kg_per_h)
    total_out = rtd_outflow(kernel, total_in, history_total_kg_per_h)
    # below this outlet flow the blender is (numerically) empty and x is undefined
    empty_kg_per_h = 1e-9 * max(float(np.max(total_in, initial=0.0)), history_total_kg_per_h)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(total_out > empty_kg_per_h, api_out / total_out, np.nan)
    s_per_h = 3600.0
    api_held = rtd_holdup(kernel, api_in / s_per_h, kernel.step_s, history_api_kg_per_h / s_per_h)
    total_held = rtd_holdup(
        kernel, total_in / s_per_h, kernel.step_s, history_total_kg_per_h / s_per_h
    )
    return BlenderOutlet(api_out, total_out, fraction, api_held, total_held)


def tanks_in_series_state_space_outflow(
    inflow: ArrayLike, step_s: float, mean_residence_time_s: float, n_tanks: int
) -> FloatArray:
    """Reference implementation: n stirred tanks in series, exact zero-order-hold discretisation.

    Parameters
    ----------
    inflow : array_like
        Inlet flow, constant within each step [mass/s].
    step_s : float
        Time step [s].
    mean_residence_time_s : float
        Mean residence time of the cascade [s].
    n_tanks : int
        Number of tanks (integer) [-].

    Returns
    -------
    numpy.ndarray
        Mean outlet flow in each step [mass/s].

    Notes
    -----
    State: tank hold-ups :math:`M_i` and the cumulative outflow :math:`C`;
    :math:`\\dot M_1 = q - M_1/\\tau_i`, :math:`\\dot M_i = (M_{i-1} - M_i)/\\tau_i`,
    :math:`\\dot C = M_n/\\tau_i`, :math:`\\tau_i = \\bar t / n`. The step map is the matrix
    exponential of the augmented system (input held constant over the step), so this is an
    independent, exact check of :func:`rtd_outflow` with a tanks-in-series kernel.
    """
    if n_tanks < 1 or int(n_tanks) != n_tanks:
        raise UserInputError(f"n_tanks={n_tanks}: the state-space model needs an integer >= 1")
    n = int(n_tanks)
    k = n / mean_residence_time_s
    size = n + 2  # tanks, cumulative outflow, constant input
    a = np.zeros((size, size))
    for i in range(n):
        a[i, i] = -k
        if i > 0:
            a[i, i - 1] = k
    a[n, n - 1] = k
    a[0, n + 1] = 1.0
    phi = expm(a * step_s)
    q = np.asarray(inflow, dtype=float)
    state = np.zeros(size)
    out = np.empty_like(q)
    for idx, rate in enumerate(q):
        state[n] = 0.0
        state[n + 1] = rate
        state = phi @ state
        out[idx] = state[n] / step_s
    return out
