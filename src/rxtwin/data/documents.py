"""Reading scenario documents (YAML, JSON, CSV tables) into plain dicts.

Everything here turns files into JSON-like data or an :class:`~rxtwin.errors.InputError`
naming the file, field, value and rule. Validation against the domain model happens in
:mod:`rxtwin.data.scenarios`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml

from rxtwin.errors import NO_VALUE, InputError, Problem

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # a scenario is text; 20 MB is far beyond any real one
LIST_SEPARATOR = ";"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _problem(file: str, rule: str, path: str = "", value: object = NO_VALUE) -> InputError:
    return InputError([Problem(file=file, path=path, value=value, rule=rule)])


def read_text(path: Path) -> str:
    """Read a text file, turning every OS and encoding failure into an InputError."""
    file = str(path)
    if not path.exists():
        raise _problem(file, "file not found")
    if path.is_dir():
        raise _problem(file, "is a folder, not a file")
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise _problem(file, f"file is {size} bytes; the limit is {MAX_DOCUMENT_BYTES}")
        raw = path.read_bytes()
    except OSError as exc:
        raise _problem(file, f"cannot read file: {exc.strerror or exc}") from None
    if b"\x00" in raw:
        raise _problem(file, "not a text file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _problem(file, f"not UTF-8 text (bad byte at position {exc.start})") from None
    if not text.strip():
        raise _problem(file, "file is empty")
    return text


def parse_document(text: str, file: str) -> dict:
    """Parse YAML or JSON text (JSON is YAML, but JSON files get JSON's error messages)."""
    if file.lower().endswith(".json"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _problem(file, f"malformed JSON at line {exc.lineno}, column {exc.colno}: "
                                 f"{exc.msg}") from None
    else:
        try:
            document = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - safe subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise _problem(file, f"malformed YAML{where}: {what}") from None
        except RecursionError:
            raise _problem(file, "YAML nesting too deep") from None
    if not isinstance(document, dict):
        kind = type(document).__name__ if document is not None else "nothing"
        raise _problem(file, f"a scenario must be a mapping of fields at the top level, "
                             f"found {kind}")
    bad_keys = [k for k in document if not isinstance(k, str)]
    if bad_keys:
        raise _problem(file, "field names must be text", value=bad_keys[0])
    return document


def read_document(path: Path) -> dict:
    """Read and parse one YAML or JSON document."""
    return parse_document(read_text(path), str(path))


def read_csv_rows(path: Path) -> list[list[str]]:
    """Every row of a CSV file as a list of cells (UTF-8, a byte-order mark is dropped).

    The caller checks that the file exists. A file that cannot be read, is not UTF-8 text or
    cannot be split into CSV rows raises an :class:`~rxtwin.errors.InputError` naming the
    file and the line.
    """
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _problem(file, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _problem(file, f"not UTF-8 text (byte {raw[exc.start]:#04x} at position "
                             f"{exc.start}); save the file as UTF-8",
                       path=f"line {line}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        raise _problem(file, f"not a readable CSV file: {exc}",
                       path=f"line {reader.line_num}") from None


def read_csv_records(path: Path, list_fields: frozenset[str] = frozenset()) -> list[dict]:
    """Read a CSV table into records: blank cells are omitted (the field's default applies),
    ``list_fields`` are split on ';'. Columns may use dotted names for nested fields
    (``changeover_h.dist``)."""
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or any(not (name or "").strip() for name in reader.fieldnames):
        raise _problem(str(path), "CSV needs a header row with a name for every column")
    records = []
    for row_number, row in enumerate(reader, start=2):
        if None in row:
            raise _problem(str(path), f"row {row_number} has more cells than the header",
                           path=f"row {row_number}")
        record: dict[str, Any] = {}
        for column, cell in row.items():
            if cell is None or cell.strip() == "":
                continue
            value: Any = cell.strip()
            if column in list_fields:
                value = [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
            target = record
            parts = column.strip().split(".")
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
        records.append(record)
    return records
