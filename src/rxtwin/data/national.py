"""A national supply network for every medicine on an essential-medicines list.

:func:`national_scenario` turns a list of medicines (by default the bundled WHO Model List
of Essential Medicines, one product per distinct medicine name) into a validated
:class:`~rxtwin.model.Scenario`: a seeded, synthetic three-tier network KSM -> API ->
finished dose whose sites are shared between products, with each product's priority facts
taken from the bundled FDA shortage data where they allow, and a menu of candidate national
measures as the scenario's interventions. :func:`national_document` returns the same
scenario as a plain document (a dict to write as YAML).

Where the numbers come from (each file gives every value's source or assumption):

* per-product demand, price, material cost, shelf lives, criticality and stock:
  ``portfolio_ranges.yaml`` by dosage form (drawn with :mod:`rxtwin.data.portfolio`);
* network structure (sites per product, sources, makers, countries, lead times, the
  dosage-form share for medicines of unknown form): ``national_network.yaml``;
* outage modes of the finished-dose sites: ``disruption_defaults.yaml``
  (``site_outage_modes``, as scenario failure modes so that measures can change them);
* candidate measures: ``national_measures.yaml``;
* past shortages, makers and dosage forms: the bundled FDA shortage snapshots
  (:mod:`rxtwin.data.public_tables`).

See docs/national.md for the rules and a worked example.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.documents import (
    SourcedValue,
    bundled_data_file,
    parse_data_text,
    provenance_line,
    read_data_text,
    sourced_values,
)
from rxtwin.data.essential_medicines import load_essential_medicines_csv, who_eml_universe
from rxtwin.data.medicine_classes import medicine_flags
from rxtwin.data.portfolio import ISO_FOR_REGION, _draw, portfolio_ranges
from rxtwin.data.public_tables import (
    _ATC_PATTERN,
    dosage_form_class,
    generic_name_key,
    shortage_episodes,
    shortage_presentations,
)
from rxtwin.data.scenarios import load_scenario, scenario_from_document
from rxtwin.errors import UserInputError
from rxtwin.model import Scenario
from rxtwin.model.technology import TechnologyKind
from rxtwin.model.units import HOURS_PER_DAY

__all__ = [
    "DOSAGE_FORMS",
    "NationalMeasure",
    "check_medicines",
    "essential_medicines",
    "medicine_shortage_facts",
    "medicines_from_csv",
    "national_document",
    "national_measures",
    "national_network_parameters",
    "national_scenario",
]

#: Dosage forms a generated product can have (the schema's ``DosageForm`` values).
DOSAGE_FORMS = ("oral_solid", "sterile_injectable", "other")
#: Order that breaks a tie between dosage-form classes of one medicine in the FDA data.
_FORM_PRECEDENCE = {"sterile_injectable": 0, "oral_solid": 1, "other": 2}
#: An FDA shortage name of more than one active ingredient ("Amoxicillin and Clavulanate").
_COMBINATION = re.compile(r"\+|\band\b|;|/|\bwith\b", re.I)
#: The first dosage-form word of an FDA shortage name: a comma before it separates active
#: ingredients ("Abacavir Sulfate, Lamivudine Tablet, Film Coated"), one after it does not
#: ("Amoxicillin Powder, For Suspension").
_FORM_WORD = re.compile(
    r"\b(tablets?|capsules?|caplets?|inject\w*|infusion|powder|solution|suspension|syrup|"
    r"elixir|cream|ointment|gel|lotion|patch|spray|drops?|suppositor\w*|for|oral|"
    r"ophthalmic|topical|kit|concentrate|emulsion|jelly|strips?|vials?|syringes?|"
    r"extended|delayed)\b", re.I)
_MAX_ID_CHARS = 56  # leaves room for the "-api" suffix within the 64-character id limit
_MEASURE_KEYS = ("name", "kind", "cost_basis", "capex_usd", "opex_usd_per_yr",
                 "implementation_months")
_MEASURE_OPTIONAL = ("extra_stock_days", "effects", "dosage_forms")
_COST_BASES = ("per_product", "per_site")
_STOCK_KINDS = ("buffer_stock", "api_reserve")


# --------------------------------------------------------------------------------------------
# data files
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def national_network_parameters() -> dict[str, SourcedValue]:
    """The network-structure parameters of ``national_network.yaml``, each with its
    provenance (``.value``, ``.provenance``)."""
    path = bundled_data_file("national_network.yaml")
    return sourced_values(parse_data_text(read_data_text(path), path.name), path.name)


def _parameter(name: str) -> Any:
    return national_network_parameters()[name].value


@dataclass(frozen=True)
class NationalMeasure:
    """One candidate national measure of ``national_measures.yaml``, effects resolved.

    Attributes
    ----------
    id, name, kind : str
        Intervention id, display name and :class:`~rxtwin.model.InterventionKind` value.
    cost_basis : str
        ``per_product`` (costs pay for one product) or ``per_site`` (one finished-dose site).
    capex_usd : float
        Investment per product or per site [USD].
    opex_usd_per_yr : float
        Running cost per product or per site [USD/yr].
    implementation_months : float
        Time from decision to effect [months].
    extra_stock_days : float
        Days of demand added to the finished-goods (``buffer_stock``) or API
        (``api_reserve``) stock [d]; 0 for other kinds.
    dosage_forms : tuple of str
        Dosage forms of the finished-dose sites its effects act on.
    effects : tuple of (str, float, float)
        (failure category, rate multiplier [-], duration multiplier [-]) of the
        finished-dose sites' outage modes.
    provenance : str
        ``source: ...`` or ``assumption: ...``.
    """

    id: str
    name: str
    kind: str
    cost_basis: str
    capex_usd: float
    opex_usd_per_yr: float
    implementation_months: float
    extra_stock_days: float
    dosage_forms: tuple[str, ...]
    effects: tuple[tuple[str, float, float], ...]
    provenance: str


@lru_cache(maxsize=4)
def _bundled_scenario(name: str) -> Scenario:
    return load_scenario(name)


def _multiplier(spec: Any, file: str, where: str) -> float:
    """A multiplier given as a number or as a reference into a bundled effect matrix."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        value = float(spec)
    elif isinstance(spec, dict) and set(spec) <= {"effect_matrix", "quality_driven"} \
            and isinstance(spec.get("effect_matrix"), dict):
        ref = spec["effect_matrix"]
        try:
            mode = _bundled_scenario(ref["scenario"]).failure_mode(ref["failure_mode"])
            value = mode.multiplier_for(TechnologyKind(ref["technology"]))
        except (KeyError, ValueError) as exc:
            raise UserInputError(f"{file}: {where}: effect_matrix {ref!r} does not name a "
                                 f"bundled scenario, failure mode and technology ({exc})"
                                 ) from None
        if spec.get("quality_driven", False):
            inspections = load_disruption_defaults().site_inspections
            share = inspections.quality_driven_share if inspections else 1.0
            value = (1.0 - share) + share * value
    else:
        raise UserInputError(f"{file}: {where}: a multiplier is a number or "
                             f"{{effect_matrix: {{scenario, failure_mode, technology}}, "
                             f"quality_driven: bool}} (got {spec!r})")
    if not 0.0 <= value <= 100.0:
        raise UserInputError(f"{file}: {where}: multiplier {value} must be in [0, 100]")
    return value


