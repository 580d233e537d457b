"""The value to society of avoided shortages, and the social NPV of an option.

What a **national product-shortage-day** costs (a day on which the national supply of one
product falls short of its demand), in three parts that can be shown and varied:

* hospital labour: :math:`c_L = L / (N \\cdot 365)` [USD/shortage-day];
* dearer substitutes and grey-market purchases: :math:`c_S = S / (N \\cdot 365)`
  [USD/shortage-day];
* patient harm, per unit of demand left unmet:
  :math:`h = (1 - a)\\, q\\, W / u` [USD/unit], so a partial shortage (fewer units unmet)
  harms fewer patients.

with :math:`L` the yearly extra hospital labour on shortages [USD/yr], :math:`S` the yearly
extra spending on substitutes [USD/yr], :math:`N` the number of active national shortages,
:math:`u` the units one patient uses a day [units/patient-day], :math:`a` the share of
patient-days an equally effective alternative covers [-], :math:`q` the QALYs lost per
patient-day without one [QALY/patient-day] and :math:`W` the willingness-to-pay per QALY
[USD/QALY]. Avoiding :math:`D` shortage-days and :math:`U` unmet units a year is worth
:math:`V = D (c_L + c_S) + U h` [USD/yr].

The parameters come as a :class:`rxtwin.model.shortage_cost.ShortageCostParameters`
(the bundled ones from ``rxtwin.data.shortage_costs.load_shortage_costs()``), and the
avoided shortage-days and unmet units from the caller (the supply simulator reports
``shortage_days_per_yr`` and ``unmet_units_per_yr`` per product): this module reads no
file and calls no other engine. Every function broadcasts over numpy arrays, so the same
code gives the base case (floats) and Monte Carlo draws (arrays). Equations, sources and a
worked example: ``docs/econ.md``, "Value to society: the cost of a shortage-day".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rxtwin.econ.cashflow import YearlyAmount
from rxtwin.econ.metrics import npv_usd
from rxtwin.econ.switch import even_capex_by_yr, install_years
from rxtwin.errors import UserInputError
from rxtwin.model.product import Product
from rxtwin.model.shortage_cost import RangedValue, ShortageCostParameters
from rxtwin.model.units import DAYS_PER_YEAR
from rxtwin.stats.sampling import sample

__all__ = [
    "COST_PARAMETERS",
    "AvoidedShortageValue",
    "ShortageDayCost",
    "SocialNpv",
    "SocialNpvUncertainty",
    "SocialOption",
    "cost_parameters",
    "harm_usd_per_unmet_unit",
    "national_usd_per_shortage_day",
    "sample_shortage_day_costs",
    "shortage_cost_sensitivity",
    "shortage_day_cost",
    "shortage_day_cost_from_values",
    "social_npv",
    "social_npv_uncertainty",
    "social_value_of_avoided",
]

Number = float | np.ndarray

#: The uncertain parameters of one product's shortage-day cost, in the order they are
#: sampled (:func:`sample_shortage_day_costs`) and listed (:func:`cost_parameters`).
COST_PARAMETERS = (
    "hospital_labour_usd_per_yr",
    "substitute_purchases_usd_per_yr",
    "active_national_shortages",
    "wtp_usd_per_qaly",
    "units_per_patient_day",
    "therapeutic_alternative_share",
    "qaly_lost_per_affected_patient_day",
)


# ------------------------------------------------------------------ the parts of the cost

def national_usd_per_shortage_day(cost_usd_per_yr: Number,
                                  active_national_shortages: Number) -> Number:
    """A national yearly cost of shortages spread over the shortages and the days of a year.

    Parameters
    ----------
    cost_usd_per_yr : float or numpy.ndarray
        Extra cost of all drug shortages in a year, e.g. hospital labour or substitute
        purchases [USD/yr].
    active_national_shortages : float or numpy.ndarray
        Number of active national shortages over the year [shortages], > 0.

    Returns
    -------
    float or numpy.ndarray
        Cost per national product-shortage-day [USD/shortage-day].

    Notes
    -----
    .. math:: c = \\frac{C}{N \\cdot 365}

    Each active shortage is taken as one product short for the whole year, so the year has
    :math:`365 N` product-shortage-days. The cost is a national average: every shortage
    gets the same share, however many hospitals it touches.

    Examples
    --------
    Vizient's USD 894 M of hospital labour in 2023 over 310 active shortages:

    >>> round(national_usd_per_shortage_day(894.0e6, 310.0), 2)
    7901.02
    """
    return cost_usd_per_yr / (active_national_shortages * DAYS_PER_YEAR)


def harm_usd_per_unmet_unit(units_per_patient_day: Number,
                            therapeutic_alternative_share: Number,
                            qaly_lost_per_affected_patient_day: Number,
                            wtp_usd_per_qaly: Number) -> Number:
    """Value of the patient harm caused by one unit of demand left unmet.

    Parameters
    ----------
    units_per_patient_day : float or numpy.ndarray
        Units one patient uses in a day of treatment (the dose) [units/patient-day], > 0.
    therapeutic_alternative_share : float or numpy.ndarray
        Share of the patient-days without the product that an equally effective alternative
        covers [-].
    qaly_lost_per_affected_patient_day : float or numpy.ndarray
        QALYs lost per patient-day without the product and without such an alternative
        [QALY/patient-day].
    wtp_usd_per_qaly : float or numpy.ndarray
        Willingness-to-pay per QALY [USD/QALY].

    Returns
    -------
    float or numpy.ndarray
        Harm per unmet unit [USD/unit].

    Notes
    -----
    An unmet unit leaves :math:`1/u` patient-days without the product, of which a share
    :math:`1 - a` has no equally effective alternative and loses :math:`q` QALYs a day:

    .. math:: h = \\frac{(1 - a)\\, q\\, W}{u}

    so the harm of a shortage-day with :math:`U_d` unmet units is :math:`U_d h` (patients
    affected :math:`U_d / u \\cdot (1 - a)`).

    Examples
    --------
    A tablet taken once a day, 10 % of patients without an equally good alternative,
    5e-5 QALY lost per such patient-day, USD 100,000 per QALY:

    >>> round(harm_usd_per_unmet_unit(1.0, 0.9, 5.0e-5, 100_000.0), 6)
    0.5
    """
    return (1.0 - therapeutic_alternative_share) * qaly_lost_per_affected_patient_day \
        * wtp_usd_per_qaly / units_per_patient_day


@dataclass(frozen=True)
class ShortageDayCost:
    """The social cost of a national product-shortage-day of one product, by part.

    Each field is a float (the base case) or an array of Monte Carlo draws.

    Attributes
    ----------
    labour_usd_per_shortage_day : float or numpy.ndarray
        Hospital labour [USD/shortage-day].
    substitutes_usd_per_shortage_day : float or numpy.ndarray
        Dearer substitutes and grey-market purchases [USD/shortage-day].
    harm_usd_per_unmet_unit : float or numpy.ndarray
        Patient harm per unit of demand left unmet [USD/unit].
    """

    labour_usd_per_shortage_day: Number
    substitutes_usd_per_shortage_day: Number
    harm_usd_per_unmet_unit: Number

    def harm_usd_per_shortage_day(self, unmet_units_per_shortage_day: Number) -> Number:
        """Patient harm of a shortage-day with the given unmet units [USD/shortage-day]:
        ``unmet_units_per_shortage_day x harm_usd_per_unmet_unit``."""
        return unmet_units_per_shortage_day * self.harm_usd_per_unmet_unit

    def total_usd_per_shortage_day(self, unmet_units_per_shortage_day: Number) -> Number:
        """All three parts for a shortage-day with the given unmet units [USD/shortage-day]:
        labour + substitutes + harm (the value of avoiding that one day,
        :func:`social_value_of_avoided` with one shortage-day)."""
        return social_value_of_avoided(1.0, unmet_units_per_shortage_day, self).total_usd_per_yr


def cost_parameters(product: Product,
                    parameters: ShortageCostParameters) -> dict[str, RangedValue]:
    """The uncertain parameters of ``product``'s shortage-day cost, by name.

    Returns
    -------
    dict of str to RangedValue
        The names of :data:`COST_PARAMETERS`, in that order: the national parameters and
        the harm parameters of the product's dosage form, with the product's own values
        where it gives them (:meth:`ShortageCostParameters.harm_for`).
    """
    harm = parameters.harm_for(product)
    national = {name: getattr(parameters, name) for name in COST_PARAMETERS[:4]}
    return {**national, **{name: getattr(harm, name) for name in COST_PARAMETERS[4:]}}


def shortage_day_cost_from_values(values: Mapping[str, Number]) -> ShortageDayCost:
    """The cost parts from a value of every parameter of :data:`COST_PARAMETERS` (floats or
    arrays of one shape): :func:`national_usd_per_shortage_day` for labour and
    substitutes, :func:`harm_usd_per_unmet_unit` for harm."""
    shortages = values["active_national_shortages"]
    return ShortageDayCost(
        labour_usd_per_shortage_day=national_usd_per_shortage_day(
            values["hospital_labour_usd_per_yr"], shortages),
        substitutes_usd_per_shortage_day=national_usd_per_shortage_day(
            values["substitute_purchases_usd_per_yr"], shortages),
        harm_usd_per_unmet_unit=harm_usd_per_unmet_unit(
            values["units_per_patient_day"], values["therapeutic_alternative_share"],
            values["qaly_lost_per_affected_patient_day"], values["wtp_usd_per_qaly"]),
    )


def shortage_day_cost(product: Product, parameters: ShortageCostParameters) -> ShortageDayCost:
    """The base-case cost of a national shortage-day of ``product``, by part.

    Parameters
    ----------
    product : rxtwin.model.product.Product
        The product: its dosage form picks the harm defaults, its own
        ``units_per_patient_day``, ``therapeutic_alternative_share`` and
        ``qaly_lost_per_affected_patient_day`` (when given) replace them.
    parameters : ShortageCostParameters
        E.g. ``rxtwin.data.shortage_costs.load_shortage_costs()``.

    Returns
    -------
    ShortageDayCost
        Every parameter at its base-case ``value``: labour and substitutes
        [USD/shortage-day], harm [USD/unmet unit]; ``total_usd_per_shortage_day(U_d)`` adds
        them for a day with ``U_d`` unmet units.

    Notes
    -----
    .. math:: c_L = \\frac{L}{365 N}, \\quad c_S = \\frac{S}{365 N}, \\quad
              h = \\frac{(1 - a)\\, q\\, W}{u}, \\quad
              c_{day}(U_d) = c_L + c_S + U_d\\, h

    (:func:`national_usd_per_shortage_day`, :func:`harm_usd_per_unmet_unit`).
    """
    values = {name: ranged.value for name, ranged in cost_parameters(product, parameters).items()}
    return shortage_day_cost_from_values(values)


def sample_shortage_day_costs(product: Product, parameters: ShortageCostParameters, *,
                              n_draws: int, rng: np.random.Generator) -> ShortageDayCost:
    """Monte Carlo draws of the cost of a shortage-day of ``product``.

    Parameters
    ----------
    product, parameters
        As :func:`shortage_day_cost`.
    n_draws : int
        Number of draws [-], >= 1.
    rng : numpy.random.Generator
        The stream to draw from, e.g. ``numpy.random.default_rng(
        numpy.random.SeedSequence(entropy))``.

    Returns
    -------
    ShortageDayCost
        Arrays of shape ``(n_draws,)``.

    Notes
    -----
    The parameters are independent; each is drawn from its
    :attr:`RangedValue.distribution` (triangular on ``[low, high]`` with mode ``value``;
    fixed when the range is empty) with :func:`rxtwin.stats.sampling.sample`,
    ``n_draws`` values per parameter in the order of :data:`COST_PARAMETERS`, so the
    generator's state after the call depends only on ``n_draws``.
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        raise UserInputError(f"n_draws = {n_draws!r}, must be a whole number >= 1")
    values = {name: sample(ranged.distribution, rng, int(n_draws))
              for name, ranged in cost_parameters(product, parameters).items()}
    return shortage_day_cost_from_values(values)


