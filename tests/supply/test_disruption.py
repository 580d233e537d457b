"""Disruption simulator: closed forms, a hand-computed expiry case, flow balances,
determinism and the scenario adapter."""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest
from scipy import stats

from rxtwin.compute import chunk_mapper
from rxtwin.data.disruption_defaults import bundled_defaults_path, load_disruption_defaults
from rxtwin.data.scenarios import load_scenario
from rxtwin.model.disruption import DemandShock, OutageMode
from rxtwin.model.distributions import Exponential
from rxtwin.stats import merge_all, plan_chunks
from rxtwin.supply.disruption import (
    BALANCE,
    STATISTICS,
    DisruptionSummary,
    disruption_chunk_task,
    simulate_disruptions,
    trace_product,
)
from rxtwin.supply.disruption_inputs import (
    MARKET_PARENT,
    chain_inputs,
    supply_inputs_from_scenario,
)

BIG = 1e12  # a supplier that refills any gap in one day


def single_supplier(rate_per_yr: float, mean_outage_days: float, buffer_days: int,
                    demand: float = 100.0):
    """One FDF supplier with exponential outages, base stock (buffer + 1) days of demand.

    Production comes before demand within a day, so a base stock of (B + 1) d carries the
    market through B whole days without production.
    """
    return chain_inputs(
        [{"id": "p", "demand_units_per_day": demand,
          "tiers": [{"label": "fdf", "parent": MARKET_PARENT,
                     "base_stock_units": (buffer_days + 1) * demand,
                     "shelf_life_days": 100_000,
                     "suppliers": [{"site": 0, "share": 1.0, "normal_units_per_day": BIG}]}]}],
        ["plant"], [[OutageMode("outage", rate_per_yr,
                                Exponential(dist="exponential", mean=mean_outage_days))]])


def test_single_supplier_shortage_probability_matches_exponential_closed_form():
    # Closed form: an outage of length X (exponential, mean m days) starting in day s
    # stops the plant on days s .. s + K - 1, K = ceil(X); a buffer of B days runs out iff
    # K > B (probability exp(-B/m), integer B), and days s + B .. s + K - 1 are short.
    # Years follow one another (state carries over), so an outage that started late in
    # the previous year can make this year short: the short days meet year [0, 364] iff
    # 1 - K <= s <= 364 - B, i.e. for 364 - B + K start days. With arrivals at lam per
    # 365 days, the expected number of outages leaving a short day in the year is
    # lam/365 E[(364 - B + K) 1{K > B}] = lam/365 exp(-B/m) (364 + 1/(1 - exp(-1/m)))
    # (E[K - B | K > B] = E[ceil(Exp(m))] = 1/(1 - exp(-1/m)) by memorylessness), and
    # P(any shortage in a year) = 1 - exp(-that).
    # Approximations: arrivals during an outage are ignored by the model (lam E[K] / 365
    # ~ 0.8 % of exposure lost) and back-to-back outages merge; both shift P by < 0.001
    # here, below the 99 % Monte Carlo half-width (~0.006). The fresh-start formula
    # 1 - exp(-lam (365 - B)/365 exp(-B/m)) differs by 0.0034.
    lam, m, b = 0.5, 5.0, 7
    inputs = single_supplier(lam, m, b)
    run = simulate_disruptions(inputs, 20_000, entropy=20261127, chunk_size=5_000)
    p_sim = run.summary.statistic("any_shortage")[0][0]
    carry = 364 + 1.0 / (1.0 - math.exp(-1.0 / m))
    p_exact = 1.0 - math.exp(-lam / 365 * math.exp(-b / m) * carry)
    half = stats.norm.ppf(0.995) * math.sqrt(p_exact * (1 - p_exact) / 20_000)
    assert abs(p_sim - p_exact) < half + 0.001, (p_sim, p_exact, half)


