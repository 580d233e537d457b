"""Technology appraisal (rxtwin.econ.technology): simulated line performances in, switch
cash flows and the firm's verdict out.

The engine takes performances and terms as arguments; the performances here are simulated
once (rxtwin.runs.econ.simulate_performances, common random numbers) and the terms are the
bundled ones. Order: identities of the appraisal, the required subsidy, then the inputs it
refuses.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.metrics import npv_usd
from rxtwin.econ.technology import (
    appraisal_table,
    appraise_technology,
    firm_profile_of,
    required_subsidy,
    subsidy_outcomes,
    switch_npv_usd,
)
from rxtwin.errors import UserInputError
from rxtwin.runs.econ import bundled_appraisal_terms, simulate_performances

REPS = 100
SEED = 7


@pytest.fixture(scope="module")
def hv():
    return load_scenario("high_volume_single_product")


@pytest.fixture(scope="module")
def hv_perf(hv):
    return simulate_performances(hv, "line-1", [t.id for t in hv.technologies],
                                 n_replications=REPS, entropy=SEED)


@pytest.fixture(scope="module")
def terms():
    return bundled_appraisal_terms()


def test_same_technology_appraises_to_zero(hv, hv_perf, terms):
    # option = baseline: no capex, same simulated year (common random numbers) -> NPV 0
    result = appraise_technology(hv, "line-1", "batch", "batch", hv_perf, terms)
    assert result.npv_usd == 0.0
    assert np.all(result.incremental["net_cash_flow_usd"].to_numpy() == 0.0)


def test_npv_is_the_npv_of_the_incremental_flows(hv, hv_perf, terms):
    result = appraise_technology(hv, "line-1", "hybrid", "batch", hv_perf, terms)
    flows = result.incremental["net_cash_flow_usd"].to_numpy()
    assert result.npv_usd == pytest.approx(npv_usd(hv.firm.hurdle_rate, flows), rel=1e-12)
    option_minus_baseline = (result.cash_flows.option["net_cash_flow_usd"]
                             - result.cash_flows.baseline["net_cash_flow_usd"]).to_numpy()
    assert np.allclose(flows, option_minus_baseline)
    assert result.appraisal.meets_hurdle == (result.npv_usd >= 0)
    assert result.terms == terms
    table = appraisal_table([result])
    assert table.loc[0, "npv_usd"] == result.npv_usd


def test_the_default_criteria_are_the_scenario_firms(hv, hv_perf, terms):
    profile = firm_profile_of(hv)
    assert (profile.hurdle_rate, profile.payback_limit_yr, profile.tax_rate) == (
        hv.firm.hurdle_rate, hv.firm.payback_limit_yr, hv.firm.tax_rate)
    assert profile.name == f"{hv.firm.profile} firm ({hv.name})"
    stricter = profile.model_copy(update={"hurdle_rate": profile.hurdle_rate + 0.05})
    base = appraise_technology(hv, "line-1", "hybrid", "batch", hv_perf, terms)
    strict = appraise_technology(hv, "line-1", "hybrid", "batch", hv_perf, terms,
                                 profile=stricter)
    assert base.appraisal.profile == profile
    # same flows, higher discount rate: the NPV of a project that pays later is lower
    assert np.array_equal(base.incremental["net_cash_flow_usd"],
                          strict.incremental["net_cash_flow_usd"])
    assert strict.npv_usd == pytest.approx(
        npv_usd(stricter.hurdle_rate, strict.incremental["net_cash_flow_usd"]), rel=1e-12)


def test_terms_reach_the_cash_flows(hv, hv_perf, terms):
    # a salvage value of the whole capex comes back at the horizon (after tax on the gain
    # over book value, which is 0 once MACRS 5-yr has run out): the NPV rises by
    # (1 - tax) capex / (1 + r)^H
    base = appraise_technology(hv, "line-1", "continuous", "batch", hv_perf, terms)
    salvaged = appraise_technology(hv, "line-1", "continuous", "batch", hv_perf,
                                   replace(terms, salvage_value_fraction=1.0))
    capex = hv.technology("continuous").capex_usd
    r, horizon, tax = hv.firm.hurdle_rate, hv.horizon_yr, hv.firm.tax_rate
    assert salvaged.npv_usd - base.npv_usd == pytest.approx(
        (1 - tax) * capex / (1 + r) ** horizon, rel=1e-9)


@pytest.mark.parametrize("kind", ["capex_grant_fraction", "itc_fraction"])
def test_required_subsidy_brings_npv_to_zero(hv, hv_perf, terms, kind):
    base = appraise_technology(hv, "line-1", "hybrid", "batch", hv_perf, terms)
    assert base.npv_usd < 0  # at these settings; the test needs a project that fails
    share = required_subsidy(base, hv, "line-1", kind)
    assert 0 < share < 1
    again = appraise_technology(hv, "line-1", "hybrid", "batch", hv_perf, terms,
                                **{kind: share})
    assert abs(again.npv_usd) < 1.0


def test_unreachable_subsidy_is_inf(hv, hv_perf, terms):
    worse = {"batch": hv_perf["batch"],
             "modular": replace(hv_perf["modular"],
                                labour_usd=hv_perf["modular"].labour_usd + 5e6)}
    base = appraise_technology(hv, "line-1", "modular", "batch", worse, terms)
    assert math.isinf(required_subsidy(base, hv, "line-1"))


def test_variant_outcomes_are_the_appraisal_and_its_subsidies(hv, hv_perf, terms):
    switch = {"line_id": "line-1", "option_tech_id": "hybrid", "baseline_tech_id": "batch",
              "terms": terms}
    base = appraise_technology(hv, "line-1", "hybrid", "batch", hv_perf, terms)
    assert switch_npv_usd(hv, hv_perf, **switch) == base.npv_usd
    outcomes = subsidy_outcomes(hv, hv_perf, **switch)
    assert outcomes == {"npv_usd": base.npv_usd, "subsidy_pv_usd": -base.npv_usd,
                        "capex_grant_fraction": required_subsidy(base, hv, "line-1"),
                        "itc_fraction": required_subsidy(base, hv, "line-1", "itc_fraction")}


def test_missing_performances_and_unknown_ids_are_refused(hv, hv_perf, terms):
    with pytest.raises(UserInputError, match=r"performances lack technologies \['hybrid'\]"):
        appraise_technology(hv, "line-1", "hybrid", "batch", {"batch": hv_perf["batch"]}, terms)
    with pytest.raises(UserInputError, match="warp"):
        appraise_technology(hv, "line-1", "warp", "batch", hv_perf, terms)
    with pytest.raises(UserInputError, match="line-9"):
        appraise_technology(hv, "line-9", "hybrid", "batch", hv_perf, terms)
