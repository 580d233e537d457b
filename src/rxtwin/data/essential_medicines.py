"""Essential-medicines lists as a universe of medicines: the bundled WHO EML, or a user's CSV.

Both give the same table, one row per medicine:

============ ============== ===============================================================
column       dtype          meaning
============ ============== ===============================================================
name         string         medicine name as listed (e.g. "amoxicillin + clavulanic acid")
atc_codes    object (list)  ATC codes (upper case; may be empty)
parenteral   object         True / False: a parenteral (injectable) formulation is listed;
                            None where the list does not say
============ ============== ===============================================================

A CSV list needs the columns ``name`` and ``atc_codes`` (codes separated by ``;`` or ``,``,
may be blank); an optional ``parenteral`` column takes ``yes``/``no``/``true``/``false``/
``1``/``0`` or blank (not known). Other columns are ignored. Every problem is reported with
the file, the row (the header is row 1), the column, the value and the rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from rxtwin.data.documents import read_csv_rows
from rxtwin.data.public_tables import generic_name_key, who_eml_medicines
from rxtwin.errors import InputError, Problem, UserInputError

__all__ = ["ESSENTIAL_MEDICINES_COLUMNS", "load_essential_medicines_csv", "who_eml_universe"]

ESSENTIAL_MEDICINES_COLUMNS = ("name", "atc_codes", "parenteral")
_REQUIRED = ("name", "atc_codes")
_ATC_CODE = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n"}


def _frame(names: list[str], codes: list[list[str]], parenteral: list[bool | None]
           ) -> pd.DataFrame:
    return pd.DataFrame({"name": pd.Series(names, dtype="string"),
                         "atc_codes": pd.Series(codes, dtype=object),
                         "parenteral": pd.Series(parenteral, dtype=object)})


def who_eml_universe() -> pd.DataFrame:
    """The medicines of the bundled WHO Model List (2023) that are on the list.

    Returns
    -------
    pandas.DataFrame
        One row per distinct ``medicine_name`` with an ``added`` entry
        (:func:`rxtwin.data.public_tables.who_eml_medicines`), sorted by name: ``name``,
        ``atc_codes`` (the sorted union of the codes of its added entries) and
        ``parenteral`` (True when any added entry lists a parenteral formulation).
    """
    eml = who_eml_medicines()
    added = eml[eml["status"] == "added"]
    grouped = added.groupby("medicine_name", sort=True)
    codes = grouped["atc_codes"].agg(lambda lists: sorted({c for codes in lists
                                                           for c in codes}))
    parenteral = grouped["parenteral"].any()
    return _frame([str(n) for n in codes.index], list(codes),
                  [bool(p) for p in parenteral.loc[codes.index]])


def load_essential_medicines_csv(path: Path | str) -> pd.DataFrame:
    """Read an essential-medicines list from a CSV file (see the module docstring).

    Parameters
    ----------
    path : pathlib.Path or str
        UTF-8 CSV with a header row holding at least ``name`` and ``atc_codes``.

    Returns
    -------
    pandas.DataFrame
        ``name``, ``atc_codes``, ``parenteral`` (None where blank or the column is absent),
        in the file's order.

    Raises
    ------
    rxtwin.errors.UserInputError
        The file cannot be read as CSV; a required column is missing; a name is blank or
        repeated (after normalisation by :func:`~rxtwin.data.public_tables.generic_name_key`);
        an ATC code is malformed; a ``parenteral`` cell is not yes/no. Each problem is one
        ``file: row N, column C: rule (got value)`` part of the message.
    """
    file = str(path)
    try:
        rows = read_csv_rows(Path(path))
    except InputError as exc:
        raise UserInputError(exc.problems[0].line()) from None
    if not rows:
        raise UserInputError(f"{file}: the file is empty; it needs a header row with the "
                             f"columns {list(_REQUIRED)}")
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise UserInputError(f"{file}: row 1: missing columns {missing}; an essential-"
                             f"medicines list needs {list(_REQUIRED)} (got {rows[0]!r})")
    position = {c: header.index(c) for c in ESSENTIAL_MEDICINES_COLUMNS if c in header}
    problems: list[Problem] = []
    names: list[str] = []
    codes: list[list[str]] = []
    parenteral: list[bool | None] = []
    first_row_of: dict[str, int] = {}

    def cell(row: list[str], column: str) -> str:
        index = position.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        name = cell(row, "name")
        key = generic_name_key(name)
        where = f"row {number}, column name"
        if not key:
            problems.append(Problem(file, where, name, "a medicine name must not be blank"))
        elif key in first_row_of:
            problems.append(Problem(file, where, name, f"repeats the medicine of row "
                                                       f"{first_row_of[key]}"))
        else:
            first_row_of[key] = number
        atc = [c.strip().upper() for c in re.split(r"[;,]", cell(row, "atc_codes"))
               if c.strip()]
        bad = [c for c in atc if not _ATC_CODE.match(c)]
        if bad:
            problems.append(Problem(file, f"row {number}, column atc_codes", bad[0],
                                    "an ATC code is a letter, then optionally 2 digits, "
                                    "letter, letter, 2 digits (e.g. 'J01CA04'); separate "
                                    "codes with ';'"))
        flag_text = cell(row, "parenteral").lower()
        flag: bool | None = None
        if flag_text in _TRUE:
            flag = True
        elif flag_text in _FALSE:
            flag = False
        elif flag_text:
            problems.append(Problem(file, f"row {number}, column parenteral", flag_text,
                                    "must be yes or no (or blank: not known)"))
        names.append(name)
        codes.append(atc)
        parenteral.append(flag)
    if problems:
        raise UserInputError("; ".join(p.line() for p in problems[:20]))
    if not names:
        raise UserInputError(f"{file}: no medicines listed below the header")
    return _frame(names, codes, parenteral)
