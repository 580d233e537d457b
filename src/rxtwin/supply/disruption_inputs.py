"""Inputs of the disruption simulator: per-product supply chains as padded arrays.

A product ``p`` is a small tree of **tiers** (KSM -> API -> FDF, components -> FDF). Tier
``t`` holds the stock of its output at its customer (for the FDF tier: finished goods in
the channel) and is fed by up to ``S`` supplier **sites**. Sites are shared between
products: an outage is drawn once per site and hits every tier that site supplies.
Quantities are product-equivalent units (one unit of API or component per unit of
product; the model has no recipe).

:func:`supply_inputs_from_scenario` builds :class:`SupplyEngineInputs` from a scenario;
:func:`chain_inputs` builds them for a hand-made chain described as plain dicts (see its
example and docs/supply_simulation.md, "A hand-made chain").
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from rxtwin.errors import UserInputError
from rxtwin.model import FailureEffect, InterventionKind, MaterialKind, Scenario
from rxtwin.model.disruption import DemandShock, DisruptionDefaults, OutageMode
from rxtwin.model.intervention import failure_mode_multipliers
from rxtwin.model.scenario import interventions_by_id
from rxtwin.model.units import DAYS_PER_YEAR, HOURS_PER_DAY

__all__ = [
    "DEFAULT_ATTRIBUTION_WINDOW_DAYS",
    "MAX_OUTAGE_CAUSES",
    "NO_OUTAGE_CATEGORY",
    "NO_OUTAGE_CAUSE",
    "OutageCauses",
    "SupplyEngineInputs",
    "chain_inputs",
    "outage_causes",
    "root_failure_mode",
    "stream_key",
    "supply_inputs_from_scenario",
]

NO_SITE = -1
MARKET_PARENT = -1
UNUSED_TIER = -2

#: Label and category of cause 0: a shortage episode that starts with no site outage under
#: way or recently ended in the product's chain (demand noise or a demand shock).
NO_OUTAGE_CAUSE = "none (demand)"
NO_OUTAGE_CATEGORY = "demand"
#: Most outage causes the simulator attributes shortages to: cause codes 1..254 are
#: painted on the uint8 site calendars (0 = up); with cause 0 the list has at most 255
#: entries.
MAX_OUTAGE_CAUSES = 254
#: Default ``attribution_window_days`` [d]. assumption: an outage reaches the market once
#: the stock and the pipeline downstream of the stopped site run out, so a shortage can
#: start up to about (cover + lead time) summed over the tiers between the site and the
#: market after the outage ended. In the bundled scenarios that sum is at most 120 d (210 d
#: with the 90-day finished-goods buffer of sterile_injectable), well under a year; a year
#: credits such late shortages to the outage without crediting an outage of years ago.
#: docs/supply_simulation.md, "Shortage-days by cause".
DEFAULT_ATTRIBUTION_WINDOW_DAYS = 365


@dataclass(frozen=True, eq=False)
class OutageCauses:
    """The causes shortage-days are attributed to (docs/supply_simulation.md,
    "Shortage-days by cause").

    Attributes
    ----------
    labels : tuple of str
        Label of each cause code: ``labels[0]`` is :data:`NO_OUTAGE_CAUSE`; code ``c >= 1``
        is the ``c``-th distinct outage-mode name in first-seen order over the sites'
        modes (site order, then mode order).
    categories : tuple of str
        Category of each cause: :data:`NO_OUTAGE_CATEGORY` for cause 0, else the
        ``category`` of the first mode seen with that name ("" when unknown).
    site_mode_codes : tuple of ndarray of uint8
        Per site, the cause code of each of its outage modes, in mode order.
    """

    labels: tuple[str, ...]
    categories: tuple[str, ...]
    site_mode_codes: tuple[np.ndarray, ...]

    @property
    def n_causes(self) -> int:
        """Causes, cause 0 included [-]."""
        return len(self.labels)


ROOT_SEPARATOR = "<-"


def root_failure_mode(cause: str) -> str:
    """The failure mode at the root of a cause: the text after ``"<-"`` in a mode name of
    the form ``"<escalation kind><-<failure mode id>"`` (the outage modes derived from a
    line's failure modes, docs/supply_simulation.md, "From line failures to site
    outages"), else "".

    Examples
    --------
    >>> root_failure_mode("recall<-oos-batch-reject")
    'oos-batch-reject'
    >>> root_failure_mode("regulatory_action")
    ''
    """
    _, separator, root = cause.partition(ROOT_SEPARATOR)
    return root if separator else ""


def outage_causes(site_outage_modes: Sequence[Sequence[OutageMode]]) -> OutageCauses:
    """Cause codes of the sites' outage modes: one per distinct mode name.

    Parameters
    ----------
    site_outage_modes : sequence of sequence of OutageMode
        Per site, its outage modes.

    Returns
    -------
    OutageCauses
        Code 0 = no site outage; codes 1.. the distinct names in first-seen order (site
        order, then mode order). Two modes of one name (on one site or two) share a code.

    Raises
    ------
    rxtwin.errors.UserInputError
        More than :data:`MAX_OUTAGE_CAUSES` distinct names.

    Examples
    --------
    >>> from rxtwin.model.distributions import Fixed
    >>> ten = Fixed(dist="fixed", value=10.0)
    >>> causes = outage_causes([[OutageMode("flood", 0.1, ten, category="natural_disaster")],
    ...                         [OutageMode("recall<-oos", 0.2, ten, category="recall"),
    ...                          OutageMode("flood", 0.1, ten)]])
    >>> causes.labels
    ('none (demand)', 'flood', 'recall<-oos')
    >>> causes.categories
    ('demand', 'natural_disaster', 'recall')
    >>> [codes.tolist() for codes in causes.site_mode_codes]
    [[1], [2, 1]]
    """
    code_of: dict[str, int] = {}
    categories = [NO_OUTAGE_CATEGORY]
    site_codes = []
    for modes in site_outage_modes:
        for mode in modes:
            if mode.name not in code_of:
                code_of[mode.name] = len(code_of) + 1
                categories.append(mode.category)
        site_codes.append([code_of[mode.name] for mode in modes])
    if len(code_of) > MAX_OUTAGE_CAUSES:
        raise UserInputError(f"the sites' outage modes have {len(code_of)} distinct names; "
                             f"shortages are attributed to at most {MAX_OUTAGE_CAUSES} "
                             "causes (one uint8 code each on the site calendars): give "
                             "modes that share a cause the same name")
    arrays = tuple(np.array(codes, dtype=np.uint8) for codes in site_codes)
    for codes in arrays:
        codes.flags.writeable = False
    return OutageCauses((NO_OUTAGE_CAUSE, *code_of), tuple(categories), arrays)


@dataclass(frozen=True, eq=False)
class SupplyEngineInputs:
    """Everything the disruption kernel needs, as arrays (``P`` products, ``T`` tiers,
    ``S`` suppliers per tier, ``N`` sites).

    Tiers of a product are ordered upstream first: a tier's parent has a larger index; the
    FDF tier (parent :data:`MARKET_PARENT`) is the last used tier. Unused tier slots have
    parent :data:`UNUSED_TIER`; unused supplier slots have site :data:`NO_SITE`.

    Attributes
    ----------
    product_ids : tuple of str, (P,)
    dosage_form_classes : tuple of str, (P,)
        ``oral_solid``, ``sterile_injectable`` or ``other``.
    tier_labels : tuple of tuple of str
        Per product, a label per used tier (``"api:metformin-api"``, ``"fdf"``...).
    demand_units_per_day : ndarray (P,)
        Mean daily demand [units/d].
    demand_cv : ndarray (P,)
        Coefficient of variation of daily demand [-] (log-normal day to day).
    tier_parent : ndarray of int64 (P, T)
        Index of the tier this one feeds; -1 = market; -2 = unused.
    base_stock_units : ndarray (P, T)
        Inventory-position target (on hand + in transit) [units].
    initial_on_hand_units : ndarray (P, T)
        Stock on hand at the start of the history (day 0 of each chunk) [units].
    initial_age_days : ndarray of int64 (P, T)
        Age of that stock [d].
    shelf_life_days : ndarray of int64 (P, T)
        Shelf life of the tier's material [d]; a lot made on day ``m`` expires at the start
        of day ``m + shelf_life_days``.
    unit_value_usd : ndarray (P, T)
        Value of one unit held in the tier [USD/unit] (holding cost).
    supplier_site : ndarray of int64 (P, T, S)
        Site index of each supplier; -1 = none.
    supplier_share : ndarray (P, T, S)
        Share of the tier's need ordered from the supplier [-] (0 = qualified backup).
    supplier_normal_units_per_day : ndarray (P, T, S)
        Most the supplier delivers without surge [units/d].
    supplier_capacity_units_per_day : ndarray (P, T, S)
        Most it delivers once surging [units/d], >= the normal rate.
    supplier_lead_days : ndarray of int64 (P, T, S)
        Transit time from the supplier to the tier's stock [d].
    supplier_lag_days : ndarray of int64 (P, T, S)
        Consecutive days of shortfall before it may surge (qualification lag) [d].
    holding_rate_per_yr : float
        Inventory carrying rate [1/yr].
    site_ids : tuple of str, (N,)
    site_outage_modes : tuple of tuple of OutageMode, (N,)
    product_demand_shocks : tuple of tuple of DemandShock, (P,)
    scenario_year_days : int
        Days simulated per scenario-year [d].
    warmup_years : int
        Scenario-years simulated before the recorded ones in every chunk, so that recorded
        years start from a state the chain has reached on its own (outages and shortages
        already under way) rather than from the start state [-].
    episode_gap_days : int
        Short days separated by at most this many days without shortage count as one
        shortage episode [d]; 0 makes every run of consecutive short days an episode.
    attribution_window_days : int
        A shortage episode is attributed to the site outage of the product's chain with the
        most down days in the window of this many days before its first day [d] (default
        :data:`DEFAULT_ATTRIBUTION_WINDOW_DAYS`, an assumption; docs/supply_simulation.md,
        "Shortage-days by cause").
    """

    product_ids: tuple[str, ...]
    dosage_form_classes: tuple[str, ...]
    tier_labels: tuple[tuple[str, ...], ...]
    demand_units_per_day: np.ndarray
    demand_cv: np.ndarray
    tier_parent: np.ndarray
    base_stock_units: np.ndarray
    initial_on_hand_units: np.ndarray
    initial_age_days: np.ndarray
    shelf_life_days: np.ndarray
    unit_value_usd: np.ndarray
    supplier_site: np.ndarray
    supplier_share: np.ndarray
    supplier_normal_units_per_day: np.ndarray
    supplier_capacity_units_per_day: np.ndarray
    supplier_lead_days: np.ndarray
    supplier_lag_days: np.ndarray
    holding_rate_per_yr: float
    site_ids: tuple[str, ...]
    site_outage_modes: tuple[tuple[OutageMode, ...], ...]
    product_demand_shocks: tuple[tuple[DemandShock, ...], ...]
    scenario_year_days: int = int(DAYS_PER_YEAR)
    warmup_years: int = 0
    episode_gap_days: int = 0
    attribution_window_days: int = DEFAULT_ATTRIBUTION_WINDOW_DAYS
    site_stream_keys: np.ndarray = field(init=False)
    product_stream_keys: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n_products = len(self.product_ids)
        shapes = {
            "demand_units_per_day": (n_products,), "demand_cv": (n_products,),
        }
        for name, shape in shapes.items():
            if getattr(self, name).shape != shape:
                raise UserInputError(f"{name} has shape {getattr(self, name).shape}, need {shape}")
        pt = self.tier_parent.shape
        for name in ("base_stock_units", "initial_on_hand_units", "initial_age_days",
                     "shelf_life_days", "unit_value_usd"):
            if getattr(self, name).shape != pt:
                raise UserInputError(f"{name} has shape {getattr(self, name).shape}, need {pt}")
        pts = self.supplier_site.shape
        for name in ("supplier_share", "supplier_normal_units_per_day",
                     "supplier_capacity_units_per_day", "supplier_lead_days",
                     "supplier_lag_days"):
            if getattr(self, name).shape != pts:
                raise UserInputError(f"{name} has shape {getattr(self, name).shape}, need {pts}")
        if len(self.site_outage_modes) != len(self.site_ids):
            raise UserInputError("site_outage_modes needs one tuple of modes per site")
        if len(self.product_demand_shocks) != n_products:
            raise UserInputError("product_demand_shocks needs one tuple of shocks per product")
        if np.any(self.supplier_site >= len(self.site_ids)):
            raise UserInputError("supplier_site names a site index >= the number of sites")
        if np.any(self.supplier_capacity_units_per_day < self.supplier_normal_units_per_day):
            raise UserInputError("supplier_capacity_units_per_day must be >= "
                                 "supplier_normal_units_per_day")
        for name in ("scenario_year_days", "warmup_years", "episode_gap_days",
                     "attribution_window_days"):
            value = getattr(self, name)
            least = 1 if name == "scenario_year_days" else 0
            if isinstance(value, bool) or not isinstance(value, int | np.integer) \
                    or value < least:
                raise UserInputError(f"{name} = {value!r}, must be an integer >= {least}")
        if np.any(self.shelf_life_days[self.tier_parent != UNUSED_TIER] < 1):
            raise UserInputError("shelf_life_days must be >= 1 on used tiers")
        site_keys = np.array([stream_key(s) for s in self.site_ids], dtype=np.int64)
        product_keys = np.array([stream_key(p) for p in self.product_ids], dtype=np.int64)
        for what, ids, keys in (("site", self.site_ids, site_keys),
                                ("product", self.product_ids, product_keys)):
            if len(set(keys.tolist())) != len(ids):
                raise UserInputError(f"{what} ids must be unique (their random streams are keyed "
                                     "by id)")
        object.__setattr__(self, "site_stream_keys", site_keys)
        object.__setattr__(self, "product_stream_keys", product_keys)
        for name in ("demand_units_per_day", "demand_cv", "tier_parent", "base_stock_units",
                     "initial_on_hand_units", "initial_age_days", "shelf_life_days",
                     "unit_value_usd", "supplier_site", "supplier_share",
                     "supplier_normal_units_per_day", "supplier_capacity_units_per_day",
                     "supplier_lead_days", "supplier_lag_days"):
            getattr(self, name).flags.writeable = False
        _ = self.causes  # refuses too many cause names here, not in a worker

    @functools.cached_property
    def causes(self) -> OutageCauses:
        """The causes shortages are attributed to, from :attr:`site_outage_modes`
        (:func:`outage_causes`)."""
        return outage_causes(self.site_outage_modes)

    @property
    def n_products(self) -> int:
        """Number of products [-]."""
        return len(self.product_ids)

    @property
    def n_sites(self) -> int:
        """Number of sites [-]."""
        return len(self.site_ids)


def stream_key(identifier: str) -> int:
    """The random-stream key of a site or product id: CRC-32 of its UTF-8 text.

    Keying streams by id (not by position) gives a site the same outage history in every
    variant of a scenario, e.g. after a redundant supplier is added (common random numbers).
    """
    return zlib.crc32(identifier.encode("utf-8"))


# ------------------------------------------------------------------------------------------
# A hand-made chain
# ------------------------------------------------------------------------------------------

_PRODUCT_KEYS = (("id", "demand_units_per_day", "tiers"),
                 ("demand_cv", "dosage_form_class", "shocks"))
_TIER_KEYS = (("label", "parent", "base_stock_units", "shelf_life_days", "suppliers"),
              ("initial_on_hand_units", "initial_age_days", "unit_value_usd"))
_SUPPLIER_KEYS = (("site", "share", "normal_units_per_day"),
                  ("capacity_units_per_day", "lead_days", "lag_days"))


def _check_keys(where: str, given: Mapping, keys: tuple[tuple[str, ...], tuple[str, ...]]
                ) -> None:
    """Refuse a description with a missing or unknown key (a misspelt optional key would
    otherwise be ignored silently)."""
    if not isinstance(given, Mapping):
        raise UserInputError(f"{where} must be a dict, got {type(given).__name__}")
    required, optional = keys
    missing = [k for k in required if k not in given]
    if missing:
        raise UserInputError(f"{where} lacks {', '.join(missing)} (required: "
                             f"{', '.join(required)})")
    unknown = sorted(set(given) - set(required) - set(optional))
    if unknown:
        raise UserInputError(f"{where} has unknown key(s) {', '.join(unknown)}; allowed: "
                             f"{', '.join(required + optional)}")


def chain_inputs(
    products: Sequence[dict],
    site_ids: Sequence[str],
    site_outage_modes: Sequence[Sequence[OutageMode]],
    *,
    holding_rate_per_yr: float = 0.0,
    scenario_year_days: int = int(DAYS_PER_YEAR),
    warmup_years: int = 0,
    episode_gap_days: int = 0,
    attribution_window_days: int = DEFAULT_ATTRIBUTION_WINDOW_DAYS,
) -> SupplyEngineInputs:
    """Disruption-simulator inputs of a hand-made chain: products described as plain dicts.

    Use it for a chain that no scenario describes (a study of one supplier's outages, a
    stockpile policy, a test with a closed form, the benchmark); a scenario's chains come
    from :func:`supply_inputs_from_scenario`, which calls this function. The result goes to
    :func:`rxtwin.supply.disruption.simulate_disruptions`.

    Parameters
    ----------
    products : sequence of dict
        One dict per product:

        * ``id`` (str), ``demand_units_per_day`` (mean demand [units/d]), optional
          ``demand_cv`` (day-to-day coefficient of variation [-], default 0),
          ``dosage_form_class`` (``oral_solid``, ``sterile_injectable`` or ``other``,
          the default) and ``shocks`` (:class:`DemandShock` tuple, default none);
        * ``tiers``: a list, upstream first, of dicts with ``label`` (str), ``parent``
          (index of the later tier it feeds; :data:`MARKET_PARENT` = -1 for the
          finished-dose tier, which must be last), ``base_stock_units`` (inventory-position
          target: on hand + in transit [units]), ``shelf_life_days`` [d], and optional
          ``initial_on_hand_units`` (stock at the start [units]; default the base stock
          less the pipeline, share x demand x lead time of each supplier),
          ``initial_age_days`` (age of that stock [d], default 0) and ``unit_value_usd``
          (value held per unit [USD/unit], default 0);
        * per tier, ``suppliers``: dicts with ``site`` (index into ``site_ids``),
          ``share`` (share of the tier's orders [-]; 0 = a qualified backup),
          ``normal_units_per_day`` (most it delivers without surge [units/d]) and optional
          ``capacity_units_per_day`` (most once surging [units/d], >= normal; default the
          normal rate), ``lead_days`` (transit [d], default 0) and ``lag_days``
          (qualification lag before it may surge [d], default 0).
    site_ids : sequence of str
        Site ids (unique; their random streams are keyed by id).
    site_outage_modes : sequence of sequence of OutageMode
        The outage modes of each site, in the order of ``site_ids`` (empty: never down).
    holding_rate_per_yr : float
        Inventory carrying rate [1/yr], for the holding cost.
    scenario_year_days : int
        Days per scenario-year [d].
    warmup_years, episode_gap_days : int
        As :class:`SupplyEngineInputs` (default 0: record from the start state; episodes
        are runs of consecutive short days). The scenario adapter uses 10 and 30 days
        (``disruption_defaults.yaml``).
    attribution_window_days : int
        As :class:`SupplyEngineInputs` [d] (default
        :data:`DEFAULT_ATTRIBUTION_WINDOW_DAYS`).

    Returns
    -------
    SupplyEngineInputs
        Padded to the most tiers and suppliers of any product.

    Raises
    ------
    rxtwin.errors.UserInputError
        A description lacks a required key or has an unknown one, a tier's parent is not a
        later tier, the last tier does not feed the market, a supplier names a site out of
        range, or the arrays disagree (:class:`SupplyEngineInputs`).

    Notes
    -----
    The model each tier follows (base-stock ordering, surge after the lag, first-expired-
    first-out stock, lost sales) is in docs/supply_simulation.md. Quantities are
    product-equivalent units: one unit of each input per unit of product.

    Examples
    --------
    An API plant with two quality failures in four years (0.5/yr, exponential, mean 60
    days) supplies one finished-dose plant that never stops; each tier holds 30 days of
    demand, the API arrives after 10 days of transit.

    >>> from rxtwin.model.disruption import OutageMode
    >>> from rxtwin.model.distributions import Exponential
    >>> from rxtwin.supply.disruption import simulate_disruptions
    >>> d = 1000.0  # tablets a day
    >>> api = {"label": "api", "parent": 1, "base_stock_units": 30 * d,
    ...        "shelf_life_days": 1825,
    ...        "suppliers": [{"site": 0, "share": 1.0, "normal_units_per_day": 1.2 * d,
    ...                       "capacity_units_per_day": 2.0 * d, "lead_days": 10}]}
    >>> fdf = {"label": "fdf", "parent": MARKET_PARENT, "base_stock_units": 30 * d,
    ...        "shelf_life_days": 730,
    ...        "suppliers": [{"site": 1, "share": 1.0, "normal_units_per_day": 2.0 * d}]}
    >>> inputs = chain_inputs(
    ...     [{"id": "tablet", "demand_units_per_day": d, "demand_cv": 0.2,
    ...       "tiers": [api, fdf]}],
    ...     ["api-plant", "fdf-plant"],
    ...     [[OutageMode("quality failure", 0.5, Exponential(dist="exponential", mean=60.0))],
    ...      []],
    ...     warmup_years=10, episode_gap_days=30)
    >>> inputs.initial_on_hand_units  # API: 30 days less the 10 in transit
    array([[20000., 30000.]])
    >>> table = simulate_disruptions(inputs, 1000, entropy=1).summary.table()

    The 60 days of stock (50 on hand) cover an outage shorter than about 50 days; longer
    ones short the market by about 0.5/yr x E[(X - 50)+] = 0.5 x 60 exp(-50/60), some
    13 days a year:

    >>> bool(8 < table.loc[0, "shortage_days_per_yr"] < 20)
    True
    """
    if not products:
        raise UserInputError("products: give at least one product")
    for i, product in enumerate(products):
        _check_keys(f"products[{i}]", product, _PRODUCT_KEYS)
        if not product["tiers"]:
            raise UserInputError(f"product '{product['id']}': tiers is empty")
        for t, tier in enumerate(product["tiers"]):
            where = f"product '{product['id']}' tier {t}"
            _check_keys(where, tier, _TIER_KEYS)
            for s, sup in enumerate(tier["suppliers"]):
                _check_keys(f"{where} supplier {s}", sup, _SUPPLIER_KEYS)
                if not 0 <= sup["site"] < len(site_ids):
                    raise UserInputError(f"{where} supplier {s}: site {sup['site']} is not an "
                                         f"index into the {len(site_ids)} site_ids")
    n_products = len(products)
    n_tiers = max(len(p["tiers"]) for p in products)
    n_sup = max(len(t["suppliers"]) for p in products for t in p["tiers"])
    parent = np.full((n_products, n_tiers), UNUSED_TIER, dtype=np.int64)
    base = np.zeros((n_products, n_tiers))
    on_hand = np.zeros((n_products, n_tiers))
    age = np.zeros((n_products, n_tiers), dtype=np.int64)
    shelf = np.ones((n_products, n_tiers), dtype=np.int64)
    value = np.zeros((n_products, n_tiers))
    site = np.full((n_products, n_tiers, n_sup), NO_SITE, dtype=np.int64)
    share = np.zeros((n_products, n_tiers, n_sup))
    normal = np.zeros((n_products, n_tiers, n_sup))
    cap = np.zeros((n_products, n_tiers, n_sup))
    lead = np.zeros((n_products, n_tiers, n_sup), dtype=np.int64)
    lag = np.zeros((n_products, n_tiers, n_sup), dtype=np.int64)
    labels = []
    for i, product in enumerate(products):
        tiers = product["tiers"]
        if tiers[-1]["parent"] != MARKET_PARENT:
            raise UserInputError(f"product '{product['id']}': the last tier must feed the market "
                                 "(parent -1)")
        labels.append(tuple(t["label"] for t in tiers))
        for t, tier in enumerate(tiers):
            if tier["parent"] != MARKET_PARENT and not t < tier["parent"] < len(tiers):
                raise UserInputError(f"product '{product['id']}' tier {t}: parent "
                                     f"{tier['parent']} must be a later tier")
            parent[i, t] = tier["parent"]
            base[i, t] = tier["base_stock_units"]
            pipeline = sum(s["share"] * product["demand_units_per_day"] * s.get("lead_days", 0)
                           for s in tier["suppliers"])
            on_hand[i, t] = tier.get("initial_on_hand_units", base[i, t] - pipeline)
            age[i, t] = tier.get("initial_age_days", 0)
            shelf[i, t] = tier["shelf_life_days"]
            value[i, t] = tier.get("unit_value_usd", 0.0)
            for s, sup in enumerate(tier["suppliers"]):
                site[i, t, s] = sup["site"]
                share[i, t, s] = sup["share"]
                normal[i, t, s] = sup["normal_units_per_day"]
                cap[i, t, s] = sup.get("capacity_units_per_day", sup["normal_units_per_day"])
                lead[i, t, s] = sup.get("lead_days", 0)
                lag[i, t, s] = sup.get("lag_days", 0)
    return SupplyEngineInputs(
        product_ids=tuple(p["id"] for p in products),
        dosage_form_classes=tuple(p.get("dosage_form_class", "other") for p in products),
        tier_labels=tuple(labels),
        demand_units_per_day=np.array([p["demand_units_per_day"] for p in products], float),
        demand_cv=np.array([p.get("demand_cv", 0.0) for p in products], float),
        tier_parent=parent, base_stock_units=base, initial_on_hand_units=on_hand,
        initial_age_days=age, shelf_life_days=shelf, unit_value_usd=value,
        supplier_site=site, supplier_share=share, supplier_normal_units_per_day=normal,
        supplier_capacity_units_per_day=cap, supplier_lead_days=lead, supplier_lag_days=lag,
        holding_rate_per_yr=holding_rate_per_yr, site_ids=tuple(site_ids),
        site_outage_modes=tuple(tuple(m) for m in site_outage_modes),
        product_demand_shocks=tuple(tuple(p.get("shocks", ())) for p in products),
        scenario_year_days=scenario_year_days, warmup_years=warmup_years,
        episode_gap_days=episode_gap_days, attribution_window_days=attribution_window_days,
    )


# ------------------------------------------------------------------------------------------
# From a scenario
# ------------------------------------------------------------------------------------------


def _days(value: float) -> int:
    return int(math.ceil(value - 1e-9))


def _makers_by_product(scenario: Scenario) -> dict[str, set[str]]:
    """Product id -> the finished-dose sites that make it, by the adapter's rule: its market
    edges' suppliers, else the sites of the lines that make it."""
    market: dict[str, set[str]] = {}
    for edge in scenario.supply_edges:
        if edge.customer_site_id is None:
            market.setdefault(edge.material_id, set()).add(edge.supplier_site_id)
    lines: dict[str, set[str]] = {}
    for line in scenario.lines:
        for pid in line.product_ids:
            lines.setdefault(pid, set()).add(line.site_id)
    return {p.id: market.get(p.id) or lines.get(p.id, set()) for p in scenario.products}


def _site_multipliers(scenario: Scenario, chosen: Sequence) -> Callable[[str], object]:
    """Site id -> the failure-mode multipliers of the interventions acting there: those
    without ``product_ids`` everywhere, the others at the sites making one of their
    products (order of ``chosen`` kept, so the products multiply as
    :func:`rxtwin.model.intervention.failure_mode_multipliers` does)."""
    everywhere = failure_mode_multipliers(chosen)
    if all(not i.product_ids for i in chosen):
        return lambda site_id: everywhere
    makers = _makers_by_product(scenario)
    sites_of = [set().union(*(makers.get(pid, set()) for pid in i.product_ids))
                if i.product_ids else None for i in chosen]
    cache: dict[str, object] = {}

    def at(site_id: str):
        if site_id not in cache:
            cache[site_id] = failure_mode_multipliers(
                [i for i, sites in zip(chosen, sites_of, strict=True)
                 if sites is None or site_id in sites])
        return cache[site_id]

    return at


def supply_inputs_from_scenario(
    scenario: Scenario,
    interventions: Sequence[str] = (),
    *,
    defaults: DisruptionDefaults,
    extra_site_outage_modes: Mapping[str, Sequence[OutageMode]] | None = None,
    replaced_categories: Collection[str] = (),
) -> SupplyEngineInputs:
    """Per-product supply chains of a scenario, with interventions applied.

    Parameters
    ----------
    scenario : Scenario
    interventions : sequence of str
        Ids of scenario interventions to apply: ``buffer_stock`` adds ``extra_stock_days``
        to the finished-goods target and start stock; ``api_reserve`` to the API tier;
        ``dual_sourcing`` adds an independent, already qualified second supplier (its own
        site ``<first supplier>~dual``, default outage modes, half the share) to each
        single-sourced tier of a critical material of the product, or to its API tier when
        it has no critical material. These three act on the products in the intervention's
        ``product_ids`` (empty = all). ``failure_mode_changes`` multiply per failure mode
        (:func:`rxtwin.model.intervention.failure_mode_multipliers`) and scale the rates
        and durations of the scenario's site-outage failure modes at the finished-dose
        sites where the intervention acts: every such site when its ``product_ids`` is
        empty, else the sites that make at least one of its products (market edges or
        lines; a measure on a plant changes the plant, so every product made there
        gains); demand-change modes of the products in ``product_ids`` (all when empty);
        ``line_ids`` is not used here.
    defaults : DisruptionDefaults
        Values the scenario does not give (:func:`rxtwin.data.disruption_defaults.
        load_disruption_defaults`).
    extra_site_outage_modes : mapping of str to sequence of OutageMode, optional
        Site id -> outage modes added to that site's own (scenario or default) modes, as
        given: no calibrated duration replaces theirs and no intervention scales them.
        The orchestration layer derives them from the lines' failure modes
        (:func:`rxtwin.runs.site_failures.site_outage_modes_from_lines`); this engine
        never looks at a line. None or empty leaves the inputs unchanged to the bit.
    replaced_categories : collection of str
        At each site of ``extra_site_outage_modes``, the site's own modes of these
        categories are dropped: the added modes explain the same events (e.g. the
        ``regulatory_action`` mode of a site whose inspections the orchestration layer
        derives from its lines). Other sites keep theirs.

    Returns
    -------
    SupplyEngineInputs

    Raises
    ------
    rxtwin.errors.UnknownIdError
        For an intervention id not in the scenario
        (:func:`rxtwin.model.scenario.interventions_by_id`).
    rxtwin.errors.UserInputError
        For an ``extra_site_outage_modes`` site id that is not a site of the scenario.

    Notes
    -----
    Rules (see docs/supply_simulation.md): the FDF tier's suppliers are the product's
    market edges or else the sites of the lines that make it (equal shares); its outage
    modes are the scenario's ``site_outage`` failure modes for the product's dosage form
    (rate times the line technology's multiplier), or the defaults if there are none. The
    API tier's suppliers are the edges delivering ``api_id`` to an FDF site; KSM edges
    into those API sites form a KSM tier feeding the API tier; each component is a tier
    feeding the FDF tier. A material without supply edges is assumed always available and
    gets no tier. Base stock = (cover days + share-weighted lead time) x mean demand;
    cover is the product's ``target_inventory_days`` for finished goods and
    ``defaults.input_cover_days`` for inputs. Supplier capacity per day is
    ``capacity_units_per_yr / 365`` when given, else ``max(share (1 + headroom),
    surge fraction) x demand``.
    """
    chosen = interventions_by_id(scenario, interventions)
    site_multipliers = _site_multipliers(scenario, chosen)

    site_index = {s.id: i for i, s in enumerate(scenario.sites)}
    site_ids = [s.id for s in scenario.sites]
    site_modes: dict[str, list[OutageMode]] = {}
    default_modes = tuple(defaults.outage_mode(m) for m in defaults.site_outage_modes)
    materials = {m.id: m for m in scenario.materials}
    tech_kind = {t.id: t.kind for t in scenario.technologies}
    site_tech = {}
    for line in scenario.lines:
        site_tech.setdefault(line.site_id, tech_kind[line.technology_id])

    def fdf_modes(site_id: str, dosage_form) -> list[OutageMode]:
        modes = []
        multipliers = site_multipliers(site_id)
        for mode in scenario.failure_modes:
            if mode.effect != FailureEffect.site_outage or dosage_form not in mode.dosage_forms:
                continue
            rate = mode.rate_per_yr * multipliers.rate(mode.id)
            if site_id in site_tech:
                rate *= mode.multiplier_for(site_tech[site_id])
            factor = multipliers.duration(mode.id)
            modes.append(defaults.outage_mode(OutageMode(
                mode.id, rate, mode.duration_h, factor / HOURS_PER_DAY,
                category=mode.category.value), duration_multiplier=factor))
        return modes

    def add_site(site_id: str, modes: list[OutageMode] | None) -> int:
        if site_id not in site_index:
            site_index[site_id] = len(site_ids)
            site_ids.append(site_id)
        if modes is not None and site_id not in site_modes:
            site_modes[site_id] = modes
        return site_index[site_id]

    edges_in: dict[tuple[str | None, str], list] = {}
    for edge in scenario.supply_edges:
        edges_in.setdefault((edge.customer_site_id, edge.material_id), []).append(edge)

    products = []
    for product in scenario.products:
        d = product.demand_units_per_yr / DAYS_PER_YEAR
        extra_fdf = sum(i.extra_stock_days for i in chosen
                        if i.kind == InterventionKind.buffer_stock
                        and i.applies_to_product(product.id))
        extra_api = sum(i.extra_stock_days for i in chosen
                        if i.kind == InterventionKind.api_reserve
                        and i.applies_to_product(product.id))
        dual = any(i.kind == InterventionKind.dual_sourcing and i.applies_to_product(product.id)
                   for i in chosen)

        market = edges_in.get((None, product.id), [])
        if market:
            fdf_sup = [(e.supplier_site_id, e.share, e.capacity_units_per_yr, e.lead_time_days,
                        e.qualification_lag_days) for e in market]
        else:
            makers = [ln.site_id for ln in scenario.lines if product.id in ln.product_ids]
            if not makers:
                raise UserInputError(f"product '{product.id}': no supply edge to the market and no "
                                     "line makes it, so it has no finished-dose supplier")
            makers = list(dict.fromkeys(makers))
            fdf_sup = [(s, 1.0 / len(makers), None, 0.0, 0.0) for s in makers]
        fdf_sites = [s for s, *_ in fdf_sup]
        for s in fdf_sites:
            modes = fdf_modes(s, product.dosage_form)
            add_site(s, modes if modes else list(default_modes))

        def supplier_rows(material_id: str, customers: list[str]):
            rows = []
            for customer in customers:
                for e in edges_in.get((customer, material_id), []):
                    rows.append((e.supplier_site_id, e.share / len(customers),
                                 e.capacity_units_per_yr, e.lead_time_days,
                                 e.qualification_lag_days))
            return rows

        input_tiers = []  # (label, material, rows, is_api)
        if product.api_id is not None:
            rows = supplier_rows(product.api_id, fdf_sites)
            if rows:
                input_tiers.append((f"api:{product.api_id}", materials[product.api_id], rows,
                                    True))
        for component in product.component_ids:
            rows = supplier_rows(component, fdf_sites)
            if rows:
                input_tiers.append((f"component:{component}", materials[component], rows,
                                    False))
        if dual:
            critical = [k for k, tier in enumerate(input_tiers)
                        if tier[1].critical and len(tier[2]) == 1]
            targets = critical or [k for k, tier in enumerate(input_tiers)
                                   if tier[3] and len(tier[2]) == 1]
            for k in targets:
                label, material, rows, is_api = input_tiers[k]
                site, share, cap, lead, _lag = rows[0]
                twin = f"{site}~dual"
                add_site(twin, list(default_modes))
                input_tiers[k] = (label, material, [(site, share / 2, cap, lead, 0.0),
                                                    (twin, share / 2, cap, lead, 0.0)], is_api)

        tiers = []
        api_ksm = []  # (API tier label, shortest-lived KSM material, KSM supplier rows)
        for label, _material, rows, is_api in input_tiers:
            if not is_api:
                continue
            api_sites = list(dict.fromkeys(r[0] for r in rows))
            ksm_rows, ksm_materials = [], []
            for m in scenario.materials:
                if m.kind == MaterialKind.ksm:
                    found = supplier_rows(m.id, api_sites)
                    ksm_rows += found
                    ksm_materials += [m] if found else []
            if ksm_rows:
                total = sum(r[1] for r in ksm_rows)
                ksm_rows = [(r[0], r[1] / total, *r[2:]) for r in ksm_rows]
                shortest = min(ksm_materials, key=lambda m: m.shelf_life_days)
                api_ksm.append((label, shortest, ksm_rows))
        # order: KSM tier(s), then input tiers, then FDF
        order = [("ksm->" + label, material, rows, label) for label, material, rows in api_ksm]
        for label, material, rows, _ in input_tiers:
            order.append((label, material, rows, "fdf"))
        order.append(("fdf", None, fdf_sup, None))
        index_of = {entry[0]: k for k, entry in enumerate(order)}
        for label, material, rows, parent_label in order:
            is_fdf = parent_label is None
            if is_fdf:
                cover = product.target_inventory_days + extra_fdf
                start = product.initial_inventory_days + extra_fdf
                shelf = product.shelf_life_days
                value = product.material_cost_usd_per_unit
            else:
                extra = extra_api if label.startswith("api:") else 0.0
                cover = defaults.input_cover_days + extra
                start = cover
                shelf = material.shelf_life_days
                # tiers hold finished-dose-unit equivalents: the input's share of the
                # product's material cost is the value of one unit in stock
                tier_kind = ("ksm" if label.startswith("ksm->") else
                             "api" if label.startswith("api:") else "component")
                value = defaults.input_unit_value_usd(tier_kind,
                                                      product.material_cost_usd_per_unit)
            suppliers = []
            for site, share, cap_yr, lead, lag in rows:
                if site not in site_modes:
                    add_site(site, list(default_modes))
                normal = share * (1.0 + defaults.supplier_headroom_fraction) * d
                cap = (cap_yr / DAYS_PER_YEAR if cap_yr is not None
                       else max(normal, defaults.surge_capacity_fraction_of_demand * d))
                suppliers.append({"site": site_index[site], "share": share,
                                  "normal_units_per_day": min(normal, cap),
                                  "capacity_units_per_day": cap,
                                  "lead_days": _days(lead), "lag_days": _days(lag)})
            pipeline = sum(s["share"] * s["lead_days"] for s in suppliers) * d
            tiers.append({
                "label": label,
                "parent": MARKET_PARENT if is_fdf else index_of[parent_label],
                "base_stock_units": cover * d + pipeline,
                "initial_on_hand_units": start * d,
                "initial_age_days": int(round(defaults.initial_stock_age_fraction * start)),
                "shelf_life_days": max(1, int(round(shelf))),
                "unit_value_usd": value,
                "suppliers": suppliers,
            })
        demand_multipliers = failure_mode_multipliers(
            [i for i in chosen if i.applies_to_product(product.id)])
        shocks = tuple(
            DemandShock(m.id, m.rate_per_yr * demand_multipliers.rate(m.id), m.duration_h,
                        m.demand_multiplier,
                        demand_multipliers.duration(m.id) / HOURS_PER_DAY)
            for m in scenario.failure_modes
            if m.effect == FailureEffect.demand_change and product.dosage_form in m.dosage_forms
        )
        products.append({
            "id": product.id, "demand_units_per_day": d, "demand_cv": product.demand_cv,
            "dosage_form_class": product.dosage_form.value, "shocks": shocks,
            "tiers": tiers,
        })
    extra = extra_site_outage_modes or {}
    unknown = [s for s in extra if s not in site_index]
    if unknown:
        raise UserInputError(f"extra_site_outage_modes: site(s) {', '.join(unknown)} are not "
                             f"sites of scenario '{scenario.name}' (known: "
                             f"{', '.join(site_ids)})")
    replaced = frozenset(replaced_categories)
    modes = [tuple(m for m in site_modes.get(s, default_modes)
                   if s not in extra or m.category not in replaced) + tuple(extra.get(s, ()))
             for s in site_ids]
    return chain_inputs(products, site_ids, modes,
                        holding_rate_per_yr=scenario.firm.inventory_carrying_rate_per_yr,
                        scenario_year_days=defaults.scenario_year_days,
                        warmup_years=defaults.warmup_years,
                        episode_gap_days=defaults.episode_gap_days)

