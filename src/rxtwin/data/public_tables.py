"""Tidy tables over the public data sets bundled in ``rxtwin/data/public/``.

Three sources, each documented in its ``SOURCE.md`` (with caveats) and ``meta.yaml``:

* FDA Drug Shortages database, yearly snapshots 2019-2025 (2025 partial):
  :func:`shortage_presentations`, :func:`shortage_episodes`, :func:`episode_duration_summary`.
* FDA Data Dashboard extracts: :func:`inspection_outcomes`, :func:`oai_base_rate`,
  :func:`compliance_actions`, :func:`warning_letter_country_mix`,
  :func:`inspections_domestic_foreign`.
* WHO Model List of Essential Medicines (facts only): :func:`who_eml_medicines`,
  :func:`on_who_eml`.

Loaders read the shipped files once (``functools.lru_cache``) and return copies, so a caller
may change what it gets without changing what the next caller sees. The pure functions
(:func:`tidy_shortage_rows`, :func:`episodes_from_presentations`, :func:`duration_summary`)
take and return data and can be used on other inputs (e.g. a newer FDA export with the same
columns). The statistics come from :mod:`rxtwin.stats` (Kaplan-Meier quantiles from
:mod:`~rxtwin.stats.survival`, the Wilson interval from :mod:`~rxtwin.stats.proportions`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from rxtwin.errors import UserInputError
from rxtwin.model.units import DAYS_PER_JULIAN_YEAR
from rxtwin.stats.proportions import wilson_interval
from rxtwin.stats.survival import kaplan_meier

PUBLIC_DIR = Path(__file__).resolve().parent / "public"
SHORTAGE_DIR = PUBLIC_DIR / "fda-drug-shortages-yearly"
INSPECTION_DIR = PUBLIC_DIR / "fda-inspections-compliance"
WHO_DIR = PUBLIC_DIR / "who-eml"

SHORTAGE_STATUSES = ("current", "to_be_discontinued", "resolved")
DOSAGE_FORM_CLASSES = ("oral_solid", "sterile_injectable", "other")
END_REASONS = ("resolved", "discontinued", "dropped_from_list", "data_end")
SUMMARY_QUANTILES = {"p10_days": 0.10, "p25_days": 0.25, "median_days": 0.50,
                     "p75_days": 0.75, "p90_days": 0.90}

# Keyword rule for ``dosage_form_class`` (case-insensitive regular expressions). The generic
# name is tested first, then (only if the name matches neither rule) the presentation text.
# Within a text the sterile-injectable rule wins over the oral-solid rule.
STERILE_INJECTABLE_PATTERN = re.compile(
    r"inject|infusion|intravenous|syringe|\bvials?\b|ampul|ampoul|auto-?injector", re.I
)
ORAL_SOLID_PATTERN = re.compile(r"\btablets?\b|\bcapsules?\b|\bcaplets?\b|\blozenges?\b|\btroches?\b",
                                re.I)

_STATUS_MAP = {"current": "current", "resolved": "resolved",
               "to be discontinued": "to_be_discontinued"}
_UPDATE_TYPE_PREFIX = {"new": "new", "revis": "revised", "rever": "reverified"}
_CLASSIFICATION_MAP = {
    "No Action Indicated (NAI)": "nai_count",
    "Voluntary Action Indicated (VAI)": "vai_count",
    "Official Action Indicated (OAI)": "oai_count",
}
_NDC_PATTERN = re.compile(r"NDC[^0-9]*([0-9][0-9 \-]*[0-9])", re.I)
_ATC_PATTERN = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")
_NAME_KEY_DROP = {"usp", "for", "and", "of", "the"}
_NAME_KEY_SINGULAR = {"tablets": "tablet", "capsules": "capsule", "injections": "injection",
                      "suppositories": "suppository", "solutions": "solution",
                      "vials": "vial", "syringes": "syringe"}
_EPISODE_KEY_SEPARATOR = "|"


# --------------------------------------------------------------------------------------------
# metadata and raw files
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _meta(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / "meta.yaml").read_text(encoding="utf-8"))


def dataset_meta(folder_name: str) -> dict[str, Any]:
    """Return a copy of the ``meta.yaml`` of a shipped data set folder.

    Parameters
    ----------
    folder_name : str
        One of ``fda-drug-shortages-yearly``, ``fda-inspections-compliance``, ``who-eml``.
    """
    folders = sorted(p.name for p in PUBLIC_DIR.iterdir() if (p / "meta.yaml").exists())
    if folder_name not in folders:
        raise UserInputError(f"folder_name={folder_name!r} is not a shipped data set; "
                             f"valid: {', '.join(folders)}")
    return dict(_meta(PUBLIC_DIR / folder_name))


def _read_text_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _blank_to_na(values: pd.Series) -> pd.Series:
    stripped = values.str.strip()
    return stripped.mask(stripped == "").astype("string")


def _copy_with_lists(frame: pd.DataFrame, list_columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in list_columns:
        out[column] = [list(value) for value in out[column]]
    return out


# --------------------------------------------------------------------------------------------
# FDA drug shortages: presentations
# --------------------------------------------------------------------------------------------
def dosage_form_class(generic_name: str, presentation: str) -> str:
    """Classify a shortage listing as ``oral_solid``, ``sterile_injectable`` or ``other``.

    Parameters
    ----------
    generic_name : str
        FDA generic name of the shortage, e.g. ``"Acyclovir Tablet"``.
    presentation : str
        Presentation text of the NDC row, e.g. ``"Acyclovir 400 mg tablets (NDC ...)"``.

    Returns
    -------
    str
        ``sterile_injectable`` if the text matches :data:`STERILE_INJECTABLE_PATTERN`
        (inject*, infusion, intravenous, syringe, vial(s), ampul/ampoul*, auto-injector);
        otherwise ``oral_solid`` if it matches :data:`ORAL_SOLID_PATTERN` (tablet(s),
        capsule(s), caplet(s), lozenge(s), troche(s)); otherwise ``other`` (oral liquids and
        powders for suspension, topicals, ophthalmics, inhalers, suppositories, ...).
        The generic name decides when it matches a rule; the presentation text is read only
        when the name matches neither.

    Notes
    -----
    assumption: a keyword rule is transparent and good enough to split the two classes the
    simulator distinguishes; it misclassifies, for example, an implant described only as
    "pellets" (``other``) and a lyophilised powder whose texts never say "injection".

    Examples
    --------
    >>> dosage_form_class("Bupivacaine Hydrochloride Injection", "")
    'sterile_injectable'
    >>> dosage_form_class("Amino Acids", "Travasol 10% 1000 mL bag for intravenous use")
    'sterile_injectable'
    >>> dosage_form_class("Carbamazepine Tablet", "")
    'oral_solid'
    >>> dosage_form_class("Amoxicillin Powder, For Suspension", "")
    'other'
    """
    for text in (generic_name, presentation):
        if STERILE_INJECTABLE_PATTERN.search(text):
            return "sterile_injectable"
        if ORAL_SOLID_PATTERN.search(text):
            return "oral_solid"
    return "other"


def generic_name_key(generic_name: str) -> str:
    """Normalise a generic name for matching shortages across snapshots.

    Lower case; bracketed brand names removed; punctuation to spaces; the words
    ``usp, for, and, of, the`` dropped; common plural dosage-form words made singular.

    Examples
    --------
    >>> generic_name_key("Acyclovir (Zovirax) Tablets, USP")
    'acyclovir tablet'
    """
    text = re.sub(r"\([^)]*\)", " ", generic_name.lower())
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    words = [_NAME_KEY_SINGULAR.get(word, word) for word in words]
    return " ".join(word for word in words if word not in _NAME_KEY_DROP)


def _normalise_status(values: pd.Series) -> pd.Series:
    lowered = values.str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    unknown = sorted(set(lowered) - set(_STATUS_MAP))
    if unknown:
        raise UserInputError(f"status values {unknown} are not one of {sorted(_STATUS_MAP)} "
                             "(case-insensitive)")
    return lowered.map(_STATUS_MAP)


def _normalise_update_type(value: str) -> Any:
    lowered = value.strip().lower()
    for prefix, label in _UPDATE_TYPE_PREFIX.items():
        if lowered.startswith(prefix):
            return label
    return pd.NA


def _split_categories(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def tidy_shortage_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Turn raw FDA shortage rows (all text) into the tidy presentation table.

    Parameters
    ----------
    raw : pandas.DataFrame
        Text columns ``snapshot_year, id, generic_name, company_name, presentation,
        update_type, update_date, availability, related_info, resolved_note,
        reason_for_shortage, therapeutic_category, status, change_date, date_discontinued``
        as in the FDA export (``source_file`` is optional), blanks as empty strings.

    Returns
    -------
    pandas.DataFrame
        The columns documented in :func:`shortage_presentations`.
    """
    dates = {
        column: pd.to_datetime(raw[column].str.strip().replace("", None), format="%m/%d/%y")
        for column in ("update_date", "change_date", "date_discontinued")
    }
    snapshot_year = raw["snapshot_year"].astype("int64")
    generic_name = _blank_to_na(raw["generic_name"].str.replace(r"\s+", " ", regex=True))
    presentation = _blank_to_na(raw["presentation"])
    categories = [_split_categories(value) for value in raw["therapeutic_category"]]
    ndc = raw["presentation"].str.extract(_NDC_PATTERN, expand=False)
    out = pd.DataFrame({
        "snapshot_year": snapshot_year,
        "snapshot_date": dates["update_date"].groupby(snapshot_year).transform("max"),
        "record_id": raw["id"].astype("int64"),
        "generic_name": generic_name,
        "company": _blank_to_na(raw["company_name"]),
        "presentation": presentation,
        "ndc": ndc.str.replace(r"\D", "", regex=True).astype("string"),
        "dosage_form_class": [
            dosage_form_class(name, text)
            for name, text in zip(raw["generic_name"], raw["presentation"], strict=True)
        ],
        "therapeutic_category": pd.Series(
            [parts[0] if parts else pd.NA for parts in categories], dtype="string"
        ),
        "categories": categories,
        "status": _normalise_status(raw["status"]),
        "update_type": pd.Series([_normalise_update_type(v) for v in raw["update_type"]],
                                 dtype="string"),
        "update_date": dates["update_date"],
        "change_date": dates["change_date"],
        "date_discontinued": dates["date_discontinued"],
        "availability": _blank_to_na(raw["availability"]),
        "related_info": _blank_to_na(raw["related_info"]),
        "resolved_note": _blank_to_na(raw["resolved_note"]),
        "reason_for_shortage": _blank_to_na(raw["reason_for_shortage"]),
    })
    out["dosage_form_class"] = pd.Categorical(out["dosage_form_class"],
                                              categories=DOSAGE_FORM_CLASSES)
    out["status"] = pd.Categorical(out["status"], categories=SHORTAGE_STATUSES)
    return out.reset_index(drop=True)


