"""Domain types (pydantic v2): pure data and validation, the currency between layers."""

from rxtwin.model.base import RxModel
from rxtwin.model.distributions import (
    Distribution,
    DurationDistribution,
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)
from rxtwin.model.failure import (
    Escalation,
    EscalationKind,
    FailureCategory,
    FailureEffect,
    FailureMode,
)
from rxtwin.model.finance import FirmFinance, FirmProfile
from rxtwin.model.intervention import FailureModeChange, Intervention, InterventionKind
from rxtwin.model.performance import LinePerformance, PerformancesAt
from rxtwin.model.product import DosageForm, Material, MaterialKind, PriorityFacts, Product
from rxtwin.model.scenario import SCHEMA_VERSION, Scenario, canonical_hash, canonical_json
from rxtwin.model.shortage_cost import HarmParameters, RangedValue, ShortageCostParameters
from rxtwin.model.site import InspectionStatus, Line, Site
from rxtwin.model.supply import SupplyEdge
from rxtwin.model.technology import NewLineCosts, Technology, TechnologyKind
from rxtwin.model.uncertainty import UncertainParameter

__all__ = [
    "SCHEMA_VERSION", "DosageForm", "Distribution", "DurationDistribution", "Escalation",
    "EscalationKind", "Exponential",
    "FailureCategory", "FailureEffect", "FailureMode", "FailureModeChange", "FirmFinance",
    "FirmProfile", "Fixed", "Gamma", "HarmParameters", "InspectionStatus", "Intervention",
    "InterventionKind",
    "Line", "LinePerformance", "LogNormal", "Material", "MaterialKind", "NewLineCosts", "Normal",
    "PerformancesAt", "PriorityFacts", "Product", "RangedValue", "RxModel", "Scenario", "ShortageCostParameters",
    "Site", "SupplyEdge", "Technology",
    "TechnologyKind", "Triangular", "UncertainParameter", "Uniform", "canonical_hash",
    "canonical_json",
]
