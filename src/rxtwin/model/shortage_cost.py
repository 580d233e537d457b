"""What a shortage costs society: the parameters, each a base-case value with a range.

The cost of one **national product-shortage-day** (a day on which the national supply of a
product falls short of its demand) is built from parts that can be shown and varied
(``docs/econ.md``, "Value to society: the cost of a shortage-day"):

* hospital labour spent managing shortages, per active national shortage and day;
* dearer substitutes and grey-market purchases, likewise;
* patient harm, per unit of demand left unmet: the patient-days without the product that
  no equally effective alternative covers, times the QALYs lost per such patient-day,
  times a willingness-to-pay per QALY.

Each parameter is a :class:`RangedValue` (base-case value, low, high), sampled as a
triangular distribution for intervals. The bundled values and their sources are in
``rxtwin/data/shortage_costs.yaml`` (loaded by :mod:`rxtwin.data.shortage_costs`); the
engine is :mod:`rxtwin.econ.social`. A product may override its dosage form's harm
parameters with the optional fields of :class:`rxtwin.model.product.Product`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from rxtwin.model.base import MAX_MAGNITUDE, Real, RxModel
from rxtwin.model.distributions import Fixed, Triangular
from rxtwin.model.product import DosageForm, Product

__all__ = [
    "HarmParameters",
    "NonNegativeRange",
    "PositiveRange",
    "RangedValue",
    "ShareRange",
    "ShortageCostParameters",
]


class RangedValue(RxModel):
    """A parameter's base-case value and its plausible range.

    Attributes
    ----------
    value : float
        Base case [unit of the parameter]: the value of the point estimate.
    low, high : float
        Plausible range [unit of the parameter], ``low <= value <= high``; the ends of the
        one-at-a-time sensitivity and of the triangular distribution sampled for intervals.
    """

    value: Real = Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)
    low: Real = Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)
    high: Real = Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)

    @model_validator(mode="after")
    def _ordered(self) -> RangedValue:
        if not self.low <= self.value <= self.high:
            raise ValueError(f"need low <= value <= high (got low={self.low}, "
                             f"value={self.value}, high={self.high})")
        return self

    @classmethod
    def exactly(cls, value: float) -> RangedValue:
        """A value without a range (``low == value == high``), e.g. a product's own figure."""
        return cls(value=value, low=value, high=value)

    @property
    def distribution(self) -> Fixed | Triangular:
        """The distribution sampled for intervals: triangular on ``[low, high]`` with mode
        ``value``, or the fixed ``value`` when ``low == high``. Its mean is
        ``(low + value + high) / 3``, which differs from ``value`` when the range is
        lopsided."""
        if self.low == self.high:
            return Fixed(value=self.value)
        return Triangular(dist="triangular", low=self.low, mode=self.value, high=self.high)


def _non_negative(ranged: RangedValue) -> RangedValue:
    if ranged.low < 0:
        raise ValueError(f"must be >= 0 over its whole range (got low={ranged.low})")
    return ranged


def _positive(ranged: RangedValue) -> RangedValue:
    if not ranged.low > 0:
        raise ValueError(f"must be > 0 over its whole range (got low={ranged.low})")
    return ranged


def _share(ranged: RangedValue) -> RangedValue:
    if ranged.low < 0 or ranged.high > 1:
        raise ValueError(f"a share must lie in [0, 1] over its whole range (got "
                         f"low={ranged.low}, high={ranged.high})")
    return ranged


NonNegativeRange = Annotated[RangedValue, AfterValidator(_non_negative)]
"""A :class:`RangedValue` that is >= 0 over its whole range (money, QALYs)."""
PositiveRange = Annotated[RangedValue, AfterValidator(_positive)]
"""A :class:`RangedValue` that is > 0 over its whole range (it divides)."""
ShareRange = Annotated[RangedValue, AfterValidator(_share)]
"""A :class:`RangedValue` in [0, 1] over its whole range."""


class HarmParameters(RxModel):
    """Patient-harm parameters of one dosage form (or of one product).

    Attributes
    ----------
    units_per_patient_day : RangedValue
        Units one patient uses in a day of treatment (the dose) [units/patient-day].
    therapeutic_alternative_share : RangedValue
        Share of the patient-days left without the product that an equally effective
        alternative covers, so that they suffer no harm [-].
    qaly_lost_per_affected_patient_day : RangedValue
        Quality-adjusted life-years lost per patient-day without the product and without an
        equally effective alternative [QALY/patient-day].
    """

    units_per_patient_day: PositiveRange
    therapeutic_alternative_share: ShareRange
    qaly_lost_per_affected_patient_day: NonNegativeRange


class ShortageCostParameters(RxModel):
    """The parameters of the social cost of a shortage-day, with their provenance.

    Attributes
    ----------
    hospital_labour_usd_per_yr : RangedValue
        Extra hospital labour spent on managing drug shortages in the US [USD/yr].
    substitute_purchases_usd_per_yr : RangedValue
        Extra spending on dearer substitutes and grey-market purchases [USD/yr].
    active_national_shortages : RangedValue
        Number of active national drug shortages over which the two totals above are
        spread [shortages].
    wtp_usd_per_qaly : RangedValue
        Willingness-to-pay per quality-adjusted life-year [USD/QALY].
    harm_by_dosage_form : dict of DosageForm to HarmParameters
        Patient-harm defaults of every dosage form.
    high_harm_qaly_lost_per_affected_patient_day : RangedValue
        A reference for a high-harm sterile product (norepinephrine in septic shock), not
        applied by default: give it to such a product as its
        ``qaly_lost_per_affected_patient_day`` [QALY/patient-day].
    social_discount_rate : float
        Real discount rate of the social NPV [1/yr].
    social_discount_rate_alternatives : tuple of float
        Other rates to report beside it [1/yr].
    provenance : dict of str to str
        ``"source: ..."`` or ``"assumption: ..."`` of every value, by dotted key path of
        the data file.
    """

    hospital_labour_usd_per_yr: NonNegativeRange
    substitute_purchases_usd_per_yr: NonNegativeRange
    active_national_shortages: PositiveRange
    wtp_usd_per_qaly: NonNegativeRange
    harm_by_dosage_form: dict[DosageForm, HarmParameters]
    high_harm_qaly_lost_per_affected_patient_day: NonNegativeRange
    social_discount_rate: Real = Field(ge=0.0, le=1.0)
    social_discount_rate_alternatives: tuple[Annotated[Real, Field(ge=0.0, le=1.0)], ...] = ()
    provenance: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _every_dosage_form(self) -> ShortageCostParameters:
        missing = [form.value for form in DosageForm if form not in self.harm_by_dosage_form]
        if missing:
            raise ValueError(f"harm_by_dosage_form needs every dosage form; missing {missing}")
        return self

    def harm_for(self, product: Product) -> HarmParameters:
        """The harm parameters of ``product``: its dosage form's defaults, with each of the
        product's own ``units_per_patient_day``, ``therapeutic_alternative_share`` and
        ``qaly_lost_per_affected_patient_day`` that is given put in their place (as a value
        without a range)."""
        defaults = self.harm_by_dosage_form[product.dosage_form]
        own = {name: RangedValue.exactly(getattr(product, name))
               for name in HarmParameters.model_fields if getattr(product, name) is not None}
        return defaults.model_copy(update=own)
