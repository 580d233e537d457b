"""Out-of-time backtest of the priority score against shortages that happened.

Pure functions over tables (no file is read here; :mod:`rxtwin.runs.priority_backtest`
loads the bundled FDA and WHO data and calls them):

* :func:`match_names` links shortage names (FDA) to the medicines of an essential list;
* :func:`backtest_features` builds the criteria from data up to a cut-off date only;
* :func:`backtest_outcomes` says which medicines were short after the cut-off;
* :func:`roc_auc`, :func:`average_precision`, :func:`precision_at_k` score a ranking,
  row-wise on 2-D arrays so that bootstrap resamples are computed at once;
* :func:`backtest_table` puts the score and two baselines side by side, with bootstrap 95 %
  intervals, the base rate and the accuracy of answering "no shortage" for every medicine.

Nothing is fitted: the weights come from the data file as they are, so the backtest
measures the score as published, not a score tuned to the test years.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from rxtwin.data.medicine_classes import medicine_flags, medicine_name_key
from rxtwin.errors import UserInputError
from rxtwin.model.priority import MedicineClasses, PriorityWeights
from rxtwin.priority.scoring import priority_scores, quality_history, shortage_history

__all__ = [
    "OUTCOMES",
    "average_precision",
    "backtest_features",
    "backtest_outcomes",
    "backtest_table",
    "company_key",
    "match_names",
    "precision_at_k",
    "roc_auc",
]

#: The outcomes evaluated: (name, subset column or None, meaning).
OUTCOMES: tuple[tuple[str, str | None, str], ...] = (
    ("any shortage after the cut-off", None, "every medicine of the list"),
    ("persistence", "short_at_cutoff", "medicines short at the cut-off"),
    ("new onset", "not_short_12m_before", "medicines not short in the 12 months before"),
)
_LEGAL_SUFFIXES = {"inc", "llc", "ltd", "limited", "corp", "corporation", "co", "company",
                   "plc", "lp", "gmbh", "ag", "sa", "pvt", "private", "usa", "us", "the"}


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------
def match_names(medicine_names: Sequence[str], shortage_names: Sequence[str],
                classes: MedicineClasses) -> pd.DataFrame:
    """Link each shortage name to the medicines of a list it is a product of.

    Parameters
    ----------
    medicine_names : sequence of str
        Names of the list (e.g. WHO EML, INN spelling).
    shortage_names : sequence of str
        Shortage names (e.g. FDA ``generic_name``: "Amoxicillin and Clavulanate Potassium
        Tablet").
    classes : MedicineClasses
        For the INN -> U.S. name synonyms (:func:`rxtwin.data.medicine_classes.
        medicine_name_key`).

    Returns
    -------
    pandas.DataFrame
        One row per (shortage_name, medicine_name) link: ``shortage_name``,
        ``medicine_name``, ``ambiguous`` (bool: the shortage name links to more than one
        medicine). Shortage names that link to nothing are absent.

    Notes
    -----
    Rule: both names become keys (:func:`~rxtwin.data.public_tables.generic_name_key`,
    then the synonyms). A medicine *fits* a shortage name when every word of its key is a
    word of the shortage key. Among the fitting medicines only the most specific are kept:
    a medicine whose words are a strict subset of another fitting medicine's words is
    dropped ("amoxicillin" when "amoxicillin clavulanate" fits too). When more than one
    medicine is left (a combination such as "Lidocaine Hydrochloride and Epinephrine
    Injection" with no combined entry on the list), the shortage counts for each of them
    and the link is marked ambiguous. Dosage-form and salt words in the shortage name do
    no harm: they are extra words.
    """
    keys = {name: set(medicine_name_key(name, classes).split()) for name in medicine_names}
    keys = {name: words for name, words in keys.items() if words}
    by_word: dict[str, list[str]] = {}
    for name, words in keys.items():
        for word in words:
            by_word.setdefault(word, []).append(name)
    rows = []
    for shortage in sorted(set(shortage_names)):
        words = set(medicine_name_key(shortage, classes).split())
        candidates = {name for word in words for name in by_word.get(word, ())}
        fits = [name for name in candidates if keys[name] <= words]
        best = sorted(name for name in fits
                      if not any(keys[name] < keys[other] for other in fits))
        rows.extend({"shortage_name": shortage, "medicine_name": name,
                     "ambiguous": len(best) > 1} for name in best)
    return pd.DataFrame(rows, columns=["shortage_name", "medicine_name", "ambiguous"])


def company_key(company: str) -> str:
    """A company name normalised for matching FDA shortage listings to compliance actions:
    lower case, punctuation to spaces, legal-form words (inc, llc, ltd, corp, ...) dropped.

    Examples
    --------
    >>> company_key("Hikma Pharmaceuticals USA Inc.")
    'hikma pharmaceuticals'
    """
    words = "".join(c if c.isalnum() else " " for c in company.lower()).split()
    return " ".join(w for w in words if w not in _LEGAL_SUFFIXES)


# --------------------------------------------------------------------------------------------
# features and outcomes
# --------------------------------------------------------------------------------------------
def _linked_rows(presentations: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    rows = presentations[presentations["generic_name"].notna()]
    rows = rows.assign(shortage_name=rows["generic_name"].astype(str))
    return rows.merge(links[["shortage_name", "medicine_name"]], on="shortage_name")


def backtest_features(universe: pd.DataFrame, presentations: pd.DataFrame,
                      links: pd.DataFrame, compliance: pd.DataFrame, cutoff: pd.Timestamp,
                      classes: MedicineClasses, quality_lookback_days: int = 1826
                      ) -> pd.DataFrame:
    """The criteria of each medicine, from data dated up to the cut-off only.

    Parameters
    ----------
    universe : pandas.DataFrame
        ``name``, ``atc_codes``, ``parenteral`` (:mod:`rxtwin.data.essential_medicines`).
    presentations : pandas.DataFrame
        FDA shortage listings (:func:`rxtwin.data.public_tables.shortage_presentations`).
        Only snapshots dated on or before ``cutoff`` are read.
    links : pandas.DataFrame
        :func:`match_names` of the universe and the shortage names.
    compliance : pandas.DataFrame
        FDA compliance actions (:func:`rxtwin.data.public_tables.compliance_actions`); only
        drug actions dated in (cutoff - quality_lookback_days, cutoff] are read.
    cutoff : pandas.Timestamp
        Last day of the data the features may use.
    classes : MedicineClasses
        Medicine classes for the boolean criteria.
    quality_lookback_days : int
        Look-back window for compliance actions [d]; default 1826 (five years). assumption:
        the order of FDA's mean interval between inspections of a site (about 6 years:
        776 drug quality inspections of about 4,819 catalogued sites in FY2023), so a
        five-year window sees about one inspection cycle.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``product_id`` (the medicine name), with ``name`` and the criteria
        ``on_essential_list`` (1: the universe is an essential list), ``sterile_injectable``
        (1/0 from ``parenteral``, NaN when not known), ``antibacterial``,
        ``narrow_therapeutic_index``, ``medical_countermeasure`` (1/0 from
        :func:`~rxtwin.data.medicine_classes.medicine_flags`), ``shortage_history``
        (share of the snapshots up to the cut-off in which a linked shortage was current,
        :func:`~rxtwin.priority.scoring.shortage_history`) and ``quality_history`` (1 when a
        company listed on a linked shortage up to the cut-off received a drug warning
        letter, injunction or seizure in the look-back window, 0 when none did, NaN when no
        company is known: the medicine was not in the shortage data before the cut-off).
        The other criteria are not known from public data and are left out.
    """
    past = presentations[presentations["snapshot_date"] <= cutoff]
    snapshots = sorted(past["snapshot_year"].unique())
    if not snapshots:
        raise UserInputError(f"cutoff={cutoff.date()} is before the first shortage snapshot")
    linked = _linked_rows(past, links)
    current = linked[linked["status"].astype(str) == "current"]
    short_count = current.groupby("medicine_name")["snapshot_year"].nunique()
    recent = compliance[(compliance["product_type"] == "Drugs")
                        & (compliance["action_date"] <= cutoff)
                        & (compliance["action_date"]
                           > cutoff - pd.Timedelta(days=quality_lookback_days))]
    flagged = {company_key(str(name)) for name in recent["legal_name"].dropna()}
    companies = linked.dropna(subset=["company"]).assign(
        key=lambda f: f["company"].astype(str).map(company_key))
    actions = companies.groupby("medicine_name")["key"].agg(
        lambda keys: int(any(k in flagged for k in set(keys))))
    names = universe["name"].astype(str)
    action_count = actions.reindex(names).to_numpy(dtype=float)
    known = ~np.isnan(action_count)
    quality = np.full(len(names), np.nan)
    quality[known] = quality_history(action_count[known])
    flags = [medicine_flags(n, codes, classes)
             for n, codes in zip(names, universe["atc_codes"], strict=True)]
    features = pd.DataFrame({
        "name": names.to_numpy(),
        "on_essential_list": 1.0,
        "sterile_injectable": [np.nan if p is None or pd.isna(p) else float(bool(p))
                               for p in universe["parenteral"]],
        "antibacterial": [float(f["antibacterial"]) for f in flags],
        "narrow_therapeutic_index": [float(f["narrow_therapeutic_index"]) for f in flags],
        "medical_countermeasure": [float(f["medical_countermeasure"]) for f in flags],
        "shortage_history": shortage_history(
            short_count.reindex(names, fill_value=0).to_numpy(), len(snapshots)),
        "quality_history": quality,
    }, index=pd.Index(names.to_numpy(), name="product_id"))
    return features


def backtest_outcomes(universe: pd.DataFrame, presentations: pd.DataFrame,
                      links: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """What happened to each medicine after the cut-off, and its state before.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``product_id`` (medicine name): ``short_after`` (bool: a linked shortage
        is current in a snapshot dated after the cut-off), ``short_at_cutoff`` (current in
        the last snapshot on or before the cut-off), ``not_short_12m_before`` (bool: neither
        short at the cut-off nor closed - resolved or discontinued, dated by
        ``change_date`` else ``update_date`` - in the 365 days before it).

    Notes
    -----
    Yearly snapshots see a shortage only if it is listed when a snapshot is taken; one
    that starts and ends between two snapshots is missed, so ``short_after`` is a lower
    bound.
    """
    names = universe["name"].astype(str)
    linked = _linked_rows(presentations, links)
    status = linked["status"].astype(str)
    after = linked[(linked["snapshot_date"] > cutoff) & (status == "current")]
    before = linked[linked["snapshot_date"] <= cutoff]
    if before.empty and presentations[presentations["snapshot_date"] <= cutoff].empty:
        raise UserInputError(f"cutoff={cutoff.date()} is before the first shortage snapshot")
    last_date = presentations.loc[presentations["snapshot_date"] <= cutoff,
                                  "snapshot_date"].max()
    if presentations["snapshot_date"].max() <= cutoff:
        raise UserInputError(f"cutoff={cutoff.date()} leaves no shortage snapshot after it")
    at_cutoff = before[(before["snapshot_date"] == last_date)
                       & (before["status"].astype(str) == "current")]
    closed = before[before["status"].astype(str) != "current"]
    closed_date = closed["change_date"].fillna(closed["update_date"])
    closed_recent = closed[(closed_date > cutoff - pd.Timedelta(days=365))
                           & (closed_date <= cutoff)]
    short_after = names.isin(set(after["medicine_name"]))
    short_at = names.isin(set(at_cutoff["medicine_name"]))
    recently_closed = names.isin(set(closed_recent["medicine_name"]))
    return pd.DataFrame({
        "short_after": short_after.to_numpy(),
        "short_at_cutoff": short_at.to_numpy(),
        "not_short_12m_before": (~short_at & ~recently_closed).to_numpy(),
    }, index=pd.Index(names.to_numpy(), name="product_id"))


# --------------------------------------------------------------------------------------------
# metrics, row-wise
# --------------------------------------------------------------------------------------------
def _rows(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    y = np.atleast_2d(np.asarray(labels, dtype=bool))
    if s.shape != y.shape or s.shape[1] == 0:
        raise UserInputError(f"scores and labels need the same non-empty shape (got "
                             f"{s.shape} and {y.shape})")
    return s, y


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Area under the ROC curve of each row (a higher score predicts a positive label).

    Parameters
    ----------
    scores : array, shape (n,) or (rows, n)
        Scores [-].
    labels : array of bool, same shape
        True = positive (went short).

    Returns
    -------
    numpy.ndarray, shape (rows,)
        :math:`AUC = (\\sum_{i: y_i} r_i - n_+(n_+ + 1)/2) / (n_+ n_-)` with :math:`r_i`
        the rank of score *i* (ties get their average rank, so a tie counts one half): the
        Mann-Whitney probability that a random positive outscores a random negative. NaN
        where a row has no positive or no negative.

    Examples
    --------
    >>> roc_auc([0.9, 0.8, 0.3, 0.1], [True, False, True, False]).tolist()
    [0.75]
    """
    s, y = _rows(scores, labels)
    ranks = rankdata(s, axis=1)
    positives = y.sum(axis=1)
    negatives = y.shape[1] - positives
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((ranks * y).sum(axis=1) - positives * (positives + 1) / 2) / (
            positives * negatives)
    return np.where((positives > 0) & (negatives > 0), auc, np.nan)


def average_precision(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Area under the precision-recall curve (average precision) of each row.

    Returns
    -------
    numpy.ndarray, shape (rows,)
        :math:`AP = \\sum_g (R_g - R_{g-1}) P_g` over the distinct score thresholds *g*,
        highest first, with :math:`P_g` and :math:`R_g` the precision and recall of calling
        every score >= threshold positive (tied scores enter together). Equals the base
        rate in expectation for a random score. NaN where a row has no positive.

    Examples
    --------
    >>> average_precision([0.9, 0.8, 0.3, 0.1], [True, False, True, False]).tolist()
    [0.8333333333333333]
    """
    s, y = _rows(scores, labels)
    order = np.argsort(-s, axis=1, kind="stable")
    s_sorted = np.take_along_axis(s, order, axis=1)
    y_sorted = np.take_along_axis(y, order, axis=1)
    n = s.shape[1]
    true_positives = np.cumsum(y_sorted, axis=1)
    is_end = np.ones_like(s_sorted, dtype=bool)
    is_end[:, :-1] = s_sorted[:, :-1] != s_sorted[:, 1:]
    position = np.broadcast_to(np.arange(n), s.shape)
    end = np.where(is_end, position, n)
    end = np.minimum.accumulate(end[:, ::-1], axis=1)[:, ::-1]  # end of each tie group
    precision_at_end = np.take_along_axis(true_positives, end, axis=1) / (end + 1)
    positives = y.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = (y_sorted * precision_at_end).sum(axis=1) / positives
    return np.where(positives > 0, ap, np.nan)


def precision_at_k(scores: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Share of positives among the *k* highest scores of each row.

    Returns
    -------
    numpy.ndarray, shape (rows,)
        :math:`(n_{+,>t} + (k - n_{>t}) \\, n_{+,=t} / n_{=t}) / k` with *t* the k-th
        highest score: scores tied at the boundary count by their share of positives (the
        expected precision when the tie is broken at random, so the order of the input
        never matters).

    Examples
    --------
    >>> precision_at_k([0.9, 0.5, 0.5, 0.1], [True, True, False, False], 2).tolist()
    [0.75]
    """
    s, y = _rows(scores, labels)
    if not 1 <= k <= s.shape[1]:
        raise UserInputError(f"k={k} must be between 1 and the number of items {s.shape[1]}")
    threshold = -np.partition(-s, k - 1, axis=1)[:, k - 1:k]
    above = s > threshold
    tied = s == threshold
    n_above = above.sum(axis=1)
    positives_above = (above & y).sum(axis=1)
    share_tied = (tied & y).sum(axis=1) / tied.sum(axis=1)
    return (positives_above + (k - n_above) * share_tied) / k


# --------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------
def _metrics(scores: np.ndarray, labels: np.ndarray, ks: Sequence[int]) -> dict[str, np.ndarray]:
    out = {"auroc": roc_auc(scores, labels), "auprc": average_precision(scores, labels)}
    rows = np.atleast_2d(scores).shape[0]
    for k in ks:
        out[f"precision_at_{k}"] = (precision_at_k(scores, labels, k)
                                    if k <= np.atleast_2d(scores).shape[1]
                                    else np.full(rows, np.nan))
    return out


def backtest_table(features: pd.DataFrame, outcomes: pd.DataFrame, weights: PriorityWeights,
                   seed: np.random.SeedSequence, ks: Sequence[int] = (20, 50),
                   n_resamples: int = 2000, confidence: float = 0.95) -> pd.DataFrame:
    """The score and two baselines against each outcome, with bootstrap intervals.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`backtest_features` (criteria by ``product_id``).
    outcomes : pandas.DataFrame
        :func:`backtest_outcomes`, same index.
    weights : PriorityWeights
        The score's weights, used as they are (nothing is fitted).
    seed : numpy.random.SeedSequence
        Seed of the bootstrap; one independent child stream per outcome.
    ks : sequence of int
        The *k* of precision@k; default (20, 50). Where a subset has fewer than *k*
        medicines, precision@k and its interval are NaN.
    n_resamples : int
        Bootstrap resamples [-], >= 1000.
    confidence : float
        Level of the percentile intervals [-]; default 0.95.

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, model): ``outcome``, ``subset`` (which medicines),
        ``model`` (``priority score`` = C x V x R with the default weights; ``past shortage
        only`` = the ``shortage_history`` criterion; ``sterile injectable only`` = the
        ``sterile_injectable`` criterion, unknown as 0), ``n`` (medicines), ``positives``,
        ``base_rate`` [-], ``always_no_accuracy`` [-] (1 - base rate: the accuracy of
        answering "no shortage" for every medicine, to read beside any accuracy figure), and
        for each metric (``auroc``, ``auprc``, ``precision_at_<k>``) the estimate and
        ``<metric>_low``/``<metric>_high``, the percentile bootstrap interval.

    Notes
    -----
    Bootstrap: ``n_resamples`` samples of the medicines with replacement (the same samples
    for the three models of an outcome, so their intervals are comparable), every metric
    computed on all samples at once; resamples without a positive or a negative are left
    out of the AUC and AUPRC intervals.
    """
    if n_resamples < 1000:
        raise UserInputError(f"n_resamples={n_resamples} must be >= 1000")
    if not features.index.equals(outcomes.index):
        raise UserInputError("features and outcomes must have the same product_id index")
    criteria = features.drop(columns=[c for c in ("name",) if c in features.columns])
    score = priority_scores(criteria, weights).table.set_index("product_id")["score"]
    models = {
        "priority score": score.reindex(features.index).to_numpy(),
        "past shortage only": features["shortage_history"].to_numpy(dtype=float),
        "sterile injectable only": features["sterile_injectable"].fillna(0.0).to_numpy(
            dtype=float),
    }
    tail = (1 - confidence) / 2 * 100
    rows = []
    for (outcome, subset_column, subset), child in zip(OUTCOMES, seed.spawn(len(OUTCOMES)),
                                                       strict=True):
        mask = (np.ones(len(features), dtype=bool) if subset_column is None
                else outcomes[subset_column].to_numpy(dtype=bool))
        labels = outcomes["short_after"].to_numpy(dtype=bool)[mask]
        n = int(mask.sum())
        if n == 0:
            raise UserInputError(f"outcome {outcome!r}: no medicine in the subset ({subset})")
        index = np.random.default_rng(child).integers(0, n, size=(n_resamples, n))
        for model, values in models.items():
            scores = values[mask]
            point = _metrics(scores, labels, ks)
            resampled = _metrics(scores[index], labels[index], ks)
            row = {"outcome": outcome, "subset": subset, "model": model, "n": n,
                   "positives": int(labels.sum()), "base_rate": float(labels.mean()),
                   "always_no_accuracy": float(1 - labels.mean())}
            for metric, estimate in point.items():
                if np.all(np.isnan(resampled[metric])):
                    low = high = np.nan
                else:
                    low, high = np.nanpercentile(resampled[metric], [tail, 100 - tail])
                row.update({metric: float(estimate[0]), f"{metric}_low": float(low),
                            f"{metric}_high": float(high)})
            rows.append(row)
    return pd.DataFrame(rows)
