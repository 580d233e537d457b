"""Interventions: technologies and low-tech measures that change failure modes or stock.

Besides the schema, :func:`failure_mode_multipliers` holds what the line and the supply
adapters share: the ``failure_mode_changes`` of the chosen interventions combined per
failure mode (the adapters choose them by id with
:func:`rxtwin.model.scenario.interventions_by_id`). What else an intervention does (QC
release, extra stock, dual sourcing) and whether ``line_ids`` or ``product_ids`` restrict
it is up to each adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from rxtwin.model.base import BoundedNonNegative, Fraction, Identifier, Real, RxModel
from rxtwin.model.failure import FailureMode
from rxtwin.model.technology import TechnologyKind


class InterventionKind(StrEnum):
    electronic_batch_records = "electronic_batch_records"
    rapid_sterility_test = "rapid_sterility_test"
    pat_sensors = "pat_sensors"
    dual_sourcing = "dual_sourcing"
    api_reserve = "api_reserve"
    buffer_stock = "buffer_stock"
    long_term_contract = "long_term_contract"
    technology_change = "technology_change"
    workforce_training = "workforce_training"


class FailureModeChange(RxModel):
    """How an intervention changes one failure mode."""

    failure_mode_id: Identifier
    rate_multiplier: Real = Field(
        1.0, ge=0.0, le=100.0,
        description="multiplies the mode's rate or probability; the multipliers of all chosen "
        "interventions multiply",
    )
    duration_multiplier: Real = Field(
        1.0, ge=0.0, le=100.0,
        description="multiplies the mode's duration; the multipliers of all chosen "
        "interventions multiply",
    )
    detection_probability: Fraction | None = Field(
        None,
        description="detection probability of the mode's occurrences on the line while the "
        "intervention acts (electronic batch records for documentation errors...); the best "
        "of the technology's and every chosen intervention's applies, so it never lowers "
        "detection; None = no change",
    )

    @model_serializer(mode="wrap")
    def _omit_unset_detection(self, handler: SerializerFunctionWrapHandler) -> dict:
        """Leave ``detection_probability`` out while it is None, so scenarios that do not
        use it dump and hash as before it existed."""
        data = handler(self)
        if self.detection_probability is None:
            data.pop("detection_probability", None)
        return data


class Intervention(RxModel):
    """A measure a firm or a government can take, with its costs and effects."""

    id: Identifier
    name: str = Field(min_length=1)
    kind: InterventionKind
    capex_usd: BoundedNonNegative = 0.0
    opex_usd_per_yr: BoundedNonNegative = 0.0
    implementation_months: BoundedNonNegative = 0.0
    failure_mode_changes: list[FailureModeChange] = Field(default_factory=list)
    qc_release_h: BoundedNonNegative | None = Field(
        None, description="replaces the technology's QC release lead time when set"
    )
    extra_stock_days: BoundedNonNegative = Field(
        0.0, description="additional inventory held (buffer stock, API reserve), days of demand"
    )
    line_ids: list[Identifier] = Field(
        default_factory=list, description="lines it applies to (empty = all)"
    )
    product_ids: list[Identifier] = Field(
        default_factory=list, description="products it applies to (empty = all)"
    )

    def applies_to_line(self, line_id: str) -> bool:
        """Whether ``line_ids`` lets it act on line ``line_id`` (empty = every line)."""
        return not self.line_ids or line_id in self.line_ids

    def applies_to_product(self, product_id: str) -> bool:
        """Whether ``product_ids`` lets it act on ``product_id`` (empty = every product)."""
        return not self.product_ids or product_id in self.product_ids


@dataclass(frozen=True)
class FailureModeMultipliers:
    """The combined failure-mode changes of a set of interventions.

    Attributes
    ----------
    rate_multiplier : mapping of str to float
        Failure mode id -> product of the ``rate_multiplier`` of every change of that mode
        [-]; a mode no intervention changes is absent (multiplier 1).
    duration_multiplier : mapping of str to float
        Failure mode id -> product of the ``duration_multiplier`` of every change of that
        mode [-]; absent = 1.
    detection_probability : mapping of str to float
        Failure mode id -> largest ``detection_probability`` any change of that mode sets
        [-]; absent = no intervention sets one.
    """

    rate_multiplier: Mapping[str, float]
    duration_multiplier: Mapping[str, float]
    detection_probability: Mapping[str, float] = field(default_factory=dict)

    def rate(self, failure_mode_id: str) -> float:
        """Rate (or per-event probability) multiplier of ``failure_mode_id`` [-]."""
        return self.rate_multiplier.get(failure_mode_id, 1.0)

    def duration(self, failure_mode_id: str) -> float:
        """Duration multiplier of ``failure_mode_id`` [-]."""
        return self.duration_multiplier.get(failure_mode_id, 1.0)

    def detection(self, mode: FailureMode, kind: TechnologyKind) -> float:
        """Detection probability of ``mode`` on a line of technology ``kind`` [-].

        Notes
        -----
        :math:`d = \\max(d_{mode}(k), d_{int})`: the technology's value
        (:meth:`rxtwin.model.failure.FailureMode.detection_for`) or the best value an
        intervention sets, whichever is larger (a measure that catches more never makes
        the line catch less). Modelling assumption, not a cited result.
        """
        return max(mode.detection_for(kind), self.detection_probability.get(mode.id, 0.0))


def failure_mode_multipliers(interventions: Sequence[Intervention]) -> FailureModeMultipliers:
    """Combine the ``failure_mode_changes`` of ``interventions`` per failure mode.

    Parameters
    ----------
    interventions : sequence of Intervention
        The interventions that act (already filtered by the caller for lines or products).

    Returns
    -------
    FailureModeMultipliers

    Notes
    -----
    Changes act independently and multiply. For failure mode :math:`f`,

    .. math:: m^{rate}_f = \\prod_{i} \\prod_{c \\in C_i,\\, c_{mode} = f} c_{rate},
              \\qquad
              m^{dur}_f = \\prod_{i} \\prod_{c \\in C_i,\\, c_{mode} = f} c_{dur}

    over the interventions :math:`i` in the order given and their changes :math:`C_i`
    (the products are formed left to right from 1, so the result is the same to the bit
    whoever calls it). The adapters multiply the mode's rate or probability by
    :math:`m^{rate}_f` (as well as by the technology's effect-matrix multiplier) and its
    duration by :math:`m^{dur}_f`. A change's ``detection_probability`` is not a
    multiplier: the largest one set for :math:`f` is kept
    (:meth:`FailureModeMultipliers.detection`). Modelling assumption: effects of different
    interventions neither overlap nor interact.

    Examples
    --------
    >>> a = Intervention(id="a", name="A", kind="pat_sensors", failure_mode_changes=[
    ...     {"failure_mode_id": "jam", "rate_multiplier": 0.5, "duration_multiplier": 2.0}])
    >>> b = Intervention(id="b", name="B", kind="workforce_training", failure_mode_changes=[
    ...     {"failure_mode_id": "jam", "rate_multiplier": 0.5}])
    >>> m = failure_mode_multipliers([a, b])
    >>> m.rate("jam"), m.duration("jam"), m.rate("fire")
    (0.25, 2.0, 1.0)
    """
    rate: dict[str, float] = {}
    duration: dict[str, float] = {}
    detection: dict[str, float] = {}
    for intervention in interventions:
        for change in intervention.failure_mode_changes:
            mode_id = change.failure_mode_id
            rate[mode_id] = rate.get(mode_id, 1.0) * change.rate_multiplier
            duration[mode_id] = duration.get(mode_id, 1.0) * change.duration_multiplier
            if change.detection_probability is not None:
                detection[mode_id] = max(detection.get(mode_id, 0.0),
                                         change.detection_probability)
    return FailureModeMultipliers(rate, duration, detection)