def test_single_supplier_shortage_days_match_renewal_reward():
    # Exact closed form (renewal-reward theorem, Ross 1996, Stochastic Processes, thm
    # 3.6.1), with long outages so that arrivals ignored during them matter: after an
    # outage ends on an integer day the site is up for floor(U) whole days, U ~ Exp with
    # rate r = lam/365 per day (an arrival at time t starts an outage on day floor(t)),
    # E[floor U] = exp(-r)/(1 - exp(-r)); then down K = ceil(X) days, E[K] = 1/(1 - q),
    # q = exp(-1/m). Short days per cycle: (K - B)^+, E = exp(-B/m)/(1 - q). Long-run short
    # days per year = 365 E[(K - B)^+] / (E[floor U] + E[K]) = 55.2 d here, whereas
    # lam E[(K - B)^+] (arrivals never ignored) gives 73.4 d: the test tells them apart.
    lam, m, b = 2.0, 60.0, 30
    inputs = single_supplier(lam, m, b)
    run = simulate_disruptions(inputs, 20_000, entropy=11, chunk_size=500)
    mean, half = run.summary.statistic("shortage_days")
    q = math.exp(-1.0 / m)
    r = lam / 365.0
    cycle_days = math.exp(-r) / (1.0 - math.exp(-r)) + 1.0 / (1.0 - q)
    exact = 365.0 * math.exp(-b / m) / (1.0 - q) / cycle_days
    # 95 % batch-means half-width over 40 chunks x 1.6 ~ a 99.8 % band
    assert abs(mean[0] - exact) < 1.6 * half[0], (mean[0], exact, half[0])
    assert abs(lam * math.exp(-b / m) / (1.0 - q) - exact) > 3 * half[0]


def test_shortage_episode_length_is_geometric_median():
    # Given X > B, the shortage lasts ceil(X) - B days; by memorylessness
    # P(length >= j) = exp(-(j - 1)/m): the median length is the smallest j with
    # 1 - exp(-j/m) >= 1/2, i.e. ceil(m ln 2) = 4 days for m = 5 (CDF 0.45 at 3 days and
    # 0.55 at 4: ~2,000 episodes put the Kaplan-Meier median at 4 with near certainty).
    inputs = single_supplier(0.5, 5.0, 7)
    run = simulate_disruptions(inputs, 20_000, entropy=7, chunk_size=5_000)
    table = run.summary.table()
    assert table.loc[0, "ttr_median_days"] == math.ceil(5.0 * math.log(2.0))


def test_no_outage_gives_full_fill_rate():
    inputs = single_supplier(0.0, 5.0, 3)
    table = simulate_disruptions(inputs, 50, entropy=1, chunk_size=25).summary.table()
    assert table.loc[0, "shortage_probability_per_yr"] == 0.0
    assert table.loc[0, "fill_rate"] == 1.0


def hand_expiry_inputs():
    # One FDF tier, demand 10/day, shelf life 20 days; 100 units on hand at the start,
    # 15 days old, so that lot expires at the start of day 5. Base stock 100.
    return chain_inputs(
        [{"id": "p", "demand_units_per_day": 10.0,
          "tiers": [{"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 100.0,
                     "initial_on_hand_units": 100.0, "initial_age_days": 15,
                     "shelf_life_days": 20, "unit_value_usd": 2.0,
                     "suppliers": [{"site": 0, "share": 1.0,
                                    "normal_units_per_day": 1000.0}]}]}],
        ["plant"], [[]], holding_rate_per_yr=0.365)


