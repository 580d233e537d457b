"""Rotary tablet press: tablet rate, tablet potency and out-of-spec tablet share.

The press compresses the blend leaving the blender as it arrives (no hopper dynamics:
assumption, the feed frame is small against the blender hold-up), at the target tablet
weight with a normal tablet-to-tablet weight spread.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

from rxtwin.model.units import SECONDS_PER_HOUR
from rxtwin.twin.rtd import FloatArray

MG_PER_KG = 1e6
S_PER_H = SECONDS_PER_HOUR


def tablet_rate_per_s(blend_flow_kg_per_h: ArrayLike, tablet_weight_mg: float) -> FloatArray:
    """Tablets made per second from a blend flow.

    Parameters
    ----------
    blend_flow_kg_per_h : array_like
        Blend flow into the press [kg/h].
    tablet_weight_mg : float
        Target tablet weight [mg].

    Returns
    -------
    numpy.ndarray
        Tablet rate [1/s].

    Examples
    --------
    >>> float(tablet_rate_per_s(20.0, 250.0))
    22.22222222222222
    """
    flow = np.asarray(blend_flow_kg_per_h, dtype=float)
    return flow * MG_PER_KG / S_PER_H / tablet_weight_mg


def tablet_potency_pct(
    api_fraction: ArrayLike, target_api_fraction: float, weight_ratio: ArrayLike = 1.0
) -> FloatArray:
    """Potency of tablets pressed from a blend, in % of label claim.

    Parameters
    ----------
    api_fraction : array_like
        API mass fraction of the blend [-].
    target_api_fraction : float
        API mass fraction that gives the label claim at target weight [-].
    weight_ratio : array_like
        Tablet weight / target weight [-].

    Returns
    -------
    numpy.ndarray
        Potency [% label claim].

    Notes
    -----
    API per tablet = weight x fraction; label claim = target weight x target fraction, so
    :math:`P = 100\\,(w/w_0)(x/x_0)`.

    Examples
    --------
    >>> float(tablet_potency_pct(0.095, 0.1))
    95.0
    """
    x = np.asarray(api_fraction, dtype=float)
    return 100.0 * np.asarray(weight_ratio, dtype=float) * x / target_api_fraction


def out_of_spec_tablet_fraction(
    mean_potency_pct: ArrayLike, tablet_weight_cv: float, lower_pct: float, upper_pct: float
) -> FloatArray:
    """Expected share of tablets outside the potency limits, from weight variability.

    Parameters
    ----------
    mean_potency_pct : array_like
        Potency of a target-weight tablet at the current blend concentration [% LC].
    tablet_weight_cv : float
        Tablet-to-tablet weight coefficient of variation [-].
    lower_pct, upper_pct : float
        Potency limits [% LC].

    Returns
    -------
    numpy.ndarray
        Share of tablets with potency < lower or > upper [-] (NaN where the mean is NaN).

    Notes
    -----
    With a homogeneous blend, tablet potency is proportional to tablet weight:
    :math:`P \\sim N(\\mu, (\\mu\\,CV)^2)`, so the share outside is
    :math:`\\Phi((L-\\mu)/(\\mu CV)) + 1 - \\Phi((U-\\mu)/(\\mu CV))`.
    """
    mu = np.asarray(mean_potency_pct, dtype=float)
    if tablet_weight_cv == 0.0:
        return np.where(np.isnan(mu), np.nan, ((mu < lower_pct) | (mu > upper_pct)) * 1.0)
    sd = np.abs(mu) * tablet_weight_cv
    with np.errstate(divide="ignore", invalid="ignore"):
        return ndtr((lower_pct - mu) / sd) + ndtr((mu - upper_pct) / sd)


def sample_tablet_potency_pct(
    mean_potency_pct: float, tablet_weight_cv: float, n_tablets: int, rng: np.random.Generator
) -> FloatArray:
    """Draw individual tablet potencies [% LC] for a blend of given mean potency.

    Notes
    -----
    :math:`P_i = \\mu\\,w_i/w_0`, :math:`w_i/w_0 \\sim N(1, CV^2)` (see
    :func:`out_of_spec_tablet_fraction`).
    """
    return mean_potency_pct * (1.0 + tablet_weight_cv * rng.standard_normal(n_tablets))
