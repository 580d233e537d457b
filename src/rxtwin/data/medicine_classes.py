"""Load ``medicine_classes.yaml`` and tell which classes a medicine belongs to.

Three classes feed boolean criticality criteria of the priority score
(:mod:`rxtwin.priority.scoring`): ``antibacterial``, ``narrow_therapeutic_index`` and
``medical_countermeasure``. Each is a list of ATC code prefixes and a list of generic names,
each list with its ``source:`` or ``assumption:``. The file also holds INN -> U.S. name
synonyms used to match WHO names against FDA names (:func:`medicine_name_key`).

Layout of the file::

    <class>:
      atc_prefixes: {value: [J01, ...], source|assumption: ...}
      names:        {value: [warfarin, ...], source|assumption: ...}
    name_synonyms:  {value: {aciclovir: acyclovir, ...}, source|assumption: ...}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rxtwin.data.documents import (
    bundled_data_file,
    parse_data_text,
    provenance_line,
    read_data_text,
    require_keys,
)
from rxtwin.data.public_tables import generic_name_key
from rxtwin.errors import UserInputError, problems_from_validation_error
from rxtwin.model.priority import MedicineClasses

__all__ = [
    "CLASS_NAMES",
    "bundled_medicine_classes_path",
    "load_medicine_classes",
    "medicine_flags",
    "medicine_name_key",
    "words_contained",
    "parse_medicine_classes",
]

#: The classes of the file, each a boolean criticality criterion of the same name.
CLASS_NAMES = ("antibacterial", "narrow_therapeutic_index", "medical_countermeasure")
_CLASS_KEYS = ("atc_prefixes", "names")
_SYNONYMS = "name_synonyms"
_ATC_PREFIX = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")


def bundled_medicine_classes_path() -> Path:
    """Path of the bundled ``medicine_classes.yaml``."""
    return bundled_data_file("medicine_classes.yaml")


def load_medicine_classes(path: Path | str | None = None) -> MedicineClasses:
    """Read the medicine classes (the bundled file unless ``path`` is given).

    Raises
    ------
    rxtwin.errors.UserInputError
        The file cannot be read or parsed, a key is missing or unknown, a list lacks exactly
        one ``source:``/``assumption:``, an ATC prefix is not an ATC code or code prefix, or
        a name is empty; the message names the file, the dotted key path and the rule.
    """
    if path is None:
        return _bundled()
    return parse_medicine_classes(read_data_text(Path(path)), str(path))


@lru_cache(maxsize=1)
def _bundled() -> MedicineClasses:
    path = bundled_medicine_classes_path()
    return parse_medicine_classes(read_data_text(path), str(path))


def _reject(file: str, key_path: str, rule: str) -> UserInputError:
    return UserInputError(f"{file}: {key_path}: {rule}")


def _text_list(value: Any, file: str, key_path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _reject(file, key_path, f"value must be a list of non-empty texts (got {value!r})")
    return [v.strip() for v in value]


def parse_medicine_classes(text: str, where: str = "<text>") -> MedicineClasses:
    """The medicine classes from the text of a file in the ``medicine_classes.yaml`` layout
    (as :func:`load_medicine_classes`; ``where`` names the file in messages)."""
    raw = parse_data_text(text, where)
    require_keys(raw, (*CLASS_NAMES, _SYNONYMS), where, "")
    document: dict[str, Any] = {}
    synonyms = raw[_SYNONYMS]
    provenance = provenance_line(synonyms, where, _SYNONYMS)
    pairs = synonyms["value"]
    if not isinstance(pairs, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
            for k, v in pairs.items()):
        raise _reject(where, f"{_SYNONYMS}.value",
                      "must map each INN (text) to its U.S. name (text)")
    synonyms_by_inn = {generic_name_key(k): generic_name_key(v) for k, v in pairs.items()}
    document["name_synonyms"] = synonyms_by_inn
    document["name_synonyms_provenance"] = provenance
    for name in CLASS_NAMES:
        require_keys(raw[name], _CLASS_KEYS, where, name)
        entry: dict[str, Any] = {}
        for key in _CLASS_KEYS:
            path = f"{name}.{key}"
            entry[key.split("_")[0] + "_provenance"] = provenance_line(raw[name][key], where,
                                                                       path)
            values = _text_list(raw[name][key]["value"], where, f"{path}.value")
            if key == "atc_prefixes":
                bad = [v for v in values if not _ATC_PREFIX.match(v.upper())]
                if bad:
                    raise _reject(where, f"{path}.value", f"{bad} are not ATC codes or code "
                                  "prefixes (letter, then optionally 2 digits, letter, letter, "
                                  "2 digits, e.g. 'J01' or 'V03AB31')")
                entry[key] = tuple(v.upper() for v in values)
            else:
                entry[key] = tuple(_with_synonyms(generic_name_key(v), synonyms_by_inn)
                                   for v in values)
        document[name] = {"atc_prefixes": entry["atc_prefixes"], "names": entry["names"],
                          "atc_provenance": entry["atc_provenance"],
                          "names_provenance": entry["names_provenance"]}
    try:
        return MedicineClasses.model_validate(document)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, where)
        raise UserInputError("; ".join(p.line() for p in problems)) from None


def _replace_words(key: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![a-z0-9]){re.escape(old)}(?![a-z0-9])", new, key)


def medicine_name_key(name: str, classes: MedicineClasses | None = None) -> str:
    """A medicine name normalised for matching: :func:`generic_name_key`, then each INN of
    ``name_synonyms`` replaced (whole words) by its U.S. name.

    Examples
    --------
    >>> medicine_name_key("amoxicillin + clavulanic acid")
    'amoxicillin clavulanate'
    >>> medicine_name_key("epinephrine (adrenaline)")
    'epinephrine'
    """
    classes = load_medicine_classes() if classes is None else classes
    return _with_synonyms(generic_name_key(name), classes.name_synonyms)


def _with_synonyms(key: str, synonyms: dict[str, str]) -> str:
    # longest INN first, so "sodium calcium edetate" wins over a shorter pair inside it
    for inn in sorted(synonyms, key=len, reverse=True):
        key = _replace_words(key, inn, synonyms[inn])
    return " ".join(key.split())


def words_contained(needle_key: str, haystack_key: str) -> bool:
    """True when every word of ``needle_key`` is a word of ``haystack_key`` (both keys are
    normalised names; an empty needle is never contained)."""
    needle = set(needle_key.split())
    return bool(needle) and needle <= set(haystack_key.split())


def medicine_flags(name: str, atc_codes: Sequence[str],
                   classes: MedicineClasses | None = None) -> dict[str, bool]:
    """Which of the three medicine classes a medicine belongs to.

    Parameters
    ----------
    name : str
        Generic name (any case; INN or U.S. name), e.g. ``"warfarin"`` or
        ``"Amoxicillin Tablet"``.
    atc_codes : sequence of str
        The medicine's ATC codes (any case), possibly empty.
    classes : MedicineClasses, optional
        The classes; the bundled ``medicine_classes.yaml`` when omitted.

    Returns
    -------
    dict of str to bool
        ``{"antibacterial": ..., "narrow_therapeutic_index": ...,
        "medical_countermeasure": ...}``: True when an ATC code starts with one of the
        class's prefixes, or every word of one of its names is a word of
        :func:`medicine_name_key` of ``name``.

    Examples
    --------
    >>> medicine_flags("amoxicillin", ["J01CA04"])
    {'antibacterial': True, 'narrow_therapeutic_index': False, 'medical_countermeasure': False}
    >>> medicine_flags("Warfarin Sodium Tablet", [])["narrow_therapeutic_index"]
    True
    """
    if isinstance(atc_codes, str):
        raise UserInputError(f"atc_codes={atc_codes!r} must be a sequence of ATC codes, "
                             "not one text")
    classes = load_medicine_classes() if classes is None else classes
    codes = [str(code).strip().upper() for code in atc_codes]
    key = medicine_name_key(name, classes)
    flags = {}
    for class_name in CLASS_NAMES:
        medicine_class = getattr(classes, class_name)
        by_code = any(code.startswith(prefix) for code in codes
                      for prefix in medicine_class.atc_prefixes)
        by_name = any(words_contained(class_key, key) for class_key in medicine_class.names)
        flags[class_name] = by_code or by_name
    return flags