def test_shelf_life_expiry_matches_hand_computation():
    # By hand, first-expired-first-out: day 0 demand takes 10 of the old lot (90 left), no
    # production (position = 100). Days 1-4: 10 made each day (fresh lots, expiring 20
    # days later), demand takes 10 from the old lot -> 50 left at the end of day 4. Day 5:
    # the old lot expires: 50 units lost; 40 fresh units remain, 60 are made, demand takes
    # 10. From then on stock turns over in 10 days < 20, so nothing else expires.
    # Expected: expired 50, no shortage; stock on hand: 90 at the end of day 0, then
    # 90 every day (100 after production, minus 10 demand) -> mean 90.
    # Holding cost = mean value held x rate = 90 x 2 USD x 0.365 /yr x 365/365 d = 65.7 USD.
    inputs = hand_expiry_inputs()
    trace = trace_product(inputs, 0, 1, np.random.SeedSequence(0))
    row = dict(zip(STATISTICS, trace.stats[0], strict=True))
    assert row["expired_units"] == pytest.approx(50.0, abs=1e-9)
    assert row["shortage_days"] == 0
    assert row["demand_units"] == pytest.approx(3650.0)
    assert row["mean_on_hand_units"] == pytest.approx(90.0)
    assert row["holding_cost_usd"] == pytest.approx(90.0 * 2.0 * 0.365)


def test_start_lot_expiry_with_capped_supply():
    # By hand: shelf life 5 days, start lot of 100 units 4 days old -> it expires at the
    # start of day 1. Day 0: no production (position = base stock), demand takes 10 -> 90.
    # Day 1: the 90 expire; the plant makes at most 10/day, which demand takes the same day
    # (FEFO), so nothing made later ever expires and no day is short. Expired = 90.
    inputs = chain_inputs(
        [{"id": "p", "demand_units_per_day": 10.0,
          "tiers": [{"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 100.0,
                     "initial_on_hand_units": 100.0, "initial_age_days": 4,
                     "shelf_life_days": 5,
                     "suppliers": [{"site": 0, "share": 1.0,
                                    "normal_units_per_day": 10.0}]}]}],
        ["plant"], [[]])
    trace = trace_product(inputs, 0, 1, np.random.SeedSequence(0))
    row = dict(zip(STATISTICS, trace.stats[0], strict=True))
    assert row["expired_units"] == pytest.approx(90.0)
    assert row["shortage_days"] == 0


def three_tier_inputs(cv: float = 0.3, rate: float = 2.0):
    """KSM -> API -> FDF with lead times, two API suppliers, surge, expiry and shocks."""
    d = 50.0
    mode = OutageMode("x", rate, Exponential(dist="exponential", mean=20.0))
    tiers = [
        {"label": "ksm", "parent": 1, "base_stock_units": 40 * d, "shelf_life_days": 90,
         "initial_age_days": 30, "unit_value_usd": 0.1,
         "suppliers": [{"site": 0, "share": 1.0, "normal_units_per_day": 1.2 * d,
                        "capacity_units_per_day": 2 * d, "lead_days": 10, "lag_days": 5}]},
        {"label": "api", "parent": 2, "base_stock_units": 50 * d, "shelf_life_days": 60,
         "initial_age_days": 10, "unit_value_usd": 0.5,
         "suppliers": [{"site": 1, "share": 0.6, "normal_units_per_day": 0.7 * d,
                        "capacity_units_per_day": 1.2 * d, "lead_days": 20, "lag_days": 15},
                       {"site": 2, "share": 0.4, "normal_units_per_day": 0.5 * d,
                        "capacity_units_per_day": d, "lead_days": 7, "lag_days": 0}]},
        {"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 30 * d,
         "shelf_life_days": 45, "initial_age_days": 5, "unit_value_usd": 1.0,
         "suppliers": [{"site": 3, "share": 1.0, "normal_units_per_day": 1.3 * d}]},
    ]
    shock = DemandShock("surge", 1.0, Exponential(dist="exponential", mean=30.0), 1.5)
    return chain_inputs([{"id": "p", "demand_units_per_day": d, "demand_cv": cv,
                          "shocks": (shock,), "tiers": tiers}],
                        ["k", "a1", "a2", "f"], [[mode]] * 4, holding_rate_per_yr=0.2)