def parse_national_measures(raw: Any, file: str) -> list[NationalMeasure]:
    """The measures of a measures document (the layout of ``national_measures.yaml``).

    Raises
    ------
    rxtwin.errors.UserInputError
        Naming the file, the measure and the key: a missing or unknown key, no or two
        provenance lines, an unknown kind, cost basis, dosage form or multiplier.
    """
    from rxtwin.model import InterventionKind

    if not isinstance(raw, dict) or not isinstance(raw.get("measures"), dict):
        raise UserInputError(f"{file}: needs a mapping 'measures' of measure id -> entry")
    measures = []
    for measure_id, entry in raw["measures"].items():
        where = f"measures.{measure_id}"
        if not isinstance(entry, dict):
            raise UserInputError(f"{file}: {where}: must be a mapping (got {entry!r})")
        present = [k for k in _MEASURE_OPTIONAL if k in entry]
        provenance = provenance_line(entry, file, where, (*_MEASURE_KEYS, *present))
        kind = str(entry["kind"])
        if kind not in {k.value for k in InterventionKind}:
            raise UserInputError(f"{file}: {where}.kind: {kind!r} is not an intervention kind "
                                 f"({', '.join(k.value for k in InterventionKind)})")
        if entry["cost_basis"] not in _COST_BASES:
            raise UserInputError(f"{file}: {where}.cost_basis: {entry['cost_basis']!r} must be "
                                 f"one of {', '.join(_COST_BASES)}")
        forms = tuple(entry.get("dosage_forms", DOSAGE_FORMS))
        unknown = [f for f in forms if f not in DOSAGE_FORMS]
        if unknown:
            raise UserInputError(f"{file}: {where}.dosage_forms: {unknown} not in "
                                 f"{', '.join(DOSAGE_FORMS)}")
        effects = []
        for j, effect in enumerate(entry.get("effects", [])):
            at = f"{where}.effects.{j}"
            if not isinstance(effect, dict) or "category" not in effect \
                    or set(effect) - {"category", "rate_multiplier", "duration_multiplier"}:
                raise UserInputError(f"{file}: {at}: an effect has 'category' and optional "
                                     f"'rate_multiplier', 'duration_multiplier' (got {effect!r})")
            effects.append((str(effect["category"]),
                            _multiplier(effect.get("rate_multiplier", 1.0), file, at),
                            _multiplier(effect.get("duration_multiplier", 1.0), file, at)))
        extra = float(entry.get("extra_stock_days", 0.0))
        if (kind in _STOCK_KINDS) != (extra > 0):
            raise UserInputError(f"{file}: {where}: extra_stock_days is given (> 0) for "
                                 f"kinds {', '.join(_STOCK_KINDS)} and only for them")
        measures.append(NationalMeasure(
            id=str(measure_id), name=str(entry["name"]), kind=kind,
            cost_basis=str(entry["cost_basis"]), capex_usd=float(entry["capex_usd"]),
            opex_usd_per_yr=float(entry["opex_usd_per_yr"]),
            implementation_months=float(entry["implementation_months"]),
            extra_stock_days=extra, dosage_forms=forms, effects=tuple(effects),
            provenance=provenance))
    return measures


