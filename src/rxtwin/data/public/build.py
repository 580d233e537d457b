"""Derive the shipped public data files from the raw downloads (run by hand).

Usage::

    python -m rxtwin.data.public.build RAW_DIR            # write the files
    python -m rxtwin.data.public.build RAW_DIR --check    # compare only

``RAW_DIR`` (required: the raw downloads are not shipped with rxtwin) holds one folder per data set, each with its ``SOURCE.md``:
``fda-drug-shortages-yearly/``, ``fda-inspections-compliance/`` and ``who-eml/``.
Every step below is a plain, reviewable transformation; nothing is cleaned here.
Normalisation (status case, dates, categories) happens in :mod:`rxtwin.data.public_tables`
so that the shipped files stay as close to the raw ones as the rules allow.

* FDA drug shortages: the seven yearly CSVs are concatenated in year order into
  ``shortage_rows.csv.gz`` with two columns added in front (``snapshot_year``,
  ``source_file``). The ``contact_info`` column (company phone numbers, absent from the
  2025 file) is dropped. The UTF-8 BOM of the 2025 file and its CRLF line ends are removed.
  All other cells are copied as text, unchanged. The gzip stream is written with
  ``mtime=0`` so the bytes are reproducible.
* FDA inspections and compliance: the three CSVs are copied byte for byte.
* WHO EML: only facts are kept (medicine name, EML section, ATC codes, status); the
  ``Formulations``, ``Indication`` and ``Combined with`` text is dropped because the
  licence of the WHO content (CC BY-NC-SA 3.0 IGO) is unconfirmed. Rows that become exact
  duplicates once the indication is dropped are removed (first occurrence kept, order
  preserved). One fact is derived from the formulations: ``Parenteral`` is ``yes`` when any
  raw row of the kept row's (name, section, ATC codes, status) lists a formulation whose
  route starts with ``Parenteral`` or that mentions ``injection``, else ``no``
  (:data:`PARENTERAL_PATTERN`; the route is a fact, the formulation text is not shipped).

Each shipped folder also holds a copy of the raw ``SOURCE.md`` with a section
"What rxtwin ships and how it was derived" appended by hand; this script does not touch it.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import shutil
import sys
from pathlib import Path

PUBLIC_DIR = Path(__file__).resolve().parent

SHORTAGE_DIR = "fda-drug-shortages-yearly"
INSPECTION_DIR = "fda-inspections-compliance"
WHO_DIR = "who-eml"

SHORTAGE_FILES: dict[int, str] = {
    2019: "Drugshortages_2019.csv",
    2020: "Drugshortages_2020.csv",
    2021: "Drugshortages_2021.csv",
    2022: "Drugshortages_2022.csv",
    2023: "Drugshortages_2023.csv",
    2024: "Drugshortages_2024.csv",
    2025: "Drugshortages_2025_partial.csv",
}
SHORTAGE_COLUMNS = [
    "id",
    "generic_name",
    "company_name",
    "presentation",
    "update_type",
    "update_date",
    "availability",
    "related_info",
    "resolved_note",
    "reason_for_shortage",
    "therapeutic_category",
    "status",
    "change_date",
    "date_discontinued",
]
SHORTAGE_OUT = "shortage_rows.csv.gz"

INSPECTION_FILES = ["class_product.csv", "fda_compliance_actions.csv", "inspection_countries.csv"]

WHO_RAW = "who_essential_medicines.csv"
WHO_KEEP = ["Medicine name", "EML section", "ATC codes", "Status"]
WHO_PARENTERAL = "Parenteral"
WHO_OUT = "who_eml_facts.csv"
#: A formulation line given for a parenteral route ("Parenteral > General injections > IV:
#: ...") or naming an injection (a few lines say only "Injection: ...").
PARENTERAL_PATTERN = re.compile(r"^\s*Parenteral\b|\binjection", re.I | re.M)


def _read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def shortage_rows_text(raw_dir: Path) -> str:
    """Concatenate the yearly FDA shortage snapshots into one CSV text."""
    header = ["snapshot_year", "source_file", *SHORTAGE_COLUMNS]
    rows: list[list[str]] = []
    for year, name in SHORTAGE_FILES.items():
        for record in _read_csv_rows(raw_dir / SHORTAGE_DIR / name):
            rows.append([str(year), name, *(record[column] for column in SHORTAGE_COLUMNS)])
    return _csv_text(header, rows)


def who_facts_text(raw_dir: Path) -> str:
    """Keep only the factual WHO EML columns, drop the duplicates this creates, and add
    whether any duplicate had a parenteral formulation (``yes``/``no``)."""
    parenteral: dict[tuple[str, ...], bool] = {}
    for record in _read_csv_rows(raw_dir / WHO_DIR / WHO_RAW):
        row = tuple(record[column] for column in WHO_KEEP)
        found = bool(PARENTERAL_PATTERN.search(record["Formulations"]))
        parenteral[row] = parenteral.get(row, False) or found  # dicts keep first-seen order
    rows = [[*row, "yes" if flag else "no"] for row, flag in parenteral.items()]
    return _csv_text([*WHO_KEEP, WHO_PARENTERAL], rows)


def gzip_bytes(text: str) -> bytes:
    """Gzip ``text`` reproducibly (no file name, ``mtime=0``)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    return buffer.getvalue()


def derived_files(raw_dir: Path) -> dict[Path, bytes]:
    """Return the shipped files (path relative to the public folder -> bytes)."""
    files = {
        Path(SHORTAGE_DIR) / SHORTAGE_OUT: gzip_bytes(shortage_rows_text(raw_dir)),
        Path(WHO_DIR) / WHO_OUT: who_facts_text(raw_dir).encode("utf-8"),
    }
    for name in INSPECTION_FILES:
        files[Path(INSPECTION_DIR) / name] = (raw_dir / INSPECTION_DIR / name).read_bytes()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", type=Path, help="folder holding the raw data set folders")
    parser.add_argument("--out", type=Path, default=PUBLIC_DIR, help="where to write")
    parser.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = parser.parse_args(argv)
    if not args.raw_dir.is_dir():
        print(f"raw_dir {args.raw_dir} is not a directory", file=sys.stderr)
        return 2
    differing = []
    for relative, content in derived_files(args.raw_dir).items():
        target = args.out / relative
        if args.check:
            if not target.exists() or target.read_bytes() != content:
                differing.append(str(relative))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        print(f"wrote {target} ({len(content)} bytes)")
    if not args.check:
        for folder in (SHORTAGE_DIR, INSPECTION_DIR, WHO_DIR):
            source_md = args.out / folder / "SOURCE.md"
            if not source_md.exists():
                shutil.copyfile(args.raw_dir / folder / "SOURCE.md", source_md)
                print(f"copied {source_md}; append the 'What rxtwin ships' section by hand")
    if differing:
        print("differ from the raw derivation: " + ", ".join(differing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
