"""The domain model is the floor of the layers (docs/design.md, "Layers and layout"): its
modules import only each other and ``rxtwin.errors``, and never in a cycle, counting every
import statement (module level, ``TYPE_CHECKING`` blocks, function bodies)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from import_scan import imported_modules

import rxtwin.model

MODEL_DIR = Path(rxtwin.model.__file__).parent


def _model_imports() -> dict[str, list[str]]:
    """Module name -> rxtwin modules it imports, for every module of rxtwin.model."""
    imports = {}
    for path in sorted(MODEL_DIR.glob("*.py")):
        name = "rxtwin.model" if path.stem == "__init__" else f"rxtwin.model.{path.stem}"
        imports[name] = [m for m in imported_modules(path, "rxtwin.model")
                         if m == "rxtwin" or m.startswith("rxtwin.")]
    return imports


def test_model_modules_import_only_the_model_and_errors():
    imports = _model_imports()
    assert "rxtwin.model.scenario" in imports and imports["rxtwin.model.scenario"]
    outside = {module: [m for m in names
                        if m != "rxtwin.errors" and not m.startswith("rxtwin.model")]
               for module, names in imports.items()}
    assert {module: names for module, names in outside.items() if names} == {}


def test_model_modules_import_each_other_without_a_cycle():
    graph = nx.DiGraph()
    for module, names in _model_imports().items():  # the package itself is a node too
        graph.add_edges_from((module, m) for m in names if m.startswith("rxtwin.model"))
    assert graph.number_of_edges() > 0, "no model-to-model imports found: the scan is broken"
    assert list(nx.simple_cycles(graph)) == []
