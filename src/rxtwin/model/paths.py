"""Dotted field paths into a scenario document, lists addressed by item id.

``technologies.cm.capex_usd`` names the ``capex_usd`` of the technology whose id is
``cm``; a list item may also be addressed by its position (``products.0.price_usd_per_unit``).
Used by ``sources`` (provenance of each value) and ``uncertain`` (distributions).
"""

from __future__ import annotations

import copy
from typing import Any


class PathError(KeyError):
    """A path that does not resolve; ``str()`` says which segment failed."""

    def __str__(self) -> str:
        return str(self.args[0])


def _step(node: Any, segment: str, walked: str) -> Any:
    if isinstance(node, dict):
        if segment not in node:
            raise PathError(f"'{walked}' has no field '{segment}'")
        return node[segment]
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("id") == segment:
                return item
        if segment.isdigit() and int(segment) < len(node):
            return node[int(segment)]
        raise PathError(f"'{walked}' has no item with id '{segment}'")
    raise PathError(f"'{walked}' is a value, not a mapping or list (cannot take '{segment}')")


def resolve_path(document: dict, path: str) -> Any:
    """Return the value at ``path`` in a plain (JSON-like) scenario document."""
    node: Any = document
    walked = ""
    for segment in path.split("."):
        node = _step(node, segment, walked or "<scenario>")
        walked = f"{walked}.{segment}" if walked else segment
    return node


def set_path(document: dict, path: str, value: Any) -> dict:
    """Return a deep copy of ``document`` with the value at ``path`` replaced."""
    result = copy.deepcopy(document)
    segments = path.split(".")
    parent = resolve_path(result, ".".join(segments[:-1])) if len(segments) > 1 else result
    last = segments[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PathError(f"'{'.'.join(segments[:-1])}' has no field '{last}'")
        parent[last] = value
    elif isinstance(parent, list):
        for index, item in enumerate(parent):
            if isinstance(item, dict) and item.get("id") == last:
                parent[index] = value
                break
        else:
            if not (last.isdigit() and int(last) < len(parent)):
                raise PathError(f"no item with id '{last}'")
            parent[int(last)] = value
    else:
        raise PathError(f"cannot set '{path}': its parent is a value")
    return result


def numeric_leaf_paths(document: Any, prefix: str = "") -> list[str]:
    """Every path to a number (not bool) in the document, lists addressed by item id."""
    paths: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            paths += numeric_leaf_paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(document, list):
        for index, item in enumerate(document):
            label = item.get("id", str(index)) if isinstance(item, dict) else str(index)
            paths += numeric_leaf_paths(item, f"{prefix}.{label}" if prefix else str(label))
    elif isinstance(document, int | float) and not isinstance(document, bool):
        paths.append(prefix)
    return paths


def expand_path(document: dict, path: str) -> list[str]:
    """Concrete paths matched by ``path``, where a ``*`` segment matches every list item
    (by id) or every mapping key. A path without ``*`` expands to itself if it resolves.

    Raises :class:`PathError` when nothing matches.
    """
    matches = [""]
    for segment in path.split("."):
        next_matches = []
        for prefix in matches:
            node = resolve_path(document, prefix) if prefix else document
            if segment == "*":
                if isinstance(node, list):
                    labels = [item.get("id", str(i)) if isinstance(item, dict) else str(i)
                              for i, item in enumerate(node)]
                elif isinstance(node, dict):
                    labels = list(node)
                else:
                    continue
            else:
                try:
                    _step(node, segment, prefix or "<scenario>")
                except PathError:
                    continue
                labels = [segment]
            next_matches += [f"{prefix}.{label}" if prefix else label for label in labels]
        matches = next_matches
    if not matches:
        raise PathError(f"'{path}' matches no field")
    return matches


def covered_by(path: str, provenance_keys: list[str]) -> bool:
    """True when a provenance key names ``path``, one of its parents, or a wildcard form
    of either (``products.*.price_usd_per_unit`` covers ``products.p1.price_usd_per_unit``)."""
    segments = path.split(".")
    for key in provenance_keys:
        key_segments = key.split(".")
        if len(key_segments) > len(segments):
            continue
        if all(k == "*" or k == s for k, s in zip(key_segments, segments, strict=False)):
            return True
    return False
