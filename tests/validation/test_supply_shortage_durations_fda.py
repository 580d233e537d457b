"""Simulated shortage-episode durations beside the FDA shortage episodes (FDA Drug
Shortages yearly snapshots 2019-2025, bundled in rxtwin/data/public; episodes and
Kaplan-Meier quantiles as rxtwin.data.public_tables.shortage_episodes builds them).

The comparison is reported, whatever it shows: the test prints the
table (run with ``-s``) and checks that it is computed as documented: simulated episodes
are spells of short days (gaps up to ``episode_gap_days``), carried across scenario-years,
and weighted as yearly snapshots would see them (length-biased), so that episodes longer
than a year appear and short ones count less. The fit itself is in
docs/supply_simulation.md ("FDA durations and the calibrated outage duration"): with the
regulatory-action duration calibrated jointly on both classes
(tests/validation/test_supply_calibration_fda.py) the sterile-injectable median and upper
quartile match, while the oral-solid median stays about a third of the FDA one (its short
episodes come from demand shocks above supplier headroom).
"""

from __future__ import annotations

import numpy as np

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.public_tables import shortage_episodes
from rxtwin.data.scenarios import load_scenario
from rxtwin.supply.disruption import shortage_duration_comparison, simulate_disruptions
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario


def test_oral_solid_portfolio_durations_beside_fda_oral_solid_episodes():
    inputs = supply_inputs_from_scenario(load_scenario("generic_oral_solid"),
                                         defaults=load_disruption_defaults())
    run = simulate_disruptions(inputs, 400, entropy=2026, chunk_size=200)
    episodes = shortage_episodes()
    table = shortage_duration_comparison(run.summary, inputs.dosage_form_classes,
                                         episodes, "oral_solid")
    raw = shortage_duration_comparison(run.summary, inputs.dosage_form_classes,
                                       episodes, "oral_solid", snapshot_interval_days=None)
    print("\nshortage-episode duration quantiles [d], generic_oral_solid (400 scenario-years,"
          " as yearly snapshots see them) vs FDA oral-solid episodes (Kaplan-Meier):")
    print(table.to_string(index=False))
    print(table.attrs)
    assert table.attrs["fda_episodes"] == int((episodes["dosage_form_class"].astype(str)
                                               == "oral_solid").sum()) > 0
    assert 0 < table.attrs["simulated_observed"] < table.attrs["simulated_episodes"]
    assert np.all(np.diff(table["simulated_days"].dropna()) >= 0)
    assert np.all(np.diff(table["fda_days"].dropna()) >= 0)
    # length-biased observation favours long episodes at every level
    assert np.all(table["simulated_days"] >= raw["simulated_days"])
    # histories carry over year ends: episodes longer than a scenario-year exist
    lengths = run.summary.episodes_ended.edges[:-1]
    longer = lengths > inputs.scenario_year_days
    assert (run.summary.episodes_ended.counts[:, longer].sum()
            + run.summary.episodes_open.counts[:, longer].sum()) > 0
