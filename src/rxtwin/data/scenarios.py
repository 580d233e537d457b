"""Loading, validating and writing scenarios.

A scenario file is YAML or JSON. Two conveniences keep bundled files short and
user studies small:

* ``extends: NAME_OR_PATH`` starts from another scenario (a bundled name or a path
  relative to this file) and deep-merges this file over it: mappings merge, lists and
  values replace. ``sources`` merge key by key. A chain of ``extends`` may hold
  :data:`MAX_EXTENDS_DEPTH` files; a file met twice in one chain is a loop, refused with
  the files of the loop.
* ``firm.profile`` may name a bundled firm profile (``brand``, ``generic``,
  ``contract_manufacturer`` of ``firm_profiles.yaml``): its hurdle rate, payback limit and
  tax rate, with their ``source:``/``assumption:`` lines, fill the ones the scenario does
  not give (:func:`fill_firm_profile`). A file that ``extends`` another and names a
  different profile drops the criteria it inherits (and their sources), so the named
  profile applies unless the file sets them itself.
* any list field may be given as ``{from_csv: FILE.csv}``: one record per row,
  ``;`` separating list cells, dotted column names for nested fields; the text of a cell
  becomes a number where the field wants one.

Every file is read by :func:`rxtwin.data.documents.read_document` within
:data:`rxtwin.data.documents.LIMITS` (regular files only, bounded size, depth, aliases,
integers and text).

The result is validated by :class:`rxtwin.model.Scenario`; every problem is reported
at once as an :class:`~rxtwin.errors.InputError`.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from rxtwin.data.documents import (
    dump_yaml,
    numbers_from_text,
    read_csv_records,
    read_document,
)
from rxtwin.errors import NO_VALUE, InputError, Problem, problems_from_validation_error
from rxtwin.model import Scenario

BUNDLED_PACKAGE = "rxtwin.data"
BUNDLED_FOLDER = "scenarios"
MAX_EXTENDS_DEPTH = 32
FIRM_CRITERIA = ("hurdle_rate", "payback_limit_yr", "tax_rate")
"""Fields of ``firm`` that a named firm profile fills (:func:`fill_firm_profile`)."""
"""Files in one chain of ``extends`` at most, the first file included."""


def bundled_scenario_dir() -> Path:
    """Folder of the scenarios shipped with rxtwin."""
    return Path(str(resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_FOLDER)))


def bundled_scenario_names() -> list[str]:
    """Names of the bundled scenarios (file stems)."""
    return sorted(p.stem for p in bundled_scenario_dir().glob("*.yaml"))


def resolve_scenario_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """A path for a file name, a path relative to ``relative_to``, or a bundled name."""
    candidate = Path(name_or_path)
    if relative_to is not None and not candidate.is_absolute():
        near = relative_to.parent / candidate
        if near.exists():
            return near
    if candidate.exists():
        return candidate
    bundled = bundled_scenario_dir() / f"{name_or_path}.yaml"
    if bundled.exists():
        return bundled
    return candidate


def _list_fields(model: type) -> frozenset[str]:
    names = set()
    for name, field in model.model_fields.items():
        if typing.get_origin(field.annotation) is list:
            names.add(name)
    return frozenset(names)


def _item_model(field_name: str) -> type | None:
    field = Scenario.model_fields.get(field_name)
    if field is None or typing.get_origin(field.annotation) is not list:
        return None
    (item,) = typing.get_args(field.annotation)
    return item if isinstance(item, type) else None


def _expand_csv_tables(document: dict, path: Path) -> dict:
    expanded = dict(document)
    for key, value in document.items():
        if isinstance(value, dict) and set(value) == {"from_csv"}:
            model = _item_model(key)
            if model is None:
                raise InputError([Problem(str(path), key, value,
                                          "only list fields can be read from CSV")])
            csv_path = path.parent / str(value["from_csv"])
            with _named_from(path, f"{key}.from_csv", csv_path):
                records = read_csv_records(csv_path, _list_fields(model))
            expanded[key] = [numbers_from_text(model, record) for record in records]
    return expanded


def deep_merge(base: dict, override: dict) -> dict:
    """Merge ``override`` into ``base``: mappings merge recursively, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@contextlib.contextmanager
def _named_from(path: Path, field: str, target: Path) -> Iterator[None]:
    """Report a problem with the whole of ``target`` (not found, a device, too large) from
    the field of ``path`` that names it; problems inside ``target`` keep their own place."""
    try:
        yield
    except InputError as error:
        problems = [Problem(str(path), field, NO_VALUE, f"{p.file}: {p.rule}")
                    if p.file == str(target) and not p.path else p for p in error.problems]
        raise type(error)(problems) from None


def _chain_text(files: tuple[Path, ...]) -> str:
    return " -> ".join(f.name for f in files)


