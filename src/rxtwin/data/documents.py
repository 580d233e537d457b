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
import os
import re
import stat
import types
import typing
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from rxtwin.errors import NO_VALUE, InputError, LimitExceededError, Problem, UserInputError

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # a scenario is text; 20 MB is far beyond any real one
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class DocumentLimits:
    """The most rxtwin reads of one document, whoever brings it (a file named on the command
    line, an ``extends:`` or ``from_csv:`` target, a data file, a web upload or an API body).

    Each limit is far beyond any real scenario or data file (the bundled scenarios hold at
    most about 2,000 values, nested 7 levels deep) and far below what would exhaust the
    machine. Breaking one raises :class:`~rxtwin.errors.LimitExceededError` naming the file,
    the place, a preview of the value and the limit.

    Attributes
    ----------
    max_bytes : int
        Size of the file or upload [bytes]. Only regular files are read (never a device,
        pipe or socket), and never more than this plus one byte.
    max_depth : int
        Nesting of mappings and lists, a value inside the deepest one counted as a level,
        YAML aliases expanded [levels].
    max_nodes : int
        Values in the document (mappings, lists, keys and scalars) after expanding every
        YAML alias (``*name``) [values]. Counted while the YAML is composed, so an alias
        bomb stops at the bound instead of being built.
    max_int_digits : int
        Digits of one integer [digits]; seeds need 39, money fields are bounded far below.
    max_string_chars : int
        Characters of one text value or key [characters].
    """

    max_bytes: int = MAX_DOCUMENT_BYTES
    max_depth: int = 64
    max_nodes: int = 100_000
    max_int_digits: int = 100
    max_string_chars: int = 100_000


LIMITS = DocumentLimits()


# ------------------------------------------------------------------------- the YAML loader
class _Refusal(Exception):
    """A limit or rule broken while loading; becomes a Problem once the file is known."""

    def __init__(self, where: str, rule: str, value: object = NO_VALUE, limit: bool = True):
        super().__init__(rule)
        self.where, self.rule, self.value, self.limit = where, rule, value, limit


_KEY = object()  # path step of a mapping key being read (not yet a value's place)
_MAX_PATH_STEPS = 8
_MAX_STEP_CHARS = 40
_PREVIEW_CHARS = 40


def _step_text(step: object) -> str:
    text = "(a key)" if step is _KEY else str(step)
    return text if len(text) <= _MAX_STEP_CHARS else text[: _MAX_STEP_CHARS - 3] + "..."


def path_text(steps: Sequence[object]) -> str:
    """A dotted path (``products.3.demand_units_per_yr``) of bounded length: long keys and
    long paths are cut (``a.b.c.d...x.y.z``)."""
    texts = [_step_text(s) for s in steps]
    if len(texts) > _MAX_PATH_STEPS:
        return ".".join(texts[:4]) + "..." + ".".join(texts[-3:])
    return ".".join(texts)


def _where(steps: Sequence[object], line: int | None) -> str:
    path = path_text(steps)
    at = f"line {line}" if line is not None else ""
    return f"{path} ({at})" if path and at else path or at


def _preview(text: str) -> str:
    """The start of a long text, for a message (never the whole of it)."""
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS] + "..."


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


class _Resolver(yaml.resolver.Resolver):
    """PyYAML's YAML 1.1 resolver, plus YAML 1.2 floats with an exponent and no dot or no
    sign (``1e6``, ``2.5e-3``, ``4E+2``), which YAML 1.1 reads as text."""


_YAML12_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_Resolver.add_implicit_resolver(_FLOAT_TAG, _YAML12_FLOAT, list("-+0123456789."))


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper that knows the reader's extra floats, so it quotes a text such
    as ``'0e0'`` that the reader would otherwise read back as a number."""


_Dumper.add_implicit_resolver(_FLOAT_TAG, _YAML12_FLOAT, list("-+0123456789."))


def dump_yaml(data: Any) -> str:
    """YAML text of plain data that :func:`load_text` reads back equal (keys in their
    order, Unicode kept)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


