"""The docs' econ illustration and the scenario-model wrapper: with the tax rate set to 0 the
NPV has a closed form; inputs the model does not read get Sobol' indices of exactly 0."""

from __future__ import annotations

import functools
import math
import pickle

import numpy as np
import pytest

from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.data.scenarios import load_scenario
from rxtwin.errors import InputError
from rxtwin.uq.examples import technology_switch_npv_usd
from rxtwin.uq.scenario_sampling import apply_sample, scenario_model
from rxtwin.uq.sensitivity import sobol_indices

NPV = functools.partial(technology_switch_npv_usd, technology_id="continuous",
                        products_moved=4, net_benefit_usd_per_yr=2.6e6, depreciation_life_yr=7,
                        **cash_flow_defaults())


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("generic_oral_solid")


def test_untaxed_npv_matches_closed_form(scenario):
    # tax 0: NPV = -capex - (training + n filing) v^s + B sum_{t=s+1}^{H} v^t, v = 1/(1+r),
    # s = ceil(install_months / 12).
    untaxed = apply_sample(scenario, {"firm.tax_rate": 0.0, "firm.hurdle_rate": 0.12})
    tech = untaxed.technology("continuous")
    s = math.ceil(tech.install_time_months / 12)
    v = 1 / 1.12
    expected = (-tech.capex_usd - (tech.training_usd + 4 * tech.filing_cost_usd_per_product)
                * v**s + 2.6e6 * sum(v**t for t in range(s + 1, untaxed.horizon_yr + 1)))
    assert NPV(untaxed) == pytest.approx(expected, rel=1e-12)


def test_scenario_model_applies_values_and_pickles(scenario):
    model = scenario_model(scenario, NPV)
    values = {"technologies.continuous.capex_usd": 6.0e6, "firm.hurdle_rate": 0.18}
    assert model(values) == NPV(apply_sample(scenario, values))
    assert pickle.loads(pickle.dumps(model))(values) == model(values)
    with pytest.raises(InputError, match="'<scenario>' has no field 'warp'"):
        model({"warp.speed": 9.0})


def test_sobol_on_scenario_model_gives_zero_to_unused_inputs(scenario):
    # The illustration reads neither the advanced-batch capex nor the batch changeover:
    # their model outputs never differ, so both indices are exactly 0, while the total
    # index estimator (a mean of squared output differences) is > 0 for an input it reads.
    result = sobol_indices(scenario_model(scenario, NPV), scenario.uncertain, 16,
                           np.random.default_rng(4))
    unused = ["technologies.advanced_batch.capex_usd", "technologies.batch.changeover_h.mode"]
    assert np.all(result.loc[unused, ["S1", "ST"]].to_numpy() == 0.0)
    used = ["technologies.continuous.capex_usd", "firm.hurdle_rate"]
    assert np.all(result.loc[used, "ST"].to_numpy() > 0.0)
