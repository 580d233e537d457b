"""Closed form: a site whose line failures escape detection and escalate is down for the
stationary fraction of an alternating renewal process.

Occurrences arrive as a Poisson process of rate lam [1/yr]; each escapes the line with
probability 1 - d and escalates with probability q, so escalations are Poisson of rate
r = lam (1 - d) q (independent thinning, Ross 1996, Stochastic Processes, Prop. 2.3.2).
The site is then up for an exponential time of mean 365 / r days and down for an
exponential outage of mean m days plus the line's release time R days (the first lot made
after the restart waits a full release cycle; arrivals during an outage are ignored by the
simulator), an alternating renewal process whose long-run down fraction is
E[down] / (E[up] + E[down]) = r (m + R) / 365 / (1 + r (m + R) / 365) (Ross 1996,
Thm 3.4.4).
"""

from __future__ import annotations

import math

from rxtwin.data.scenarios import load_scenario
from rxtwin.model import Scenario
from rxtwin.runs.site_failures import site_outage_modes_from_lines
from rxtwin.supply.disruption import simulate_disruptions
from rxtwin.supply.disruption_inputs import MARKET_PARENT, chain_inputs

LAM, D, Q, MEAN_DAYS = 4.0, 0.75, 0.5, 120.0  # test fixtures: r = 0.5 / yr


def scenario_with_escalating_breakdowns() -> Scenario:
    doc = load_scenario("metformin").model_dump(mode="json")
    for mode in doc["failure_modes"]:
        mode.pop("escalations", None)  # the fixture's escalation is the only one
        if mode["id"] == "hvac-excursion":  # a time-based breakdown, batch multiplier 1
            mode["rate_per_yr"] = LAM
            mode["detection_probability"] = D
            mode["escalations"] = [{
                "kind": "oai_inspection", "probability": Q,
                "duration_days": {"dist": "exponential", "mean": MEAN_DAYS},
                "source": "assumption: test fixture"}]
    return Scenario.model_validate(doc)


def test_site_down_fraction_matches_the_alternating_renewal_closed_form():
    scenario = scenario_with_escalating_breakdowns()
    (mode,) = site_outage_modes_from_lines(scenario)["fdf-site"]
    rate = LAM * (1 - D) * Q
    assert math.isclose(mode.rate_per_yr, rate, rel_tol=1e-12)
    release_days = scenario.technology("batch").qc_release_h / 24.0
    assert mode.added_days == release_days == 14.0
    # one product, one site, base stock of one day's demand, no lead time: the market is
    # short exactly on the days the site is down
    demand = 100.0
    inputs = chain_inputs(
        [{"id": "p", "demand_units_per_day": demand,
          "tiers": [{"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": demand,
                     "shelf_life_days": 100_000,
                     "suppliers": [{"site": 0, "share": 1.0,
                                    "normal_units_per_day": 1e12}]}]}],
        ["fdf-site"], [[mode]])
    run = simulate_disruptions(inputs, 20_000, entropy=20261207, chunk_size=500)
    mean, half = run.summary.statistic("shortage_days")
    down_fraction = mean[0] / 365.0
    x = rate * (MEAN_DAYS + release_days) / 365.0
    exact = x / (1.0 + x)  # 0.155
    # The simulator works in whole days: an outage of length X + R covers R + ceil(X) days
    # (mean R + 1 / (1 - exp(-1/m)) ~ m + R + 0.5) and the up spell floor(U) days, which shifts
    # the fraction by about 0.5 / (365 / r + m) = 6e-4 (0.2 d/yr), computed exactly here
    # from the discrete renewal cycle and allowed on top of the Monte Carlo band.
    r_day = rate / 365.0
    up = math.exp(-r_day) / (1.0 - math.exp(-r_day))
    down = release_days + 1.0 / (1.0 - math.exp(-1.0 / MEAN_DAYS))
    discrete = down / (up + down)
    # the 95 % batch-means half-width over 40 chunks of 500 scenario-years, x 1.6 (about
    # a 99.8 % band); 20 000 years make it about 1.6 d/yr, 3 % of the mean
    tolerance = 1.6 * half[0] / 365.0 + abs(discrete - exact)
    assert half[0] < 0.05 * mean[0], (mean[0], half[0])
    assert abs(down_fraction - exact) < tolerance, (down_fraction, exact, tolerance)
    # the band tells the thinned rate from the unthinned ones
    for wrong_rate in (LAM * Q, LAM * (1 - D)):
        w = wrong_rate * (MEAN_DAYS + release_days) / 365.0
        assert abs(down_fraction - w / (1.0 + w)) > 3 * tolerance
    # ... and the fraction without the release time (0.116) lies outside the band too
    w = rate * MEAN_DAYS / 365.0
    assert abs(down_fraction - w / (1.0 + w)) > tolerance
