"""The data layer sits below the engines (docs/design.md, "Layers and layout"):
``rxtwin.data`` imports only ``rxtwin.model``, ``rxtwin.stats``, ``rxtwin.errors`` and
itself. Every import statement counts, at module level, under ``TYPE_CHECKING`` or inside a
function."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_scan import imported_modules

import rxtwin.data

ALLOWED = ("rxtwin.data", "rxtwin.model", "rxtwin.stats", "rxtwin.errors")
ENGINES = ("line", "supply", "econ", "twin", "uq", "priority", "consortium")
DATA_DIR = Path(rxtwin.data.__file__).parent


def outside_the_layer(names: list[str]) -> list[str]:
    return [n for n in names if (n == "rxtwin" or n.startswith("rxtwin."))
            and not any(n == a or n.startswith(a + ".") for a in ALLOWED)]


def test_the_scan_sees_module_level_type_checking_and_function_level_imports(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nimport rxtwin.model\n"
        "if TYPE_CHECKING:\n    from rxtwin.twin.platform import PlatformLibrary\n"
        "def f():\n    import rxtwin.uq.sampling\n    from . import documents\n"
        "    from ..supply import network\n", encoding="utf-8")
    names = imported_modules(source, "rxtwin.data")
    assert outside_the_layer(names) == ["rxtwin.twin.platform", "rxtwin.uq.sampling",
                                        "rxtwin.supply"]
    assert "rxtwin.data" in names and "rxtwin.model" in names


@pytest.mark.parametrize(
    "file", sorted(p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*.py")))
def test_a_data_module_imports_no_engine_and_nothing_above_the_data_layer(file):
    package = ".".join(["rxtwin.data", *file.split("/")[:-1]])
    offending = outside_the_layer(imported_modules(DATA_DIR / file, package))
    engines = [n for n in offending if n.split(".")[1] in ENGINES]
    assert engines == [], f"src/rxtwin/data/{file} imports engine modules {engines}"
    assert offending == [], f"src/rxtwin/data/{file} imports {offending} from above the data layer"
