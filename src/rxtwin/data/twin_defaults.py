"""Load the process-twin defaults (``twin_defaults.yaml``) into a typed parameter object.

Every leaf of the YAML file is ``{value: ..., source: "..."}`` or
``{value: ..., assumption: "..."}``; :func:`load_twin_defaults` returns the values as a
frozen :class:`rxtwin.model.twin.TwinParameters` and :func:`twin_defaults_provenance`
the provenance text of each value by dotted path. The file is read and parsed, and each
leaf's provenance checked, by :mod:`rxtwin.data.documents`
(:func:`~rxtwin.data.documents.read_data_file`,
:func:`~rxtwin.data.documents.provenance_line`); this module walks the nested structure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rxtwin.data.documents import bundled_data_file, provenance_line, read_data_file
from rxtwin.model.twin import TwinParameters


def _default_path() -> Path:
    return bundled_data_file("twin_defaults.yaml")


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


def _strip(node: Any, path: str, provenance: dict[str, str], file: str) -> Any:
    """The values of ``node`` without their provenance, which goes to ``provenance``."""
    if isinstance(node, dict) and not _is_leaf(node):
        return {k: _strip(v, f"{path}.{k}" if path else k, provenance, file)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_strip(v, f"{path}[{i}]", provenance, file) for i, v in enumerate(node)]
    provenance[path] = provenance_line(node, file, path)  # a leaf, or a bare value: rejected
    return node["value"]


def _read(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    provenance: dict[str, str] = {}
    values = _strip(read_data_file(path), "", provenance, str(path))
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

    Raises
    ------
    rxtwin.errors.UserInputError
        The file is not UTF-8 YAML, or a value lacks exactly one ``source``/``assumption``
        (the message names the file, the line or the dotted key path, and the rule).
    pydantic.ValidationError
        A value is unknown or out of its range.
    """
    values, _ = _read(path or _default_path())
    return TwinParameters.model_validate(values)


def twin_defaults_provenance(path: Path | None = None) -> dict[str, str]:
    """Provenance text (``"source: ..."`` or ``"assumption: ..."``) by dotted parameter path."""
    _, provenance = _read(path or _default_path())
    return provenance
