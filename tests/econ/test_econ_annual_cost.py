"""The placeholder annual-cost model: each term checked by hand on a small technology."""

from __future__ import annotations

import pytest

from rxtwin.econ.annual_cost import annual_cost_usd_per_yr, lots_per_yr
from rxtwin.econ.metrics import capital_recovery_factor
from rxtwin.model.finance import FirmFinance
from rxtwin.model.technology import Technology

FIRM = FirmFinance(profile="generic", hurdle_rate=0.1, payback_limit_yr=3.0, tax_rate=0.21,
                   labour_usd_per_fte_yr=100_000.0, energy_usd_per_kwh=0.1,
                   inventory_carrying_rate_per_yr=0.2)


def _technology(**changes) -> Technology:
    fields = dict(
        id="t", kind="batch", operating_mode="batch", capex_usd=1_000_000.0,
        install_time_months=0.0, throughput_units_per_h=1000.0, batch_size_units=10_000.0,
        changeover_h={"dist": "fixed", "value": 8.0}, qc_release_h=24.0, labour_fte=2.0,
        energy_kwh_per_1000_units=10.0, qc_cost_usd_per_lot=1000.0,
        cleaning_cost_usd_per_changeover=500.0, maintenance_usd_per_yr=20_000.0,
        development_months={"dist": "fixed", "value": 12.0},
        filing_cost_usd_per_product=10_000.0, training_usd=50_000.0, useful_life_yr=10.0,
    )
    fields.update(changes)
    return Technology.model_validate(fields)


def test_batch_lots_round_up_per_product():
    # 3 products x 25,000 units each / 10,000 per batch -> 3 batches each
    assert lots_per_yr(_technology(), 3, 75_000.0) == 9.0


def test_continuous_lots_use_the_release_lot_size():
    tech = _technology(operating_mode="continuous", kind="continuous", batch_size_units=1e6)
    # 4 products x 2.5e6 units / 1e6 per lot -> 3 lots each
    assert lots_per_yr(tech, 4, 1e7) == 12.0


def test_annual_cost_adds_the_documented_terms():
    tech = _technology()
    crf = capital_recovery_factor(0.1, 10)  # 0.16274539...
    expected = ((1_000_000 + 50_000 + 3 * 10_000) * crf + 2 * 100_000
                + 75_000 / 1000 * 10 * 0.1 + 9 * 1000 + 3 * 500 + 20_000)
    assert annual_cost_usd_per_yr(tech, FIRM, 3, 75_000.0) == pytest.approx(expected, rel=1e-12)
    assert crf == pytest.approx(0.162745394883, rel=1e-10)  # standard annuity table value


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="products_per_line"):
        lots_per_yr(_technology(), 0, 1.0)
