"""Where a scenario document takes values from released consortium statistics.

A **reference** is a mapping ``{consortium: NAME@VERSION}``, with ``cell: {column: value}``
for a grouped release, put where a value goes. Finding them needs no store (so
``rxtwin validate`` stays light); resolving them does
(:func:`rxtwin.runs.consortium.resolve_consortium_priors`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["REFERENCE_KEY", "find_references", "is_reference"]

REFERENCE_KEY = "consortium"


def is_reference(node: Any) -> bool:
    """Whether ``node`` is a reference (``consortium`` and at most ``cell`` as keys)."""
    return isinstance(node, dict) and REFERENCE_KEY in node and \
        set(node) <= {REFERENCE_KEY, "cell"}


def find_references(node: Any, path: tuple[str, ...] = ()
                    ) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Every reference in a document, in document order, with its path: mapping keys, and
    for list items their ``id`` (else their index). The top-level ``sources`` is skipped."""
    if is_reference(node):
        yield path, node
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if path == () and key == "sources":
                continue
            yield from find_references(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            step = item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) \
                else str(index)
            yield from find_references(item, (*path, step))
