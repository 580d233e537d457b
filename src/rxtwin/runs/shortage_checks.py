"""What the failure-to-shortage model says beside what happened: three published figures.

Reported, not tuned (docs/supply_simulation.md, "Checks against what happened"):

(a) the pooled share of inspections that are OAI, modelled (:func:`rxtwin.runs.site_failures.
    oai_probability` for the incumbent and each technology, and the share the category
    default of a site without a line implies) against the bundled FDA inspection data;
(b) the share of simulated shortage episodes started by a manufacturing or quality outage
    (:data:`rxtwin.runs.resilience.MANUFACTURING_QUALITY_CATEGORIES`) against the FDA Drug
    Shortages Task Force's 62 % of 163 drugs (2013-2017);
(c) simulated shortage episodes per sterile-injectable product-year over those per
    oral-solid product-year against the bundled FDA shortage episodes of the two classes.

:func:`shortage_checks` computes the table; the validation test recomputes it against the
table printed in the docs, so the docs cannot go stale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.public_tables import oai_base_rate, shortage_episodes
from rxtwin.data.scenarios import load_scenario
from rxtwin.model.variants import with_line_technology
from rxtwin.runs.resilience import MANUFACTURING_QUALITY_CATEGORIES
from rxtwin.runs.site_failures import (
    escaped_defects_per_yr,
    oai_probability,
    supply_inputs_with_lines,
)
from rxtwin.stats.proportions import wilson_interval
from rxtwin.supply.disruption import simulate_disruptions

__all__ = ["FDA_ROOT_CAUSE_DRUGS", "FDA_ROOT_CAUSE_QUALITY_DRUGS", "shortage_checks"]

#: FDA Drug Shortages Task Force, "Drug Shortages: Root Causes and Potential Solutions"
#: (2019, updated 2020): of 163 drugs that went into shortage 2013-2017, 62 % (101) had a
#: supply disruption associated with manufacturing or product-quality problems.
FDA_ROOT_CAUSE_DRUGS = 163
FDA_ROOT_CAUSE_QUALITY_DRUGS = 101

_SCENARIOS = {"oral_solid": "generic_oral_solid", "sterile_injectable": "sterile_injectable"}


def _oai_rows() -> list[dict]:
    defaults = load_disruption_defaults()
    inspections = defaults.site_inspections
    fda = oai_base_rate()
    observed = {"observed": fda.rate, "observed_low": fda.lower, "observed_high": fda.upper,
                "observed_source": f"FDA inspections FY{fda.fiscal_years[0]}-"
                                   f"FY{fda.fiscal_years[-1]}: {fda.events_count:,} OAI of "
                                   f"{fda.trials_count:,} (Wilson 95 %)"}
    rows = []
    for name in _SCENARIOS.values():
        scenario = load_scenario(name)
        line = scenario.lines[0]
        before = escaped_defects_per_yr(scenario, line.id, as_incumbent=True)
        for tech in scenario.technologies:
            variant = with_line_technology(scenario, line.id, tech.id)
            now = escaped_defects_per_yr(variant, line.id)
            rows.append({"check": "(a) OAI share of inspections",
                         "subject": f"{name}, line on {tech.id}",
                         "simulated": oai_probability(inspections, now, before),
                         **observed})
    regulatory = next(m for m in defaults.site_outage_modes
                      if m.category == "regulatory_action")
    rows.append({"check": "(a) OAI share of inspections",
                 "subject": "site without a line (category default)",
                 "simulated": regulatory.rate_per_yr / inspections.rate_per_yr, **observed})
    return rows


def shortage_checks(n_years: int = 2000, entropy: int = 1) -> pd.DataFrame:
    """The three comparisons, one row per subject.

    Parameters
    ----------
    n_years : int
        Scenario-years simulated per bundled scenario [-].
    entropy : int
        Seed of the simulations.

    Returns
    -------
    pandas.DataFrame
        ``check``, ``subject``, ``simulated``, ``observed``, ``observed_low``,
        ``observed_high`` (the observed figure's 95 % Wilson interval where it is a
        proportion; NaN otherwise) and ``observed_source``.
    """
    defaults = load_disruption_defaults()
    rows = _oai_rows()
    episodes_per_product_yr = {}
    quality_episodes = all_episodes = 0.0
    for form, name in _SCENARIOS.items():
        summary = simulate_disruptions(
            supply_inputs_with_lines(load_scenario(name), [], defaults), n_years,
            entropy=entropy).summary
        causes = summary.causes
        quality = np.array([c in MANUFACTURING_QUALITY_CATEGORIES for c in causes.categories])
        quality_episodes += float(causes.episodes_count[:, quality].sum())
        all_episodes += float(causes.episodes_count.sum())
        episodes_per_product_yr[form] = float(causes.episodes_count.sum()) \
            / (summary.scenario_years * len(summary.product_ids))
        rows.append({"check": "(b) share of episodes from manufacturing or quality",
                     "subject": name,
                     "simulated": float(causes.episodes_count[:, quality].sum())
                     / float(causes.episodes_count.sum())})
    low, high = wilson_interval(FDA_ROOT_CAUSE_QUALITY_DRUGS, FDA_ROOT_CAUSE_DRUGS)
    root_cause = {"observed": FDA_ROOT_CAUSE_QUALITY_DRUGS / FDA_ROOT_CAUSE_DRUGS,
                  "observed_low": low, "observed_high": high,
                  "observed_source": "FDA Drug Shortages Task Force 2019: 101 of 163 drugs "
                                     "short 2013-2017 (Wilson 95 %)"}
    for row in rows:
        if row["check"].startswith("(b)"):
            row.update(root_cause)
    rows.append({"check": "(b) share of episodes from manufacturing or quality",
                 "subject": "both scenarios pooled",
                 "simulated": quality_episodes / all_episodes, **root_cause})
    fda = shortage_episodes()
    counts = fda["dosage_form_class"].astype(str).value_counts()
    rows.append({
        "check": "(c) sterile / oral-solid shortage frequency",
        "subject": "episodes per product-year (simulated); episode counts (FDA)",
        "simulated": episodes_per_product_yr["sterile_injectable"]
        / episodes_per_product_yr["oral_solid"],
        "observed": counts["sterile_injectable"] / counts["oral_solid"],
        "observed_low": np.nan, "observed_high": np.nan,
        "observed_source": f"bundled FDA shortage snapshots 2019-2025: "
                           f"{counts['sterile_injectable']} sterile-injectable and "
                           f"{counts['oral_solid']} oral-solid episodes (a count ratio: "
                           "the numbers of marketed products are not in the data)"})
    return pd.DataFrame(rows, columns=["check", "subject", "simulated", "observed",
                                       "observed_low", "observed_high", "observed_source"])