def test_flows_balance_at_every_tier():
    # Per tier: start stock (on hand + in transit) + produced
    #   = delivered (to the next tier or the market) + expired + end stock.
    inputs = three_tier_inputs()
    trace = trace_product(inputs, 0, 200, np.random.SeedSequence(3))
    b = trace.balance
    col = {name: b[:, k] for k, name in enumerate(BALANCE)}
    lhs = col["initial_units"] + col["produced_units"]
    rhs = col["delivered_units"] + col["expired_units"] + col["final_units"]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9)
    # what one tier delivers downstream is what the next one produced
    np.testing.assert_allclose(col["delivered_units"][:2], col["produced_units"][1:],
                               rtol=1e-12)
    assert col["expired_units"].sum() > 0  # the case exercises expiry
    # market: demand = served + unmet
    s = trace.stats
    served = col["delivered_units"][2]
    assert served + s[:, STATISTICS.index("unmet_units")].sum() == pytest.approx(
        s[:, STATISTICS.index("demand_units")].sum(), rel=1e-12)
    assert s[:, STATISTICS.index("shortage_days")].sum() > 0


HISTORY_YEARS = 300
HISTORY_DAYS = HISTORY_YEARS * 365
API_SHELF_DAYS = HISTORY_DAYS + 500


def two_tier_inputs(api_initial_age_days: int):
    """API -> FDF with outages and noisy demand; shelf lives so long that only the API's
    initial lot (20 days of demand, expiring on day API_SHELF_DAYS - age) can come near
    expiry within a history of HISTORY_YEARS years."""
    d = 40.0
    mode = OutageMode("x", 2.0, Exponential(dist="exponential", mean=5.0))
    tiers = [
        {"label": "api", "parent": 1, "base_stock_units": 30 * d,
         "shelf_life_days": API_SHELF_DAYS,
         "initial_on_hand_units": 20 * d, "initial_age_days": api_initial_age_days,
         "unit_value_usd": 0.5,
         "suppliers": [{"site": 0, "share": 1.0, "normal_units_per_day": 1.2 * d,
                        "capacity_units_per_day": 2 * d, "lead_days": 10, "lag_days": 3}]},
        {"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 15 * d,
         "shelf_life_days": 2 * HISTORY_DAYS, "unit_value_usd": 1.0,
         "suppliers": [{"site": 1, "share": 1.0, "normal_units_per_day": 1.3 * d}]},
    ]
    return chain_inputs([{"id": "p", "demand_units_per_day": d, "demand_cv": 0.3,
                          "tiers": tiers}], ["a", "f"], [[mode]] * 2, holding_rate_per_yr=0.2)


def test_stock_without_lots_matches_lots_when_nothing_expires():
    # Second implementation: a tier whose lots cannot expire within the history keeps its
    # stock as one number (no lots). With the API's initial lot expiring on the last day
    # of the history (HISTORY_DAYS - 1) the kernel keeps lots; one day later it does not.
    # That lot is always used up within weeks (FEFO takes it first), so both runs must
    # give the same bits per year, and flow balances equal to rounding.
    seed = np.random.SeedSequence(17)
    age_with_lots = API_SHELF_DAYS - (HISTORY_DAYS - 1)
    with_lots = trace_product(two_tier_inputs(age_with_lots), 0, HISTORY_YEARS, seed)
    without = trace_product(two_tier_inputs(age_with_lots - 1), 0, HISTORY_YEARS, seed)
    assert with_lots.stats[:, STATISTICS.index("expired_units")].sum() == 0.0
    assert with_lots.stats[:, STATISTICS.index("shortage_days")].sum() > 0
    np.testing.assert_array_equal(with_lots.stats, without.stats)
    np.testing.assert_array_equal(with_lots.episodes_ended, without.episodes_ended)
    np.testing.assert_array_equal(with_lots.episodes_open, without.episodes_open)
    np.testing.assert_allclose(with_lots.balance, without.balance, rtol=1e-12)


def test_same_seed_same_summary_and_chunks_merge_in_order():
    inputs = three_tier_inputs()
    a = simulate_disruptions(inputs, 60, entropy=11, chunk_size=20)
    b = simulate_disruptions(inputs, 60, entropy=11, chunk_size=20)
    assert a.summary.equals(b.summary)
    _, chunks = plan_chunks(60, 20, 11)
    parts = [disruption_chunk_task(inputs, c) for c in chunks]
    assert merge_all(parts).equals(a.summary)
    back = DisruptionSummary.from_dict(a.summary.to_dict())
    assert back.equals(a.summary)


