"""Which modules a source file imports, read from its syntax tree (no import is run).

Every import statement counts: at module level, under ``if TYPE_CHECKING:`` and inside
functions, which is where a layering breach or an import cycle hides from a plain
``import``. The layer rules are in docs/design.md, "Layers and layout".
"""

from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path, package: str) -> list[str]:
    """Absolute names of the modules every import statement of ``path`` names (relative
    imports resolved against ``package``)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module)
    return names
