"""Loader of ``technology_appraisal.yaml``: defaults of the technology appraisal.

Returns plain values with their provenance (no engine types), read once per process.
The file is read, parsed and its provenance checked by :mod:`rxtwin.data.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rxtwin.data.documents import bundled_data_file, read_data_file, sourced_values

__all__ = ["AppraisalDefaults", "load_appraisal_defaults"]


@dataclass(frozen=True)
class AppraisalDefaults:
    """Defaults of the technology appraisal and their provenance (the econ engine takes
    them as an :class:`rxtwin.econ.technology.AppraisalTerms`, which
    :func:`rxtwin.runs.econ.bundled_appraisal_terms` builds from these values).

    Attributes
    ----------
    depreciation_method : str
        ``macrs_gds_half_year`` (a :class:`rxtwin.econ.depreciation.DepreciationMethod`).
    depreciation_life_yr : int
        MACRS GDS recovery period of the line's equipment [yr].
    salvage_value_fraction : float
        Sale value at the horizon as a share of capex [-].
    waste_disposal_usd_per_unit : float
        Disposal cost of a wasted unit [USD/unit].
    provenance : dict of str to str
        ``source: ...`` or ``assumption: ...`` text of every value.
    """

    depreciation_method: str
    depreciation_life_yr: int
    salvage_value_fraction: float
    waste_disposal_usd_per_unit: float
    provenance: dict[str, str]


@lru_cache(maxsize=1)
def load_appraisal_defaults() -> AppraisalDefaults:
    """Read ``rxtwin/data/technology_appraisal.yaml``; every entry must carry exactly one
    ``source:`` or ``assumption:`` (:func:`rxtwin.data.documents.sourced_values`)."""
    path = bundled_data_file("technology_appraisal.yaml")
    values = sourced_values(read_data_file(path), str(path))
    return AppraisalDefaults(
        depreciation_method=str(values["depreciation_method"].value),
        depreciation_life_yr=int(values["depreciation_life_yr"].value),
        salvage_value_fraction=float(values["salvage_value_fraction"].value),
        waste_disposal_usd_per_unit=float(values["waste_disposal_usd_per_unit"].value),
        provenance={key: entry.provenance for key, entry in values.items()},
    )