@lru_cache(maxsize=1)
def _bundled_measures() -> tuple[NationalMeasure, ...]:
    path = bundled_data_file("national_measures.yaml")
    return tuple(parse_national_measures(parse_data_text(read_data_text(path), path.name),
                                         path.name))


def national_measures() -> list[NationalMeasure]:
    """The candidate national measures of the bundled ``national_measures.yaml``."""
    return list(_bundled_measures())


# --------------------------------------------------------------------------------------------
# the list of medicines
# --------------------------------------------------------------------------------------------
def essential_medicines() -> pd.DataFrame:
    """The bundled WHO Model List of Essential Medicines (2023), one row per medicine name.

    Returns
    -------
    pandas.DataFrame
        ``name`` and ``atc_codes`` of :func:`rxtwin.data.essential_medicines.who_eml_universe`
        (the distinct names of the entries with status ``added``, in the list's order),
        checked by :func:`check_medicines`. 606 rows.
    """
    return check_medicines(who_eml_universe()[["name", "atc_codes"]])


def _codes(value: Any, row: int) -> list[str]:
    if isinstance(value, str):
        items = re.split(r"[,;]", value)
    elif isinstance(value, list | tuple | np.ndarray):
        items = list(value)
    elif value is None or (isinstance(value, float) and math.isnan(value)):
        items = []
    else:
        raise UserInputError(f"medicines: column 'atc_codes', row {row}: {value!r} is not a "
                             "list of ATC codes or a text of codes separated by ',' or ';'")
    codes = [str(code).strip().upper() for code in items if str(code).strip()]
    for code in codes:
        if not _ATC_PATTERN.match(code):
            raise UserInputError(f"medicines: column 'atc_codes', row {row}: {code!r} is not "
                                 "an ATC code (a letter, then optionally 2 digits, letter, "
                                 "letter, 2 digits, e.g. 'J01CA04')")
    return codes


def check_medicines(medicines: pd.DataFrame) -> pd.DataFrame:
    """Check a list of medicines and reduce it to one row per distinct name.

    Parameters
    ----------
    medicines : pandas.DataFrame
        Columns ``name`` (text, non-empty) and ``atc_codes`` (a list of ATC codes, or a text
        of codes separated by ``,`` or ``;``, may be empty); other columns are ignored.

    Returns
    -------
    pandas.DataFrame
        ``name`` (str, stripped) and ``atc_codes`` (list of str, upper case), one row per
        name compared without case, first spelling kept, codes of repeated names merged.

    Raises
    ------
    rxtwin.errors.UserInputError
        A missing column, an empty name or a text that is not an ATC code, naming the
        column, the row (0-based) and the value.
    """
    if not isinstance(medicines, pd.DataFrame):
        raise UserInputError(f"medicines must be a pandas DataFrame with columns name, "
                             f"atc_codes (got {type(medicines).__name__})")
    missing = [c for c in ("name", "atc_codes") if c not in medicines.columns]
    if missing:
        raise UserInputError(f"medicines: missing column(s) {', '.join(missing)}; need name, "
                             f"atc_codes (got {', '.join(map(str, medicines.columns)) or 'none'})")
    if medicines.empty:
        raise UserInputError("medicines: the list is empty; give at least one medicine")
    names: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    for row, (name, atc) in enumerate(zip(medicines["name"], medicines["atc_codes"],
                                          strict=True)):
        text = "" if not isinstance(name, str) else " ".join(name.split())
        if not text:
            raise UserInputError(f"medicines: column 'name', row {row}: {name!r} is not a "
                                 "non-empty text")
        key = text.casefold()
        names.setdefault(key, text)
        merged = codes.setdefault(key, [])
        merged += [c for c in _codes(atc, row) if c not in merged]
    return pd.DataFrame({"name": list(names.values()), "atc_codes": list(codes.values())})


def medicines_from_csv(path: str | Path) -> pd.DataFrame:
    """Read a user's list of medicines from a CSV file with
    :func:`rxtwin.data.essential_medicines.load_essential_medicines_csv` (columns ``name``,
    ``atc_codes``; codes in one cell separated by ``;``) and check it with
    :func:`check_medicines`.

    Raises
    ------
    rxtwin.errors.UserInputError
        The file cannot be read, or the list is bad (naming the file, row, column, value
        and rule).
    """
    table = load_essential_medicines_csv(path)
    return check_medicines(table[["name", "atc_codes"]])


