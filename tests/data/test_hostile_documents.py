"""The document reader (`rxtwin.data.documents`) on the hostile corpus and on the bundled
files: every hostile document is refused with its one-line reason, as a limit exactly when
the web answers 413, by the libyaml-backed and the pure-Python loader alike; the bundled
scenarios and data files read the same through both loaders and within every limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hostile_documents import SPARSE_BYTES, Hostile, corpus, write

from rxtwin.data import documents
from rxtwin.data.documents import (
    LIMITS,
    DocumentLimits,
    load_text,
    numbers_from_text,
    read_bytes,
)
from rxtwin.data.scenarios import (
    MAX_EXTENDS_DEPTH,
    bundled_scenario_dir,
    load_scenario,
    read_scenario_document,
)
from rxtwin.errors import InputError, LimitExceededError, Problem
from rxtwin.model import Product, Scenario

CASES = corpus()
DATA_DIR = Path(documents.__file__).parent
BUNDLED_YAML = sorted(DATA_DIR.rglob("*.yaml"))
LOADERS = {"libyaml": documents._Loader, "pure": documents._PureLoader}


def _refusal(case: Hostile, folder: Path) -> InputError:
    path = write(case, folder)
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    # a hang detector, not a speed target: expanded in full, these documents take minutes
    # and gigabytes; refused, well under a second with libyaml and a few seconds with the
    # pure-Python loader on a loaded 2-core machine (benchmarks/web.py --hostile reports
    # the figures)
    assert time.perf_counter() - started < 60.0, case.name
    return caught.value


@pytest.mark.parametrize("loader", LOADERS, ids=list(LOADERS))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_document_is_refused_with_its_reason(tmp_path, monkeypatch, case, loader):
    monkeypatch.setattr(documents, "_Loader", LOADERS[loader])
    error = _refusal(case, tmp_path)
    lines = [p.line() for p in error.problems]
    assert any(case.reason in line for line in lines), lines
    assert all("\n" not in line and len(line) < 400 for line in lines), lines
    if case.status is not None and case.web_reason is None:
        assert isinstance(error, LimitExceededError) == (case.status == 413), lines


def test_the_fast_loader_is_libyaml_when_pyyaml_has_it():
    if yaml.__with_libyaml__:
        assert documents._Loader is documents._FastLoader
    else:  # pragma: no cover - depends on how PyYAML was built
        assert documents._Loader is documents._PureLoader


@pytest.mark.parametrize("path", BUNDLED_YAML, ids=[p.name for p in BUNDLED_YAML])
def test_bundled_files_read_alike_through_both_loaders_within_the_limits(path):
    text = path.read_text(encoding="utf-8")
    read = {}
    for name, loader in LOADERS.items():
        parser = loader(text, LIMITS)
        node = parser.get_single_node()
        read[name] = parser.construct_document(node)
        assert parser._nodes <= LIMITS.max_nodes // 20 and parser._deepest <= 8
        parser.dispose()
    assert read["libyaml"] == read["pure"] == yaml.safe_load(text)


def test_a_twelve_file_extends_chain_loads(tmp_path):
    for i in range(12):
        parent = f"s{i + 1}.yaml" if i < 11 else "metformin"
        (tmp_path / f"s{i}.yaml").write_text(f"extends: {parent}\nname: s{i}\n")
    scenario = load_scenario(tmp_path / "s0.yaml")
    assert scenario.name == "s0"
    assert scenario.products == load_scenario("metformin").products


def test_the_longest_allowed_chain_loads_and_one_more_file_is_refused(tmp_path):
    def chain(n: int) -> Path:
        for i in range(n):
            parent = f"s{i + 1}.yaml" if i < n - 1 else "metformin"
            (tmp_path / f"s{i}.yaml").write_text(f"extends: {parent}\nname: s{i}\n")
        return tmp_path / "s0.yaml"

    # metformin extends generic_oral_solid: n files of ours plus two bundled ones
    assert load_scenario(chain(MAX_EXTENDS_DEPTH - 2)).name == "s0"
    with pytest.raises(InputError, match=f"may hold {MAX_EXTENDS_DEPTH} files"):
        load_scenario(chain(MAX_EXTENDS_DEPTH - 1))


def test_a_file_met_twice_without_a_loop_is_fine(tmp_path):
    """Two files extending the same parent is not a loop."""
    (tmp_path / "base.yaml").write_text("extends: metformin\nname: base\n")
    (tmp_path / "a.yaml").write_text("extends: base.yaml\nname: a\n")
    assert read_scenario_document(tmp_path / "a.yaml")["name"] == "a"
    assert read_scenario_document(tmp_path / "base.yaml")["name"] == "base"


def test_yaml_anchors_within_the_limits_still_work():
    text = ("sources: &s {a: one, b: two}\n"
            "products:\n  - &p {id: p1, name: x}\n  - *p\nother: *s\n")
    document = load_text(text, "ok.yaml")
    assert document["products"] == [{"id": "p1", "name": "x"}] * 2
    assert document["other"] == {"a": "one", "b": "two"}


def test_the_limits_count_values_depth_and_text_exactly():
    limits = DocumentLimits(max_nodes=10, max_depth=3, max_string_chars=5, max_int_digits=3)
    assert load_text("a: [1, 2, 3]", "ok.yaml", limits=limits) == {"a": [1, 2, 3]}  # 6 values
    with pytest.raises(LimitExceededError, match="more than 10 values"):
        load_text("a: &x [1, 2, 3]\nb: *x", "x.yaml", limits=limits)  # 6 + 1 + 4 = 11
    assert load_text("a: [[1]]", "ok.yaml", limits=DocumentLimits(max_depth=4))
    with pytest.raises(LimitExceededError, match="deeper than 3 levels"):
        load_text("a: [[1]]", "x.yaml", limits=limits)
    with pytest.raises(LimitExceededError, match="deeper than 3 levels"):
        load_text('{"a": [[1]]}', "x.json", limits=limits)
    assert load_text("a: abcde\nb: 999", "ok.yaml", limits=limits) == {"a": "abcde", "b": 999}
    with pytest.raises(LimitExceededError, match="text of 6 characters; the limit is 5"):
        load_text("a: abcdef", "x.yaml", limits=limits)
    with pytest.raises(LimitExceededError, match="integer of 4 digits; the limit is 3"):
        load_text('{"a": -1000}', "x.json", limits=limits)


def test_yaml_reads_exponent_floats_as_numbers_and_quoted_ones_as_text():
    document = load_text("a: 1e6\nb: 2.5e-3\nc: '1e6'\nd: 4E+2\ne: 1.5\nf: 7\n", "f.yaml")
    assert document == {"a": 1e6, "b": 2.5e-3, "c": "1e6", "d": 400.0, "e": 1.5, "f": 7}


def test_a_regular_file_is_read_whole_and_an_oversized_one_refused_without_reading(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_bytes(b"x" * 100)
    assert read_bytes(path, DocumentLimits(max_bytes=100)) == b"x" * 100
    with pytest.raises(LimitExceededError, match="file is 101 bytes; the limit is 100"):
        path.write_bytes(b"x" * 101)
        read_bytes(path, DocumentLimits(max_bytes=100))
    sparse = tmp_path / "sparse.yaml"
    with open(sparse, "wb") as handle:
        handle.truncate(SPARSE_BYTES)
    with pytest.raises(LimitExceededError, match=f"file is {SPARSE_BYTES:,} bytes"):
        read_bytes(sparse)


def test_a_problem_line_previews_a_huge_value_quickly():
    value = ["lol"] * 10
    for _ in range(9):  # 10**10 leaves if fully expanded
        value = [value] * 10
    started = time.perf_counter()
    line = Problem("f.yaml", "description", value, "must be text").line()
    # a hang detector: the full repr of 10**10 leaves would not finish at all
    assert time.perf_counter() - started < 5.0
    assert line.startswith("f.yaml: description: must be text (got [[[[") and len(line) < 120
    assert "digits" in Problem("f.yaml", "n", 10**5000, "too big").line()


def test_numbers_from_text_types_csv_cells_by_field():
    record = {"id": "007", "name": "500", "demand_units_per_yr": "5e6", "criticality": "0.5",
              "shelf_life_days": "many", "unknown": "1"}
    typed = numbers_from_text(Product, record)
    assert typed == {"id": "007", "name": "500", "demand_units_per_yr": 5e6,
                     "criticality": 0.5, "shelf_life_days": "many", "unknown": "1"}
    assert numbers_from_text(Scenario, {"horizon_yr": "12"}) == {"horizon_yr": 12}
    assert numbers_from_text(Scenario, {"horizon_yr": "12.5"}) == {"horizon_yr": "12.5"}


def test_every_bundled_scenario_still_loads():
    for path in sorted(bundled_scenario_dir().glob("*.yaml")):
        assert load_scenario(path).name
