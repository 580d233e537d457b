"""Catalogue of the data sets bundled with rxtwin (``rxtwin data list`` / ``rxtwin data show``).

Each entry names a tidy table, the function that loads it and the shipped folder whose
``meta.yaml`` and ``SOURCE.md`` give its provenance. Only real, bundled data is listed;
to add a data set, append a :class:`DatasetEntry` to :data:`DATASETS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from rxtwin.data import public_tables
from rxtwin.errors import UserInputError


@dataclass(frozen=True)
class DatasetEntry:
    """How to load one bundled table and where its provenance lives.

    Attributes
    ----------
    name : str
        Catalogue name, lower case with dashes (used on the command line).
    title : str
        One-line title.
    folder : str
        Shipped folder under ``rxtwin/data/public/`` holding ``meta.yaml`` and ``SOURCE.md``.
    loader : Callable[[], pandas.DataFrame]
        Function returning the table (its docstring documents the columns).
    """

    name: str
    title: str
    folder: str
    loader: Callable[[], pd.DataFrame]


@dataclass(frozen=True)
class DatasetRecord:
    """What the catalogue says about one table.

    Attributes
    ----------
    name, title : str
        As in :class:`DatasetEntry`.
    source_url : str
        Where the shipped data was copied from.
    underlying_source : str
        The original publisher of the data.
    licence_note : str
        Licence status, as far as it is known.
    rows : int
        Rows in the table as loaded.
    loader : str
        Dotted name of the loading function.
    source_file : str
        Path of the ``SOURCE.md`` inside the package (relative to ``rxtwin/data/``).
    """

    name: str
    title: str
    source_url: str
    underlying_source: str
    licence_note: str
    rows: int
    loader: str
    source_file: str


@dataclass(frozen=True)
class DatasetPreview:
    """The first rows of a table with its catalogue record.

    Attributes
    ----------
    record : DatasetRecord
        Catalogue record.
    columns : tuple of str
        All column names of the table.
    head : pandas.DataFrame
        The first ``n`` rows.
    """

    record: DatasetRecord
    columns: tuple[str, ...]
    head: pd.DataFrame


_SHORTAGES = "fda-drug-shortages-yearly"
_INSPECTIONS = "fda-inspections-compliance"
_WHO = "who-eml"

DATASETS: tuple[DatasetEntry, ...] = (
    DatasetEntry("fda-shortage-presentations",
                 "FDA drug shortage listings, one row per snapshot year and NDC presentation",
                 _SHORTAGES, public_tables.shortage_presentations),
    DatasetEntry("fda-shortage-episodes",
                 "FDA drug shortage episodes per generic name and dosage-form class",
                 _SHORTAGES, public_tables.shortage_episodes),
    DatasetEntry("fda-shortage-durations",
                 "Shortage episode durations per therapeutic category (Kaplan-Meier quantiles)",
                 _SHORTAGES, public_tables.episode_duration_summary),
    DatasetEntry("fda-inspection-outcomes",
                 "FDA drug inspections per fiscal year: NAI/VAI/OAI counts and OAI share",
                 _INSPECTIONS, public_tables.inspection_outcomes),
    DatasetEntry("fda-compliance-actions",
                 "FDA compliance actions (warning letters, injunctions, seizures), 2008-2024",
                 _INSPECTIONS, public_tables.compliance_actions),
    DatasetEntry("fda-warning-letters-by-country",
                 "FDA drug warning letters by country of the firm",
                 _INSPECTIONS, public_tables.warning_letter_country_mix),
    DatasetEntry("fda-inspections-domestic-foreign",
                 "FDA inspections in the U.S. and abroad per fiscal year, all products",
                 _INSPECTIONS, public_tables.inspections_domestic_foreign),
    DatasetEntry("who-eml-medicines",
                 "WHO Model List of Essential Medicines 2023: names, ATC codes, sections",
                 _WHO, public_tables.who_eml_medicines),
)


def _entry(name: str) -> DatasetEntry:
    for entry in DATASETS:
        if entry.name == name:
            return entry
    valid = ", ".join(entry.name for entry in DATASETS)
    raise UserInputError(f"dataset name {name!r} is not bundled; valid names: {valid}")


def _record(entry: DatasetEntry, table: pd.DataFrame) -> DatasetRecord:
    meta = public_tables.dataset_meta(entry.folder)
    return DatasetRecord(
        name=entry.name,
        title=entry.title,
        source_url=str(meta["source_url"]),
        underlying_source=str(meta["underlying_source"]),
        licence_note=" ".join(str(meta["licence_note"]).split()),
        rows=len(table),
        loader=f"{entry.loader.__module__}.{entry.loader.__name__}",
        source_file=f"public/{entry.folder}/SOURCE.md",
    )


def dataset_names() -> list[str]:
    """Names of the bundled data sets, in catalogue order."""
    return [entry.name for entry in DATASETS]


def load_dataset(name: str) -> pd.DataFrame:
    """Load a bundled table by catalogue name (ValueError listing valid names if unknown)."""
    return _entry(name).loader()


def list_datasets() -> list[DatasetRecord]:
    """Catalogue records of every bundled table, in catalogue order."""
    return [_record(entry, entry.loader()) for entry in DATASETS]


def show_dataset(name: str, n: int = 10) -> DatasetPreview:
    """First ``n`` rows of a bundled table with its catalogue record.

    Parameters
    ----------
    name : str
        Catalogue name (see :func:`dataset_names`).
    n : int
        Rows to show, >= 0; default 10.

    Raises
    ------
    ValueError
        If ``name`` is not bundled (the message lists the valid names) or ``n`` < 0.
    """
    entry = _entry(name)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise UserInputError(f"n={n!r} must be a whole number >= 0")
    table = entry.loader()
    return DatasetPreview(_record(entry, table), tuple(map(str, table.columns)), table.head(n))
