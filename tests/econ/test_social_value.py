"""The value to society of avoided shortages (rxtwin.econ.social).

Order: the parts of a shortage-day's cost recomputed by hand, the value of avoided
shortages and its scaling, the social NPV against independently built cash flows, then the
Monte Carlo interval against the closed-form expectation and the one-at-a-time table.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.data.shortage_costs import load_shortage_costs
from rxtwin.econ.metrics import npv_usd
from rxtwin.econ.social import (
    COST_PARAMETERS,
    ShortageDayCost,
    SocialOption,
    cost_parameters,
    sample_shortage_day_costs,
    shortage_cost_sensitivity,
    shortage_day_cost,
    social_npv,
    social_npv_uncertainty,
    social_value_of_avoided,
)
from rxtwin.errors import UserInputError
from rxtwin.model import RangedValue
from rxtwin.stats.sampling import frozen

PARAMETERS = load_shortage_costs()
ORAL = load_scenario("generic_oral_solid").products[0]  # atorvastatin, oral solid
STERILE = load_scenario("sterile_injectable").products[0]  # ondansetron, sterile injectable


def _scaled(ranged: RangedValue, factor: float) -> RangedValue:
    return RangedValue(value=ranged.value * factor, low=ranged.low * factor,
                       high=ranged.high * factor)


def _doubled_costs():
    """The bundled parameters with every money amount per shortage-day doubled: labour,
    substitutes and the willingness-to-pay per QALY (which scales the harm)."""
    return PARAMETERS.model_copy(update={
        name: _scaled(getattr(PARAMETERS, name), 2.0)
        for name in ("hospital_labour_usd_per_yr", "substitute_purchases_usd_per_yr",
                     "wtp_usd_per_qaly")})


# ------------------------------------------------------------------ the parts, by hand

def test_labour_per_shortage_day_recomputes_the_vizient_division():
    # Vizient 2025 (2023 data): USD 894 M a year of hospital labour, spread over the ~310
    # active national shortages (ASHP) and 365 days: 894e6 / 113,150 = 7,901.02 USD.
    cost = shortage_day_cost(ORAL, PARAMETERS)
    assert cost.labour_usd_per_shortage_day == pytest.approx(894.0e6 / (310.0 * 365.0),
                                                             rel=1e-12)
    assert round(cost.labour_usd_per_shortage_day, 2) == 7901.02
    # the same national figure for every product
    assert shortage_day_cost(STERILE, PARAMETERS).labour_usd_per_shortage_day == \
        cost.labour_usd_per_shortage_day


def test_substitutes_per_shortage_day_recompute_the_premier_division():
    cost = shortage_day_cost(ORAL, PARAMETERS)
    assert cost.substitutes_usd_per_shortage_day == pytest.approx(304.8e6 / (310.0 * 365.0),
                                                                  rel=1e-12)


def test_harm_per_unmet_unit_by_hand_for_each_dosage_form():
    # (1 - alternative share) x QALY lost per patient-day x USD/QALY / units per patient-day
    assert shortage_day_cost(ORAL, PARAMETERS).harm_usd_per_unmet_unit == pytest.approx(
        (1 - 0.9) * 5.0e-5 * 100_000.0 / 1.0, rel=1e-12)
    assert shortage_day_cost(STERILE, PARAMETERS).harm_usd_per_unmet_unit == pytest.approx(
        (1 - 0.5) * 0.002 * 100_000.0 / 2.0, rel=1e-12)


def test_a_products_own_harm_figures_replace_its_dosage_forms():
    high_harm = STERILE.model_copy(update={
        "qaly_lost_per_affected_patient_day":
            PARAMETERS.high_harm_qaly_lost_per_affected_patient_day.value,
        "therapeutic_alternative_share": 0.0, "units_per_patient_day": 3.0})
    assert shortage_day_cost(high_harm, PARAMETERS).harm_usd_per_unmet_unit == pytest.approx(
        1.0 * 0.0617 * 100_000.0 / 3.0, rel=1e-12)


def test_a_shortage_day_adds_its_parts_and_harm_scales_with_unmet_units():
    cost = shortage_day_cost(STERILE, PARAMETERS)
    full = STERILE.demand_units_per_yr / 365.0
    for unmet in (full, 0.5 * full, 0.0):
        expected = (cost.labour_usd_per_shortage_day + cost.substitutes_usd_per_shortage_day
                    + unmet * cost.harm_usd_per_unmet_unit)
        assert cost.total_usd_per_shortage_day(unmet) == pytest.approx(expected, rel=1e-12)
        assert cost.harm_usd_per_shortage_day(unmet) == unmet * cost.harm_usd_per_unmet_unit
    # a partial shortage: half the unmet units, half the harm, the same hospital work
    assert cost.harm_usd_per_shortage_day(0.5 * full) == 0.5 * cost.harm_usd_per_shortage_day(
        full)


# ------------------------------------------------------------------ the value of avoided

def test_value_of_avoided_is_days_times_day_parts_plus_units_times_harm():
    value = social_value_of_avoided(10.0, 20_000.0, ShortageDayCost(8_000.0, 2_000.0, 0.5))
    assert (value.labour_usd_per_yr, value.substitutes_usd_per_yr, value.harm_usd_per_yr) == (
        80_000.0, 20_000.0, 10_000.0)
    assert value.total_usd_per_yr == 110_000.0


@pytest.mark.parametrize("product", [ORAL, STERILE], ids=["oral", "sterile"])
def test_doubling_every_cost_per_shortage_day_doubles_the_avoided_value_exactly(product):
    option = SocialOption(capex_usd=1.0e6, opex_usd_per_yr=5.0e4, implementation_months=6,
                          shortage_days_avoided_per_yr=(3.0, 7.0, 11.0, 9.0),
                          unmet_units_avoided_per_yr=(1.0e4, 2.5e4, 4.0e4, 3.0e4))
    once = shortage_day_cost(product, PARAMETERS)
    twice = shortage_day_cost(product, _doubled_costs())
    assert twice.total_usd_per_shortage_day(123.0) == 2.0 * once.total_usd_per_shortage_day(
        123.0)
    kwargs = dict(social_discount_rate=0.03, horizon_yr=5)
    assert social_npv(option, twice, **kwargs).pv_value_usd == \
        2.0 * social_npv(option, once, **kwargs).pv_value_usd
    # the draws too: a triangular scaled by 2 has its quantiles scaled by 2, bit for bit
    draws_once = sample_shortage_day_costs(product, PARAMETERS, n_draws=1000,
                                           rng=np.random.default_rng(np.random.SeedSequence(7)))
    draws_twice = sample_shortage_day_costs(product, _doubled_costs(), n_draws=1000,
                                            rng=np.random.default_rng(np.random.SeedSequence(7)))
    np.testing.assert_array_equal(social_npv(option, draws_twice, **kwargs).pv_value_usd,
                                  2.0 * social_npv(option, draws_once, **kwargs).pv_value_usd)


# ------------------------------------------------------------------ social NPV

def test_an_option_without_effect_has_minus_its_discounted_resource_cost_exactly():
    # 18 months to implement: 2 implementation years, capex half in year 0 and half in
    # year 1; opex in the years of effect 3..10 (end-of-year convention).
    option = SocialOption(capex_usd=3.0e6, opex_usd_per_yr=2.0e5, implementation_months=18)
    flows = np.array([1.5e6, 1.5e6, 0.0] + [2.0e5] * 8)
    hand = sum(f / 1.03**t for t, f in enumerate(flows))
    for cost in (shortage_day_cost(STERILE, PARAMETERS),
                 sample_shortage_day_costs(STERILE, PARAMETERS, n_draws=50,
                                           rng=np.random.default_rng(3))):
        result = social_npv(option, cost, social_discount_rate=0.03, horizon_yr=10)
        np.testing.assert_array_equal(result.social_npv_usd, -npv_usd(0.03, flows))
        assert np.all(result.social_npv_usd == -result.pv_resource_cost_usd)
        assert result.pv_resource_cost_usd == pytest.approx(hand, rel=1e-12)


def test_social_npv_discounts_each_year_of_effect():
    cost = ShortageDayCost(8_000.0, 2_000.0, 0.5)
    option = SocialOption(capex_usd=1.0e5, opex_usd_per_yr=(1.0e3, 2.0e3),
                          implementation_months=12, shortage_days_avoided_per_yr=(4.0, 6.0),
                          unmet_units_avoided_per_yr=(1.0e4, 3.0e4))
    result = social_npv(option, cost, social_discount_rate=0.05, horizon_yr=3)
    # year 0: capex; year 1: implementation; years 2 and 3: effect
    value = [0.0, 0.0, 4 * 10_000 + 1.0e4 * 0.5, 6 * 10_000 + 3.0e4 * 0.5]
    resource = [1.0e5, 0.0, 1.0e3, 2.0e3]
    expected = sum((v - c) / 1.05**t for t, (v, c) in enumerate(zip(value, resource, strict=True)))
    assert result.social_npv_usd == pytest.approx(expected, rel=1e-12)
    table = result.table()
    assert table["value_usd"].tolist() == pytest.approx(value, rel=1e-12)
    # money balance: the yearly net flows discount to the social NPV
    assert npv_usd(0.05, table["net_usd"]) == pytest.approx(result.social_npv_usd, rel=1e-12)


def test_social_npv_rejects_timelines_that_do_not_fit():
    cost = ShortageDayCost(1.0, 1.0, 1.0)
    with pytest.raises(UserInputError, match="leaving no year of effect within horizon_yr = 2"):
        social_npv(SocialOption(capex_usd=1.0, implementation_months=30), cost,
                   social_discount_rate=0.03, horizon_yr=2)
    with pytest.raises(UserInputError, match=r"shortage_days_avoided_per_yr has 2 values; give "
                                             r"one number or one value for each of the 3 years"):
        social_npv(SocialOption(capex_usd=1.0, shortage_days_avoided_per_yr=(1.0, 2.0)), cost,
                   social_discount_rate=0.03, horizon_yr=3)
    with pytest.raises(ValueError, match="opex_usd_per_yr must be >= 0"):
        SocialOption(capex_usd=1.0, opex_usd_per_yr=-1.0)


# ------------------------------------------------------------------ uncertainty

def _closed_form_means(product) -> dict[str, float]:
    """E[labour], E[substitutes], E[harm per unit] with independent parameters: products of
    the means of the factors (E[1/X] by quadrature of the triangular density)."""
    p = {name: r.distribution for name, r in cost_parameters(product, PARAMETERS).items()}

    def mean(name):
        d = frozen(p[name])
        return d.mean() if d is not None else p[name].value

    def mean_inverse(name):
        d = frozen(p[name])
        return d.expect(lambda x: 1.0 / x) if d is not None else 1.0 / p[name].value

    per_day = mean_inverse("active_national_shortages") / 365.0
    return {
        "labour": mean("hospital_labour_usd_per_yr") * per_day,
        "substitutes": mean("substitute_purchases_usd_per_yr") * per_day,
        "harm": (1.0 - mean("therapeutic_alternative_share"))
        * mean("qaly_lost_per_affected_patient_day") * mean("wtp_usd_per_qaly")
        * mean_inverse("units_per_patient_day"),
    }


@pytest.mark.parametrize("product", [ORAL, STERILE], ids=["oral", "sterile"])
def test_monte_carlo_means_converge_to_the_closed_form_expectation(product):
    # Compared: the sample mean of 200,000 draws with the exact expectation of the
    # parameter distributions, part by part and for the total of a shortage-day (linear in
    # the parts, so E[total] = sum of the parts' means). Tolerance: 4 standard errors of the
    # sample mean, a 6e-5 two-sided chance of failing for a correct sampler.
    n = 200_000
    draws = sample_shortage_day_costs(product, PARAMETERS, n_draws=n,
                                      rng=np.random.default_rng(np.random.SeedSequence(2023)))
    expected = _closed_form_means(product)
    unmet = product.demand_units_per_yr / 365.0
    sampled = {"labour": draws.labour_usd_per_shortage_day,
               "substitutes": draws.substitutes_usd_per_shortage_day,
               "harm": draws.harm_usd_per_unmet_unit,
               "total": draws.total_usd_per_shortage_day(unmet)}
    expected["total"] = expected["labour"] + expected["substitutes"] + unmet * expected["harm"]
    for part, values in sampled.items():
        se = values.std(ddof=1) / math.sqrt(n)
        assert abs(values.mean() - expected[part]) < 4.0 * se, part


def test_seeded_draws_are_reproducible_and_seeds_differ():
    def draws(entropy):
        return sample_shortage_day_costs(
            STERILE, PARAMETERS, n_draws=500,
            rng=np.random.default_rng(np.random.SeedSequence(entropy))).harm_usd_per_unmet_unit

    np.testing.assert_array_equal(draws(11), draws(11))
    assert not np.array_equal(draws(11), draws(12))


def test_uncertainty_gives_the_base_case_an_interval_and_a_tornado():
    option = SocialOption(capex_usd=2.0e6, opex_usd_per_yr=1.0e5, implementation_months=12,
                          shortage_days_avoided_per_yr=10.0,
                          unmet_units_avoided_per_yr=10 * 0.5 * ORAL.demand_units_per_yr / 365)

    def run(entropy):
        return social_npv_uncertainty(
            option, ORAL, PARAMETERS, social_discount_rate=0.03, horizon_yr=10, n_draws=4000,
            rng=np.random.default_rng(np.random.SeedSequence(entropy)), level=0.9)

    result = run(5)
    base = social_npv(option, shortage_day_cost(ORAL, PARAMETERS), social_discount_rate=0.03,
                      horizon_yr=10)
    assert result.base_usd == base.social_npv_usd
    assert result.low_usd < result.mean_usd < result.high_usd
    assert np.mean((result.draws_usd >= result.low_usd)
                   & (result.draws_usd <= result.high_usd)) == pytest.approx(0.9, abs=0.002)
    np.testing.assert_array_equal(run(5).draws_usd, result.draws_usd)
    table = result.sensitivity
    assert set(table["parameter"]) == set(COST_PARAMETERS)
    assert (table["output_base"] == result.base_usd).all()
    assert table["swing"].is_monotonic_decreasing


def test_tornado_swing_of_a_linear_part_is_its_coefficient_times_the_range():
    # The labour part is linear in the yearly labour total: swing = (high - low) / (365 N).
    labour = PARAMETERS.hospital_labour_usd_per_yr
    table = shortage_cost_sensitivity(ORAL, PARAMETERS,
                                      lambda cost: cost.labour_usd_per_shortage_day)
    row = table.set_index("parameter").loc["hospital_labour_usd_per_yr"]
    assert row["swing"] == pytest.approx((labour.high - labour.low) / (365 * 310.0), rel=1e-12)
    assert table.set_index("parameter").loc["wtp_usd_per_qaly", "swing"] == 0.0
    # a parameter given by the product has no range and no row
    own = ORAL.model_copy(update={"units_per_patient_day": 2.0})
    assert "units_per_patient_day" not in set(
        shortage_cost_sensitivity(own, PARAMETERS, lambda c: c.harm_usd_per_unmet_unit)[
            "parameter"])


def test_uncertainty_rejects_a_bad_level_and_too_few_draws():
    option = SocialOption(capex_usd=1.0)
    kwargs = dict(social_discount_rate=0.03, horizon_yr=5, rng=np.random.default_rng(0))
    with pytest.raises(UserInputError, match="level = 1.0, must lie strictly between 0 and 1"):
        social_npv_uncertainty(option, ORAL, PARAMETERS, n_draws=10, level=1.0, **kwargs)
    with pytest.raises(UserInputError, match="n_draws = 1, need at least 2"):
        social_npv_uncertainty(option, ORAL, PARAMETERS, n_draws=1, **kwargs)
