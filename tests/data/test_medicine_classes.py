"""medicine_classes.yaml: the bundled classes load with their provenance, medicine_flags
answers by ATC prefix and by name, and a bad file is rejected naming file, key and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from rxtwin.data.medicine_classes import (
    CLASS_NAMES,
    bundled_medicine_classes_path,
    load_medicine_classes,
    medicine_flags,
    medicine_name_key,
)
from rxtwin.data.public_tables import who_eml_medicines
from rxtwin.errors import UserInputError

BUNDLED = bundled_medicine_classes_path().read_text(encoding="utf-8")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = BUNDLED.replace(old, new, 1)
    assert text != BUNDLED, f"{old!r} is not in the bundled file"
    path = tmp_path / "classes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_classes_load_with_provenance():
    classes = load_medicine_classes()
    for name in CLASS_NAMES:
        entry = getattr(classes, name)
        assert entry.atc_provenance.startswith(("source: ", "assumption: "))
        assert entry.names_provenance.startswith(("source: ", "assumption: "))
    assert "J01" in classes.antibacterial.atc_prefixes
    assert classes.name_synonyms["aciclovir"] == "acyclovir"


@pytest.mark.parametrize(("name", "codes", "expected"), [
    ("amoxicillin", ["J01CA04"], {"antibacterial": True}),
    ("isoniazid", ["J04AC01"], {"antibacterial": True}),
    ("metformin", ["A10BA02"], {}),
    ("Warfarin Sodium Tablet", [], {"narrow_therapeutic_index": True}),
    ("ciclosporin", ["L04AD01"], {"narrow_therapeutic_index": True}),  # INN -> cyclosporine
    ("Cyclosporine Injection", [], {"narrow_therapeutic_index": True}),
    ("sodium nitrite", ["V03AB08"], {"medical_countermeasure": True}),
    ("naloxone", ["V03AB15"], {}),  # an everyday antidote, not a countermeasure
    ("Atropine Sulfate Injection", [], {"medical_countermeasure": True}),
    ("ciprofloxacin", ["j01ma02 "], {"antibacterial": True, "medical_countermeasure": True}),
])
def test_medicine_flags_by_code_and_by_name(name, codes, expected):
    flags = medicine_flags(name, codes)
    assert flags == {c: expected.get(c, False) for c in CLASS_NAMES}


def test_the_eml_has_members_of_each_class():
    eml = who_eml_medicines()
    added = eml[eml["status"] == "added"].groupby("medicine_name")["atc_codes"].sum()
    counts = {c: 0 for c in CLASS_NAMES}
    for name, codes in added.items():
        for c, flag in medicine_flags(name, codes).items():
            counts[c] += flag
    # a class that matched nothing would be a broken list (typos, wrong key), not a finding
    assert counts["antibacterial"] > 40
    assert counts["narrow_therapeutic_index"] >= 5
    assert counts["medical_countermeasure"] >= 5


def test_synonyms_apply_to_whole_words_only():
    assert medicine_name_key("amoxicillin + clavulanic acid") == "amoxicillin clavulanate"
    assert medicine_name_key("glucose") == "dextrose"
    assert medicine_name_key("glucosamine") == "glucosamine"


def test_a_users_file_changes_the_flags(tmp_path):
    path = _variant(tmp_path, "value: [warfarin,", "value: [metformin, warfarin,")
    classes = load_medicine_classes(path)
    assert medicine_flags("metformin", [], classes)["narrow_therapeutic_index"]
    assert not medicine_flags("metformin", [])["narrow_therapeutic_index"]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("value: [J01, J04A", "value: [J1X, J04A", "antibacterial.atc_prefixes.value: ['J1X'] are "
                                               "not ATC codes"),
    ("  names:\n    value: [amoxicillin", "  nams:\n    value: [amoxicillin",
     "antibacterial: missing keys ['names'], unknown keys ['nams']"),
    ("    source: >-\n      WHO Collaborating", "    note: >-\n      WHO Collaborating",
     "antibacterial.atc_prefixes: every value needs exactly one"),
    ("value: [warfarin,", "value: [3, warfarin,", "narrow_therapeutic_index.names.value: value "
                                                  "must be a list of non-empty texts"),
])
def test_bad_files_are_rejected_naming_file_key_and_rule(tmp_path, old, new, message):
    path = _variant(tmp_path, old, new)
    with pytest.raises(UserInputError) as caught:
        load_medicine_classes(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_one_text_is_not_a_list_of_codes():
    with pytest.raises(UserInputError, match="sequence of ATC codes"):
        medicine_flags("amoxicillin", "J01CA04")