@lru_cache(maxsize=1)
def _shortage_presentations_cached() -> pd.DataFrame:
    return tidy_shortage_rows(_read_text_csv(SHORTAGE_DIR / "shortage_rows.csv.gz"))


def shortage_presentations() -> pd.DataFrame:
    """FDA drug shortage listings: one row per (snapshot year, NDC presentation).

    Source: FDA CDER Drug Shortages database, seven yearly CSV snapshots 2019-2025 (2025
    partial) as compiled in github.com/yihan-shi/drug-shortage-dashboard (see
    ``public/fda-drug-shortages-yearly/SOURCE.md``). 15 395 rows.

    Returns
    -------
    pandas.DataFrame
        ========================= =============== =============================================
        column                    dtype           meaning
        ========================= =============== =============================================
        snapshot_year             int64           year of the snapshot file (2025 = partial)
        snapshot_date             datetime64[ns]  latest ``update_date`` in that snapshot; a
                                                  lower bound on the (unrecorded) export date
        record_id                 int64           ``id`` of the row in the FDA export
        generic_name              string          FDA shortage name (e.g. "Acyclovir Tablet");
                                                  whitespace collapsed; naming style changed in
                                                  the 2023 snapshot (SPL-style dosage forms)
        company                   string          company holding the NDC
        presentation              string          NDC presentation text
        ndc                       string          NDC digits from the presentation (no dashes;
                                                  <NA> where none is given)
        dosage_form_class         category        oral_solid / sterile_injectable / other, by the
                                                  keyword rule of :func:`dosage_form_class`
        therapeutic_category      string          first of ``categories`` (<NA> if none)
        categories                object (list)   all therapeutic categories ("; "-separated in
                                                  the source)
        status                    category        current / to_be_discontinued / resolved
                                                  (source case varies across years)
        update_type               string          new / revised / reverified (typos folded)
        update_date               datetime64[ns]  last update of the row (source M/D/YY)
        change_date               datetime64[ns]  date of the last status change, often blank
        date_discontinued         datetime64[ns]  discontinuation date, mostly on
                                                  to_be_discontinued rows
        availability              string          free text as given
        related_info              string          free text as given
        resolved_note             string          free text as given
        reason_for_shortage       string          free text as given; blank in 55-78 % of rows
                                                  and inconsistently cased. Do NOT use it for
                                                  shares of shortage causes: the blanks are not
                                                  missing at random.
        ========================= =============== =============================================

    Notes
    -----
    One shortage (generic name) spans many rows and companies; the unit here is the NDC
    presentation. The ``contact_info`` column (phone numbers) is not shipped. The repository
    author's choice of exports is unverified; check against openFDA ``drug/shortages``
    before citing exact counts.
    """
    return _copy_with_lists(_shortage_presentations_cached(), ["categories"])