@pytest.mark.parametrize("backend", ["processes", "threads"])
def test_parallel_backends_are_bit_identical_to_serial(backend):
    inputs = three_tier_inputs()
    serial = simulate_disruptions(inputs, 40, entropy=5, chunk_size=10)
    pooled = simulate_disruptions(inputs, 40, entropy=5, chunk_size=10,
                                  map_chunks=chunk_mapper(backend, workers=2))
    assert serial.summary.equals(pooled.summary)


def test_resume_with_done_chunks_gives_the_same_result():
    inputs = three_tier_inputs()
    full = simulate_disruptions(inputs, 40, entropy=9, chunk_size=10)
    _, chunks = plan_chunks(40, 10, 9)
    done = {0: disruption_chunk_task(inputs, chunks[0])}
    seen = []
    resumed = simulate_disruptions(inputs, 40, entropy=9, chunk_size=10, done=done,
                                   on_chunk_done=lambda i, s: seen.append(i))
    assert resumed.summary.equals(full.summary)
    assert sorted(seen) == [1, 2, 3]


def test_outputs_are_within_their_ranges():
    table = simulate_disruptions(three_tier_inputs(), 100, entropy=2,
                                 chunk_size=50).summary.table()
    row = table.iloc[0]
    assert 0.0 < row["shortage_probability_per_yr"] <= 1.0
    assert 0.0 <= row["fill_rate"] < 1.0
    assert 0 <= row["shortage_days_per_yr"] <= 365
    assert row["holding_cost_usd_per_yr"] > 0
    assert row["ttr_median_days"] >= 1


def test_bad_n_years_is_rejected_with_its_value():
    with pytest.raises(ValueError, match="n_years = 0"):
        simulate_disruptions(three_tier_inputs(), 0, entropy=1)


# ------------------------------------------------------------------ scenario adapter


@pytest.fixture(scope="module")
def defaults():
    return load_disruption_defaults()


def test_defaults_file_loads_with_provenance(defaults):
    assert len(defaults.site_outage_modes) >= 4
    assert {m.name for m in defaults.site_outage_modes} >= {
        "regulatory_action", "natural_disaster", "substandard_input", "site_infrastructure"}
    assert defaults.scenario_year_days == 365


def test_fda_calibration_is_opt_in_and_its_absence_is_named(tmp_path):
    assert load_disruption_defaults().calibrated_durations == {}
    fda = load_disruption_defaults(fda_calibrated=True).calibrated_durations
    assert set(fda) == {"regulatory_action"}
    plain = tmp_path / "plain.yaml"
    text = bundled_defaults_path().read_text()
    plain.write_text(text[:text.index("fda_calibrated_outage_durations:")])
    assert load_disruption_defaults(plain).calibrated_durations == {}
    with pytest.raises(ValueError, match="plain.yaml: fda_calibrated"):
        load_disruption_defaults(plain, fda_calibrated=True)


def test_defaults_without_provenance_are_rejected(tmp_path):
    bad = tmp_path / "d.yaml"
    bad.write_text("site_outage_modes: []\ninput_cover_days: {value: 30}\n")
    from rxtwin.data.disruption_defaults import load_disruption_defaults as load

    with pytest.raises(ValueError, match="input_cover_days"):
        load(bad)


@pytest.mark.parametrize("name", ["metformin", "sterile_injectable", "generic_oral_solid",
                                  "high_volume_single_product"])
