"""A scenario's raw facts turned into priority criteria on [0, 1].

:func:`criteria_from_facts` maps the table of :func:`rxtwin.priority.facts.priority_facts`
to the criterion columns :func:`rxtwin.priority.scoring.priority_scores` ranks by, with the
scaling functions of :mod:`rxtwin.priority.scoring` and the scales of
``criteria_scales.yaml``. A fact that is not known (NaN) leaves its criterion not known for
that product: the score leaves it out and renormalises the group's weights.
docs/priority.md, "Criteria and weights".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rxtwin.data.criteria_scales import CriteriaScales
from rxtwin.priority.scoring import (
    few_api_sources,
    few_makers,
    patients_affected,
    price_erosion,
    quality_history,
    scaled_shortage_days,
    short_shelf_life,
    shortage_history,
)

__all__ = ["criteria_from_facts"]


def _where_known(values: pd.Series, scale) -> np.ndarray:
    """``scale`` applied to the known values, NaN elsewhere."""
    raw = values.to_numpy(dtype=float)
    out = np.full(raw.shape, np.nan)
    known = ~np.isnan(raw)
    if known.any():
        out[known] = scale(raw[known])
    return out


def criteria_from_facts(facts: pd.DataFrame, scales: CriteriaScales) -> pd.DataFrame:
    """Priority criteria from raw facts, one row per product.

    Parameters
    ----------
    facts : pandas.DataFrame
        :data:`rxtwin.priority.facts.FACT_COLUMNS`.
    scales : CriteriaScales
        ``criteria_scales.yaml`` (:func:`rxtwin.data.criteria_scales.load_criteria_scales`).

    Returns
    -------
    pandas.DataFrame
        ``product_id``, ``name`` and every criterion on [0, 1] (NaN: not known):

        * the four clinical flags as 0/1; ``sterile_injectable`` from the dosage form;
        * ``no_therapeutic_alternative = 1 - therapeutic_alternative_share``;
        * ``patients_affected`` log-scaled against the study's largest product
          (:func:`~rxtwin.priority.scoring.patients_affected`);
        * ``few_makers = 1 / n_makers``, ``few_api_sources = 1 / n_api_sources``;
        * ``supplier_concentration = hhi_supplier``, ``country_concentration = hhi_country``;
        * ``quality_history = min(1, actions / saturation)``;
        * ``price_erosion = 1 - (1 - e)^T``, the fall of the price over the window
          :math:`T` at a yearly erosion :math:`e`;
        * ``short_shelf_life = max(0, 1 - L / L_long)``;
        * ``shortage_history = min(1, episodes / saturation)``;
        * ``simulated_shortage_days`` against the study's largest (all 0 when no product
          is ever short).

    Notes
    -----
    The two criteria scaled against the study's largest value (patients, simulated
    shortage-days) rank products within one study; scores of different studies are not
    comparable on them.
    """
    out = pd.DataFrame({"product_id": facts["product_id"], "name": facts["name"]})
    for flag in ("on_essential_list", "narrow_therapeutic_index", "antibacterial",
                 "medical_countermeasure"):
        out[flag] = facts[flag].to_numpy(dtype=float)
    out["sterile_injectable"] = (facts["dosage_form"] == "sterile_injectable").astype(float)
    out["no_therapeutic_alternative"] = 1.0 - facts["therapeutic_alternative_share"]
    patients = facts["patients_per_day"].to_numpy(dtype=float)
    reference = float(np.nanmax(patients)) if np.any(patients > 0) else 1.0
    out["patients_affected"] = _where_known(facts["patients_per_day"],
                                            lambda v: patients_affected(v, reference))
    out["few_makers"] = _where_known(facts["n_makers"], few_makers)
    out["few_api_sources"] = _where_known(facts["n_api_sources"], few_api_sources)
    out["supplier_concentration"] = facts["hhi_supplier"].to_numpy(dtype=float)
    out["country_concentration"] = facts["hhi_country"].to_numpy(dtype=float)
    out["quality_history"] = _where_known(
        facts["quality_actions"],
        lambda v: quality_history(v, scales.quality_history_saturation_actions))
    window = scales.price_erosion_window_yr
    out["price_erosion"] = _where_known(
        facts["price_erosion_share_per_yr"],
        lambda e: price_erosion((1.0 - e) ** window, 1.0))
    out["short_shelf_life"] = _where_known(
        facts["shelf_life_days"], lambda v: short_shelf_life(v, scales.long_shelf_life_days))
    out["shortage_history"] = _where_known(
        facts["past_shortage_episodes"],
        lambda v: shortage_history(v, scales.shortage_history_saturation_episodes))
    days = facts["simulated_shortage_days_per_yr"].to_numpy(dtype=float)
    largest = float(np.nanmax(days)) if np.any(days > 0) else 0.0
    out["simulated_shortage_days"] = _where_known(
        facts["simulated_shortage_days_per_yr"],
        (lambda v: scaled_shortage_days(v, largest)) if largest > 0 else np.zeros_like)
    return out
