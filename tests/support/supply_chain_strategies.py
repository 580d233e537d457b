"""Hypothesis strategies shared by the supply-disruption property modules.

tests/support is on the test path (pyproject: ``pythonpath``): ``import
supply_chain_strategies``.
"""

from __future__ import annotations

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


def outage(rate_per_yr: float, mean_days: float) -> OutageMode:
    """Poisson outages with exponential durations."""
    return OutageMode("x", rate_per_yr, Exponential(dist="exponential", mean=mean_days))