def test_bundled_scenarios_become_engine_inputs(name, defaults):
    scenario = load_scenario(name)
    inputs = supply_inputs_from_scenario(scenario, defaults=defaults)
    assert inputs.product_ids == tuple(p.id for p in scenario.products)
    for p, product in enumerate(scenario.products):
        assert inputs.demand_units_per_day[p] == pytest.approx(
            product.demand_units_per_yr / 365.0)
        labels = inputs.tier_labels[p]
        assert labels[-1] == "fdf"
        if product.api_id is not None and any(e.material_id == product.api_id
                                              for e in scenario.supply_edges):
            assert f"api:{product.api_id}" in labels
    assert set(inputs.site_ids) >= {s.id for s in scenario.sites if any(
        e.supplier_site_id == s.id for e in scenario.supply_edges)}


def test_sterile_scenario_tiers_and_interventions(defaults):
    scenario = load_scenario("sterile_injectable")
    base = supply_inputs_from_scenario(scenario, defaults=defaults)
    labels = base.tier_labels[0]
    assert labels == ("api:ondansetron-api", "component:vial-10ml",
                      "component:stopper-20mm", "fdf")
    # FDF site outage modes come from the scenario (regulatory action, hours -> days) ...
    fdf_site = base.site_ids.index("fdf-site")
    assert defaults.calibrated_durations == {}  # the FDA fit is opt-in
    (mode,) = base.site_outage_modes[fdf_site]
    assert mode.name == "regulatory-action"
    assert mode.category == "regulatory_action"
    assert mode.rate_per_yr == pytest.approx(0.05)
    assert mode.duration_unit_days == pytest.approx(1 / 24)
    assert mode.duration.mean == pytest.approx(4380.0)
    # ... with the calibrated duration of their category, in days, when it is chosen
    fda = load_disruption_defaults(fda_calibrated=True)
    calibrated_inputs = supply_inputs_from_scenario(scenario, defaults=fda)
    (calibrated,) = calibrated_inputs.site_outage_modes[fdf_site]
    fitted = fda.calibrated_durations["regulatory_action"]
    assert calibrated.rate_per_yr == pytest.approx(0.05)
    assert calibrated.duration == fitted and calibrated.duration_unit_days == 1.0
    supplier = base.site_ids.index("api-site-1")
    by_category = {m.category: m for m in calibrated_inputs.site_outage_modes[supplier]}
    assert by_category["regulatory_action"].duration == fitted
    assert by_category["qa_lapse"].duration.mean == pytest.approx(30.0)
    buffered = supply_inputs_from_scenario(scenario, ["buffer-stock-90d"], defaults=defaults)
    d = base.demand_units_per_day[0]
    assert buffered.base_stock_units[0, 3] - base.base_stock_units[0, 3] == pytest.approx(
        90 * d)
    dual = supply_inputs_from_scenario(scenario, ["dual-source-stoppers"], defaults=defaults)
    assert "vial-maker~dual" in dual.site_ids and "stopper-maker~dual" in dual.site_ids
    stopper = 2
    assert (dual.supplier_site[0, stopper] >= 0).sum() == 2
    np.testing.assert_allclose(dual.supplier_share[0, stopper, :2], [0.5, 0.5])


def test_unknown_intervention_is_named(defaults):
    with pytest.raises(ValueError, match="not-there"):
        supply_inputs_from_scenario(load_scenario("metformin"), ["not-there"],
                                    defaults=defaults)


def test_scenario_run_end_to_end(defaults):
    inputs = supply_inputs_from_scenario(load_scenario("metformin"), defaults=defaults)
    task = functools.partial(disruption_chunk_task, inputs)
    _, chunks = plan_chunks(20, 20, 3)
    summary = task(chunks[0])
    table = summary.table()
    assert list(table["product_id"]) == ["metformin-500"]
    assert 0.0 <= table.loc[0, "fill_rate"] <= 1.0