def read_scenario_document(path: Path, _chain: tuple[Path, ...] = ()) -> dict:
    """Read a scenario file into a plain dict with ``extends`` and CSV tables resolved.

    Raises
    ------
    rxtwin.errors.InputError
        A file that cannot be read or parsed, a bad ``extends`` (not found, a loop naming
        its files, a chain longer than :data:`MAX_EXTENDS_DEPTH` files) or a bad CSV table.
    """
    chain = (*_chain, path.resolve())
    document = _expand_csv_tables(read_document(path), path)
    parent = document.pop("extends", None)
    if parent is None:
        return document
    if not isinstance(parent, str):
        raise InputError([Problem(str(path), "extends", parent,
                                  "must be a bundled scenario name or a file path")])
    parent_path = resolve_scenario_path(parent, relative_to=path)
    if not parent_path.exists():
        raise InputError([Problem(str(path), "extends", parent,
                                  f"no such file or bundled scenario (bundled: "
                                  f"{', '.join(bundled_scenario_names())})")])
    resolved = parent_path.resolve()
    if resolved in chain:
        loop = (*chain[chain.index(resolved):], resolved)
        raise InputError([Problem(str(path), "extends", parent,
                                  f"scenarios extend each other in a loop: "
                                  f"{_chain_text(loop)}")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise InputError([Problem(str(path), "extends", parent,
                                  f"a chain of extends may hold {MAX_EXTENDS_DEPTH} files; "
                                  f"this one is longer: {chain[0].name} -> ... -> "
                                  f"{_chain_text((*chain[-2:], resolved))}")])
    with _named_from(path, "extends", parent_path):
        base = read_scenario_document(parent_path, chain)
    return deep_merge(_without_other_profile(base, document), document)


def _firm_profile_name(document: dict) -> object:
    firm = document.get("firm")
    return firm.get("profile") if isinstance(firm, dict) else None


def _without_other_profile(base: dict, document: dict) -> dict:
    """``base`` without its firm criteria and their sources when ``document`` names another
    firm profile (the criteria belong to the profile, not to the file extended)."""
    profile = _firm_profile_name(document)
    if profile is None or profile == _firm_profile_name(base):
        return base
    out = dict(base)
    out["firm"] = {k: v for k, v in base["firm"].items() if k not in FIRM_CRITERIA}
    if isinstance(base.get("sources"), dict):
        dropped = {f"firm.{k}" for k in FIRM_CRITERIA}
        out["sources"] = {k: v for k, v in base["sources"].items() if k not in dropped}
    return out


def fill_firm_profile(document: dict) -> dict:
    """The document with the firm criteria it lacks taken from its named firm profile.

    Parameters
    ----------
    document : dict
        A scenario document (``extends`` resolved).

    Returns
    -------
    dict
        A copy in which each of :data:`FIRM_CRITERIA` missing from ``firm`` is the value of
        the bundled profile ``firm.profile`` names (``firm_profiles.yaml``), and
        ``sources["firm.<field>"]`` its provenance unless the document gives one. The
        document unchanged when ``firm`` gives them all or names no bundled profile (the
        scenario's validation then names any missing field).
    """
    from rxtwin.data.econ_defaults import load_firm_profiles

    firm = document.get("firm")
    profile = _firm_profile_name(document)
    profiles = load_firm_profiles()
    if (not isinstance(profile, str) or profile not in profiles
            or all(k in firm for k in FIRM_CRITERIA)):
        return document
    sources = document.get("sources")
    sources = dict(sources) if isinstance(sources, dict) else {}
    filled = dict(firm)
    for key in FIRM_CRITERIA:
        if key not in filled:
            entry = profiles[profile][key]
            filled[key] = entry.value
            sources.setdefault(f"firm.{key}", f"{entry.provenance} (firm profile "
                                              f"'{profile}', firm_profiles.yaml)")
    return {**document, "firm": filled, "sources": sources}


def scenario_from_document(document: dict, file: str = "<input>") -> Scenario:
    """Validate a plain dict as a :class:`Scenario` (firm criteria filled from a named
    firm profile, :func:`fill_firm_profile`) or raise :class:`InputError`."""
    try:
        return Scenario.model_validate(fill_firm_profile(document))
    except ValidationError as exc:
        raise InputError(problems_from_validation_error(exc, file)) from None
    except RecursionError:
        raise InputError([Problem(file, "", NO_VALUE, "document nested too deeply")]) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a scenario by bundled name or by path (YAML or JSON).

    Raises
    ------
    rxtwin.errors.InputError
        Listing every problem: file, field path, bad value and the rule broken.
    """
    path = resolve_scenario_path(name_or_path)
    if not path.exists():
        raise InputError([Problem(str(name_or_path), "", NO_VALUE,
                                  "no such file or bundled scenario (bundled: "
                                  f"{', '.join(bundled_scenario_names())})")])
    return scenario_from_document(read_scenario_document(path), str(path))


def validate_scenario_file(name_or_path: str | Path) -> list[Problem]:
    """Every problem with a scenario file (empty when it is valid)."""
    try:
        load_scenario(name_or_path)
    except InputError as exc:
        return exc.problems
    return []


def scenario_to_yaml(scenario: Scenario) -> str:
    """The full scenario as YAML text; ``load`` of it gives an equal scenario (texts that
    the reader would take for numbers, e.g. ``'1e3'``, are quoted)."""
    return dump_yaml(scenario.document())


def scenario_from_yaml(text: str, file: str = "<input>") -> Scenario:
    """Parse and validate YAML text (no ``extends``/CSV resolution)."""
    from rxtwin.data.documents import parse_document

    return scenario_from_document(parse_document(text, file), file)
