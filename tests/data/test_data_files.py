"""Data files with provenance: the one reader and checker every defaults loader shares.

Each failure must name the file, where in it (line, or dotted key path) and the rule, and be
a UserInputError (one line at the CLI). The loaders that take a path are driven through the
shared helper here; the bundled files pass it (they load in the other tests).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rxtwin.econ
from rxtwin.data.disruption_defaults import bundled_defaults_path, load_disruption_defaults
from rxtwin.data.documents import (
    bundled_data_file,
    parse_data_text,
    provenance_line,
    read_data_file,
    sourced_values,
)
from rxtwin.data.supply_io import load_supply_defaults
from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.errors import UserInputError

RULE = "every value needs exactly one non-empty 'source:' or 'assumption:'"


def _write(tmp_path: Path, text: str | bytes, name: str = "defaults.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the shared helper

def test_sourced_values_keep_order_value_and_one_provenance_line(tmp_path):
    path = _write(tmp_path, "b:\n  value: 2\n  source: >-\n    IRS   Pub.\n    946\n"
                            "a:\n  value: x\n  assumption: why\n")
    values = sourced_values(read_data_file(path), str(path))
    assert list(values) == ["b", "a"]
    assert (values["b"].value, values["b"].provenance) == (2, "source: IRS Pub. 946")
    assert (values["a"].value, values["a"].provenance) == ("x", "assumption: why")


@pytest.mark.parametrize(("leaf", "rule"), [
    ({"value": 1}, RULE + " (got keys ['value'])"),
    ({"value": 1, "source": "a", "assumption": "b"}, RULE),
    ({"value": 1, "source": "  "}, RULE),
    ({"source": "a"}, "missing ['value']"),
    ({"value": 1, "source": "a", "unit": "h"}, "unknown keys ['unit']"),
    (3.0, RULE + "; found a bare value (got 3.0)"),
])
def test_provenance_check_names_file_key_path_and_rule(leaf, rule):
    with pytest.raises(UserInputError) as caught:
        provenance_line(leaf, "f.yaml", "press.speed_rpm")
    assert str(caught.value).startswith("f.yaml: press.speed_rpm: ")
    assert rule in str(caught.value)


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = _write(tmp_path, "a:\n  value: 1\n  source: x\nb: [1, 2\n")
    with pytest.raises(UserInputError, match=r"defaults.yaml: malformed YAML at line \d+, "
                                             r"column \d+"):
        read_data_file(path)


def test_duplicate_key_is_rejected_with_its_line():
    with pytest.raises(UserInputError, match=r"f.yaml: a \(line 3\): duplicate key \(first "
                                             r"given at line 1\)"):
        parse_data_text("a: {value: 1, source: x}\nb: {value: 2, source: y}\n"
                        "a: {value: 3, source: z}\n", "f.yaml")


def test_not_utf8_names_file_line_and_byte(tmp_path):
    path = _write(tmp_path, b"a:\n  value: 1\n  source: caf\xe9\n")
    with pytest.raises(UserInputError, match=r"defaults.yaml: line 3: not UTF-8 text "
                                             r"\(byte 0xe9"):
        read_data_file(path)


def test_missing_file_and_non_mapping_document_are_named(tmp_path):
    with pytest.raises(UserInputError, match="nope.yaml: file not found"):
        read_data_file(tmp_path / "nope.yaml")
    with pytest.raises(UserInputError, match="f.yaml: a data file is a mapping at the top "
                                             "level, found list"):
        parse_data_text("- 1\n- 2\n", "f.yaml")


def test_bundled_files_are_found():
    assert bundled_data_file("subsidies.yaml").is_file()
    assert bundled_defaults_path() == bundled_data_file("disruption_defaults.yaml")


# ------------------------------------------------------------------ through each loader

def test_supply_defaults_file_errors_name_file_and_key(tmp_path):
    path = _write(tmp_path, "tts_horizon_days:\n  value: 365\n")
    with pytest.raises(UserInputError, match=f"defaults.yaml: tts_horizon_days: {RULE}"):
        load_supply_defaults(path)
    path = _write(tmp_path, "tts_horizon_days:\n  value: 30\n  assumption: a month\n")
    assert load_supply_defaults(path) == {"tts_horizon_days": 30.0}


def test_twin_defaults_bare_value_names_its_dotted_path(tmp_path):
    path = _write(tmp_path, "blender:\n  n_tanks: 4\n")
    with pytest.raises(UserInputError, match=f"defaults.yaml: blender.n_tanks: {RULE}"):
        load_twin_defaults(path)


def test_disruption_defaults_errors_name_file_and_key_once(tmp_path):
    text = bundled_defaults_path().read_text(encoding="utf-8")
    bad = text.replace("  - category: qa_lapse\n", "  - category: qa_lapse\n    colour: red\n")
    assert bad != text
    with pytest.raises(UserInputError) as caught:
        load_disruption_defaults(_write(tmp_path, bad))
    message = str(caught.value)
    assert message.count("defaults.yaml") == 1
    assert "defaults.yaml: site_outage_modes.1: unknown keys ['colour']" in message
    with pytest.raises(UserInputError, match="defaults.yaml: line 1: not UTF-8"):
        load_disruption_defaults(_write(tmp_path, b"caf\xe9: 1\n"))


# ------------------------------------------------------------------ layering

def test_econ_engines_import_nothing_from_the_data_layer():
    # DESIGN "Layers and layout": engines never read files; econ takes its bundled defaults
    # (MACRS table, ITC basis reduction, firm profiles) as inputs from rxtwin.data.
    imported = []
    for module in Path(rxtwin.econ.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.append((module.name, node.module))
            elif isinstance(node, ast.Import):
                imported += [(module.name, alias.name) for alias in node.names]
    assert imported, "no imports found: the scan is broken"
    offending = [(f, m) for f, m in imported if m == "rxtwin.data" or m.startswith("rxtwin.data.")]
    assert offending == []