def test_ksm_edges_into_api_sites_form_a_ksm_tier(defaults):
    from rxtwin.model import Scenario

    doc = load_scenario("metformin").document()
    doc["materials"].append({"id": "guanidine", "name": "KSM", "kind": "ksm",
                             "shelf_life_days": 700.0})
    doc["sites"].append({"id": "ksm-site", "name": "KSM plant", "country_code": "CN",
                         "owner": "KSM maker"})
    for api_site in ("api-site-in", "api-site-cn"):
        doc["supply_edges"].append({"supplier_site_id": "ksm-site",
                                    "customer_site_id": api_site, "material_id": "guanidine",
                                    "share": 1.0, "lead_time_days": 20.0})
    inputs = supply_inputs_from_scenario(Scenario.model_validate(doc), defaults=defaults)
    assert inputs.tier_labels[0] == ("ksm->api:metformin-api", "api:metformin-api", "fdf")
    assert inputs.tier_parent[0].tolist() == [1, 2, MARKET_PARENT]
    assert inputs.shelf_life_days[0, 0] == 700
    # one row per API maker the KSM site serves (same site: they fail together)
    assert inputs.supplier_share[0, 0, :2].tolist() == [0.5, 0.5]
    assert inputs.supplier_site[0, 0, 0] == inputs.supplier_site[0, 0, 1]


def run_on_calendar(inputs, down_days, n_years, warmup_years=0):
    """Run the kernel of product 0 on a hand-made calendar: site 0 down on ``down_days``
    (days counted from the start of the history), demand at its mean."""
    from rxtwin.supply.disruption import N_EPISODE_BINS, _product_args
    from rxtwin.supply.disruption_kernel import CAUSE_STATISTICS, N_STATISTICS, simulate_product

    n_total = warmup_years + n_years
    down = np.zeros((1, n_total, 365), dtype=np.uint8)
    down[0].reshape(-1)[list(down_days)] = 1
    demand = np.full((n_total, 365), inputs.demand_units_per_day[0])
    stats = np.zeros((n_years, N_STATISTICS))
    ended = np.zeros(N_EPISODE_BINS, dtype=np.int64)
    open_ = np.zeros_like(ended)
    balance = np.zeros((inputs.tier_parent.shape[1], len(BALANCE)))
    causes = np.zeros((inputs.causes.n_causes, len(CAUSE_STATISTICS)))
    simulate_product(*_product_args(inputs, 0), down, demand, 0.0, warmup_years,
                     inputs.episode_gap_days, inputs.attribution_window_days, stats, ended,
                     open_, balance, causes)
    return stats, ended, open_


def test_an_outage_runs_on_into_the_next_year():
    # By hand: base stock 8 d (B = 7 days of buffer), site down on days 300..399 of the
    # history (100 days, across the year end at day 365). Short days: 307..399, i.e. 58
    # in year 0 (307..364) and 35 in year 1 (365..399): one episode of 93 days that ends
    # in year 1 and started in year 0.
    inputs = single_supplier(0.0, 1.0, 7)
    stats, ended, open_ = run_on_calendar(inputs, range(300, 400), 2)
    row = {name: stats[:, k] for k, name in enumerate(STATISTICS)}
    assert row["shortage_days"].tolist() == [58, 35]
    assert row["episodes_count"].tolist() == [1, 0]
    assert row["longest_episode_days"].tolist() == [58, 93]
    assert np.flatnonzero(ended).tolist() == [93] and ended[93] == 1
    assert open_.sum() == 0


def test_warmup_years_are_simulated_but_not_recorded():
    # Same outage with year 0 as warm-up: the recorded year sees the episode's tail.
    inputs = single_supplier(0.0, 1.0, 7)
    stats, ended, _ = run_on_calendar(inputs, range(300, 400), 1, warmup_years=1)
    assert stats[0, STATISTICS.index("shortage_days")] == 35
    assert stats[0, STATISTICS.index("episodes_count")] == 0
    assert ended[93] == 1  # full length, although it started in the warm-up


@pytest.mark.parametrize(("gap_days", "expected"), [(0, {10: 2}), (6, {10: 2}),
                                                     (7, {27: 1})])
