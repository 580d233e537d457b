"""Hypothesis strategies shared by the supply-disruption property modules.

tests/support is on the test path (pyproject: ``pythonpath``): ``import
supply_chain_strategies``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from rxtwin.model.disruption import OutageMode
from rxtwin.model.distributions import Exponential
from rxtwin.supply.disruption_inputs import MARKET_PARENT


@st.composite
def chains(draw, max_tiers=3, max_lead=15, max_lag=20):
    """A product chain of 1-``max_tiers`` tiers (upstream first), 1-2 suppliers per tier,
    one lead time per tier (up to ``max_lead`` d), shelf lives of 500-2,000 d.

    Returns ``(product, sites, modes)`` for :func:`rxtwin.supply.disruption_inputs.
    chain_inputs`: one site per supplier, each with Poisson outages of exponential length.
    """
    d = 100.0
    n_tiers = draw(st.integers(1, max_tiers))
    tiers, sites, modes = [], [], []
    for t in range(n_tiers):
        suppliers = []
        n_sup = draw(st.integers(1, 2))
        shares = [1.0] if n_sup == 1 else [0.5, 0.5]
        lead = draw(st.integers(0, max_lead))  # one lead time per tier
        for share in shares:
            site = len(sites)
            sites.append(f"s{site}")
            modes.append([outage(draw(st.floats(0.5, 6.0)), draw(st.floats(2.0, 40.0)))])
            normal = share * d * draw(st.floats(1.1, 1.6))
            suppliers.append({"site": site, "share": share, "normal_units_per_day": normal,
                              "capacity_units_per_day": normal * draw(st.floats(1.0, 3.0)),
                              "lead_days": lead, "lag_days": draw(st.integers(0, max_lag))})
        cover = draw(st.floats(3.0, 40.0))
        pipeline = sum(s["share"] * s["lead_days"] for s in suppliers) * d
        tiers.append({"label": f"t{t}",
                      "parent": t + 1 if t < n_tiers - 1 else MARKET_PARENT,
                      "base_stock_units": cover * d + pipeline,
                      "initial_on_hand_units": cover * d,
                      "initial_age_days": draw(st.integers(0, 30)),
                      "shelf_life_days": draw(st.integers(500, 2000)),
                      "suppliers": suppliers})
    product = {"id": "p", "demand_units_per_day": d,
               "demand_cv": draw(st.sampled_from([0.0, 0.3])), "tiers": tiers}
    return product, sites, modes


def outage(rate_per_yr: float, mean_days: float, name: str = "x") -> OutageMode:
    """Poisson outages with exponential durations."""
    return OutageMode(name, rate_per_yr, Exponential(dist="exponential", mean=mean_days))


@st.composite
def cause_calendars(draw, n_sites, n_years, horizon_days, n_causes, max_outages=8):
    """Site calendars with cause codes, uint8 (n_sites, n_years, horizon_days): 0 up,
    1..``n_causes`` down because of that cause.

    Per site, up to ``max_outages`` outages of 1-80 days, each of a drawn cause, separated
    by 0 days (back to back: one outage if the causes agree, two if not) to 60 days. With
    two sites or more, one site's first outage is sometimes copied onto another site's
    calendar with a drawn cause, so that two outages start on one day.
    """
    total = n_years * horizon_days
    down = np.zeros((n_sites, total), dtype=np.uint8)
    for site in range(n_sites):
        day = draw(st.integers(0, 120))
        for _ in range(draw(st.integers(0, max_outages))):
            if day >= total:
                break
            length = draw(st.integers(1, 80))
            down[site, day:day + length] = draw(st.integers(1, n_causes))
            # back to back as often as not: where a change of cause matters
            day += length + draw(st.one_of(st.just(0), st.integers(1, 60)))
    if n_sites >= 2 and draw(st.booleans()):
        source, target = draw(st.lists(st.integers(0, n_sites - 1), min_size=2, max_size=2,
                                       unique=True))
        down_days = np.flatnonzero(down[source])
        if down_days.size:
            first = int(down_days[0])
            last = first
            while last + 1 < total and down[source, last + 1] == down[source, first]:
                last += 1
            down[target, first:last + 1] = draw(st.integers(1, n_causes))
    return down.reshape(n_sites, n_years, horizon_days)
