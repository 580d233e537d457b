"""Disruption simulator properties (hypothesis), on common random numbers.

Site outage streams are keyed by site id and demand streams by product id, so two variants
of a chain drawn from the same seed see the same outages and the same demand; the
comparisons below are therefore scenario-year by scenario-year, not in distribution.

* Adding a redundant supplier (a qualified backup with zero share, on its own site) to a
  single-tier chain whose incumbents deliver the same day and surge at once never increases
  shortage-days or unmet demand in any scenario-year. Proof sketch: on hand after
  production is min(S, on hand + capacity up today), demand is served from it, and both
  steps are monotone in on hand and capacity.
* More inventory (a higher base stock and start stock) never increases shortage-days or
  unmet demand in any scenario-year of a single-tier chain.
* Flows conserve mass at every tier, and demand = served + unmet.

Domain, and what hypothesis found outside it (kept here because they are properties of
the model, not bugs to hide):

* every supplier can make at least 10 % more than its share of mean demand, and every tier
  holds at least 3 days of cover. With no headroom or no cover the chain is short almost
  every day and rationing only moves which days are partly short (e.g. 364 -> 365 short
  days while unmet demand falls by a fifth);
* lead times and qualification lags. A backup faster or slower than the incumbent changes
  the mix of stock in transit under base-stock ordering; with lost sales and a lead time,
  more stock arriving now means more is sold now and less is ordered, which can leave a
  later day short (e.g. 23 -> 24 short days in one year); a backup that covers the
  shortfall also delays the day an incumbent with a qualification lag starts to surge;
* in chains of several tiers a backup can draw the upstream stock down during an outage; a
  later upstream outage then finds less stock (e.g. 8 -> 9 short days in one year, or 50 ->
  56 units unmet with equal short days). This is an echelon effect of base-stock
  replenishment with capacity limits, so pathwise monotonicity is tested on one tier only.
  More inventory has the same echelon effect: 100 more units of upstream stock in a
  two-tier chain (lead 0, surge lag 17 d downstream) moved a short day from year 6 to year
  7 (3, 3 -> 2, 4; 13 short days in all either way), and in three-tier chains the totals
  rose too (8 -> 9 short days). Found by random hypothesis runs outside CI; the same with
  the kernel before the expiry-bucket lot store. Across tiers the property holds in
  expectation (test_supply_disruption_expectation.py);
* stock that can expire: more of it can expire, and replacing it loads a capacity-limited
  upstream tier (e.g. 0 -> 1 short day). Shelf lives here (500-2000 d) keep
  stock from expiring in practice: FEFO turns it over in cover plus lead-time days.
"""

from __future__ import annotations

import numpy as np
import supply_chain_strategies
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.model.disruption import OutageMode
from rxtwin.model.distributions import Exponential
from rxtwin.supply.disruption import BALANCE, STATISTICS, trace_product
from rxtwin.supply.disruption_inputs import chain_inputs

YEARS = 8
SHORT = STATISTICS.index("shortage_days")
UNMET = STATISTICS.index("unmet_units")
DEMAND = STATISTICS.index("demand_units")


_strategies = supply_chain_strategies


def chains(max_tiers=3, max_lead=15, max_lag=20):
    """The shared ``chains`` strategy (supply_chain_strategies.py), lead times up to
    15 d by default."""
    return _strategies.chains(max_tiers=max_tiers, max_lead=max_lead, max_lag=max_lag)


def run(product, sites, modes, seed):
    inputs = chain_inputs([product], sites, modes)
    return trace_product(inputs, 0, YEARS, np.random.SeedSequence(seed))


@settings(max_examples=60)
@given(chains(max_tiers=1, max_lead=0, max_lag=0), st.data(), st.integers(0, 2**32 - 1))
def test_redundant_supplier_never_increases_shortage(chain, data, seed):
    product, sites, modes = chain
    base = run(product, sites, modes, seed)
    t = 0  # single-tier chains (see the module docstring for chains of several tiers)
    d = product["demand_units_per_day"]
    fastest = min(s["lead_days"] for s in product["tiers"][t]["suppliers"])
    backup = {"site": len(sites), "share": 0.0, "normal_units_per_day": 0.0,
              "capacity_units_per_day": d * data.draw(st.floats(0.1, 2.0)),
              "lead_days": fastest,
              "lag_days": data.draw(st.integers(0, 30))}
    tiers = [dict(x, suppliers=list(x["suppliers"])) for x in product["tiers"]]
    tiers[t]["suppliers"].append(backup)
    more = run(dict(product, tiers=tiers), [*sites, "backup"],
               [*modes, [OutageMode("x", 1.0, Exponential(dist="exponential", mean=10.0))]],
               seed)
    assert np.all(more.stats[:, SHORT] <= base.stats[:, SHORT])
    assert np.all(more.stats[:, UNMET] <= base.stats[:, UNMET] + 1e-6 * d)


@settings(max_examples=40)
@given(chains(max_tiers=1), st.data(), st.integers(0, 2**32 - 1))
def test_more_inventory_never_increases_shortage_days(chain, data, seed):
    product, sites, modes = chain
    base = run(product, sites, modes, seed)
    t = data.draw(st.integers(0, len(product["tiers"]) - 1))
    extra = product["demand_units_per_day"] * data.draw(st.floats(1.0, 60.0))
    tiers = [dict(x) for x in product["tiers"]]
    tiers[t]["base_stock_units"] += extra
    tiers[t]["initial_on_hand_units"] += extra
    more = run(dict(product, tiers=tiers), sites, modes, seed)
    assert np.all(more.stats[:, SHORT] <= base.stats[:, SHORT])
    assert np.all(more.stats[:, UNMET] <= base.stats[:, UNMET] + 1e-6 * extra)


@settings(max_examples=40)
@given(chains(), st.integers(0, 2**32 - 1))
def test_flows_conserve_mass(chain, seed):
    product, sites, modes = chain
    trace = run(product, sites, modes, seed)
    col = {name: trace.balance[:, k] for k, name in enumerate(BALANCE)}
    scale = 1.0 + col["initial_units"] + col["produced_units"]
    lhs = col["initial_units"] + col["produced_units"]
    rhs = col["delivered_units"] + col["expired_units"] + col["final_units"]
    assert np.all(np.abs(lhs - rhs) <= 1e-9 * scale)
    assert np.all(trace.balance >= -1e-9 * scale[:, None])
    served = col["delivered_units"][len(product["tiers"]) - 1]
    demand = trace.stats[:, DEMAND].sum()
    assert abs(served + trace.stats[:, UNMET].sum() - demand) <= 1e-9 * demand