# --------------------------------------------------------------------------------------------
# FDA drug shortages: episodes
# --------------------------------------------------------------------------------------------
class _UnionFind:
    def __init__(self, items: Sequence[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first: str, second: str) -> None:
        root_a, root_b = self.find(first), self.find(second)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _lineages(rows: pd.DataFrame) -> pd.Series:
    """Lineage label per row: name keys linked through shared NDCs, within a dosage class."""
    node = rows["name_key"] + _EPISODE_KEY_SEPARATOR + rows["dosage_form_class"].astype(str)
    finder = _UnionFind(sorted(set(node)))
    with_ndc = pd.DataFrame({"node": node, "ndc": rows["ndc"]}).dropna()
    for _, nodes in with_ndc.groupby("ndc")["node"]:
        unique_nodes = sorted(set(nodes))
        for other in unique_nodes[1:]:
            finder.union(unique_nodes[0], other)
    return node.map(finder.find)


def _first_present(*values: Any) -> pd.Timestamp | None:
    return next((value for value in values if not pd.isna(value)), None)


def _snapshot_aggregates(rows: pd.DataFrame) -> pd.DataFrame:
    """Per (lineage, snapshot_year): state and the dates the episode rule reads."""
    status = rows["status"]
    current, resolved, ending = (status == "current", status == "resolved",
                                 status == "to_be_discontinued")
    helper = pd.DataFrame({
        "lineage": rows["lineage"],
        "snapshot_year": rows["snapshot_year"],
        "has_current": current,
        "has_resolved": resolved,
        "current_first_date": rows[["update_date", "change_date"]].min(axis=1).where(current),
        "resolved_change_date": rows["change_date"].where(resolved),
        "resolved_update_date": rows["update_date"].where(resolved),
        "ending_discontinued_date": rows["date_discontinued"].where(ending),
        "ending_change_date": rows["change_date"].where(ending),
        "ending_update_date": rows["update_date"].where(ending),
    })
    return helper.groupby(["lineage", "snapshot_year"], sort=True).agg(
        has_current=("has_current", "any"),
        has_resolved=("has_resolved", "any"),
        current_first_date=("current_first_date", "min"),
        resolved_change_date=("resolved_change_date", "max"),
        resolved_update_date=("resolved_update_date", "max"),
        ending_discontinued_date=("ending_discontinued_date", "min"),
        ending_change_date=("ending_change_date", "min"),
        ending_update_date=("ending_update_date", "min"),
    )


def _mode_per_group(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Most common value per key (ties: alphabetically first); keys with no value left out."""
    frame = pd.DataFrame({"key": keys, "value": values}).dropna()
    counts = frame.groupby(["key", "value"]).size().reset_index(name="count")
    counts = counts.sort_values(["key", "count", "value"], ascending=[True, False, True])
    return counts.drop_duplicates("key").set_index("key")["value"]


def episodes_from_presentations(presentations: pd.DataFrame) -> pd.DataFrame:
    """Turn the status history of shortage listings across snapshots into episodes.

    Parameters
    ----------
    presentations : pandas.DataFrame
        Rows as returned by :func:`shortage_presentations`; the columns used are
        ``snapshot_year, snapshot_date, generic_name, dosage_form_class, ndc, status,
        update_date, change_date, date_discontinued, therapeutic_category``. The snapshots
        present in ``snapshot_year`` are taken to be all the snapshots there are.

    Returns
    -------
    pandas.DataFrame
        One row per episode, columns documented in :func:`shortage_episodes`.

    Notes
    -----
    Episode rule (all steps deterministic):

    1. *Lineage.* Rows without a generic name are dropped. Each row gets the node
       (:func:`generic_name_key` of its generic name, ``dosage_form_class``). Nodes that share
       an NDC in any snapshot are joined (union-find), so a shortage renamed between snapshots
       (FDA changed its naming style in 2023) stays one lineage when at least one NDC carries
       over. A lineage never mixes dosage-form classes.
    2. *State per snapshot.* For each lineage and snapshot: ``current`` if any row is
       current, else ``resolved`` if any row is resolved, else ``to_be_discontinued``; or
       ``absent`` when the lineage has no row in that snapshot.
    3. *Episodes.* An episode is a maximal run of consecutive snapshots in which the lineage is
       ``current``. The snapshot after the run closes it: ``resolved`` -> end_reason
       ``resolved``; ``to_be_discontinued`` -> ``discontinued``; ``absent`` ->
       ``dropped_from_list``; no later snapshot -> ``data_end``.
    4. *Start.* ``first_seen_date`` = earliest ``update_date``/``change_date`` on the current
       rows of the run, bounded below by the date the lineage was last seen not current
       (the previous snapshot's date, or the end of its previous episode). The FDA "initial
       posting date" is not in these exports, so the true start is on or before this date
       and durations are lower bounds. Runs current in the first snapshot are
       ``left_truncated``.
    5. *End.* ``resolved``: latest ``change_date`` of the resolved rows in the closing
       snapshot, else their latest ``update_date``, else that snapshot's date.
       ``discontinued``: earliest ``date_discontinued`` (else ``change_date``, ``update_date``)
       of its to-be-discontinued rows. The end is clamped into
       [max(first_seen_date, last current snapshot date), closing snapshot date].
       ``dropped_from_list`` and ``data_end``: the date of the last snapshot in which the
       lineage was current, and the episode is right-censored (``censored=True``).
    6. ``duration_days`` = end_date - first_seen_date in whole days (>= 0).

    Lineages first seen already resolved (or only ever to be discontinued) give no episode:
    nothing records when they started. Yearly snapshots miss shortages that start and end
    between two snapshots, so short episodes are under-represented (length-biased sampling);
    calibrate the short end of a duration distribution with care.
    """
    rows = presentations[presentations["generic_name"].notna()].copy()
    rows["status"] = rows["status"].astype(str)
    rows["generic_name"] = rows["generic_name"].astype(str)
    rows["name_key"] = rows["generic_name"].map(generic_name_key)
    rows["lineage"] = _lineages(rows)
    snapshot_dates = rows.groupby("snapshot_year")["snapshot_date"].max().sort_index()
    snapshot_years = [int(year) for year in snapshot_dates.index]
    date_of = {int(year): date for year, date in snapshot_dates.items()}
    aggregates = _snapshot_aggregates(rows)
    records: list[dict[str, Any]] = []
    run_of: dict[tuple[str, int], int] = {}
    closing_of: dict[tuple[str, int], int] = {}
    for lineage, per_year in aggregates.groupby(level="lineage", sort=True):
        seen = {int(year): row for (_, year), row in per_year.iterrows()}

        def state(year: int, seen: dict[int, pd.Series] = seen) -> str:
            if year not in seen:
                return "absent"
            row = seen[year]
            if row["has_current"]:
                return "current"
            return "resolved" if row["has_resolved"] else "to_be_discontinued"

        states = [state(year) for year in snapshot_years]
        last_not_current: pd.Timestamp | None = None
        index = 0
        while index < len(snapshot_years):
            if states[index] != "current":
                last_not_current = date_of[snapshot_years[index]]
                index += 1
                continue
            start_index = index
            while index < len(snapshot_years) and states[index] == "current":
                index += 1
            run_years = snapshot_years[start_index:index]
            last_current_date = date_of[run_years[-1]]
            evidence = [seen[year]["current_first_date"] for year in run_years]
            start = min((d for d in evidence if not pd.isna(d)),
                        default=date_of[run_years[0]])
            if last_not_current is not None:
                start = max(start, last_not_current)
            if index == len(snapshot_years):
                end_reason, end = "data_end", last_current_date
            elif states[index] == "absent":
                end_reason, end = "dropped_from_list", last_current_date
            else:
                closing_year = snapshot_years[index]
                closing = seen[closing_year]
                if states[index] == "resolved":
                    end_reason = "resolved"
                    end = _first_present(closing["resolved_change_date"],
                                         closing["resolved_update_date"])
                else:
                    end_reason = "discontinued"
                    end = _first_present(closing["ending_discontinued_date"],
                                         closing["ending_change_date"],
                                         closing["ending_update_date"])
                closing_date = date_of[closing_year]
                end = closing_date if end is None else end
                end = min(max(end, start, last_current_date), closing_date)
            for year in run_years:
                run_of[(str(lineage), year)] = len(records)
            if index < len(snapshot_years) and states[index] != "absent":
                closing_of[(str(lineage), snapshot_years[index])] = len(records)
            records.append({
                "lineage": str(lineage),
                "first_seen_date": start,
                "end_date": end,
                "duration_days": int((end - start).days),
                "resolved": end_reason == "resolved",
                "censored": end_reason in ("dropped_from_list", "data_end"),
                "end_reason": end_reason,
                "left_truncated": run_years[0] == snapshot_years[0],
                "first_snapshot_year": run_years[0],
                "last_current_snapshot_year": run_years[-1],
                "current_snapshots_count": len(run_years),
            })
    keys = list(zip(rows["lineage"], rows["snapshot_year"], strict=True))
    episode = pd.Series([run_of.get(key, -1) for key in keys], index=rows.index)
    in_run = rows[episode >= 0].assign(episode=episode[episode >= 0])
    current = in_run[in_run["status"] == "current"]
    last_year = pd.Series({i: r["last_current_snapshot_year"] for i, r in enumerate(records)})
    in_last_year = in_run[in_run["snapshot_year"].to_numpy()
                          == last_year.reindex(in_run["episode"]).to_numpy()]
    names = _mode_per_group(in_last_year["episode"], in_last_year["generic_name"])
    categories = _mode_per_group(current["episode"], current["therapeutic_category"])
    ndc_counts = current.groupby("episode")["ndc"].nunique()
    closing_episode = pd.Series([closing_of.get(key, -1) for key in keys], index=rows.index)
    named = pd.concat([
        in_run[["episode", "generic_name"]],
        rows.loc[closing_episode >= 0, ["generic_name"]].assign(
            episode=closing_episode[closing_episode >= 0]),
    ])
    all_names = named.groupby("episode")["generic_name"].agg(lambda s: sorted(set(s)))
    classes = in_run.groupby("episode")["dosage_form_class"].first()
    for number, record in enumerate(records):
        record["generic_name"] = names[number]
        record["dosage_form_class"] = str(classes[number])
        record["therapeutic_category"] = categories.get(number, pd.NA)
        record["presentations_count"] = int(ndc_counts.get(number, 0))
        record["generic_names"] = all_names[number]
        del record["lineage"]
    return _episode_frame(records)


def _episode_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["episode_id", "generic_name", "dosage_form_class", "therapeutic_category",
               "first_seen_date", "end_date", "duration_days", "resolved", "censored",
               "end_reason", "left_truncated", "first_snapshot_year",
               "last_current_snapshot_year", "current_snapshots_count", "presentations_count",
               "generic_names"]
    frame = pd.DataFrame.from_records(records, columns=columns[1:])
    frame = frame.sort_values(["generic_name", "dosage_form_class", "first_seen_date"],
                              kind="stable").reset_index(drop=True)
    frame.insert(0, "episode_id", np.arange(len(frame), dtype="int64"))
    frame["generic_name"] = frame["generic_name"].astype("string")
    frame["therapeutic_category"] = frame["therapeutic_category"].astype("string")
    frame["dosage_form_class"] = pd.Categorical(frame["dosage_form_class"],
                                                categories=DOSAGE_FORM_CLASSES)
    frame["end_reason"] = pd.Categorical(frame["end_reason"], categories=END_REASONS)
    for column in ("first_seen_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in ("duration_days", "first_snapshot_year", "last_current_snapshot_year",
                   "current_snapshots_count", "presentations_count"):
        frame[column] = frame[column].astype("int64")
    for column in ("resolved", "censored", "left_truncated"):
        frame[column] = frame[column].astype(bool)
    return frame


@lru_cache(maxsize=1)
def _shortage_episodes_cached() -> pd.DataFrame:
    return episodes_from_presentations(_shortage_presentations_cached())


def shortage_episodes() -> pd.DataFrame:
    """Shortage episodes per generic name and dosage-form class, from the yearly snapshots.

    The rule that turns the snapshots' status history into episodes (lineage through shared
    NDCs, start, end, censoring) is given in :func:`episodes_from_presentations`.

    Returns
    -------
    pandas.DataFrame
        =========================== ============== ===========================================
        column                      dtype          meaning
        =========================== ============== ===========================================
        episode_id                  int64          0..n-1, ordered by name, class, start
        generic_name                string         most common name in the last current
                                                   snapshot of the episode
        dosage_form_class           category       oral_solid / sterile_injectable / other
        therapeutic_category        string         most common first category on its current
                                                   rows (ties: alphabetical)
        first_seen_date             datetime64[ns] earliest evidence of the shortage (the true
                                                   start is on or before it)
        end_date                    datetime64[ns] resolution / discontinuation date, or the
                                                   censoring date
        duration_days               int64          end_date - first_seen_date [d], >= 0
        resolved                    bool           closed by a "resolved" status
        censored                    bool           right-censored: still current at the last
                                                   snapshot (``data_end``) or dropped from the
                                                   list without a recorded end
        end_reason                  category       resolved / discontinued / dropped_from_list /
                                                   data_end
        left_truncated              bool           already current in the first snapshot
                                                   (started before observation began)
        first_snapshot_year         int64          first snapshot in which it is current
        last_current_snapshot_year  int64          last snapshot in which it is current
        current_snapshots_count     int64          snapshots in which it is current
        presentations_count         int64          distinct NDCs on its current rows
        generic_names               object (list)  every generic name of the lineage in the
                                                   episode's snapshots, including the one
                                                   that closed it
        =========================== ============== ===========================================
    """
    return _copy_with_lists(_shortage_episodes_cached(), ["generic_names"])


def duration_summary(
    episodes: pd.DataFrame, by: str | Sequence[str], observation_window_yr: float
) -> pd.DataFrame:
    """Summarise episode durations per group, allowing for right-censoring.

    Parameters
    ----------
    episodes : pandas.DataFrame
        As returned by :func:`shortage_episodes` (``duration_days``, ``censored``,
        ``left_truncated`` and the ``by`` columns are used).
    by : str or sequence of str
        Grouping column(s), e.g. ``"therapeutic_category"`` or ``"dosage_form_class"``.
    observation_window_yr : float
        Time between the first and the last snapshot [yr], > 0.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``episodes_count``, ``censored_count``, ``share_censored``
        [-], ``p10_days``, ``p25_days``, ``median_days``, ``p75_days``, ``p90_days`` [d]
        (Kaplan-Meier quantiles, :func:`rxtwin.stats.survival.kaplan_meier`; ``nan`` where
        censoring hides the quantile), ``new_episodes_count`` (episodes not left-truncated, i.e.
        started inside the window) and ``new_episodes_per_yr`` [1/yr] =
        ``new_episodes_count / observation_window_yr``.

    Notes
    -----
    Censored episodes enter as "lasted at least this long"; ``median_days`` is therefore not
    the median of ``duration_days``. Episodes shorter than the snapshot spacing are
    under-counted (see :func:`episodes_from_presentations`), so ``new_episodes_per_yr`` is a
    lower bound on the incidence of shortages.
    """
    columns = [by] if isinstance(by, str) else list(by)
    missing = [column for column in columns if column not in episodes.columns]
    if missing or not columns:
        raise UserInputError(f"by={by!r} must name episode columns; valid: "
                             f"{', '.join(map(str, episodes.columns))}")
    if not observation_window_yr > 0:
        raise UserInputError(f"observation_window_yr={observation_window_yr!r} must be > 0")
    rows = []
    for key, group in episodes.groupby(columns, observed=True, sort=True, dropna=False):
        keys = key if isinstance(key, tuple) else (key,)
        quantiles = kaplan_meier(group["duration_days"].to_numpy(),
                                 group["censored"].to_numpy()).quantiles(
                                     list(SUMMARY_QUANTILES.values()))
        new_count = int((~group["left_truncated"]).sum())
        rows.append({
            **dict(zip(columns, keys, strict=True)),
            "episodes_count": len(group),
            "censored_count": int(group["censored"].sum()),
            "share_censored": float(group["censored"].mean()),
            **dict(zip(SUMMARY_QUANTILES, quantiles, strict=True)),
            "new_episodes_count": new_count,
            "new_episodes_per_yr": new_count / observation_window_yr,
        })
    summary_columns = [*columns, "episodes_count", "censored_count", "share_censored",
                       *SUMMARY_QUANTILES, "new_episodes_count", "new_episodes_per_yr"]
    return pd.DataFrame(rows, columns=summary_columns)


def shortage_observation_window_yr() -> float:
    """Years between the first and the last shortage snapshot dates [yr]."""
    dates = _shortage_presentations_cached()["snapshot_date"]
    return (dates.max() - dates.min()).days / DAYS_PER_JULIAN_YEAR


def episode_duration_summary(by: str | Sequence[str] = "therapeutic_category") -> pd.DataFrame:
    """Duration summary of the bundled shortage episodes per group.

    Parameters
    ----------
    by : str or sequence of str
        Episode column(s) to group by; default ``"therapeutic_category"``.

    Returns
    -------
    pandas.DataFrame
        Columns as in :func:`duration_summary`; the observation window is
        :func:`shortage_observation_window_yr`.
    """
    return duration_summary(_shortage_episodes_cached(), by, shortage_observation_window_yr())


# --------------------------------------------------------------------------------------------
# FDA inspections and compliance actions
# --------------------------------------------------------------------------------------------
def _partial_fiscal_years() -> set[int]:
    return {int(year) for year in _meta(INSPECTION_DIR)["partial_fiscal_years"]}


def _check_product_type(product_type: str, valid: Sequence[str]) -> None:
    if product_type not in valid:
        raise UserInputError(f"product_type={product_type!r} is not in the data; "
                             f"valid: {', '.join(sorted(valid))}")


@lru_cache(maxsize=1)
def _inspection_outcomes_all() -> pd.DataFrame:
    raw = pd.read_csv(INSPECTION_DIR / "class_product.csv")
    unknown = sorted(set(raw["Classification"]) - set(_CLASSIFICATION_MAP))
    if unknown:
        raise UserInputError(f"class_product.csv: unknown Classification values {unknown}")
    wide = (
        raw.assign(column=raw["Classification"].map(_CLASSIFICATION_MAP))
        .pivot_table(index=["Fiscal Year", "Product Type"], columns="column", values="Total",
                     aggfunc="sum", fill_value=0)
        .reindex(columns=list(_CLASSIFICATION_MAP.values()), fill_value=0)
        .reset_index()
        .rename(columns={"Fiscal Year": "fiscal_year", "Product Type": "product_type"})
    )
    wide.columns.name = None
    for column in _CLASSIFICATION_MAP.values():
        wide[column] = wide[column].astype("int64")
    wide["fiscal_year"] = wide["fiscal_year"].astype("int64")
    wide["product_type"] = wide["product_type"].astype("string")
    wide["inspections_count"] = wide[list(_CLASSIFICATION_MAP.values())].sum(axis=1)
    wide["p_oai"] = wide["oai_count"] / wide["inspections_count"]
    wide["fy_partial"] = wide["fiscal_year"].isin(_partial_fiscal_years())
    return wide.sort_values(["product_type", "fiscal_year"]).reset_index(drop=True)


def inspection_outcomes(product_type: str = "Drugs") -> pd.DataFrame:
    """FDA inspection classifications per fiscal year for one product type.

    Source: FDA Data Dashboard aggregates ``class_product.csv`` (see
    ``public/fda-inspections-compliance/SOURCE.md``); FY2009-FY2024, FY2024 partial.

    Parameters
    ----------
    product_type : str
        ``"Drugs"`` (default), ``"Biologics"`` or ``"Devices"``. "Drugs" includes
        inspections that are not of human pharmaceuticals (e.g. veterinary, OTC, compounders):
        the aggregates cannot be filtered further.

    Returns
    -------
    pandas.DataFrame
        ``fiscal_year`` (int64, U.S. federal FY, Oct-Sep), ``product_type`` (string),
        ``nai_count``, ``vai_count``, ``oai_count`` (int64; No / Voluntary / Official Action
        Indicated), ``inspections_count`` (int64, their sum), ``p_oai`` (float64 [-],
        oai_count / inspections_count), ``fy_partial`` (bool, the year is incomplete).
    """
    table = _inspection_outcomes_all()
    _check_product_type(product_type, list(table["product_type"].unique()))
    return table[table["product_type"] == product_type].reset_index(drop=True).copy()


@dataclass(frozen=True)
class RateEstimate:
    """A binomial proportion with its confidence interval.

    Attributes
    ----------
    events_count : int
        Successes (e.g. OAI inspections) [-].
    trials_count : int
        Trials (e.g. classified inspections) [-].
    rate : float
        events_count / trials_count [-].
    lower, upper : float
        Confidence bounds [-].
    confidence : float
        Confidence level of the interval [-].
    fiscal_years : tuple of int
        Years pooled.
    """

    events_count: int
    trials_count: int
    rate: float
    lower: float
    upper: float
    confidence: float
    fiscal_years: tuple[int, ...]


def oai_base_rate(
    product_type: str = "Drugs",
    years: Sequence[int] | None = None,
    confidence: float = 0.95,
) -> RateEstimate:
    """Pooled probability that an FDA inspection is classified OAI, with a Wilson interval.

    Parameters
    ----------
    product_type : str
        ``"Drugs"`` (default), ``"Biologics"`` or ``"Devices"``.
    years : sequence of int or None
        Fiscal years to pool. None pools every complete fiscal year (FY2009-FY2023; FY2024 is
        partial, ``partial_fiscal_years`` in ``meta.yaml``).
    confidence : float
        Confidence level of the interval [-]; default 0.95.

    Returns
    -------
    RateEstimate
        Pooled OAI count over pooled inspections, with the Wilson interval
        (:func:`rxtwin.stats.proportions.wilson_interval`). Pooling treats inspections as
        independent trials with one common rate; year-to-year variation makes the interval
        too narrow for any one year.

    Examples
    --------
    >>> estimate = oai_base_rate("Drugs", years=[2019])
    >>> (estimate.events_count, estimate.trials_count)
    (197, 2644)
    """
    table = inspection_outcomes(product_type)
    available = set(table["fiscal_year"])
    if years is None:
        chosen = sorted(available - _partial_fiscal_years())
    else:
        chosen = sorted({int(year) for year in years})
        unknown = [year for year in chosen if year not in available]
        if unknown or not chosen:
            raise UserInputError(
                f"years={list(years)!r}: {unknown or 'none given'} not in the data; "
                f"valid fiscal years {min(available)}-{max(available)}"
            )
    rows = table[table["fiscal_year"].isin(chosen)]
    events = int(rows["oai_count"].sum())
    trials = int(rows["inspections_count"].sum())
    lower, upper = wilson_interval(events, trials, confidence)
    return RateEstimate(events, trials, events / trials, lower, upper, confidence, tuple(chosen))


@lru_cache(maxsize=1)
def _compliance_actions_cached() -> pd.DataFrame:
    raw = _read_text_csv(INSPECTION_DIR / "fda_compliance_actions.csv")

    def dash_to_na(values: pd.Series) -> pd.Series:
        return _blank_to_na(values.replace("-", ""))

    return pd.DataFrame({
        "fei_number": _blank_to_na(raw["FEI Number"]),
        "legal_name": _blank_to_na(raw["Legal Name"]),
        "state": dash_to_na(raw["State"]),
        "country": dash_to_na(raw["Country/Area"]),
        "product_type": _blank_to_na(raw["Product Type"]),
        "action_date": pd.to_datetime(raw["Action Taken Date"], format="%Y-%m-%d"),
        "action_type": _blank_to_na(raw["Action Type"]),
        "case_id": _blank_to_na(raw["Case/Injunction ID"]),
    })


def compliance_actions() -> pd.DataFrame:
    """FDA compliance actions, one row per action, 2008-10-01 to 2024-06-27 (4 233 rows).

    Returns
    -------
    pandas.DataFrame
        ``fei_number`` (string, FDA Establishment Identifier), ``legal_name`` (string),
        ``state`` (string, <NA> where the source has "-"), ``country`` (string, <NA> where the
        source has "-"), ``product_type`` (string: Biologics / Devices / Drugs),
        ``action_date`` (datetime64[ns]), ``action_type`` (string: Warning Letter /
        Injunction / Seizure), ``case_id`` (string, case or injunction ID).
    """
    return _compliance_actions_cached().copy()


def warning_letter_country_mix(product_type: str = "Drugs") -> pd.DataFrame:
    """Warning letters by country for one product type, largest first.

    Parameters
    ----------
    product_type : str
        ``"Drugs"`` (default), ``"Biologics"`` or ``"Devices"``.

    Returns
    -------
    pandas.DataFrame
        ``country`` (string; ``"(not stated)"`` where the source gives "-"),
        ``warning_letters_count`` (int64), ``share`` (float64 [-], sums to 1). Sorted by
        count (descending), then country. Drugs, FY2009-FY2024 (to 2024-06-27): 2 266 letters.
    """
    actions = _compliance_actions_cached()
    _check_product_type(product_type, list(actions["product_type"].dropna().unique()))
    letters = actions[(actions["product_type"] == product_type)
                      & (actions["action_type"] == "Warning Letter")]
    counts = (letters["country"].fillna("(not stated)").value_counts()
              .rename_axis("country").reset_index(name="warning_letters_count"))
    counts = counts.sort_values(["warning_letters_count", "country"],
                                ascending=[False, True]).reset_index(drop=True)
    counts["country"] = counts["country"].astype("string")
    counts["warning_letters_count"] = counts["warning_letters_count"].astype("int64")
    counts["share"] = counts["warning_letters_count"] / counts["warning_letters_count"].sum()
    return counts


def inspections_domestic_foreign() -> pd.DataFrame:
    """FDA inspections in the U.S. and abroad per fiscal year, all product types together.

    Returns
    -------
    pandas.DataFrame
        ``fiscal_year`` (int64), ``domestic_count``, ``foreign_count`` (int64),
        ``foreign_share`` (float64 [-]), ``fy_partial`` (bool).
    """
    raw = pd.read_csv(INSPECTION_DIR / "inspection_countries.csv")
    out = pd.DataFrame({
        "fiscal_year": raw["Fiscal Year"].astype("int64"),
        "domestic_count": raw["Domestic"].astype("int64"),
        "foreign_count": raw["Foreign"].astype("int64"),
    })
    out["foreign_share"] = out["foreign_count"] / (out["domestic_count"] + out["foreign_count"])
    out["fy_partial"] = out["fiscal_year"].isin(_partial_fiscal_years())
    return out


# --------------------------------------------------------------------------------------------
# WHO Model List of Essential Medicines (facts only)
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _who_eml_cached() -> pd.DataFrame:
    raw = _read_text_csv(WHO_DIR / "who_eml_facts.csv")
    atc_codes = [
        [code.strip().upper() for code in re.split(r"[,;]", value) if code.strip()]
        for value in raw["ATC codes"]
    ]
    status = raw["Status"].str.strip().str.lower()
    unknown = sorted(set(status) - {"added", "removed"})
    if unknown:
        raise UserInputError(f"who_eml_facts.csv: unknown Status values {unknown}")
    parenteral = raw["Parenteral"].str.strip().str.lower()
    unknown = sorted(set(parenteral) - {"yes", "no"})
    if unknown:
        raise UserInputError(f"who_eml_facts.csv: unknown Parenteral values {unknown}")
    return pd.DataFrame({
        "medicine_name": _blank_to_na(raw["Medicine name"]),
        "eml_section": _blank_to_na(raw["EML section"]),
        "atc_codes": atc_codes,
        "status": pd.Categorical(status, categories=["added", "removed"]),
        "parenteral": parenteral == "yes",
    })


def who_eml_medicines() -> pd.DataFrame:
    """WHO Model List of Essential Medicines entries, facts only.

    One row per distinct (medicine, EML section, ATC codes, status) of the WHO eEML export
    (23rd list, 2023; see ``public/who-eml/SOURCE.md``). Indication and formulation text is
    not shipped (licence unconfirmed); only the route fact ``parenteral`` derived from it.

    Returns
    -------
    pandas.DataFrame
        ``medicine_name`` (string), ``eml_section`` (string), ``atc_codes`` (object: list of
        ATC codes, mostly level 5, a few level-4 groups; empty where none is given),
        ``status`` (category: ``added`` = on the list, ``removed`` = taken off the list for
        that section), ``parenteral`` (bool: a formulation of the entry is given for a
        parenteral route or names an injection, derived from the WHO formulation text by
        ``rxtwin.data.public.build.PARENTERAL_PATTERN``; vaccine entries, whose text gives no
        route, are False). A medicine can have both ``added`` and ``removed`` rows.
    """
    return _copy_with_lists(_who_eml_cached(), ["atc_codes"])


def on_who_eml(atc_code: str) -> bool:
    """Whether a medicine with this ATC code is on the WHO Model List (an ``added`` entry).

    Parameters
    ----------
    atc_code : str
        ATC code such as ``"J01CA04"`` (level 5) or ``"D02AB"`` (level 4); case and
        surrounding spaces are ignored.

    Returns
    -------
    bool
        True if any ``added`` entry of :func:`who_eml_medicines` lists exactly this code.
        A code seen only on ``removed`` entries gives False. There is no expansion along the
        ATC hierarchy: the list names a few level-4 groups (e.g. ``"D02AB"``), which match
        only themselves.

    Examples
    --------
    >>> on_who_eml("J01CA04")  # amoxicillin
    True
    """
    code = atc_code.strip().upper()
    if not _ATC_PATTERN.match(code):
        raise UserInputError(f"atc_code={atc_code!r} is not an ATC code (letter, then optionally "
                             "2 digits, letter, letter, 2 digits, e.g. 'J01CA04')")
    return code in _who_added_codes()


@lru_cache(maxsize=1)
def _who_added_codes() -> frozenset[str]:
    table = _who_eml_cached()
    added = table[table["status"] == "added"]
    return frozenset(code for codes in added["atc_codes"] for code in codes)
