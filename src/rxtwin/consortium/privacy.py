"""Differentially private releases through OpenDP, and the privacy-budget ledger per tenant.

The deterministic rules of :mod:`rxtwin.consortium.disclosure` suit published tables. For
interactive queries the consortium can answer with noise instead: a sum, mean or count of
one figure over a group, with the figure's bounds declared in advance, through the Laplace
mechanism of the OpenDP library. Each answer spends privacy budget (epsilon) from the
asking tenant's :class:`PrivacyLedger`; a query whose epsilon would overrun the budget is
refused before the data are touched.

The privacy unit is one organisation with at most ``max_submissions_per_organisation``
submissions in the queried group (further submissions of an organisation are left out, in
key order): neighbouring pools differ by everything one organisation submits.

Noise comes from OpenDP's own cryptographically secure generator, which takes no seed by
design (a seeded mechanism could be replayed to strip the noise); releases are therefore
not reproducible, unlike rxtwin's simulations.

References
----------
Dwork, C., McSherry, F., Nissim, K. and Smith, A., "Calibrating noise to sensitivity in
private data analysis", Theory of Cryptography Conference (TCC), 2006: the Laplace mechanism.

The OpenDP Library, https://docs.opendp.org (MIT licence; "under development" in its own
words): transformations ``then_clamp``, ``then_sum``, ``then_count``, measurement
``then_laplace``, ``binary_search_param``, composition ``make_composition``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import opendp.prelude as dp
import pandas as pd

from rxtwin.errors import UserInputError
from rxtwin.model.consortium import pooled_fields

__all__ = [
    "DPMechanism",
    "DPRelease",
    "LedgerEntry",
    "PrivacyBudgetExceededError",
    "PrivacyLedger",
    "dp_mechanism",
    "dp_release",
]

DPStatistic = Literal["sum", "mean", "count"]
DP_STATISTICS: tuple[str, ...] = ("sum", "mean", "count")
#: Relative slack when comparing spent epsilon with the budget (float sums of entries).
_BUDGET_RTOL = 1e-12


class PrivacyBudgetExceededError(UserInputError):
    """A query would spend more privacy budget than the tenant has left."""


@dataclass(frozen=True)
class LedgerEntry:
    """One charge to a privacy budget.

    Attributes
    ----------
    epsilon : float
        Privacy loss of the query [-], > 0.
    query : str
        What was asked, in words (field, statistic, group).
    """

    epsilon: float
    query: str


@dataclass(frozen=True)
class PrivacyLedger:
    """A tenant's privacy budget and what it has been spent on (a pure, immutable value).

    Spending returns a new ledger; the store persists it through :meth:`to_dict` and
    :meth:`from_dict`. Losses add up (basic sequential composition of pure differential
    privacy, Dwork et al. 2006).

    Attributes
    ----------
    tenant_id : str
        Who spends the budget.
    epsilon_total : float
        The budget [-], > 0 (no default: choosing it is a policy decision of the consortium).
    entries : tuple of LedgerEntry
        Charges so far, oldest first.
    """

    tenant_id: str
    epsilon_total: float
    entries: tuple[LedgerEntry, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.tenant_id:
            raise UserInputError("a privacy ledger needs a tenant_id")
        if not (isinstance(self.epsilon_total, int | float)
                and not isinstance(self.epsilon_total, bool)
                and math.isfinite(self.epsilon_total) and self.epsilon_total > 0):
            raise UserInputError(f"epsilon_total = {self.epsilon_total!r} of tenant "
                                 f"{self.tenant_id!r} must be a finite number > 0")
        for entry in self.entries:
            if not (math.isfinite(entry.epsilon) and entry.epsilon > 0):
                raise UserInputError(f"ledger entry {entry.query!r} has epsilon "
                                     f"{entry.epsilon!r}, must be > 0")

    @property
    def epsilon_spent(self) -> float:
        """Epsilon spent so far [-]."""
        return math.fsum(entry.epsilon for entry in self.entries)

    @property
    def epsilon_remaining(self) -> float:
        """Epsilon left [-] (never below 0)."""
        return max(0.0, self.epsilon_total - self.epsilon_spent)

    def can_spend(self, epsilon: float) -> bool:
        """True when spending ``epsilon`` more stays within the budget."""
        return (self.epsilon_spent + epsilon
                <= self.epsilon_total * (1.0 + _BUDGET_RTOL))

    def check(self, epsilon: float, query: str) -> None:
        """Raise :class:`PrivacyBudgetExceededError` unless ``epsilon`` can be spent."""
        if not (math.isfinite(epsilon) and epsilon > 0):
            raise UserInputError(f"epsilon = {epsilon!r} for {query} must be a finite "
                                 "number > 0")
        if not self.can_spend(epsilon):
            raise PrivacyBudgetExceededError(
                f"privacy budget of tenant {self.tenant_id!r} exceeded: {query} needs "
                f"epsilon {epsilon:.6g}, {self.epsilon_remaining:.6g} of "
                f"{self.epsilon_total:.6g} is left; the query was not run")

    def charge(self, epsilon: float, query: str) -> PrivacyLedger:
        """The ledger after spending ``epsilon`` on ``query``.

        Raises
        ------
        PrivacyBudgetExceededError
            The budget would be overrun; nothing is charged.
        """
        self.check(epsilon, query)
        return PrivacyLedger(tenant_id=self.tenant_id, epsilon_total=self.epsilon_total,
                             entries=(*self.entries, LedgerEntry(float(epsilon), query)))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) for the store."""
        return {"tenant_id": self.tenant_id, "epsilon_total": self.epsilon_total,
                "entries": [{"epsilon": e.epsilon, "query": e.query} for e in self.entries]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PrivacyLedger:
        """The ledger of :meth:`to_dict`'s output.

        Raises
        ------
        rxtwin.errors.UserInputError
            A key is missing or unknown, or a value breaks its rule.
        """
        if not isinstance(data, Mapping) or set(data) != {"tenant_id", "epsilon_total",
                                                          "entries"}:
            raise UserInputError("a privacy ledger needs exactly the keys tenant_id, "
                                 f"epsilon_total, entries (got {sorted(data)!r})"
                                 if isinstance(data, Mapping) else
                                 f"a privacy ledger must be a mapping (got {data!r})")
        entries = []
        for i, entry in enumerate(data["entries"]):
            if not isinstance(entry, Mapping) or set(entry) != {"epsilon", "query"}:
                raise UserInputError(f"ledger entry {i} needs exactly the keys epsilon, query")
            entries.append(LedgerEntry(epsilon=float(entry["epsilon"]),
                                       query=str(entry["query"])))
        return cls(tenant_id=str(data["tenant_id"]), epsilon_total=data["epsilon_total"],
                   entries=tuple(entries))


@dataclass(frozen=True)
class DPMechanism:
    """An OpenDP measurement calibrated to a privacy loss.

    Attributes
    ----------
    measurement : opendp.mod.Measurement
        Takes a list of floats (one per submission) and returns the noisy answer (a float
        for ``sum``, an int for ``count``, a pair (sum, count) for ``mean``).
    statistic : str
        ``sum``, ``mean`` or ``count``.
    scales : tuple of float
        Laplace scale of each noisy component [field units for a sum, submissions for a
        count]: its noise has mean absolute deviation ``scale`` and standard deviation
        ``sqrt(2) * scale`` (a count gets the discrete Laplace of the same scale).
    epsilon : float
        Privacy loss for one organisation's worth of submissions [-], as OpenDP's privacy
        map states it (at most the epsilon asked for).
    """

    measurement: Any
    statistic: str
    scales: tuple[float, ...]
    epsilon: float


def _input_space() -> tuple[Any, Any]:
    return dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()


def dp_mechanism(statistic: DPStatistic, bounds: tuple[float, float], epsilon: float,
                 max_submissions_per_organisation: int) -> DPMechanism:
    """Build the Laplace mechanism of one statistic with OpenDP.

    Parameters
    ----------
    statistic : {"sum", "mean", "count"}
        ``sum``: clamp to ``bounds``, sum, Laplace noise. ``count``: count of submissions,
        discrete Laplace noise. ``mean``: a noisy sum and a noisy count, each with half of
        ``epsilon``; the mean is their ratio (post-processing).
    bounds : (float, float)
        Lower and upper bound of the figure per submission [field units], declared before
        looking at the data; values outside are clamped.
    epsilon : float
        Privacy loss to calibrate to [-], > 0.
    max_submissions_per_organisation : int
        Submissions one organisation may have in the queried group (the privacy unit).

    Returns
    -------
    DPMechanism

    Notes
    -----
    The scale is the smallest OpenDP accepts for the loss (``binary_search_param``): about
    ``m * max(|lower|, |upper|) / epsilon`` for a sum and ``m / epsilon`` for a count, with
    ``m`` the submissions per organisation; OpenDP adds a small margin for floating-point
    rounding of the sum.
    """
    if statistic not in DP_STATISTICS:
        raise UserInputError(f"statistic {statistic!r} must be one of {list(DP_STATISTICS)} "
                             "for a differentially private release")
    lower, upper = (float(b) for b in bounds)
    if not (math.isfinite(lower) and math.isfinite(upper) and lower < upper):
        raise UserInputError(f"bounds {bounds!r} must be two finite numbers, lower < upper")
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise UserInputError(f"epsilon = {epsilon!r} must be a finite number > 0")
    if isinstance(max_submissions_per_organisation, bool) or \
            not isinstance(max_submissions_per_organisation, int) or \
            max_submissions_per_organisation < 1:
        raise UserInputError(f"max_submissions_per_organisation = "
                             f"{max_submissions_per_organisation!r} must be an integer >= 1")
    dp.enable_features("contrib")
    d_in = max_submissions_per_organisation
    space = _input_space()

    def make_sum(scale: float) -> Any:
        return space >> dp.t.then_clamp((lower, upper)) >> dp.t.then_sum() \
            >> dp.m.then_laplace(scale)

    def make_count(scale: float) -> Any:
        return space >> dp.t.then_count() >> dp.m.then_laplace(scale)

    try:
        if statistic == "sum":
            scale = dp.binary_search_param(make_sum, d_in=d_in, d_out=epsilon)
            measurement, scales = make_sum(scale), (scale,)
        elif statistic == "count":
            scale = dp.binary_search_param(make_count, d_in=d_in, d_out=epsilon)
            measurement, scales = make_count(scale), (scale,)
        else:
            sum_scale = dp.binary_search_param(make_sum, d_in=d_in, d_out=epsilon / 2)
            count_scale = dp.binary_search_param(make_count, d_in=d_in, d_out=epsilon / 2)
            measurement = dp.c.make_composition([make_sum(sum_scale),
                                                 make_count(count_scale)])
            scales = (sum_scale, count_scale)
    except dp.OpenDPException:
        raise UserInputError(
            f"no Laplace scale can be calibrated for the {statistic} with bounds "
            f"({lower:g}, {upper:g}) and epsilon {epsilon:g} (the noise would exceed what "
            "a floating-point number holds): declare narrower bounds or spend a larger "
            "epsilon per group") from None
    return DPMechanism(measurement=measurement, statistic=statistic, scales=tuple(scales),
                       epsilon=float(measurement.map(d_in)))


@functools.lru_cache(maxsize=256)
def _cached_mechanism(statistic: str, bounds: tuple[float, float], epsilon: float,
                      max_submissions_per_organisation: int) -> DPMechanism:
    """:func:`dp_mechanism`, built once per setting (the calibration searches the scale)."""
    return dp_mechanism(statistic, bounds, epsilon, max_submissions_per_organisation)


@dataclass(frozen=True)
class DPRelease:
    """One differentially private answer.

    Attributes
    ----------
    field, statistic : str
        What was asked.
    group : dict of str to str
        The group's values of its columns (empty: the whole pool).
    value : float
        The noisy answer [field units; submissions for a count]. A mean is the noisy sum
        over the noisy count (count floored at 1), clamped to the bounds.
    epsilon : float
        Privacy loss charged [-].
    scales : tuple of float
        Laplace scale of each noisy component (see :class:`DPMechanism`).
    bounds : (float, float)
        The declared bounds of the figure.
    mechanism : str
        The mechanism, in words.
    """

    field: str
    statistic: str
    group: dict[str, str]
    value: float
    epsilon: float
    scales: tuple[float, ...]
    bounds: tuple[float, float]
    mechanism: str


def _query_text(field: str, statistic: str, group: Mapping[str, str]) -> str:
    where = ", ".join(f"{k}={v}" for k, v in sorted(group.items())) or "whole pool"
    return f"{statistic} of {field} over {where}"


def dp_release(frame: pd.DataFrame, field: str, statistic: DPStatistic,
               group: Mapping[str, str], bounds: Mapping[str, tuple[float, float]],
               epsilon: float, ledger: PrivacyLedger,
               max_submissions_per_organisation: int = 1) -> tuple[DPRelease, PrivacyLedger]:
    """Answer one query with differential privacy and charge the tenant's ledger.

    Parameters
    ----------
    frame : pandas.DataFrame
        The pool (:func:`rxtwin.consortium.submissions.submissions_frame`).
    field : str
        The figure, a path of :func:`~rxtwin.model.consortium.pooled_fields`.
    statistic : {"sum", "mean", "count"}
        The statistic.
    group : mapping of str to str
        Columns and values selecting the group (e.g. ``{"dosage_form": "oral_solid"}``).
    bounds : mapping of str to (float, float)
        Declared bounds per field [field units]; ``field`` must be declared.
    epsilon : float
        Privacy loss to spend [-].
    ledger : PrivacyLedger
        The asking tenant's ledger.
    max_submissions_per_organisation : int
        The privacy unit: at most this many submissions per organisation enter the group
        (default 1: one line per organisation and group; assumption, raise it for
        organisations that submit several lines, at the price of more noise).

    Returns
    -------
    (DPRelease, PrivacyLedger)
        The answer and the ledger after the charge.

    Raises
    ------
    PrivacyBudgetExceededError
        The query would overrun the budget; it is not run and nothing is charged.
    rxtwin.errors.UserInputError
        Unknown field or group column, undeclared bounds, bad epsilon.
    """
    if field not in pooled_fields() or field not in frame.columns:
        raise UserInputError(f"field {field!r} is not a pooled figure; known fields are "
                             f"{sorted(pooled_fields())}")
    if field not in bounds:
        raise UserInputError(f"no bounds declared for field {field!r}: declare them before "
                             "any query (they must not be read off the data)")
    for column in group:
        if column not in ("dosage_form", "region", "unit_kind", "period_yr"):
            raise UserInputError(f"group column {column!r} must be one of dosage_form, "
                                 "region, unit_kind, period_yr")
    query = _query_text(field, statistic, group)
    ledger.check(epsilon, query)  # refuse before touching the data
    lower, upper = (float(b) for b in bounds[field])
    mechanism = _cached_mechanism(statistic, (lower, upper), float(epsilon),
                                  max_submissions_per_organisation)
    ledger.check(mechanism.epsilon, query)
    rows = frame[frame[field].notna()]
    for column, value in group.items():
        rows = rows[rows[column].astype(str) == str(value)]
    rows = rows.sort_values("key")
    rows = rows[rows.groupby("organisation_id").cumcount() < max_submissions_per_organisation]
    data = [float(v) for v in rows[field].to_numpy(dtype=float)]
    answer = mechanism.measurement(data)
    if statistic == "mean":
        noisy_sum, noisy_count = answer
        value = float(np.clip(noisy_sum / max(int(noisy_count), 1), lower, upper))
    else:
        value = float(answer)
    release = DPRelease(field=field, statistic=statistic, group={k: str(v) for k, v in
                                                                 group.items()},
                        value=value, epsilon=mechanism.epsilon, scales=mechanism.scales,
                        bounds=(lower, upper),
                        mechanism="Laplace (OpenDP)" if statistic == "sum" else
                        "discrete Laplace (OpenDP)" if statistic == "count" else
                        "Laplace sum and discrete Laplace count, half the epsilon each "
                        "(OpenDP)")
    return release, ledger.charge(mechanism.epsilon, query)
