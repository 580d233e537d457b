"""The technology appraisal's layers point down (docs/design.md, "Layers and layout"): the
econ engine reads no file and composes no other engine; the line, uq and data pieces it
meets through rxtwin.model do not import it; only rxtwin.runs joins them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rxtwin

SRC = Path(rxtwin.__file__).parent


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m == "rxtwin" or m.startswith("rxtwin.")}


def _packages(modules: set[str]) -> set[str]:
    return {m.split(".")[1] if "." in m else "" for m in modules}


def test_econ_imports_only_itself_and_the_ground_floor():
    found = {path.name: _packages(_imports(path)) for path in (SRC / "econ").glob("*.py")}
    assert found["technology.py"] and found["technology_breakeven.py"]  # the scan works
    allowed = {"econ", "model", "stats", "errors"}
    assert {name: sorted(p - allowed) for name, p in found.items() if p - allowed} == {}


@pytest.mark.parametrize(("module", "forbidden"), [
    ("uq/technology.py", {"econ", "line", "runs", "compute", "store", "data"}),
    ("line/performance.py", {"econ", "uq", "runs", "compute", "store", "data"}),
    ("model/performance.py", {"econ", "line", "uq", "data", "runs"}),
    ("model/variants.py", {"econ", "line", "uq", "data", "runs"}),
    ("model/finance.py", {"econ", "line", "uq", "data", "runs"}),
    ("data/econ_defaults.py", {"econ", "line", "uq", "runs"}),
    ("data/appraisal_defaults.py", {"econ", "line", "uq", "runs"}),
])
def test_the_pieces_around_the_appraisal_do_not_import_it(module, forbidden):
    imported = _packages(_imports(SRC / module))
    assert imported, f"no rxtwin imports found in {module}: the scan is broken"
    assert imported & forbidden == set()


def test_the_old_top_level_modules_are_gone():
    assert not (SRC / "appraisal.py").exists() and not (SRC / "econ_runs.py").exists()
