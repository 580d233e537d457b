"""Interventions: technologies and low-tech measures that change failure modes or stock."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from rxtwin.model.base import BoundedNonNegative, Identifier, RxModel


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
    rate_multiplier: float = Field(1.0, ge=0.0, le=100.0)
    duration_multiplier: float = Field(1.0, ge=0.0, le=100.0)


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
