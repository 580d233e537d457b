"""Failure modes: what goes wrong, how often, what it hits and what it costs.

The categories follow Wosińska et al. 2023, Session 1 ("Key failure modes in prescription
drug manufacturing"), plus demand-side and site-level events (demand shock, contract
loss or win, natural disaster, regulatory action) that the supply studies need.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from rxtwin.model.base import BoundedNonNegative, Fraction, Identifier, Real, RxModel
from rxtwin.model.distributions import DurationDistribution
from rxtwin.model.product import DosageForm
from rxtwin.model.technology import TechnologyKind


class FailureCategory(StrEnum):
    personnel_deviation = "personnel_deviation"
    changeover_contamination = "changeover_contamination"
    equipment = "equipment"
    environmental_control = "environmental_control"
    labelling_error = "labelling_error"
    substandard_input = "substandard_input"
    process_impurity = "process_impurity"
    qa_lapse = "qa_lapse"
    documentation_error = "documentation_error"
    site_infrastructure = "site_infrastructure"
    natural_disaster = "natural_disaster"
    regulatory_action = "regulatory_action"
    demand_shock = "demand_shock"
    contract_change = "contract_change"


class FailureEffect(StrEnum):
    """What a failure does. Per-event effects happen with ``probability_per_event``;
    time-based effects arrive at ``rate_per_yr`` (Poisson)."""

    reject_batch = "reject_batch"  # per batch: the batch is destroyed
    qa_hold = "qa_hold"  # per batch: release delayed by duration_h (deviation investigation)
    contamination_after_changeover = "contamination_after_changeover"  # per changeover
    input_reject = "input_reject"  # per batch: input lot fails, batch lost
    recall = "recall"  # per batch: released out-of-spec product recalled
    breakdown = "breakdown"  # time-based: line down for duration_h
    site_outage = "site_outage"  # time-based: whole site down for duration_h
    demand_change = "demand_change"  # time-based: demand x demand_multiplier for duration_h


PER_EVENT_EFFECTS = frozenset(
    {
        FailureEffect.reject_batch,
        FailureEffect.qa_hold,
        FailureEffect.contamination_after_changeover,
        FailureEffect.input_reject,
        FailureEffect.recall,
    }
)
EFFECTS_WITH_DURATION = frozenset(
    {FailureEffect.qa_hold, FailureEffect.breakdown, FailureEffect.site_outage,
     FailureEffect.demand_change}
)


class EscalationKind(StrEnum):
    """What a failure that escaped the line can become at the site (regulatory or market
    action that stops the site's supply for a while)."""

    recall = "recall"
    oai_inspection = "oai_inspection"
    warning_letter = "warning_letter"
    import_alert = "import_alert"
    consent_decree = "consent_decree"


class Escalation(RxModel):
    """How one occurrence of a failure mode that escaped detection on the line escalates at
    the site: with ``probability`` it becomes an event of ``kind`` that stops the site for
    a draw of ``duration_days``.

    The site-outage rate this implies is derived in the orchestration layer
    (:func:`rxtwin.runs.site_failures.site_outage_modes_from_lines`):
    rate [1/yr] = occurrences [1/yr] x (1 - detection probability) x ``probability``.
    Escalations of one mode are independent thinnings of the escaped occurrences (one
    escaped lot may cause both a recall and a warning letter).
    """

    kind: EscalationKind
    probability: Fraction = Field(
        description="chance that one occurrence that escaped detection on the line becomes "
        "this escalation [-]"
    )
    duration_days: DurationDistribution = Field(
        description="duration of the site outage the escalation causes [d]"
    )
    source: str = Field(
        min_length=1,
        description="provenance of the probability and duration, starting with 'source:' "
        "(a citation) or 'assumption:' (the reasoning)",
    )

    @field_validator("source")
    @classmethod
    def _provenance(cls, text: str) -> str:
        if not text.lower().startswith(("source:", "assumption:")):
            raise ValueError(
                f"escalation source = {text!r} must start with 'source:' or 'assumption:'"
            )
        return text


class FailureMode(RxModel):
    """A failure mode with its frequency, effect, duration and technology effect matrix."""

    id: Identifier
    name: str = Field(min_length=1)
    category: FailureCategory
    effect: FailureEffect
    probability_per_event: Fraction | None = Field(
        None, description="per batch (or per changeover) probability, for per-event effects"
    )
    rate_per_yr: BoundedNonNegative | None = Field(
        None, description="Poisson arrival rate per year, for time-based effects"
    )
    duration_h: DurationDistribution | None = Field(
        None, description="downtime, hold or shock duration"
    )
    loss_fraction: Fraction = Field(1.0, description="fraction of the batch lost")
    demand_multiplier: Real | None = Field(
        None, gt=0, le=100, description="demand factor during a demand_change"
    )
    rate_multiplier_by_technology: dict[TechnologyKind, Real] = Field(
        default_factory=dict,
        description="the effect matrix: technology kind -> multiplier on the probability or "
        "rate (1 = no change; missing = 1)",
    )
    dosage_forms: list[DosageForm] = Field(
        default_factory=lambda: list(DosageForm), description="dosage forms it applies to"
    )
    detection_probability: Fraction = Field(
        1.0,
        description="chance the line catches an occurrence before release [-]. Per-event "
        "effects happen on the line only for caught occurrences (probability x detection); "
        "the rest escape and may escalate at the site. The default 1 is the line model's "
        "assumption before escalations existed: every occurrence is caught and acts on the "
        "line, none escapes, so scenarios that do not set it keep their outputs",
    )
    detection_probability_by_technology: dict[TechnologyKind, Fraction] = Field(
        default_factory=dict,
        description="technology kind -> detection probability that replaces "
        "detection_probability on lines of that kind (PAT, real-time release); missing = "
        "detection_probability",
    )
    escalations: list[Escalation] = Field(
        default_factory=list,
        description="how an occurrence that escaped detection escalates at the site",
    )

    @model_validator(mode="after")
    def _consistent(self) -> FailureMode:
        per_event = self.effect in PER_EVENT_EFFECTS
        if per_event and self.probability_per_event is None:
            raise ValueError(
                f"effect '{self.effect.value}' happens per batch or changeover: "
                "give probability_per_event"
            )
        if per_event and self.rate_per_yr is not None:
            raise ValueError(
                f"effect '{self.effect.value}' is per event: give probability_per_event, "
                f"not rate_per_yr ({self.rate_per_yr})"
            )
        if not per_event and self.rate_per_yr is None:
            raise ValueError(f"effect '{self.effect.value}' is time-based: give rate_per_yr")
        if not per_event and self.probability_per_event is not None:
            raise ValueError(
                f"effect '{self.effect.value}' is time-based: give rate_per_yr, "
                f"not probability_per_event ({self.probability_per_event})"
            )
        if self.effect in EFFECTS_WITH_DURATION and self.duration_h is None:
            raise ValueError(f"effect '{self.effect.value}' needs duration_h")
        if self.effect == FailureEffect.demand_change and self.demand_multiplier is None:
            raise ValueError("effect 'demand_change' needs demand_multiplier")
        for kind, multiplier in self.rate_multiplier_by_technology.items():
            if not 0.0 <= multiplier <= 100.0:
                raise ValueError(
                    f"rate_multiplier_by_technology.{kind.value} = {multiplier} must be in "
                    "[0, 100]"
                )
            if per_event and self.probability_per_event * multiplier > 1.0:
                raise ValueError(
                    f"probability_per_event {self.probability_per_event} x multiplier "
                    f"{multiplier} for {kind.value} exceeds 1"
                )
        if self.escalations and self.effect == FailureEffect.demand_change:
            raise ValueError(
                "escalations: a demand_change is not a quality failure and cannot escalate "
                f"at the site (got {len(self.escalations)} escalation(s))"
            )
        kinds = [e.kind for e in self.escalations]
        for kind in set(kinds):
            if kinds.count(kind) > 1:
                raise ValueError(
                    f"escalations: kind '{kind.value}' is given {kinds.count(kind)} times; "
                    "each escalation kind may appear once per failure mode"
                )
        return self

    @model_serializer(mode="wrap")
    def _omit_unset_quality_fields(self, handler: SerializerFunctionWrapHandler) -> dict:
        """Leave detection and escalation fields out while they hold their defaults, so a
        scenario that does not use them dumps (and hashes, ``canonical_hash``) as it did
        before they existed: stored runs and their scenario hashes stay valid."""
        data = handler(self)
        for name, default in _QUALITY_DEFAULTS.items():
            if name in data and getattr(self, name) == default:
                del data[name]
        return data

    def detection_for(self, kind: TechnologyKind) -> float:
        """Detection probability of an occurrence on a line of technology ``kind`` [-]
        (``detection_probability_by_technology`` or else ``detection_probability``)."""
        return self.detection_probability_by_technology.get(kind, self.detection_probability)

    def multiplier_for(self, kind: TechnologyKind) -> float:
        """The effect-matrix multiplier for a technology kind (1 when not given)."""
        return self.rate_multiplier_by_technology.get(kind, 1.0)


#: Fields of :class:`FailureMode` left out of its dump while they hold these values.
_QUALITY_DEFAULTS = {"detection_probability": 1.0, "detection_probability_by_technology": {},
                     "escalations": []}
