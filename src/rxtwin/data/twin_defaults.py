"""Load the process-twin defaults (``twin_defaults.yaml``) into a typed parameter object.

Every leaf of the YAML file is ``{value: ..., source: "..."}`` or
``{value: ..., assumption: "..."}``; :func:`load_twin_defaults` returns the values as a
frozen :class:`rxtwin.twin.parameters.TwinParameters` and :func:`twin_defaults_provenance`
the provenance text of each value by dotted path.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rxtwin.errors import UserInputError
from rxtwin.twin.parameters import TwinParameters

_PROVENANCE_KEYS = ("source", "assumption")


def _default_path() -> Path:
    return Path(str(resources.files("rxtwin.data").joinpath("twin_defaults.yaml")))


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


def _strip(node: Any, path: str, provenance: dict[str, str]) -> Any:
    if _is_leaf(node):
        extra = set(node) - {"value", *_PROVENANCE_KEYS}
        given = [k for k in _PROVENANCE_KEYS if k in node]
        if extra or len(given) != 1 or not str(node[given[0]]).strip():
            raise UserInputError(
                f"twin defaults '{path}': a leaf needs 'value' and exactly one non-empty "
                f"'source' or 'assumption' (got keys {sorted(node)})"
            )
        provenance[path] = f"{given[0]}: {node[given[0]]}"
        return node["value"]
    if isinstance(node, dict):
        return {k: _strip(v, f"{path}.{k}" if path else k, provenance) for k, v in node.items()}
    if isinstance(node, list):
        return [_strip(v, f"{path}[{i}]", provenance) for i, v in enumerate(node)]
    raise UserInputError(f"twin defaults '{path}': value {node!r} has no source or assumption")


def _read(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    provenance: dict[str, str] = {}
    values = _strip(raw, "", provenance)
    return values, provenance


def load_twin_defaults(path: Path | None = None) -> TwinParameters:
    """Load the twin defaults as a validated, frozen parameter object.

    Parameters
    ----------
    path : pathlib.Path, optional
        YAML file in the ``twin_defaults.yaml`` layout; the bundled file when omitted.

    Returns
    -------
    TwinParameters
        Every twin parameter, validated (pydantic, ``extra="forbid"``, frozen).
    """
    values, _ = _read(path or _default_path())
    return TwinParameters.model_validate(values)


def twin_defaults_provenance(path: Path | None = None) -> dict[str, str]:
    """Provenance text (``"source: ..."`` or ``"assumption: ..."``) by dotted parameter path."""
    _, provenance = _read(path or _default_path())
    return provenance
