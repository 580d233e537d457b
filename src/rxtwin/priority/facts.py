"""The raw facts behind a medicine's priority criteria, read from a scenario.

:func:`priority_facts` gathers, one row per product, what the criteria of
:mod:`rxtwin.priority.scoring` are computed from: the product's clinical classes and market
history (:class:`rxtwin.model.PriorityFacts`), its dosage form, patients and therapeutic
alternatives (with the dosage form's defaults of ``shortage_costs.yaml``), its supply
chain's makers, API sources and concentration (:func:`rxtwin.supply.exposure.concentration`
on the scenario's network) and, when given, its simulated shortage-days. No criterion is
scaled here; docs/priority.md, "Criteria and weights".
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from rxtwin.model.scenario import Scenario
from rxtwin.model.shortage_cost import ShortageCostParameters
from rxtwin.model.units import DAYS_PER_JULIAN_YEAR
from rxtwin.supply.exposure import concentration

__all__ = ["FACT_COLUMNS", "priority_facts"]

#: Columns of :func:`priority_facts` (units in the names; NaN = not known).
FACT_COLUMNS = (
    "product_id", "name", "dosage_form", "on_essential_list", "narrow_therapeutic_index",
    "antibacterial", "medical_countermeasure", "patients_per_day",
    "therapeutic_alternative_share", "n_makers", "n_api_sources", "hhi_supplier",
    "hhi_country", "quality_actions", "price_erosion_share_per_yr", "shelf_life_days",
    "past_shortage_episodes", "simulated_shortage_days_per_yr")


def priority_facts(scenario: Scenario, graph: nx.DiGraph,
                   shortage_costs: ShortageCostParameters,
                   simulated_shortage_days_per_yr: dict[str, float] | None = None,
                   ) -> pd.DataFrame:
    """One row per product of ``scenario`` with the facts its criteria need.

    Parameters
    ----------
    scenario : Scenario
    graph : networkx.DiGraph
        The scenario's supply network (:func:`rxtwin.supply.network.build_network`).
    shortage_costs : ShortageCostParameters
        For the dosage forms' default dose and alternative share.
    simulated_shortage_days_per_yr : dict of str to float, optional
        Product id -> expected shortage-days a year from the network simulator [d/yr];
        NaN (not known) when not given.

    Returns
    -------
    pandas.DataFrame
        :data:`FACT_COLUMNS`. The clinical flags, ``quality_actions``,
        ``price_erosion_share_per_yr`` and ``past_shortage_episodes`` are NaN for a product
        without priority facts. ``patients_per_day`` [patients] =
        ``demand_units_per_yr / (365.25 units_per_patient_day)``. ``n_makers`` is the
        facts' ``market_makers`` when set, else the number of distinct owners of the
        finished-dose sites; ``n_api_sources`` the number of API sites (NaN without an
        API); ``hhi_supplier`` the largest owner HHI over the product and its inputs (the
        most concentrated link) and ``hhi_country`` the API's country HHI (else the
        product's) [-].
    """
    table = concentration(graph)
    by_product = {pid: rows for pid, rows in table.groupby("product_id", sort=False)}
    simulated = simulated_shortage_days_per_yr or {}
    records = []
    for product in scenario.products:
        harm = shortage_costs.harm_for(product)
        links = by_product.get(product.id)
        fdf = links[links["tier"] == "fdf"] if links is not None else None
        api = links[links["tier"] == "api"] if links is not None else None
        facts = product.priority
        makers = (facts.market_makers if facts is not None and facts.market_makers is not None
                  else float(fdf["n_suppliers"].max()) if fdf is not None and len(fdf)
                  else np.nan)
        known = facts is not None
        records.append({
            "product_id": product.id, "name": product.name,
            "dosage_form": product.dosage_form.value,
            "on_essential_list": float(facts.on_essential_list) if known else np.nan,
            "narrow_therapeutic_index": float(facts.narrow_therapeutic_index) if known
            else np.nan,
            "antibacterial": float(facts.antibacterial) if known else np.nan,
            "medical_countermeasure": float(facts.medical_countermeasure) if known
            else np.nan,
            "patients_per_day": product.demand_units_per_yr
            / (DAYS_PER_JULIAN_YEAR * harm.units_per_patient_day.value),
            "therapeutic_alternative_share": harm.therapeutic_alternative_share.value,
            "n_makers": float(makers),
            "n_api_sources": float(api["n_sites"].max()) if api is not None and len(api)
            else np.nan,
            "hhi_supplier": float(links["hhi_supplier"].max()) if links is not None
            else np.nan,
            "hhi_country": float(api["hhi_country"].max()) if api is not None and len(api)
            else float(links["hhi_country"].max()) if links is not None else np.nan,
            "quality_actions": float(facts.quality_actions) if known else np.nan,
            "price_erosion_share_per_yr": facts.price_erosion_share_per_yr if known
            else np.nan,
            "shelf_life_days": product.shelf_life_days,
            "past_shortage_episodes": float(facts.past_shortage_episodes) if known
            else np.nan,
            "simulated_shortage_days_per_yr": float(simulated.get(product.id, np.nan)),
        })
    return pd.DataFrame(records, columns=list(FACT_COLUMNS))