class _LimitedComposer:
    """Composer hooks of the hardened YAML loader: checks every limit of a
    :class:`DocumentLimits` while the document is composed, before anything is built.

    Aliases are counted at their expanded size and height (remembered per anchored node),
    so a billion-laughs document is refused when its count passes ``max_nodes`` although
    its text is small; an alias inside its own anchor (a recursive structure) is refused.
    Keys spelled the same twice in one mapping are refused with their path.
    """

    def _start(self, limits: DocumentLimits) -> None:
        self._limits = limits
        self._nodes = 0
        self._depth = 0
        self._deepest = 0
        self._steps: list[object] = []
        self._shapes: dict[int, tuple[int, int]] = {}

    def _line(self, event) -> int | None:
        mark = getattr(event, "start_mark", None)
        return mark.line + 1 if mark is not None else None

    def _refuse(self, event, rule: str, value: object = NO_VALUE, limit: bool = True):
        return _Refusal(_where(self._steps, self._line(event)), rule, value, limit)

    def compose_node(self, parent, index):
        if parent is None:
            step = None
        elif isinstance(parent, yaml.SequenceNode):
            step = index
        elif index is None:
            step = _KEY
        else:
            step = index.value if isinstance(index, yaml.ScalarNode) else "(a complex key)"
        if step is not None:
            self._steps.append(step)
        try:
            if self.check_event(yaml.AliasEvent):
                return self._compose_alias(parent, index)
            return self._compose_value(parent, index)
        finally:
            if step is not None:
                self._steps.pop()

    def _count(self, n: int, event, value: object = NO_VALUE, rule: str = "") -> None:
        self._nodes += n
        if self._nodes > self._limits.max_nodes:
            raise self._refuse(event, (rule or "the document holds") + f" more than "
                               f"{self._limits.max_nodes:,} values, the limit (aliases "
                               f"expanded)", value)

    def _reach(self, depth: int, event) -> None:
        self._deepest = max(self._deepest, depth)
        if depth > self._limits.max_depth:
            raise self._refuse(event, f"nested deeper than {self._limits.max_depth} levels, "
                                      f"the limit (aliases expanded)")

    def _compose_alias(self, parent, index):
        event = self.peek_event()
        node = self.anchors.get(event.anchor)
        if node is not None:
            shape = self._shapes.get(id(node))
            if shape is None:
                raise self._refuse(event, f"alias *{event.anchor} is used inside its own "
                                          f"anchor &{event.anchor} (a recursive structure)",
                                   limit=False)
            size, height = shape
            self._count(size, event, f"*{event.anchor}",
                        f"alias *{event.anchor} stands for {size:,} "
                        f"value{'s' if size > 1 else ''}; with it the document holds")
            self._reach(self._depth + height, event)
        return super().compose_node(parent, index)

    def _compose_value(self, parent, index):
        event = self.peek_event()
        limits = self._limits
        self._depth += 1
        outer_deepest, self._deepest = self._deepest, self._depth
        try:
            self._reach(self._depth, event)
            if isinstance(event, yaml.ScalarEvent) and len(event.value) > limits.max_string_chars:
                raise self._refuse(event, f"text of {len(event.value):,} characters; the limit "
                                          f"is {limits.max_string_chars:,}",
                                   _preview(event.value))
            before = self._nodes
            self._count(1, event)
            node = super().compose_node(parent, index)
            if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG:
                digits = len(node.value.replace("_", "").lstrip("+-"))
                if digits > limits.max_int_digits:
                    raise self._refuse(event, f"integer of {digits:,} digits; the limit is "
                                              f"{limits.max_int_digits}", _preview(node.value))
            elif isinstance(node, yaml.MappingNode):
                self._check_keys(node)
            if event.anchor is not None:
                self._shapes[id(node)] = (self._nodes - before, self._deepest - self._depth + 1)
            return node
        finally:
            self._deepest = max(outer_deepest, self._deepest)
            self._depth -= 1

    def _check_keys(self, node) -> None:
        first_line: dict[tuple[str, str], int] = {}
        for key, _value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            line = key.start_mark.line + 1
            spelled = (key.tag, key.value)
            if spelled in first_line:
                raise _Refusal(_where([*self._steps, key.value], line),
                               f"duplicate key (first given at line {first_line[spelled]}); "
                               "a key may appear once in a mapping", limit=False)
            first_line[spelled] = line