# ------------------------------------------------------------------ avoided shortages

@dataclass(frozen=True)
class AvoidedShortageValue:
    """The yearly value to society of shortages avoided, by part.

    Attributes
    ----------
    labour_usd_per_yr, substitutes_usd_per_yr, harm_usd_per_yr : float or numpy.ndarray
        Hospital labour, substitute purchases and patient harm avoided [USD/yr].
    """

    labour_usd_per_yr: Number
    substitutes_usd_per_yr: Number
    harm_usd_per_yr: Number

    @property
    def total_usd_per_yr(self) -> Number:
        """Labour + substitutes + harm [USD/yr]."""
        return self.labour_usd_per_yr + self.substitutes_usd_per_yr + self.harm_usd_per_yr


def social_value_of_avoided(shortage_days_avoided_per_yr: Number,
                            unmet_units_avoided_per_yr: Number,
                            cost: ShortageDayCost) -> AvoidedShortageValue:
    """The yearly value of avoiding shortage-days and unmet units.

    Parameters
    ----------
    shortage_days_avoided_per_yr : float or numpy.ndarray
        National product-shortage-days avoided [shortage-days/yr] (negative if the option
        adds shortage-days).
    unmet_units_avoided_per_yr : float or numpy.ndarray
        Units of demand no longer left unmet [units/yr].
    cost : ShortageDayCost
        The cost parts (:func:`shortage_day_cost` or draws).

    Returns
    -------
    AvoidedShortageValue

    Notes
    -----
    .. math:: V = D\\,(c_L + c_S) + U\\,h

    Labour and substitutes scale with the shortage-days (a partial shortage costs hospitals
    the same work), harm with the unmet units (a partial shortage harms fewer patients).

    Examples
    --------
    >>> cost = ShortageDayCost(8_000.0, 2_000.0, 0.5)
    >>> social_value_of_avoided(10.0, 20_000.0, cost).total_usd_per_yr
    110000.0
    """
    return AvoidedShortageValue(
        labour_usd_per_yr=shortage_days_avoided_per_yr * cost.labour_usd_per_shortage_day,
        substitutes_usd_per_yr=shortage_days_avoided_per_yr
        * cost.substitutes_usd_per_shortage_day,
        harm_usd_per_yr=unmet_units_avoided_per_yr * cost.harm_usd_per_unmet_unit,
    )


