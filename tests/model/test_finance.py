"""The firm's finance (rxtwin.model.finance): one FirmProfile for the criteria, and the
scenario's firm as one."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from rxtwin.data.econ_defaults import default_firm_profiles
from rxtwin.data.scenarios import load_scenario
from rxtwin.model import FirmProfile as exported
from rxtwin.model.finance import FirmFinance, FirmProfile


def test_firm_profile_validation():
    with pytest.raises(ValidationError, match="payback_limit_yr"):
        FirmProfile(name="x", hurdle_rate=0.1, payback_limit_yr=0.0, tax_rate=0.2)
    with pytest.raises(ValidationError, match="hurdle_rate"):
        FirmProfile(name="x", hurdle_rate=-1.0, payback_limit_yr=3.0, tax_rate=0.2)
    with pytest.raises(ValidationError, match="tax_rate"):
        FirmProfile(name="x", hurdle_rate=0.1, payback_limit_yr=3.0, tax_rate=math.nan)
    with pytest.raises(ValidationError, match="extra"):
        FirmProfile(name="x", hurdle_rate=0.1, payback_limit_yr=3.0, tax_rate=0.2, kind="b")
    # no payback limit at all is a criterion a firm may state
    assert FirmProfile(name="x", hurdle_rate=0.1, payback_limit_yr=math.inf,
                       tax_rate=0.2).payback_limit_yr == math.inf


def test_one_firm_profile_type_for_the_bundled_profiles_and_the_scenario_firm():
    assert exported is FirmProfile
    assert all(type(p) is FirmProfile for p in default_firm_profiles().values())
    firm = load_scenario("generic_oral_solid").firm
    criteria = firm.criteria("label")
    assert type(criteria) is FirmProfile
    assert (criteria.name, criteria.hurdle_rate, criteria.payback_limit_yr,
            criteria.tax_rate) == ("label", firm.hurdle_rate, firm.payback_limit_yr,
                                   firm.tax_rate)


def test_the_scenario_firm_names_its_kind():
    firm = load_scenario("generic_oral_solid").firm
    assert firm.profile == "generic" and firm.profile in default_firm_profiles()
    with pytest.raises(ValidationError, match="profile"):
        FirmFinance.model_validate({**firm.model_dump(), "profile": "not a label!"})
