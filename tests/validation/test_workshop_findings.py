"""The workshop's economic findings, from the bundled cited parameters, nothing tuned.

Wosińska, Conti and Reynolds, "Technology Solutions for Improving the Resilience of Generic
Prescription Drug Manufacturing", Brookings Institution / MIT, 2023, Sessions 2-4, as listed
under "Validation" in docs/design.md: (a) on a 20-30-product generic line CM does not clear a
generic firm's hurdle unassisted; (b) on a single high-volume product it does; (c) PAT
sensors (200-300 kUSD per line) pay back before a ~5 MUSD CM line; (d) the subsidy CM needs
on the generic line, with its 90 % interval. Each test asserts what the model says and
prints the numbers (run with ``pytest -s``). Where a finding does NOT emerge, the test says
so in a comment and asserts the model's actual answer; the cause is in docs/econ.md.

Monte Carlo: 400 replication-years per technology, fixed entropy, the same for every
technology (common random numbers). The verdicts below are far from their thresholds
relative to the Monte Carlo standard error of the NPV (a few 10 kUSD at 400 replications:
the incremental yearly flows are differences of means with standard errors of ~0.1-0.5 %),
so the seed does not decide them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.econ.technology import required_subsidy
from rxtwin.runs.econ import appraise_technology, simulate_performances, subsidy_distribution

REPS = 400
ENTROPY = 20230601
ISPE_TYPICAL_SOLID_ORAL_OEE = 0.30  # "around 30 %": ISPE OEE benchmarking of solid-oral lines


@pytest.fixture(scope="module")
def generic():
    scenario = load_scenario("generic_oral_solid")
    perf = simulate_performances(scenario, "line-1", [t.id for t in scenario.technologies],
                                 n_replications=REPS, entropy=ENTROPY)
    return scenario, perf


@pytest.fixture(scope="module")
def single():
    scenario = load_scenario("high_volume_single_product")
    perf = simulate_performances(scenario, "line-1", [t.id for t in scenario.technologies],
                                 n_replications=REPS, entropy=ENTROPY)
    return scenario, perf


def _show(tag, result):
    a = result.appraisal
    print(f"\n[{tag}] {result.verdict}")
    print(f"[{tag}] NPV {a.npv_usd:,.0f} USD, IRR {a.irr:.3f}, payback {a.payback_yr:.2f} yr, "
          f"discounted payback {a.discounted_payback_yr:.2f} yr, PI {a.profitability_index:.3f}")
    inc = result.incremental
    year = inc.iloc[-1]
    print(f"[{tag}] last-year increments [USD]: revenue {year['revenue_usd']:,.0f}, materials "
          f"{year['materials_usd']:,.0f}, rejected {year['rejected_batches_usd']:,.0f}, labour "
          f"{year['labour_usd']:,.0f}, QC {year['qc_usd']:,.0f}, overhead "
          f"{year['overhead_usd']:,.0f}, carrying {year['inventory_carrying_usd']:,.0f}")


def test_a_cm_fails_the_generic_hurdle_on_the_24_product_line(generic):
    scenario, perf = generic
    result = appraise_technology(scenario, "line-1", "continuous", performances=perf)
    _show("a", result)
    assert len(scenario.line("line-1").product_ids) == 24
    assert not result.appraisal.meets_hurdle
    assert result.npv_usd < 0


def test_b_cm_on_the_single_high_volume_product(single):
    scenario, perf = single
    result = appraise_technology(scenario, "line-1", "continuous", performances=perf)
    _show("b", result)
    # FINDING (b) DID NOT EMERGE. With the bundled parameters CM on one high-volume product
    # still fails the hurdle, even the brand firm's 10 % (the scenario's firm profile): capex 5 MUSD + training 0.5 MUSD + filing 0.4 MUSD, paid
    # over a 3-year installation and a 1-year ramp-up, against a yearly operating gain of
    # about 1 MUSD before tax (QC, labour, yield) that starts only in year 4 of 10. We assert
    # what the model says; nothing is tuned (see docs/econ.md, "Workshop findings").
    assert not result.appraisal.meets_hurdle
    assert result.npv_usd < 0
    # ...but the single product is much closer to the hurdle than the 24-product line
    generic_scenario = load_scenario("generic_oral_solid")
    generic_npv = appraise_technology(generic_scenario, "line-1", "continuous",
                                      n_replications=REPS, entropy=ENTROPY).npv_usd
    print(f"[b] CM NPV single product {result.npv_usd:,.0f} USD vs 24 products "
          f"{generic_npv:,.0f} USD")
    assert result.npv_usd > generic_npv


def test_c_pat_pays_back_sooner_than_cm(generic, single):
    for tag, (scenario, perf) in (("c generic", generic), ("c single", single)):
        pat = appraise_technology(scenario, "line-1", "advanced_batch", performances=perf)
        cm = appraise_technology(scenario, "line-1", "continuous", performances=perf)
        _show(f"{tag} PAT", pat)
        print(f"[{tag}] payback PAT {pat.appraisal.payback_yr:.2f} yr vs CM "
              f"{cm.appraisal.payback_yr:.2f} yr (limit {scenario.firm.payback_limit_yr} yr)")
        assert math.isfinite(pat.appraisal.payback_yr)
        assert pat.appraisal.payback_yr < cm.appraisal.payback_yr
    # on the generic line PAT pays back (about 6 yr) but not within the 3-year limit
    scenario, perf = generic
    pat = appraise_technology(scenario, "line-1", "advanced_batch", performances=perf)
    assert not pat.appraisal.meets_payback


def test_batch_oee_beside_the_published_typical_solid_oral_oee(generic):
    _, perf = generic
    oee = perf["batch"].oee
    print(f"\n[OEE] bundled batch line OEE {oee:.3f} vs typical solid-oral OEE about "
          f"{ISPE_TYPICAL_SOLID_ORAL_OEE:.2f} (ISPE); ratio {oee / ISPE_TYPICAL_SOLID_ORAL_OEE:.2f}")
    # a report, not a calibration: the gap is explained in docs/econ.md and not tuned away.
    # Nakajima OEE of the simulator = good units / (planned time x ideal rate), planned time
    # excludes planned idle; so it lies in (0, 1) and above the benchmark here.
    assert 0.0 < oee < 1.0
    assert oee > ISPE_TYPICAL_SOLID_ORAL_OEE


@pytest.mark.slow
def test_d_subsidy_cm_needs_on_the_generic_line():
    scenario = load_scenario("generic_oral_solid")
    table = subsidy_distribution(scenario, option_tech_id="continuous", n_samples=64,
                                 rng=np.random.default_rng(ENTROPY), n_replications=REPS,
                                 entropy=ENTROPY)
    assert len(table) == 64
    npv = table["npv_usd"].to_numpy()
    pv = table["subsidy_pv_usd"].to_numpy()
    grant = table["capex_grant_fraction"].to_numpy()
    itc = table["itc_fraction"].to_numpy()
    q = [5, 50, 95]
    print("\n[d] CM on the generic line, 64 LHS samples of scenario.uncertain:")
    print(f"[d] NPV without subsidy [USD] 5/50/95 %: {np.percentile(npv, q).round(0)}")
    print(f"[d] subsidy needed, PV at year 0 [USD] 5/50/95 %: {np.percentile(pv, q).round(0)}")
    for name, share in (("capex-grant", grant), ("ITC", itc)):
        finite = share[np.isfinite(share)]
        spread = np.percentile(finite, q) if finite.size else "none reachable"
        print(f"[d] {name} share of capex needed: reachable in {np.isfinite(share).mean():.0%}"
              f" of samples; 5/50/95 % of the reachable: {spread}")
    # The required subsidy is reported with its 90 % interval (the finding), as a present
    # value. The model says more: CM's yearly operating gain on this line is positive (QC,
    # labour, yield) but small, and the one-off costs are dominated by 24 regulatory filings
    # (24 x 400 kUSD = 9.6 MUSD, with the 5 MUSD capex and 0.5 MUSD training): a subsidy
    # limited to a share of the capex -- even 100 % -- cannot bring the NPV to 0 (shares are
    # inf in every sample). A per-product filing subsidy or platform approval would be needed.
    assert np.all(pv > 0)
    low, high = np.percentile(pv, [5, 95])
    assert 0 < low <= high
    assert np.all(np.isinf(grant)) and np.all(np.isinf(itc))
    base = appraise_technology(scenario, "line-1", "continuous", n_replications=REPS,
                               entropy=ENTROPY)
    assert math.isinf(required_subsidy(base, scenario, "line-1"))