def _construct_mapping(loader, node: yaml.MappingNode, deep: bool = False):
    """A mapping, refusing keys that are equal once built (``1`` and ``0x1``); keys spelled
    the same are refused with their path while composing."""
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in mapping
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a text or a number, not a list or mapping",
                key_node.start_mark) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


class _Constructor(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructor (no Python objects), refusing duplicate keys."""


_Constructor.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _PureLoader(_LimitedComposer, yaml.reader.Reader, yaml.scanner.Scanner,
                  yaml.parser.Parser, yaml.composer.Composer, _Constructor, _Resolver):
    """The hardened loader on PyYAML's pure-Python parser."""

    def __init__(self, stream: str, limits: DocumentLimits):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)
        self._start(limits)


try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml: the pure-Python parser is used
    _CParser = None

if _CParser is not None:

    class _FastLoader(_LimitedComposer, yaml.composer.Composer, _CParser, _Constructor,
                      _Resolver):
        """The hardened loader on libyaml's parser (events from C, about five times faster;
        composing, with its limits, and constructing stay in Python)."""

        def __init__(self, stream: str, limits: DocumentLimits):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            _Constructor.__init__(self)
            _Resolver.__init__(self)
            self._start(limits)

    _Loader: type = _FastLoader
else:  # pragma: no cover - depends on how PyYAML was built
    _Loader = _PureLoader


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The rule of a YAML parse error, with its line and column where PyYAML gives them."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"malformed YAML{where}: {what}"


def _load_yaml(text: str, limits: DocumentLimits, loader: type | None = None) -> Any:
    """Parse YAML text within ``limits`` (raises :class:`_Refusal`)."""
    parser = (loader or _Loader)(text, limits)
    try:
        node = parser.get_single_node()
        return None if node is None else parser.construct_document(node)
    except yaml.YAMLError as exc:
        raise _Refusal("", _yaml_problem(exc), limit=False) from None
    except RecursionError:  # a backstop: the depth limit keeps far below Python's
        raise _Refusal("", f"nested deeper than {limits.max_depth} levels, the "
                           "limit") from None
    finally:
        parser.dispose()


# ------------------------------------------------------------------------- the JSON loader
class _Oversized:
    """Stands in for a JSON value the parser must not build; refused with its path."""

    def __init__(self, rule: str, value: object, limit: bool):
        self.rule, self.value, self.limit = rule, value, limit


class _RepeatedKeys(dict):
    """A JSON object that gave a key twice (the first repeated key is kept)."""

    repeated: str = ""


def _load_json(text: str, limits: DocumentLimits) -> Any:
    """Parse JSON text within ``limits`` (raises :class:`_Refusal`): duplicate keys, huge
    integers and NaN/Infinity are marked while parsing, then one iterative walk checks
    depth, size and text lengths and names the path of the first problem."""

    def pairs(items: list[tuple[str, Any]]) -> dict:
        mapping: dict[str, Any] = {}
        repeated = None
        for key, value in items:
            if key in mapping and repeated is None:
                repeated = key
            mapping[key] = value
        if repeated is None:
            return mapping
        marked = _RepeatedKeys(mapping)
        marked.repeated = repeated
        return marked

    def integer(text: str) -> int | _Oversized:
        digits = len(text.lstrip("-"))
        if digits > limits.max_int_digits:
            return _Oversized(f"integer of {digits:,} digits; the limit is "
                              f"{limits.max_int_digits}", _preview(text), limit=True)
        return int(text)

    def constant(name: str) -> _Oversized:
        return _Oversized("not a JSON number (JSON has no NaN or Infinity)", name, limit=False)

    try:
        document = json.loads(text, object_pairs_hook=pairs, parse_int=integer,
                              parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise _Refusal("", f"malformed JSON at line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg}", limit=False) from None
    except RecursionError:
        raise _Refusal("", f"nested deeper than {limits.max_depth} levels, the "
                           "limit") from None
    _check_tree(document, limits)
    return document


def _check_tree(document: Any, limits: DocumentLimits) -> None:
    """Walk a parsed JSON value (without recursion) and refuse the first value past a
    limit, or a marked one, naming its path."""
    nodes = 0
    stack: list[tuple[Any, tuple[object, ...]]] = [(document, ())]
    while stack:
        value, steps = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise _Refusal(path_text(steps), f"the document holds more than "
                                             f"{limits.max_nodes:,} values, the limit")
        if len(steps) + 1 > limits.max_depth:
            raise _Refusal(path_text(steps), f"nested deeper than {limits.max_depth} "
                                             "levels, the limit")
        if isinstance(value, _Oversized):
            raise _Refusal(path_text(steps), value.rule, value.value, value.limit)
        if isinstance(value, str) and len(value) > limits.max_string_chars:
            raise _Refusal(path_text(steps), f"text of {len(value):,} characters; the limit "
                                             f"is {limits.max_string_chars:,}", _preview(value))
        if isinstance(value, dict):
            if isinstance(value, _RepeatedKeys):
                raise _Refusal(path_text((*steps, value.repeated)),
                               "duplicate key; a key may appear once in an object",
                               limit=False)
            for key in value:
                if len(key) > limits.max_string_chars:
                    raise _Refusal(path_text(steps), f"key of {len(key):,} characters; the "
                                   f"limit is {limits.max_string_chars:,}", _preview(key))
            stack.extend((item, (*steps, key)) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, (*steps, i)) for i, item in reversed(list(enumerate(value))))


