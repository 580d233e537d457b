"""Domain types of the priority score: criteria, their weights, and the medicine classes.

The score ranks products by criticality x vulnerability x risk (``docs/priority.md``,
"Criteria and weights"). Each criterion is a number on [0, 1] (1 = worse); it belongs to one
of three groups, fixed here. The weights and the classes are data with provenance
(``rxtwin/data/priority_weights.yaml`` and ``rxtwin/data/medicine_classes.yaml``), loaded by
:mod:`rxtwin.data.priority_weights` and :mod:`rxtwin.data.medicine_classes`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rxtwin.model.base import Real, RxModel

__all__ = [
    "CRITERIA_BY_GROUP",
    "CRITERION_GROUP",
    "GROUPS",
    "CriterionWeight",
    "MedicineClass",
    "MedicineClasses",
    "PriorityWeights",
]

#: The three groups of criteria, in the order of the score's factors.
GROUPS: tuple[str, ...] = ("criticality", "vulnerability", "risk")

#: The fixed criterion names of each group.
CRITERIA_BY_GROUP: dict[str, tuple[str, ...]] = {
    "criticality": ("on_essential_list", "no_therapeutic_alternative", "patients_affected",
                    "narrow_therapeutic_index", "sterile_injectable", "antibacterial",
                    "medical_countermeasure"),
    "vulnerability": ("few_makers", "few_api_sources", "supplier_concentration",
                      "country_concentration", "quality_history", "price_erosion",
                      "short_shelf_life", "shortage_history"),
    "risk": ("simulated_shortage_days",),
}

#: Group of each criterion.
CRITERION_GROUP: dict[str, str] = {criterion: group for group, names in CRITERIA_BY_GROUP.items()
                                   for criterion in names}

Group = Literal["criticality", "vulnerability", "risk"]


class CriterionWeight(RxModel):
    """The weight of one criterion inside its group.

    Attributes
    ----------
    criterion : str
        One of the names in :data:`CRITERIA_BY_GROUP`.
    group : str
        ``criticality``, ``vulnerability`` or ``risk``; must be the criterion's group.
    weight : float
        Relative weight inside the group [-], >= 0. Only ratios within a group matter: the
        sub-score is sum(w_i c_i) / sum(w_i) over the known criteria of the group.
    cite : str
        Short name of the weight's source, printed in explanations (e.g. "FDA 2019").
    provenance : str
        ``"source: ..."`` or ``"assumption: ..."``, the full text from the data file.
    """

    criterion: str
    group: Group
    weight: Real = Field(ge=0.0, le=1.0e6)
    cite: str = Field(min_length=1, max_length=80)
    provenance: str = Field(min_length=1)

    @model_validator(mode="after")
    def _known_and_in_its_group(self) -> CriterionWeight:
        if self.criterion not in CRITERION_GROUP:
            raise ValueError(f"criterion {self.criterion!r} is not one of "
                             f"{sorted(CRITERION_GROUP)}")
        if CRITERION_GROUP[self.criterion] != self.group:
            raise ValueError(f"criterion {self.criterion!r} belongs to group "
                             f"{CRITERION_GROUP[self.criterion]!r}, not {self.group!r}")
        return self


class PriorityWeights(RxModel):
    """Every criterion's weight, exactly once, with its provenance.

    Attributes
    ----------
    criteria : tuple of CriterionWeight
        One entry per criterion of :data:`CRITERIA_BY_GROUP`; each group has at least one
        positive weight.
    """

    criteria: tuple[CriterionWeight, ...]

    @model_validator(mode="after")
    def _complete(self) -> PriorityWeights:
        names = [entry.criterion for entry in self.criteria]
        repeated = sorted({name for name in names if names.count(name) > 1})
        missing = [name for name in CRITERION_GROUP if name not in names]
        if repeated or missing:
            raise ValueError(f"each criterion needs exactly one weight: repeated {repeated}, "
                             f"missing {missing}")
        for group in GROUPS:
            if not any(e.weight > 0 for e in self.criteria if e.group == group):
                raise ValueError(f"group {group!r} needs at least one positive weight")
        return self

    def entry(self, criterion: str) -> CriterionWeight:
        """The weight entry of one criterion."""
        return next(e for e in self.criteria if e.criterion == criterion)


class MedicineClass(RxModel):
    """A class of medicines recognised by ATC code prefix or by generic name.

    Attributes
    ----------
    atc_prefixes : tuple of str
        ATC codes or code prefixes (upper case, e.g. ``"J01"``); a medicine belongs to the
        class when one of its ATC codes starts with one of them.
    names : tuple of str
        Generic names as normalised keys (:func:`rxtwin.data.medicine_classes.
        medicine_name_key`); a medicine belongs to the class when every word of one of them
        is a word of its own key.
    atc_provenance, names_provenance : str
        ``"source: ..."`` or ``"assumption: ..."`` of each list.
    """

    atc_prefixes: tuple[str, ...]
    names: tuple[str, ...]
    atc_provenance: str = Field(min_length=1)
    names_provenance: str = Field(min_length=1)


class MedicineClasses(RxModel):
    """The three medicine classes of the criticality criteria, and name synonyms.

    Attributes
    ----------
    antibacterial, narrow_therapeutic_index, medical_countermeasure : MedicineClass
        One class per boolean criticality criterion of the same name.
    name_synonyms : dict of str to str
        International Nonproprietary Name (lower case) -> the U.S. name used by FDA, for
        matching WHO names against FDA data (e.g. ``"aciclovir" -> "acyclovir"``).
    name_synonyms_provenance : str
        Provenance of the synonym list.
    """

    antibacterial: MedicineClass
    narrow_therapeutic_index: MedicineClass
    medical_countermeasure: MedicineClass
    name_synonyms: dict[str, str]
    name_synonyms_provenance: str = Field(min_length=1)
