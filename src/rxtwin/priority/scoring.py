"""The explainable priority score: criticality x vulnerability x risk.

Each product is described by criteria on [0, 1] (1 = worse), in three fixed groups
(:data:`rxtwin.model.priority.CRITERIA_BY_GROUP`): *criticality* (how much patients lose
when it is short), *vulnerability* (how fragile its supply is) and *risk* (what a supply
simulation expects). The score is

.. math::

    C = \\frac{\\sum_{i \\in K_C} w_i c_i}{\\sum_{i \\in K_C} w_i}, \\quad
    V = \\frac{\\sum_{i \\in K_V} w_i c_i}{\\sum_{i \\in K_V} w_i}, \\quad
    R = \\frac{\\sum_{i \\in K_R} w_i c_i}{\\sum_{i \\in K_R} w_i}, \\quad
    \\text{score} = C \\cdot V \\cdot R

where :math:`K_g` are the criteria of group *g* that are *known* for the product (the column
is present and the cell is not NaN) and :math:`w_i` their weights
(``rxtwin/data/priority_weights.yaml``). A criterion that is not known is left out and the
remaining weights of its group are renormalised; a group with no known criterion (or only
zero weights) gives the neutral sub-score 1, and the row says so.

Why a product and not a sum: a medicine deserves attention first when it is *both*
critical and vulnerable. A sum would rank a critical product with a robust supply (nothing
to fix) or a fragile product nobody depends on (nothing to lose) as high as one that is
both; the product is zero when either factor is zero and large only when all are large.

The module also holds the small pure functions that turn raw facts into criteria
(:func:`few_makers`, :func:`herfindahl_index`, :func:`patients_affected`,
:func:`short_shelf_life`, :func:`shortage_history`, ...). Engines here read no file: the
weights come in as a :class:`~rxtwin.model.priority.PriorityWeights`
(:func:`rxtwin.data.priority_weights.load_priority_weights`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rxtwin.errors import UserInputError
from rxtwin.model.priority import CRITERIA_BY_GROUP, CRITERION_GROUP, GROUPS, PriorityWeights

__all__ = [
    "PASS_THROUGH_COLUMNS",
    "PriorityScores",
    "few_api_sources",
    "few_makers",
    "herfindahl_index",
    "patients_affected",
    "price_erosion",
    "priority_scores",
    "quality_history",
    "scaled_shortage_days",
    "short_shelf_life",
    "shortage_history",
]

#: Optional columns copied to the ranked table unchanged.
PASS_THROUGH_COLUMNS = ("name", "dominant_cause")
#: Contributions named per group in the explanation.
EXPLAINED_PER_GROUP = 2


# --------------------------------------------------------------------------------------------
# raw facts -> criteria on [0, 1]
# --------------------------------------------------------------------------------------------
def _as_array(values: float | Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].ravel()[:3].tolist()
        raise UserInputError(f"{name} must be finite numbers (got {bad} among them)")
    return array


def few_makers(n_makers: float | Sequence[float] | np.ndarray) -> np.ndarray | float:
    """Criterion ``few_makers`` from the number of makers of the finished product.

    Parameters
    ----------
    n_makers : int or array of int
        Makers supplying the market [-], >= 1.

    Returns
    -------
    float or numpy.ndarray
        ``1 / n_makers`` [-]: 1 for a sole source, 0.5 for two, towards 0 for many.

    Notes
    -----
    :math:`c = 1/n`. The reciprocal of the count is the Herfindahl index of *n* equal
    shares, so :func:`few_makers` and :func:`herfindahl_index` agree when shares are equal.

    Examples
    --------
    >>> float(few_makers(4))
    0.25
    """
    count = _as_array(n_makers, "n_makers")
    if np.any(count < 1):
        raise UserInputError(f"n_makers must be >= 1 (got {n_makers!r}); a product nobody "
                             "makes is already short")
    return 1.0 / count


def few_api_sources(n_api_sources: float | Sequence[float] | np.ndarray) -> np.ndarray | float:
    """Criterion ``few_api_sources``: ``1 / n_api_sources`` [-], as :func:`few_makers` for
    the sources of the active ingredient (>= 1)."""
    count = _as_array(n_api_sources, "n_api_sources")
    if np.any(count < 1):
        raise UserInputError(f"n_api_sources must be >= 1 (got {n_api_sources!r})")
    return 1.0 / count


def herfindahl_index(shares: Sequence[float] | np.ndarray) -> float:
    """Herfindahl-Hirschman index of supply shares, for ``supplier_concentration`` (shares by
    maker) or ``country_concentration`` (shares summed by country).

    Parameters
    ----------
    shares : sequence of float
        Shares of supply [-], each >= 0, summing to 1 (within 1e-6).

    Returns
    -------
    float
        :math:`H = \\sum_i s_i^2` [-], from 1/n (n equal shares) to 1 (one source).

    References
    ----------
    U.S. Department of Justice and Federal Trade Commission, Merger Guidelines (2023),
    section 2.1 (the index on shares in percent, 0-10,000; here on shares, 0-1).

    Examples
    --------
    >>> herfindahl_index([0.5, 0.3, 0.2])
    0.38
    """
    array = _as_array(shares, "shares")
    if array.ndim != 1 or array.size == 0 or np.any(array < 0) or abs(array.sum() - 1) > 1e-6:
        raise UserInputError(f"shares must be a non-empty list of numbers >= 0 summing to 1 "
                             f"(got {list(np.atleast_1d(array))!r})")
    return round(float(np.sum(array**2)), 12)


def patients_affected(patients_per_day: float | Sequence[float] | np.ndarray,
                      reference_patients_per_day: float) -> np.ndarray | float:
    """Criterion ``patients_affected`` from the patients treated per day, log-scaled.

    Parameters
    ----------
    patients_per_day : float or array
        Patients taking the product on an average day [patients/d], >= 0.
    reference_patients_per_day : float
        Patients per day that scores 1 [patients/d], > 0: e.g. the largest product of the
        portfolio, or a national figure of a widely used medicine.

    Returns
    -------
    float or numpy.ndarray
        :math:`c = \\min(1, \\ln(1 + p) / \\ln(1 + p_{ref}))` [-]. The logarithm keeps a
        hundredfold larger product from swamping every other criterion: each tenfold more
        patients adds the same step.

    Examples
    --------
    >>> round(float(patients_affected(99.0, 9999.0)), 3)
    0.5
    """
    patients = _as_array(patients_per_day, "patients_per_day")
    if np.any(patients < 0) or not reference_patients_per_day > 0:
        raise UserInputError("patients_per_day must be >= 0 and reference_patients_per_day > 0 "
                             f"(got {patients_per_day!r}, {reference_patients_per_day!r})")
    return np.minimum(1.0, np.log1p(patients) / np.log1p(reference_patients_per_day))


def short_shelf_life(shelf_life_days: float | Sequence[float] | np.ndarray,
                     long_shelf_life_days: float) -> np.ndarray | float:
    """Criterion ``short_shelf_life`` from the shelf life of the finished product.

    Parameters
    ----------
    shelf_life_days : float or array
        Shelf life [d], >= 0.
    long_shelf_life_days : float
        A shelf life long enough not to limit buffer stock, scoring 0 [d], > 0 (e.g. 1095,
        three years, a common shelf life of oral solids: assumption of the caller).

    Returns
    -------
    float or numpy.ndarray
        :math:`c = \\max(0, 1 - L / L_{long})` [-]: 1 for a product that cannot be stored.

    Examples
    --------
    >>> float(short_shelf_life(365.0, 1095.0))
    0.6666666666666667
    """
    shelf = _as_array(shelf_life_days, "shelf_life_days")
    if np.any(shelf < 0) or not long_shelf_life_days > 0:
        raise UserInputError("shelf_life_days must be >= 0 and long_shelf_life_days > 0 "
                             f"(got {shelf_life_days!r}, {long_shelf_life_days!r})")
    return np.maximum(0.0, 1.0 - shelf / long_shelf_life_days)


def shortage_history(time_short: float | Sequence[float] | np.ndarray,
                     time_observed: float) -> np.ndarray | float:
    """Criterion ``shortage_history``: the share of an observation window spent short.

    Parameters
    ----------
    time_short : float or array
        Time in shortage within the window [d], or the number of periodic snapshots in which
        the product was listed short [-]; >= 0.
    time_observed : float
        Length of the window in the same unit [d or snapshots], > 0.

    Returns
    -------
    float or numpy.ndarray
        :math:`c = \\min(1, t_{short} / t_{observed})` [-].

    Examples
    --------
    >>> float(shortage_history(2, 3))
    0.6666666666666666
    """
    short = _as_array(time_short, "time_short")
    if np.any(short < 0) or not time_observed > 0:
        raise UserInputError(f"time_short must be >= 0 and time_observed > 0 (got "
                             f"{time_short!r}, {time_observed!r})")
    return np.minimum(1.0, short / time_observed)


def quality_history(actions_count: float | Sequence[float] | np.ndarray,
                    saturation_count: float = 1.0) -> np.ndarray | float:
    """Criterion ``quality_history`` from regulatory actions against the product's makers.

    Parameters
    ----------
    actions_count : float or array
        Warning letters, injunctions or seizures against the makers in a look-back window
        [-], >= 0.
    saturation_count : float
        Count that scores 1 [-], > 0; default 1 (any action), the form of the association
        GAO-16-595 reports (a warning letter at one or more establishments).

    Returns
    -------
    float or numpy.ndarray
        :math:`c = \\min(1, n / n_{sat})` [-].
    """
    count = _as_array(actions_count, "actions_count")
    if np.any(count < 0) or not saturation_count > 0:
        raise UserInputError(f"actions_count must be >= 0 and saturation_count > 0 (got "
                             f"{actions_count!r}, {saturation_count!r})")
    return np.minimum(1.0, count / saturation_count)


def price_erosion(price_usd: float | Sequence[float] | np.ndarray,
                  reference_price_usd: float) -> np.ndarray | float:
    """Criterion ``price_erosion``: how far the price has fallen below a reference.

    Parameters
    ----------
    price_usd : float or array
        Current unit price [USD/unit], >= 0.
    reference_price_usd : float
        Reference unit price [USD/unit], > 0 (e.g. the brand's before generic entry, or the
        product's price some years ago).

    Returns
    -------
    float or numpy.ndarray
        :math:`c = \\min(1, \\max(0, 1 - p / p_{ref}))` [-]; FDA (2019, "Generic Competition
        and Drug Prices") reports falls of 79 % with four makers, i.e. c = 0.79.
    """
    price = _as_array(price_usd, "price_usd")
    if np.any(price < 0) or not reference_price_usd > 0:
        raise UserInputError(f"price_usd must be >= 0 and reference_price_usd > 0 (got "
                             f"{price_usd!r}, {reference_price_usd!r})")
    return np.clip(1.0 - price / reference_price_usd, 0.0, 1.0)


def scaled_shortage_days(shortage_days_per_yr: float | Sequence[float] | np.ndarray,
                         reference_shortage_days_per_yr: float) -> np.ndarray | float:
    """Criterion ``simulated_shortage_days`` from a simulation's expected shortage-days.

    Parameters
    ----------
    shortage_days_per_yr : float or array
        Expected shortage-days per year [d/yr], >= 0.
    reference_shortage_days_per_yr : float
        Shortage-days per year that score 1 [d/yr], > 0 (e.g. the largest in the portfolio).

    Returns
    -------
    float or numpy.ndarray
        :math:`c = \\min(1, d / d_{ref})` [-].
    """
    days = _as_array(shortage_days_per_yr, "shortage_days_per_yr")
    if np.any(days < 0) or not reference_shortage_days_per_yr > 0:
        raise UserInputError("shortage_days_per_yr must be >= 0 and "
                             "reference_shortage_days_per_yr > 0 (got "
                             f"{shortage_days_per_yr!r}, {reference_shortage_days_per_yr!r})")
    return np.minimum(1.0, days / reference_shortage_days_per_yr)


# --------------------------------------------------------------------------------------------
# the score
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PriorityScores:
    """The ranked products and the weights that ranked them.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per product, rank 1 first (ties share the best rank), ordered by rank then
        ``product_id``. Columns: ``product_id``, ``rank`` (int64), the pass-through columns
        given (``name``, ``dominant_cause``), ``score`` = C x V x R, ``criticality``,
        ``vulnerability``, ``risk`` (the sub-scores [-]), ``criticality_known``,
        ``vulnerability_known``, ``risk_known`` (bool: False when the group had no known
        criterion with a positive weight and its sub-score is the neutral 1), every criterion
        of :data:`~rxtwin.model.priority.CRITERIA_BY_GROUP` (float; NaN where not known, a
        whole column NaN when it was not given) and ``explanation`` (text).
    weights : pandas.DataFrame
        One row per criterion: ``criterion``, ``group``, ``weight`` (as in the file),
        ``given`` (bool, the column was in the input), ``weight_share`` (the weight over the
        sum of the given criteria's weights of its group: the criterion's share of the
        sub-score when every given criterion is known; 0 when not given), ``cite`` and
        ``source`` (the ``source:``/``assumption:`` line).
    """

    table: pd.DataFrame
    weights: pd.DataFrame


def _criteria_frame(criteria: pd.DataFrame) -> pd.DataFrame:
    frame = criteria.copy()
    if "product_id" in frame.columns:
        frame = frame.set_index("product_id")
    frame.index = frame.index.astype(str)
    frame.index.name = "product_id"
    if frame.index.has_duplicates:
        repeated = sorted(set(frame.index[frame.index.duplicated()]))[:5]
        raise UserInputError(f"product_id must be unique; repeated: {repeated}")
    unknown = [c for c in frame.columns
               if c not in CRITERION_GROUP and c not in PASS_THROUGH_COLUMNS]
    if unknown:
        raise UserInputError(f"criteria columns {unknown} are not criteria; valid: "
                             f"{sorted(CRITERION_GROUP)}, and pass-through "
                             f"{list(PASS_THROUGH_COLUMNS)}")
    for column in (c for c in frame.columns if c in CRITERION_GROUP):
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        bad = frame.index[(values.isna() & frame[column].notna())
                          | (values < 0) | (values > 1)]
        if len(bad):
            raise UserInputError(f"criterion {column!r} must be a number in [0, 1] or empty "
                                 f"(not known); product {bad[0]!r} has "
                                 f"{_plain(frame.loc[bad[0], column])!r}")
        frame[column] = values
    return frame


def _plain(value: object) -> object:
    """A numpy scalar as the Python number it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _words(criterion: str) -> str:
    return criterion.replace("_", " ")


def priority_scores(criteria: pd.DataFrame, weights: PriorityWeights) -> PriorityScores:
    """Rank products by criticality x vulnerability x risk and say why.

    Parameters
    ----------
    criteria : pandas.DataFrame
        One row per product, identified by a ``product_id`` column or else the index; any
        subset of the criterion columns of :data:`~rxtwin.model.priority.CRITERIA_BY_GROUP`
        with values in [0, 1] (1 = worse) or NaN (not known for that product); optional
        ``name`` and ``dominant_cause`` columns are passed through. Any other column is
        refused (it is most likely a misspelt criterion).
    weights : PriorityWeights
        The weights (:func:`rxtwin.data.priority_weights.load_priority_weights`).

    Returns
    -------
    PriorityScores
        The ranked table and the long table of weights used.

    Raises
    ------
    rxtwin.errors.UserInputError
        An unknown column, a repeated product id, or a criterion outside [0, 1].

    Notes
    -----
    For each group *g* and product, over the criteria *i* of the group that are known
    (column given, value not NaN): :math:`S_g = \\sum w_i c_i / \\sum w_i`; the sub-score is
    1 when :math:`\\sum w_i = 0` (nothing known: neutral, ``<group>_known`` False). Then
    score = :math:`S_C S_V S_R`. Raising any criterion of a product never lowers its score,
    hence never worsens its rank (tested as a property). Ranks are competition ranks on the
    score, highest first: tied products share the best rank.

    The explanation names, per group, its sub-score and up to two criteria with the largest
    contributions :math:`w_i c_i / \\sum w_i` (the part of the sub-score each accounts for),
    with the value, the weight and the short name of the weight's source.
    """
    frame = _criteria_frame(criteria)
    entry = {e.criterion: e for e in weights.criteria}
    out = pd.DataFrame(index=frame.index)
    for column in PASS_THROUGH_COLUMNS:
        if column in frame.columns:
            out[column] = frame[column]
    contributions: dict[str, pd.DataFrame] = {}
    sub_scores: dict[str, pd.Series] = {}
    known: dict[str, pd.Series] = {}
    for group in GROUPS:
        names = [c for c in CRITERIA_BY_GROUP[group] if c in frame.columns]
        values = frame[names].to_numpy(dtype=float) if names else np.empty((len(frame), 0))
        w = np.array([entry[c].weight for c in names], dtype=float)
        is_known = ~np.isnan(values)
        weight_known = (is_known * w).sum(axis=1)
        weighted = np.where(is_known, values, 0.0) * w
        has = weight_known > 0
        sub = np.ones(len(frame))
        sub[has] = weighted[has].sum(axis=1) / weight_known[has]
        sub_scores[group] = pd.Series(sub, index=frame.index)
        known[group] = pd.Series(has, index=frame.index)
        share = np.zeros_like(weighted)
        share[has] = weighted[has] / weight_known[has, None]
        contributions[group] = pd.DataFrame(share, index=frame.index, columns=names)
    score = sub_scores["criticality"] * sub_scores["vulnerability"] * sub_scores["risk"]
    out["score"] = score
    for group in GROUPS:
        out[group] = sub_scores[group]
    for group in GROUPS:
        out[f"{group}_known"] = known[group]
    for criterion in CRITERION_GROUP:
        out[criterion] = frame[criterion] if criterion in frame.columns else np.nan
    out["explanation"] = [
        _explanation(product, sub_scores, known, contributions, frame, entry)
        for product in frame.index
    ]
    out.insert(0, "rank", score.rank(method="min", ascending=False).astype("int64"))
    out = out.reset_index().sort_values(["rank", "product_id"], kind="stable")
    return PriorityScores(table=out.reset_index(drop=True),
                          weights=_weights_table(weights, frame.columns))


def _explanation(product: str, sub_scores: dict[str, pd.Series], known: dict[str, pd.Series],
                 contributions: dict[str, pd.DataFrame], frame: pd.DataFrame,
                 entry: dict) -> str:
    parts = []
    for group in GROUPS:
        if not known[group][product]:
            parts.append(f"{group} not known (neutral 1)")
            continue
        row = contributions[group].loc[product]
        top = row[row > 0].sort_values(ascending=False, kind="stable")[:EXPLAINED_PER_GROUP]
        if top.empty:
            parts.append(f"{group} 0.00 (no known criterion above 0)")
            continue
        named = ", ".join(
            f"{_words(c)} {frame.loc[product, c]:.2f} (weight {entry[c].weight:g}, "
            f"{entry[c].cite})" for c in top.index)
        parts.append(f"{group} {sub_scores[group][product]:.2f}: {named}")
    return "; ".join(parts)


def _weights_table(weights: PriorityWeights, given_columns: pd.Index) -> pd.DataFrame:
    rows = []
    for group in GROUPS:
        entries = [e for e in weights.criteria if e.group == group]
        total = sum(e.weight for e in entries if e.criterion in given_columns)
        for e in entries:
            given = e.criterion in given_columns
            rows.append({"criterion": e.criterion, "group": group, "weight": e.weight,
                         "given": given,
                         "weight_share": e.weight / total if given and total > 0 else 0.0,
                         "cite": e.cite, "source": e.provenance})
    return pd.DataFrame(rows)