# ------------------------------------------------------------------ social NPV

class SocialOption(BaseModel):
    """An option (an intervention, a technology, a buffer) seen by society: what it costs
    in resources and the shortages it avoids.

    Yearly amounts are one number (every year of effect) or one value per year of effect,
    the years ``k + 1 .. horizon_yr`` after ``k = ceil(implementation_months / 12)``
    years of implementation (:func:`rxtwin.econ.switch.install_years`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    capex_usd: float = Field(ge=0.0, allow_inf_nan=False, description=(
        "Resources to set the option up [USD], spent evenly at the start of each "
        "implementation year (year 0 when there is none)."))
    opex_usd_per_yr: YearlyAmount = Field(0.0, description=(
        "Resources to run it in each year of effect [USD/yr], >= 0."))
    implementation_months: float = Field(0.0, ge=0.0, allow_inf_nan=False, description=(
        "Months from the decision until the option acts [month]."))
    shortage_days_avoided_per_yr: YearlyAmount = Field(0.0, description=(
        "National product-shortage-days avoided in each year of effect [shortage-days/yr]."))
    unmet_units_avoided_per_yr: YearlyAmount = Field(0.0, description=(
        "Units of demand no longer left unmet in each year of effect [units/yr]."))

    @field_validator("opex_usd_per_yr", "shortage_days_avoided_per_yr",
                     "unmet_units_avoided_per_yr")
    @classmethod
    def _finite(cls, value, info):
        values = np.atleast_1d(np.asarray(value, dtype=float))
        if values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError(f"{info.field_name} must be one finite number or a non-empty "
                             "sequence of finite numbers")
        if info.field_name == "opex_usd_per_yr" and np.any(values < 0):
            raise ValueError("opex_usd_per_yr must be >= 0")
        return value

    @property
    def implementation_yr(self) -> int:
        """Whole implementation years ``k`` [yr]."""
        return install_years(self.implementation_months)


def _yearly(value, name: str, first_yr: int, horizon_yr: int) -> np.ndarray:
    """``value`` in each of the years ``first_yr .. horizon_yr``, 0 before [per yr]."""
    n_years = horizon_yr - first_yr + 1
    per_year = np.asarray(value, dtype=float)
    if per_year.ndim == 1 and per_year.size != n_years:
        raise UserInputError(f"{name} has {per_year.size} values; give one number or one "
                             f"value for each of the {n_years} years of effect "
                             f"({first_yr}..{horizon_yr})")
    flows = np.zeros(horizon_yr + 1)
    flows[first_yr:] = per_year
    return flows


@dataclass(frozen=True)
class SocialNpv:
    """The social NPV of an option and its parts.

    Attributes
    ----------
    resource_cost_usd_by_yr : numpy.ndarray
        Capex and opex of years ``0 .. horizon_yr`` [USD] (positive: a cost).
    shortage_days_avoided_by_yr : numpy.ndarray
        Shortage-days avoided in each year [shortage-days].
    unmet_units_avoided_by_yr : numpy.ndarray
        Unmet units avoided in each year [units].
    pv_resource_cost_usd : float
        Present value of the resource cost [USD].
    pv_shortage_days_avoided : float
        Discounted shortage-days avoided, :math:`\\sum_t D_t (1 + r)^{-t}` [shortage-days].
    pv_unmet_units_avoided : float
        Discounted unmet units avoided [units].
    pv_value_usd : float or numpy.ndarray
        Present value of the shortages avoided [USD].
    social_npv_usd : float or numpy.ndarray
        ``pv_value_usd - pv_resource_cost_usd`` [USD].
    social_discount_rate : float
        The rate used [1/yr].
    cost : ShortageDayCost
        The cost parts the value was computed with.
    """

    resource_cost_usd_by_yr: np.ndarray
    shortage_days_avoided_by_yr: np.ndarray
    unmet_units_avoided_by_yr: np.ndarray
    pv_resource_cost_usd: float
    pv_shortage_days_avoided: float
    pv_unmet_units_avoided: float
    pv_value_usd: Number
    social_npv_usd: Number
    social_discount_rate: float
    cost: ShortageDayCost

    def table(self) -> pd.DataFrame:
        """One row per year (base case only): ``year``, ``resource_cost_usd`` [USD],
        ``shortage_days_avoided`` [shortage-days], ``unmet_units_avoided`` [units],
        ``value_usd`` (value of that year's avoided shortages, :func:`social_value_of_avoided`)
        and ``net_usd`` (value - resource cost) [USD], undiscounted."""
        if np.ndim(self.social_npv_usd) != 0:
            raise UserInputError("table() shows a base case; this result holds "
                                 f"{np.size(self.social_npv_usd)} draws")
        value = social_value_of_avoided(self.shortage_days_avoided_by_yr,
                                        self.unmet_units_avoided_by_yr, self.cost)
        return pd.DataFrame({
            "year": np.arange(self.resource_cost_usd_by_yr.size),
            "resource_cost_usd": self.resource_cost_usd_by_yr,
            "shortage_days_avoided": self.shortage_days_avoided_by_yr,
            "unmet_units_avoided": self.unmet_units_avoided_by_yr,
            "value_usd": value.total_usd_per_yr,
            "net_usd": value.total_usd_per_yr - self.resource_cost_usd_by_yr,
        })


def social_npv(option: SocialOption, cost: ShortageDayCost, *, social_discount_rate: float,
               horizon_yr: int) -> SocialNpv:
    """Social NPV of an option: present value of the shortages it avoids less the present
    value of the resources it uses.

    Parameters
    ----------
    option : SocialOption
        Resource cost (capex, opex per year, implementation months) and the shortage-days
        and unmet units it avoids each year.
    cost : ShortageDayCost
        Base case (:func:`shortage_day_cost`) or draws (:func:`sample_shortage_day_costs`).
    social_discount_rate : float
        Real discount rate [1/yr], > -1 (bundled: ``parameters.social_discount_rate``).
    horizon_yr : int
        Last year counted [yr]; years ``0 .. horizon_yr``.

    Returns
    -------
    SocialNpv

    Notes
    -----
    With :math:`k = \\lceil m / 12 \\rceil` implementation years
    (:func:`rxtwin.econ.switch.install_years`), capex :math:`K` is spent evenly in years
    :math:`0 .. k-1` (year 0 when :math:`k = 0`; :func:`rxtwin.econ.switch.even_capex_by_yr`)
    and opex :math:`O_t`, shortage-days avoided :math:`D_t` and unmet units avoided
    :math:`U_t` count in the years of effect :math:`t = k+1 .. H` (end-of-year convention,
    as the firm's appraisal):

    .. math:: NPV_{soc} = (c_L + c_S) \\sum_t D_t (1+r)^{-t}
                          + h \\sum_t U_t (1+r)^{-t} - \\sum_t (K_t + O_t) (1+r)^{-t}

    Each sum is :func:`rxtwin.econ.metrics.npv_usd` (``numpy_financial.npv``). Since the
    value is linear in the cost parts, draws of the cost give draws of the NPV with the
    same three sums. No effect (:math:`D = U = 0`) gives exactly
    :math:`-PV(\\text{resource cost})`. Resources are valued at their cost, without taxes
    or subsidies (transfers within society).

    References
    ----------
    Sanders, G. D. et al., "Recommendations for conduct, methodological practices, and
    reporting of cost-effectiveness analyses: Second Panel on Cost-Effectiveness in Health
    and Medicine", JAMA 316(10) (2016) 1093-1103 (3 % discount rate for costs and health).

    Examples
    --------
    >>> option = SocialOption(capex_usd=100_000.0, shortage_days_avoided_per_yr=1.0)
    >>> result = social_npv(option, ShortageDayCost(8_000.0, 2_000.0, 0.0),
    ...                     social_discount_rate=0.0, horizon_yr=20)
    >>> float(result.social_npv_usd)  # 20 days x 10,000 - 100,000
    100000.0
    """
    if isinstance(horizon_yr, bool) or not isinstance(horizon_yr, int | np.integer):
        raise UserInputError(f"horizon_yr = {horizon_yr!r}, must be a whole number of years")
    k = option.implementation_yr
    if k >= horizon_yr:
        raise UserInputError(f"implementation_months = {option.implementation_months} gives "
                             f"{k} implementation years, leaving no year of effect within "
                             f"horizon_yr = {horizon_yr}")
    first = k + 1
    capex = np.zeros(horizon_yr + 1)
    capex[: max(k, 1)] = even_capex_by_yr(option.capex_usd, k)
    resource = capex + _yearly(option.opex_usd_per_yr, "opex_usd_per_yr", first, horizon_yr)
    days = _yearly(option.shortage_days_avoided_per_yr, "shortage_days_avoided_per_yr",
                   first, horizon_yr)
    units = _yearly(option.unmet_units_avoided_per_yr, "unmet_units_avoided_per_yr",
                    first, horizon_yr)
    pv_cost = npv_usd(social_discount_rate, resource)
    pv_days = npv_usd(social_discount_rate, days)
    pv_units = npv_usd(social_discount_rate, units)
    pv_value = social_value_of_avoided(pv_days, pv_units, cost).total_usd_per_yr
    return SocialNpv(
        resource_cost_usd_by_yr=resource, shortage_days_avoided_by_yr=days,
        unmet_units_avoided_by_yr=units, pv_resource_cost_usd=pv_cost,
        pv_shortage_days_avoided=pv_days, pv_unmet_units_avoided=pv_units,
        pv_value_usd=pv_value, social_npv_usd=pv_value - pv_cost,
        social_discount_rate=float(social_discount_rate), cost=cost)


# ------------------------------------------------------------------ uncertainty

def shortage_cost_sensitivity(product: Product, parameters: ShortageCostParameters,
                              output: Callable[[ShortageDayCost], Number]) -> pd.DataFrame:
    """One-at-a-time sensitivity (a tornado) of an output of the shortage-day cost.

    Parameters
    ----------
    product, parameters
        As :func:`shortage_day_cost`.
    output : callable
        Maps a :class:`ShortageDayCost` whose fields are arrays of shape ``(m,)`` to the
        output, an array of shape ``(m,)`` (e.g. ``lambda cost: social_npv(option, cost,
        ...).social_npv_usd``, or ``lambda cost: cost.total_usd_per_shortage_day(u)``).

    Returns
    -------
    pandas.DataFrame
        One row per parameter of :data:`COST_PARAMETERS` whose range is not empty, sorted
        by ``swing`` (largest first; ties keep that order): ``parameter``, ``low_value``,
        ``high_value`` (the ends of its range, in its units), ``output_base`` (every
        parameter at its base-case value), ``output_low``, ``output_high`` (this parameter
        at an end, the others at their base-case values) and ``swing`` =
        ``|output_high - output_low|`` (output units).

    Notes
    -----
    The ``2d + 1`` settings are evaluated in one vectorised call. A tornado ignores
    interactions (here: products of parameters in the harm part, the shared shortage count
    of labour and substitutes); the Monte Carlo interval of
    :func:`social_npv_uncertainty` includes them. Eschenbach, T. G., "Spiderplots versus
    tornado diagrams for sensitivity analysis", Interfaces 22(6) (1992) 40-46.
    """
    every = cost_parameters(product, parameters)
    ranged = {name: r for name, r in every.items() if r.low < r.high}
    base = {name: r.value for name, r in every.items()}
    names = list(ranged)
    settings = {name: np.full(2 * len(names) + 1, value) for name, value in base.items()}
    for j, name in enumerate(names):
        settings[name][1 + 2 * j] = ranged[name].low
        settings[name][2 + 2 * j] = ranged[name].high
    y = np.broadcast_to(np.asarray(output(shortage_day_cost_from_values(settings)),
                                   dtype=float), (2 * len(names) + 1,))
    table = pd.DataFrame({
        "parameter": names,
        "low_value": [ranged[n].low for n in names],
        "high_value": [ranged[n].high for n in names],
        "output_base": np.full(len(names), y[0]),
        "output_low": y[1::2],
        "output_high": y[2::2],
        "swing": np.abs(y[2::2] - y[1::2]),
    })
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class SocialNpvUncertainty:
    """The social NPV of an option under the uncertainty of the shortage-day cost.

    Attributes
    ----------
    base_usd : float
        Every parameter at its base-case value [USD].
    mean_usd : float
        Mean over the draws [USD]; differs from ``base_usd`` where ranges are lopsided.
    mean_se_usd : float
        Monte Carlo standard error of the mean, ``sd / sqrt(n_draws)`` [USD].
    low_usd, high_usd : float
        Equal-tailed interval holding ``level`` of the draws [USD].
    level : float
        Probability of the interval [-].
    draws_usd : numpy.ndarray
        The social NPV of every draw [USD].
    sensitivity : pandas.DataFrame
        The one-at-a-time table of :func:`shortage_cost_sensitivity` for the social NPV.
    """

    base_usd: float
    mean_usd: float
    mean_se_usd: float
    low_usd: float
    high_usd: float
    level: float
    draws_usd: np.ndarray
    sensitivity: pd.DataFrame


def social_npv_uncertainty(option: SocialOption, product: Product,
                           parameters: ShortageCostParameters, *, social_discount_rate: float,
                           horizon_yr: int, n_draws: int, rng: np.random.Generator,
                           level: float = 0.90) -> SocialNpvUncertainty:
    """Social NPV of an option with a Monte Carlo interval and a one-at-a-time tornado.

    Parameters
    ----------
    option : SocialOption
        Resource cost and shortages avoided (:func:`social_npv`).
    product, parameters
        As :func:`shortage_day_cost`.
    social_discount_rate : float
        Real discount rate [1/yr] (not sampled: a choice, reported at the alternatives of
        ``parameters.social_discount_rate_alternatives`` instead).
    horizon_yr : int
        Last year counted [yr].
    n_draws : int
        Monte Carlo draws [-], >= 2.
    rng : numpy.random.Generator
        The stream (:func:`sample_shortage_day_costs`).
    level : float
        Probability of the interval [-], in (0, 1); 0.90 gives the 5th and 95th
        percentiles.

    Returns
    -------
    SocialNpvUncertainty

    Notes
    -----
    The option's resource cost and avoided shortages are taken as given (they come from
    elsewhere, e.g. the supply simulator's own intervals); only the cost of a shortage-day
    is uncertain here. The social NPV is linear in the cost parts, so the draws are
    :math:`(c_L + c_S)_i \\, PV(D) + h_i \\, PV(U) - PV(K + O)` for draws :math:`i`, all in
    one vectorised :func:`social_npv` call. Percentiles: ``numpy.quantile`` (linear).
    """
    if not 0.0 < level < 1.0:
        raise UserInputError(f"level = {level!r}, must lie strictly between 0 and 1")
    if isinstance(n_draws, int | np.integer) and not isinstance(n_draws, bool) and n_draws < 2:
        raise UserInputError(f"n_draws = {n_draws!r}, need at least 2 for an interval")

    def npv_of(cost: ShortageDayCost) -> Number:
        return social_npv(option, cost, social_discount_rate=social_discount_rate,
                          horizon_yr=horizon_yr).social_npv_usd

    base = float(npv_of(shortage_day_cost(product, parameters)))
    draws = np.asarray(npv_of(sample_shortage_day_costs(product, parameters, n_draws=n_draws,
                                                        rng=rng)), dtype=float)
    low, high = np.quantile(draws, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return SocialNpvUncertainty(
        base_usd=base, mean_usd=float(draws.mean()),
        mean_se_usd=float(draws.std(ddof=1) / math.sqrt(draws.size)),
        low_usd=float(low), high_usd=float(high), level=float(level), draws_usd=draws,
        sensitivity=shortage_cost_sensitivity(product, parameters, npv_of))
