"""The layers of docs/design.md hold: import-linter's contracts in pyproject.toml pass, and
no module sits at the top of the package outside a layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "rxtwin"

#: The only modules allowed at the top of the package; everything else lives in a layer.
TOP_LEVEL_MODULES = {"__init__.py", "__main__.py", "errors.py"}


def test_import_contracts_hold():
    # lint-imports exits 0 only when every contract of [tool.importlinter] is kept
    # (--no-cache: a cached graph of an older tree would be judged instead of this one)
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_no_module_outside_a_layer():
    stray = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in TOP_LEVEL_MODULES)
    assert stray == [], f"modules at the top of src/rxtwin outside any layer: {stray}"