# ------------------------------------------------------------------------- files and text
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


def _limit(file: str, rule: str, path: str = "", value: object = NO_VALUE) -> InputError:
    return LimitExceededError([Problem(file=file, path=path, value=value, rule=rule)])


def _refused(file: str, refusal: _Refusal) -> InputError:
    make = _limit if refusal.limit else _problem
    return make(file, refusal.rule, refusal.where, refusal.value)


def _utf8_problem(raw: bytes, exc: UnicodeDecodeError) -> tuple[str, str]:
    """The line (``"line N"``) and the rule of a failed UTF-8 decoding of ``raw``."""
    line = raw[: exc.start].count(b"\n") + 1
    return (f"line {line}", f"not UTF-8 text (byte {raw[exc.start]:#04x} at position "
                            f"{exc.start}); save the file as UTF-8")


_FILE_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISFIFO, "a pipe"), (stat.S_ISSOCK, "a socket"))


def _not_regular(file: str, mode: int) -> InputError:
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    return _problem(file, f"is {kind}, not a regular file; rxtwin reads documents from "
                          "regular files only")


def read_bytes(path: Path | str, limits: DocumentLimits = LIMITS) -> bytes:
    """The bytes of a regular file of at most ``limits.max_bytes``.

    The file is checked with ``os.stat`` before it is opened (a device such as
    ``/dev/zero``, a pipe or a socket is refused, a folder too), opened without blocking,
    checked again, and read for at most ``max_bytes + 1`` bytes.

    Raises
    ------
    rxtwin.errors.InputError
        Naming the file: not found, a folder, not a regular file, cannot be read, or
        (:class:`~rxtwin.errors.LimitExceededError`) larger than the limit.
    """
    file = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _problem(file, "file not found") from None
    except OSError as exc:
        raise _problem(file, f"cannot read file: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise _problem(file, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(file, info.st_mode)
    if info.st_size > limits.max_bytes:
        raise _limit(file, f"file is {info.st_size:,} bytes; the limit is "
                           f"{limits.max_bytes:,}")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise _problem(file, f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):  # replaced between the two looks
            raise _not_regular(file, mode)
        try:
            raw = handle.read(limits.max_bytes + 1)
        except OSError as exc:
            raise _problem(file, f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > limits.max_bytes:
        raise _limit(file, f"file is larger than the limit of {limits.max_bytes:,} bytes")
    return raw


def text_from_bytes(raw: bytes, file: str, limits: DocumentLimits = LIMITS) -> str:
    """UTF-8 text of a document's bytes (a byte-order mark is dropped).

    Raises
    ------
    rxtwin.errors.InputError
        Larger than ``limits.max_bytes`` (:class:`~rxtwin.errors.LimitExceededError`),
        NUL bytes, not UTF-8 (naming the line and byte) or empty.
    """
    if len(raw) > limits.max_bytes:
        raise _limit(file, f"document is {len(raw):,} bytes; the limit is "
                           f"{limits.max_bytes:,}")
    if b"\x00" in raw:
        raise _problem(file, "not a text file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, rule = _utf8_problem(raw, exc)
        raise _problem(file, rule, path=line) from None
    if not text.strip():
        raise _problem(file, "file is empty")
    return text


def read_text(path: Path, limits: DocumentLimits = LIMITS) -> str:
    """Read a text file within ``limits``: :func:`read_bytes`, then
    :func:`text_from_bytes`; every OS and encoding failure is an InputError."""
    return text_from_bytes(read_bytes(path, limits), str(path), limits)


def load_text(text: str, file: str, syntax: str | None = None,
              limits: DocumentLimits = LIMITS) -> Any:
    """Parse YAML or JSON text within ``limits``: the one parser of every document.

    Parameters
    ----------
    text : str
        The text.
    file : str
        The file (or upload) it came from, for messages.
    syntax : {"yaml", "json"}, optional
        Default: JSON for a name ending in ``.json``, else YAML (JSON files get JSON's
        error messages).
    limits : DocumentLimits
        What is read at most.

    Returns
    -------
    object
        The parsed value (mappings, lists, text, numbers, booleans, null; YAML dates too).

    Raises
    ------
    rxtwin.errors.InputError
        Malformed text, a duplicate key or (:class:`~rxtwin.errors.LimitExceededError`)
        a limit passed, naming the file, the path and line, a preview of the value and the
        rule.
    """
    as_json = file.lower().endswith(".json") if syntax is None else syntax == "json"
    try:
        return _load_json(text, limits) if as_json else _load_yaml(text, limits)
    except _Refusal as refusal:
        raise _refused(file, refusal) from None


def parse_document(text: str, file: str, syntax: str | None = None,
                   limits: DocumentLimits = LIMITS) -> dict:
    """Parse YAML or JSON text (:func:`load_text`) that must hold a mapping of fields."""
    document = load_text(text, file, syntax, limits)
    if not isinstance(document, dict):
        kind = type(document).__name__ if document is not None else "nothing"
        raise _problem(file, f"a scenario must be a mapping of fields at the top level, "
                             f"found {kind}")
    bad_keys = [k for k in document if not isinstance(k, str)]
    if bad_keys:
        raise _problem(file, "field names must be text", value=bad_keys[0])
    return document


def document_from_bytes(raw: bytes, file: str, syntax: str | None = None,
                        limits: DocumentLimits = LIMITS) -> dict:
    """An uploaded document (bytes) as a mapping: :func:`text_from_bytes`, then
    :func:`parse_document`."""
    return parse_document(text_from_bytes(raw, file, limits), file, syntax, limits)


def read_document(path: Path, limits: DocumentLimits = LIMITS) -> dict:
    """Read and parse one YAML or JSON document."""
    return parse_document(read_text(path, limits), str(path), limits=limits)


def read_csv_rows(path: Path) -> list[list[str]]:
    """Every row of a CSV file as a list of cells (UTF-8, a byte-order mark is dropped).

    A file that is missing or cannot be read (:func:`read_bytes`: regular files within the
    byte limit only), is not UTF-8 text or cannot be split into CSV rows raises an
    :class:`~rxtwin.errors.InputError` naming the file and the line.
    """
    file = str(path)
    raw = read_bytes(path)
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


# ------------------------------------------------------------------ text cells to numbers
_INTEGER_TEXT = re.compile(r"[-+]?[0-9]+")


def _members(annotation: Any) -> list[Any]:
    """The types a field annotation allows: ``Annotated`` unwrapped, unions flattened."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _typed(annotation: Any, value: Any) -> Any:
    members = _members(annotation)
    if isinstance(value, str):
        text = value.strip()
        if str in members:
            return value
        if int in members and _INTEGER_TEXT.fullmatch(text) and len(text) <= 1 + \
                LIMITS.max_int_digits:
            return int(text)
        if float in members:
            try:
                return float(text)
            except ValueError:
                return value  # validation names the field and the text
        return value
    if isinstance(value, list):
        for member in members:
            if typing.get_origin(member) in (list, tuple, set, frozenset) and \
                    typing.get_args(member):
                item = typing.get_args(member)[0]
                return [_typed(item, v) for v in value]
        return value
    if isinstance(value, dict):
        for member in members:
            if isinstance(member, type) and issubclass(member, BaseModel) and \
                    set(value) <= set(member.model_fields):
                return numbers_from_text(member, value)
            if typing.get_origin(member) is dict and len(typing.get_args(member)) == 2:
                item = typing.get_args(member)[1]
                return {k: _typed(item, v) for k, v in value.items()}
    return value


def numbers_from_text(model: type[BaseModel], record: dict[str, Any]) -> dict[str, Any]:
    """``record`` (text read from a CSV table or a web form) with each value that ``model``
    wants as a number turned into one.

    The domain types take numbers strictly (:mod:`rxtwin.model.base`): a number field
    refuses text. A CSV cell or a form field is always text, so its text becomes an ``int``
    (a whole-number field) or a ``float`` (a decimal field) here, following the fields of
    ``model`` into nested models (dotted CSV columns), lists and mappings. Text that is not
    a number is left as it is, for validation to refuse with the field's name.

    Parameters
    ----------
    model : type of pydantic.BaseModel
        The type the record will be validated as.
    record : dict
        Field name to value (text, lists of text, nested records).

    Returns
    -------
    dict
        A new record; ``record`` is not changed.

    Examples
    --------
    >>> from rxtwin.model import Product
    >>> numbers_from_text(Product, {"id": "007", "demand_units_per_yr": "5e6"})
    {'id': '007', 'demand_units_per_yr': 5000000.0}
    """
    fields = model.model_fields
    return {key: _typed(fields[key].annotation, value) if key in fields else value
            for key, value in record.items()}


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
        The file cannot be read (:func:`read_bytes`: a regular file within the byte limit),
        or is not UTF-8 (the message names the file, the line and the offending byte).
    """
    file = str(path)
    try:
        raw = read_bytes(path)
    except InputError as exc:
        raise UserInputError(exc.problems[0].line()) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, rule = _utf8_problem(raw, exc)
        raise _reject(file, line, rule) from None


def parse_data_text(text: str, file: str) -> dict[Any, Any]:
    """Parse the YAML text of a data file (``file`` names it in messages) into a mapping.

    The loader is the one of scenario documents (:func:`load_text`): PyYAML's safe loader
    within :data:`LIMITS`, duplicate keys refused.

    Raises
    ------
    rxtwin.errors.UserInputError
        Malformed YAML (the message names the file, line and column), a duplicate key or a
        limit passed (naming the path), or a document that is not a mapping at the top
        level.
    """
    try:
        document = load_text(text, file, "yaml")
    except InputError as exc:
        raise UserInputError(exc.problems[0].line()) from None
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


def parse_sourced_model(model: type[BaseModel], text: str, file: str) -> Any:
    """A data file whose top-level entries are each ``{value, source|assumption}``,
    validated into ``model``.

    Parameters
    ----------
    model : type of pydantic.BaseModel
        Its fields are the file's keys plus ``provenance`` (dict of key to provenance line).
    text : str
        The file's text.
    file : str
        The file, for messages.

    Raises
    ------
    rxtwin.errors.UserInputError
        A missing or unknown key, an entry without its provenance, or a value that breaks
        the model's rules; naming the file, the key and the rule.
    """
    from pydantic import ValidationError

    from rxtwin.errors import problems_from_validation_error

    values = sourced_values(parse_data_text(text, file), file)
    expected = set(model.model_fields) - {"provenance"}
    if set(values) != expected:
        raise UserInputError(f"{file}: the keys are {sorted(expected)} (got {sorted(values)})")
    try:
        return model.model_validate(
            {**{k: v.value for k, v in values.items()},
             "provenance": {k: v.provenance for k, v in values.items()}})
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, file)
        raise UserInputError("; ".join(p.line() for p in problems)) from None


def require_keys(section: Any, expected: Sequence[str], file: str, key_path: str) -> None:
    """Refuse a section of a data file that is not a mapping with exactly the ``expected``
    keys, naming the file, the dotted key path, the missing and the unknown keys."""
    where = f"{file}: {key_path}: " if key_path else f"{file}: "
    if not isinstance(section, dict):
        raise UserInputError(f"{where}must be a mapping with the keys {list(expected)} "
                             f"(got {type(section).__name__})")
    missing = [k for k in expected if k not in section]
    unknown = sorted(str(k) for k in section if k not in expected)
    if missing or unknown:
        raise UserInputError(f"{where}missing keys {missing}, unknown keys {unknown}; the "
                             f"keys are {list(expected)}")