def test_short_days_close_together_merge_into_one_episode(gap_days, expected):
    # By hand: buffer B = 2 days; outages on days 10..21 and 27..38 give short days
    # 12..21 and 29..38 (10 each); days 22..28 are not short (the plant refills on day
    # 22, and the buffer covers 27 and 28): 7 days between the two runs. Allowing gaps of
    # 7 days or more makes them one episode from day 12 to day 38: 27 days.

    inputs = dataclasses.replace(single_supplier(0.0, 1.0, 2), episode_gap_days=gap_days)
    down = [*range(10, 22), *range(27, 39)]
    stats, ended, _ = run_on_calendar(inputs, down, 1)
    assert stats[0, STATISTICS.index("shortage_days")] == 20
    got = {int(k): int(ended[k]) for k in np.flatnonzero(ended)}
    assert got == expected


def test_calibrated_duration_keeps_an_interventions_duration_change():
    # a scenario mode in hours whose duration an intervention halves: the calibrated
    # duration (days) replaces it, and the halving still applies
    defaults = load_disruption_defaults(fda_calibrated=True)
    mode = OutageMode("reg", 0.1, Exponential(dist="exponential", mean=4380.0), 0.5 / 24,
                      category="regulatory_action")
    replaced = defaults.outage_mode(mode, duration_multiplier=0.5)
    assert replaced.duration == defaults.calibrated_durations["regulatory_action"]
    assert replaced.duration_unit_days == 0.5
    other = OutageMode("x", 0.1, mode.duration, 1 / 24, category="qa_lapse")
    assert defaults.outage_mode(other, duration_multiplier=0.5) is other


def test_a_shock_below_one_lowers_demand_and_overlaps_take_the_largest():
    # By hand: one product, mean 10/day, no noise; a "loss" shock (x0.5) and a "surge"
    # (x1.5), both certain to arrive (rate 1000/yr) and long (mean 10^6 days, fixed), so
    # every day of the history has both active -> x1.5; with the loss alone -> x0.5.
    from rxtwin.model.distributions import Fixed
    from rxtwin.supply.disruption import demand_paths

    def inputs_with(*shocks):
        return chain_inputs(
            [{"id": "p", "demand_units_per_day": 10.0, "shocks": shocks,
              "tiers": [{"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 50.0,
                         "shelf_life_days": 10_000,
                         "suppliers": [{"site": 0, "share": 1.0,
                                        "normal_units_per_day": 20.0}]}]}],
            ["plant"], [[]])

    long = Fixed(dist="fixed", value=1e6)
    loss = DemandShock("loss", 1000.0, long, 0.5)
    surge = DemandShock("surge", 1000.0, long, 1.5)
    seed = np.random.SeedSequence(4)
    only_loss = demand_paths(inputs_with(loss), 0, seed, 3)
    both = demand_paths(inputs_with(loss, surge), 0, seed, 3)
    none = demand_paths(inputs_with(), 0, seed, 3)
    # the first arrival comes within the first day or so; after it, the factor holds
    assert np.all(only_loss[:, 5:] == 5.0) and np.all(both[:, 5:] == 15.0)
    assert np.all(none == 10.0)


def test_confidence_intervals_are_batch_means_over_chunks():
    # Second computation: the half-width is Student's t over the chunk means, which are
    # the means of each chunk's own summary (chunks are independent histories).
    inputs = three_tier_inputs()
    run = simulate_disruptions(inputs, 60, entropy=13, chunk_size=10)
    _, chunks = plan_chunks(60, 10, 13)
    means = np.array([disruption_chunk_task(inputs, c).statistic("shortage_days")[0][0]
                      for c in chunks])
    expected = stats.t.ppf(0.975, 5) * means.std(ddof=1) / math.sqrt(6)
    mean, half = run.summary.statistic("shortage_days")
    assert half[0] == pytest.approx(expected, rel=1e-12)
    assert mean[0] == pytest.approx(means.mean(), rel=1e-12)  # equal chunks
    single = simulate_disruptions(inputs, 10, entropy=13, chunk_size=10)
    assert np.isnan(single.summary.statistic("shortage_days")[1][0])
