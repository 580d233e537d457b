"""Fixtures of the line tests: explicit engine inputs (test fixtures, not defaults of the model).

Every number here is chosen to exercise the simulator (frequent failures, tight capacity,
some backorders), not to describe a real line.
"""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.line import inputs as li


def product_arrays(n_products: int, **overrides) -> dict:
    """Per-product arrays of a small, busy portfolio (demand falls with the index)."""
    demand = 800.0 * (1.0 - 0.15 * np.arange(n_products))
    values = dict(
        product_names=tuple(f"P{i}" for i in range(n_products)),
        demand_units_per_day=demand,
        demand_cv=np.full(n_products, 0.4),
        price_usd_per_unit=np.full(n_products, 0.5),
        material_cost_usd_per_unit=np.full(n_products, 0.1),
        initial_inventory_units=demand * 12.0,
        reorder_days_of_supply=np.full(n_products, 10.0),
        target_days_of_supply=np.full(n_products, 25.0),
        campaign_units=demand * 15.0,
    )
    values.update(overrides)
    return values


def all_failures(scale: float = 1.0) -> li.FailureModes:
    """One mode of every effect; probabilities x ``scale``."""
    return li.failure_modes(
        dict(name="batch_reject", effect=li.FailureEffectCode.REJECT_BATCH,
             probability=0.03 * scale, loss_fraction=1.0),
        dict(name="deviation", effect=li.FailureEffectCode.QA_HOLD, probability=0.08 * scale,
             duration=li.lognormal(96.0, 0.6)),
        dict(name="cleaning", effect=li.FailureEffectCode.CONTAMINATION_AFTER_CHANGEOVER,
             probability=0.06 * scale, duration=li.triangular(4.0, 8.0, 16.0),
             loss_fraction=1.0),
        dict(name="press", effect=li.FailureEffectCode.BREAKDOWN, mtbf_h=150.0 / scale,
             duration=li.gamma(6.0, 0.8)),
        dict(name="api_lot", effect=li.FailureEffectCode.INPUT_REJECT, probability=0.02 * scale,
             loss_fraction=0.5),
    )


def busy_demand_events(n_products: int) -> li.DemandEvents:
    """A contract win, a contract loss and a demand surge, each about once or twice a
    year per product."""
    return li.demand_events(
        n_products,
        dict(name="contract_win", rate_per_yr=1.0, multiplier=1.3,
             duration=li.exponential(60 * 24.0)),
        dict(name="contract_loss", rate_per_yr=1.0, multiplier=0.75, duration=li.fixed(90 * 24.0)),
        dict(name="surge", rate_per_yr=2.0, multiplier=1.8,
             duration=li.triangular(5 * 24.0, 10 * 24.0, 20 * 24.0)),
    )


def make_line(n_products: int = 3, **overrides) -> li.LineEngineInputs:
    """A batch line, fixed rotation, all failure modes, 90-day horizon."""
    product_overrides = {k: overrides.pop(k) for k in list(overrides)
                         if k in li._PRODUCT_ARRAYS or k == "product_names"}
    values = product_arrays(n_products, **product_overrides)
    values.update(
        operating_mode=li.OperatingMode.BATCH,
        lot_size_units=6000.0,
        lot_cycle_h=10.0,
        speed_fraction=0.9,
        process_yield_fraction=0.97,
        changeover=li.lognormal(16.0, 0.5),
        startup_loss_h=1.5,
        shutdown_loss_h=1.0,
        qc_release_h=120.0,
        staffed_fraction=0.75,
        labour_usd_per_h=400.0,
        energy_usd_per_unit=0.005,
        qc_usd_per_lot=3000.0,
        cleaning_usd_per_changeover=2000.0,
        overhead_usd_per_yr=500_000.0,
        policy=li.CampaignPolicy.FIXED_ROTATION,
        rotation=np.arange(n_products),
        cycle_length_days=14.0,
        horizon_days=90,
        failures=all_failures(),
        demand_events=busy_demand_events(n_products),
    )
    values.update(overrides)
    return li.LineEngineInputs(**values)


def failure_free(x: li.LineEngineInputs) -> li.LineEngineInputs:
    """The same line with every failure probability 0 and no breakdowns."""
    f = x.failures
    return x.replace(failures=li.FailureModes(
        names=f.names, effect=f.effect, probability=np.zeros(len(f)),
        mtbf_h=np.full(len(f), np.inf), duration=f.duration, loss_fraction=f.loss_fraction))


class _Builders:
    """The builders above, handed to tests through the ``build`` fixture."""

    make_line = staticmethod(make_line)
    all_failures = staticmethod(all_failures)
    failure_free = staticmethod(failure_free)
    product_arrays = staticmethod(product_arrays)
    busy_demand_events = staticmethod(busy_demand_events)


@pytest.fixture
def build() -> _Builders:
    return _Builders()
