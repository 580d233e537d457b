"""Typed parameter objects of the process twin (validated at the door, frozen).

The defaults live in ``src/rxtwin/data/twin_defaults.yaml`` and are parsed into
:class:`TwinParameters` by :func:`rxtwin.data.twin_defaults.load_twin_defaults`; the twin
engines (:mod:`rxtwin.twin`) take these objects (or plain arguments) and never read the
file themselves.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rxtwin.model.base import Real, RxModel

RtdModelName = Literal["tanks_in_series", "axial_dispersion"]


class FeederParameters(RxModel):
    """One loss-in-weight (LIW) feeder."""

    name: str = Field(min_length=1, description="feeder / component name")
    is_api: bool = Field(description="True for the API feeder")
    setpoint_kg_per_h: Real = Field(gt=0, description="mass-flow set-point [kg/h]")
    noise_cv: Real = Field(ge=0, lt=1, description="short-term flow noise, SD/set-point [-]")
    noise_correlation_s: Real = Field(gt=0, description="AR(1) correlation time of the noise [s]")
    refill_interval_s: Real = Field(gt=0, description="time between hopper refills [s]")
    refill_duration_s: Real = Field(ge=0, description="duration of a refill (volumetric mode) [s]")
    refill_deviation_fraction: Real = Field(
        gt=-1, lt=1, description="relative flow error during a refill [-]"
    )
    drift_fraction_per_h: Real = Field(
        gt=-1, lt=1, description="linear drift of the delivered flow [1/h]"
    )
    ramp_time_constant_s: Real = Field(
        gt=0, description="first-order time constant of start-up and shut-down ramps [s]"
    )

    @model_validator(mode="after")
    def _refill_fits_interval(self) -> FeederParameters:
        if self.refill_duration_s >= self.refill_interval_s:
            raise ValueError(
                f"feeder '{self.name}': refill_duration_s={self.refill_duration_s} must be "
                f"shorter than refill_interval_s={self.refill_interval_s}"
            )
        return self


class BlenderParameters(RxModel):
    """Continuous blender described by its residence-time distribution."""

    rtd_model: RtdModelName = Field(description="RTD model used by the flowsheet")
    mean_residence_time_s: Real = Field(gt=0, description="mean residence time [s]")
    n_tanks: Real = Field(gt=0, description="tanks-in-series number [-]")
    peclet: Real = Field(gt=0, description="axial-dispersion Peclet number [-]")


class PressParameters(RxModel):
    """Rotary tablet press."""

    tablet_weight_mg: Real = Field(gt=0, description="target tablet weight [mg]")
    tablet_weight_cv: Real = Field(ge=0, lt=1, description="tablet-to-tablet weight CV [-]")
    min_flow_fraction: Real = Field(
        gt=0, le=1, description="lowest blend flow, as a share of nominal, the press runs at [-]"
    )
    startup_scrap_tablets: Real = Field(
        ge=0, description="tablets scrapped while the press settles at start-up [-]"
    )


class PatParameters(RxModel):
    """In-line NIR measurement of blend potency."""

    sampling_interval_s: Real = Field(gt=0, description="time between readings [s]")
    delay_s: Real = Field(ge=0, description="reading delay after the material passes [s]")
    noise_sd_pct: Real = Field(ge=0, description="reading noise SD [% label claim]")


class EstimatorParameters(RxModel):
    """Kalman filter (local-level model) on NIR readings."""

    process_sd_pct: Real = Field(
        gt=0, description="random-walk SD of true potency per reading [% label claim]"
    )
    initial_sd_pct: Real = Field(gt=0, description="prior SD of the initial state [% LC]")


class DiversionParameters(RxModel):
    """Diversion limits and safety margin."""

    lower_pct: Real = Field(gt=0, description="lower potency limit [% label claim]")
    upper_pct: Real = Field(gt=0, description="upper potency limit [% label claim]")
    pad_s: Real = Field(ge=0, description="margin added before and after each window [s]")

    @model_validator(mode="after")
    def _limits_ordered(self) -> DiversionParameters:
        if not self.lower_pct < 100.0 < self.upper_pct:
            raise ValueError(
                f"diversion limits lower_pct={self.lower_pct}, upper_pct={self.upper_pct}: "
                "must satisfy lower_pct < 100 < upper_pct"
            )
        return self


class DisturbanceParameters(RxModel):
    """Typical API-feeder disturbance used for expected losses."""

    magnitude_fraction: Real = Field(gt=-1, description="relative API flow change [-]")
    duration_s: Real = Field(gt=0, description="duration of the disturbance [s]")
    rate_per_h: Real = Field(ge=0, description="disturbances per operating hour [1/h]")


class SimulationParameters(RxModel):
    """Time grid of the flowsheet simulation."""

    step_s: Real = Field(gt=0, description="time step [s]")


class TwinParameters(RxModel):
    """Every parameter of the twin, grouped by unit."""

    feeders: tuple[FeederParameters, ...] = Field(min_length=1)
    blender: BlenderParameters
    press: PressParameters
    pat: PatParameters
    estimator: EstimatorParameters
    diversion: DiversionParameters
    disturbance: DisturbanceParameters
    simulation: SimulationParameters

    @model_validator(mode="after")
    def _one_api_feeder(self) -> TwinParameters:
        names = [f.name for f in self.feeders]
        if len(set(names)) != len(names):
            raise ValueError(f"feeder names must be unique, got {names}")
        n_api = sum(f.is_api for f in self.feeders)
        if n_api != 1:
            raise ValueError(f"exactly one feeder must have is_api=true, got {n_api}")
        return self

    @property
    def api_feeder(self) -> FeederParameters:
        """The API feeder."""
        return next(f for f in self.feeders if f.is_api)

    @property
    def throughput_kg_per_h(self) -> float:
        """Nominal line throughput, the sum of feeder set-points [kg/h]."""
        return float(sum(f.setpoint_kg_per_h for f in self.feeders))

    @property
    def target_api_fraction(self) -> float:
        """Nominal API mass fraction of the blend [-]."""
        return self.api_feeder.setpoint_kg_per_h / self.throughput_kg_per_h
