"""Read the process twin's CSV inputs: tracer data (``fit-rtd``) and NIR sensor logs (``replay``).

Bad files raise :class:`rxtwin.errors.InputError` naming the file, the column and the line
(1 = header), so the CLI can print one line and exit 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rxtwin.data.documents import file_problem, read_csv_rows

TRACER_COLUMNS = ("time_s", "signal")
REPLAY_COLUMNS = ("time_s", "nir_potency_pct")
REPLAY_TRUTH_COLUMN = "true_potency_pct"


@dataclass(frozen=True, eq=False)
class ReplayData:
    """A sensor log for ``rxtwin twin replay``.

    Attributes
    ----------
    time_s : numpy.ndarray
        Reading times, strictly increasing [s].
    nir_potency_pct : numpy.ndarray
        NIR potency readings [% label claim].
    true_potency_pct : numpy.ndarray
        True potency of the material of each reading, where the file has a
        ``true_potency_pct`` column (synthetic data); empty array otherwise [% LC].
    """

    time_s: NDArray[np.float64]
    nir_potency_pct: NDArray[np.float64]
    true_potency_pct: NDArray[np.float64]

    @property
    def has_truth(self) -> bool:
        """True if the log carries the true potency."""
        return self.true_potency_pct.size == self.time_s.size and self.time_s.size > 0


def read_numeric_columns(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, NDArray[np.float64]]:
    """Read named numeric columns of a CSV file with a header row.

    Parameters
    ----------
    path : pathlib.Path
        CSV file.
    required : tuple of str
        Columns that must be present.
    optional : tuple of str
        Columns read when present.

    Returns
    -------
    dict of str to numpy.ndarray
        One float array per column found.

    Raises
    ------
    rxtwin.errors.InputError
        Missing file or column, non-numeric or non-finite cell, ragged row, fewer than two
        data rows, or a ``time_s`` column that does not increase strictly.
    """
    rows = read_csv_rows(path)
    header = [h.strip() for h in (rows[0] if rows else [])]
    for name in required:
        if name not in header:
            raise file_problem(path, f"column '{name}'", ", ".join(header) or "<empty header>",
                               "required column is missing (columns found shown)")
    wanted = [c for c in (*required, *optional) if c in header]
    index = {c: header.index(c) for c in wanted}
    values: dict[str, list[float]] = {c: [] for c in wanted}
    for line_no, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        for name, i in index.items():
            where = f"column '{name}', line {line_no}"
            if i >= len(row):
                raise file_problem(path, where, row, "row has too few cells")
            cell = row[i].strip()
            try:
                number = float(cell)
            except ValueError:
                raise file_problem(path, where, cell, "not a number") from None
            if not math.isfinite(number):
                raise file_problem(path, where, cell, "must be a finite number")
            values[name].append(number)
    arrays = {c: np.asarray(v, dtype=float) for c, v in values.items()}
    n = len(next(iter(arrays.values()))) if arrays else 0
    if n < 2:
        raise file_problem(path, "", n, "needs at least two data rows")
    if "time_s" in arrays:
        steps = np.diff(arrays["time_s"])
        if np.any(steps <= 0):
            k = int(np.flatnonzero(steps <= 0)[0]) + 1
            raise file_problem(path, f"column 'time_s', data row {k + 1}",
                               float(arrays["time_s"][k]), "time_s must increase strictly")
    return arrays


def read_tracer_csv(path: Path) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Tracer data: columns ``time_s`` [s] and ``signal`` (any unit, zero baseline)."""
    cols = read_numeric_columns(path, TRACER_COLUMNS)
    return cols["time_s"], cols["signal"]


def read_replay_csv(path: Path) -> ReplayData:
    """Sensor log: ``time_s`` [s], ``nir_potency_pct`` [% LC], optional ``true_potency_pct``."""
    cols = read_numeric_columns(path, REPLAY_COLUMNS, (REPLAY_TRUTH_COLUMN,))
    return ReplayData(cols["time_s"], cols["nir_potency_pct"],
                      cols.get(REPLAY_TRUTH_COLUMN, np.zeros(0)))
