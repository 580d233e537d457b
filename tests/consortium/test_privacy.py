"""Differentially private answers through OpenDP and the privacy-budget ledger: queries
stop when the budget is spent; the noise has the scale the mechanism states."""

from __future__ import annotations

import numpy as np
import pytest
from consortium_pools import FIELD, pool

from rxtwin.consortium.privacy import (
    PrivacyBudgetExceededError,
    PrivacyLedger,
    dp_mechanism,
    dp_release,
)
from rxtwin.errors import UserInputError

FRAME = pool([(f"firm{i}", "oral_solid", "europe", 10.0 * (i + 1)) for i in range(8)]
             + [("firm0", "oral_solid", "europe", 500.0)])  # a second line of firm0
BOUNDS = {FIELD: (0.0, 100.0)}


def test_queries_stop_when_the_budget_is_spent():
    ledger = PrivacyLedger("tenant-a", epsilon_total=1.0)
    answers = 0
    with pytest.raises(PrivacyBudgetExceededError, match="tenant-a.*exceeded") as caught:
        for _ in range(10):
            _, ledger = dp_release(FRAME, FIELD, "sum", {}, BOUNDS, 0.3, ledger)
            answers += 1
    assert answers == 3
    assert "the query was not run" in str(caught.value)
    assert ledger.epsilon_spent == pytest.approx(0.9, rel=1e-6)
    # a smaller query still fits, then nothing does
    _, ledger = dp_release(FRAME, FIELD, "count", {}, BOUNDS, 0.1, ledger)
    assert ledger.epsilon_remaining == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(PrivacyBudgetExceededError):
        dp_release(FRAME, FIELD, "count", {}, BOUNDS, 1e-3, ledger)
    assert isinstance(caught.value, UserInputError)


def test_a_refused_query_charges_nothing():
    ledger = PrivacyLedger("tenant-b", epsilon_total=0.5)
    with pytest.raises(PrivacyBudgetExceededError):
        dp_release(FRAME, FIELD, "mean", {}, BOUNDS, 0.6, ledger)
    assert ledger.entries == ()


def test_the_ledger_round_trips_through_plain_data():
    ledger = PrivacyLedger("tenant-c", epsilon_total=2.0)
    _, ledger = dp_release(FRAME, FIELD, "mean", {"region": "europe"}, BOUNDS, 0.4, ledger)
    data = ledger.to_dict()
    assert data["entries"][0]["query"] == "mean of changeovers_per_yr over region=europe"
    assert PrivacyLedger.from_dict(data) == ledger
    with pytest.raises(UserInputError, match="exactly the keys"):
        PrivacyLedger.from_dict({**data, "owner": "x"})
    with pytest.raises(UserInputError, match="epsilon_total"):
        PrivacyLedger.from_dict({**data, "epsilon_total": -1.0})


@pytest.mark.parametrize("m", [1, 2])
def test_the_sum_noise_has_the_stated_laplace_scale(m):
    # Laplace(b) has mean absolute deviation b and standard deviation sqrt(2) b. 4,000
    # draws give b to about 1.6 % (one standard error); we allow 8 % (5 standard errors).
    # OpenDP draws its noise from a secure generator that takes no seed, so the tolerance
    # is set for a false failure rate below 1e-6.
    mechanism = dp_mechanism("sum", (0.0, 100.0), epsilon=1.0,
                             max_submissions_per_organisation=m)
    (scale,) = mechanism.scales
    # the scale is the sensitivity over epsilon: m submissions of at most 100
    assert scale == pytest.approx(100.0 * m / 1.0, rel=1e-3)
    assert mechanism.epsilon <= 1.0 + 1e-12
    data = [10.0, 20.0, 30.0]
    noise = np.array([mechanism.measurement(data) for _ in range(4000)]) - 60.0
    assert np.mean(np.abs(noise)) == pytest.approx(scale, rel=0.08)
    assert np.std(noise) == pytest.approx(np.sqrt(2.0) * scale, rel=0.12)
    assert abs(np.median(noise)) < 0.1 * scale


def test_the_count_noise_has_the_stated_scale():
    mechanism = dp_mechanism("count", (0.0, 100.0), epsilon=0.5,
                             max_submissions_per_organisation=1)
    (scale,) = mechanism.scales
    assert scale == pytest.approx(2.0, rel=1e-3)
    noise = np.array([mechanism.measurement([1.0] * 7) for _ in range(4000)]) - 7
    # discrete Laplace of scale 2: variance 2 e^(-1/2) / (1 - e^(-1/2))^2 = 7.83
    variance = 2 * np.exp(-1 / scale) / (1 - np.exp(-1 / scale)) ** 2
    assert np.var(noise) == pytest.approx(variance, rel=0.15)


def test_a_mean_spends_half_its_epsilon_on_each_part():
    mechanism = dp_mechanism("mean", (0.0, 100.0), epsilon=1.0,
                             max_submissions_per_organisation=1)
    sum_scale, count_scale = mechanism.scales
    assert sum_scale == pytest.approx(200.0, rel=1e-3)
    assert count_scale == pytest.approx(2.0, rel=1e-3)
    assert mechanism.epsilon == pytest.approx(1.0, rel=1e-6)


def test_one_organisations_extra_lines_are_left_out_of_the_privacy_unit():
    # firm0's second line (500, far outside the bounds) is dropped with m = 1; with a huge
    # epsilon the answer is the clamped sum of one line per firm, 10 + ... + 80 = 360.
    ledger = PrivacyLedger("tenant-d", epsilon_total=1e9)
    release, _ = dp_release(FRAME, FIELD, "sum", {}, BOUNDS, 1e6, ledger)
    assert release.value == pytest.approx(360.0, abs=0.5)
    release, _ = dp_release(FRAME, FIELD, "sum", {}, BOUNDS, 1e6, ledger,
                            max_submissions_per_organisation=2)
    assert release.value == pytest.approx(460.0, abs=0.5)  # 500 clamped to 100


@pytest.mark.parametrize("kwargs,match", [
    ({"bounds": {}}, "no bounds declared"),
    ({"field": "oee_pct"}, "not a pooled figure"),
    ({"statistic": "median"}, "must be one of"),
    ({"epsilon": 0.0}, "epsilon"),
    ({"group": {"organisation_id": "firm1"}}, "group column"),
    ({"max_submissions_per_organisation": 0}, "max_submissions_per_organisation"),
])
def test_bad_queries_are_user_errors(kwargs, match):
    arguments = {"frame": FRAME, "field": FIELD, "statistic": "sum", "group": {},
                 "bounds": BOUNDS, "epsilon": 0.1,
                 "ledger": PrivacyLedger("t", epsilon_total=1.0), **kwargs}
    with pytest.raises(UserInputError, match=match):
        dp_release(**arguments)


@pytest.mark.parametrize("statistic", ["sum", "mean"])
def test_a_noise_scale_beyond_floating_point_is_a_user_error(statistic):
    # 1e12 per submission at epsilon 3e-5 (0.001 over 36 groups) asks a scale OpenDP
    # cannot represent: a refusal naming bounds and epsilon, not OpenDP's own exception.
    with pytest.raises(UserInputError, match="narrower bounds or spend a larger epsilon"):
        dp_mechanism(statistic, (-1e12, 1e12), 0.001 / 36, 1)
