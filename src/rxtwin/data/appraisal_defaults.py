"""Loader of ``technology_appraisal.yaml``: defaults of the technology appraisal.

Returns plain values with their provenance (no engine types), read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from rxtwin.errors import UserInputError

__all__ = ["AppraisalDefaults", "load_appraisal_defaults"]


@dataclass(frozen=True)
class AppraisalDefaults:
    """Defaults of :func:`rxtwin.appraisal.appraise_technology` and their provenance.

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
    """Read ``rxtwin/data/technology_appraisal.yaml``; every entry must carry a
    ``source:`` or ``assumption:``."""
    text = resources.files("rxtwin.data").joinpath("technology_appraisal.yaml").read_text(
        encoding="utf-8")
    raw = yaml.safe_load(text)
    provenance = {}
    for key, entry in raw.items():
        kinds = [k for k in ("source", "assumption") if k in entry]
        if not kinds:
            raise UserInputError(f"technology_appraisal.yaml: '{key}' has neither 'source:' nor "
                                 "'assumption:'; every default needs one")
        provenance[key] = f"{kinds[0]}: {' '.join(str(entry[kinds[0]]).split())}"
    return AppraisalDefaults(
        depreciation_method=str(raw["depreciation_method"]["value"]),
        depreciation_life_yr=int(raw["depreciation_life_yr"]["value"]),
        salvage_value_fraction=float(raw["salvage_value_fraction"]["value"]),
        waste_disposal_usd_per_unit=float(raw["waste_disposal_usd_per_unit"]["value"]),
        provenance=provenance,
    )