# --------------------------------------------------------------------------------------------
# facts from the FDA shortage data
# --------------------------------------------------------------------------------------------
def _company_key(company: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", company.casefold()).split())


def _fda_name_matches(medicine: str, candidates: dict[str, list]) -> list[str]:
    """FDA shortage names of ``medicine`` (rule in :func:`medicine_shortage_facts`)."""
    ingredients = [generic_name_key(part).split() for part in medicine.split("+")]
    ingredients = [words for words in ingredients if words]
    if not ingredients:
        return []
    combination = len(ingredients) > 1
    found = []
    for fda_name, words, is_combination in candidates.get(ingredients[0][0], []):
        if combination:
            text = f" {' '.join(words)} "
            if is_combination and all(f" {' '.join(w)} " in text for w in ingredients):
                found.append(fda_name)
        elif not is_combination and words[:len(ingredients[0])] == ingredients[0]:
            found.append(fda_name)
    return found


@lru_cache(maxsize=1)
def _fda_names() -> tuple[dict[str, list], pd.DataFrame]:
    rows = shortage_presentations()[["generic_name", "company", "dosage_form_class",
                                     "snapshot_date"]]
    rows = rows[rows["generic_name"].notna()]
    by_first_word: dict[str, list] = {}
    for fda_name in sorted(set(rows["generic_name"].astype(str))):
        words = generic_name_key(fda_name).split()
        if words:
            form_word = _FORM_WORD.search(fda_name)
            ingredients = fda_name[:form_word.start()] if form_word else fda_name
            combination = bool(_COMBINATION.search(fda_name)) or "," in ingredients
            by_first_word.setdefault(words[0], []).append((fda_name, words, combination))
    return by_first_word, rows


def medicine_shortage_facts(names: Sequence[str], cutoff_date: str | pd.Timestamp
                            ) -> pd.DataFrame:
    """What the bundled FDA shortage data say of each medicine, up to a cut-off date.

    Parameters
    ----------
    names : sequence of str
        Medicine names (e.g. WHO EML spellings).
    cutoff_date : str or pandas.Timestamp
        Episodes first seen and snapshots taken after this date are not counted.

    Returns
    -------
    pandas.DataFrame
        Indexed by position in ``names``: ``name``; ``fda_names`` (list of the FDA shortage
        names matched, all snapshots); ``dosage_form_class`` (the most common class of the
        matched listings' rows, all snapshots, ties broken sterile_injectable, oral_solid,
        other; None when no listing matched); ``past_shortage_episodes`` (int, episodes of
        :func:`rxtwin.data.public_tables.shortage_episodes` with a matched name, any
        dosage-form class, first seen on or before the cut-off); ``fda_makers`` (int,
        distinct companies on the matched rows of snapshots taken on or before the cut-off,
        compared in lower case without punctuation; 0 when none).

    Notes
    -----
    Matching, on :func:`rxtwin.data.public_tables.generic_name_key`: a single medicine
    matches an FDA name whose key starts with the medicine's key, word for word ("atropine"
    matches "Atropine Sulfate Injection"), unless the FDA name is a combination (it holds
    ``+``, ``and``, ``;``, ``/`` or ``with``, or a comma before its first dosage-form word);
    a fixed-dose combination (a WHO name with ``+``) matches an FDA combination whose key
    holds every ingredient's key. An FDA name that several medicines of ``names`` match
    belongs to the one with the longest key only ("Calcium Gluconate Injection" to
    "calcium gluconate", not to "calcium"). Names are not
    translated: an INN that differs from the US name (aciclovir / acyclovir, paracetamol /
    acetaminophen, salbutamol / albuterol) finds nothing, so its facts stay at 0 (see
    docs/national.md, Limitations).
    """
    cutoff = pd.Timestamp(cutoff_date)
    candidates, rows = _fda_names()
    episodes = shortage_episodes()
    episodes = episodes[episodes["first_seen_date"] <= cutoff]
    before = rows[rows["snapshot_date"] <= cutoff]
    matches = [_fda_name_matches(name, candidates) for name in names]
    # an FDA name that matches several medicines goes to the most specific (longest key)
    key_length = [len(generic_name_key(name).split()) for name in names]
    longest: dict[str, int] = {}
    for i, found in enumerate(matches):
        for fda_name in found:
            longest[fda_name] = max(longest.get(fda_name, 0), key_length[i])
    records = []
    for i, name in enumerate(names):
        matched = [f for f in matches[i] if longest[f] == key_length[i]]
        form, episodes_count, makers = None, 0, 0
        if matched:
            chosen = set(matched)
            counts = rows.loc[rows["generic_name"].isin(chosen),
                              "dosage_form_class"].astype(str).value_counts()
            form = min(counts.index, key=lambda c: (-counts[c], _FORM_PRECEDENCE[c]))
            episodes_count = int(sum(bool(chosen.intersection(n))
                                     for n in episodes["generic_names"]))
            companies = before.loc[before["generic_name"].isin(chosen), "company"].dropna()
            makers = len({_company_key(c) for c in companies.astype(str)} - {""})
        records.append({"name": name, "fda_names": matched, "dosage_form_class": form,
                        "past_shortage_episodes": episodes_count, "fda_makers": makers})
    return pd.DataFrame(records, columns=["name", "fda_names", "dosage_form_class",
                                          "past_shortage_episodes", "fda_makers"])


def _class_flags(name: str, atc_codes: Sequence[str]) -> dict[str, bool]:
    """Clinical-class flags of a medicine for :class:`~rxtwin.model.product.PriorityFacts`
    (``narrow_therapeutic_index``, ``antibacterial``, ``medical_countermeasure``).

    From the cited classes of ``medicine_classes.yaml``
    (:func:`rxtwin.data.medicine_classes.medicine_flags`).
    """
    return medicine_flags(name, atc_codes)


# --------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------
def _rng(rng_or_seed: Any) -> np.random.Generator:
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    if isinstance(rng_or_seed, bool) or not isinstance(
            rng_or_seed, int | np.integer | np.random.SeedSequence):
        raise UserInputError(f"rng_or_seed must be a numpy Generator, an integer seed >= 0 or "
                             f"a SeedSequence (got {rng_or_seed!r})")
    if isinstance(rng_or_seed, int | np.integer) and rng_or_seed < 0:
        raise UserInputError(f"seed must be >= 0 (got {rng_or_seed})")
    return np.random.default_rng(rng_or_seed)


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "medicine"
    return slug[:_MAX_ID_CHARS].rstrip("-")


def _unique_ids(names: Sequence[str]) -> list[str]:
    ids, seen = [], set()
    for name in names:
        base = _slug(name)
        candidate, k = base, 1
        while candidate in seen:
            k += 1
            suffix = f"-{k}"
            candidate = base[:_MAX_ID_CHARS - len(suffix)] + suffix
        seen.add(candidate)
        ids.append(candidate)
    return ids


def _hours(duration: Any, unit_days: float) -> dict:
    """A duration distribution in days (times ``unit_days``) as the same one in hours."""
    data = duration.model_dump(mode="json")
    factor = unit_days * HOURS_PER_DAY
    return {k: (v * factor if k not in ("dist", "cv") else v) for k, v in data.items()}


def _site_count(given: int | None, links: int, per_site: float, least: int, what: str) -> int:
    if given is None:
        return max(least, math.ceil(links / per_site))
    if isinstance(given, bool) or not isinstance(given, int | np.integer) or given < least:
        raise UserInputError(f"{what} = {given!r} must be an integer >= {least}")
    return int(given)


def _split_sites(total: int, links: dict[str, int], least: dict[str, int]) -> dict[str, int]:
    """Finished-dose sites per dosage form, in proportion to the links (largest remainder),
    each form at least ``least``."""
    need = sum(least.values())
    if total < need:
        raise UserInputError(f"n_fdf_sites = {total} is too few: the dosage forms "
                             f"{', '.join(f'{f} ({n})' for f, n in least.items())} need "
                             f"{need} finished-dose sites")
    spare = total - need
    weight = sum(links.values())
    exact = {f: spare * links[f] / weight for f in links}
    counts = {f: least[f] + int(exact[f]) for f in links}
    order = sorted(links, key=lambda f: (-(exact[f] - int(exact[f])), f))
    for f in order[: total - sum(counts.values())]:
        counts[f] += 1
    return counts


def _regions(shares: dict[str, float], rng: np.random.Generator, size: int) -> list[str]:
    regions = list(shares)
    p = np.array([shares[r] for r in regions], dtype=float)
    drawn = rng.choice(len(regions), size=size, p=p / p.sum())
    return [ISO_FOR_REGION[regions[i]] for i in drawn]


def national_document(
    rng_or_seed: np.random.Generator | int | np.random.SeedSequence,
    *,
    medicines: pd.DataFrame | None = None,
    n_ksm_sites: int | None = None,
    n_api_sites: int | None = None,
    n_fdf_sites: int | None = None,
    shortage_cutoff_date: str | None = None,
    sterile_injectable_share: float | None = None,
    name: str = "national-essential-medicines",
) -> dict:
    """The national network as a plain scenario document (see :func:`national_scenario`).

    Returns
    -------
    dict
        A scenario document: ``scenario_from_document`` of it gives the scenario of
        :func:`national_scenario`, and ``rxtwin.data.documents.dump_yaml`` of it is a scenario file.
    """
    rng = _rng(rng_or_seed)
    table = essential_medicines() if medicines is None else check_medicines(medicines)
    cutoff = pd.Timestamp(shortage_cutoff_date or _parameter("shortage_cutoff_date"))
    share = _parameter("sterile_injectable_share") if sterile_injectable_share is None \
        else sterile_injectable_share
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise UserInputError(f"sterile_injectable_share = {share!r} must be in [0, 1]")
    names = list(table["name"])
    n = len(names)
    facts = medicine_shortage_facts(names, cutoff)

    # dosage forms: FDA data, else the name, else a draw
    draw_u = rng.random(n)
    forms, form_from = [], []
    for i, medicine in enumerate(names):
        fda_form = facts.at[i, "dosage_form_class"]
        name_form = dosage_form_class(medicine, "")
        if fda_form is not None:
            forms.append(fda_form)
            form_from.append("fda")
        elif name_form != "other":
            forms.append(name_form)
            form_from.append("name")
        else:
            forms.append("sterile_injectable" if draw_u[i] < share else "oral_solid")
            form_from.append("drawn")

    # per-product values from portfolio_ranges.yaml by dosage form
    ranges_of = _parameter("ranges_of_dosage_form")
    quantities = ("demand_units_per_yr", "demand_cv", "price_usd_per_unit",
                  "material_cost_share_of_price", "shelf_life_days", "api_shelf_life_days",
                  "criticality", "initial_inventory_days")
    values = {q: np.zeros(n) for q in quantities}
    for block in sorted(set(ranges_of[f] for f in forms)):
        members = np.array([i for i, f in enumerate(forms) if ranges_of[f] == block])
        for q in quantities:
            values[q][members] = _draw(portfolio_ranges()[block][q], rng, members.size)

    # sources: API sites per product, finished-dose makers per product
    max_makers = int(_parameter("max_fdf_makers"))
    n_api_of = np.where(rng.random(n) < _parameter("dual_api_source_share"), 2, 1)
    multi = rng.random(n) < _parameter("multi_maker_share")
    drawn_makers = rng.integers(2, max_makers + 1, size=n)
    n_fdf_of = np.array([min(int(facts.at[i, "fda_makers"]), max_makers)
                         if facts.at[i, "fda_makers"] > 0
                         else (int(drawn_makers[i]) if multi[i] else 1) for i in range(n)])

    # sites
    n_api = _site_count(n_api_sites, int(n_api_of.sum()), _parameter("products_per_api_site"),
                        2, "n_api_sites")
    n_ksm = _site_count(n_ksm_sites, n_api, _parameter("api_sites_per_ksm_site"), 1,
                        "n_ksm_sites")
    present = [f for f in DOSAGE_FORMS if f in forms]
    links = {f: int(sum(n_fdf_of[i] for i in range(n) if forms[i] == f)) for f in present}
    most = {f: int(max(n_fdf_of[i] for i in range(n) if forms[i] == f)) for f in present}
    if n_fdf_sites is None:
        per_form = {f: max(most[f], math.ceil(links[f] / _parameter("products_per_fdf_site")))
                    for f in present}
    else:
        _site_count(n_fdf_sites, 0, 1.0, len(present), "n_fdf_sites")
        per_form = _split_sites(int(n_fdf_sites), links, {f: 1 for f in present})
    n_fdf_of = np.array([min(int(n_fdf_of[i]), per_form[forms[i]]) for i in range(n)])

    ksm_ids = [f"ksm-site-{k + 1}" for k in range(n_ksm)]
    api_ids = [f"api-site-{k + 1}" for k in range(n_api)]
    fdf_ids = {f: [f"fdf-{f}-{k + 1}" for k in range(per_form[f])] for f in present}
    sites = []
    for ids, shares, label in (
            (ksm_ids, _parameter("ksm_site_country_shares"), "KSM"),
            (api_ids, portfolio_ranges()["site_country_shares"]["distribution"], "API"),
            *((fdf_ids[f], _parameter("fdf_site_country_shares"),
               f"{f.replace('_', ' ')} finished-dose") for f in present)):
        for k, (site_id, country) in enumerate(zip(ids, _regions(shares, rng, len(ids)),
                                                   strict=True)):
            sites.append({"id": site_id, "name": f"{label} site {k + 1}",
                          "country_code": country, "owner": f"{label} maker {k + 1}"})

    ksm_lead = float(_parameter("ksm_lead_time_days"))
    api_lead = float(_parameter("api_lead_time_days"))
    lag = float(_parameter("qualification_lag_days"))
    materials, edges = [], []
    ksm_of_api = rng.integers(0, n_ksm, size=n_api)
    for k, api_site in enumerate(api_ids):
        material = f"ksm-for-{api_site}"
        materials.append({"id": material, "name": f"key starting materials of {api_site}",
                          "kind": "ksm", "shelf_life_days": float(_parameter(
                              "ksm_shelf_life_days"))})
        edges.append({"supplier_site_id": ksm_ids[int(ksm_of_api[k])],
                      "customer_site_id": api_site, "material_id": material, "share": 1.0,
                      "lead_time_days": ksm_lead})

    ids = _unique_ids(names)
    products = []
    for i, medicine in enumerate(names):
        pid, form = ids[i], forms[i]
        api_material = f"{pid}-api"
        apis = rng.choice(n_api, size=int(n_api_of[i]), replace=False)
        makers = rng.choice(per_form[form], size=int(n_fdf_of[i]), replace=False)
        materials.append({"id": api_material, "name": f"{medicine} API", "kind": "api",
                          "shelf_life_days": round(float(values["api_shelf_life_days"][i]), 1)})
        for m in makers:
            for a in apis:
                edges.append({"supplier_site_id": api_ids[int(a)],
                              "customer_site_id": fdf_ids[form][int(m)],
                              "material_id": api_material, "share": 1.0 / len(apis),
                              "lead_time_days": api_lead,
                              "qualification_lag_days": lag if len(apis) > 1 else 0.0})
            edges.append({"supplier_site_id": fdf_ids[form][int(m)], "customer_site_id": None,
                          "material_id": pid, "share": 1.0 / len(makers),
                          "lead_time_days": 0.0,
                          "qualification_lag_days": lag if len(makers) > 1 else 0.0})
        atc_codes = list(table.at[i, "atc_codes"])
        fda_makers = int(facts.at[i, "fda_makers"])
        price = float(values["price_usd_per_unit"][i])
        products.append({
            "id": pid, "name": medicine, "dosage_form": form, "api_id": api_material,
            "atc_code": next((c for c in atc_codes if _valid_product_atc(c)), None),
            "demand_units_per_yr": round(float(values["demand_units_per_yr"][i]), -3),
            "demand_cv": round(float(values["demand_cv"][i]), 3),
            "price_usd_per_unit": round(price, 4),
            "material_cost_usd_per_unit": round(
                price * float(values["material_cost_share_of_price"][i]), 4),
            "shelf_life_days": round(float(values["shelf_life_days"][i]), 0),
            "initial_inventory_days": round(float(values["initial_inventory_days"][i]), 1),
            "criticality": round(float(values["criticality"][i]), 3),
            "priority": {
                "on_essential_list": True,
                "past_shortage_episodes": int(facts.at[i, "past_shortage_episodes"]),
                "market_makers": min(fda_makers if fda_makers > 0 else len(makers), 1000),
                "quality_actions": 0,
                **_class_flags(medicine, atc_codes),
            },
        })

    failure_modes = _fdf_failure_modes(present)
    products_per_form: dict[str, list[str]] = {}
    for entry in products:
        products_per_form.setdefault(entry["dosage_form"], []).append(entry["id"])
    interventions, intervention_sources = _interventions(present, per_form, failure_modes,
                                                         products_per_form)
    base = _bundled_scenario("generic_oral_solid")
    n_from = {src: form_from.count(src) for src in ("fda", "name", "drawn")}
    document = {
        "schema_version": 1,
        "name": name,
        "title": f"National supply network of {n} essential medicines",
        "description": (
            f"A synthetic three-tier network (KSM -> API -> finished dose) for {n} medicines: "
            f"{n_ksm} KSM, {n_api} API and {sum(per_form.values())} finished-dose sites shared "
            f"between products. Dosage forms from the FDA shortage data for {n_from['fda']} "
            f"medicines, from the name for {n_from['name']}, drawn for {n_from['drawn']}. "
            f"Shortage history counted to {cutoff.date()}."),
        "currency_year": base.currency_year,
        "horizon_yr": base.horizon_yr,
        "firm": base.firm.model_dump(mode="json"),
        "products": products,
        "materials": materials,
        "sites": sites,
        "technologies": [t.model_dump(mode="json") for t in base.technologies],
        "lines": [],
        "failure_modes": failure_modes,
        "interventions": interventions,
        "supply_edges": edges,
        "uncertain": [],
        "sources": _sources(cutoff, share) | intervention_sources,
    }
    return document


def _valid_product_atc(code: str) -> bool:
    return re.fullmatch(r"[A-Z][0-9]{2}[A-Z]{0,2}[0-9]{0,2}", code) is not None


def _fdf_failure_modes(forms: Sequence[str]) -> list[dict]:
    """The default site outage modes as site_outage failure modes, one per category and
    dosage form, so that measures can change them at the finished-dose sites."""
    modes = []
    for form in forms:
        for mode in load_disruption_defaults().site_outage_modes:
            modes.append({
                "id": f"fdf-{form}-{mode.category}",
                "name": f"{mode.category.replace('_', ' ')} at a {form.replace('_', ' ')} "
                        "finished-dose site",
                "category": mode.category, "effect": "site_outage",
                "rate_per_yr": mode.rate_per_yr,
                "duration_h": _hours(mode.duration, mode.duration_unit_days),
                "dosage_forms": [form],
            })
    return modes


def _interventions(forms: Sequence[str], sites_per_form: dict[str, int],
                   failure_modes: list[dict], products_per_form: dict[str, list[str]],
                   ) -> tuple[list[dict], dict[str, str]]:
    mode_ids = {m["id"] for m in failure_modes}
    interventions, sources = [], {}
    for measure in national_measures():
        acts_on = [f for f in measure.dosage_forms if f in forms]
        if not acts_on:
            continue  # no finished-dose site of its dosage forms in this network
        changes = []
        for category, rate, duration in measure.effects:
            for form in acts_on:
                mode_id = f"fdf-{form}-{category}"
                if mode_id not in mode_ids:
                    raise UserInputError(
                        f"national_measures.yaml: measures.{measure.id}: category "
                        f"'{category}' is not an outage category of disruption_defaults.yaml "
                        f"({', '.join(sorted({m['category'] for m in failure_modes}))})")
                changes.append({"failure_mode_id": mode_id, "rate_multiplier": rate,
                                "duration_multiplier": duration})
        covered = [pid for f in acts_on for pid in products_per_form.get(f, [])]
        scale = len(covered) if measure.cost_basis == "per_product" else \
            sum(sites_per_form[f] for f in acts_on)
        entry = {"id": measure.id, "name": measure.name, "kind": measure.kind,
                 "capex_usd": measure.capex_usd * scale,
                 "opex_usd_per_yr": measure.opex_usd_per_yr * scale,
                 "implementation_months": measure.implementation_months,
                 "failure_mode_changes": changes,
                 "extra_stock_days": measure.extra_stock_days}
        if set(acts_on) != set(forms):
            entry["product_ids"] = covered
        interventions.append(entry)
        basis = (f"x {scale} products it acts on (shared evenly when priced per product)"
                 if measure.cost_basis == "per_product" else f"x {scale} finished-dose sites of "
                 f"{', '.join(acts_on)} (failure-mode changes act at all of them; shared "
                 "evenly by their products when priced per product)")
        sources[f"interventions.{measure.id}"] = (
            f"{measure.provenance} [national_measures.yaml; costs {basis}]")
    return interventions, sources


def _sources(cutoff: pd.Timestamp, share: float) -> dict[str, str]:
    return {
        "products": (
            "source: synthetic, rxtwin.data.national.national_document; one product per "
            "medicine name of the list (default: WHO Model List of Essential Medicines 2023, "
            "added entries); demand, price, material cost, shelf lives, criticality and stock "
            "drawn from portfolio_ranges.yaml by dosage form; dosage form from the FDA "
            "shortage data, else the name (dosage_form_class), else drawn with sterile "
            f"injectable share {share} (national_network.yaml); priority facts from the FDA "
            f"shortage data to {cutoff.date()}"),
        "materials": ("assumption: one API per product (shelf life from portfolio_ranges.yaml) "
                      "and one bundle of key starting materials per API site "
                      "(national_network.yaml)"),
        "sites": ("source: synthetic; countries drawn from FDA's 2019 API facility split "
                  "(API), the FDA site split of the FY2018 quality report (finished dose) and "
                  "the API split (KSM, assumption); see national_network.yaml"),
        "supply_edges": ("assumption: each API site buys from one KSM site; each maker buys "
                         "the API from all the product's API sources in equal shares; makers "
                         "share the market equally; lead times and qualification lag from "
                         "national_network.yaml"),
        "failure_modes": ("source: the site outage modes of disruption_defaults.yaml, one "
                          "per category and dosage form at the finished-dose sites, so that "
                          "measures can change them; supplier sites keep the defaults"),
        "technologies": ("source: the technologies of the bundled generic_oral_solid scenario "
                         "(no line runs them here; the scenario schema needs one)"),
        "firm": "source: the firm of the bundled generic_oral_solid scenario",
        "currency_year": "source: as the bundled generic_oral_solid scenario",
        "horizon_yr": "source: as the bundled generic_oral_solid scenario",
    }


def national_scenario(
    rng_or_seed: np.random.Generator | int | np.random.SeedSequence,
    *,
    medicines: pd.DataFrame | None = None,
    n_ksm_sites: int | None = None,
    n_api_sites: int | None = None,
    n_fdf_sites: int | None = None,
    shortage_cutoff_date: str | None = None,
    sterile_injectable_share: float | None = None,
    name: str = "national-essential-medicines",
) -> Scenario:
    """A seeded national supply network for every medicine on an essential-medicines list.

    Parameters
    ----------
    rng_or_seed : numpy.random.Generator, int or numpy.random.SeedSequence
        Source of randomness; the same seed (or generator state) gives the same scenario.
    medicines : pandas.DataFrame, optional
        The list: columns ``name`` and ``atc_codes`` (:func:`check_medicines`); one product
        per distinct name. Default: the bundled WHO Model List of Essential Medicines
        (:func:`essential_medicines`, 606 medicines).
    n_ksm_sites, n_api_sites, n_fdf_sites : int, optional
        Number of key-starting-material, API and finished-dose sites [-]. Default: sized
        from ``national_network.yaml`` (API links / products_per_api_site, API sites /
        api_sites_per_ksm_site, finished-dose links / products_per_fdf_site per dosage form;
        about 60, 150 and 170 for the default list). Finished-dose sites make one dosage
        form; a given ``n_fdf_sites`` is split between the forms in proportion to their
        links.
    shortage_cutoff_date : str, optional
        ISO date up to which past shortage episodes and makers are counted; default
        ``national_network.yaml`` (2021-12-31).
    sterile_injectable_share : float, optional
        Share of sterile injectables among medicines whose dosage form neither the FDA data
        nor the name gives [-]; default ``national_network.yaml`` (0.5, ASPE).
    name : str
        Scenario name (an identifier).

    Returns
    -------
    Scenario
        Products with :class:`~rxtwin.model.product.PriorityFacts`, materials (an API per
        product, key starting materials per API site), sites, supply edges KSM -> API ->
        finished dose -> market, the finished-dose sites' outage modes as failure modes,
        the measures of ``national_measures.yaml`` as interventions (``product_ids``
        empty), and every block's provenance in ``sources``. No lines: the supply
        simulator takes its finished-dose suppliers from the market edges.

    Raises
    ------
    rxtwin.errors.UserInputError
        A bad list (:func:`check_medicines`), seed, site count or share.

    Notes
    -----
    Each product gets 1 or 2 API sources (``dual_api_source_share``) and 1 to
    ``max_fdf_makers`` makers: the number of companies the FDA shortage data list for it
    (capped), else several with probability ``multi_maker_share`` (FDA 2019: 67 % of
    shortage drugs had generic competitors). Sites are drawn uniformly from their pool
    (finished-dose sites from the pool of the product's dosage form), so each site serves
    several products and one outage hits several medicines. Every maker buys the API from
    all the product's API sources in equal shares; every API site buys its key starting
    materials from one KSM site. Supplier headroom and surge capacity are the supply
    defaults (``disruption_defaults.yaml``), applied by
    :func:`rxtwin.supply.disruption_inputs.supply_inputs_from_scenario`.

    Examples
    --------
    >>> import pandas as pd
    >>> medicines = pd.DataFrame({"name": ["atropine", "amoxicillin", "metformin"],
    ...                           "atc_codes": ["A03BA01", "J01CA04", "A10BA02"]})
    >>> scenario = national_scenario(1, medicines=medicines)
    >>> [p.dosage_form.value for p in scenario.products]
    ['sterile_injectable', 'other', 'oral_solid']
    >>> scenario.product("atropine").priority.on_essential_list
    True
    """
    document = national_document(
        rng_or_seed, medicines=medicines, n_ksm_sites=n_ksm_sites, n_api_sites=n_api_sites,
        n_fdf_sites=n_fdf_sites, shortage_cutoff_date=shortage_cutoff_date,
        sterile_injectable_share=sterile_injectable_share, name=name)
    return scenario_from_document(document, "<national network>")
