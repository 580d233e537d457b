"""The firm's finance: its capital-budgeting criteria, tax and cost rates.

:class:`FirmProfile` is what a firm asks of an investment -- hurdle rate and payback limit
-- with the tax rate its cash flows are built with. The workshop report (Wosińska et al.
2023, Session 3, "Economic barriers") says each company "sets a hurdle rate and payback
period" and that generic and contract manufacturers judge investments more strictly than
brands because of thin margins and variable demand. The bundled profiles of a brand, a
generic and a contract manufacturer are data: ``firm_profiles.yaml`` with their sources and
assumptions, loaded as ``FirmProfile``\\ s by ``default_firm_profiles()`` and
``firm_profile(kind)`` of :mod:`rxtwin.data.econ_defaults`. :class:`FirmFinance` is a
scenario's firm: its own criteria, labelled with the kind of firm, and the cost rates it
pays.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from rxtwin.model.base import BoundedNonNegative, Identifier, Real, RxModel


class FirmProfile(RxModel):
    """A firm's capital-budgeting criteria.

    Attributes
    ----------
    name : str
        Label used in the verdict.
    hurdle_rate : float
        Minimum acceptable return, used as the discount rate [1/yr].
    payback_limit_yr : float
        Longest acceptable simple payback period [yr].
    tax_rate : float
        Income tax rate on profit [-], for :class:`rxtwin.econ.cashflow.CashFlowInputs`.
    """

    # an infinite payback limit means "no limit"; NaN still fails every bound below
    model_config = ConfigDict(allow_inf_nan=True)

    name: str = Field(min_length=1, description="Label used in verdicts.")
    hurdle_rate: Real = Field(
        gt=-1, lt=10, description="Minimum acceptable return = discount rate [1/yr]."
    )
    payback_limit_yr: Real = Field(gt=0, description="Longest acceptable payback [yr].")
    tax_rate: Real = Field(ge=0, lt=1, description="Income tax rate on profit [-].")


class FirmFinance(RxModel):
    """What a firm asks of an investment, and the cost rates it pays."""

    profile: Identifier = Field(
        description="kind of firm, e.g. generic, brand or contract_manufacturer (the bundled "
                    "profiles of firm_profiles.yaml); a label")
    hurdle_rate: Real = Field(ge=0.0, le=1.0, description="real discount rate per year [-]")
    payback_limit_yr: Real = Field(gt=0.0, le=50.0)
    tax_rate: Real = Field(ge=0.0, lt=1.0)
    labour_usd_per_fte_yr: BoundedNonNegative
    energy_usd_per_kwh: BoundedNonNegative
    inventory_carrying_rate_per_yr: Real = Field(ge=0.0, le=1.0)
    overhead_usd_per_yr: BoundedNonNegative = 0.0

    def criteria(self, name: str) -> FirmProfile:
        """This firm's hurdle rate, payback limit and tax rate as a :class:`FirmProfile`
        labelled ``name``."""
        return FirmProfile(name=name, hurdle_rate=self.hurdle_rate,
                           payback_limit_yr=self.payback_limit_yr, tax_rate=self.tax_rate)
