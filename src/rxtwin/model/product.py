"""Products (finished dosage forms) and materials."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from rxtwin.model.base import (
    BoundedNonNegative,
    BoundedPositive,
    Fraction,
    Identifier,
    Real,
    RxModel,
    WholeNumber,
)


class DosageForm(StrEnum):
    oral_solid = "oral_solid"
    sterile_injectable = "sterile_injectable"
    other = "other"


class MaterialKind(StrEnum):
    ksm = "ksm"
    api = "api"
    excipient = "excipient"
    component = "component"


class Material(RxModel):
    """An input: key starting material, API, excipient or component (vial, stopper, bag)."""

    id: Identifier
    name: str = Field(min_length=1)
    kind: MaterialKind
    shelf_life_days: BoundedPositive = Field(description="storage life before expiry")
    cost_usd_per_kg: BoundedNonNegative | None = None
    critical: bool = Field(False, description="a critical component with few suppliers")


class PriorityFacts(RxModel):
    """What a prioritisation needs to know of a medicine beyond its modelled supply chain.

    Read by :mod:`rxtwin.priority` (docs/priority.md, "Criteria and weights"). The supply
    chain (makers, API sources, countries) comes from the scenario's network; these are the
    clinical classes and the market's recent history, which no network holds.
    """

    on_essential_list: bool = Field(
        False, description="on the essential-medicines list the study uses (WHO EML by default)"
    )
    narrow_therapeutic_index: bool = Field(
        False, description="small differences in dose or blood level can cause serious harm"
    )
    antibacterial: bool = Field(False, description="an antibacterial (ATC J01 and kin)")
    medical_countermeasure: bool = Field(
        False, description="a medical countermeasure (antidote, agent against a threat)"
    )
    market_makers: WholeNumber | None = Field(
        None, ge=1, le=1000,
        description="finished-dose makers selling it in the market [-]; None: the number of "
                    "finished-dose sites in the scenario's network",
    )
    price_erosion_share_per_yr: Fraction = Field(
        0.0, description="yearly fall of the net price as a share of the price [1/yr]"
    )
    past_shortage_episodes: WholeNumber = Field(
        0, ge=0, le=1000, description="national shortage episodes in the last five years [-]"
    )
    quality_actions: WholeNumber = Field(
        0, ge=0, le=1000,
        description="official-action-indicated inspections, warning letters and import alerts "
                    "at its makers' sites in the last five years [-]",
    )


class Product(RxModel):
    """A finished dosage form sold to the market."""

    id: Identifier
    name: str = Field(min_length=1)
    dosage_form: DosageForm
    api_id: Identifier | None = Field(None, description="the API material it is made from")
    component_ids: list[Identifier] = Field(default_factory=list)
    atc_code: str | None = Field(None, pattern=r"^[A-Z][0-9]{2}[A-Z]{0,2}[0-9]{0,2}$")
    demand_units_per_yr: BoundedPositive
    demand_cv: Real = Field(0.0, ge=0.0, le=10.0, description="daily demand sd / mean")
    price_usd_per_unit: BoundedPositive
    material_cost_usd_per_unit: BoundedNonNegative = Field(
        description="API, excipients and components per good unit at 100 % yield"
    )
    shelf_life_days: BoundedPositive
    initial_inventory_days: BoundedNonNegative = Field(
        30.0, description="finished-goods stock at the start, in days of mean demand"
    )
    target_inventory_days: BoundedNonNegative = Field(
        30.0, description="days of supply the planner aims to hold (run-out policy trigger)"
    )
    criticality: Fraction = Field(
        0.5, description="clinical criticality in [0, 1] (1 = essential, no substitute)"
    )
    first_generic: bool = False
    continuous_amenable: bool = Field(
        True, description="whether the product's chemistry and formulation can be made on "
        "a continuous line; False keeps it off any technology whose operating_mode is "
        "continuous (assumption: amenable unless stated; Wosińska et al. 2023, Session 3: "
        "not every API and excipient is amenable to continuous techniques)"
    )
    # Patient harm of a shortage (rxtwin.econ.social); None: the dosage form's default in
    # rxtwin/data/shortage_costs.yaml (docs/econ.md, "Value to society").
    units_per_patient_day: BoundedPositive | None = Field(
        None, description="units one patient uses in a day of treatment (the dose); None: "
                          "the dosage form's default in shortage_costs.yaml"
    )
    therapeutic_alternative_share: Fraction | None = Field(
        None, description="share of patient-days without the product that an equally "
                          "effective alternative covers; None: the dosage form's default"
    )
    qaly_lost_per_affected_patient_day: BoundedNonNegative | None = Field(
        None, description="QALYs lost per patient-day without the product and without an "
                          "equally effective alternative; None: the dosage form's default"
    )
    priority: PriorityFacts | None = Field(
        None, description="clinical classes and market history for prioritisation; None: "
                          "not known (the criteria that need them are left out of the score)"
    )

    @model_serializer(mode="wrap")
    def _omit_unset_optional_fields(self, handler: SerializerFunctionWrapHandler) -> dict:
        """Leave the patient-harm and priority fields out while they are None, so a scenario that does
        not set them dumps (and hashes, ``canonical_hash``) as it did before they existed:
        stored scenarios and their runs keep their hashes."""
        data = handler(self)
        for name in _HARM_FIELDS:
            if name in data and getattr(self, name) is None:
                del data[name]
        if data.get("continuous_amenable") is True:  # the default, left out likewise
            del data["continuous_amenable"]
        return data


#: Optional fields of :class:`Product` left out of its dump while they are None.
_HARM_FIELDS = ("units_per_patient_day", "therapeutic_alternative_share",
                "qaly_lost_per_affected_patient_day", "priority")
