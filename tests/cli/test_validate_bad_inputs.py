"""`rxtwin validate` on bad input: one line per problem naming the field, exit code 2,
never a traceback, over a catalogue of distinct bad inputs."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.data.scenarios import bundled_scenario_dir, read_scenario_document

runner = CliRunner()


@pytest.fixture(scope="module")
def good_document() -> dict:
    return read_scenario_document(bundled_scenario_dir() / "generic_oral_solid.yaml")


def _mutate(document: dict, change) -> dict:
    doc = copy.deepcopy(document)
    change(doc)
    return doc


def _set(path: list, value):
    def change(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _delete(path: list):
    def change(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


def _add_edges(doc):
    doc["supply_edges"][0]["share"] = 0.8


# (label, change to the good document, text the error line must contain)
SEMANTIC_CASES = [
    # (firm.hurdle_rate may be left out: the named firm profile fills it)
    ("missing field", _delete(["firm", "labour_usd_per_fte_yr"]),
     "firm.labour_usd_per_fte_yr: required field"),
    ("wrong type for a number", _set(["products", 0, "demand_units_per_yr"], "lots"),
     "products.0.demand_units_per_yr"),
    ("unit given as text", _set(["technologies", 0, "capex_usd"], "5 MUSD"),
     "technologies.0.capex_usd"),
    ("share sum not 1", _add_edges, "sum to 0.8, must be 1.0"),
    ("dangling line -> technology reference", _set(["lines", 0, "technology_id"], "laser"),
     "lines.0.technology_id"),
    ("dangling product reference", _set(["lines", 0, "product_ids"], ["atorvastatin", "ghost"]),
     "lines.0.product_ids.1"),
    ("negative duration", _set(["technologies", 0, "changeover_h"],
                               {"dist": "uniform", "low": -4, "high": 8}),
     "technologies.0.changeover_h"),
    ("probability above 1", _set(["failure_modes", 0, "probability_per_event"], 1.5),
     "failure_modes.0.probability_per_event"),
    ("huge number", _set(["technologies", 2, "capex_usd"], 1e300),
     "technologies.2.capex_usd"),
    ("unknown field (typo)", _set(["firm", "hurdle_rte"], 0.1), "firm.hurdle_rte: unknown field"),
    ("duplicate id", _set(["technologies", 1, "id"], "batch"), "technologies.1.id"),
    ("unknown technology kind", _set(["technologies", 0, "kind"], "quantum"),
     "technologies.0.kind"),
    ("unknown distribution", _set(["technologies", 0, "changeover_h"], {"dist": "weibull"}),
     "technologies.0.changeover_h"),
    ("bad provenance text", _set(["sources", "firm.tax_rate"], "IRS"),
     "must start with 'source:' or 'assumption:'"),
    ("uncertain path to nothing", _set(["uncertain", 0, "path"], "technologies.warp.capex_usd"),
     "uncertain.0.path"),
    ("hours beyond a year", _set(["lines", 0, "available_h_per_yr"], 9000),
     "lines.0.available_h_per_yr"),
    ("per-event mode given a rate", _set(["failure_modes", 0, "rate_per_yr"], 2.0),
     "failure_modes.0"),
    ("NaN value", _set(["firm", "tax_rate"], float("nan")), "firm.tax_rate"),
]


def _assert_clean_failure(result, expected: str) -> None:
    output = result.output
    assert result.exit_code == 2, output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in output
    assert expected in output, output
    for line in output.strip().splitlines():
        assert line.startswith("error: "), line


@pytest.mark.parametrize("label,change,expected", SEMANTIC_CASES,
                         ids=[case[0] for case in SEMANTIC_CASES])
def test_bad_scenario_gives_one_line_error_and_exit_2(tmp_path, good_document, label, change,
                                                      expected):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_mutate(good_document, change)))
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, expected)
    assert str(path) in result.output  # names the file


SYNTAX_CASES = [
    ("empty file", b"", "file is empty"),
    ("only whitespace", b"  \n\n", "file is empty"),
    ("malformed YAML", b"name: [unclosed\nfirm: {", "malformed YAML at line"),
    ("binary garbage", bytes(range(256)) * 4, "not a text file"),
    ("not UTF-8", "name: caf\u00e9".encode("latin-1"), "not UTF-8"),
    ("top level is a list", b"- a\n- b\n", "must be a mapping"),
    ("duplicate YAML key", b"name: a\nname: b\n", "name (line 2): duplicate key"),
    ("malformed JSON", b'{"name": ', "malformed JSON"),
]


@pytest.mark.parametrize("label,content,expected", SYNTAX_CASES,
                         ids=[case[0] for case in SYNTAX_CASES])
def test_unreadable_file_gives_one_line_error_and_exit_2(tmp_path, label, content, expected):
    suffix = ".json" if "JSON" in label else ".yaml"
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, expected)


def test_missing_file_and_unknown_bundled_name(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    _assert_clean_failure(result, "no such file or bundled scenario")


def test_every_problem_is_reported_at_once(tmp_path, good_document):
    doc = _mutate(good_document, _set(["lines", 0, "technology_id"], "laser"))
    doc = _mutate(doc, _add_edges)
    doc = _mutate(doc, _set(["firm", "tax_rate"], 2.0))
    doc = _mutate(doc, _set(["products", 3, "price_usd_per_unit"], -1))
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    # field errors are found together; cross-reference errors once fields are valid
    assert "firm.tax_rate" in result.output and "products.3.price_usd_per_unit" in result.output
    fixed = _mutate(doc, _set(["firm", "tax_rate"], 0.2))
    fixed = _mutate(fixed, _set(["products", 3, "price_usd_per_unit"], 0.05))
    path.write_text(yaml.safe_dump(fixed))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "lines.0.technology_id" in result.output and "sum to 0.8" in result.output


def test_json_scenario_validates(tmp_path, good_document):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good_document))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_real_process_prints_no_traceback(tmp_path):
    """The installed entry point, in a real process: stderr has one line, exit code 2."""
    path = tmp_path / "garbage.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    proc = subprocess.run([sys.executable, "-m", "rxtwin", "validate", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip().count("\n") == 0
    assert str(path) in proc.stderr


def test_extends_loop_is_reported(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    result = runner.invoke(app, ["validate", str(tmp_path / "a.yaml")])
    _assert_clean_failure(result, "loop")


def test_csv_table_with_bad_cell_names_row_field(tmp_path, good_document):
    doc = copy.deepcopy(good_document)
    products = doc.pop("products")
    header = ["id", "name", "dosage_form", "api_id", "demand_units_per_yr",
              "price_usd_per_unit", "material_cost_usd_per_unit", "shelf_life_days"]
    rows = [",".join(header)]
    for i, p in enumerate(products):
        demand = "many" if i == 2 else str(p["demand_units_per_yr"])
        rows.append(",".join([p["id"], p["name"], p["dosage_form"], p["api_id"], demand,
                              str(p["price_usd_per_unit"]), str(p["material_cost_usd_per_unit"]),
                              str(p["shelf_life_days"])]))
    (tmp_path / "products.csv").write_text("\n".join(rows) + "\n")
    doc["products"] = {"from_csv": "products.csv"}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, "products.2.demand_units_per_yr")
    rows[3] = rows[3].replace("many", "5000000")
    (tmp_path / "products.csv").write_text("\n".join(rows) + "\n")
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
