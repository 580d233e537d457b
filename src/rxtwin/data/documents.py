"""Reading scenario documents (YAML, JSON, CSV tables) and bundled data files into plain
dicts.

Scenario documents: everything here turns files into JSON-like data or an
:class:`~rxtwin.errors.InputError` naming the file, field, value and rule. Validation
against the domain model happens in :mod:`rxtwin.data.scenarios`.

Data files with provenance (the defaults bundled in ``rxtwin/data/``, or a user's file in
the same layout): :func:`read_data_file` reads UTF-8 text and parses YAML,
:func:`provenance_line` checks that a value carries exactly one ``source:`` or
``assumption:`` and :func:`sourced_values` does both for a mapping of such values. Each
failure is a :class:`~rxtwin.errors.UserInputError` naming the file, the line or the dotted
key path, and the rule. The loaders in ``rxtwin.data`` (``*_defaults.py``,
``supply_io.load_supply_defaults``) keep only the parsing of their own structure.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rxtwin.errors import NO_VALUE, InputError, Problem, UserInputError

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


def file_problem(file: Path | str, where: str, value: object, rule: str) -> InputError:
    """An :class:`~rxtwin.errors.InputError` for one problem in an input file.

    Parameters
    ----------
    file : pathlib.Path or str
        The file.
    where : str
        Where in it: a line (``"line 3"``), a column or a key path; ``""`` for the file.
    value : object
        The offending value, or :data:`rxtwin.errors.NO_VALUE`.
    rule : str
        What the value breaks, e.g. ``"must be > 0"``.
    """
    return InputError([Problem(file=str(file), path=where, value=value, rule=rule)])


def _problem(file: str, rule: str, path: str = "", value: object = NO_VALUE) -> InputError:
    return file_problem(file, path, value, rule)


def _utf8_problem(raw: bytes, exc: UnicodeDecodeError) -> tuple[str, str]:
    """The line (``"line N"``) and the rule of a failed UTF-8 decoding of ``raw``."""
    line = raw[: exc.start].count(b"\n") + 1
    return (f"line {line}", f"not UTF-8 text (byte {raw[exc.start]:#04x} at position "
                            f"{exc.start}); save the file as UTF-8")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The rule of a YAML parse error, with its line and column where PyYAML gives them."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"malformed YAML{where}: {what}"


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
            raise _problem(file, _yaml_problem(exc)) from None
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
        line, rule = _utf8_problem(raw, exc)
        raise _problem(file, rule, path=line) from None
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


# ------------------------------------------------------------------ data files with provenance

PROVENANCE_KEYS = ("source", "assumption")
PROVENANCE_RULE = "every value needs exactly one non-empty 'source:' or 'assumption:'"
_DATA_PACKAGE = "rxtwin.data"


@dataclass(frozen=True)
class SourcedValue:
    """A value of a data file with its provenance line (``source: ...`` or
    ``assumption: ...``)."""

    value: Any
    provenance: str


def _reject(file: str, key_path: str, rule: str, value: object = NO_VALUE) -> UserInputError:
    """A UserInputError in the one-line form of a :class:`~rxtwin.errors.Problem`:
    ``file: key_path: rule (got value)``."""
    return UserInputError(Problem(file=file, path=key_path, value=value, rule=rule).line())


def bundled_data_file(filename: str) -> Path:
    """Path of a data file shipped in the ``rxtwin.data`` package."""
    return Path(str(resources.files(_DATA_PACKAGE).joinpath(filename)))


def read_data_text(path: Path) -> str:
    """The UTF-8 text of a data file.

    Raises
    ------
    rxtwin.errors.UserInputError
        The file cannot be read, or is not UTF-8 (the message names the file, the line and
        the offending byte).
    """
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise _reject(file, "", f"cannot read file: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, rule = _utf8_problem(raw, exc)
        raise _reject(file, line, rule) from None


def parse_data_text(text: str, file: str) -> dict[Any, Any]:
    """Parse the YAML text of a data file (``file`` names it in messages) into a mapping.

    The loader is PyYAML's safe loader that also rejects duplicate keys.

    Raises
    ------
    rxtwin.errors.UserInputError
        Malformed YAML (the message names the file, line and column), or a document that
        is not a mapping at the top level.
    """
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - safe subclass
    except yaml.YAMLError as exc:
        raise _reject(file, "", _yaml_problem(exc)) from None
    except RecursionError:
        raise _reject(file, "", "YAML nesting too deep") from None
    if not isinstance(document, dict):
        kind = type(document).__name__ if document is not None else "nothing"
        raise _reject(file, "", f"a data file is a mapping at the top level, found {kind}")
    return document


def read_data_file(path: Path) -> dict[Any, Any]:
    """Read and parse one YAML data file: :func:`read_data_text`, then
    :func:`parse_data_text`."""
    return parse_data_text(read_data_text(path), str(path))


def provenance_line(leaf: Any, file: str, key_path: str,
                    data_keys: Collection[str] = ("value",)) -> str:
    """Check the provenance of one value of a data file and return it as one line.

    Parameters
    ----------
    leaf : object
        The value's entry: a mapping with every key of ``data_keys`` and exactly one
        non-empty ``source`` (a citation) or ``assumption`` (the reasoning), nothing else.
    file : str
        The file, for messages.
    key_path : str
        Dotted key path of the entry in the file (``""`` for the whole document).
    data_keys : collection of str
        The keys holding the data, all required.

    Returns
    -------
    str
        ``"source: <text>"`` or ``"assumption: <text>"``, runs of white space collapsed.

    Raises
    ------
    rxtwin.errors.UserInputError
        Naming the file, the key path and the rule broken.
    """
    if not isinstance(leaf, dict):
        raise _reject(file, key_path, f"{PROVENANCE_RULE}; found a bare value", value=leaf)
    keys = sorted(str(k) for k in leaf)
    given = [k for k in PROVENANCE_KEYS if k in leaf]
    if len(given) != 1 or not str(leaf[given[0]]).strip():
        raise _reject(file, key_path, f"{PROVENANCE_RULE} (got keys {keys})")
    missing = [k for k in data_keys if k not in leaf]
    if missing:
        raise _reject(file, key_path, f"missing {missing} (got keys {keys})")
    unknown = sorted(set(keys) - {*data_keys, *PROVENANCE_KEYS})
    if unknown:
        raise _reject(file, key_path, f"unknown keys {unknown}; an entry has "
                                      f"{sorted(data_keys)} and 'source' or 'assumption'")
    return f"{given[0]}: {' '.join(str(leaf[given[0]]).split())}"


def sourced_values(section: Any, file: str, key_path: str = "") -> dict[str, SourcedValue]:
    """Every entry of a mapping of values ``{value: ..., source|assumption: ...}``.

    Parameters
    ----------
    section : object
        The mapping (a whole data file, or one section of it).
    file : str
        The file, for messages.
    key_path : str
        Dotted key path of ``section`` in the file (``""`` for the whole document).

    Returns
    -------
    dict of str to SourcedValue
        In the file's order; each provenance checked by :func:`provenance_line`.
    """
    if not isinstance(section, dict):
        raise _reject(file, key_path, "must be a mapping of values with their source or "
                                      "assumption", value=section)
    values = {}
    for key, leaf in section.items():
        where = f"{key_path}.{key}" if key_path else str(key)
        provenance = provenance_line(leaf, file, where)
        values[str(key)] = SourcedValue(leaf["value"], provenance)
    return values
