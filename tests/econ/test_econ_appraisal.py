"""Firm profiles (bundled data with provenance) and the appraisal verdict."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

import rxtwin.data
from rxtwin.data.econ_defaults import default_firm_profiles, firm_profile, load_firm_profiles
from rxtwin.econ.appraisal import appraise
from rxtwin.econ.metrics import IrrFlag
from rxtwin.model.finance import FirmProfile

PROFILE = FirmProfile(name="test firm", hurdle_rate=0.10, payback_limit_yr=3.0, tax_rate=0.2)


def test_every_profile_value_has_a_source_or_assumption():
    for kind, fields in load_firm_profiles().items():
        for key in ("hurdle_rate", "payback_limit_yr", "tax_rate"):
            provenance = fields[key].provenance
            assert provenance.startswith(("source: ", "assumption: ")), (kind, key)
            assert len(provenance) > 40, (kind, key)


def test_profiles_file_quotes_the_workshop_report_session_3():
    # The data file must carry the report's exact sentence (including its "lower hurdle
    # rates" wording that the file discusses) so the reading of it is visible.
    text = (Path(rxtwin.data.__file__).parent / "firm_profiles.yaml").read_text()
    data = yaml.safe_load(text)
    assert (
        "Generic and contract manufacturers set lower hurdle rates and shorter payback "
        "periods because of their low absolute margins"
    ) in data["report_quote"]
    assert "Session 3" in data["source_of_text"]
    assert "HIGHER required return" in data["reading"]
    assert data["profiles"].keys() == {"brand", "generic", "contract_manufacturer"}


def test_generic_and_cmo_are_stricter_than_brand():
    # Reading of the report (see firm_profiles.yaml): thin margins and variable demand make
    # generic and contract manufacturers demand more return, sooner, than a brand.
    profiles = default_firm_profiles()
    brand = profiles["brand"]
    for kind in ("generic", "contract_manufacturer"):
        assert profiles[kind].hurdle_rate > brand.hurdle_rate
        assert profiles[kind].payback_limit_yr < brand.payback_limit_yr
    # U.S. federal rate, 26 U.S.C. 11(b).
    assert all(p.tax_rate == 0.21 for p in profiles.values())


def test_firm_profile_lookup_and_unknown_kind():
    assert firm_profile("generic") == default_firm_profiles()["generic"]
    with pytest.raises(ValueError, match="firm kind 'pharma' is unknown"):
        firm_profile("pharma")


def test_appraise_hand_worked_accept():
    # -1000, 383.325, 411.125, 337.025, 393.525 at 10 %: NPV 210.2447 > 0; payback
    # 2 + 205.55/337.025 = 2.61 yr <= 3 -> invest.
    flows = [-1000.0, 383.325, 411.125, 337.025, 393.525]
    result = appraise(flows, PROFILE)
    assert result.npv_usd == pytest.approx(210.2447, abs=5e-5)
    assert result.payback_yr == pytest.approx(2 + 205.55 / 337.025)
    assert result.irr_flag is IrrFlag.OK and result.irr > 0.10
    assert result.meets_hurdle and result.meets_payback and result.accept
    assert result.discounted_payback_yr > result.payback_yr
    assert result.profitability_index > 1.0
    assert result.equivalent_annual_value_usd > 0.0
    assert result.verdict.startswith("test firm: invest.")
    assert "meets the hurdle" in result.verdict


def test_appraise_rejects_on_payback_alone():
    # 30/yr for 5 years on 100: NPV(10 %) = 30 * 3.7908 - 100 = 13.72 > 0 but payback
    # 3 + 10/30 = 3.33 yr > 3 -> rejected by the payback rule only.
    result = appraise([-100.0] + [30.0] * 5, PROFILE)
    assert result.npv_usd == pytest.approx(30 * (1 - 1.1**-5) / 0.1 - 100)
    assert result.meets_hurdle and not result.meets_payback and not result.accept
    assert "do not invest" in result.verdict and "3.33 yr" in result.verdict


def test_appraise_never_paying_back_and_undefined_irr():
    result = appraise([-100.0, 230.0, -132.0, -5.0], PROFILE)
    assert math.isnan(result.irr)
    assert result.irr_flag is IrrFlag.MULTIPLE_SIGN_CHANGES
    assert result.payback_yr == math.inf and not result.meets_payback
    assert "never within the horizon" in result.verdict
    assert "IRR undefined (multiple_sign_changes)" in result.verdict
