"""Manufacturing technologies and their parameters."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from rxtwin.model.base import (
    BoundedNonNegative,
    BoundedPositive,
    Fraction,
    Identifier,
    Real,
    RxModel,
)
from rxtwin.model.distributions import DurationDistribution


class TechnologyKind(StrEnum):
    """The manufacturing technologies the workshop compared (Wosińska et al. 2023, Session 2)."""

    batch = "batch"
    advanced_batch = "advanced_batch"
    continuous = "continuous"
    modular = "modular"
    hybrid = "hybrid"


class Technology(RxModel):
    """One way of running a line: equipment, operating mode, losses, costs and lead times."""

    id: Identifier
    kind: TechnologyKind
    description: str = ""
    operating_mode: Literal["batch", "continuous"] = Field(
        description="batch: discrete batches of batch_size_units every batch_cycle_h; "
        "continuous: a steady rate while running"
    )
    capex_usd: BoundedNonNegative = Field(description="equipment, installation and validation")
    install_time_months: BoundedNonNegative = Field(description="from decision to first GMP batch")
    ramp_up_months: BoundedNonNegative = Field(
        0.0, description="after installation, months to reach full throughput (linear ramp)"
    )
    throughput_units_per_h: BoundedPositive = Field(description="ideal rate while running")
    batch_size_units: BoundedPositive = Field(
        description="units per batch (batch mode) or per release lot (continuous mode)"
    )
    speed_fraction: Real = Field(
        1.0, gt=0.0, le=1.0,
        description="actual / ideal rate while running (minor stops, reduced speed): the OEE "
        "performance factor when nothing fails",
    )
    changeover_h: DurationDistribution = Field(
        description="time from the end of one product's campaign to the start of the next "
        "(cleaning for batch, module swap for modular, flush and set-up for continuous)"
    )
    startup_loss_h: BoundedNonNegative = Field(
        0.0, description="run time at a campaign's start whose output is scrapped"
    )
    shutdown_loss_h: BoundedNonNegative = Field(
        0.0, description="run time at a campaign's end whose output is scrapped"
    )
    qc_release_h: BoundedNonNegative = Field(
        description="QC release lead time from end of manufacture to sellable stock"
    )
    process_yield_fraction: Fraction = Field(
        1.0, description="good output / ideal output when nothing fails (materials ÷ yield)"
    )
    labour_fte: BoundedNonNegative = Field(description="full-time equivalents to run the line")
    energy_kwh_per_1000_units: BoundedNonNegative
    qc_cost_usd_per_lot: BoundedNonNegative = Field(
        0.0, description="testing cost per released lot (batch or continuous lot)"
    )
    cleaning_cost_usd_per_changeover: BoundedNonNegative = 0.0
    maintenance_usd_per_yr: BoundedNonNegative = 0.0
    development_months: DurationDistribution = Field(
        description="product development time for a new product on this technology"
    )
    filing_cost_usd_per_product: BoundedNonNegative = Field(
        description="regulatory cost to move one product onto this technology (prior-approval "
        "supplement); FDA approves product by product, not by platform"
    )
    training_usd: BoundedNonNegative = 0.0
    useful_life_yr: Real = Field(10.0, gt=0, le=50)

    @property
    def batch_cycle_h(self) -> float:
        """Hours to make one batch (or continuous release lot) at the ideal rate."""
        return self.batch_size_units / self.throughput_units_per_h


class NewLineCosts(RxModel):
    """What one technology costs when it is built as a new line (a greenfield appraisal).

    A technology's own ``capex_usd``, ``install_time_months``, ``ramp_up_months``,
    ``training_usd`` and ``filing_cost_usd_per_product`` describe moving an existing line
    onto it (the retrofit of :func:`rxtwin.econ.technology.appraise_technology`); an
    incumbent's are zero because its line exists. A scenario's ``new_lines`` gives these
    figures for a technology whose new line costs something else (a new batch train, sensors
    on a new train); :func:`rxtwin.econ.greenfield.new_line_arm` uses the technology's own
    figures for a technology it does not list.
    """

    capex_usd: BoundedNonNegative = Field(
        description="equipment, installation and validation of the whole new line [USD]")
    install_time_months: BoundedNonNegative = Field(
        description="from decision to first GMP batch of the new line [month]")
    ramp_up_months: BoundedNonNegative = Field(
        description="after installation, months to reach full throughput (linear ramp) "
        "[month]")
    training_usd: BoundedNonNegative = Field(
        description="staff training for the new line, expensed before operation [USD]")
    filing_cost_usd_per_product: BoundedNonNegative = Field(
        description="regulatory cost per product made on the new line [USD/product]")
