"""Platform library: fitted RTD parameter sets per equipment configuration, with provenance.

The platform approach of the workshop report (Wosińska et al. 2023): characterise the line once per equipment
configuration (blender, impeller speed, throughput), store the fitted RTD with where it came
from, and reuse it for a new product instead of starting from nothing. The library is a
plain value: it serialises to and from JSON-compatible dicts (the run store persists them).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from rxtwin.errors import UnknownIdError, UserInputError
from rxtwin.model.base import Real, RxModel, WholeNumber
from rxtwin.model.twin import RtdModelName
from rxtwin.twin.rtd import RtdModel
from rxtwin.twin.rtd_fit import RTD_FAMILIES, RtdFitResult

SCHEMA_VERSION = 1


class EquipmentConfiguration(RxModel):
    """What a fitted RTD is valid for."""

    equipment_id: str = Field(min_length=1, description="blender / line identifier")
    impeller_speed_rpm: Real = Field(gt=0, description="blender impeller speed [rpm]")
    throughput_kg_per_h: Real = Field(gt=0, description="total mass flow [kg/h]")

    @property
    def key(self) -> str:
        """Stable text key of the configuration."""
        return (f"{self.equipment_id}|{self.impeller_speed_rpm:g}rpm|"
                f"{self.throughput_kg_per_h:g}kg_per_h")


class FittedRtd(RxModel):
    """A fitted RTD model with its intervals and goodness of fit."""

    model_name: RtdModelName
    mean_residence_time_s: Real = Field(gt=0, description="mean residence time [s]")
    shape: Real = Field(gt=0, description="n_tanks or Peclet number [-]")
    mean_residence_time_ci95_s: tuple[Real, Real]
    shape_ci95: tuple[Real, Real]
    r_squared: Real
    rmse: Real = Field(ge=0, description="residual standard error [signal unit]")
    aicc: Real
    n_points: WholeNumber = Field(gt=0)
    tracer_kind: str = Field(pattern="^(pulse|step)$")

    def rtd(self) -> RtdModel:
        """The RTD model object."""
        return RTD_FAMILIES[self.model_name].build(self.mean_residence_time_s, self.shape)


class Provenance(RxModel):
    """Where a parameter set came from."""

    source_data_sha256: str = Field(pattern="^[0-9a-f]{64}$", description="hash of tracer data")
    product_id: str = Field(min_length=1, description="product used in the tracer study")
    fitted_at: str = Field(min_length=1, description="ISO-8601 time of the fit")
    code_version: str = Field(min_length=1, description="rxtwin version that fitted it")
    method: str = Field(min_length=1, description="fitting method, e.g. 'least squares, AICc'")
    notes: str = ""


class PlatformEntry(RxModel):
    """One configuration, its fitted RTD and the provenance."""

    configuration: EquipmentConfiguration
    fit: FittedRtd
    provenance: Provenance


class PlatformLibrary(RxModel):
    """Immutable collection of platform entries, at most one per configuration key."""

    schema_version: WholeNumber = SCHEMA_VERSION
    entries: tuple[PlatformEntry, ...] = ()

    @model_validator(mode="after")
    def _unique_keys(self) -> PlatformLibrary:
        keys = [e.configuration.key for e in self.entries]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"platform library has duplicate configurations: {dupes}")
        return self

    def with_entry(self, entry: PlatformEntry) -> PlatformLibrary:
        """New library with ``entry`` added (replacing one with the same configuration)."""
        kept = tuple(e for e in self.entries if e.configuration.key != entry.configuration.key)
        return PlatformLibrary(schema_version=self.schema_version, entries=(*kept, entry))

    def lookup(self, configuration: EquipmentConfiguration) -> PlatformEntry:
        """Entry for exactly this configuration; KeyError naming it if absent."""
        for e in self.entries:
            if e.configuration.key == configuration.key:
                return e
        raise UnknownIdError(f"no platform entry for configuration '{configuration.key}'")

    def nearest(self, configuration: EquipmentConfiguration) -> PlatformEntry:
        """Entry on the same equipment closest in operating point (reuse for a new product).

        Notes
        -----
        Distance :math:`\\sqrt{(\\ln(s/s_i))^2 + (\\ln(q/q_i))^2}` over impeller speed s and
        throughput q (relative differences, so rpm and kg/h weigh alike).
        """
        same = [e for e in self.entries
                if e.configuration.equipment_id == configuration.equipment_id]
        if not same:
            raise UnknownIdError(f"no platform entry for equipment '{configuration.equipment_id}'")

        def distance(e: PlatformEntry) -> float:
            c = e.configuration
            return float(np.hypot(np.log(configuration.impeller_speed_rpm / c.impeller_speed_rpm),
                                  np.log(configuration.throughput_kg_per_h
                                         / c.throughput_kg_per_h)))

        return min(same, key=distance)

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dict (round-trips through :meth:`from_json_dict`)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> PlatformLibrary:
        """Validate a dict made by :meth:`to_json_dict` (or read from JSON)."""
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise UserInputError(
                f"platform library schema_version={version!r}: this rxtwin reads "
                f"{SCHEMA_VERSION}"
            )
        return cls.model_validate(data)


def data_sha256(time_s: Any, signal: Any) -> str:
    """SHA-256 of tracer data (float64 bytes of time then signal), for provenance."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(np.asarray(time_s, dtype=np.float64)).tobytes())
    h.update(np.ascontiguousarray(np.asarray(signal, dtype=np.float64)).tobytes())
    return h.hexdigest()


def platform_entry_from_fit(
    fit: RtdFitResult,
    configuration: EquipmentConfiguration,
    product_id: str,
    fitted_at: str,
    code_version: str,
    notes: str = "",
) -> PlatformEntry:
    """Platform entry from an :class:`~rxtwin.twin.rtd_fit.RtdFitResult` and its context."""
    return PlatformEntry(
        configuration=configuration,
        fit=FittedRtd(
            model_name=fit.model_name,
            mean_residence_time_s=fit.estimates[0],
            shape=fit.estimates[1],
            mean_residence_time_ci95_s=(fit.ci95_low[0], fit.ci95_high[0]),
            shape_ci95=(fit.ci95_low[1], fit.ci95_high[1]),
            r_squared=fit.r_squared,
            rmse=fit.rmse,
            aicc=fit.aicc,
            n_points=fit.n_points,
            tracer_kind=fit.kind,
        ),
        provenance=Provenance(
            source_data_sha256=data_sha256(fit.time_s, fit.signal),
            product_id=product_id,
            fitted_at=fitted_at,
            code_version=code_version,
            method="nonlinear least squares on log-parameters; 95% t-intervals; AICc",
            notes=notes,
        ),
    )
